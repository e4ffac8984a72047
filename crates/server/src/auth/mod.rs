//! Who is calling, and may they: password hashes, bearer tokens, and the
//! extractor that turns a token into an authorized caller.
//!
//! Only hashes are kept: argon2id PHC strings for passwords, SHA-256 of the
//! random bearer token for sessions. A stolen database row opens nothing.

pub mod caller;
pub mod password;
pub mod token;

pub use caller::{Audit, Authorized, Caller, Operate, Read, Supervise};
