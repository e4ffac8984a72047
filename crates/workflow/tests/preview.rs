//! Previews as pictures: pages of the page model drawn into greyscale PNGs
//! (tiny-skia, the embedded font's outlines), as the case page shows them.
//!
//! The pictures decode, are A4 at the preview resolution, carry print where
//! the layout put text, show both pages of a letter, never show the code
//! (the picture of a kept copy does not depend on the code at all, and
//! differs from the mailed letter's only where code and QR code sit), and
//! match what poppler draws from the PDF written from the same page model.
//!
//! Set `SHOKAI_REVIEW_DIR` to keep the pictures made here for a look.

// Helpers outside #[test] functions unwrap too; a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod pictures;
mod support;

use pictures::{decode, is_grey, keep};
use shokai_workflow::letter::{
    CodeVisibility, LetterContent, LetterSettings, Mark, MarkRole, PREVIEW_DPI, PageImage,
    PageModel, layout_letter, rasterize, render_retained_copy, retained_copy_png,
};
use support::{fixture, fonts, template};

const DPI: u32 = PREVIEW_DPI as u32;
const FINGERPRINT: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

/// The copy's page `n` as the server serves it.
fn preview(content: &LetterContent, n: usize) -> Option<Vec<u8>> {
    retained_copy_png(
        content,
        &LetterSettings::default(),
        &template(),
        fonts(),
        FINGERPRINT,
        n,
        DPI,
    )
    .unwrap()
}

fn pages(content: &LetterContent, visibility: &CodeVisibility) -> Vec<PageModel> {
    layout_letter(
        content,
        &LetterSettings::default(),
        &template(),
        fonts(),
        visibility,
    )
    .unwrap()
}

fn withheld() -> CodeVisibility {
    CodeVisibility::Withheld {
        mailed_fingerprint: FINGERPRINT.to_owned(),
    }
}

/// Dark pixels (darker than mid-grey) inside the box `(left, top, right,
/// bottom)` in millimetres.
fn dark_in(image: &PageImage, area: (f32, f32, f32, f32)) -> usize {
    let s = image.px_per_mm();
    let (x0, y0) = ((area.0 * s) as u32, (area.1 * s) as u32);
    let (x1, y1) = ((area.2 * s).ceil() as u32, (area.3 * s).ceil() as u32);
    (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| (x, y)))
        .filter(|&(x, y)| image.at(x, y) < 128)
        .count()
}

/// The area a mark covers in mm, text from an em above its baseline to
/// 0.3 em below (more than the font's ascent and descent).
fn area(mark: &Mark) -> (f32, f32, f32, f32) {
    match mark {
        Mark::Text {
            x,
            y,
            size_pt,
            width,
            ..
        } => {
            let em = size_pt * 25.4 / 72.0;
            (*x, y - em, x + width, y + 0.3 * em)
        }
        Mark::Rect { x, y, w, h, .. } => (*x, *y, x + w, y + h),
        Mark::Line { x1, y1, x2, y2, .. } => (x1.min(*x2), y1.min(*y2), x1.max(*x2), y1.max(*y2)),
    }
}

#[test]
fn both_pages_of_a_letter_are_a4_pictures_with_print_where_the_text_is() {
    let content = fixture("all_four_pins.json");
    for n in [1, 2] {
        let png = preview(&content, n).unwrap();
        keep(&format!("letter-page-{n}.png"), &png);
        assert!(is_grey(&png));
        let image = decode(&png);

        assert_eq!((image.width, image.height), (909, 1286));
        let ratio = image.height as f32 / image.width as f32;
        assert!((ratio - 297.0 / 210.0).abs() < 0.005, "{ratio}");
        let model = &pages(&content, &withheld())[n - 1];
        let (mut inked, mut texts) = (0, 0);
        for mark in &model.marks {
            if let Mark::Text { text, .. } = mark
                && text.chars().any(|c| !c.is_whitespace())
            {
                texts += 1;
                inked += usize::from(dark_in(&image, area(mark)) > 0);
            }
        }
        assert_eq!(inked, texts, "page {n}: every line of text leaves ink");
        // White where the layout put nothing: the left margin.
        assert_eq!(dark_in(&image, (0.0, 0.0, 14.0, 297.0)), 0, "page {n}");
    }
    assert_eq!(preview(&content, 3), None);
    assert_eq!(preview(&content, 0), None);
}

