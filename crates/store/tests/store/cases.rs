//! Cases through the store: reference numbers, transitions as single
//! transactions (concurrency, refusals, a killed process), listings,
//! letters and key rotation, print batches, response attempts, purge.

use chrono::Duration;
use serde_json::json;
use shokai_store::audit;
use shokai_store::batches::{self, BatchDocuments};
use shokai_store::cases::{self, CaseFilter, Commit, NewResponseAttempt};
use shokai_store::outbox::{self, NewMessage, RetryPolicy};
use shokai_store::{StoreError, StoredCase};
use shokai_workflow::case::japan_date;
use shokai_workflow::{Case, CaseState, CodeDigest, CodeKeyring, Event, VerificationCode};

use crate::both_backends;
use crate::fixtures::{
    clerk, ctx, issue_letter, keyring, mailed_case, mark_mailed, new_code, open_case, print_letter,
    purge_closed_before, supervisor, system, t0,
};
use crate::harness::{CHILD_DB_ENV, TestDb, raw_sql};

async fn reload(db: &TestDb, id: i64) -> StoredCase {
    let mut tx = db.store.read().await.unwrap();
    cases::get_case(&mut tx, id).await.unwrap()
}

async fn audit_count(db: &TestDb, case_id: i64) -> usize {
    let mut tx = db.store.read().await.unwrap();
    audit::events_for_case(&mut tx, case_id)
        .await
        .unwrap()
        .len()
}

both_backends! {
    async fn reference_numbers_count_up_within_a_reiwa_year_and_restart_in_the_next(db) {
        let first = open_case(&db.store, t0()).await;
        let second = open_case(&db.store, t0() + Duration::hours(1)).await;
        // 2027-01-04 is in Reiwa 9.
        let next_year = open_case(&db.store, t0() + Duration::days(39)).await;

        assert_eq!((first.core.reference().reiwa_year(), first.core.reference().sequence()), (8, 1));
        assert_eq!((second.core.reference().reiwa_year(), second.core.reference().sequence()), (8, 2));
        assert_eq!((next_year.core.reference().reiwa_year(), next_year.core.reference().sequence()), (9, 1));
        let mut tx = db.store.read().await.unwrap();
        let found = cases::case_by_reference(&mut tx, &second.core.reference()).await.unwrap();
        assert_eq!(found, Some(second.clone()));
        let events = audit::events_for_case(&mut tx, first.id).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].case_reference.as_deref(), Some(first.core.reference().to_string().as_str()));
        assert!(events[0].personal.as_deref().unwrap_or("").contains("山田"), "personal data kept apart");
        assert!(!events[0].details.contains("山田"), "no personal data in the chained details");
    }
}

both_backends! {
    async fn thirty_two_clerks_issuing_a_letter_at_once_leave_one_letter_and_one_audit_event(db) {
        let case = open_case(&db.store, t0()).await;
        let now = t0() + Duration::hours(1);

        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let store = db.store.clone();
                let case = case.clone();
                tokio::spawn(async move {
                    let actor = clerk();
                    store
                        .transition(case.id, case.version, &actor, now, |c: &Case| {
                            c.apply(Event::IssueLetter, &ctx(&actor, now))
                        })
                        .await
                })
            })
            .collect();
        let mut won = 0;
        let mut conflicts = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => won += 1,
                Err(StoreError::VersionConflict { expected, .. }) => {
                    assert_eq!(expected, case.version);
                    conflicts += 1;
                }
                Err(other) => panic!("unexpected {other:?}"),
            }
        }

        assert_eq!((won, conflicts), (1, 31));
        let stored = reload(&db, case.id).await;
        assert_eq!(stored.version, case.version + 1);
        assert_eq!(stored.core.letters().len(), 1);
        assert_eq!(audit_count(&db, case.id).await, 2, "opening plus the one letter");
        let report = audit::verify(&db.store).await.unwrap();
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.events, 2);
    }
}

