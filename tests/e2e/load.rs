//! Load runs for `make bench`, ignored by `make test`: on the release
//! binary, closing a print batch of 1,000 and of 10,000 letters (each letter
//! coded, rendered and written to the print file as it goes) and marking the
//! 1,000 mailed (rows only, nothing rendered), with the server's peak
//! resident set before and after the close. The 1,000-letter run is the
//! baseline: the 10,000-letter run is reported as a ratio to it, so the
//! numbers mean the same on a slower machine. A second run reads cases at
//! the counter while strangers flood the status page with failing lookups
//! (each a throttle write), against the same reads on a quiet server.
//! Nothing here asserts a time.
//!
//! `make bench` runs them; by hand:
//! `cargo test --release -p shokai --test e2e -- --ignored --nocapture --test-threads 1 load::`

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::codes::ok;
use crate::helpers::{Role, TestApp, proxy_intake};

/// What one run measured.
struct Run {
    letters: usize,
    close: Duration,
    file_bytes: u64,
    rss_before_kib: u64,
    rss_after_kib: u64,
    mailed: Duration,
}

/// Opens `letters` proxy cases through the API and issues their letters,
/// eight clerks at once (SQLite takes one writer at a time regardless).
async fn open_cases_with_letters(app: &TestApp, clerk: &str, letters: usize) {
    let chunks: Vec<Vec<usize>> = (0..letters)
        .collect::<Vec<_>>()
        .chunks(letters.div_ceil(8))
        .map(<[usize]>::to_vec)
        .collect();
    let mut tasks = Vec::new();
    for chunk in chunks {
        let (address, token) = (app.address.clone(), clerk.to_owned());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            for i in chunk {
                let mut intake = proxy_intake();
                intake["cardholder"]["address"]["postal_code"] =
                    json!(format!("{:03}-{:04}", 100 + (i * 7) % 900, i % 10_000));
                let case: serde_json::Value = client
                    .post(format!("{address}/api/cases"))
                    .bearer_auth(&token)
                    .json(&intake)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let id = case["id"].as_i64().expect("a case");
                let issued = client
                    .post(format!("{address}/api/cases/{id}/letters"))
                    .bearer_auth(&token)
                    .json(&json!({ "version": case["version"] }))
                    .send()
                    .await
                    .unwrap();
                assert!(issued.status().is_success());
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

/// Opens `letters` cases with their letters issued, closes one batch and
/// marks it mailed, measuring both.
async fn run(letters: usize) -> Run {
    let app = TestApp::spawn().await;
    let clerk = app.token_for(Role::Clerk).await;
    let printer = app.token_for(Role::Printer).await;
    open_cases_with_letters(&app, &clerk, letters).await;
    let rss_before_kib = app.peak_rss_kib();
    let started = Instant::now();
    let batch = ok(&app, &clerk, Method::POST, "/api/batches", None).await;
    let close = started.elapsed();
    let rss_after_kib = app.peak_rss_kib();
    assert_eq!(batch["letter_count"], letters);
    let id = batch["id"].as_i64().unwrap();
    let print = app
        .call(
            Method::GET,
            &format!("/api/batches/{id}/print.pdf"),
            Some(&printer),
            None,
        )
        .await;
    let file_bytes = print.bytes().await.unwrap().len() as u64;
    let started = Instant::now();
    let mailed = format!("/api/batches/{id}/mailed");
    ok(&app, &clerk, Method::POST, &mailed, Some(&json!({}))).await;
    let mailed = started.elapsed();
    Run {
        letters,
        close,
        file_bytes,
        rss_before_kib,
        rss_after_kib,
        mailed,
    }
}

fn report(run: &Run) {
    let n = run.letters as f64;
    println!(
        "batch of {:>6} letters: close {:>7.2} s ({:.2} ms/letter), print file {:.1} MB ({:.1} KB/letter), \
         server peak RSS {} MiB before close, {} MiB after; mark mailed {:.2} s ({:.3} ms/letter)",
        run.letters,
        run.close.as_secs_f64(),
        run.close.as_secs_f64() * 1000.0 / n,
        run.file_bytes as f64 / 1e6,
        run.file_bytes as f64 / 1024.0 / n,
        run.rss_before_kib / 1024,
        run.rss_after_kib / 1024,
        run.mailed.as_secs_f64(),
        run.mailed.as_secs_f64() * 1000.0 / n,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a load run: `make bench`"]
async fn closing_and_mailing_a_batch_of_1000_and_of_10000_letters() {
    let baseline = run(1_000).await;
    report(&baseline);
    let large = run(10_000).await;
    report(&large);
    let per_letter = |r: &Run| r.close.as_secs_f64() / r.letters as f64;
    println!(
        "10,000 against 1,000: close time per letter ×{:.2}, peak RSS growth during close ×{:.2} \
         ({} MiB vs {} MiB), bytes per letter ×{:.2}",
        per_letter(&large) / per_letter(&baseline),
        large
            .rss_after_kib
            .saturating_sub(large.rss_before_kib)
            .max(1) as f64
            / baseline
                .rss_after_kib
                .saturating_sub(baseline.rss_before_kib)
                .max(1) as f64,
        large.rss_after_kib.saturating_sub(large.rss_before_kib) / 1024,
        baseline
            .rss_after_kib
            .saturating_sub(baseline.rss_before_kib)
            / 1024,
        (large.file_bytes as f64 / large.letters as f64)
            / (baseline.file_bytes as f64 / baseline.letters as f64),
    );
}

/// Latencies of `GET /api/cases/{id}` (a counter reading a case), sorted.
async fn case_reads(app: &TestApp, clerk: &str, id: i64, n: usize) -> Vec<Duration> {
    let mut took = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let read = app
            .call(Method::GET, &format!("/api/cases/{id}"), Some(clerk), None)
            .await;
        assert!(read.status().is_success());
        took.push(started.elapsed());
    }
    took.sort();
    took
}

fn percentile(sorted: &[Duration], p: usize) -> f64 {
    sorted[(sorted.len() - 1) * p / 100].as_secs_f64() * 1000.0
}

/// Case reads at the counter (sorted latencies) while 16 tasks send
/// requests as fast as they can, `lookups` true for failing status lookups
/// from many addresses (each a throttle write), false for `/healthz` (the
/// same flood without the throttle). Also the flood's requests per second.
async fn reads_under_flood(
    app: &TestApp,
    clerk: &str,
    id: i64,
    lookups: bool,
) -> (Vec<Duration>, f64) {
    const READS: usize = 300;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut flood = tokio::task::JoinSet::new();
    for task in 0..16u32 {
        let (client, stop) = (app.client.clone(), stop.clone());
        let (status, health) = (app.url("/api/status"), app.url("/healthz"));
        flood.spawn(async move {
            let mut sent = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let request = if lookups {
                    let body = json!({ "reference": format!("R8-{:06}-0", sent % 1000), "phone_last4": "0000" });
                    client.post(&status).header("x-forwarded-for", format!("198.51.{task}.{}", sent % 250)).json(&body)
                } else {
                    client.get(&health)
                };
                let _ = request.send().await;
                sent += 1;
            }
            sent
        });
    }
    let started = Instant::now();
    let reads = case_reads(app, clerk, id, READS).await;
    let took = started.elapsed();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let sent: u64 = flood.join_all().await.into_iter().sum();
    (reads, sent as f64 / took.as_secs_f64())
}

/// Counters reading cases quiet, under a flood of `/healthz`, and under a
/// flood of failing status lookups: the last two ratios say what a flood
/// costs the counters, and how much of that the throttle's writes add.
async fn flood_against_quiet(app: TestApp, backend: &str) {
    let clerk = app.token_for(Role::Clerk).await;
    let id = app.open_proxy_case(&clerk).await["id"].as_i64().unwrap();
    let quiet = case_reads(&app, &clerk, id, 300).await;
    let (health, health_rate) = reads_under_flood(&app, &clerk, id, false).await;
    let (lookups, lookup_rate) = reads_under_flood(&app, &clerk, id, true).await;
    let p = |v: &[Duration]| (percentile(v, 50), percentile(v, 95));
    let ((q50, q95), (h50, h95), (l50, l95)) = (p(&quiet), p(&health), p(&lookups));
    println!(
        "{backend}: case reads p50/p95 {q50:.2}/{q95:.2} ms quiet; {h50:.2}/{h95:.2} ms under {health_rate:.0} /healthz/s \
         (×{:.2}/×{:.2}); {l50:.2}/{l95:.2} ms under {lookup_rate:.0} failing lookups/s (×{:.2}/×{:.2}; \
         against the /healthz flood ×{:.2}/×{:.2})",
        h50 / q50,
        h95 / q95,
        l50 / q50,
        l95 / q95,
        l50 / h50,
        l95 / h95,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a load run: `make bench`"]
async fn a_flood_of_failing_status_lookups_against_the_counters_reading_cases() {
    let trusted = [("SHOKAI_TRUSTED_PROXIES", "127.0.0.1")];
    flood_against_quiet(TestApp::spawn_with(&trusted).await, "SQLite").await;
    crate::helpers::run_postgres_with(module_path!(), &trusted, |app| async move {
        flood_against_quiet(app, "PostgreSQL").await;
    })
    .await;
}
