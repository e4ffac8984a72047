//! A letter built from a real optional-proxy case, as the server will build it.

// Helpers outside #[test] functions unwrap too; a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use chrono::{NaiveDate, TimeZone, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use shokai_workflow::letter::{
    LetterContent, LetterFonts, LetterSettings, LetterSourceError, LetterTemplate, render_letter,
    wareki,
};
use shokai_workflow::{
    Address, Application, Cardholder, Case, CodeKeyring, Context, DateOfBirth, Event, IdDocument,
    IdDocumentKind, IdRequirement, PersonName, PinKind, PinSet, Procedure, Proxy, ReferenceNumber,
    Representation, Role, VerificationCode, WorkflowSettings,
};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn application(representation: Representation) -> Application {
    Application {
        cardholder: Cardholder {
            name: PersonName::parse("髙橋 花子", "タカハシ ハナコ").unwrap(),
            address: Address::parse(
                "150-0001",
                "東京都",
                "渋谷区",
                "神宮前一丁目2番3号 みどりハイツ202号室",
            )
            .unwrap(),
            date_of_birth: DateOfBirth::from_date(day(1985, 5, 5)).unwrap(),
            phone: None,
            adult_ward: false,
        },
        representation,
        pins: PinSet::new([PinKind::Signature, PinKind::CardInfo]).unwrap(),
        procedure: Procedure::Change,
        card_fingerprint: shokai_workflow::CardFingerprint::parse(
            "00112233445566778899aabbccddeeff",
        )
        .unwrap(),
        card_has_signature_certificate: true,
    }
}

fn proxy() -> Representation {
    Representation::OptionalProxy(Proxy {
        person: PersonName::parse("佐藤 一郎", "サトウ イチロウ").unwrap(),
        date_of_birth: DateOfBirth::from_date(day(1970, 4, 1)).unwrap(),
        id_document: IdDocument::parse(IdDocumentKind::PensionBook, false, "5678").unwrap(),
        second_id_document: None,
        phone: None,
        email: None,
    })
}

/// Opens the case on Thursday 26 November 2026 and issues its first letter,
/// printed at once for mailing on Friday 27 November.
fn issued(representation: Representation, settings: &WorkflowSettings) -> (Case, VerificationCode) {
    issued_application(application(representation), settings)
}

/// [`issued`] for a given application.
fn issued_application(
    application: Application,
    settings: &WorkflowSettings,
) -> (Case, VerificationCode) {
    let keyring = CodeKeyring::new("k1", vec![42; 32]).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap();
    let ctx = Context::new(now, Role::Clerk, settings, &keyring);
    let reference = ReferenceNumber::for_date(day(2026, 11, 26), 123).unwrap();
    let case = Case::open(application, reference, None, &ctx).unwrap().case;
    let code = VerificationCode::generate(&mut StdRng::seed_from_u64(7));
    let same = VerificationCode::parse(code.expose()).unwrap();
    let printed = case.apply(Event::IssueLetter, &ctx).and_then(|t| {
        let print = Event::PrintLetter {
            number: 1,
            code,
            planned_mailing: day(2026, 11, 27),
        };
        t.case.apply(print, &ctx)
    });
    match printed {
        Ok(t) => (t.case, same),
        Err(_) => (case, same),
    }
}

#[test]
fn a_letter_from_a_proxy_case_prints_its_people_reference_code_and_pins() {
    let settings = WorkflowSettings::default();
    let (case, code) = issued(proxy(), &settings);
    let content = LetterContent::from_case(&case, &settings, &code, day(2026, 11, 26)).unwrap();
    assert_eq!(
        content.cardholder.address_lines,
        ["東京都渋谷区神宮前一丁目2番3号", "みどりハイツ202号室"]
    );
    let deadline = content.deadline.unwrap();
    assert!(deadline >= day(2026, 12, 26), "{deadline}");
    // Fri 27 Nov + 30 = Sun 27 Dec → Mon 28 Dec: the deadline printing fixed.
    assert_eq!(deadline, day(2026, 12, 28));
    assert_eq!(case.current_letter().unwrap().deadline, Some(deadline));

    let fonts =
        LetterFonts::from_bytes(&std::fs::read(repo().join("templates/fonts/ipaexg.ttf")).unwrap())
            .unwrap();
    let template = LetterTemplate::parse(
        &std::fs::read_to_string(repo().join("templates/letter/letter.toml")).unwrap(),
    )
    .unwrap();
    let letter = render_letter(&content, &LetterSettings::default(), &template, &fonts).unwrap();
    let doc = lopdf::Document::load_mem(&letter.pdf).unwrap();
    let text: String = doc
        .extract_text(&[1, 2])
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for expected in [
        "髙橋花子".to_owned(),
        "佐藤一郎".to_owned(),
        case.reference().to_string(),
        code.grouped(),
        wareki(deadline),
        PinKind::Signature.name_ja().replace(' ', ""),
        PinKind::CardInfo.name_ja().replace(' ', ""),
    ] {
        assert!(text.contains(&expected), "missing {expected} in {text}");
    }
}

