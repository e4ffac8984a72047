//! Inquiry letters as the print house, the cardholder and the counter see them:
//! text a PDF reader extracts, the QR code a scanner reads, preflight refusals,
//! byte-identical output, embedded subset fonts, and print batches.

// Helpers outside #[test] functions unwrap too; a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use chrono::NaiveDate;
use shokai_card::PinKind;
use shokai_workflow::Procedure;
use shokai_workflow::letter::{
    CodeVisibility, LetterContent, LetterError, LetterFonts, LetterSettings, LetterTemplate,
    ManifestRow, Mark, MarkRole, PageModel, PreflightError, PreflightLimits, PrintBatch,
    TemplateError, WindowMm, check_layout, check_pdf, fingerprint, has_subset_tag, layout_letter,
    print_order_key, qr_payload, read_facts, render_batch, render_letter, render_retained_copy,
    wareki, write_pages,
};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The font is parsed once for the whole test binary, as in production.
fn fonts() -> &'static LetterFonts {
    static FONTS: OnceLock<LetterFonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let bytes = std::fs::read(repo().join("templates/fonts/ipaexg.ttf")).unwrap();
        LetterFonts::from_bytes(&bytes).unwrap()
    })
}

fn template() -> LetterTemplate {
    let text = std::fs::read_to_string(repo().join("templates/letter/letter.toml")).unwrap();
    LetterTemplate::parse(&text).unwrap()
}

