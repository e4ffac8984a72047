//! Print batches over HTTP: closing one (`POST /api/batches`), the print file
//! and the manifest, marking it mailed (`POST /api/batches/{id}/mailed`), and
//! who may do what.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{Role, TestApp, assert_error, proxy_intake};

/// Opens an optional-proxy case whose cardholder lives at `postal_code` and
/// issues its letter; returns (case id, reference).
pub async fn case_with_letter(app: &TestApp, token: &str, postal_code: &str) -> (i64, String) {
    let mut intake = proxy_intake();
    intake["cardholder"]["address"]["postal_code"] = json!(postal_code);
    let case = app.open_case_on_new_card(token, &intake).await;
    let id = case["id"].as_i64().unwrap();
    let body = json!({ "version": case["version"] });
    let issued = app
        .call(
            Method::POST,
            &format!("/api/cases/{id}/letters"),
            Some(token),
            Some(&body),
        )
        .await;
    assert_eq!(issued.status(), StatusCode::CREATED);
    (id, case["reference"].as_str().unwrap().to_owned())
}

/// `POST /api/batches` as `token`, expecting a new batch.
pub async fn close_batch(app: &TestApp, token: &str) -> Value {
    let answer = app
        .call(Method::POST, "/api/batches", Some(token), None)
        .await;
    assert_eq!(answer.status(), StatusCode::CREATED);
    answer.json().await.unwrap()
}

/// `GET path` as `token`: status and body bytes.
pub async fn download(app: &TestApp, token: &str, path: &str) -> (StatusCode, Vec<u8>) {
    let answer = app.call(Method::GET, path, Some(token), None).await;
    (answer.status(), answer.bytes().await.unwrap().to_vec())
}

