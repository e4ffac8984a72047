//! The optional-proxy case from application to PIN set, through the JSON API
//! only, as a clerk and an auditor would drive it: intake, letter, print
//! batch, mailing, the proxy's return with the code from the letter, the
//! PIN change at the counter, and the audit trail that records it all.
//!
//! The API never hands out a verification code, by design: the test reads
//! it the way the proxy does, off the printed letter (`pdftotext` on the
//! letter PDF downloaded before the batch is mailed; afterwards the kept
//! copy has the code blanked).

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Role, TestApp, assert_secret_absent, pdf_text, proxy_intake};

/// The proxy's e-mail address in [`proxy_flow`]'s application.
pub const PROXY_EMAIL: &str = "hanako.sato@example.jp";

/// One PIN changed at the counter: kind, current (the fixture card's; empty
/// for a reset, whose form has none), new.
pub type PinChange = (&'static str, &'static str, &'static str);

/// The PINs [`proxy_flow`] changes on `fixtures/cards/cardholder.json`.
pub const PIN_CHANGES: [PinChange; 2] = [
    ("signature", "ABC123", "QZ7XW4K9"),
    ("user_auth", "1234", "7391"),
];

/// What one run of the flow leaves behind for further checks.
pub struct FlowRun {
    pub case_id: i64,
    pub reference: String,
    pub auditor: String,
    /// The verification code read off the letter.
    pub code: String,
}

/// The code printed after 照会番号 on the response form, as `XXXXX-XXXXX`.
pub fn code_in_letter(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(11).find_map(|w| {
        let group = |s: &[char]| {
            s.iter()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        };
        (w[5] == '-' && group(&w[..5]) && group(&w[6..])).then(|| w.iter().collect())
    })
}

pub async fn json_of(response: reqwest::Response, status: StatusCode, what: &str) -> Value {
    let actual = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(actual, status, "{what}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// Drives an optional-proxy case for the PINs of `changes`, with the
/// proxy's e-mail address (and whatever `adjust` changes in the
/// application), from intake to `pin_set`, changing the PINs on the card in
/// the terminal.
pub async fn proxy_flow(
    app: &TestApp,
    changes: &[PinChange],
    adjust: impl FnOnce(&mut Value),
) -> FlowRun {
    let clerk = app.token_for(Role::Clerk).await;
    let auditor = app.token_for(Role::Auditor).await;
    let mut intake = proxy_intake();
    intake["representation"]["email"] = json!(PROXY_EMAIL);
    intake["pins"] = json!(changes.iter().map(|(pin, _, _)| *pin).collect::<Vec<_>>());
    adjust(&mut intake);

    let (id, reference) = first_visit(app, &clerk, &intake).await;
    let (version, code) = print_and_mail(app, &clerk, id, &reference).await;
    second_visit(app, &clerk, id, version, &code, changes).await;
    FlowRun {
        case_id: id,
        reference,
        auditor,
        code,
    }
}

/// The proxy applies; the clerk issues the inquiry letter and looks at its
/// copy, which names the case but never shows the code. Returns the case id
/// and its reference.
async fn first_visit(app: &TestApp, clerk: &str, intake: &Value) -> (i64, String) {
    let case = app.open_case(clerk, intake).await;
    let (id, reference) = (
        case["id"].as_i64().unwrap(),
        case["reference"].as_str().unwrap().to_owned(),
    );
    assert_eq!(case["state"], "applied");
    let issue = app
        .call(
            Method::POST,
            &format!("/api/cases/{id}/letters"),
            Some(clerk),
            Some(&json!({ "version": case["version"] })),
        )
        .await;
    let issued = json_of(issue, StatusCode::CREATED, "issue the letter").await;
    assert_eq!(issued["letter_number"], 1);
    let letter = app
        .call(
            Method::GET,
            &format!("/api/cases/{id}/letters/1/pdf"),
            Some(clerk),
            None,
        )
        .await;
    assert_eq!(letter.status(), StatusCode::OK);
    let letter_text = pdf_text(&letter.bytes().await.unwrap());
    assert!(
        letter_text.contains(&reference),
        "the letter names the case: {letter_text}"
    );
    assert_eq!(
        code_in_letter(&letter_text),
        None,
        "a clerk's copy has the code blanked: {letter_text}"
    );
    (id, reference)
}

/// The print room: close the batch, print it, mark it mailed. Returns the
/// case's version after mailing and the code read off the print file, as
/// the cardholder will read it off paper.
async fn print_and_mail(app: &TestApp, clerk: &str, id: i64, reference: &str) -> (i64, String) {
    let printer = app.token_for(Role::Printer).await;
    let close = app
        .call(Method::POST, "/api/batches", Some(clerk), None)
        .await;
    let batch = json_of(close, StatusCode::CREATED, "close the batch").await;
    let batch_id = batch["id"].as_i64().unwrap();
    assert_eq!(batch["references"], json!([reference]));
    let print = app
        .call(
            Method::GET,
            &format!("/api/batches/{batch_id}/print.pdf"),
            Some(&printer),
            None,
        )
        .await;
    assert_eq!(print.status(), StatusCode::OK);
    let print_text = pdf_text(&print.bytes().await.unwrap());
    let code = code_in_letter(&print_text).expect("the press file prints the code");
    assert!(print_text.contains(reference), "{print_text}");
    let mailed = app
        .call(
            Method::POST,
            &format!("/api/batches/{batch_id}/mailed"),
            Some(clerk),
            Some(&json!({})),
        )
        .await;
    json_of(mailed, StatusCode::OK, "mark the batch mailed").await;
    let case = json_of(
        app.call(Method::GET, &format!("/api/cases/{id}"), Some(clerk), None)
            .await,
        StatusCode::OK,
        "read the case",
    )
    .await;
    assert_eq!(case["state"], "inquiry_mailed");
    assert!(
        case["deadline"].is_string(),
        "a mailed letter sets the deadline: {case}"
    );
    let kept = app
        .call(
            Method::GET,
            &format!("/api/cases/{id}/letters/1/pdf"),
            Some(clerk),
            None,
        )
        .await;
    let kept_text = pdf_text(&kept.bytes().await.unwrap());
    // The copy kept after mailing has the code blanked.
    assert_secret_absent("the letter kept after mailing", &kept_text, &code);
    (case["version"].as_i64().unwrap(), code)
}

/// The proxy returns the response form with the code; at the counter the
/// new PINs go onto the card.
pub async fn second_visit(
    app: &TestApp,
    clerk: &str,
    id: i64,
    version: i64,
    code: &str,
    changes: &[PinChange],
) {
    let response = json!({
        "version": version,
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
    let returned = app
        .call(
            Method::POST,
            &format!("/api/cases/{id}/response"),
            Some(clerk),
            Some(&response),
        )
        .await;
    let case = json_of(returned, StatusCode::OK, "record the response").await;
    assert_eq!(case["state"], "response_returned");
    let changes: Vec<Value> = changes
        .iter()
        .map(|(pin, current, new)| match *current {
            "" => json!({ "pin": pin, "new": new }),
            _ => json!({ "pin": pin, "current": current, "new": new }),
        })
        .collect();
    let body = json!({ "version": case["version"], "changes": changes });
    let set = app
        .call(
            Method::POST,
            &format!("/api/cases/{id}/pin-change"),
            Some(clerk),
            Some(&body),
        )
        .await;
    let set = json_of(set, StatusCode::OK, "change the PINs").await;
    assert_eq!(set["outcome"], "pin_set");
    assert_eq!(set["case"]["state"], "pin_set");
}

crate::both_backends! {
async fn a_proxy_case_goes_from_application_to_pin_set_and_the_audit_log_shows_every_step(app) {
    let run = proxy_flow(&app, &PIN_CHANGES, |_| {}).await;

    let audit = app.call(Method::GET, &format!("/api/audit?case={}", run.case_id), Some(&run.auditor), None).await;
    let events = json_of(audit, StatusCode::OK, "the case's audit trail").await;
    let steps: Vec<(&str, &str, &str)> = events.as_array().unwrap().iter()
        .map(|e| (e["event"].as_str().unwrap(), e["actor"].as_str().unwrap_or("-"), e["to_state"].as_str().unwrap_or("-")))
        .collect();
    assert_eq!(steps, [
        ("open", "clerk", "applied"),
        ("issue_letter", "clerk", "applied"),
        ("print_letter", "clerk", "applied"),
        ("mark_mailed", "clerk", "inquiry_mailed"),
        ("record_response", "clerk", "response_returned"),
        // One audit event per PIN tried on the card (two PINs change here).
        ("pin_try", "clerk", "response_returned"),
        ("pin_try", "clerk", "response_returned"),
        ("complete_pin_change", "clerk", "pin_set"),
    ]);
    assert!(events.as_array().unwrap().iter().all(|e| e["case_reference"] == run.reference.as_str()));
    let all = json_of(app.call(Method::GET, "/api/audit", Some(&run.auditor), None).await, StatusCode::OK, "the whole audit log").await;
    let batch_events: BTreeSet<(&str, &str)> = all.as_array().unwrap().iter()
        .filter(|e| e["case_id"].is_null())
        .map(|e| (e["event"].as_str().unwrap(), e["actor"].as_str().unwrap_or("-")))
        .collect();
    assert!(batch_events.contains(&("print_batch_created", "clerk")), "{batch_events:?}");
    assert!(batch_events.contains(&("print_batch_mailed", "clerk")), "{batch_events:?}");
    let verify = json_of(app.call(Method::GET, "/api/audit/verify", Some(&run.auditor), None).await, StatusCode::OK, "verify").await;
    assert_eq!(verify["intact"], true, "{verify}");
    assert_eq!(verify["events"].as_i64().unwrap(), all.as_array().unwrap().len() as i64, "{verify}");
    assert_secret_absent("the audit log", all.to_string(), &run.code);
}
}

#[test]
fn the_code_is_found_in_letter_text_and_nothing_else_is_taken_for_it() {
    let text = "回答書\n照会番号  7KQ4M-9XD2F\n受付番号 R8-000123-4";
    assert_eq!(code_in_letter(text).as_deref(), Some("7KQ4M-9XD2F"));
    assert_eq!(code_in_letter("R8-000123-4 2026-11-26"), None);
}
