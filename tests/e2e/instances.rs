//! Several counters, one database: two `shokai serve` processes, each with a
//! card terminal of its own, on one PostgreSQL and one print directory, as
//! an office runs one server per counter PC.
//!
//! They share sessions, limits and the audit chain; a case may be taken up
//! at either counter at any step; the daily jobs run once however many
//! servers there are, and the minute jobs hold a lease one server at a time.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shokai_store::checkpoint;
use shokai_store::testing::{self, PostgresTestDatabase};
use sqlx::{Connection as _, PgConnection};

use crate::auth::guess_until_blocked;
use crate::flow::code_in_letter;
use crate::helpers::{PASSWORD, Role, TestApp, pdf_text, proxy_intake};

/// The code printed for `reference` in a print file's text (each letter's
/// pages are separated by form feeds; its code is on a page naming it).
fn code_for(print_text: &str, reference: &str) -> String {
    print_text
        .split('\u{c}')
        .filter(|page| page.contains(reference))
        .find_map(code_in_letter)
        .unwrap_or_else(|| panic!("no code printed for {reference}"))
}

async fn json_ok(response: reqwest::Response, what: &str) -> Value {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert!(status.is_success(), "{what}: {status} {body}");
    serde_json::from_str(&body).unwrap()
}

/// At `counter`: a new cardholder's card goes into its terminal and the
/// proxy applies; the letter is issued at `other` counter. Returns (id, reference).
async fn apply_at(counter: &TestApp, other: &TestApp, clerk: &str) -> (i64, String) {
    let case = counter.open_case_on_new_card(clerk, &proxy_intake()).await;
    let id = case["id"].as_i64().unwrap();
    let body = json!({ "version": case["version"] });
    let path = format!("/api/cases/{id}/letters");
    json_ok(
        other
            .call(Method::POST, &path, Some(clerk), Some(&body))
            .await,
        "issue",
    )
    .await;
    (id, case["reference"].as_str().unwrap().to_owned())
}

/// At `counter`, whose terminal holds the case's card: the response, then
/// the new PIN set on the card.
async fn finish_at(counter: &TestApp, clerk: &str, id: i64, code: &str) -> Value {
    let case = json_ok(
        counter
            .call(Method::GET, &format!("/api/cases/{id}"), Some(clerk), None)
            .await,
        "read",
    )
    .await;
    let response = json!({
        "version": case["version"],
        "code": code,
        "checklist": {
            "card_presented": true,
            "proxy_photo_id": { "kind": "drivers_licence", "has_photo": true, "number_last4": "5678" },
            "response_form_signed": true,
            "power_of_attorney_complete": true,
            "power_of_attorney_names_proxy": true,
            "envelope_sealed": true,
        },
    });
    let path = format!("/api/cases/{id}/response");
    let case = json_ok(
        counter
            .call(Method::POST, &path, Some(clerk), Some(&response))
            .await,
        "response",
    )
    .await;
    let change = json!({ "version": case["version"], "changes": [{ "pin": "user_auth", "current": "1234", "new": "7391" }] });
    let path = format!("/api/cases/{id}/pin-change");
    json_ok(
        counter
            .call(Method::POST, &path, Some(clerk), Some(&change))
            .await,
        "pin change",
    )
    .await
}

/// `POST /api/session` from `client`, as forwarded by the trusted proxy.
async fn login_from(app: &TestApp, password: &str, client: &str) -> StatusCode {
    app.client
        .post(app.url("/api/session"))
        .header("x-forwarded-for", client)
        .json(&json!({ "username": "clerk", "password": password }))
        .send()
        .await
        .unwrap()
        .status()
}

/// The job leases as (job, holder), by job.
async fn leases(url: &str) -> Vec<(String, String)> {
    let mut db = PgConnection::connect(url).await.unwrap();
    sqlx::query_as("SELECT job, holder FROM job_leases ORDER BY job")
        .fetch_all(&mut db)
        .await
        .unwrap()
}

#[tokio::test]
async fn two_counters_on_one_postgresql_share_cases_limits_and_the_audit_chain_and_run_each_job_once()
 {
    let Ok(admin_url) = std::env::var(testing::POSTGRES_ENV) else {
        testing::record_postgres_skip(
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")),
            module_path!(),
        );
        return;
    };
    let db = PostgresTestDatabase::create(&admin_url).await.unwrap();
    let keys = tempfile::tempdir().unwrap();
    let key = checkpoint::generate_signing_key();
    checkpoint::write_key_files(&keys.path().join("auditors.key"), &key).unwrap();
    let key_file = keys.path().join("auditors.key").display().to_string();
    let checkpoints = keys.path().join("checkpoints");
    let checkpoint_dir = checkpoints.display().to_string();
    let settings = [
        ("SHOKAI_DATABASE_URL", db.url()),
        ("SHOKAI_TRUSTED_PROXIES", "127.0.0.1"),
        ("SHOKAI_AUDIT_SIGNING_KEY", key_file.as_str()),
        ("SHOKAI_AUDIT_CHECKPOINT_DIR", checkpoint_dir.as_str()),
    ];
    let a = TestApp::spawn_with(&settings).await;
    let b = a.spawn_sibling(&[]).await;
    cases_move_between_the_counters(&a, &b).await;
    // One audit chain, intact, with both servers' events interleaved.
    let (code, out, err) = b.cli(&["audit", "verify"], "").await;
    assert_eq!(code, Some(0), "{out}{err}");
    a_guesser_at_one_counter_is_slowed_at_the_other(&a, &b).await;
    each_job_ran_on_one_server(a, b, db.url(), &checkpoints).await;
    db.drop_database().await.unwrap();
}

