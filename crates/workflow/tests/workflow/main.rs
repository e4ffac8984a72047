//! Behaviour of the workflow crate as the server sees it: through the public
//! API only. One test binary, a module per concern.

// Fixtures build known-good values; a panic there is a broken test, said loudly.
#![allow(clippy::unwrap_used)]

mod applications;
mod boundaries;
mod clerk_rules;
mod diagram;
mod fixtures;
mod follow_up;
mod letters;
mod next_step;
mod parsing;
mod printing;
mod properties;
mod responses;
mod table;
