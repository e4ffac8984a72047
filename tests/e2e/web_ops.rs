//! The counter pages in the browser's shape (cookie session, CSRF token in
//! every form, Post/Redirect/Get): response intake by a scanned QR code,
//! the PIN-change page after a wrong PIN, the audit page's roles, and a
//! form without its CSRF token.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{PASSWORD, Role, TestApp, assert_secret_absent, in_person_intake};
use crate::status::{mail_letter, proxy_intake_with_phone};

/// A browser-like client: no redirects followed, the session cookie kept.
pub struct Browser {
    client: reqwest::Client,
    base: String,
    session: String,
}

fn cookie_pair(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

/// The first CSRF token in a page.
pub fn csrf_of(html: &str) -> String {
    let start = html
        .find(r#"name="csrf" value=""#)
        .expect("a form with a CSRF token")
        + 19;
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

impl Browser {
    /// Signs in through the login form as a new user of `role`.
    pub async fn login(app: &TestApp, role: Role) -> Browser {
        app.add_user(role.code(), role).await;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let page = client.get(app.url("/login")).send().await.unwrap();
        let login_cookie = cookie_pair(&page, "shokai_login_csrf").expect("login CSRF cookie");
        let token = csrf_of(&page.text().await.unwrap());
        let response = client
            .post(app.url("/login"))
            .header(COOKIE, login_cookie)
            .form(&[
                ("username", role.code()),
                ("password", PASSWORD),
                ("csrf", &token),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "login redirects");
        let session = cookie_pair(&response, "shokai_session").expect("session cookie");
        Browser {
            client,
            base: app.address.clone(),
            session,
        }
    }

    /// `GET path` with the session: (status, body).
    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.session)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    /// `GET path` with the session: (status, the body's bytes as sent).
    pub async fn get_bytes(&self, path: &str) -> (StatusCode, Vec<u8>) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.session)
            .send()
            .await
            .unwrap();
        (response.status(), response.bytes().await.unwrap().to_vec())
    }

    /// `POST path` with the session and an urlencoded form: (status, Location, body).
    pub async fn post(
        &self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, Option<String>, String) {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.session)
            .form(form)
            .send()
            .await
            .unwrap();
        let location = response
            .headers()
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        (response.status(), location, response.text().await.unwrap())
    }
}

