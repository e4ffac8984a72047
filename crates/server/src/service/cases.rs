//! Cases: intake (the card in the terminal is bound to the case), reading,
//! listing, and the supervisor's cancel and unlock. Each change is one store
//! transition: the workflow decides, the store commits state, letters and
//! the audit event together, checking the version the caller read.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shokai_store::case_list::{self, KanaSearch, ReferencePrefix};
pub use shokai_store::case_list::{CaseSearch, Cursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use shokai_store::cases::Commit;
use shokai_store::{Actor, cases};
pub use shokai_store::{CaseSummary, StoredCase};
use shokai_workflow::calendar::this_week;
use shokai_workflow::letter::LetterContent;
use shokai_workflow::{
    Application, AuditRecord, CardFingerprint, Cardholder, Case, CaseState, Context, Event,
    Parties, Path, PinSet, Procedure, ReferenceNumber, Representation, Role,
};

use super::error::ServiceError;
use crate::auth::{Caller, Operate, Policy};
use crate::state::AppState;

/// What a clerk types at intake; the card fingerprint comes from the terminal.
#[derive(Debug, Deserialize)]
pub struct Intake {
    pub cardholder: Cardholder,
    pub representation: Representation,
    pub pins: PinSet,
    /// `change` (the default) or `reset`.
    #[serde(default)]
    pub procedure: Procedure,
}

/// A case as the API shows it: state, dates, letters (numbers and dates
/// only, never digests) and the parties (absent once purged).
#[derive(Debug, Serialize)]
pub struct CaseView {
    pub id: i64,
    pub version: i64,
    pub reference: String,
    pub path: &'static str,
    /// `change` or `reset`.
    pub procedure: &'static str,
    pub state: &'static str,
    /// Why the PINs were not set, for a `failed` case: `reset_required`,
    /// `current_pin_wrong`, `card_not_bound` or `card_error`.
    pub failure: Option<&'static str>,
    pub pins: PinSet,
    pub applied_on: NaiveDate,
    pub deadline: Option<NaiveDate>,
    /// The card bound at intake (SHA-256 of its authentication certificate).
    pub card_fingerprint: CardFingerprint,
    pub letters: Vec<LetterView>,
    pub wrong_code_attempts: u8,
    pub locked: bool,
    pub parties: Option<Parties>,
}

/// One letter of a case.
#[derive(Debug, Serialize)]
pub struct LetterView {
    pub number: u8,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    pub mailed_on: Option<NaiveDate>,
    pub superseded: bool,
}

impl From<StoredCase> for CaseView {
    fn from(s: StoredCase) -> Self {
        let core = &s.core;
        CaseView {
            id: s.id,
            version: s.version,
            reference: core.reference().to_string(),
            path: core.path().code(),
            procedure: core.procedure().code(),
            state: core.state().code(),
            failure: core.failure().map(|f| f.code()),
            pins: core.pins().clone(),
            applied_on: core.applied_on(),
            deadline: core.deadline(),
            card_fingerprint: core.card_fingerprint().clone(),
            letters: core
                .letters()
                .iter()
                .map(|l| LetterView {
                    number: l.number,
                    issued_at: l.issued_at,
                    mailed_on: l.mailed_on,
                    superseded: l.superseded_at.is_some(),
                })
                .collect(),
            wrong_code_attempts: core.wrong_code_attempts(),
            locked: core.is_locked(),
            parties: s.parties,
        }
    }
}

/// The actor the audit log names for the server's own jobs (expiry, the
/// batch cut-off): no user, the system's role.
pub fn system_actor() -> Actor {
    Actor {
        user_id: None,
        username: "system".to_owned(),
        role: shokai_workflow::Role::System,
    }
}

pub(crate) fn actor(caller: &Caller) -> Actor {
    Actor {
        user_id: Some(caller.user_id),
        username: caller.username.clone(),
        role: caller.role,
    }
}

/// The card in the terminal, read with no PIN: its fingerprint, and
/// whether it holds a signature certificate.
pub(crate) async fn card_in_terminal(
    state: &AppState,
) -> Result<(CardFingerprint, bool), ServiceError> {
    let (fingerprint, has_signature_certificate) = state.terminal().read_card().await?;
    Ok((parse_fingerprint(&fingerprint)?, has_signature_certificate))
}

/// The fingerprint of the card in the terminal.
pub(crate) async fn fingerprint_in_terminal(
    state: &AppState,
) -> Result<CardFingerprint, ServiceError> {
    parse_fingerprint(&state.terminal().fingerprint().await?)
}

fn parse_fingerprint(
    read: &shokai_card::CertificateFingerprint,
) -> Result<CardFingerprint, ServiceError> {
    CardFingerprint::parse(&read.to_string()).map_err(ServiceError::internal)
}

/// Registers an application for the card now in the terminal.
#[tracing::instrument(skip_all)]
pub async fn open(
    state: &AppState,
    caller: &Caller,
    intake: Intake,
) -> Result<CaseView, ServiceError> {
    // Checked before the card is read: a letter that cannot be printed would
    // otherwise stop a print batch weeks later.
    let fonts = &state.letters().fonts;
    let unprintable =
        LetterContent::first_unprintable(&intake.cardholder, &intake.representation, fonts);
    if let Some((field, ch)) = unprintable {
        return Err(ServiceError::Unprintable { field, ch });
    }
    let (card_fingerprint, card_has_signature_certificate) = card_in_terminal(state).await?;
    let application = Application {
        cardholder: intake.cardholder,
        representation: intake.representation,
        pins: intake.pins,
        procedure: intake.procedure,
        card_fingerprint,
        card_has_signature_certificate,
    };
    let now = state.now();
    let ctx = state.context(now, caller.role);
    let card = application.card_fingerprint.clone();
    let stored = state
        .store()
        .create_case(&actor(caller), now, &card, |reference, open_case| {
            Case::open(application, reference, open_case, &ctx)
        })
        .await?;
    tracing::info!(case_id = stored.id, "case opened");
    Ok(stored.into())
}

/// The cardholder came in person while proxy case `id` (read at
/// `version`) is open: ends it (本人来庁) and opens the cardholder's own
/// case for the card in the terminal, which must be that case's card, in
/// one transaction. Returns the ended case and the new one.
#[tracing::instrument(skip_all, fields(case_id = id))]
pub async fn take_over(
    state: &AppState,
    caller: &Caller,
    id: i64,
    version: i64,
) -> Result<(CaseView, CaseView), ServiceError> {
    let (card, card_has_signature_certificate) = card_in_terminal(state).await?;
    let now = state.now();
    let ctx = state.context(now, caller.role);
    let (closed, opened) = state
        .store()
        .take_over(id, version, &actor(caller), now, |case, reference| {
            let parties = case.parties();
            let application = Application {
                cardholder: parties.cardholder.clone(),
                representation: Representation::InPerson,
                pins: case.core().pins().clone(),
                procedure: case.core().procedure(),
                card_fingerprint: card,
                card_has_signature_certificate,
            };
            case.take_over(application, reference, &ctx)
        })
        .await?;
    tracing::info!(case_id = opened.id, "in-person case took over");
    Ok((closed.into(), opened.into()))
}

/// Opens the reset case that follows failed change `id` (a blocked or
/// forgotten PIN), for the card in the terminal, which must be that case's.
#[tracing::instrument(skip_all, fields(case_id = id))]
pub async fn open_reset(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<CaseView, ServiceError> {
    let failed = load(state, id).await?.case()?;
    let (card, card_has_signature_certificate) = card_in_terminal(state).await?;
    let now = state.now();
    let ctx = state.context(now, caller.role);
    let opened = state
        .store()
        .create_case(
            &actor(caller),
            now,
            &card.clone(),
            |reference, open_case| {
                failed.open_reset(
                    card,
                    card_has_signature_certificate,
                    reference,
                    open_case,
                    &ctx,
                )
            },
        )
        .await?;
    tracing::info!(case_id = opened.id, "reset case opened");
    Ok(opened.into())
}

/// One case as stored (state, letters, parties), for pages that show more
/// than the API's view.
pub async fn load(state: &AppState, id: i64) -> Result<StoredCase, ServiceError> {
    let mut tx = state.store().read().await?;
    let stored = cases::get_case(&mut tx, id).await?;
    tx.commit().await?;
    Ok(stored)
}

/// One case.
pub async fn get(state: &AppState, id: i64) -> Result<CaseView, ServiceError> {
    Ok(load(state, id).await?.into())
}

/// The case with the reference as typed; a malformed reference finds
/// nothing.
pub async fn find_by_reference(
    state: &AppState,
    typed: &str,
) -> Result<Option<StoredCase>, ServiceError> {
    let Ok(reference) = ReferenceNumber::parse(typed.trim()) else {
        return Ok(None);
    };
    let mut tx = state.store().read().await?;
    let found = cases::case_by_reference(&mut tx, &reference).await?;
    tx.commit().await?;
    Ok(found)
}

/// The case list's filters and page as typed in a query string (the API's
/// `GET /api/cases` and the clerk page `/cases`): text as given, an empty
/// field meaning "any". [`CaseListParams::parse`] turns it into a
/// [`CaseQuery`].
#[derive(Debug, Default, Clone, Deserialize)]
pub struct CaseListParams {
    /// The start of a reference (受付番号), or all of it.
    #[serde(default)]
    pub reference: String,
    /// Part of the cardholder's reading (フリガナ), kana of any width.
    #[serde(default)]
    pub kana: String,
    /// A state code.
    #[serde(default)]
    pub state: String,
    /// A path code (申請区分): in_person, legal_representative, optional_proxy.
    #[serde(default)]
    pub path: String,
    /// First application date, `YYYY-MM-DD` (Japan).
    #[serde(default)]
    pub applied_from: String,
    /// Last application date, `YYYY-MM-DD` (Japan).
    #[serde(default)]
    pub applied_to: String,
    /// `true`/`1`: only cases waiting past their deadline.
    #[serde(default)]
    pub overdue: String,
    /// `true`/`1`: only waiting cases due between today and the coming Sunday.
    #[serde(default)]
    pub due_this_week: String,
    /// Where the page starts: a `next_cursor` or `previous_cursor` given out before.
    #[serde(default)]
    pub cursor: String,
    /// Rows per page (1 to 200; 50 if empty).
    #[serde(default)]
    pub limit: String,
}

/// The case list's filters and page, parsed; "today" and "this week" are
/// the clock's, put into the search by [`list`].
#[derive(Debug, Default, Clone)]
pub struct CaseQuery {
    /// Reference prefix, reading, state, path and application dates.
    pub search: CaseSearch,
    /// Only cases waiting past their deadline.
    pub overdue: bool,
    /// Only waiting cases due between today and the coming Sunday.
    pub due_this_week: bool,
    /// The page to show; the first without one.
    pub cursor: Option<Cursor>,
    /// Rows per page; [`DEFAULT_PAGE_SIZE`] without one.
    pub limit: Option<u32>,
}

/// `Some(text)` unless `text` is empty or spaces.
fn given(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

/// A yes/no filter: empty, `0` or `false` is no; `1`, `true` or `on` is yes.
fn flag(field: &str, text: &str) -> Result<bool, ServiceError> {
    match text.trim() {
        "" | "0" | "false" => Ok(false),
        "1" | "true" | "on" => Ok(true),
        _ => Err(ServiceError::invalid(field, "true or false (1 or 0)")),
    }
}

/// `parse` on `text` unless it is empty; its error is `field` refused with
/// `message` (English, for the API) and `message_ja` (for the pages).
fn optional<T, E>(
    text: &str,
    field: &str,
    (message, message_ja): (&str, &str),
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Option<T>, ServiceError> {
    given(text)
        .map(|t| parse(t).map_err(|_| ServiceError::invalid_ja(field, message, message_ja)))
        .transpose()
}

const REFERENCE_WRONG: (&str, &str) = (
    "the start of a reference such as R8-000123-4",
    "受付番号は R8-000123-4 のように、先頭から入力してください。",
);
const KANA_WRONG: (&str, &str) = (
    "katakana or hiragana",
    "フリガナはカタカナかひらがなで入力してください。",
);
const PATH_WRONG: (&str, &str) = (
    "one of in_person, legal_representative, optional_proxy",
    "申請区分を選び直してください。",
);
const DATE_WRONG: (&str, &str) = (
    "a date as YYYY-MM-DD",
    "申請日は 2026-11-26 のように年-月-日で入力してください。",
);
const CURSOR_WRONG: (&str, &str) = (
    "not a cursor this server gave out; start again from the first page",
    "ページの位置が読み取れません。一覧の最初から開き直してください。",
);
const LIMIT_WRONG: (&str, &str) = (
    "a whole number from 1 to 200",
    "1ページの件数は 1 から 200 までの整数です。",
);

impl CaseListParams {
    /// Parses every field; the first one wrong is the error, naming it.
    pub fn parse(&self) -> Result<CaseQuery, ServiceError> {
        let reference = optional(
            &self.reference,
            "reference",
            REFERENCE_WRONG,
            ReferencePrefix::parse,
        )?;
        let kana = optional(&self.kana, "kana", KANA_WRONG, KanaSearch::parse)?;
        let path = optional(&self.path, "path", PATH_WRONG, |t| {
            Path::from_code(t).ok_or(())
        })?;
        let ymd = |t: &str| NaiveDate::parse_from_str(t, "%Y-%m-%d");
        let applied_from = optional(&self.applied_from, "applied_from", DATE_WRONG, ymd)?;
        let applied_to = optional(&self.applied_to, "applied_to", DATE_WRONG, ymd)?;
        if let (Some(from), Some(to)) = (applied_from, applied_to)
            && from > to
        {
            return Err(ServiceError::invalid_ja(
                "applied_to",
                "before applied_from",
                "申請日の終わりが始めより前です。",
            ));
        }
        let cursor = optional(&self.cursor, "cursor", CURSOR_WRONG, Cursor::decode)?;
        let limit = optional(&self.limit, "limit", LIMIT_WRONG, |t| {
            t.parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                .ok_or(())
        })?;
        let search = CaseSearch {
            reference,
            kana,
            state: given(&self.state).map(parse_state).transpose()?,
            path,
            applied_from,
            applied_to,
            ..CaseSearch::default()
        };
        Ok(CaseQuery {
            search,
            overdue: flag("overdue", &self.overdue)?,
            due_this_week: flag("due_this_week", &self.due_this_week)?,
            cursor,
            limit,
        })
    }
}

/// One page of the case list, with the day it was listed on.
#[derive(Debug)]
pub struct CaseList {
    /// Today (Japan date) by the services' clock.
    pub today: NaiveDate,
    /// The page's cases, newest first.
    pub cases: Vec<CaseSummary>,
    /// How many cases match the filters.
    pub total: i64,
    /// The next (older) page, if any.
    pub next: Option<Cursor>,
    /// The previous (newer) page, if this is not the first.
    pub previous: Option<Cursor>,
}

/// One page of the cases matching the query, newest first, with the total.
///
/// The reading (フリガナ) is the cardholder's personal data: only a role that
/// operates on cases may search by it; for any other (an auditor) the
/// reading given is ignored, on the page and over the API alike.
pub async fn list(
    state: &AppState,
    role: Role,
    query: CaseQuery,
) -> Result<CaseList, ServiceError> {
    let today = state.clock().today();
    let week = this_week(today);
    let search = CaseSearch {
        overdue_on: query.overdue.then_some(today),
        due_between: query.due_this_week.then_some(week),
        kana: query.search.kana.filter(|_| Operate::allows(role)),
        ..query.search
    };
    let limit = query.limit.unwrap_or(DEFAULT_PAGE_SIZE);
    let mut tx = state.store().read().await?;
    let page = case_list::search_cases(&mut tx, &search, query.cursor.as_ref(), limit).await?;
    tx.commit().await?;
    Ok(CaseList {
        today,
        cases: page.cases,
        total: page.total,
        next: page.next,
        previous: page.previous,
    })
}

/// Applies `event` to case `id` read at `version`.
#[tracing::instrument(skip_all, fields(case_id = id))]
pub async fn apply(
    state: &AppState,
    caller: &Caller,
    id: i64,
    version: i64,
    event: Event,
) -> Result<CaseView, ServiceError> {
    apply_after(state, caller, id, version, event, |_, _| Vec::new()).await
}

/// [`apply`], with audit records of what led to the step (`earlier`, made
/// from the case as read) written just before its own, in the same
/// transaction: the PIN tries that ended in a PIN change or a blocked PIN.
pub async fn apply_after(
    state: &AppState,
    caller: &Caller,
    id: i64,
    version: i64,
    event: Event,
    earlier: impl FnOnce(&Case, &Context<'_>) -> Vec<AuditRecord>,
) -> Result<CaseView, ServiceError> {
    let now = state.now();
    let ctx = state.context(now, caller.role);
    let stored = state
        .store()
        .transition(id, version, &actor(caller), now, |case| {
            Ok(Commit {
                earlier: earlier(case, &ctx),
                transition: case.apply(event, &ctx)?,
                messages: Vec::new(),
                response_attempt: None,
            })
        })
        .await?;
    Ok(stored.into())
}

/// Parses a `state=` filter value.
pub fn parse_state(code: &str) -> Result<CaseState, ServiceError> {
    CaseState::from_code(code).ok_or_else(|| {
        let codes: Vec<&str> = CaseState::ALL.iter().map(|s| s.code()).collect();
        ServiceError::invalid("state", format!("one of {}", codes.join(", ")))
    })
}
