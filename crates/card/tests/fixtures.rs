//! The committed simulated cards in `fixtures/cards/` still load, still carry
//! the certificate their seed derives, and still accept the PINs their README lists.

// Helpers outside #[test] functions panic on purpose, like the tests themselves.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use shokai_card::sim::auth_certificate_der;
use shokai_card::{Card, CardError, Pin, PinKind, sim_file};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/cards")
        .join(name)
}

/// Loads a fixture and checks seed, fingerprint and every listed PIN on a
/// copy in memory (the file itself is never written).
fn check(name: &str, fingerprint: &str, pins: &[(PinKind, Option<&str>)]) {
    let mut card = sim_file::load(&fixture(name)).unwrap();
    let seed = card.state().certificate_seed.clone();
    let stored = hex::decode(&card.state().auth_certificate_der).unwrap();
    assert_eq!(
        stored,
        auth_certificate_der(&seed).unwrap(),
        "{name}: certificate derives from its seed"
    );
    let mut api = Card::new(&mut card);
    assert_eq!(
        api.auth_certificate_fingerprint().unwrap().to_string(),
        fingerprint,
        "{name}"
    );
    let signature_pin_listed = pins
        .iter()
        .any(|&(kind, pin)| kind == PinKind::Signature && pin.is_some());
    assert_eq!(
        api.holds_signature_certificate().unwrap(),
        signature_pin_listed,
        "{name}: the card says whether it holds a signature certificate"
    );
    for &(kind, pin) in pins {
        match pin {
            Some(pin) => {
                let current = Pin::parse(kind, pin).unwrap();
                let new_text = if kind == PinKind::Signature {
                    "NEW999"
                } else {
                    "0000"
                };
                let new = Pin::parse(kind, new_text).unwrap();
                api.change_pin(kind, &current, &new)
                    .unwrap_or_else(|e| panic!("{name} {kind}: {e}"));
            }
            None => assert!(
                matches!(api.pin_status(kind), Err(CardError::NotFound { .. })),
                "{name} {kind}"
            ),
        }
    }
}

#[test]
fn the_cardholder_fixture_matches_its_readme() {
    check(
        "cardholder.json",
        "160752ed45d023edfd4171ed74a5d7fd5c358b906f387cd97d3636a505326648",
        &[
            (PinKind::Signature, Some("ABC123")),
            (PinKind::UserAuth, Some("1234")),
            (PinKind::Resident, Some("1234")),
            (PinKind::CardInfo, Some("5678")),
        ],
    );
}

#[test]
fn the_minor_fixture_has_no_signature_pin() {
    check(
        "minor.json",
        "b7c79882bc6ff4e3801b71e4b44625118d40b9485912596bd148997a3f8b55f9",
        &[
            (PinKind::Signature, None),
            (PinKind::UserAuth, Some("2468")),
            (PinKind::Resident, Some("2468")),
            (PinKind::CardInfo, Some("2468")),
        ],
    );
}