both_backends! {
    async fn a_stale_version_is_refused_even_when_nobody_is_writing(db) {
        let case = open_case(&db.store, t0()).await;
        issue_letter(&db.store, &case, t0() + Duration::hours(1)).await;

        let actor = clerk();
        let stale = db
            .store
            .transition(case.id, case.version, &actor, t0(), |c: &Case| {
                c.apply(Event::IssueLetter, &ctx(&actor, t0()))
            })
            .await;

        assert!(matches!(stale, Err(StoreError::VersionConflict { .. })), "{stale:?}");
    }
}

both_backends! {
    async fn a_step_the_workflow_refuses_writes_nothing(db) {
        let case = open_case(&db.store, t0()).await;
        let actor = clerk();
        let mail = NewMessage {
            kind: "letter_issued".to_owned(),
            payload: json!({}),
            idempotency_key: "never-queued".to_owned(),
        };

        // Mailing before any letter was issued is not a step the workflow allows.
        let refused = db
            .store
            .transition(case.id, case.version, &actor, t0(), |c: &Case| {
                let transition = c.apply(Event::MarkMailed { mailed_on: japan_date(t0()) }, &ctx(&actor, t0()))?;
                Ok(Commit { transition, messages: vec![mail], response_attempt: None, earlier: Vec::new() })
            })
            .await;

        assert!(matches!(refused, Err(StoreError::Transition(_))), "{refused:?}");
        assert_eq!(reload(&db, case.id).await, case);
        assert_eq!(audit_count(&db, case.id).await, 1);
        assert!(outbox::claim(&db.store, &RetryPolicy::default(), t0()).await.unwrap().is_empty());
    }
}

both_backends! {
    async fn mail_and_response_attempts_commit_with_their_transition(db) {
        let case = open_case(&db.store, t0()).await;
        let actor = clerk();
        let now = t0() + Duration::hours(1);
        let stored = db
            .store
            .transition(case.id, case.version, &actor, now, |c: &Case| {
                let transition = c.apply(Event::IssueLetter, &ctx(&actor, now))?;
                Ok(Commit {
                    transition,
                    messages: vec![NewMessage {
                        kind: "letter_issued".to_owned(),
                        payload: json!({ "case": case.id }),
                        idempotency_key: format!("letter-issued:{}:1", case.id),
                    }],
                    response_attempt: Some(NewResponseAttempt {
                        letter_number: Some(1),
                        outcome: "code_mismatch".to_owned(),
                        details: json!({ "attempts": 1 }),
                    }),
                    earlier: Vec::new(),
                })
            })
            .await
            .unwrap();

        assert_eq!(stored.version, case.version + 1);
        let queued = outbox::claim(&db.store, &RetryPolicy::default(), now).await.unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].payload, json!({ "case": case.id }));
        let mut tx = db.store.read().await.unwrap();
        let attempts = cases::response_attempts(&mut tx, case.id).await.unwrap();
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0].outcome, "code_mismatch");
        assert_eq!(attempts[0].actor, "tanaka");
        assert_eq!(attempts[0].attempted_at, now);
    }
}

both_backends! {
    async fn a_letter_has_no_code_until_printed_and_stays_verifiable_after_the_code_key_is_rotated(db) {
        let case = open_case(&db.store, t0()).await;
        let case = issue_letter(&db.store, &case, t0() + Duration::hours(1)).await;
        let mut tx = db.store.read().await.unwrap();
        let queued = cases::letters_of_case(&mut tx, case.id).await.unwrap().remove(0);
        drop(tx);
        assert_eq!((queued.code_key_id, queued.code_mac), (None, None), "no code before its batch");

        let code = new_code();
        let printed = code.expose().to_owned();
        let planned = japan_date(t0()) + Duration::days(1);
        let case = print_letter(&db.store, &case, code, planned, t0() + Duration::hours(8)).await;
        assert_eq!(case.core.letters()[0].printed_at, Some(t0() + Duration::hours(8)));

        let mut tx = db.store.read().await.unwrap();
        let row = cases::letters_of_case(&mut tx, case.id).await.unwrap().remove(0);
        assert_eq!(row.number, 1);
        assert_eq!(row.code_key_id.as_deref(), Some(keyring().current_key_id()));
        assert_eq!(row.issued_at, t0() + Duration::hours(1));

        let rotated = CodeKeyring::new("2027-a", vec![9; 32]).unwrap().with_previous("2026-a", vec![7; 32]).unwrap();
        let mac: [u8; 32] = hex::decode(row.code_mac.unwrap()).unwrap().try_into().unwrap();
        let digest = CodeDigest { key_id: row.code_key_id.clone().unwrap(), mac };
        assert_eq!(case.core.letters()[0].digest.as_ref(), Some(&digest), "the row holds the case's digest");
        let entered = VerificationCode::parse(&printed).unwrap();
        assert!(rotated.verify(&entered, &digest));
        let wrong = VerificationCode::parse(new_code().expose()).unwrap();
        assert!(!rotated.verify(&wrong, &digest));
    }
}

