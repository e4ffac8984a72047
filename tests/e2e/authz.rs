//! The authorization matrix: every role (and no login) against every route
//! that needs one, with the status each must get. Case routes join the table
//! as they arrive.

use reqwest::{Method, StatusCode};

use crate::helpers::Role;

/// (method, path, roles allowed). Everyone else gets 403; no token gets 401.
const ROUTES: &[(&str, &str, &[Role])] = &[
    (
        "GET",
        "/api/session",
        &[Role::Clerk, Role::Supervisor, Role::Auditor],
    ),
    ("GET", "/api/audit", &[Role::Auditor]),
    ("GET", "/api/audit/verify", &[Role::Auditor]),
    ("GET", "/api/audit/export.csv", &[Role::Auditor]),
];

crate::both_backends! {
async fn every_role_gets_the_expected_status_on_every_protected_route(app) {
    let mut tokens = Vec::new();
    for role in Role::ALL {
        tokens.push((role, app.token_for(role).await));
    }

    let mut mismatches = Vec::new();
    for (method, path, allowed) in ROUTES {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let anonymous = app.call(method.clone(), path, None, None).await.status();
        if anonymous != StatusCode::UNAUTHORIZED {
            mismatches.push(format!("{method} {path} without login: {anonymous}"));
        }
        for (role, token) in &tokens {
            let got = app.call(method.clone(), path, Some(token), None).await.status();
            let expected = if allowed.contains(role) { StatusCode::OK } else { StatusCode::FORBIDDEN };
            if got != expected {
                mismatches.push(format!("{method} {path} as {}: {got}, expected {expected}", role.code()));
            }
        }
    }

    assert!(mismatches.is_empty(), "{mismatches:#?}");
}
}