fn fixture(name: &str) -> LetterContent {
    let path = repo().join("fixtures/letters").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn render(content: &LetterContent) -> Vec<u8> {
    render_letter(content, &LetterSettings::default(), &template(), fonts())
        .unwrap()
        .pdf
}

/// Text as a Rust PDF parser reads it (through the fonts' ToUnicode maps), spaces removed.
fn extracted_text(pdf: &[u8]) -> String {
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

#[test]
fn a_pdf_reader_finds_names_reference_deadline_and_every_pin_applied_for() {
    let content = fixture("all_four_pins.json");
    let text = extracted_text(&render(&content));
    let deadline = wareki(NaiveDate::from_ymd_opt(2026, 12, 26).unwrap());
    assert_eq!(deadline, "令和8年12月26日");
    for expected in [
        "山田花子",
        "山田太郎",
        "R8-000123-4",
        deadline.as_str(),
        "転送不要",
        "回答書兼委任状",
    ] {
        assert!(
            text.contains(&squash(expected)),
            "missing {expected:?} in {text}"
        );
    }
    for kind in PinKind::ALL {
        assert!(text.contains(&squash(kind.name_ja())), "missing {kind}");
        assert!(
            text.contains(&squash(kind.rule_ja())),
            "missing rule of {kind}"
        );
    }
}

#[test]
fn only_the_pins_applied_for_are_printed() {
    let text = extracted_text(&render(&fixture("signature_only.json")));
    assert!(text.contains(&squash(PinKind::Signature.name_ja())));
    for kind in [PinKind::UserAuth, PinKind::Resident, PinKind::CardInfo] {
        assert!(!text.contains(&squash(kind.name_ja())), "{kind} printed");
    }
}

#[test]
fn poppler_extracts_the_same_names_when_installed() {
    let Some(text) = pdftotext(&render(&fixture("rare_kanji_proxy.json"))) else {
        eprintln!("pdftotext not installed; skipped");
        return;
    };
    let text = squash(&text);
    assert!(text.contains("髙橋龍之介"), "{text}");
    assert!(text.contains("髙橋德子"), "{text}");
}

fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = tempdir("pdftotext");
    let path = dir.join("x.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A fresh directory per call: tests run in parallel threads of one
/// process, and two rasterising at once must not share `page.pgm`.
fn tempdir(tag: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("shokai-letter-{tag}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_same_letter_renders_to_the_same_bytes_even_in_parallel() {
    let content = fixture("all_four_pins.json");
    let first = render(&content);
    let others: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3).map(|_| s.spawn(|| render(&content))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for other in others {
        assert!(first == other, "renders differ");
    }
    let mut changed = content.clone();
    changed.proxy_name = "山田 次郎".into();
    assert_ne!(fingerprint(&first), fingerprint(&render(&changed)));
}

#[test]
fn the_qr_code_on_the_response_form_scans_to_reference_and_code() {
    let content = fixture("all_four_pins.json");
    let pdf = render(&content);
    let expected = qr_payload(&content.reference, &content.verification_code);
    let Some((width, height, pixels)) = rasterise_page(&pdf, 2) else {
        eprintln!("pdftoppm not installed; decoding the module matrix instead");
        let (modules, n) = shokai_workflow::letter::qr_modules(&expected).unwrap();
        assert_eq!(
            decode(n * 4 + 32, n * 4 + 32, |x, y| {
                let (mx, my) = ((x as isize - 16) / 4, (y as isize - 16) / 4);
                let dark = mx >= 0
                    && my >= 0
                    && (mx as usize) < n
                    && (my as usize) < n
                    && modules[my as usize * n + mx as usize];
                if dark { 0 } else { 255 }
            }),
            vec![expected]
        );
        return;
    };
    let found = decode(width, height, |x, y| pixels[y * width + x]);
    assert_eq!(found, vec![expected]);
}

fn decode(w: usize, h: usize, pixel: impl Fn(usize, usize) -> u8) -> Vec<String> {
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, pixel);
    img.detect_grids()
        .into_iter()
        .map(|g| g.decode().unwrap().1)
        .collect()
}

/// Page `page` as 8-bit grey pixels at 200 dpi, if poppler's pdftoppm is installed.
fn rasterise_page(pdf: &[u8], page: u32) -> Option<(usize, usize, Vec<u8>)> {
    let dir = tempdir("ppm");
    let path = dir.join("x.pdf");
    std::fs::write(&path, pdf).unwrap();
    let p = page.to_string();
    let status = Command::new("pdftoppm")
        .args(["-gray", "-r", "200", "-f", &p, "-l", &p, "-singlefile"])
        .arg(&path)
        .arg(dir.join("page"))
        .status()
        .ok()?;
    assert!(status.success());
    let pgm = std::fs::read(dir.join("page.pgm")).unwrap();
    Some(parse_pgm(&pgm))
}

/// Binary PGM (P5): header of magic, width, height, maxval, then the pixels.
fn parse_pgm(data: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while data[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !data[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&data[start..i]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (w, h, data[i + 1..i + 1 + w * h].to_vec())
}

#[test]
fn fonts_are_embedded_as_tagged_subsets() {
    let pdf = render(&fixture("all_four_pins.json"));
    let facts = read_facts(&pdf).unwrap();
    assert!(!facts.fonts.is_empty());
    for name in &facts.fonts {
        assert!(has_subset_tag(name), "{name}");
        assert!(name.ends_with("IPAexGothic"), "{name}");
    }
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let font_file = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .find_map(|d| d.get(b"FontFile2").ok())
        .expect("a FontFile2 stream");
    let stream = doc
        .get_object(font_file.as_reference().unwrap())
        .unwrap()
        .as_stream()
        .unwrap();
    // The full font is 6 MB; a subset of a few hundred glyphs is far smaller.
    assert!(stream.content.len() < 200_000, "{}", stream.content.len());
    assert!(pdf.len() <= 100 * 1024, "{} bytes", pdf.len());
}

#[test]
fn every_fixture_passes_preflight_with_two_pages() {
    for name in [
        "all_four_pins.json",
        "long_address.json",
        "rare_kanji_proxy.json",
        "signature_only.json",
        "reset_all_four_pins.json",
    ] {
        let letter = render_letter(
            &fixture(name),
            &LetterSettings::default(),
            &template(),
            fonts(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(letter.pages, 2, "{name}");
        assert_eq!(letter.fingerprint, fingerprint(&letter.pdf));
    }
}

#[test]
fn the_example_office_settings_file_is_the_default_office() {
    let text =
        std::fs::read_to_string(repo().join("templates/letter/settings.example.toml")).unwrap();
    let settings: LetterSettings = toml::from_str(&text).unwrap();
    assert_eq!(settings, LetterSettings::default());
}

#[test]
fn another_office_prints_its_own_name_phone_and_deadline() {
    let mut office = LetterSettings::default().office;
    office.name = "あおば市役所 市民課".into();
    office.phone = "0120-000-111".into();
    let settings = LetterSettings {
        office,
        deadline_days: 14,
        ..LetterSettings::default()
    };
    let letter = render_letter(
        &fixture("signature_only.json"),
        &settings,
        &template(),
        fonts(),
    )
    .unwrap();
    let text = extracted_text(&letter.pdf);
    assert!(text.contains("あおば市役所市民課"), "{text}");
    assert!(text.contains("0120-000-111"));
    assert!(text.contains("令和8年12月10日"), "{text}");
}

#[test]
fn a_name_the_font_cannot_print_is_refused_naming_the_character() {
    let mut content = fixture("rare_kanji_proxy.json");
    content.proxy_name = "𠮷田 一".into();
    let err =
        render_letter(&content, &LetterSettings::default(), &template(), fonts()).unwrap_err();
    assert_eq!(
        err,
        LetterError::MissingGlyph {
            ch: '𠮷',
            code: 0x20BB7,
            field: "proxy name"
        }
    );
    assert!(err.to_string().contains("U+20BB7"), "{err}");
}

#[test]
fn no_line_of_the_letter_starts_with_closing_punctuation_or_ends_with_an_opening_bracket() {
    let pages = layout_letter(
        &fixture("long_address.json"),
        &LetterSettings::default(),
        &template(),
        fonts(),
        &CodeVisibility::Printed,
    )
    .unwrap();
    let mut lines = 0;
    for page in &pages {
        for mark in &page.marks {
            if let shokai_workflow::letter::Mark::Text { text, .. } = mark {
                lines += 1;
                let first = text.chars().next().unwrap();
                let last = text.chars().last().unwrap();
                assert!(
                    !"、。」）)・ー".contains(first),
                    "line starts badly: {text}"
                );
                assert!(!"「（(".contains(last), "line ends badly: {text}");
            }
        }
    }
    assert!(lines > 60);
}

#[test]
fn an_address_too_long_for_a_small_window_is_refused_naming_the_line() {
    let settings = LetterSettings {
        window: WindowMm {
            height: 30.0,
            ..WindowMm::default()
        },
        ..LetterSettings::default()
    };
    let err = render_letter(
        &fixture("long_address.json"),
        &settings,
        &template(),
        fonts(),
    )
    .unwrap_err();
    let LetterError::Preflight(PreflightError::AddressOutsideWindow { line }) = err else {
        panic!("{err:?}");
    };
    assert!(line >= 3, "{line}");
    assert!(
        err.to_string()
            .contains(&format!("address line {line} does not fit the window"))
    );
}

#[test]
fn a_window_set_inside_the_margin_puts_the_address_outside_the_printable_area() {
    let mut settings = LetterSettings::default();
    settings.window.left = 5.0;
    let err = render_letter(
        &fixture("signature_only.json"),
        &settings,
        &template(),
        fonts(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            LetterError::Preflight(PreflightError::OutsidePrintableArea { page: 1, .. })
        ),
        "{err:?}"
    );
}

#[test]
fn a_letter_with_other_than_two_pages_is_refused() {
    let settings = LetterSettings::default();
    let pages = layout_letter(
        &fixture("signature_only.json"),
        &settings,
        &template(),
        fonts(),
        &CodeVisibility::Printed,
    )
    .unwrap();
    let limits = PreflightLimits::default();
    let three = [pages.clone(), vec![pages[0].clone()]].concat();
    assert_eq!(
        check_layout(&three, &settings, fonts(), &limits),
        Err(PreflightError::PageCount {
            found: 3,
            expected: 2
        })
    );
    let pdf = write_pages(
        &pages[..1],
        fonts(),
        "one page",
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
    )
    .unwrap();
    assert_eq!(
        check_pdf(&pdf, &limits),
        Err(PreflightError::PageCount {
            found: 1,
            expected: 2
        })
    );
}

#[test]
fn a_file_over_the_size_limit_is_refused() {
    let pdf = render(&fixture("all_four_pins.json"));
    let limits = PreflightLimits {
        max_bytes: 10_000,
        ..PreflightLimits::default()
    };
    assert_eq!(
        check_pdf(&pdf, &limits),
        Err(PreflightError::TooLarge {
            bytes: pdf.len(),
            limit: 10_000
        })
    );
}

/// The produced letter with its font descriptor altered by `edit`.
fn with_descriptor(pdf: &[u8], edit: impl Fn(&mut lopdf::Dictionary)) -> Vec<u8> {
    let mut doc = lopdf::Document::load_mem(pdf).unwrap();
    for object in doc.objects.values_mut() {
        if let Ok(dict) = object.as_dict_mut()
            && dict
                .get(b"Type")
                .and_then(lopdf::Object::as_name)
                .is_ok_and(|n| n == b"FontDescriptor")
        {
            edit(dict);
        }
    }
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn a_font_that_is_not_embedded_is_refused() {
    let pdf = with_descriptor(&render(&fixture("signature_only.json")), |d| {
        d.remove(b"FontFile2");
    });
    assert!(matches!(
        check_pdf(&pdf, &PreflightLimits::default()),
        Err(PreflightError::FontNotEmbedded { .. })
    ));
}

#[test]
fn a_font_embedded_in_full_is_refused() {
    let pdf = with_descriptor(&render(&fixture("signature_only.json")), |d| {
        d.set("FontName", lopdf::Object::Name(b"IPAexGothic".to_vec()));
    });
    assert_eq!(
        check_pdf(&pdf, &PreflightLimits::default()),
        Err(PreflightError::FontNotSubset {
            font: "IPAexGothic".into()
        })
    );
}

#[test]
fn the_retained_copy_hides_the_code_and_qr_and_names_the_mailed_file() {
    let content = fixture("all_four_pins.json");
    let settings = LetterSettings::default();
    let mailed = render_letter(&content, &settings, &template(), fonts()).unwrap();
    let copy = render_retained_copy(
        &content,
        &settings,
        &template(),
        fonts(),
        &mailed.fingerprint,
    )
    .unwrap();
    let text = extracted_text(&copy.pdf);
    assert!(!text.contains(&squash(&content.verification_code)));
    assert!(text.contains(&mailed.fingerprint), "{text}");
    assert!(text.contains("R8-000123-4"));
    if let Some((w, h, px)) = rasterise_page(&copy.pdf, 2) {
        assert!(decode(w, h, |x, y| px[y * w + x]).is_empty());
    }
    assert_ne!(copy.fingerprint, mailed.fingerprint);
}

/// Four fixture letters and the batch they make on 26 November 2026.
fn four_letter_batch() -> (Vec<LetterContent>, PrintBatch) {
    let letters: Vec<LetterContent> = [
        "all_four_pins.json",
        "long_address.json",
        "rare_kanji_proxy.json",
        "signature_only.json",
    ]
    .iter()
    .map(|n| fixture(n))
    .collect();
    let date = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let batch = render_batch(
        &letters,
        date,
        &LetterSettings::default(),
        &template(),
        fonts(),
    )
    .unwrap();
    (letters, batch)
}

#[test]
fn a_batch_is_ordered_by_postal_code_with_a_manifest_of_every_letter() {
    let (letters, batch) = four_letter_batch();
    let postal: Vec<&str> = batch
        .manifest
        .iter()
        .map(|r| r.postal_code.as_str())
        .collect();
    assert_eq!(postal, ["150-0001", "150-0002", "150-0046", "151-0053"]);
    let csv_refs: Vec<&str> = batch
        .manifest_csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        csv_refs,
        ["R8-000123-4", "R8-000126-9", "R8-000124-2", "R8-000125-0"]
    );
    assert!(
        batch
            .manifest_csv
            .starts_with("\u{feff}受付番号,氏名,郵便番号,住所,頁数\r\n"),
        "Japanese Excel reads a BOM, Japanese headers and CRLF"
    );
    assert_eq!(read_facts(&batch.combined_pdf).unwrap().pages, 8);
    let manifest_text = extracted_text(&batch.manifest_pdf);
    for row in &batch.manifest {
        assert!(manifest_text.contains(&squash(&row.name)), "{}", row.name);
    }
    for (letter, row) in batch.letters.iter().zip(&batch.manifest) {
        assert_eq!(letter.reference, row.reference);
        assert_eq!(letter.fingerprint, fingerprint(&letter.pdf));
        let alone = render(
            letters
                .iter()
                .find(|l| l.reference == row.reference)
                .unwrap(),
        );
        assert!(
            alone == letter.pdf,
            "batch copy of {} differs",
            row.reference
        );
    }
}

#[test]
fn a_manifest_row_of_a_letter_is_the_row_its_batch_writes_and_sorts_in_print_order() {
    let (letters, batch) = four_letter_batch();
    let mut ordered: Vec<&LetterContent> = letters.iter().collect();
    ordered.sort_by_key(|c| print_order_key(&c.cardholder.postal_code, &c.reference));
    let rows: Vec<ManifestRow> = ordered.iter().map(|c| ManifestRow::of(c, 2)).collect();
    assert_eq!(rows, batch.manifest);
    let long = ManifestRow::of(&fixture("long_address.json"), 2);
    assert_eq!(long.postal_code, "150-0046");
    assert_eq!(
        long.address,
        "東京都みどり区松濤二丁目18番地10号 グランドメゾン松濤ヒルズ・ザ・レジデンス東棟イースト・ウイング1203号室"
    );
}

#[test]
fn every_letter_error_has_its_own_stable_code() {
    let errors = [
        LetterError::FontUnreadable,
        LetterError::MissingGlyph {
            ch: '𠮷',
            code: 0x20BB7,
            field: "cardholder name",
        },
        LetterError::NoPins,
        LetterError::NoVerificationCode,
        LetterError::QrCode("too long".into()),
        LetterError::Pdf("broken".into()),
        LetterError::Write("disk full".into()),
        LetterError::EmptyPrintFile,
        LetterError::Raster("too large".into()),
    ];
    let codes: std::collections::BTreeSet<&str> = errors.iter().map(LetterError::code).collect();
    assert_eq!(codes.len(), errors.len());
    assert_eq!(LetterError::NoPins.code(), "no_pins");
    assert!(
        codes
            .iter()
            .all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'))
    );
}

const RESET_TITLE: &str = "マイナンバーカードの暗証番号の再設定（初期化）についての照会書";

#[test]
fn a_fixture_without_a_procedure_reads_as_a_change() {
    assert_eq!(fixture("all_four_pins.json").procedure, Procedure::Change);
    assert_eq!(
        fixture("reset_all_four_pins.json").procedure,
        Procedure::Reset
    );
}

#[test]
fn a_reset_letter_has_the_reset_title_and_never_asks_for_the_current_pin() {
    let text = extracted_text(&render(&fixture("reset_all_four_pins.json")));
    for expected in [
        RESET_TITLE,
        "再設定（初期化）の申請がありました",
        "新しい暗証番号",
    ] {
        assert!(
            text.contains(&squash(expected)),
            "missing {expected:?} in {text}"
        );
    }
    assert!(!text.contains("現在の暗証番号"), "{text}");
    for kind in PinKind::ALL {
        assert!(text.contains(&squash(kind.name_ja())), "missing {kind}");
    }
}

#[test]
fn a_change_letter_still_asks_for_the_current_and_the_new_pin() {
    let text = extracted_text(&render(&fixture("all_four_pins.json")));
    for expected in [
        "マイナンバーカードの暗証番号変更についての照会書",
        "現在の暗証番号",
        "新しい暗証番号",
    ] {
        assert!(
            text.contains(&squash(expected)),
            "missing {expected:?} in {text}"
        );
    }
    assert!(!text.contains("再設定"), "{text}");
}

/// The page models of a fixture's letter, as printed.
fn pages_of(content: &LetterContent) -> Vec<PageModel> {
    layout_letter(
        content,
        &LetterSettings::default(),
        &template(),
        fonts(),
        &CodeVisibility::Printed,
    )
    .unwrap()
}

/// How many marks of `pages` have the role `Other(role)`, and the texts of
/// those that are text.
fn marks_with_role(pages: &[PageModel], role: &str) -> (usize, Vec<String>) {
    let mut count = 0;
    let mut texts = Vec::new();
    for mark in pages.iter().flat_map(|p| &p.marks) {
        let (Mark::Text { role: r, .. } | Mark::Rect { role: r, .. }) = mark else {
            continue;
        };
        if matches!(r, MarkRole::Other(other) if *other == role) {
            count += 1;
            if let Mark::Text { text, .. } = mark {
                texts.push(text.clone());
            }
        }
    }
    (count, texts)
}

#[test]
fn a_reset_form_has_only_the_new_pin_boxes_for_each_pin() {
    let change = fixture("all_four_pins.json");
    let mut reset = change.clone();
    reset.procedure = Procedure::Reset;
    let (change_boxes, change_labels) = marks_with_role(&pages_of(&change), "PIN box");
    let (reset_boxes, _) = marks_with_role(&pages_of(&reset), "PIN box");
    // Three 4-digit PINs of 4 boxes and the 16-character signature password.
    assert_eq!(change_boxes, 2 * (3 * 4 + 16));
    assert_eq!(reset_boxes, 3 * 4 + 16);
    assert!(change_labels.is_empty());
    let (_, labels) = marks_with_role(&pages_of(&reset), "PIN label");
    assert_eq!(labels, ["新しい暗証番号"; 4]);
    let (_, labels) = marks_with_role(&pages_of(&change), "PIN label");
    assert_eq!(labels.len(), 8);
}

/// Text lines overlapping on a page, as pairs of their texts.
fn overlapping_lines(page: &PageModel) -> Vec<(String, String)> {
    // IPAex Gothic: ascent 0.88 em, descent 0.12 em; a little slack for
    // lines set tight on purpose.
    let boxes: Vec<(&str, [f32; 4])> = page
        .marks
        .iter()
        .filter_map(|m| match m {
            Mark::Text {
                x,
                y,
                size_pt,
                text,
                width,
                ..
            } => {
                let em = size_pt * 25.4 / 72.0;
                Some((text.as_str(), [*x, y - 0.8 * em, x + width, y + 0.1 * em]))
            }
            _ => None,
        })
        .collect();
    let mut found = Vec::new();
    for (i, (a, p)) in boxes.iter().enumerate() {
        for (b, q) in &boxes[i + 1..] {
            if p[0] < q[2] && q[0] < p[2] && p[1] < q[3] && q[1] < p[3] {
                found.push(((*a).to_owned(), (*b).to_owned()));
            }
        }
    }
    found
}

#[test]
fn no_two_lines_of_a_reset_or_a_change_letter_overlap() {
    for name in ["reset_all_four_pins.json", "all_four_pins.json"] {
        for (n, page) in pages_of(&fixture(name)).iter().enumerate() {
            let found = overlapping_lines(page);
            assert!(found.is_empty(), "{name} page {}: {found:?}", n + 1);
        }
    }
}

#[test]
fn a_reset_title_longer_than_the_body_still_fits_the_page() {
    let pages = pages_of(&fixture("reset_all_four_pins.json"));
    let title = pages[0]
        .marks
        .iter()
        .find_map(|m| match m {
            Mark::Text { x, text, width, .. } if text == RESET_TITLE => Some((*x, x + width)),
            _ => None,
        })
        .expect("the reset title on one line");
    assert!(title.0 >= 20.0 && title.1 <= 190.0, "{title:?}");
}

#[test]
fn a_template_whose_reset_table_lacks_a_paragraph_is_refused_naming_it() {
    let text = std::fs::read_to_string(repo().join("templates/letter/letter.toml")).unwrap();
    let (text_table, reset_table) = text.split_at(text.find("\n[reset]").unwrap());
    let without: String = reset_table
        .lines()
        .filter(|l| !l.starts_with("pins_heading"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        LetterTemplate::parse(&format!("{text_table}{without}")).unwrap_err(),
        TemplateError::MissingResetParagraph("pins_heading")
    );
    assert_eq!(
        LetterTemplate::parse(text_table).unwrap_err(),
        TemplateError::MissingResetParagraph("letter_title")
    );
}

#[test]
fn a_reset_letter_takes_the_change_wording_where_the_reset_table_has_none() {
    let t = template();
    assert_eq!(
        t.paragraph(Procedure::Reset, "purpose"),
        t.paragraph(Procedure::Change, "purpose")
    );
    assert_ne!(
        t.paragraph(Procedure::Reset, "why"),
        t.paragraph(Procedure::Change, "why")
    );
}

/// `SHOKAI_LETTER_REVIEW=/tmp/letter-review cargo test -p shokai-workflow
/// --test letter review` writes every fixture's letter there as PDF, to be
/// looked at (e.g. `pdftoppm -png -r 80`), laid out but not preflighted so
/// that a layout preflight would refuse can be seen too; without the
/// variable it only lays them out.
#[test]
fn review_copies_of_the_fixture_letters_are_written_when_asked() {
    let dir = std::env::var_os("SHOKAI_LETTER_REVIEW").map(PathBuf::from);
    for name in [
        "all_four_pins.json",
        "long_address.json",
        "rare_kanji_proxy.json",
        "signature_only.json",
        "reset_all_four_pins.json",
    ] {
        let content = fixture(name);
        let stem = name.trim_end_matches(".json");
        let retained = CodeVisibility::Withheld {
            mailed_fingerprint: "0".repeat(64),
        };
        for (suffix, visibility) in [("", CodeVisibility::Printed), ("-retained", retained)] {
            let pages = layout_letter(
                &content,
                &LetterSettings::default(),
                &template(),
                fonts(),
                &visibility,
            )
            .unwrap();
            if let Some(dir) = &dir {
                let pdf = write_pages(&pages, fonts(), name, content.issued_on).unwrap();
                std::fs::create_dir_all(dir).unwrap();
                std::fs::write(dir.join(format!("{stem}{suffix}.pdf")), pdf).unwrap();
            }
        }
    }
}

/// The text of page `page` alone, as a PDF reader extracts it, spaces removed.
fn page_text(pdf: &[u8], page: u32) -> String {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    doc.extract_text(&[page])
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The text marks of `page` whose text contains `needle`, as (x, baseline, text).
fn texts_containing(page: &PageModel, needle: &str) -> Vec<(f32, f32, String)> {
    page.marks
        .iter()
        .filter_map(|m| match m {
            Mark::Text { x, y, text, .. } if text.contains(needle) => Some((*x, *y, text.clone())),
            _ => None,
        })
        .collect()
}

/// The rectangle of `page` with the role `Other(role)`, as (x, y, w, h).
fn rect_of(page: &PageModel, role: &str) -> (f32, f32, f32, f32) {
    page.marks
        .iter()
        .find_map(|m| match m {
            Mark::Rect {
                x,
                y,
                w,
                h,
                role: MarkRole::Other(r),
                ..
            } if *r == role => Some((*x, *y, *w, *h)),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {role}"))
}

#[test]
fn the_form_the_proxy_carries_back_shows_deadline_and_reference_on_its_own() {
    for name in ["all_four_pins.json", "reset_all_four_pins.json"] {
        let content = fixture(name);
        let pdf = render(&content);
        let form = page_text(&pdf, 2);
        let deadline = wareki(content.deadline_with(LetterSettings::default().deadline_days));
        for expected in [
            "回答書兼委任状",
            "受付番号",
            content.reference.as_str(),
            "照会番号",
            "回答期限",
            deadline.as_str(),
        ] {
            assert!(
                form.contains(expected),
                "{name}: no {expected:?} on page 2: {form}"
            );
        }
    }
    // The kept copy blanks the code but still shows what the counter checks.
    let content = fixture("all_four_pins.json");
    let copy = render_retained_copy(
        &content,
        &LetterSettings::default(),
        &template(),
        fonts(),
        &"0".repeat(64),
    )
    .unwrap();
    let form = page_text(&copy.pdf, 2);
    assert!(
        form.contains("R8-000123-4") && form.contains("令和8年12月26日"),
        "{form}"
    );
    assert!(
        !form.contains(&squash(&content.verification_code)),
        "{form}"
    );
}

#[test]
fn the_form_has_one_signature_with_exactly_one_date_just_above_it() {
    for name in ["all_four_pins.json", "reset_all_four_pins.json"] {
        let pdf = render(&fixture(name));
        let text = extracted_text(&pdf);
        assert_eq!(text.matches("記入日").count(), 1, "{name}: {text}");
        assert_eq!(text.matches("自署").count(), 1, "{name}: {text}");
        assert!(!page_text(&pdf, 1).contains("記入日"), "{name}");

        let pages = pages_of(&fixture(name));
        let dates = texts_containing(&pages[1], "記入日");
        let signed = texts_containing(&pages[1], "氏名（自署）");
        assert_eq!((dates.len(), signed.len()), (1, 1), "{name}");
        let (_, table_top, _, _) = rect_of(&pages[1], "attorney table");
        let (date_y, signed_y) = (dates[0].1, signed[0].1);
        // The date heads the grantor's block, whose second row is the signature.
        assert!(
            date_y < table_top && table_top - date_y < 5.0,
            "{name}: date at {date_y}, table at {table_top}"
        );
        assert!(
            signed_y > table_top && signed_y - table_top < 25.0,
            "{name}"
        );
    }
}

#[test]
fn the_power_of_attorney_has_fields_for_both_parties_written_by_hand() {
    let content = fixture("all_four_pins.json");
    let pages = pages_of(&content);
    let form: Vec<String> = pages[1]
        .marks
        .iter()
        .filter_map(|m| match m {
            Mark::Text {
                text,
                role: MarkRole::Other("attorney field" | "attorney party"),
                ..
            } => Some(text.clone()),
            _ => None,
        })
        .collect();
    let fields = squash(&form.concat());
    for expected in [
        "委任者",
        "（カード名義人）",
        "代理人",
        "（受任者）",
        "氏名（自署）",
        "生年月日",
    ] {
        assert!(fields.contains(expected), "no {expected:?} in {fields}");
    }
    assert_eq!(fields.matches("住所").count(), 2, "{fields}");
    assert_eq!(fields.matches("氏名").count(), 2, "{fields}");
    // Blank for the hand: neither the cardholder's address nor the proxy's
    // name is printed in the fields.
    let form_text = page_text(&render(&content), 2);
    for line in &content.cardholder.address_lines {
        assert!(
            !form_text.contains(&squash(line)),
            "{line} printed on the form"
        );
    }
    assert!(!fields.contains(&squash(&content.proxy_name)), "{fields}");
}

#[test]
fn the_envelope_side_reads_shinten_and_tenso_fuyo_inside_the_window() {
    let settings = LetterSettings::default();
    let w = settings.window;
    for name in [
        "all_four_pins.json",
        "long_address.json",
        "reset_all_four_pins.json",
    ] {
        let pages = pages_of(&fixture(name));
        for (mark, frame) in [("親展", "親展 box"), ("転送不要", "転送不要 box")] {
            let found: Vec<_> = texts_containing(&pages[0], mark)
                .into_iter()
                .filter(|(_, _, text)| text == mark)
                .collect();
            assert_eq!(found.len(), 1, "{name}: {mark}");
            let (x, y, _) = &found[0];
            assert!(
                *x > w.left && *x < w.left + w.width && *y > w.top && *y < w.top + w.height,
                "{name}: {mark} at ({x}, {y}) outside the window"
            );
            let (bx, by, bw, bh) = rect_of(&pages[0], frame);
            assert!(
                bx > w.left
                    && bx + bw < w.left + w.width
                    && by > w.top
                    && by + bh < w.top + w.height
            );
        }
        assert!(texts_containing(&pages[1], "親展").is_empty(), "{name}");
    }
    let page = &pages_of(&fixture("all_four_pins.json"))[0];
    let (tenso, shinten) = (rect_of(page, "転送不要 box"), rect_of(page, "親展 box"));
    assert!(
        shinten.0 + shinten.2 < tenso.0,
        "the two boxes overlap: {shinten:?} {tenso:?}"
    );
}

#[test]
fn a_change_letter_tells_whoever_forgot_a_pin_not_to_guess_and_to_ask_for_a_reset() {
    let pdf = render(&fixture("all_four_pins.json"));
    let inquiry = page_text(&pdf, 1);
    for expected in [
        "現在の暗証番号がわからない場合",
        "推測で記入しないでください",
        "署名用電子証明書の暗証番号は5回",
        "3回でロックされます",
        "「初期化を希望します」にレ印",
        "下記の窓口へご連絡ください",
    ] {
        assert!(
            inquiry.contains(expected),
            "no {expected:?} on page 1: {inquiry}"
        );
    }
    let form = page_text(&pdf, 2);
    assert!(form.contains("初期化を希望します"), "{form}");
    let (boxes, _) = marks_with_role(&pages_of(&fixture("all_four_pins.json")), "check box");
    assert_eq!(boxes, 2, "the declaration's box and the reset box");
}

#[test]
fn a_reset_letter_has_no_forgotten_pin_guidance_and_never_says_current_pin() {
    let pdf = render(&fixture("reset_all_four_pins.json"));
    let text = extracted_text(&pdf);
    for absent in ["現在の暗証番号", "推測で", "初期化を希望します"] {
        assert!(
            !text.contains(absent),
            "{absent:?} in a reset letter: {text}"
        );
    }
    let (boxes, _) = marks_with_role(&pages_of(&fixture("reset_all_four_pins.json")), "check box");
    assert_eq!(boxes, 1, "only the declaration's box");
}

#[test]
fn every_letter_tells_a_cardholder_who_never_asked_what_to_do_and_how_to_suspend_the_card() {
    for name in ["all_four_pins.json", "reset_all_four_pins.json"] {
        let inquiry = page_text(&render(&fixture(name)), 1);
        for expected in [
            "代理人に依頼した覚えがない場合",
            "何も記入せず、どなたにも渡さないでください",
            "すぐに下記の窓口へお電話ください",
            "一時利用停止",
            "24時間365日",
            "マイナンバー総合フリーダイヤル0120-95-0178",
        ] {
            assert!(
                inquiry.contains(expected),
                "{name}: no {expected:?}: {inquiry}"
            );
        }
    }
}

#[test]
fn the_letter_reads_as_the_office_writes_now() {
    let change = extracted_text(&render(&fixture("all_four_pins.json")));
    let reset = extracted_text(&render(&fixture("reset_all_four_pins.json")));
    for expected in [
        "山田太郎様から、あなたの代理人（任意代理人）として",
        "暗証番号の変更の申請がありました",
        "変更の申請があった暗証番号（4種類）",
        "下記の代理人（山田太郎）に",
        "この申請は無効となります",
        "封が開いている場合はお受けできません",
        "今後の手続",
    ] {
        assert!(change.contains(expected), "no {expected:?}: {change}");
    }
    for expected in [
        "再設定の申請があった暗証番号（4種類）",
        "この申請は無効となります",
    ] {
        assert!(reset.contains(expected), "no {expected:?}: {reset}");
    }
    for text in [&change, &reset] {
        for old in ["申請されました", "件）", "様に、", "取り消し"] {
            assert!(!text.contains(old), "{old:?} still printed: {text}");
        }
    }
}

/// Every variant `templates/glossary.toml` forbids, with the term to use.
fn forbidden_variants() -> Vec<(String, String)> {
    #[derive(serde::Deserialize)]
    struct Glossary {
        term: Vec<Term>,
    }
    #[derive(serde::Deserialize)]
    struct Term {
        #[serde(rename = "use")]
        canonical: String,
        forbid: Vec<String>,
    }
    let text = std::fs::read_to_string(repo().join("templates/glossary.toml")).unwrap();
    let glossary: Glossary = toml::from_str(&text).unwrap();
    glossary
        .term
        .into_iter()
        .flat_map(|t| {
            let canonical = t.canonical;
            t.forbid.into_iter().map(move |v| (v, canonical.clone()))
        })
        .collect()
}

#[test]
fn the_printed_letter_uses_only_the_glossary_terms() {
    // What the cardholder reads, including the words the layout itself
    // prints (親展, the office's box), not only the template.
    let variants = forbidden_variants();
    assert!(!variants.is_empty());
    for name in ["all_four_pins.json", "reset_all_four_pins.json"] {
        let content = fixture(name);
        let copy = render_retained_copy(
            &content,
            &LetterSettings::default(),
            &template(),
            fonts(),
            &"0".repeat(64),
        )
        .unwrap();
        for pdf in [render(&content), copy.pdf] {
            let text = extracted_text(&pdf);
            for (variant, canonical) in &variants {
                let variant = squash(variant);
                let outside = if canonical.contains(&variant) {
                    text.replace(canonical.as_str(), "")
                } else {
                    text.clone()
                };
                assert!(
                    !outside.contains(&variant),
                    "{name}: {variant:?} printed, the glossary says {canonical:?}: {text}"
                );
            }
        }
    }
}

#[test]
fn the_proxy_is_told_the_documents_the_office_asks_for() {
    let mut content = fixture("all_four_pins.json");
    let text = page_text(&render(&content), 1);
    assert!(
        text.contains("代理人の顔写真付き本人確認書類1点（運転免許証など）を持って"),
        "{text}"
    );
    content.proxy_documents = shokai_workflow::IdRequirement::parse("A|B+B").unwrap();
    let text = page_text(&render(&content), 1);
    assert!(
        text.contains(
            "代理人の顔写真付き本人確認書類1点（運転免許証など）、または本人確認書類2点（資格確認書、年金手帳など）を持って"
        ),
        "{text}"
    );
    let reset = page_text(&render(&fixture("reset_all_four_pins.json")), 1);
    assert!(reset.contains("顔写真付き本人確認書類1点"), "{reset}");
}

#[test]
fn the_tallest_form_leaves_room_above_the_office_box() {
    // A change of all four PINs has the most rows; the office box stays
    // where it belongs instead of being pushed down by the fields above.
    for name in ["all_four_pins.json", "reset_all_four_pins.json"] {
        let pages = pages_of(&fixture(name));
        let (_, top, _, _) = rect_of(&pages[1], "office use box");
        assert_eq!(top, 258.0, "{name}");
        let (_, contact, _, _) = rect_of(&pages[0], "contact box");
        assert_eq!(contact, 249.0, "{name}");
    }
}
