//! Print batches: closing one (every queued letter gets its code and is
//! printed into the batch's one print file, the 発送簿 is written and the
//! mail to the print room queued, all in one transaction), the downloads,
//! and marking a batch mailed.
//!
//! A verification code exists in plain text only between its generation at
//! close and the print file: the case keeps its HMAC, the letter its printed
//! deadline. The print file is written to `SHOKAI_PRINT_DIR` while the
//! letters render, one chunk at a time ([`print_file`]), so closing a batch
//! of any size holds one chunk in memory. A letter that cannot be printed
//! is left out of the file, taken back out of the batch with its reason,
//! and waits for the next batch without a code.
//!
//! Marking a batch mailed is one transaction that dates the batch, moves
//! each case on (`MarkMailed`, its audit event and the proxy's notice) and
//! forgets the print file; the file is then overwritten and deleted. It
//! renders nothing.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shokai_store::Actor;
use shokai_store::batches::{self, BatchLetter, PrintBatch};
use shokai_store::cases::{self as store_cases, Commit};
use shokai_store::outbox::NewMessage;
use shokai_store::schedule;
use shokai_store::{StoreError, StoredCase};
use shokai_workflow::VerificationCode;
use shokai_workflow::case::japan_date;
use shokai_workflow::letter::{
    LetterContent, LetterError, ManifestRow, PrintFileSummary, batch_close, fingerprint,
    manifest_csv as write_manifest, planned_mailing, print_order_key,
};
use shokai_workflow::{Case, Context, Event, Representation, Transition, TransitionError};

use super::cases::{actor, system_actor};
use super::error::ServiceError;
use crate::auth::Caller;
use crate::infra::print_file::{self, CHUNK, PrintFileWriter};
use crate::state::AppState;

pub use crate::infra::mail::{
    BATCH_PRINT, DEADLINE_REMINDER, LETTER_MAILED, MANIFEST_FILE, PRINT_FILE,
};

/// A print batch as the API shows it.
#[derive(Debug, Serialize)]
pub struct BatchView {
    pub id: i64,
    /// Letters issued before this instant were taken.
    pub cut_off: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// The mailing date the batch planned for: its letters print the
    /// deadline that date gives.
    pub planned_mailing_on: Option<NaiveDate>,
    /// The post date, once marked mailed.
    pub mailed_on: Option<NaiveDate>,
    pub letter_count: usize,
    /// Case references in the batch, in postal-code (print) order when known.
    pub references: Vec<String>,
    pub letters: Vec<BatchLetterView>,
    /// SHA-256 of the print file (it stays known after the file is deleted).
    pub print_sha256: Option<String>,
    /// True once the print file was deleted after mailing.
    pub print_file_discarded: bool,
    /// Letters taken back out when the batch was closed (they could not be
    /// printed); they wait for the next batch. Only in the closing answer.
    pub held: Vec<HeldLetter>,
    pub links: BatchLinks,
}

/// A letter that could not be printed with its batch, and why.
#[derive(Debug, Serialize)]
pub struct HeldLetter {
    pub case_id: i64,
    pub reference: String,
    pub letter_number: i64,
    /// Stable code: `unprintable_character`, `layout_preflight`, … (a
    /// [`LetterError`] code) or the workflow's refusal code.
    pub reason: &'static str,
}

/// One letter of a batch.
#[derive(Debug, Serialize)]
pub struct BatchLetterView {
    pub case_id: i64,
    pub reference: String,
    pub letter_number: i64,
    /// SHA-256 over the letter's pages as printed.
    pub fingerprint: Option<String>,
    pub mailed_on: Option<NaiveDate>,
}

/// Where to go next.
#[derive(Debug, Serialize)]
pub struct BatchLinks {
    #[serde(rename = "self")]
    pub this: String,
    pub print_pdf: String,
    pub manifest_csv: String,
    pub mailed: String,
}

impl BatchLinks {
    fn of(id: i64) -> Self {
        Self {
            this: format!("/api/batches/{id}"),
            print_pdf: format!("/api/batches/{id}/{PRINT_FILE}"),
            manifest_csv: format!("/api/batches/{id}/{MANIFEST_FILE}"),
            mailed: format!("/api/batches/{id}/mailed"),
        }
    }
}

fn view(batch: PrintBatch, order: &[String], discarded: bool) -> BatchView {
    let mut letters: Vec<BatchLetterView> = batch
        .letters
        .into_iter()
        .map(|l| BatchLetterView {
            case_id: l.case_id,
            reference: l.reference,
            letter_number: l.number,
            fingerprint: l.fingerprint,
            mailed_on: l.mailed_on,
        })
        .collect();
    letters.sort_by_key(|l| {
        order
            .iter()
            .position(|r| *r == l.reference)
            .unwrap_or(usize::MAX)
    });
    BatchView {
        links: BatchLinks::of(batch.id),
        id: batch.id,
        cut_off: batch.cut_off,
        created_at: batch.created_at,
        created_by: batch.created_by,
        planned_mailing_on: batch.planned_mailing_on,
        mailed_on: batch.mailed_on,
        letter_count: letters.len(),
        references: letters.iter().map(|l| l.reference.clone()).collect(),
        letters,
        print_sha256: batch.print_sha256,
        print_file_discarded: discarded,
        held: Vec::new(),
    }
}

