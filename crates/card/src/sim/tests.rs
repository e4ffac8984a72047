//! Behaviour of the simulated card, as APDU transcripts and through the `Card` API.

use super::*;
use crate::card::{Card, CardError, CertificateFingerprint, PinStatus};

fn pin(kind: PinKind, s: &str) -> Pin {
    Pin::parse(kind, s).unwrap()
}

fn new_card() -> SimulatedCard {
    SimulatedCard::new(
        &InitialPins {
            signature: Some(pin(PinKind::Signature, "ABC123")),
            user_auth: pin(PinKind::UserAuth, "1234"),
            resident: pin(PinKind::Resident, "1234"),
            card_info: pin(PinKind::CardInfo, "5678"),
        },
        "test-seed",
    )
    .unwrap()
}

/// Plays a transcript against the card: `>` lines are commands, each followed by
/// a `<` line with the expected response (hex; `..` stands for any data before SW).
fn check(card: &mut SimulatedCard, transcript: &str) {
    let mut lines = transcript
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    while let Some(command) = lines.next() {
        let command = command
            .strip_prefix('>')
            .expect("command line starts with >")
            .trim();
        let expected = lines
            .next()
            .and_then(|l| l.strip_prefix('<'))
            .expect("a < line follows");
        let response =
            hex::encode_upper(card.process(&hex::decode(command.replace(' ', "")).unwrap()));
        let expected = expected.replace(' ', "");
        let matches = match expected.strip_prefix("..") {
            Some(sw) => response.ends_with(sw) && response.len() > sw.len(),
            None => response == expected,
        };
        assert!(
            matches,
            "> {command}\n  expected < {expected}\n  got      < {response}"
        );
    }
}

const SELECT_JPKI: &str = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
const SELECT_USER_AUTH: &str = "00 A4 02 0C 02 00 18";

/// Plays a transcript on a new card after selecting the user-authentication PIN.
fn check_fresh_user_auth(transcript: &str) -> SimulatedCard {
    let mut card = new_card();
    check(&mut card, &on_user_auth(transcript));
    card
}

fn on_user_auth(rest: &str) -> String {
    format!("> {SELECT_JPKI}\n< 90 00\n> {SELECT_USER_AUTH}\n< 90 00\n{rest}")
}

#[test]
fn a_four_digit_pin_blocks_after_three_wrong_entries() {
    check_fresh_user_auth(
        "
        > 00 20 00 80
        < 63 C3
        > 00 20 00 80 04 39 39 39 39
        < 63 C2
        > 00 20 00 80 04 39 39 39 39
        < 63 C1
        > 00 20 00 80 04 39 39 39 39
        < 63 C0
        # Blocked: even the right PIN is refused now.
        > 00 20 00 80 04 31 32 33 34
        < 69 84
        > 00 20 00 80
        < 69 84
    ",
    );
}

#[test]
fn the_signature_pin_blocks_after_five_wrong_entries() {
    let mut card = new_card();
    let wrong = "> 00 20 00 80 06 5A 5A 5A 39 39 39";
    check(
        &mut card,
        &format!(
            "
        > {SELECT_JPKI}
        < 90 00
        > 00 A4 02 0C 02 00 1B
        < 90 00
        > 00 20 00 80
        < 63 C5
        {wrong}
        < 63 C4
        {wrong}
        < 63 C3
        {wrong}
        < 63 C2
        {wrong}
        < 63 C1
        {wrong}
        < 63 C0
        > 00 20 00 80 06 41 42 43 31 32 33
        < 69 84
    "
        ),
    );
}

#[test]
fn a_correct_entry_resets_the_try_counter() {
    check_fresh_user_auth(
        "
        > 00 20 00 80 04 39 39 39 39
        < 63 C2
        > 00 20 00 80 04 39 39 39 39
        < 63 C1
        > 00 20 00 80 04 31 32 33 34
        < 90 00
        > 00 20 00 80 04 39 39 39 39
        < 63 C2
    ",
    );
}

