//! `shokai card …`: the cardholder's own commands at home (PIN status and
//! change), the counter's PIN reset (which a real card takes only from the
//! ward office's J-LIS-connected terminal) and the simulated card used for
//! tests and demos.
//!
//! Exit codes (also in `shokai card --help` and the README):
//! 0 success; 1 other failure; 2 bad input (nothing was sent to the card);
//! 3 wrong PIN; 4 PIN blocked; 5 no reader or no card; 6 cancelled.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use shokai_card::{
    CardError, PinError, PinKind, PinStatus, TransportError, sim_file::SimFileError,
};

use super::card_change::change_pin;
use super::card_emulate::emulate;
use super::card_reset::reset_pin;
use super::card_sim::{SimNew, sim_new};
use super::card_source::{CardSource, with_card};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  other failure (unexpected card answer, a reset the card refuses without the office's J-LIS terminal, unreadable simulated card file)
  2  bad input: a PIN of the wrong format, confirmation mismatch, bad flags (nothing sent to the card)
  3  wrong PIN (the message says how many tries are left)
  4  PIN blocked: it must be reset at the ward office (窓口で初期化)
  5  no card reader or no card in it
  6  cancelled at the confirmation prompt";

/// Work with a My Number Card: PIN status, PIN change and reset, simulated cards.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct CardCommand {
    #[command(subcommand)]
    pub action: CardAction,
}

/// The card subcommands.
#[derive(Debug, Subcommand)]
pub enum CardAction {
    /// Show the remaining tries of every PIN (never spends a try).
    #[command(after_help = EXIT_CODES)]
    Status {
        #[command(flatten)]
        source: CardSource,
    },
    /// Change one PIN: asks the current PIN, then the new PIN twice, without echo.
    #[command(after_help = EXIT_CODES)]
    ChangePin(ChangePin),
    /// Reset one PIN (再設定・初期化), blocked or not: asks only the new PIN, twice, without echo.
    ///
    /// The current PIN is not needed and no try is spent. A real card accepts
    /// a reset only from the ward office's J-LIS-connected terminal (exit 1
    /// elsewhere); a simulated card accepts it.
    #[command(after_help = EXIT_CODES, visible_alias = "reset")]
    ResetPin(ResetPin),
    /// Print the SHA-256 fingerprint of the user-authentication certificate (no PIN needed).
    #[command(after_help = EXIT_CODES)]
    Fingerprint {
        #[command(flatten)]
        source: CardSource,
    },
    /// Simulated cards (a JSON file holding salted PIN hashes, never PINs).
    #[command(subcommand)]
    Sim(SimAction),
    /// Serve a simulated card to vsmartcard's vpcd reader, so PC/SC programs see it.
    /// Runs until stopped, reconnecting whenever vpcd goes away.
    Emulate {
        /// Address of the vpcd driver loaded by pcscd.
        #[arg(long, default_value = "127.0.0.1:35963")]
        vpcd: String,
        /// The simulated card file; saved after every change of its state.
        #[arg(long)]
        sim: PathBuf,
    },
}

/// `shokai card change-pin` flags.
#[derive(Debug, Args)]
pub struct ChangePin {
    /// Which PIN: signature, user_auth, resident or card_info.
    #[arg(long = "pin", value_name = "KIND")]
    pub kind: PinKind,
    #[command(flatten)]
    pub source: CardSource,
    /// Read the PINs from standard input, one a line: current, new, new again.
    #[arg(long)]
    pub stdin: bool,
    /// Go ahead without asking when only one try is left (for scripted use).
    #[arg(long)]
    pub yes: bool,
}

/// `shokai card reset-pin` flags.
#[derive(Debug, Args)]
pub struct ResetPin {
    /// Which PIN: signature, user_auth, resident or card_info.
    #[arg(long = "pin", value_name = "KIND")]
    pub kind: PinKind,
    #[command(flatten)]
    pub source: CardSource,
    /// Read the new PIN from standard input, one a line: new, new again.
    #[arg(long)]
    pub stdin: bool,
}

/// `shokai card sim …`.
#[derive(Debug, Subcommand)]
pub enum SimAction {
    /// Create a simulated card with initial PINs and a seeded certificate.
    New(SimNew),
}

