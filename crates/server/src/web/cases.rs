//! The case list (`/cases`: filters by reference, reading, state, path,
//! application dates, overdue and due this week; a total; pages of 50,
//! newest first, with 次へ/前へ/最初へ links keeping the filters) and the case page (`/cases/{id}`: summary, parties, letters,
//! the timeline from the audit log, and the actions its state allows), with
//! the actions posted from it.
//!
//! "Due this week" means a case still waiting for the response
//! (`inquiry_mailed`) whose deadline falls between today and the coming
//! Sunday, both inclusive, in Japan time (on a Sunday: that day only).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Deserialize;
use shokai_workflow::case::{NextStep, japan_date};
use shokai_workflow::domain::ReferenceNumberError;
use shokai_workflow::{
    CaseState, Event, Parties, ReferenceNumber, Representation, TransitionError,
};

use super::actions::{self, CaseAction};
use super::confirm::{self, ConfirmPage};
use super::csrf::CsrfForm;
use super::messages::error_ja;
use super::page::{self, Chrome, WebError};
use super::session::WebAuthorized;
use crate::auth::{Operate, Read, Supervise};
use crate::service::access_log::{AccessKind, Target};
use crate::service::audit::{self, AuditEvent, AuditQuery};
use crate::service::cases::{self, CaseListParams, CaseSummary, Cursor, DEFAULT_PAGE_SIZE};
use crate::service::error::ServiceError;
use crate::service::letters::{self, IssueRequest};
use crate::service::responses;
use crate::state::AppState;

/// Japan Standard Time (no daylight saving).
fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

/// `2026-11-26 10:05` in Japan time.
pub fn jst_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&jst()).format("%Y-%m-%d %H:%M").to_string()
}

/// An audit event's name on screen (codes no one knows are shown as they are).
pub fn event_ja(code: &str) -> String {
    crate::service::audit::event_ja(code)
}

/// A state's name on screen, from its code in the audit log.
fn state_ja(code: Option<&str>) -> String {
    code.map(|c| CaseState::from_code(c).map_or_else(|| c.to_owned(), |s| s.name_ja().to_owned()))
        .unwrap_or_default()
}

/// `GET /`: the case list is the home page.
pub async fn home(auth: WebAuthorized<crate::auth::Staff>) -> Redirect {
    // The print room sees no cases: its home is the batches.
    if auth.chrome.is_printer() {
        Redirect::to("/batches")
    } else {
        Redirect::to("/cases")
    }
}

/// One row of the case list.
pub struct CaseRow {
    pub id: i64,
    pub reference: String,
    pub path: &'static str,
    pub state_code: &'static str,
    pub state: &'static str,
    pub applied_on: String,
    pub deadline: String,
    pub overdue: bool,
    pub updated_at: String,
}

impl CaseRow {
    fn new(s: &CaseSummary, today: NaiveDate) -> CaseRow {
        CaseRow {
            id: s.id,
            reference: s.reference.clone(),
            path: s.path.name_ja(),
            state_code: s.state.code(),
            state: s.state.name_ja(),
            applied_on: japan_date(s.created_at).to_string(),
            deadline: s.deadline.map(|d| d.to_string()).unwrap_or_default(),
            overdue: s.state.is_overdue(s.deadline, today),
            updated_at: jst_time(s.updated_at),
        }
    }
}

/// The case list page.
#[derive(Template)]
#[template(path = "case_list.html")]
pub struct CaseListPage {
    pub chrome: Chrome,
    pub states: Vec<(&'static str, &'static str)>,
    pub paths: Vec<(&'static str, &'static str)>,
    /// The filters as typed, to fill the form in again.
    pub filter: CaseListParams,
    /// Whether the reading filter is offered (not to auditors, whose pages
    /// show no personal data).
    pub kana_search: bool,
    /// A filter refused: (field, message), shown beside the field.
    pub error: Option<(String, String)>,
    pub rows: Vec<CaseRow>,
    /// 「全 1,234 件」: the cases matching the filters.
    pub total: String,
    pub next_href: Option<String>,
    pub previous_href: Option<String>,
    pub first_href: String,
    /// Rows per page.
    pub page_size: u32,
    pub overdue_checked: bool,
    pub due_this_week_checked: bool,
    pub week: String,
    pub not_found: Option<String>,
}

