//! `shokai migrate`: bring the database named by `SHOKAI_DATABASE_URL` up to
//! the schema this build expects (the embedded migrations of shokai-store).
//! `serve` does the same at start-up; this is for deployments that migrate
//! as a separate step.

use shokai_store::{DEFAULT_DATABASE_URL, Store, StoreError};

/// Arguments of `shokai migrate`.
#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// `sqlite://path` or `postgres://…` (not printed: it may hold a password).
    #[arg(long, env = "SHOKAI_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
}

/// Why `shokai migrate` failed. Exit code 3: the database could not be
/// opened or migrated; 1: the process could not start its runtime.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    #[error("database: {0}")]
    Store(#[from] StoreError),
}

impl MigrateError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            MigrateError::Runtime(_) => 1,
            MigrateError::Store(_) => 3,
        }
    }
}

/// Opens the database (creating a SQLite file if missing) and migrates it.
pub fn run(args: MigrateArgs) -> Result<(), MigrateError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(MigrateError::Runtime)?;
    runtime.block_on(async {
        let store = Store::connect(&args.database_url).await?;
        store.migrate().await?;
        println!(
            "shokai: database schema is up to date ({:?})",
            store.backend()
        );
        store.close().await;
        Ok(())
    })
}
