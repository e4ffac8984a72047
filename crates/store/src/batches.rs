//! Print batches: the letters issued before a cut-off are gathered into one
//! batch, the path and SHA-256 of its print file and its manifest are stored
//! once it is written, and marking it mailed dates every letter in it.
//! Printing and mailing each case is the caller's job, one
//! [`write_step`](crate::cases::write_step) per case in the batch's
//! transaction, so each gets its own audit event.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, NewAuditEvent};
use crate::cases::{Actor, final_states_sql};
use crate::db::{Row, Tx, args};
use crate::error::StoreError;

/// A letter in a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchLetter {
    /// Letter row id.
    pub letter_id: i64,
    /// The case.
    pub case_id: i64,
    /// The case's reference number.
    pub reference: String,
    /// Letter number within the case (1..=3).
    pub number: i64,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// SHA-256 over its printed pages, once its batch is closed.
    pub fingerprint: Option<String>,
    /// The post date, once mailed.
    pub mailed_on: Option<NaiveDate>,
}

/// A print batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrintBatch {
    /// Row id.
    pub id: i64,
    /// Letters issued before this instant were gathered.
    pub cut_off: DateTime<Utc>,
    /// When the batch was made.
    pub created_at: DateTime<Utc>,
    /// Who made it.
    pub created_by: String,
    /// Where the print file is kept until the batch is mailed.
    pub pdf_path: Option<String>,
    /// The mailing date the batch planned for (its letters' deadlines count
    /// from it); `None` for batches closed before dates were planned.
    pub planned_mailing_on: Option<NaiveDate>,
    /// SHA-256 of the print file; it stays after the file is deleted.
    pub print_sha256: Option<String>,
    /// The post date, once mailed.
    pub mailed_on: Option<NaiveDate>,
    /// Its letters, by case reference.
    pub letters: Vec<BatchLetter>,
}

/// Gathers every letter issued before `cut_off` that is in no batch, not
/// superseded, not mailed, and whose case is still open, into a new batch.
pub async fn create_batch(
    tx: &mut Tx,
    cut_off: DateTime<Utc>,
    planned_mailing_on: NaiveDate,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<PrintBatch, StoreError> {
    const GATHER: &str = concat!(
        "UPDATE letters SET batch_id = ? WHERE batch_id IS NULL AND superseded_at IS NULL \
         AND mailed_on IS NULL AND issued_at < ? \
         AND case_id IN (SELECT id FROM cases WHERE state NOT IN ",
        final_states_sql!(),
        ")"
    );
    let row = tx
        .fetch_one(
            "INSERT INTO print_batches (cut_off, created_at, created_by, letter_count, planned_mailing_on) \
             VALUES (?, ?, ?, 0, ?) RETURNING id",
            args![cut_off, now, actor.username.as_str(), planned_mailing_on],
        )
        .await?;
    let id: i64 = row.get("id")?;
    let count = tx.execute(GATHER, args![id, cut_off]).await?;
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    tx.execute(
        "UPDATE print_batches SET letter_count = ? WHERE id = ?",
        args![count, id],
    )
    .await?;
    append_batch_event(
        tx,
        actor,
        "print_batch_created",
        json!({ "batch": id, "letters": count, "planned_mailing_on": planned_mailing_on }),
        now,
    )
    .await?;
    get_batch(tx, id).await
}

/// Takes letter `letter_id` back out of batch `batch_id` (it could not be
/// printed): it waits for the next batch. Records why in the audit log.
pub async fn release_letter(
    tx: &mut Tx,
    batch_id: i64,
    letter_id: i64,
    reason: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let changed = tx
        .execute(
            "UPDATE letters SET batch_id = NULL WHERE id = ? AND batch_id = ?",
            args![letter_id, batch_id],
        )
        .await?;
    if changed != 1 {
        return Err(StoreError::NotFound {
            what: format!("letter {letter_id} in batch {batch_id}"),
        });
    }
    tx.execute(
        "UPDATE print_batches SET letter_count = letter_count - 1 WHERE id = ?",
        args![batch_id],
    )
    .await?;
    append_batch_event(
        tx,
        actor,
        "print_batch_letter_held",
        json!({ "batch": batch_id, "letter_id": letter_id, "reason": reason }),
        now,
    )
    .await
}

/// Records that `actor` downloaded the print file of batch `batch_id` (its
/// SHA-256 given): every copy of a file with codes in it is accounted for.
pub async fn record_print_download(
    tx: &mut Tx,
    batch_id: i64,
    sha256: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    append_batch_event(
        tx,
        actor,
        "print_file_downloaded",
        json!({ "batch": batch_id, "sha256": sha256 }),
        now,
    )
    .await
}

/// Appends an event that belongs to no case (a batch's, an account's).
pub(crate) async fn append_batch_event(
    tx: &mut Tx,
    actor: &Actor,
    event: &str,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let event = NewAuditEvent {
        case_id: None,
        case_reference: None,
        actor: Some(actor.username.clone()),
        role: actor.role.code().to_owned(),
        event: event.to_owned(),
        from_state: None,
        to_state: None,
        reason: None,
        details,
        personal: None,
    };
    audit::append(tx, &event, now).await?;
    Ok(())
}

/// One batch with its letters.
pub async fn get_batch(tx: &mut Tx, id: i64) -> Result<PrintBatch, StoreError> {
    let row = tx
        .fetch_optional(
            "SELECT id, cut_off, created_at, created_by, pdf_path, planned_mailing_on, print_sha256, mailed_on \
             FROM print_batches WHERE id = ?",
            args![id],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("print batch {id}"),
        })?;
    let letters = tx
        .fetch_all(
            "SELECT letters.id, letters.case_id, cases.reference, letters.number, letters.issued_at, \
             letters.fingerprint, letters.mailed_on \
             FROM letters JOIN cases ON cases.id = letters.case_id \
             WHERE letters.batch_id = ? ORDER BY cases.reference, letters.number",
            args![id],
        )
        .await?
        .iter()
        .map(batch_letter)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PrintBatch {
        id: row.get("id")?,
        cut_off: row.ts("cut_off")?,
        created_at: row.ts("created_at")?,
        created_by: row.get("created_by")?,
        pdf_path: row.get("pdf_path")?,
        planned_mailing_on: row.opt_date("planned_mailing_on")?,
        print_sha256: row.get("print_sha256")?,
        mailed_on: row.opt_date("mailed_on")?,
        letters,
    })
}