#[test]
fn each_pin_counts_its_own_wrong_entries() {
    check_fresh_user_auth(
        "
        > 00 20 00 80 04 39 39 39 39
        < 63 C2
        # card_info, in its own application, is untouched.
        > 00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08
        < 90 00
        > 00 A4 02 0C 02 00 11
        < 90 00
        > 00 20 00 80
        < 63 C3
    ",
    );
}

#[test]
fn a_change_without_verify_is_refused() {
    check_fresh_user_auth(
        "
        > 00 24 01 80 04 39 38 37 36
        < 69 82
        # A failed VERIFY does not open the session either.
        > 00 20 00 80 04 39 39 39 39
        < 63 C2
        > 00 24 01 80 04 39 38 37 36
        < 69 82
    ",
    );
}

#[test]
fn selecting_another_file_or_power_cycling_ends_the_verified_session() {
    let mut card = new_card();
    check(
        &mut card,
        &on_user_auth(&format!(
            "
        > 00 20 00 80 04 31 32 33 34
        < 90 00
        > 00 A4 02 0C 02 00 1B
        < 90 00
        > {SELECT_USER_AUTH}
        < 90 00
        > 00 24 01 80 04 39 38 37 36
        < 69 82
    "
        )),
    );
    check(
        &mut card,
        &on_user_auth(
            "
        > 00 20 00 80 04 31 32 33 34
        < 90 00
    ",
        ),
    );
    card.power_cycle();
    check(
        &mut card,
        "
        > 00 24 01 80 04 39 38 37 36
        < 69 86
    ",
    );
}

#[test]
fn a_verified_pin_can_be_changed_and_the_old_one_stops_working() {
    check_fresh_user_auth(
        "
        > 00 20 00 80 04 31 32 33 34
        < 90 00
        > 00 24 01 80 04 39 38 37 36
        < 90 00
        > 00 20 00 80 04 31 32 33 34
        < 63 C2
        > 00 20 00 80 04 39 38 37 36
        < 90 00
    ",
    );
}

#[test]
fn the_card_refuses_a_new_pin_of_the_wrong_format() {
    check_fresh_user_auth(
        "
        > 00 20 00 80 04 31 32 33 34
        < 90 00
        > 00 24 01 80 05 31 32 33 34 35
        < 6A 80
    ",
    );
}

#[test]
fn unknown_applications_and_files_are_not_found() {
    let mut card = new_card();
    check(
        &mut card,
        "
        > 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 02
        < 6A 82
        > 00 A4 02 0C 02 00 18
        < 6A 82
    ",
    );
    check(
        &mut card,
        &format!(
            "
        > {SELECT_JPKI}
        < 90 00
        > 00 A4 02 0C 02 00 11
        < 6A 82
        > 00 A4 02 0C 02 00 0A
        < 90 00
        > 00 B0 00 00 04
        < ..90 00
        > 00 B0 7F 00 04
        < 6B 00
    "
        ),
    );
}

/// A transport that hands every command to the simulated card and keeps a copy.
struct Recording<'a> {
    card: &'a mut SimulatedCard,
    sent: Vec<Vec<u8>>,
}

impl Transport for Recording<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent.push(command.to_vec());
        Ok(self.card.process(command))
    }
}

fn status(card: &mut SimulatedCard, kind: PinKind) -> PinStatus {
    Card::new(card).pin_status(kind).unwrap()
}

#[test]
fn pin_status_reports_every_pin_and_never_spends_a_try() {
    let mut card = new_card();
    for _ in 0..5 {
        for kind in PinKind::ALL {
            let s = status(&mut card, kind);
            assert_eq!(
                (s.remaining, s.max, s.blocked()),
                (kind.max_tries(), kind.max_tries(), false)
            );
        }
    }
    assert_eq!(card.revision(), 0, "reading the status changed nothing");
}

