//! Inquiry letters (照会書兼回答書): the two-page letter mailed to the
//! cardholder when a proxy applies to change or reset (再設定・初期化) PINs,
//! its preflight, and the daily print batches.
//!
//! Pure like the rest of the crate: the font bytes, the wording template
//! (`templates/letter/letter.toml`) and the office settings are passed in;
//! nothing here reads files, the clock or the network.
//!
//! * Page 1, 照会書: addressee block for a 長3 window envelope with 親展 and
//!   転送不要, why the letter came, what happens next (including what the
//!   proxy shows at the second visit, worded from the office's
//!   `id_proxy_response`), the deadline in 和暦, what to do if the current
//!   PIN is forgotten (a change only: do not guess, ask for 初期化), what to
//!   do if you never asked (the office, and the national hotline to suspend
//!   the card), and how to reach the office.
//! * Page 2, 回答書兼委任状, the only page the proxy brings back: a table of
//!   受付番号, 照会番号 and 回答期限 beside a QR code holding reference and
//!   code, the cardholder's declaration, boxes for the current and new PIN
//!   of each PIN applied for (a reset: the new PIN only; the cardholder does
//!   not know the current one) with a box to tick for 初期化 instead (a
//!   change only), the power of attorney with its one 記入日 and the fields
//!   written by hand (grantor: address, signed name, date of birth; grantee:
//!   address, name), sealing instructions and the office's box.
//!
//! Output is deterministic: equal inputs give byte-identical PDFs, so a
//! file's SHA-256 ([`fingerprint`]) identifies the letter that was mailed.
//! The verification code lives on paper only: the copy kept after mailing is
//! rendered with [`CodeVisibility::Withheld`], which blanks code and QR code
//! and prints the mailed file's fingerprint instead.
//!
//! A whole print batch can also be written as one file while it renders:
//! [`PrintFile`] streams each letter's pages to a writer and embeds one font
//! subset at the end, so the file stays small and memory stays flat however
//! many letters it holds (see `print_file.rs` for the file's layout).
//!
//! Two more things are drawn from the same parts:
//!
//! * the proxy's receipt (受付控え, `receipt.rs`): one page handed over at
//!   application, with the reference, what happens next, when the letter is
//!   mailed, what to bring and the office — never a PIN, the code or the
//!   cardholder's address;
//! * previews as pictures (`raster.rs`): any page model drawn into a
//!   greyscale PNG with tiny-skia, glyph outlines read from the embedded
//!   font, so a browser shows it as an image. A letter's picture is only
//!   ever made of the retained copy ([`retained_copy_png`]): code and QR
//!   code blanked.
//!
//! Errors: [`LetterError`] for one letter (including [`PreflightError`] when
//! the print house would refuse it), [`TemplateError`] when the wording file
//! is unusable, [`BatchError`] naming the letter that stopped a batch.

mod batch;
mod compose;
mod content;
mod fonts;
mod from_case;
mod kinsoku;
mod layout;
mod pdf;
mod preflight;
mod print_file;
mod qr;
mod raster;
mod receipt;
mod settings;
mod template;
mod wareki;

use sha2::{Digest, Sha256};

pub use batch::{
    BatchError, ManifestRow, PendingLetter, PrintBatch, batch_close, batch_date_for,
    falls_in_batch, manifest_csv, planned_mailing, print_order_key, redact_manifest, render_batch,
    select_for_batch,
};
pub use content::{Addressee, LetterContent, documents_ja};
pub use fonts::LetterFonts;
pub use from_case::LetterSourceError;
pub use layout::{Mark, MarkRole, PAGE_HEIGHT_MM, PAGE_WIDTH_MM, PageModel, Paint};
pub use preflight::{
    PdfFacts, PreflightError, PreflightLimits, check_layout, check_pdf, has_subset_tag, read_facts,
};
pub use print_file::{LetterReceipt, PreparedLetter, PrintFile, PrintFileSummary};
pub use qr::{qr_modules, qr_payload};
pub use raster::{PREVIEW_DPI, PageImage, rasterize};
pub use receipt::{ReceiptContent, ReceiptMailing, layout_receipt, receipt_png, render_receipt};
pub use settings::{LetterSettings, OfficeSettings, WindowMm};
pub use template::{
    LetterTemplate, PLACEHOLDERS, RECEIPT_PARAGRAPHS, RECEIPT_PLACEHOLDERS, REQUIRED_PARAGRAPHS,
    RESET_PARAGRAPHS, TemplateError,
};
pub use wareki::{wareki, wareki_year};

