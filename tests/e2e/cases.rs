//! Cases over the API: intake with the card in the terminal bound to the
//! case, reading and listing, and the versioned supervisor changes.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{CARD_FINGERPRINT, Role, TestApp, assert_error, proxy_intake};

crate::both_backends! {
async fn a_clerk_registers_a_proxy_case_that_every_role_can_read(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let auditor = app.token_for(Role::Auditor).await;

    let case = app.open_proxy_case(&clerk).await;

    assert_eq!(case["state"], "applied");
    assert_eq!(case["path"], "optional_proxy");
    assert_eq!(case["version"], 1);
    assert_eq!(case["card_fingerprint"], CARD_FINGERPRINT);
    assert!(case["reference"].as_str().unwrap().starts_with('R'), "{case}");
    assert_eq!(case["parties"]["cardholder"]["date_of_birth"], "1980-04-01", "{case}");
    let id = case["id"].as_i64().unwrap();
    let read = app.call(Method::GET, &format!("/api/cases/{id}"), Some(&auditor), None).await;
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(read.json::<Value>().await.unwrap()["reference"], case["reference"]);
    let list: Value = app
        .call(Method::GET, "/api/cases?state=applied", Some(&auditor), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["cases"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["cases"][0]["id"], id);
}
}

#[tokio::test]
async fn opening_a_case_is_recorded_in_the_audit_log_without_personal_data() {
    let app = TestApp::spawn().await;
    let clerk = app.token_for(Role::Clerk).await;
    let auditor = app.token_for(Role::Auditor).await;

    let case = app.open_proxy_case(&clerk).await;

    let id = case["id"].as_i64().unwrap();
    let events: Value = app
        .call(
            Method::GET,
            &format!("/api/audit?case={id}"),
            Some(&auditor),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events[0]["event"], "open", "{events}");
    assert_eq!(events[0]["actor"], "clerk");
    assert_eq!(events[0]["to_state"], "applied");
    assert!(
        !events.to_string().contains("山田"),
        "no personal data in the audit view"
    );
}

#[tokio::test]
async fn a_stale_version_is_refused_with_version_conflict() {
    let app = TestApp::spawn().await;
    let clerk = app.token_for(Role::Clerk).await;
    let supervisor = app.token_for(Role::Supervisor).await;
    let case = app.open_proxy_case(&clerk).await;
    let id = case["id"].as_i64().unwrap();

    let stale = app
        .call(
            Method::POST,
            &format!("/api/cases/{id}/cancel"),
            Some(&supervisor),
            Some(&json!({ "version": 0, "reason": "申請取下げ" })),
        )
        .await;

    assert_error(stale, StatusCode::CONFLICT, "version_conflict").await;
}

#[tokio::test]
async fn cancelling_twice_is_an_invalid_transition() {
    let app = TestApp::spawn().await;
    let clerk = app.token_for(Role::Clerk).await;
    let supervisor = app.token_for(Role::Supervisor).await;
    let case = app.open_proxy_case(&clerk).await;
    let id = case["id"].as_i64().unwrap();
    let path = format!("/api/cases/{id}/cancel");

    let first = app
        .call(
            Method::POST,
            &path,
            Some(&supervisor),
            Some(&json!({ "version": 1, "reason": "申請取下げ" })),
        )
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let cancelled: Value = first.json().await.unwrap();
    assert_eq!(cancelled["state"], "cancelled");
    assert_eq!(cancelled["version"], 2);
    let second = app
        .call(
            Method::POST,
            &path,
            Some(&supervisor),
            Some(&json!({ "version": 2, "reason": "再度" })),
        )
        .await;

    assert_error(second, StatusCode::CONFLICT, "invalid_transition").await;
}

#[tokio::test]
async fn a_cancel_without_a_reason_names_the_reason_field() {
    let app = TestApp::spawn().await;
    let clerk = app.token_for(Role::Clerk).await;
    let supervisor = app.token_for(Role::Supervisor).await;
    let id = app.open_proxy_case(&clerk).await["id"].as_i64().unwrap();

    let response = app
        .call(
            Method::POST,
            &format!("/api/cases/{id}/cancel"),
            Some(&supervisor),
            Some(&json!({ "version": 1, "reason": "  " })),
        )
        .await;

    let body = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "reason_required",
    )
    .await;
    assert_eq!(body["field"], "reason");
}

#[tokio::test]
async fn unlocking_a_case_before_its_letter_is_an_invalid_transition() {
    let app = TestApp::spawn().await;
    let clerk = app.token_for(Role::Clerk).await;
    let supervisor = app.token_for(Role::Supervisor).await;
    let id = app.open_proxy_case(&clerk).await["id"].as_i64().unwrap();

    let response = app
        .call(
            Method::POST,
            &format!("/api/cases/{id}/unlock"),
            Some(&supervisor),
            Some(&json!({ "version": 1, "reason": "本人確認済み" })),
        )
        .await;

    assert_error(response, StatusCode::CONFLICT, "invalid_transition").await;
}

