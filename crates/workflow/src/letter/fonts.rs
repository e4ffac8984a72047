//! The letter font, parsed once per process and shared by reference.
//!
//! Parsing IPAex Gothic (6 MB) takes far longer than laying out a letter, so a
//! batch of a thousand letters must not parse it a thousand times: callers build
//! one [`LetterFonts`] (typically in an `Arc` or a `OnceLock`) and pass `&LetterFonts`.

use printpdf::ParsedFont;

use super::LetterError;

/// The parsed letter font plus the metrics the layout needs.
pub struct LetterFonts {
    font: ParsedFont,
    units_per_em: f32,
    ascent: f32,
    descent: f32,
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
        })
    }

    pub(crate) fn parsed(&self) -> &ParsedFont {
        &self.font
    }

    /// Whether the font can draw `ch` (a missing glyph would print as a blank box).
    pub fn has_glyph(&self, ch: char) -> bool {
        ch.is_whitespace()
            || self
                .font
                .lookup_glyph_index(u32::from(ch))
                .is_some_and(|g| g != 0)
    }

    /// The first character of `text` the font cannot draw.
    pub fn first_missing(&self, text: &str) -> Option<char> {
        text.chars().find(|&c| !self.has_glyph(c))
    }

    /// Advance width of one character in ems.
    pub(crate) fn advance_em(&self, ch: char) -> f32 {
        match self.font.lookup_glyph_index(u32::from(ch)) {
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
}
