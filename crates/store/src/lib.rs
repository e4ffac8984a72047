//! Persistence for shokai on SQLite (the embedded default) and PostgreSQL.
//!
//! One API over two backends: [`Store`] wraps either pool and every query is
//! checked at run time (`sqlx::query`, no compile-time macros), written once
//! with `?` placeholders. `SHOKAI_DATABASE_URL` picks the backend
//! (`sqlite://…`, default [`DEFAULT_DATABASE_URL`], or `postgres://…`);
//! [`Store::migrate`] applies the embedded migrations from `migrations/`.
//!
//! Repository functions take `&mut Tx` so they compose inside one
//! transaction; [`Store::begin`] opens a write transaction (`BEGIN IMMEDIATE`
//! on SQLite) and [`Store::read`] a read-only one.
//!
//! The audit log is hash-chained; the canonical encoding the hashes cover is
//! specified (format version 1, with a test vector) in [`canonical`].
//!
//! - [`cases`]: `Store::create_case`, `Store::transition` (one transaction:
//!   versioned update, letters, audit event, outbox), listings, response
//!   attempts.
//! - [`personal_data`]: the retention purge of closed cases (every table
//!   that keeps personal data) and the access log of reads.
//! - [`case_list`]: the case list's filters (reference prefix, reading,
//!   state, path, application dates), total and keyset paging, newest first.
//! - [`audit`]: append, `verify` (first break: changed, missing, reordered),
//!   `export_csv`.
//! - [`checkpoint`]: the chain head signed with an Ed25519 key kept outside
//!   the database, and the check that catches a chain rewritten with fresh hashes.
//! - [`outbox`]: queue, claim with a lease, back off, dead-letter, `run_worker`
//!   over a [`outbox::Sender`].
//! - [`users`], [`batches`]: accounts and sessions; print batches.
//! - [`testing`]: a fresh PostgreSQL database per test, skip records.
//! - [`reports`]: read-only counts and rows behind the office's reports.
//! - [`throttle`]: failure throttles with growing delays and job leases,
//!   shared by every server on one database.
//!
//! Error policy: every function returns [`StoreError`], whose variants name
//! what a caller acts on (`VersionConflict`, `NotFound`, `Duplicate`, the
//! workflow's refusals) and whose `code()` is stable for the API.

pub mod audit;
pub mod batches;
pub mod canonical;
pub mod case_list;
pub mod cases;
pub mod checkpoint;
mod db;
mod error;
pub mod outbox;
pub mod personal_data;
pub mod reports;
pub mod schedule;
pub mod testing;
pub mod throttle;
pub mod users;

pub use cases::{
    Actor, CaseFilter, CaseSummary, Commit, NewResponseAttempt, PurgeReport, StoredCase,
};
pub use db::{Backend, BeforeCommitHook, DEFAULT_DATABASE_URL, Store, Tx};
pub use error::StoreError;
pub use shokai_workflow::Role;
