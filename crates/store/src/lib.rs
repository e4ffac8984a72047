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
//! specified in [`canonical`].

pub mod audit;
pub mod batches;
pub mod canonical;
pub mod cases;
mod db;
mod error;
pub mod outbox;
pub mod testing;
pub mod users;

pub use cases::{
    Actor, CaseFilter, CaseSummary, NewResponseAttempt, PurgeReport, Step, StoredCase,
};
pub use db::{Backend, BeforeCommitHook, DEFAULT_DATABASE_URL, Store, Tx};
pub use error::StoreError;
pub use shokai_workflow::Role;
