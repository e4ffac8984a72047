//! `shokai purge --closed-before DATE [--dry-run] [--config FILE]`: erases
//! the personal data of every case closed before DATE (a Japan date) from
//! everywhere the database keeps it, records the purge in the audit chain
//! and prints what it erased. `serve` does the same daily when
//! `SHOKAI_RETENTION_DAYS` is set; this is for a purge by hand or from
//! cron. Idempotent, and safe while servers run against the same database.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;
use secrecy::ExposeSecret;
use shokai_store::{Store, StoreError};

use crate::service::error::ServiceError;
use crate::service::purge::{self, PurgeOutcome};
use crate::service::users::cli_actor;
use crate::settings::{Settings, SettingsError};

const AFTER_HELP: &str = "\
What is erased, for every case in a final state (PIN set, cancelled,
undeliverable, expired, failed) whose closing step was before 00:00 of DATE,
Japan time: the parties (names, readings, addresses, dates of birth, phones,
e-mail, ID documents), the personal data its audit events kept, its lines of
every 発送簿 (reference and page count stay), a print file still kept with its
letter, the payloads of its mails (unsent ones are given up) and its response
attempts. The audit chain keeps verifying (`shokai audit verify`); the purge
itself is an audit event. Open cases are never touched.

Exit codes:
  0  done (what was erased is printed; nothing due is not an error)
  1  failure while purging (database); nothing was erased
  2  bad input or settings (DATE not YYYY-MM-DD, or after tomorrow); nothing was done";

/// Arguments of `shokai purge`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct PurgeArgs {
    /// Purge cases closed before this Japan date, YYYY-MM-DD (at most tomorrow).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub closed_before: NaiveDate,
    /// Report what would be erased, and erase nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// A dotenv-format settings file (`SHOKAI_*` in the environment win).
    #[arg(long, env = "SHOKAI_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// DATE as typed: a calendar date written YYYY-MM-DD.
fn parse_date(typed: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(typed.trim(), "%Y-%m-%d").map_err(|_| {
        "not a date written YYYY-MM-DD, e.g. 2026-04-01 \
         (日付は 2026-04-01 のように 年-月-日 で指定してください)"
            .to_owned()
    })
}

/// Why `shokai purge` failed.
#[derive(Debug, thiserror::Error)]
pub enum PurgeCliError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// DATE is after tomorrow (Japan time).
    #[error("--closed-before {message} ({message_ja})")]
    Date { message: String, message_ja: String },
    #[error("purge: {0}")]
    Service(ServiceError),
}

impl From<ServiceError> for PurgeCliError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid {
                message,
                message_ja,
                ..
            } => PurgeCliError::Date {
                message,
                message_ja: message_ja.unwrap_or_default(),
            },
            other => PurgeCliError::Service(other),
        }
    }
}

impl PurgeCliError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            PurgeCliError::Settings(_) | PurgeCliError::Date { .. } => 2,
            PurgeCliError::Runtime(_) | PurgeCliError::Store(_) | PurgeCliError::Service(_) => 1,
        }
    }
}

/// Purges the cases closed before the date and prints what it did.
pub fn run(args: PurgeArgs) -> Result<(), PurgeCliError> {
    let settings = Settings::load(args.config.as_deref())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(PurgeCliError::Runtime)?;
    runtime.block_on(async {
        let store = Store::connect(settings.database_url.expose_secret()).await?;
        store.migrate().await?;
        let (now, actor) = (chrono::Utc::now(), cli_actor());
        let outcome =
            purge::purge_closed_before(&store, now, &actor, args.closed_before, args.dry_run).await;
        store.close().await;
        print!("{}", summary(&outcome?));
        Ok(())
    })
}

/// What the command prints: the cases and the count of each kind of row.
fn summary(outcome: &PurgeOutcome) -> String {
    let r = &outcome.report;
    let verb = if outcome.dry_run {
        "would purge"
    } else {
        "purged"
    };
    let mut out = format!(
        "{verb} the personal data of {} case(s) closed before {} (Japan time){}\n",
        r.cases.len(),
        outcome.closed_before,
        if r.cases.is_empty() {
            String::new()
        } else {
            format!(": {}", r.cases.join(", "))
        }
    );
    if !r.cases.is_empty() {
        out.push_str(&format!(
            "  audit events: {}, mails: {} ({} unsent, given up), response attempts: {}, \
             発送簿: {}, print files: {}\n",
            r.audit_events,
            r.outbox_messages,
            r.unsent_messages,
            r.response_attempts,
            r.manifests,
            r.print_batches.len()
        ));
    }
    if outcome.dry_run {
        out.push_str("dry run: nothing was erased\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_must_be_written_year_month_day() {
        assert_eq!(parse_date("2026-04-01"), Ok("2026-04-01".parse().unwrap()));
        for bad in ["2026/04/01", "20260401", "2026-02-30", "昨日", ""] {
            let message = parse_date(bad).unwrap_err();
            assert!(
                message.contains("YYYY-MM-DD") && message.contains("年-月-日"),
                "{bad}: {message}"
            );
        }
    }

    #[test]
    fn the_summary_names_the_cases_and_what_went_with_them() {
        let outcome = PurgeOutcome {
            closed_before: "2026-04-01".parse().unwrap(),
            report: shokai_store::PurgeReport {
                cases: vec!["R8-000001-5".to_owned()],
                audit_events: 3,
                outbox_messages: 1,
                response_attempts: 2,
                manifests: 1,
                ..shokai_store::PurgeReport::default()
            },
            dry_run: true,
        };
        let text = summary(&outcome);
        assert!(text.starts_with("would purge the personal data of 1 case(s) closed before 2026-04-01 (Japan time): R8-000001-5\n"), "{text}");
        assert!(
            text.contains("audit events: 3, mails: 1 (0 unsent, given up), response attempts: 2"),
            "{text}"
        );
        assert!(text.ends_with("dry run: nothing was erased\n"), "{text}");
    }
}
