//! `shokai audit`: check the tamper-evident audit chain, export it for
//! audit staff, and sign checkpoints of it with the auditors' key.
//!
//! Exit codes: `verify` 0 when the chain is intact, 1 when it is broken (the
//! report names the first broken sequence number and whether an event was
//! changed, is missing, or was reordered) or, with `--checkpoints`, when a
//! checkpoint is refused (unsigned, signed by another key, unreadable) or
//! disagrees with the database (the report names the checkpoint file and its
//! seq); 2 for bad arguments or an unusable key; 3 when the database, the
//! checkpoint directory or the output file cannot be used.
//!
//! Key and checkpoint formats: see [`shokai_store::checkpoint`].

use std::io::Write;

use chrono::{DateTime, NaiveDate, Utc};
use shokai_store::audit::{self, ChainBreak, ExportError};
use shokai_store::checkpoint::{self, CheckpointFailure, KeyError};
use shokai_store::{DEFAULT_DATABASE_URL, Store, StoreError};
use shokai_workflow::case::japan_midnight;

use crate::service::checkpoints::{self, CheckpointJobError};
use crate::settings::AuditCheckpoints;

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
    /// With --checkpoints, also check every signed checkpoint against the database.
    Verify(VerifyArgs),
    /// Write the events of a period as CSV (every hashed field; no personal data).
    Export(ExportArgs),
    /// Sign the chain head {seq, hash, time} with the auditors' key into a file in --out.
    Checkpoint(CheckpointArgs),
    /// Make an Ed25519 signing key: FILE (0600, 64 hex digits) and FILE.pub; prints the public key.
    Keygen(KeygenArgs),
}

/// Arguments of `shokai audit verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// A directory of checkpoint files: each must be signed by --public-key
    /// and the database's event at its seq must have exactly its hash, which
    /// catches a rewrite before the newest checkpoint even if every hash was
    /// recomputed.
    #[arg(long, value_name = "DIR", requires = "public_key")]
    pub checkpoints: Option<std::path::PathBuf>,
    /// The auditors' public key: 64 hex digits, or a file holding them (FILE.pub from keygen).
    #[arg(long, value_name = "FILE or HEX")]
    pub public_key: Option<String>,
}

/// Arguments of `shokai audit checkpoint`.
#[derive(Debug, clap::Args)]
pub struct CheckpointArgs {
    /// The signing key file (from `shokai audit keygen`), kept outside the database.
    #[arg(long, value_name = "FILE", env = "SHOKAI_AUDIT_SIGNING_KEY")]
    pub key: std::path::PathBuf,
    /// The directory the checkpoint file is written to (made if absent).
    #[arg(
        long,
        value_name = "DIR",
        env = "SHOKAI_AUDIT_CHECKPOINT_DIR",
        default_value = crate::settings::DEFAULT_CHECKPOINT_DIR
    )]
    pub out: std::path::PathBuf,
    /// Also mail the checkpoint file to ADDR (the audit staff): queued in the
    /// outbox, sent by `shokai serve`'s mail worker.
    #[arg(long, value_name = "ADDR", env = "SHOKAI_AUDIT_CHECKPOINT_MAIL")]
    pub mail_to: Option<String>,
}

/// Arguments of `shokai audit keygen`.
#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// The new private key file (never overwritten); the public key goes to FILE.pub.
    #[arg(long, value_name = "FILE")]
    pub out: std::path::PathBuf,
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
    #[error("checkpoint verification FAILED: {0}")]
    Checkpoint(CheckpointFailure),
    #[error("key: {0}")]
    Key(#[from] KeyError),
    #[error("cannot read the checkpoint directory {path}")]
    CheckpointDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("--from must be before --to")]
    EmptyPeriod,
    #[error("--mail-to must be an e-mail address like audit@example.jp")]
    MailTo,
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
            AuditCliError::Broken { .. } | AuditCliError::Checkpoint(_) => 1,
            AuditCliError::EmptyPeriod | AuditCliError::MailTo | AuditCliError::Key(_) => 2,
            AuditCliError::CheckpointDir { .. }
            | AuditCliError::Runtime(_)
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
    if let AuditAction::Keygen(args) = &command.action {
        return keygen(args);
    }
    runtime.block_on(async {
        let store = Store::connect(&command.database_url).await?;
        store.migrate().await?;
        let outcome = match command.action {
            AuditAction::Verify(args) => verify(&store, args).await,
            AuditAction::Export(args) => export(&store, args).await,
            AuditAction::Checkpoint(args) => make_checkpoint(&store, args).await,
            AuditAction::Keygen(_) => Ok(()),
        };
        store.close().await;
        outcome
    })
}

async fn verify(store: &Store, args: VerifyArgs) -> Result<(), AuditCliError> {
    // Read the key first: a mistyped key is an argument error, not a break.
    let trusted = args
        .public_key
        .as_deref()
        .map(checkpoint::parse_public_key)
        .transpose()?;
    let report = audit::verify(store).await?;
    if let Some(first_break) = report.first_break {
        return Err(AuditCliError::Broken {
            intact: report.events,
            first_break,
        });
    }
    let (Some(dir), Some(trusted)) = (args.checkpoints, trusted) else {
        println!("audit chain intact: {} events", report.events);
        return Ok(());
    };
    let files = checkpoint::read_dir(&dir).map_err(|source| AuditCliError::CheckpointDir {
        path: dir.display().to_string(),
        source,
    })?;
    let checked = checkpoint::verify_against_chain(store, &files, &trusted).await?;
    if let Some(failure) = checked.failure {
        return Err(AuditCliError::Checkpoint(failure));
    }
    println!(
        "audit chain intact: {} events; {} signed checkpoints agree (newest at seq {})",
        report.events, checked.agreed, checked.last_seq
    );
    Ok(())
}

async fn make_checkpoint(store: &Store, args: CheckpointArgs) -> Result<(), AuditCliError> {
    let mail_to = args.mail_to.filter(|to| !to.is_empty());
    if mail_to
        .as_deref()
        .is_some_and(|to| to.parse::<lettre::Address>().is_err())
    {
        return Err(AuditCliError::MailTo);
    }
    let settings = AuditCheckpoints {
        signing_key: args.key,
        dir: args.out,
        mail_to,
    };
    let (path, signed) = checkpoints::sign_now(store, &settings, chrono::Utc::now())
        .await
        .map_err(|e| match e {
            CheckpointJobError::Key(e) => AuditCliError::Key(e),
            CheckpointJobError::Store(e) => AuditCliError::Store(e),
            CheckpointJobError::Write { dir, source } => AuditCliError::Output {
                path: dir.display().to_string(),
                source,
            },
        })?;
    println!(
        "audit checkpoint at seq {} written to {}",
        signed.seq,
        path.display()
    );
    if let Some(to) = &settings.mail_to {
        println!("queued for mail to {to} (sent by the mail worker of `shokai serve`)");
    }
    Ok(())
}

fn keygen(args: &KeygenArgs) -> Result<(), AuditCliError> {
    let key = checkpoint::generate_signing_key();
    let public = checkpoint::write_key_files(&args.out, &key)?;
    eprintln!(
        "shokai: signing key written to {} (keep it outside the database); public key in {}",
        args.out.display(),
        public.display()
    );
    println!("{}", checkpoint::public_key_hex(&key));
    Ok(())
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
