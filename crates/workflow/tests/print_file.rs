//! The print file as the print room sees it: one file for a thousand letters
//! that stays small, one embedded subset font, a file qpdf finds clean, every
//! QR code scannable and every reference and code readable as text, letters
//! the font cannot print refused without spoiling the file, and the same
//! letters giving the same bytes.
//!
//! poppler-utils (pdftotext, pdftoppm, pdffonts) and qpdf check the file as
//! the print house's tools would. Without them a check is skipped locally and
//! fails under `CI=true`, where .ci/run installs them.

// Helpers outside #[test] functions unwrap too; a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use shokai_workflow::letter::{
    LetterContent, LetterError, LetterFonts, LetterReceipt, LetterSettings, PreflightError,
    PreparedLetter, PrintFile, PrintFileSummary, WindowMm, qr_payload, read_facts, render_letter,
};
use support::{fixture, fonts, letters, template};

const THOUSAND: usize = 1000;

/// The 1,000-letter file, written once for every test that reads it.
struct Written {
    letters: Vec<LetterContent>,
    receipts: Vec<LetterReceipt>,
    summary: PrintFileSummary,
    pdf: Vec<u8>,
    path: PathBuf,
}

fn thousand() -> &'static Written {
    static WRITTEN: OnceLock<Written> = OnceLock::new();
    WRITTEN.get_or_init(|| {
        let letters = letters(THOUSAND, 7);
        let (pdf, receipts, summary) = write(&letters);
        let path = tempdir("thousand").join("print.pdf");
        std::fs::write(&path, &pdf).unwrap();
        Written {
            letters,
            receipts,
            summary,
            pdf,
            path,
        }
    })
}

/// Writes `letters` in order to memory; every one must be accepted.
fn write(letters: &[LetterContent]) -> (Vec<u8>, Vec<LetterReceipt>, PrintFileSummary) {
    let settings = LetterSettings::default();
    let template = template();
    let mut file = PrintFile::new(Vec::new(), fonts()).unwrap();
    let receipts = letters
        .iter()
        .map(|c| {
            file.add_letter(c, &settings, &template)
                .unwrap_or_else(|e| panic!("{}: {e}", c.reference))
        })
        .collect();
    let (pdf, summary) = file.finish().unwrap();
    (pdf, receipts, summary)
}

/// A fresh directory per call: tests run in parallel threads of one process.
fn tempdir(tag: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "shokai-print-file-{tag}-{}-{n}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Whether an external checker is installed. Missing, it skips the check
/// locally but fails on CI, which must have it.
fn installed(tool: &str) -> bool {
    if Command::new(tool).arg("--version").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{tool} is not installed; CI needs poppler-utils and qpdf (see .ci/run)"
    );
    eprintln!("{tool} is not installed; check skipped");
    false
}