both_backends! {
    async fn listings_filter_by_state_overdue_and_due_date(db) {
        let waiting = open_case(&db.store, t0()).await;
        let early = mailed_case(&db.store, t0()).await;
        let late = mailed_case(&db.store, t0() + Duration::days(3)).await;
        let early_deadline = early.core.deadline().unwrap();
        let late_deadline = late.core.deadline().unwrap();
        assert!(early_deadline < late_deadline);

        let mut tx = db.store.read().await.unwrap();
        let list = |rows: Vec<cases::CaseSummary>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
        let applied = cases::list_cases(&mut tx, &CaseFilter { state: Some(CaseState::Applied), ..CaseFilter::default() }).await.unwrap();
        assert_eq!(list(applied), vec![waiting.id]);
        let mailed = cases::list_cases(&mut tx, &CaseFilter { state: Some(CaseState::InquiryMailed), ..CaseFilter::default() }).await.unwrap();
        assert_eq!(list(mailed), vec![early.id, late.id]);
        let overdue = cases::list_cases(&mut tx, &CaseFilter { overdue_on: Some(early_deadline + Duration::days(1)), ..CaseFilter::default() }).await.unwrap();
        assert_eq!(list(overdue), vec![early.id]);
        let on_the_day = cases::list_cases(&mut tx, &CaseFilter { overdue_on: Some(early_deadline), ..CaseFilter::default() }).await.unwrap();
        assert!(on_the_day.is_empty(), "the deadline day itself is not overdue");
        let due = cases::list_cases(&mut tx, &CaseFilter { due_by: Some(late_deadline), ..CaseFilter::default() }).await.unwrap();
        assert_eq!(list(due), vec![early.id, late.id]);
        let page = cases::list_cases(&mut tx, &CaseFilter { limit: 1, offset: 1, ..CaseFilter::default() }).await.unwrap();
        assert_eq!(list(page), vec![late.id]);
    }
}

both_backends! {
    async fn the_due_between_filter_lists_waiting_cases_whose_deadline_falls_in_the_range(db) {
        let waiting = open_case(&db.store, t0()).await;
        let early = mailed_case(&db.store, t0()).await;
        let late = mailed_case(&db.store, t0() + Duration::days(3)).await;
        let (early_deadline, late_deadline) = (early.core.deadline().unwrap(), late.core.deadline().unwrap());
        assert!(early_deadline < late_deadline);

        let mut tx = db.store.read().await.unwrap();
        let ids = |rows: Vec<cases::CaseSummary>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
        let between = |from, to| CaseFilter { due_between: Some((from, to)), ..CaseFilter::default() };
        let both = cases::list_cases(&mut tx, &between(early_deadline, late_deadline)).await.unwrap();
        assert_eq!(ids(both), vec![early.id, late.id], "both ends are inclusive");
        let first_day = cases::list_cases(&mut tx, &between(early_deadline, early_deadline)).await.unwrap();
        assert_eq!(ids(first_day), vec![early.id]);
        let before = early_deadline - Duration::days(1);
        let none = cases::list_cases(&mut tx, &between(before - Duration::days(6), before)).await.unwrap();
        assert!(none.is_empty(), "a week ending before the first deadline lists nothing");
        let all = cases::list_cases(&mut tx, &CaseFilter::default()).await.unwrap();
        assert!(ids(all).contains(&waiting.id), "without the filter the waiting case is listed");
    }
}