#[tokio::test]
async fn a_malformed_postal_code_is_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let clerk = app.token_for(Role::Clerk).await;
    let mut intake = proxy_intake();
    intake["cardholder"]["address"]["postal_code"] = json!("16O-0022");

    let response = app
        .call(Method::POST, "/api/cases", Some(&clerk), Some(&intake))
        .await;

    let body = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input").await;
    assert!(
        body["field"]
            .as_str()
            .unwrap()
            .starts_with("cardholder.address"),
        "{body}"
    );
}

#[tokio::test]
async fn intake_without_a_card_terminal_is_unavailable() {
    let app = TestApp::spawn_with(&[("SHOKAI_CARD_TERMINAL", "")]).await;
    let clerk = app.token_for(Role::Clerk).await;

    let response = app
        .call(
            Method::POST,
            "/api/cases",
            Some(&clerk),
            Some(&proxy_intake()),
        )
        .await;

    assert_error(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        "card_terminal_unavailable",
    )
    .await;
}

#[tokio::test]
async fn an_unknown_case_is_not_found_and_an_unknown_state_filter_names_the_field() {
    let app = TestApp::spawn().await;
    let clerk = app.token_for(Role::Clerk).await;

    let missing = app
        .call(Method::GET, "/api/cases/4242", Some(&clerk), None)
        .await;
    let bad_filter = app
        .call(Method::GET, "/api/cases?state=lost", Some(&clerk), None)
        .await;

    assert_error(missing, StatusCode::NOT_FOUND, "not_found").await;
    let body = assert_error(
        bad_filter,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    )
    .await;
    assert_eq!(body["field"], "state");
}

crate::both_backends! {
    async fn an_application_whose_proxy_name_the_letter_cannot_print_is_refused_and_nothing_is_stored(app) {
        let token = app.token_for(Role::Clerk).await;
        let mut intake = proxy_intake();
        intake["representation"]["person"]["name"] = json!("𠮷野 花子");

        let response = app.call(Method::POST, "/api/cases", Some(&token), Some(&intake)).await;

        let body = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "unprintable_character").await;
        assert_eq!(body["field"], "representation.person.name");
        assert!(body["message"].as_str().unwrap().contains("U+20BB7"), "{body}");
        let listed: Value = app
            .call(Method::GET, "/api/cases", Some(&token), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listed["total"], 0, "{listed:?}");
    }
}

crate::both_backends! {
async fn an_optional_proxy_is_refused_by_name_for_a_child_under_15_and_for_an_adult_ward(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let mut child = proxy_intake();
    child["cardholder"]["date_of_birth"] = json!("2016-05-05");
    let mut ward = proxy_intake();
    ward["cardholder"]["adult_ward"] = json!(true);

    let for_child = app.call(Method::POST, "/api/cases", Some(&clerk), Some(&child)).await;
    let for_ward = app.call(Method::POST, "/api/cases", Some(&clerk), Some(&ward)).await;

    let body = assert_error(for_child, StatusCode::UNPROCESSABLE_ENTITY, "proxy_for_under_15").await;
    assert_eq!(body["field"], "representation");
    let body = assert_error(for_ward, StatusCode::UNPROCESSABLE_ENTITY, "proxy_for_adult_ward").await;
    assert_eq!(body["field"], "representation");
}
}

crate::both_backends! {
async fn the_signature_pin_of_a_card_without_a_signature_certificate_is_refused_by_name(app) {
    // The minor's card has no signature certificate: selecting it answers 6A 82.
    let minor = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/cards/minor.json");
    std::fs::copy(minor, app.card_path()).unwrap();
    let clerk = app.token_for(Role::Clerk).await;
    let mut intake = crate::helpers::in_person_intake();
    intake["pins"] = json!(["signature", "user_auth"]);
    let mut other_pins = crate::helpers::in_person_intake();
    other_pins["pins"] = json!(["user_auth"]);

    let refused = app.call(Method::POST, "/api/cases", Some(&clerk), Some(&intake)).await;
    let accepted = app.call(Method::POST, "/api/cases", Some(&clerk), Some(&other_pins)).await;

    let body = assert_error(refused, StatusCode::UNPROCESSABLE_ENTITY, "card_has_no_signature_certificate").await;
    assert_eq!(body["field"], "pins");
    assert_eq!(accepted.status(), StatusCode::CREATED, "the card's other PINs can change");
}
}

crate::both_backends! {
async fn a_proxys_passport_is_recorded_as_seen_without_its_number(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let mut intake = proxy_intake();
    intake["representation"]["id_document"] =
        json!({ "kind": "passport", "has_photo": true, "number_last4": "TK12" });

    let case = app.open_case(&clerk, &intake).await;

    let document = &case["parties"]["representation"]["id_document"];
    assert_eq!(document["kind"], "passport", "{case}");
    assert!(document.get("number_last4").is_none(), "{case}");
    assert!(!case.to_string().contains("TK12"), "{case}");
}
}
