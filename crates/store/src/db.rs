//! The two backends behind one API: an enum of pools, a transaction that knows
//! which backend it is on, and rows decoded through typed getters.
//!
//! `sqlx::Any` cannot carry our booleans and timestamps, so every query is
//! written once with `?` placeholders and sent to the backend in its dialect:
//! PostgreSQL gets `$1, $2, …`. Statements that differ by more than that pick
//! their text with [`Tx::backend`].
//!
//! Timestamps are always bound from Rust. On PostgreSQL they are `TIMESTAMPTZ`;
//! on SQLite they are TEXT in one fixed-width format
//! (`YYYY-MM-DDTHH:MM:SS.ffffffZ`), so string order is time order. Both keep
//! microseconds, so a value read back equals the value written.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SubsecRound, Utc};
use sqlx::postgres::{PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow};
use sqlx::{AssertSqlSafe, PgPool, Postgres, Row as _, Sqlite, SqlitePool};

use crate::error::StoreError;

/// Where the store keeps its data when `SHOKAI_DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/shokai.db";

/// How long a SQLite writer waits for the write lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

const SQLITE_TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";
const DATE_FORMAT: &str = "%Y-%m-%d";

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// Which database engine a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file (WAL mode).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Called inside a transition after every write and before `COMMIT`.
pub type BeforeCommitHook = Arc<dyn Fn() + Send + Sync>;

/// A handle on the database; cheap to clone (it wraps a connection pool).
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    before_commit: Option<BeforeCommitHook>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the database named by `url`: `sqlite://path` (the file and its
    /// directory are created if missing; WAL mode, busy timeout set,
    /// `secure_delete` on) or
    /// `postgres://…`. Does not run migrations: call [`Store::migrate`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
                // A deleted print file or letter PDF held verification codes:
                // zero freed pages rather than leave the bytes in free space.
                .pragma("secure_delete", "ON");
            if let Some(dir) = options.get_filename().parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDirectory {
                    path: dir.display().to_string(),
                    source,
                })?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(SQLITE_BUSY_TIMEOUT)
                .connect_with(options)
                .await?;
            Pool::Sqlite(pool)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(10)
                .connect(url)
                .await?;
            Pool::Postgres(pool)
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        Ok(Self {
            pool,
            before_commit: None,
        })
    }

    /// Applies the embedded migrations for this backend (idempotent).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATOR.run(pool).await?,
            Pool::Postgres(pool) => POSTGRES_MIGRATOR.run(pool).await?,
        }
        Ok(())
    }

    /// The engine behind this store.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a write transaction. On SQLite it is `BEGIN IMMEDIATE`: the write
    /// lock is taken up front, so two writers never both read and then fail
    /// to upgrade (which SQLite reports as an immediate `SQLITE_BUSY`).
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let inner = match &self.pool {
            Pool::Sqlite(pool) => TxInner::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Tx { inner })
    }

    /// Starts a read-only view: a deferred transaction on SQLite (readers never
    /// block writers in WAL mode), an ordinary one on PostgreSQL.
    pub async fn read(&self) -> Result<Tx, StoreError> {
        let inner = match &self.pool {
            Pool::Sqlite(pool) => TxInner::Sqlite(pool.begin().await?),
            Pool::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Tx { inner })
    }

    /// Runs maintenance `sql` that no transaction may hold (PostgreSQL's
    /// `VACUUM`) on a pooled connection of its own.
    pub(crate) async fn maintain(&self, sql: &'static str) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                sqlx::raw_sql(sql).execute(pool).await?;
            }
            Pool::Postgres(pool) => {
                sqlx::raw_sql(sql).execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Closes every pooled connection (waits for borrowed ones to return).
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }

    /// Installs a function that every transition calls after its writes and
    /// before `COMMIT`. Production code never sets one; the crash tests use it
    /// to stop a process inside a transaction.
    #[must_use]
    pub fn with_before_commit_hook(mut self, hook: BeforeCommitHook) -> Self {
        self.before_commit = Some(hook);
        self
    }

    pub(crate) fn run_before_commit_hook(&self) {
        if let Some(hook) = &self.before_commit {
            hook();
        }
    }
}