#[test]
fn a_letter_from_a_reset_case_is_a_reset_letter_without_current_pin_boxes() {
    let settings = WorkflowSettings::default();
    let mut app = application(proxy());
    app.procedure = Procedure::Reset;
    let (case, code) = issued_application(app, &settings);
    let content = LetterContent::from_case(&case, &settings, &code, day(2026, 11, 26)).unwrap();
    assert_eq!(content.procedure, Procedure::Reset);

    let template = LetterTemplate::parse(
        &std::fs::read_to_string(repo().join("templates/letter/letter.toml")).unwrap(),
    )
    .unwrap();
    let letter = render_letter(&content, &LetterSettings::default(), &template, &fonts()).unwrap();
    let doc = lopdf::Document::load_mem(&letter.pdf).unwrap();
    let text: String = doc
        .extract_text(&[1, 2])
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(
        text.contains("暗証番号の再設定（初期化）についての照会書"),
        "{text}"
    );
    assert!(!text.contains("現在の暗証番号"), "{text}");
}

#[test]
fn a_letter_from_a_change_case_is_a_change_letter() {
    let settings = WorkflowSettings::default();
    let (case, code) = issued(proxy(), &settings);
    let content = LetterContent::from_case(&case, &settings, &code, day(2026, 11, 26)).unwrap();
    assert_eq!(content.procedure, Procedure::Change);
}

#[test]
fn an_in_person_case_has_no_inquiry_letter() {
    let settings = WorkflowSettings::default();
    let (case, code) = issued(Representation::InPerson, &settings);
    assert_eq!(
        LetterContent::from_case(&case, &settings, &code, day(2026, 11, 26)),
        Err(LetterSourceError::NotOptionalProxy)
    );
}

fn fonts() -> LetterFonts {
    LetterFonts::from_bytes(&std::fs::read(repo().join("templates/fonts/ipaexg.ttf")).unwrap())
        .unwrap()
}

#[test]
fn a_character_the_letter_font_lacks_is_found_with_the_field_it_is_in() {
    let fonts = fonts();
    let mut app = application(proxy());
    assert_eq!(
        LetterContent::first_unprintable(&app.cardholder, &app.representation, &fonts),
        None,
        "髙 is in the font"
    );
    app.cardholder.name = PersonName::parse("𠮷田 花子", "ヨシダ ハナコ").unwrap();
    assert_eq!(
        LetterContent::first_unprintable(&app.cardholder, &app.representation, &fonts),
        Some(("cardholder.name.name", '𠮷'))
    );
    let Representation::OptionalProxy(mut proxy) = proxy() else {
        unreachable!()
    };
    proxy.person = PersonName::parse("𠮷野 一郎", "ヨシノ イチロウ").unwrap();
    let app = application(Representation::OptionalProxy(proxy));
    assert_eq!(
        LetterContent::first_unprintable(&app.cardholder, &app.representation, &fonts),
        Some(("representation.person.name", '𠮷'))
    );
}

#[test]
fn a_path_that_mails_no_letter_has_nothing_to_print() {
    let mut app = application(Representation::InPerson);
    app.cardholder.name = PersonName::parse("𠮷田 花子", "ヨシダ ハナコ").unwrap();
    assert_eq!(
        LetterContent::first_unprintable(&app.cardholder, &app.representation, &fonts()),
        None
    );
}

#[test]
fn the_letter_tells_the_proxy_the_documents_the_office_asks_for_at_the_second_visit() {
    let settings = WorkflowSettings {
        id_proxy_response: IdRequirement::parse("A+B").unwrap(),
        ..WorkflowSettings::default()
    };
    let (case, code) = issued(proxy(), &settings);
    let content = LetterContent::from_case(&case, &settings, &code, day(2026, 11, 26)).unwrap();
    assert_eq!(content.proxy_documents, settings.id_proxy_response);
    let template = LetterTemplate::parse(
        &std::fs::read_to_string(repo().join("templates/letter/letter.toml")).unwrap(),
    )
    .unwrap();
    let letter = render_letter(&content, &LetterSettings::default(), &template, &fonts()).unwrap();
    let text: String = lopdf::Document::load_mem(&letter.pdf)
        .unwrap()
        .extract_text(&[1])
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(
        text.contains(
            "代理人の顔写真付き本人確認書類1点（運転免許証など）とほかの本人確認書類1点を持って"
        ),
        "{text}"
    );
}
