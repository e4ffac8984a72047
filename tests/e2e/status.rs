//! The proxies' public status lookup (`POST /api/status`): what it shows with
//! the right reference and telephone digits, that every mismatch looks the
//! same, and its throttles (growing delays per address and reference).
//!
//! The letter is issued and marked mailed through the store with the
//! server's own code key, so these tests do not depend on the batch routes.

use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shokai_store::{Actor, Store};
use shokai_workflow::{
    CodeKeyring, Context, Event, Role as WorkflowRole, VerificationCode, WorkflowSettings,
};

use crate::helpers::{CODE_KEY, Role, TestApp, in_person_intake, proxy_intake};

/// The proxy's telephone number in these tests.
pub const PROXY_PHONE: &str = "090-1234-5678";

/// What a status answer must never contain: the parties' names (kanji and
/// kana), the address, the full telephone number.
pub const PERSONAL: [&str; 8] = [
    "山田",
    "太郎",
    "ヤマダ",
    "佐藤",
    "花子",
    "サトウ",
    "新宿",
    "09012345678",
];

/// A proxy application whose proxy gave [`PROXY_PHONE`].
pub fn proxy_intake_with_phone() -> Value {
    let mut intake = proxy_intake();
    intake["representation"]["phone"] = json!(PROXY_PHONE);
    intake
}

/// Issues, prints and mails a letter for case `id` (read at `version`)
/// through the store, as the letter and batch routes would (three steps:
/// the case is then at `version + 3`); returns the code printed on it.
pub async fn mail_letter(app: &TestApp, id: i64, version: i64) -> String {
    let store = Store::connect(app.database_url()).await.unwrap();
    let (key_id, hex) = CODE_KEY.split_once('=').unwrap();
    let secret: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let keyring = CodeKeyring::new(key_id, secret).unwrap();
    let settings = WorkflowSettings::default();
    let actor = Actor {
        user_id: None,
        username: "letter-room".into(),
        role: WorkflowRole::Clerk,
    };
    let now = Utc::now();
    let ctx = Context::new(now, WorkflowRole::Clerk, &settings, &keyring);
    let code = VerificationCode::generate(&mut rand::rng());
    let printed = code.expose().to_owned();
    let mailed_on = shokai_workflow::case::japan_date(now);
    store
        .transition(id, version, &actor, now, |case| {
            case.apply(Event::IssueLetter, &ctx)
        })
        .await
        .unwrap();
    let print = Event::PrintLetter {
        number: 1,
        code,
        planned_mailing: mailed_on,
    };
    store
        .transition(id, version + 1, &actor, now, |case| case.apply(print, &ctx))
        .await
        .unwrap();
    store
        .transition(id, version + 2, &actor, now, |case| {
            case.apply(Event::MarkMailed { mailed_on }, &ctx)
        })
        .await
        .unwrap();
    store.close().await;
    printed
}

/// `POST /api/status` with `body` as raw bytes (JSON content type).
async fn lookup_raw(app: &TestApp, body: &str) -> (StatusCode, Option<String>, Vec<u8>) {
    let response = app
        .client
        .post(app.url("/api/status"))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

async fn lookup(
    app: &TestApp,
    reference: &str,
    last4: &str,
) -> (StatusCode, Option<String>, Vec<u8>) {
    let body = json!({ "reference": reference, "phone_last4": last4 }).to_string();
    lookup_raw(app, &body).await
}

crate::both_backends! {
async fn the_right_digits_show_mailing_date_deadline_and_what_to_bring_and_nothing_personal(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let case = app.open_case(&clerk, &proxy_intake_with_phone()).await;
    let (id, reference) = (case["id"].as_i64().unwrap(), case["reference"].as_str().unwrap().to_owned());

    let (status, _, before) = lookup(&app, &reference, "5678").await;
    assert_eq!(status, StatusCode::OK);
    let before: Value = serde_json::from_slice(&before).unwrap();
    assert_eq!(before["status"], "not_mailed");
    assert_eq!(before["mailed_on"], Value::Null);

    mail_letter(&app, id, 1).await;
    let mailed: Value = app.call(Method::GET, &format!("/api/cases/{id}"), Some(&clerk), None).await.json().await.unwrap();
    let (status, _, body) = lookup(&app, &reference, "5678").await;

    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(body).unwrap();
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["status"], "mailed");
    assert_eq!(answer["mailed_on"], mailed["letters"][0]["mailed_on"]);
    assert_eq!(answer["deadline"], mailed["deadline"]);
    assert_eq!(answer["deadline_passed"], false);
    let bring = answer["what_to_bring"].as_array().unwrap();
    assert!(bring.iter().any(|item| item.as_str().unwrap().contains("回答書兼委任状")), "{answer}");
    assert!(bring.iter().any(|item| item.as_str().unwrap().contains("マイナンバーカード")), "{answer}");
    assert!(bring.iter().any(|item| item.as_str().unwrap().contains("顔写真")), "{answer}");
    for personal in PERSONAL {
        assert!(!text.contains(personal), "{personal} leaked: {text}");
    }
    let keys: Vec<&String> = answer.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["deadline", "deadline_passed", "mailed_on", "message", "status", "what_to_bring"], "nothing else");
}
}

