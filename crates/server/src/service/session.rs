//! Logging in and out with bearer tokens.

use std::net::IpAddr;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use serde::Serialize;
use shokai_store::{Store, users};

use crate::api::error::AppError;
use crate::auth::{password, token};
use crate::infra::rate_limit::FailureLimiter;

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

/// Failed logins allowed per username, and per client address, within
/// [`LOGIN_WINDOW`]: enough for typos, far too few for guessing.
pub const LOGIN_FAILURES_PER_USER: usize = 5;
/// See [`LOGIN_FAILURES_PER_USER`]; an office shares few addresses.
pub const LOGIN_FAILURES_PER_ADDRESS: usize = 30;
/// The window failed logins are counted in.
pub const LOGIN_WINDOW: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Failed-login counters by username and by client address.
#[derive(Debug)]
pub struct LoginLimits {
    users: FailureLimiter,
    addresses: FailureLimiter,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            users: FailureLimiter::new(LOGIN_FAILURES_PER_USER, LOGIN_WINDOW),
            addresses: FailureLimiter::new(LOGIN_FAILURES_PER_ADDRESS, LOGIN_WINDOW),
        }
    }
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

/// Checks the password (rate-limited) and opens a session lasting `hours`.
#[tracing::instrument(skip_all)]
pub async fn login(
    store: &Store,
    limits: &LoginLimits,
    attempt: Attempt<'_>,
    hours: u32,
) -> Result<NewSession, AppError> {
    let user_key = attempt.username.to_lowercase();
    let address_key = attempt.from.to_string();
    let now = Instant::now();
    if !limits.users.allows(&user_key, now) || !limits.addresses.allows(&address_key, now) {
        return Err(AppError::TooManyRequests);
    }
    let outcome = check_and_open(store, attempt.username, attempt.password, hours).await;
    match &outcome {
        Err(AppError::BadCredentials) => {
            limits.users.fail(&user_key, now);
            limits.addresses.fail(&address_key, now);
        }
        Ok(_) => limits.users.succeed(&user_key),
        Err(_) => {}
    }
    outcome
}

async fn check_and_open(
    store: &Store,
    username: &str,
    password: SecretString,
    hours: u32,
) -> Result<NewSession, AppError> {
    let mut tx = store.read().await?;
    let user = users::user_by_username(&mut tx, username).await?;
    tx.commit().await?;
    let user = user.filter(|u| u.active);
    // argon2 is deliberately slow: keep it off the async workers.
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let matches = tokio::task::spawn_blocking(move || match hash {
        Some(phc) => password::verify(&password, &phc),
        None => {
            password::verify_against_nothing(&password);
            false
        }
    })
    .await
    .map_err(AppError::internal)?;
    let user = match (user, matches) {
        (Some(user), true) => user,
        _ => return Err(AppError::BadCredentials),
    };
    let token = token::generate();
    let now = Utc::now();
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
pub async fn logout(store: &Store, token: &SecretString) -> Result<(), AppError> {
    let mut tx = store.begin().await?;
    users::revoke_session(&mut tx, &token::digest(token), Utc::now()).await?;
    tx.commit().await?;
    Ok(())
}