/// Keeps credentials out of error messages.
fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, _)) => format!("{scheme}://…"),
        None => "(not a URL)".to_owned(),
    }
}

enum TxInner {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// An open transaction. Every repository function takes `&mut Tx` so several
/// of them compose into one atomic change; dropping a `Tx` without
/// [`Tx::commit`] rolls it back.
pub struct Tx {
    inner: TxInner,
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx")
            .field("backend", &self.backend())
            .finish()
    }
}

/// A value bound to a `?` placeholder.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    I64(Option<i64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
    Bool(bool),
    Ts(Option<DateTime<Utc>>),
    Date(Option<NaiveDate>),
}

impl From<i64> for Arg {
    fn from(value: i64) -> Self {
        Self::I64(Some(value))
    }
}
impl From<Option<i64>> for Arg {
    fn from(value: Option<i64>) -> Self {
        Self::I64(value)
    }
}
impl From<&str> for Arg {
    fn from(value: &str) -> Self {
        Self::Text(Some(value.to_owned()))
    }
}
impl From<String> for Arg {
    fn from(value: String) -> Self {
        Self::Text(Some(value))
    }
}
impl From<Option<String>> for Arg {
    fn from(value: Option<String>) -> Self {
        Self::Text(value)
    }
}
impl From<Option<&str>> for Arg {
    fn from(value: Option<&str>) -> Self {
        Self::Text(value.map(str::to_owned))
    }
}
impl From<bool> for Arg {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}
impl From<DateTime<Utc>> for Arg {
    fn from(value: DateTime<Utc>) -> Self {
        Self::Ts(Some(value))
    }
}
impl From<Option<DateTime<Utc>>> for Arg {
    fn from(value: Option<DateTime<Utc>>) -> Self {
        Self::Ts(value)
    }
}
impl From<NaiveDate> for Arg {
    fn from(value: NaiveDate) -> Self {
        Self::Date(Some(value))
    }
}
impl From<Option<NaiveDate>> for Arg {
    fn from(value: Option<NaiveDate>) -> Self {
        Self::Date(value)
    }
}
impl From<Option<Vec<u8>>> for Arg {
    fn from(value: Option<Vec<u8>>) -> Self {
        Self::Bytes(value)
    }
}

/// Builds a `Vec<Arg>` from values of mixed types.
macro_rules! args {
    ($($value:expr),* $(,)?) => {
        vec![$($crate::db::Arg::from($value)),*]
    };
}
pub(crate) use args;

/// The text of a statement: written in the source, or [`Assembled`] at run
/// time from fragments written in the source. Nothing else converts into it,
/// so no value typed by a user can reach SQL text: values are bound to `?`.
pub(crate) struct Sql(std::borrow::Cow<'static, str>);

impl From<&'static str> for Sql {
    fn from(text: &'static str) -> Self {
        Self(std::borrow::Cow::Borrowed(text))
    }
}

/// A statement put together from fixed fragments and their values, for a
/// query whose conditions are optional (a listing's filters): each condition
/// asked for adds its own text, so the planner sees only those and can pick
/// the index that serves them, where `(? IS NULL OR col = ?)` would hide them.
#[derive(Debug, Default)]
pub(crate) struct Assembled {
    sql: String,
    args: Vec<Arg>,
}

impl Assembled {
    /// Starts with `sql`.
    pub(crate) fn new(sql: &'static str) -> Self {
        Self {
            sql: sql.to_owned(),
            args: Vec::new(),
        }
    }

    /// Appends `fragment` and the values of its placeholders.
    pub(crate) fn push(&mut self, fragment: &'static str, args: Vec<Arg>) -> &mut Self {
        debug_assert_eq!(fragment.matches('?').count(), args.len(), "{fragment}");
        self.sql.push_str(fragment);
        self.args.extend(args);
        self
    }

