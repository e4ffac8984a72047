//! The proxy's receipt (受付控え) as the proxy reads it: one A4 page with
//! the reference, the date, what happens next, when the letter is mailed,
//! what to bring, the status page and the office — and never a PIN, a code
//! or the cardholder's address.
//!
//! Set `SHOKAI_REVIEW_DIR` to keep the receipts rendered here (PDF and PNG)
//! for a look.

// Helpers outside #[test] functions unwrap too; a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod pictures;
mod support;

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use shokai_workflow::letter::{
    LetterContent, LetterSettings, LetterSourceError, PREVIEW_DPI, ReceiptContent, ReceiptMailing,
    read_facts, receipt_png, render_letter, render_receipt, wareki,
};
use shokai_workflow::{
    Address, Application, Cardholder, Case, CodeKeyring, Context, DateOfBirth, Event, IdDocument,
    IdDocumentKind, IdRequirement, PersonName, Phone, PinKind, PinSet, Procedure, Proxy,
    ReferenceNumber, Representation, Role, VerificationCode, WorkflowSettings,
};

use pictures::{decode, is_grey, keep};
use support::{fonts, template};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The cardholder's address, in parts none of which the office's own
/// address (the default settings: 東京都みどり区…) shares.
const POSTAL_CODE: &str = "060-0001";
const PREFECTURE: &str = "北海道";
const CITY: &str = "札幌市中央区";
const STREET: &str = "北一条西二丁目1番地";
const BUILDING: &str = "サッポロハイツ305号室";

fn address_parts() -> [&'static str; 8] {
    [
        POSTAL_CODE,
        "0600001",
        PREFECTURE,
        CITY,
        "札幌",
        STREET,
        "北一条",
        BUILDING,
    ]
}

fn proxy(phone: Option<&str>) -> Representation {
    Representation::OptionalProxy(Proxy {
        person: PersonName::parse("佐藤 一郎", "サトウ イチロウ").unwrap(),
        date_of_birth: DateOfBirth::from_date(day(1970, 4, 1)).unwrap(),
        id_document: IdDocument::parse(IdDocumentKind::PensionBook, false, "5678").unwrap(),
        second_id_document: None,
        phone: phone.map(|p| Phone::parse(p).unwrap()),
        email: None,
    })
}

fn application(representation: Representation, pins: &[PinKind]) -> Application {
    Application {
        cardholder: Cardholder {
            name: PersonName::parse("髙橋 花子", "タカハシ ハナコ").unwrap(),
            address: Address::parse(
                POSTAL_CODE,
                PREFECTURE,
                CITY,
                &format!("{STREET} {BUILDING}"),
            )
            .unwrap(),
            date_of_birth: DateOfBirth::from_date(day(1985, 5, 5)).unwrap(),
            phone: None,
            adult_ward: false,
        },
        representation,
        pins: PinSet::new(pins.iter().copied()).unwrap(),
        procedure: Procedure::Change,
        card_fingerprint: shokai_workflow::CardFingerprint::parse(
            "00112233445566778899aabbccddeeff",
        )
        .unwrap(),
        card_has_signature_certificate: true,
    }
}

fn keyring() -> CodeKeyring {
    CodeKeyring::new("k1", vec![42; 32]).unwrap()
}

/// A case opened on Thursday 26 November 2026 at 10:00 Japan time.
fn opened(representation: Representation, settings: &WorkflowSettings) -> Case {
    let keyring = keyring();
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap();
    let ctx = Context::new(now, Role::Clerk, settings, &keyring);
    let reference = ReferenceNumber::for_date(day(2026, 11, 26), 123).unwrap();
    let app = application(representation, &PinKind::ALL);
    Case::open(app, reference, None, &ctx).unwrap().case
}

/// `case` with its first letter issued, then printed (with a code it
/// returns) for mailing on Friday 27 November.
fn printed(case: Case, settings: &WorkflowSettings) -> (Case, VerificationCode) {
    let keyring = keyring();
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 0).unwrap();
    let ctx = Context::new(now, Role::Clerk, settings, &keyring);
    let issued = case.apply(Event::IssueLetter, &ctx).unwrap().case;
    let code = VerificationCode::generate(&mut StdRng::seed_from_u64(7));
    let same = VerificationCode::parse(code.expose()).unwrap();
    let print = Event::PrintLetter {
        number: 1,
        code,
        planned_mailing: day(2026, 11, 27),
    };
    (issued.apply(print, &ctx).unwrap().case, same)
}