/// The references in print order, read from the stored manifest CSV (its
/// first column; references never need quoting).
fn manifest_order(manifest: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(manifest)
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').next())
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A request to close a batch now.
#[derive(Debug, Default, Deserialize)]
pub struct CloseRequest {
    /// The day the letters will be posted (Japan date, today or later);
    /// the next open office day when absent.
    pub planned_mailing_on: Option<NaiveDate>,
}

/// Closes a batch now: every letter issued so far and not yet in a batch
/// gets its code and is printed, in postal-code order, with the manifest
/// and the print room's mail, all in one transaction.
#[tracing::instrument(skip_all)]
pub async fn close(
    state: &AppState,
    caller: &Caller,
    req: CloseRequest,
) -> Result<BatchView, ServiceError> {
    let now = state.now();
    let mut tx = state.store().begin().await?;
    // Dropping `tx` on anything but a batch rolls its row and audit event back.
    match close_in(
        state,
        &mut tx,
        &actor(caller),
        now,
        now,
        req.planned_mailing_on,
    )
    .await?
    {
        Closing::Closed(batch, file) => {
            commit_with_file(tx, &file).await?;
            Ok(*batch)
        }
        Closing::NothingWaiting => Err(ServiceError::BatchEmpty),
        Closing::NothingPrintable(held) => Err(nothing_printable(held)),
    }
}

/// Commits a closed batch; if the commit fails, its print file goes.
async fn commit_with_file(tx: shokai_store::Tx, file: &Path) -> Result<(), ServiceError> {
    if let Err(e) = tx.commit().await {
        remove_print_file(file);
        return Err(e.into());
    }
    Ok(())
}

fn remove_print_file(file: &Path) {
    if let Err(e) = print_file::delete(file) {
        tracing::error!(error = %e, "a print file could not be deleted");
    }
}

/// The daily job's name in `scheduled_runs`.
const CUTOFF_JOB: &str = "batch_cutoff";

/// The day's cut-off: on an open office day, once the time is past
/// `SHOKAI_BATCH_CUTOFF` (Japan time), closes a batch with every letter
/// issued before the cut-off — once a day however many servers share the
/// database, and nothing when no letter waits (the day still counts as
/// done: a letter issued after the cut-off waits for the next one).
/// `None` when there was nothing to close or it is not the time.
#[tracing::instrument(skip_all)]
pub async fn close_at_cutoff(state: &AppState) -> Result<Option<BatchView>, ServiceError> {
    let now = state.now();
    let today = japan_date(now);
    let cut_off = batch_close(today, state.settings().batch_cutoff);
    if !state.workflow().calendar.is_open(today) || now < cut_off {
        return Ok(None);
    }
    let actor = system_actor();
    let mut tx = state.store().begin().await?;
    if !schedule::claim_daily_run(&mut tx, CUTOFF_JOB, today, now).await? {
        return Ok(None);
    }
    match close_in(state, &mut tx, &actor, cut_off, now, None).await? {
        Closing::Closed(batch, file) => {
            commit_with_file(tx, &file).await?;
            return Ok(Some(*batch));
        }
        Closing::NothingWaiting => {}
        // Every waiting letter is unprintable: the day is done all the same
        // (the clerks see the letters still waiting and mend the cases),
        // rather than failing again every minute until midnight.
        Closing::NothingPrintable(held) => {
            let e = nothing_printable(held);
            tracing::warn!(error = %e, "the cut-off found only letters it cannot print");
        }
    }
    // Nothing to print: forget the empty batch, keep the day's claim.
    drop(tx);
    let mut tx = state.store().begin().await?;
    schedule::claim_daily_run(&mut tx, CUTOFF_JOB, today, now).await?;
    tx.commit().await?;
    Ok(None)
}

/// What closing a batch came to; anything but `Closed` leaves the caller's
/// transaction to be rolled back.
enum Closing {
    /// The batch, ready to commit, and its print file (boxed: a whole view
    /// beside two markers).
    Closed(Box<BatchView>, PathBuf),
    /// No letter was issued before the cut-off and not yet batched.
    NothingWaiting,
    /// Letters waited, but none could be printed.
    NothingPrintable(Vec<HeldLetter>),
}

/// A batched letter ready to render: its case as read, the workflow's
/// `PrintLetter` step (applied, not yet written), its content (with the
/// code) and its 発送簿 line.
struct Prepared<'a> {
    letter: &'a BatchLetter,
    stored: StoredCase,
    transition: Transition,
    content: LetterContent,
    row: ManifestRow,
}

