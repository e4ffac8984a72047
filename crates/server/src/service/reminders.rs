//! Deadline reminders: which proxies to remind that their case's deadline
//! is near. The `serve` job calls [`queue_due`] every minute; the choice of
//! cases lives here, on the services' clock, so a test or the demo moves it.

use chrono::NaiveDate;
use serde_json::json;
use shokai_store::outbox::{self, NewMessage};
use shokai_store::{CaseFilter, cases};
use shokai_workflow::{Case, CaseState, Representation};

use super::batches::DEADLINE_REMINDER;
use super::error::ServiceError;
use crate::state::AppState;

/// Cases read per transaction.
const PAGE: i64 = 100;

/// Queues a `deadline_reminder` for every case waiting for its response
/// whose deadline is at most `SHOKAI_REMINDER_DAYS` away (and not yet past)
/// and whose proxy gave an e-mail address. Idempotent: the key
/// `deadline-reminder:<reference>:<letter>` makes a second pass a no-op.
/// Returns how many were newly queued.
#[tracing::instrument(skip_all)]
pub async fn queue_due(state: &AppState) -> Result<usize, ServiceError> {
    let now = state.now();
    let today = state.clock().today();
    let days = i64::from(state.settings().reminder_days);
    let due_by = today + chrono::Duration::days(days);
    let mut queued = 0;
    let mut offset = 0;
    loop {
        let mut tx = state.store().begin().await?;
        let filter = CaseFilter {
            state: Some(CaseState::InquiryMailed),
            due_by: Some(due_by),
            limit: PAGE,
            offset,
            ..CaseFilter::default()
        };
        let page = cases::list_cases(&mut tx, &filter).await?;
        for summary in &page {
            if summary.deadline.is_none_or(|d| d < today) {
                continue;
            }
            let stored = cases::get_case(&mut tx, summary.id).await?;
            let Some(message) = stored.case().ok().and_then(|case| reminder(&case, today)) else {
                continue;
            };
            if outbox::enqueue(&mut tx, &message, now).await? {
                queued += 1;
            }
        }
        tx.commit().await?;
        if i64::try_from(page.len()).unwrap_or(PAGE) < PAGE {
            return Ok(queued);
        }
        offset += PAGE;
    }
}

/// The reminder of `case`, if its proxy gave an e-mail address and its
/// current letter was mailed. The payload holds no code.
fn reminder(case: &Case, today: NaiveDate) -> Option<NewMessage> {
    let Representation::OptionalProxy(proxy) = &case.parties().representation else {
        return None;
    };
    let email = proxy.email.as_ref()?;
    let letter = case.current_letter().filter(|l| l.mailed_on.is_some())?;
    let deadline = case.deadline()?;
    let reference = case.reference().to_string();
    Some(NewMessage {
        kind: DEADLINE_REMINDER.to_owned(),
        payload: json!({
            "to": email.as_str(),
            "proxy_name": proxy.person.name(),
            "procedure": case.procedure().name_ja(),
            "reference": reference,
            "letter_number": letter.number,
            "deadline": deadline,
            "days_left": (deadline - today).num_days(),
        }),
        idempotency_key: format!("deadline-reminder:{reference}:{}", letter.number),
    })
}
