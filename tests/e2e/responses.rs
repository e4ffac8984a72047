//! The proxy's return at the counter (`POST /api/cases/{id}/response`) and a
//! letter coming back (`POST /api/cases/{id}/undeliverable`).
//!
//! The letter is issued and marked mailed through the store with the
//! server's own code key, as the letter and batch routes would, so the test
//! knows the code printed on it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Role, TestApp, assert_error, assert_secret_absent};
use crate::status::mail_letter;

/// A response form handed in with every checklist item ticked.
pub fn response(version: i64, code: &str) -> Value {
    json!({
        "version": version,
        "code": code,
        "checklist": {
            "card_presented": true,
            "proxy_photo_id": { "kind": "drivers_licence", "has_photo": true, "number_last4": "5678" },
            "response_form_signed": true,
            "power_of_attorney_complete": true,
            "power_of_attorney_names_proxy": true,
            "envelope_sealed": true,
        },
    })
}

async fn case(app: &TestApp, token: &str, id: i64) -> Value {
    app.call(Method::GET, &format!("/api/cases/{id}"), Some(token), None)
        .await
        .json()
        .await
        .unwrap()
}

crate::both_backends! {
async fn the_right_code_with_a_complete_checklist_returns_the_response_and_the_pin_can_be_set(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let id = app.open_proxy_case(&clerk).await["id"].as_i64().unwrap();
    let code = mail_letter(&app, id, 1).await;

    let answer = app.call(Method::POST, &format!("/api/cases/{id}/response"), Some(&clerk), Some(&response(4, &code))).await;

    assert_eq!(answer.status(), StatusCode::OK);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["state"], "response_returned");
    assert_secret_absent("the response answer", body.to_string(), &code);
    let change = json!({ "version": 5, "changes": [{ "pin": "user_auth", "current": "1234", "new": "9876" }] });
    let set = app.call(Method::POST, &format!("/api/cases/{id}/pin-change"), Some(&clerk), Some(&change)).await;
    assert_eq!(set.status(), StatusCode::OK);
    assert_eq!(set.json::<Value>().await.unwrap()["case"]["state"], "pin_set");
    if let Some(log) = app.scannable_log() {
        assert_secret_absent("the server log", &log, &code);
    }
}
}

crate::both_backends! {
async fn wrong_codes_count_down_and_then_the_case_is_locked(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let id = app.open_proxy_case(&clerk).await["id"].as_i64().unwrap();
    let code = mail_letter(&app, id, 1).await;
    let wrong = if code.starts_with('A') { code.replacen('A', "B", 1) } else { format!("A{}", &code[1..]) };

    for left in (0..5).rev() {
        let version = case(&app, &clerk, id).await["version"].as_i64().unwrap();
        let answer = app.call(Method::POST, &format!("/api/cases/{id}/response"), Some(&clerk), Some(&response(version, &wrong))).await;
        let body = assert_error(answer, StatusCode::UNPROCESSABLE_ENTITY, "code_mismatch").await;
        assert_eq!(body["field"], "code");
        assert!(body["message"].as_str().unwrap().contains(&format!("{left} left")), "{body}");
    }
    let locked = case(&app, &clerk, id).await;
    assert_eq!(locked["locked"], true);
    assert_eq!(locked["wrong_code_attempts"], 5);
    let store = shokai_store::Store::connect(app.database_url()).await.unwrap();
    let mut tx = store.read().await.unwrap();
    let attempts = shokai_store::cases::response_attempts(&mut tx, id).await.unwrap();
    tx.commit().await.unwrap();
    let outcomes: Vec<&str> = attempts.iter().map(|a| a.outcome.as_str()).collect();
    assert_eq!(outcomes, ["code_mismatch"; 5], "every wrong code is in the attempt log");

    // Even the right code is refused until a supervisor unlocks the case.
    let version = locked["version"].as_i64().unwrap();
    let answer = app.call(Method::POST, &format!("/api/cases/{id}/response"), Some(&clerk), Some(&response(version, &code))).await;
    assert_error(answer, StatusCode::CONFLICT, "case_locked").await;
}
}

crate::both_backends! {
async fn a_mailed_letter_that_comes_back_makes_the_case_undeliverable(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let id = app.open_proxy_case(&clerk).await["id"].as_i64().unwrap();
    mail_letter(&app, id, 1).await;

    let body = json!({ "version": 4, "letter": 1, "note": "宛所に尋ねあたりません" });
    let answer = app.call(Method::POST, &format!("/api/cases/{id}/undeliverable"), Some(&clerk), Some(&body)).await;

    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.json::<Value>().await.unwrap()["state"], "undeliverable");
}
}

crate::both_backends! {
async fn a_letter_not_yet_mailed_cannot_come_back(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let id = app.open_proxy_case(&clerk).await["id"].as_i64().unwrap();

    let body = json!({ "version": 1, "letter": 1 });
    let answer = app.call(Method::POST, &format!("/api/cases/{id}/undeliverable"), Some(&clerk), Some(&body)).await;

    assert_error(answer, StatusCode::CONFLICT, "invalid_transition").await;
}
}
