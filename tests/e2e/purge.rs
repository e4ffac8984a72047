//! The retention purge through the real binary: a case driven to `pin_set`
//! with a letter printed, a batch with its 発送簿, the proxy's mail queued
//! and a response attempt, carrying distinctive names, readings, an
//! address, phones, an e-mail address and an ID number; `shokai purge
//! --closed-before` then erases every one of them from the database —
//! every row of every table dumped as text, and on SQLite the database
//! file and its WAL read byte by byte — while a case still open keeps its
//! own. Each string is found before the purge, so the scan cannot pass by
//! seeing nothing, and `shokai audit verify` still says intact.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::flow::{PIN_CHANGES, proxy_flow};
use crate::helpers::{PASSWORD, TestApp, contains_whole, proxy_intake};
use crate::pin_scan::{Source, files_in};

/// The closing case's personal data, as typed at intake: each string is
/// found nowhere else in the database.
const PURGED: [&str; 11] = [
    "消去野",                     // the cardholder's family name
    "抹子",                       // the cardholder's given name
    "ショウキョノ",               // the cardholder's reading
    "マツコ",                     // (also in cases.cardholder_kana)
    "消去町九丁目",               // the cardholder's address
    "0312348765",                 // the cardholder's phone
    "削除川",                     // the proxy's name
    "サクジョガワ",               // the proxy's reading
    "09087654321",                // the proxy's phone
    "shoukyo.matsuko@example.jp", // the proxy's e-mail
    "2010-05-17",                 // the cardholder's date of birth
];
/// The proxy's ID number (last four digits): matched as a whole value.
const PURGED_ID: &str = "7539";
/// The open case's personal data, which the purge must leave alone.
const KEPT: [&str; 3] = ["保持田", "ホジタ", "保持町一丁目"];

/// The closing case's application.
fn purged_intake(intake: &mut Value) {
    intake["cardholder"]["name"] = json!({ "name": "消去野 抹子", "kana": "ショウキョノ マツコ" });
    intake["cardholder"]["address"]["rest"] = json!("消去町九丁目8番7号");
    intake["cardholder"]["phone"] = json!("03-1234-8765");
    intake["cardholder"]["date_of_birth"] = json!("2010-05-17");
    intake["representation"]["person"] =
        json!({ "name": "削除川 代理", "kana": "サクジョガワ ダイリ" });
    intake["representation"]["phone"] = json!("090-8765-4321");
    intake["representation"]["email"] = json!("shoukyo.matsuko@example.jp");
    intake["representation"]["id_document"]["number_last4"] = json!(PURGED_ID);
}

/// An application still open when the purge runs.
fn kept_intake() -> Value {
    let mut intake = proxy_intake();
    intake["cardholder"]["name"] = json!({ "name": "保持田 継子", "kana": "ホジタ ツグコ" });
    intake["cardholder"]["address"]["rest"] = json!("保持町一丁目2番3号");
    intake
}

/// `text` as the database shows it in a text dump of a binary column:
/// hexadecimal, lower case (PostgreSQL's `\x…`) and upper case (SQLite's
/// `quote()`, `X'…'`).
fn hex_forms(text: &str) -> [String; 2] {
    let lower: String = text.bytes().map(|b| format!("{b:02x}")).collect();
    [lower.clone(), lower.to_uppercase()]
}

