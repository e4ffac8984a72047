//! End-to-end tests: the real `shokai serve` binary, started on port 0 with a
//! fresh database per test, driven over HTTP. One test binary, one module
//! per feature; shared set-up lives in `helpers`.
//!
//! Server logs are shown only when `TEST_LOG` is set.

// A test binary: helpers and per-backend test bodies are not `#[test]`
// functions, but a failed unwrap there is a failed test all the same.
#![allow(clippy::unwrap_used)]

mod cards;
mod helpers;
mod secrets;

mod access_log;
mod accounts;
mod audit;
mod audit_checkpoints;
mod auth;
mod authz;
mod batches;
mod browser;
mod cases;
mod charts;
mod codes;
mod confirm;
mod demo;
mod expiry;
mod exports;
mod flow;
mod guarantee;
mod headers;
mod health;
mod instances;
mod letters;
mod listeners;
mod load;
mod mail;
mod paging;
mod pin_change;
mod pin_scan;
mod previews;
mod procedure;
mod purge;
mod reports;
mod responses;
mod settings;
mod status;
mod tls;
mod web;
mod web_ops;
