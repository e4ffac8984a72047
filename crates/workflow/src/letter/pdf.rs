//! Serialises page models to PDF with printpdf, deterministically.
//!
//! printpdf draws its font resource names and the trailer `/ID` from a
//! process-wide pseudo-random counter, so the same letter would come out
//! different on every call. Here the font id (which also becomes the `XXXXXX+`
//! subset tag) is derived from the text being set, the dates come from the
//! letter, and the `/ID` is a hash of the finished content, so equal inputs
//! give byte-identical files and the file's SHA-256 can serve as its fingerprint.

use chrono::NaiveDate;
use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFont, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem,
};
use sha2::{Digest, Sha256};

use super::LetterError;
use super::fonts::LetterFonts;
use super::layout::{MM_PER_PT, Mark, PAGE_HEIGHT_MM, PAGE_WIDTH_MM, PageModel, Paint};

/// Writes `pages` as one PDF with the letter font embedded as a subset.
pub(crate) fn write_pdf(
    pages: &[PageModel],
    fonts: &LetterFonts,
    title: &str,
    dated: NaiveDate,
) -> Result<Vec<u8>, LetterError> {
    let font_id = FontId(subset_tag(pages));
    let mut doc = PdfDocument::new(title);
    doc.resources
        .fonts
        .map
        .insert(font_id.clone(), PdfFont::new(fonts.parsed().clone()));
    let stamp = dated
        .and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp() - 9 * 3600);
    let date = printpdf::OffsetDateTime::from_unix_timestamp(stamp)
        .map_err(|e| LetterError::Pdf(e.to_owned()))?;
    doc.metadata.info.creation_date = date;
    doc.metadata.info.modification_date = date;
    doc.metadata.info.metadata_date = date;
    doc.metadata.info.producer = "shokai".to_owned();
    doc.metadata.info.creator = "shokai".to_owned();

    doc.pages = pages.iter().map(|p| page_ops(p, &font_id)).collect();
    let mut warnings = Vec::new();
    let mut lo = printpdf::to_lopdf_doc(&doc, &PdfSaveOptions::default(), &mut warnings);
    lo.compress();
    let id = content_id(&lo);
    lo.trailer.set(
        "ID",
        lopdf::Object::Array(vec![
            lopdf::Object::String(id.clone(), lopdf::StringFormat::Hexadecimal),
            lopdf::Object::String(id, lopdf::StringFormat::Hexadecimal),
        ]),
    );
    let mut out = Vec::new();
    lo.save_to(&mut out)
        .map_err(|e| LetterError::Pdf(e.to_string()))?;
    Ok(out)
}

/// Six capital letters derived from the text set with the font, as ISO 32000
/// asks for subset tags: stable for equal text, different for different subsets.
fn subset_tag(pages: &[PageModel]) -> String {
    let mut hash = Sha256::new();
    for page in pages {
        for mark in &page.marks {
            if let Mark::Text { text, .. } = mark {
                hash.update(text.as_bytes());
            }
        }
    }
    tag_from_digest(&hash.finalize())
}

/// Six capital letters from a digest: the form ISO 32000-1 (9.6.4) gives a
/// subset tag, equal for equal inputs.
pub(super) fn tag_from_digest(digest: &[u8]) -> String {
    digest
        .iter()
        .take(6)
        .map(|b| char::from(b'A' + b % 26))
        .collect()
}

/// The first 16 bytes of SHA-256 over every stream, in object order.
fn content_id(doc: &lopdf::Document) -> Vec<u8> {
    let mut hash = Sha256::new();
    for object in doc.objects.values() {
        if let lopdf::Object::Stream(stream) = object {
            hash.update(&stream.content);
        }
    }
    hash.finalize()[..16].to_vec()
}

fn pt(mm: f32) -> Pt {
    Pt(mm / MM_PER_PT)
}

/// A point given in mm from the top-left corner.
fn point(x: f32, y_from_top: f32) -> Point {
    Point {
        x: pt(x),
        y: pt(PAGE_HEIGHT_MM - y_from_top),
    }
}

fn grey(level: f32) -> Color {
    Color::Rgb(Rgb::new(level, level, level, None))
}

fn page_ops(page: &PageModel, font: &FontId) -> PdfPage {
    let mut ops = vec![
        Op::SetFillColor { col: grey(0.0) },
        Op::SetOutlineColor { col: grey(0.0) },
    ];
    for mark in &page.marks {
        mark_ops(mark, font, &mut ops);
    }
    PdfPage::new(Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM), ops)
}

fn mark_ops(mark: &Mark, font: &FontId, ops: &mut Vec<Op>) {
    match mark {
        Mark::Text {
            x,
            y,
            size_pt,
            text,
            ..
        } => {
            ops.push(Op::StartTextSection);
            ops.push(Op::SetFont {
                font: PdfFontHandle::External(font.clone()),
                size: Pt(*size_pt),
            });
            ops.push(Op::SetTextCursor { pos: point(*x, *y) });
            ops.push(Op::ShowText {
                items: vec![TextItem::Text(text.clone())],
            });
            ops.push(Op::EndTextSection);
        }
        Mark::Rect {
            x, y, w, h, style, ..
        } => rect_ops(*x, *y, *w, *h, *style, ops),
        Mark::Line {
            x1,
            y1,
            x2,
            y2,
            width_pt,
        } => line_ops((*x1, *y1), (*x2, *y2), *width_pt, ops),
    }
}

fn rect_ops(x: f32, y: f32, w: f32, h: f32, style: Paint, ops: &mut Vec<Op>) {
    let mode = match style {
        Paint::Stroke(width) => {
            ops.push(Op::SetOutlineThickness { pt: Pt(width) });
            PaintMode::Stroke
        }
        Paint::Fill => PaintMode::Fill,
        Paint::Tint => {
            ops.push(Op::SetFillColor { col: grey(0.9) });
            PaintMode::Fill
        }
    };
    let bottom_left = point(x, y + h);
    ops.push(Op::DrawRectangle {
        rectangle: Rect {
            x: bottom_left.x,
            y: bottom_left.y,
            width: pt(w),
            height: pt(h),
            mode: Some(mode),
            winding_order: None,
        },
    });
    if matches!(style, Paint::Tint) {
        ops.push(Op::SetFillColor { col: grey(0.0) });
    }
}

fn line_ops(from: (f32, f32), to: (f32, f32), width_pt: f32, ops: &mut Vec<Op>) {
    ops.push(Op::SetOutlineThickness { pt: Pt(width_pt) });
    let points = [from, to]
        .into_iter()
        .map(|(x, y)| LinePoint {
            p: point(x, y),
            bezier: false,
        })
        .collect();
    ops.push(Op::DrawLine {
        line: Line {
            points,
            is_closed: false,
        },
    });
}
