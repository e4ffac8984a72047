//! Staff accounts and login sessions. The caller hashes passwords (argon2)
//! and session tokens; the store only keeps the hashes.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::Role;
use crate::db::{Row, Tx, args};
use crate::error::StoreError;

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
    /// Deactivated users cannot log in.
    pub active: bool,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
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
             users.active, users.created_at FROM users ",
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
        })
    }
}

/// Creates an account; a taken username is [`StoreError::Duplicate`].
pub async fn create_user(
    tx: &mut Tx,
    user: &NewUser,
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
    user_by_id(tx, row.get("id")?).await
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

/// Turns an account on or off (off also ends its sessions at next lookup).
pub async fn set_user_active(tx: &mut Tx, id: i64, active: bool) -> Result<(), StoreError> {
    let changed = tx
        .execute(
            "UPDATE users SET active = ? WHERE id = ?",
            args![active, id],
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound {
            what: format!("user {id}"),
        });
    }
    Ok(())
}

/// Replaces the password hash (the caller hashed the new password).
pub async fn set_password_hash(
    tx: &mut Tx,
    id: i64,
    password_hash: &str,
) -> Result<(), StoreError> {
    let changed = tx
        .execute(
            "UPDATE users SET password_hash = ? WHERE id = ?",
            args![password_hash, id],
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound {
            what: format!("user {id}"),
        });
    }
    Ok(())
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
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// Starts a session identified by `token_hash` (the caller keeps the token).
pub async fn create_session(
    tx: &mut Tx,
    user_id: i64,
    token_hash: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Session, StoreError> {
    let row = tx
        .fetch_one(
            "INSERT INTO sessions (user_id, token_hash, created_at, expires_at) \
             VALUES (?, ?, ?, ?) RETURNING id",
            args![user_id, token_hash, now, expires_at],
        )
        .await
        .map_err(|e| e.duplicate_as("session token"))?;
    Ok(Session {
        id: row.get("id")?,
        user_id,
        created_at: crate::db::store_time(now),
        expires_at: crate::db::store_time(expires_at),
    })
}

/// The live session for `token_hash` and its user: `None` when unknown,
/// expired, revoked, or the user is deactivated.
pub async fn find_session(
    tx: &mut Tx,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Session, User)>, StoreError> {
    let Some(row) = tx
        .fetch_optional(
            "SELECT sessions.id AS session_id, sessions.created_at AS session_created_at, \
             sessions.expires_at, users.id, users.username, users.display_name, users.role, \
             users.password_hash, users.active, users.created_at \
             FROM sessions JOIN users ON users.id = sessions.user_id \
             WHERE sessions.token_hash = ? AND sessions.revoked_at IS NULL \
             AND sessions.expires_at > ? AND users.active = ?",
            args![token_hash, now, true],
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
    };
    Ok(Some((session, user)))
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

/// Deletes sessions that expired before `now`; returns how many.
pub async fn delete_expired_sessions(tx: &mut Tx, now: DateTime<Utc>) -> Result<u64, StoreError> {
    tx.execute("DELETE FROM sessions WHERE expires_at <= ?", args![now])
        .await
}
