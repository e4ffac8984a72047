//! Cases past their deadline expire: by the job inside `serve` and by
//! `shokai expire`, once, with the system as the actor. The overdue case
//! comes from the demo office, whose loader sets the clock back to mail its
//! letter 38 days ago (30 days to answer).

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::both_backends;
use crate::demo::{demo_load, demo_token};
use crate::helpers::TestApp;

/// Loads the demo office while the server is stopped, so no job runs
/// between the load and what the test does next.
async fn stopped_with_demo(app: &mut TestApp) {
    app.stop().await;
    let (code, stdout, stderr) = demo_load(app).await;
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
}

/// The expired cases, and the audit trail's expiries (actor, role).
async fn expired(app: &TestApp, auditor: &str) -> (Vec<Value>, Vec<(String, String)>) {
    let path = "/api/cases?state=expired";
    let page: Value = app
        .call(Method::GET, path, Some(auditor), None)
        .await
        .json()
        .await
        .unwrap();
    let cases = page["cases"].as_array().unwrap().clone();
    let trail = app
        .call(Method::GET, "/api/audit", Some(auditor), None)
        .await;
    assert_eq!(trail.status(), StatusCode::OK);
    let trail: Vec<Value> = trail.json().await.unwrap();
    let expiries = trail
        .iter()
        .filter(|e| e["event"] == "expire")
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            (text("actor"), text("role"))
        })
        .collect();
    (cases, expiries)
}

both_backends! {
    async fn shokai_expire_expires_the_overdue_case_once_as_the_system(app) {
        let mut app = app;
        stopped_with_demo(&mut app).await;

        let (first, stdout, stderr) = app.cli(&["expire"], "").await;
        let (second, again, _) = app.cli(&["expire"], "").await;

        assert_eq!(first, Some(0), "{stdout}\n{stderr}");
        assert!(stdout.starts_with("expired 1 case(s)"), "{stdout}");
        assert_eq!(second, Some(0));
        assert!(again.starts_with("expired 0 case(s)"), "a second run changes nothing: {again}");
        app.start_again().await;
        let auditor = demo_token(&app, "auditor").await;
        let (cases, expiries) = expired(&app, &auditor).await;
        assert_eq!(cases.len(), 2, "the demo's expired case and the overdue one: {cases:?}");
        assert!(
            expiries.contains(&("system".to_owned(), "system".to_owned())),
            "{expiries:?}"
        );
        assert_eq!(expiries.len(), 2, "one expiry each: {expiries:?}");
    }
}

both_backends! {
    async fn the_job_in_serve_expires_the_overdue_case_when_the_server_starts(app) {
        let mut app = app;
        stopped_with_demo(&mut app).await;

        app.start_again().await;

        // The job's first pass runs at start-up; give it a few seconds at most.
        let auditor = demo_token(&app, "auditor").await;
        let mut cases = Vec::new();
        for _ in 0..50 {
            (cases, _) = expired(&app, &auditor).await;
            if cases.len() == 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(cases.len(), 2, "{cases:?}");
        let overdue_now = app
            .call(Method::GET, "/api/cases?overdue=true", Some(&auditor), None)
            .await
            .json::<Value>()
            .await
            .unwrap();
        assert_eq!(overdue_now["total"], 0, "{overdue_now:?}");
    }
}
