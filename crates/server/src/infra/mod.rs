//! Infrastructure of the server: the HTTP stack, logging, metrics, rate limits.

pub mod http;
pub mod metrics;
pub mod rate_limit;
pub mod telemetry;
