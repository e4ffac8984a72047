//! Inquiry letters over HTTP: issuing one (`POST /api/cases/{id}/letters`)
//! and downloading its PDF (`GET /api/cases/{id}/letters/{n}/pdf`).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Role, assert_error};

crate::both_backends! {
async fn issuing_a_letter_queues_it_without_a_code_and_the_clerks_copy_says_it_is_not_printed_yet(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let case = app.open_proxy_case(&clerk).await;
    let id = case["id"].as_i64().unwrap();
    let version = case["version"].as_i64().unwrap();

    let answer = app.call(Method::POST, &format!("/api/cases/{id}/letters"), Some(&clerk), Some(&json!({ "version": version }))).await;

    assert_eq!(answer.status(), StatusCode::CREATED);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["letter_number"], 1);
    assert_eq!(body["case"]["version"], version + 1);
    assert!(body.get("code").is_none() && body["case"].get("code").is_none(), "never the code: {body}");
    let pdf = app.call(Method::GET, &format!("/api/cases/{id}/letters/1/pdf"), Some(&clerk), None).await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let text = crate::helpers::pdf_text(&bytes);
    assert!(text.contains("未印刷"), "the copy says no print file exists yet: {text}");
    assert_eq!(crate::flow::code_in_letter(&text), None, "{text}");
}
}

crate::both_backends! {
async fn a_second_letter_the_same_day_is_refused_as_too_soon(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let id = app.open_proxy_case(&clerk).await["id"].as_i64().unwrap();
    let path = format!("/api/cases/{id}/letters");
    let first = app.call(Method::POST, &path, Some(&clerk), Some(&json!({ "version": 1 }))).await;
    assert_eq!(first.status(), StatusCode::CREATED);

    let second = app.call(Method::POST, &path, Some(&clerk), Some(&json!({ "version": 2 }))).await;

    assert_error(second, StatusCode::CONFLICT, "letter_too_soon").await;
}
}

crate::both_backends! {
async fn an_auditor_may_not_download_a_letter_which_holds_the_code(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let auditor = app.token_for(Role::Auditor).await;
    let id = app.open_proxy_case(&clerk).await["id"].as_i64().unwrap();
    app.call(Method::POST, &format!("/api/cases/{id}/letters"), Some(&clerk), Some(&json!({ "version": 1 }))).await;

    let answer = app.call(Method::GET, &format!("/api/cases/{id}/letters/1/pdf"), Some(&auditor), None).await;

    assert_error(answer, StatusCode::FORBIDDEN, "forbidden").await;
}
}

crate::both_backends! {
async fn only_a_supervisor_may_override_the_gap_between_letters(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let supervisor = app.token_for(Role::Supervisor).await;
    let id = app.open_proxy_case(&clerk).await["id"].as_i64().unwrap();
    let path = format!("/api/cases/{id}/letters");
    app.call(Method::POST, &path, Some(&clerk), Some(&json!({ "version": 1 }))).await;
    let body = json!({ "version": 2, "override_reason": "宛名の誤記により再発行" });

    let by_clerk = app.call(Method::POST, &path, Some(&clerk), Some(&body)).await;
    assert_error(by_clerk, StatusCode::FORBIDDEN, "forbidden").await;
    let by_supervisor = app.call(Method::POST, &path, Some(&supervisor), Some(&body)).await;

    assert_eq!(by_supervisor.status(), StatusCode::CREATED);
    assert_eq!(by_supervisor.json::<Value>().await.unwrap()["letter_number"], 2);
    let pdf = app.call(Method::GET, &format!("/api/cases/{id}/letters/2/pdf"), Some(&clerk), None).await;
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
}
}

#[tokio::test]
async fn a_path_that_cannot_name_a_case_or_letter_is_not_found_in_the_error_format() {
    let app = crate::helpers::TestApp::spawn().await;
    let clerk = app.token_for(Role::Clerk).await;
    let id = app.open_proxy_case(&clerk).await["id"].as_i64().unwrap();

    for path in [
        "/api/cases/abc".to_owned(),
        format!("/api/cases/{id}/letters/300/pdf"),
        format!("/api/cases/{id}/letters/one/pdf"),
    ] {
        let answer = app.call(Method::GET, &path, Some(&clerk), None).await;
        assert_error(answer, StatusCode::NOT_FOUND, "not_found").await;
    }
}

#[tokio::test]
async fn another_office_prints_its_own_head_postal_code_and_address_on_both_pages_with_one_postal_mark()
 {
    let app = crate::helpers::TestApp::spawn_with(&[
        ("SHOKAI_OFFICE_NAME", "港区役所 区民課"),
        ("SHOKAI_OFFICE_HEAD", "港区長"),
        ("SHOKAI_OFFICE_POSTAL_CODE", "105-8511"),
        ("SHOKAI_OFFICE_ADDRESS", "東京都港区芝公園一丁目5番25号"),
    ])
    .await;
    let clerk = app.token_for(Role::Clerk).await;
    let case = app.open_proxy_case(&clerk).await;
    let id = case["id"].as_i64().unwrap();
    let issued = app
        .call(
            Method::POST,
            &format!("/api/cases/{id}/letters"),
            Some(&clerk),
            Some(&json!({ "version": case["version"] })),
        )
        .await;
    assert_eq!(issued.status(), StatusCode::CREATED);
    let pdf = app
        .call(
            Method::GET,
            &format!("/api/cases/{id}/letters/1/pdf"),
            Some(&clerk),
            None,
        )
        .await;
    let text = crate::helpers::pdf_text(&pdf.bytes().await.unwrap());

    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(pages.len(), 2, "{text}");
    let flat = |page: &str| page.split_whitespace().collect::<String>();
    let (first, second) = (flat(pages[0]), flat(pages[1]));
    assert!(
        first.contains("〒105-8511東京都港区芝公園一丁目5番25号"),
        "page 1 names the office: {first}"
    );
    assert!(
        second.contains("港区長あて"),
        "page 2 is addressed to the office head: {second}"
    );
    for page in [&first, &second] {
        assert!(
            !page.contains("〒〒") && !page.contains("みどり") && !page.contains("150-8010"),
            "{page}"
        );
    }
}