const STATUS_URL: &str = "https://shokai.example.jp/status";

fn cutoff() -> NaiveTime {
    LetterSettings::default().batch_cutoff
}

fn receipt_of(
    case: &Case,
    settings: &WorkflowSettings,
    batch_planned: Option<NaiveDate>,
) -> ReceiptContent {
    let today = day(2026, 11, 26);
    let mailing = ReceiptMailing::of_case(case, &settings.calendar, cutoff(), today, batch_planned);
    ReceiptContent::from_case(case, settings, today, mailing, STATUS_URL).unwrap()
}

fn render(content: &ReceiptContent) -> Vec<u8> {
    let pdf = render_receipt(content, &LetterSettings::default(), &template(), fonts()).unwrap();
    keep(&format!("receipt-{}.pdf", name_of(content)), &pdf);
    pdf
}

/// A file name telling the receipts apart: mailing state and phone.
fn name_of(content: &ReceiptContent) -> String {
    let mailing = match content.mailing {
        ReceiptMailing::AfterIssue => "after-issue",
        ReceiptMailing::Planned { deadline: None, .. } => "planned",
        ReceiptMailing::Planned { .. } => "printed",
        ReceiptMailing::Mailed { .. } => "mailed",
    };
    let phone = if content.proxy_phone_given {
        ""
    } else {
        "-no-phone"
    };
    format!("{mailing}{phone}")
}

/// Text as a Rust PDF parser reads it (through the font's ToUnicode map),
/// whitespace removed.
fn text_of(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Every run in `text` shaped like a verification code: ten Crockford
/// base32 characters, optionally grouped 5-5 with a hyphen, not part of a
/// longer run of such characters.
fn code_shaped(text: &str) -> Vec<String> {
    let crockford = |c: char| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"ILOU".contains(c));
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !crockford(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (crockford(chars[i]) || chars[i] == '-') {
            i += 1;
        }
        // One run of code characters and hyphens: each hyphen-separated
        // group, and each pair of 5-groups, is a candidate.
        let run: String = chars[start..i].iter().collect();
        let groups: Vec<&str> = run.split('-').collect();
        for g in &groups {
            if g.len() == 10 {
                found.push((*g).to_owned());
            }
        }
        for pair in groups.windows(2) {
            if pair[0].len() == 5 && pair[1].len() == 5 {
                found.push(format!("{}-{}", pair[0], pair[1]));
            }
        }
    }
    found
}

#[test]
fn the_code_scan_finds_the_code_on_the_mailed_letter_so_its_silence_means_something() {
    let settings = WorkflowSettings::default();
    let (case, code) = printed(opened(proxy(Some("090-1234-5678")), &settings), &settings);
    let letter = LetterContent::from_case(&case, &settings, &code, day(2026, 11, 26)).unwrap();
    let pdf = render_letter(&letter, &LetterSettings::default(), &template(), fonts()).unwrap();

    let found = code_shaped(&text_of(&pdf.pdf));

    assert!(found.contains(&code.grouped()), "{found:?}");
}

#[test]
fn a_receipt_never_prints_the_cardholders_address_a_code_or_a_pin() {
    let settings = WorkflowSettings::default();
    let (case, code) = printed(opened(proxy(Some("090-1234-5678")), &settings), &settings);
    let receipts = [
        receipt_of(
            &opened(proxy(Some("090-1234-5678")), &settings),
            &settings,
            None,
        ),
        receipt_of(&case, &settings, Some(day(2026, 11, 27))),
        receipt_of(&opened(proxy(None), &settings), &settings, None),
    ];
    for content in &receipts {
        let text = text_of(&render(content));
        for part in address_parts() {
            assert!(
                !text.contains(&squash(part)),
                "the address part {part:?} in {text}"
            );
        }
        assert_eq!(code_shaped(&text), Vec::<String>::new(), "{text}");
        assert!(!text.contains(code.expose()) && !text.contains(&code.grouped()));
        // The receipt is built from the case, which holds no PIN; it also
        // prints no 4-digit run but the address's and the years'.
        assert!(!text.contains("暗証番号（"), "{text}");
    }
}

