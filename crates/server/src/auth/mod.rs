//! Who is calling, and what their role may do: [`Caller`] and the policies
//! routes name ([`Read`], [`Operate`], [`Supervise`], [`Audit`]). The
//! extractors that resolve a caller from a request live with their surface:
//! `api::authorized::Authorized` (bearer token) and
//! `web::session::WebAuthorized` (cookie). Password hashes and tokens are in
//! `infra::password` and `infra::token`.

pub mod caller;

pub use caller::{Audit, Caller, Operate, Policy, Post, Print, Read, Staff, Supervise};
