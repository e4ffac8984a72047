//! 回答受付 `/response`: the proxy's second visit.
//!
//! One text field takes either a typed reference number or what a USB QR
//! scanner types from the response form, `SHOKAI:<reference>:<code>`
//! followed by Enter. The lookup is a POST, so a scanned code travels only
//! in the request body and comes back only as the value of the code field
//! of the checklist form — never in a URL, a log line or a redirect. The
//! checklist form posts to `POST /response/{id}`, which calls the same
//! service as `POST /api/cases/{id}/response`. A wrong code is shown with
//! the tries left and the code field empty; a locked case says to ask a
//! supervisor. Success redirects (PRG) to the PIN-change page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use secrecy::SecretString;
use serde::Deserialize;
use shokai_workflow::{CaseState, IdDocument, IdDocumentKind, Representation, TransitionError};
use zeroize::Zeroizing;

use super::csrf::CsrfForm;
use super::page::{self, Chrome, WebError};
use super::session::WebAuthorized;
use crate::auth::Operate;
use crate::service::access_log::{AccessKind, Target};
use crate::service::cases::{self, StoredCase};
use crate::service::error::ServiceError;
use crate::service::responses::{self, ChecklistInput, ResponseRequest};
use crate::state::AppState;

/// The prefix of the QR code printed on the response form.
pub const QR_PREFIX: &str = "SHOKAI:";

/// What the single lookup field held.
#[derive(Debug, PartialEq, Eq)]
pub struct Scanned {
    /// The reference number, as typed or scanned.
    pub reference: String,
    /// The code, when scanned from the QR code.
    pub code: Option<Zeroizing<String>>,
}

/// Splits `SHOKAI:<reference>:<code>` (any case for the prefix), or takes
/// the input as a reference number.
pub fn parse_lookup(input: &str) -> Scanned {
    let input = input.trim();
    let prefix_len = QR_PREFIX.len();
    let is_qr = input.len() > prefix_len
        && input.is_char_boundary(prefix_len)
        && input[..prefix_len].eq_ignore_ascii_case(QR_PREFIX);
    if is_qr {
        let rest = &input[prefix_len..];
        if let Some((reference, code)) = rest.split_once(':') {
            return Scanned {
                reference: reference.trim().to_owned(),
                code: Some(Zeroizing::new(code.trim().to_owned())),
            };
        }
        return Scanned {
            reference: rest.trim().to_owned(),
            code: None,
        };
    }
    Scanned {
        reference: input.to_owned(),
        code: None,
    }
}

/// An identity-document kind for the select.
pub struct KindOption {
    pub code: &'static str,
    pub name: String,
}

/// The checklist as ticked (checkboxes are absent when not ticked).
#[derive(Debug, Default, Deserialize)]
pub struct ChecklistForm {
    #[serde(default)]
    pub version: i64,
    #[serde(default)]
    pub card_presented: String,
    #[serde(default)]
    pub proxy_id_kind: String,
    #[serde(default)]
    pub proxy_id_has_photo: String,
    #[serde(default)]
    pub proxy_id_last4: String,
    /// A second document, where the office asks for two.
    #[serde(default)]
    pub proxy_id2_kind: String,
    #[serde(default)]
    pub proxy_id2_has_photo: String,
    #[serde(default)]
    pub proxy_id2_last4: String,
    #[serde(default)]
    pub response_form_signed: String,
    #[serde(default)]
    pub power_of_attorney_complete: String,
    #[serde(default)]
    pub power_of_attorney_names_proxy: String,
    #[serde(default)]
    pub envelope_sealed: String,
}

/// The case the checklist is for.
pub struct CaseHead {
    pub id: i64,
    pub reference: String,
    pub path: &'static str,
    pub state: &'static str,
    pub deadline: String,
    pub waiting: bool,
    pub locked: bool,
    pub attempts_left: u8,
    /// The names to check against the returned form: the cardholder (who
    /// signs it) and the proxy (whom the power of attorney must name), each
    /// with the reading; empty once purged.
    pub cardholder: String,
    pub proxy: String,
}

/// The response intake page: the lookup field, and once a case is found,
/// its checklist form.
#[derive(Template)]
#[template(path = "response.html")]
pub struct ResponsePage {
    pub chrome: Chrome,
    /// What was typed into the lookup field (a reference, never a code).
    pub lookup: String,
    pub lookup_error: Option<String>,
    pub case: Option<CaseHead>,
    pub kinds: Vec<KindOption>,
    pub form: ChecklistForm,
    /// The scanned code, only right after a QR scan.
    pub code: Zeroizing<String>,
    pub error: Option<String>,
}

