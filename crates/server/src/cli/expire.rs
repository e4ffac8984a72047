//! `shokai expire [--config FILE]`: moves every case past its response
//! deadline to `expired` (the job inside `serve` does the same every
//! minute); for deployments that run it from cron. Idempotent, and safe
//! while servers run against the same database.

use std::path::PathBuf;

use clap::Args;
use secrecy::ExposeSecret;
use shokai_store::{Store, StoreError};

use crate::infra::letter_assets::{LetterAssetError, LetterAssets};
use crate::service::error::ServiceError;
use crate::service::expiry;
use crate::settings::{Settings, SettingsError};
use crate::state::AppState;

const EXIT_CODES: &str = "\
Exit codes:
  0  done: every case past its deadline is expired (the count is printed)
  1  failure while expiring (database); cases expired before it stay expired
  2  bad settings; nothing was done";

/// Arguments of `shokai expire`.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct ExpireArgs {
    /// A dotenv-format settings file (`SHOKAI_*` in the environment win).
    #[arg(long, env = "SHOKAI_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Why `shokai expire` failed.
#[derive(Debug, thiserror::Error)]
pub enum ExpireError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Letters(#[from] LetterAssetError),
    #[error("code keys: {0}")]
    Keys(#[source] shokai_workflow::KeyringError),
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("expiry: {0}")]
    Service(#[from] ServiceError),
}

impl ExpireError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            ExpireError::Settings(_) | ExpireError::Letters(_) | ExpireError::Keys(_) => 2,
            ExpireError::Runtime(_) | ExpireError::Store(_) | ExpireError::Service(_) => 1,
        }
    }
}

/// Expires the overdue cases and prints what it did.
pub fn run(args: ExpireArgs) -> Result<(), ExpireError> {
    let settings = Settings::load(args.config.as_deref())?;
    let letters = LetterAssets::load(&settings)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ExpireError::Runtime)?;
    runtime.block_on(async {
        let store = Store::connect(settings.database_url.expose_secret()).await?;
        store.migrate().await?;
        let state = AppState::new(settings, store.clone(), letters).map_err(ExpireError::Keys)?;
        let run = expiry::expire_overdue(&state).await;
        store.close().await;
        let run = run?;
        println!(
            "expired {} case(s) past their deadline{}",
            run.expired.len(),
            if run.expired.is_empty() {
                String::new()
            } else {
                format!(": {}", run.expired.join(", "))
            }
        );
        if run.left_to_others > 0 {
            println!(
                "{} case(s) were changed by someone else meanwhile and left as they are",
                run.left_to_others
            );
        }
        Ok(())
    })
}
