//! After the full optional-proxy flow, none of the PINs typed at the counter
//! (current and new) is anywhere the server writes: the database files
//! (SQLite: the database, its WAL and shared memory, copied while the server
//! runs and read again after a graceful stop, and every row of every table;
//! PostgreSQL: every row of every table, and `pg_dump` when it can dump this
//! server), the server's log at debug level, and every queued mail payload
//! in the outbox.
//!
//! The scan is a byte search through the shared matcher
//! (`helpers::assert_secret_absent`): PINs are matched as whole values (not
//! inside a longer run of letters and digits, nor hyphen-joined to one), so
//! a hash, a request id or a timestamp that happens to contain the digits
//! is not taken for a leak; a PIN written as a value anywhere (`"8273"`,
//! `=8273`, a line of its own) is still found. Markers planted through
//! ordinary fields (the proxy's name and ID number) must be found by the
//! same matcher, so the scan cannot pass by seeing nothing.

use std::path::Path;

use serde_json::json;

use crate::flow::{PinChange, proxy_flow};
use crate::helpers::{
    TestApp, assert_marker_found, assert_secret_absent, contains_whole, run_postgres_with,
};

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
pub type Source = (String, Vec<u8>);

fn pins() -> Vec<&'static str> {
    CHANGES
        .iter()
        .flat_map(|(_, current, new)| [*current, *new])
        .collect()
}

fn assert_no_pin(sources: &[Source]) {
    for (name, bytes) in sources {
        for pin in pins() {
            assert_secret_absent(name, bytes, pin);
        }
    }
}

/// Asserts that `marker` is in at least one of `sources` (`what` names them).
fn assert_found_in(sources: &[Source], marker: &str, what: &str) {
    let names: Vec<&str> = sources.iter().map(|(name, _)| name.as_str()).collect();
    assert!(
        sources
            .iter()
            .any(|(_, bytes)| contains_whole(bytes, marker)),
        "the scan does not find the planted {marker:?} in {what} {names:?}: it would miss a PIN too"
    );
}

/// Every file in `dir`, read now.
pub fn files_in(dir: &Path, label: &str) -> Vec<Source> {
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
    let Some(log) = app.scannable_log() else {
        return Vec::new();
    };
    for marker in ["case opened", "DEBUG"] {
        assert_marker_found("the debug server log", &log, marker);
    }
    vec![("the server log".to_owned(), log.into_bytes())]
}

pub fn outbox_source(payloads: Vec<String>) -> Vec<Source> {
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
    let (rows, outbox) = sqlite_rows_and_outbox(app.database_url()).await;

    for sources in [&running, &stopped, &rows, &log, &outbox] {
        assert_no_pin(sources);
    }
    for marker in [NAME_MARKER, DIGITS_MARKER] {
        assert_found_in(&running, marker, "the running database files");
        assert_found_in(&stopped, marker, "the stopped database files");
        assert_found_in(&rows, marker, "the rows");
    }
}

/// Every row of every table of the SQLite database at `url`, and the
/// outbox payloads (which must not be empty), of a stopped server.
pub async fn sqlite_rows_and_outbox(url: &str) -> (Vec<Source>, Vec<Source>) {
    let pool = sqlx::SqlitePool::connect(url).await.unwrap();
    let rows = every_sqlite_row(&pool).await;
    let payloads: Vec<String> = sqlx::query_scalar("SELECT payload FROM outbox")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    (rows, outbox_source(payloads))
}

/// The same for the PostgreSQL database at `url`.
pub async fn postgres_rows_and_outbox(url: &str) -> (Vec<Source>, Vec<Source>) {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let rows = every_row(&pool).await;
    let payloads: Vec<String> = sqlx::query_scalar("SELECT payload FROM outbox")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    (rows, outbox_source(payloads))
}

