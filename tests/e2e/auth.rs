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

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_username_even_for_the_right_one() {
    let app = TestApp::spawn().await;
    app.add_user("sato", Role::Clerk).await;
    for _ in 0..5 {
        let wrong = app.login("sato", "a wrong password!").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }

    let right = app.login("sato", PASSWORD).await;
    let other = app.login("kato", "a wrong password!").await;

    assert_error(right, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    assert_error(other, StatusCode::UNAUTHORIZED, "bad_credentials").await;
}