/// Four cases through both counters at once: applied at either, issued at
/// the other, batched on one, printed and mailed from the other, finished
/// at the counter holding the card.
async fn cases_move_between_the_counters(a: &TestApp, b: &TestApp) {
    let clerk = a.token_for(Role::Clerk).await;
    let printer = b.token_for(Role::Printer).await;
    // Both counters take applications at once; each issues the other's letter.
    let (at_a, at_b) = tokio::join!(apply_at(a, b, &clerk), apply_at(b, a, &clerk));
    let (more_a, more_b) = tokio::join!(apply_at(a, b, &clerk), apply_at(b, a, &clerk));
    // The batch closes on one server; the print room prints from the other.
    let batch = json_ok(
        a.call(Method::POST, "/api/batches", Some(&clerk), None)
            .await,
        "close",
    )
    .await;
    let batch_id = batch["id"].as_i64().unwrap();
    assert_eq!(batch["letter_count"], 4, "{batch}");
    let print = b
        .call(
            Method::GET,
            &format!("/api/batches/{batch_id}/print.pdf"),
            Some(&printer),
            None,
        )
        .await;
    assert_eq!(print.status(), StatusCode::OK);
    let print_text = pdf_text(&print.bytes().await.unwrap());
    let path = format!("/api/batches/{batch_id}/mailed");
    json_ok(
        b.call(Method::POST, &path, Some(&printer), Some(&json!({})))
            .await,
        "mailed",
    )
    .await;
    // The proxies come back: each case is finished at the counter whose
    // terminal holds its card (the last one put in), both at once.
    let (code_a, code_b) = (
        code_for(&print_text, &more_a.1),
        code_for(&print_text, &more_b.1),
    );
    let (done_a, done_b) = tokio::join!(
        finish_at(a, &clerk, more_a.0, &code_a),
        finish_at(b, &clerk, more_b.0, &code_b),
    );
    assert_eq!(done_a["case"]["state"], "pin_set", "{done_a}");
    assert_eq!(done_b["case"]["state"], "pin_set", "{done_b}");
    for (id, _) in [at_a, at_b] {
        let case = json_ok(
            b.call(Method::GET, &format!("/api/cases/{id}"), Some(&clerk), None)
                .await,
            "read",
        )
        .await;
        assert_eq!(
            case["state"], "inquiry_mailed",
            "the other two wait for their proxies"
        );
    }
}

/// A guesser at one counter is slowed at the other as well; the real user
/// logs in anywhere.
async fn a_guesser_at_one_counter_is_slowed_at_the_other(a: &TestApp, b: &TestApp) {
    for _ in 0..5 {
        assert_eq!(
            login_from(a, "a wrong password!", "203.0.113.66").await,
            StatusCode::UNAUTHORIZED
        );
    }
    guess_until_blocked(a, "clerk", "203.0.113.66").await;
    assert_eq!(
        login_from(b, PASSWORD, "203.0.113.66").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        login_from(b, PASSWORD, "198.51.100.7").await,
        StatusCode::CREATED
    );
}

/// The daily checkpoint was made once for the two servers; each minute job
/// is leased to one of them, and a server that stops gives its leases up.
async fn each_job_ran_on_one_server(
    mut a: TestApp,
    b: TestApp,
    url: &str,
    checkpoints: &std::path::Path,
) {
    let files = checkpoint::read_dir(checkpoints).unwrap();
    assert_eq!(
        files.len(),
        1,
        "one checkpoint a day, whichever server made it"
    );
    let held = leases(url).await;
    let names = [a.pid(), b.pid()].map(|pid| format!(":{pid}:"));
    let jobs: Vec<&str> = held.iter().map(|(job, _)| job.as_str()).collect();
    for job in [
        "batch_cutoff",
        "deadline_reminders",
        "expiry",
        "session_cleanup",
    ] {
        assert!(jobs.contains(&job), "{job} is leased: {held:?}");
    }
    assert!(
        held.iter()
            .all(|(_, holder)| names.iter().any(|n| holder.contains(n))),
        "{held:?}"
    );
    let a_name = &names[0];
    let a_held = held
        .iter()
        .filter(|(_, holder)| holder.contains(a_name.as_str()))
        .count();
    a.stop().await;
    let after = leases(url).await;
    assert!(
        after
            .iter()
            .all(|(_, holder)| !holder.contains(a_name.as_str())),
        "{after:?}"
    );
    assert_eq!(after.len(), held.len() - a_held);
    drop(b);
}
