//! `shokai user add NAME --role ROLE`: create a staff account. The password
//! is the first line of standard input, so it never appears in the shell
//! history or the process list:
//!
//! ```sh
//! printf '%s\n' "$PASSWORD" | shokai user add sato --role clerk --display-name 佐藤
//! ```
//!
//! Exit codes: 0 created; 1 other failure (database); 2 bad input (unknown
//! role, short or missing password, username taken); nothing was created.

use std::io::BufRead;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use shokai_store::{Role, Store, StoreError};
use zeroize::Zeroizing;

use crate::clock::SystemClock;
use crate::service::users::{AddUserError, add_user};
use crate::settings::{self, SettingsError, Sources};

const EXIT_CODES: &str = "\
Exit codes:
  0  the account was created
  1  other failure (database)
  2  bad input: unknown role, short or missing password, username taken";

/// Staff accounts.
#[derive(Debug, Args)]
pub struct UserCommand {
    #[command(subcommand)]
    pub action: UserAction,
}

/// The user subcommands.
#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Create an account; the password is read from the first line of stdin.
    #[command(after_help = EXIT_CODES)]
    Add(AddArgs),
}

/// `shokai user add` flags.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Login name.
    pub name: String,
    /// clerk, supervisor or auditor.
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// Name shown in the UI (defaults to the login name).
    #[arg(long)]
    pub display_name: Option<String>,
    /// Settings file (only SHOKAI_DATABASE_URL is used).
    #[arg(long, env = "SHOKAI_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

fn parse_role(code: &str) -> Result<Role, String> {
    Role::from_code(code).ok_or_else(|| "one of clerk, supervisor, auditor, printer".to_owned())
}

/// Why `shokai user` failed.
#[derive(Debug, thiserror::Error)]
pub enum UserCliError {
    /// Bad settings.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// No password on stdin.
    #[error("no password: give it as the first line of standard input")]
    NoPassword,
    /// stdin could not be read.
    #[error("cannot read the password from standard input: {0}")]
    Stdin(#[source] std::io::Error),
    /// The login name is empty or has spaces or control characters.
    #[error("a login name is 1-64 characters without spaces")]
    BadName,
    /// The account could not be created.
    #[error(transparent)]
    Add(#[from] AddUserError),
    /// The database could not be opened.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// The async runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

impl UserCliError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            UserCliError::Settings(_)
            | UserCliError::NoPassword
            | UserCliError::BadName
            | UserCliError::Add(AddUserError::Password(_))
            | UserCliError::Add(AddUserError::Store(StoreError::Duplicate { .. })) => 2,
            UserCliError::Stdin(_)
            | UserCliError::Add(AddUserError::Store(_))
            | UserCliError::Store(_)
            | UserCliError::Runtime(_) => 1,
        }
    }
}

/// Runs `shokai user …`.
pub fn run(cmd: UserCommand) -> Result<(), UserCliError> {
    match cmd.action {
        UserAction::Add(args) => add(args),
    }
}

fn add(args: AddArgs) -> Result<(), UserCliError> {
    let name = args.name.trim();
    let name_ok = (1..=64).contains(&name.chars().count())
        && !name.chars().any(|c| c.is_whitespace() || c.is_control());
    if !name_ok {
        return Err(UserCliError::BadName);
    }
    let url = settings::database_url(&Sources::load(args.config.as_deref())?)?;
    let password = read_password()?;
    let display_name = args.display_name.as_deref().unwrap_or(name);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(UserCliError::Runtime)?;
    let user = runtime.block_on(async {
        let store = Store::connect(url.expose_secret()).await?;
        store.migrate().await?;
        let user = add_user(
            &store,
            &SystemClock,
            name,
            display_name,
            args.role,
            &password,
        )
        .await;
        store.close().await;
        Ok::<_, UserCliError>(user?)
    })?;
    println!("created {} ({})", user.username, user.role.code());
    Ok(())
}

fn read_password() -> Result<SecretString, UserCliError> {
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(UserCliError::Stdin)?;
    let password = line.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        return Err(UserCliError::NoPassword);
    }
    Ok(SecretString::from(password.to_owned()))
}
