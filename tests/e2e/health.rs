//! The server starts, answers `/healthz` and `/metrics`, tags requests with
//! ids, speaks the error format for unknown addresses, and stops cleanly.

use reqwest::StatusCode;

use crate::helpers::{TestApp, assert_error};

crate::both_backends! {
async fn a_started_server_migrates_its_database_and_reports_itself_healthy(app) {
    let response = app.get("/healthz").await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
}
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_given_one_is_kept() {
    let app = TestApp::spawn().await;

    let fresh = app.get("/healthz").await;
    let given = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();

    let id = fresh.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert_eq!(given.headers()["x-request-id"], "trace-me-42");
}

#[tokio::test]
async fn metrics_count_requests_by_route_in_prometheus_text() {
    let app = TestApp::spawn().await;
    app.get("/healthz").await;
    app.get("/healthz").await;
    app.get("/no/such/page").await;

    let response = app.get("/metrics").await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    assert!(
        text.contains(
            r#"shokai_http_requests_total{method="GET",route="/healthz",status="200"} 2"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"status="404"} 1"#), "{text}");
    assert!(
        !text.contains("/no/such/page"),
        "concrete paths never become labels"
    );
}

#[tokio::test]
async fn an_unknown_address_answers_in_the_api_error_format() {
    let app = TestApp::spawn().await;

    let response = app.get("/api/nothing-here").await;

    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn sigterm_stops_the_server_gracefully_with_exit_code_zero() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);

    let status = app.terminate().await;

    assert_eq!(status.code(), Some(0));
}

#[tokio::test]
async fn the_openapi_document_describes_the_served_routes() {
    let app = TestApp::spawn().await;

    let response = app.get("/api/openapi.json").await;

    assert_eq!(response.status(), StatusCode::OK);
    let doc: serde_json::Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    for (path, method) in [
        ("/healthz", "get"),
        ("/api/session", "post"),
        ("/api/session", "get"),
        ("/api/session", "delete"),
        ("/api/office", "get"),
        ("/api/cases", "post"),
        ("/api/cases", "get"),
        ("/api/cases/{id}", "get"),
        ("/api/cases/{id}/cancel", "post"),
        ("/api/cases/{id}/unlock", "post"),
        ("/api/cases/{id}/pin-change", "post"),
        ("/api/audit", "get"),
        ("/api/audit/verify", "get"),
        ("/api/audit/export.csv", "get"),
        ("/api/audit/access", "get"),
        ("/api/audit/access.csv", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is missing"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[tokio::test]
async fn the_office_details_are_public() {
    let app = TestApp::spawn_with(&[("SHOKAI_OFFICE_HOURS", "平日 9:00〜16:00")]).await;

    let response = app.get("/api/office").await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["name"], "テスト区役所 区民課");
    assert_eq!(body["hours"], "平日 9:00〜16:00");
}