fn batch_letter(row: &Row) -> Result<BatchLetter, StoreError> {
    Ok(BatchLetter {
        letter_id: row.get("id")?,
        case_id: row.get("case_id")?,
        reference: row.get("reference")?,
        number: row.get("number")?,
        issued_at: row.ts("issued_at")?,
        fingerprint: row.get("fingerprint")?,
        mailed_on: row.opt_date("mailed_on")?,
    })
}

/// What a closed batch keeps for the print room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchDocuments {
    /// The print file's bytes, for batches closed before print files moved
    /// to disk (kept in the row until mailed).
    pub pdf: Option<Vec<u8>>,
    /// Where the print file is, until the batch is mailed.
    pub pdf_path: Option<String>,
    /// SHA-256 of the print file.
    pub print_sha256: Option<String>,
    /// The 発送簿 (CSV).
    pub manifest: Vec<u8>,
}

/// Records the print file written for batch `batch_id` (its path and
/// SHA-256), the manifest, and each printed letter's page fingerprint by
/// letter row id.
pub async fn store_print_file(
    tx: &mut Tx,
    batch_id: i64,
    path: &str,
    sha256: &str,
    manifest: &[u8],
    fingerprints: &[(i64, String)],
) -> Result<(), StoreError> {
    let changed = tx
        .execute(
            "UPDATE print_batches SET pdf_path = ?, print_sha256 = ?, manifest = ? WHERE id = ?",
            args![path, sha256, Some(manifest.to_vec()), batch_id],
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound {
            what: format!("print batch {batch_id}"),
        });
    }
    for (letter_id, fingerprint) in fingerprints {
        tx.execute(
            "UPDATE letters SET fingerprint = ? WHERE id = ? AND batch_id = ?",
            args![fingerprint.as_str(), *letter_id, batch_id],
        )
        .await?;
    }
    Ok(())
}

/// The stored documents of a batch.
pub async fn batch_documents(tx: &mut Tx, batch_id: i64) -> Result<BatchDocuments, StoreError> {
    let row = tx
        .fetch_optional(
            "SELECT pdf, pdf_path, print_sha256, manifest FROM print_batches WHERE id = ?",
            args![batch_id],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("print batch {batch_id}"),
        })?;
    Ok(BatchDocuments {
        pdf: row.get("pdf")?,
        pdf_path: row.get("pdf_path")?,
        print_sha256: row.get("print_sha256")?,
        manifest: row.get::<Option<Vec<u8>>>("manifest")?.unwrap_or_default(),
    })
}