/// Prints letter `number` of case `case_id` inside the batch's transaction
/// `tx`, as closing a batch does for each of its letters.
async fn print_in_batch(
    tx: &mut shokai_store::Tx,
    case_id: i64,
    number: u8,
    planned_mailing: chrono::NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) {
    let actor = system();
    let current = cases::get_case(tx, case_id).await.unwrap();
    let print = Event::PrintLetter {
        number,
        code: new_code(),
        planned_mailing,
    };
    let transition = current
        .case()
        .unwrap()
        .apply(print, &ctx(&actor, now))
        .unwrap();
    cases::write_step(tx, &current, &actor, now, transition.into())
        .await
        .unwrap();
}

both_backends! {
    async fn a_batch_takes_the_letters_issued_before_its_cut_off_prints_them_and_mailing_dates_them(db) {
        let first = open_case(&db.store, t0()).await;
        let second = open_case(&db.store, t0()).await;
        let first = issue_letter(&db.store, &first, t0() + Duration::hours(1)).await;
        issue_letter(&db.store, &second, t0() + Duration::hours(5)).await;
        let actor = clerk();
        let mailed_on = japan_date(t0());
        let closed = t0() + Duration::hours(6);

        let mut tx = db.store.begin().await.unwrap();
        let batch = batches::create_batch(&mut tx, t0() + Duration::hours(3), mailed_on, &actor, closed).await.unwrap();
        assert_eq!(batch.letters.iter().map(|l| l.case_id).collect::<Vec<_>>(), vec![first.id]);
        assert_eq!(batch.planned_mailing_on, Some(mailed_on));
        assert_eq!(batch.print_sha256, None, "nothing written yet");
        let later = batches::create_batch(&mut tx, t0() + Duration::hours(6), mailed_on, &actor, closed).await.unwrap();
        assert_eq!(later.letters.iter().map(|l| l.case_id).collect::<Vec<_>>(), vec![second.id], "no letter is batched twice");
        print_in_batch(&mut tx, first.id, 1, mailed_on, closed).await;
        let sha256 = "5a".repeat(32);
        let manifest = b"reference,name,postal_code,address,pages\r\n".to_vec();
        let fingerprints = vec![(batch.letters[0].letter_id, "ab".repeat(32))];
        batches::store_print_file(&mut tx, batch.id, "print/batch-1.pdf", &sha256, &manifest, &fingerprints).await.unwrap();
        let planned_before_mailing = batches::planned_mailing_of(&mut tx, first.id, 1).await.unwrap();
        let planned_for_no_such_letter = batches::planned_mailing_of(&mut tx, first.id, 2).await.unwrap();
        let mailed = batches::mark_batch_mailed(&mut tx, batch.id, mailed_on, &actor, t0() + Duration::hours(7)).await.unwrap();
        let planned_after_mailing = batches::planned_mailing_of(&mut tx, first.id, 1).await.unwrap();
        let again = batches::mark_batch_mailed(&mut tx, batch.id, mailed_on, &actor, t0() + Duration::hours(7)).await;
        tx.commit().await.unwrap();

        assert!(matches!(again, Err(StoreError::BatchAlreadyMailed { .. })), "{again:?}");
        assert_eq!(planned_before_mailing, Some(mailed_on), "what the receipt says until the batch is mailed");
        assert_eq!((planned_for_no_such_letter, planned_after_mailing), (None, None));
        assert_eq!(mailed.mailed_on, Some(mailed_on));
        assert_eq!(mailed.letters[0].mailed_on, Some(mailed_on));
        assert_eq!(mailed.letters[0].fingerprint.as_deref(), Some("ab".repeat(32).as_str()));
        assert_eq!(mailed.print_sha256.as_deref(), Some(sha256.as_str()));
        let mut tx = db.store.read().await.unwrap();
        let documents = batches::batch_documents(&mut tx, batch.id).await.unwrap();
        assert_eq!(
            documents,
            BatchDocuments {
                pdf: None,
                pdf_path: Some("print/batch-1.pdf".to_owned()),
                print_sha256: Some(sha256.clone()),
                manifest: manifest.clone(),
            }
        );
        assert_eq!(batches::printed_in(&mut tx, first.id, 1).await.unwrap(), Some(sha256.clone()));
        assert_eq!(batches::printed_in(&mut tx, second.id, 1).await.unwrap(), None, "its batch wrote no file");
        drop(tx);
        // The caller moves the case on; the batch's mailing date is kept.
        let first = reload(&db, first.id).await;
        assert!(first.core.letters()[0].has_code(), "printed in the batch's transaction");
        let moved = mark_mailed(&db.store, &first, mailed_on, t0() + Duration::hours(8)).await;
        assert_eq!(moved.core.state(), CaseState::InquiryMailed);
        let mut tx = db.store.read().await.unwrap();
        let letter = cases::letters_of_case(&mut tx, first.id).await.unwrap().remove(0);
        assert_eq!((letter.mailed_on, letter.batch_id), (Some(mailed_on), Some(batch.id)));
        assert!(letter.code_mac.is_some());
        assert_eq!(letter.fingerprint.as_deref(), Some("ab".repeat(32).as_str()));
        assert!(audit::verify(&db.store).await.unwrap().is_intact());
    }
}