crate::both_backends! {
async fn a_scanned_qr_code_finds_the_case_and_the_checklist_records_the_response(app) {
    let token = app.token_for(Role::Supervisor).await;
    let case = app.open_case(&token, &proxy_intake_with_phone()).await;
    let (id, reference) = (case["id"].as_i64().unwrap(), case["reference"].as_str().unwrap().to_owned());
    let code = mail_letter(&app, id, 1).await;
    let clerk = Browser::login(&app, Role::Clerk).await;
    let (status, page) = clerk.get("/response").await;
    assert_eq!(status, StatusCode::OK);

    // The scanner types the QR payload and Enter into the one field.
    let payload = shokai_workflow::letter::qr_payload(&reference, &code);
    let (status, _, found) = clerk.post("/response", &[("csrf", &csrf_of(&page)), ("lookup", &format!("{payload}\n"))]).await;

    assert_eq!(status, StatusCode::OK, "{found}");
    assert!(found.contains(&reference), "the case is shown");
    assert!(found.contains(&format!(r#"value="{code}""#)), "the code is pre-filled from the QR code");
    let version = "4";
    let (status, location, _) = clerk
        .post(&format!("/response/{id}"), &[
            ("csrf", &csrf_of(&found)),
            ("version", version),
            ("card_presented", "1"),
            ("response_form_signed", "1"),
            ("power_of_attorney_complete", "1"),
            ("power_of_attorney_names_proxy", "1"),
            ("envelope_sealed", "1"),
            ("proxy_id_kind", "drivers_licence"),
            ("proxy_id_last4", "5678"),
            ("code", &code),
        ])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some(format!("/cases/{id}/pin-change").as_str()));
    let stored: Value = app.call(Method::GET, &format!("/api/cases/{id}"), Some(&token), None).await.json().await.unwrap();
    assert_eq!(stored["state"], "response_returned");
    if let Some(log) = app.scannable_log() {
        assert_secret_absent("the server log", &log, &code);
    }
}
}

crate::both_backends! {
async fn a_wrong_code_is_refused_with_the_tries_left_and_the_code_field_empty(app) {
    let token = app.token_for(Role::Supervisor).await;
    let case = app.open_proxy_case(&token).await;
    let (id, reference) = (case["id"].as_i64().unwrap(), case["reference"].as_str().unwrap().to_owned());
    let code = mail_letter(&app, id, 1).await;
    let wrong = if code.starts_with('A') { code.replacen('A', "B", 1) } else { format!("A{}", &code[1..]) };
    let clerk = Browser::login(&app, Role::Clerk).await;
    let (_, page) = clerk.get(&format!("/response?reference={reference}")).await;
    assert!(page.contains(r#"id="response-form""#), "a reference from the case page opens the checklist");

    let (status, _, again) = clerk
        .post(&format!("/response/{id}"), &[
            ("csrf", &csrf_of(&page)), ("version", "4"), ("card_presented", "1"), ("response_form_signed", "1"),
            ("power_of_attorney_complete", "1"), ("power_of_attorney_names_proxy", "1"), ("envelope_sealed", "1"),
            ("proxy_id_kind", "passport"), ("proxy_id_last4", "1234"), ("code", &wrong),
        ])
        .await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.contains("あと4回"), "{again}");
    assert_secret_absent("the checklist page after a wrong code", &again, &wrong);
    assert!(again.contains(r#"id="response-card-presented" name="card_presented" value="1" checked"#), "ticks are kept");
}
}

crate::both_backends! {
async fn after_a_wrong_pin_the_page_says_the_tries_left_and_carries_no_pin(app) {
    let token = app.token_for(Role::Supervisor).await;
    let id = app.open_case(&token, &in_person_intake()).await["id"].as_i64().unwrap();
    let clerk = Browser::login(&app, Role::Clerk).await;
    let (status, page) = clerk.get(&format!("/cases/{id}/pin-change")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"type="password" id="user_auth-current""#), "{page}");
    let csrf = csrf_of(&page);

    let (status, _, again) = clerk
        .post(&format!("/cases/{id}/pin-change"), &[
            ("csrf", &csrf), ("version", "1"),
            ("user_auth_current", "4739"), ("user_auth_new", "8561"), ("user_auth_confirm", "8561"),
        ])
        .await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.contains("あと2回"), "{again}");
    // The whole page, CSRF token and all: a PIN inside the token's hex is
    // not a whole value, so the token need not be cut out.
    let log = app.scannable_log();
    for pin in ["4739", "8561"] {
        assert_secret_absent("the PIN-change page after a wrong PIN", &again, pin);
        if let Some(log) = &log {
            assert_secret_absent("the server log", log, pin);
        }
    }

    // Nobody knows the right PIN: the page offers to end the case rather than guess.
    assert!(again.contains(r#"id="current-pin-wrong-form""#), "{again}");
    assert!(!again.contains(r#"id="pin-change-last-try""#), "two tries are left");
    let (_, _, last_left) = clerk
        .post(&format!("/cases/{id}/pin-change"), &[
            ("csrf", &csrf_of(&again)), ("version", "1"),
            ("user_auth_current", "4739"), ("user_auth_new", "8561"), ("user_auth_confirm", "8561"),
        ])
        .await;
    assert!(last_left.contains(r#"id="pin-change-last-try""#), "warned before the last try: {last_left}");
    let again = last_left;
    let (status, location, _) = clerk
        .post(&format!("/cases/{id}/current-pin-wrong"), &[
            ("csrf", &csrf_of(&again)), ("version", "1"), ("pin", "user_auth"),
        ])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location:?}");
    let case = app.call(Method::GET, &format!("/api/cases/{id}"), Some(&token), None).await;
    assert_eq!(case.json::<Value>().await.unwrap()["state"], "failed");
}
}

crate::both_backends! {
async fn the_audit_page_is_for_auditors_only_and_verifies_the_chain(app) {
    let token = app.token_for(Role::Supervisor).await;
    let case = app.open_proxy_case(&token).await;
    let auditor = Browser::login(&app, Role::Auditor).await;
    let clerk = Browser::login(&app, Role::Clerk).await;

    let (status, page) = auditor.get(&format!("/audit?case={}", case["reference"].as_str().unwrap())).await;
    let (clerk_status, _) = clerk.get("/audit").await;
    let (status_csv, csv) = auditor.get("/audit/export.csv").await;

    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"id="audit-table""#) && page.contains("受付"), "{page}");
    assert_eq!(clerk_status, StatusCode::FORBIDDEN);
    assert_eq!(status_csv, StatusCode::OK);
    assert!(csv.lines().count() >= 2, "{csv}");
    let (status, location, _) = auditor.post("/audit/verify", &[("csrf", &csrf_of(&page))]).await;
    assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some("/audit")));
}
}

crate::both_backends! {
async fn a_form_without_its_csrf_token_is_refused_with_403(app) {
    let token = app.token_for(Role::Supervisor).await;
    let id = app.open_case(&token, &in_person_intake()).await["id"].as_i64().unwrap();
    let clerk = Browser::login(&app, Role::Clerk).await;

    let (lookup, _, _) = clerk.post("/response", &[("lookup", "R8-000001-3")]).await;
    let (change, _, _) = clerk
        .post(&format!("/cases/{id}/pin-change"), &[("version", "1"), ("user_auth_current", "1234"), ("user_auth_new", "9999"), ("user_auth_confirm", "9999")])
        .await;
    let (forged, _, _) = clerk.post("/audit/verify", &[("csrf", "0000")]).await;

    assert_eq!(lookup, StatusCode::FORBIDDEN);
    assert_eq!(change, StatusCode::FORBIDDEN);
    assert_eq!(forged, StatusCode::FORBIDDEN, "wrong role or wrong token: refused either way");
    let stored: Value = app.call(Method::GET, &format!("/api/cases/{id}"), Some(&token), None).await.json().await.unwrap();
    assert_eq!(stored["state"], "applied", "nothing reached the card");
}
}

crate::both_backends! {
async fn the_reports_page_shows_the_counts_in_tables(app) {
    let token = app.token_for(Role::Supervisor).await;
    app.open_case(&token, &in_person_intake()).await;
    let auditor = Browser::login(&app, Role::Auditor).await;

    let (status, page) = auditor.get("/reports").await;

    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"id="count-applied">1<"#), "{page}");
    assert!(page.contains(r#"id="report-letters""#));
}
}