/// Pages of a PDF as qpdf (an independent reader) counts them.
fn page_count(pdf: &[u8]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("print.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("qpdf")
        .arg("--show-npages")
        .arg(&path)
        .output()
        .expect("qpdf is installed (.ci/run installs it)");
    assert!(
        out.status.success(),
        "qpdf: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

crate::both_backends! {
async fn closing_a_batch_prints_every_issued_letter_in_postal_code_order_with_its_manifest(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let (_, shinjuku) = case_with_letter(&app, &clerk, "160-0022").await;
    let (_, chiyoda) = case_with_letter(&app, &clerk, "100-0001").await;

    let batch = close_batch(&app, &clerk).await;

    assert_eq!(batch["letter_count"], 2);
    assert_eq!(batch["references"], json!([chiyoda, shinjuku]), "postal-code order: {batch}");
    let id = batch["id"].as_i64().unwrap();
    assert_eq!(batch["links"]["print_pdf"], format!("/api/batches/{id}/print.pdf"));
    let printer = app.token_for(Role::Printer).await;
    let (status, pdf) = download(&app, &printer, &format!("/api/batches/{id}/print.pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf.starts_with(b"%PDF"));
    assert_eq!(page_count(&pdf), 4, "two pages per letter");
    assert_eq!(batch["print_sha256"], hex::encode(Sha256::digest(&pdf)));
    let (status, csv) = download(&app, &clerk, &format!("/api/batches/{id}/manifest.csv")).await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).unwrap();
    let csv = csv.strip_prefix('\u{feff}').expect("a BOM for Japanese Excel");
    assert!(csv.starts_with("受付番号,氏名,郵便番号,住所,頁数\r\n"), "{csv}");
    assert!(!csv.replace("\r\n", "").contains('\n'), "CRLF only: {csv}");
    let rows: Vec<&str> = csv.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(rows, [chiyoda.as_str(), shinjuku.as_str()], "{csv}");
    assert!(csv.contains("100-0001") && csv.contains("160-0022"), "{csv}");
    let listed: Value = app.call(Method::GET, "/api/batches", Some(&clerk), None).await.json().await.unwrap();
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[0]["letter_count"], 2);
}
}

crate::both_backends! {
async fn marking_a_batch_mailed_moves_each_case_on_and_keeps_only_code_blanked_copies(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let (first, _) = case_with_letter(&app, &clerk, "160-0022").await;
    let (second, _) = case_with_letter(&app, &clerk, "100-0001").await;
    let id = close_batch(&app, &clerk).await["id"].as_i64().unwrap();
    let letter_path = format!("/api/cases/{first}/letters/1/pdf");
    let (_, printed_letter) = download(&app, &clerk, &letter_path).await;

    let answer = app.call(Method::POST, &format!("/api/batches/{id}/mailed"), Some(&clerk), Some(&json!({}))).await;

    assert_eq!(answer.status(), StatusCode::OK);
    let body: Value = answer.json().await.unwrap();
    let cases = body["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    for case in cases {
        assert_eq!(case["outcome"], "mailed", "{case}");
        assert_eq!(case["state"], "inquiry_mailed");
        assert!(case["deadline"].is_string(), "{case}");
    }
    for case_id in [first, second] {
        let case: Value = app.call(Method::GET, &format!("/api/cases/{case_id}"), Some(&clerk), None).await.json().await.unwrap();
        assert_eq!(case["state"], "inquiry_mailed");
        assert_eq!(case["letters"][0]["mailed_on"], body["mailed_on"]);
        assert!(case["deadline"].as_str().unwrap() > body["mailed_on"].as_str().unwrap());
    }
    let (status, retained) = download(&app, &clerk, &letter_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(retained.starts_with(b"%PDF"));
    assert_eq!(
        retained, printed_letter,
        "the copy a clerk got before mailing is the very copy kept after it (code blanked)"
    );
    let printer = app.token_for(Role::Printer).await;
    let gone = app.call(Method::GET, &format!("/api/batches/{id}/print.pdf"), Some(&printer), None).await;
    assert_error(gone, StatusCode::GONE, "print_file_discarded").await;
    let (status, _) = download(&app, &clerk, &format!("/api/batches/{id}/manifest.csv")).await;
    assert_eq!(status, StatusCode::OK, "the manifest stays");
    let again = app.call(Method::POST, &format!("/api/batches/{id}/mailed"), Some(&clerk), Some(&json!({}))).await;
    assert_error(again, StatusCode::CONFLICT, "batch_already_mailed").await;
}
}

crate::both_backends! {
async fn a_batch_with_no_letter_waiting_is_refused_as_empty(app) {
    let clerk = app.token_for(Role::Clerk).await;

    let nothing_issued = app.call(Method::POST, "/api/batches", Some(&clerk), None).await;
    assert_error(nothing_issued, StatusCode::CONFLICT, "batch_empty").await;

    case_with_letter(&app, &clerk, "160-0022").await;
    close_batch(&app, &clerk).await;
    let all_taken = app.call(Method::POST, "/api/batches", Some(&clerk), None).await;
    assert_error(all_taken, StatusCode::CONFLICT, "batch_empty").await;
    let listed: Value = app.call(Method::GET, "/api/batches", Some(&clerk), None).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "refused batches leave no row");
}
}

crate::both_backends! {
async fn a_planned_mailing_date_in_the_past_is_refused_and_no_letter_is_printed(app) {
    let clerk = app.token_for(Role::Clerk).await;
    case_with_letter(&app, &clerk, "160-0022").await;
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(2)).date_naive();

    let answer = app
        .call(Method::POST, "/api/batches", Some(&clerk), Some(&json!({ "planned_mailing_on": yesterday })))
        .await;

    let body = assert_error(answer, StatusCode::UNPROCESSABLE_ENTITY, "planned_mailing_in_past").await;
    assert_eq!(body["field"], "planned_mailing_on");
    let batch = close_batch(&app, &clerk).await;
    assert_eq!(batch["letter_count"], 1, "the letter still waited: {batch}");
    assert!(batch["planned_mailing_on"].as_str().unwrap() > yesterday.to_string().as_str());
}
}

crate::both_backends! {
async fn a_mailing_date_in_the_future_is_refused_and_the_batch_stays_unmailed(app) {
    let clerk = app.token_for(Role::Clerk).await;
    case_with_letter(&app, &clerk, "160-0022").await;
    let id = close_batch(&app, &clerk).await["id"].as_i64().unwrap();
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2)).date_naive();

    let answer = app.call(Method::POST, &format!("/api/batches/{id}/mailed"), Some(&clerk), Some(&json!({ "mailed_on": tomorrow }))).await;

    let body = assert_error(answer, StatusCode::UNPROCESSABLE_ENTITY, "mailing_date_out_of_range").await;
    assert_eq!(body["field"], "mailed_on");
    let printer = app.token_for(Role::Printer).await;
    let (status, _) = download(&app, &printer, &format!("/api/batches/{id}/print.pdf")).await;
    assert_eq!(status, StatusCode::OK, "nothing was marked");
    let today = app.call(Method::POST, &format!("/api/batches/{id}/mailed"), Some(&clerk), Some(&json!({}))).await;
    assert_eq!(today.status(), StatusCode::OK);
}
}

