//! Staff accounts and login sessions. The caller hashes passwords (argon2)
//! and session tokens; the store only keeps the hashes.
//!
//! Every change to an account (added, disabled, enabled, password reset,
//! sessions revoked) appends an audit event in the same transaction, with
//! the account's username and role and the actor; never a password or a
//! hash. A session ends at its absolute expiry, when it has been idle too
//! long (`last_seen_at`, which the caller refreshes at most once a minute),
//! when it is revoked, or when its user is disabled.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

use crate::cases::Actor;
use crate::db::{Row, Tx, args};
use crate::error::StoreError;
use crate::{Role, db};

/// A staff account to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Login name, unique.
    pub username: String,
    /// Name shown in the UI and letters' "clerk in charge".
    pub display_name: String,
    /// What the user may do.
    pub role: Role,
    /// argon2 PHC string made by the caller.
    pub password_hash: String,
}

/// A staff account.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// argon2 PHC string, for the caller to verify a login against.
    #[serde(skip)]
    pub password_hash: String,
    /// Disabled users cannot log in and their sessions do not work.
    pub active: bool,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
    /// Since when it is disabled (unknown for accounts disabled before
    /// migration 11).
    pub disabled_at: Option<DateTime<Utc>>,
    /// The last successful login, if known.
    pub last_login_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

macro_rules! select_user {
    ($tail:literal) => {
        concat!(
            "SELECT users.id, users.username, users.display_name, users.role, users.password_hash, \
             users.active, users.created_at, users.disabled_at, users.last_login_at FROM users ",
            $tail
        )
    };
}

impl User {
    fn from_row(row: &Row) -> Result<Self, StoreError> {
        let role: String = row.get("role")?;
        Ok(Self {
            id: row.get("id")?,
            username: row.get("username")?,
            display_name: row.get("display_name")?,
            role: Role::from_code(&role).ok_or(StoreError::Corrupt {
                column: "users.role",
                reason: "unknown role code",
            })?,
            password_hash: row.get("password_hash")?,
            active: row.get("active")?,
            created_at: row.ts("created_at")?,
            disabled_at: row.opt_ts("disabled_at")?,
            last_login_at: row.opt_ts("last_login_at")?,
        })
    }
}

/// Creates an account and records `user_added`; a taken username is
/// [`StoreError::Duplicate`].
pub async fn create_user(
    tx: &mut Tx,
    user: &NewUser,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<User, StoreError> {
    let row = tx
        .fetch_one(
            "INSERT INTO users (username, display_name, role, password_hash, active, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            args![
                user.username.as_str(),
                user.display_name.as_str(),
                user.role.code(),
                user.password_hash.as_str(),
                true,
                now
            ],
        )
        .await
        .map_err(|e| e.duplicate_as("username"))?;
    let created = user_by_id(tx, row.get("id")?).await?;
    append_user_event(tx, &created, "user_added", json!({}), actor, now).await?;
    Ok(created)
}

/// One account by id.
pub async fn user_by_id(tx: &mut Tx, id: i64) -> Result<User, StoreError> {
    let row = tx
        .fetch_optional(select_user!("WHERE id = ?"), args![id])
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("user {id}"),
        })?;
    User::from_row(&row)
}

/// The account with this username, active or not.
pub async fn user_by_username(tx: &mut Tx, username: &str) -> Result<Option<User>, StoreError> {
    tx.fetch_optional(select_user!("WHERE username = ?"), args![username])
        .await?
        .as_ref()
        .map(User::from_row)
        .transpose()
}

/// Every account, by username.
pub async fn list_users(tx: &mut Tx) -> Result<Vec<User>, StoreError> {
    tx.fetch_all(select_user!("ORDER BY username"), args![])
        .await?
        .iter()
        .map(User::from_row)
        .collect()
}

/// Enables (`active`) or disables account `id`, recording `user_enabled`
/// or `user_disabled`; disabling deletes its sessions at once. `false` (and
/// nothing recorded) when the account already was so.
pub async fn set_user_active(
    tx: &mut Tx,
    id: i64,
    active: bool,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let user = user_by_id(tx, id).await?;
    let disabled_at = (!active).then_some(now);
    let changed = tx
        .execute(
            "UPDATE users SET active = ?, disabled_at = ? WHERE id = ? AND active = ?",
            args![active, disabled_at, id, !active],
        )
        .await?;
    if changed == 0 {
        return Ok(false);
    }
    let event = if active {
        "user_enabled"
    } else {
        delete_sessions_of(tx, id).await?;
        "user_disabled"
    };
    append_user_event(tx, &user, event, json!({}), actor, now).await?;
    Ok(true)
}

