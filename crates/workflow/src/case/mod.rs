//! Cases on the three paths and the state machine that moves them.
//!
//! See `crates/workflow/README.md` for the diagrams; a test keeps them equal to
//! what the code allows.

mod audit;
mod error;
mod events;
mod follow_up;
mod model;
mod next;
mod open;
mod pin_try;

pub use audit::{
    AuditEventKind, AuditRecord, Context, Transition, event_name_ja, japan_date, japan_midnight,
};
pub use error::{ApplicationError, ChecklistItem, IdHolder, TransitionError};
pub use events::{
    CODE_MISMATCH, Event, EventKind, MAX_REASON_CHARS, ResponseChecklist, ResponseEntry,
};
pub use follow_up::{TakeOver, TakeOverError};
pub use model::{
    Cardholder, Case, CaseCore, CaseState, FailureReason, LegalRepresentative, Letter,
    LetterStatus, Parties, Path, Proof, ProofKind, Proxy, Representation, Role, WaiverReason,
    WardKind,
};
pub use next::NextStep;
pub use open::{Application, MAJORITY_AGE, SIGNATURE_MIN_AGE};
pub use pin_try::{PinTry, PinTryOutcome};