#[test]
fn change_pin_with_the_wrong_current_pin_reports_the_tries_left() {
    let mut card = new_card();
    let mut api = Card::new(&mut card);
    let new = pin(PinKind::UserAuth, "9876");
    let err = api
        .change_pin(PinKind::UserAuth, &pin(PinKind::UserAuth, "1111"), &new)
        .unwrap_err();
    assert_eq!(
        err,
        CardError::WrongPin {
            kind: PinKind::UserAuth,
            remaining: 2
        }
    );
    api.change_pin(PinKind::UserAuth, &pin(PinKind::UserAuth, "1111"), &new)
        .unwrap_err();
    let err = api
        .change_pin(PinKind::UserAuth, &pin(PinKind::UserAuth, "1111"), &new)
        .unwrap_err();
    assert_eq!(
        err,
        CardError::WrongPinNowBlocked {
            kind: PinKind::UserAuth
        }
    );
    assert!(status(&mut card, PinKind::UserAuth).blocked());
}

#[test]
fn a_blocked_pin_is_refused_without_sending_verify() {
    let mut card = new_card();
    for _ in 0..3 {
        let _ = Card::new(&mut card).change_pin(
            PinKind::UserAuth,
            &pin(PinKind::UserAuth, "0000"),
            &pin(PinKind::UserAuth, "9876"),
        );
    }
    let mut recording = Recording {
        card: &mut card,
        sent: Vec::new(),
    };
    let err = Card::new(&mut recording)
        .change_pin(
            PinKind::UserAuth,
            &pin(PinKind::UserAuth, "1234"),
            &pin(PinKind::UserAuth, "9876"),
        )
        .unwrap_err();
    assert_eq!(
        err,
        CardError::PinBlocked {
            kind: PinKind::UserAuth
        }
    );
    let verify_with_data = recording
        .sent
        .iter()
        .filter(|c| c.starts_with(&[0x00, 0x20]) && c.len() > 4)
        .count();
    let changes = recording
        .sent
        .iter()
        .filter(|c| c.starts_with(&[0x00, 0x24]))
        .count();
    assert_eq!(
        (verify_with_data, changes),
        (0, 0),
        "sent {:02X?}",
        recording.sent
    );
}

#[test]
fn change_pin_sets_the_new_pin_and_restores_full_tries() {
    let mut card = new_card();
    let mut api = Card::new(&mut card);
    let _ = api.change_pin(
        PinKind::Signature,
        &pin(PinKind::Signature, "WRONG1"),
        &pin(PinKind::Signature, "NEWPIN99"),
    );
    let after = api
        .change_pin(
            PinKind::Signature,
            &pin(PinKind::Signature, "ABC123"),
            &pin(PinKind::Signature, "NEWPIN99"),
        )
        .unwrap();
    assert_eq!(
        after,
        PinStatus {
            kind: PinKind::Signature,
            remaining: 5,
            max: 5
        }
    );
    let err = api
        .change_pin(
            PinKind::Signature,
            &pin(PinKind::Signature, "ABC123"),
            &pin(PinKind::Signature, "OTHER777"),
        )
        .unwrap_err();
    assert_eq!(
        err,
        CardError::WrongPin {
            kind: PinKind::Signature,
            remaining: 4
        }
    );
    api.change_pin(
        PinKind::Signature,
        &pin(PinKind::Signature, "NEWPIN99"),
        &pin(PinKind::Signature, "OTHER777"),
    )
    .unwrap();
}

#[test]
fn change_pin_refuses_pins_of_different_kinds() {
    let mut card = new_card();
    let err = Card::new(&mut card)
        .change_pin(
            PinKind::UserAuth,
            &pin(PinKind::UserAuth, "1234"),
            &pin(PinKind::Resident, "9876"),
        )
        .unwrap_err();
    assert_eq!(
        err,
        CardError::KindMismatch {
            expected: PinKind::UserAuth,
            got: PinKind::Resident
        }
    );
    assert_eq!(card.revision(), 0);
}

#[test]
fn the_fingerprint_is_the_sha256_of_the_whole_certificate() {
    let mut card = new_card();
    let der = auth_certificate_der("test-seed").unwrap();
    assert!(
        der.len() > 256,
        "the certificate spans more than one READ BINARY"
    );
    let mut recording = Recording {
        card: &mut card,
        sent: Vec::new(),
    };
    let fingerprint = Card::new(&mut recording)
        .auth_certificate_fingerprint()
        .unwrap();
    assert_eq!(fingerprint, CertificateFingerprint::of_der(&der));
    let reads = recording
        .sent
        .iter()
        .filter(|c| c.starts_with(&[0x00, 0xB0]))
        .count();
    assert!(reads >= 3, "header plus at least two chunks, got {reads}");
    let other = new_card_with_seed("other-seed");
    assert_ne!(
        fingerprint,
        Card::new(other).auth_certificate_fingerprint().unwrap()
    );
}