both_backends! {
    async fn a_mailed_batch_forgets_its_print_file_and_keeps_its_sha256_manifest_and_fingerprints(db) {
        let case = open_case(&db.store, t0()).await;
        issue_letter(&db.store, &case, t0() + Duration::hours(1)).await;
        let closed = t0() + Duration::hours(2);
        let planned = japan_date(t0()) + Duration::days(1);
        let mut tx = db.store.begin().await.unwrap();
        let batch = batches::create_batch(&mut tx, closed, planned, &system(), closed).await.unwrap();
        let letter_id = batch.letters[0].letter_id;
        print_in_batch(&mut tx, case.id, 1, planned, closed).await;
        let sha256 = "e3".repeat(32);
        let manifest = b"reference\r\n".to_vec();
        batches::store_print_file(&mut tx, batch.id, "print/batch-1.pdf", &sha256, &manifest, &[(letter_id, "cd".repeat(32))]).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = db.store.begin().await.unwrap();
        assert_eq!(batches::unmailed_print_files(&mut tx).await.unwrap(), vec![(batch.id, "print/batch-1.pdf".to_owned())]);
        batches::mark_batch_mailed(&mut tx, batch.id, planned, &clerk(), closed + Duration::days(1)).await.unwrap();
        assert!(batches::unmailed_print_files(&mut tx).await.unwrap().is_empty(), "a mailed batch's file may go");
        batches::discard_print_file(&mut tx, batch.id).await.unwrap();
        batches::discard_print_file(&mut tx, batch.id).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = db.store.read().await.unwrap();
        let kept = batches::batch_documents(&mut tx, batch.id).await.unwrap();
        assert_eq!((kept.pdf, kept.pdf_path), (None, None), "forgotten, and forgetting again changes nothing");
        assert_eq!(kept.print_sha256.as_deref(), Some(sha256.as_str()));
        assert_eq!(kept.manifest, manifest);
        let batch = batches::get_batch(&mut tx, batch.id).await.unwrap();
        assert_eq!(batch.pdf_path, None);
        assert_eq!(batch.letters[0].fingerprint.as_deref(), Some("cd".repeat(32).as_str()));
        assert_eq!(batches::printed_in(&mut tx, case.id, 1).await.unwrap(), Some(sha256), "a copy still names the file");
    }
}

