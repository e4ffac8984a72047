//! Japanese postal codes (郵便番号).

use serde::{Deserialize, Serialize};

use super::text::{fold_width, trim};

/// Why a postal code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostalCodeError {
    /// Nothing was entered.
    #[error("the postal code is empty")]
    Empty,
    /// A character other than a digit or a single hyphen after the third digit.
    #[error("the postal code contains `{0}`; only digits and one hyphen (150-0001) are allowed")]
    InvalidCharacter(char),
    /// Not exactly seven digits, or a hyphen in the wrong place.
    #[error("a postal code has 7 digits, written 150-0001 or 1500001")]
    WrongShape,
}

/// A seven-digit postal code, displayed as `150-0001`.
///
/// Parsing accepts full-width digits and dashes (`１５０－０００１`), with or
/// without the hyphen after the third digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PostalCode([u8; 7]);

impl PostalCode {
    /// Parses a postal code.
    pub fn parse(input: &str) -> Result<PostalCode, PostalCodeError> {
        let folded: Vec<char> = trim(input).chars().map(fold_width).collect();
        if folded.is_empty() {
            return Err(PostalCodeError::Empty);
        }
        if let Some(bad) = folded.iter().find(|c| !c.is_ascii_digit() && **c != '-') {
            return Err(PostalCodeError::InvalidCharacter(*bad));
        }
        let digits: Vec<u8> = match folded.len() {
            7 if folded.iter().all(char::is_ascii_digit) => folded.iter().map(digit).collect(),
            8 if folded[3] == '-' && folded.iter().filter(|c| **c == '-').count() == 1 => {
                folded.iter().filter(|c| **c != '-').map(digit).collect()
            }
            _ => return Err(PostalCodeError::WrongShape),
        };
        let mut out = [0u8; 7];
        out.copy_from_slice(&digits);
        Ok(PostalCode(out))
    }

    /// The seven digits without hyphen, e.g. `1500001`.
    pub fn digits(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

fn digit(c: &char) -> u8 {
    // Callers only pass ASCII digits.
    u8::try_from(c.to_digit(10).unwrap_or(0)).unwrap_or(0)
}

impl std::fmt::Display for PostalCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.digits();
        write!(f, "{}-{}", &d[..3], &d[3..])
    }
}

impl TryFrom<String> for PostalCode {
    type Error = PostalCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PostalCode::parse(&s)
    }
}

impl From<PostalCode> for String {
    fn from(p: PostalCode) -> String {
        p.to_string()
    }
}

impl std::str::FromStr for PostalCode {
    type Err = PostalCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PostalCode::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_accepted_spelling_normalises_to_the_hyphenated_form() {
        for input in [
            "150-0001",
            "1500001",
            "１５０－０００１",
            "１５００００１",
            " 150-0001 ",
            "150ー0001",
        ] {
            assert_eq!(
                PostalCode::parse(input).unwrap().to_string(),
                "150-0001",
                "{input}"
            );
        }
    }

    #[test]
    fn wrong_lengths_and_misplaced_hyphens_are_refused() {
        for input in ["150001", "15000011", "15-00001", "150--0001", "1500-001"] {
            assert_eq!(
                PostalCode::parse(input),
                Err(PostalCodeError::WrongShape),
                "{input}"
            );
        }
        assert_eq!(
            PostalCode::parse("150-000A"),
            Err(PostalCodeError::InvalidCharacter('A'))
        );
        assert_eq!(PostalCode::parse("  "), Err(PostalCodeError::Empty));
    }
}
