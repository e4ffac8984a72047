//! Pictures of pages: the page model the PDF is written from, drawn into
//! pixels, for previews a browser shows as an `<img>` (a PDF embedded in a
//! page does not show everywhere).
//!
//! The same marks as the PDF writer, in the same order (later marks paint
//! over earlier ones, as in PDF): text runs glyph by glyph at the advances
//! the layout measured, rectangles filled, tinted or stroked, and rules.
//! Glyph outlines come from the embedded font itself (read with
//! `ttf-parser`) and are filled by `tiny-skia` with anti-aliasing, so a
//! picture shows exactly what the PDF prints, with no program run outside
//! the process. No hinting: a preview at about 110 dpi reads well without it.
//!
//! A picture is greyscale (everything on the page is black, white or the
//! headings' light grey) and encoded as an 8-bit greyscale PNG that states
//! its resolution (`pHYs`), so a viewer knows the page is A4.
//!
//! Deterministic like the PDF: equal pages give equal pixels and bytes.

use std::collections::HashMap;

use tiny_skia::{
    Color, FillRule, LineCap, Paint as SkPaint, Path, PathBuilder, Pixmap, Rect, Stroke, Transform,
};

use super::LetterError;
use super::fonts::LetterFonts;
use super::layout::{MM_PER_PT, Mark, PAGE_HEIGHT_MM, PAGE_WIDTH_MM, PageModel, Paint};

/// The resolution of previews: an A4 page is 909 × 1286 pixels, small
/// enough to load quickly and large enough to read 7 pt print.
pub const PREVIEW_DPI: f32 = 110.0;

/// The grey of the headings' bands ([`Paint::Tint`]), as the PDF fills it
/// (0.9 of white).
const TINT: f32 = 0.9;

/// A greyscale picture of one page, row by row from the top-left corner:
/// 0 is black, 255 white.
#[derive(Clone, PartialEq, Eq)]
pub struct PageImage {
    pub width: u32,
    pub height: u32,
    /// Dots per inch the page was drawn at.
    pub dpi: u32,
    pub pixels: Vec<u8>,
}

impl std::fmt::Debug for PageImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageImage")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("dpi", &self.dpi)
            .finish_non_exhaustive()
    }
}

impl PageImage {
    /// The grey at (`x`, `y`), white outside the page.
    pub fn at(&self, x: u32, y: u32) -> u8 {
        if x >= self.width || y >= self.height {
            return 255;
        }
        let i = y as usize * self.width as usize + x as usize;
        self.pixels.get(i).copied().unwrap_or(255)
    }

    /// Pixels per millimetre.
    pub fn px_per_mm(&self) -> f32 {
        self.dpi as f32 / 25.4
    }

    /// The page as an 8-bit greyscale PNG that states its resolution.
    pub fn to_png(&self) -> Result<Vec<u8>, LetterError> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Balanced);
        let per_metre = (self.dpi as f32 / 0.0254).round() as u32;
        encoder.set_pixel_dims(Some(png::PixelDimensions {
            xppu: per_metre,
            yppu: per_metre,
            unit: png::Unit::Meter,
        }));
        let mut writer = encoder
            .write_header()
            .map_err(|e| LetterError::Raster(e.to_string()))?;
        writer
            .write_image_data(&self.pixels)
            .map_err(|e| LetterError::Raster(e.to_string()))?;
        writer
            .finish()
            .map_err(|e| LetterError::Raster(e.to_string()))?;
        Ok(out)
    }
}

/// Draws `page` at `dpi` dots per inch.
pub fn rasterize(
    page: &PageModel,
    fonts: &LetterFonts,
    dpi: u32,
) -> Result<PageImage, LetterError> {
    let scale = dpi as f32 / 25.4;
    let width = (PAGE_WIDTH_MM * scale).round() as u32;
    let height = (PAGE_HEIGHT_MM * scale).round() as u32;
    let mut pixmap = Pixmap::new(width, height)
        .ok_or_else(|| LetterError::Raster(format!("no {width}x{height} picture at {dpi} dpi")))?;
    pixmap.fill(Color::WHITE);
    fonts
        .with_program(|program| {
            let face =
                ttf_parser::Face::parse(program, 0).map_err(|_| LetterError::FontUnreadable)?;
            let mut canvas = Canvas {
                pixmap: &mut pixmap,
                scale,
                fonts,
                glyphs: Glyphs {
                    face: &face,
                    units_per_em: f32::from(face.units_per_em().max(1)),
                    outlines: HashMap::new(),
                },
            };
            for mark in &page.marks {
                canvas.mark(mark);
            }
            Ok::<(), LetterError>(())
        })
        .ok_or(LetterError::FontUnreadable)??;
    // The pixmap is opaque (filled white, painted grey), so any channel is the grey.
    let pixels = pixmap.pixels().iter().map(|p| p.red()).collect();
    Ok(PageImage {
        width,
        height,
        dpi,
        pixels,
    })
}

