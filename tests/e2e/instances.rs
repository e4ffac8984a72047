//! Several counters, one database: two `shokai serve` processes, each with a
//! card terminal of its own, on one PostgreSQL and one print directory, as
//! an office runs one server per counter PC.
//!
//! They share sessions, limits and the audit chain; a case may be taken up
//! at either counter at any step; the daily jobs run once however many
//! servers there are, and the minute jobs hold a lease one server at a time.

use reqwest::{Method, StatusCode};
use serde_json::json;
use shokai_store::checkpoint;
use sqlx::{Connection as _, PgConnection};

use crate::auth::{guess_until_blocked, login_from};
use crate::flow::{code_in_letter, json_of, second_visit};
use crate::helpers::{PASSWORD, Role, TestApp, pdf_text, proxy_intake, run_postgres_with};

/// The code printed for `reference` in a print file's text (each letter's
/// pages are separated by form feeds; its code is on a page naming it).
fn code_for(print_text: &str, reference: &str) -> String {
    print_text
        .split('\u{c}')
        .filter(|page| page.contains(reference))
        .find_map(code_in_letter)
        .unwrap_or_else(|| panic!("no code printed for {reference}"))
}

/// At `counter`: a new cardholder's card goes into its terminal and the
/// proxy applies; the letter is issued at `other` counter. Returns (id, reference).
async fn apply_at(counter: &TestApp, other: &TestApp, clerk: &str) -> (i64, String) {
    let case = counter.open_case_on_new_card(clerk, &proxy_intake()).await;
    let id = case["id"].as_i64().unwrap();
    let body = json!({ "version": case["version"] });
    let path = format!("/api/cases/{id}/letters");
    let issued = other
        .call(Method::POST, &path, Some(clerk), Some(&body))
        .await;
    json_of(issued, StatusCode::CREATED, "issue the letter").await;
    (id, case["reference"].as_str().unwrap().to_owned())
}

/// At `counter`, whose terminal holds the case's card: the response, then
/// the new PIN set on the card (`second_visit` checks both steps).
async fn finish_at(counter: &TestApp, clerk: &str, id: i64, code: &str) {
    let path = format!("/api/cases/{id}");
    let read = counter.call(Method::GET, &path, Some(clerk), None);
    let case = json_of(read.await, StatusCode::OK, "read the case").await;
    let version = case["version"].as_i64().unwrap();
    second_visit(
        counter,
        clerk,
        id,
        version,
        code,
        &[("user_auth", "1234", "7391")],
    )
    .await;
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
    let keys = tempfile::tempdir().unwrap();
    let key = checkpoint::generate_signing_key();
    checkpoint::write_key_files(&keys.path().join("auditors.key"), &key).unwrap();
    let key_file = keys.path().join("auditors.key").display().to_string();
    let checkpoints = keys.path().join("checkpoints");
    let checkpoint_dir = checkpoints.display().to_string();
    let settings = [
        ("SHOKAI_TRUSTED_PROXIES", "127.0.0.1"),
        ("SHOKAI_AUDIT_SIGNING_KEY", key_file.as_str()),
        ("SHOKAI_AUDIT_CHECKPOINT_DIR", checkpoint_dir.as_str()),
    ];
    run_postgres_with(module_path!(), &settings, |a| async move {
        let b = a.spawn_sibling(&[]).await;
        cases_move_between_the_counters(&a, &b).await;
        // One audit chain, intact, with both servers' events interleaved.
        let (code, out, err) = b.cli(&["audit", "verify"], "").await;
        assert_eq!(code, Some(0), "{out}{err}");
        a_guesser_at_one_counter_is_slowed_at_the_other(&a, &b).await;
        let url = a.database_url().to_owned();
        each_job_ran_on_one_server(a, b, &url, &checkpoints).await;
    })
    .await;
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
    let close = a
        .call(Method::POST, "/api/batches", Some(&clerk), None)
        .await;
    let batch = json_of(close, StatusCode::CREATED, "close the batch").await;
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
    let mailed = b
        .call(Method::POST, &path, Some(&printer), Some(&json!({})))
        .await;
    json_of(mailed, StatusCode::OK, "mark the batch mailed").await;
    // The proxies come back: each case is finished at the counter whose
    // terminal holds its card (the last one put in), both at once.
    let (code_a, code_b) = (
        code_for(&print_text, &more_a.1),
        code_for(&print_text, &more_b.1),
    );
    tokio::join!(
        finish_at(a, &clerk, more_a.0, &code_a),
        finish_at(b, &clerk, more_b.0, &code_b),
    );
    for (id, _) in [at_a, at_b] {
        let path = format!("/api/cases/{id}");
        let read = b.call(Method::GET, &path, Some(&clerk), None);
        let case = json_of(read.await, StatusCode::OK, "read the case").await;
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
            login_from(a, "clerk", "a wrong password!", "203.0.113.66")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    guess_until_blocked(a, "clerk", "203.0.113.66").await;
    assert_eq!(
        login_from(b, "clerk", PASSWORD, "203.0.113.66")
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        login_from(b, "clerk", PASSWORD, "198.51.100.7")
            .await
            .status(),
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
