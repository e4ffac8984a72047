//! 利用者管理 `/users`, for supervisors only: every staff account with its
//! role, whether it may log in, and its last login; 無効にする (through the
//! confirmation page: the account's sessions end at once), 有効にする,
//! セッションを失効, and a new password typed twice. Every action is a form
//! with the CSRF token, calls [`crate::service::users`] (the same functions
//! as `shokai user …`, each recorded in the audit log with the supervisor as
//! actor) and answers with a redirect here and a flash message; a refused
//! form comes back with the error beside the field. Nobody disables their
//! own account.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::cases::jst_time;
use super::confirm::{self, ConfirmPage};
use super::csrf::{CsrfForm, NoFields};
use super::page::{self, Chrome, WebError};
use super::session::WebAuthorized;
use crate::auth::Supervise;
use crate::infra::password::{MIN_PASSWORD_CHARS, PasswordError};
use crate::service::cases::actor;
use crate::service::error::ServiceError;
use crate::service::users::{self, AccountError, User};
use crate::state::AppState;

/// The page's address.
const PAGE: &str = "/users";

/// One account on the page.
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role_ja: &'static str,
    pub enabled: bool,
    pub created_at: String,
    /// Empty when unknown.
    pub last_login: String,
    /// The signed-in supervisor's own account (no 無効にする).
    pub is_self: bool,
}

/// A refused form, shown beside its field.
pub struct RowError {
    /// Whose row.
    pub user_id: i64,
    /// Which form: `disable` or `password`.
    pub form: &'static str,
    /// What went wrong, in Japanese.
    pub message: String,
}

/// The page.
#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    pub chrome: Chrome,
    pub users: Vec<UserRow>,
    pub error: Option<RowError>,
    pub min_password_chars: usize,
}

impl UsersPage {
    /// The error of `form` in the row of `user_id`, if that form was refused.
    pub fn error_at(&self, user_id: &i64, form: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| e.user_id == *user_id && e.form == form)
            .map(|e| e.message.as_str())
    }
}

fn row(user: User, me: i64) -> UserRow {
    UserRow {
        id: user.id,
        is_self: user.id == me,
        username: user.username,
        display_name: user.display_name,
        role_ja: user.role.name_ja(),
        enabled: user.active,
        created_at: jst_time(user.created_at),
        last_login: user.last_login_at.map(jst_time).unwrap_or_default(),
    }
}

/// The page with every account, and `error` beside its field.
async fn page_with(
    state: &AppState,
    auth: WebAuthorized<Supervise>,
    error: Option<RowError>,
) -> Result<Response, WebError> {
    let all = users::list(state.store())
        .await
        .map_err(|e| auth.fail(e.into()))?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let me = auth.caller.user_id;
    let page = UsersPage {
        chrome: auth.chrome.at("users"),
        users: all.into_iter().map(|u| row(u, me)).collect(),
        error,
        min_password_chars: MIN_PASSWORD_CHARS,
    };
    Ok(page::render_with(status, &page))
}

/// An account error that is not the form's fault, as the error page.
fn failed(auth: &WebAuthorized<Supervise>, e: AccountError) -> WebError {
    let e = match e {
        AccountError::UnknownUser(what) => ServiceError::NotFound { what },
        AccountError::Store(e) => e.into(),
        // Both are answered beside the form before they get here.
        other @ (AccountError::Password(_) | AccountError::OwnAccount) => {
            ServiceError::internal(other)
        }
    };
    auth.fail(e)
}

/// `GET /users`.
pub async fn list(
    auth: WebAuthorized<Supervise>,
    State(state): State<AppState>,
) -> Result<Response, WebError> {
    page_with(&state, auth, None).await
}

/// The disable form.
#[derive(Debug, Deserialize)]
pub struct DisableForm {
    /// `yes` once the supervisor confirmed (see [`super::confirm`]).
    #[serde(default)]
    pub confirmed: String,
}

