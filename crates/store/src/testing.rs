//! Test support shared by the store's tests and the server's end-to-end
//! tests: a fresh PostgreSQL database per test, and the skip record that
//! `make test` counts when `SHOKAI_TEST_POSTGRES` is not set.

use std::path::Path;

use rand::RngCore;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

use crate::error::StoreError;

/// Names the PostgreSQL server tests may create databases on, e.g.
/// `postgres://postgres@127.0.0.1:5432/test`.
pub const POSTGRES_ENV: &str = "SHOKAI_TEST_POSTGRES";

/// Directory under a test target's `CARGO_TARGET_TMPDIR` holding one empty
/// file per PostgreSQL test that did not run.
pub const PG_SKIPPED_DIR: &str = "shokai-store-pg-skipped";

/// A database created for one test; call [`PostgresTestDatabase::drop_database`]
/// when done (also after a failed test).
#[derive(Debug)]
pub struct PostgresTestDatabase {
    admin: PgConnection,
    name: String,
    url: String,
}

impl PostgresTestDatabase {
    /// Creates an empty database with a random name on the server of `admin_url`.
    pub async fn create(admin_url: &str) -> Result<Self, StoreError> {
        let mut suffix = [0u8; 8];
        rand::rng().fill_bytes(&mut suffix);
        let name = format!("shokai_test_{}", hex::encode(suffix));
        let mut admin = PgConnection::connect(admin_url).await?;
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await?;
        let url = database_url(admin_url, &name);
        Ok(Self { admin, name, url })
    }

    /// The new database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Drops the database, closing any connection still open to it.
    pub async fn drop_database(mut self) -> Result<(), StoreError> {
        sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP DATABASE {} WITH (FORCE)",
            self.name
        )))
        .execute(&mut self.admin)
        .await?;
        Ok(())
    }
}

/// `admin_url` with its database name replaced by `name`.
pub fn database_url(admin_url: &str, name: &str) -> String {
    let (without_query, query) = match admin_url.split_once('?') {
        Some((url, query)) => (url, Some(query)),
        None => (admin_url, None),
    };
    let base = match without_query.rsplit_once('/') {
        Some((base, _)) if base.contains("://") && !base.ends_with('/') => base,
        _ => without_query.trim_end_matches('/'),
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// Records that `test` did not run on PostgreSQL; `target_tmpdir` is the test
/// target's `env!("CARGO_TARGET_TMPDIR")`.
pub fn record_postgres_skip(target_tmpdir: &Path, test: &str) {
    let dir = target_tmpdir.join(PG_SKIPPED_DIR);
    // Best effort: a missing record only makes the summary line undercount.
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(test.replace("::", ".")), b"");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_database_url_keeps_host_credentials_and_options() {
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            database_url("postgres://u:p@h/test?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
    }
}
