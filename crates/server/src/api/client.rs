//! [`Client`]: who sent the request and whether it reached us over HTTPS,
//! the one place handlers and pages learn the client's address from (the
//! login and status-page rate limits key on it).
//!
//! The socket's peer is the client unless it is one of
//! `SHOKAI_TRUSTED_PROXIES`; only then are `X-Forwarded-For` and
//! `X-Forwarded-Proto` believed ([`crate::infra::proxy`]).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;

use crate::infra::proxy;
use crate::state::AppState;

/// The request's client, as far as it can be believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    /// The client's address (`infra::proxy::client_addr`).
    pub addr: IpAddr,
    /// Whether the client reached us over HTTPS: our own TLS, or a trusted
    /// proxy's `X-Forwarded-Proto: https`.
    pub https: bool,
}

impl FromRequestParts<AppState> for Client {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, StatusCode> {
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            // `app::http::serve` always provides it: a missing one is a wiring bug.
            tracing::error!("request without the peer's address");
            return Err(StatusCode::INTERNAL_SERVER_ERROR);
        };
        let edge = &state.settings().edge;
        let trusted = &edge.trusted_proxies;
        Ok(Client {
            addr: proxy::client_addr(peer.ip(), &parts.headers, trusted),
            https: edge.tls.is_some() || proxy::forwarded_https(peer.ip(), &parts.headers, trusted),
        })
    }
}
