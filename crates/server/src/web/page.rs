//! What every page shares: the layout's data ([`Chrome`]: office, user,
//! navigation, CSRF token, flash message), rendering, Post/Redirect/Get
//! with a flash message, and errors as Japanese pages ([`WebError`]).
//!
//! Flash messages travel in a short-lived cookie (`shokai_flash`, hex of
//! the UTF-8 text, so any wording survives cookie syntax; named and flagged
//! by [`super::cookie`]) set by [`flash_cookie`] on the redirect and cleared
//! by it once a page has shown it.

use askama::Template;
use axum::extract::Request;
use axum::http::header;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

use axum::extract::State;

use super::cookie::{Cookies, Jar};
use super::messages;
use crate::api::error::{AppError, ServerErrorReport};
use crate::service::error::ServiceError;
use crate::state::AppState;

/// How long a flash message waits for the next page, in seconds.
const FLASH_MAX_AGE: u64 = 60;

/// A one-time message shown at the top of the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    /// `notice` (it worked) or `error` (it did not).
    pub kind: &'static str,
    /// The message, in Japanese.
    pub text: String,
}

/// The signed-in user, as the header shows them.
#[derive(Debug, Clone)]
pub struct UserChrome {
    /// Login name.
    pub username: String,
    /// Role in Japanese (窓口職員, 監督者, 監査担当, 印刷担当).
    pub role_ja: &'static str,
    /// Whether the role may change cases (clerk, supervisor).
    pub can_operate: bool,
    /// Whether the role is the auditor (the 監査 menu).
    pub is_auditor: bool,
    /// Whether the role is a supervisor (the 利用者管理 menu).
    pub is_supervisor: bool,
    /// Whether the role reads cases (everyone but the print room).
    pub reads_cases: bool,
    /// Whether the role is the print room (the print file's only reader).
    pub is_printer: bool,
}

/// The layout's data; every page template has a `chrome` field.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The office name from the settings.
    pub office: String,
    /// Who is signed in; `None` on the login page and some error pages.
    pub user: Option<UserChrome>,
    /// The CSRF token to put in every form (empty without a session).
    pub csrf: String,
    /// The message carried over from the previous action, if any.
    pub flash: Option<Flash>,
    /// Which menu entry is current (`cases`, `new`, `batches`, …).
    pub current: &'static str,
}

impl Chrome {
    /// Layout data for a page without a session (login, some errors).
    pub fn anonymous(office: &str) -> Chrome {
        Chrome {
            office: office.to_owned(),
            user: None,
            csrf: String::new(),
            flash: None,
            current: "",
        }
    }

    /// The same chrome marking `current` as the page's menu entry.
    pub fn at(mut self, current: &'static str) -> Chrome {
        self.current = current;
        self
    }

    /// Whether the user may change cases.
    pub fn can_operate(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.can_operate)
    }

    /// Whether the user is the print room.
    pub fn is_printer(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.is_printer)
    }

    /// `aria-current="page"` for the menu entry of this page.
    pub fn aria_current(&self, entry: &str) -> &'static str {
        if self.current == entry {
            "page"
        } else {
            "false"
        }
    }
}

/// Renders a page template as `200 text/html`.
pub fn render(template: &impl Template) -> Response {
    render_with(StatusCode::OK, template)
}

/// Renders a page template with `status` (e.g. 422 for a form shown again).
pub fn render_with(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        // Pages show personal data: `app::headers` sends them `no-store`.
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => AppError::internal(e).into_response(),
    }
}

/// Post/Redirect/Get: a 303 to `to` carrying `flash` for the next page
/// (the cookie is written by [`flash_cookie`], which knows the settings).
pub fn redirect_with(to: &str, flash: Flash) -> Response {
    let mut response = Redirect::to(to).into_response();
    response.extensions_mut().insert(flash);
    response
}

/// The cookie value of a flash message.
fn flash_value(flash: &Flash) -> String {
    format!("{}.{}", flash.kind, hex::encode(flash.text.as_bytes()))
}

/// A 303 to `to` with a success message.
pub fn done(to: &str, text: impl Into<String>) -> Response {
    redirect_with(
        to,
        Flash {
            kind: "notice",
            text: text.into(),
        },
    )
}

/// A 303 to `to` with an error message (e.g. a refused action on a page
/// that cannot show the form again).
pub fn refused(to: &str, text: impl Into<String>) -> Response {
    redirect_with(
        to,
        Flash {
            kind: "error",
            text: text.into(),
        },
    )
}

/// The flash message in the request's cookies, if any.
pub fn read_flash(headers: &HeaderMap, cookies: Cookies) -> Option<Flash> {
    let raw = cookies.read(headers, Jar::Flash)?;
    let (kind, text) = raw.split_once('.')?;
    let kind = match kind {
        "notice" => "notice",
        "error" => "error",
        _ => return None,
    };
    let text = String::from_utf8(hex::decode(text).ok()?).ok()?;
    Some(Flash { kind, text })
}