/// `POST /users/{id}/disable`: the confirmation page first, then disable.
pub async fn disable(
    auth: WebAuthorized<Supervise>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(form, _): CsrfForm<DisableForm>,
) -> Result<Response, WebError> {
    if users::may_disable(&actor(&auth.caller), id).is_err() {
        let message = "自分自身の利用者を無効にすることはできません。".to_owned();
        let error = RowError {
            user_id: id,
            form: "disable",
            message,
        };
        return page_with(&state, auth, Some(error)).await;
    }
    let user = users::by_id(state.store(), id)
        .await
        .map_err(|e| failed(&auth, e))?;
    if !confirm::is_confirmed(&form.confirmed) {
        return Ok(confirm_disable(auth, &user));
    }
    switch(&state, &auth, &user, false).await
}

/// Enables or disables `user`, answering with the flash message.
async fn switch(
    state: &AppState,
    auth: &WebAuthorized<Supervise>,
    user: &User,
    enable: bool,
) -> Result<Response, WebError> {
    let by = actor(&auth.caller);
    let changed = users::set_enabled(state.store(), state.clock(), &by, user.id, enable)
        .await
        .map_err(|e| failed(auth, e))?;
    let said = match (enable, changed) {
        (true, true) => "を有効にしました。",
        (true, false) => "はすでに有効です。",
        (false, true) => "を無効にしました。ログイン中のセッションも終了しました。",
        (false, false) => "はすでに無効です。",
    };
    Ok(page::done(PAGE, format!("{}{said}", user.username)))
}

fn confirm_disable(auth: WebAuthorized<Supervise>, user: &User) -> Response {
    ConfirmPage {
        chrome: auth.chrome.at("users"),
        title: "利用者の無効化".to_owned(),
        consequence: format!(
            "{}（{}）はログインできなくなり、ログイン中のセッションはすぐに終了します。終了したセッションは戻りません（利用者は「有効にする」で再びログインできるようになります）。",
            user.username,
            user.display_name
        ),
        facts: vec![
            ("利用者名".to_owned(), user.username.clone()),
            ("表示名".to_owned(), user.display_name.clone()),
            ("役割".to_owned(), user.role.name_ja().to_owned()),
        ],
        action: format!("/users/{}/disable", user.id),
        hidden: Vec::new(),
        button: "無効にする".to_owned(),
        back: PAGE.to_owned(),
    }
    .render()
}

/// `POST /users/{id}/enable`.
pub async fn enable(
    auth: WebAuthorized<Supervise>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}, _): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let user = users::by_id(state.store(), id)
        .await
        .map_err(|e| failed(&auth, e))?;
    switch(&state, &auth, &user, true).await
}

/// `POST /users/{id}/revoke-sessions`.
pub async fn revoke_sessions(
    auth: WebAuthorized<Supervise>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}, _): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let user = users::by_id(state.store(), id)
        .await
        .map_err(|e| failed(&auth, e))?;
    let by = actor(&auth.caller);
    let revoked = users::revoke_sessions(state.store(), state.clock(), &by, id)
        .await
        .map_err(|e| failed(&auth, e))?;
    Ok(page::done(
        PAGE,
        format!("{}のセッションを{revoked}件失効させました。", user.username),
    ))
}

/// The password form: the new password, typed twice.
#[derive(Deserialize)]
pub struct PasswordForm {
    pub password: SecretString,
    pub password_again: SecretString,
}

/// `POST /users/{id}/password`: sets a new password; the account's sessions end.
pub async fn reset_password(
    auth: WebAuthorized<Supervise>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(form, _): CsrfForm<PasswordForm>,
) -> Result<Response, WebError> {
    let refuse = |message: String| RowError {
        user_id: id,
        form: "password",
        message,
    };
    if form.password.expose_secret() != form.password_again.expose_secret() {
        let error = refuse("確認のために入力したパスワードが一致しません。".to_owned());
        return page_with(&state, auth, Some(error)).await;
    }
    let user = users::by_id(state.store(), id)
        .await
        .map_err(|e| failed(&auth, e))?;
    let by = actor(&auth.caller);
    match users::reset_password(state.store(), state.clock(), &by, id, &form.password).await {
        Ok(()) => Ok(page::done(
            PAGE,
            format!(
                "{}のパスワードを再設定しました。ログイン中のセッションは終了しました。",
                user.username
            ),
        )),
        Err(AccountError::Password(PasswordError::TooShort)) => {
            let message = format!("パスワードは{MIN_PASSWORD_CHARS}文字以上にしてください。");
            page_with(&state, auth, Some(refuse(message))).await
        }
        Err(e) => Err(failed(&auth, e)),
    }
}