/// Every row of every table, each value as SQLite's `quote()` writes it
/// (text in quotes, numbers bare, blobs as `X'…'`), one row a line. The
/// file scan alone is not enough for whole values: a record stores its
/// values side by side, so a PIN stored right after a text value ending in
/// a letter or digit would not stand alone there; here every value does.
async fn every_sqlite_row(pool: &sqlx::SqlitePool) -> Vec<Source> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(tables.iter().any(|t| t == "cases"), "{tables:?}");
    let mut rows = Vec::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?1)")
            .bind(&table)
            .fetch_all(pool)
            .await
            .unwrap();
        let values: Vec<String> = columns.iter().map(|c| format!("quote(\"{c}\")")).collect();
        // The table and column names come from the catalogue, quoted.
        let sql = format!("SELECT {} FROM \"{table}\"", values.join(" || ',' || "));
        let text: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await
            .unwrap();
        rows.push((format!("table {table}"), text.join("\n").into_bytes()));
    }
    rows
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
pub fn pg_dump(url: &str) -> Vec<Source> {
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

    let (rows, outbox) = postgres_rows_and_outbox(app.database_url()).await;
    let dump = pg_dump(app.database_url());
    let log = captured_log(&app);

    for sources in [&rows, &dump, &log, &outbox] {
        assert_no_pin(sources);
    }
    for marker in [NAME_MARKER, DIGITS_MARKER] {
        assert_found_in(&rows, marker, "the rows");
        if !dump.is_empty() {
            assert_found_in(&dump, marker, "the dump");
        }
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

/// The matcher every secret scan uses (`helpers::assert_secret_absent`),
/// on the shapes a log, a page or a database really has.
mod the_matcher {
    use crate::helpers::{assert_secret_absent, contains_whole};

    #[test]
    fn finds_a_pin_written_as_a_value() {
        for leak in [
            &br#"{"current":"4739"}"#[..],
            b"pin=4739\n",
            b"user_auth_current=4739&user_auth_new=8561",
            b"changes: [Change { current: 4739, new: 8561 }]",
            b"<input value=\"4739\">",
            b"4739",
            b"current=4739,",
            "暗証番号 4739 を".as_bytes(),
            b"\x00\x1b\x174739\x02\x00",
        ] {
            assert!(
                contains_whole(leak, "4739"),
                "{}",
                String::from_utf8_lossy(leak)
            );
        }
    }

    #[test]
    fn finds_a_pin_logged_as_a_field_behind_ansi_colour_codes() {
        // How tracing-subscriber writes `current = 4739` with colours on.
        let line = b"\x1b[2m2026-11-29T07:04:00.473912Z\x1b[0m \x1b[32m INFO\x1b[0m \
                     \x1b[3mcurrent\x1b[0m\x1b[2m=\x1b[0m4739";
        assert!(contains_whole(line, "4739"));
    }

    #[test]
    fn does_not_find_a_pin_inside_a_timestamp_a_hash_a_request_id_or_a_phone_number() {
        for chance in [
            &b"2026-11-29T07:04:00.473912Z  INFO request"[..],
            b"2026-11-29T07:04:00.004739Z",
            b"sha256 9abde57459dd44232378d4c347392b59",
            b"request_id=5f0c1a2b-4739-4abc-9def-0123456789ab}",
            b"request_id=5f0c1a2b-1234-4739-9def-0123456789ab}",
            b"request_id=5f0c1a2b-1234-4abc-9def-0123456f4739}",
            b"listening on 127.0.0.1:47391",
            b"phone 090-4739-5678",
            b"ref R8-004739-1",
        ] {
            assert!(
                !contains_whole(chance, "4739"),
                "{}",
                String::from_utf8_lossy(chance)
            );
        }
    }

    #[test]
    fn treats_alphanumeric_secrets_and_codes_the_same_way() {
        assert!(contains_whole(br#""new":"QZ7XW4K9""#, "QZ7XW4K9"));
        assert!(!contains_whole(b"XQZ7XW4K9", "QZ7XW4K9"));
        assert!(contains_whole(
            "照会番号 7KQ4M-9XD2F です".as_bytes(),
            "7KQ4M-9XD2F"
        ));
        assert!(!contains_whole(b"A7KQ4M-9XD2F", "7KQ4M-9XD2F"));
        assert!(contains_whole("名前 走査".as_bytes(), "走査"));
    }

    #[test]
    #[should_panic(
        expected = "the secret \"4739\" is in the server log (1 whole match): line 2: \
                               2026-11-29T07:04:00.500001Z  INFO current=4739 left=2"
    )]
    fn a_failure_names_the_source_and_shows_the_whole_line() {
        let log = "2026-11-29T07:04:00.473912Z  INFO opened\n\
                   2026-11-29T07:04:00.500001Z  INFO \x1b[3mcurrent\x1b[0m=4739 left=2\n\
                   2026-11-29T07:04:00.600000Z  INFO done\n";
        assert_secret_absent("the server log", log, "4739");
    }

    #[test]
    #[should_panic(
        expected = "the secret \"4739\" is in shokai.db (1 whole match): byte 44 of 92: \
                               …\\u{0}\\u{0}\\u{0}\\u{0}"
    )]
    fn a_failure_in_a_binary_file_shows_the_bytes_around_the_match_escaped() {
        let mut file = vec![0u8; 44];
        file.extend_from_slice(b"4739");
        file.extend_from_slice(&[0xff; 44]);
        assert_secret_absent("shokai.db", &file, "4739");
    }
}
