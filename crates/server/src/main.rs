//! `shokai`: the ward-office system for changing My Number Card PINs.
//!
//! `main` stays thin: the command line lives in [`cli`], which returns a typed
//! error that knows its own process exit code.

mod api;
mod app;
mod auth;
mod cli;
mod clock;
#[cfg(test)]
mod glossary;
mod infra;
mod jobs;
mod service;
mod settings;
mod state;
#[cfg(test)]
mod testing;
mod web;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