/// Runs `tool` with `before`, the file, then `after`; its standard output.
fn run(tool: &str, before: &[&str], file: &Path, after: &[&str]) -> String {
    let out = Command::new(tool)
        .args(before)
        .arg(file)
        .args(after)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{tool} {before:?} {after:?} failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The text of every page, as pdftotext extracts it.
fn page_texts(pdf: &Path) -> Vec<String> {
    let text = run("pdftotext", &["-enc", "UTF-8"], pdf, &["-"]);
    // pdftotext ends every page with a form feed.
    let mut pages: Vec<String> = text.split('\u{c}').map(squash).collect();
    pages.pop();
    pages
}

fn qpdf_check(pdf: &Path) {
    // qpdf exits 0 when clean, 3 with warnings, 2 with errors; any warning counts.
    let out = Command::new("qpdf")
        .arg("--check")
        .arg(pdf)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.code() == Some(0) && report.contains("No syntax or stream encoding errors"),
        "qpdf --check: {report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_thousand_letters_fit_in_ten_kilobytes_each_with_one_embedded_subset_font() {
    let w = thousand();
    assert_eq!(w.summary.letters, THOUSAND);
    assert_eq!(w.summary.pages, 2 * THOUSAND);
    assert_eq!(w.summary.bytes, w.pdf.len() as u64);
    assert_eq!(w.summary.sha256, hex::encode(Sha256::digest(&w.pdf)));
    let per_letter = w.pdf.len() / THOUSAND;
    eprintln!(
        "1,000 letters: {} bytes, {per_letter} bytes per letter, {} glyphs in {}",
        w.pdf.len(),
        w.summary.glyphs,
        w.summary.font
    );
    assert!(per_letter <= 10 * 1024, "{per_letter} bytes per letter");

    // Read back with lopdf too: one font descriptor, embedded, subset-tagged.
    let facts = read_facts(&w.pdf).unwrap();
    assert_eq!(facts.pages, 2 * THOUSAND);
    assert_eq!(facts.fonts, std::slice::from_ref(&w.summary.font));
    assert!(
        w.summary.font.ends_with("+IPAexGothic"),
        "{}",
        w.summary.font
    );

    if installed("pdffonts") {
        let listing = run("pdffonts", &[], &w.path, &[]);
        // Two header lines, then one line per font.
        let fonts: Vec<&str> = listing.lines().skip(2).collect();
        assert_eq!(fonts.len(), 1, "{listing}");
        let columns: Vec<&str> = fonts[0].split_whitespace().collect();
        // name, type (two words), encoding, emb, sub, uni, object id (two numbers)
        assert_eq!(columns[0], w.summary.font, "{listing}");
        assert_eq!(
            &columns[1..7],
            ["CID", "TrueType", "Identity-H", "yes", "yes", "yes"]
        );
    }
    if installed("qpdf") {
        qpdf_check(&w.path);
    }
}

#[test]
fn pdftotext_finds_each_letters_reference_and_code_on_its_own_two_pages() {
    let w = thousand();
    if !installed("pdftotext") {
        return;
    }
    let pages = page_texts(&w.path);
    assert_eq!(pages.len(), 2 * THOUSAND);
    for (k, (letter, receipt)) in w.letters.iter().zip(&w.receipts).enumerate() {
        assert_eq!(receipt.reference, letter.reference);
        assert_eq!((receipt.first_page, receipt.pages), (2 * k + 1, 2));
        let (inquiry, form) = (&pages[2 * k], &pages[2 * k + 1]);
        assert!(
            inquiry.contains(&letter.reference),
            "page {}: {inquiry}",
            2 * k + 1
        );
        assert!(
            inquiry.contains(&squash(&letter.cardholder.name)),
            "{inquiry}"
        );
        assert!(
            form.contains(&letter.reference),
            "page {}: {form}",
            2 * k + 2
        );
        assert!(
            form.contains(&squash(&letter.verification_code)),
            "letter {k}: code not on page {}",
            2 * k + 2
        );
    }
}

#[test]
fn the_qr_codes_of_first_last_and_sampled_letters_scan_to_reference_and_code() {
    let w = thousand();
    if !installed("pdftoppm") {
        return;
    }
    for k in [0, 1, 2, 137, 500, 777, THOUSAND - 2, THOUSAND - 1] {
        let letter = &w.letters[k];
        let form_page = w.receipts[k].first_page + 1;
        let (width, height, pixels) = rasterise_page(&w.path, form_page, 150);
        let found = decode(width, height, |x, y| pixels[y * width + x]);
        assert_eq!(
            found,
            [qr_payload(&letter.reference, &letter.verification_code)],
            "letter {k}, page {form_page}"
        );
    }
}

#[test]
fn a_letter_in_the_print_file_looks_like_the_same_letter_rendered_alone() {
    if !installed("pdftoppm") {
        return;
    }
    let content = fixture("long_address.json");
    let settings = LetterSettings::default();
    let alone = render_letter(&content, &settings, &template(), fonts()).unwrap();
    let (pdf, _, _) = write(&[fixture("signature_only.json"), content]);
    let dir = tempdir("alike");
    let (alone_path, batch_path) = (dir.join("alone.pdf"), dir.join("batch.pdf"));
    std::fs::write(&alone_path, &alone.pdf).unwrap();
    std::fs::write(&batch_path, &pdf).unwrap();
    for page in 1..=2 {
        let (w, h, a) = rasterise_page(&alone_path, page, 100);
        let (w2, h2, b) = rasterise_page(&batch_path, page + 2, 100);
        assert_eq!((w, h), (w2, h2));
        let unmatched = unmatched_ink(w, &a, &b) + unmatched_ink(w, &b, &a);
        assert!(
            unmatched * 10_000 < a.len(),
            "page {page}: {unmatched} of {} pixels differ",
            a.len()
        );
    }
}

/// Dark pixels of `a` with no dark pixel within one pixel of them in `b`.
/// Anti-aliasing (adjacent QR modules filled as one path here, as separate
/// rectangles by printpdf; positions rounded to 0.01 pt) moves edges by less
/// than a pixel; a missing or moved mark leaves ink unmatched.
fn unmatched_ink(width: usize, a: &[u8], b: &[u8]) -> usize {
    let dark = |px: &[u8], i: usize| px[i] < 128;
    let height = a.len() / width;
    let mut unmatched = 0;
    for y in 0..height {
        for x in 0..width {
            if !dark(a, y * width + x) {
                continue;
            }
            let near = (y.saturating_sub(1)..=(y + 1).min(height - 1)).any(|ny| {
                (x.saturating_sub(1)..=(x + 1).min(width - 1)).any(|nx| dark(b, ny * width + nx))
            });
            if !near {
                unmatched += 1;
            }
        }
    }
    unmatched
}

#[test]
fn a_letter_the_font_or_preflight_refuses_is_left_out_and_the_file_stays_valid() {
    let settings = LetterSettings::default();
    let template = template();
    let (first, last) = (
        fixture("all_four_pins.json"),
        fixture("signature_only.json"),
    );
    let mut unprintable = fixture("rare_kanji_proxy.json");
    unprintable.cardholder.name = "𠮷野 一郎".into();
    let small_window = LetterSettings {
        window: WindowMm {
            height: 30.0,
            ..WindowMm::default()
        },
        ..LetterSettings::default()
    };

    let mut file = PrintFile::new(Vec::new(), fonts()).unwrap();
    let receipt_first = file.add_letter(&first, &settings, &template).unwrap();
    let before = file.bytes_written();
    let err = file
        .add_letter(&unprintable, &settings, &template)
        .unwrap_err();
    assert_eq!(
        err,
        LetterError::MissingGlyph {
            ch: '𠮷',
            code: 0x20BB7,
            field: "cardholder name"
        }
    );
    assert!(err.to_string().contains("U+20BB7"), "{err}");
    let err = file
        .add_letter(&fixture("long_address.json"), &small_window, &template)
        .unwrap_err();
    assert!(
        matches!(
            err,
            LetterError::Preflight(PreflightError::AddressOutsideWindow { .. })
        ),
        "{err:?}"
    );
    assert_eq!(file.bytes_written(), before, "a refused letter wrote bytes");
    assert_eq!((file.letters(), file.pages()), (1, 2));
    let receipt_last = file.add_letter(&last, &settings, &template).unwrap();
    let (pdf, summary) = file.finish().unwrap();

    assert_eq!((receipt_first.first_page, receipt_last.first_page), (1, 3));
    assert_eq!((summary.letters, summary.pages), (2, 4));
    assert_eq!(read_facts(&pdf).unwrap().pages, 4);
    let path = tempdir("refused").join("print.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let refs = [
        &first.reference,
        &first.reference,
        &last.reference,
        &last.reference,
    ];
    assert_valid_with_pages_of(&path, &refs);
}

/// qpdf finds the file clean and page `i` names reference `i`, nothing more.
fn assert_valid_with_pages_of(path: &Path, references: &[&String]) {
    if installed("qpdf") {
        qpdf_check(path);
    }
    if installed("pdftotext") {
        let pages = page_texts(path);
        assert_eq!(pages.len(), references.len());
        for (page, reference) in pages.iter().zip(references) {
            assert!(page.contains(reference.as_str()), "{reference}: {page}");
        }
    }
}

#[test]
fn the_same_letters_in_the_same_order_give_byte_identical_files() {
    let batch = letters(40, 11);
    let (one, receipts_one, summary_one) = write(&batch);
    let (two, receipts_two, summary_two) = write(&batch);
    assert!(one == two, "two writes of the same letters differ");
    assert_eq!(summary_one, summary_two);
    assert_eq!(receipts_one, receipts_two);
    assert_eq!(summary_one.sha256, hex::encode(Sha256::digest(&one)));

    let mut other = batch.clone();
    other.swap(0, 1);
    let (swapped, _, _) = write(&other);
    assert!(one != swapped, "order must show in the file");
}

#[test]
fn a_letters_digest_depends_on_the_letter_and_not_on_the_letters_around_it() {
    let batch = letters(6, 3);
    let (_, alone, _) = write(&batch[5..]);
    let (_, among, _) = write(&batch);
    assert_eq!(alone[0].digest, among[5].digest);
    assert_eq!((alone[0].first_page, among[5].first_page), (1, 11));
    let digests: std::collections::BTreeSet<&String> = among.iter().map(|r| &r.digest).collect();
    assert_eq!(
        digests.len(),
        batch.len(),
        "digests must differ between letters"
    );
    assert_eq!(among[0].digest.len(), 64);

    let mut changed = batch[5].clone();
    changed.verification_code = letters(7, 4)[6].verification_code.clone();
    let (_, receipts, _) = write(&[changed]);
    assert_ne!(
        receipts[0].digest, alone[0].digest,
        "the code is part of what was printed"
    );
}

/// A writer that fails once `limit` bytes have gone through.
struct FailsAfter {
    limit: usize,
    written: usize,
}

impl Write for FailsAfter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.written + buf.len() > self.limit {
            return Err(io::Error::other("disk full"));
        }
        self.written += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failing_writer_stops_the_file_and_every_later_letter() {
    let settings = LetterSettings::default();
    let template = template();
    let letter = fixture("all_four_pins.json");
    let mut file = PrintFile::new(
        FailsAfter {
            limit: 1000,
            written: 0,
        },
        fonts(),
    )
    .unwrap();
    let err = file.add_letter(&letter, &settings, &template).unwrap_err();
    assert_eq!(err, LetterError::Write("disk full".into()));
    assert!(matches!(
        file.add_letter(&letter, &settings, &template),
        Err(LetterError::Write(_))
    ));
    assert!(matches!(file.finish(), Err(LetterError::Write(_))));
}

#[test]
fn a_print_file_without_letters_is_refused() {
    let file = PrintFile::new(Vec::new(), fonts()).unwrap();
    assert_eq!(file.finish().unwrap_err(), LetterError::EmptyPrintFile);
}

#[test]
fn a_letter_prepared_with_another_font_is_refused() {
    let bytes = std::fs::read(support::repo().join("templates/fonts/ipaexg.ttf")).unwrap();
    let other = LetterFonts::from_bytes(&bytes).unwrap();
    let content = fixture("signature_only.json");
    let prepared =
        PreparedLetter::new(&content, &LetterSettings::default(), &template(), &other).unwrap();
    assert_eq!(prepared.reference(), content.reference);
    let mut file = PrintFile::new(Vec::new(), fonts()).unwrap();
    assert!(matches!(
        file.add_prepared(prepared),
        Err(LetterError::Pdf(_))
    ));
    assert_eq!(file.letters(), 0);
}

fn decode(w: usize, h: usize, pixel: impl Fn(usize, usize) -> u8) -> Vec<String> {
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, pixel);
    img.detect_grids()
        .into_iter()
        .map(|g| g.decode().unwrap().1)
        .collect()
}

/// Page `page` of `pdf` as 8-bit grey pixels at `dpi`.
fn rasterise_page(pdf: &Path, page: usize, dpi: u32) -> (usize, usize, Vec<u8>) {
    let dir = tempdir("ppm");
    let (p, r) = (page.to_string(), dpi.to_string());
    let status = Command::new("pdftoppm")
        .args(["-gray", "-r", &r, "-f", &p, "-l", &p, "-singlefile"])
        .arg(pdf)
        .arg(dir.join("page"))
        .status()
        .unwrap();
    assert!(status.success());
    parse_pgm(&std::fs::read(dir.join("page.pgm")).unwrap())
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
