//! Print batches: the letters issued before a cut-off are gathered into one
//! batch, its combined PDF and manifest are stored once rendered, and marking
//! it mailed dates every letter in it. Moving each case to `inquiry_mailed`
//! is the caller's job, one [`Store::transition`](crate::Store::transition)
//! per case, so each gets its own audit event.

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
    /// SHA-256 of its PDF, once rendered.
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
    /// Where the combined PDF is kept, if on disk rather than in the row.
    pub pdf_path: Option<String>,
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
            "INSERT INTO print_batches (cut_off, created_at, created_by, letter_count) \
             VALUES (?, ?, ?, 0) RETURNING id",
            args![cut_off, now, actor.username.as_str()],
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
        json!({ "batch": id, "letters": count }),
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

async fn append_batch_event(
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
            "SELECT id, cut_off, created_at, created_by, pdf_path, mailed_on FROM print_batches WHERE id = ?",
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

/// The rendered output of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchDocuments {
    /// The combined PDF bytes, if kept in the database.
    pub pdf: Option<Vec<u8>>,
    /// Or where the combined PDF was written.
    pub pdf_path: Option<String>,
    /// The manifest (CSV or JSON, the caller's format).
    pub manifest: Vec<u8>,
    /// SHA-256 of each letter's PDF, by letter row id.
    pub fingerprints: Vec<(i64, String)>,
}

/// Stores the rendered PDF (or its path), manifest and per-letter fingerprints.
pub async fn store_batch_documents(
    tx: &mut Tx,
    batch_id: i64,
    documents: &BatchDocuments,
) -> Result<(), StoreError> {
    let changed = tx
        .execute(
            "UPDATE print_batches SET pdf = ?, pdf_path = ?, manifest = ? WHERE id = ?",
            args![
                documents.pdf.clone(),
                documents.pdf_path.clone(),
                Some(documents.manifest.clone()),
                batch_id
            ],
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound {
            what: format!("print batch {batch_id}"),
        });
    }
    for (letter_id, fingerprint) in &documents.fingerprints {
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
            "SELECT pdf, pdf_path, manifest FROM print_batches WHERE id = ?",
            args![batch_id],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("print batch {batch_id}"),
        })?;
    let batch = get_batch(tx, batch_id).await?;
    Ok(BatchDocuments {
        pdf: row.get("pdf")?,
        pdf_path: row.get("pdf_path")?,
        manifest: row.get::<Option<Vec<u8>>>("manifest")?.unwrap_or_default(),
        fingerprints: batch
            .letters
            .into_iter()
            .filter_map(|l| l.fingerprint.map(|f| (l.letter_id, f)))
            .collect(),
    })
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

/// The PDF kept for letter row `letter_id` (`None` if it has none).
pub async fn letter_pdf_by_id(tx: &mut Tx, letter_id: i64) -> Result<Option<Vec<u8>>, StoreError> {
    let row = tx
        .fetch_optional("SELECT pdf FROM letters WHERE id = ?", args![letter_id])
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("letter {letter_id}"),
        })?;
    row.get("pdf")
}

/// Drops the combined PDF of a mailed batch: it prints every letter's code in
/// plain text and is not needed once the post has it. Returns `false` if it
/// was already gone. The manifest and the letters' fingerprints stay.
pub async fn discard_batch_pdf(tx: &mut Tx, batch_id: i64) -> Result<bool, StoreError> {
    let changed = tx
        .execute(
            "UPDATE print_batches SET pdf = NULL WHERE id = ? AND pdf IS NOT NULL",
            args![batch_id],
        )
        .await?;
    Ok(changed == 1)
}
