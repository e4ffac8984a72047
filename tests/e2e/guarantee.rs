//! The inquiry letter's guarantee, end to end on the real binary:
//!
//! - one deadline: the date a letter prints is the case's deadline, the one
//!   in the proxy's mail and the one on the status page, for a first letter
//!   and for a reissue;
//! - codes made at print time leave no trace: once the batch is marked
//!   mailed, none of its codes — read off the print file, as the cardholder
//!   reads them off paper — is in any byte the server stored or sent (the
//!   database files including the WAL, every row, the outbox payloads, the
//!   mail as sent, the server log at debug level, the print directory).

use chrono::NaiveDate;
use reqwest::Method;
use serde_json::{Value, json};
use shokai_workflow::letter::wareki;

use crate::batches::download;
use crate::codes::ok;
use crate::helpers::{
    Role, TestApp, assert_secret_absent, contains_whole, pdf_text, proxy_intake, run_postgres_with,
};
use crate::mail::{PRINT_ROOM, PROXY, Received, SmtpServer, mail_env, parse, printed_codes};
use crate::pin_scan::{
    Source, files_in, pg_dump, postgres_rows_and_outbox, sqlite_rows_and_outbox,
};
use crate::status::PROXY_PHONE;

/// Opens a proxy case whose proxy gave an e-mail address and a telephone
/// number, living at `postal_code`, and issues its letter; returns (id, reference).
async fn proxy_case(app: &TestApp, clerk: &str, postal_code: &str) -> (i64, String) {
    let mut intake = proxy_intake();
    intake["representation"]["email"] = json!(PROXY);
    intake["representation"]["phone"] = json!(PROXY_PHONE);
    intake["cardholder"]["address"]["postal_code"] = json!(postal_code);
    let case = app.open_case_on_new_card(clerk, &intake).await;
    let id = case["id"].as_i64().unwrap();
    let issue = json!({ "version": case["version"] });
    ok(
        app,
        clerk,
        Method::POST,
        &format!("/api/cases/{id}/letters"),
        Some(&issue),
    )
    .await;
    (id, case["reference"].as_str().unwrap().to_owned())
}

/// Every deadline a print file prints: the era date right after 回答期限.
fn printed_deadlines(text: &str) -> Vec<String> {
    text.match_indices("回答期限")
        .filter_map(|(at, label)| {
            let rest = text[at + label.len()..].trim_start_matches(|c: char| c.is_whitespace());
            rest.starts_with("令和")
                .then(|| rest.chars().take_while(|&c| c != '日').collect::<String>() + "日")
        })
        .collect()
}

fn date(value: &Value) -> NaiveDate {
    NaiveDate::parse_from_str(value.as_str().expect("a date"), "%Y-%m-%d").unwrap()
}

/// Closes a batch (planned for `planned`, or the default), downloads its
/// print file as the print room and marks it mailed today; returns the
/// batch and the text of the print file.
async fn print_and_mail(
    app: &TestApp,
    clerk: &str,
    printer: &str,
    planned: Option<NaiveDate>,
) -> (Value, String) {
    let body = planned.map(|d| json!({ "planned_mailing_on": d }));
    let batch = ok(app, clerk, Method::POST, "/api/batches", body.as_ref()).await;
    let id = batch["id"].as_i64().unwrap();
    let (_, pdf) = download(app, printer, &format!("/api/batches/{id}/print.pdf")).await;
    let mailed = format!("/api/batches/{id}/mailed");
    ok(app, clerk, Method::POST, &mailed, Some(&json!({}))).await;
    (batch, pdf_text(&pdf))
}

/// The deadline the proxy's status page shows.
async fn status_deadline(app: &TestApp, reference: &str) -> Value {
    let answer = app
        .client
        .post(app.url("/api/status"))
        .json(&json!({ "reference": reference, "phone_last4": "5678" }))
        .send()
        .await
        .unwrap();
    let body: Value = answer.json().await.unwrap();
    body["deadline"].clone()
}

/// The case's deadline is the one its letter printed (`print`, the print
/// file's text), the one in the proxy's `mail`, and the status page's.
fn assert_one_deadline(label: &str, case: &Value, print: &str, mail: &Received, status: &Value) {
    let deadline = date(&case["deadline"]);
    assert_eq!(
        printed_deadlines(print),
        [wareki(deadline), wareki(deadline)],
        "{label}: both pages of the letter (page 2 goes back to the counter) print the case's deadline"
    );
    let body = parse(&mail.data).body_text(0).unwrap().into_owned();
    let western = deadline.format("%Y年%-m月%-d日").to_string();
    assert!(
        body.contains(&western),
        "{label}: the proxy's mail says {western}: {body}"
    );
    assert_eq!(
        *status, case["deadline"],
        "{label}: the status page shows the same date"
    );
}

