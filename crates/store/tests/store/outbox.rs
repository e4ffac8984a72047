//! The outbox and its delivery worker, driven with a test sender that fails a
//! set number of times.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use shokai_store::outbox::{
    self, DeliveryReport, FailureOutcome, NewMessage, OutboxMessage, RetryPolicy, SendError, Sender,
};

use crate::both_backends;
use crate::fixtures::t0;
use crate::harness::TestDb;

/// Fails each message's first `failures` sends, then succeeds.
struct FlakySender {
    failures: usize,
    calls: Mutex<HashMap<String, usize>>,
    delivered: tokio::sync::mpsc::UnboundedSender<String>,
}

impl FlakySender {
    fn new(failures: usize) -> (Self, tokio::sync::mpsc::UnboundedReceiver<String>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let sender = Self {
            failures,
            calls: Mutex::new(HashMap::new()),
            delivered: tx,
        };
        (sender, rx)
    }

    fn calls(&self, key: &str) -> usize {
        self.calls.lock().unwrap().get(key).copied().unwrap_or(0)
    }
}

impl Sender for FlakySender {
    async fn send(&self, message: &OutboxMessage) -> Result<(), SendError> {
        let call = {
            let mut calls = self.calls.lock().unwrap();
            let count = calls.entry(message.idempotency_key.clone()).or_default();
            *count += 1;
            *count
        };
        if call <= self.failures {
            return Err(SendError(format!("smtp 451 try {call}")));
        }
        let _ = self.delivered.send(message.idempotency_key.clone());
        Ok(())
    }
}

fn message(key: &str) -> NewMessage {
    NewMessage {
        kind: "letter_mailed".to_owned(),
        payload: json!({ "reference": "R8-000001" }),
        idempotency_key: key.to_owned(),
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::seconds(10),
        max_delay: Duration::hours(1),
        lease: Duration::minutes(5),
        batch_size: 10,
    }
}

async fn enqueue(db: &TestDb, keys: &[&str], now: DateTime<Utc>) {
    let mut tx = db.store.begin().await.unwrap();
    for key in keys {
        outbox::enqueue(&mut tx, &message(key), now).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn stored(db: &TestDb, id: i64) -> OutboxMessage {
    let mut tx = db.store.read().await.unwrap();
    outbox::get(&mut tx, id).await.unwrap()
}

both_backends! {
    async fn the_same_idempotency_key_is_queued_only_once(db) {
        let mut tx = db.store.begin().await.unwrap();
        assert!(outbox::enqueue(&mut tx, &message("k1"), t0()).await.unwrap());
        assert!(!outbox::enqueue(&mut tx, &message("k1"), t0()).await.unwrap());
        tx.commit().await.unwrap();

        let claimed = outbox::claim(&db.store, &policy(), t0()).await.unwrap();
        assert_eq!(claimed.len(), 1);
    }
}

both_backends! {
    async fn a_message_that_fails_twice_is_retried_with_growing_delays_then_sent_once(db) {
        enqueue(&db, &["k1"], t0()).await;
        let (sender, _delivered) = FlakySender::new(2);
        let p = policy();

        let first = outbox::deliver_due(&db.store, &sender, &p, t0()).await.unwrap();
        assert_eq!(first, DeliveryReport { sent: 0, retried: 1, dead: 0 });
        let not_yet = outbox::deliver_due(&db.store, &sender, &p, t0() + Duration::seconds(9)).await.unwrap();
        assert_eq!(not_yet, DeliveryReport::default(), "backing off for 10 s");
        let second_at = t0() + Duration::seconds(10);
        outbox::deliver_due(&db.store, &sender, &p, second_at).await.unwrap();
        let still_not = outbox::deliver_due(&db.store, &sender, &p, second_at + Duration::seconds(19)).await.unwrap();
        assert_eq!(still_not, DeliveryReport::default(), "backing off for 20 s");
        let third = outbox::deliver_due(&db.store, &sender, &p, second_at + Duration::seconds(20)).await.unwrap();
        assert_eq!(third, DeliveryReport { sent: 1, retried: 0, dead: 0 });

        assert_eq!(sender.calls("k1"), 3);
        let row = stored(&db, 1).await;
        assert_eq!(row.attempts, 2);
        assert_eq!(row.sent_at, Some(second_at + Duration::seconds(20)));
        assert_eq!(row.last_error.as_deref(), Some("smtp 451 try 2"));
        let later = outbox::deliver_due(&db.store, &sender, &p, t0() + Duration::days(1)).await.unwrap();
        assert_eq!(later, DeliveryReport::default(), "a sent message is never sent again");
    }
}

both_backends! {
    async fn a_message_that_keeps_failing_is_dead_lettered_for_a_supervisor(db) {
        enqueue(&db, &["k1", "k2"], t0()).await;
        let (sender, _delivered) = FlakySender::new(usize::MAX);
        let p = policy();

        let mut now = t0();
        let mut dead = 0;
        for _ in 0..10 {
            dead += outbox::deliver_due(&db.store, &sender, &p, now).await.unwrap().dead;
            now += Duration::hours(2);
        }

        assert_eq!(dead, 2);
        assert_eq!(sender.calls("k1"), 4, "max_attempts sends, then no more");
        let mut tx = db.store.begin().await.unwrap();
        let letters = outbox::dead_letters(&mut tx).await.unwrap();
        assert_eq!(letters.len(), 2);
        assert!(letters.iter().all(|m| m.attempts == 4 && m.sent_at.is_none()));

        assert!(outbox::requeue_dead(&mut tx, letters[0].id, now).await.unwrap());
        tx.commit().await.unwrap();
        let again = outbox::claim(&db.store, &p, now).await.unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].attempts, 0);
    }
}