/// Closes a batch of the letters issued before `cut_off` inside `tx`,
/// planned for mailing on `planned` (default: the next open day).
async fn close_in(
    state: &AppState,
    tx: &mut shokai_store::Tx,
    actor: &Actor,
    cut_off: DateTime<Utc>,
    now: DateTime<Utc>,
    planned: Option<NaiveDate>,
) -> Result<Closing, ServiceError> {
    let closed_on = japan_date(now);
    let planned = match planned {
        Some(day) if day < closed_on => {
            return Err(TransitionError::PlannedMailingInPast { today: closed_on }.into());
        }
        Some(day) => day,
        None => planned_mailing(&state.workflow().calendar, closed_on),
    };
    let batch = batches::create_batch(tx, cut_off, planned, actor, now).await?;
    if batch.letters.is_empty() {
        return Ok(Closing::NothingWaiting);
    }
    let writer = PrintFileWriter::start(
        state.letters_shared(),
        &state.settings().print_dir,
        batch.id,
    )
    .map_err(ServiceError::internal)?;
    let run = Run {
        state,
        batch: &batch,
        actor,
        ctx: state.context(now, actor.role),
        planned,
        now,
    };
    let printed = run.print(tx, &writer).await?;
    if printed.fingerprints.is_empty() {
        return Ok(Closing::NothingPrintable(printed.held));
    }
    let (path, summary) = writer.finish().await.map_err(ServiceError::internal)?;
    match run.record(tx, &path, &summary, printed).await {
        Ok(view) => Ok(Closing::Closed(Box::new(view), path)),
        Err(e) => {
            remove_print_file(&path);
            Err(e)
        }
    }
}

/// One batch being closed.
struct Run<'a> {
    state: &'a AppState,
    batch: &'a PrintBatch,
    actor: &'a Actor,
    ctx: Context<'a>,
    planned: NaiveDate,
    now: DateTime<Utc>,
}

/// What went into the print file: the 発送簿 lines and page fingerprints of
/// the letters printed (in print order), and the letters held back.
struct Printed {
    manifest: Vec<ManifestRow>,
    fingerprints: Vec<(i64, String)>,
    held: Vec<HeldLetter>,
}

impl Run<'_> {
    /// Prints every letter of the batch into `writer`, chunk by chunk in
    /// print order, and writes each printed letter's step.
    async fn print(
        &self,
        tx: &mut shokai_store::Tx,
        writer: &PrintFileWriter,
    ) -> Result<Printed, ServiceError> {
        let queue = print_order(tx, self.batch).await?;
        let mut printed = Printed {
            manifest: Vec::with_capacity(queue.len()),
            fingerprints: Vec::with_capacity(queue.len()),
            held: Vec::new(),
        };
        for chunk in queue.chunks(CHUNK) {
            let mut contents = Vec::with_capacity(chunk.len());
            let mut ready = Vec::with_capacity(chunk.len());
            for letter in chunk {
                match self.prepare(tx, letter).await? {
                    Ok(p) => {
                        contents.push(p.content);
                        ready.push((p.letter, p.stored, p.transition, p.row));
                    }
                    Err(reason) => self.hold(tx, letter, reason, &mut printed.held).await?,
                }
            }
            let results = writer
                .write(contents)
                .await
                .map_err(ServiceError::internal)?;
            for ((letter, stored, transition, mut row), result) in ready.into_iter().zip(results) {
                match result {
                    Ok(receipt) => {
                        let step = transition.into();
                        store_cases::write_step(tx, &stored, self.actor, self.now, step).await?;
                        row.pages = receipt.pages;
                        printed.manifest.push(row);
                        printed
                            .fingerprints
                            .push((letter.letter_id, receipt.digest));
                    }
                    // The file itself failed: nothing of this batch can print.
                    Err(e @ LetterError::Write(_)) => return Err(ServiceError::internal(e)),
                    Err(e) => self.hold(tx, letter, e.code(), &mut printed.held).await?,
                }
            }
        }
        Ok(printed)
    }

    /// Records the finished print file, the 発送簿 and the print room's
    /// mail; answers the closed batch.
    async fn record(
        &self,
        tx: &mut shokai_store::Tx,
        path: &Path,
        summary: &PrintFileSummary,
        printed: Printed,
    ) -> Result<BatchView, ServiceError> {
        let id = self.batch.id;
        let csv = write_manifest(&printed.manifest).into_bytes();
        let file = path.display().to_string();
        let sha = &summary.sha256;
        batches::store_print_file(tx, id, &file, sha, &csv, &printed.fingerprints).await?;
        let order: Vec<String> = printed.manifest.into_iter().map(|r| r.reference).collect();
        let message = print_room_message(id, self.planned, order.len(), &order, sha);
        shokai_store::outbox::enqueue(tx, &message, self.now).await?;
        let closed = batches::get_batch(tx, id).await?;
        tracing::info!(
            batch = id,
            letters = order.len(),
            pages = summary.pages,
            bytes = summary.bytes,
            held = printed.held.len(),
            "print batch closed"
        );
        let mut view = view(closed, &order, false);
        view.held = printed.held;
        Ok(view)
    }
}

