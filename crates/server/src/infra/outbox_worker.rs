//! The background jobs of `shokai serve`: the outbox worker (delivers queued
//! mail through the configured transport) and the deadline reminders (queues
//! a reminder for each proxy whose case's deadline is near). Both run as
//! tokio tasks and stop when the server shuts down gracefully.
//!
//! Error policy: a failing pass is logged (with `anyhow` context) and the job
//! carries on after a pause; a message that cannot be sent is retried with
//! backoff by the store and dead-lettered after too many failures.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde_json::json;
use shokai_store::outbox::{self, NewMessage, RetryPolicy};
use shokai_store::{CaseFilter, Store, cases};
use shokai_workflow::case::japan_date;
use shokai_workflow::{CaseState, Representation};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::mail::{ConfiguredMailer, MailError, MailTemplates, OutboxSender};
use crate::service::batches::DEADLINE_REMINDER;
use crate::settings::{MailSettings, Office};

/// How often the worker looks for due mail when it found none.
const IDLE: Duration = Duration::from_secs(2);
/// How often the reminder job looks for cases near their deadline.
const REMINDER_SCAN: Duration = Duration::from_secs(60);
/// Pause after a failed pass (the database may be away briefly).
const AFTER_ERROR: Duration = Duration::from_secs(10);

/// Tells the background jobs to stop; [`Jobs::stop`] waits for them.
pub struct Jobs {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Jobs {
    /// Starts the reminder job, and the mail worker when mail is configured
    /// (without it, queued mail waits in the outbox).
    pub fn start(
        store: &Store,
        mail: Option<&MailSettings>,
        templates: Arc<MailTemplates>,
        office: &Office,
        reminder_days: u32,
    ) -> Result<Jobs, MailError> {
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        if let Some(settings) = mail {
            let mailer = ConfiguredMailer::new(settings)?;
            let sender =
                OutboxSender::new(mailer, templates, store.clone(), settings, office.clone())?;
            tasks.push(tokio::spawn(deliver(
                store.clone(),
                sender,
                stopped.clone(),
            )));
        }
        tasks.push(tokio::spawn(remind(store.clone(), reminder_days, stopped)));
        Ok(Jobs { stop, tasks })
    }

    /// Asks every job to stop after its current step and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "a background job ended abnormally");
            }
        }
    }
}

async fn until_stopped(mut stopped: watch::Receiver<bool>) {
    // An error means the sender is gone, which also means "stop".
    let _ = stopped.wait_for(|stop| *stop).await;
}

async fn deliver(
    store: Store,
    sender: OutboxSender<ConfiguredMailer>,
    stopped: watch::Receiver<bool>,
) {
    let policy = RetryPolicy::default();
    loop {
        let run = outbox::run_worker(
            &store,
            &sender,
            &policy,
            IDLE,
            until_stopped(stopped.clone()),
        );
        match run.await.context("outbox worker") {
            Ok(()) => return,
            Err(e) => tracing::error!(error = format!("{e:#}"), "mail delivery pass failed"),
        }
        tokio::select! {
            () = until_stopped(stopped.clone()) => return,
            () = tokio::time::sleep(AFTER_ERROR) => {}
        }
    }
}

async fn remind(store: Store, reminder_days: u32, stopped: watch::Receiver<bool>) {
    loop {
        match enqueue_due_reminders(&store, reminder_days, Utc::now()).await {
            Ok(0) => {}
            Ok(queued) => tracing::info!(queued, "deadline reminders queued"),
            Err(e) => tracing::error!(error = format!("{e:#}"), "deadline reminder pass failed"),
        }
        tokio::select! {
            () = until_stopped(stopped.clone()) => return,
            () = tokio::time::sleep(REMINDER_SCAN) => {}
        }
    }
}

/// Queues a `deadline_reminder` for every case waiting for its response
/// whose deadline is at most `reminder_days` away (and not yet past) and
/// whose proxy gave an e-mail address. Idempotent: the key
/// `deadline-reminder:<reference>:<letter>` makes a second pass a no-op.
/// Returns how many were newly queued.
pub async fn enqueue_due_reminders(
    store: &Store,
    reminder_days: u32,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let today = japan_date(now);
    let due_by = today + chrono::Duration::days(i64::from(reminder_days));
    let mut queued = 0;
    let mut offset = 0;
    loop {
        let mut tx = store.begin().await.context("begin")?;
        let filter = CaseFilter {
            state: Some(CaseState::InquiryMailed),
            due_by: Some(due_by),
            limit: 100,
            offset,
            ..CaseFilter::default()
        };
        let page = cases::list_cases(&mut tx, &filter)
            .await
            .context("list cases")?;
        for summary in &page {
            if summary.deadline.is_none_or(|d| d < today) {
                continue;
            }
            let stored = cases::get_case(&mut tx, summary.id)
                .await
                .context("read case")?;
            let Some(message) = stored.case().ok().and_then(|case| reminder(&case, today)) else {
                continue;
            };
            if outbox::enqueue(&mut tx, &message, now)
                .await
                .context("enqueue")?
            {
                queued += 1;
            }
        }
        tx.commit().await.context("commit")?;
        if page.len() < 100 {
            return Ok(queued);
        }
        offset += 100;
    }
}

fn reminder(case: &shokai_workflow::Case, today: chrono::NaiveDate) -> Option<NewMessage> {
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
            "reference": reference,
            "letter_number": letter.number,
            "deadline": deadline,
            "days_left": (deadline - today).num_days(),
        }),
        idempotency_key: format!("deadline-reminder:{reference}:{}", letter.number),
    })
}
