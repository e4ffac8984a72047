//! After the full optional-proxy flow, none of the PINs typed at the counter
//! (current and new) is anywhere the server writes: the database files
//! (SQLite: the database, its WAL and shared memory, copied while the server
//! runs and read again after a graceful stop; PostgreSQL: every row of every
//! table, and `pg_dump` when it can dump this server), the server's log at
//! debug level, and every queued mail payload in the outbox.
//!
//! The scan is a byte search. Four-digit PINs are matched as whole tokens
//! (not inside a longer run of letters and digits), so a hash or a
//! timestamp that happens to contain the digits is not taken for a leak;
//! a PIN written as a value anywhere (`"8273"`, `=8273`, a line of its own)
//! is still found. Markers planted through ordinary fields (the proxy's name
//! and ID number) must be found, so the scan cannot pass by seeing nothing.

use std::path::Path;

use serde_json::json;

use crate::flow::{PinChange, proxy_flow};
use crate::helpers::{TestApp, run_postgres_with};

/// The PINs changed on a card made for this test, chosen to be distinctive:
/// (kind, current, new).
const CHANGES: [PinChange; 2] = [
    ("signature", "SCAN7QX2", "QZ7XW4K9"),
    ("user_auth", "8273", "6158"),
];

/// Written into the proxy's name: it must show up in the database.
const NAME_MARKER: &str = "走査";
/// Written as the last four digits of the proxy's ID: a four-digit token
/// stored like a PIN would be, which the scan must find.
const DIGITS_MARKER: &str = "4410";

/// What was scanned: a name for messages and the bytes.
type Source = (String, Vec<u8>);

/// Whether `needle` occurs in `haystack` as a whole token: not directly
/// after or before an ASCII letter or digit.
fn contains_token(haystack: &[u8], needle: &str) -> bool {
    let needle = needle.as_bytes();
    let alnum = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    haystack.windows(needle.len()).enumerate().any(|(i, w)| {
        w == needle
            && !alnum(i.checked_sub(1).and_then(|j| haystack.get(j)))
            && !alnum(haystack.get(i + needle.len()))
    })
}

fn pins() -> Vec<&'static str> {
    CHANGES
        .iter()
        .flat_map(|(_, current, new)| [*current, *new])
        .collect()
}

fn assert_no_pin(sources: &[Source]) {
    for (name, bytes) in sources {
        for pin in pins() {
            assert!(!contains_token(bytes, pin), "the PIN {pin} is in {name}");
        }
    }
}

fn found_in(sources: &[Source], marker: &str) -> bool {
    sources
        .iter()
        .any(|(_, bytes)| contains_token(bytes, marker))
}

