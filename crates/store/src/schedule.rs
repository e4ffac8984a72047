//! Daily jobs that must run once a day however many servers share the
//! database: whoever inserts the (job, day) row runs the job, inside the
//! same transaction as the job's own writes, so a job that fails leaves the
//! day unclaimed for the next try.

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::{Tx, args};
use crate::error::StoreError;

/// Claims `job` for `day` (a Japan date): `true` when this transaction is the
/// first to, `false` when the day's run was already claimed (committed, or
/// in a transaction that commits first).
pub async fn claim_daily_run(
    tx: &mut Tx,
    job: &str,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let inserted = tx
        .execute(
            "INSERT INTO scheduled_runs (job, run_on, claimed_at) VALUES (?, ?, ?) \
             ON CONFLICT (job, run_on) DO NOTHING",
            args![job, day, now],
        )
        .await?;
    Ok(inserted == 1)
}