both_backends! {
    async fn a_letter_printed_before_print_files_is_named_by_its_own_fingerprint(db) {
        let case = open_case(&db.store, t0()).await;
        issue_letter(&db.store, &case, t0() + Duration::hours(1)).await;
        let closed = t0() + Duration::hours(2);
        let mut tx = db.store.begin().await.unwrap();
        let batch = batches::create_batch(&mut tx, closed, japan_date(t0()), &clerk(), closed).await.unwrap();
        let letter_id = batch.letters[0].letter_id;
        batches::store_print_file(&mut tx, batch.id, "print/old.pdf", &"00".repeat(32), b"", &[(letter_id, "9f".repeat(32))]).await.unwrap();
        tx.commit().await.unwrap();
        // A batch closed before print files kept no SHA-256 of a file.
        raw_sql(&db, &format!("UPDATE print_batches SET print_sha256 = NULL WHERE id = {}", batch.id)).await;

        let mut tx = db.store.read().await.unwrap();
        assert_eq!(batches::printed_in(&mut tx, case.id, 1).await.unwrap(), Some("9f".repeat(32)));
        assert_eq!(batches::printed_in(&mut tx, case.id, 2).await.unwrap(), None, "no such letter");
    }
}

both_backends! {
    async fn purging_personal_data_of_closed_cases_keeps_the_chain_verifiable(db) {
        let open = open_case(&db.store, t0()).await;
        let closing = open_case(&db.store, t0()).await;
        let boss = supervisor();
        let now = t0() + Duration::hours(1);
        db.store
            .transition(closing.id, closing.version, &boss, now, |c: &Case| {
                c.apply(Event::Cancel { reason: "申請取下げ".to_owned() }, &ctx(&boss, now))
            })
            .await
            .unwrap();

        let report = purge_closed_before(&db.store, t0() + Duration::days(1), t0() + Duration::days(400)).await;

        assert_eq!(report.cases.len(), 1, "only the closed case");
        let purged = reload(&db, closing.id).await;
        assert_eq!(purged.parties, None);
        assert!(matches!(purged.case(), Err(StoreError::Purged { .. })));
        assert!(reload(&db, open.id).await.parties.is_some());
        let mut tx = db.store.read().await.unwrap();
        let closed_events = audit::events_for_case(&mut tx, closing.id).await.unwrap();
        assert!(closed_events.iter().all(|e| e.personal.is_none()));
        assert_eq!(report.audit_events, 1, "the closed case's opening carried personal data");
        let open_events = audit::events_for_case(&mut tx, open.id).await.unwrap();
        assert!(open_events[0].personal.is_some(), "an open case keeps its history whole");
        drop(tx);
        let verified = audit::verify(&db.store).await.unwrap();
        assert!(verified.is_intact(), "{verified:?}");
    }
}

/// Set in the child process of the crash test: `case id|version`.
const CRASH_CHILD: &str = "SHOKAI_STORE_CRASH_CHILD";

/// The child: start a transition and stop dead inside it, before COMMIT.
async fn run_crash_child(db: TestDb, spec: &str) -> ! {
    let (id, version) = spec.split_once('|').unwrap();
    let store = db.store.with_before_commit_hook(std::sync::Arc::new(|| {
        use std::io::Write;
        println!("PAUSED-INSIDE-TRANSACTION");
        std::io::stdout().flush().unwrap();
        loop {
            std::thread::sleep(std::time::Duration::from_secs(60));
        }
    }));
    let actor = clerk();
    let now = t0() + Duration::hours(1);
    let _ = store
        .transition(
            id.parse().unwrap(),
            version.parse().unwrap(),
            &actor,
            now,
            |c: &Case| c.apply(Event::IssueLetter, &ctx(&actor, now)),
        )
        .await;
    unreachable!("the hook never returns");
}

