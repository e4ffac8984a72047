//! 暗証番号の変更 `/cases/{id}/pin-change`: at the counter, for each PIN of
//! the case, the current PIN, the new PIN and the new PIN again; for a
//! reset (初期化) case only the new PIN twice.
//!
//! The fields are `type="password"` with `autocomplete="off"`; they are read
//! from the body straight into `SecretString`s, handed to the same
//! [`crate::service::pin_change::change`] as the API, and dropped. A page
//! drawn again after a refusal never carries a PIN: every PIN field is
//! empty. A wrong current PIN shows the tries left; a PIN the card blocks
//! ends the case as `failed` ("reset required").

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use secrecy::{ExposeSecret, SecretString};
use shokai_card::{PinFormat, PinKind};

use super::csrf::{self, CsrfForm, NoFields};
use super::messages;
use super::page::{self, Chrome, WebError};
use super::session::WebAuthorized;
use crate::auth::Operate;
use crate::service::cases::{self, StoredCase};
use crate::service::error::ServiceError;
use crate::service::pin_change::{self, Attempt, PinEntry};
use crate::state::AppState;

/// One PIN's three fields.
pub struct PinRow {
    /// `user_auth`, …: the field names are `<code>_current`, `<code>_new`, `<code>_confirm`.
    pub code: &'static str,
    pub name: &'static str,
    pub rule: &'static str,
    /// `numeric` for the 4-digit PINs, `text` for the signature PIN.
    pub inputmode: &'static str,
    pub maxlength: u8,
}

impl PinRow {
    fn new(kind: PinKind) -> PinRow {
        let (inputmode, maxlength) = match kind.format() {
            PinFormat::FourDigits => ("numeric", 4),
            PinFormat::Alphanumeric { .. } => ("text", 16),
        };
        PinRow {
            code: kind.code(),
            name: kind.name_ja(),
            rule: kind.rule_ja(),
            inputmode,
            maxlength,
        }
    }
}

/// The PIN-change page.
#[derive(Template)]
#[template(path = "pin_change.html")]
pub struct PinChangePage {
    pub chrome: Chrome,
    pub id: i64,
    pub version: i64,
    pub reference: String,
    pub state: &'static str,
    /// Whether the case may have its PINs changed now.
    pub ready: bool,
    pub pins: Vec<PinRow>,
    /// A reset (初期化): only the new PINs are asked for and the card is
    /// reset, not changed.
    pub reset: bool,
    pub error: Option<String>,
    /// After a wrong current PIN: which, and the tries the card has left
    /// (the page then offers to end the case rather than guess).
    pub wrong_pin: Option<WrongPinRow>,
}

/// The PIN whose current value was just refused.
pub struct WrongPinRow {
    pub code: &'static str,
    pub name: &'static str,
    pub tries_left: u8,
}

fn page_for(chrome: Chrome, stored: &StoredCase, error: Option<String>) -> PinChangePage {
    let core = &stored.core;
    // A case whose personal data is purged cannot be rebuilt; it is closed anyway.
    let ready = stored.case().is_ok_and(|case| case.ready_for_pin_change());
    PinChangePage {
        chrome: chrome.at("cases"),
        id: stored.id,
        version: stored.version,
        reference: core.reference().to_string(),
        state: core.state().name_ja(),
        ready,
        pins: core.pins().iter().map(PinRow::new).collect(),
        reset: !core.procedure().needs_current_pin(),
        error,
        wrong_pin: None,
    }
}

/// `GET /cases/{id}/pin-change`.
pub async fn form(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let stored = cases::load(&state, id).await.map_err(|e| auth.fail(e))?;
    Ok(page::render(&page_for(auth.chrome.clone(), &stored, None)))
}

/// The fields of one PIN, read from the raw body.
fn secret(body: &[u8], name: &str) -> SecretString {
    SecretString::from(csrf::field(body, name).unwrap_or_default())
}

