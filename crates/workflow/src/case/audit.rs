//! What every step returns besides the new case: an audit record the store
//! chains into the tamper-evident log.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Serialize;

use super::events::{CODE_MISMATCH, EventKind};
use super::model::{Case, CaseState, Role};
use crate::keyring::CodeKeyring;
use crate::settings::WorkflowSettings;

/// What an audit record of a case says happened. Every record the workflow
/// writes names one of these in [`AuditRecord::event`] (as its
/// [`code`](AuditEventKind::code)); the codes are stored, so they never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditEventKind {
    /// `open`: the case was registered ([`Case::open`]).
    Open,
    /// A step of the state machine, under its event's code (`issue_letter`, `cancel`, …).
    Step(EventKind),
    /// `code_mismatch`: a wrong verification code was entered and counted;
    /// the case stays `inquiry_mailed`.
    CodeMismatch,
    /// `superseded_code`: the code of a letter a newer one replaced was
    /// entered; refused and recorded, not counted.
    SupersededCode,
    /// `unmailed_code`: the code of the current letter was entered before
    /// that letter was mailed; refused, recorded and counted.
    UnmailedCode,
    /// `pin_try`: one PIN tried on the card at the counter (changed, wrong,
    /// or blocked), with the tries the card has left; never the PIN.
    PinTry,
}

impl AuditEventKind {
    /// Every kind: the opening, each machine event in [`EventKind::ALL`]
    /// order, then the wrong code.
    pub fn all() -> impl Iterator<Item = AuditEventKind> {
        std::iter::once(AuditEventKind::Open)
            .chain(EventKind::ALL.into_iter().map(AuditEventKind::Step))
            .chain([
                AuditEventKind::CodeMismatch,
                AuditEventKind::SupersededCode,
                AuditEventKind::UnmailedCode,
                AuditEventKind::PinTry,
            ])
    }

    /// The stable snake_case code stored in the audit log.
    pub fn code(self) -> &'static str {
        match self {
            AuditEventKind::Open => "open",
            AuditEventKind::Step(kind) => kind.code(),
            AuditEventKind::CodeMismatch => CODE_MISMATCH,
            AuditEventKind::SupersededCode => "superseded_code",
            AuditEventKind::UnmailedCode => "unmailed_code",
            AuditEventKind::PinTry => "pin_try",
        }
    }

    /// Parses [`AuditEventKind::code`]; `None` for codes the workflow does not
    /// write (e.g. the store's own `personal_data_purged`).
    pub fn from_code(code: &str) -> Option<AuditEventKind> {
        AuditEventKind::all().find(|k| k.code() == code)
    }

    /// The name clerks read in a case's history and the audit log.
    pub fn name_ja(self) -> &'static str {
        match self {
            AuditEventKind::Open => "受付",
            AuditEventKind::Step(kind) => kind.name_ja(),
            AuditEventKind::CodeMismatch => "照会番号の不一致",
            AuditEventKind::SupersededCode => "無効になった照会書の照会番号",
            AuditEventKind::UnmailedCode => "未発送の照会書の照会番号",
            AuditEventKind::PinTry => "カードでの暗証番号の照合",
        }
    }
}

/// The Japanese name of an audit event `code` as stored in the log, `None`
/// for a code the workflow does not write (show such a code as it is).
pub fn event_name_ja(code: &str) -> Option<&'static str> {
    AuditEventKind::from_code(code).map(AuditEventKind::name_ja)
}

/// One audit entry. `details` never holds personal data or secrets; personal
/// data goes to `personal`, which the store keeps purgeable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    /// Stable snake_case code of what happened (`open`, `issue_letter`,
    /// `code_mismatch`, …): always an [`AuditEventKind::code`].
    pub event: &'static str,
    /// The actor's role.
    pub role: Role,
    /// The reason given, where the event takes one.
    pub reason: Option<String>,
    /// The state before; `None` when the case was opened.
    pub from: Option<CaseState>,
    /// The state after.
    pub to: CaseState,
    /// Non-personal facts of the step (letter numbers, dates, attempt counts).
    pub details: serde_json::Value,
    /// Personal facts of the step (names, ID documents), purgeable.
    pub personal: Option<serde_json::Value>,
}

