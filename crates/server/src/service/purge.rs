//! Retention: erasing the personal data of closed cases everywhere it is
//! kept (`shokai purge --closed-before DATE`, and daily in `serve` with
//! `SHOKAI_RETENTION_DAYS`).
//!
//! A case is "closed before DATE" when it is in a final state (PIN set,
//! cancelled, undeliverable, expired, failed) and its last change, the step
//! that closed it, was before 00:00 of DATE in Japan. Its parties and
//! reading, the personal data its audit events kept, its lines of every
//! 発送簿, any print file still kept with its letter, its mails' payloads
//! and its response attempts go in one transaction with one
//! `personal_data_purged` audit event (`shokai_store::personal_data::purge`
//! lists every column); the chain still verifies, because it hashed only
//! salted digests. After the commit the print files named are overwritten
//! and deleted, and SQLite's write-ahead log is checkpointed and truncated
//! so no page image from before the purge stays in it.
//!
//! Mail: only closed cases are purged, so no step still waits on a mail of
//! theirs; an unsent one (no mail configured, or failing) is given up
//! (dead-lettered, `personal_data_purged`) rather than sent with its
//! payload erased.

use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use shokai_store::personal_data::purge::{self, PurgeReport};
use shokai_store::schedule;
use shokai_store::{Actor, Store};
use shokai_workflow::case::{japan_date, japan_midnight};

use super::cases::system_actor;
use super::error::ServiceError;
use crate::infra::print_file;
use crate::state::AppState;

/// The daily job's name in `scheduled_runs`.
pub const RETENTION_JOB: &str = "retention_purge";

/// What a purge did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeOutcome {
    /// Cases closed before 00:00 of this Japan date were purged.
    pub closed_before: NaiveDate,
    /// What was erased.
    pub report: PurgeReport,
    /// Nothing was written: the transaction was rolled back.
    pub dry_run: bool,
}

/// The latest date `closed_before` may be on `today` (Japan): tomorrow, by
/// which every case closed so far is closed. A later date names nothing
/// more and is most likely a typing slip (2062 for 2026), so it is refused.
pub fn check_closed_before(closed_before: NaiveDate, today: NaiveDate) -> Result<(), ServiceError> {
    let tomorrow = today + Duration::days(1);
    if closed_before > tomorrow {
        return Err(ServiceError::invalid_ja(
            "closed_before",
            format!(
                "must be {tomorrow} (tomorrow, Japan time) or earlier: no case can close later than today"
            ),
            format!(
                "{tomorrow}（明日）より後の日付は指定できません。今日より後に終了した案件はありません。"
            ),
        ));
    }
    Ok(())
}

/// The date before which a daily run with a retention period of `days`
/// purges on `today`: a case closed more than `days` whole days ago.
pub fn retention_cutoff(today: NaiveDate, days: u32) -> NaiveDate {
    today - Duration::days(i64::from(days))
}

/// Purges every case closed before `closed_before` (a Japan date, at most
/// tomorrow) as `actor` at `now`; with `dry_run`, reports what it would
/// erase and writes nothing. It needs the database alone (not the letter's
/// font or the code keys), so a purge runs whatever else is misconfigured.
#[tracing::instrument(skip_all, fields(%closed_before, dry_run))]
pub async fn purge_closed_before(
    store: &Store,
    now: DateTime<Utc>,
    actor: &Actor,
    closed_before: NaiveDate,
    dry_run: bool,
) -> Result<PurgeOutcome, ServiceError> {
    check_closed_before(closed_before, japan_date(now))?;
    let mut tx = store.begin().await?;
    let before = japan_midnight(closed_before);
    let report = purge::purge_closed_before(&mut tx, actor, before, now).await?;
    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
        finish(store, &report).await;
    }
    Ok(PurgeOutcome {
        closed_before,
        report,
        dry_run,
    })
}

/// The daily run in `serve`: with `SHOKAI_RETENTION_DAYS` set, purges the
/// cases closed more than that many days ago, once a Japan day however many
/// servers share the database (the day is claimed in the purge's own
/// transaction, so a failed run leaves it to the next try). `None` when
/// there is no retention period or the day's run was done.
#[tracing::instrument(skip_all)]
pub async fn purge_daily(state: &AppState) -> Result<Option<PurgeOutcome>, ServiceError> {
    let Some(days) = state.settings().retention_days else {
        return Ok(None);
    };
    let now = state.now();
    let today = japan_date(now);
    let closed_before = retention_cutoff(today, days);
    let mut tx = state.store().begin().await?;
    if !schedule::claim_daily_run(&mut tx, RETENTION_JOB, today, now).await? {
        return Ok(None);
    }
    let before = japan_midnight(closed_before);
    let report = purge::purge_closed_before(&mut tx, &system_actor(), before, now).await?;
    tx.commit().await?;
    finish(state.store(), &report).await;
    Ok(Some(PurgeOutcome {
        closed_before,
        report,
        dry_run: false,
    }))
}

