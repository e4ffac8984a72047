//! HTTPS and the edge settings: the real binary speaking TLS with a
//! certificate generated here (`SHOKAI_TLS_CERT`/`_KEY`), the cookie flags
//! and HSTS over HTTPS and behind an https `SHOKAI_PUBLIC_URL`, the plain
//! cookies of a plain deployment, and `X-Forwarded-For` believed only from
//! `SHOKAI_TRUSTED_PROXIES`.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE, STRICT_TRANSPORT_SECURITY};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, Role, TestApp};

/// A client that trusts only `ca_pem` and shows redirects.
fn client_trusting(ca_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap())
        .tls_built_in_root_certs(false)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A plain client that shows redirects.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The `Set-Cookie` headers of a response.
fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// The `Set-Cookie` for cookie `name`.
fn cookie_named(response: &reqwest::Response, name: &str) -> String {
    set_cookies(response)
        .into_iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", set_cookies(response)))
}

/// `name=value` of a `Set-Cookie` header.
fn pair(header: &str) -> &str {
    header.split(';').next().unwrap()
}

/// Asserts the attributes a `__Host-` cookie must carry.
fn assert_host_cookie(header: &str) {
    let attributes: Vec<&str> = header.split(';').map(str::trim).collect();
    assert!(attributes[0].starts_with("__Host-shokai_"), "{header}");
    for needed in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(attributes.contains(&needed), "{needed} missing: {header}");
    }
    assert!(
        !attributes.iter().any(|a| a.starts_with("Domain")),
        "{header}"
    );
}

/// Signs in through the login form with `client`; returns the 303.
async fn form_login(app: &TestApp, client: &reqwest::Client, prefix: &str) -> reqwest::Response {
    let page = client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let login_cookie = cookie_named(&page, &format!("{prefix}shokai_login_csrf"));
    if prefix.is_empty() {
        assert!(!login_cookie.contains("Secure"), "{login_cookie}");
    } else {
        assert_host_cookie(&login_cookie);
        assert_eq!(
            page.headers()[STRICT_TRANSPORT_SECURITY],
            "max-age=31536000"
        );
    }
    let html = page.text().await.unwrap();
    let start = html.find(r#"name="csrf" value=""#).unwrap() + 19;
    let token = &html[start..start + 64];
    client
        .post(app.url("/login"))
        .header(COOKIE, pair(&login_cookie))
        .form(&[
            ("username", "clerk"),
            ("password", PASSWORD),
            ("csrf", token),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_real_binary_speaks_https_with_secure_host_cookies_and_hsts() {
    // Arrange: a certificate for 127.0.0.1 and localhost, made here.
    let dir = tempfile::tempdir().unwrap();
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let generated = rcgen::generate_simple_self_signed(names).unwrap();
    let cert_pem = generated.cert.pem();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, &cert_pem).unwrap();
    std::fs::write(&key, generated.signing_key.serialize_pem()).unwrap();
    let mut app = TestApp::spawn_with(&[
        ("SHOKAI_TLS_CERT", cert.to_str().unwrap()),
        ("SHOKAI_TLS_KEY", key.to_str().unwrap()),
    ])
    .await;
    assert!(
        app.address.starts_with("https://127.0.0.1:"),
        "{}",
        app.address
    );
    app.client = client_trusting(&cert_pem);
    app.add_user("clerk", Role::Clerk).await;

    // Act + Assert: the API over HTTPS, HSTS on its answers.
    let api = app.login("clerk", PASSWORD).await;
    assert_eq!(api.status(), StatusCode::CREATED);
    assert_eq!(api.headers()[STRICT_TRANSPORT_SECURITY], "max-age=31536000");
    let token: Value = api.json().await.unwrap();
    assert!(token["token"].is_string());

    // The login form: a Secure __Host- session cookie that opens the pages.
    let tls_browser = client_trusting(&cert_pem);
    let login = form_login(&app, &tls_browser, "__Host-").await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let session = cookie_named(&login, "__Host-shokai_session");
    assert_host_cookie(&session);
    let cases = tls_browser
        .get(app.url("/cases"))
        .header(COOKIE, pair(&session))
        .send()
        .await
        .unwrap();
    assert_eq!(cases.status(), StatusCode::OK);
    // The unprefixed name no longer signs anyone in.
    let unprefixed = pair(&session).trim_start_matches("__Host-").to_owned();
    let refused = tls_browser
        .get(app.url("/cases"))
        .header(COOKIE, unprefixed)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);

    // Plain HTTP to the TLS port gets no HTTP answer.
    let plain = app.address.replace("https://", "http://");
    let answer = browser()
        .get(format!("{plain}/healthz"))
        .timeout(std::time::Duration::from_secs(15))
        .send()
        .await;
    assert!(answer.is_err(), "plain HTTP was answered: {answer:?}");

    // Graceful shutdown still works on the TLS listener.
    assert!(app.terminate().await.success());
}

#[tokio::test]
async fn an_unreadable_key_or_half_a_pair_stops_serve_naming_the_key_not_its_content() {
    let dir = tempfile::tempdir().unwrap();
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = dir.path().join("cert.pem");
    std::fs::write(&cert, generated.cert.pem()).unwrap();
    let key = dir.path().join("key.pem");
    std::fs::write(&key, "-----BEGIN PRIVATE KEY-----\nS3kr1tK3yM4t3r14l\n").unwrap();
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());

    let (code, stderr) =
        crate::settings::serve_with(&[], &[("SHOKAI_TLS_CERT", cert), ("SHOKAI_TLS_KEY", key)])
            .await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("SHOKAI_TLS_KEY"), "{stderr}");
    crate::helpers::assert_secret_absent("the refusal on stderr", &stderr, "S3kr1tK3yM4t3r14l");

    let (code, stderr) = crate::settings::serve_with(&[], &[("SHOKAI_TLS_CERT", cert)]).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("SHOKAI_TLS_KEY"), "{stderr}");
}

