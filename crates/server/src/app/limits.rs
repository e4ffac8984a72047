//! Bounds on every request (`settings::Limits`): how large its body may be,
//! how long it may take, and how many are handled at once.
//!
//! - A body announced larger than the limit is refused before it is read;
//!   one sent without a length is cut off at the limit by the extractors
//!   (axum's `DefaultBodyLimit`, which `ApiJson` answers with the same 413).
//! - Requests beyond the concurrency cap wait for a slot (a queue, not a
//!   refusal: a burst from the office's counters is served in turn), and the
//!   timeout counts that wait too, so the queue cannot grow without bound.
//! - A refusal answers like any other error: the API's JSON body with a
//!   stable code (`payload_too_large`, `timeout`) under `/api`, `/healthz`
//!   and `/metrics`, a Japanese error page everywhere else.
//!
//! A request cut off by the timeout is dropped where it stands: an open
//! transaction rolls back, and a card operation already handed to a
//! blocking thread finishes there unobserved.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::api::error::{AppError, ServerErrorReport};
use crate::settings::Limits;
use crate::web::page::WebError;

/// The limits with the slots they hand out.
struct Guard {
    limits: Limits,
    slots: Semaphore,
}

/// Wraps `routes` in the limits.
pub fn apply<S: Clone + Send + Sync + 'static>(routes: Router<S>, limits: Limits) -> Router<S> {
    let guard = Arc::new(Guard {
        limits,
        slots: Semaphore::new(limits.max_concurrent_requests),
    });
    routes
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(middleware::from_fn_with_state(guard, enforce))
}

async fn enforce(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let api = answers_json(req.uri().path());
    let limits = guard.limits;
    if announced_length(&req).is_some_and(|n| n > limits.max_body_bytes as u64) {
        return too_large(api, limits.max_body_bytes);
    }
    let work = async {
        // The semaphore is never closed; without a permit the request
        // would still be bounded by the timeout.
        let _slot = guard.slots.acquire().await;
        next.run(req).await
    };
    match tokio::time::timeout(limits.request_timeout, work).await {
        Ok(response) => response,
        Err(_) => timed_out(api, limits.request_timeout),
    }
}

/// Whether `path` is answered in the API's JSON (as the 404 is everywhere).
fn answers_json(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path == "/healthz" || path == "/metrics"
}

fn announced_length(req: &Request) -> Option<u64> {
    req.headers()
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// 413, in the API's JSON or as a Japanese page.
fn too_large(api: bool, limit: usize) -> Response {
    if api {
        return AppError::PayloadTooLarge.into_response();
    }
    WebError::Page {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        message: format!(
            "送信された内容が大きすぎます（上限 {} KiB）。入力内容を確認して、もう一度お試しください。",
            limit / 1024
        ),
        back: None,
        chrome: None,
        report: None,
    }
    .into_response()
}

/// 503 for a request that took longer than `after`, logged once as a
/// server error with the time it was given.
fn timed_out(api: bool, after: Duration) -> Response {
    let secs = after.as_secs();
    let report = ServerErrorReport(format!("request timed out after {secs} s").into());
    let mut response = if api {
        AppError::Unavailable {
            code: "timeout",
            message: format!("the request took longer than {secs} s; try again"),
        }
        .into_response()
    } else {
        WebError::Page {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: format!(
                "処理が{secs}秒以内に終わりませんでした。しばらく待ってから、もう一度お試しください。"
            ),
            back: None,
            chrome: None,
            report: None,
        }
        .into_response()
    };
    response.extensions_mut().insert(report);
    response
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::routing::{get, post};
    use tower::ServiceExt;

    use super::*;

    fn limits(max_body_bytes: usize, timeout_ms: u64, max_concurrent_requests: usize) -> Limits {
        Limits {
            max_body_bytes,
            request_timeout: Duration::from_millis(timeout_ms),
            max_concurrent_requests,
        }
    }

    async fn json_of(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    fn slow_router(limits: Limits) -> Router {
        apply(
            Router::new()
                .route(
                    "/api/slow",
                    get(|| tokio::time::sleep(Duration::from_secs(5))),
                )
                .route("/slow", get(|| tokio::time::sleep(Duration::from_secs(5)))),
            limits,
        )
    }

    fn request(path: &str) -> Request {
        Request::builder().uri(path).body(Body::empty()).unwrap()
    }

    #[tokio::test]
    async fn a_request_past_its_time_is_a_503_with_the_timeout_code_or_a_japanese_page() {
        let app = slow_router(limits(1024, 50, 4));
        let response = app.clone().oneshot(request("/api/slow")).await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.extensions().get::<ServerErrorReport>().is_some());
        assert_eq!(json_of(response).await["code"], "timeout");
        let page = app.oneshot(request("/slow")).await.unwrap();
        assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
        let bytes = axum::body::to_bytes(page.into_body(), 1 << 20)
            .await
            .unwrap();
        assert!(String::from_utf8_lossy(&bytes).contains("秒以内に終わりませんでした"));
    }

    /// Two requests of 200 ms each, the second 50 ms after the first, with
    /// 300 ms each: the status of each.
    async fn two_overlapping(cap: usize) -> (StatusCode, StatusCode) {
        let app = apply(
            Router::new().route(
                "/api/work",
                get(|| tokio::time::sleep(Duration::from_millis(200))),
            ),
            limits(1024, 300, cap),
        );
        let first = tokio::spawn(app.clone().oneshot(request("/api/work")));
        tokio::time::sleep(Duration::from_millis(50)).await;
        let second = app.oneshot(request("/api/work")).await.unwrap();
        (first.await.unwrap().unwrap().status(), second.status())
    }

    #[tokio::test]
    async fn a_request_beyond_the_cap_waits_for_a_slot_and_the_wait_counts_toward_its_time() {
        assert_eq!(
            two_overlapping(1).await,
            (StatusCode::OK, StatusCode::SERVICE_UNAVAILABLE)
        );
        assert_eq!(two_overlapping(2).await, (StatusCode::OK, StatusCode::OK));
    }

    #[tokio::test]
    async fn an_announced_body_over_the_limit_is_refused_before_it_is_read() {
        let app = apply(
            Router::new().route("/api/echo", post(|body: String| async move { body })),
            limits(1024, 1000, 4),
        );
        let big = Request::builder()
            .method("POST")
            .uri("/api/echo")
            .header(CONTENT_LENGTH, "2048")
            .body(Body::from(vec![b'a'; 2048]))
            .unwrap();
        let response = app.clone().oneshot(big).await.unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(json_of(response).await["code"], "payload_too_large");
        let small = Request::builder()
            .method("POST")
            .uri("/api/echo")
            .body(Body::from("ok"))
            .unwrap();
        assert_eq!(app.oneshot(small).await.unwrap().status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn a_json_body_sent_without_a_length_is_cut_off_at_the_limit_with_the_same_413() {
        use crate::api::json::ApiJson;
        let app = apply(
            Router::new().route(
                "/api/json",
                post(|ApiJson(v): ApiJson<serde_json::Value>| async move { v.to_string() }),
            ),
            limits(1024, 1000, 4),
        );
        let unannounced = |len: usize| {
            let text = format!("\"{}\"", "a".repeat(len));
            Request::builder()
                .method("POST")
                .uri("/api/json")
                .header("content-type", "application/json")
                .body(Body::from(text))
                .unwrap()
        };
        let response = app.clone().oneshot(unannounced(2048)).await.unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(json_of(response).await["code"], "payload_too_large");
        let fits = app.oneshot(unannounced(100)).await.unwrap();
        assert_eq!(fits.status(), StatusCode::OK);
    }
}
