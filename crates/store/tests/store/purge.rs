//! The retention purge: a closed case's personal data goes from every table
//! that keeps it (parties and reading, audit personal data, the 発送簿 line,
//! the print file, mail payloads, response attempts); an open case and a case
//! closed too recently keep theirs; the chain still verifies.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use shokai_store::StoredCase;
use shokai_store::audit;
use shokai_store::batches;
use shokai_store::cases::{self, NewResponseAttempt};
use shokai_store::outbox::{self, NewMessage, RetryPolicy};
use shokai_store::personal_data::purge::{PURGED_MAIL_ERROR, PURGED_PAYLOAD, PurgeReport};
use shokai_workflow::case::japan_date;
use shokai_workflow::{Case, Event, PersonName, Representation};

use crate::both_backends;
use crate::fixtures::{
    clerk, ctx, issue_letter, open_application, proxy_application, purge_closed_before, supervisor,
    t0,
};
use crate::harness::TestDb;

/// The cardholder of the case that closes: a name found nowhere else.
const CLOSING_NAME: &str = "消去 一郎";
const OPEN_NAME: &str = "保持 花子";

async fn open_named(db: &TestDb, name: &str, kana: &str, email: &str) -> StoredCase {
    let mut application = proxy_application();
    application.cardholder.name = PersonName::parse(name, kana).unwrap();
    if let Representation::OptionalProxy(proxy) = &mut application.representation {
        proxy.email = Some(shokai_workflow::domain::Email::parse(email).unwrap());
    }
    open_application(&db.store, t0(), application).await
}

fn mail(reference: &str, key: &str) -> NewMessage {
    NewMessage {
        kind: "letter_mailed".to_owned(),
        payload: json!({ "to": "proxy@example.jp", "proxy_name": "佐藤 花子", "reference": reference }),
        idempotency_key: key.to_owned(),
    }
}

/// Both cases' letters in one batch with a 発送簿 and a print file on disk;
/// a sent and an unsent mail and a response attempt for the closing case,
/// an unsent mail for the open one. Returns the batch id.
async fn paperwork(db: &TestDb, closing: &StoredCase, open: &StoredCase) -> i64 {
    let now = t0() + Duration::minutes(30);
    issue_letter(&db.store, closing, now).await;
    issue_letter(&db.store, open, now).await;
    let (a, b) = (
        closing.core.reference().to_string(),
        open.core.reference().to_string(),
    );
    let manifest = format!(
        "\u{feff}受付番号,氏名,郵便番号,住所,頁数\r\n{a},{CLOSING_NAME},160-0022,東京都新宿区消去町1番,2\r\n\
         {b},{OPEN_NAME},160-0022,東京都新宿区保持町2番,2\r\n"
    );
    let mut tx = db.store.begin().await.unwrap();
    let batch = batches::create_batch(
        &mut tx,
        now + Duration::minutes(1),
        japan_date(now),
        &clerk(),
        now,
    )
    .await
    .unwrap();
    batches::store_print_file(
        &mut tx,
        batch.id,
        "print/batch-1.pdf",
        &"ab".repeat(32),
        manifest.as_bytes(),
        &[],
    )
    .await
    .unwrap();
    for message in [
        mail(&a, "a-sent"),
        mail(&a, "a-unsent"),
        mail(&b, "b-unsent"),
    ] {
        outbox::enqueue(&mut tx, &message, now).await.unwrap();
    }
    for case in [closing, open] {
        attempt_at_the_code(&mut tx, case, now).await;
    }
    tx.commit().await.unwrap();
    let claimed = outbox::claim(&db.store, &RetryPolicy::default(), now)
        .await
        .unwrap();
    let sent = claimed.iter().find(|m| m.idempotency_key == "a-sent");
    outbox::record_sent(&db.store, sent.unwrap(), now)
        .await
        .unwrap();
    batch.id
}

async fn attempt_at_the_code(tx: &mut shokai_store::Tx, case: &StoredCase, now: DateTime<Utc>) {
    let attempt = NewResponseAttempt {
        letter_number: Some(1),
        outcome: "code_mismatch".to_owned(),
        details: json!({ "attempts": 1 }),
    };
    cases::record_response_attempt(tx, case.id, &clerk(), &attempt, now)
        .await
        .unwrap();
}

async fn cancel(db: &TestDb, case: &StoredCase, now: DateTime<Utc>) -> StoredCase {
    let boss = supervisor();
    let current = reload(db, case.id).await;
    db.store
        .transition(current.id, current.version, &boss, now, |c: &Case| {
            c.apply(
                Event::Cancel {
                    reason: "申請取下げ".to_owned(),
                },
                &ctx(&boss, now),
            )
        })
        .await
        .unwrap()
}

async fn reload(db: &TestDb, id: i64) -> StoredCase {
    let mut tx = db.store.read().await.unwrap();
    cases::get_case(&mut tx, id).await.unwrap()
}

