//! Daily jobs claimed once per Japan date, however many servers ask.

use shokai_store::schedule::claim_daily_run;

use crate::both_backends;
use crate::fixtures::t0;

both_backends! {
    async fn a_daily_job_is_claimed_once_a_day_and_again_the_next_day(db) {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let next = day.succ_opt().unwrap();

        let mut tx = db.store.begin().await.unwrap();
        let first = claim_daily_run(&mut tx, "batch_cutoff", day, t0()).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = db.store.begin().await.unwrap();
        let again = claim_daily_run(&mut tx, "batch_cutoff", day, t0()).await.unwrap();
        let other_job = claim_daily_run(&mut tx, "another_job", day, t0()).await.unwrap();
        let tomorrow = claim_daily_run(&mut tx, "batch_cutoff", next, t0()).await.unwrap();
        tx.commit().await.unwrap();

        assert!(first);
        assert!(!again, "the day's run was claimed already");
        assert!(other_job && tomorrow);
    }
}

both_backends! {
    async fn a_claim_rolled_back_leaves_the_day_for_the_next_try(db) {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let mut tx = db.store.begin().await.unwrap();
        assert!(claim_daily_run(&mut tx, "batch_cutoff", day, t0()).await.unwrap());
        drop(tx);

        let mut tx = db.store.begin().await.unwrap();
        assert!(claim_daily_run(&mut tx, "batch_cutoff", day, t0()).await.unwrap());
    }
}

both_backends! {
    async fn of_many_transactions_claiming_the_same_day_at_once_exactly_one_wins(db) {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let mut runs = Vec::new();
        for _ in 0..8 {
            let store = db.store.clone();
            runs.push(tokio::spawn(async move {
                let mut tx = store.begin().await.unwrap();
                let won = claim_daily_run(&mut tx, "batch_cutoff", day, t0()).await.unwrap();
                tx.commit().await.unwrap();
                won
            }));
        }
        let mut winners = 0;
        for run in runs {
            winners += usize::from(run.await.unwrap());
        }
        assert_eq!(winners, 1);
    }
}
