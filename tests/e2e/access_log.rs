//! The access log of reads of personal data: a clerk's view of a case page,
//! the API's case and a 発送簿 download each leave a record an auditor finds
//! by reference and by user, on the page, through the API and in the CSV;
//! a clerk cannot open the log; and a read whose record cannot be written
//! is refused rather than served unrecorded.

use reqwest::header::COOKIE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Role, TestApp};

/// `GET path` in a browser signed in with `token` (the page session is the
/// same session as the API's bearer token).
async fn page(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header(COOKIE, format!("shokai_session={token}"))
        .send()
        .await
        .unwrap()
}

async fn json(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The kinds and users of the reads an auditor finds with `query`.
async fn reads(app: &TestApp, auditor: &str, query: &str) -> Vec<(String, String)> {
    let found = json(
        app.call(
            Method::GET,
            &format!("/api/audit/access?{query}"),
            Some(auditor),
            None,
        )
        .await,
    )
    .await;
    found["reads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_owned(),
                r["username"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A proxy case with its letter in a closed batch; returns (case id,
/// reference, batch id).
async fn case_in_a_batch(app: &TestApp, clerk: &str) -> (i64, String, i64) {
    let case = app.open_proxy_case(clerk).await;
    let id = case["id"].as_i64().unwrap();
    let issue = app
        .call(
            Method::POST,
            &format!("/api/cases/{id}/letters"),
            Some(clerk),
            Some(&json!({ "version": case["version"] })),
        )
        .await;
    assert_eq!(issue.status(), StatusCode::CREATED);
    let batch = app
        .call(Method::POST, "/api/batches", Some(clerk), None)
        .await;
    assert_eq!(batch.status(), StatusCode::CREATED);
    let batch: Value = batch.json().await.unwrap();
    (
        id,
        case["reference"].as_str().unwrap().to_owned(),
        batch["id"].as_i64().unwrap(),
    )
}

crate::both_backends! {
async fn a_case_page_an_api_read_and_a_manifest_download_are_in_the_access_log_for_auditors_only(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let auditor = app.token_for(Role::Auditor).await;
    let (id, reference, batch) = case_in_a_batch(&app, &clerk).await;

    assert_eq!(page(&app, &clerk, &format!("/cases/{id}")).await.status(), StatusCode::OK);
    assert_eq!(app.call(Method::GET, &format!("/api/cases/{id}"), Some(&clerk), None).await.status(), StatusCode::OK);
    let manifest = app.call(Method::GET, &format!("/api/batches/{batch}/manifest.csv"), Some(&clerk), None).await;
    assert_eq!(manifest.status(), StatusCode::OK);
    // The auditor's own view of the case shows no personal data: no record.
    assert_eq!(page(&app, &auditor, &format!("/cases/{id}")).await.status(), StatusCode::OK);

    let of_case = reads(&app, &auditor, &format!("reference={reference}")).await;
    assert_eq!(of_case, [("case_api".to_owned(), "clerk".to_owned()), ("case_page".to_owned(), "clerk".to_owned())]);
    let by_clerk = json(app.call(Method::GET, "/api/audit/access?user=clerk", Some(&auditor), None).await).await;
    let newest = &by_clerk["reads"][0];
    assert_eq!((newest["kind"].as_str(), newest["batch_id"].as_i64(), newest["role"].as_str()), (Some("manifest"), Some(batch), Some("clerk")));
    assert_eq!(newest["client_addr"], "127.0.0.1", "{newest}");
    assert_eq!(by_clerk["total"], 3);
    let html = page(&app, &auditor, &format!("/audit/access?reference={reference}")).await;
    assert_eq!(html.status(), StatusCode::OK);
    let html = html.text().await.unwrap();
    assert!(html.contains("案件の画面") && html.contains("案件の取得（API）") && html.contains(&reference), "{html}");
    let csv = page(&app, &auditor, "/audit/access.csv?user=clerk").await;
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("\r\n"), "{csv}");
    assert!(csv.contains("発送簿のダウンロード") && csv.contains(&reference) && csv.contains("127.0.0.1"), "{csv}");

    assert_eq!(page(&app, &clerk, "/audit/access").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.call(Method::GET, "/api/audit/access", Some(&clerk), None).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(page(&app, &clerk, "/audit/access.csv").await.status(), StatusCode::FORBIDDEN);
}
}

crate::both_backends! {
async fn letter_copies_receipts_the_response_page_and_print_files_are_in_the_access_log(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let printer = app.token_for(Role::Printer).await;
    let auditor = app.token_for(Role::Auditor).await;
    let (id, reference, batch) = case_in_a_batch(&app, &clerk).await;

    for path in [
        format!("/cases/{id}/letters/1/page-1.png"),
        format!("/cases/{id}/letters/1/pdf"),
        format!("/cases/{id}/receipt.png"),
        format!("/response?reference={reference}"),
    ] {
        assert_eq!(page(&app, &clerk, &path).await.status(), StatusCode::OK, "{path}");
    }
    let print = app.call(Method::GET, &format!("/api/batches/{batch}/print.pdf"), Some(&printer), None).await;
    assert_eq!(print.status(), StatusCode::OK);

    let mut of_case = reads(&app, &auditor, &format!("reference={reference}")).await;
    of_case.sort();
    let expected: Vec<(String, String)> = [("letter_copy", "clerk"), ("letter_copy", "clerk"), ("receipt", "clerk"), ("response_page", "clerk")]
        .iter()
        .map(|(k, u)| ((*k).to_owned(), (*u).to_owned()))
        .collect();
    assert_eq!(of_case, expected);
    let by_printer = json(app.call(Method::GET, "/api/audit/access?user=printer", Some(&auditor), None).await).await;
    let read = &by_printer["reads"][0];
    assert_eq!((read["kind"].as_str(), read["batch_id"].as_i64()), (Some("print_file"), Some(batch)), "{by_printer}");
}
}

/// SQL that makes every insert into the access log fail, as a full disk or
/// a broken table would.
fn refuse_inserts(url: &str) -> &'static str {
    if url.starts_with("sqlite:") {
        "CREATE TRIGGER access_log_broken BEFORE INSERT ON access_log \
         BEGIN SELECT RAISE(ABORT, 'broken'); END;"
    } else {
        "CREATE FUNCTION access_log_broken() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'broken'; END; $$; \
         CREATE TRIGGER access_log_broken BEFORE INSERT ON access_log \
         FOR EACH ROW EXECUTE FUNCTION access_log_broken();"
    }
}

async fn raw_sql(url: &str, sql: &'static str) {
    use sqlx::Connection;
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
    }
}

crate::both_backends! {
async fn a_read_whose_record_cannot_be_written_is_refused_and_shows_nothing(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let case = app.open_proxy_case(&clerk).await;
    let id = case["id"].as_i64().unwrap();
    raw_sql(app.database_url(), refuse_inserts(app.database_url())).await;

    let api = app.call(Method::GET, &format!("/api/cases/{id}"), Some(&clerk), None).await;
    let html = page(&app, &clerk, &format!("/cases/{id}")).await;

    assert_eq!(api.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = api.text().await.unwrap();
    assert!(!body.contains("山田"), "no personal data in the refusal: {body}");
    assert_eq!(html.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!html.text().await.unwrap().contains("山田"));
}
}
