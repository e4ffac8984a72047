//! Print batches: closing one (the issued letters joined into the press file,
//! the 発送簿, and the mail to the print room queued in the same
//! transaction), the downloads, and marking a batch mailed.
//!
//! The combined PDF is built from the letter PDFs kept at issue time, never
//! re-rendered: once issued, a verification code survives only inside its
//! letter's PDF. Marking a batch mailed runs in steps, each committed on its
//! own: (1) the batch is dated; (2) each case takes `MarkMailed`, its audit
//! event and the proxy's notice in one store transition; (3) each kept letter
//! PDF is replaced by the retained copy (code blanked, the mailed file's
//! SHA-256 printed); (4) the combined PDF, which prints every code, is
//! dropped. Step 4 is the completion mark: a repeated request on a batch
//! stopped part-way (a crash, a lost connection) finishes the remaining
//! steps; on a completed batch it is a 409 `batch_already_mailed`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shokai_store::Actor;
use shokai_store::batches::{self, BatchDocuments, BatchLetter, PrintBatch};
use shokai_store::cases::{self as store_cases, Commit};
use shokai_store::outbox::NewMessage;
use shokai_store::schedule;
use shokai_store::{StoreError, StoredCase};
use shokai_workflow::case::japan_date;
use shokai_workflow::letter::{LetterContent, assemble_batch, batch_close, fingerprint};
use shokai_workflow::{Case, Event, Representation, TransitionError};

use super::cases::{actor, system_actor};
use super::error::ServiceError;
use super::letters;
use crate::auth::Caller;
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
    /// The post date, once marked mailed.
    pub mailed_on: Option<NaiveDate>,
    pub letter_count: usize,
    /// Case references in the batch, in postal-code (print) order when known.
    pub references: Vec<String>,
    pub letters: Vec<BatchLetterView>,
    /// SHA-256 of `print.pdf` while it is kept (absent in listings).
    pub print_sha256: Option<String>,
    /// True once the combined PDF was dropped after mailing.
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
    /// Stable code: `letter_pdf_missing`.
    pub reason: &'static str,
}

