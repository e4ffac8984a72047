//! The office's report: cases per state and the overdue cases (both as of
//! now), and for a period of Japan dates the median days from application to
//! PIN set per path and the letters issued and mailed per day.
//!
//! Days to PIN set are computed in Rust from the cases' own timestamps
//! (`applied_at` and the moment the case reached `pin_set`, both kept in the
//! case), as whole Japan calendar days: a same-day change counts 0. The audit
//! log holds the same instants, but reading the cases avoids walking the
//! whole chain for a report.
//!
//! [`charts`] draws three parts of the report as SVG and writes the same
//! numbers as CSV (`/reports/letters.svg`, `/reports/states.csv`, …).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use shokai_store::reports;
use shokai_workflow::case::japan_date;
use shokai_workflow::case::japan_midnight;
use shokai_workflow::{CaseState, Path};

use super::error::ServiceError;
use crate::state::AppState;

pub mod charts;

/// The longest period one report covers (a year, leap day included).
pub const MAX_PERIOD_DAYS: i64 = 366;
/// The period when none is given: the last 30 days, today included.
pub const DEFAULT_PERIOD_DAYS: i64 = 30;

/// The Japan dates a report covers, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

impl Period {
    /// A period from optional ends; `today` (Japan) fills the missing end.
    /// Refuses a reversed period or one longer than [`MAX_PERIOD_DAYS`].
    pub fn new(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Period, ServiceError> {
        let to = to.unwrap_or(today);
        let from = from.unwrap_or(to - Duration::days(DEFAULT_PERIOD_DAYS - 1));
        if from > to {
            return Err(ServiceError::invalid_ja(
                "from",
                "must not be after `to`",
                "期間の開始日が終了日より後になっています。",
            ));
        }
        if (to - from).num_days() >= MAX_PERIOD_DAYS {
            return Err(ServiceError::invalid_ja(
                "to",
                format!("a report covers at most {MAX_PERIOD_DAYS} days"),
                format!("集計できる期間は{MAX_PERIOD_DAYS}日までです。"),
            ));
        }
        Ok(Period { from, to })
    }

    /// A period from the ends as typed (`YYYY-MM-DD`, empty or absent for
    /// the default), checked as [`Period::new`] does.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
    ) -> Result<Period, ServiceError> {
        let date = |field: &'static str, v: Option<&str>| {
            v.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
                        ServiceError::invalid_ja(
                            field,
                            "a date such as 2026-11-01",
                            "日付は 2026-11-01 の形で入力してください。",
                        )
                    })
                })
                .transpose()
        };
        Period::new(date("from", from)?, date("to", to)?, today)
    }

    /// Every day of the period, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let from = self.from;
        let count = (self.to - self.from).num_days() + 1;
        (0..count).map(move |i| from + Duration::days(i))
    }

    /// The instants the period spans: from 00:00 JST of the first day to
    /// 00:00 JST of the day after the last.
    pub fn instants(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            japan_midnight(self.from),
            japan_midnight(self.to + Duration::days(1)),
        )
    }
}

/// Cases in one state now.
#[derive(Debug, Clone, Serialize)]
pub struct StateRow {
    /// State code.
    pub state: &'static str,
    /// Its Japanese name.
    pub name_ja: &'static str,
    /// Cases in it.
    pub count: i64,
}

/// A case past its response deadline.
#[derive(Debug, Clone, Serialize)]
pub struct OverdueRow {
    /// Case id.
    pub id: i64,
    /// Reference number.
    pub reference: String,
    /// The last day a response was accepted.
    pub deadline: NaiveDate,
    /// Days since the deadline (1 on the day after it).
    pub days_overdue: i64,
}

/// How long one path took, from application to PIN set.
#[derive(Debug, Clone, Serialize)]
pub struct PathRow {
    /// Path code.
    pub path: &'static str,
    /// Its Japanese name.
    pub name_ja: &'static str,
    /// Cases whose PINs were set in the period.
    pub cases: usize,
    /// Median whole days from application to PIN set; `None` without cases.
    pub median_days: Option<f64>,
    /// The fewest days any of them took; `None` without cases.
    pub min_days: Option<i64>,
    /// The most days any of them took; `None` without cases.
    pub max_days: Option<i64>,
}

/// Letters on one day.
#[derive(Debug, Clone, Serialize)]
pub struct LetterDay {
    /// The Japan date.
    pub day: NaiveDate,
    /// Letters issued (code generated, queued for printing).
    pub issued: i64,
    /// Letters handed to the post.
    pub mailed: i64,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The period of `paths` and `letters`.
    pub period: Period,
    /// When it was made.
    pub generated_at: DateTime<Utc>,
    /// Every state with its count now (zero included).
    pub states: Vec<StateRow>,
    /// All cases now.
    pub total_cases: i64,
    /// Cases now past their deadline, most overdue first.
    pub overdue: Vec<OverdueRow>,
    /// Median days to PIN set, per path, for PINs set in the period.
    pub paths: Vec<PathRow>,
    /// Every day of the period.
    pub letters: Vec<LetterDay>,
}

