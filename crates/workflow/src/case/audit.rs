//! What every step returns besides the new case: an audit record the store
//! chains into the tamper-evident log.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Serialize;

use super::model::{Case, CaseState, Role};
use crate::keyring::CodeKeyring;
use crate::settings::WorkflowSettings;

/// One audit entry. `details` never holds personal data or secrets; personal
/// data goes to `personal`, which the store keeps purgeable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    /// Stable snake_case code of what happened (`open`, `issue_letter`, `code_mismatch`, …).
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
    /// A step that was recorded but refused what was asked: today only a wrong
    /// code, which must be persisted (it counts towards the lock) and then
    /// reported to the clerk as this error.
    pub fn refusal(&self) -> Option<super::TransitionError> {
        if self.audit.event != super::events::CODE_MISMATCH {
            return None;
        }
        let get = |k: &str| {
            self.audit
                .details
                .get(k)
                .and_then(serde_json::Value::as_u64)
        };
        let attempts = u8::try_from(get("attempts").unwrap_or(0)).unwrap_or(u8::MAX);
        let remaining = u8::try_from(get("remaining").unwrap_or(0)).unwrap_or(0);
        let superseded_letter = get("superseded_letter").and_then(|n| u8::try_from(n).ok());
        Some(super::TransitionError::CodeMismatch {
            attempts,
            remaining,
            superseded_letter,
        })
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
