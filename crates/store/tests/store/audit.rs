//! The audit chain: appends, verification, tampering, purge and export.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use shokai_store::audit::{self, ChainBreak, NewAuditEvent};
use shokai_store::canonical::{self, CanonicalEvent};

use crate::both_backends;
use crate::fixtures::t0;
use crate::harness::{TestDb, insider_sql};

pub(crate) fn event(n: i64) -> NewAuditEvent {
    NewAuditEvent {
        case_id: Some(n),
        case_reference: Some(format!("R8-{n:06}")),
        actor: Some("tanaka".to_owned()),
        role: "clerk".to_owned(),
        event: "case_opened".to_owned(),
        from_state: None,
        to_state: Some("applied".to_owned()),
        reason: Some(format!("reason {n}")),
        details: json!({ "n": n, "note": "a, \"quoted\" value" }),
        personal: Some(json!({ "name": format!("山田 {n}") })),
    }
}

async fn append_events(db: &TestDb, count: i64) {
    for n in 1..=count {
        let mut tx = db.store.begin().await.unwrap();
        audit::append(&mut tx, &event(n), t0() + Duration::minutes(n))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

/// The retention purge of everything recorded before minute 3.
pub(crate) async fn purge_before_minute_three(db: &TestDb) -> u64 {
    let mut tx = db.store.begin().await.unwrap();
    let purged = audit::purge_personal_data(
        &mut tx,
        t0() + Duration::minutes(3),
        t0() + Duration::days(400),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    purged
}

async fn first_break(db: &TestDb) -> Option<ChainBreak> {
    audit::verify(&db.store).await.unwrap().first_break
}

both_backends! {
    async fn events_appended_one_after_another_form_a_chain_that_verifies(db) {
        append_events(&db, 5).await;

        let report = audit::verify(&db.store).await.unwrap();

        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.events, 5);
        let mut tx = db.store.read().await.unwrap();
        let events = audit::events_for_case(&mut tx, 3).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].seq, 3);
        assert_eq!(events[0].recorded_at, t0() + Duration::minutes(3));
    }
}

both_backends! {
    async fn a_rolled_back_append_leaves_no_gap_in_the_sequence(db) {
        let mut tx = db.store.begin().await.unwrap();
        audit::append(&mut tx, &event(1), t0()).await.unwrap();
        tx.rollback().await.unwrap();

        append_events(&db, 2).await;

        let report = audit::verify(&db.store).await.unwrap();
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.events, 2);
    }
}

both_backends! {
    async fn an_empty_log_verifies(db) {
        let report = audit::verify(&db.store).await.unwrap();
        assert!(report.is_intact());
        assert_eq!(report.events, 0);
    }
}