/// The SHA-256 of the print file letter `number` of case `case_id` was
/// printed in, if its batch was closed: what a clerk's copy names. For a
/// letter printed before print files, its own PDF's SHA-256.
pub async fn printed_in(
    tx: &mut Tx,
    case_id: i64,
    number: u8,
) -> Result<Option<String>, StoreError> {
    let row = tx
        .fetch_optional(
            "SELECT print_batches.print_sha256, letters.fingerprint FROM letters \
             LEFT JOIN print_batches ON print_batches.id = letters.batch_id \
             WHERE letters.case_id = ? AND letters.number = ?",
            args![case_id, i64::from(number)],
        )
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let file: Option<String> = row.get("print_sha256")?;
    let letter: Option<String> = row.get("fingerprint")?;
    Ok(file.or(letter))
}

/// The planned mailing date of the print batch that holds letter `number`
/// of case `case_id`, while that batch is not yet mailed (what the
/// proxy's receipt says about when the letter goes out).
pub async fn planned_mailing_of(
    tx: &mut Tx,
    case_id: i64,
    number: u8,
) -> Result<Option<NaiveDate>, StoreError> {
    let row = tx
        .fetch_optional(
            "SELECT print_batches.planned_mailing_on FROM letters \
             JOIN print_batches ON print_batches.id = letters.batch_id \
             WHERE letters.case_id = ? AND letters.number = ? \
             AND print_batches.mailed_on IS NULL",
            args![case_id, i64::from(number)],
        )
        .await?;
    match row {
        Some(row) => row.opt_date("planned_mailing_on"),
        None => Ok(None),
    }
}

/// Records the batch as handed to the post on `mailed_on`: dates every
/// letter in it. Returns the batch; the caller then moves each case on.
pub async fn mark_batch_mailed(
    tx: &mut Tx,
    batch_id: i64,
    mailed_on: NaiveDate,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<PrintBatch, StoreError> {
    let changed = tx
        .execute(
            "UPDATE print_batches SET mailed_on = ?, mailed_at = ?, mailed_by = ? \
             WHERE id = ? AND mailed_on IS NULL",
            args![mailed_on, now, actor.username.as_str(), batch_id],
        )
        .await?;
    if changed == 0 {
        let batch = get_batch(tx, batch_id).await?;
        return Err(StoreError::BatchAlreadyMailed {
            batch_id,
            mailed_on: batch.mailed_on.unwrap_or(mailed_on),
        });
    }
    tx.execute(
        "UPDATE letters SET mailed_on = ? WHERE batch_id = ?",
        args![mailed_on, batch_id],
    )
    .await?;
    append_batch_event(
        tx,
        actor,
        "print_batch_mailed",
        json!({ "batch": batch_id, "mailed_on": mailed_on }),
        now,
    )
    .await?;
    get_batch(tx, batch_id).await
}

/// Batches, newest first.
pub async fn list_batches(tx: &mut Tx) -> Result<Vec<PrintBatch>, StoreError> {
    let ids: Vec<i64> = tx
        .fetch_all("SELECT id FROM print_batches ORDER BY id DESC", args![])
        .await?
        .iter()
        .map(|row| row.get("id"))
        .collect::<Result<_, _>>()?;
    let mut batches = Vec::with_capacity(ids.len());
    for id in ids {
        batches.push(get_batch(tx, id).await?);
    }
    Ok(batches)
}

/// Forgets the print file of a mailed batch (the caller deletes the file):
/// it prints every letter's code and is not needed once the post has it.
/// The SHA-256, the manifest and the letters' fingerprints stay.
pub async fn discard_print_file(tx: &mut Tx, batch_id: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE print_batches SET pdf = NULL, pdf_path = NULL WHERE id = ?",
        args![batch_id],
    )
    .await?;
    Ok(())
}

/// Each unmailed batch's print file (batch id, path): what a sweep of the
/// print directory must keep.
pub async fn unmailed_print_files(tx: &mut Tx) -> Result<Vec<(i64, String)>, StoreError> {
    tx.fetch_all(
        "SELECT id, pdf_path FROM print_batches WHERE mailed_on IS NULL AND pdf_path IS NOT NULL",
        args![],
    )
    .await?
    .iter()
    .map(|row| Ok((row.get("id")?, row.get("pdf_path")?)))
    .collect()
}
