//! The counter PIN change against the simulated card in the terminal.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    Role, SIGNATURE_PIN, TestApp, assert_error, assert_marker_found, assert_secret_absent,
    in_person_intake,
};

fn change(version: i64, current: &str, new: &str) -> Value {
    json!({ "version": version, "changes": [{ "pin": "user_auth", "current": current, "new": new }] })
}

/// Case `id`'s audit trail, read with the `auditor`'s token.
pub async fn audit_trail(app: &TestApp, auditor: &str, id: i64) -> Value {
    let trail = app
        .call(
            Method::GET,
            &format!("/api/audit?case={id}"),
            Some(auditor),
            None,
        )
        .await;
    trail.json().await.unwrap()
}

/// The `pin_try` events of a trail as (PIN, outcome, tries left).
fn pin_tries(trail: &Value) -> Vec<(String, String, u64)> {
    trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "pin_try")
        .map(|e| {
            let d = &e["details"];
            let text = |k: &str| d[k].as_str().unwrap().to_owned();
            (
                text("pin"),
                text("outcome"),
                d["tries_left"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn tries(expected: &[(&str, &str, u64)]) -> Vec<(String, String, u64)> {
    expected
        .iter()
        .map(|&(pin, outcome, left)| (pin.to_owned(), outcome.to_owned(), left))
        .collect()
}

crate::both_backends! {
async fn a_clerk_sets_the_new_pin_on_the_bound_card_and_the_case_is_done(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let id = app.open_case(&clerk, &in_person_intake()).await["id"].as_i64().unwrap();

    let response = app
        .call(Method::POST, &format!("/api/cases/{id}/pin-change"), Some(&clerk), Some(&change(1, "1234", "9876")))
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["outcome"], "pin_set");
    assert_eq!(body["case"]["state"], "pin_set");
    assert_secret_absent("the PIN-change answer", body.to_string(), "9876");
    // The card now holds the new PIN: changing it again from 9876 works.
    let card = app.card_path();
    let (code, _, stderr) = app
        .cli(&["card", "change-pin", "--pin", "user_auth", "--sim", card.to_str().unwrap(), "--stdin"], "9876\n1111\n1111\n")
        .await;
    assert_eq!(code, Some(0), "{stderr}");
}
}

#[tokio::test]
async fn a_wrong_current_pin_says_how_many_tries_are_left_and_leaves_the_case_open() {
    let app = TestApp::spawn().await;
    let clerk = app.token_for(Role::Clerk).await;
    let id = app.open_case(&clerk, &in_person_intake()).await["id"]
        .as_i64()
        .unwrap();

    let response = app
        .call(
            Method::POST,
            &format!("/api/cases/{id}/pin-change"),
            Some(&clerk),
            Some(&change(1, "4321", "9876")),
        )
        .await;

    let body = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "wrong_pin").await;
    assert_eq!(body["field"], "changes.user_auth.current");
    assert!(
        body["message"].as_str().unwrap().contains("2 tries left"),
        "{body}"
    );
    assert_secret_absent("the wrong-PIN answer", body.to_string(), "4321");
    let case: Value = app
        .call(Method::GET, &format!("/api/cases/{id}"), Some(&clerk), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case["state"], "applied");
}

#[tokio::test]
async fn a_pin_blocked_by_wrong_tries_fails_the_case_with_reset_required() {
    let app = TestApp::spawn().await;
    let clerk = app.token_for(Role::Clerk).await;
    let id = app.open_case(&clerk, &in_person_intake()).await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/cases/{id}/pin-change");
    for _ in 0..2 {
        let wrong = app
            .call(
                Method::POST,
                &path,
                Some(&clerk),
                Some(&change(1, "0000", "9876")),
            )
            .await;
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    let last = app
        .call(
            Method::POST,
            &path,
            Some(&clerk),
            Some(&change(1, "0000", "9876")),
        )
        .await;

    assert_eq!(last.status(), StatusCode::OK);
    let body: Value = last.json().await.unwrap();
    assert_eq!(body["outcome"], "pin_blocked");
    assert_eq!(body["case"]["state"], "failed");
    assert_eq!(body["case"]["failure"], "reset_required");
    let auditor = app.token_for(Role::Auditor).await;
    let trail = audit_trail(&app, &auditor, id).await;
    assert_eq!(
        pin_tries(&trail),
        tries(&[
            ("user_auth", "wrong_pin", 2),
            ("user_auth", "wrong_pin", 1),
            ("user_auth", "blocked", 0)
        ]),
        "the try that blocked the PIN is in the log with the failure: {trail}"
    );
    // The case page says why, and the way on.
    let supervisor = crate::web_ops::Browser::login(&app, Role::Supervisor).await;
    let (status, page) = supervisor.get(&format!("/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let why = page
        .split(r#"id="case-failure">"#)
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the failure reason on the case page");
    assert!(
        why.contains("ロックされているため") && why.contains("初期化"),
        "{why}"
    );
}

#[tokio::test]
async fn another_card_in_the_terminal_is_refused_before_any_pin_is_tried() {
    let app = TestApp::spawn().await;
    let clerk = app.token_for(Role::Clerk).await;
    let id = app.open_case(&clerk, &in_person_intake()).await["id"]
        .as_i64()
        .unwrap();
    let other =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/cards/minor.json");
    std::fs::copy(other, app.card_path()).unwrap();

    let response = app
        .call(
            Method::POST,
            &format!("/api/cases/{id}/pin-change"),
            Some(&clerk),
            Some(&change(1, "2468", "9876")),
        )
        .await;

    assert_error(response, StatusCode::CONFLICT, "card_not_bound").await;
    let card: Value =
        serde_json::from_str(&std::fs::read_to_string(app.card_path()).unwrap()).unwrap();
    assert_eq!(
        card["pins"]["user_auth"]["tries_left"], 3,
        "no VERIFY was sent"
    );
}

#[tokio::test]
async fn a_malformed_new_pin_is_refused_before_the_card_is_touched() {
    let app = TestApp::spawn().await;
    let clerk = app.token_for(Role::Clerk).await;
    let id = app.open_case(&clerk, &in_person_intake()).await["id"]
        .as_i64()
        .unwrap();

    let response = app
        .call(
            Method::POST,
            &format!("/api/cases/{id}/pin-change"),
            Some(&clerk),
            Some(&change(1, "1234", "12ab")),
        )
        .await;

    let body = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input").await;
    assert_eq!(body["field"], "changes.user_auth.new");
    assert_secret_absent("the invalid-input answer", body.to_string(), "12ab");
}

#[tokio::test]
async fn the_pins_typed_never_reach_the_server_log_or_the_audit_log() {
    // Debug logging, to catch the most the server would ever write.
    let app = TestApp::spawn_with(&[("SHOKAI_LOG", "debug")]).await;
    let clerk = app.token_for(Role::Clerk).await;
    let auditor = app.token_for(Role::Auditor).await;
    let mut intake = in_person_intake();
    intake["pins"] = json!(["signature"]);
    let id = app.open_case(&clerk, &intake).await["id"].as_i64().unwrap();
    let new_pin = "QZ7XW4K9";
    let path = format!("/api/cases/{id}/pin-change");
    let wrong = json!({ "version": 1, "changes": [{ "pin": "signature", "current": "WRONG1", "new": new_pin }] });
    let right = json!({ "version": 1, "changes": [{ "pin": "signature", "current": SIGNATURE_PIN, "new": new_pin }] });

    let first = app
        .call(Method::POST, &path, Some(&clerk), Some(&wrong))
        .await;
    let second = app
        .call(Method::POST, &path, Some(&clerk), Some(&right))
        .await;

    assert_eq!(first.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(second.status(), StatusCode::OK);
    let audit = app
        .call(
            Method::GET,
            &format!("/api/audit?case={id}"),
            Some(&auditor),
            None,
        )
        .await
        .text()
        .await
        .unwrap();
    // Under TEST_LOG the log went to the terminal: only the audit log is left.
    let log = app.scannable_log();
    if let Some(log) = &log {
        assert_marker_found("the debug server log", log, "case opened");
    }
    for pin in [SIGNATURE_PIN, "WRONG1", new_pin] {
        if let Some(log) = &log {
            assert_secret_absent("the debug server log", log, pin);
        }
        assert_secret_absent("the audit log", &audit, pin);
    }
}

crate::both_backends! {
async fn every_pin_try_at_the_counter_is_in_the_audit_log_with_its_kind_and_tries_left_and_never_the_pin(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let auditor = app.token_for(Role::Auditor).await;
    let id = app.open_case(&clerk, &in_person_intake()).await["id"].as_i64().unwrap();
    let path = format!("/api/cases/{id}/pin-change");

    let wrong = app.call(Method::POST, &path, Some(&clerk), Some(&change(1, "4321", "9876"))).await;
    assert_error(wrong, StatusCode::UNPROCESSABLE_ENTITY, "wrong_pin").await;
    let right = app.call(Method::POST, &path, Some(&clerk), Some(&change(1, "1234", "9876"))).await;
    assert_eq!(right.status(), StatusCode::OK);

    let trail = audit_trail(&app, &auditor, id).await;
    assert_eq!(pin_tries(&trail), tries(&[("user_auth", "wrong_pin", 2), ("user_auth", "changed", 3)]), "{trail}");
    let events: Vec<&str> = trail.as_array().unwrap().iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(events, ["open", "pin_try", "pin_try", "complete_pin_change"], "the try comes before the step it led to");
    for pin in ["4321", "1234", "9876"] {
        assert_secret_absent("the audit log", trail.to_string(), pin);
    }
}
}

crate::both_backends! {
async fn a_clerk_who_does_not_know_the_current_pin_ends_the_case_as_failed_rather_than_guess(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let auditor = app.token_for(Role::Auditor).await;
    let id = app.open_case(&clerk, &in_person_intake()).await["id"].as_i64().unwrap();
    let wrong = app
        .call(Method::POST, &format!("/api/cases/{id}/pin-change"), Some(&clerk), Some(&change(1, "4321", "9876")))
        .await;
    assert_error(wrong, StatusCode::UNPROCESSABLE_ENTITY, "wrong_pin").await;
    let path = format!("/api/cases/{id}/current-pin-wrong");

    let not_of_case = app.call(Method::POST, &path, Some(&clerk), Some(&json!({ "version": 1, "pin": "resident" }))).await;
    let ended = app.call(Method::POST, &path, Some(&clerk), Some(&json!({ "version": 1, "pin": "user_auth" }))).await;

    assert_eq!(not_of_case.status(), StatusCode::UNPROCESSABLE_ENTITY, "a PIN the case does not change");
    assert_eq!(ended.status(), StatusCode::OK);
    assert_eq!(ended.json::<Value>().await.unwrap()["state"], "failed");
    let trail = audit_trail(&app, &auditor, id).await;
    let fail = trail.as_array().unwrap().iter().find(|e| e["event"] == "fail").expect("the fail event");
    assert_eq!(fail["details"]["failure"]["type"], "current_pin_wrong", "{fail}");
    assert_eq!(fail["details"]["failure"]["pin"], "user_auth", "{fail}");
}
}
