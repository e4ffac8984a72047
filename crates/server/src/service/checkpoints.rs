//! The daily signed audit checkpoint (see [`shokai_store::checkpoint`]):
//! once a Japan day, however many servers share the database, the chain
//! head is signed with the auditors' key and written to
//! `SHOKAI_AUDIT_CHECKPOINT_DIR`. The day is claimed in the same transaction
//! (as the batch cut-off does), so a failed signing or write leaves it
//! unclaimed for the next minute's try. With `SHOKAI_AUDIT_CHECKPOINT_MAIL`
//! the file is also queued, in that transaction, for mail to the audit
//! staff (outbox kind `audit_checkpoint`, the file attached), so a copy
//! leaves the server even if nobody collects the directory.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::json;
use shokai_store::checkpoint::{self, Checkpoint, KeyError};
use shokai_store::outbox::{self, NewMessage};
use shokai_store::{Store, StoreError, Tx, schedule};
use shokai_workflow::case::japan_date;

use crate::infra::mail::AUDIT_CHECKPOINT;
use crate::settings::AuditCheckpoints;
use crate::state::AppState;

/// The `scheduled_runs` job name.
pub const CHECKPOINT_JOB: &str = "audit_checkpoint";

/// Why the day's checkpoint was not made.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointJobError {
    /// The key file is gone or damaged.
    #[error("audit signing key: {0}")]
    Key(#[from] KeyError),
    /// The database failed.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// The checkpoint file could not be written.
    #[error("cannot write a checkpoint into {dir}")]
    Write {
        /// The directory.
        dir: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
}

/// Makes today's checkpoint if a key is configured and no server has made
/// it yet. Returns the file written, if any.
pub async fn make_daily(state: &AppState) -> Result<Option<PathBuf>, CheckpointJobError> {
    match &state.settings().audit_checkpoints {
        Some(settings) => make_daily_with(state.store(), settings, state.now()).await,
        None => Ok(None),
    }
}

/// [`make_daily`] with its parts spelled out.
pub async fn make_daily_with(
    store: &Store,
    settings: &AuditCheckpoints,
    now: DateTime<Utc>,
) -> Result<Option<PathBuf>, CheckpointJobError> {
    let mut tx = store.begin().await?;
    if !schedule::claim_daily_run(&mut tx, CHECKPOINT_JOB, japan_date(now), now).await? {
        return Ok(None);
    }
    let (path, _) = sign_in(&mut tx, settings, now).await?;
    tx.commit().await?;
    Ok(Some(path))
}

/// Signs the head now, whatever the day (`shokai audit checkpoint`): the
/// file and, with a mail address, the queued mail. Returns the file and
/// the checkpoint.
pub async fn sign_now(
    store: &Store,
    settings: &AuditCheckpoints,
    now: DateTime<Utc>,
) -> Result<(PathBuf, Checkpoint), CheckpointJobError> {
    let mut tx = store.begin().await?;
    let signed = sign_in(&mut tx, settings, now).await?;
    tx.commit().await?;
    Ok(signed)
}

/// Signs the head as `tx` sees it, writes the file and queues its mail in `tx`.
async fn sign_in(
    tx: &mut Tx,
    settings: &AuditCheckpoints,
    now: DateTime<Utc>,
) -> Result<(PathBuf, Checkpoint), CheckpointJobError> {
    let key = checkpoint::read_signing_key(&settings.signing_key)?;
    let head = checkpoint::head(tx).await?;
    let signed = Checkpoint::sign(&key, &head, now);
    let path = signed
        .write_to(&settings.dir)
        .map_err(|source| CheckpointJobError::Write {
            dir: settings.dir.clone(),
            source,
        })?;
    if let Some(to) = &settings.mail_to {
        outbox::enqueue(tx, &mail(&signed, to), now).await?;
    }
    Ok((path, signed))
}

/// The mail carrying `signed` (as its file is named) to `to`. The key makes a
/// second queueing of one checkpoint a no-op.
fn mail(signed: &Checkpoint, to: &str) -> NewMessage {
    let file_name = signed.file_name();
    NewMessage {
        kind: AUDIT_CHECKPOINT.to_owned(),
        payload: json!({
            "to": to,
            "seq": signed.seq,
            "hash": signed.hash,
            "time": signed.time,
            "file_name": file_name,
            "checkpoint": signed.file_text(),
        }),
        idempotency_key: format!("audit-checkpoint:{file_name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TestDb, jst};
    use shokai_store::checkpoint::CheckpointFile;

    async fn one_a_day_and_it_verifies(db: TestDb) {
        let (state, _clock) = db.state(jst("2026-11-30 09:00")).await;
        let key_file = db.dir.path().join("audit.key");
        let key = checkpoint::generate_signing_key();
        checkpoint::write_key_files(&key_file, &key).unwrap();
        let settings = AuditCheckpoints {
            signing_key: key_file,
            dir: db.dir.path().join("checkpoints"),
            mail_to: None,
        };
        let store = state.store();

        let first = make_daily_with(store, &settings, jst("2026-11-30 00:01")).await;
        let again = make_daily_with(store, &settings, jst("2026-11-30 23:59")).await;
        let next_day = make_daily_with(store, &settings, jst("2026-12-01 00:01")).await;

        assert!(first.unwrap().is_some(), "the day's checkpoint");
        assert!(again.unwrap().is_none(), "once a day");
        assert!(next_day.unwrap().is_some(), "and again the next day");
        let files: Vec<CheckpointFile> = checkpoint::read_dir(&settings.dir).unwrap();
        assert_eq!(files.len(), 2);
        let report = checkpoint::verify_against_chain(store, &files, &key.verifying_key())
            .await
            .unwrap();
        assert_eq!(report.failure, None);
        assert_eq!(report.agreed, 2);
        db.finish().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_daily_checkpoint_is_made_once_a_day_and_verifies_on_sqlite() {
        one_a_day_and_it_verifies(TestDb::sqlite()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_daily_checkpoint_is_made_once_a_day_and_verifies_on_postgres() {
        if let Some(db) = TestDb::postgres().await {
            one_a_day_and_it_verifies(db).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_day_whose_signing_failed_is_signed_at_the_next_try() {
        let db = TestDb::sqlite();
        let (state, _clock) = db.state(jst("2026-11-30 09:00")).await;
        let settings = AuditCheckpoints {
            signing_key: db.dir.path().join("audit.key"),
            dir: db.dir.path().join("checkpoints"),
            mail_to: None,
        };
        let store = state.store();

        let without_the_key = make_daily_with(store, &settings, jst("2026-11-30 00:01")).await;
        let key = checkpoint::generate_signing_key();
        checkpoint::write_key_files(&settings.signing_key, &key).unwrap();
        let next_minute = make_daily_with(store, &settings, jst("2026-11-30 00:02")).await;

        assert!(matches!(without_the_key, Err(CheckpointJobError::Key(_))));
        assert!(next_minute.unwrap().is_some(), "the day was left unclaimed");
        db.finish().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn without_a_key_no_checkpoint_is_made() {
        let db = TestDb::sqlite();
        let (state, _clock) = db.state(jst("2026-11-30 09:00")).await;

        assert!(make_daily(&state).await.unwrap().is_none());
    }
}
