//! When the ward office is open, and therefore when a deadline may fall.
//!
//! Closed: Saturdays, Sundays, Japanese national holidays (国民の祝日) including
//! substitute holidays (振替休日) and sandwiched "citizens' holidays" (国民の休日),
//! and the year-end closure 29 December – 3 January (行政機関の休日に関する法律).
//! Offices may add their own closures (`extra_closed`).
//!
//! Holidays are computed from the rules of the National Holidays Act rather than
//! taken from a crate: the only Rust crate found, `holiday_jp` 0.1.2 (2017),
//! fetches its data over HTTPS at run time with hyper 0.10 and is unmaintained.
//! The rules here hold for 2007-2099 (2007: Shōwa Day and the current substitute
//! rule) including the one-off moves of 2019-2021; the equinox days use the
//! standard approximation valid 1980-2099. A future change in the law needs an
//! edit here; the Cabinet Office list for 2025-2027 is checked in the tests.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The office's calendar.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeCalendar {
    /// Extra days the office is closed (local closures, system maintenance).
    #[serde(default)]
    pub extra_closed: BTreeSet<NaiveDate>,
}

impl OfficeCalendar {
    /// The standard calendar: weekends, national holidays and the year-end closure.
    pub fn new() -> OfficeCalendar {
        OfficeCalendar::default()
    }

    /// Whether the office is open on `date`.
    pub fn is_open(&self, date: NaiveDate) -> bool {
        !(matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
            || is_year_end_closure(date)
            || is_national_holiday(date)
            || self.extra_closed.contains(&date))
    }

    /// `date` itself if the office is open then, otherwise the next open day.
    pub fn next_open_day(&self, date: NaiveDate) -> NaiveDate {
        let mut d = date;
        // Bounded: the longest closure (year end plus a weekend and holidays) is
        // well under a month, unless `extra_closed` is absurd.
        for _ in 0..366 {
            if self.is_open(d) {
                return d;
            }
            d = d.succ_opt().unwrap_or(d);
        }
        d
    }

    /// The response deadline for a letter mailed on `mailed_on`: `days` later,
    /// moved forward to the next open day.
    pub fn deadline(&self, mailed_on: NaiveDate, days: u32) -> NaiveDate {
        self.next_open_day(
            mailed_on
                .checked_add_days(Days::new(u64::from(days)))
                .unwrap_or(NaiveDate::MAX),
        )
    }
}

/// The rest of the Monday-to-Sunday week of `today` (a Japan date): from
/// `today` to the coming Sunday, both inclusive; on a Sunday, that day only.
/// The clerks' "due this week" list shows waiting cases whose deadline falls
/// in it.
pub fn this_week(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let to_sunday = 6 - u64::from(today.weekday().num_days_from_monday());
    let sunday = today
        .checked_add_days(Days::new(to_sunday))
        .unwrap_or(NaiveDate::MAX);
    (today, sunday)
}

/// 29 December to 3 January.
pub fn is_year_end_closure(date: NaiveDate) -> bool {
    matches!((date.month(), date.day()), (12, 29..=31) | (1, 1..=3))
}

/// Whether `date` is a national holiday, a substitute holiday or a citizens' holiday.
pub fn is_national_holiday(date: NaiveDate) -> bool {
    holiday_name(date).is_some()
}

/// The Japanese name of the holiday on `date`, if any.
pub fn holiday_name(date: NaiveDate) -> Option<&'static str> {
    if let Some(name) = statutory_holiday(date) {
        return Some(name);
    }
    if is_substitute_holiday(date) {
        return Some("休日");
    }
    // 国民の休日: a day sandwiched between two holidays of the Act.
    let (prev, next) = (date.pred_opt()?, date.succ_opt()?);
    if statutory_holiday(prev).is_some() && statutory_holiday(next).is_some() {
        return Some("国民の休日");
    }
    None
}

