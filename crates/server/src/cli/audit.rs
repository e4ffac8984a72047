//! `shokai audit`: check the tamper-evident audit chain and export it for
//! audit staff.
//!
//! Exit codes: `verify` 0 when the chain is intact, 1 when it is broken (the
//! report names the first broken sequence number and whether an event was
//! changed, is missing, or was reordered); 2 for bad arguments; 3 when the
//! database or the output file cannot be used.

use std::io::Write;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use shokai_store::audit::{self, ChainBreak, ExportError};
use shokai_store::{DEFAULT_DATABASE_URL, Store, StoreError};

/// `shokai audit …`
#[derive(Debug, clap::Args)]
pub struct AuditCommand {
    #[command(subcommand)]
    pub action: AuditAction,
    /// `sqlite://path` or `postgres://…` (not printed: it may hold a password).
    #[arg(long, global = true, env = "SHOKAI_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
}

/// What to do with the audit log.
#[derive(Debug, clap::Subcommand)]
pub enum AuditAction {
    /// Walk the whole chain; exit 0 if intact, 1 with the first break otherwise.
    Verify,
    /// Write the events of a period as CSV (every hashed field; no personal data).
    Export(ExportArgs),
}

/// Arguments of `shokai audit export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// First day (Japan date, YYYY-MM-DD), or an RFC 3339 instant.
    #[arg(long, value_parser = parse_start)]
    pub from: DateTime<Utc>,
    /// Last day, inclusive (Japan date), or an RFC 3339 instant (exclusive).
    #[arg(long, value_parser = parse_end)]
    pub to: DateTime<Utc>,
    /// Write here instead of standard output.
    #[arg(long, short)]
    pub output: Option<std::path::PathBuf>,
}

/// Midnight in Japan (UTC+9) at the start of `date`, as UTC.
fn japan_midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - TimeDelta::hours(9)
}

fn parse_instant(input: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(input)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn parse_start(input: &str) -> Result<DateTime<Utc>, String> {
    parse_instant(input)
        .or_else(|| {
            NaiveDate::parse_from_str(input, "%Y-%m-%d")
                .ok()
                .map(japan_midnight)
        })
        .ok_or_else(|| format!("{input:?} is neither YYYY-MM-DD nor an RFC 3339 time"))
}

fn parse_end(input: &str) -> Result<DateTime<Utc>, String> {
    parse_instant(input)
        .or_else(|| {
            NaiveDate::parse_from_str(input, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.succ_opt())
                .map(japan_midnight)
        })
        .ok_or_else(|| format!("{input:?} is neither YYYY-MM-DD nor an RFC 3339 time"))
}

/// Why `shokai audit` did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum AuditCliError {
    #[error("audit chain BROKEN after {intact} intact events: {first_break}")]
    Broken {
        intact: i64,
        first_break: ChainBreak,
    },
    #[error("--from must be before --to")]
    EmptyPeriod,
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("export: {0}")]
    Export(#[from] ExportError),
    #[error("cannot write {path}")]
    Output {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl AuditCliError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            AuditCliError::Broken { .. } => 1,
            AuditCliError::EmptyPeriod => 2,
            AuditCliError::Runtime(_)
            | AuditCliError::Store(_)
            | AuditCliError::Export(_)
            | AuditCliError::Output { .. } => 3,
        }
    }
}

/// Runs `shokai audit …`.
pub fn run(command: AuditCommand) -> Result<(), AuditCliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(AuditCliError::Runtime)?;
    runtime.block_on(async {
        let store = Store::connect(&command.database_url).await?;
        store.migrate().await?;
        let outcome = match command.action {
            AuditAction::Verify => verify(&store).await,
            AuditAction::Export(args) => export(&store, args).await,
        };
        store.close().await;
        outcome
    })
}

async fn verify(store: &Store) -> Result<(), AuditCliError> {
    let report = audit::verify(store).await?;
    match report.first_break {
        None => {
            println!("audit chain intact: {} events", report.events);
            Ok(())
        }
        Some(first_break) => Err(AuditCliError::Broken {
            intact: report.events,
            first_break,
        }),
    }
}

async fn export(store: &Store, args: ExportArgs) -> Result<(), AuditCliError> {
    if args.from >= args.to {
        return Err(AuditCliError::EmptyPeriod);
    }
    let written = match &args.output {
        Some(path) => {
            let output_error = |source| AuditCliError::Output {
                path: path.display().to_string(),
                source,
            };
            let file = std::fs::File::create(path).map_err(output_error)?;
            let mut out = std::io::BufWriter::new(file);
            let written = audit::export_csv(store, args.from, args.to, &mut out).await?;
            out.flush().map_err(output_error)?;
            written
        }
        None => {
            let mut out = std::io::stdout().lock();
            audit::export_csv(store, args.from, args.to, &mut out).await?
        }
    };
    eprintln!("shokai: exported {written} audit events");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_japan_date_period_covers_whole_days_in_japan() {
        let from = parse_start("2026-11-26").unwrap();
        let to = parse_end("2026-11-26").unwrap();
        assert_eq!(from.to_rfc3339(), "2026-11-25T15:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2026-11-26T15:00:00+00:00");
        assert!(parse_start("26/11/2026").is_err());
    }
}
