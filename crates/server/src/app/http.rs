//! The HTTP stack around the routes: request ids, tracing spans, the
//! security headers, metrics, the single log line of a server error, the
//! request limits, and serving with graceful shutdown.

use std::net::SocketAddr;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::serve::{Listener, ListenerExt};
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::api::error::ServerErrorReport;
use crate::state::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Wraps the routes in the layers every request passes through. Outermost
/// first: request id, span, response headers ([`super::headers`]), metrics,
/// error log, limits ([`super::limits`]: body size, timeout, concurrency).
pub fn with_layers(routes: Router<AppState>, state: AppState) -> Router {
    let trace = TraceLayer::new_for_http().make_span_with(|req: &Request| {
        let id = req
            .headers()
            .get(&REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        // The path only: query strings may hold search terms about people.
        tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
    })
    // Failures are logged once, with their cause, by `log_server_errors`.
    .on_failure(());
    let limits = state.settings().limits;
    let routes = if state.settings().edge.https() {
        routes.layer(middleware::from_fn(super::headers::hsts))
    } else {
        routes
    };
    super::limits::apply(routes, limits)
        .layer(middleware::from_fn(log_server_errors))
        .layer(middleware::from_fn_with_state(state.clone(), track_metrics))
        .layer(middleware::from_fn(super::headers::security_headers))
        .layer(trace)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

/// Logs the cause of a 5xx once, inside the request span.
pub async fn log_server_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    if let Some(report) = response.extensions().get::<ServerErrorReport>() {
        tracing::error!(status = response.status().as_u16(), error = %report.0, "request failed");
    } else if response.status().is_server_error() {
        tracing::error!(status = response.status().as_u16(), "request failed");
    }
    response
}

/// Counts every answered request by route pattern and status.
async fn track_metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(unmatched)".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(req).await;
    state.metrics().record(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// The 404 for unknown addresses, in the API's error format.
pub async fn not_found() -> (StatusCode, axum::Json<crate::api::error::ErrorBody>) {
    (
        StatusCode::NOT_FOUND,
        axum::Json(crate::api::error::ErrorBody {
            code: "not_found",
            message: "no such address".to_owned(),
            field: None,
        }),
    )
}

/// Binds `addr` (port 0 picks a free port), returning the listener and the
/// address actually bound.
pub async fn bind(addr: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

/// Serves until `shutdown` ends (see [`shutdown_signal`]), then lets
/// in-flight requests finish. `listener` is the bound TCP socket, or the
/// TLS one ([`super::tls`]).
pub async fn serve<L, S>(listener: L, app: Router, shutdown: S) -> std::io::Result<()>
where
    L: Listener<Addr = SocketAddr>,
    S: Future<Output = ()> + Send + 'static,
{
    // The socket's peer feeds `infra::proxy::client_addr` (rate limits).
    // `tap_io` makes any listener yield its `SocketAddr` as connect info.
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener.tap_io(|_| {}), app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Ends on the first SIGINT or SIGTERM. Wait for it once and pass the news
/// to every listener (a token), so one signal stops them all.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
