//! The card side of shokai: the four PINs of a My Number Card, their rules, the
//! ISO 7816 APDUs that check and change them, and the transports that carry
//! those APDUs (an in-process simulated card, and PC/SC behind the `pcsc` feature).
//!
//! This crate does no I/O of its own except inside explicit transports; the
//! `Card` API talks to a card only through the [`Transport`] trait.

mod pin_kind;

pub use pin_kind::PinKind;
