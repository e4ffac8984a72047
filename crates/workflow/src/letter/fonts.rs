//! The letter font, parsed once per process and shared by reference.
//!
//! Parsing IPAex Gothic (6 MB) takes far longer than laying out a letter, so a
//! batch of a thousand letters must not parse it a thousand times: callers build
//! one [`LetterFonts`] (typically in an `Arc` or a `OnceLock`) and pass `&LetterFonts`.

use std::sync::atomic::{AtomicU32, Ordering};

use printpdf::ParsedFont;

use super::LetterError;

/// The parsed letter font plus the metrics the layout needs.
pub struct LetterFonts {
    font: ParsedFont,
    units_per_em: f32,
    ascent: f32,
    descent: f32,
    /// Glyph lookups of the Basic Multilingual Plane, remembered: the parsed
    /// face scans its cmap's groups one by one (thousands in IPAex Gothic),
    /// and layout asks for every character several times; without this the
    /// lookup took 80% of the time a print file spends on a letter (in
    /// `render_letter` printpdf's own writing dominates). Slot = code point; 0 = not
    /// looked up yet, 1 = no glyph, `g + 2` = glyph `g`. Atomics so that
    /// threads rendering a batch share it without a lock; a race only means
    /// the same answer is stored twice.
    bmp: Box<[AtomicU32]>,
}

impl std::fmt::Debug for LetterFonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LetterFonts")
            .field("name", &self.font.font_name)
            .field("units_per_em", &self.units_per_em)
            .finish_non_exhaustive()
    }
}

impl LetterFonts {
    /// Parses a TrueType font (e.g. `templates/fonts/ipaexg.ttf`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, LetterError> {
        let mut warnings = Vec::new();
        let font =
            ParsedFont::from_bytes(bytes, 0, &mut warnings).ok_or(LetterError::FontUnreadable)?;
        let metrics = font.pdf_font_metrics;
        let units_per_em = f32::from(metrics.units_per_em.max(1));
        let ascent = f32::from(metrics.ascender) / units_per_em;
        let descent = f32::from(metrics.descender).abs() / units_per_em;
        Ok(Self {
            font,
            units_per_em,
            ascent,
            descent,
            bmp: (0..=u16::MAX).map(|_| AtomicU32::new(0)).collect(),
        })
    }

    pub(crate) fn parsed(&self) -> &ParsedFont {
        &self.font
    }

    /// The font's glyph index for `ch`, as the parsed face's cmap gives it.
    fn lookup(&self, ch: char) -> Option<u16> {
        let code = u32::from(ch);
        let Some(slot) = usize::try_from(code).ok().and_then(|i| self.bmp.get(i)) else {
            return self.font.lookup_glyph_index(code);
        };
        match slot.load(Ordering::Relaxed) {
            0 => {
                let found = self.font.lookup_glyph_index(code);
                slot.store(found.map_or(1, |g| u32::from(g) + 2), Ordering::Relaxed);
                found
            }
            1 => None,
            known => u16::try_from(known - 2).ok(),
        }
    }

    /// Whether the font can draw `ch` (a missing glyph would print as a blank box).
    pub fn has_glyph(&self, ch: char) -> bool {
        ch.is_whitespace() || self.lookup(ch).is_some_and(|g| g != 0)
    }

    /// The first character of `text` the font cannot draw.
    pub fn first_missing(&self, text: &str) -> Option<char> {
        text.chars().find(|&c| !self.has_glyph(c))
    }

    /// Advance width of one character in ems.
    pub(crate) fn advance_em(&self, ch: char) -> f32 {
        match self.lookup(ch) {
            Some(gid) => f32::from(self.font.get_horizontal_advance(gid)) / self.units_per_em,
            None => 1.0,
        }
    }

    /// Width of `text` set at `size_pt`, in millimetres.
    pub(crate) fn width_mm(&self, text: &str, size_pt: f32) -> f32 {
        let ems: f32 = text.chars().map(|c| self.advance_em(c)).sum();
        ems * size_pt * super::layout::MM_PER_PT
    }

    /// Height above the baseline, in ems.
    pub(crate) fn ascent_em(&self) -> f32 {
        self.ascent
    }

    /// Depth below the baseline, in ems.
    pub(crate) fn descent_em(&self) -> f32 {
        self.descent
    }

    /// The glyph that draws `ch`, if the font has one (glyph 0 is `.notdef`,
    /// the blank box a missing character would print as, so it counts as none).
    pub(crate) fn glyph_id(&self, ch: char) -> Option<u16> {
        self.lookup(ch).filter(|&g| g != 0)
    }

    /// Advance width of glyph `gid` in font units.
    pub(crate) fn advance_units(&self, gid: u16) -> u16 {
        self.font.get_horizontal_advance(gid)
    }

    /// The font file as it was loaded (what a subset is cut from). printpdf
    /// keeps these bytes with the parsed face, so no second copy is made.
    pub(crate) fn with_program<T>(&self, read: impl FnOnce(&[u8]) -> T) -> Option<T> {
        self.font.source_bytes().map(|bytes| read(bytes.as_slice()))
    }

    /// The font's PostScript name reduced to characters a PDF name can hold
    /// without escapes (`IPAexGothic`).
    pub(crate) fn postscript_name(&self) -> String {
        let name: String = self
            .font
            .font_name
            .as_deref()
            .unwrap_or_default()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if name.is_empty() {
            "Font".to_owned()
        } else {
            name
        }
    }

    /// What a PDF font descriptor states about the face, in thousandths of an em.
    pub(crate) fn descriptor_metrics(&self) -> DescriptorMetrics {
        let m = &self.font.pdf_font_metrics;
        let scale = |v: i16| (f32::from(v) * 1000.0 / self.units_per_em).round() as i32;
        // The cap height lives in OS/2, which the parsed face does not keep;
        // it is read from the file, and the ascender stands in without one.
        let cap = self
            .with_program(os2_cap_height)
            .flatten()
            .unwrap_or(m.ascender);
        DescriptorMetrics {
            bbox: [
                scale(m.x_min),
                scale(m.y_min),
                scale(m.x_max),
                scale(m.y_max),
            ],
            ascent: scale(m.ascender),
            descent: scale(m.descender),
            cap_height: scale(cap),
        }
    }

    /// Font units per em (2048 for IPAex Gothic).
    pub(crate) fn units_per_em(&self) -> f32 {
        self.units_per_em
    }
}

/// Font-wide metrics a PDF font descriptor needs, in thousandths of an em.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DescriptorMetrics {
    pub bbox: [i32; 4],
    pub ascent: i32,
    pub descent: i32,
    pub cap_height: i32,
}

/// `sCapHeight` from the OS/2 table (version 2 and later), read straight from
/// the sfnt table directory.
fn os2_cap_height(font: &[u8]) -> Option<i16> {
    let be16 = |at: usize| {
        font.get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    let be32 = |at: usize| {
        font.get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let tables = usize::from(be16(4)?);
    let record = (0..tables)
        .map(|i| 12 + 16 * i)
        .find(|&at| font.get(at..at + 4) == Some(b"OS/2".as_slice()))?;
    let offset = usize::try_from(be32(record + 8)?).ok()?;
    let version = be16(offset)?;
    let cap = be16(offset + 88)?;
    (version >= 2).then_some(cap.cast_signed())
}
