//! Logging in and out with bearer tokens.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use serde::Serialize;
use shokai_store::throttle::{self, Reservation};
use shokai_store::users;

use super::error::ServiceError;
use crate::auth::Caller;
use crate::infra::{password, rate_limit, token};
use crate::state::AppState;

/// A session just opened: the token is shown to the client once.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NewSession {
    /// The bearer token (only its hash is stored).
    #[serde(serialize_with = "expose")]
    #[schema(value_type = String)]
    pub token: SecretString,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// Who logged in.
    pub username: String,
    /// Their role code.
    pub role: &'static str,
}

fn expose<S: serde::Serializer>(token: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(secrecy::ExposeSecret::expose_secret(token))
}

/// A login attempt.
pub struct Attempt<'a> {
    /// Login name as typed.
    pub username: &'a str,
    /// Password as typed.
    pub password: SecretString,
    /// Where it came from.
    pub from: IpAddr,
}

/// Checks the password (throttled, see [`rate_limit`]) and opens a session
/// lasting the configured `SHOKAI_SESSION_HOURS` at most, or until it is
/// idle for `SHOKAI_SESSION_IDLE_MINUTES`.
///
/// The try is counted as a failure before argon2 runs and forgiven when the
/// password is right, so a burst of parallel guesses meets the count of the
/// ones before it.
#[tracing::instrument(skip_all)]
pub async fn login(state: &AppState, attempt: Attempt<'_>) -> Result<NewSession, ServiceError> {
    if attempt.username.chars().count() > rate_limit::MAX_USERNAME_CHARS {
        // No account can have such a name: nothing to look up or count.
        return Err(ServiceError::BadCredentials);
    }
    let keys = rate_limit::login_keys(&attempt.from.to_string(), attempt.username);
    let store = state.store();
    match throttle::reserve(store, &keys, state.now()).await? {
        Reservation::Granted => {}
        Reservation::Refused { until, scope } => {
            tracing::warn!(scope, "login refused: too many failures");
            return Err(ServiceError::too_many_until(until, state.now()));
        }
    }
    let outcome = check_and_open(state, attempt.username, attempt.password).await;
    if outcome.is_ok() {
        throttle::clear(store, &keys).await?;
    }
    outcome
}

async fn check_and_open(
    state: &AppState,
    username: &str,
    password: SecretString,
) -> Result<NewSession, ServiceError> {
    let store = state.store();
    let hours = state.settings().session_hours;
    let mut tx = store.read().await?;
    let user = users::user_by_username(&mut tx, username).await?;
    tx.commit().await?;
    let user = user.filter(|u| u.active);
    // argon2 is deliberately slow: `infra::password` runs it on the blocking
    // pool, a few at a time.
    let matches = match &user {
        Some(user) => password::verify(&password, &user.password_hash).await,
        None => password::verify_against_nothing(&password)
            .await
            .map(|()| false),
    }
    .map_err(ServiceError::internal)?;
    let user = match (user, matches) {
        (Some(user), true) => user,
        _ => return Err(ServiceError::BadCredentials),
    };
    let token = token::generate();
    let now = state.now();
    let expires_at = now + Duration::hours(i64::from(hours));
    let mut tx = store.begin().await?;
    users::create_session(&mut tx, user.id, &token::digest(&token), expires_at, now).await?;
    tx.commit().await?;
    tracing::info!(user_id = user.id, "logged in");
    Ok(NewSession {
        token,
        expires_at,
        username: user.username,
        role: user.role.code(),
    })
}

/// Ends the session of `token`. Unknown tokens are ignored (logging out twice is fine).
pub async fn logout(state: &AppState, token: &SecretString) -> Result<(), ServiceError> {
    let mut tx = state.store().begin().await?;
    users::revoke_session(&mut tx, &token::digest(token), state.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Who holds the live session of `token` (bearer token or cookie), or
/// [`ServiceError::Unauthenticated`]: unknown, past `SHOKAI_SESSION_HOURS`,
/// idle for `SHOKAI_SESSION_IDLE_MINUTES`, revoked, or its user disabled.
/// Use refreshes the session's last-seen time, at most once a minute (not a
/// write per request).
pub async fn caller_for_token(
    state: &AppState,
    token: &SecretString,
) -> Result<Caller, ServiceError> {
    let now = state.now();
    let mut tx = state.store().read().await?;
    let found = users::find_session(&mut tx, &token::digest(token), now, idle(state)).await?;
    tx.commit().await?;
    let (session, user) = found.ok_or(ServiceError::Unauthenticated)?;
    if now - session.last_seen_at >= TOUCH_EVERY {
        let mut tx = state.store().begin().await?;
        users::touch_session(&mut tx, session.id, now).await?;
        tx.commit().await?;
    }
    Ok(Caller {
        user_id: user.id,
        username: user.username,
        role: user.role,
    })
}

/// How often a session in use records that it was used.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// The idle timeout.
fn idle(state: &AppState) -> Duration {
    Duration::minutes(i64::from(state.settings().session_idle_minutes))
}

/// Deletes the sessions that no longer work (expired, idle, revoked) and
/// the throttles' rows that are forgotten (logins' and the status page's);
/// the minute job calls it. Returns how many rows.
pub async fn delete_expired(state: &AppState) -> Result<u64, ServiceError> {
    let mut tx = state.store().begin().await?;
    let deleted = users::delete_expired_sessions(&mut tx, state.now(), idle(state)).await?;
    tx.commit().await?;
    let forgotten = throttle::sweep(state.store(), state.now()).await?;
    Ok(deleted + forgotten)
}