/// Why one letter could not be produced.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LetterError {
    #[error("the font file cannot be parsed as TrueType/OpenType")]
    FontUnreadable,
    #[error("the font has no glyph for '{ch}' (U+{code:04X}) in the {field}")]
    MissingGlyph {
        ch: char,
        code: u32,
        field: &'static str,
    },
    #[error("the letter lists no PIN to change")]
    NoPins,
    #[error("the letter has no verification code")]
    NoVerificationCode,
    #[error("the QR code cannot encode the reference and code: {0}")]
    QrCode(String),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    #[error("preflight: {0}")]
    Preflight(#[from] PreflightError),
    /// The print file's writer failed; what was written so far is incomplete
    /// and the [`PrintFile`] refuses further letters.
    #[error("the print file could not be written: {0}")]
    Write(String),
    /// A print file was finished without a single letter in it.
    #[error("the print file holds no letter")]
    EmptyPrintFile,
    /// A page could not be drawn or encoded as a picture.
    #[error("the page picture could not be made: {0}")]
    Raster(String),
}

impl LetterError {
    /// Stable snake_case code, e.g. for a letter held back from its batch.
    pub fn code(&self) -> &'static str {
        match self {
            LetterError::FontUnreadable => "font_unreadable",
            LetterError::MissingGlyph { .. } => "unprintable_character",
            LetterError::NoPins => "no_pins",
            LetterError::NoVerificationCode => "no_verification_code",
            LetterError::QrCode(_) => "qr_code",
            LetterError::Pdf(_) => "pdf",
            LetterError::Preflight(_) => "layout_preflight",
            LetterError::Write(_) => "print_file_write",
            LetterError::EmptyPrintFile => "empty_print_file",
            LetterError::Raster(_) => "raster",
        }
    }
}

/// Whether the verification code is printed (the mailed letter) or withheld
/// (the copy kept on file after mailing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeVisibility {
    Printed,
    /// Code and QR code blanked; the mailed file's fingerprint printed instead.
    Withheld {
        mailed_fingerprint: String,
    },
}

/// One rendered, preflighted letter.
#[derive(Clone, PartialEq, Eq)]
pub struct RenderedLetter {
    pub reference: String,
    pub pdf: Vec<u8>,
    /// Lower-case hex SHA-256 of `pdf`.
    pub fingerprint: String,
    pub pages: usize,
}

impl std::fmt::Debug for RenderedLetter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderedLetter")
            .field("reference", &self.reference)
            .field("bytes", &self.pdf.len())
            .field("fingerprint", &self.fingerprint)
            .field("pages", &self.pages)
            .finish()
    }
}

/// Lower-case hex SHA-256 of a file: the letter's fingerprint.
pub fn fingerprint(pdf: &[u8]) -> String {
    hex::encode(Sha256::digest(pdf))
}

/// Lays out the two pages without writing a PDF (for preflight and previews).
pub fn layout_letter(
    content: &LetterContent,
    settings: &LetterSettings,
    template: &LetterTemplate,
    fonts: &LetterFonts,
    visibility: &CodeVisibility,
) -> Result<Vec<PageModel>, LetterError> {
    if content.pins.is_empty() {
        return Err(LetterError::NoPins);
    }
    if matches!(visibility, CodeVisibility::Printed) && content.verification_code.trim().is_empty()
    {
        return Err(LetterError::NoVerificationCode);
    }
    check_glyphs(content, settings, fonts)?;
    let pages = compose::Composer {
        content,
        settings,
        template,
        fonts,
        visibility,
    }
    .pages()?;
    for page in &pages {
        for mark in &page.marks {
            if let Mark::Text { text, .. } = mark
                && let Some(ch) = fonts.first_missing(text)
            {
                return Err(missing(ch, "letter template"));
            }
        }
    }
    Ok(pages)
}

fn missing(ch: char, field: &'static str) -> LetterError {
    LetterError::MissingGlyph {
        ch,
        code: u32::from(ch),
        field,
    }
}