/// Every file in `dir`, read now.
fn files_in(dir: &Path, label: &str) -> Vec<Source> {
    let mut files: Vec<Source> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path| {
            (
                format!("{label} {}", path.display()),
                std::fs::read(&path).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// Puts a card with [`CHANGES`]' current PINs into the terminal, then runs
/// the flow with the markers in the application.
async fn flow_on_scan_card(app: &TestApp) {
    let (code, _, stderr) = app
        .cli(
            &[
                "card",
                "sim",
                "new",
                "--out",
                "card.json",
                "--force",
                "--seed",
                "pin-scan",
                "--signature-pin",
                CHANGES[0].1,
                "--user-auth-pin",
                CHANGES[1].1,
                "--resident-pin",
                "5902",
                "--card-info-pin",
                "3617",
            ],
            "",
        )
        .await;
    assert_eq!(code, Some(0), "{stderr}");
    proxy_flow(app, &CHANGES, |intake| {
        intake["representation"]["person"]["name"] = json!(format!("目印 {NAME_MARKER}"));
        intake["representation"]["id_document"]["number_last4"] = json!(DIGITS_MARKER);
    })
    .await;
}

/// The server's log, checked to be really there (empty under TEST_LOG,
/// which sends it to the terminal: then it cannot be scanned).
fn captured_log(app: &TestApp) -> Vec<Source> {
    if std::env::var_os("TEST_LOG").is_some() {
        return Vec::new();
    }
    let log = app.server_log();
    assert!(
        log.contains("case opened") && log.contains("DEBUG"),
        "the debug log was captured: {log}"
    );
    vec![("the server log".to_owned(), log.into_bytes())]
}

fn outbox_source(payloads: Vec<String>) -> Vec<Source> {
    assert!(
        !payloads.is_empty(),
        "the flow queued mail (the proxy's notice)"
    );
    vec![(
        "the outbox payloads".to_owned(),
        payloads.join("\n").into_bytes(),
    )]
}

async fn sqlite_scan(mut app: TestApp) {
    flow_on_scan_card(&app).await;

    // While the server runs its connections keep the WAL; a graceful stop
    // checkpoints it into the database and may delete it.
    let running = files_in(app.data_dir(), "while running:");
    let wal = running
        .iter()
        .find(|(name, _)| name.ends_with("shokai.db-wal"));
    assert!(
        wal.is_some_and(|(_, bytes)| !bytes.is_empty()),
        "the WAL was copied: {:?}",
        running.iter().map(|s| &s.0).collect::<Vec<_>>()
    );
    assert!(app.stop().await.success(), "the server stopped gracefully");
    let stopped = files_in(app.data_dir(), "after stopping:");
    let log = captured_log(&app);
    let pool = sqlx::SqlitePool::connect(app.database_url()).await.unwrap();
    let payloads: Vec<String> = sqlx::query_scalar("SELECT payload FROM outbox")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    let outbox = outbox_source(payloads);

    for sources in [&running, &stopped, &log, &outbox] {
        assert_no_pin(sources);
    }
    for marker in [NAME_MARKER, DIGITS_MARKER] {
        assert!(
            found_in(&running, marker),
            "the scan finds {marker} in the running database files"
        );
        assert!(
            found_in(&stopped, marker),
            "the scan finds {marker} in the stopped database files"
        );
    }
}

/// Every row of every table of the current schema, as JSON text.
async fn every_row(pool: &sqlx::PgPool) -> Vec<Source> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(tables.iter().any(|t| t == "cases"), "{tables:?}");
    let mut rows = Vec::new();
    for table in tables {
        let sql = format!("SELECT row_to_json(t)::text FROM \"{table}\" t");
        // The table names come from the catalogue, quoted.
        let json: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await
            .unwrap();
        rows.push((format!("table {table}"), json.join("\n").into_bytes()));
    }
    rows
}

/// `pg_dump --data-only` of the database, when a pg_dump that can dump this
/// server is installed (an older one refuses a newer server).
fn pg_dump(url: &str) -> Vec<Source> {
    match std::process::Command::new("pg_dump")
        .args(["--data-only", "--dbname", url])
        .output()
    {
        Ok(out) if out.status.success() => vec![("pg_dump".to_owned(), out.stdout)],
        Ok(out) => {
            eprintln!(
                "pg_dump could not dump the test database: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Vec::new()
        }
        Err(e) => {
            eprintln!("pg_dump is not available ({e}); every row was read with row_to_json");
            Vec::new()
        }
    }
}

async fn postgres_scan(mut app: TestApp) {
    flow_on_scan_card(&app).await;
    assert!(app.stop().await.success(), "the server stopped gracefully");

    let pool = sqlx::PgPool::connect(app.database_url()).await.unwrap();
    let rows = every_row(&pool).await;
    let payloads: Vec<String> = sqlx::query_scalar("SELECT payload FROM outbox")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    let dump = pg_dump(app.database_url());
    let outbox = outbox_source(payloads);
    let log = captured_log(&app);

    for sources in [&rows, &dump, &log, &outbox] {
        assert_no_pin(sources);
    }
    for marker in [NAME_MARKER, DIGITS_MARKER] {
        assert!(
            found_in(&rows, marker),
            "the scan finds {marker} in the rows"
        );
        assert!(
            dump.is_empty() || found_in(&dump, marker),
            "the scan finds {marker} in the dump"
        );
    }
}

mod no_pin_typed_at_the_counter_is_in_the_database_the_log_or_the_outbox {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        sqlite_scan(TestApp::spawn_with(&[("SHOKAI_LOG", "debug")]).await).await;
    }

    #[tokio::test]
    async fn postgres() {
        run_postgres_with(module_path!(), &[("SHOKAI_LOG", "debug")], postgres_scan).await;
    }
}

#[test]
fn a_pin_is_found_as_a_value_but_not_inside_a_hash_or_a_timestamp() {
    assert!(contains_token(br#"{"current":"8273"}"#, "8273"));
    assert!(contains_token(b"pin=8273\n", "8273"));
    assert!(contains_token("名前 走査".as_bytes(), "走査"));
    assert!(!contains_token(b"a18273f0", "8273"));
    assert!(!contains_token(b"12:00:00.827301Z", "8273"));
}
