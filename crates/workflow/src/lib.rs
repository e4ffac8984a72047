//! The heart of shokai: what a clerk may do next on a PIN-change case, and the
//! refusal of everything else with a reason a clerk understands.
//!
//! Pure by design: no I/O, no database, no web framework, no async runtime.
//! Facts from outside (the time, the office calendar, fonts) are passed in.
pub mod letter;
