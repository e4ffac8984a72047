//! Every cookie the pages set, named and flagged in one place.
//!
//! All are `HttpOnly` and `SameSite=Strict`. When people reach the server
//! over HTTPS (`Edge::https`: its own TLS, or an `https://` public URL
//! behind a proxy) every cookie is also `Secure` and carries the `__Host-`
//! prefix, which browsers accept only with `Secure`, `Path=/` and no
//! `Domain`: no other host or plain-HTTP page can set or shadow it. Over
//! plain HTTP the names and paths stay unprefixed (`shokai_session`,
//! `shokai_login_csrf` on `/login`, …).

use axum::http::HeaderMap;
use axum::http::header::{self, HeaderValue};
use axum::response::Response;

use super::page::cookie;
use crate::settings::Settings;

/// The cookies the pages use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jar {
    /// The session token.
    Session,
    /// The login form's double-submit token.
    LoginCsrf,
    /// The status page form's double-submit token.
    StatusCsrf,
    /// The one-time message of Post/Redirect/Get.
    Flash,
}

impl Jar {
    /// (plain name, `__Host-` name, path over plain HTTP).
    fn names(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Jar::Session => ("shokai_session", "__Host-shokai_session", "/"),
            Jar::LoginCsrf => ("shokai_login_csrf", "__Host-shokai_login_csrf", "/login"),
            Jar::StatusCsrf => ("shokai_status_csrf", "__Host-shokai_status_csrf", "/status"),
            Jar::Flash => ("shokai_flash", "__Host-shokai_flash", "/"),
        }
    }
}

/// How cookies are written: plain, or `Secure` with the `__Host-` prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cookies {
    secure: bool,
}

impl Cookies {
    /// The policy of these settings.
    pub fn of(settings: &Settings) -> Cookies {
        Cookies::new(settings.edge.https())
    }

    /// `Secure` `__Host-` cookies, or plain ones.
    pub const fn new(secure: bool) -> Cookies {
        Cookies { secure }
    }

    /// The cookie's name as the browser sends it.
    pub fn name(self, jar: Jar) -> &'static str {
        let (plain, host, _) = jar.names();
        if self.secure { host } else { plain }
    }

    /// The cookie's value in the request, if any.
    pub fn read(self, headers: &HeaderMap, jar: Jar) -> Option<&str> {
        cookie(headers, self.name(jar))
    }

    /// The `Set-Cookie` value for `value`, kept `max_age` seconds (0 clears it).
    pub fn header(self, jar: Jar, value: &str, max_age: u64) -> String {
        let name = self.name(jar);
        if self.secure {
            format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict; Secure")
        } else {
            let path = jar.names().2;
            format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict")
        }
    }

    /// Appends `Set-Cookie` for `value` to `response`.
    pub fn set(self, response: &mut Response, jar: Jar, value: &str, max_age: u64) {
        if let Ok(v) = HeaderValue::from_str(&self.header(jar, value, max_age)) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }

    /// Appends a `Set-Cookie` that deletes the cookie.
    pub fn clear(self, response: &mut Response, jar: Jar) {
        self.set(response, jar, "", 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_keeps_todays_names_and_https_uses_secure_host_cookies() {
        let plain = Cookies { secure: false };
        assert_eq!(
            plain.header(Jar::LoginCsrf, "t", 3600),
            "shokai_login_csrf=t; Path=/login; Max-Age=3600; HttpOnly; SameSite=Strict"
        );
        let secure = Cookies { secure: true };
        for jar in [Jar::Session, Jar::LoginCsrf, Jar::StatusCsrf, Jar::Flash] {
            let h = secure.header(jar, "v", 60);
            assert!(h.starts_with("__Host-shokai_"), "{h}");
            assert!(h.contains("; Path=/;") && h.ends_with("; Secure"), "{h}");
            assert!(!h.contains("Domain"), "{h}");
        }
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("shokai_session=a; __Host-shokai_session=b"),
        );
        assert_eq!(plain.read(&headers, Jar::Session), Some("a"));
        assert_eq!(secure.read(&headers, Jar::Session), Some("b"));
    }
}