/// The outcome of a successful step: the case after it, and its audit record.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub case: Case,
    pub audit: AuditRecord,
}

impl Transition {
    /// A step that was recorded but refused what was asked: a code that did
    /// not let the response in (no letter's, a replaced letter's, or an
    /// unmailed letter's), which must be persisted (for the audit trail and,
    /// except a replaced letter's, the lock) and then reported as this error.
    pub fn refusal(&self) -> Option<super::TransitionError> {
        let get = |k: &str| {
            let n = self
                .audit
                .details
                .get(k)
                .and_then(serde_json::Value::as_u64);
            n.and_then(|n| u8::try_from(n).ok())
        };
        let attempts = get("attempts").unwrap_or(u8::MAX);
        let remaining = get("remaining").unwrap_or(0);
        let letter = get("letter").unwrap_or(0);
        match AuditEventKind::from_code(self.audit.event)? {
            AuditEventKind::CodeMismatch => Some(super::TransitionError::CodeMismatch {
                attempts,
                remaining,
            }),
            AuditEventKind::SupersededCode => Some(super::TransitionError::SupersededCode {
                letter,
                current: get("current").unwrap_or(0),
            }),
            AuditEventKind::UnmailedCode => Some(super::TransitionError::UnmailedCode {
                letter,
                attempts,
                remaining,
            }),
            AuditEventKind::Open | AuditEventKind::Step(_) | AuditEventKind::PinTry => None,
        }
    }
}

/// What a step needs from outside: the time, who acts, the settings and the keys.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub now: DateTime<Utc>,
    pub role: Role,
    pub settings: &'a WorkflowSettings,
    pub keyring: &'a CodeKeyring,
}

impl<'a> Context<'a> {
    /// Bundles the inputs.
    pub fn new(
        now: DateTime<Utc>,
        role: Role,
        settings: &'a WorkflowSettings,
        keyring: &'a CodeKeyring,
    ) -> Self {
        Context {
            now,
            role,
            settings,
            keyring,
        }
    }

    /// Today's date in Japan.
    pub fn today(&self) -> NaiveDate {
        japan_date(self.now)
    }
}

/// The Japan (UTC+9, no DST) date of an instant.
pub fn japan_date(t: DateTime<Utc>) -> NaiveDate {
    (t + TimeDelta::hours(9)).date_naive()
}

/// The instant a Japan date begins (00:00 in Japan): the bound of every
/// search by Japan dates.
pub fn japan_midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc() - TimeDelta::hours(9)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn a_japan_date_starts_at_1500_utc_the_day_before() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(
            japan_midnight(day),
            "2026-11-30T15:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(japan_date(japan_midnight(day)), day);
    }

    #[test]
    fn every_audit_event_code_reads_back_as_its_kind_and_has_a_japanese_name() {
        for kind in AuditEventKind::all() {
            assert_eq!(AuditEventKind::from_code(kind.code()), Some(kind));
            assert_eq!(event_name_ja(kind.code()), Some(kind.name_ja()));
            assert!(!kind.name_ja().is_empty(), "{kind:?}");
        }
    }

    #[test]
    fn no_two_audit_events_share_a_code_or_a_japanese_name() {
        let count = AuditEventKind::all().count();
        let codes: BTreeSet<&str> = AuditEventKind::all().map(AuditEventKind::code).collect();
        let names: BTreeSet<&str> = AuditEventKind::all().map(AuditEventKind::name_ja).collect();
        assert_eq!((codes.len(), names.len()), (count, count));
    }

    #[test]
    fn a_code_the_workflow_does_not_write_has_no_japanese_name() {
        assert_eq!(event_name_ja("personal_data_purged"), None);
        assert_eq!(event_name_ja("opened"), None);
        assert_eq!(event_name_ja(""), None);
    }

    #[test]
    fn the_opening_and_a_wrong_code_have_their_own_names() {
        assert_eq!(event_name_ja("open"), Some("受付"));
        assert_eq!(event_name_ja("code_mismatch"), Some("照会番号の不一致"));
        assert_eq!(event_name_ja("issue_letter"), Some("照会書発行"));
    }
}
