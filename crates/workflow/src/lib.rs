//! The heart of shokai: what a clerk may do next on a PIN-change case, and the
//! refusal of everything else with a reason a clerk understands.
//!
//! Pure by design: no I/O, no database, no web framework, no async runtime.
//! Facts from outside (the time, the office calendar, fonts) are passed in.
//!
//! - [`domain`]: values parsed once with named errors (names, addresses,
//!   reference numbers, verification codes, …).
//! - [`case`]: the case aggregate, its three paths and the state machine.
//! - [`keyring`]: HMAC digests of verification codes with rotatable keys.
//! - [`calendar`]: office opening days and Japanese holidays, for deadlines.
//!
//! Error policy: every fallible function returns a `thiserror` enum whose
//! variants name the reason; state-machine and application errors carry a
//! stable `code()` the API passes on. Nothing here panics on user input.
pub mod letter;

pub mod calendar;
pub mod case;
pub mod csv;
pub mod domain;
pub mod ja;
pub mod keyring;
pub mod settings;

pub use calendar::OfficeCalendar;
pub use case::{
    Application, ApplicationError, AuditEventKind, AuditRecord, Cardholder, Case, CaseCore,
    CaseState, ChecklistItem, Context, Event, EventKind, FailureReason, IdHolder,
    LegalRepresentative, Letter, LetterStatus, Parties, Path, PinTry, PinTryOutcome, Proof,
    ProofKind, Proxy, Representation, ResponseChecklist, ResponseEntry, Role, TakeOver,
    TakeOverError, Transition, TransitionError, WaiverReason, WardKind, event_name_ja,
};
pub use domain::{
    Address, AddressError, CardFingerprint, DateOfBirth, Email, IdCount, IdDocument,
    IdDocumentKind, IdList, IdRequirement, PersonName, Phone, PinSet, PostalCode, Procedure,
    ReferenceNumber, VerificationCode,
};
pub use keyring::{CodeDigest, CodeKeyring, KeyringError};
pub use settings::{SettingsError, WorkflowSettings};
pub use shokai_card::PinKind;