/// The entries of the form; a new PIN typed differently twice is refused
/// here, before anything reaches the card.
fn entries(stored: &StoredCase, body: &[u8]) -> Result<Vec<PinEntry>, String> {
    let mut out = Vec::new();
    for kind in stored.core.pins().iter() {
        let code = kind.code();
        let new = secret(body, &format!("{code}_new"));
        let confirm = secret(body, &format!("{code}_confirm"));
        if !csrf::same(new.expose_secret(), confirm.expose_secret()) {
            return Err(format!(
                "{}：新しい暗証番号と確認用の入力が一致しません。",
                kind.name_ja()
            ));
        }
        // A reset's page has no current-PIN field, so none is sent.
        let current = stored
            .core
            .procedure()
            .needs_current_pin()
            .then(|| secret(body, &format!("{code}_current")));
        out.push(PinEntry {
            pin: kind,
            current,
            new,
        });
    }
    Ok(out)
}

/// `POST /cases/{id}/pin-change`.
pub async fn submit(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}, body): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let stored = cases::load(&state, id).await.map_err(|e| auth.fail(e))?;
    let version = csrf::field(&body, "version").and_then(|v| v.parse::<i64>().ok());
    let parsed = entries(&stored, &body);
    // The body held the PINs: gone before the card is even asked.
    drop(body);
    let (version, changes) = match (version, parsed) {
        (Some(version), Ok(changes)) => (version, changes),
        (None, _) => {
            let message = "フォームの版がありません。ページを開き直してください。".to_owned();
            let page = page_for(auth.chrome.clone(), &stored, Some(message));
            return Ok(page::render_with(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
        (Some(_), Err(message)) => {
            let page = page_for(auth.chrome.clone(), &stored, Some(message));
            return Ok(page::render_with(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    match pin_change::attempt(&state, &auth.caller, id, version, changes).await {
        Ok(Attempt::Done(done)) if done.outcome == "pin_set" => Ok(page::done(
            &format!("/cases/{id}"),
            "暗証番号を変更しました。カードを本人（代理人）にお返しください。",
        )),
        Ok(Attempt::Done(_)) => Ok(page::refused(
            &format!("/cases/{id}"),
            "暗証番号がロックされたため変更できませんでした。この案件は「変更不能（初期化が必要）」として終了しました。初期化の手続を案内してください。",
        )),
        Ok(Attempt::WrongPin(wrong)) => {
            let stored = cases::load(&state, id).await.map_err(|e| auth.fail(e))?;
            let row = WrongPinRow {
                code: wrong.pin.code(),
                name: wrong.pin.name_ja(),
                tries_left: wrong.tries_left,
            };
            let message = messages::error_ja(&ServiceError::WrongPin(wrong));
            let mut page = page_for(auth.chrome.clone(), &stored, Some(message));
            page.wrong_pin = Some(row);
            Ok(page::render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e @ (ServiceError::Internal(_) | ServiceError::Unauthenticated)) => Err(auth.fail(e)),
        Err(e) => {
            let stored = cases::load(&state, id).await.map_err(|e| auth.fail(e))?;
            let message = messages::error_ja(&e);
            let page = page_for(auth.chrome.clone(), &stored, Some(message));
            Ok(page::render_with(page::status_of(e).0, &page))
        }
    }
}

/// The form that ends a case whose current PIN nobody knows.
#[derive(Debug, serde::Deserialize)]
pub struct CurrentPinWrongForm {
    pub version: i64,
    pub pin: PinKind,
}

/// `POST /cases/{id}/current-pin-wrong`: ends the case as `failed`
/// (current PIN unknown) and points the clerk to the reset.
pub async fn current_pin_wrong(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(form, _): CsrfForm<CurrentPinWrongForm>,
) -> Result<Response, WebError> {
    let ended = pin_change::current_pin_wrong(&state, &auth.caller, id, form.version, form.pin)
        .await
        .map_err(|e| auth.fail(e).back_to(format!("/cases/{id}")))?;
    Ok(page::refused(
        &format!("/cases/{}", ended.id),
        "現在の暗証番号が分からないため、この案件を「変更不能」として終了しました。暗証番号の初期化（再設定）の手続を案内してください。",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::error::WrongPin;

    #[test]
    fn a_wrong_pin_is_worded_in_japanese_with_the_cards_tries_left_and_without_the_pin() {
        let text = messages::error_ja(&ServiceError::WrongPin(WrongPin {
            pin: PinKind::UserAuth,
            tries_left: 1,
        }));
        assert!(text.contains("利用者証明用"), "{text}");
        assert!(text.contains("あと1回"), "{text}");
    }
}
