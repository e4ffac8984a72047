//! Store tests: every test body runs on SQLite and on PostgreSQL (see
//! `harness`), each against a fresh database.

// Helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

mod access_log;
mod audit;
mod case_list;
mod cases;
mod checkpoint;
mod fixtures;
mod harness;
mod migration;
mod outbox;
mod purge;
mod reports;
mod schedule;
mod secure_delete;
mod throttle;
mod users;
