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
            .starts_with("reference,name,postal_code,address,pages\r\n")
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