/// A failed card command; [`CardCliError::exit_code`] gives the process exit code.
#[derive(Debug, thiserror::Error)]
pub enum CardCliError {
    #[error("{0}")]
    BadInput(String),
    #[error("{} / {}", .0.message_ja(), .0)]
    Pin(#[from] PinError),
    #[error("{}", card_message(.0))]
    Card(#[from] CardError),
    #[error(transparent)]
    SimFile(#[from] SimFileError),
    #[error("{0}")]
    Failed(String),
    #[error("中止しました / cancelled")]
    Cancelled,
}

impl CardCliError {
    /// The process exit code for this failure (see [`EXIT_CODES`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            CardCliError::BadInput(_) | CardCliError::Pin(_) => 2,
            CardCliError::Card(e) => match e {
                CardError::WrongPin { .. } => 3,
                CardError::PinBlocked { .. } | CardError::WrongPinNowBlocked { .. } => 4,
                CardError::Transport(TransportError::NoReader(_) | TransportError::NoCard(_)) => 5,
                _ => 1,
            },
            CardCliError::SimFile(_) | CardCliError::Failed(_) => 1,
            CardCliError::Cancelled => 6,
        }
    }
}

/// The bilingual message for a card error a cardholder can act on.
fn card_message(e: &CardError) -> String {
    match e {
        CardError::WrongPin { kind, remaining } => format!(
            "{}が違います。{} / wrong {kind} PIN: {}",
            kind.name_ja(),
            tries_ja(*remaining),
            tries_en(*remaining)
        ),
        CardError::WrongPinNowBlocked { kind } => format!(
            "{}が違います。ロックされました。窓口で初期化してください / wrong {kind} PIN: it is now blocked; reset it at the ward office",
            kind.name_ja()
        ),
        CardError::PinBlocked { kind } => format!(
            "{}はロックされています。窓口で初期化してください / the {kind} PIN is blocked; reset it at the ward office",
            kind.name_ja()
        ),
        CardError::ResetNotAuthorized { kind } => format!(
            "カードが{}の再設定を拒否しました。再設定には区役所のJ-LIS接続端末が必要です / {e}",
            kind.name_ja()
        ),
        CardError::Transport(TransportError::NoReader(why)) => {
            format!("カードリーダーが見つかりません / no card reader: {why}")
        }
        CardError::Transport(TransportError::NoCard(reader)) => {
            format!("カードがありません / no card in reader {reader}")
        }
        other => other.to_string(),
    }
}

pub(super) fn tries_ja(remaining: u8) -> String {
    format!("残り{remaining}回")
}

pub(super) fn tries_en(remaining: u8) -> String {
    match remaining {
        1 => "1 try left".to_owned(),
        n => format!("{n} tries left"),
    }
}

/// One status line: remaining tries first, then the PIN's names.
pub(super) fn status_line(kind: PinKind, status: Result<PinStatus, &CardError>) -> String {
    let state = match status {
        Ok(s) if s.blocked() => {
            "ロック中 / BLOCKED (窓口で初期化が必要 / reset at the ward office)".to_owned()
        }
        Ok(s) if s.remaining == 1 => format!(
            "{} / {} (注意 / careful: one more wrong entry blocks it)",
            tries_ja(1),
            tries_en(1)
        ),
        Ok(s) => format!("{} / {}", tries_ja(s.remaining), tries_en(s.remaining)),
        Err(CardError::NotFound { .. }) => "なし / not on this card".to_owned(),
        Err(e) => format!("読み取れません / unreadable: {e}"),
    };
    format!(
        "{:<9}  {state}\n           {} / {}",
        kind.code(),
        kind.name_ja(),
        kind.name_en()
    )
}

fn status(source: &CardSource) -> Result<(), CardCliError> {
    let lines = with_card(source, |card| {
        let mut lines = Vec::new();
        for kind in PinKind::ALL {
            match card.pin_status(kind) {
                Ok(s) => lines.push(status_line(kind, Ok(s))),
                Err(e @ CardError::NotFound { .. }) => lines.push(status_line(kind, Err(&e))),
                Err(e) => return Err(e),
            }
        }
        Ok(lines)
    })?;
    for line in lines {
        println!("{line}");
    }
    Ok(())
}

/// Runs one card subcommand.
pub fn run(cmd: CardCommand) -> Result<(), CardCliError> {
    match cmd.action {
        CardAction::Status { source } => status(&source),
        CardAction::ChangePin(args) => change_pin(&args),
        CardAction::ResetPin(args) => reset_pin(&args),
        CardAction::Fingerprint { source } => {
            let fingerprint = with_card(&source, |card| card.auth_certificate_fingerprint())?;
            println!("{fingerprint}");
            Ok(())
        }
        CardAction::Sim(SimAction::New(args)) => sim_new(&args),
        CardAction::Emulate { vpcd, sim } => emulate(&vpcd, &sim),
    }
}
