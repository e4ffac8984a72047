//! Dates of birth and age the way Japanese law counts it.
//!
//! The Act on Counting Age (年齢計算ニ関スル法律, 1902) counts age from the day of
//! birth, so the N-th year of life ends at the end of the day *before* the N-th
//! birthday anniversary; statutes then say a person "reaches" an age on that day
//! (e.g. the National Pension Act's 「年齢に達した日」). We follow that: **age N is
//! reached on the day before the N-th anniversary.** For someone born on 29
//! February that day is 28 February in every year, leap or not (Civil Code art.
//! 143: a period ending on a day that does not exist ends on the month's last day).
//!
//! Consequence for this project: a cardholder whose 15th birthday is tomorrow is
//! legally 15 today (14 years and 364 days after birth), and may include the
//! signature PIN; one day earlier they may not.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// Why a date of birth was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateOfBirthError {
    /// Not a date in `YYYY-MM-DD` form.
    #[error("a date of birth is written YYYY-MM-DD")]
    NotADate,
    /// Before 1900: no living cardholder was born then; almost always a typo.
    #[error("a date of birth before 1900 is not plausible")]
    Implausible,
}

/// A date of birth.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "NaiveDate", into = "NaiveDate")]
pub struct DateOfBirth(NaiveDate);

impl DateOfBirth {
    /// Parses `YYYY-MM-DD` (full-width digits accepted).
    pub fn parse(input: &str) -> Result<DateOfBirth, DateOfBirthError> {
        let folded: String = input.trim().chars().map(super::text::fold_width).collect();
        let date = NaiveDate::parse_from_str(&folded, "%Y-%m-%d")
            .map_err(|_| DateOfBirthError::NotADate)?;
        DateOfBirth::from_date(date)
    }

    /// Wraps a date already parsed.
    pub fn from_date(date: NaiveDate) -> Result<DateOfBirth, DateOfBirthError> {
        if date.year() < 1900 {
            return Err(DateOfBirthError::Implausible);
        }
        Ok(DateOfBirth(date))
    }

    /// The date.
    pub fn date(&self) -> NaiveDate {
        self.0
    }

    /// The day on which this person legally reaches `years` of age.
    pub fn reaches_age_on(&self, years: u32) -> NaiveDate {
        // The day before birth, plus whole years; chrono clamps 29 Feb to 28 Feb
        // in common years, which is exactly the Civil Code rule.
        let eve = self.0.pred_opt().unwrap_or(self.0);
        eve.checked_add_months(Months::new(years.saturating_mul(12)))
            .unwrap_or(NaiveDate::MAX)
    }

    /// The legal age on `date`; 0 before birth.
    pub fn age_on(&self, date: NaiveDate) -> u32 {
        let rough = u32::try_from(date.year() - self.0.year()).unwrap_or(0);
        // The answer is `rough` or `rough - 1`, depending on the anniversary's eve.
        (0..=rough)
            .rev()
            .find(|&n| self.reaches_age_on(n) <= date)
            .unwrap_or(0)
    }
}

impl TryFrom<NaiveDate> for DateOfBirth {
    type Error = DateOfBirthError;
    fn try_from(d: NaiveDate) -> Result<Self, Self::Error> {
        DateOfBirth::from_date(d)
    }
}

impl From<DateOfBirth> for NaiveDate {
    fn from(d: DateOfBirth) -> NaiveDate {
        d.0
    }
}

impl std::fmt::Debug for DateOfBirth {
    // Personal data: only the year, enough to debug an age rule.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DateOfBirth({}-**-**)", self.0.year())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn fourteen_years_and_364_days_is_legally_fifteen_and_one_day_less_is_not() {
        let born = DateOfBirth::from_date(d(2011, 6, 10)).unwrap();
        assert_eq!(born.age_on(d(2026, 6, 8)), 14); // 14 years 363 days
        assert_eq!(born.age_on(d(2026, 6, 9)), 15); // 14 years 364 days: the eve
        assert_eq!(born.age_on(d(2026, 6, 10)), 15); // 15 years
    }

    #[test]
    fn a_leap_day_birthday_adds_a_year_on_28_february_every_year() {
        let born = DateOfBirth::from_date(d(2012, 2, 29)).unwrap();
        assert_eq!(born.age_on(d(2027, 2, 27)), 14);
        assert_eq!(born.age_on(d(2027, 2, 28)), 15);
        assert_eq!(born.age_on(d(2028, 2, 27)), 15);
        assert_eq!(born.age_on(d(2028, 2, 28)), 16);
    }

    #[test]
    fn someone_born_on_1_march_after_a_leap_day_adds_a_year_on_the_last_day_of_february() {
        let born = DateOfBirth::from_date(d(2004, 3, 1)).unwrap();
        assert_eq!(born.age_on(d(2019, 2, 27)), 14);
        assert_eq!(born.age_on(d(2019, 2, 28)), 15);
        assert_eq!(born.age_on(d(2020, 2, 28)), 15);
        assert_eq!(born.age_on(d(2020, 2, 29)), 16);
    }

    #[test]
    fn parse_accepts_full_width_digits_and_refuses_nonsense() {
        assert_eq!(
            DateOfBirth::parse("２０１１－０６－１０").unwrap().date(),
            d(2011, 6, 10)
        );
        assert_eq!(
            DateOfBirth::parse("2011/06/10"),
            Err(DateOfBirthError::NotADate)
        );
        assert_eq!(
            DateOfBirth::parse("1850-01-01"),
            Err(DateOfBirthError::Implausible)
        );
    }
}
