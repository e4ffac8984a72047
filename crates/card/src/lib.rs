//! The card side of shokai: the four PINs of a My Number Card, their rules, the
//! ISO 7816 APDUs that check and change them, and the transports that carry
//! those APDUs (an in-process simulated card, vpcd for serving the simulated
//! card to a PC/SC stack, and PC/SC itself behind the `pcsc` feature).
//!
//! This crate does no I/O of its own except inside explicit transports and
//! [`sim_file`]; the [`Card`] API talks to a card only through the
//! [`Transport`] trait.
//!
//! Error policy: every fallible function returns a named `thiserror` enum; no
//! error, `Debug` or `Display` output ever contains PIN bytes.

pub mod apdu;
mod card;
#[cfg(feature = "pcsc")]
pub mod pcsc_transport;
mod pin;
mod pin_kind;
pub mod sim;
pub mod sim_file;
pub mod vpcd;

pub use card::{
    BadFingerprint, Card, CardError, CertificateFingerprint, PinStatus, Transport, TransportError,
};
pub use pin::{Pin, PinError};
pub use pin_kind::{PinFormat, PinKind, UnknownPinKind};
pub use sim::{InitialPins, SimState, SimulatedCard};