    /// The text and the values, for [`Tx::fetch_all`] and friends.
    pub(crate) fn finish(self) -> (Sql, Vec<Arg>) {
        (Sql(std::borrow::Cow::Owned(self.sql)), self.args)
    }
}

/// Rewrites `?` placeholders as `$1, $2, …`. Our SQL never has `?` inside a
/// string literal, so a plain scan is enough.
fn postgres_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

/// Time as the store keeps it: microsecond precision on both backends.
pub(crate) fn store_time(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

fn sqlite_time(at: DateTime<Utc>) -> String {
    store_time(at).format(SQLITE_TIME_FORMAT).to_string()
}

type SqliteQuery<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>;
type PgQuery<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

fn bind_sqlite(mut query: SqliteQuery<'_>, args: Vec<Arg>) -> SqliteQuery<'_> {
    for arg in args {
        query = match arg {
            Arg::I64(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
            Arg::Bytes(v) => query.bind(v),
            Arg::Bool(v) => query.bind(v),
            Arg::Ts(v) => query.bind(v.map(sqlite_time)),
            Arg::Date(v) => query.bind(v.map(|d| d.format(DATE_FORMAT).to_string())),
        };
    }
    query
}

fn bind_postgres(mut query: PgQuery<'_>, args: Vec<Arg>) -> PgQuery<'_> {
    for arg in args {
        query = match arg {
            Arg::I64(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
            Arg::Bytes(v) => query.bind(v),
            Arg::Bool(v) => query.bind(v),
            Arg::Ts(v) => query.bind(v.map(store_time)),
            Arg::Date(v) => query.bind(v),
        };
    }
    query
}

impl Tx {
    /// The engine this transaction runs on.
    pub fn backend(&self) -> Backend {
        match self.inner {
            TxInner::Sqlite(_) => Backend::Sqlite,
            TxInner::Postgres(_) => Backend::Postgres,
        }
    }

    /// Makes every change in this transaction durable.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.commit().await?,
            TxInner::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Discards every change in this transaction.
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.rollback().await?,
            TxInner::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }

    /// Runs a statement; returns the number of rows it changed.
    pub(crate) async fn execute(
        &mut self,
        sql: impl Into<Sql>,
        args: Vec<Arg>,
    ) -> Result<u64, StoreError> {
        let sql = sql.into();
        Ok(match &mut self.inner {
            TxInner::Sqlite(tx) => bind_sqlite(sqlx::query(AssertSqlSafe(sql.0)), args)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            TxInner::Postgres(tx) => bind_postgres(
                sqlx::query(AssertSqlSafe(postgres_placeholders(&sql.0))),
                args,
            )
            .execute(&mut **tx)
            .await?
            .rows_affected(),
        })
    }

    pub(crate) async fn fetch_all(
        &mut self,
        sql: impl Into<Sql>,
        args: Vec<Arg>,
    ) -> Result<Vec<Row>, StoreError> {
        let sql = sql.into();
        Ok(match &mut self.inner {
            TxInner::Sqlite(tx) => bind_sqlite(sqlx::query(AssertSqlSafe(sql.0)), args)
                .fetch_all(&mut **tx)
                .await?
                .into_iter()
                .map(Row::Sqlite)
                .collect(),
            TxInner::Postgres(tx) => bind_postgres(
                sqlx::query(AssertSqlSafe(postgres_placeholders(&sql.0))),
                args,
            )
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .map(Row::Postgres)
            .collect(),
        })
    }

    pub(crate) async fn fetch_optional(
        &mut self,
        sql: impl Into<Sql>,
        args: Vec<Arg>,
    ) -> Result<Option<Row>, StoreError> {
        let sql = sql.into();
        Ok(match &mut self.inner {
            TxInner::Sqlite(tx) => bind_sqlite(sqlx::query(AssertSqlSafe(sql.0)), args)
                .fetch_optional(&mut **tx)
                .await?
                .map(Row::Sqlite),
            TxInner::Postgres(tx) => bind_postgres(
                sqlx::query(AssertSqlSafe(postgres_placeholders(&sql.0))),
                args,
            )
            .fetch_optional(&mut **tx)
            .await?
            .map(Row::Postgres),
        })
    }

    pub(crate) async fn fetch_one(
        &mut self,
        sql: impl Into<Sql>,
        args: Vec<Arg>,
    ) -> Result<Row, StoreError> {
        self.fetch_optional(sql, args)
            .await?
            .ok_or(StoreError::Database(sqlx::Error::RowNotFound))
    }
}

/// A result row from either backend, read through typed getters.
pub(crate) enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

/// A Rust type both drivers decode the same way.
pub(crate) trait Column:
    for<'r> sqlx::Decode<'r, Sqlite>
    + sqlx::Type<Sqlite>
    + for<'r> sqlx::Decode<'r, Postgres>
    + sqlx::Type<Postgres>
{
}
impl<T> Column for T where
    T: for<'r> sqlx::Decode<'r, Sqlite>
        + sqlx::Type<Sqlite>
        + for<'r> sqlx::Decode<'r, Postgres>
        + sqlx::Type<Postgres>
{
}

impl Row {
    pub(crate) fn get<T: Column>(&self, column: &'static str) -> Result<T, StoreError> {
        Ok(match self {
            Self::Sqlite(row) => row.try_get(column)?,
            Self::Postgres(row) => row.try_get(column)?,
        })
    }

    pub(crate) fn opt_ts(&self, column: &'static str) -> Result<Option<DateTime<Utc>>, StoreError> {
        match self {
            Self::Sqlite(row) => {
                let text: Option<String> = row.try_get(column)?;
                text.map(|t| {
                    NaiveDateTime::parse_from_str(&t, SQLITE_TIME_FORMAT)
                        .map(|naive| naive.and_utc())
                        .map_err(|_| StoreError::Corrupt {
                            column,
                            reason: "timestamp not in the store's format",
                        })
                })
                .transpose()
            }
            Self::Postgres(row) => Ok(row.try_get(column)?),
        }
    }

    pub(crate) fn ts(&self, column: &'static str) -> Result<DateTime<Utc>, StoreError> {
        self.opt_ts(column)?.ok_or(StoreError::Corrupt {
            column,
            reason: "timestamp missing",
        })
    }

    pub(crate) fn opt_date(&self, column: &'static str) -> Result<Option<NaiveDate>, StoreError> {
        match self {
            Self::Sqlite(row) => {
                let text: Option<String> = row.try_get(column)?;
                text.map(|t| {
                    NaiveDate::parse_from_str(&t, DATE_FORMAT).map_err(|_| StoreError::Corrupt {
                        column,
                        reason: "date not in YYYY-MM-DD form",
                    })
                })
                .transpose()
            }
            Self::Postgres(row) => Ok(row.try_get(column)?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order_for_postgres() {
        assert_eq!(
            postgres_placeholders("UPDATE t SET a = ?, b = ? WHERE id = ?"),
            "UPDATE t SET a = $1, b = $2 WHERE id = $3"
        );
    }

    #[test]
    fn sqlite_timestamps_sort_as_text_in_time_order() {
        let early = DateTime::parse_from_rfc3339("2026-11-26T09:00:00.5Z").unwrap();
        let late = DateTime::parse_from_rfc3339("2026-11-26T09:00:00.123456Z").unwrap();
        let whole = DateTime::parse_from_rfc3339("2026-11-26T09:00:01Z").unwrap();
        let texts: Vec<String> = [early, late, whole]
            .iter()
            .map(|t| sqlite_time(t.with_timezone(&Utc)))
            .collect();
        // 09:00:00.123456 < 09:00:00.500000 < 09:00:01.000000
        assert!(texts[1] < texts[0]);
        assert!(texts[0] < texts[2]);
        assert_eq!(texts[2], "2026-11-26T09:00:01.000000Z");
    }
}
