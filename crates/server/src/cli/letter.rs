//! `shokai letter …`: render an inquiry letter from a case fixture, so an
//! office can check its wording (`templates/letter/letter.toml`) and settings
//! before letters go to the print house.
//!
//! Exit codes: 2 when an input file is missing or invalid (fixture, template,
//! font, settings), 3 when the letter fails preflight or cannot be rendered,
//! 4 when `--png` was asked for but `pdftoppm` is missing or fails, 1 when the
//! output cannot be written.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::{Args, Subcommand};
use shokai_workflow::letter::{
    LetterContent, LetterError, LetterFonts, LetterSettings, LetterTemplate, TemplateError,
    render_letter,
};

/// Inquiry letters (照会書兼回答書).
#[derive(Debug, Args)]
pub struct LetterCommand {
    #[command(subcommand)]
    pub action: LetterAction,
}

/// The letter subcommands.
#[derive(Debug, Subcommand)]
pub enum LetterAction {
    /// Render one letter from a case fixture (JSON) to a PDF.
    Render(RenderArgs),
}

/// Arguments of `shokai letter render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Case fixture, e.g. fixtures/letters/all_four_pins.json.
    #[arg(long = "case")]
    pub case: PathBuf,
    /// Where to write the PDF.
    #[arg(long)]
    pub out: PathBuf,
    /// Also write one PNG per page beside the PDF (needs poppler's `pdftoppm`).
    #[arg(long)]
    pub png: bool,
    /// Wording of the letter.
    #[arg(
        long,
        env = "SHOKAI_LETTER_TEMPLATE",
        default_value = "templates/letter/letter.toml"
    )]
    pub template: PathBuf,
    /// TrueType font with the glyphs of every name to print.
    #[arg(
        long,
        env = "SHOKAI_LETTER_FONT",
        default_value = "templates/fonts/ipaexg.ttf"
    )]
    pub font: PathBuf,
    /// Office settings as TOML (office name, address, phone, hours, window, deadline days);
    /// built-in example office when absent.
    #[arg(long, env = "SHOKAI_LETTER_SETTINGS")]
    pub settings: Option<PathBuf>,
}

/// A failed letter command.
#[derive(Debug, thiserror::Error)]
pub enum LetterCliError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid letter fixture: {source}")]
    Fixture {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{path}: {source}")]
    Template {
        path: PathBuf,
        source: TemplateError,
    },
    #[error("{path} is not valid letter settings: {source}")]
    Settings {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("{path}: {source}")]
    Font { path: PathBuf, source: LetterError },
    #[error("the letter cannot be rendered: {0}")]
    Render(LetterError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "--png needs `pdftoppm` (Debian/Ubuntu: apt-get install poppler-utils); the PDF was written"
    )]
    PdftoppmMissing,
    #[error("pdftoppm failed with {0}; the PDF was written")]
    PdftoppmFailed(std::process::ExitStatus),
}

impl LetterCliError {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            LetterCliError::Read { .. }
            | LetterCliError::Fixture { .. }
            | LetterCliError::Template { .. }
            | LetterCliError::Settings { .. }
            | LetterCliError::Font { .. } => 2,
            LetterCliError::Render(_) => 3,
            LetterCliError::PdftoppmMissing | LetterCliError::PdftoppmFailed(_) => 4,
            LetterCliError::Write { .. } => 1,
        }
    }
}

/// Runs one letter subcommand.
pub fn run(cmd: LetterCommand) -> Result<(), LetterCliError> {
    match cmd.action {
        LetterAction::Render(args) => render(&args),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, LetterCliError> {
    std::fs::read(path).map_err(|source| LetterCliError::Read {
        path: path.to_owned(),
        source,
    })
}

fn read_text(path: &Path) -> Result<String, LetterCliError> {
    String::from_utf8(read(path)?).map_err(|e| LetterCliError::Read {
        path: path.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
}

fn render(args: &RenderArgs) -> Result<(), LetterCliError> {
    let content: LetterContent =
        serde_json::from_str(&read_text(&args.case)?).map_err(|source| {
            LetterCliError::Fixture {
                path: args.case.clone(),
                source,
            }
        })?;
    let template = LetterTemplate::parse(&read_text(&args.template)?).map_err(|source| {
        LetterCliError::Template {
            path: args.template.clone(),
            source,
        }
    })?;
    let settings = match &args.settings {
        Some(path) => {
            toml::from_str(&read_text(path)?).map_err(|source| LetterCliError::Settings {
                path: path.clone(),
                source,
            })?
        }
        None => LetterSettings::default(),
    };
    let fonts =
        LetterFonts::from_bytes(&read(&args.font)?).map_err(|source| LetterCliError::Font {
            path: args.font.clone(),
            source,
        })?;
    let letter =
        render_letter(&content, &settings, &template, &fonts).map_err(LetterCliError::Render)?;
    std::fs::write(&args.out, &letter.pdf).map_err(|source| LetterCliError::Write {
        path: args.out.clone(),
        source,
    })?;
    println!(
        "{}: {} pages, {} bytes, SHA-256 {}",
        args.out.display(),
        letter.pages,
        letter.pdf.len(),
        letter.fingerprint
    );
    if args.png {
        write_pngs(&args.out)?;
    }
    Ok(())
}

/// `pdftoppm -png -r 80 out.pdf out` writes out-1.png, out-2.png.
fn write_pngs(pdf: &Path) -> Result<(), LetterCliError> {
    let prefix = pdf.with_extension("");
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "80"])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => LetterCliError::PdftoppmMissing,
            _ => LetterCliError::Write {
                path: prefix.clone(),
                source: e,
            },
        })?;
    if !status.success() {
        return Err(LetterCliError::PdftoppmFailed(status));
    }
    println!("{}-1.png, {}-2.png", prefix.display(), prefix.display());
    Ok(())
}
