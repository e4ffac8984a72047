//! The QR code on the response form: reference number and verification code,
//! so the counter can read both without typing.

use qrcode::{Color, EcLevel, QrCode};

use super::LetterError;

/// What the QR code encodes: `SHOKAI:<reference>:<code>`.
pub fn qr_payload(reference: &str, code: &str) -> String {
    format!("SHOKAI:{reference}:{code}")
}

/// The QR module matrix (row-major, `true` = dark) and its width in modules.
pub fn qr_modules(payload: &str) -> Result<(Vec<bool>, usize), LetterError> {
    // Level M survives a smudged or folded form yet keeps the symbol small.
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .map_err(|e| LetterError::QrCode(e.to_string()))?;
    let width = code.width();
    let modules = code
        .to_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    Ok((modules, width))
}

/// Horizontal runs of dark modules per row, `(row, first column, length)`,
/// so the symbol is drawn with few rectangles instead of one per module.
pub(crate) fn dark_runs(modules: &[bool], width: usize) -> Vec<(usize, usize, usize)> {
    let mut runs = Vec::new();
    for (row, cells) in modules.chunks(width).enumerate() {
        let mut col = 0;
        while col < width {
            if cells[col] {
                let start = col;
                while col < width && cells[col] {
                    col += 1;
                }
                runs.push((row, start, col - start));
            } else {
                col += 1;
            }
        }
    }
    runs
}
