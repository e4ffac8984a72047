//! Staff accounts, logging in and out, and who may call what.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, Role, TestApp, assert_error};

#[tokio::test]
async fn a_user_added_on_the_command_line_can_log_in_and_gets_a_bearer_token() {
    let app = TestApp::spawn().await;
    app.add_user("sato", Role::Clerk).await;

    let response = app.login("sato", PASSWORD).await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["username"], "sato");
    assert_eq!(body["role"], "clerk");
    assert_eq!(body["token"].as_str().unwrap().len(), 64);
    assert!(body["expires_at"].is_string());
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.add_user("sato", Role::Clerk).await;

    let wrong = app.login("sato", "not the password at all").await;
    let unknown = app.login("nobody", PASSWORD).await;

    let a = assert_error(wrong, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    let b = assert_error(unknown, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    assert_eq!(a, b);
}

#[tokio::test]
async fn a_login_without_a_password_names_the_missing_field() {
    let app = TestApp::spawn().await;

    let response = app
        .call(
            Method::POST,
            "/api/session",
            None,
            Some(&json!({ "username": "sato" })),
        )
        .await;

    let body = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input").await;
    assert_eq!(body["field"], "password");
}

crate::both_backends! {
async fn the_token_identifies_the_caller_until_logout(app) {
    let token = app.token_for(Role::Auditor).await;

    let me = app.call(Method::GET, "/api/session", Some(&token), None).await;
    assert_eq!(me.status(), StatusCode::OK);
    let body: Value = me.json().await.unwrap();
    assert_eq!(body["username"], "auditor");
    assert_eq!(body["role"], "auditor");

    let out = app.call(Method::DELETE, "/api/session", Some(&token), None).await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);

    let after = app.call(Method::GET, "/api/session", Some(&token), None).await;
    assert_error(after, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}
}

#[tokio::test]
async fn requests_without_a_valid_token_are_refused() {
    let app = TestApp::spawn().await;

    let none = app.call(Method::GET, "/api/session", None, None).await;
    let forged = app
        .call(Method::GET, "/api/session", Some(&"a".repeat(64)), None)
        .await;

    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    assert_error(none, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert_error(forged, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn user_add_refuses_a_short_password_an_unknown_role_and_a_taken_name() {
    let app = TestApp::spawn().await;
    app.add_user("sato", Role::Clerk).await;

    let (short, _, short_err) = app
        .cli(&["user", "add", "kato", "--role", "clerk"], "short\n")
        .await;
    let (role, _, _) = app
        .cli(
            &["user", "add", "kato", "--role", "admin"],
            &format!("{PASSWORD}\n"),
        )
        .await;
    let (taken, _, taken_err) = app
        .cli(
            &["user", "add", "sato", "--role", "auditor"],
            &format!("{PASSWORD}\n"),
        )
        .await;

    assert_eq!(short, Some(2), "{short_err}");
    assert!(!short_err.contains("short\n"), "the password is not echoed");
    assert_eq!(role, Some(2));
    assert_eq!(taken, Some(2), "{taken_err}");
    assert!(taken_err.contains("already exists"), "{taken_err}");
    let kato = app.login("kato", PASSWORD).await;
    assert_error(kato, StatusCode::UNAUTHORIZED, "bad_credentials").await;
}

/// The reverse proxy every login below comes through: it names the client.
const BEHIND_A_PROXY: &[(&str, &str)] = &[("SHOKAI_TRUSTED_PROXIES", "127.0.0.1")];

/// `POST /api/session` from `client`, as forwarded by the trusted proxy.
pub async fn login_from(
    app: &TestApp,
    username: &str,
    password: &str,
    client: &str,
) -> reqwest::Response {
    app.client
        .post(app.url("/api/session"))
        .header("x-forwarded-for", client)
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
}

/// Guesses `username`'s password from `client` until the answer is a block
/// of at least two seconds (sleeping out shorter ones), so the caller's next
/// request meets the block whatever the machine's speed. Returns the block's
/// `Retry-After` seconds.
pub async fn guess_until_blocked(app: &TestApp, username: &str, client: &str) -> u64 {
    for _ in 0..30 {
        let answer = login_from(app, username, "a wrong password!", client).await;
        if answer.status() == StatusCode::UNAUTHORIZED {
            continue;
        }
        assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = answer.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        if wait >= 2 {
            return wait;
        }
        tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    }
    panic!("{username} from {client} was never blocked for two seconds");
}

crate::both_backends_with! { BEHIND_A_PROXY;
async fn a_flood_of_wrong_passwords_from_one_address_slows_that_address_and_never_locks_the_real_user_out(app) {
    app.add_user("sato", Role::Clerk).await;
    let stranger = "203.0.113.66";

    // A burst of 60 parallel guesses, then 20 more one after another.
    let mut burst = tokio::task::JoinSet::new();
    for _ in 0..60 {
        let request = app.client.post(app.url("/api/session")).header("x-forwarded-for", stranger)
            .json(&json!({ "username": "sato", "password": "a wrong password!" }));
        burst.spawn(async move { request.send().await.unwrap().status() });
    }
    let mut answers: Vec<StatusCode> = burst.join_all().await;
    for _ in 0..20 {
        answers.push(login_from(&app, "sato", "a wrong password!", stranger).await.status());
    }

    let checked = answers.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let refused = answers.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(checked + refused, 80, "{answers:?}");
    // The free five, the one that set the first block (1 s), and one per
    // later block (2 s, 4 s) only if the flood outlasted the blocks before.
    assert!(checked <= 8, "{answers:?}");
    // The real user at another counter logs in at the first try.
    let real = login_from(&app, "sato", PASSWORD, "198.51.100.7").await;
    assert_eq!(real.status(), StatusCode::CREATED);
    // The stranger's address waits, and is told how long: seconds, not a lockout.
    let wait = guess_until_blocked(&app, "sato", stranger).await;
    assert!(wait <= 16, "{wait}");
    let blocked = login_from(&app, "sato", PASSWORD, stranger).await;
    assert_error(blocked, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    // Once it has passed, the right password works from there too.
    tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    let after = login_from(&app, "sato", PASSWORD, stranger).await;
    assert_eq!(after.status(), StatusCode::CREATED);
}
}

#[tokio::test]
async fn an_overlong_username_is_refused_like_a_wrong_one_and_is_never_counted() {
    let app = TestApp::spawn().await;
    app.add_user("sato", Role::Clerk).await;
    let long = "s".repeat(65);
    for _ in 0..10 {
        let refused = app.login(&long, PASSWORD).await;
        assert_error(refused, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    }
    let (code, _, err) = app
        .cli(
            &["user", "add", &long, "--role", "clerk"],
            &format!("{PASSWORD}\n"),
        )
        .await;
    assert_eq!(code, Some(2), "{err}");
    let right = app.login("sato", PASSWORD).await;
    assert_eq!(right.status(), StatusCode::CREATED);
}
