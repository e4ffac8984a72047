//! The demo office's fixture files (`fixtures/demo/users.toml` and
//! `cases.toml`), parsed into domain types and checked before anything is
//! written: a broken fixture changes nothing.
//!
//! Times in the fixtures are relative to the moment of loading ("-20d 09:40"
//! is 09:40 Japan time twenty days ago, "-45m" is 45 minutes ago), so the
//! demo always looks like a working office with recent cases.

use std::path::Path;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use secrecy::SecretString;
use serde::Deserialize;
use shokai_workflow::case::japan_date;
use shokai_workflow::{Cardholder, IdDocument, PinKind, PinSet, Representation, Role};

/// Why a fixture file was refused.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct FixtureError {
    /// The file.
    pub path: String,
    /// What is wrong, naming the case and step where it helps.
    pub reason: String,
}

/// `users.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsersFile {
    /// The accounts.
    pub user: Vec<DemoUser>,
}

/// One demo account.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Public demo password (printed by `make run`).
    pub password: SecretString,
}

/// `cases.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CasesFile {
    /// The card file (in the cards directory, without `.json`) put into the
    /// counter's simulated terminal on a fresh load.
    pub counter_card: String,
    /// The cases.
    pub case: Vec<DemoCase>,
}

/// One demo case: the application and the steps that drive it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoCase {
    /// A name for messages; not stored.
    pub label: String,
    /// The simulated card bound at intake (file name in the cards directory,
    /// without `.json`). Left out, the case gets a card of its own, made
    /// from a seed of its label with the PINs of `cardholder.json`: a card
    /// has at most one open case.
    #[serde(default)]
    pub card: Option<String>,
    pub pins: PinSet,
    /// `change` unless the case says `reset`.
    #[serde(default)]
    pub procedure: shokai_workflow::Procedure,
    pub cardholder: Cardholder,
    pub representation: Representation,
    /// For a legal representative's certificate: issued this many days
    /// before the case is opened (its `issued_on` is then replaced), so the
    /// demo's certificate stays within its validity however late it loads.
    #[serde(default)]
    pub proof_issued_days_before: Option<u32>,
    /// Oldest first; the first opens the case.
    pub step: Vec<DemoStep>,
}

/// One step of a demo case.
#[derive(Debug, Deserialize)]
pub struct DemoStep {
    /// When, relative to the moment of loading.
    pub at: When,
    /// The username acting (from `users.toml`).
    pub by: String,
    /// What happens.
    #[serde(flatten)]
    pub action: Action,
}

/// What a step does; each maps to one workflow event (or to opening).
#[derive(Debug, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum Action {
    Open,
    IssueLetter,
    MarkMailed,
    RecordResponse {
        photo_id: IdDocument,
    },
    WrongCode {
        times: u8,
    },
    Unlock {
        reason: String,
    },
    Cancel {
        reason: String,
    },
    MarkUndeliverable {
        note: Option<String>,
    },
    Expire,
    CompletePinChange,
    Fail {
        pin: PinKind,
        note: Option<String>,
    },
    /// The current PIN given was wrong and nobody knew the right one.
    CurrentPinWrong {
        pin: PinKind,
    },
}

/// A moment relative to loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum When {
    /// `-Nd HH:MM`: that Japan time, N days ago (N at least 1).
    DaysAgo { days: u32, time: NaiveTime },
    /// `-Nm`: N minutes ago.
    MinutesAgo(u32),
}

impl TryFrom<String> for When {
    type Error = String;
    fn try_from(text: String) -> Result<When, String> {
        let bad = || format!("`{text}`: expected \"-Nd HH:MM\" (N ≥ 1) or \"-Nm\"");
        let rest = text.trim().strip_prefix('-').ok_or_else(bad)?;
        if let Some(minutes) = rest.strip_suffix('m') {
            return minutes.parse().map(When::MinutesAgo).map_err(|_| bad());
        }
        let (days, time) = rest.split_once("d ").ok_or_else(bad)?;
        let days: u32 = days.parse().map_err(|_| bad())?;
        let time = NaiveTime::parse_from_str(time.trim(), "%H:%M").map_err(|_| bad())?;
        if days == 0 {
            // Today's clock times could lie in the future; "-Nm" cannot.
            return Err(bad());
        }
        Ok(When::DaysAgo { days, time })
    }
}

impl When {
    /// The instant this names, seen from `now`.
    pub fn resolve(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            When::MinutesAgo(m) => now - Duration::minutes(i64::from(m)),
            When::DaysAgo { days, time } => {
                let date = japan_date(now) - Duration::days(i64::from(days));
                // Japan has no daylight saving time: JST is always UTC+9.
                Utc.from_utc_datetime(&date.and_time(time)) - Duration::hours(9)
            }
        }
    }
}

/// Reads and parses a TOML fixture.
pub fn read<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, FixtureError> {
    let fail = |reason: String| FixtureError {
        path: path.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    toml::from_str(&text).map_err(|e| fail(e.to_string()))
}

/// Checks what parsing cannot: each case opens first and only once, its
/// steps are in order and in the past, and every actor is a demo user.
pub fn check(
    path: &Path,
    cases: &CasesFile,
    users: &UsersFile,
    now: DateTime<Utc>,
) -> Result<(), FixtureError> {
    let fail = |label: &str, reason: String| FixtureError {
        path: path.display().to_string(),
        reason: format!("case \"{label}\": {reason}"),
    };
    for case in &cases.case {
        let opens: Vec<bool> = case
            .step
            .iter()
            .map(|s| matches!(s.action, Action::Open))
            .collect();
        if opens.first() != Some(&true) || opens.iter().filter(|o| **o).count() != 1 {
            return Err(fail(
                &case.label,
                "the first step, and only it, is `open`".into(),
            ));
        }
        let mut previous: Option<DateTime<Utc>> = None;
        for step in &case.step {
            let at = step.at.resolve(now);
            if at > now || previous.is_some_and(|p| at <= p) {
                let reason = format!("step at {:?} is not after the one before it", step.at);
                return Err(fail(&case.label, reason));
            }
            previous = Some(at);
            if !users.user.iter().any(|u| u.username == step.by) {
                return Err(fail(
                    &case.label,
                    format!("`{}` is not in users.toml", step.by),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn when(text: &str) -> Result<When, String> {
        When::try_from(text.to_owned())
    }

    #[test]
    fn days_ago_are_japan_clock_times_and_minutes_are_counted_back_from_now() {
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 3, 0, 0).unwrap(); // 12:00 JST
        let morning = when("-2d 09:40").unwrap().resolve(now);
        assert_eq!(
            morning,
            Utc.with_ymd_and_hms(2026, 11, 24, 0, 40, 0).unwrap()
        );
        let recent = when("-45m").unwrap().resolve(now);
        assert_eq!(
            recent,
            Utc.with_ymd_and_hms(2026, 11, 26, 2, 15, 0).unwrap()
        );
    }

    #[test]
    fn today_by_the_clock_and_malformed_times_are_refused() {
        for bad in ["-0d 09:00", "2d 09:00", "-2d 9h", "-xm", "-2d"] {
            assert!(when(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_committed_demo_fixtures_parse_and_pass_the_checks() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo");
        let users: UsersFile = read(&dir.join("users.toml")).unwrap();
        let cases: CasesFile = read(&dir.join("cases.toml")).unwrap();
        check(&dir.join("cases.toml"), &cases, &users, Utc::now()).unwrap();
        assert!(cases.case.len() >= 8);
    }
}
