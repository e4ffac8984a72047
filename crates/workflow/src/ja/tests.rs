//! Every refusal is worded in Japanese with no English in it.

use super::examples::{every_application_error, every_failure_reason, every_transition_error};
use super::*;
use crate::case::CaseState;
use crate::domain::IdRequirement;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

fn assert_japanese(what: &str, text: &str) {
    assert!(!text.is_empty(), "{what}: no wording");
    assert!(!has_english(text), "{what}: English in {text}");
    assert!(
        text.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)),
        "{what}: no kana in {text}"
    );
}

#[test]
fn every_failure_reason_is_worded_in_japanese_with_the_pin_it_names() {
    for reason in every_failure_reason() {
        let text = reason.message_ja();
        assert_japanese(reason.code(), &text);
        if let Some(pin) = reason.pin_to_reset() {
            assert!(text.contains(pin.name_ja()), "{text}");
        }
    }
}

#[test]
fn every_transition_refusal_has_japanese_wording() {
    let all = every_transition_error();
    assert_eq!(all.len(), 28);
    for e in &all {
        assert_japanese(e.code(), &e.message_ja());
    }
}

#[test]
fn every_application_refusal_has_japanese_wording() {
    let all = every_application_error();
    assert_eq!(all.len(), 22);
    for e in &all {
        assert_japanese(e.code(), &e.message_ja());
    }
}

#[test]
fn every_rejected_address_has_japanese_wording() {
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut add = |what: &str, text: String| texts.push((what.to_owned(), text));
    for e in [
        PostalCodeError::Empty,
        PostalCodeError::InvalidCharacter('x'),
        PostalCodeError::WrongShape,
    ] {
        add("postal", e.message_ja());
    }
    for part in [
        AddressField::Prefecture,
        AddressField::City,
        AddressField::Rest,
    ] {
        add("address empty", AddressError::Empty(part).message_ja());
        add(
            "address control",
            AddressError::ControlCharacter(part).message_ja(),
        );
        add(
            "address long",
            AddressError::TooLongForWindow {
                field: part,
                max: 48,
                actual: 50,
            }
            .message_ja(),
        );
    }
    add(
        "address postal",
        AddressError::InvalidPostalCode(PostalCodeError::WrongShape).message_ja(),
    );
    add(
        "prefecture",
        AddressError::UnknownPrefecture("Tokyo".into()).message_ja(),
    );
    for (what, text) in &texts {
        assert_japanese(what, text);
    }
}

#[test]
fn every_other_rejected_value_at_intake_has_japanese_wording() {
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut add = |what: &str, text: String| texts.push((what.to_owned(), text));
    for e in [
        ReferenceNumberError::WrongShape,
        ReferenceNumberError::WrongCheckDigit,
        ReferenceNumberError::YearOutOfRange,
        ReferenceNumberError::SequenceOutOfRange,
        ReferenceNumberError::BeforeReiwa,
    ] {
        add("reference", e.message_ja());
    }
    for e in [
        PhoneError::Empty,
        PhoneError::InvalidCharacter('x'),
        PhoneError::MustStartWithZero,
        PhoneError::WrongLength(9),
    ] {
        add("phone", e.message_ja());
    }
    add("id number", IdDocumentError::BadNumberSuffix.message_ja());
    add(
        "id photo",
        IdDocumentError::PhotoContradictsKind {
            kind: crate::domain::IdDocumentKind::DriversLicence,
            has_photo_by_kind: true,
        }
        .message_ja(),
    );
    add("email", EmailError::Malformed.message_ja());
    add("fingerprint", CardFingerprintError::Malformed.message_ja());
    add("pins", PinSetError::Empty.message_ja());
    add("pins", PinSetError::UnknownKind("pin".into()).message_ja());
    add("code", VerificationCodeError::InvalidCharacter.message_ja());
    add("birth", DateOfBirthError::NotADate.message_ja());
    add("birth", DateOfBirthError::Implausible.message_ja());
    for e in [
        PersonNameError::EmptyName,
        PersonNameError::EmptyKana,
        PersonNameError::NameTooLong {
            max: 30,
            actual: 31,
        },
        PersonNameError::KanaTooLong {
            max: 60,
            actual: 61,
        },
        PersonNameError::NotKana('a'),
        PersonNameError::ControlCharacter,
    ] {
        add("name", e.message_ja());
    }
    add(
        "requirement",
        IdRequirement::parse("C").unwrap_err().message_ja(),
    );
    for (what, text) in &texts {
        assert_japanese(what, text);
    }
}

#[test]
fn a_refusal_names_the_step_and_the_state_in_japanese() {
    let e = TransitionError::InvalidTransition {
        state: CaseState::PinSet,
        event: "cancel",
    };
    assert_eq!(
        e.message_ja(),
        "この案件は「暗証番号変更完了」のため、「取消」はできません。"
    );
}

#[test]
fn a_wrong_code_says_how_many_tries_are_left() {
    let e = TransitionError::CodeMismatch {
        attempts: 2,
        remaining: 1,
    };
    assert!(
        e.message_ja().contains("あと1回でロック"),
        "{}",
        e.message_ja()
    );
}

#[test]
fn a_date_in_a_refusal_is_written_the_japanese_way() {
    let e = TransitionError::DeadlinePassed { deadline: day() };
    assert_eq!(e.message_ja(), "回答期限（2026年11月30日）を過ぎています。");
}

#[test]
fn english_is_found_in_a_sentence_but_letters_of_lists_are_not() {
    assert!(has_english("入力を確認してください（missing field）"));
    assert!(!has_english("必要: Aの書類1点（A: 官公署発行）"));
    assert!(!has_english("J-LIS、R8-000123-4"));
}
