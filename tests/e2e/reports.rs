//! `GET /api/reports`: counts per state, overdue cases, median days to PIN
//! set per path and letters per day, after driving cases through the API.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    Role, TestApp, assert_error, in_person_intake, proxy_intake, same_japan_day_for,
};
use crate::status::mail_letter;

async fn report(app: &TestApp, token: &str, query: &str) -> Value {
    let response = app
        .call(
            Method::GET,
            &format!("/api/reports{query}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn count_of(report: &Value, state: &str) -> i64 {
    report["states"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["state"] == state)
        .unwrap_or_else(|| panic!("no row for {state}: {report}"))["count"]
        .as_i64()
        .unwrap()
}

fn path_row<'a>(report: &'a Value, path: &str) -> &'a Value {
    report["paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == path)
        .unwrap()
}

crate::both_backends! {
async fn the_report_counts_cases_per_state_and_gives_the_median_days_to_pin_set(app) {
    // "Today" and the same-day median must be one day in Japan throughout.
    same_japan_day_for(std::time::Duration::from_secs(120)).await;
    let clerk = app.token_for(Role::Clerk).await;
    let auditor = app.token_for(Role::Auditor).await;
    for _ in 0..2 {
        let id = app.open_case(&clerk, &in_person_intake()).await["id"].as_i64().unwrap();
        let change = json!({ "version": 1, "changes": [{ "pin": "user_auth", "current": "1234", "new": "1234" }] });
        let set = app.call(Method::POST, &format!("/api/cases/{id}/pin-change"), Some(&clerk), Some(&change)).await;
        assert_eq!(set.status(), StatusCode::OK);
    }
    app.open_case(&clerk, &in_person_intake()).await;
    let proxy = app.open_case_on_new_card(&clerk, &proxy_intake()).await["id"].as_i64().unwrap();
    mail_letter(&app, proxy, 1).await;

    let body = report(&app, &auditor, "").await;

    assert_eq!(count_of(&body, "pin_set"), 2);
    assert_eq!(count_of(&body, "applied"), 1);
    assert_eq!(count_of(&body, "inquiry_mailed"), 1);
    assert_eq!(count_of(&body, "cancelled"), 0, "every state has a row");
    assert_eq!(body["states"].as_array().unwrap().len(), 8);
    assert_eq!(body["total_cases"], 4);
    assert_eq!(body["overdue"], json!([]), "the letter was mailed today");
    let in_person = path_row(&body, "in_person");
    assert_eq!(in_person["cases"], 2);
    assert_eq!(in_person["median_days"], 0.0, "same-day changes");
    assert_eq!(path_row(&body, "optional_proxy")["median_days"], Value::Null);
    let days = body["letters"].as_array().unwrap();
    assert_eq!(days.len(), 30, "the default period is the last 30 days");
    let today = days.last().unwrap();
    assert_eq!(today["day"], body["period"]["to"]);
    assert_eq!((today["issued"].as_i64(), today["mailed"].as_i64()), (Some(1), Some(1)));
}
}

#[tokio::test]
async fn a_reversed_or_malformed_period_is_bad_input_naming_the_field() {
    let app = TestApp::spawn().await;
    let clerk = app.token_for(Role::Clerk).await;

    let reversed = app
        .call(
            Method::GET,
            "/api/reports?from=2026-11-27&to=2026-11-26",
            Some(&clerk),
            None,
        )
        .await;
    let body = assert_error(reversed, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input").await;
    assert_eq!(body["field"], "from");
    let malformed = app
        .call(
            Method::GET,
            "/api/reports?to=26.11.2026",
            Some(&clerk),
            None,
        )
        .await;
    let body = assert_error(malformed, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input").await;
    assert_eq!(body["field"], "to");
    let one_day = report(&app, &clerk, "?from=2026-11-26&to=2026-11-26").await;
    assert_eq!(one_day["letters"].as_array().unwrap().len(), 1);
    let anonymous = app.get("/api/reports").await;
    assert_error(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}