/// The batch's letters in print order: by the cardholder's postal code,
/// then by reference. Reads each case once for its postal code; the cases
/// themselves are read again chunk by chunk as they are printed.
async fn print_order<'b>(
    tx: &mut shokai_store::Tx,
    batch: &'b PrintBatch,
) -> Result<Vec<&'b BatchLetter>, ServiceError> {
    let mut keyed = Vec::with_capacity(batch.letters.len());
    for letter in &batch.letters {
        let stored = store_cases::get_case(tx, letter.case_id).await?;
        let postal = stored
            .parties
            .as_ref()
            .map(|p| p.cardholder.address.postal_code().to_string())
            .unwrap_or_default();
        keyed.push((print_order_key(&postal, &letter.reference), letter));
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(keyed.into_iter().map(|(_, l)| l).collect())
}

impl Run<'_> {
    /// Generates the letter's code and applies `PrintLetter` (not yet
    /// written): `Err(reason)` when the workflow refuses, which holds the
    /// letter back.
    async fn prepare<'l>(
        &self,
        tx: &mut shokai_store::Tx,
        letter: &'l BatchLetter,
    ) -> Result<Result<Prepared<'l>, &'static str>, ServiceError> {
        let stored = store_cases::get_case(tx, letter.case_id).await?;
        let case = stored.case()?;
        let number = u8::try_from(letter.number).map_err(ServiceError::internal)?;
        let code = self.state.codes().generate();
        // The event consumes the code; this copy is what gets printed.
        let printed = VerificationCode::parse(code.expose()).map_err(ServiceError::internal)?;
        let event = Event::PrintLetter {
            number,
            code,
            planned_mailing: self.planned,
        };
        let transition = match case.apply(event, &self.ctx) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e.code())),
        };
        let made_on = japan_date(self.now);
        let content =
            LetterContent::from_case(&transition.case, self.state.workflow(), &printed, made_on)
                .map_err(ServiceError::internal)?;
        let row = ManifestRow::of(&content, 0);
        Ok(Ok(Prepared {
            letter,
            stored,
            transition,
            content,
            row,
        }))
    }

    /// Takes a letter that cannot be printed back out of the batch: it
    /// keeps waiting, without a code, and the answer names it with the reason.
    async fn hold(
        &self,
        tx: &mut shokai_store::Tx,
        letter: &BatchLetter,
        reason: &'static str,
        held: &mut Vec<HeldLetter>,
    ) -> Result<(), ServiceError> {
        let (batch, actor) = (self.batch.id, self.actor);
        batches::release_letter(tx, batch, letter.letter_id, reason, actor, self.now).await?;
        tracing::warn!(
            case_id = letter.case_id,
            reason,
            "letter held back from the batch"
        );
        held.push(HeldLetter {
            case_id: letter.case_id,
            reference: letter.reference.clone(),
            letter_number: letter.number,
            reason,
        });
        Ok(())
    }
}

/// Every letter of a batch failed: no batch, and the clerk learns which
/// case to mend.
fn nothing_printable(held: Vec<HeldLetter>) -> ServiceError {
    held.into_iter()
        .next()
        .map_or(ServiceError::BatchEmpty, |h| {
            ServiceError::LetterUnprintable {
                reference: h.reference,
                letter: h.letter_number,
                reason: h.reason,
            }
        })
}

/// The print room's mail: that batch `batch` of `letters` letters, to be
/// mailed on `planned`, is ready for download. No code and no attachment:
/// the file is fetched by a printer account, and each download is audited.
fn print_room_message(
    batch: i64,
    planned: NaiveDate,
    letters: usize,
    order: &[String],
    print_sha256: &str,
) -> NewMessage {
    NewMessage {
        kind: BATCH_PRINT.to_owned(),
        payload: json!({
            "batch": batch,
            "date": planned,
            "letters": letters,
            "references": order,
            "print_sha256": print_sha256,
        }),
        idempotency_key: format!("batch-print:{batch}"),
    }
}

/// The mailing date a batch closed now plans for unless the clerk gives
/// another: the next open office day.
pub fn default_planned_mailing(state: &AppState) -> NaiveDate {
    planned_mailing(&state.workflow().calendar, japan_date(state.now()))
}

/// How many issued letters wait for the next batch.
pub async fn letters_waiting(state: &AppState) -> Result<i64, ServiceError> {
    let mut tx = state.store().read().await?;
    let n = shokai_store::reports::letters_waiting_for_batch(&mut tx).await?;
    tx.commit().await?;
    Ok(n)
}

/// Every batch, newest first.
pub async fn list(state: &AppState, _caller: &Caller) -> Result<Vec<BatchView>, ServiceError> {
    let mut tx = state.store().read().await?;
    let batches = batches::list_batches(&mut tx).await?;
    tx.commit().await?;
    Ok(batches
        .into_iter()
        .map(|b| {
            let mailed = b.mailed_on.is_some();
            view(b, &[], mailed)
        })
        .collect())
}