#[test]
fn a_receipt_is_one_a4_page_with_everything_the_proxy_needs() {
    let settings = WorkflowSettings::default();
    let content = receipt_of(
        &opened(proxy(Some("090-1234-5678")), &settings),
        &settings,
        None,
    );
    let pdf = render(&content);

    let facts = read_facts(&pdf).unwrap();
    assert_eq!(facts.pages, 1);
    assert!(pdf.len() < 100 * 1024, "{} bytes", pdf.len());
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let page = doc.get_pages().values().next().copied().unwrap();
    let media = doc
        .get_dictionary(page)
        .unwrap()
        .get(b"MediaBox")
        .unwrap()
        .as_array()
        .unwrap()
        .clone();
    let size: Vec<f32> = media.iter().map(|o| o.as_float().unwrap()).collect();
    assert!(
        (size[2] - 595.3).abs() < 1.0 && (size[3] - 841.9).abs() < 1.0,
        "{size:?}"
    );

    let text = text_of(&pdf);
    let office = LetterSettings::default().office;
    for expected in [
        "受付控え",
        "R8-000123-4",
        &wareki(day(2026, 11, 26)),
        "佐藤一郎様",
        "髙橋花子様",
        "転送不要郵便",
        "回答書兼委任状",
        "カード名義人のマイナンバーカード",
        "顔写真付き本人確認書類1点（運転免許証など）",
        "この受付控え",
        "30日後",
        STATUS_URL,
        "下4桁",
        &office.name,
        &office.phone,
        &office.hours,
        PinKind::Signature.name_ja(),
        PinKind::CardInfo.name_ja(),
    ] {
        assert!(
            text.contains(&squash(expected)),
            "missing {expected:?} in {text}"
        );
    }
}

#[test]
fn the_mailing_line_follows_the_letter_from_intake_to_the_post() {
    let settings = WorkflowSettings::default();
    let intake = opened(proxy(Some("090-1234-5678")), &settings);
    let after_intake = receipt_of(&intake, &settings, None);
    assert_eq!(after_intake.mailing, ReceiptMailing::AfterIssue);
    assert!(
        text_of(&render(&after_intake))
            .contains("照会書を発行したのち、次の発送バッチで発送します")
    );

    // Issued on Thursday before the cut-off: Thursday's batch, mailed Friday.
    let keyring = keyring();
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap();
    let ctx = Context::new(now, Role::Clerk, &settings, &keyring);
    let issued = intake.apply(Event::IssueLetter, &ctx).unwrap().case;
    let waiting = receipt_of(&issued, &settings, None);
    assert_eq!(
        waiting.mailing,
        ReceiptMailing::Planned {
            on: day(2026, 11, 27),
            deadline: None
        }
    );
    let text = text_of(&render(&waiting));
    assert!(
        text.contains("令和8年11月27日（金）ごろ発送する予定です"),
        "{text}"
    );
    assert!(
        !text.contains("回答期限令和"),
        "no deadline before printing: {text}"
    );

    // Printed by a batch planned for Monday 30 November: its date and the deadline.
    let (printed, _) = printed(opened(proxy(Some("090-1234-5678")), &settings), &settings);
    let content = receipt_of(&printed, &settings, Some(day(2026, 11, 30)));
    let text = text_of(&render(&content));
    assert!(
        text.contains("令和8年11月30日（月）ごろ発送する予定です"),
        "{text}"
    );
    let deadline = printed.current_letter().unwrap().deadline.unwrap();
    assert!(
        text.contains(&squash(&format!("回答期限　{}", wareki(deadline)))),
        "{text}"
    );
}

#[test]
fn a_letter_issued_after_the_cutoff_on_a_friday_goes_out_on_tuesday() {
    let settings = WorkflowSettings::default();
    let intake = opened(proxy(None), &settings);
    let keyring = keyring();
    // Friday 27 November 2026, 18:00 Japan time: after the 17:00 cut-off.
    let now = Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap();
    let ctx = Context::new(now, Role::Clerk, &settings, &keyring);
    let issued = intake.apply(Event::IssueLetter, &ctx).unwrap().case;

    let mailing = ReceiptMailing::of_case(
        &issued,
        &settings.calendar,
        cutoff(),
        day(2026, 11, 27),
        None,
    );

    // Saturday's batch closes on Monday, and goes out the next open day.
    assert_eq!(
        mailing,
        ReceiptMailing::Planned {
            on: day(2026, 12, 1),
            deadline: None
        }
    );
}