fn found(sources: &[Source], needle: &str) -> Vec<String> {
    let forms = std::iter::once(needle.to_owned()).chain(hex_forms(needle));
    let forms: Vec<String> = forms.collect();
    sources
        .iter()
        .filter(|(_, bytes)| {
            forms
                .iter()
                .any(|f| bytes.windows(f.len()).any(|w| w == f.as_bytes()))
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// Asserts that each of `needles` is in `sources` (`present`) or in none of them.
fn assert_each(sources: &[Source], needles: &[&str], present: bool, when: &str) {
    assert!(!sources.is_empty(), "nothing was scanned {when}");
    for needle in needles {
        let places = found(sources, needle);
        assert_eq!(
            !places.is_empty(),
            present,
            "{needle:?} {when}: found in {places:?}"
        );
    }
}

/// Whether the proxy's ID number is stored as an ID number: within a few
/// bytes after an `number_last4` key (JSON, or JSON inside a row's text
/// with its quotes doubled), so four digits that happen to begin a hash are
/// not taken for it.
fn id_found(sources: &[Source]) -> bool {
    let key = b"number_last4";
    sources.iter().any(|(_, bytes)| {
        bytes.windows(key.len()).enumerate().any(|(at, w)| {
            let after = &bytes[at + key.len()..bytes.len().min(at + key.len() + 12)];
            w == key && contains_whole(after, PURGED_ID)
        })
    })
}

/// Every row of every table of the PostgreSQL database at `url`, each row
/// as PostgreSQL writes it as text (`SELECT t::text FROM table t`).
async fn postgres_rows(url: &str) -> Vec<Source> {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(tables.iter().any(|t| t == "access_log"), "{tables:?}");
    let mut rows = Vec::new();
    for table in tables {
        // The table names come from the catalogue, quoted.
        let sql = format!("SELECT t::text FROM \"{table}\" t");
        let text: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(&pool)
            .await
            .unwrap();
        rows.push((format!("table {table}"), text.join("\n").into_bytes()));
    }
    pool.close().await;
    rows
}

/// Every row (and, for SQLite, the database files) as they are now.
async fn database(app: &TestApp) -> Vec<Source> {
    if app.database_url().starts_with("sqlite:") {
        let (mut rows, _) = crate::pin_scan::sqlite_rows_and_outbox(app.database_url()).await;
        rows.extend(database_files(app));
        rows
    } else {
        postgres_rows(app.database_url()).await
    }
}

/// The SQLite database, its WAL and shared memory, byte for byte.
fn database_files(app: &TestApp) -> Vec<Source> {
    files_in(app.data_dir(), "file:")
        .into_iter()
        .filter(|(name, _)| name.contains("shokai.db"))
        .collect()
}

/// The purged case (to `pin_set`, its letter printed, batched and mailed,
/// the proxy's mail queued, a response attempt) and a case still open.
async fn two_cases(app: &TestApp) -> (String, i64) {
    let run = proxy_flow(app, &PIN_CHANGES, purged_intake).await;
    let login = app.login("clerk", PASSWORD).await;
    let clerk: Value = login.json().await.unwrap();
    let clerk = clerk["token"].as_str().unwrap().to_owned();
    let kept = app.open_case_on_new_card(&clerk, &kept_intake()).await;
    (run.reference, kept["id"].as_i64().unwrap())
}

/// Tomorrow in Japan: every case closed so far closed before it.
fn tomorrow_in_japan() -> String {
    let japan = chrono::FixedOffset::east_opt(9 * 3600).unwrap();
    (chrono::Utc::now().with_timezone(&japan).date_naive() + chrono::Duration::days(1)).to_string()
}

crate::both_backends! {
async fn the_purge_erases_a_closed_cases_personal_data_from_every_byte_of_the_database(app) {
    let mut app = app;
    let (reference, kept_id) = two_cases(&app).await;
    let before = database(&app).await;
    assert_each(&before, &PURGED, true, "before the purge");
    assert_each(&before, &KEPT, true, "before the purge");
    assert!(id_found(&before), "the proxy's ID number is stored before the purge");
    for table in ["table print_batches", "table outbox", "table audit_log", "table cases", "table response_attempts"] {
        assert!(before.iter().any(|(name, _)| name == table), "{table} was dumped");
    }
    assert!(found(&before, "消去野").contains(&"table print_batches".to_owned()), "the 発送簿 names the cardholder");
    assert!(found(&before, "shoukyo.matsuko@example.jp").contains(&"table outbox".to_owned()), "the mail was queued");

    let (code, out, err) = app.cli(&["purge", "--closed-before", &tomorrow_in_japan()], "").await;

    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains(&format!("purged the personal data of 1 case(s) closed before {}", tomorrow_in_japan())), "{out}");
    assert!(out.contains(&reference), "{out}");
    let (code, out, err) = app.cli(&["audit", "verify"], "").await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("audit chain intact"), "{out}");
    let running = database(&app).await;
    assert!(app.stop().await.success(), "the server stopped gracefully");
    let stopped = database(&app).await;
    for (after, when) in [(&running, "after the purge, the server running"), (&stopped, "after the purge, the server stopped")] {
        assert_each(after, &PURGED, false, when);
        assert_each(after, &KEPT, true, when);
        assert!(!id_found(after), "the proxy's ID number is gone {when}");
    }
    app.start_again().await;
    let clerk: Value = app.login("clerk", PASSWORD).await.json().await.unwrap();
    let kept = app.call(Method::GET, &format!("/api/cases/{kept_id}"), clerk["token"].as_str(), None).await;
    assert_eq!(kept.status(), StatusCode::OK);
    let kept: Value = kept.json().await.unwrap();
    let name = kept["parties"]["cardholder"]["name"]["name"].as_str().unwrap_or_default();
    assert!(name.starts_with("保持田"), "{kept}");
}
}

crate::both_backends! {
async fn a_purge_date_that_is_not_a_date_or_lies_after_tomorrow_is_refused_with_exit_code_2(app) {
    let (code, out, err) = app.cli(&["purge", "--closed-before", "2026/13/01"], "").await;
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(err.contains("YYYY-MM-DD") && err.contains("年-月-日"), "{err}");

    let (code, out, err) = app.cli(&["purge", "--closed-before", "2999-01-01"], "").await;
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(err.contains("tomorrow") && err.contains("明日"), "{err}");

    let (code, out, err) = app.cli(&["purge", "--closed-before", &tomorrow_in_japan(), "--dry-run"], "").await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("would purge the personal data of 0 case(s)") && out.contains("dry run"), "{out}");

    // The purge needs the database alone: a letter font gone missing does not stop it.
    let no_font = [("SHOKAI_LETTER_FONT", "/nonexistent/font.ttf")];
    let (code, out, err) = app.cli_with(&["purge", "--closed-before", &tomorrow_in_japan()], "", &no_font).await;
    assert_eq!(code, Some(0), "{out}{err}");
}
}