#[test]
fn the_picture_of_a_kept_copy_does_not_depend_on_the_code() {
    let first = fixture("all_four_pins.json");
    let mut second = first.clone();
    second.verification_code = "ZZZZZ-00000".to_owned();

    for n in [1, 2] {
        assert_eq!(preview(&first, n), preview(&second, n), "page {n}");
    }
    // The same drawing with the codes printed does differ: the pictures
    // would show a code if the copy had one.
    let printed_first =
        rasterize(&pages(&first, &CodeVisibility::Printed)[1], fonts(), DPI).unwrap();
    let printed_second =
        rasterize(&pages(&second, &CodeVisibility::Printed)[1], fonts(), DPI).unwrap();
    assert_ne!(printed_first.pixels, printed_second.pixels);
}

/// What the kept copy may change: the code, its QR code and the footer.
const COPY_CHANGES: [&str; 5] = [
    "form ids",
    "QR code",
    "withheld QR frame",
    "withheld QR",
    "retained copy",
];

/// The marks only one of the two pages has.
fn differing_marks<'a>(a: &'a PageModel, b: &'a PageModel) -> Vec<&'a Mark> {
    let only_a = a.marks.iter().filter(|m| !b.marks.contains(m));
    let only_b = b.marks.iter().filter(|m| !a.marks.contains(m));
    only_a.chain(only_b).collect()
}

/// What a text or rectangle is for, as the layout names it.
fn purpose(mark: &Mark) -> &'static str {
    match mark {
        Mark::Text {
            role: MarkRole::Other(what),
            ..
        }
        | Mark::Rect {
            role: MarkRole::Other(what),
            ..
        } => what,
        other => panic!("an unexpected difference: {other:?}"),
    }
}

/// Pixels that differ between `a` and `b` outside every box of `allowed`
/// (in mm, widened by two pixels).
fn stray_pixels(a: &PageImage, b: &PageImage, allowed: &[&Mark]) -> Vec<(u32, u32)> {
    let s = a.px_per_mm();
    let pad = 2.0 / s;
    let inside = |mx: f32, my: f32| {
        allowed.iter().any(|m| {
            let (l, t, r, b) = area(m);
            mx >= l - pad && mx <= r + pad && my >= t - pad && my <= b + pad
        })
    };
    (0..a.height)
        .flat_map(|y| (0..a.width).map(move |x| (x, y)))
        .filter(|&(x, y)| a.at(x, y) != b.at(x, y) && !inside(x as f32 / s, y as f32 / s))
        .collect()
}