/// The median of `values`, `None` when empty; the mean of the middle two
/// for an even count.
pub fn median(values: &[i64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    // Counts of whole days are far below 2^53: the conversions are exact.
    #[allow(clippy::cast_precision_loss)]
    let at = |i: usize| sorted[i] as f64;
    Some(if n % 2 == 1 {
        at(n / 2)
    } else {
        f64::midpoint(at(n / 2 - 1), at(n / 2))
    })
}

/// Median days to PIN set for each path.
fn path_rows(completed: &[reports::CompletedCase]) -> Vec<PathRow> {
    Path::ALL
        .iter()
        .map(|p| {
            let days: Vec<i64> = completed
                .iter()
                .filter(|c| c.path == *p)
                .map(|c| (japan_date(c.pin_set_at) - japan_date(c.applied_at)).num_days())
                .collect();
            PathRow {
                path: p.code(),
                name_ja: p.name_ja(),
                cases: days.len(),
                median_days: median(&days),
                min_days: days.iter().copied().min(),
                max_days: days.iter().copied().max(),
            }
        })
        .collect()
}

/// Letters issued and mailed on every day of the period.
fn letter_days(
    period: &Period,
    issued: &[DateTime<Utc>],
    mailed: &[reports::DayCount],
) -> Vec<LetterDay> {
    period
        .days()
        .map(|day| LetterDay {
            day,
            issued: i64::try_from(issued.iter().filter(|t| japan_date(**t) == day).count())
                .unwrap_or(i64::MAX),
            mailed: mailed.iter().find(|m| m.day == day).map_or(0, |m| m.count),
        })
        .collect()
}

/// Builds the report for the period typed (`YYYY-MM-DD` ends, either
/// empty for the default; checked as [`Period::parse`] does), as of now.
#[tracing::instrument(skip_all)]
pub async fn report(
    state: &AppState,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Report, ServiceError> {
    let now = state.now();
    let today = japan_date(now);
    let period = Period::parse(from, to, today)?;
    let (start, end) = period.instants();
    let mut tx = state.store().read().await?;
    let counts = reports::count_by_state(&mut tx).await?;
    let overdue = reports::overdue_cases(&mut tx, today).await?;
    let completed = reports::pins_set_between(&mut tx, start, end).await?;
    let issued = reports::letters_issued_between(&mut tx, start, end).await?;
    let mailed = reports::letters_mailed_between(&mut tx, period.from, period.to).await?;
    tx.commit().await?;

    let states: Vec<StateRow> = CaseState::ALL
        .iter()
        .map(|s| StateRow {
            state: s.code(),
            name_ja: s.name_ja(),
            count: counts.iter().find(|c| c.state == *s).map_or(0, |c| c.count),
        })
        .collect();
    let paths = path_rows(&completed);
    let letters = letter_days(&period, &issued, &mailed);
    Ok(Report {
        period,
        generated_at: now,
        total_cases: states.iter().map(|s| s.count).sum(),
        states,
        overdue: overdue
            .into_iter()
            .map(|o| OverdueRow {
                days_overdue: (today - o.deadline).num_days(),
                id: o.id,
                reference: o.reference,
                deadline: o.deadline,
            })
            .collect(),
        paths,
        letters,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_median_of_an_odd_count_is_the_middle_value() {
        assert_eq!(median(&[9, 1, 4]), Some(4.0));
        assert_eq!(median(&[0]), Some(0.0));
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&[10, 1, 4, 7]), Some(5.5));
        assert_eq!(median(&[3, 3]), Some(3.0));
    }

    #[test]
    fn there_is_no_median_without_cases() {
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn a_period_defaults_to_the_last_thirty_days_including_today() {
        let period = Period::new(None, None, day("2026-11-26")).unwrap();
        assert_eq!(
            (period.from, period.to),
            (day("2026-10-28"), day("2026-11-26"))
        );
        assert_eq!(period.days().count(), 30);
    }

    #[test]
    fn a_reversed_or_overlong_period_is_refused_naming_the_field() {
        let reversed = Period::new(
            Some(day("2026-11-27")),
            Some(day("2026-11-26")),
            day("2026-11-26"),
        );
        assert!(
            matches!(reversed, Err(ServiceError::Invalid { ref field, .. }) if field == "from")
        );
        let long = Period::new(
            Some(day("2025-01-01")),
            Some(day("2026-11-26")),
            day("2026-11-26"),
        );
        assert!(matches!(long, Err(ServiceError::Invalid { ref field, .. }) if field == "to"));
    }

    #[test]
    fn a_period_spans_japan_midnights() {
        let period = Period::new(
            Some(day("2026-11-26")),
            Some(day("2026-11-26")),
            day("2026-11-26"),
        )
        .unwrap();
        let (start, end) = period.instants();
        assert_eq!(start.to_rfc3339(), "2026-11-25T15:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-11-26T15:00:00+00:00");
    }
}
