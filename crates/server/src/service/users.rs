//! Staff accounts: add, list, disable, enable, reset a password, revoke
//! sessions. The command line (`shokai user …`) and the supervisors' page
//! (`/users`) call the same functions; the store records each change in the
//! audit log with the actor, in the same transaction.

use secrecy::SecretString;
use shokai_store::users::{self, NewUser};
use shokai_store::{Actor, Role, Store, StoreError};

pub use shokai_store::users::User;

use crate::clock::Clock;
use crate::infra::password::{self, PasswordError};

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum AddUserError {
    /// The password is unacceptable.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// The username is taken, or the database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a change to an existing account was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// No account has this name (or id).
    #[error("no such user: {0}")]
    UnknownUser(String),
    /// A supervisor may not disable their own account (nobody would be
    /// left to enable it from the page).
    #[error("you cannot disable your own account")]
    OwnAccount,
    /// The new password is unacceptable.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// The database failed.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AccountError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { what } => AccountError::UnknownUser(what),
            other => AccountError::Store(other),
        }
    }
}

/// The actor the audit log names for `shokai user …` (and `shokai demo
/// load`): whoever runs the binary on the server, in the system's role.
pub fn cli_actor() -> Actor {
    Actor {
        user_id: None,
        username: "cli".to_owned(),
        role: Role::System,
    }
}

/// Creates an account with an argon2 hash of `password`, recorded in the
/// audit log as added from the command line.
pub async fn add_user(
    store: &Store,
    clock: &dyn Clock,
    username: &str,
    display_name: &str,
    role: Role,
    password: &SecretString,
) -> Result<User, AddUserError> {
    let password_hash = password::hash(password).await?;
    let mut tx = store.begin().await?;
    let new = NewUser {
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        role,
        password_hash,
    };
    let user = users::create_user(&mut tx, &new, &cli_actor(), clock.now()).await?;
    tx.commit().await?;
    Ok(user)
}

/// Every account, by username.
pub async fn list(store: &Store) -> Result<Vec<User>, StoreError> {
    let mut tx = store.read().await?;
    let all = users::list_users(&mut tx).await?;
    tx.commit().await?;
    Ok(all)
}

/// The account named `username`.
pub async fn by_username(store: &Store, username: &str) -> Result<User, AccountError> {
    let mut tx = store.read().await?;
    let found = users::user_by_username(&mut tx, username).await?;
    tx.commit().await?;
    found.ok_or_else(|| AccountError::UnknownUser(username.to_owned()))
}

/// The account with row id `id`.
pub async fn by_id(store: &Store, id: i64) -> Result<User, AccountError> {
    let mut tx = store.read().await?;
    let found = users::user_by_id(&mut tx, id).await?;
    tx.commit().await?;
    Ok(found)
}

/// Whether `actor` may disable account `id`: anyone's but their own (nobody
/// would be left to enable it from the page). The page asks before its
/// confirmation step, [`set_enabled`] again when it acts.
pub fn may_disable(actor: &Actor, id: i64) -> Result<(), AccountError> {
    if actor.user_id == Some(id) {
        return Err(AccountError::OwnAccount);
    }
    Ok(())
}

/// Lets account `id` log in (`enabled`) or disables it, which ends its
/// sessions at once; `false` when it already was so. Nobody disables their
/// own account.
pub async fn set_enabled(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
    enabled: bool,
) -> Result<bool, AccountError> {
    if !enabled {
        may_disable(actor, id)?;
    }
    let mut tx = store.begin().await?;
    let changed = users::set_user_active(&mut tx, id, enabled, actor, clock.now()).await?;
    tx.commit().await?;
    Ok(changed)
}

/// Sets a new password (the same rules as `user add`) and ends every
/// session of the account.
pub async fn reset_password(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
    password: &SecretString,
) -> Result<(), AccountError> {
    // On the blocking pool, bounded with every other hash (`infra::password`).
    let hashed = password::hash(password).await?;
    let mut tx = store.begin().await?;
    users::reset_password(&mut tx, id, &hashed, actor, clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes every session of account `id`; returns how many there were.
pub async fn revoke_sessions(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
) -> Result<u64, AccountError> {
    let mut tx = store.begin().await?;
    let revoked = users::revoke_user_sessions(&mut tx, id, actor, clock.now()).await?;
    tx.commit().await?;
    Ok(revoked)
}