#[test]
fn the_kept_copy_differs_from_the_mailed_letter_only_where_code_and_qr_code_sit() {
    let content = fixture("all_four_pins.json");
    let printed = pages(&content, &CodeVisibility::Printed);
    let kept = pages(&content, &withheld());

    for n in 0..2 {
        let only = differing_marks(&printed[n], &kept[n]);
        for mark in &only {
            let what = purpose(mark);
            assert!(
                COPY_CHANGES.contains(&what),
                "page {}: {what} differs",
                n + 1
            );
        }
        let mailed = rasterize(&printed[n], fonts(), DPI).unwrap();
        let copy = rasterize(&kept[n], fonts(), DPI).unwrap();
        keep(
            &format!("letter-page-{}-mailed.png", n + 1),
            &mailed.to_png().unwrap(),
        );
        let stray = stray_pixels(&mailed, &copy, &only);
        assert!(
            stray.is_empty(),
            "page {}: pixels differ outside code and QR: {:?}",
            n + 1,
            &stray[..stray.len().min(10)]
        );
    }
    // Where the mailed letter prints the code and the QR code, the copy
    // prints no QR code and another text.
    let mailed = rasterize(&printed[1], fonts(), DPI).unwrap();
    let copy = rasterize(&kept[1], fonts(), DPI).unwrap();
    let marks = &printed[1].marks;
    let code = marks
        .iter()
        .find(|m| matches!(m, Mark::Text { text, .. } if *text == content.verification_code))
        .unwrap();
    assert!(dark_in(&mailed, area(code)) > 50);
    assert!(stray_pixels(&mailed, &copy, &[]).len() > 1000);
    let qr = marks.iter().filter(|m| purpose_is(m, "QR code"));
    let (qr_mailed, qr_copy) = qr.fold((0, 0), |(a, b), m| {
        (a + dark_in(&mailed, area(m)), b + dark_in(&copy, area(m)))
    });
    assert!(
        qr_mailed > 1000 && qr_copy < qr_mailed / 10,
        "{qr_mailed} {qr_copy}"
    );
}

fn purpose_is(mark: &Mark, what: &str) -> bool {
    matches!(mark, Mark::Rect { role: MarkRole::Other(w), .. } if *w == what)
}

#[test]
fn equal_pages_give_equal_pictures() {
    let content = fixture("long_address.json");
    assert_eq!(preview(&content, 1), preview(&content, 1));
}

/// The picture and poppler's rendering of the PDF written from the same
/// page model agree: the same pixels are inked, up to anti-aliasing and
/// hinting. Skipped when poppler's `pdftoppm` is not installed.
#[test]
fn the_picture_matches_what_poppler_draws_from_the_pdf() {
    let content = fixture("all_four_pins.json");
    let settings = LetterSettings::default();
    let pdf = render_retained_copy(&content, &settings, &template(), fonts(), FINGERPRINT).unwrap();
    let dir = std::env::temp_dir().join(format!("shokai-preview-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("copy.pdf");
    std::fs::write(&path, &pdf.pdf).unwrap();
    let Ok(out) = std::process::Command::new("pdftoppm")
        .args(["-r", &DPI.to_string(), "-gray", "-png"])
        .arg(&path)
        .arg(dir.join("page"))
        .output()
    else {
        eprintln!("pdftoppm not installed; skipped");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for n in [1, 2] {
        let poppler = decode(&std::fs::read(dir.join(format!("page-{n}.png"))).unwrap());
        let ours = decode(&preview(&content, n).unwrap());
        // Poppler rounds the page's 909.4 × 1286.2 pixels up, we round to nearest.
        assert!(
            poppler.width.abs_diff(ours.width) <= 1 && poppler.height.abs_diff(ours.height) <= 1
        );
        // Hinting and anti-aliasing differ, so a stroke may fall a pixel
        // apart: each inked pixel of one picture must have ink within a
        // pixel of it in the other.
        let ours_matched = matched(&ours, &poppler);
        let poppler_matched = matched(&poppler, &ours);
        assert!(
            ours_matched > 0.97 && poppler_matched > 0.97,
            "page {n}: {ours_matched:.3} of our ink is near poppler's, {poppler_matched:.3} of poppler's near ours"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The share of `a`'s inked pixels (darker than mid-grey) that have ink in
/// `b` at most one pixel away.
fn matched(a: &PageImage, b: &PageImage) -> f32 {
    let (mut inked, mut near) = (0usize, 0usize);
    for y in 1..a.height.min(b.height) - 1 {
        for x in 1..a.width.min(b.width) - 1 {
            if a.at(x, y) >= 128 {
                continue;
            }
            inked += 1;
            let hit = (y - 1..=y + 1).any(|yy| (x - 1..=x + 1).any(|xx| b.at(xx, yy) < 128));
            near += usize::from(hit);
        }
    }
    near as f32 / inked.max(1) as f32
}