both_backends! {
    async fn a_process_killed_inside_a_transition_leaves_the_old_state_and_no_audit_event(db) {
        if let Ok(spec) = std::env::var(CRASH_CHILD) {
            run_crash_child(db, &spec).await;
        }
        use tokio::io::AsyncBufReadExt;
        let case = open_case(&db.store, t0()).await;
        let backend = if db.url.starts_with("sqlite:") { "sqlite" } else { "postgres" };
        let test = format!("{}::{backend}", module_path!().trim_start_matches("store::"));

        let mut child = tokio::process::Command::new(std::env::current_exe().unwrap())
            .args([test.as_str(), "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_DB_ENV, &db.url)
            .env(CRASH_CHILD, format!("{}|{}", case.id, case.version))
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut paused = false;
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("PAUSED-INSIDE-TRANSACTION") {
                paused = true;
                break;
            }
        }
        assert!(paused, "the child reached the inside of its transaction");
        child.start_kill().unwrap(); // SIGKILL
        let status = child.wait().await.unwrap();
        assert!(!status.success());

        let after = reload(&db, case.id).await;
        assert_eq!(after, case, "the old state, untouched");
        assert_eq!(audit_count(&db, case.id).await, 1, "no audit event from the killed step");
        assert!(audit::verify(&db.store).await.unwrap().is_intact());
        // Nothing is left locked: the same step now goes through.
        let moved = issue_letter(&db.store, &case, t0() + Duration::hours(2)).await;
        assert_eq!(moved.version, case.version + 1);
        assert_eq!(audit_count(&db, case.id).await, 2);
    }
}

/// Opens a proxy case for `card`, as the workflow decides.
async fn open_for_card(
    store: &shokai_store::Store,
    card: &shokai_workflow::CardFingerprint,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<StoredCase, StoreError> {
    let mut application = crate::fixtures::proxy_application();
    application.card_fingerprint = card.clone();
    let actor = clerk();
    store
        .create_case(&actor, at, card, |reference, open_case| {
            Case::open(application, reference, open_case, &ctx(&actor, at))
        })
        .await
}

fn refused_for(err: StoreError) -> shokai_workflow::ReferenceNumber {
    match err {
        StoreError::Application(shokai_workflow::ApplicationError::CardHasOpenCase {
            reference,
        }) => reference,
        other => panic!("expected card_has_open_case, got {other:?}"),
    }
}

both_backends! {
    async fn a_second_case_for_a_card_with_an_open_case_is_refused_naming_it_until_that_case_closes(db) {
        let card = crate::fixtures::another_card();
        let first = open_for_card(&db.store, &card, t0()).await.unwrap();
        let refused = open_for_card(&db.store, &card, t0() + Duration::minutes(5)).await.unwrap_err();
        assert_eq!(refused_for(refused), first.core.reference());
        let other_card = open_for_card(&db.store, &crate::fixtures::another_card(), t0()).await;
        assert!(other_card.is_ok(), "another card is not held up");

        let at = t0() + Duration::minutes(10);
        db.store
            .transition(first.id, first.version, &supervisor(), at, |c: &Case| {
                c.apply(Event::Cancel { reason: "申請者の申出".to_owned() }, &ctx(&supervisor(), at))
            })
            .await
            .unwrap();
        let again = open_for_card(&db.store, &card, t0() + Duration::minutes(15)).await.unwrap();
        assert_ne!(again.core.reference(), first.core.reference());
    }
}

both_backends! {
    async fn eight_clerks_opening_cases_for_one_card_at_once_leave_exactly_one_open_case(db) {
        let card = crate::fixtures::another_card();
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let store = db.store.clone();
                let card = card.clone();
                tokio::spawn(async move { open_for_card(&store, &card, t0()).await })
            })
            .collect();
        let mut opened = Vec::new();
        let mut refused = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Ok(case) => opened.push(case.core.reference()),
                Err(err) => refused.push(refused_for(err)),
            }
        }
        assert_eq!(opened.len(), 1, "{opened:?}");
        assert!(refused.iter().all(|r| *r == opened[0]), "each refusal names the one open case");
        let mut tx = db.store.read().await.unwrap();
        assert_eq!(cases::open_case_for_card(&mut tx, &card).await.unwrap(), Some(opened[0]));
    }
}
