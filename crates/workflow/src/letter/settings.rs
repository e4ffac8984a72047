//! Office settings for letters: who sends them, where the envelope window is,
//! how long the cardholder has to answer, and when the daily print batch closes.

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

/// The sending office as printed on the letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeSettings {
    /// Department that handles the case, e.g. `みどり区役所 区民部 戸籍住民課`.
    pub name: String,
    /// Whom the response form is addressed to, e.g. `みどり区長`.
    pub head: String,
    /// `150-8010`.
    pub postal_code: String,
    /// One line, e.g. `東京都みどり区宇田川町1番1号 本庁舎2階`.
    pub address: String,
    /// `03-5555-0100`.
    pub phone: String,
    /// Counter opening hours, e.g. `平日 8時30分～17時（土日祝日・年末年始を除く）`.
    pub hours: String,
}

/// Where the 長3 envelope's window lies on the A4 sheet, in millimetres from
/// the sheet's top-left corner (the sheet folded in three, address panel outwards).
///
/// The default, 90 x 45 mm at 23 mm from the left and 13 mm from the top, is
/// the common window of stock 長3 window envelopes (窓付き封筒, 横型窓). The
/// address block is kept [`WindowMm::SAFE_INSET`] inside it so that a sheet
/// that shifts a little in the envelope still shows the whole address.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WindowMm {
    pub left: f32,
    pub top: f32,
    pub width: f32,
    pub height: f32,
}

impl WindowMm {
    /// Play of the folded sheet inside the envelope.
    pub const SAFE_INSET: f32 = 3.0;
}

impl Default for WindowMm {
    fn default() -> Self {
        Self {
            left: 23.0,
            top: 13.0,
            width: 90.0,
            height: 45.0,
        }
    }
}

/// Everything about letters an office configures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LetterSettings {
    pub office: OfficeSettings,
    pub window: WindowMm,
    /// Days from the issue date to the response deadline.
    pub deadline_days: u32,
    /// Letters issued before this Japan time join that day's print batch.
    pub batch_cutoff: NaiveTime,
    /// Non-printable border of the print house's presses, in millimetres.
    pub margin_mm: f32,
}

impl Default for LetterSettings {
    fn default() -> Self {
        Self {
            office: OfficeSettings {
                name: "みどり区役所 区民部 戸籍住民課 マイナンバーカード係".to_owned(),
                head: "みどり区長".to_owned(),
                postal_code: "150-8010".to_owned(),
                address: "東京都みどり区宇田川町1番1号 本庁舎2階".to_owned(),
                phone: "03-5555-0100".to_owned(),
                hours: "平日 8時30分～17時（土日祝日・年末年始を除く）".to_owned(),
            },
            window: WindowMm::default(),
            deadline_days: 30,
            batch_cutoff: NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default(),
            margin_mm: 15.0,
        }
    }
}
