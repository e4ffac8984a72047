//! Personal data after the fact: the retention purge that erases a closed
//! case's personal data from every table that keeps it ([`purge`]), and the
//! access log that records every read of it ([`access_log`]).

pub mod access_log;
pub mod purge;
