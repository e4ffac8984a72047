//! The append-only triggers and the signed checkpoints: an insider who
//! rewrites the chain with fresh hashes is caught.

use chrono::Duration;
use shokai_store::audit;
use shokai_store::checkpoint::{self, Checkpoint, CheckpointFile};
use shokai_store::testing::rewrite_chain_sql;

use crate::audit::{event, purge_before_minute_three};
use crate::both_backends;
use crate::fixtures::t0;
use crate::harness::{TestDb, insider_sql, raw_sql_error};

async fn append_events(db: &TestDb, from: i64, to: i64) {
    for n in from..=to {
        let mut tx = db.store.begin().await.unwrap();
        audit::append(&mut tx, &event(n), t0() + Duration::minutes(n))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

/// The head signed now, as `shokai audit checkpoint` makes it.
async fn checkpoint_now(db: &TestDb, key: &ed25519_dalek::SigningKey) -> CheckpointFile {
    let mut tx = db.store.read().await.unwrap();
    let head = checkpoint::head(&mut tx).await.unwrap();
    let checkpoint = Checkpoint::sign(key, &head, t0() + Duration::hours(1));
    CheckpointFile {
        name: checkpoint.file_name(),
        checkpoint: Ok(checkpoint),
    }
}

/// The insider's rewrite: drops the triggers, changes the reason of event
/// `seq`, recomputes every later hash and moves the head to match.
async fn rewrite_with_fresh_hashes(db: &TestDb, seq: i64) {
    let far = |days| t0() + Duration::days(days);
    let mut tx = db.store.read().await.unwrap();
    let entries = audit::events_between(&mut tx, far(-1), far(1))
        .await
        .unwrap();
    drop(tx);
    insider_sql(db, &rewrite_chain_sql(&entries, seq, "rewritten")).await;
}

both_backends! {
    async fn an_insider_who_recomputes_every_hash_fools_verify_but_not_the_checkpoints(db) {
        let key = checkpoint::generate_signing_key();
        append_events(&db, 1, 5).await;
        let at_five = checkpoint_now(&db, &key).await;
        append_events(&db, 6, 7).await;

        rewrite_with_fresh_hashes(&db, 3).await;

        // The gap the checkpoints close: the chain alone is consistent again.
        let plain = audit::verify(&db.store).await.unwrap();
        assert!(plain.is_intact(), "{plain:?}");
        let report = checkpoint::verify_against_chain(&db.store, std::slice::from_ref(&at_five), &key.verifying_key())
            .await
            .unwrap();
        let failure = report.failure.expect("the checkpoint catches the rewrite");
        assert_eq!(failure.seq, Some(5));
        assert_eq!(failure.file, at_five.name);
        assert!(failure.to_string().contains("rewritten at or before event 5"), "{failure}");
    }
}

both_backends! {
    async fn checkpoints_of_an_untouched_chain_agree(db) {
        let key = checkpoint::generate_signing_key();
        let empty = checkpoint_now(&db, &key).await;
        append_events(&db, 1, 3).await;
        let at_three = checkpoint_now(&db, &key).await;
        append_events(&db, 4, 4).await;

        let report = checkpoint::verify_against_chain(&db.store, &[empty, at_three], &key.verifying_key())
            .await
            .unwrap();

        assert_eq!(report.failure, None);
        assert_eq!((report.agreed, report.last_seq), (2, 3));
    }
}

both_backends! {
    async fn a_checkpoint_signed_by_another_key_is_refused(db) {
        let key = checkpoint::generate_signing_key();
        let insiders_key = checkpoint::generate_signing_key();
        append_events(&db, 1, 2).await;
        let forged = checkpoint_now(&db, &insiders_key).await;

        let report = checkpoint::verify_against_chain(&db.store, &[forged], &key.verifying_key())
            .await
            .unwrap();

        let failure = report.failure.expect("refused");
        assert!(failure.problem.contains("another key"), "{failure}");
        let none = checkpoint::verify_against_chain(&db.store, &[], &key.verifying_key())
            .await
            .unwrap();
        assert!(none.failure.is_some(), "no checkpoints at all is not a pass");
    }
}

both_backends! {
    async fn the_database_refuses_to_change_or_delete_audit_events_but_the_purge_still_works(db) {
        append_events(&db, 1, 3).await;

        for sql in [
            "UPDATE audit_log SET reason = 'edited' WHERE seq = 2",
            "UPDATE audit_log SET hash = prev_hash WHERE seq = 3",
            "UPDATE audit_log SET personal = '{\"name\":\"someone else\"}' WHERE seq = 1",
            "DELETE FROM audit_log WHERE seq = 3",
        ] {
            let error = raw_sql_error(&db, sql).await;
            assert!(error.contains("append-only"), "{sql}: {error}");
        }
        if !db.url.starts_with("sqlite:") {
            let error = raw_sql_error(&db, "TRUNCATE audit_log").await;
            assert!(error.contains("append-only"), "{error}");
        }
        let purged = purge_before_minute_three(&db).await;

        assert_eq!(purged, 2);
        let report = audit::verify(&db.store).await.unwrap();
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.events, 3);
    }
}
