//! Irreversible steps on the pages (取消, 発送済みにする, 返戻) ask first, on a
//! confirmation page that works without JavaScript: the first POST changes
//! nothing, the confirmed second one acts.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::batches::{case_with_letter, close_batch};
use crate::helpers::{Role, TestApp};
use crate::web_ops::{Browser, csrf_of};

async fn state_of(app: &TestApp, token: &str, id: i64) -> String {
    let case: Value = app
        .call(Method::GET, &format!("/api/cases/{id}"), Some(token), None)
        .await
        .json()
        .await
        .unwrap();
    case["state"].as_str().unwrap().to_owned()
}

crate::both_backends! {
async fn cancelling_a_case_asks_for_confirmation_and_acts_only_once_confirmed(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let (id, reference) = case_with_letter(&app, &clerk, "160-0022").await;
    let supervisor = Browser::login(&app, Role::Supervisor).await;
    let (_, page) = supervisor.get(&format!("/cases/{id}")).await;
    let csrf = csrf_of(&page);
    let url = format!("/cases/{id}/cancel");

    let (empty, _, refused) = supervisor.post(&url, &[("csrf", &csrf), ("version", "2"), ("reason", "")]).await;
    let (asked, _, confirm) = supervisor.post(&url, &[("csrf", &csrf), ("version", "2"), ("reason", "本人から取下げの申出")]).await;
    let before = state_of(&app, &clerk, id).await;
    let confirmed = [("csrf", csrf.as_str()), ("version", "2"), ("reason", "本人から取下げの申出"), ("confirmed", "yes")];
    let (done, location, _) = supervisor.post(&url, &confirmed).await;

    assert!(!refused.contains(r#"id="confirm-form""#), "a reason first: {refused}");
    assert!(refused.contains("理由を入力してください"), "{empty}: {refused}");
    assert_eq!(asked, StatusCode::OK);
    assert!(confirm.contains(r#"id="confirm-form""#) && confirm.contains(&reference), "{confirm}");
    assert!(confirm.contains("元に戻せません") && confirm.contains("本人から取下げの申出"), "{confirm}");
    assert_eq!(before, "applied", "nothing changes before confirming");
    assert_eq!((done, location.as_deref()), (StatusCode::SEE_OTHER, Some(format!("/cases/{id}").as_str())));
    assert_eq!(state_of(&app, &clerk, id).await, "cancelled");
}
}

crate::both_backends! {
async fn marking_a_batch_mailed_asks_for_confirmation_and_keeps_the_print_file_until_then(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let (id, _) = case_with_letter(&app, &clerk, "160-0022").await;
    close_batch(&app, &clerk).await;
    let printer = Browser::login(&app, Role::Printer).await;
    let (_, page) = printer.get("/batches").await;
    let csrf = csrf_of(&page);

    let (asked, _, confirm) = printer.post("/batches/1/mailed", &[("csrf", &csrf), ("mailed_on", "")]).await;
    let before = state_of(&app, &clerk, id).await;
    let (done, location, _) = printer
        .post("/batches/1/mailed", &[("csrf", &csrf), ("mailed_on", ""), ("confirmed", "yes")])
        .await;

    assert_eq!(asked, StatusCode::OK);
    assert!(confirm.contains(r#"id="confirm-form""#) && confirm.contains("1通"), "{confirm}");
    assert!(confirm.contains("印刷用PDFは削除"), "{confirm}");
    assert_eq!(before, "applied", "not mailed before confirming");
    assert_eq!((done, location.as_deref()), (StatusCode::SEE_OTHER, Some("/batches")));
    let auditor = app.token_for(Role::Auditor).await;
    let log: Value = app.call(Method::GET, &format!("/api/audit?case={id}"), Some(&auditor), None).await.json().await.unwrap();
    assert_eq!(state_of(&app, &clerk, id).await, "inquiry_mailed", "{log:#}");
}
}

crate::both_backends! {
async fn recording_a_returned_letter_asks_for_confirmation_and_the_response_page_shows_the_names_to_check(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let (id, reference) = case_with_letter(&app, &clerk, "160-0022").await;
    close_batch(&app, &clerk).await;
    let mailed = app
        .call(Method::POST, "/api/batches/1/mailed", Some(&clerk), Some(&serde_json::json!({})))
        .await;
    assert_eq!(mailed.status(), StatusCode::OK);
    let supervisor = Browser::login(&app, Role::Supervisor).await;
    let (_, page) = supervisor.get(&format!("/cases/{id}")).await;
    let csrf = csrf_of(&page);
    let (_, lookup) = supervisor.get(&format!("/response?reference={reference}")).await;
    let url = format!("/cases/{id}/undeliverable");
    let case: Value = app.call(Method::GET, &format!("/api/cases/{id}"), Some(&clerk), None).await.json().await.unwrap();
    let version = case["version"].to_string();
    let form = [("csrf", csrf.as_str()), ("version", &version), ("letter", "1"), ("note", "宛所に尋ねあたりません")];

    let (asked, _, confirm) = supervisor.post(&url, &form).await;
    let before = state_of(&app, &clerk, id).await;
    let mut confirmed = form.to_vec();
    confirmed.push(("confirmed", "yes"));
    let (done, _, _) = supervisor.post(&url, &confirmed).await;

    assert!(lookup.contains(r#"id="response-cardholder""#), "{lookup}");
    assert!(lookup.contains("山田") && lookup.contains(r#"id="response-proxy""#), "{lookup}");
    assert_eq!(asked, StatusCode::OK);
    assert!(confirm.contains(r#"id="confirm-form""#) && confirm.contains("宛所に尋ねあたりません"), "{confirm}");
    assert_eq!(before, "inquiry_mailed", "nothing changes before confirming");
    assert_eq!(done, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, &clerk, id).await, "undeliverable");
}
}