#[tokio::test]
async fn a_plain_deployment_keeps_plain_cookies_and_sends_no_hsts() {
    let app = TestApp::spawn().await;
    app.add_user("clerk", Role::Clerk).await;
    let client = browser();
    let login = form_login(&app, &client, "").await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let session = cookie_named(&login, "shokai_session");
    assert!(!session.contains("Secure"), "{session}");
    assert!(login.headers().get(STRICT_TRANSPORT_SECURITY).is_none());
}

#[tokio::test]
async fn behind_a_proxy_an_https_public_url_makes_cookies_secure_and_names_the_receipt() {
    let app = TestApp::spawn_with(&[
        ("SHOKAI_PUBLIC_URL", "https://shokai.city.example.jp"),
        ("SHOKAI_TRUSTED_PROXIES", "127.0.0.1"),
    ])
    .await;
    app.add_user("clerk", Role::Clerk).await;
    let client = browser();
    // The proxy speaks plain HTTP to the server; the browser saw https.
    let login = form_login(&app, &client, "__Host-").await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    assert_host_cookie(&cookie_named(&login, "__Host-shokai_session"));
    assert_eq!(
        login.headers()[STRICT_TRANSPORT_SECURITY],
        "max-age=31536000"
    );
    // The receipt points to the public address, whatever Host the proxy sent.
    let token = app.token_for(Role::Supervisor).await;
    let intake = crate::status::proxy_intake_with_phone();
    let case = app.open_case(&token, &intake).await;
    let pdf = app
        .client
        .get(app.url(&format!("/api/cases/{}/receipt.pdf", case["id"])))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    let text = crate::helpers::pdf_text(&pdf.bytes().await.unwrap());
    let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(
        flat.contains("https://shokai.city.example.jp/status"),
        "{text}"
    );
}

/// Looks up an unknown reference as `forwarded_for`; the answer's status.
async fn lookup_as(app: &TestApp, n: usize, forwarded_for: &str) -> StatusCode {
    app.client
        .post(app.url("/api/status"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({ "reference": format!("R8-{n:06}-0"), "phone_last4": "0000" }))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn x_forwarded_for_is_ignored_from_an_untrusted_peer() {
    // No trusted proxy: every lookup is the socket's, whatever it forwards,
    // so the per-address allowance (20 failures, then the 21st sets the
    // first delay) runs out.
    let app = TestApp::spawn().await;
    let mut answers = Vec::new();
    for n in 0..22 {
        answers.push(lookup_as(&app, n, &format!("203.0.113.{n}")).await);
    }
    assert!(
        answers[..21].iter().all(|s| *s == StatusCode::NOT_FOUND),
        "{answers:?}"
    );
    assert_eq!(answers[21], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn x_forwarded_for_names_the_client_behind_a_trusted_proxy() {
    // 127.0.0.1 is the proxy: each forwarded client has a budget of its own.
    let app = TestApp::spawn_with(&[("SHOKAI_TRUSTED_PROXIES", "127.0.0.1")]).await;
    for n in 0..22 {
        let status = lookup_as(&app, n, &format!("1.2.3.4, 203.0.113.{n}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "lookup {n}");
    }
    // One client forging its first hop is still one client.
    let mut last = StatusCode::OK;
    for n in 0..22 {
        last = lookup_as(&app, 100 + n, &format!("10.0.{n}.1, 198.51.100.7")).await;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}
