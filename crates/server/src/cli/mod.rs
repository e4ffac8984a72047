//! The `shokai` command line: one subcommand module per area.
//!
//! Error policy: each subcommand returns its own typed error that names its
//! process exit code ([`CliError::exit_code`]); `run` prints the error once to
//! stderr and turns it into the [`ExitCode`]. Exit code 2 is shared with clap's
//! own usage errors: both mean "the input was wrong, nothing was done".

pub mod audit;
pub mod card;
mod card_change;
mod card_emulate;
mod card_input;
mod card_reset;
mod card_sim;
mod card_source;
pub mod demo;
mod demo_fixture;
pub mod expire;
pub mod letter;
pub mod migrate;
pub mod purge;
pub mod serve;
pub mod user;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Change the PINs of a My Number Card, at home or at the ward office counter.
#[derive(Debug, Parser)]
#[command(name = "shokai", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The areas of the command line.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Work with a My Number Card: PIN status, PIN change and reset, simulated cards.
    Card(card::CardCommand),
    /// The audit chain: `verify [--checkpoints DIR --public-key KEY]` (exit 0 intact, 1 broken), `export --from --to` as CSV, `checkpoint`, `keygen`.
    Audit(audit::AuditCommand),
    /// The demo office of `make run`: `load` fills a database without cases.
    Demo(demo::DemoCommand),
    /// Move every case past its response deadline to expired (serve also does, every minute).
    Expire(expire::ExpireArgs),
    /// Apply the database migrations for SHOKAI_DATABASE_URL (serve also does at start-up).
    Migrate(migrate::MigrateArgs),
    /// Inquiry letters: render one from a case fixture to check wording and settings.
    Letter(letter::LetterCommand),
    /// Erase the personal data of cases closed before a date, everywhere it is kept (serve also does, daily, with SHOKAI_RETENTION_DAYS).
    Purge(purge::PurgeArgs),
    /// Run the web server: clerk UI, JSON API, /healthz and /metrics.
    Serve(serve::ServeArgs),
    /// Staff accounts: add, list, disable, enable, reset-password, revoke-sessions.
    User(user::UserCommand),
}

/// Any failure of a subcommand, carrying the exit code the process ends with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Audit(#[from] audit::AuditCliError),
    #[error(transparent)]
    Card(#[from] card::CardCliError),
    #[error(transparent)]
    Demo(#[from] demo::DemoCliError),
    #[error(transparent)]
    Expire(#[from] expire::ExpireError),
    #[error(transparent)]
    Letter(#[from] letter::LetterCliError),
    #[error(transparent)]
    Migrate(#[from] migrate::MigrateError),
    #[error(transparent)]
    Purge(#[from] purge::PurgeCliError),
    #[error(transparent)]
    Serve(#[from] serve::ServeError),
    #[error(transparent)]
    User(#[from] user::UserCliError),
}

impl CliError {
    /// The settings error behind this failure, if that is what it is.
    fn settings(&self) -> Option<&crate::settings::SettingsError> {
        match self {
            CliError::Serve(serve::ServeError::Settings(e))
            | CliError::Demo(demo::DemoCliError::Settings(e))
            | CliError::Expire(expire::ExpireError::Settings(e))
            | CliError::Purge(purge::PurgeCliError::Settings(e))
            | CliError::User(user::UserCliError::Settings(e)) => Some(e),
            _ => None,
        }
    }

    /// The process exit code for this failure (documented in each subcommand's `--help`).
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Audit(e) => e.exit_code(),
            CliError::Card(e) => e.exit_code(),
            CliError::Demo(e) => e.exit_code(),
            CliError::Expire(e) => e.exit_code(),
            CliError::Letter(e) => e.exit_code(),
            CliError::Migrate(e) => e.exit_code(),
            CliError::Purge(e) => e.exit_code(),
            CliError::Serve(e) => e.exit_code(),
            CliError::User(e) => e.exit_code(),
        }
    }
}

/// Parses the command line, runs the subcommand and maps the outcome to an exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Audit(cmd) => audit::run(cmd).map_err(CliError::from),
        Command::Card(cmd) => card::run(cmd).map_err(CliError::from),
        Command::Demo(cmd) => demo::run(cmd).map_err(CliError::from),
        Command::Expire(args) => expire::run(args).map_err(CliError::from),
        Command::Letter(cmd) => letter::run(cmd).map_err(CliError::from),
        Command::Migrate(args) => migrate::run(args).map_err(CliError::from),
        Command::Purge(args) => purge::run(args).map_err(CliError::from),
        Command::Serve(args) => serve::run(args).map_err(CliError::from),
        Command::User(cmd) => user::run(cmd).map_err(CliError::from),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shokai: {e}");
            if let Some(settings) = e.settings() {
                eprintln!("shokai: {}", settings.message_ja());
            }
            ExitCode::from(e.exit_code())
        }
    }
}
