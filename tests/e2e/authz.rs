//! The authorization matrix: every role (and no login) against every route
//! that needs one. A role the route admits gets past authorization (any
//! answer but 401/403, and no server error: a refused move on a case is a
//! 409, still an authorized call); every other role gets 403; no token, 401.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Role, proxy_intake};

/// Who reads cases: everyone but the print room.
const ALL: &[Role] = &[Role::Clerk, Role::Supervisor, Role::Auditor];
const OPERATORS: &[Role] = &[Role::Clerk, Role::Supervisor];
/// Every member of staff.
const STAFF: &[Role] = &[Role::Clerk, Role::Supervisor, Role::Auditor, Role::Printer];
/// Who posts batches: clerks, supervisors and the print room.
const POSTERS: &[Role] = &[Role::Clerk, Role::Supervisor, Role::Printer];
/// The print file with the codes: the print room alone.
const PRINT_ROOM: &[Role] = &[Role::Printer];

/// (method, path with `{id}` for an existing case, body, roles allowed).
type Route = (&'static str, &'static str, Option<Value>, &'static [Role]);

/// Every protected route.
fn routes() -> Vec<Route> {
    let reason = json!({ "version": 1, "reason": "権限確認" });
    // The proxy case waits for its letter: an allowed role gets a 409, not 403.
    let pin_change = json!({ "version": 1, "changes": [{ "pin": "user_auth", "current": "1234", "new": "9876" }] });
    let response = json!({ "version": 1, "code": "0123456789", "checklist": {
        "card_presented": true, "proxy_photo_id": null, "response_form_signed": true,
        "power_of_attorney_complete": true, "power_of_attorney_names_proxy": true, "envelope_sealed": true } });
    let mut routes = vec![
        ("GET", "/api/session", None, STAFF),
        ("GET", "/api/cases", None, ALL),
        ("GET", "/api/cases/{id}", None, ALL),
        ("POST", "/api/cases", Some(proxy_intake()), OPERATORS),
        (
            "POST",
            "/api/cases/{id}/cancel",
            Some(reason.clone()),
            &[Role::Supervisor],
        ),
        (
            "POST",
            "/api/cases/{id}/unlock",
            Some(reason),
            &[Role::Supervisor],
        ),
        (
            "POST",
            "/api/cases/{id}/pin-change",
            Some(pin_change),
            OPERATORS,
        ),
        (
            "POST",
            "/api/cases/{id}/current-pin-wrong",
            Some(json!({ "version": 1, "pin": "user_auth" })),
            OPERATORS,
        ),
        (
            "POST",
            "/api/cases/{id}/response",
            Some(response),
            OPERATORS,
        ),
        (
            "POST",
            "/api/cases/{id}/letters",
            Some(json!({ "version": 1 })),
            OPERATORS,
        ),
        ("GET", "/api/cases/{id}/letters/1/pdf", None, OPERATORS),
        // The proxy's receipt: no address and no code, but names.
        ("GET", "/api/cases/{id}/receipt.pdf", None, OPERATORS),
        (
            "POST",
            "/api/cases/{id}/undeliverable",
            Some(json!({ "version": 1, "letter": 1 })),
            OPERATORS,
        ),
    ];
    routes.extend(other_routes());
    routes
}

/// The routes that are not about one case.
fn other_routes() -> Vec<Route> {
    vec![
        ("GET", "/api/batches", None, STAFF),
        // No letter waits: an allowed role gets 409 batch_empty.
        ("POST", "/api/batches", None, OPERATORS),
        // No batch 1 exists: an allowed role gets 404.
        ("GET", "/api/batches/1", None, STAFF),
        ("GET", "/api/batches/1/print.pdf", None, PRINT_ROOM),
        ("GET", "/api/batches/1/manifest.csv", None, POSTERS),
        ("POST", "/api/batches/1/mailed", Some(json!({})), POSTERS),
        ("GET", "/api/reports", None, ALL),
        ("GET", "/api/audit", None, &[Role::Auditor]),
        ("GET", "/api/audit/verify", None, &[Role::Auditor]),
        ("GET", "/api/audit/export.csv", None, &[Role::Auditor]),
        ("GET", "/api/audit/access", None, &[Role::Auditor]),
        ("GET", "/api/audit/access.csv", None, &[Role::Auditor]),
    ]
}

crate::both_backends! {
async fn every_role_gets_the_expected_status_on_every_protected_route(app) {
    let mut tokens = Vec::new();
    for role in Role::ALL {
        tokens.push((role, app.token_for(role).await));
    }
    let id = app.open_proxy_case(&tokens[0].1).await["id"].as_i64().unwrap();

    let mut mismatches = Vec::new();
    for (method, path, body, allowed) in routes() {
        let path = path.replace("{id}", &id.to_string());
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let anonymous = app.call(method.clone(), &path, None, body.as_ref()).await.status();
        if anonymous != StatusCode::UNAUTHORIZED {
            mismatches.push(format!("{method} {path} without login: {anonymous}"));
        }
        for (role, token) in &tokens {
            let got = app.call(method.clone(), &path, Some(token), body.as_ref()).await.status();
            let authorized = got != StatusCode::UNAUTHORIZED && got != StatusCode::FORBIDDEN;
            let ok = if allowed.contains(role) {
                authorized && !got.is_server_error()
            } else {
                got == StatusCode::FORBIDDEN
            };
            if !ok {
                mismatches.push(format!("{method} {path} as {}: {got}", role.code()));
            }
        }
    }

    assert!(mismatches.is_empty(), "{mismatches:#?}");
}
}

/// (method, path, form fields besides the CSRF token).
type Page = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// The supervisors' pages (cookie session, CSRF). User 1 is the account
/// the forms act on; none of them disables anyone (the disable form without
/// `confirmed` only shows the confirmation page).
fn supervisor_pages() -> Vec<Page> {
    vec![
        ("GET", "/users", &[]),
        ("POST", "/users/1/disable", &[]),
        ("POST", "/users/1/enable", &[]),
        ("POST", "/users/1/revoke-sessions", &[]),
        (
            "POST",
            "/users/1/password",
            &[("password", "a"), ("password_again", "b")],
        ),
    ]
}

crate::both_backends! {
async fn only_supervisors_reach_the_user_pages_and_no_session_is_sent_to_the_login(app) {
    app.add_user("target", Role::Clerk).await;
    let mut browsers = Vec::new();
    for role in Role::ALL {
        browsers.push((role, crate::web_ops::Browser::login(&app, role).await));
    }
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let mut mismatches = Vec::new();
    for (method, path, fields) in supervisor_pages() {
        let request = match method {
            "GET" => anonymous.get(app.url(path)),
            _ => anonymous.post(app.url(path)).form(fields),
        };
        let status = request.send().await.unwrap().status();
        if status != StatusCode::SEE_OTHER {
            mismatches.push(format!("{method} {path} without login: {status}"));
        }
        for (role, browser) in &browsers {
            // Every page a user reaches, even the 403 page, carries their token.
            let csrf = crate::web_ops::csrf_of(&browser.get("/users").await.1);
            let mut form = vec![("csrf", csrf.as_str())];
            form.extend_from_slice(fields);
            let got = match method {
                "GET" => browser.get(path).await.0,
                _ => browser.post(path, &form).await.0,
            };
            let ok = if *role == Role::Supervisor {
                got != StatusCode::FORBIDDEN && got != StatusCode::UNAUTHORIZED && !got.is_server_error()
            } else {
                got == StatusCode::FORBIDDEN
            };
            if !ok {
                mismatches.push(format!("{method} {path} as {}: {got}", role.code()));
            }
        }
    }

    assert!(mismatches.is_empty(), "{mismatches:#?}");
}
}