fn new_card_with_seed(seed: &str) -> SimulatedCard {
    let mut state = new_card().state().clone();
    state.certificate_seed = seed.to_owned();
    state.auth_certificate_der = hex::encode(auth_certificate_der(seed).unwrap());
    SimulatedCard::from_state(state).unwrap()
}

#[test]
fn a_card_without_a_signature_certificate_has_no_signature_pin() {
    let mut card = SimulatedCard::new(
        &InitialPins {
            signature: None,
            user_auth: pin(PinKind::UserAuth, "1234"),
            resident: pin(PinKind::Resident, "1234"),
            card_info: pin(PinKind::CardInfo, "1234"),
        },
        "minor",
    )
    .unwrap();
    let err = Card::new(&mut card)
        .pin_status(PinKind::Signature)
        .unwrap_err();
    assert!(matches!(err, CardError::NotFound { .. }), "{err:?}");
    assert_eq!(status(&mut card, PinKind::UserAuth).remaining, 3);
}

#[test]
fn saved_state_keeps_counters_but_never_the_pins() {
    let mut card = new_card();
    let _ = Card::new(&mut card).change_pin(
        PinKind::UserAuth,
        &pin(PinKind::UserAuth, "0000"),
        &pin(PinKind::UserAuth, "9876"),
    );
    let json = serde_json::to_string(card.state()).unwrap();
    // Whole values only: the salts and hashes are random hex, and "1234"
    // or "5678" turns up inside 384 random hex digits in about one run in 86
    // (2 × 381 places / 16⁴; seen once in CI: "…9d4712340e7e…").
    for secret in ["1234", "5678", "ABC123", "31323334"] {
        super::secrets::assert_secret_absent("the saved card state", &json, secret);
    }
    let mut restored = SimulatedCard::from_state(serde_json::from_str(&json).unwrap()).unwrap();
    assert_eq!(status(&mut restored, PinKind::UserAuth).remaining, 2);
    assert_eq!(status(&mut restored, PinKind::Resident).remaining, 3);
    assert!(
        Card::new(&mut restored)
            .change_pin(
                PinKind::UserAuth,
                &pin(PinKind::UserAuth, "1234"),
                &pin(PinKind::UserAuth, "9876")
            )
            .is_ok()
    );
}

#[test]
fn every_state_change_moves_the_revision() {
    let mut card = new_card();
    let before = card.revision();
    check(
        &mut card,
        &on_user_auth(
            "
        > 00 20 00 80 04 39 39 39 39
        < 63 C2
    ",
        ),
    );
    assert_eq!(card.revision(), before + 1);
    check(
        &mut card,
        "
        > 00 20 00 80 04 31 32 33 34
        < 90 00
    ",
    );
    assert_eq!(
        card.revision(),
        before + 2,
        "the reset counter is a change too"
    );
}

#[test]
fn a_reset_unblocks_a_blocked_pin_and_the_new_pin_verifies_while_the_old_one_fails() {
    check_fresh_user_auth(
        "
        > 00 20 00 80 04 39 39 39 39
        < 63 C2
        > 00 20 00 80 04 39 39 39 39
        < 63 C1
        > 00 20 00 80 04 39 39 39 39
        < 63 C0
        # No VERIFY first: the holder of a blocked PIN cannot give it.
        > 00 2C 02 80 04 39 38 37 36
        < 90 00
        > 00 20 00 80
        < 63 C3
        > 00 20 00 80 04 31 32 33 34
        < 63 C2
        > 00 20 00 80 04 39 38 37 36
        < 90 00
    ",
    );
}

