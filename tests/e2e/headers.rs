//! The headers and limits every response passes through, whatever answered
//! it: a Content-Security-Policy without inline script, `nosniff`, no
//! referrer, no framing; `no-store` on everything but the static assets
//! (pages, PDFs, pictures, CSV, JSON and errors may show personal data); a
//! body over the limit refused with 413 in the API's format or as a Japanese
//! page. (The database plays no part: SQLite only.)

use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE};
use reqwest::{Method, StatusCode};

use crate::helpers::{Role, TestApp, assert_error};
use crate::status::proxy_intake_with_phone;

/// How a request is signed in.
#[derive(Clone, Copy)]
enum As {
    Nobody,
    Page,
    Api,
}

/// `GET path` signed in as `who` with `token`, not following redirects.
async fn fetch(app: &TestApp, who: As, token: &str, path: &str) -> reqwest::Response {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let request = client.get(app.url(path));
    let request = match who {
        As::Nobody => request,
        As::Page => request.header(COOKIE, format!("shokai_session={token}")),
        As::Api => request.bearer_auth(token),
    };
    request.send().await.unwrap()
}

pub fn header(response: &reqwest::Response, name: impl reqwest::header::AsHeaderName) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The headers every response must carry, whatever it is.
pub fn assert_security_headers(response: &reqwest::Response, what: &str) {
    let csp = header(response, "content-security-policy");
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{what}: {directive} in {csp:?}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(
        header(response, "x-content-type-options"),
        "nosniff",
        "{what}"
    );
    assert_eq!(header(response, "referrer-policy"), "no-referrer", "{what}");
    assert_eq!(header(response, "x-frame-options"), "DENY", "{what}");
}

/// (who asks, path, status, content type) of every kind of response that
/// may show personal data, for case `id`.
fn personal_responses(id: i64) -> Vec<(As, String, StatusCode, &'static str)> {
    let ok = StatusCode::OK;
    let case = |path: &str| format!("/cases/{id}{path}");
    vec![
        (As::Page, case(""), ok, "text/html"),
        (As::Nobody, "/login".into(), ok, "text/html"),
        (As::Nobody, "/status".into(), ok, "text/html"),
        (As::Nobody, "/cases".into(), StatusCode::SEE_OTHER, ""),
        (As::Api, format!("/api/cases/{id}"), ok, "application/json"),
        (
            As::Api,
            format!("/api/cases/{id}/receipt.pdf"),
            ok,
            "application/pdf",
        ),
        (As::Page, case("/receipt.pdf"), ok, "application/pdf"),
        (As::Page, case("/receipt.png"), ok, "image/png"),
        (As::Page, "/reports/states.csv".into(), ok, "text/csv"),
        (As::Page, "/reports/states.svg".into(), ok, "image/svg+xml"),
        (
            As::Page,
            "/cases/999999".into(),
            StatusCode::NOT_FOUND,
            "text/html",
        ),
        (
            As::Nobody,
            "/no/such".into(),
            StatusCode::NOT_FOUND,
            "application/json",
        ),
    ]
}

#[tokio::test]
async fn every_kind_of_response_carries_the_policy_and_only_static_files_may_be_cached() {
    let app = TestApp::spawn().await;
    let token = app.token_for(Role::Supervisor).await;
    let id = app.open_case(&token, &proxy_intake_with_phone()).await["id"]
        .as_i64()
        .unwrap();
    for (who, path, status, content_type) in personal_responses(id) {
        let response = fetch(&app, who, &token, &path).await;
        assert_eq!(response.status(), status, "GET {path}");
        let got = header(&response, CONTENT_TYPE);
        assert!(got.starts_with(content_type), "GET {path}: {got}");
        assert_security_headers(&response, &path);
        assert_eq!(header(&response, CACHE_CONTROL), "no-store", "GET {path}");
    }
    for path in ["/static/shokai.css", "/static/shokai.js"] {
        let response = fetch(&app, As::Nobody, "", path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        assert_security_headers(&response, path);
        let cache = header(&response, CACHE_CONTROL);
        assert!(cache.starts_with("public, max-age="), "{path}: {cache}");
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413_in_the_apis_format_or_as_a_japanese_page() {
    let app = TestApp::spawn_with(&[("SHOKAI_MAX_BODY_BYTES", "4096")]).await;
    let token = app.token_for(Role::Clerk).await;
    let big = serde_json::json!({ "note": "x".repeat(8 * 1024) });

    let api = app
        .call(Method::POST, "/api/cases", Some(&token), Some(&big))
        .await;
    assert_security_headers(&api, "413 on the API");
    assert_error(api, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    let form = app
        .client
        .post(app.url("/login"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("username=clerk&password={}", "x".repeat(8 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(header(&form, CONTENT_TYPE).starts_with("text/html"));
    assert_security_headers(&form, "413 on a page");
    let page = form.text().await.unwrap();
    assert!(
        page.contains("大きすぎます") && page.contains("4 KiB"),
        "{page}"
    );

    // Below the limit, all is as before.
    let me = app
        .call(Method::GET, "/api/session", Some(&token), None)
        .await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(
        app.login("clerk", crate::helpers::PASSWORD).await.status(),
        StatusCode::CREATED
    );
}