impl ResponsePage {
    fn new(chrome: Chrome) -> ResponsePage {
        ResponsePage {
            chrome: chrome.at("response"),
            lookup: String::new(),
            lookup_error: None,
            case: None,
            kinds: IdDocumentKind::offered()
                .map(|k| KindOption {
                    code: k.code(),
                    name: super::intake::kind_label(k),
                })
                .collect(),
            form: ChecklistForm::default(),
            code: Zeroizing::new(String::new()),
            error: None,
        }
    }

    /// Whether a checkbox of the form shown again was ticked.
    pub fn ticked(&self, value: &str) -> bool {
        !value.is_empty()
    }
}

fn head(state: &AppState, stored: &StoredCase) -> CaseHead {
    let core = &stored.core;
    let parties = stored.parties.as_ref();
    let max = state.workflow().max_wrong_codes;
    CaseHead {
        id: stored.id,
        reference: core.reference().to_string(),
        path: core.path().name_ja(),
        state: core.state().name_ja(),
        deadline: core.deadline().map(|d| d.to_string()).unwrap_or_default(),
        waiting: core.state() == CaseState::InquiryMailed,
        locked: core.is_locked(),
        attempts_left: max.saturating_sub(core.wrong_code_attempts()),
        cardholder: parties
            .map(|p| named(&p.cardholder.name))
            .unwrap_or_default(),
        proxy: match parties.map(|p| &p.representation) {
            Some(Representation::OptionalProxy(proxy)) => named(&proxy.person),
            Some(Representation::LegalRepresentative(rep)) => named(&rep.person),
            Some(Representation::InPerson) | None => String::new(),
        },
    }
}

/// Records the read in the access log when the page shows the case's
/// names (they are gone from a purged case).
async fn record_read(
    state: &AppState,
    auth: &WebAuthorized<Operate>,
    stored: &StoredCase,
) -> Result<(), ServiceError> {
    if stored.parties.is_none() {
        return Ok(());
    }
    auth.log_read(state, AccessKind::ResponsePage, Target::Case(stored.id))
        .await
}

/// 「山田 太郎（ヤマダ タロウ）」.
fn named(name: &shokai_workflow::PersonName) -> String {
    format!("{}（{}）", name.name(), name.kana())
}

/// The page after a lookup of `typed` (a reference), with `code` pre-filled.
async fn looked_up(
    state: &AppState,
    auth: &WebAuthorized<Operate>,
    typed: &str,
    code: Option<Zeroizing<String>>,
) -> Result<Response, ServiceError> {
    let mut page = ResponsePage::new(auth.chrome.clone());
    match cases::find_by_reference(state, typed).await? {
        Some(stored) => {
            record_read(state, auth, &stored).await?;
            page.form.version = stored.version;
            page.case = Some(head(state, &stored));
            if let Some(code) = code {
                page.code = code;
            }
            Ok(page::render(&page))
        }
        None => {
            page.lookup = typed.to_owned();
            page.lookup_error = Some(format!(
                "受付番号「{}」の案件は見つかりませんでした。番号を確認するか、QRコードを読み取り直してください。",
                typed
            ));
            Ok(page::render_with(StatusCode::NOT_FOUND, &page))
        }
    }
}

/// `GET /response?reference=`: the lookup field (or, from a case page, that
/// case's checklist).
#[derive(Debug, Default, Deserialize)]
pub struct ReferenceQuery {
    #[serde(default)]
    pub reference: String,
}

/// `GET /response`.
pub async fn form(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    Query(query): Query<ReferenceQuery>,
) -> Result<Response, WebError> {
    if query.reference.trim().is_empty() {
        return Ok(page::render(&ResponsePage::new(auth.chrome)));
    }
    looked_up(&state, &auth, query.reference.trim(), None)
        .await
        .map_err(|e| auth.fail(e))
}

/// The lookup form.
#[derive(Deserialize)]
pub struct LookupForm {
    /// A reference number or the scanned QR payload (holds the code: never logged).
    pub lookup: SecretString,
}

/// `POST /response`: finds the case of a typed reference or a scanned QR code.
pub async fn lookup(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    CsrfForm(form, _): CsrfForm<LookupForm>,
) -> Result<Response, WebError> {
    let scanned = parse_lookup(secrecy::ExposeSecret::expose_secret(&form.lookup));
    drop(form);
    looked_up(&state, &auth, &scanned.reference, scanned.code)
        .await
        .map_err(|e| auth.fail(e))
}

/// An identity document the proxy showed, if a kind was chosen; `field`
/// names it in a refusal.
fn document(
    kind: &str,
    photo_ticked: &str,
    last4: &str,
    field: &'static str,
) -> Result<Option<IdDocument>, ServiceError> {
    if kind.is_empty() {
        return Ok(None);
    }
    let kind = IdDocumentKind::from_code(kind).ok_or_else(|| {
        ServiceError::invalid_ja(field, "unknown kind", "選べない本人確認書類の種類です。")
    })?;
    let has_photo = kind.photo_given(!photo_ticked.is_empty());
    IdDocument::parse(kind, has_photo, last4)
        .map(Some)
        .map_err(|e| ServiceError::invalid_ja(field, e.to_string(), e.message_ja()))
}

