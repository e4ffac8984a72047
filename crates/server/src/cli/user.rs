//! `shokai user …`: staff accounts from the server's shell.
//!
//! - `add NAME --role ROLE`: create an account.
//! - `list`: username, role, enabled or disabled, created, last login (never
//!   a password hash).
//! - `disable NAME`: no more logins, and every session of the account ends
//!   at once; `enable NAME` lets it log in again.
//! - `reset-password NAME`: a new password (the same rules as `add`); every
//!   session of the account ends.
//! - `revoke-sessions NAME`: ends every session of the account.
//!
//! Passwords are the first line of standard input, so they never appear in
//! the shell history or the process list:
//!
//! ```sh
//! printf '%s\n' "$PASSWORD" | shokai user add sato --role clerk --display-name 佐藤
//! ```
//!
//! Every change is recorded in the audit log with the actor `cli` in the
//! system's role. Exit codes: 0 done; 1 other failure (database); 2 bad
//! input (unknown role, short or missing password, username taken); 3 no
//! such user. Nothing changed unless the exit code is 0.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use shokai_store::{Role, Store, StoreError};
use zeroize::Zeroizing;

use crate::clock::SystemClock;
use crate::infra::csv::japan_time;
use crate::infra::rate_limit;
use crate::service::users::{self, AccountError, AddUserError, add_user};
use crate::settings::{self, SettingsError, Sources};

const EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  other failure (database)
  2  bad input: unknown role, short or missing password, username taken
  3  no such user
Nothing was changed unless the exit code is 0. Every change is recorded in
the audit log (actor: cli).";

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
    /// List the accounts: username, role, enabled/disabled, created, last login.
    #[command(after_help = EXIT_CODES)]
    List(ListArgs),
    /// Stop an account from logging in and end its sessions at once.
    #[command(after_help = EXIT_CODES)]
    Disable(NameArgs),
    /// Let a disabled account log in again.
    #[command(after_help = EXIT_CODES)]
    Enable(NameArgs),
    /// Set a new password, read from the first line of stdin (at least 12
    /// characters); the account's sessions end.
    #[command(after_help = EXIT_CODES)]
    ResetPassword(NameArgs),
    /// End every session of an account (its tokens and cookies stop working).
    #[command(after_help = EXIT_CODES)]
    RevokeSessions(NameArgs),
}

/// `shokai user list` flags.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Settings file (only SHOKAI_DATABASE_URL is used).
    #[arg(long, env = "SHOKAI_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Flags of the subcommands that act on one account.
#[derive(Debug, Args)]
pub struct NameArgs {
    /// Login name.
    pub name: String,
    /// Settings file (only SHOKAI_DATABASE_URL is used).
    #[arg(long, env = "SHOKAI_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
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
    /// The account could not be changed.
    #[error(transparent)]
    Account(#[from] AccountError),
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
            | UserCliError::Account(AccountError::Password(_) | AccountError::OwnAccount)
            | UserCliError::Add(AddUserError::Store(StoreError::Duplicate { .. })) => 2,
            UserCliError::Account(AccountError::UnknownUser(_)) => 3,
            UserCliError::Stdin(_)
            | UserCliError::Add(AddUserError::Store(_))
            | UserCliError::Account(AccountError::Store(_))
            | UserCliError::Store(_)
            | UserCliError::Runtime(_) => 1,
        }
    }
}

/// Runs `shokai user …`.
pub fn run(cmd: UserCommand) -> Result<(), UserCliError> {
    match cmd.action {
        UserAction::Add(args) => add(args),
        UserAction::List(args) => list(args),
        UserAction::Disable(args) => change(args, Change::Disable),
        UserAction::Enable(args) => change(args, Change::Enable),
        UserAction::ResetPassword(args) => change(args, Change::ResetPassword),
        UserAction::RevokeSessions(args) => change(args, Change::RevokeSessions),
    }
}

/// Runs `work` on a store opened (and migrated) from the settings.
fn on_store<T>(
    config: Option<&Path>,
    work: impl AsyncFnOnce(&Store) -> Result<T, UserCliError>,
) -> Result<T, UserCliError> {
    let url = settings::database_url(&Sources::load(config)?)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(UserCliError::Runtime)?;
    runtime.block_on(async {
        let store = Store::connect(url.expose_secret()).await?;
        store.migrate().await?;
        let outcome = work(&store).await;
        store.close().await;
        outcome
    })
}

fn list(args: ListArgs) -> Result<(), UserCliError> {
    let all = on_store(args.config.as_deref(), async |store| {
        Ok(users::list(store).await?)
    })?;
    println!("username\trole\tstatus\tcreated\tlast_login");
    for user in all {
        println!(
            "{}\t{}\t{}\t{}\t{}",
            user.username,
            user.role.code(),
            if user.active { "enabled" } else { "disabled" },
            japan_time(user.created_at),
            user.last_login_at
                .map_or_else(|| "-".to_owned(), japan_time),
        );
    }
    Ok(())
}

/// What `change` does to one account.
#[derive(Debug, Clone, Copy)]
enum Change {
    Disable,
    Enable,
    ResetPassword,
    RevokeSessions,
}

fn change(args: NameArgs, change: Change) -> Result<(), UserCliError> {
    let password = match change {
        Change::ResetPassword => Some(read_password()?),
        Change::Disable | Change::Enable | Change::RevokeSessions => None,
    };
    let name = args.name.trim();
    let actor = users::cli_actor();
    let done = on_store(args.config.as_deref(), async |store| {
        let user = users::by_username(store, name).await?;
        let clock = &SystemClock;
        let said = match (change, &password) {
            (Change::Disable | Change::Enable, _) => {
                let enable = matches!(change, Change::Enable);
                let changed = users::set_enabled(store, clock, &actor, user.id, enable).await?;
                match (enable, changed) {
                    (true, true) => "enabled",
                    (true, false) => "was already enabled",
                    (false, true) => "disabled; its sessions ended",
                    (false, false) => "was already disabled",
                }
            }
            (Change::ResetPassword, Some(password)) => {
                users::reset_password(store, clock, &actor, user.id, password).await?;
                "has a new password; its sessions ended"
            }
            (Change::ResetPassword, None) => return Err(UserCliError::NoPassword),
            (Change::RevokeSessions, _) => {
                let n = users::revoke_sessions(store, clock, &actor, user.id).await?;
                return Ok(format!("{name}: {n} session(s) ended"));
            }
        };
        Ok(format!("{name} {said}"))
    })?;
    println!("{done}");
    Ok(())
}

fn add(args: AddArgs) -> Result<(), UserCliError> {
    let name = args.name.trim();
    let name_ok = (1..=rate_limit::MAX_USERNAME_CHARS).contains(&name.chars().count())
        && !name.chars().any(|c| c.is_whitespace() || c.is_control());
    if !name_ok {
        return Err(UserCliError::BadName);
    }
    // Settings first: a wrong configuration is reported before stdin is read.
    Sources::load(args.config.as_deref()).and_then(|s| settings::database_url(&s))?;
    let password = read_password()?;
    let display_name = args.display_name.as_deref().unwrap_or(name);
    let user = on_store(args.config.as_deref(), async |store| {
        let added = add_user(
            store,
            &SystemClock,
            name,
            display_name,
            args.role,
            &password,
        );
        Ok(added.await?)
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