async fn one_deadline_everywhere(app: TestApp, smtp: SmtpServer) {
    let clerk = app.token_for(Role::Clerk).await;
    let supervisor = app.token_for(Role::Supervisor).await;
    let printer = app.token_for(Role::Printer).await;
    let (id, reference) = proxy_case(&app, &clerk, "160-0022").await;
    let case_path = format!("/api/cases/{id}");

    let (first_batch, first_print) = print_and_mail(&app, &clerk, &printer, None).await;
    let first = ok(&app, &clerk, Method::GET, &case_path, None).await;
    let first_status = status_deadline(&app, &reference).await;
    let reissue = json!({
        "version": first["version"],
        "override_reason": "本人から照会書が届かないとの連絡",
    });
    ok(
        &app,
        &supervisor,
        Method::POST,
        &format!("{case_path}/letters"),
        Some(&reissue),
    )
    .await;
    let planned = date(&first_batch["planned_mailing_on"]) + chrono::Days::new(7);
    let (_, second_print) = print_and_mail(&app, &clerk, &printer, Some(planned)).await;
    let second = ok(&app, &clerk, Method::GET, &case_path, None).await;
    let second_status = status_deadline(&app, &reference).await;
    let mails = smtp.messages_to(PROXY, 2).await;

    assert!(
        first_batch["planned_mailing_on"].is_string(),
        "{first_batch}"
    );
    for (label, case, print, mail, status) in [
        (
            "first letter",
            &first,
            &first_print,
            &mails[0],
            &first_status,
        ),
        ("reissue", &second, &second_print, &mails[1], &second_status),
    ] {
        assert_one_deadline(label, case, print, mail, status);
    }
    assert!(
        date(&second["deadline"]) > date(&first["deadline"]),
        "the reissue, planned a week later, prints a later deadline: {first} {second}"
    );
    assert_eq!(
        second["letters"][1]["mailed_on"],
        second["letters"][0]["mailed_on"]
    );
}

mod the_printed_deadline_is_the_cases_the_proxy_mails_and_the_status_pages {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        let smtp = SmtpServer::start().await;
        let env = mail_env(&smtp);
        let env: Vec<(&'static str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        one_deadline_everywhere(TestApp::spawn_with(&env).await, smtp).await;
    }

    #[tokio::test]
    async fn postgres() {
        let smtp = SmtpServer::start().await;
        let env = mail_env(&smtp);
        let env: Vec<(&'static str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run_postgres_with(module_path!(), &env, move |app| {
            one_deadline_everywhere(app, smtp)
        })
        .await;
    }
}

/// Three letters printed and mailed in one batch; returns the codes read
/// off the print file (grouped as printed) and the references.
async fn mail_a_batch_of_three(app: &TestApp, smtp: &SmtpServer) -> (Vec<String>, Vec<String>) {
    let clerk = app.token_for(Role::Clerk).await;
    let printer = app.token_for(Role::Printer).await;
    let mut references = Vec::new();
    for postal in ["100-0001", "160-0022", "530-0001"] {
        references.push(proxy_case(app, &clerk, postal).await.1);
    }
    let batch = ok(app, &clerk, Method::POST, "/api/batches", None).await;
    let id = batch["id"].as_i64().unwrap();
    let print_dir = app.data_dir().join("print");
    assert_eq!(
        std::fs::read_dir(&print_dir).unwrap().count(),
        1,
        "the print file is on disk until mailed"
    );
    let (_, pdf) = download(app, &printer, &format!("/api/batches/{id}/print.pdf")).await;
    let codes = printed_codes(&pdf);
    assert_eq!(codes.len(), 3, "one code per letter: {codes:?}");
    ok(
        app,
        &clerk,
        Method::POST,
        &format!("/api/batches/{id}/mailed"),
        Some(&json!({})),
    )
    .await;
    smtp.messages_to(PROXY, 3).await;
    smtp.message_to(PRINT_ROOM).await;
    assert_eq!(
        std::fs::read_dir(&print_dir).unwrap().count(),
        0,
        "the print file is deleted once the batch is mailed"
    );
    (codes, references)
}

