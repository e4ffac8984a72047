//! Japanese era dates (和暦) as printed on official letters: 令和8年1月5日.
//!
//! Ward-office letters give dates in the era calendar; the first year of an era
//! is written 元年, not 1年.

use chrono::{Datelike, NaiveDate};

/// An era and the first day of it.
const ERAS: [(&str, i32, u32, u32); 3] = [
    ("令和", 2019, 5, 1),
    ("平成", 1989, 1, 8),
    ("昭和", 1926, 12, 25),
];

/// `date` in the Japanese era calendar, e.g. `令和元年5月1日`, `令和8年11月26日`.
///
/// Dates before 昭和 (1926-12-25) are written in the Western calendar (西暦); no
/// letter of this system can carry one, but the function stays total.
pub fn wareki(date: NaiveDate) -> String {
    format!("{}{}月{}日", wareki_year(date), date.month(), date.day())
}

/// The era year of `date`, e.g. `令和8年`, `令和元年`.
pub fn wareki_year(date: NaiveDate) -> String {
    for (name, year, month, day) in ERAS {
        let start = NaiveDate::from_ymd_opt(year, month, day);
        if start.is_some_and(|s| date >= s) {
            let n = date.year() - year + 1;
            return if n == 1 {
                format!("{name}元年")
            } else {
                format!("{name}{n}年")
            };
        }
    }
    format!("西暦{}年", date.year())
}

/// The weekday as printed after a deadline: `（木）`.
pub fn weekday_ja(date: NaiveDate) -> &'static str {
    match date.weekday() {
        chrono::Weekday::Mon => "月",
        chrono::Weekday::Tue => "火",
        chrono::Weekday::Wed => "水",
        chrono::Weekday::Thu => "木",
        chrono::Weekday::Fri => "金",
        chrono::Weekday::Sat => "土",
        chrono::Weekday::Sun => "日",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_first_year_of_reiwa_is_written_gannen() {
        assert_eq!(wareki(d(2019, 5, 1)), "令和元年5月1日");
        assert_eq!(wareki(d(2019, 12, 31)), "令和元年12月31日");
    }

    #[test]
    fn the_day_before_reiwa_is_heisei_31() {
        assert_eq!(wareki(d(2019, 4, 30)), "平成31年4月30日");
    }

    #[test]
    fn twenty_twenty_six_is_reiwa_8() {
        assert_eq!(wareki(d(2026, 11, 26)), "令和8年11月26日");
        assert_eq!(weekday_ja(d(2026, 11, 26)), "木");
    }
}
