//! The access log: one row per read of personal data (who, when, what, how,
//! from where), append-only (triggers since migration 13), searched by
//! auditors newest first with keyset paging by id.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::{Assembled, Row, Tx, args};
use crate::error::StoreError;

/// A read to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccess {
    /// The reader's user id.
    pub user_id: i64,
    /// The reader's username.
    pub username: String,
    /// The reader's role code.
    pub role: String,
    /// What kind of read (a stable code the server defines).
    pub kind: String,
    /// The case read, if a case.
    pub case_id: Option<i64>,
    /// The print batch whose files were read, if a batch.
    pub batch_id: Option<i64>,
    /// The client's address.
    pub client_addr: String,
}

/// A recorded read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessEntry {
    /// Row id: later reads have larger ids.
    pub id: i64,
    /// When.
    pub accessed_at: DateTime<Utc>,
    /// The reader's user id.
    pub user_id: i64,
    /// The reader's username.
    pub username: String,
    /// The reader's role code.
    pub role: String,
    /// The kind of read.
    pub kind: String,
    /// The case read.
    pub case_id: Option<i64>,
    /// Its reference, as it was when read.
    pub case_reference: Option<String>,
    /// The print batch read.
    pub batch_id: Option<i64>,
    /// The client's address.
    pub client_addr: String,
}

impl AccessEntry {
    fn from_row(row: &Row) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.get("id")?,
            accessed_at: row.ts("accessed_at")?,
            user_id: row.get("user_id")?,
            username: row.get("username")?,
            role: row.get("role")?,
            kind: row.get("kind")?,
            case_id: row.get("case_id")?,
            case_reference: row.get("case_reference")?,
            batch_id: row.get("batch_id")?,
            client_addr: row.get("client_addr")?,
        })
    }
}

/// Records `access` at `now` in `tx`; the case's reference is copied from
/// the case row (none when there is no such case).
pub async fn record(tx: &mut Tx, access: &NewAccess, now: DateTime<Utc>) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO access_log (accessed_at, user_id, username, role, kind, case_id, \
         case_reference, batch_id, client_addr) \
         VALUES (?, ?, ?, ?, ?, ?, (SELECT reference FROM cases WHERE id = ?), ?, ?)",
        args![
            now,
            access.user_id,
            access.username.as_str(),
            access.role.as_str(),
            access.kind.as_str(),
            access.case_id,
            access.case_id,
            access.batch_id,
            access.client_addr.as_str()
        ],
    )
    .await?;
    Ok(())
}

/// Which reads to list; every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessFilter {
    /// Only reads of the case with this reference.
    pub case_reference: Option<String>,
    /// Only reads by this username.
    pub username: Option<String>,
    /// From this instant (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Until this instant (exclusive).
    pub to: Option<DateTime<Utc>>,
}

/// The filters' WHERE clause, each condition asked for adding its own text.
fn filtered(head: &'static str, filter: &AccessFilter) -> Assembled {
    let mut sql = Assembled::new(head);
    sql.push(" WHERE 1 = 1", args![]);
    if let Some(reference) = &filter.case_reference {
        sql.push(" AND case_reference = ?", args![reference.as_str()]);
    }
    if let Some(username) = &filter.username {
        sql.push(" AND username = ?", args![username.as_str()]);
    }
    if let Some(from) = filter.from {
        sql.push(" AND accessed_at >= ?", args![from]);
    }
    if let Some(to) = filter.to {
        sql.push(" AND accessed_at < ?", args![to]);
    }
    sql
}

/// Up to `limit` reads matching `filter` with ids below `before` (all when
/// `None`), newest first.
pub async fn search(
    tx: &mut Tx,
    filter: &AccessFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AccessEntry>, StoreError> {
    let mut sql = filtered(
        "SELECT id, accessed_at, user_id, username, role, kind, case_id, case_reference, \
         batch_id, client_addr FROM access_log",
        filter,
    );
    if let Some(before) = before {
        sql.push(" AND id < ?", args![before]);
    }
    sql.push(" ORDER BY id DESC LIMIT ?", args![limit.max(1)]);
    let (sql, args) = sql.finish();
    tx.fetch_all(sql, args)
        .await?
        .iter()
        .map(AccessEntry::from_row)
        .collect()
}

/// How many reads match `filter`.
pub async fn count(tx: &mut Tx, filter: &AccessFilter) -> Result<i64, StoreError> {
    let (sql, args) = filtered("SELECT COUNT(*) AS n FROM access_log", filter).finish();
    tx.fetch_one(sql, args).await?.get("n")
}