crate::both_backends! {
async fn an_auditor_may_list_batches_but_not_close_download_or_mark_them_mailed(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let auditor = app.token_for(Role::Auditor).await;
    case_with_letter(&app, &clerk, "160-0022").await;
    let id = close_batch(&app, &clerk).await["id"].as_i64().unwrap();

    let close = app.call(Method::POST, "/api/batches", Some(&auditor), None).await;
    assert_error(close, StatusCode::FORBIDDEN, "forbidden").await;
    for file in ["print.pdf", "manifest.csv"] {
        let answer = app.call(Method::GET, &format!("/api/batches/{id}/{file}"), Some(&auditor), None).await;
        assert_error(answer, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let mailed = app.call(Method::POST, &format!("/api/batches/{id}/mailed"), Some(&auditor), Some(&json!({}))).await;
    assert_error(mailed, StatusCode::FORBIDDEN, "forbidden").await;
    let list = app.call(Method::GET, "/api/batches", Some(&auditor), None).await;
    assert_eq!(list.status(), StatusCode::OK);
    let one = app.call(Method::GET, &format!("/api/batches/{id}"), Some(&auditor), None).await;
    assert_eq!(one.status(), StatusCode::OK);
}
}

crate::both_backends! {
async fn only_the_print_room_downloads_the_print_file_and_every_download_is_in_the_audit_log(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let supervisor = app.token_for(Role::Supervisor).await;
    let printer = app.token_for(Role::Printer).await;
    let auditor = app.token_for(Role::Auditor).await;
    case_with_letter(&app, &clerk, "160-0022").await;
    let batch = close_batch(&app, &clerk).await;
    let id = batch["id"].as_i64().unwrap();
    let path = format!("/api/batches/{id}/print.pdf");

    let mut refused = Vec::new();
    for token in [&clerk, &supervisor] {
        refused.push(app.call(Method::GET, &path, Some(token), None).await.status());
    }
    let (first, pdf) = download(&app, &printer, &path).await;
    let (second, _) = download(&app, &printer, &path).await;

    assert_eq!(refused, [StatusCode::FORBIDDEN, StatusCode::FORBIDDEN], "clerks never get a file with codes");
    assert_eq!((first, second), (StatusCode::OK, StatusCode::OK));
    let trail: Value = app.call(Method::GET, "/api/audit", Some(&auditor), None).await.json().await.unwrap();
    let downloads: Vec<&Value> = trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "print_file_downloaded")
        .collect();
    assert_eq!(downloads.len(), 2, "{trail}");
    for event in downloads {
        assert_eq!(event["actor"], "printer");
        assert_eq!(event["role"], "printer");
        assert_eq!(event["details"]["batch"], id);
        assert_eq!(event["details"]["sha256"], hex::encode(Sha256::digest(&pdf)));
    }
}
}

/// Gives one cardholder a name the letter font cannot print (𠮷), as a case
/// registered before intake checked for such characters would have.
pub async fn make_name_unprintable(app: &TestApp, case_id: i64) {
    use sqlx::Connection;
    let sql =
        format!("UPDATE cases SET parties = REPLACE(parties, '山田', '𠮷田') WHERE id = {case_id}");
    let url = app.database_url();
    if url.starts_with("sqlite:") {
        let mut db = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut db)
            .await
            .unwrap();
    } else {
        let mut db = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut db)
            .await
            .unwrap();
    }
}

crate::both_backends! {
    async fn a_letter_that_cannot_be_printed_is_held_back_and_the_rest_of_the_batch_prints(app) {
        let clerk = app.token_for(Role::Clerk).await;
        let (_, printable) = case_with_letter(&app, &clerk, "100-0001").await;
        let (broken_id, broken) = case_with_letter(&app, &clerk, "160-0022").await;
        make_name_unprintable(&app, broken_id).await;

        let batch = close_batch(&app, &clerk).await;
        let again = app.call(Method::POST, "/api/batches", Some(&clerk), None).await;

        assert_eq!(batch["letter_count"], 1, "{batch}");
        assert_eq!(batch["references"], json!([printable]));
        assert_eq!(batch["held"][0]["reference"], json!(broken));
        assert_eq!(batch["held"][0]["reason"], "unprintable_character");
        let body = assert_error(again, StatusCode::CONFLICT, "letter_unprintable").await;
        assert!(
            body["message"].as_str().unwrap().contains(&broken),
            "the held letter waits for the next batch, which names it: {body}"
        );
    }
}
