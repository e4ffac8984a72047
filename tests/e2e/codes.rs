//! Only the newest letter's code counts, and only once that letter is mailed:
//! a supervisor's reissue does not let its code in before the post has it,
//! and the replaced letter's code is refused and recorded.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::flow::code_in_letter;
use crate::helpers::{Role, TestApp, assert_error, pdf_text};
use crate::responses::response;

pub async fn ok(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Value {
    let response = app.call(method, path, Some(token), body).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{path}: {status} {text}");
    serde_json::from_str(&text).unwrap()
}

/// Closes a batch with the letters waiting; returns its id and the code the
/// print file prints (one letter per batch here), as the print room reads it.
async fn close_batch(app: &TestApp, clerk: &str, printer: &str) -> (i64, String) {
    let batch = ok(app, clerk, Method::POST, "/api/batches", None).await;
    let id = batch["id"].as_i64().unwrap();
    let print = app
        .call(
            Method::GET,
            &format!("/api/batches/{id}/print.pdf"),
            Some(printer),
            None,
        )
        .await;
    assert_eq!(print.status(), StatusCode::OK);
    let code = code_in_letter(&pdf_text(&print.bytes().await.unwrap()))
        .expect("the print file prints the code");
    (id, code)
}

async fn mark_mailed(app: &TestApp, token: &str, batch: i64) {
    let path = format!("/api/batches/{batch}/mailed");
    ok(app, token, Method::POST, &path, Some(&json!({}))).await;
}

async fn version(app: &TestApp, token: &str, id: i64) -> i64 {
    let case = ok(app, token, Method::GET, &format!("/api/cases/{id}"), None).await;
    case["version"].as_i64().unwrap()
}

crate::both_backends! {
    async fn a_reissued_letters_code_counts_only_once_mailed_and_the_replaced_letters_code_never(app) {
        let clerk = app.token_for(Role::Clerk).await;
        let supervisor = app.token_for(Role::Supervisor).await;
        let auditor = app.token_for(Role::Auditor).await;
        let printer = app.token_for(Role::Printer).await;
        let id = app.open_proxy_case(&clerk).await["id"].as_i64().unwrap();
        let letters = format!("/api/cases/{id}/letters");
        ok(&app, &clerk, Method::POST, &letters, Some(&json!({ "version": 1 }))).await;
        let (first_batch, first_code) = close_batch(&app, &clerk, &printer).await;
        mark_mailed(&app, &clerk, first_batch).await;
        // The cardholder says the letter never came: the supervisor reissues.
        let reissue = json!({
            "version": version(&app, &clerk, id).await,
            "override_reason": "本人から照会書が届かないとの連絡",
        });
        ok(&app, &supervisor, Method::POST, &letters, Some(&reissue)).await;
        let (second_batch, second_code) = close_batch(&app, &clerk, &printer).await;
        assert_ne!(first_code, second_code);
        let respond = format!("/api/cases/{id}/response");

        let early = app
            .call(Method::POST, &respond, Some(&clerk), Some(&response(version(&app, &clerk, id).await, &second_code)))
            .await;
        assert_error(early, StatusCode::UNPROCESSABLE_ENTITY, "unmailed_code").await;
        mark_mailed(&app, &clerk, second_batch).await;
        let replaced = app
            .call(Method::POST, &respond, Some(&clerk), Some(&response(version(&app, &clerk, id).await, &first_code)))
            .await;
        assert_error(replaced, StatusCode::UNPROCESSABLE_ENTITY, "superseded_code").await;
        let accepted = ok(
            &app,
            &clerk,
            Method::POST,
            &respond,
            Some(&response(version(&app, &clerk, id).await, &second_code)),
        )
        .await;

        assert_eq!(accepted["state"], "response_returned");
        assert_eq!(
            accepted["wrong_code_attempts"], 1,
            "the unmailed letter's code counted, the replaced letter's did not"
        );
        let trail = ok(&app, &auditor, Method::GET, &format!("/api/audit?case={id}"), None).await;
        let events: Vec<&str> = trail
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["event"].as_str())
            .collect();
        let refusals: Vec<&str> = events
            .iter()
            .copied()
            .filter(|e| e.ends_with("_code"))
            .collect();
        assert_eq!(refusals, ["unmailed_code", "superseded_code"], "{events:?}");
    }
}