/// What one picture is drawn with.
struct Canvas<'a> {
    pixmap: &'a mut Pixmap,
    /// Pixels per millimetre.
    scale: f32,
    fonts: &'a LetterFonts,
    glyphs: Glyphs<'a>,
}

/// The font's glyph outlines, decoded once per glyph and picture.
struct Glyphs<'a> {
    face: &'a ttf_parser::Face<'a>,
    units_per_em: f32,
    /// Outlines in font units (y up); `None` for a glyph that draws nothing
    /// (a space).
    outlines: HashMap<u16, Option<Path>>,
}

impl Glyphs<'_> {
    fn outline(&mut self, gid: u16) -> Option<&Path> {
        let face = self.face;
        self.outlines
            .entry(gid)
            .or_insert_with(|| {
                let mut outline = Outline(PathBuilder::new());
                face.outline_glyph(ttf_parser::GlyphId(gid), &mut outline)?;
                outline.0.finish()
            })
            .as_ref()
    }
}

impl Canvas<'_> {
    fn mark(&mut self, mark: &Mark) {
        match mark {
            Mark::Text {
                x,
                y,
                size_pt,
                text,
                ..
            } => self.text(*x, *y, *size_pt, text),
            Mark::Rect {
                x, y, w, h, style, ..
            } => self.rect(*x, *y, *w, *h, *style),
            Mark::Line {
                x1,
                y1,
                x2,
                y2,
                width_pt,
            } => {
                let mut pb = PathBuilder::new();
                pb.move_to(*x1, *y1);
                pb.line_to(*x2, *y2);
                if let Some(path) = pb.finish() {
                    self.stroke(&path, *width_pt);
                }
            }
        }
    }

    /// One line of text with its baseline at `y` mm, each glyph advanced by
    /// the width the layout measured it with.
    fn text(&mut self, x: f32, y: f32, size_pt: f32, text: &str) {
        let Canvas {
            pixmap,
            scale,
            fonts,
            glyphs,
        } = self;
        let em_mm = size_pt * MM_PER_PT;
        let font_px = em_mm * *scale / glyphs.units_per_em;
        let paint = solid(0.0);
        let mut pen_x = x;
        for ch in text.chars() {
            if let Some(gid) = fonts.glyph_id(ch)
                && let Some(path) = glyphs.outline(gid)
            {
                let transform =
                    Transform::from_row(font_px, 0.0, 0.0, -font_px, pen_x * *scale, y * *scale);
                pixmap.fill_path(path, &paint, FillRule::Winding, transform, None);
            }
            pen_x += fonts.advance_em(ch) * em_mm;
        }
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, style: Paint) {
        let Some(rect) = Rect::from_xywh(x, y, w, h) else {
            return;
        };
        let transform = Transform::from_scale(self.scale, self.scale);
        match style {
            Paint::Fill => self.pixmap.fill_rect(rect, &solid(0.0), transform, None),
            Paint::Tint => self.pixmap.fill_rect(rect, &solid(TINT), transform, None),
            Paint::Stroke(width_pt) => self.stroke(&PathBuilder::from_rect(rect), width_pt),
        }
    }

    /// Strokes `path` (in mm) black, `width_pt` wide, with the PDF's
    /// default butt caps and mitred joins.
    fn stroke(&mut self, path: &Path, width_pt: f32) {
        let stroke = Stroke {
            width: width_pt * MM_PER_PT,
            line_cap: LineCap::Butt,
            ..Stroke::default()
        };
        let transform = Transform::from_scale(self.scale, self.scale);
        self.pixmap
            .stroke_path(path, &solid(0.0), &stroke, transform, None);
    }
}

/// An anti-aliased paint of grey `level` (0 black, 1 white).
fn solid(level: f32) -> SkPaint<'static> {
    let mut paint = SkPaint::default();
    paint.set_color(Color::from_rgba(level, level, level, 1.0).unwrap_or(Color::BLACK));
    paint.anti_alias = true;
    paint
}

/// Collects a glyph's outline as a path in font units.
struct Outline(PathBuilder);

impl ttf_parser::OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.move_to(x, y);
    }

    fn line_to(&mut self, x: f32, y: f32) {
        self.0.line_to(x, y);
    }

    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.0.quad_to(x1, y1, x, y);
    }

    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.0.cubic_to(x1, y1, x2, y2, x, y);
    }

    fn close(&mut self) {
        self.0.close();
    }
}
