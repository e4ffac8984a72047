//! The headers every response carries, whatever answered it (a page, the
//! API, a file, a static asset, a refusal of the limits, the 404):
//!
//! - `Content-Security-Policy`: scripts, styles, images, fonts and fetches
//!   from this server only, no inline script or style (the templates have
//!   none: `shokai.js` and `shokai.css` carry them, and a test scans every
//!   template), no plugins, no `<base>`, forms posting here only, and never
//!   inside a frame. The SVG charts draw with presentation attributes
//!   (`fill=`, `font-family=`), which `style-src` does not govern.
//! - `X-Frame-Options: DENY` for browsers older than `frame-ancestors`,
//!   `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` (a
//!   case's address never leaves in a `Referer`).
//! - `Cache-Control: no-store` unless the handler chose its own: pages,
//!   PDFs, pictures, CSV and JSON all may show personal data; only the
//!   static stylesheet and script say `public, max-age=…`.
//! - `Strict-Transport-Security: max-age=31536000` ([`hsts`]) when people
//!   reach the server over HTTPS (`Edge::https`): the browser then never
//!   tries plain HTTP for a year.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of every response.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
                       img-src 'self'; object-src 'none'; base-uri 'none'; \
                       form-action 'self'; frame-ancestors 'none'";

/// Middleware: sets the headers above on every response.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Middleware, only when the public address is https: HSTS on every response.
pub async fn hsts(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    response.headers_mut().insert(
        axum::http::header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000"),
    );
    response
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every `.html` template, with its text.
    fn templates() -> Vec<(String, String)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates/html");
        let mut found: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "html"))
            .map(|p| {
                (
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap(),
                )
            })
            .collect();
        found.sort();
        found
    }

    /// The lines of `text` that hold `needle` (case-insensitive), numbered.
    fn lines_with(text: &str, needle: &str) -> Vec<String> {
        text.lines()
            .enumerate()
            .filter(|(_, l)| l.to_lowercase().contains(needle))
            .map(|(n, l)| format!("{}: {}", n + 1, l.trim()))
            .collect()
    }

    /// Whether an attribute (`onclick="…"`) is an inline event handler.
    fn is_handler(word: &str) -> bool {
        word.split_once('=').is_some_and(|(name, _)| {
            name.len() > 2
                && name.starts_with("on")
                && name.chars().all(|c| c.is_ascii_alphabetic())
        })
    }

    #[test]
    fn no_template_has_inline_script_or_style_the_policy_would_block() {
        let all = templates();
        assert!(all.len() > 5, "templates/html read: {}", all.len());
        let mut found = Vec::new();
        for (path, text) in &all {
            for line in lines_with(text, "<script") {
                if !line.contains("<script src=\"/static/") {
                    found.push(format!("{path}:{line}"));
                }
            }
            for needle in ["<style", "style=", "javascript:"] {
                found.extend(
                    lines_with(text, needle)
                        .iter()
                        .map(|l| format!("{path}:{l}")),
                );
            }
            // Inline event handlers (onclick=, onsubmit=…) are inline script.
            for line in text
                .lines()
                .filter(|l| l.split_whitespace().any(is_handler))
            {
                found.push(format!("{path}: {}", line.trim()));
            }
        }
        assert!(
            found.is_empty(),
            "inline script or style:\n{}",
            found.join("\n")
        );
    }
}
