//! The page model: every mark a letter puts on paper, in millimetres from the
//! top-left corner of an A4 sheet, before it becomes PDF operators.
//!
//! Preflight reads this model (where every mark lands) and the PDF writer
//! serialises it, so what is checked is exactly what is printed.

use super::fonts::LetterFonts;
use super::kinsoku::{break_lines, break_lines_preferring};

pub(crate) const MM_PER_PT: f32 = 25.4 / 72.0;
/// A4 portrait.
pub const PAGE_WIDTH_MM: f32 = 210.0;
/// A4 portrait.
pub const PAGE_HEIGHT_MM: f32 = 297.0;

/// What a mark is for, so preflight can name it in an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkRole {
    /// Line `n` (1-based) of the addressee block that shows through the window.
    Address(usize),
    /// Anything else, described for error messages.
    Other(&'static str),
}

/// One mark on a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    /// A single line of text; `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        size_pt: f32,
        text: String,
        width: f32,
        role: MarkRole,
    },
    /// A rectangle; `y` is its top edge.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        style: Paint,
        role: MarkRole,
    },
    /// A straight line.
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width_pt: f32,
    },
}

/// How a rectangle is painted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Paint {
    /// Outline of the given width in points.
    Stroke(f32),
    /// Solid black fill.
    Fill,
    /// Light grey fill (headings' bands).
    Tint,
}

/// An axis-aligned box in millimetres from the top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoxMm {
    pub left: f32,
    pub top: f32,
    pub right: f32,
    pub bottom: f32,
}

impl BoxMm {
    pub fn contains(&self, other: &BoxMm) -> bool {
        const EPS: f32 = 0.01;
        other.left >= self.left - EPS
            && other.right <= self.right + EPS
            && other.top >= self.top - EPS
            && other.bottom <= self.bottom + EPS
    }
}

impl Mark {
    /// The area the mark covers, text from ascent to descent.
    pub(crate) fn bounds(&self, fonts: &LetterFonts) -> BoxMm {
        match self {
            Mark::Text {
                x,
                y,
                size_pt,
                width,
                ..
            } => {
                let em = size_pt * MM_PER_PT;
                BoxMm {
                    left: *x,
                    top: y - fonts.ascent_em() * em,
                    right: x + width,
                    bottom: y + fonts.descent_em() * em,
                }
            }
            Mark::Rect { x, y, w, h, .. } => BoxMm {
                left: *x,
                top: *y,
                right: x + w,
                bottom: y + h,
            },
            Mark::Line { x1, y1, x2, y2, .. } => BoxMm {
                left: x1.min(*x2),
                top: y1.min(*y2),
                right: x1.max(*x2),
                bottom: y1.max(*y2),
            },
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Mark::Text { text, role, .. } => match role {
                MarkRole::Address(n) => format!("address line {n}"),
                MarkRole::Other(what) => format!("{what} text \"{text}\""),
            },
            Mark::Rect { role, .. } => match role {
                MarkRole::Address(n) => format!("address line {n} box"),
                MarkRole::Other(what) => (*what).to_owned(),
            },
            Mark::Line { .. } => "rule".to_owned(),
        }
    }
}

/// One page of marks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageModel {
    pub marks: Vec<Mark>,
}

/// Places text and shapes on one page, tracking the vertical cursor.
pub(crate) struct Pen<'f> {
    pub fonts: &'f LetterFonts,
    pub page: PageModel,
    /// Current top of the next line, mm from the page top.
    pub y: f32,
    pub left: f32,
    pub right: f32,
    /// Space above a [`Pen::heading`], in mm.
    pub heading_gap: f32,
}

impl<'f> Pen<'f> {
    pub fn new(fonts: &'f LetterFonts, left: f32, right: f32, y: f32) -> Self {
        Self {
            fonts,
            page: PageModel::default(),
            y,
            left,
            right,
            heading_gap: 3.5,
        }
    }

    pub fn width_mm(&self, text: &str, size_pt: f32) -> f32 {
        self.fonts.width_mm(text, size_pt)
    }