crate::both_backends! {
async fn a_closed_case_says_only_that_the_procedure_has_ended(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let case = app.open_case(&clerk, &proxy_intake_with_phone()).await;
    let (id, reference) = (case["id"].as_i64().unwrap(), case["reference"].as_str().unwrap().to_owned());
    mail_letter(&app, id, 1).await;
    let back = json!({ "version": 4, "letter": 1, "note": "宛所に尋ねあたりません" });
    let returned = app.call(Method::POST, &format!("/api/cases/{id}/undeliverable"), Some(&clerk), Some(&back)).await;
    assert_eq!(returned.status(), StatusCode::OK);

    let (status, _, body) = lookup(&app, &reference, "5678").await;

    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(body).unwrap();
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["status"], "closed");
    assert!(answer["message"].as_str().unwrap().contains("この申請の手続は終了しています"));
    assert_eq!(answer["what_to_bring"], json!([]));
    assert_eq!(answer["deadline"], Value::Null);
    assert!(!text.contains("返戻") && !text.contains("undeliverable") && !text.contains("宛所"), "never why: {text}");
}
}

crate::both_backends! {
async fn wrong_digits_unknown_or_malformed_references_and_cases_without_a_proxy_phone_get_byte_identical_answers(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let with_phone = app.open_case(&clerk, &proxy_intake_with_phone()).await;
    let without_phone = app.open_case_on_new_card(&clerk, &proxy_intake()).await;
    let in_person = app.open_case_on_new_card(&clerk, &in_person_intake()).await;
    let reference = |case: &Value| case["reference"].as_str().unwrap().to_owned();
    // The next reference of the year: well-formed, check digit right, no case.
    let unknown = {
        let r = reference(&in_person);
        let year: u8 = r[1..r.find('-').unwrap()].parse().unwrap();
        shokai_workflow::ReferenceNumber::new(year, 999_999).unwrap().to_string()
    };

    let mistyped = {
        let r = reference(&with_phone);
        let check = r.chars().last().unwrap().to_digit(10).unwrap();
        format!("{}{}", &r[..r.len() - 1], (check + 1) % 10)
    };

    let answers = vec![
        ("wrong digits", lookup(&app, &reference(&with_phone), "5679").await),
        ("unknown reference", lookup(&app, &unknown, "5678").await),
        ("malformed reference", lookup(&app, "R8-12", "5678").await),
        ("wrong check digit", lookup(&app, &mistyped, "5678").await),
        ("malformed digits", lookup(&app, &reference(&with_phone), "56a8").await),
        ("proxy without a phone", lookup(&app, &reference(&without_phone), "0000").await),
        ("no proxy at all", lookup(&app, &reference(&in_person), "0000").await),
        ("not JSON", lookup_raw(&app, "reference=R8").await),
        ("digits as a number", lookup_raw(&app, &json!({ "reference": reference(&with_phone), "phone_last4": 5678 }).to_string()).await),
    ];

    let (first_name, first) = &answers[0];
    assert_eq!(first.0, StatusCode::NOT_FOUND);
    let body: Value = serde_json::from_slice(&first.2).unwrap();
    assert_eq!(body["code"], "not_found");
    for (name, answer) in &answers {
        assert_eq!(answer, first, "{name} differs from {first_name}");
    }
    let (status, _, _) = lookup(&app, &reference(&with_phone), "5678").await;
    assert_eq!(status, StatusCode::OK, "and the right digits still work");
}
}

/// The reverse proxy every lookup below comes through: it names the client.
const BEHIND_A_PROXY: &[(&str, &str)] = &[("SHOKAI_TRUSTED_PROXIES", "127.0.0.1")];

/// `POST /api/status` from `client`, as forwarded by the trusted proxy:
/// the status and the `Retry-After` seconds, if any.
async fn lookup_from(
    app: &TestApp,
    client: &str,
    reference: &str,
    last4: &str,
) -> (StatusCode, Option<u64>) {
    let response = app
        .client
        .post(app.url("/api/status"))
        .header("x-forwarded-for", client)
        .json(&json!({ "reference": reference, "phone_last4": last4 }))
        .send()
        .await
        .unwrap();
    let wait = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (response.status(), wait)
}