/// Middleware on every page: writes the cookie of a flash message a
/// handler set ([`redirect_with`]), and once a page has been rendered (any
/// 2xx HTML answer) clears the flash message it showed, so a reload does
/// not show it again.
pub async fn flash_cookie(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cookies = Cookies::of(state.settings());
    let had_flash = cookies.read(req.headers(), Jar::Flash).is_some();
    let mut response = next.run(req).await;
    if let Some(flash) = response.extensions_mut().remove::<Flash>() {
        cookies.set(
            &mut response,
            Jar::Flash,
            &flash_value(&flash),
            FLASH_MAX_AGE,
        );
        return response;
    }
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if had_flash && is_page && response.status().is_success() {
        cookies.clear(&mut response, Jar::Flash);
    }
    response
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// Layout data.
    pub chrome: Chrome,
    /// Page heading.
    pub heading: &'static str,
    /// What happened, in Japanese.
    pub message: String,
    /// Where to go from here.
    pub back: String,
}

/// Why a page could not be shown, as the browser gets it.
#[derive(Debug)]
pub enum WebError {
    /// No (live) session: go to the login page.
    Login,
    /// An error page.
    Page {
        /// HTTP status.
        status: StatusCode,
        /// Japanese explanation.
        message: String,
        /// Link back (defaults to the case list).
        back: Option<String>,
        /// Layout data, when the user is known.
        chrome: Option<Box<Chrome>>,
        /// The cause of a 5xx, for the log line (never shown).
        report: Option<ServerErrorReport>,
    },
}

impl WebError {
    /// An error page for `e` with the user's layout.
    pub fn with_chrome(e: ServiceError, chrome: &Chrome) -> WebError {
        WebError::from(e).in_chrome(chrome)
    }

    /// The page for a role its route does not admit.
    pub fn forbidden(chrome: &Chrome) -> WebError {
        WebError::Page {
            status: StatusCode::FORBIDDEN,
            message: messages::FORBIDDEN.to_owned(),
            back: None,
            chrome: None,
            report: None,
        }
        .in_chrome(chrome)
    }

    fn in_chrome(self, chrome: &Chrome) -> WebError {
        match self {
            WebError::Page {
                status,
                message,
                back,
                report,
                ..
            } => WebError::Page {
                status,
                message,
                back,
                chrome: Some(Box::new(chrome.clone())),
                report,
            },
            login @ WebError::Login => login,
        }
    }

    /// The same error linking back to `to`.
    pub fn back_to(self, to: impl Into<String>) -> WebError {
        match self {
            WebError::Page {
                status,
                message,
                chrome,
                report,
                ..
            } => WebError::Page {
                status,
                message,
                back: Some(to.into()),
                chrome,
                report,
            },
            login @ WebError::Login => login,
        }
    }
}

/// The HTTP status a refusal answers with: the API's, so a page and the
/// JSON API never disagree.
pub fn status_of(e: ServiceError) -> (StatusCode, Option<ServerErrorReport>) {
    let api = AppError::from(e);
    (api.status(), api.report())
}

impl From<ServiceError> for WebError {
    fn from(e: ServiceError) -> WebError {
        if matches!(e, ServiceError::Unauthenticated) {
            return WebError::Login;
        }
        let message = messages::error_ja(&e);
        let (status, report) = status_of(e);
        WebError::Page {
            status,
            message,
            back: None,
            chrome: None,
            report,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::Login => Redirect::to("/login").into_response(),
            WebError::Page {
                status,
                message,
                back,
                chrome,
                report,
            } => {
                let heading = match status {
                    StatusCode::FORBIDDEN => "操作できません",
                    StatusCode::NOT_FOUND => "見つかりません",
                    StatusCode::CONFLICT => "更新できませんでした",
                    s if s.is_server_error() => "システムエラー",
                    _ => "入力内容を確認してください",
                };
                let page = ErrorPage {
                    chrome: chrome.map_or_else(|| Chrome::anonymous(""), |c| *c),
                    heading,
                    message,
                    back: back.unwrap_or_else(|| "/cases".to_owned()),
                };
                let mut response = render_with(status, &page);
                if let Some(report) = report {
                    response.extensions_mut().insert(report);
                }
                response
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn plain() -> Cookies {
        Cookies::new(false)
    }

    #[test]
    fn a_flash_message_survives_the_cookie_round_trip_in_japanese() {
        let response = done("/cases/1", "照会書を発行しました; 2通目");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let flash = response.extensions().get::<Flash>().unwrap();
        let set = plain().header(Jar::Flash, &flash_value(flash), FLASH_MAX_AGE);
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict"),
            "{set}"
        );
        let pair = set.split(';').next().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(pair).unwrap());
        let flash = read_flash(&headers, plain()).unwrap();
        assert_eq!(flash.kind, "notice");
        assert_eq!(flash.text, "照会書を発行しました; 2通目");
    }

    #[test]
    fn a_forged_flash_kind_or_garbage_is_ignored() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("shokai_flash=script.41; other=1"),
        );
        assert!(read_flash(&headers, plain()).is_none());
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("shokai_flash=notice.zz"),
        );
        assert!(read_flash(&headers, plain()).is_none());
    }

    #[test]
    fn cookies_are_found_by_exact_name_among_several_headers() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; shokai_session_x=2"),
        );
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("shokai_session=abc"),
        );
        assert_eq!(cookie(&headers, "shokai_session"), Some("abc"));
        assert_eq!(cookie(&headers, "b"), None);
    }
}
