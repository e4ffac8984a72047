//! The background jobs of `shokai serve`: the outbox worker (delivers queued
//! mail through the configured transport), the deadline reminders (queues a
//! reminder for each proxy whose case's deadline is near), the expiry
//! (moves cases past their deadline to `expired`) and the batch cut-off
//! (closes the day's print batch at `SHOKAI_BATCH_CUTOFF`) and, when
//! `SHOKAI_AUDIT_SIGNING_KEY` is set, the daily signed audit checkpoint, and
//! the session clean-up (expired, idle and revoked sessions deleted each
//! minute), and with `SHOKAI_RETENTION_DAYS` the daily retention purge.
//! They run as tokio tasks, call services for every decision, and stop
//! when the server shuts down gracefully.
//!
//! Error policy: a failing pass is logged (with `anyhow` context) and the job
//! carries on after a pause; a message that cannot be sent is retried with
//! backoff by the store and dead-lettered after too many failures.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use shokai_store::Store;
use shokai_store::outbox::{self, RetryPolicy};
use shokai_store::throttle;
use shokai_workflow::letter::documents_ja;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::infra::mail::{ConfiguredMailer, MailError, MailTemplates, OutboxSender};
use crate::service::{batches, checkpoints, expiry, reminders, session};
use crate::state::AppState;

/// How often the worker looks for due mail when it found none.
const IDLE: Duration = Duration::from_secs(2);
/// How often the reminder job looks for cases near their deadline.
const REMINDER_SCAN: Duration = Duration::from_secs(60);
/// How often the expiry job looks for cases past their deadline: a case
/// expires within a minute of its last day ending (Japan time).
const EXPIRY_SCAN: Duration = Duration::from_secs(60);
/// How often the cut-off job looks at the time: the day's batch closes
/// within a minute of `SHOKAI_BATCH_CUTOFF`.
const CUTOFF_SCAN: Duration = Duration::from_secs(60);
/// How often the checkpoint job looks at the date: the day's checkpoint is
/// made within a minute of midnight (Japan time), or of start-up.
const CHECKPOINT_SCAN: Duration = Duration::from_secs(60);
/// How often the session clean-up deletes expired, idle and revoked sessions.
const SESSION_SCAN: Duration = Duration::from_secs(60);
/// Pause after a failed pass (the database may be away briefly).
const AFTER_ERROR: Duration = Duration::from_secs(10);

/// How long a periodic job's lease lasts. Each pass renews it (the passes
/// are a minute apart), so it only runs out when its server stops passing:
/// another server takes the job over within this time of a crash, and at
/// once after a graceful stop (which gives the leases up).
const LEASE: chrono::Duration = chrono::Duration::minutes(3);

/// Tells the background jobs to stop; [`Jobs::stop`] waits for them.
pub struct Jobs {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    state: AppState,
}

impl Jobs {
    /// Starts the reminder job, and the mail worker when mail is configured
    /// (without it, queued mail waits in the outbox).
    pub fn start(state: &AppState, templates: Arc<MailTemplates>) -> Result<Jobs, MailError> {
        let store = state.store();
        let mail = state.settings().mail.as_ref();
        let office = &state.settings().office;
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        if let Some(settings) = mail {
            let mailer = ConfiguredMailer::new(settings)?;
            let documents = documents_ja(&state.workflow().id_proxy_response);
            let sender = OutboxSender::new(mailer, templates, settings, office.clone(), documents)?;
            tasks.push(tokio::spawn(deliver(
                store.clone(),
                sender,
                stopped.clone(),
            )));
        }
        tasks.push(tokio::spawn(remind(state.clone(), stopped.clone())));
        tasks.push(tokio::spawn(expire(state.clone(), stopped.clone())));
        tasks.push(tokio::spawn(clean_sessions(state.clone(), stopped.clone())));
        if state.settings().audit_checkpoints.is_some() {
            tasks.push(tokio::spawn(checkpoint(state.clone(), stopped.clone())));
        }
        tasks.push(tokio::spawn(retention(state.clone(), stopped.clone())));
        tasks.push(tokio::spawn(cut_off(state.clone(), stopped)));
        Ok(Jobs {
            stop,
            tasks,
            state: state.clone(),
        })
    }

    /// Asks every job to stop after its current step, waits for it, and
    /// gives up this server's job leases.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "a background job ended abnormally");
            }
        }
        let store = self.state.store();
        if let Err(e) = throttle::release_leases(store, self.state.instance()).await {
            tracing::warn!(error = %e, "job leases not given up; they run out by themselves");
        }
    }
}

