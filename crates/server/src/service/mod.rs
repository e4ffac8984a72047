//! Services: the work behind each handler, in one transaction each. They take
//! the store and plain values (never HTTP types), so the CLI reuses them.

pub mod audit;
pub mod batches;
pub mod cases;
pub mod letters;
pub mod pin_change;
pub mod reports;
pub mod responses;
pub mod session;
pub mod status;
pub mod users;
