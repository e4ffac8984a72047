//! Infrastructure of the server: the HTTP stack, logging, metrics, rate
//! limits, the card terminal, mail and the background jobs.

pub mod card_terminal;
pub mod chart;
pub mod csv;
pub mod letter_assets;
pub mod mail;
pub mod metrics;
pub mod password;
pub mod print_file;
pub mod proxy;
pub mod rate_limit;
pub mod telemetry;
pub mod token;
