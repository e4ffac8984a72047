//! The procedure as offices run it, end to end: a PIN reset (初期化) by an
//! optional proxy through the mailed inquiry, a blocked PIN followed by a
//! reset in one click, one open case per card, and the cardholder who comes
//! in person while the proxy's case is open.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shokai_card::{Card, Pin, PinKind, Transport, sim_file};

use crate::flow::proxy_flow;
use crate::helpers::{Role, TestApp, assert_error, in_person_intake, proxy_intake};

/// Spends every try of the card's user_auth PIN, as a cardholder who kept
/// guessing at home would: the PIN is blocked.
fn block_user_auth(app: &TestApp) {
    let mut sim = sim_file::load(&app.card_path()).unwrap();
    for _ in 0..PinKind::UserAuth.max_tries() {
        let wrong = Pin::parse(PinKind::UserAuth, "0000").unwrap();
        let new = Pin::parse(PinKind::UserAuth, "0000").unwrap();
        let _ =
            Card::new(&mut sim as &mut dyn Transport).change_pin(PinKind::UserAuth, &wrong, &new);
    }
    sim_file::save(&app.card_path(), &sim).unwrap();
    assert!(
        user_auth_tries(app) == 0,
        "the PIN is blocked before the test starts"
    );
}

fn user_auth_tries(app: &TestApp) -> u8 {
    let mut sim = sim_file::load(&app.card_path()).unwrap();
    Card::new(&mut sim as &mut dyn Transport)
        .pin_status(PinKind::UserAuth)
        .unwrap()
        .remaining
}

/// Whether `pin` is the card's user_auth PIN now (a change to itself).
fn user_auth_is(app: &TestApp, pin: &str) -> bool {
    let mut sim = sim_file::load(&app.card_path()).unwrap();
    let current = Pin::parse(PinKind::UserAuth, pin).unwrap();
    let same = Pin::parse(PinKind::UserAuth, pin).unwrap();
    let ok = Card::new(&mut sim as &mut dyn Transport)
        .change_pin(PinKind::UserAuth, &current, &same)
        .is_ok();
    sim_file::save(&app.card_path(), &sim).unwrap();
    ok
}

