//! Expiry: every case waiting for its response (`inquiry_mailed`) whose
//! deadline (a Japan date) has passed moves to `expired`, one audited
//! transition each, with the system as the actor.
//!
//! Run by the job inside `serve` and by `shokai expire` (for cron). It is
//! idempotent (a second run finds nothing left to expire) and safe with
//! several servers on one database: each case moves by a version-checked
//! transition, so when two runs meet on a case one wins and the other is
//! told the case changed and leaves it.

use shokai_store::{Actor, CaseFilter, CaseSummary, StoreError, cases};
use shokai_workflow::{CaseState, Event, Role, TransitionError};

use super::cases::system_actor;
use super::error::ServiceError;
use crate::state::AppState;

/// Cases read per pass.
const PAGE: i64 = 200;

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ExpiryRun {
    /// References of the cases this run expired.
    pub expired: Vec<String>,
    /// Cases another run (or a clerk) changed first; left as they are.
    pub left_to_others: usize,
}

/// Expires every overdue case, as of the services' clock.
#[tracing::instrument(skip_all)]
pub async fn expire_overdue(state: &AppState) -> Result<ExpiryRun, ServiceError> {
    let today = state.clock().today();
    let actor = system_actor();
    let mut run = ExpiryRun::default();
    // Expired cases leave the filter; only the ones left behind shift the page.
    let mut offset = 0;
    loop {
        let filter = CaseFilter {
            state: Some(CaseState::InquiryMailed),
            overdue_on: Some(today),
            limit: PAGE,
            offset,
            ..CaseFilter::default()
        };
        let mut tx = state.store().read().await?;
        let page = cases::list_cases(&mut tx, &filter).await?;
        tx.commit().await?;
        let full = i64::try_from(page.len()).unwrap_or(PAGE) >= PAGE;
        for summary in page {
            if expire_one(state, &actor, &summary).await? {
                run.expired.push(summary.reference);
            } else {
                run.left_to_others += 1;
                offset += 1;
            }
        }
        if !full {
            break;
        }
    }
    if !run.expired.is_empty() {
        tracing::info!(expired = run.expired.len(), "overdue cases expired");
    }
    Ok(run)
}

/// Expires one case read as `summary`; `false` when another run or a clerk
/// changed it first.
async fn expire_one(
    state: &AppState,
    actor: &Actor,
    summary: &CaseSummary,
) -> Result<bool, ServiceError> {
    let now = state.now();
    let ctx = state.context(now, Role::System);
    let moved = state
        .store()
        .transition(summary.id, summary.version, actor, now, |case| {
            case.apply(Event::Expire, &ctx)
        })
        .await;
    match moved {
        Ok(_) => Ok(true),
        Err(
            StoreError::VersionConflict { .. }
            | StoreError::Transition(
                TransitionError::InvalidTransition { .. }
                | TransitionError::DeadlineNotPassed { .. },
            ),
        ) => Ok(false),
        Err(other) => Err(other.into()),
    }
}
