//! The letter font, wording and office settings, read once at start-up so a
//! missing or broken file stops the server before it listens rather than at
//! the first letter.

use std::path::PathBuf;

use shokai_workflow::letter::{LetterFonts, LetterSettings, LetterTemplate, OfficeSettings};

use crate::settings::Settings;

/// Why the letter assets could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LetterAssetError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The font is not usable TrueType.
    #[error("letter font {path}: {source}")]
    Font {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: shokai_workflow::letter::LetterError,
    },
    /// The wording file is unusable.
    #[error("letter template {path}: {source}")]
    Template {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: shokai_workflow::letter::TemplateError,
    },
}

/// Everything a letter is rendered with besides the case.
pub struct LetterAssets {
    /// The parsed font.
    pub fonts: LetterFonts,
    /// The wording.
    pub template: LetterTemplate,
    /// Office, deadline and cut-off as printed.
    pub settings: LetterSettings,
}

impl LetterAssets {
    /// Reads the font and template named in `settings`.
    pub fn load(settings: &Settings) -> Result<LetterAssets, LetterAssetError> {
        let read = |path: &PathBuf| {
            std::fs::read(path).map_err(|source| LetterAssetError::Read {
                path: path.clone(),
                source,
            })
        };
        let font_path = &settings.letter_font;
        let fonts = LetterFonts::from_bytes(&read(font_path)?).map_err(|source| {
            LetterAssetError::Font {
                path: font_path.clone(),
                source,
            }
        })?;
        let template_path = &settings.letter_template;
        let source = String::from_utf8_lossy(&read(template_path)?).into_owned();
        let template =
            LetterTemplate::parse(&source).map_err(|source| LetterAssetError::Template {
                path: template_path.clone(),
                source,
            })?;
        let defaults = LetterSettings::default();
        let office = OfficeSettings {
            name: settings.office.name.clone(),
            head: settings.office.head.clone(),
            postal_code: settings.office.postal_code.clone(),
            address: settings.office.address.clone(),
            phone: settings.office.phone.clone(),
            hours: settings.office.hours.clone(),
        };
        Ok(LetterAssets {
            fonts,
            template,
            settings: LetterSettings {
                office,
                deadline_days: settings.deadline_days,
                batch_cutoff: settings.batch_cutoff,
                ..defaults
            },
        })
    }
}