/// Names the field holding a character the font cannot print.
fn check_glyphs(
    content: &LetterContent,
    settings: &LetterSettings,
    fonts: &LetterFonts,
) -> Result<(), LetterError> {
    let office = &settings.office;
    let fields: [(&'static str, &str); 7] = [
        ("cardholder name", &content.cardholder.name),
        ("proxy name", &content.proxy_name),
        ("postal code", &content.cardholder.postal_code),
        ("reference number", &content.reference),
        ("verification code", &content.verification_code),
        ("office name", &office.name),
        ("office address", &office.address),
    ];
    for (field, text) in fields {
        if let Some(ch) = fonts.first_missing(text) {
            return Err(missing(ch, field));
        }
    }
    for line in &content.cardholder.address_lines {
        if let Some(ch) = fonts.first_missing(line) {
            return Err(missing(ch, "cardholder address"));
        }
    }
    Ok(())
}

/// Lays out one letter and preflights the layout (glyphs, printable area,
/// address window, page count): what every letter passes before any of it is
/// written, whether to its own PDF or into a [`PrintFile`].
pub(crate) fn checked_pages(
    content: &LetterContent,
    settings: &LetterSettings,
    template: &LetterTemplate,
    fonts: &LetterFonts,
    visibility: &CodeVisibility,
) -> Result<Vec<PageModel>, LetterError> {
    let pages = layout_letter(content, settings, template, fonts, visibility)?;
    check_layout(&pages, settings, fonts, &PreflightLimits::default())?;
    Ok(pages)
}

/// Lays out, preflights and writes one letter, keeping the page model.
pub(crate) fn compose_checked(
    content: &LetterContent,
    settings: &LetterSettings,
    template: &LetterTemplate,
    fonts: &LetterFonts,
    visibility: &CodeVisibility,
) -> Result<(Vec<PageModel>, RenderedLetter), LetterError> {
    let limits = PreflightLimits::default();
    let pages = checked_pages(content, settings, template, fonts, visibility)?;
    let title = format!("照会書 {}", content.reference);
    let pdf = pdf::write_pdf(&pages, fonts, &title, content.issued_on)?;
    let facts = check_pdf(&pdf, &limits)?;
    let letter = RenderedLetter {
        reference: content.reference.clone(),
        fingerprint: fingerprint(&pdf),
        pages: facts.pages,
        pdf,
    };
    Ok((pages, letter))
}

/// Renders the letter to be mailed, preflighted.
pub fn render_letter(
    content: &LetterContent,
    settings: &LetterSettings,
    template: &LetterTemplate,
    fonts: &LetterFonts,
) -> Result<RenderedLetter, LetterError> {
    compose_checked(content, settings, template, fonts, &CodeVisibility::Printed).map(|(_, l)| l)
}

/// Renders the copy kept after the batch is mailed: the verification code
/// and its QR code blanked, the mailed file's fingerprint printed.
pub fn render_retained_copy(
    content: &LetterContent,
    settings: &LetterSettings,
    template: &LetterTemplate,
    fonts: &LetterFonts,
    mailed_fingerprint: &str,
) -> Result<RenderedLetter, LetterError> {
    let visibility = CodeVisibility::Withheld {
        mailed_fingerprint: mailed_fingerprint.to_owned(),
    };
    compose_checked(content, settings, template, fonts, &visibility).map(|(_, l)| l)
}

/// Writes already laid-out pages to PDF without preflight (for checks and tests
/// that must see what a faulty layout produces).
pub fn write_pages(
    pages: &[PageModel],
    fonts: &LetterFonts,
    title: &str,
    dated: chrono::NaiveDate,
) -> Result<Vec<u8>, LetterError> {
    pdf::write_pdf(pages, fonts, title, dated)
}

/// Page `page` (1 or 2) of the copy kept after mailing as a PNG picture at
/// `dpi`: the same page [`render_retained_copy`] writes, code and QR code
/// blanked, the mailed file's fingerprint printed. `None` for a page the
/// letter does not have. There is no way to draw the mailed letter itself:
/// a picture never shows the code.
pub fn retained_copy_png(
    content: &LetterContent,
    settings: &LetterSettings,
    template: &LetterTemplate,
    fonts: &LetterFonts,
    mailed_fingerprint: &str,
    page: usize,
    dpi: u32,
) -> Result<Option<Vec<u8>>, LetterError> {
    let visibility = CodeVisibility::Withheld {
        mailed_fingerprint: mailed_fingerprint.to_owned(),
    };
    let pages = checked_pages(content, settings, template, fonts, &visibility)?;
    let Some(model) = page.checked_sub(1).and_then(|i| pages.get(i)) else {
        return Ok(None);
    };
    rasterize(model, fonts, dpi)?.to_png().map(Some)
}