/// 振替休日: when a holiday falls on a Sunday, the next day that is not itself
/// a holiday becomes one.
fn is_substitute_holiday(date: NaiveDate) -> bool {
    if statutory_holiday(date).is_some() {
        return false;
    }
    let mut d = date;
    loop {
        let Some(prev) = d.pred_opt() else {
            return false;
        };
        if statutory_holiday(prev).is_none() {
            return false;
        }
        if prev.weekday() == Weekday::Sun {
            return true;
        }
        d = prev;
    }
}

/// The holidays named in the National Holidays Act (and the special laws of 2019-2021).
fn statutory_holiday(date: NaiveDate) -> Option<&'static str> {
    let (y, m, d) = (date.year(), date.month(), date.day());
    let monday = |n: u32| nth_monday(y, m, n) == Some(d);
    let name = match m {
        1 if d == 1 => "元日",
        1 if monday(2) => "成人の日",
        2 if d == 11 => "建国記念の日",
        2 if d == 23 && y >= 2020 => "天皇誕生日",
        3 if d == vernal_equinox_day(y) => "春分の日",
        4 if d == 29 => "昭和の日",
        5 if d == 3 => "憲法記念日",
        5 if d == 4 => "みどりの日",
        5 if d == 5 => "こどもの日",
        7 if monday(3) && !(2020..=2021).contains(&y) => "海の日",
        8 if d == 11 && y >= 2016 && !(2020..=2021).contains(&y) => "山の日",
        9 if monday(3) => "敬老の日",
        9 if d == autumnal_equinox_day(y) => "秋分の日",
        10 if monday(2) && !(2020..=2021).contains(&y) => "スポーツの日",
        11 if d == 3 => "文化の日",
        11 if d == 23 => "勤労感謝の日",
        12 if d == 23 && y <= 2018 => "天皇誕生日",
        _ => return special_year_holiday(y, m, d),
    };
    Some(name)
}

/// One-off holidays: the 2019 enthronement, and the Olympic moves of 2020 and 2021.
fn special_year_holiday(y: i32, m: u32, d: u32) -> Option<&'static str> {
    match (y, m, d) {
        (2019, 5, 1) => Some("即位の日"),
        (2019, 10, 22) => Some("即位礼正殿の儀の行われる日"),
        (2020, 7, 23) | (2021, 7, 22) => Some("海の日"),
        (2020, 7, 24) | (2021, 7, 23) => Some("スポーツの日"),
        (2020, 8, 10) | (2021, 8, 8) => Some("山の日"),
        _ => None,
    }
}

fn nth_monday(year: i32, month: u32, n: u32) -> Option<u32> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let offset = (7 - first.weekday().num_days_from_monday()) % 7;
    Some(1 + offset + 7 * (n - 1))
}

// The standard approximation used for the Cabinet Office's advance
// announcements; exact for 1980-2099.
fn vernal_equinox_day(year: i32) -> u32 {
    equinox(20.8431, year)
}

fn autumnal_equinox_day(year: i32) -> u32 {
    equinox(23.2488, year)
}

