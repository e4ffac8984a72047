//! Runs each test body against a fresh SQLite file and, when
//! `SHOKAI_TEST_POSTGRES` names a server, a fresh PostgreSQL database created
//! with a random name and dropped afterwards.
//!
//! Without `SHOKAI_TEST_POSTGRES` the PostgreSQL half of each test records a
//! skip under `<target>/tmp/shokai-store-pg-skipped/`, which `make test`
//! counts and reports. With it set, failing to reach the server fails the test.

use std::future::Future;
use std::path::{Path, PathBuf};

use rand::RngCore;
use shokai_store::Store;
use shokai_store::testing::{POSTGRES_ENV, PostgresTestDatabase, record_postgres_skip};
use sqlx::Connection;

/// Set when a test re-runs itself as a child process (the crash test): the
/// child works on its parent's database instead of making its own.
pub const CHILD_DB_ENV: &str = "SHOKAI_STORE_TEST_CHILD_DB";

/// A migrated, empty database for one test.
#[derive(Debug, Clone)]
pub struct TestDb {
    /// The store under test.
    pub store: Store,
    /// Its URL, for opening a second connection (raw SQL, child processes).
    pub url: String,
}

/// Defines a test that runs the same body on both backends, as
/// `<name>::sqlite` and `<name>::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($(#[$meta:meta])* async fn $name:ident($db:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($db: $crate::harness::TestDb) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                $crate::harness::run_sqlite(body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                $crate::harness::run_postgres(module_path!(), body).await;
            }
        }
    };
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// In a child process: runs `body` on the parent's database, untouched.
async fn run_as_child<F, Fut>(url: String, body: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let store = Store::connect(&url)
        .await
        .expect("open the parent's database");
    body(TestDb { store, url }).await;
}

/// Opens and migrates `url`, runs `body` on it, closes the store. A panic in
/// `body` is returned rather than raised so the caller can clean up first.
async fn run_on<F, Fut>(url: String, body: F) -> Result<(), Box<dyn std::any::Any + Send>>
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let store = Store::connect(&url).await.expect("open the test database");
    store.migrate().await.expect("migrate the test database");
    let outcome = tokio::spawn(body(TestDb {
        store: store.clone(),
        url,
    }))
    .await
    .map_err(tokio::task::JoinError::into_panic);
    store.close().await;
    outcome
}

/// Runs `body` against a fresh SQLite file in the target directory.
pub async fn run_sqlite<F, Fut>(body: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    if let Ok(url) = std::env::var(CHILD_DB_ENV) {
        return run_as_child(url, body).await;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("shokai-store-tests");
    let path = dir.join(format!("{}.db", random_suffix()));
    let outcome = run_on(format!("sqlite://{}", path.display()), body).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Runs `body` against a fresh PostgreSQL database, or records a skip.
pub async fn run_postgres<F, Fut>(test: &str, body: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    if let Ok(url) = std::env::var(CHILD_DB_ENV) {
        return run_as_child(url, body).await;
    }
    let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
        record_postgres_skip(Path::new(env!("CARGO_TARGET_TMPDIR")), test);
        return;
    };
    let database = PostgresTestDatabase::create(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but PostgreSQL is unusable: {e:?}"));
    let outcome = run_on(database.url().to_owned(), body).await;
    database.drop_database().await.expect("drop test database");
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Raw SQL on the test database, bypassing the store: how the tampering tests
/// play an attacker with database access.
pub async fn raw_sql(db: &TestDb, sql: &str) {
    raw_sql_at(&db.url, sql).await;
}

/// Raw SQL on the database at `url` (which need not be migrated).
pub async fn raw_sql_at(url: &str, sql: &str) {
    try_raw_sql(url, sql).await.expect("raw SQL");
}

/// Raw SQL on the database at `url`, returning the database's refusal.
async fn try_raw_sql(url: &str, sql: &str) -> Result<(), sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url)
            .await
            .expect("raw SQLite");
        sqlx::raw_sql(sql).execute(&mut conn).await.map(|_| ())
    } else {
        let mut conn = sqlx::PgConnection::connect(url)
            .await
            .expect("raw PostgreSQL");
        sqlx::raw_sql(sql).execute(&mut conn).await.map(|_| ())
    }
}

/// Drops the append-only triggers of migration 10, as an insider with DDL
/// rights can: the tampering tests need it to edit audit rows at all, which
/// is exactly why the signed checkpoints exist.
pub const DROP_AUDIT_TRIGGERS_SQLITE: &str = "DROP TRIGGER audit_log_no_update; \
     DROP TRIGGER audit_log_purge_only_removes; DROP TRIGGER audit_log_no_delete;";
/// The same on PostgreSQL.
pub const DROP_AUDIT_TRIGGERS_POSTGRES: &str = "DROP TRIGGER audit_log_append_only ON audit_log; \
     DROP TRIGGER audit_log_no_truncate ON audit_log;";

/// Raw SQL run after dropping the audit log's append-only triggers: an
/// insider with DDL rights.
pub async fn insider_sql(db: &TestDb, sql: &str) {
    let drop = if db.url.starts_with("sqlite:") {
        DROP_AUDIT_TRIGGERS_SQLITE
    } else {
        DROP_AUDIT_TRIGGERS_POSTGRES
    };
    raw_sql(db, &format!("{drop} {sql}")).await;
}

/// Raw SQL that must fail; returns the database's error message.
pub async fn raw_sql_error(db: &TestDb, sql: &str) -> String {
    match try_raw_sql(&db.url, sql).await {
        Ok(()) => panic!("{sql} should have been refused"),
        Err(e) => e.to_string(),
    }
}
