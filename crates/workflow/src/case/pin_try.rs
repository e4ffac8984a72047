//! One PIN tried on the card at the counter: an audit record of its own,
//! whatever came of it, so audit staff see every try the office made on a
//! cardholder's card (a wrong current PIN spends one of the card's few
//! tries; the last one blocks the PIN). The case itself does not change.

use serde::Serialize;
use serde_json::json;
use shokai_card::PinKind;

use super::audit::{AuditEventKind, AuditRecord, Context};
use super::model::Case;

/// What one PIN try came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PinTryOutcome {
    /// The current PIN was right and the new one is set.
    Changed,
    /// A reset: the new PIN is set without the current one, and the
    /// card's try counter is full again.
    Reset,
    /// The current PIN was wrong; the card counted the try.
    WrongPin,
    /// The PIN is blocked (it was, or this try blocked it): it needs a reset.
    Blocked,
}

impl PinTryOutcome {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            PinTryOutcome::Changed => "changed",
            PinTryOutcome::Reset => "reset",
            PinTryOutcome::WrongPin => "wrong_pin",
            PinTryOutcome::Blocked => "blocked",
        }
    }
}

/// One PIN try as the card answered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinTry {
    /// Which PIN.
    pub pin: PinKind,
    /// How it went.
    pub outcome: PinTryOutcome,
    /// The tries the card has left for this PIN afterwards.
    pub tries_left: u8,
}

impl Case {
    /// The audit record of `tried` on this case's card by `ctx.role`: the
    /// PIN's kind, the outcome and the tries left, never a PIN. The state
    /// stays as it is; the caller writes the record with the step it led to,
    /// if any.
    pub fn pin_try(&self, tried: PinTry, ctx: &Context<'_>) -> AuditRecord {
        let state = self.core.state;
        AuditRecord {
            event: AuditEventKind::PinTry.code(),
            role: ctx.role,
            reason: None,
            from: Some(state),
            to: state,
            details: json!({
                "pin": tried.pin.code(),
                "outcome": tried.outcome.code(),
                "tries_left": tried.tries_left,
            }),
            personal: None,
        }
    }
}