/// Every code, as printed (`ABCDE-FGHJK`) and as typed (`ABCDEFGHJK`), in none of `sources`.
fn assert_no_code(sources: &[Source], codes: &[String]) {
    for (name, bytes) in sources {
        for code in codes {
            assert_secret_absent(name, bytes, code);
            assert_secret_absent(name, bytes, &code.replace('-', ""));
        }
    }
}

/// The scan sees what it scans: every reference is found somewhere in `sources`.
fn assert_references_found(sources: &[Source], references: &[String], what: &str) {
    for reference in references {
        assert!(
            sources
                .iter()
                .any(|(_, bytes)| contains_whole(bytes, reference)),
            "the scan does not find {reference} in {what}: it would miss a code too"
        );
    }
}

/// Every mail as sent (its bytes, which may be base64 or quoted-printable)
/// and as read (subject and every text part, decoded).
fn mail_sources(smtp: &SmtpServer) -> Vec<Source> {
    let mails = smtp.messages_to_everyone();
    assert!(mails.len() >= 4, "the print room's mail and three notices");
    let mut sources = Vec::new();
    for (i, mail) in mails.iter().enumerate() {
        let message = parse(&mail.data);
        let mut read = message.subject().unwrap_or_default().to_owned();
        for part in 0..message.text_body_count() {
            read.push('\n');
            read.push_str(&message.body_text(part).unwrap_or_default());
        }
        sources.push((format!("mail {i} as read"), read.into_bytes()));
        sources.push((format!("mail {i} as sent"), mail.data.clone()));
    }
    sources
}

fn log_source(app: &TestApp) -> Vec<Source> {
    app.scannable_log()
        .map(|log| vec![("the server log".to_owned(), log.into_bytes())])
        .unwrap_or_default()
}

async fn sqlite_scan(mut app: TestApp, smtp: SmtpServer) {
    let (codes, references) = mail_a_batch_of_three(&app, &smtp).await;

    let running = files_in(app.data_dir(), "while running:");
    assert!(
        running
            .iter()
            .any(|(name, bytes)| name.ends_with("shokai.db-wal") && !bytes.is_empty()),
        "the WAL was read"
    );
    assert!(app.stop().await.success(), "the server stopped gracefully");
    let stopped = files_in(app.data_dir(), "after stopping:");
    let (rows, outbox) = sqlite_rows_and_outbox(app.database_url()).await;
    let mails = mail_sources(&smtp);
    let log = log_source(&app);

    for sources in [&running, &stopped, &rows, &outbox, &mails, &log] {
        assert_no_code(sources, &codes);
    }
    assert_references_found(&running, &references, "the running database files");
    assert_references_found(&rows, &references, "the rows");
    assert_references_found(&outbox, &references, "the outbox");
    assert_references_found(&mails, &references, "the mail");
}

async fn postgres_scan(mut app: TestApp, smtp: SmtpServer) {
    let (codes, references) = mail_a_batch_of_three(&app, &smtp).await;
    assert!(app.stop().await.success(), "the server stopped gracefully");

    let (rows, outbox) = postgres_rows_and_outbox(app.database_url()).await;
    let dump = pg_dump(app.database_url());
    let mails = mail_sources(&smtp);
    let files = files_in(app.data_dir(), "the server's directory:");
    let log = log_source(&app);

    for sources in [&rows, &dump, &outbox, &mails, &files, &log] {
        assert_no_code(sources, &codes);
    }
    assert_references_found(&rows, &references, "the rows");
    if !dump.is_empty() {
        assert_references_found(&dump, &references, "the dump");
    }
    assert_references_found(&mails, &references, "the mail");
}

mod after_mailing_no_stored_or_sent_byte_holds_a_code_of_the_batch {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        let smtp = SmtpServer::start().await;
        let mut env = mail_env(&smtp);
        env.push(("SHOKAI_LOG", "debug".to_owned()));
        let env: Vec<(&'static str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        sqlite_scan(TestApp::spawn_with(&env).await, smtp).await;
    }

    #[tokio::test]
    async fn postgres() {
        let smtp = SmtpServer::start().await;
        let mut env = mail_env(&smtp);
        env.push(("SHOKAI_LOG", "debug".to_owned()));
        let env: Vec<(&'static str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run_postgres_with(module_path!(), &env, move |app| postgres_scan(app, smtp)).await;
    }
}