crate::both_backends_with! { BEHIND_A_PROXY;
async fn a_stranger_guessing_the_digits_is_slowed_while_the_real_proxy_still_gets_the_answer(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let case = app.open_case(&clerk, &proxy_intake_with_phone()).await;
    let reference = case["reference"].as_str().unwrap().to_owned();
    let stranger = "203.0.113.66";

    let mut guesses = Vec::new();
    for guess in 0..6 {
        guesses.push(lookup_from(&app, stranger, &reference, &format!("{guess:04}")).await);
    }
    let slowed = lookup_from(&app, stranger, &reference, "0006").await;
    let proxy = lookup_from(&app, "198.51.100.7", &reference, "5678").await;

    assert!(guesses.iter().all(|g| *g == (StatusCode::NOT_FOUND, None)), "{guesses:?}");
    assert_eq!(slowed.0, StatusCode::TOO_MANY_REQUESTS);
    assert!(slowed.1.is_some_and(|wait| (1..=2).contains(&wait)), "seconds, not an hour: {slowed:?}");
    assert_eq!(proxy, (StatusCode::OK, None), "the real proxy is not shut out");
}
}

crate::both_backends_with! { BEHIND_A_PROXY;
async fn an_address_trying_reference_after_reference_is_slowed_after_twenty_failures(app) {
    let mut answers = Vec::new();
    for n in 0..22 {
        answers.push(lookup_from(&app, "203.0.113.66", &format!("R8-{n:06}-0"), "0000").await.0);
    }
    let elsewhere = lookup_from(&app, "198.51.100.7", "R8-000001-0", "0000").await.0;

    assert!(answers[..21].iter().all(|s| *s == StatusCode::NOT_FOUND), "{answers:?}");
    assert_eq!(answers[21], StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(elsewhere, StatusCode::NOT_FOUND, "other addresses are not slowed");
}
}

crate::both_backends! {
async fn the_public_status_page_answers_the_form_and_refuses_it_without_its_token(app) {
    let clerk = app.token_for(Role::Clerk).await;
    let case = app.open_case(&clerk, &proxy_intake_with_phone()).await;
    let (id, reference) = (case["id"].as_i64().unwrap(), case["reference"].as_str().unwrap().to_owned());
    mail_letter(&app, id, 1).await;
    let form = app.get("/status").await;
    assert_eq!(form.status(), StatusCode::OK);
    let cookie = form.headers().get_all("set-cookie").iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("shokai_status_csrf="))
        .expect("a CSRF cookie");
    assert!(cookie.contains("SameSite=Strict") && cookie.contains("HttpOnly"), "{cookie}");
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let page = form.text().await.unwrap();
    assert!(!page.contains("nav-cases"), "no clerk menu on the public page");
    let token = crate::web_ops::csrf_of(&page);
    let post = |fields: Vec<(&'static str, String)>, cookie: Option<String>| {
        let mut request = app.client.post(app.url("/status")).form(&fields);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };

    let found = post(vec![("csrf", token.clone()), ("reference", reference.clone()), ("phone_last4", "5678".into())], Some(cookie.clone())).await.unwrap();
    let wrong = post(vec![("csrf", token.clone()), ("reference", reference.clone()), ("phone_last4", "0000".into())], Some(cookie.clone())).await.unwrap();
    let forged = post(vec![("reference", reference.clone()), ("phone_last4", "5678".into())], None).await.unwrap();

    assert_eq!(found.status(), StatusCode::OK);
    let text = found.text().await.unwrap();
    assert!(text.contains("発送済み") && text.contains("回答書兼委任状"), "{text}");
    for personal in PERSONAL {
        assert!(!text.contains(personal), "{personal} leaked");
    }
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    assert!(wrong.text().await.unwrap().contains("見つかりませんでした"));
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(!forged.text().await.unwrap().contains("発送済み"));
    // Wrong digits again and again: the page says how long to wait.
    for _ in 0..5 {
        post(vec![("csrf", token.clone()), ("reference", reference.clone()), ("phone_last4", "0000".into())], Some(cookie.clone())).await.unwrap();
    }
    let slowed = post(vec![("csrf", token.clone()), ("reference", reference.clone()), ("phone_last4", "5678".into())], Some(cookie.clone())).await.unwrap();
    assert_eq!(slowed.status(), StatusCode::TOO_MANY_REQUESTS);
    let text = slowed.text().await.unwrap();
    assert!(text.contains("id=\"status-too-many\"") && text.contains("秒ほど待ってから"), "{text}");
}
}
