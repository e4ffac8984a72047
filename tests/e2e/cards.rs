//! Simulated cards for tests: shared by the end-to-end tests and the
//! server's own service tests (`crates/server/src/testing.rs`).

/// Writes to `path` a simulated card with the PINs of
/// `fixtures/cards/cardholder.json` (see its README) and a certificate made
/// from `seed`, so a test can hand the counter another cardholder's card;
/// returns the certificate's fingerprint.
pub fn write_card(path: &std::path::Path, seed: &str) -> String {
    use shokai_card::{Card, InitialPins, Pin, PinKind, SimulatedCard, Transport, sim_file};
    let pin = |kind, text| Pin::parse(kind, text).expect("a fixture PIN");
    let pins = InitialPins {
        signature: Some(pin(PinKind::Signature, "ABC123")),
        user_auth: pin(PinKind::UserAuth, "1234"),
        resident: pin(PinKind::Resident, "1234"),
        card_info: pin(PinKind::CardInfo, "5678"),
    };
    let mut card = SimulatedCard::new(&pins, seed).expect("a simulated card");
    let fingerprint = Card::new(&mut card as &mut dyn Transport)
        .auth_certificate_fingerprint()
        .expect("the card's certificate")
        .to_string();
    sim_file::save(path, &card).expect("save the card");
    fingerprint
}
