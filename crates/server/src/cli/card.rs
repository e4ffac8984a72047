//! `shokai card …`: the cardholder's own commands (PIN status and change, simulated cards).

use clap::{Args, Subcommand};

/// Work with a My Number Card.
#[derive(Debug, Args)]
pub struct CardCommand {
    #[command(subcommand)]
    pub action: CardAction,
}

/// The card subcommands.
#[derive(Debug, Subcommand)]
pub enum CardAction {
    /// Show the remaining tries of every PIN.
    Status,
}

/// A failed card command.
#[derive(Debug, thiserror::Error)]
pub enum CardCliError {
    #[error("not implemented yet")]
    NotImplemented,
}

impl CardCliError {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            CardCliError::NotImplemented => 1,
        }
    }
}

/// Runs one card subcommand.
pub fn run(cmd: CardCommand) -> Result<(), CardCliError> {
    match cmd.action {
        CardAction::Status => Err(CardCliError::NotImplemented),
    }
}
