//! Services: the work behind each handler and page, in one transaction
//! each. They speak the domain, never HTTP: they take the [`AppState`]
//! (store, settings, the [`crate::clock::Clock`] and code source) and plain
//! values, and answer with domain values or a [`ServiceError`]. The API
//! maps those to status codes in `api/error.rs`; the pages word them in
//! `web/messages.rs`; the CLI (`demo load`) drives cases through the same
//! functions.
//!
//! [`AppState`]: crate::state::AppState
//! [`ServiceError`]: error::ServiceError

pub mod access_log;
pub mod audit;
pub mod batches;
pub mod cases;
pub mod checkpoints;
pub mod error;
pub mod expiry;
pub mod intake_check;
pub mod letters;
pub mod pin_change;
pub mod purge;
pub mod reminders;
pub mod reports;
pub mod responses;
pub mod session;
pub mod status;
pub mod users;