#[test]
fn a_reset_restores_the_try_counter() {
    let mut card = new_card();
    for _ in 0..4 {
        let _ = Card::new(&mut card).change_pin(
            PinKind::Signature,
            &pin(PinKind::Signature, "WRONG1"),
            &pin(PinKind::Signature, "NEWPIN99"),
        );
    }
    assert_eq!(status(&mut card, PinKind::Signature).remaining, 1);
    let after = Card::new(&mut card)
        .reset_pin(PinKind::Signature, &pin(PinKind::Signature, "RESET42"))
        .unwrap();
    assert_eq!(
        after,
        PinStatus {
            kind: PinKind::Signature,
            remaining: 5,
            max: 5
        }
    );
    assert_eq!(status(&mut card, PinKind::Signature), after);
}

#[test]
fn a_reset_touches_only_the_selected_pin() {
    let mut card = new_card();
    let _ = Card::new(&mut card).change_pin(
        PinKind::Resident,
        &pin(PinKind::Resident, "0000"),
        &pin(PinKind::Resident, "9876"),
    );
    Card::new(&mut card)
        .reset_pin(PinKind::UserAuth, &pin(PinKind::UserAuth, "2468"))
        .unwrap();
    assert_eq!(status(&mut card, PinKind::Resident).remaining, 2);
    // The resident PIN was "1234" like user_auth's old one, and still is.
    Card::new(&mut card)
        .change_pin(
            PinKind::Resident,
            &pin(PinKind::Resident, "1234"),
            &pin(PinKind::Resident, "9876"),
        )
        .unwrap();
}

#[test]
fn a_malformed_new_pin_is_refused_and_the_old_pin_still_works() {
    check_fresh_user_auth(
        "
        > 00 20 00 80 04 39 39 39 39
        < 63 C2
        # Five digits, a letter, a byte that is not UTF-8.
        > 00 2C 02 80 05 31 32 33 34 35
        < 6A 80
        > 00 2C 02 80 04 31 32 33 41
        < 6A 80
        > 00 2C 02 80 04 31 32 33 FF
        < 6A 80
        # The counter is untouched and the old PIN still verifies.
        > 00 20 00 80
        < 63 C2
        > 00 20 00 80 04 31 32 33 34
        < 90 00
    ",
    );
    let mut card = new_card();
    check(
        &mut card,
        &format!(
            "
        > {SELECT_JPKI}
        < 90 00
        > 00 A4 02 0C 02 00 1B
        < 90 00
        # Lowercase, and letters without a digit: not a signature PIN.
        > 00 2C 02 80 06 61 62 63 31 32 33
        < 6A 80
        > 00 2C 02 80 06 41 42 43 44 45 46
        < 6A 80
        > 00 20 00 80 06 41 42 43 31 32 33
        < 90 00
    "
        ),
    );
    assert_eq!(card.revision(), 0, "a refused reset changed nothing");
}

#[test]
fn a_reset_without_a_selected_pin_file_is_not_allowed() {
    let mut card = new_card();
    check(
        &mut card,
        &format!(
            "
        > 00 2C 02 80 04 39 38 37 36
        < 69 86
        > {SELECT_JPKI}
        < 90 00
        > 00 2C 02 80 04 39 38 37 36
        < 69 86
        # The certificate file is not a PIN file either.
        > 00 A4 02 0C 02 00 0A
        < 90 00
        > 00 2C 02 80 04 39 38 37 36
        < 69 86
    "
        ),
    );
    assert_eq!(card.revision(), 0);
}

#[test]
fn a_reset_moves_the_revision_and_opens_no_verified_session() {
    let mut card = new_card();
    check(
        &mut card,
        &on_user_auth(
            "
        > 00 2C 02 80 04 39 38 37 36
        < 90 00
        # A reset proves no PIN, so a CHANGE still needs a VERIFY.
        > 00 24 01 80 04 35 35 35 35
        < 69 82
    ",
        ),
    );
    assert_eq!(card.revision(), 1);
}