/// Replaces the password hash (the caller hashed the new password), ends
/// every session of the account (whoever knew the old password is out) and
/// records `user_password_reset` (without the hash).
pub async fn reset_password(
    tx: &mut Tx,
    id: i64,
    password_hash: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let user = user_by_id(tx, id).await?;
    tx.execute(
        "UPDATE users SET password_hash = ? WHERE id = ?",
        args![password_hash, id],
    )
    .await?;
    delete_sessions_of(tx, id).await?;
    append_user_event(tx, &user, "user_password_reset", json!({}), actor, now).await
}

/// Deletes every session of account `id` and records
/// `user_sessions_revoked` with how many there were; returns that number.
pub async fn revoke_user_sessions(
    tx: &mut Tx,
    id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let user = user_by_id(tx, id).await?;
    let deleted = delete_sessions_of(tx, id).await?;
    let details = json!({ "sessions": deleted });
    append_user_event(tx, &user, "user_sessions_revoked", details, actor, now).await?;
    Ok(deleted)
}

async fn delete_sessions_of(tx: &mut Tx, user_id: i64) -> Result<u64, StoreError> {
    tx.execute("DELETE FROM sessions WHERE user_id = ?", args![user_id])
        .await
}

/// Appends an account event: `{"username", "role"}` plus `extra`'s fields.
async fn append_user_event(
    tx: &mut Tx,
    user: &User,
    event: &str,
    extra: serde_json::Value,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut details = json!({ "username": user.username, "role": user.role.code() });
    if let (Some(all), serde_json::Value::Object(more)) = (details.as_object_mut(), extra) {
        all.extend(more);
    }
    crate::batches::append_batch_event(tx, actor, event, details, now).await
}

/// A login session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    /// Row id.
    pub id: i64,
    /// Whose session.
    pub user_id: i64,
    /// When it started.
    pub created_at: DateTime<Utc>,
    /// When it stops working, however busy.
    pub expires_at: DateTime<Utc>,
    /// When it was last used (refreshed at most once a minute).
    pub last_seen_at: DateTime<Utc>,
}

/// Starts a session identified by `token_hash` (the caller keeps the token)
/// and records the login time on the user.
pub async fn create_session(
    tx: &mut Tx,
    user_id: i64,
    token_hash: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Session, StoreError> {
    let row = tx
        .fetch_one(
            "INSERT INTO sessions (user_id, token_hash, created_at, expires_at, last_seen_at) \
             VALUES (?, ?, ?, ?, ?) RETURNING id",
            args![user_id, token_hash, now, expires_at, now],
        )
        .await
        .map_err(|e| e.duplicate_as("session token"))?;
    tx.execute(
        "UPDATE users SET last_login_at = ? WHERE id = ?",
        args![now, user_id],
    )
    .await?;
    Ok(Session {
        id: row.get("id")?,
        user_id,
        created_at: db::store_time(now),
        expires_at: db::store_time(expires_at),
        last_seen_at: db::store_time(now),
    })
}

/// The live session for `token_hash` and its user: `None` when unknown,
/// expired, idle for `idle` or longer, revoked, or the user is disabled.
pub async fn find_session(
    tx: &mut Tx,
    token_hash: &str,
    now: DateTime<Utc>,
    idle: Duration,
) -> Result<Option<(Session, User)>, StoreError> {
    let Some(row) = tx
        .fetch_optional(
            "SELECT sessions.id AS session_id, sessions.created_at AS session_created_at, \
             sessions.expires_at, sessions.last_seen_at, users.id, users.username, \
             users.display_name, users.role, users.password_hash, users.active, users.created_at, \
             users.disabled_at, users.last_login_at \
             FROM sessions JOIN users ON users.id = sessions.user_id \
             WHERE sessions.token_hash = ? AND sessions.revoked_at IS NULL \
             AND sessions.expires_at > ? AND sessions.last_seen_at > ? AND users.active = ?",
            args![token_hash, now, now - idle, true],
        )
        .await?
    else {
        return Ok(None);
    };
    let user = User::from_row(&row)?;
    let session = Session {
        id: row.get("session_id")?,
        user_id: user.id,
        created_at: row.ts("session_created_at")?,
        expires_at: row.ts("expires_at")?,
        last_seen_at: row.ts("last_seen_at")?,
    };
    Ok(Some((session, user)))
}

/// Records that session `id` was used at `now`.
pub async fn touch_session(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE sessions SET last_seen_at = ? WHERE id = ?",
        args![now, id],
    )
    .await?;
    Ok(())
}

/// Ends a session (logout). Returns `false` if it was not live.
pub async fn revoke_session(
    tx: &mut Tx,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = tx
        .execute(
            "UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
            args![now, token_hash],
        )
        .await?;
    Ok(changed == 1)
}

/// Deletes the sessions that no longer work at `now`: past their absolute
/// expiry, idle for `idle` or longer, or revoked; returns how many.
pub async fn delete_expired_sessions(
    tx: &mut Tx,
    now: DateTime<Utc>,
    idle: Duration,
) -> Result<u64, StoreError> {
    tx.execute(
        "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ? \
         OR revoked_at IS NOT NULL",
        args![now, now - idle],
    )
    .await
}
