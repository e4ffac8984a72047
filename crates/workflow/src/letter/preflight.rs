//! Preflight: the checks a print house runs before a letter joins a batch.
//!
//! Layout checks run on the page model (exact positions, named marks); file
//! checks run on the produced PDF bytes read back with lopdf (page count,
//! size, embedded and subset fonts), so a regression in the PDF writer is
//! caught too, not only one in our own layout.

use lopdf::{Document, Object};

use super::fonts::LetterFonts;
use super::layout::{BoxMm, Mark, MarkRole, PAGE_HEIGHT_MM, PAGE_WIDTH_MM, PageModel};
use super::settings::{LetterSettings, WindowMm};

/// Limits agreed with the print house.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreflightLimits {
    /// Every letter is exactly this many pages (inquiry + response form).
    pub pages: usize,
    /// Largest accepted file.
    pub max_bytes: usize,
}

impl Default for PreflightLimits {
    fn default() -> Self {
        Self {
            pages: 2,
            max_bytes: 100 * 1024,
        }
    }
}

/// A reason the print house would reject a letter.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PreflightError {
    #[error("the letter has {found} pages; it must have exactly {expected}")]
    PageCount { found: usize, expected: usize },
    #[error("{what} on page {page} lies outside the printable area ({margin} mm margins)")]
    OutsidePrintableArea {
        page: usize,
        what: String,
        margin: f32,
    },
    #[error("address line {line} does not fit the window")]
    AddressOutsideWindow { line: usize },
    #[error("font {font} is not embedded")]
    FontNotEmbedded { font: String },
    #[error("font {font} is embedded in full, not as a subset")]
    FontNotSubset { font: String },
    #[error("the letter is {bytes} bytes; the limit is {limit}")]
    TooLarge { bytes: usize, limit: usize },
    #[error("the PDF cannot be read back: {0}")]
    Unreadable(String),
}

/// Checks the layout: printable area and the address window.
pub fn check_layout(
    pages: &[PageModel],
    settings: &LetterSettings,
    fonts: &LetterFonts,
    limits: &PreflightLimits,
) -> Result<(), PreflightError> {
    if pages.len() != limits.pages {
        return Err(PreflightError::PageCount {
            found: pages.len(),
            expected: limits.pages,
        });
    }
    let m = settings.margin_mm;
    let printable = BoxMm {
        left: m,
        top: m,
        right: PAGE_WIDTH_MM - m,
        bottom: PAGE_HEIGHT_MM - m,
    };
    let window = safe_window(&settings.window);
    for (index, page) in pages.iter().enumerate() {
        for mark in &page.marks {
            let bounds = mark.bounds(fonts);
            if let Mark::Text {
                role: MarkRole::Address(line),
                ..
            } = mark
                && !window.contains(&bounds)
            {
                return Err(PreflightError::AddressOutsideWindow { line: *line });
            }
            if !printable.contains(&bounds) {
                return Err(PreflightError::OutsidePrintableArea {
                    page: index + 1,
                    what: mark.describe(),
                    margin: m,
                });
            }
        }
    }
    Ok(())
}

/// The part of the window that shows whatever the sheet's play in the envelope.
fn safe_window(w: &WindowMm) -> BoxMm {
    let i = WindowMm::SAFE_INSET;
    BoxMm {
        left: w.left + i,
        top: w.top + i,
        right: w.left + w.width - i,
        bottom: w.top + w.height - i,
    }
}

/// What the file check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfFacts {
    pub pages: usize,
    pub bytes: usize,
    /// `/BaseFont` names of the embedded fonts, subset tags included.
    pub fonts: Vec<String>,
}

/// Checks the produced file: page count, size, fonts embedded and subset.
pub fn check_pdf(bytes: &[u8], limits: &PreflightLimits) -> Result<PdfFacts, PreflightError> {
    let facts = read_facts(bytes)?;
    if facts.pages != limits.pages {
        return Err(PreflightError::PageCount {
            found: facts.pages,
            expected: limits.pages,
        });
    }
    if bytes.len() > limits.max_bytes {
        return Err(PreflightError::TooLarge {
            bytes: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    Ok(facts)
}

/// Reads page count and fonts and checks every font is embedded and subset.
pub fn read_facts(bytes: &[u8]) -> Result<PdfFacts, PreflightError> {
    let doc = Document::load_mem(bytes).map_err(|e| PreflightError::Unreadable(e.to_string()))?;
    let mut fonts = Vec::new();
    for object in doc.objects.values() {
        let Ok(dict) = object.as_dict() else { continue };
        if !dict
            .get(b"Type")
            .and_then(Object::as_name)
            .is_ok_and(|n| n == b"FontDescriptor")
        {
            continue;
        }
        let name = dict
            .get(b"FontName")
            .and_then(Object::as_name)
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        let embedded = [b"FontFile".as_slice(), b"FontFile2", b"FontFile3"]
            .iter()
            .any(|key| dict.get(key).is_ok());
        if !embedded {
            return Err(PreflightError::FontNotEmbedded { font: name });
        }
        if !has_subset_tag(&name) {
            return Err(PreflightError::FontNotSubset { font: name });
        }
        fonts.push(name);
    }
    Ok(PdfFacts {
        pages: doc.get_pages().len(),
        bytes: bytes.len(),
        fonts,
    })
}

/// `ABCDEF+Name`: six capital letters and a plus sign (ISO 32000-1, 9.6.4).
pub fn has_subset_tag(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() > 7 && b[..6].iter().all(u8::is_ascii_uppercase) && b[6] == b'+'
}
