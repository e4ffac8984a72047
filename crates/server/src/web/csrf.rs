//! Cross-site request forgery protection for every form.
//!
//! Signed-in forms carry `csrf` = hex SHA-256 of `"csrf:" + session token`.
//! Only someone who holds the session token (the browser, through its
//! HttpOnly cookie, and the page the server rendered) can produce it, and it
//! reveals nothing about the token. Nothing extra is stored: the token dies
//! with the session. `SameSite=Strict` on the session cookie already stops
//! cross-site posts in current browsers; the token is the second, explicit
//! line.
//!
//! The login form has no session yet: it uses a double-submit cookie
//! (`shokai_login_csrf`, random, `SameSite=Strict`; `__Host-` over HTTPS,
//! see [`super::cookie`]) whose value must come back in the form.
//!
//! [`CsrfForm<T>`] parses an urlencoded body, checks its token against the
//! request's session cookie, and only then yields `T` to the handler.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::cookie::{Cookies, Jar};
use super::page::WebError;
use crate::state::AppState;

/// Name of the hidden form field.
pub const FIELD: &str = "csrf";

/// The form token of a session.
pub fn token_for(session_token: &SecretString) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"csrf:");
    hasher.update(session_token.expose_secret().as_bytes());
    hex::encode(hasher.finalize())
}

/// A fresh random token for the login form's double-submit cookie.
pub fn login_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// Compares in time independent of where the first difference is.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The value of field `name` in an urlencoded body.
pub fn field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The 403 page of a missing or wrong token.
pub fn rejected() -> WebError {
    WebError::Page {
        status: StatusCode::FORBIDDEN,
        message: "フォームの有効期限が切れたか、不正な送信です。ページを開き直してから、もう一度操作してください。".to_owned(),
        back: None,
        chrome: None,
        report: None,
    }
}

/// A form whose only field is its token (or whose fields a handler reads
/// from the raw body).
#[derive(Debug, serde::Deserialize)]
pub struct NoFields {}

/// An urlencoded form whose CSRF token matched the session; `.0` is the
/// form, `.1` the raw body (for fields `T` does not name, e.g. repeated
/// checkboxes).
#[derive(Debug)]
pub struct CsrfForm<T>(pub T, pub Bytes);

impl<T> FromRequest<AppState> for CsrfForm<T>
where
    T: DeserializeOwned,
{
    type Rejection = WebError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, WebError> {
        let session = Cookies::of(state.settings())
            .read(req.headers(), Jar::Session)
            .map(|t| SecretString::from(t.to_owned()))
            .ok_or(WebError::Login)?;
        let expected = token_for(&session);
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|_| rejected())?;
        let given = field(&body, FIELD).ok_or_else(rejected)?;
        if !same(&given, &expected) {
            return Err(rejected());
        }
        let form = serde_urlencoded::from_bytes::<T>(&body).map_err(|e| WebError::Page {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: format!("フォームの内容を読み取れませんでした（{e}）"),
            back: None,
            chrome: None,
            report: None,
        })?;
        Ok(CsrfForm(form, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_token_is_stable_per_session_and_differs_between_sessions() {
        let a = SecretString::from("a".repeat(64));
        let b = SecretString::from("b".repeat(64));
        assert_eq!(token_for(&a), token_for(&a));
        assert_ne!(token_for(&a), token_for(&b));
        assert_eq!(token_for(&a).len(), 64);
        assert!(
            !token_for(&a).contains(&"a".repeat(16)),
            "the token is not the session"
        );
    }

    #[test]
    fn tokens_compare_equal_only_when_identical() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
        assert!(!same("", "a"));
    }

    #[test]
    fn the_csrf_field_is_read_from_an_urlencoded_body() {
        let body = b"version=3&csrf=ab%20cd&reason=%E7%90%86%E7%94%B1";
        assert_eq!(field(body, "csrf").as_deref(), Some("ab cd"));
        assert_eq!(field(body, "reason").as_deref(), Some("理由"));
        assert_eq!(field(b"version=3", "csrf"), None);
    }
}