/// The documents the proxy showed: the first and the optional second.
fn photo_id(
    form: &ChecklistForm,
) -> Result<(Option<IdDocument>, Option<IdDocument>), ServiceError> {
    let first = document(
        &form.proxy_id_kind,
        &form.proxy_id_has_photo,
        &form.proxy_id_last4,
        "checklist.proxy_photo_id.number_last4",
    )?;
    let second = document(
        &form.proxy_id2_kind,
        &form.proxy_id2_has_photo,
        &form.proxy_id2_last4,
        "checklist.proxy_second_id.number_last4",
    )?;
    Ok((first, second))
}

/// The code field, read from the raw body so it lives only in a zeroing buffer.
fn code_field(body: &[u8]) -> SecretString {
    SecretString::from(super::csrf::field(body, "code").unwrap_or_default())
}

/// `POST /response/{id}`: records the response (checklist and code).
pub async fn record(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(form, body): CsrfForm<ChecklistForm>,
) -> Result<Response, WebError> {
    let code = code_field(&body);
    drop(body);
    let outcome = match photo_id(&form) {
        Ok((proxy_photo_id, proxy_second_id)) => {
            let request = ResponseRequest {
                version: form.version,
                code,
                entered_at: None,
                checklist: ChecklistInput {
                    card_presented: !form.card_presented.is_empty(),
                    proxy_photo_id,
                    proxy_second_id,
                    response_form_signed: !form.response_form_signed.is_empty(),
                    power_of_attorney_complete: !form.power_of_attorney_complete.is_empty(),
                    power_of_attorney_names_proxy: !form.power_of_attorney_names_proxy.is_empty(),
                    envelope_sealed: !form.envelope_sealed.is_empty(),
                },
            };
            responses::record(&state, &auth.caller, id, request).await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(_) => Ok(page::done(
            &format!("/cases/{id}/pin-change"),
            "回答書を受け付けました。続けて暗証番号を変更してください。",
        )),
        Err(e) => refused(&state, &auth, id, form, e).await,
    }
}

/// The checklist shown again after a refusal: ticks kept, code field empty.
/// A recorded refusal (a wrong code) carries the case as it is now; any
/// other refusal left the case as it was.
async fn refused(
    state: &AppState,
    auth: &WebAuthorized<Operate>,
    id: i64,
    mut form: ChecklistForm,
    e: ServiceError,
) -> Result<Response, WebError> {
    let stored = match e {
        ServiceError::Internal(_) | ServiceError::TerminalUnavailable => {
            return Err(auth.fail(e));
        }
        ServiceError::Refused { ref case, .. } => (**case).clone(),
        _ => cases::load(state, id).await.map_err(|e| auth.fail(e))?,
    };
    record_read(state, auth, &stored)
        .await
        .map_err(|e| auth.fail(e))?;
    let case = head(state, &stored);
    let message = match &e {
        ServiceError::Refused {
            error: TransitionError::CodeMismatch { .. } | TransitionError::UnmailedCode { .. },
            ..
        } if case.locked => {
            "照会番号が一致しません。誤りが上限に達したため、この案件はロックされました。監督者にロック解除を依頼してください。".to_owned()
        }
        ServiceError::Refused {
            error: TransitionError::CodeMismatch { .. },
            ..
        } => format!(
            "照会番号が一致しません。あと{}回誤るとロックされます。回答書の照会番号をもう一度確認してください。",
            case.attempts_left
        ),
        ServiceError::Transition(TransitionError::CaseLocked)
        | ServiceError::Refused {
            error: TransitionError::CaseLocked,
            ..
        } => "この案件はロックされています。監督者にロック解除を依頼してください。".to_owned(),
        other => super::messages::error_ja(other),
    };
    form.version = stored.version;
    let mut page = ResponsePage::new(auth.chrome.clone());
    page.case = Some(case);
    page.form = form;
    page.error = Some(message);
    Ok(page::render_with(page::status_of(e).0, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scanned_qr_payload_gives_the_reference_and_the_code() {
        let scanned = parse_lookup("SHOKAI:R8-000123-4:ABCDE-FGHJK\n");
        assert_eq!(scanned.reference, "R8-000123-4");
        assert_eq!(
            scanned.code.as_deref().map(String::as_str),
            Some("ABCDE-FGHJK")
        );
        let lower = parse_lookup("shokai:R8-000123-4:ABCDEFGHJK");
        assert_eq!(lower.reference, "R8-000123-4");
    }

    #[test]
    fn a_typed_reference_has_no_code() {
        let typed = parse_lookup(" R8-000123-4 ");
        assert_eq!(typed.reference, "R8-000123-4");
        assert!(typed.code.is_none());
    }
}
