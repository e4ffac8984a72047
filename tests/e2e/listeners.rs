//! Two listeners (`SHOKAI_PUBLIC_BIND`): the public one answers only the
//! proxies' status page, its API, the static files and `/healthz`, and 404s
//! everything else (no login page, no staff API, no metrics); the staff
//! listener keeps serving everything. Both carry the security headers, both
//! speak TLS when it is set, and one SIGTERM stops both. (The database plays
//! no part: SQLite only.)

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::headers::{self, header};
use crate::helpers::{Role, TestApp};
use crate::status::proxy_intake_with_phone;

/// A server with its public listener on a free port.
async fn spawn_two() -> (TestApp, String) {
    let app = TestApp::spawn_with(&[("SHOKAI_PUBLIC_BIND", "127.0.0.1:0")]).await;
    let public = app
        .public_address
        .clone()
        .expect("the public address is printed");
    assert!(public.starts_with("http://127.0.0.1:"), "{public}");
    assert_ne!(public, app.address);
    (app, public)
}

/// `method base+path` with an optional JSON body, no redirects followed.
async fn send(base: &str, method: Method, path: &str, body: Option<&Value>) -> reqwest::Response {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client.request(method, format!("{base}{path}"));
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

/// Every staff address, as (method, path): the login page and form, the
/// clerk's pages, the staff API, the metrics and the API description.
fn staff_only() -> Vec<(Method, &'static str)> {
    vec![
        (Method::GET, "/"),
        (Method::GET, "/login"),
        (Method::POST, "/login"),
        (Method::GET, "/cases"),
        (Method::GET, "/cases/new"),
        (Method::GET, "/cases/1"),
        (Method::GET, "/batches"),
        (Method::GET, "/response"),
        (Method::GET, "/reports"),
        (Method::GET, "/audit"),
        (Method::GET, "/audit/access"),
        (Method::GET, "/users"),
        (Method::GET, "/api/cases"),
        (Method::GET, "/api/cases/1"),
        (Method::GET, "/api/office"),
        (Method::POST, "/api/session"),
        (Method::GET, "/api/session"),
        (Method::GET, "/api/audit"),
        (Method::GET, "/api/audit/access"),
        (Method::GET, "/api/batches"),
        (Method::GET, "/metrics"),
        (Method::GET, "/api/openapi.json"),
    ]
}

/// [`headers::assert_security_headers`], and a request id.
fn assert_security_headers(response: &reqwest::Response, what: &str) {
    headers::assert_security_headers(response, what);
    assert!(!header(response, "x-request-id").is_empty(), "{what}");
}

#[tokio::test]
async fn the_public_listener_serves_the_status_page_its_api_static_files_and_the_probe() {
    // Arrange: a case opened by a clerk on the staff listener.
    let (app, public) = spawn_two().await;
    let clerk = app.token_for(Role::Clerk).await;
    let case = app.open_case(&clerk, &proxy_intake_with_phone()).await;
    let reference = case["reference"].as_str().unwrap();

    // Act + Assert: the status page, its form, the files it needs, the probe.
    let page = send(&public, Method::GET, "/status", None).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(header(&page, "content-type").starts_with("text/html"));
    assert_security_headers(&page, "GET /status");
    let form = send(&public, Method::POST, "/status", None).await;
    assert_ne!(
        form.status(),
        StatusCode::NOT_FOUND,
        "POST /status is routed"
    );
    for path in ["/static/shokai.css", "/static/shokai.js", "/healthz"] {
        let response = send(&public, Method::GET, path, None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_security_headers(&response, path);
    }

    // The lookup API answers from the same database as the staff's.
    let body = json!({ "reference": reference, "phone_last4": "5678" });
    let found = send(&public, Method::POST, "/api/status", Some(&body)).await;
    assert_eq!(found.status(), StatusCode::OK);
    let found: Value = found.json().await.unwrap();
    assert_eq!(found["status"], "not_mailed", "{found}");
    let unknown = json!({ "reference": "R8-12", "phone_last4": "5678" });
    let missing = send(&public, Method::POST, "/api/status", Some(&unknown)).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let missing: Value = missing.json().await.unwrap();
    assert_eq!(missing["code"], "not_found", "{missing}");
}

#[tokio::test]
async fn the_public_listener_answers_404_for_every_staff_address() {
    // Arrange
    let (app, public) = spawn_two().await;
    let clerk = app.token_for(Role::Clerk).await;
    let credentials = json!({ "username": "clerk", "password": crate::helpers::PASSWORD });

    for (method, path) in staff_only() {
        // Act: even with valid credentials in hand.
        let body = (method == Method::POST).then_some(&credentials);
        let response = send(&public, method.clone(), path, body).await;

        // Assert: the same 404 as any unknown address, with the headers.
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
        assert_security_headers(&response, path);
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["code"], "not_found", "{method} {path}: {error}");
    }
    let bearer = reqwest::Client::new()
        .get(format!("{public}/api/cases"))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_staff_listener_still_serves_everything() {
    // Arrange
    let (app, _public) = spawn_two().await;
    let clerk = app.token_for(Role::Clerk).await;

    // Act + Assert: every staff address is routed there (none is the 404).
    for (method, path) in staff_only().into_iter().filter(|(_, p)| *p != "/users") {
        let response = send(&app.address, method.clone(), path, None).await;
        assert_ne!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    let cases = app
        .call(Method::GET, "/api/cases", Some(&clerk), None)
        .await;
    assert_eq!(cases.status(), StatusCode::OK);
    for path in ["/status", "/static/shokai.css", "/healthz", "/login"] {
        assert_eq!(app.get(path).await.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn one_sigterm_stops_both_listeners() {
    // Arrange
    let (app, public) = spawn_two().await;
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);

    // Act
    let status = app.terminate().await;

    // Assert: a clean exit, and the public port is closed with it.
    assert!(status.success(), "{status}");
    let after = reqwest::Client::new()
        .get(format!("{public}/healthz"))
        .send()
        .await;
    assert!(after.is_err(), "the public listener still answers");
}

#[tokio::test]
async fn with_tls_the_public_listener_speaks_https_too() {
    // Arrange: a certificate for 127.0.0.1, made here.
    let dir = tempfile::tempdir().unwrap();
    let generated = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let cert_pem = generated.cert.pem();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, &cert_pem).unwrap();
    std::fs::write(&key, generated.signing_key.serialize_pem()).unwrap();
    let app = TestApp::spawn_with(&[
        ("SHOKAI_PUBLIC_BIND", "127.0.0.1:0"),
        ("SHOKAI_TLS_CERT", cert.to_str().unwrap()),
        ("SHOKAI_TLS_KEY", key.to_str().unwrap()),
    ])
    .await;
    let public = app.public_address.clone().unwrap();
    assert!(public.starts_with("https://127.0.0.1:"), "{public}");
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();

    // Act
    let page = client.get(format!("{public}/status")).send().await.unwrap();
    let login = client.get(format!("{public}/login")).send().await.unwrap();

    // Assert
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        header(&page, "strict-transport-security"),
        "max-age=31536000"
    );
    assert_eq!(login.status(), StatusCode::NOT_FOUND);
}