#[test]
fn resetting_the_signature_pin_of_a_card_without_a_signature_certificate_answers_not_found() {
    let mut card = SimulatedCard::new(
        &InitialPins {
            signature: None,
            user_auth: pin(PinKind::UserAuth, "1234"),
            resident: pin(PinKind::Resident, "1234"),
            card_info: pin(PinKind::CardInfo, "1234"),
        },
        "minor",
    )
    .unwrap();
    let err = Card::new(&mut card)
        .reset_pin(PinKind::Signature, &pin(PinKind::Signature, "RESET42"))
        .unwrap_err();
    assert!(matches!(err, CardError::NotFound { .. }), "{err:?}");
    assert_eq!(card.revision(), 0);
    assert!(!card.state().pins.contains_key(&PinKind::Signature));
}

#[test]
fn reset_pin_refuses_a_pin_of_another_kind_before_any_apdu() {
    let mut card = new_card();
    let mut recording = Recording {
        card: &mut card,
        sent: Vec::new(),
    };
    let err = Card::new(&mut recording)
        .reset_pin(PinKind::CardInfo, &pin(PinKind::Resident, "9876"))
        .unwrap_err();
    assert_eq!(
        err,
        CardError::KindMismatch {
            expected: PinKind::CardInfo,
            got: PinKind::Resident
        }
    );
    assert!(recording.sent.is_empty(), "sent {:02X?}", recording.sent);
}

#[test]
fn reset_pin_never_sends_verify() {
    let mut card = new_card();
    let mut recording = Recording {
        card: &mut card,
        sent: Vec::new(),
    };
    Card::new(&mut recording)
        .reset_pin(PinKind::Resident, &pin(PinKind::Resident, "9876"))
        .unwrap();
    let instructions: Vec<u8> = recording.sent.iter().map(|c| c[1]).collect();
    assert_eq!(
        instructions,
        [0xA4, 0xA4, 0x2C],
        "sent {:02X?}",
        recording.sent
    );
}

#[test]
fn after_any_number_of_wrong_entries_a_reset_lets_the_new_pin_verify() {
    let wrong_and_new = [
        (PinKind::Signature, "ZZZ999", "RESET42"),
        (PinKind::UserAuth, "9999", "2468"),
        (PinKind::Resident, "9999", "2468"),
        (PinKind::CardInfo, "9999", "2468"),
    ];
    for (kind, wrong, new) in wrong_and_new {
        // One more than the limit: attempts on a blocked PIN must not matter either.
        for wrong_entries in 0..=kind.max_tries() + 1 {
            let mut card = new_card();
            let mut api = Card::new(&mut card);
            for _ in 0..wrong_entries {
                let _ = api.change_pin(kind, &pin(kind, wrong), &pin(kind, new));
            }
            api.reset_pin(kind, &pin(kind, new)).unwrap();
            // Changing away from the new PIN is a VERIFY of it followed by a CHANGE.
            let other = if kind == PinKind::Signature {
                "OTHER777"
            } else {
                "1357"
            };
            let after = api.change_pin(kind, &pin(kind, new), &pin(kind, other));
            assert!(
                after.is_ok(),
                "{kind} after {wrong_entries} wrong entries: {after:?}"
            );
        }
    }
}

/// A card as a terminal without J-LIS authority meets it: RESET RETRY
/// COUNTER is refused with `69 82`, everything else answers as usual.
struct WithoutResetAuthority<'a>(&'a mut SimulatedCard);

impl Transport for WithoutResetAuthority<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if command.get(1) == Some(&0x2C) {
            return Ok(StatusWord::SECURITY_NOT_SATISFIED.to_bytes().to_vec());
        }
        Ok(self.0.process(command))
    }
}

#[test]
fn a_card_that_refuses_the_reset_says_it_needs_the_office_terminal() {
    let mut card = new_card();
    let err = Card::new(WithoutResetAuthority(&mut card))
        .reset_pin(PinKind::UserAuth, &pin(PinKind::UserAuth, "2468"))
        .unwrap_err();
    assert_eq!(
        err,
        CardError::ResetNotAuthorized {
            kind: PinKind::UserAuth
        }
    );
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("J-LIS"), "{shown}");
    super::secrets::assert_secret_absent("the reset error", &shown, "2468");
    assert_eq!(card.revision(), 0);
}