/// One letter of a batch.
#[derive(Debug, Serialize)]
pub struct BatchLetterView {
    pub case_id: i64,
    pub reference: String,
    pub letter_number: i64,
    /// SHA-256 of the letter's file as printed.
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

fn view(
    batch: PrintBatch,
    order: &[String],
    print_sha256: Option<String>,
    discarded: bool,
) -> BatchView {
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
        mailed_on: batch.mailed_on,
        letter_count: letters.len(),
        references: letters.iter().map(|l| l.reference.clone()).collect(),
        letters,
        print_sha256,
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

/// What a batched letter prints, without its code (see
/// [`letters::blanked_content`]).
fn kept_letter_content(
    state: &AppState,
    case: &Case,
    letter: &BatchLetter,
) -> Result<LetterContent, ServiceError> {
    let number = u8::try_from(letter.number).map_err(ServiceError::internal)?;
    letters::blanked_content(state, case, number, letter.issued_at)
}

/// Closes a batch now: takes every letter issued so far and not yet in a
/// batch, joins their kept PDFs in postal-code order with the manifest, and
/// queues the mail to the print room, all in one transaction.
#[tracing::instrument(skip_all)]
pub async fn close(state: &AppState, caller: &Caller) -> Result<BatchView, ServiceError> {
    let now = state.now();
    let mut tx = state.store().begin().await?;
    // Dropping `tx` on anything but a batch rolls its row and audit event back.
    match close_in(state, &mut tx, &actor(caller), now, now).await? {
        Closing::Closed(batch) => {
            tx.commit().await?;
            Ok(*batch)
        }
        Closing::NothingWaiting => Err(ServiceError::BatchEmpty),
        Closing::NothingPrintable(held) => Err(nothing_printable(held)),
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
    match close_in(state, &mut tx, &actor, cut_off, now).await? {
        Closing::Closed(batch) => {
            tx.commit().await?;
            return Ok(Some(*batch));
        }
        Closing::NothingWaiting => {}
        // Every waiting letter is unprintable: the day is done all the same
        // (the clerks see the letters still waiting and reissue them), rather
        // than failing again every minute until midnight.
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
    /// The batch, ready to commit (boxed: a whole view beside two markers).
    Closed(Box<BatchView>),
    /// No letter was issued before the cut-off and not yet batched.
    NothingWaiting,
    /// Letters waited, but none could be printed.
    NothingPrintable(Vec<HeldLetter>),
}

/// Closes a batch of the letters issued before `cut_off` inside `tx`.
async fn close_in(
    state: &AppState,
    tx: &mut shokai_store::Tx,
    actor: &Actor,
    cut_off: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Closing, ServiceError> {
    let batch = batches::create_batch(tx, cut_off, actor, now).await?;
    if batch.letters.is_empty() {
        return Ok(Closing::NothingWaiting);
    }
    let (kept, held) = kept_letters(state, tx, &batch, actor, now).await?;
    if kept.is_empty() {
        return Ok(Closing::NothingPrintable(held));
    }
    let date = japan_date(now);
    let assets = state.clone();
    let print = tokio::task::spawn_blocking(move || {
        let letters = assets.letters();
        assemble_batch(&kept, date, &letters.settings, &letters.fonts)
    })
    .await
    .map_err(ServiceError::internal)?
    .map_err(ServiceError::internal)?;
    let manifest = print.manifest_csv.clone().into_bytes();
    let fingerprints = batch
        .letters
        .iter()
        .filter_map(|l| {
            let rendered = print.letters.iter().find(|r| r.reference == l.reference)?;
            Some((l.letter_id, rendered.fingerprint.clone()))
        })
        .collect();
    let documents = BatchDocuments {
        pdf: Some(print.combined_pdf),
        pdf_path: None,
        manifest,
        fingerprints,
    };
    batches::store_batch_documents(tx, batch.id, &documents).await?;
    let order: Vec<String> = print.manifest.iter().map(|r| r.reference.clone()).collect();
    let message = print_room_message(
        batch.id,
        date,
        &order,
        &documents,
        &print.combined_fingerprint,
    );
    shokai_store::outbox::enqueue(tx, &message, now).await?;
    let batch = batches::get_batch(tx, batch.id).await?;
    tracing::info!(
        batch = batch.id,
        letters = order.len(),
        "print batch closed"
    );
    let mut closed = view(batch, &order, Some(print.combined_fingerprint), false);
    closed.held = held;
    Ok(Closing::Closed(Box::new(closed)))
}

/// Each batched letter's content (for the manifest) and kept PDF. A letter
/// that cannot be printed (no kept PDF: a crash between issuing and saving
/// it) does not stop the batch: it is taken back out, waits for the next
/// batch, and is named in the answer with the reason.
async fn kept_letters(
    state: &AppState,
    tx: &mut shokai_store::Tx,
    batch: &PrintBatch,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(Vec<(LetterContent, Vec<u8>)>, Vec<HeldLetter>), ServiceError> {
    let mut kept = Vec::with_capacity(batch.letters.len());
    let mut held = Vec::new();
    for letter in &batch.letters {
        let case = store_cases::get_case(tx, letter.case_id).await?.case()?;
        let Some(pdf) = batches::letter_pdf_by_id(tx, letter.letter_id).await? else {
            let reason = "letter_pdf_missing";
            batches::release_letter(tx, batch.id, letter.letter_id, reason, actor, now).await?;
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
            continue;
        };
        kept.push((kept_letter_content(state, &case, letter)?, pdf));
    }
    Ok((kept, held))
}

/// Every letter of a batch failed: no batch, and the clerk learns which
/// case to mend.
fn nothing_printable(held: Vec<HeldLetter>) -> ServiceError {
    held.into_iter()
        .next()
        .map_or(ServiceError::BatchEmpty, |h| {
            ServiceError::LetterPdfMissing {
                reference: h.reference,
                letter: h.letter_number,
            }
        })
}

/// The print room's mail: what to say and the SHA-256 of each file to
/// attach; the files themselves are read from the store when it is sent.
fn print_room_message(
    batch: i64,
    date: NaiveDate,
    order: &[String],
    documents: &BatchDocuments,
    print_sha256: &str,
) -> NewMessage {
    NewMessage {
        kind: BATCH_PRINT.to_owned(),
        payload: json!({
            "batch": batch,
            "date": date,
            "letters": order.len(),
            "references": order,
            "print_sha256": print_sha256,
            "files": [
                { "name": PRINT_FILE, "sha256": print_sha256 },
                { "name": MANIFEST_FILE, "sha256": fingerprint(&documents.manifest) },
            ],
        }),
        idempotency_key: format!("batch-print:{batch}"),
    }
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
            view(b, &[], None, mailed)
        })
        .collect())
}

/// One batch, with the SHA-256 of its combined PDF while it is kept.
pub async fn get(state: &AppState, _caller: &Caller, id: i64) -> Result<BatchView, ServiceError> {
    let mut tx = state.store().read().await?;
    let batch = batches::get_batch(&mut tx, id).await?;
    let documents = batches::batch_documents(&mut tx, id).await?;
    tx.commit().await?;
    let order = manifest_order(&documents.manifest);
    let sha = documents.pdf.as_deref().map(fingerprint);
    let discarded = sha.is_none() && batch.mailed_on.is_some();
    Ok(view(batch, &order, sha, discarded))
}

/// The combined PDF for the press (the print room only). It prints every
/// code in the batch: each download is recorded in the audit log (who, when,
/// the file's SHA-256), and it is gone once the batch is mailed
/// (`PrintFileDiscarded`).
pub async fn print_pdf(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<Vec<u8>, ServiceError> {
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let documents = batches::batch_documents(&mut tx, id).await?;
    let pdf = documents.pdf.ok_or_else(|| print_file_discarded(id))?;
    // The download and its record commit together: no copy leaves unrecorded.
    batches::record_print_download(&mut tx, id, &fingerprint(&pdf), &actor(caller), now).await?;
    tx.commit().await?;
    tracing::info!(batch = id, "print file downloaded");
    Ok(pdf)
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

/// Marks batch `id` handed to the post on `mailed_on` (default today), moves
/// each case to `inquiry_mailed`, keeps only code-blanked letter copies and
/// drops the combined print file. See the module doc for the steps.
#[tracing::instrument(skip_all, fields(batch_id = id))]
pub async fn mark_mailed(
    state: &AppState,
    caller: &Caller,
    id: i64,
    req: MailedRequest,
) -> Result<MailedBatch, ServiceError> {
    let now = state.now();
    let today = japan_date(now);
    let mut tx = state.store().begin().await?;
    let batch = batches::get_batch(&mut tx, id).await?;
    let documents = batches::batch_documents(&mut tx, id).await?;
    let mailed_on = match batch.mailed_on {
        Some(recorded) if documents.pdf.is_none() => {
            return Err(StoreError::BatchAlreadyMailed {
                batch_id: id,
                mailed_on: recorded,
            }
            .into());
        }
        // Stopped part-way earlier: finish with the recorded date.
        Some(recorded) => recorded,
        None => {
            let mailed_on = req.mailed_on.unwrap_or(today);
            check_mailing_date(&batch, mailed_on, today)?;
            batches::mark_batch_mailed(&mut tx, id, mailed_on, &actor(caller), now).await?;
            mailed_on
        }
    };
    tx.commit().await?;
    let mut cases = Vec::with_capacity(batch.letters.len());
    for letter in &batch.letters {
        cases.push(mark_letter_mailed(state, caller, letter, mailed_on).await?);
    }
    let mut tx = state.store().begin().await?;
    batches::discard_batch_pdf(&mut tx, id).await?;
    let batch = batches::get_batch(&mut tx, id).await?;
    tx.commit().await?;
    tracing::info!(batch = id, cases = cases.len(), "print batch mailed");
    let order = manifest_order(&documents.manifest);
    Ok(MailedBatch {
        batch: view(batch, &order, None, true),
        mailed_on,
        cases,
    })
}

/// The workflow's own rule (issue date ≤ post date ≤ today), checked for the
/// whole batch before anything is written.
fn check_mailing_date(
    batch: &PrintBatch,
    mailed_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), ServiceError> {
    let issued_on = batch
        .letters
        .iter()
        .map(|l| japan_date(l.issued_at))
        .max()
        .unwrap_or(today);
    if mailed_on < issued_on || mailed_on > today {
        return Err(TransitionError::MailingDateOutOfRange { issued_on, today }.into());
    }
    Ok(())
}

/// Steps 2 and 3 for one letter of the batch.
async fn mark_letter_mailed(
    state: &AppState,
    caller: &Caller,
    letter: &BatchLetter,
    mailed_on: NaiveDate,
) -> Result<MailedCase, ServiceError> {
    let mut tx = state.store().read().await?;
    let before = store_cases::get_case(&mut tx, letter.case_id).await?;
    tx.commit().await?;
    let case = before.case()?;
    let content = kept_letter_content(state, &case, letter)?;
    let is_current = case
        .current_letter()
        .is_some_and(|l| i64::from(l.number) == letter.number && l.mailed_on.is_none());
    let (after, skipped_because) = if is_current {
        match move_case(state, caller, &before, mailed_on).await {
            Ok(after) => (after, None),
            Err(StoreError::Transition(e)) => (before, Some(e.code())),
            Err(other) => return Err(other.into()),
        }
    } else {
        // Already mailed: a repeated request finishing a batch stopped part-way.
        let already = case
            .letters()
            .iter()
            .any(|l| i64::from(l.number) == letter.number && l.mailed_on.is_some());
        (before, (!already).then_some("letter_superseded"))
    };
    keep_retained_copy(state, letter, content).await?;
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

/// `MarkMailed` and the proxy's notice, in one transition.
async fn move_case(
    state: &AppState,
    caller: &Caller,
    before: &StoredCase,
    mailed_on: NaiveDate,
) -> Result<StoredCase, StoreError> {
    let now = state.now();
    let ctx = state.context(now, caller.role);
    state
        .store()
        .transition(before.id, before.version, &actor(caller), now, |case| {
            let transition = case.apply(Event::MarkMailed { mailed_on }, &ctx)?;
            let messages = letter_mailed_message(&transition.case, mailed_on)
                .into_iter()
                .collect();
            Ok(Commit {
                transition,
                messages,
                response_attempt: None,
            })
        })
        .await
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
            "reference": reference,
            "letter_number": letter.number,
            "mailed_on": mailed_on,
            "deadline": case.deadline(),
        }),
        idempotency_key: format!("letter-mailed:{reference}:{}", letter.number),
    })
}

/// Step 3: replaces the kept letter PDF by the retained copy, unless that
/// already happened (the kept file no longer matches the mailed fingerprint).
async fn keep_retained_copy(
    state: &AppState,
    letter: &BatchLetter,
    content: LetterContent,
) -> Result<(), ServiceError> {
    let Some(mailed) = letter.fingerprint.clone() else {
        return Ok(());
    };
    let mut tx = state.store().read().await?;
    let kept = batches::letter_pdf_by_id(&mut tx, letter.letter_id).await?;
    tx.commit().await?;
    if kept.as_deref().map(fingerprint).as_ref() != Some(&mailed) {
        return Ok(());
    }
    let copy = letters::render_blanked(state, content, mailed).await?;
    let number = u8::try_from(letter.number).map_err(ServiceError::internal)?;
    let mut tx = state.store().begin().await?;
    store_cases::save_letter_pdf(&mut tx, letter.case_id, number, &copy).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::cases;
    use crate::service::letters::{self, IssueRequest};
    use crate::testing::{TestDb, jst, proxy_intake, staff};
    use shokai_workflow::Role;

    /// Opens a proxy case and issues its letter at the clock's time.
    async fn letter_waiting(state: &AppState, clerk: &Caller) {
        let case = cases::open(state, clerk, proxy_intake()).await.unwrap();
        let request = IssueRequest {
            version: case.version,
            override_reason: None,
        };
        letters::issue(state, clerk, case.id, request)
            .await
            .unwrap();
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

    /// Breaks every waiting letter the way a crash after issuing would.
    async fn drop_kept_pdfs(db: &TestDb) {
        use sqlx::Connection;
        let sql = "UPDATE letters SET pdf = NULL";
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
        drop_kept_pdfs(&db).await;
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

    macro_rules! on_both_backends {
        ($($body:ident),*) => {
            mod sqlite {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $body() {
                        super::$body(crate::testing::TestDb::sqlite()).await;
                    }
                )*
            }
            mod postgres {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $body() {
                        // Without SHOKAI_TEST_POSTGRES: SQLite only (make test says so for e2e).
                        if let Some(db) = crate::testing::TestDb::postgres().await {
                            super::$body(db).await;
                        }
                    }
                )*
            }
        };
    }

    on_both_backends!(
        the_cut_off_closes_the_days_batch_once,
        a_closed_day_and_a_day_without_letters_close_nothing,
        two_servers_at_the_cut_off_close_one_batch,
        a_cut_off_with_only_unprintable_letters_is_done_for_the_day
    );
}
