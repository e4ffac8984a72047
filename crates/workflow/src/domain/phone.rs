//! Japanese telephone numbers, for the office to call the cardholder or proxy.

use serde::{Deserialize, Serialize};

use super::text::{fold_width, trim};

/// Why a telephone number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing was entered.
    #[error("the telephone number is empty")]
    Empty,
    /// A character other than digits, hyphens, spaces and parentheses.
    #[error("the telephone number contains `{0}`")]
    InvalidCharacter(char),
    /// Domestic numbers start with 0.
    #[error("a Japanese telephone number starts with 0")]
    MustStartWithZero,
    /// Domestic numbers have 10 digits (11 for mobiles, 050, 0120…).
    #[error("a Japanese telephone number has 10 or 11 digits, not {0}")]
    WrongLength(usize),
}

/// A domestic telephone number, kept as digits and shown as entered-ish
/// (`03-1234-5678` formatting is the clerk's; the digits are what matter).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Parses a number; full-width digits, hyphens, spaces and parentheses are accepted.
    pub fn parse(input: &str) -> Result<Phone, PhoneError> {
        let mut digits = String::new();
        for c in trim(input).chars().map(fold_width) {
            match c {
                '0'..='9' => digits.push(c),
                '-' | ' ' | '(' | ')' => {}
                other => return Err(PhoneError::InvalidCharacter(other)),
            }
        }
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        if !digits.starts_with('0') {
            return Err(PhoneError::MustStartWithZero);
        }
        if !(10..=11).contains(&digits.len()) {
            return Err(PhoneError::WrongLength(digits.len()));
        }
        Ok(Phone(digits))
    }

    /// The digits only, e.g. `0312345678`.
    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Phone {
    type Error = PhoneError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Phone::parse(&s)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

impl std::fmt::Display for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Phone(…{})", &self.0[self.0.len().saturating_sub(2)..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landline_and_mobile_numbers_in_any_width_are_accepted() {
        assert_eq!(Phone::parse("03-1234-5678").unwrap().digits(), "0312345678");
        assert_eq!(
            Phone::parse("０９０－１２３４－５６７８").unwrap().digits(),
            "09012345678"
        );
    }

    #[test]
    fn malformed_numbers_name_their_reason() {
        assert_eq!(
            Phone::parse("3-1234-5678"),
            Err(PhoneError::MustStartWithZero)
        );
        assert_eq!(Phone::parse("03-1234-567"), Err(PhoneError::WrongLength(9)));
        assert_eq!(
            Phone::parse("03-1234-567x"),
            Err(PhoneError::InvalidCharacter('x'))
        );
        assert_eq!(Phone::parse(""), Err(PhoneError::Empty));
    }
}