fn equinox(base: f64, year: i32) -> u32 {
    let dy = f64::from(year - 1980);
    let day = (base + 0.242_194 * dy - (dy / 4.0).floor()).floor();
    // The result is always 19..=24; the cast cannot truncate meaningfully.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let day = day as u32;
    day
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn this_week_runs_from_today_to_the_coming_sunday() {
        // 2026-11-26 is a Thursday.
        assert_eq!(
            this_week(d(2026, 11, 26)),
            (d(2026, 11, 26), d(2026, 11, 29))
        );
        assert_eq!(
            this_week(d(2026, 11, 23)),
            (d(2026, 11, 23), d(2026, 11, 29))
        );
        assert_eq!(
            this_week(d(2026, 11, 29)),
            (d(2026, 11, 29), d(2026, 11, 29))
        );
    }

    #[test]
    fn this_week_crosses_into_the_next_month_and_year() {
        // 2026-12-31 is a Thursday.
        assert_eq!(this_week(d(2026, 12, 31)), (d(2026, 12, 31), d(2027, 1, 3)));
    }

    /// The Cabinet Office's published list (内閣府「国民の祝日について」), including
    /// substitute and citizens' holidays.
    const CABINET_OFFICE: &[(i32, &[(u32, u32)])] = &[
        (
            2019,
            &[
                (1, 1),
                (1, 14),
                (2, 11),
                (3, 21),
                (4, 29),
                (4, 30),
                (5, 1),
                (5, 2),
                (5, 3),
                (5, 4),
                (5, 5),
                (5, 6),
                (7, 15),
                (8, 11),
                (8, 12),
                (9, 16),
                (9, 23),
                (10, 14),
                (10, 22),
                (11, 3),
                (11, 4),
                (11, 23),
            ],
        ),
        (
            2020,
            &[
                (1, 1),
                (1, 13),
                (2, 11),
                (2, 23),
                (2, 24),
                (3, 20),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (5, 6),
                (7, 23),
                (7, 24),
                (8, 10),
                (9, 21),
                (9, 22),
                (11, 3),
                (11, 23),
            ],
        ),
        (
            2021,
            &[
                (1, 1),
                (1, 11),
                (2, 11),
                (2, 23),
                (3, 20),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (7, 22),
                (7, 23),
                (8, 8),
                (8, 9),
                (9, 20),
                (9, 23),
                (11, 3),
                (11, 23),
            ],
        ),
        (
            2025,
            &[
                (1, 1),
                (1, 13),
                (2, 11),
                (2, 23),
                (2, 24),
                (3, 20),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (5, 6),
                (7, 21),
                (8, 11),
                (9, 15),
                (9, 23),
                (10, 13),
                (11, 3),
                (11, 23),
                (11, 24),
            ],
        ),
        (
            2026,
            &[
                (1, 1),
                (1, 12),
                (2, 11),
                (2, 23),
                (3, 20),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (5, 6),
                (7, 20),
                (8, 11),
                (9, 21),
                (9, 22),
                (9, 23),
                (10, 12),
                (11, 3),
                (11, 23),
            ],
        ),
        (
            2027,
            &[
                (1, 1),
                (1, 11),
                (2, 11),
                (2, 23),
                (3, 21),
                (3, 22),
                (4, 29),
                (5, 3),
                (5, 4),
                (5, 5),
                (7, 19),
                (8, 11),
                (9, 20),
                (9, 23),
                (10, 11),
                (11, 3),
                (11, 23),
            ],
        ),
    ];

    #[test]
    fn computed_holidays_match_the_cabinet_office_list_day_for_day() {
        for (year, days) in CABINET_OFFICE {
            let expected: BTreeSet<NaiveDate> =
                days.iter().map(|(m, day)| d(*year, *m, *day)).collect();
            let computed: BTreeSet<NaiveDate> = d(*year, 1, 1)
                .iter_days()
                .take_while(|x| x.year() == *year)
                .filter(|x| is_national_holiday(*x))
                .collect();
            assert_eq!(computed, expected, "{year}");
        }
    }

    #[test]
    fn sandwiched_and_substitute_days_are_named() {
        assert_eq!(holiday_name(d(2026, 9, 22)), Some("国民の休日"));
        assert_eq!(holiday_name(d(2025, 11, 24)), Some("休日"));
        assert_eq!(holiday_name(d(2026, 5, 6)), Some("休日"));
    }

    #[test]
    fn the_office_is_closed_from_29_december_to_3_january() {
        let cal = OfficeCalendar::new();
        assert!(cal.is_open(d(2026, 12, 28)));
        for day in [
            d(2026, 12, 29),
            d(2026, 12, 31),
            d(2027, 1, 1),
            d(2027, 1, 3),
        ] {
            assert!(!cal.is_open(day), "{day}");
        }
        assert_eq!(cal.next_open_day(d(2026, 12, 29)), d(2027, 1, 4));
    }

    #[test]
    fn extra_closures_push_the_next_open_day() {
        let mut cal = OfficeCalendar::new();
        assert_eq!(cal.next_open_day(d(2026, 11, 21)), d(2026, 11, 24)); // Sat, Sun, 勤労感謝の日 Mon
        cal.extra_closed.insert(d(2026, 11, 24));
        assert_eq!(cal.next_open_day(d(2026, 11, 21)), d(2026, 11, 25));
    }
}