async fn json_ok(response: reqwest::Response, status: StatusCode) -> Value {
    let actual = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(actual, status, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn trail(app: &TestApp, auditor: &str, id: i64) -> Vec<Value> {
    crate::pin_change::audit_trail(app, auditor, id)
        .await
        .as_array()
        .unwrap()
        .clone()
}

crate::both_backends! {
    async fn a_reset_by_an_optional_proxy_goes_from_application_to_a_new_pin_on_the_blocked_card(app) {
        block_user_auth(&app);

        let run = proxy_flow(&app, &[("user_auth", "", "7391")], |intake| {
            intake["procedure"] = json!("reset");
        })
        .await;

        assert_eq!(user_auth_tries(&app), PinKind::UserAuth.max_tries(), "the reset unblocked the PIN");
        assert!(user_auth_is(&app, "7391"), "the new PIN from the form is on the card");
        let events = trail(&app, &run.auditor, run.case_id).await;
        assert_eq!(events[0]["details"]["procedure"], "reset");
        let tries: Vec<&Value> = events.iter().filter(|e| e["event"] == "pin_try").collect();
        assert_eq!(tries.len(), 1, "one PIN reset, one try: {events:?}");
        assert_eq!(tries[0]["details"]["outcome"], "reset");
        assert_eq!(events.last().unwrap()["to_state"], "pin_set");
    }
}

crate::both_backends! {
    async fn a_blocked_pin_fails_the_change_and_one_click_opens_the_reset_that_sets_a_new_pin(app) {
        let clerk = app.token_for(Role::Clerk).await;
        let auditor = app.token_for(Role::Auditor).await;
        let case = app.open_case(&clerk, &in_person_intake()).await;
        let id = case["id"].as_i64().unwrap();
        for version in [1, 1, 1] {
            let body = json!({ "version": version, "changes": [{ "pin": "user_auth", "current": "0000", "new": "9876" }] });
            app.call(Method::POST, &format!("/api/cases/{id}/pin-change"), Some(&clerk), Some(&body)).await;
        }
        let failed = json_ok(app.call(Method::GET, &format!("/api/cases/{id}"), Some(&clerk), None).await, StatusCode::OK).await;
        assert_eq!(failed["state"], "failed");
        let failure = trail(&app, &auditor, id).await.into_iter().find(|e| e["event"] == "fail").unwrap();
        assert_eq!(failure["details"]["failure"]["type"], "reset_required");

        let reset = app.call(Method::POST, &format!("/api/cases/{id}/reset-case"), Some(&clerk), None).await;
        let reset = json_ok(reset, StatusCode::CREATED).await;
        assert_eq!(reset["procedure"], "reset");
        assert_eq!(reset["path"], "in_person");
        assert_eq!(reset["pins"], json!(["user_auth"]));
        assert_eq!(reset["card_fingerprint"], failed["card_fingerprint"]);
        let reset_id = reset["id"].as_i64().unwrap();

        let with_current = json!({ "version": reset["version"], "changes": [{ "pin": "user_auth", "current": "1234", "new": "2580" }] });
        let refused = app.call(Method::POST, &format!("/api/cases/{reset_id}/pin-change"), Some(&clerk), Some(&with_current)).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "a reset never sends a current PIN to the card");
        let new_only = json!({ "version": reset["version"], "changes": [{ "pin": "user_auth", "new": "2580" }] });
        let set = app.call(Method::POST, &format!("/api/cases/{reset_id}/pin-change"), Some(&clerk), Some(&new_only)).await;
        let set = json_ok(set, StatusCode::OK).await;
        assert_eq!(set["case"]["state"], "pin_set");
        assert!(user_auth_is(&app, "2580"));
        let opened = &trail(&app, &auditor, reset_id).await[0];
        assert_eq!(opened["details"]["follows"], failed["reference"]);

        let again = app.call(Method::POST, &format!("/api/cases/{id}/reset-case"), Some(&clerk), None).await;
        assert_eq!(again.status(), StatusCode::CREATED, "a second reset may follow once the first is closed");
    }
}

crate::both_backends! {
    async fn a_second_application_for_a_card_with_an_open_case_is_refused_naming_the_open_case(app) {
        let clerk = app.token_for(Role::Clerk).await;
        let first = app.open_proxy_case(&clerk).await;

        let second = app.call(Method::POST, "/api/cases", Some(&clerk), Some(&in_person_intake())).await;
        let body = assert_error(second, StatusCode::CONFLICT, "card_has_open_case").await;
        assert!(
            body.to_string().contains(first["reference"].as_str().unwrap()),
            "the refusal names the open case: {body}"
        );

        app.insert_new_card("another cardholder");
        let other = app.call(Method::POST, "/api/cases", Some(&clerk), Some(&proxy_intake())).await;
        assert_eq!(other.status(), StatusCode::CREATED, "another card is not held up");
    }
}

crate::both_backends! {
    async fn a_cardholder_who_comes_in_person_takes_over_the_proxy_case_and_changes_the_pin(app) {
        let clerk = app.token_for(Role::Clerk).await;
        let auditor = app.token_for(Role::Auditor).await;
        let proxy_case = app.open_proxy_case(&clerk).await;
        let id = proxy_case["id"].as_i64().unwrap();
        let issued = app.call(Method::POST, &format!("/api/cases/{id}/letters"), Some(&clerk), Some(&json!({ "version": 1 }))).await;
        assert_eq!(issued.status(), StatusCode::CREATED);

        let stale = app.call(Method::POST, &format!("/api/cases/{id}/take-over"), Some(&clerk), Some(&json!({ "version": 1 }))).await;
        assert_error(stale, StatusCode::CONFLICT, "version_conflict").await;
        let taken = app.call(Method::POST, &format!("/api/cases/{id}/take-over"), Some(&clerk), Some(&json!({ "version": 2 }))).await;
        let taken = json_ok(taken, StatusCode::CREATED).await;

        assert_eq!(taken["closed"]["state"], "cancelled");
        assert_eq!(taken["opened"]["path"], "in_person");
        assert_eq!(taken["opened"]["state"], "applied");
        let new_id = taken["opened"]["id"].as_i64().unwrap();
        let closing = trail(&app, &auditor, id).await.into_iter().last().unwrap();
        assert_eq!(closing["event"], "cardholder_came_in_person");
        assert_eq!(closing["reason"], "本人来庁");
        assert_eq!(closing["details"]["taken_over_by"], taken["opened"]["reference"]);
        let opening = &trail(&app, &auditor, new_id).await[0];
        assert_eq!(opening["details"]["takes_over"], proxy_case["reference"]);

        let change = json!({ "version": taken["opened"]["version"], "changes": [{ "pin": "user_auth", "current": "1234", "new": "4826" }] });
        let set = app.call(Method::POST, &format!("/api/cases/{new_id}/pin-change"), Some(&clerk), Some(&change)).await;
        assert_eq!(json_ok(set, StatusCode::OK).await["case"]["state"], "pin_set");
        let batch = app.call(Method::POST, "/api/batches", Some(&clerk), None).await;
        assert_error(batch, StatusCode::CONFLICT, "batch_empty").await;
    }
}

crate::both_backends! {
    async fn identity_documents_that_fall_short_of_the_offices_lists_are_refused_naming_what_is_needed(app) {
        let clerk = app.token_for(Role::Clerk).await;
        let mut expired = proxy_intake();
        expired["representation"]["id_document"] = json!({ "kind": "health_insurance_card", "has_photo": false, "number_last4": "1234" });
        let refused = app.call(Method::POST, "/api/cases", Some(&clerk), Some(&expired)).await;
        let body = assert_error(refused, StatusCode::UNPROCESSABLE_ENTITY, "id_documents_short").await;
        assert_eq!(body["field"], "representation.id_document");

        let run_to_response = app.open_proxy_case(&clerk).await;
        let id = run_to_response["id"].as_i64().unwrap();
        let issued = app.call(Method::POST, &format!("/api/cases/{id}/letters"), Some(&clerk), Some(&json!({ "version": 1 }))).await;
        assert_eq!(issued.status(), StatusCode::CREATED);
        app.call(Method::POST, "/api/batches", Some(&clerk), None).await;
        let mailed = app.call(Method::POST, "/api/batches/1/mailed", Some(&clerk), Some(&json!({}))).await;
        assert_eq!(mailed.status(), StatusCode::OK);
        let case = json_ok(app.call(Method::GET, &format!("/api/cases/{id}"), Some(&clerk), None).await, StatusCode::OK).await;
        let response = json!({
            "version": case["version"],
            "code": "ABCDE-FGHJK",
            "checklist": {
                "card_presented": true,
                "proxy_photo_id": { "kind": "pension_book", "has_photo": false, "number_last4": "5678" },
                "response_form_signed": true,
                "power_of_attorney_complete": true,
                "power_of_attorney_names_proxy": true,
                "envelope_sealed": true,
            },
        });
        let short = app.call(Method::POST, &format!("/api/cases/{id}/response"), Some(&clerk), Some(&response)).await;
        let body = assert_error(short, StatusCode::UNPROCESSABLE_ENTITY, "id_documents_short").await;
        assert!(body["message"].as_str().unwrap().contains('A'), "{body}");
        let after = json_ok(app.call(Method::GET, &format!("/api/cases/{id}"), Some(&clerk), None).await, StatusCode::OK).await;
        assert_eq!(after["wrong_code_attempts"], 0, "documents are checked before the code");
    }
}