/// One batch.
pub async fn get(state: &AppState, _caller: &Caller, id: i64) -> Result<BatchView, ServiceError> {
    let mut tx = state.store().read().await?;
    let batch = batches::get_batch(&mut tx, id).await?;
    let documents = batches::batch_documents(&mut tx, id).await?;
    tx.commit().await?;
    let order = manifest_order(&documents.manifest);
    let kept = documents.pdf.is_some() || documents.pdf_path.is_some();
    let discarded = !kept && batch.mailed_on.is_some();
    Ok(view(batch, &order, discarded))
}

/// The print file as handed to the print room.
#[derive(Debug)]
pub enum PrintDownload {
    /// The file on disk, opened, and its length.
    File(tokio::fs::File, u64),
    /// A batch closed before print files moved to disk: its bytes.
    Kept(Vec<u8>),
}

/// The print file for the press (the print room only). It prints every
/// code in the batch: each download is recorded in the audit log (who,
/// when, the file's SHA-256), and it is gone once the batch is mailed
/// (`PrintFileDiscarded`).
pub async fn print_pdf(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<PrintDownload, ServiceError> {
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let documents = batches::batch_documents(&mut tx, id).await?;
    let (download, sha) = match (documents.pdf, documents.pdf_path) {
        (Some(bytes), _) => {
            let sha = fingerprint(&bytes);
            (PrintDownload::Kept(bytes), sha)
        }
        (None, Some(path)) => {
            let file = print_file::open(Path::new(&path)).map_err(ServiceError::internal)?;
            let len = file.metadata().map_err(ServiceError::internal)?.len();
            let sha = documents.print_sha256.unwrap_or_default();
            (
                PrintDownload::File(tokio::fs::File::from_std(file), len),
                sha,
            )
        }
        (None, None) => return Err(print_file_discarded(id)),
    };
    // The download and its record commit together: no copy leaves unrecorded.
    batches::record_print_download(&mut tx, id, &sha, &actor(caller), now).await?;
    tx.commit().await?;
    tracing::info!(batch = id, "print file downloaded");
    Ok(download)
}

fn print_file_discarded(id: i64) -> ServiceError {
    ServiceError::PrintFileDiscarded { batch_id: id }
}

/// The 発送簿 as CSV (UTF-8, CRLF).
pub async fn manifest_csv(
    state: &AppState,
    _caller: &Caller,
    id: i64,
) -> Result<Vec<u8>, ServiceError> {
    let mut tx = state.store().read().await?;
    let documents = batches::batch_documents(&mut tx, id).await?;
    tx.commit().await?;
    Ok(documents.manifest)
}

/// A request to mark a batch mailed.
#[derive(Debug, Default, Deserialize)]
pub struct MailedRequest {
    /// The post date (Japan); today when absent.
    pub mailed_on: Option<NaiveDate>,
}

/// What marking a batch mailed did.
#[derive(Debug, Serialize)]
pub struct MailedBatch {
    pub batch: BatchView,
    pub mailed_on: NaiveDate,
    pub cases: Vec<MailedCase>,
}

/// One case of a batch marked mailed.
#[derive(Debug, Serialize)]
pub struct MailedCase {
    pub case_id: i64,
    pub reference: String,
    pub letter_number: i64,
    /// `mailed`; or `skipped` when the case had moved on (cancelled, a newer
    /// letter issued) and the letter's mailing does not change it.
    pub outcome: &'static str,
    /// For `skipped`: the workflow's refusal code.
    pub skipped_because: Option<&'static str>,
    pub state: &'static str,
    pub version: i64,
    pub deadline: Option<NaiveDate>,
}

/// Marks batch `id` handed to the post on `mailed_on` (default today): in
/// one transaction the batch is dated, each case moves to `inquiry_mailed`
/// with its deadline and the proxy's notice, and the print file is
/// forgotten; then the file is overwritten and deleted.
#[tracing::instrument(skip_all, fields(batch_id = id))]
pub async fn mark_mailed(
    state: &AppState,
    caller: &Caller,
    id: i64,
    req: MailedRequest,
) -> Result<MailedBatch, ServiceError> {
    let now = state.now();
    let today = japan_date(now);
    let actor = actor(caller);
    let mut tx = state.store().begin().await?;
    let batch = batches::get_batch(&mut tx, id).await?;
    let documents = batches::batch_documents(&mut tx, id).await?;
    if let Some(recorded) = batch.mailed_on {
        return Err(StoreError::BatchAlreadyMailed {
            batch_id: id,
            mailed_on: recorded,
        }
        .into());
    }
    let mailed_on = req.mailed_on.unwrap_or(today);
    check_mailing_date(&batch, mailed_on, today)?;
    batches::mark_batch_mailed(&mut tx, id, mailed_on, &actor, now).await?;
    let ctx = state.context(now, caller.role);
    let mut cases = Vec::with_capacity(batch.letters.len());
    for letter in &batch.letters {
        cases.push(mark_letter_mailed(&mut tx, &ctx, &actor, letter, mailed_on, now).await?);
    }
    batches::discard_print_file(&mut tx, id).await?;
    let after = batches::get_batch(&mut tx, id).await?;
    tx.commit().await?;
    if let Some(path) = documents.pdf_path {
        remove_print_file(Path::new(&path));
    }
    tracing::info!(batch = id, cases = cases.len(), "print batch mailed");
    let order = manifest_order(&documents.manifest);
    Ok(MailedBatch {
        batch: view(after, &order, true),
        mailed_on,
        cases,
    })
}

/// The workflow's own rule (print date ≤ post date ≤ today), checked for
/// the whole batch before anything is written.
fn check_mailing_date(
    batch: &PrintBatch,
    mailed_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), ServiceError> {
    let issued_on = japan_date(batch.created_at);
    if mailed_on < issued_on || mailed_on > today {
        return Err(TransitionError::MailingDateOutOfRange { issued_on, today }.into());
    }
    Ok(())
}

/// `MarkMailed` for one letter of the batch, with the proxy's notice, in the
/// batch's transaction; a case that moved on is skipped with the reason.
async fn mark_letter_mailed(
    tx: &mut shokai_store::Tx,
    ctx: &Context<'_>,
    actor: &Actor,
    letter: &BatchLetter,
    mailed_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<MailedCase, ServiceError> {
    let before = store_cases::get_case(tx, letter.case_id).await?;
    let case = before.case()?;
    let is_current = case
        .current_letter()
        .is_some_and(|l| i64::from(l.number) == letter.number);
    let outcome = if is_current {
        case.apply(Event::MarkMailed { mailed_on }, ctx)
    } else {
        Err(TransitionError::LetterSuperseded {
            number: u8::try_from(letter.number).unwrap_or(u8::MAX),
        })
    };
    let (after, skipped_because) = match outcome {
        Ok(transition) => {
            let messages = letter_mailed_message(&transition.case, mailed_on)
                .into_iter()
                .collect();
            let commit = Commit {
                transition,
                messages,
                response_attempt: None,
                earlier: Vec::new(),
            };
            store_cases::write_step(tx, &before, actor, now, commit).await?;
            (store_cases::get_case(tx, letter.case_id).await?, None)
        }
        Err(e) => (before, Some(e.code())),
    };
    Ok(MailedCase {
        case_id: after.id,
        reference: letter.reference.clone(),
        letter_number: letter.number,
        outcome: if skipped_because.is_none() {
            "mailed"
        } else {
            "skipped"
        },
        skipped_because,
        state: after.core.state().code(),
        version: after.version,
        deadline: after.core.deadline(),
    })
}

/// The proxy's notice, if the proxy gave an e-mail address. The payload holds
/// what the mail says and where it goes; never the code.
fn letter_mailed_message(case: &Case, mailed_on: NaiveDate) -> Option<NewMessage> {
    let Representation::OptionalProxy(proxy) = &case.parties().representation else {
        return None;
    };
    let email = proxy.email.as_ref()?;
    let letter = case.current_letter()?;
    let reference = case.reference().to_string();
    Some(NewMessage {
        kind: LETTER_MAILED.to_owned(),
        payload: json!({
            "to": email.as_str(),
            "proxy_name": proxy.person.name(),
            "procedure": case.procedure().name_ja(),
            "reference": reference,
            "letter_number": letter.number,
            "mailed_on": mailed_on,
            "deadline": case.deadline(),
        }),
        idempotency_key: format!("letter-mailed:{reference}:{}", letter.number),
    })
}

/// Deletes print files a crash left behind (see [`print_file::sweep`]): run
/// by the minute job. Keeps every file an unmailed batch still names.
pub async fn sweep_print_files(state: &AppState) -> Result<usize, ServiceError> {
    let mut tx = state.store().read().await?;
    let live = batches::unmailed_print_files(&mut tx).await?;
    tx.commit().await?;
    let dir = state.settings().print_dir.clone();
    let removed = tokio::task::spawn_blocking(move || {
        print_file::sweep(&dir, |id| live.iter().any(|(batch, _)| *batch == id))
    })
    .await
    .map_err(ServiceError::internal)?
    .map_err(ServiceError::internal)?;
    if removed > 0 {
        tracing::warn!(removed, "print files left behind were deleted");
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::cases;
    use crate::service::letters::{self, IssueRequest};
    use crate::testing::{TestDb, jst, proxy_intake, staff};
    use shokai_workflow::Role;

    /// Opens a proxy case for `intake`, on a card of its own, and issues its
    /// letter at the clock's time.
    async fn letter_waiting_for(state: &AppState, clerk: &Caller, intake: cases::Intake) {
        crate::testing::insert_new_card(state);
        let case = cases::open(state, clerk, intake).await.unwrap();
        let request = IssueRequest {
            version: case.version,
            override_reason: None,
        };
        letters::issue(state, clerk, case.id, request)
            .await
            .unwrap();
    }

    async fn letter_waiting(state: &AppState, clerk: &Caller) {
        letter_waiting_for(state, clerk, proxy_intake()).await;
    }

    async fn batch_count(state: &AppState, clerk: &Caller) -> usize {
        list(state, clerk).await.unwrap().len()
    }

    /// Monday 30 November 2026 is an open day; the cut-off is 17:00.
    async fn the_cut_off_closes_the_days_batch_once(db: TestDb) {
        let (state, clock) = db.state(jst("2026-11-30 10:00")).await;
        let clerk = staff(&state, "clerk", Role::Clerk).await;
        letter_waiting(&state, &clerk).await;

        clock.set(jst("2026-11-30 16:59"));
        let early = close_at_cutoff(&state).await.unwrap();
        clock.set(jst("2026-11-30 17:00"));
        let closed = close_at_cutoff(&state).await.unwrap();
        let again = close_at_cutoff(&state).await.unwrap();
        clock.set(jst("2026-11-30 17:30"));
        letter_waiting(&state, &clerk).await;
        let after_hours = close_at_cutoff(&state).await.unwrap();

        assert!(early.is_none(), "not before the cut-off");
        let closed = closed.expect("the day's batch");
        assert_eq!(closed.letter_count, 1);
        assert_eq!(closed.created_by, "system");
        assert!(again.is_none() && after_hours.is_none(), "once a day");
        assert_eq!(batch_count(&state, &clerk).await, 1);
        // Tuesday: the letter issued after Monday's cut-off goes out.
        clock.set(jst("2026-12-01 17:01"));
        let tuesday = close_at_cutoff(&state)
            .await
            .unwrap()
            .expect("Tuesday's batch");
        assert_eq!(tuesday.letter_count, 1);
        db.finish().await;
    }

    /// Sunday 6 December 2026: the office is closed, nothing is printed.
    async fn a_closed_day_and_a_day_without_letters_close_nothing(db: TestDb) {
        let (state, clock) = db.state(jst("2026-12-04 18:00")).await;
        let clerk = staff(&state, "clerk", Role::Clerk).await;
        let friday = close_at_cutoff(&state).await.unwrap();
        letter_waiting(&state, &clerk).await;

        clock.set(jst("2026-12-06 17:30"));
        let sunday = close_at_cutoff(&state).await.unwrap();

        assert!(friday.is_none(), "no letter waited on Friday");
        assert!(sunday.is_none(), "the office is closed on Sunday");
        assert_eq!(batch_count(&state, &clerk).await, 0);
        clock.set(jst("2026-12-07 17:00"));
        assert!(close_at_cutoff(&state).await.unwrap().is_some());
        db.finish().await;
    }

    /// Two servers on one database reach the cut-off in the same minute.
    async fn two_servers_at_the_cut_off_close_one_batch(db: TestDb) {
        let (one, clock) = db.state(jst("2026-11-30 10:00")).await;
        let (two, other_clock) = db.state(jst("2026-11-30 10:00")).await;
        let clerk = staff(&one, "clerk", Role::Clerk).await;
        letter_waiting(&one, &clerk).await;
        letter_waiting(&two, &clerk).await;
        clock.set(jst("2026-11-30 17:00"));
        other_clock.set(jst("2026-11-30 17:00"));

        let (a, b) = tokio::join!(close_at_cutoff(&one), close_at_cutoff(&two));

        let closed: Vec<BatchView> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
        assert_eq!(closed.len(), 1, "exactly one server closes the batch");
        assert_eq!(closed[0].letter_count, 2);
        assert_eq!(batch_count(&one, &clerk).await, 1);
        db.finish().await;
    }

    /// Gives every cardholder a name the letter font cannot print, as a
    /// case registered before intake checked for such characters would have.
    async fn make_names_unprintable(db: &TestDb) {
        use sqlx::Connection;
        let sql = "UPDATE cases SET parties = REPLACE(parties, '山田', '𠮷田')";
        if db.url.starts_with("sqlite:") {
            let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
        } else {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
        }
    }

    /// Only unprintable letters wait: the cut-off prints nothing, logs it,
    /// and does not try again every minute that day.
    async fn a_cut_off_with_only_unprintable_letters_is_done_for_the_day(db: TestDb) {
        let (state, clock) = db.state(jst("2026-11-30 10:00")).await;
        let clerk = staff(&state, "clerk", Role::Clerk).await;
        letter_waiting(&state, &clerk).await;
        make_names_unprintable(&db).await;
        clock.set(jst("2026-11-30 17:00"));

        let first = close_at_cutoff(&state).await.unwrap();
        clock.set(jst("2026-11-30 17:01"));
        let second = close_at_cutoff(&state).await.unwrap();

        assert!(first.is_none() && second.is_none());
        assert_eq!(batch_count(&state, &clerk).await, 0);
        assert_eq!(
            letters_waiting(&state).await.unwrap(),
            1,
            "the letter still waits"
        );
        db.finish().await;
    }

    /// Runs `program` with `args`; its standard output, or a failure that
    /// names the program (they come from poppler-utils, qpdf, zbar-tools).
    fn run(program: &str, args: &[&str]) -> String {
        let out = std::process::Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program} runs (.ci/run installs it): {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Registers `n` proxy applications, each at its own postal code, and
    /// issues their letters.
    async fn letters_waiting_at_many_addresses(state: &AppState, clerk: &Caller, n: usize) {
        for i in 0..n {
            let mut intake = proxy_intake();
            let postal = format!("{:03}-{:04}", 100 + (i * 7) % 900, i);
            let rest = format!("新宿一丁目{}番{}号", i / 50 + 1, i % 50 + 1);
            intake.cardholder.address =
                shokai_workflow::Address::parse(&postal, "東京都", "新宿区", &rest).unwrap();
            letter_waiting_for(state, clerk, intake).await;
        }
    }

    /// Every QR code of the print file at `path`, in page order: cut out of
    /// each page at 150 dpi (24 mm square, 19 mm from the right edge, 15 mm
    /// from the top) by pdftoppm and decoded by zbar.
    fn qr_codes(path: &str) -> Vec<String> {
        let images = tempfile::tempdir().unwrap();
        let prefix = images.path().join("qr");
        let crop = [
            "-r", "150", "-x", "960", "-y", "70", "-W", "190", "-H", "190",
        ];
        let mut args = crop.to_vec();
        args.extend(["-gray", path, prefix.to_str().unwrap()]);
        run("pdftoppm", &args);
        let mut pngs: Vec<_> = std::fs::read_dir(images.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        pngs.sort();
        // zbarimg exits 4 when an image (the other page of each letter) has no code.
        let out = std::process::Command::new("zbarimg")
            .args(["-q", "--raw"])
            .args(&pngs)
            .output()
            .expect("zbarimg runs (.ci/run installs zbar-tools)");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The codes printed after their label in the print file at `path`, in
    /// page order, as pdftotext reads them.
    fn printed_codes(path: &str) -> Vec<String> {
        let text: String = run("pdftotext", &[path, "-"])
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let shaped = |w: &[char]| {
            let alnum = |c: &char| c.is_ascii_uppercase() || c.is_ascii_digit();
            w.len() == 11 && w[5] == '-' && w[..5].iter().all(alnum) && w[6..].iter().all(alnum)
        };
        text.match_indices("照会番号")
            .filter_map(|(at, label)| {
                let next: Vec<char> = text[at + label.len()..].chars().take(11).collect();
                shaped(&next).then(|| next.into_iter().collect())
            })
            .collect()
    }

    /// The print room's file for a batch of 1,000 letters, as the server
    /// writes it: one embedded font subset, at most 10 KB a letter, clean
    /// for qpdf, and every letter's QR code decodes to the reference and
    /// code printed beside it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_thousand_letter_print_file_embeds_one_font_subset_and_every_qr_code_decodes() {
        const LETTERS: usize = 1_000;
        let db = TestDb::sqlite();
        let (state, clock) = db.state(jst("2026-11-30 10:00")).await;
        let clerk = staff(&state, "clerk", Role::Clerk).await;
        let printer = staff(&state, "printer", Role::Printer).await;
        letters_waiting_at_many_addresses(&state, &clerk, LETTERS).await;
        clock.set(jst("2026-11-30 16:00"));

        let batch = close(&state, &clerk, CloseRequest::default())
            .await
            .unwrap();

        assert_eq!(batch.letter_count, LETTERS);
        assert!(batch.held.is_empty());
        let download = print_pdf(&state, &printer, batch.id).await.unwrap();
        let PrintDownload::File(_, bytes) = download else {
            panic!("a new batch's print file is on disk");
        };
        let per_letter = bytes / LETTERS as u64;
        assert!(per_letter <= 10 * 1024, "{per_letter} bytes a letter");
        let dir = &state.settings().print_dir;
        let path = dir.join(print_file::file_name(batch.id));
        let path = path.to_str().unwrap();
        let fonts = run("pdffonts", &[path]);
        let embedded: Vec<&str> = fonts.lines().skip(2).collect();
        assert_eq!(embedded.len(), 1, "one font: {fonts}");
        assert!(
            embedded[0].contains('+') && embedded[0].contains(" yes "),
            "an embedded subset: {fonts}"
        );
        let check = run("qpdf", &["--check", path]);
        assert!(
            check.contains("No syntax or stream encoding errors found"),
            "{check}"
        );
        let codes = printed_codes(path);
        assert_eq!(codes.len(), LETTERS, "one printed code a letter");
        let printed: Vec<String> = batch
            .references
            .iter()
            .zip(&codes)
            .map(|(reference, code)| shokai_workflow::letter::qr_payload(reference, code))
            .collect();
        assert_eq!(
            qr_codes(path),
            printed,
            "each letter's QR code holds its reference and code"
        );
        db.finish().await;
    }

    crate::testing::on_both_backends!(
        the_cut_off_closes_the_days_batch_once,
        a_closed_day_and_a_day_without_letters_close_nothing,
        two_servers_at_the_cut_off_close_one_batch,
        a_cut_off_with_only_unprintable_letters_is_done_for_the_day
    );
}
