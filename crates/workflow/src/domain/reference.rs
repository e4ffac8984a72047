//! Case reference numbers printed on letters and spoken over the counter:
//! `R8-000123-4` = Reiwa year 8, sequence 123 within the year, check digit 4.
//!
//! The check digit is the Damm check digit of the six sequence digits: it
//! catches every single-digit slip and every swap of two adjacent digits, the
//! two mistakes people make when copying a number from a letter. The era year is
//! checked only for range.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::text::{fold_width, trim};

/// The largest sequence number a year can hold.
pub const MAX_SEQUENCE: u32 = 999_999;

/// Why a reference number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceNumberError {
    /// Not of the form `R<year>-<6 digits>-<check digit>`.
    #[error("a reference number looks like R8-000123-4")]
    WrongShape,
    /// The check digit does not match: the number was mistyped.
    #[error("the check digit does not match; the reference number was probably mistyped")]
    WrongCheckDigit,
    /// The Reiwa year is 0 or above 99.
    #[error("the era year must be between 1 and 99")]
    YearOutOfRange,
    /// The sequence is 0 or above [`MAX_SEQUENCE`].
    #[error("the sequence must be between 1 and 999999")]
    SequenceOutOfRange,
    /// The date is before the Reiwa era (1 May 2019).
    #[error("dates before 1 May 2019 have no Reiwa year")]
    BeforeReiwa,
}

/// A case reference number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReferenceNumber {
    reiwa_year: u8,
    sequence: u32,
}

const DAMM: [[u8; 10]; 10] = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
    [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
    [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
    [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

fn damm(digits: &str) -> u8 {
    digits.bytes().fold(0u8, |interim, b| {
        DAMM[usize::from(interim)][usize::from(b - b'0')]
    })
}

impl ReferenceNumber {
    /// Builds a reference from a Reiwa year and a sequence number (allocated by the store).
    pub fn new(reiwa_year: u8, sequence: u32) -> Result<ReferenceNumber, ReferenceNumberError> {
        if !(1..=99).contains(&reiwa_year) {
            return Err(ReferenceNumberError::YearOutOfRange);
        }
        if !(1..=MAX_SEQUENCE).contains(&sequence) {
            return Err(ReferenceNumberError::SequenceOutOfRange);
        }
        Ok(ReferenceNumber {
            reiwa_year,
            sequence,
        })
    }

    /// Builds the reference for an application made on `applied_on` (a Japan date).
    pub fn for_date(
        applied_on: NaiveDate,
        sequence: u32,
    ) -> Result<ReferenceNumber, ReferenceNumberError> {
        ReferenceNumber::new(reiwa_year(applied_on)?, sequence)
    }

    /// Parses `R8-000123-4`; full-width characters and lower-case `r` are accepted.
    pub fn parse(input: &str) -> Result<ReferenceNumber, ReferenceNumberError> {
        let folded: String = trim(input)
            .chars()
            .map(fold_width)
            .collect::<String>()
            .to_ascii_uppercase();
        let rest = folded
            .strip_prefix('R')
            .ok_or(ReferenceNumberError::WrongShape)?;
        let mut parts = rest.split('-');
        let (Some(year), Some(seq), Some(check), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ReferenceNumberError::WrongShape);
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(year)
            || year.len() > 2
            || seq.len() != 6
            || !all_digits(seq)
            || check.len() != 1
            || !all_digits(check)
        {
            return Err(ReferenceNumberError::WrongShape);
        }
        if damm(seq) != check.as_bytes()[0] - b'0' {
            return Err(ReferenceNumberError::WrongCheckDigit);
        }
        let year: u8 = year.parse().map_err(|_| ReferenceNumberError::WrongShape)?;
        let seq: u32 = seq.parse().map_err(|_| ReferenceNumberError::WrongShape)?;
        ReferenceNumber::new(year, seq)
    }

    /// The Reiwa year.
    pub fn reiwa_year(&self) -> u8 {
        self.reiwa_year
    }

    /// The sequence number within the year.
    pub fn sequence(&self) -> u32 {
        self.sequence
    }

    /// The check digit.
    pub fn check_digit(&self) -> u8 {
        damm(&format!("{:06}", self.sequence))
    }
}

/// The Reiwa year of a Japan date (Reiwa 1 began on 1 May 2019).
pub fn reiwa_year(date: NaiveDate) -> Result<u8, ReferenceNumberError> {
    let start = NaiveDate::from_ymd_opt(2019, 5, 1).ok_or(ReferenceNumberError::BeforeReiwa)?;
    if date < start {
        return Err(ReferenceNumberError::BeforeReiwa);
    }
    u8::try_from(date.year() - 2018).map_err(|_| ReferenceNumberError::YearOutOfRange)
}

impl std::fmt::Display for ReferenceNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "R{}-{:06}-{}",
            self.reiwa_year,
            self.sequence,
            self.check_digit()
        )
    }
}

impl std::str::FromStr for ReferenceNumber {
    type Err = ReferenceNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReferenceNumber::parse(s)
    }
}

impl TryFrom<String> for ReferenceNumber {
    type Error = ReferenceNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ReferenceNumber::parse(&s)
    }
}

impl From<ReferenceNumber> for String {
    fn from(r: ReferenceNumber) -> String {
        r.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_example_parses_and_prints_back() {
        let r = ReferenceNumber::parse("R8-000123-4").unwrap();
        assert_eq!((r.reiwa_year(), r.sequence()), (8, 123));
        assert_eq!(r.to_string(), "R8-000123-4");
        assert_eq!(ReferenceNumber::parse("ｒ８－０００１２３－４"), Ok(r));
    }

    #[test]
    fn a_wrong_check_digit_is_refused() {
        assert_eq!(
            ReferenceNumber::parse("R8-000123-5"),
            Err(ReferenceNumberError::WrongCheckDigit)
        );
    }

    #[test]
    fn every_adjacent_swap_and_single_slip_is_caught() {
        let r = ReferenceNumber::new(8, 120_345).unwrap().to_string();
        let seq: Vec<char> = r[3..9].chars().collect();
        for i in 0..5 {
            let mut s = seq.clone();
            if s[i] == s[i + 1] {
                continue;
            }
            s.swap(i, i + 1);
            let typed = format!("R8-{}{}", s.iter().collect::<String>(), &r[9..]);
            assert_eq!(
                ReferenceNumber::parse(&typed),
                Err(ReferenceNumberError::WrongCheckDigit),
                "{typed}"
            );
        }
        for i in 0..6 {
            for d in '0'..='9' {
                let mut s = seq.clone();
                if s[i] == d {
                    continue;
                }
                s[i] = d;
                let typed = format!("R8-{}{}", s.iter().collect::<String>(), &r[9..]);
                assert_eq!(
                    ReferenceNumber::parse(&typed),
                    Err(ReferenceNumberError::WrongCheckDigit)
                );
            }
        }
    }

    #[test]
    fn the_reiwa_year_of_2026_is_8() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert_eq!(
            ReferenceNumber::for_date(d, 1).unwrap().to_string(),
            "R8-000001-3"
        );
        assert_eq!(
            reiwa_year(NaiveDate::from_ymd_opt(2019, 4, 30).unwrap()),
            Err(ReferenceNumberError::BeforeReiwa)
        );
    }
}
