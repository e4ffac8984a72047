//! Letter inputs shared by the print-file tests, the letter bench and the
//! `print_file` example: the real font and wording, the fixtures, and a
//! generator of many distinct letters built on them.
//!
//! Included with `#[path]` by the bench and the example, so each target uses
//! only part of it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use rand::SeedableRng;
use rand::rngs::StdRng;
use shokai_workflow::letter::{LetterContent, LetterFonts, LetterTemplate};
use shokai_workflow::{PinKind, ReferenceNumber, VerificationCode};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The font, parsed once per process as in production.
pub fn fonts() -> &'static LetterFonts {
    static FONTS: OnceLock<LetterFonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let bytes = std::fs::read(repo().join("templates/fonts/ipaexg.ttf")).expect("font file");
        LetterFonts::from_bytes(&bytes).expect("font parses")
    })
}

pub fn template() -> LetterTemplate {
    let text = std::fs::read_to_string(repo().join("templates/letter/letter.toml"))
        .expect("template file");
    LetterTemplate::parse(&text).expect("template parses")
}

pub fn fixture(name: &str) -> LetterContent {
    let path = repo().join("fixtures/letters").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture file"))
        .expect("fixture parses")
}

pub const FIXTURES: [&str; 4] = [
    "all_four_pins.json",
    "long_address.json",
    "rare_kanji_proxy.json",
    "signature_only.json",
];

const FAMILY: [&str; 24] = [
    "佐藤",
    "鈴木",
    "髙橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
    "井上",
    "木村",
    "林",
    "齋藤",
    "清水",
    "長谷川",
    "小笠原",
    "森",
    "阿部",
];
const GIVEN: [&str; 24] = [
    "花子",
    "太郎",
    "一郎",
    "美智子",
    "龍之介",
    "德子",
    "さくら",
    "翔太",
    "陽菜",
    "大翔",
    "結衣",
    "蓮",
    "健太郎",
    "由美子",
    "慎之介",
    "ひなた",
    "悠真",
    "美咲",
    "和夫",
    "恵子",
    "直樹",
    "智子",
    "誠",
    "優子",
];
const TOWNS: [&str; 12] = [
    "神宮前",
    "松濤",
    "代々木",
    "渋谷",
    "宇田川町",
    "神南",
    "富ヶ谷",
    "上原",
    "笹塚",
    "広尾",
    "本町",
    "東",
];
const CHOME: [&str; 5] = ["一", "二", "三", "四", "五"];

/// The applied-for PINs, all four on every third letter (the longest form).
fn pins(i: usize) -> Vec<PinKind> {
    match i % 6 {
        0 | 3 => PinKind::ALL.to_vec(),
        1 => vec![PinKind::UserAuth, PinKind::CardInfo],
        2 => vec![PinKind::Resident],
        4 => vec![PinKind::Signature],
        _ => vec![PinKind::Signature, PinKind::UserAuth, PinKind::Resident],
    }
}

/// Registered address lines; every fourth letter has a building name as long
/// as the `long_address` fixture's, which wraps inside the envelope window.
fn address(i: usize) -> Vec<String> {
    let town = TOWNS[i % TOWNS.len()];
    let first = format!(
        "東京都みどり区{town}{}丁目{}番{}号",
        CHOME[i % CHOME.len()],
        1 + i % 28,
        1 + (i / 7) % 19
    );
    let room = 101 + (i % 12) * 100 + i % 9;
    match i % 4 {
        0 => vec![
            first,
            format!(
                "グランドメゾン{}ヒルズ・ザ・レジデンス東棟イースト・ウイング{room}号室",
                &TOWNS[1]
            ),
        ],
        1 => vec![first, format!("みどりハイツ{room}号室")],
        2 => vec![first],
        _ => vec![first, format!("コーポ{town}{room}号室")],
    }
}

/// `n` distinct letters (names, addresses, postal codes, PINs, references and
/// codes vary) on the four fixtures' dates, the same for the same `n` and `seed`.
pub fn letters(n: usize, seed: u64) -> Vec<LetterContent> {
    let bases: Vec<LetterContent> = FIXTURES.iter().map(|f| fixture(f)).collect();
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let mut c = bases[i % bases.len()].clone();
            let sequence = 200_000 + u32::try_from(i).expect("small n");
            c.reference = ReferenceNumber::new(8, sequence)
                .expect("valid sequence")
                .to_string();
            c.verification_code = VerificationCode::generate(&mut rng).grouped();
            let family = FAMILY[i % FAMILY.len()];
            c.cardholder.name = format!("{family} {}", GIVEN[(i / 3) % GIVEN.len()]);
            c.proxy_name = format!("{family} {}", GIVEN[(i / 5 + 7) % GIVEN.len()]);
            c.cardholder.postal_code = format!("{:07}", 1_500_000 + (i * 7919) % 9000);
            c.cardholder.address_lines = address(i);
            c.pins = pins(i);
            c
        })
        .collect()
}