async fn run_purge(db: &TestDb, before: DateTime<Utc>, now: DateTime<Utc>) -> PurgeReport {
    purge_closed_before(&db.store, before, now).await
}

async fn outbox_row(db: &TestDb, key: &str) -> outbox::OutboxMessage {
    let mut tx = db.store.read().await.unwrap();
    for id in 1..=3 {
        let message = outbox::get(&mut tx, id).await.unwrap();
        if message.idempotency_key == key {
            return message;
        }
    }
    panic!("no mail {key}");
}

both_backends! {
    async fn a_purge_erases_a_closed_cases_personal_data_everywhere_and_leaves_an_open_case_whole(db) {
        let closing = open_named(&db, CLOSING_NAME, "ショウキョ イチロウ", "closing@example.jp").await;
        let open = open_named(&db, OPEN_NAME, "ホジ ハナコ", "open@example.jp").await;
        let batch = paperwork(&db, &closing, &open).await;
        cancel(&db, &closing, t0() + Duration::hours(1)).await;
        let now = t0() + Duration::days(400);

        let report = run_purge(&db, t0() + Duration::days(1), now).await;

        assert_eq!(report.cases, vec![closing.core.reference().to_string()]);
        assert_eq!((report.outbox_messages, report.unsent_messages, report.response_attempts), (2, 1, 1));
        assert_eq!((report.manifests, report.print_batches.clone(), report.print_files.clone()), (1, vec![batch], vec!["print/batch-1.pdf".to_owned()]));
        assert_eq!(report.audit_events, 1, "the opening carried the names");
        let purged = reload(&db, closing.id).await;
        assert_eq!((purged.parties.clone(), purged.purged_at), (None, Some(now)));
        assert!(reload(&db, open.id).await.parties.is_some());
        let mut tx = db.store.read().await.unwrap();
        assert!(audit::events_for_case(&mut tx, closing.id).await.unwrap().iter().all(|e| e.personal.is_none() && e.personal_salt.is_none()));
        assert!(audit::events_for_case(&mut tx, open.id).await.unwrap()[0].personal.is_some());
        assert!(cases::response_attempts(&mut tx, closing.id).await.unwrap().is_empty());
        assert_eq!(cases::response_attempts(&mut tx, open.id).await.unwrap().len(), 1);
        let documents = batches::batch_documents(&mut tx, batch).await.unwrap();
        let manifest = String::from_utf8(documents.manifest).unwrap();
        assert!(!manifest.contains(CLOSING_NAME) && !manifest.contains("消去町"), "{manifest}");
        assert!(manifest.contains(&format!("{},,,,2", closing.core.reference())), "{manifest}");
        assert!(manifest.contains(OPEN_NAME) && manifest.contains("保持町"), "{manifest}");
        assert_eq!((documents.pdf, documents.pdf_path), (None, None));
        drop(tx);
        let sent = outbox_row(&db, "a-sent").await;
        assert_eq!((sent.payload.to_string(), sent.dead_at, sent.last_error), (PURGED_PAYLOAD.to_owned(), None, None));
        let unsent = outbox_row(&db, "a-unsent").await;
        assert_eq!((unsent.payload.to_string(), unsent.dead_at, unsent.last_error.as_deref()), (PURGED_PAYLOAD.to_owned(), Some(now), Some(PURGED_MAIL_ERROR)));
        let kept = outbox_row(&db, "b-unsent").await;
        assert_eq!((kept.payload["to"].as_str(), kept.dead_at), (Some("proxy@example.jp"), None));
        assert!(audit::verify(&db.store).await.unwrap().is_intact());
    }
}

both_backends! {
    async fn a_case_closed_on_or_after_the_day_and_an_already_purged_case_are_left_alone(db) {
        let closing = open_named(&db, CLOSING_NAME, "ショウキョ イチロウ", "closing@example.jp").await;
        cancel(&db, &closing, t0() + Duration::days(2)).await;

        let early = run_purge(&db, t0() + Duration::days(2), t0() + Duration::days(3)).await;
        let due = run_purge(&db, t0() + Duration::days(3), t0() + Duration::days(4)).await;
        let again = run_purge(&db, t0() + Duration::days(3), t0() + Duration::days(5)).await;

        assert_eq!(early, PurgeReport::default(), "closed at the instant itself: not before it");
        assert_eq!(due.cases.len(), 1);
        assert_eq!(again, PurgeReport::default(), "nothing left to erase");
        let mut tx = db.store.read().await.unwrap();
        let purges = audit::events_between(&mut tx, t0(), t0() + Duration::days(9)).await.unwrap();
        let purges: Vec<_> = purges.iter().filter(|e| e.event == "personal_data_purged").collect();
        assert_eq!(purges.len(), 1, "only a purge that erased something is an event");
        assert_eq!(purges[0].actor.as_deref(), Some("cli"));
        let details: serde_json::Value = serde_json::from_str(&purges[0].details).unwrap();
        assert_eq!(details["cases"], 1);
    }
}