/// Whether this server runs `job`'s pass now: it holds (or just took) the
/// job's lease. With several servers on one database, each minute job runs
/// on one of them at a time; the others skip their passes until its lease
/// runs out. A database error skips the pass too (logged).
async fn holds_lease(state: &AppState, job: &str) -> bool {
    match throttle::take_lease(state.store(), job, state.instance(), state.now(), LEASE).await {
        Ok(held) => held,
        Err(e) => {
            let e = anyhow::Error::new(e).context("job lease");
            tracing::error!(
                job,
                error = format!("{e:#}"),
                "could not take the job's lease"
            );
            false
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

/// Closes the day's print batch at the cut-off (once a day, on open days),
/// and deletes print files a crash left behind (each minute).
async fn cut_off(state: AppState, stopped: watch::Receiver<bool>) {
    loop {
        if !holds_lease(&state, "batch_cutoff").await {
            // Another server closes the batches and sweeps the shared print directory.
        } else if let Err(e) = batches::close_at_cutoff(&state).await {
            let e = anyhow::Error::new(e).context("batch cut-off");
            tracing::error!(error = format!("{e:#}"), "batch cut-off failed");
        }
        if let Err(e) = batches::sweep_print_files(&state).await {
            let e = anyhow::Error::new(e).context("print-file sweep");
            tracing::error!(error = format!("{e:#}"), "print-file sweep failed");
        }
        tokio::select! {
            () = until_stopped(stopped.clone()) => return,
            () = tokio::time::sleep(CUTOFF_SCAN) => {}
        }
    }
}

/// Signs the audit chain's head once a day (see [`checkpoints`]).
async fn checkpoint(state: AppState, stopped: watch::Receiver<bool>) {
    loop {
        let made = if holds_lease(&state, "audit_checkpoint").await {
            checkpoints::make_daily(&state).await
        } else {
            Ok(None)
        };
        match made {
            Ok(Some(path)) => tracing::info!(file = %path.display(), "audit checkpoint signed"),
            Ok(None) => {}
            Err(e) => {
                let e = anyhow::Error::new(e).context("audit checkpoint");
                tracing::error!(error = format!("{e:#}"), "audit checkpoint failed");
            }
        }
        tokio::select! {
            () = until_stopped(stopped.clone()) => return,
            () = tokio::time::sleep(CHECKPOINT_SCAN) => {}
        }
    }
}

/// Expires the cases past their deadline, at start-up and every minute.
async fn expire(state: AppState, stopped: watch::Receiver<bool>) {
    loop {
        if !holds_lease(&state, "expiry").await {
            // Another server expires the cases this minute.
        } else if let Err(e) = expiry::expire_overdue(&state).await {
            let e = anyhow::Error::new(e).context("expiry");
            tracing::error!(error = format!("{e:#}"), "expiry pass failed");
        }
        tokio::select! {
            () = until_stopped(stopped.clone()) => return,
            () = tokio::time::sleep(EXPIRY_SCAN) => {}
        }
    }
}

/// Deletes the sessions that no longer work and the throttles' forgotten
/// rows, at start-up and every minute (lookups ignore them anyway; this
/// keeps the tables small).
async fn clean_sessions(state: AppState, stopped: watch::Receiver<bool>) {
    loop {
        let cleaned = if holds_lease(&state, "session_cleanup").await {
            session::delete_expired(&state).await
        } else {
            Ok(0)
        };
        match cleaned {
            Ok(0) => {}
            Ok(deleted) => tracing::debug!(deleted, "expired sessions deleted"),
            Err(e) => {
                let e = anyhow::Error::new(e).context("session clean-up");
                tracing::error!(error = format!("{e:#}"), "session clean-up failed");
            }
        }
        tokio::select! {
            () = until_stopped(stopped.clone()) => return,
            () = tokio::time::sleep(SESSION_SCAN) => {}
        }
    }
}

async fn remind(state: AppState, stopped: watch::Receiver<bool>) {
    loop {
        let queued = if holds_lease(&state, "deadline_reminders").await {
            reminders::queue_due(&state).await
        } else {
            Ok(0)
        };
        match queued {
            Ok(0) => {}
            Ok(queued) => tracing::info!(queued, "deadline reminders queued"),
            Err(e) => {
                let e = anyhow::Error::new(e).context("deadline reminders");
                tracing::error!(error = format!("{e:#}"), "deadline reminder pass failed");
            }
        }
        tokio::select! {
            () = until_stopped(stopped.clone()) => return,
            () = tokio::time::sleep(REMINDER_SCAN) => {}
        }
    }
}

/// How often the retention job looks at the date: the day's purge runs
/// within a minute of midnight (Japan time), or of start-up.
const RETENTION_SCAN: Duration = Duration::from_secs(60);

/// With `SHOKAI_RETENTION_DAYS` set, purges the personal data of the cases
/// closed more than that many days ago, once a Japan day (the day is
/// claimed in `scheduled_runs`, so one server of several does it); without
/// it, ends at once.
async fn retention(state: AppState, stopped: watch::Receiver<bool>) {
    if state.settings().retention_days.is_none() {
        return;
    }
    loop {
        match crate::service::purge::purge_daily(&state).await {
            Ok(Some(run)) if !run.report.cases.is_empty() => tracing::info!(
                cases = run.report.cases.len(),
                closed_before = %run.closed_before,
                "retention purge done"
            ),
            Ok(_) => {}
            Err(e) => {
                let e = anyhow::Error::new(e).context("retention purge");
                tracing::error!(error = format!("{e:#}"), "retention purge failed");
            }
        }
        tokio::select! {
            () = until_stopped(stopped.clone()) => return,
            () = tokio::time::sleep(RETENTION_SCAN) => {}
        }
    }
}
