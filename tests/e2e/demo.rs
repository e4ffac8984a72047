//! `shokai demo load`: the demo office of `make run`, driven through the same
//! services as the pages on a clock set to each step's past time.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::both_backends;
use crate::helpers::TestApp;

/// The repository's demo fixtures and cards, as absolute paths.
fn fixtures() -> (String, String) {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let path = |p: &str| root.join(p).display().to_string();
    (path("demo"), path("cards"))
}

/// Runs `shokai demo load` with the repository's fixtures on `app`'s
/// database: (exit code, stdout, stderr).
pub async fn demo_load(app: &TestApp) -> (Option<i32>, String, String) {
    let (demo, cards) = fixtures();
    app.cli(
        &["demo", "load", "--fixtures", &demo, "--cards", &cards],
        "",
    )
    .await
}

/// A demo account's bearer token (the demo's passwords are public).
pub async fn demo_token(app: &TestApp, user: &str) -> String {
    let response = app.login(user, &format!("{user}-demo-2026")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

async fn cases(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let response = app
        .call(
            Method::GET,
            &format!("/api/cases{query}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let page: Value = response.json().await.unwrap();
    page["cases"].as_array().unwrap().clone()
}

both_backends! {
    async fn the_demo_office_loads_cases_in_every_state_at_their_own_past_times(app) {
        let (code, stdout, stderr) = demo_load(&app).await;
        assert_eq!(code, Some(0), "{stdout}\n{stderr}");
        assert!(stdout.contains("loaded 18 demo cases"), "{stdout}");
        assert!(stdout.contains("audit chain intact"), "{stdout}");

        let token = demo_token(&app, "clerk").await;
        let all = cases(&app, &token, "").await;
        let mut states: Vec<&str> = all.iter().filter_map(|c| c["state"].as_str()).collect();
        states.sort_unstable();
        states.dedup();
        assert_eq!(
            states,
            [
                "applied",
                "cancelled",
                "expired",
                "failed",
                "inquiry_mailed",
                "pin_set",
                "response_returned",
                "undeliverable"
            ]
        );
        // Applied weeks ago: only a clock set back in time could do that.
        let today = chrono::Utc::now().date_naive();
        let oldest = all
            .iter()
            .filter_map(|c| c["created_at"].as_str())
            .filter_map(|t| chrono::NaiveDate::parse_from_str(t.get(..10)?, "%Y-%m-%d").ok())
            .min()
            .unwrap();
        assert!((today - oldest).num_days() >= 50, "oldest application {oldest}");
        let letters = app
            .call(Method::GET, "/api/batches", Some(&token), None)
            .await
            .json::<Vec<Value>>()
            .await
            .unwrap();
        assert!(
            letters.iter().all(|b| !b["mailed_on"].is_null()),
            "every demo batch was mailed: {letters:?}"
        );
    }
}

#[tokio::test]
async fn a_second_demo_load_changes_nothing() {
    let app = TestApp::spawn().await;
    let (first, stdout, stderr) = demo_load(&app).await;
    assert_eq!(first, Some(0), "{stdout}\n{stderr}");

    let (second, stdout, _) = demo_load(&app).await;

    assert_eq!(second, Some(0));
    assert!(stdout.contains("nothing changed"), "{stdout}");
}
