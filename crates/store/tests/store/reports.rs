//! The report queries: cases per state, overdue cases, cases whose PINs were
//! set in a period, letters issued and mailed per day.

use chrono::Duration;
use shokai_store::StoredCase;
use shokai_store::reports::{self, DayCount};
use shokai_workflow::case::japan_date;
use shokai_workflow::{Case, CaseState, Event, Path, Representation};

use crate::both_backends;
use crate::fixtures::{clerk, ctx, issue_letter, mailed_case, open_case, proxy_application, t0};
use crate::harness::TestDb;

/// An in-person case opened at `at` whose PIN is set `after` later (same day).
async fn in_person_pin_set(
    db: &TestDb,
    at: chrono::DateTime<chrono::Utc>,
    after: Duration,
) -> StoredCase {
    let actor = clerk();
    let mut application = proxy_application();
    application.representation = Representation::InPerson;
    let card = application.card_fingerprint.clone();
    let opened = db
        .store
        .create_case(&actor, at, &card.clone(), |reference, open_case| {
            Case::open(application, reference, open_case, &ctx(&actor, at))
        })
        .await
        .unwrap();
    let done = at + after;
    db.store
        .transition(opened.id, opened.version, &actor, done, |c: &Case| {
            c.apply(Event::CompletePinChange { card }, &ctx(&actor, done))
        })
        .await
        .unwrap()
}

both_backends! {
    async fn cases_are_counted_per_state_and_empty_states_are_left_out(db) {
        open_case(&db.store, t0()).await;
        open_case(&db.store, t0()).await;
        mailed_case(&db.store, t0()).await;

        let mut tx = db.store.read().await.unwrap();
        let counts = reports::count_by_state(&mut tx).await.unwrap();

        let pairs: Vec<(CaseState, i64)> = counts.iter().map(|c| (c.state, c.count)).collect();
        assert_eq!(pairs, [(CaseState::Applied, 2), (CaseState::InquiryMailed, 1)]);
    }
}

both_backends! {
    async fn a_mailed_case_is_overdue_only_from_the_day_after_its_deadline(db) {
        let mailed = mailed_case(&db.store, t0()).await;
        open_case(&db.store, t0()).await;
        let deadline = mailed.core.deadline().unwrap();

        let mut tx = db.store.read().await.unwrap();
        let on_the_day = reports::overdue_cases(&mut tx, deadline).await.unwrap();
        let next_day = reports::overdue_cases(&mut tx, deadline + Duration::days(1)).await.unwrap();

        assert!(on_the_day.is_empty());
        assert_eq!(next_day.len(), 1);
        assert_eq!(next_day[0].id, mailed.id);
        assert_eq!(next_day[0].deadline, deadline);
        assert_eq!(next_day[0].reference, mailed.core.reference().to_string());
    }
}

both_backends! {
    async fn cases_whose_pins_were_set_in_the_period_come_with_their_path_and_times(db) {
        let first = in_person_pin_set(&db, t0(), Duration::minutes(20)).await;
        let later = in_person_pin_set(&db, t0() + Duration::days(1), Duration::hours(2)).await;
        open_case(&db.store, t0()).await;

        let mut tx = db.store.read().await.unwrap();
        let day_one = reports::pins_set_between(&mut tx, t0(), t0() + Duration::hours(12)).await.unwrap();
        let both = reports::pins_set_between(&mut tx, t0(), t0() + Duration::days(2)).await.unwrap();

        assert_eq!(day_one.len(), 1);
        assert_eq!(day_one[0].id, first.id);
        assert_eq!(day_one[0].path, Path::InPerson);
        assert_eq!(day_one[0].applied_at, t0());
        assert_eq!(day_one[0].pin_set_at, t0() + Duration::minutes(20));
        let ids: Vec<i64> = both.iter().map(|c| c.id).collect();
        assert_eq!(ids, [first.id, later.id]);
    }
}

both_backends! {
    async fn letters_are_listed_by_issue_time_and_counted_by_mailing_day(db) {
        let a = mailed_case(&db.store, t0()).await;
        let b = mailed_case(&db.store, t0() + Duration::days(1)).await;
        let c = open_case(&db.store, t0()).await;
        issue_letter(&db.store, &c, t0() + Duration::hours(3)).await;

        let mut tx = db.store.read().await.unwrap();
        let issued = reports::letters_issued_between(&mut tx, t0(), t0() + Duration::hours(12)).await.unwrap();
        let first_day = japan_date(t0());
        let mailed = reports::letters_mailed_between(&mut tx, first_day, first_day + Duration::days(5)).await.unwrap();

        assert_eq!(issued, [t0() + Duration::hours(1), t0() + Duration::hours(3)], "a's letter and c's, not b's");
        assert_eq!(
            mailed,
            [
                DayCount { day: a.core.letters()[0].mailed_on.unwrap(), count: 1 },
                DayCount { day: b.core.letters()[0].mailed_on.unwrap(), count: 1 },
            ]
        );
        let none = reports::letters_mailed_between(&mut tx, first_day + Duration::days(2), first_day + Duration::days(5)).await.unwrap();
        assert!(none.is_empty());
    }
}
