//! The audit log as auditors reach it over the API.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{Role, TestApp, assert_error};

#[tokio::test]
async fn a_fresh_chain_verifies_as_intact() {
    let app = TestApp::spawn().await;
    let token = app.token_for(Role::Auditor).await;

    let response = app
        .call(Method::GET, "/api/audit/verify", Some(&token), None)
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["intact"], true, "{body}");
    assert_eq!(body["first_break"], Value::Null);
}

#[tokio::test]
async fn the_export_is_a_csv_download_with_a_header_row() {
    let app = TestApp::spawn().await;
    let token = app.token_for(Role::Auditor).await;

    let response = app
        .call(Method::GET, "/api/audit/export.csv", Some(&token), None)
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = response.bytes().await.unwrap();
    let text = std::str::from_utf8(&bytes).unwrap();
    let header = text.lines().next().unwrap();
    assert!(header.starts_with("\u{feff}連番,"), "{header}");
    assert!(header.ends_with("ハッシュ"), "{header}");
}

#[tokio::test]
async fn a_malformed_search_time_names_the_parameter() {
    let app = TestApp::spawn().await;
    let token = app.token_for(Role::Auditor).await;

    let response = app
        .call(Method::GET, "/api/audit?from=yesterday", Some(&token), None)
        .await;

    let body = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input").await;
    assert_eq!(body["field"], "from");
}

#[tokio::test]
async fn a_search_with_no_matches_is_an_empty_list() {
    let app = TestApp::spawn().await;
    let token = app.token_for(Role::Auditor).await;

    let response = app
        .call(
            Method::GET,
            "/api/audit?case=999&actor=nobody",
            Some(&token),
            None,
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        Value::Array(vec![])
    );
}

#[tokio::test]
async fn the_audit_verify_command_exits_0_when_intact_and_1_naming_the_altered_event() {
    let app = TestApp::spawn().await;
    let clerk = app.token_for(Role::Clerk).await;
    app.open_proxy_case(&clerk).await;

    let (code, out, err) = app.cli(&["audit", "verify"], "").await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("audit chain intact"), "{out}");

    // An insider edits the reason of the first event straight in the
    // database, dropping the append-only trigger first (DDL rights).
    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(app.database_url())
        .await
        .unwrap();
    sqlx::raw_sql(
        "DROP TRIGGER audit_log_no_update; \
         UPDATE audit_log SET reason = 'edited afterwards' WHERE seq = 1",
    )
    .execute(&mut db)
    .await
    .unwrap();

    let (code, out, err) = app.cli(&["audit", "verify"], "").await;
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        format!("{out}{err}").contains("event 1 was changed"),
        "{out}{err}"
    );
}

#[tokio::test]
async fn the_audit_export_command_writes_the_events_of_the_period_as_csv() {
    let app = TestApp::spawn().await;
    let clerk = app.token_for(Role::Clerk).await;
    app.open_proxy_case(&clerk).await;

    let (code, all, err) = app
        .cli(
            &[
                "audit",
                "export",
                "--from",
                "2000-01-01",
                "--to",
                "2100-12-31",
            ],
            "",
        )
        .await;
    assert_eq!(code, Some(0), "{err}");
    let mut lines = all.lines();
    assert!(lines.next().unwrap().starts_with("\u{feff}seq,"), "{all}");
    assert!(
        lines.count() >= 1,
        "the opened case is in the export: {all}"
    );

    let (code, before, err) = app
        .cli(
            &[
                "audit",
                "export",
                "--from",
                "2000-01-01",
                "--to",
                "2000-01-02",
            ],
            "",
        )
        .await;
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(before.lines().count(), 1, "only the header: {before}");

    let (code, _, err) = app
        .cli(
            &[
                "audit",
                "export",
                "--from",
                "2026-02-01",
                "--to",
                "2026-01-01",
            ],
            "",
        )
        .await;
    assert_eq!(code, Some(2), "a period that ends before it starts: {err}");
}
