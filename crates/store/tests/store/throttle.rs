//! Failure throttles and job leases, shared by every server on one database.

use chrono::Duration;
use shokai_store::throttle::{
    Reservation, ThrottleKey, ThrottlePolicy, clear, release_leases, reserve, sweep, take_lease,
};

use crate::both_backends;
use crate::fixtures::t0;

const POLICY: ThrottlePolicy = ThrottlePolicy {
    free_failures: 3,
    first_delay: Duration::seconds(10),
    max_delay: Duration::minutes(5),
    forget_after: Duration::hours(1),
};

fn key(name: &str) -> ThrottleKey {
    ThrottleKey::new("login_pair", name, POLICY)
}

fn seconds(s: i64) -> chrono::DateTime<chrono::Utc> {
    t0() + Duration::seconds(s)
}

both_backends! {
    async fn a_key_takes_its_free_failures_then_waits_longer_after_each_further_one(db) {
        let sato = [key("sato")];
        for s in 0..4 {
            assert_eq!(reserve(&db.store, &sato, seconds(s)).await.unwrap(), Reservation::Granted, "try {s}");
        }
        // The fourth failure blocked the key for 10 s; a try inside is refused…
        let refused = reserve(&db.store, &sato, seconds(5)).await.unwrap();
        assert_eq!(refused, Reservation::Refused { until: seconds(13), scope: "login_pair" });
        // …and not counted: the block still ends at 13 s, and the next one is 20 s.
        assert_eq!(reserve(&db.store, &sato, seconds(13)).await.unwrap(), Reservation::Granted);
        let twice = reserve(&db.store, &sato, seconds(14)).await.unwrap();
        assert_eq!(twice, Reservation::Refused { until: seconds(33), scope: "login_pair" });
        // Another key is not affected.
        assert_eq!(reserve(&db.store, &[key("kato")], seconds(14)).await.unwrap(), Reservation::Granted);
    }
}

both_backends! {
    async fn a_success_clears_the_count_and_an_hour_without_failure_forgets_it(db) {
        let sato = [key("sato")];
        for s in 0..4 {
            reserve(&db.store, &sato, seconds(s)).await.unwrap();
        }
        clear(&db.store, &sato).await.unwrap();
        for s in 4..8 {
            assert_eq!(reserve(&db.store, &sato, seconds(s)).await.unwrap(), Reservation::Granted, "try {s}");
        }
        assert!(matches!(reserve(&db.store, &sato, seconds(8)).await.unwrap(), Reservation::Refused { .. }));

        let an_hour_later = seconds(7) + Duration::hours(1);
        assert_eq!(sweep(&db.store, an_hour_later).await.unwrap(), 1, "the forgotten row is deleted");
        for s in 0..4 {
            let at = an_hour_later + Duration::seconds(s);
            assert_eq!(reserve(&db.store, &sato, at).await.unwrap(), Reservation::Granted, "fresh try {s}");
        }
    }
}

both_backends! {
    async fn a_try_blocked_on_one_key_counts_against_none_of_its_keys(db) {
        let pair = key("192.0.2.1 sato");
        let user = ThrottleKey::new("login_user", "sato", POLICY);
        for s in 0..4 {
            reserve(&db.store, std::slice::from_ref(&pair), seconds(s)).await.unwrap();
        }
        for s in 4..50 {
            let both = reserve(&db.store, &[pair.clone(), user.clone()], seconds(4) + Duration::milliseconds(s)).await.unwrap();
            assert!(matches!(both, Reservation::Refused { scope: "login_pair", .. }), "{both:?}");
        }
        // The user's own count is untouched: all its free failures are left.
        for s in 0..4 {
            assert_eq!(reserve(&db.store, std::slice::from_ref(&user), seconds(10 + s)).await.unwrap(), Reservation::Granted);
        }
    }
}

both_backends! {
    async fn a_burst_of_parallel_tries_gets_no_more_through_than_one_after_another(db) {
        let mut tries = Vec::new();
        for _ in 0..24 {
            let store = db.store.clone();
            tries.push(tokio::spawn(async move {
                reserve(&store, &[key("sato")], t0()).await.unwrap()
            }));
        }
        let mut granted = 0;
        for t in tries {
            if t.await.unwrap() == Reservation::Granted {
                granted += 1;
            }
        }
        assert_eq!(granted, POLICY.free_failures + 1, "the free ones and the one that set the first block");
    }
}

both_backends! {
    async fn a_job_lease_has_one_holder_until_it_runs_out_or_is_given_up(db) {
        let ttl = Duration::minutes(3);
        let a = take_lease(&db.store, "expiry", "pc-a", t0(), ttl).await.unwrap();
        let b = take_lease(&db.store, "expiry", "pc-b", seconds(60), ttl).await.unwrap();
        let a_renews = take_lease(&db.store, "expiry", "pc-a", seconds(60), ttl).await.unwrap();
        let b_other_job = take_lease(&db.store, "reminders", "pc-b", seconds(60), ttl).await.unwrap();
        let b_before_the_end = take_lease(&db.store, "expiry", "pc-b", seconds(239), ttl).await.unwrap();
        let b_after_the_end = take_lease(&db.store, "expiry", "pc-b", seconds(240), ttl).await.unwrap();
        let a_back = take_lease(&db.store, "expiry", "pc-a", seconds(241), ttl).await.unwrap();

        assert!(a && !b && a_renews && b_other_job);
        assert!(!b_before_the_end, "a's renewal at 60 s holds until 240 s");
        assert!(b_after_the_end && !a_back);

        assert_eq!(release_leases(&db.store, "pc-b").await.unwrap(), 2);
        assert!(take_lease(&db.store, "expiry", "pc-a", seconds(242), ttl).await.unwrap(), "given up: free at once");
    }
}

both_backends! {
    async fn a_try_already_blocked_is_refused_while_another_writer_holds_the_table(db) {
        use sqlx::Connection as _;
        let sato = [key("sato")];
        for s in 0..4 {
            reserve(&db.store, &sato, seconds(s)).await.unwrap();
        }
        // Another server in the middle of a write: SQLite's write lock, or a
        // PostgreSQL lock that stops every writer of the table but no reader.
        let (mut sqlite, mut postgres) = (None, None);
        if db.url.starts_with("sqlite:") {
            let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut conn).await.unwrap();
            sqlite = Some(conn);
        } else {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::raw_sql("BEGIN; LOCK TABLE throttles IN EXCLUSIVE MODE").execute(&mut conn).await.unwrap();
            postgres = Some(conn);
        }

        // Refused from a read: without it the try would wait for the lock
        // (on SQLite up to its 30 s busy timeout, on PostgreSQL for ever).
        let refused = tokio::time::timeout(std::time::Duration::from_secs(10), reserve(&db.store, &sato, seconds(5))).await;

        assert!(matches!(refused, Ok(Ok(Reservation::Refused { .. }))), "{refused:?}");
        drop((sqlite, postgres));
    }
}