/// After the commit: deletes the print files the purge forgot and settles
/// the database files. The erasure has committed, so a failure here is
/// logged, not returned (the sweep and the next purge finish the job).
async fn finish(store: &Store, report: &PurgeReport) {
    for file in &report.print_files {
        if let Err(e) = print_file::delete(Path::new(file)) {
            tracing::error!(error = %e, "a purged batch's print file could not be deleted");
        }
    }
    if !report.print_batches.is_empty() {
        tracing::warn!(
            batches = ?report.print_batches,
            "print files of batches never marked mailed were deleted by the retention purge"
        );
    }
    if let Err(e) = purge::settle(store).await {
        tracing::warn!(error = %e, "the database's write-ahead log was not truncated after the purge");
    }
    if !report.cases.is_empty() {
        tracing::info!(
            cases = report.cases.len(),
            "personal data of closed cases purged"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn closed_before_may_be_any_day_up_to_tomorrow_and_no_later() {
        let today = day("2026-12-10");
        assert!(check_closed_before(day("2020-01-01"), today).is_ok());
        assert!(check_closed_before(day("2026-12-11"), today).is_ok());
        let refused = check_closed_before(day("2026-12-12"), today).unwrap_err();
        assert_eq!(refused.field().as_deref(), Some("closed_before"));
    }

    #[test]
    fn a_retention_of_seven_days_purges_what_closed_eight_or_more_days_ago() {
        // Closed on 2 December: 8 days ago on the 10th, before the 3rd.
        assert_eq!(retention_cutoff(day("2026-12-10"), 7), day("2026-12-03"));
    }

    use crate::service::cases;
    use crate::testing::{TestDb, jst, proxy_intake, staff};
    use shokai_workflow::{Event, Role};

    /// A case opened at the clock's time and cancelled at once by a supervisor.
    async fn cancelled_case(state: &AppState) -> String {
        let clerk = staff(state, "clerk", Role::Clerk).await;
        let boss = staff(state, "boss", Role::Supervisor).await;
        crate::testing::insert_new_card(state);
        let case = cases::open(state, &clerk, proxy_intake()).await.unwrap();
        let cancel = Event::Cancel {
            reason: "申請取下げ".to_owned(),
        };
        cases::apply(state, &boss, case.id, case.version, cancel)
            .await
            .unwrap();
        case.reference
    }

    /// Cancelled on Tuesday 1 December 2026; kept for 7 days.
    async fn two_servers_purge_a_case_once_the_day_after_its_retention_ends(db: TestDb) {
        let retention = [("SHOKAI_RETENTION_DAYS", "7")];
        let (one, clock) = db.state_with(jst("2026-12-01 10:00"), &retention).await;
        let (two, other_clock) = db.state_with(jst("2026-12-01 10:00"), &retention).await;
        let reference = cancelled_case(&one).await;

        clock.set(jst("2026-12-08 23:59"));
        let seventh_day = purge_daily(&one).await.unwrap();
        let again = purge_daily(&one).await.unwrap();
        clock.set(jst("2026-12-09 00:01"));
        other_clock.set(jst("2026-12-09 00:01"));
        let (a, b) = tokio::join!(purge_daily(&one), purge_daily(&two));

        let seventh_day = seventh_day.expect("the day's run happens, purging nothing");
        assert!(
            seventh_day.report.cases.is_empty(),
            "closed 7 days ago: kept"
        );
        assert_eq!(seventh_day.closed_before, day("2026-12-01"));
        assert!(again.is_none(), "once a day");
        let runs: Vec<PurgeOutcome> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
        assert_eq!(runs.len(), 1, "exactly one server runs the day's purge");
        assert_eq!(runs[0].report.cases, vec![reference]);
        assert!(
            shokai_store::audit::verify(one.store())
                .await
                .unwrap()
                .is_intact()
        );
        db.finish().await;
    }

    /// Without a retention period nothing is purged automatically, and a
    /// dry run by hand writes nothing.
    async fn without_a_retention_period_nothing_is_purged_and_a_dry_run_writes_nothing(db: TestDb) {
        let (state, clock) = db.state(jst("2026-12-01 10:00")).await;
        let reference = cancelled_case(&state).await;
        clock.set(jst("2027-12-01 10:00"));
        let actor = crate::service::users::cli_actor();

        let daily = purge_daily(&state).await.unwrap();
        let dry = purge_closed_before(state.store(), state.now(), &actor, day("2027-12-02"), true)
            .await
            .unwrap();
        let real =
            purge_closed_before(state.store(), state.now(), &actor, day("2027-12-02"), false)
                .await
                .unwrap();

        assert!(daily.is_none());
        assert_eq!(dry.report.cases, vec![reference.clone()]);
        assert_eq!(
            real.report.cases,
            vec![reference],
            "the dry run left it to purge"
        );
        assert!(matches!(
            purge_closed_before(state.store(), state.now(), &actor, day("2027-12-03"), false).await,
            Err(ServiceError::Invalid { .. })
        ));
        db.finish().await;
    }

    crate::testing::on_both_backends!(
        two_servers_purge_a_case_once_the_day_after_its_retention_ends,
        without_a_retention_period_nothing_is_purged_and_a_dry_run_writes_nothing
    );
}