impl CaseListPage {
    /// The message for `field`, if the filters were refused because of it.
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// The message of a refused filter the form has no field to show it
    /// beside (a cursor or page size from an edited address).
    pub fn error_elsewhere(&self) -> Option<&str> {
        const BESIDE: [&str; 4] = ["reference", "kana", "applied_from", "applied_to"];
        self.error
            .as_ref()
            .filter(|(f, _)| !BESIDE.contains(&f.as_str()))
            .map(|(_, m)| m.as_str())
    }
}

/// `1234567` → `1,234,567`.
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// The filters typed (not the page) as a query string, in a fixed order
/// (`state=applied&kana=…`, empty for none): the page links carry it, and
/// so should any export of the list.
fn filter_query(filter: &CaseListParams) -> String {
    let fields = [
        ("reference", &filter.reference),
        ("kana", &filter.kana),
        ("state", &filter.state),
        ("path", &filter.path),
        ("applied_from", &filter.applied_from),
        ("applied_to", &filter.applied_to),
        ("overdue", &filter.overdue),
        ("due_this_week", &filter.due_this_week),
        ("limit", &filter.limit),
    ];
    let given: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (*k, v.trim()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    serde_urlencoded::to_string(given).unwrap_or_default()
}

/// `/cases` with the filters and, if given, a page's cursor.
fn list_href(filters: &str, cursor: Option<&str>) -> String {
    let page = cursor.map(|c| format!("cursor={c}"));
    let query: Vec<&str> = [Some(filters), page.as_deref()]
        .into_iter()
        .flatten()
        .filter(|q| !q.is_empty())
        .collect();
    if query.is_empty() {
        "/cases".to_owned()
    } else {
        format!("/cases?{}", query.join("&"))
    }
}

/// `GET /cases`: the filters form, one page of cases and the links to the
/// pages either side, keeping the filters. A whole reference number that
/// names a case opens that case.
pub async fn list(
    auth: WebAuthorized<Read>,
    State(state): State<AppState>,
    Query(filter): Query<CaseListParams>,
) -> Result<Response, WebError> {
    let mut not_found = None;
    // A whole reference opens its case; one of a whole reference's shape
    // that names none (or has a wrong check digit) is said to be unknown.
    // Anything shorter is the start of references to list.
    match ReferenceNumber::parse(&filter.reference) {
        Ok(reference) => match cases::find_by_reference(&state, &filter.reference).await {
            Ok(Some(found)) => return Ok(Redirect::to(&case_url(found.id)).into_response()),
            Ok(None) => not_found = Some(reference.to_string()),
            Err(e) => return Err(auth.fail(e)),
        },
        Err(ReferenceNumberError::WrongCheckDigit) => {
            not_found = Some(filter.reference.trim().to_owned());
        }
        Err(_) => {}
    }
    let (listed, error) = match filter.parse() {
        Ok(query) => {
            let listed = cases::list(&state, auth.caller.role, query)
                .await
                .map_err(|e| auth.fail(e))?;
            (Some(listed), None)
        }
        Err(e) => (None, Some((e.field().unwrap_or_default(), error_ja(&e)))),
    };
    let week = shokai_workflow::calendar::this_week(state.clock().today());
    let mut page = list_page(auth.chrome.at("cases"), filter, listed.as_ref());
    page.error = error;
    page.not_found = not_found;
    page.week = format!("{}〜{}", week.0.format("%m/%d"), week.1.format("%m/%d"));
    Ok(page::render(&page))
}

/// The case list page for `filter` showing `listed` (nothing when the
/// filters were refused).
fn list_page(
    chrome: Chrome,
    filter: CaseListParams,
    listed: Option<&cases::CaseList>,
) -> CaseListPage {
    let filters = filter_query(&filter);
    let href = |cursor: Option<Cursor>| cursor.map(|c| list_href(&filters, Some(&c.encode())));
    let flag = |text: &str| matches!(text.trim(), "1" | "true" | "on");
    CaseListPage {
        states: CaseState::ALL
            .iter()
            .map(|s| (s.code(), s.name_ja()))
            .collect(),
        paths: shokai_workflow::Path::ALL
            .iter()
            .map(|p| (p.code(), p.name_ja()))
            .collect(),
        kana_search: chrome.can_operate(),
        chrome,
        error: None,
        rows: listed
            .iter()
            .flat_map(|l| l.cases.iter().map(|s| CaseRow::new(s, l.today)))
            .collect(),
        total: thousands(listed.map_or(0, |l| l.total)),
        next_href: href(listed.and_then(|l| l.next)),
        previous_href: href(listed.and_then(|l| l.previous)),
        first_href: list_href(&filters, None),
        page_size: filter.limit.trim().parse().unwrap_or(DEFAULT_PAGE_SIZE),
        overdue_checked: flag(&filter.overdue),
        due_this_week_checked: flag(&filter.due_this_week),
        week: String::new(),
        not_found: None,
        filter,
    }
}

/// One letter on the case page.
pub struct LetterRow {
    pub number: u8,
    pub issued_at: String,
    pub mailed_on: String,
    /// 有効, 再発行により無効, 使用済 or 無効 (the workflow's `LetterStatus`).
    pub status: &'static str,
}

/// One line of the timeline.
pub struct TimelineRow {
    pub at: String,
    pub actor: String,
    pub event: String,
    pub from: String,
    pub to: String,
    pub reason: String,
}

impl From<AuditEvent> for TimelineRow {
    fn from(e: AuditEvent) -> TimelineRow {
        TimelineRow {
            at: jst_time(e.recorded_at),
            actor: e.actor.unwrap_or_else(|| "（システム）".to_owned()),
            event: event_ja(&e.event),
            from: state_ja(e.from_state.as_deref()),
            to: state_ja(e.to_state.as_deref()),
            reason: e.reason.unwrap_or_default(),
        }
    }
}

/// A person on the case page.
pub struct PartyRow {
    pub label: &'static str,
    pub value: String,
}

/// An action refused, shown next to its form on the page drawn again.
pub struct ActionError {
    pub action: &'static str,
    pub message: String,
    /// The reason or note as typed (never a PIN or code).
    pub text: String,
}

/// The case page.
#[derive(Template)]
#[template(path = "case.html")]
pub struct CasePage {
    pub chrome: Chrome,
    pub id: i64,
    pub version: i64,
    pub reference: String,
    pub path: &'static str,
    /// Whether the path mails letters (only then is there a deadline).
    pub mails_letters: bool,
    /// 暗証番号の変更, or 暗証番号の再設定（初期化）.
    pub procedure: &'static str,
    /// A reset: the counter sets new PINs without the current ones.
    pub reset: bool,
    pub state_code: &'static str,
    pub state: &'static str,
    /// Why the PINs were not set, for a failed case.
    pub failure: Option<String>,
    pub pins: Vec<&'static str>,
    pub applied_on: String,
    pub deadline: String,
    pub overdue: bool,
    pub wrong_code_attempts: u8,
    pub locked: bool,
    pub letters: Vec<LetterRow>,
    pub current_letter: Option<u8>,
    pub parties: Option<Vec<PartyRow>>,
    pub parties_note: &'static str,
    pub timeline: Vec<TimelineRow>,
    pub actions: Vec<&'static str>,
    pub error: Option<ActionError>,
    /// What comes next, and a link to the page where it happens.
    pub next: Option<NextStepView>,
}

/// The case page's pointer to the next step.
pub struct NextStepView {
    pub text: &'static str,
    /// (href, link text), when the step happens on another page.
    pub link: Option<(String, &'static str)>,
}

/// The next step of `core` (case `id`) as the case page words it.
fn next_step_view(core: &shokai_workflow::CaseCore, id: i64) -> Option<NextStepView> {
    let reset = !core.procedure().needs_current_pin();
    let (text, link) = match core.next_step() {
        NextStep::IssueLetter => ("次は照会書の発行です（下の「照会書を発行」）。", None),
        NextStep::CloseBatch => (
            "照会書は発行済みです。次の発送バッチで印刷されます（締めは発送バッチの画面から）。",
            Some(("/batches".to_owned(), "発送バッチへ")),
        ),
        NextStep::MarkMailed => (
            "照会書は印刷済みです。印刷担当が投函して「発送済みにする」と、回答待ちになります。",
            Some(("/batches".to_owned(), "発送バッチへ")),
        ),
        NextStep::RecordResponse => (
            "照会書は発送済みです。代理人が回答書兼委任状を持参したら、回答受付で受け付けます。",
            Some((
                format!("/response?reference={}", core.reference()),
                "回答受付へ",
            )),
        ),
        NextStep::Unlock => (
            "照会番号の誤入力が上限に達したためロックされています。監督者がロックを解除します。",
            None,
        ),
        NextStep::ChangePins if reset => (
            "次は窓口での暗証番号の初期化です。カードをリーダーに置いてください。",
            Some((format!("/cases/{id}/pin-change"), "暗証番号の初期化へ")),
        ),
        NextStep::ChangePins => (
            "次は窓口での暗証番号の変更です。カードをリーダーに置いてください。",
            Some((format!("/cases/{id}/pin-change"), "暗証番号の変更へ")),
        ),
        NextStep::Done => return None,
    };
    Some(NextStepView { text, link })
}

impl CasePage {
    /// Whether the page offers the action with this code.
    pub fn offers(&self, code: &str) -> bool {
        self.actions.contains(&code)
    }

    /// The error shown at the action with this code.
    pub fn error_at(&self, code: &str) -> Option<&ActionError> {
        self.error.as_ref().filter(|e| e.action == code)
    }

    /// The text typed into the action's field before it was refused.
    pub fn typed(&self, code: &str) -> &str {
        self.error_at(code).map_or("", |e| e.text.as_str())
    }
}

fn parties_rows(parties: &Parties) -> Vec<PartyRow> {
    let c = &parties.cardholder;
    let mut rows = vec![
        PartyRow {
            label: "本人 氏名",
            value: format!("{}（{}）", c.name.name(), c.name.kana()),
        },
        PartyRow {
            label: "本人 住所",
            value: format!(
                "〒{} {}{}{}",
                c.address.postal_code(),
                c.address.prefecture(),
                c.address.city(),
                c.address.rest()
            ),
        },
        PartyRow {
            label: "本人 生年月日",
            value: c.date_of_birth.date().to_string(),
        },
    ];
    let rep = match &parties.representation {
        Representation::InPerson => None,
        Representation::LegalRepresentative(r) => {
            Some(("法定代理人", &r.person, r.id_document.kind().name_ja()))
        }
        Representation::OptionalProxy(p) => {
            Some(("任意代理人", &p.person, p.id_document.kind().name_ja()))
        }
    };
    if let Some((label, person, id)) = rep {
        rows.push(PartyRow {
            label,
            value: format!("{}（{}）", person.name(), person.kana()),
        });
        rows.push(PartyRow {
            label: "代理人 本人確認書類",
            value: id.to_owned(),
        });
    }
    rows
}

/// Builds the case page for `auth`'s user.
async fn case_page<P: crate::auth::Policy>(
    state: &AppState,
    auth: &WebAuthorized<P>,
    id: i64,
    error: Option<ActionError>,
) -> Result<CasePage, ServiceError> {
    let stored = cases::load(state, id).await?;
    let query = AuditQuery {
        case_id: Some(id),
        ..AuditQuery::default()
    };
    let events = audit::search(state.store(), &query).await?;
    let core = &stored.core;
    let role = auth.caller.role;
    // Auditors check who did what and when; names and addresses are not
    // needed for that, so the page leaves them out (least privilege).
    let (parties, parties_note) = match (&stored.parties, auth.chrome.can_operate()) {
        (Some(p), true) => {
            auth.log_read(state, AccessKind::CasePage, Target::Case(id))
                .await?;
            (Some(parties_rows(p)), "")
        }
        (Some(_), false) => (None, "監査担当の画面には個人情報を表示しません。"),
        (None, _) => (None, "保存期間を過ぎたため、個人情報は削除されています。"),
    };
    let deadline = core.deadline().map(|d| d.to_string()).unwrap_or_default();
    let overdue = core.is_overdue(state.clock().today());
    Ok(CasePage {
        chrome: auth.chrome.clone().at("cases"),
        id,
        version: stored.version,
        reference: core.reference().to_string(),
        path: core.path().name_ja(),
        mails_letters: core.path().mails_letters(),
        procedure: core.procedure().name_ja(),
        reset: !core.procedure().needs_current_pin(),
        state_code: core.state().code(),
        state: core.state().name_ja(),
        failure: core.failure().map(|f| f.message_ja()),
        pins: core.pins().iter().map(|k| k.name_ja()).collect(),
        applied_on: core.applied_on().to_string(),
        deadline,
        overdue,
        wrong_code_attempts: core.wrong_code_attempts(),
        locked: core.is_locked(),
        letters: core
            .letters()
            .iter()
            .map(|l| LetterRow {
                number: l.number,
                issued_at: jst_time(l.issued_at),
                mailed_on: l.mailed_on.map(|d| d.to_string()).unwrap_or_default(),
                status: core.letter_status(l).name_ja(),
            })
            .collect(),
        current_letter: core.current_letter().map(|l| l.number),
        parties,
        parties_note,
        timeline: events.into_iter().map(TimelineRow::from).collect(),
        actions: actions::offered(core, role)
            .into_iter()
            .map(CaseAction::code)
            .collect(),
        error,
        next: next_step_view(core, id),
    })
}

/// `GET /cases/{id}`.
pub async fn show(
    auth: WebAuthorized<Read>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let page = case_page(&state, &auth, id, None)
        .await
        .map_err(|e| auth.fail(e))?;
    Ok(page::render(&page))
}

fn case_url(id: i64) -> String {
    format!("/cases/{id}")
}

/// A refused action: a stale version gets the conflict page with a link
/// back; anything else draws the case page again with the message next to
/// the action's form (422 for bad input, the refusal's status otherwise).
async fn action_failed<P: crate::auth::Policy>(
    state: &AppState,
    auth: &WebAuthorized<P>,
    id: i64,
    action: CaseAction,
    text: &str,
    e: ServiceError,
) -> Result<Response, WebError> {
    if !refused_on_the_page(&e) {
        return Err(auth.fail(e).back_to(case_url(id)));
    }
    let error = ActionError {
        action: action.code(),
        message: super::messages::error_ja(&e),
        text: text.to_owned(),
    };
    let (status, _) = page::status_of(e);
    let page = case_page(state, auth, id, Some(error))
        .await
        .map_err(|e| auth.fail(e))?;
    Ok(page::render_with(status, &page))
}

/// Whether a refusal is shown beside the action's form (the clerk can act
/// on it there) rather than as an error page: a stale version, something
/// missing or a failure has nothing to do with the form.
fn refused_on_the_page(e: &ServiceError) -> bool {
    match e {
        ServiceError::Invalid { .. }
        | ServiceError::Unprintable { .. }
        | ServiceError::Application(_)
        | ServiceError::Transition(_)
        | ServiceError::Refused { .. }
        | ServiceError::Duplicate { .. }
        | ServiceError::Purged { .. }
        | ServiceError::BatchEmpty
        | ServiceError::BatchAlreadyMailed { .. }
        | ServiceError::LetterUnprintable { .. }
        | ServiceError::CardUnreadable(_)
        | ServiceError::PinFormat { .. }
        | ServiceError::PinsNotOfCase(_)
        | ServiceError::WrongPin(_) => true,
        ServiceError::VersionConflict { .. }
        | ServiceError::NotFound { .. }
        | ServiceError::Unauthenticated
        | ServiceError::BadCredentials
        | ServiceError::TooManyRequests { .. }
        | ServiceError::PrintFileDiscarded { .. }
        | ServiceError::TerminalUnavailable
        | ServiceError::Internal(_) => false,
    }
}

/// The letter forms: the version read, and the override's reason.
#[derive(Debug, Deserialize)]
pub struct IssueForm {
    pub version: i64,
    #[serde(default)]
    pub override_reason: Option<String>,
}

/// `POST /cases/{id}/letters`: issue the next letter (with `override_reason`:
/// the supervisor's override).
pub async fn issue_letter(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(form, _): CsrfForm<IssueForm>,
) -> Result<Response, WebError> {
    let (action, typed) = match &form.override_reason {
        Some(reason) => (CaseAction::IssueLetterOverride, reason.clone()),
        None => (CaseAction::IssueLetter, String::new()),
    };
    let request = IssueRequest {
        version: form.version,
        override_reason: form.override_reason,
    };
    match letters::issue(&state, &auth.caller, id, request).await {
        Ok(issued) => Ok(page::done(
            &case_url(id),
            format!(
                "照会書（{}通目）を発行しました。次の発送バッチで印刷されます。",
                issued.letter_number
            ),
        )),
        Err(e) => action_failed(&state, &auth, id, action, &typed, e).await,
    }
}

/// A supervisor's step with a reason.
#[derive(Debug, Deserialize)]
pub struct ReasonForm {
    pub version: i64,
    #[serde(default)]
    pub reason: String,
    /// `yes` once the clerk confirmed (see [`super::confirm`]).
    #[serde(default)]
    pub confirmed: String,
}

/// `POST /cases/{id}/cancel` (supervisor).
pub async fn cancel(
    auth: WebAuthorized<Supervise>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(form, _): CsrfForm<ReasonForm>,
) -> Result<Response, WebError> {
    if !confirm::is_confirmed(&form.confirmed) {
        if form.reason.trim().is_empty() {
            let e = ServiceError::from(TransitionError::ReasonRequired { event: "cancel" });
            return action_failed(&state, &auth, id, CaseAction::Cancel, "", e).await;
        }
        let facts = vec![("理由".to_owned(), form.reason.clone())];
        let hidden = vec![("reason".to_owned(), form.reason.clone())];
        let what = ConfirmCase {
            title: "案件の取消",
            consequence: "この案件を取り消して終了します。発行した照会書はすべて無効になり、同じカードで新しい申請を受け付けられるようになります。",
            path: "cancel",
            button: "取り消す",
        };
        return confirm_case(&state, auth, id, form.version, &what, facts, hidden).await;
    }
    let event = Event::Cancel {
        reason: form.reason.clone(),
    };
    match cases::apply(&state, &auth.caller, id, form.version, event).await {
        Ok(_) => Ok(page::done(&case_url(id), "案件を取り消しました。")),
        Err(e) => action_failed(&state, &auth, id, CaseAction::Cancel, &form.reason, e).await,
    }
}

/// The form of an action that needs only the version read.
#[derive(Debug, Deserialize)]
pub struct VersionForm {
    pub version: i64,
}

/// `POST /cases/{id}/take-over`: the cardholder came in person; the proxy
/// case ends (本人来庁) and the new in-person case's page opens.
pub async fn take_over(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(form, _): CsrfForm<VersionForm>,
) -> Result<Response, WebError> {
    match cases::take_over(&state, &auth.caller, id, form.version).await {
        Ok((closed, opened)) => Ok(page::done(
            &case_url(opened.id),
            format!(
                "代理人の案件 {} を「本人来庁」で終了し、本人の案件 {} を受け付けました。",
                closed.reference, opened.reference
            ),
        )),
        Err(e) => action_failed(&state, &auth, id, CaseAction::TakeOver, "", e).await,
    }
}

/// `POST /cases/{id}/reset-case`: opens the reset case that follows this
/// failed change, and shows it.
pub async fn start_reset(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(super::csrf::NoFields {}, _): CsrfForm<super::csrf::NoFields>,
) -> Result<Response, WebError> {
    match cases::open_reset(&state, &auth.caller, id).await {
        Ok(opened) => Ok(page::done(
            &case_url(opened.id),
            format!(
                "暗証番号の初期化（再設定）の案件 {} を受け付けました。",
                opened.reference
            ),
        )),
        Err(e) => action_failed(&state, &auth, id, CaseAction::StartReset, "", e).await,
    }
}

/// `POST /cases/{id}/unlock` (supervisor).
pub async fn unlock(
    auth: WebAuthorized<Supervise>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(form, _): CsrfForm<ReasonForm>,
) -> Result<Response, WebError> {
    let event = Event::Unlock {
        reason: form.reason.clone(),
    };
    match cases::apply(&state, &auth.caller, id, form.version, event).await {
        Ok(_) => Ok(page::done(
            &case_url(id),
            "ロックを解除しました。照会番号を再度入力できます。",
        )),
        Err(e) => action_failed(&state, &auth, id, CaseAction::Unlock, &form.reason, e).await,
    }
}

/// A returned letter.
#[derive(Debug, Deserialize)]
pub struct UndeliverableForm {
    pub version: i64,
    pub letter: u8,
    #[serde(default)]
    pub note: String,
    /// `yes` once the clerk confirmed (see [`super::confirm`]).
    #[serde(default)]
    pub confirmed: String,
}

/// `POST /cases/{id}/undeliverable`.
pub async fn undeliverable(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(form, _): CsrfForm<UndeliverableForm>,
) -> Result<Response, WebError> {
    if !confirm::is_confirmed(&form.confirmed) {
        let facts = vec![
            ("照会書".to_owned(), format!("{}通目", form.letter)),
            ("郵便局の記載など".to_owned(), form.note.clone()),
        ];
        let hidden = vec![
            ("letter".to_owned(), form.letter.to_string()),
            ("note".to_owned(), form.note.clone()),
        ];
        let what = ConfirmCase {
            title: "照会書の返戻",
            consequence: confirm::RETURNED_CONSEQUENCE,
            path: "undeliverable",
            button: "返戻として記録する",
        };
        return confirm_case(&state, auth, id, form.version, &what, facts, hidden).await;
    }
    let note = Some(form.note.as_str());
    match responses::returned(&state, &auth.caller, id, form.version, form.letter, note).await {
        Ok(_) => Ok(page::done(
            &case_url(id),
            "照会書の返戻を記録しました。この案件は終了です。",
        )),
        Err(e) => {
            let action = CaseAction::MarkUndeliverable;
            action_failed(&state, &auth, id, action, &form.note, e).await
        }
    }
}

/// An irreversible step on a case, as its confirmation page words it.
struct ConfirmCase {
    title: &'static str,
    consequence: &'static str,
    /// The action's path under `/cases/{id}/`.
    path: &'static str,
    button: &'static str,
}

/// The confirmation page of `what` on case `id` read at `version`, naming
/// the case and carrying the form's `hidden` values.
async fn confirm_case(
    state: &AppState,
    auth: WebAuthorized<impl crate::auth::Policy>,
    id: i64,
    version: i64,
    what: &ConfirmCase,
    facts: Vec<(String, String)>,
    mut hidden: Vec<(String, String)>,
) -> Result<Response, WebError> {
    let case = cases::get(state, id).await.map_err(|e| auth.fail(e))?;
    let state_ja = CaseState::from_code(case.state).map_or(case.state, CaseState::name_ja);
    let mut all = vec![
        ("受付番号".to_owned(), case.reference.clone()),
        ("状態".to_owned(), state_ja.to_owned()),
    ];
    all.extend(facts);
    hidden.push(("version".to_owned(), version.to_string()));
    let page = ConfirmPage {
        chrome: auth.chrome.at("cases"),
        title: what.title.to_owned(),
        consequence: what.consequence.to_owned(),
        facts: all,
        action: format!("/cases/{id}/{}", what.path),
        hidden,
        button: what.button.to_owned(),
        back: case_url(id),
    };
    Ok(page.render())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japan_time_is_nine_hours_ahead_of_utc() {
        let t = DateTime::parse_from_rfc3339("2026-11-26T15:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(jst_time(t), "2026-11-27 00:30");
    }
}