    /// Puts one line of text with its baseline at `y`.
    pub fn text_at(&mut self, x: f32, y: f32, size_pt: f32, text: &str, role: MarkRole) {
        if text.is_empty() {
            return;
        }
        let width = self.width_mm(text, size_pt);
        self.page.marks.push(Mark::Text {
            x,
            y,
            size_pt,
            text: text.to_owned(),
            width,
            role,
        });
    }

    /// Right-aligns one line so it ends at `right`.
    pub fn text_right(&mut self, right: f32, y: f32, size_pt: f32, text: &str, what: &'static str) {
        let w = self.width_mm(text, size_pt);
        self.text_at(right - w, y, size_pt, text, MarkRole::Other(what));
    }

    /// Centres one line between `left` and `right`.
    pub fn text_centered(
        &mut self,
        left: f32,
        right: f32,
        y: f32,
        size_pt: f32,
        text: &str,
        what: &'static str,
    ) {
        let w = self.width_mm(text, size_pt);
        self.text_at(
            left + (right - left - w) / 2.0,
            y,
            size_pt,
            text,
            MarkRole::Other(what),
        );
    }

    /// Breaks `text` (kinsoku rules) into lines of at most `width` mm.
    pub fn wrap(&self, text: &str, size_pt: f32, width: f32) -> Vec<String> {
        let em = size_pt * MM_PER_PT;
        break_lines(text, width, |c| self.fonts.advance_em(c) * em)
    }

    /// Breaks like [`Pen::wrap`] but prefers breaking after a space or `・`
    /// (addresses, building and department names).
    pub fn wrap_at_words(&self, text: &str, size_pt: f32, width: f32) -> Vec<String> {
        let em = size_pt * MM_PER_PT;
        break_lines_preferring(
            text,
            width,
            |c| self.fonts.advance_em(c) * em,
            &[' ', '　', '・'],
        )
    }

    /// Sets a wrapped paragraph at the cursor, first line indented by `indent`, and advances.
    pub fn paragraph(&mut self, text: &str, size_pt: f32, indent: f32, what: &'static str) {
        let line_h = size_pt * MM_PER_PT * 1.65;
        let baseline_off = size_pt * MM_PER_PT * 1.1;
        for line in self.wrap(text, size_pt, self.right - self.left - indent) {
            self.text_at(
                self.left + indent,
                self.y + baseline_off,
                size_pt,
                &line,
                MarkRole::Other(what),
            );
            self.y += line_h;
        }
    }

    /// A paragraph whose continuation lines hang under the text after `marker`.
    pub fn list_item(
        &mut self,
        marker: &str,
        text: &str,
        size_pt: f32,
        indent: f32,
        what: &'static str,
    ) {
        let line_h = size_pt * MM_PER_PT * 1.65;
        let marker_w = self.width_mm(marker, size_pt);
        let x = self.left + indent + marker_w;
        let width = self.right - x;
        let baseline_off = size_pt * MM_PER_PT * 1.1;
        self.text_at(
            self.left + indent,
            self.y + baseline_off,
            size_pt,
            marker,
            MarkRole::Other(what),
        );
        for line in self.wrap(text, size_pt, width) {
            self.text_at(
                x,
                self.y + baseline_off,
                size_pt,
                &line,
                MarkRole::Other(what),
            );
            self.y += line_h;
        }
    }

    /// A section heading: bold-looking band with the title.
    pub fn heading(&mut self, text: &str, size_pt: f32) {
        self.y += self.heading_gap;
        let h = size_pt * MM_PER_PT * 1.7;
        self.rect(self.left, self.y, 1.4, h, Paint::Fill, "heading bar");
        let baseline = self.y + h / 2.0 + size_pt * MM_PER_PT * 0.36;
        self.text_at(
            self.left + 3.0,
            baseline,
            size_pt,
            text,
            MarkRole::Other("heading"),
        );
        self.y += h + 1.5;
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, style: Paint, what: &'static str) {
        self.page.marks.push(Mark::Rect {
            x,
            y,
            w,
            h,
            style,
            role: MarkRole::Other(what),
        });
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width_pt: f32) {
        self.page.marks.push(Mark::Line {
            x1,
            y1,
            x2,
            y2,
            width_pt,
        });
    }

    pub fn gap(&mut self, mm: f32) {
        self.y += mm;
    }
}