#[test]
fn without_a_phone_number_the_receipt_says_the_status_page_needs_one() {
    let settings = WorkflowSettings::default();
    let content = receipt_of(&opened(proxy(None), &settings), &settings, None);

    let text = text_of(&render(&content));

    assert!(text.contains("電話番号が必要です"), "{text}");
    assert!(text.contains("窓口へお問い合わせください"), "{text}");
    assert!(
        !text.contains(STATUS_URL),
        "no page the proxy cannot use: {text}"
    );
}

#[test]
fn a_reset_receipt_names_the_reset_and_the_office_s_documents() {
    let settings = WorkflowSettings {
        id_proxy_response: IdRequirement::parse("A+B").unwrap(),
        ..WorkflowSettings::default()
    };
    let mut content = receipt_of(
        &opened(proxy(Some("090-1234-5678")), &settings),
        &settings,
        None,
    );
    content.procedure = Procedure::Reset;

    let text = text_of(&render(&content));

    assert!(text.contains("暗証番号の再設定（初期化）"), "{text}");
    assert!(text.contains("とほかの本人確認書類1点"), "{text}");
}

#[test]
fn only_an_optional_proxy_case_has_a_receipt() {
    let settings = WorkflowSettings::default();
    let case = opened(Representation::InPerson, &settings);

    let refused = ReceiptContent::from_case(
        &case,
        &settings,
        day(2026, 11, 26),
        ReceiptMailing::AfterIssue,
        STATUS_URL,
    );

    assert_eq!(refused.unwrap_err(), LetterSourceError::NotOptionalProxy);
}

#[test]
fn the_receipt_picture_is_an_a4_page_with_print_on_it() {
    let settings = WorkflowSettings::default();
    let content = receipt_of(
        &opened(proxy(Some("090-1234-5678")), &settings),
        &settings,
        None,
    );

    let png = receipt_png(
        &content,
        &LetterSettings::default(),
        &template(),
        fonts(),
        110,
    )
    .unwrap();
    keep("receipt.png", &png);

    assert!(is_grey(&png));
    let image = decode(&png);
    let (width, pixels) = (image.width, &image.pixels);
    assert_eq!((image.width, image.height), (909, 1286));
    assert_eq!(PREVIEW_DPI, 110.0);
    let dark = pixels.iter().filter(|&&p| p < 128).count();
    assert!(dark > 20_000, "{dark} dark pixels");
    // Margins stay white: nothing within 12 mm of the left edge.
    let margin = (12.0 * 110.0 / 25.4) as usize;
    for row in pixels.chunks(width as usize) {
        assert!(row[..margin].iter().all(|&p| p > 250));
    }
}

#[test]
fn the_longest_receipt_still_fits_its_page() {
    // Everything at its longest: a reset of all four PINs, printed with its
    // deadline, the office asking for either of two sets of documents, a
    // long status address and a long office name.
    let settings = WorkflowSettings {
        id_proxy_response: IdRequirement::parse("A+B|B+B+B").unwrap(),
        ..WorkflowSettings::default()
    };
    let (case, _) = printed(opened(proxy(Some("090-1234-5678")), &settings), &settings);
    let mut content = receipt_of(&case, &settings, Some(day(2026, 11, 30)));
    content.procedure = Procedure::Reset;
    content.status_url =
        "https://pin-henkou.city.minamiashigara-kita.example.lg.jp:8443/status".to_owned();
    let mut letter_settings = LetterSettings::default();
    letter_settings.office.name =
        "みどり区役所 区民部 戸籍住民課 マイナンバーカード担当 暗証番号再設定窓口".to_owned();

    let pdf = render_receipt(&content, &letter_settings, &template(), fonts()).unwrap();
    keep("receipt-longest.pdf", &pdf);

    assert_eq!(read_facts(&pdf).unwrap().pages, 1);
}