both_backends! {
    async fn thirty_two_concurrent_writers_extend_one_unbroken_chain(db) {
        let tasks: Vec<_> = (1..=32)
            .map(|n| {
                let store = db.store.clone();
                tokio::spawn(async move {
                    let mut tx = store.begin().await.unwrap();
                    audit::append(&mut tx, &event(n), t0()).await.unwrap();
                    tx.commit().await.unwrap();
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }

        let report = audit::verify(&db.store).await.unwrap();
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.events, 32);
    }
}

both_backends! {
    async fn a_changed_event_is_reported_as_changed_at_its_sequence_number(db) {
        append_events(&db, 5).await;

        insider_sql(&db, "UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 3").await;

        assert!(matches!(first_break(&db).await, Some(ChainBreak::Changed { seq: 3, .. })));
    }
}

both_backends! {
    async fn a_deleted_event_is_reported_as_missing(db) {
        append_events(&db, 5).await;

        insider_sql(&db, "DELETE FROM audit_log WHERE seq = 2").await;

        assert_eq!(first_break(&db).await, Some(ChainBreak::Missing { seq: 2 }));
    }
}

both_backends! {
    async fn deleting_the_newest_event_is_noticed_through_the_chain_head(db) {
        append_events(&db, 5).await;

        insider_sql(&db, "DELETE FROM audit_log WHERE seq = 5").await;

        assert_eq!(first_break(&db).await, Some(ChainBreak::Missing { seq: 5 }));
    }
}

both_backends! {
    async fn two_swapped_events_are_reported_as_reordered(db) {
        append_events(&db, 5).await;

        insider_sql(
            &db,
            "UPDATE audit_log SET seq = -1 WHERE seq = 2; \
             UPDATE audit_log SET seq = 2 WHERE seq = 4; \
             UPDATE audit_log SET seq = 4 WHERE seq = -1;",
        )
        .await;

        assert_eq!(
            first_break(&db).await,
            Some(ChainBreak::Reordered { seq: 2, recorded_as: 4 })
        );
    }
}

both_backends! {
    async fn altered_personal_data_no_longer_matches_its_chained_digest(db) {
        append_events(&db, 3).await;

        insider_sql(&db, r#"UPDATE audit_log SET personal = '{"name":"someone else"}' WHERE seq = 2"#).await;

        assert!(matches!(first_break(&db).await, Some(ChainBreak::Changed { seq: 2, .. })));
    }
}

both_backends! {
    async fn purging_personal_data_after_retention_leaves_the_chain_verifiable(db) {
        append_events(&db, 4).await;

        let purged = purge_before_minute_three(&db).await;

        assert_eq!(purged, 2);
        let report = audit::verify(&db.store).await.unwrap();
        assert!(report.is_intact(), "{report:?}");
        let mut tx = db.store.read().await.unwrap();
        let old = audit::events_for_case(&mut tx, 1).await.unwrap().remove(0);
        assert_eq!(old.personal, None);
        assert_eq!(old.personal_salt, None);
        assert!(old.personal_digest.is_some());
        let recent = audit::events_for_case(&mut tx, 4).await.unwrap().remove(0);
        assert_eq!(recent.personal.as_deref(), Some(r#"{"name":"山田 4"}"#));
    }
}

/// Splits one RFC 4180 record (no embedded newlines in these tests).
fn parse_csv_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => fields.last_mut().unwrap().push(c),
        }
    }
    // What an auditor does to every cell before hashing (see README).
    fields
        .into_iter()
        .map(|f| shokai_workflow::csv::unescape(&f).to_owned())
        .collect()
}

fn optional(field: &str) -> Option<&str> {
    (!field.is_empty()).then_some(field)
}

both_backends! {
    async fn an_auditor_can_recompute_every_exported_hash_offline(db) {
        append_events(&db, 5).await;

        let mut csv = Vec::new();
        let written = audit::export_csv(
            &db.store,
            t0() + Duration::minutes(2),
            t0() + Duration::minutes(5),
            &mut csv,
        )
        .await
        .unwrap();

        assert_eq!(written, 3, "minutes 2, 3 and 4; the end is exclusive");
        let text = String::from_utf8(csv).unwrap();
        let text = text.strip_prefix('\u{feff}').expect("a byte-order mark for Excel");
        assert!(text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'));
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), audit::CSV_HEADER.join(","));
        let mut seqs = Vec::new();
        for line in lines {
            let f = parse_csv_line(line);
            let recorded_at = DateTime::parse_from_rfc3339(&f[2]).unwrap().with_timezone(&Utc);
            let case_id = optional(&f[3]).map(|id| id.parse().unwrap());
            let event = CanonicalEvent {
                seq: f[0].parse().unwrap(),
                recorded_at,
                case_id,
                case_reference: optional(&f[4]),
                actor: optional(&f[5]),
                role: &f[6],
                event: &f[7],
                from_state: optional(&f[8]),
                to_state: optional(&f[9]),
                reason: optional(&f[10]),
                details: &f[11],
                personal_digest: optional(&f[12]),
            };
            let prev: [u8; 32] = hex::decode(&f[14]).unwrap().try_into().unwrap();
            assert_eq!(hex::encode(canonical::chain_hash(&prev, &event)), f[15]);
            assert!(!line.contains("山田"), "personal data is not exported");
            seqs.push(event.seq);
        }
        assert_eq!(seqs, vec![2, 3, 4]);
    }
}
