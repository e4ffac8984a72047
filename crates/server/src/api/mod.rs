//! HTTP handlers: extract, authorize, call a service, map the result.
//! The routes are assembled in [`crate::app`].
//!
//! Each handler stays about 20 lines; the work happens in [`crate::service`].
//! Errors leave as [`error::AppError`] (`{"code","message"}` bodies).

pub mod audit;
pub mod authorized;
pub mod batches;
pub mod cases;
pub mod client;
pub mod error;
pub mod health;
pub mod json;
pub mod letters;
pub mod openapi;
pub mod reports;
pub mod responses;
pub mod session;
pub mod status;