both_backends! {
    async fn a_crashed_workers_claim_lapses_when_its_lease_runs_out(db) {
        enqueue(&db, &["k1"], t0()).await;
        let p = policy();

        let crashed = outbox::claim(&db.store, &p, t0()).await.unwrap();
        assert_eq!(crashed.len(), 1);
        assert!(outbox::claim(&db.store, &p, t0() + Duration::minutes(4)).await.unwrap().is_empty());

        let retaken = outbox::claim(&db.store, &p, t0() + Duration::minutes(5)).await.unwrap();
        assert_eq!(retaken.len(), 1);
        assert_eq!(retaken[0].id, crashed[0].id);

        // The crashed worker wakes up and reports a failure: its claim is gone.
        let late = outbox::record_failure(&db.store, &crashed[0], "timeout", &p, t0() + Duration::minutes(6))
            .await
            .unwrap();
        assert_eq!(late, FailureOutcome::ClaimLost);
        assert_eq!(stored(&db, crashed[0].id).await.attempts, 0);
    }
}

both_backends! {
    async fn a_message_delivered_by_two_workers_is_recorded_as_sent_once(db) {
        enqueue(&db, &["k1"], t0()).await;
        let p = policy();
        let first = outbox::claim(&db.store, &p, t0()).await.unwrap().remove(0);
        let second = outbox::claim(&db.store, &p, t0() + Duration::minutes(6)).await.unwrap().remove(0);

        assert!(outbox::record_sent(&db.store, &second, t0() + Duration::minutes(6)).await.unwrap());
        assert!(!outbox::record_sent(&db.store, &first, t0() + Duration::minutes(7)).await.unwrap());

        assert_eq!(stored(&db, first.id).await.sent_at, Some(t0() + Duration::minutes(6)));
    }
}

both_backends! {
    async fn concurrent_claims_never_hand_out_the_same_message_twice(db) {
        let keys: Vec<String> = (0..40).map(|n| format!("k{n}")).collect();
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        enqueue(&db, &refs, t0()).await;
        let p = RetryPolicy { batch_size: 7, ..policy() };

        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let store = db.store.clone();
                tokio::spawn(async move { outbox::claim(&store, &p, t0()).await.unwrap() })
            })
            .collect();
        let mut seen = HashSet::new();
        let mut total = 0;
        for task in tasks {
            for message in task.await.unwrap() {
                total += 1;
                seen.insert(message.id);
            }
        }

        assert_eq!(total, seen.len(), "no message claimed twice");
        assert_eq!(total, 40);
    }
}

both_backends! {
    async fn the_worker_loop_delivers_queued_mail_until_shut_down(db) {
        let now = Utc::now();
        enqueue(&db, &["k1", "k2", "k3"], now).await;
        let (sender, mut delivered) = FlakySender::new(0);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();

        let store = db.store.clone();
        let worker = tokio::spawn(async move {
            outbox::run_worker(&store, &sender, &policy(), std::time::Duration::from_millis(20), async {
                let _ = stopped.await;
            })
            .await
        });
        let mut got = HashSet::new();
        while got.len() < 3 {
            got.insert(delivered.recv().await.unwrap());
        }
        stop.send(()).unwrap();
        worker.await.unwrap().unwrap();

        for id in 1..=3 {
            assert!(stored(&db, id).await.sent_at.is_some());
        }
    }
}
