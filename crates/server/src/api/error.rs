//! The one error type of the HTTP layer.
//!
//! Error policy: libraries return their own `thiserror` enums, services one
//! [`ServiceError`] that wraps them by variant; handlers turn it into
//! [`AppError`] (through `From`, the one mapping to HTTP), which answers with
//! an HTTP status and a JSON body `{"code": "...", "message": "..."}` (plus
//! `"field"` for bad input). Codes are stable snake_case strings clients may
//! match on; messages are for people and may change.
//!
//! A server-side failure (5xx) never shows its cause to the client: the body
//! says only `internal`, and the cause travels in the response extensions to
//! [`crate::app::http::log_server_errors`], which logs it once inside the
//! request's span. Unique-constraint violations are 409s, never 500s.

use std::sync::Arc;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shokai_workflow::{ApplicationError, TransitionError};

use crate::service::error::ServiceError;

/// Why a request failed, as the client sees it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid bearer token or session.
    #[error("log in first")]
    Unauthenticated,
    /// Wrong username or password (deliberately not saying which).
    #[error("the username or password is wrong")]
    BadCredentials,
    /// Logged in, but the role may not do this.
    #[error("your role may not do this")]
    Forbidden,
    /// Nothing at this address.
    #[error("{what} not found")]
    NotFound {
        /// What was looked for, e.g. "case 12".
        what: String,
    },
    /// The body or query is malformed or a value breaks a rule.
    #[error("{field}: {message}")]
    Invalid {
        /// Stable code: `invalid_input`, or the domain's own (`reason_required`, …).
        code: &'static str,
        /// The offending field, as a path into the request (`cardholder.name`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A state the request cannot apply to: stale version, illegal move,
    /// duplicate value. `code` names which.
    #[error("{message}")]
    Conflict {
        /// Stable code, e.g. `version_conflict`, `invalid_transition`, `duplicate`.
        code: &'static str,
        /// What happened.
        message: String,
    },
    /// Something that existed here was removed on purpose and will not come
    /// back (e.g. a mailed batch's print file, which held the codes).
    #[error("{message}")]
    Gone {
        /// Stable code, e.g. `print_file_discarded`.
        code: &'static str,
        /// What was removed, and why.
        message: String,
    },
    /// Too many attempts; try again after `retry_after_secs` seconds (also
    /// sent as `Retry-After`).
    #[error("too many attempts; try again later")]
    TooManyRequests {
        /// Seconds until the next try is accepted.
        retry_after_secs: u64,
    },
    /// The request body is larger than the server accepts
    /// (`SHOKAI_MAX_BODY_BYTES`).
    #[error("the request body is larger than this server accepts")]
    PayloadTooLarge,
    /// A part this server needs is not configured (e.g. no card terminal).
    #[error("{message}")]
    Unavailable {
        /// Stable code, e.g. `card_terminal_unavailable`.
        code: &'static str,
        /// What is missing.
        message: String,
    },
    /// Anything else: a bug or a failing dependency. Logged, never shown.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The JSON body of every error response.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// Stable machine-readable code.
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
    /// For `invalid_input`: the field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// The cause of a 5xx, carried to the logging middleware in the response's
/// extensions so it is logged exactly once, inside the request span.
#[derive(Debug, Clone)]
pub struct ServerErrorReport(pub Arc<str>);

impl AppError {
    /// An internal error from any error value.
    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> AppError {
        AppError::Internal(Box::new(e))
    }

    /// Bad input in `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::Invalid {
            code: "invalid_input",
            field: field.into(),
            message: message.into(),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Gone { .. } => StatusCode::GONE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code in the body.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::BadCredentials => "bad_credentials",
            AppError::Forbidden => "forbidden",
            AppError::NotFound { .. } => "not_found",
            AppError::Invalid { code, .. }
            | AppError::Conflict { code, .. }
            | AppError::Gone { code, .. }
            | AppError::Unavailable { code, .. } => code,
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::Internal(_) => "internal",
        }
    }

    /// The cause of a 5xx, for the one log line in the request span.
    pub fn report(&self) -> Option<ServerErrorReport> {
        match self {
            AppError::Internal(cause) => Some(ServerErrorReport(chain(cause.as_ref()).into())),
            _ => None,
        }
    }

    fn body(&self) -> ErrorBody {
        let (message, field) = match self {
            AppError::Invalid { field, message, .. } => (message.clone(), Some(field.clone())),
            other => (other.to_string(), None),
        };
        ErrorBody {
            code: self.code(),
            message,
            field,
        }
    }
}

/// The full `source()` chain of an error, for the log line.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, Json(self.body())).into_response();
        if let Some(report) = self.report() {
            response.extensions_mut().insert(report);
        }
        if let AppError::TooManyRequests { retry_after_secs } = self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_secs),
            );
        }
        if matches!(self, AppError::Unauthenticated) {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> AppError {
        let field = e.field();
        match e {
            ServiceError::Unauthenticated => AppError::Unauthenticated,
            ServiceError::BadCredentials => AppError::BadCredentials,
            ServiceError::TooManyRequests { retry_after_secs } => {
                AppError::TooManyRequests { retry_after_secs }
            }
            ServiceError::NotFound { what } => AppError::NotFound { what },
            ServiceError::Invalid { field, message, .. } => AppError::invalid(field, message),
            e @ ServiceError::Unprintable { .. } => AppError::Invalid {
                code: "unprintable_character",
                field: field.unwrap_or_default(),
                message: e.to_string(),
            },
            ServiceError::Application(e) => application(e, field),
            ServiceError::Transition(e) | ServiceError::Refused { error: e, .. } => {
                transition(e, field)
            }
            e @ ServiceError::VersionConflict { .. } => conflict("version_conflict", &e),
            e @ ServiceError::Duplicate { .. } => conflict("duplicate", &e),
            e @ ServiceError::Purged { .. } => conflict("purged", &e),
            e @ ServiceError::BatchEmpty => conflict("batch_empty", &e),
            e @ ServiceError::BatchAlreadyMailed { .. } => conflict("batch_already_mailed", &e),
            e @ ServiceError::LetterUnprintable { .. } => conflict("letter_unprintable", &e),
            e @ ServiceError::CardUnreadable(_) => conflict("card_unreadable", &e),
            e @ ServiceError::PrintFileDiscarded { .. } => AppError::Gone {
                code: "print_file_discarded",
                message: e.to_string(),
            },
            e @ (ServiceError::PinFormat { .. } | ServiceError::PinsNotOfCase(_)) => {
                AppError::invalid(field.unwrap_or_default(), e.to_string())
            }
            e @ ServiceError::WrongPin(_) => AppError::Invalid {
                code: "wrong_pin",
                field: field.unwrap_or_default(),
                message: e.to_string(),
            },
            e @ ServiceError::TerminalUnavailable => AppError::Unavailable {
                code: "card_terminal_unavailable",
                message: e.to_string(),
            },
            ServiceError::Internal(cause) => AppError::Internal(cause),
        }
    }
}

fn conflict(code: &'static str, e: &ServiceError) -> AppError {
    AppError::Conflict {
        code,
        message: e.to_string(),
    }
}

/// A workflow refusal: bad input on the field it names, a 409 on the case's
/// state otherwise; a role the workflow does not allow is 403.
fn transition(e: TransitionError, field: Option<String>) -> AppError {
    if let TransitionError::RoleNotPermitted { .. } = e {
        return AppError::Forbidden;
    }
    match field {
        Some(field) => AppError::Invalid {
            code: e.code(),
            field,
            message: e.to_string(),
        },
        None => AppError::Conflict {
            code: e.code(),
            message: e.to_string(),
        },
    }
}

/// An application rule: bad input on the intake field it names; a card
/// that already has an open case is a 409 naming that case.
fn application(e: ApplicationError, field: Option<String>) -> AppError {
    match (e, field) {
        (ApplicationError::RoleNotPermitted { .. }, _) => AppError::Forbidden,
        (
            e @ (ApplicationError::CardHasOpenCase { .. }
            | ApplicationError::NothingToReset { .. }
            | ApplicationError::NotTheCasesCard { .. }),
            _,
        ) => AppError::Conflict {
            code: e.code(),
            message: e.to_string(),
        },
        (e, Some(field)) => AppError::Invalid {
            code: e.code(),
            field,
            message: e.to_string(),
        },
        (e, None) => AppError::internal(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn an_internal_error_hides_its_cause_from_the_client_but_keeps_it_for_the_log() {
        let cause = std::io::Error::other("disk /var/lib/secret-path is full");
        let response = AppError::internal(cause).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let report = response.extensions().get::<ServerErrorReport>().cloned();
        assert!(report.unwrap().0.contains("secret-path"));
        let body = body_of(response).await;
        assert_eq!(body["code"], "internal");
        assert!(!body.to_string().contains("secret-path"), "{body}");
    }

    #[tokio::test]
    async fn bad_input_names_the_field_with_a_422() {
        let response = AppError::invalid("cardholder.postal_code", "7 digits").into_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.extensions().get::<ServerErrorReport>().is_none());
        let body = body_of(response).await;
        assert_eq!(body["code"], "invalid_input");
        assert_eq!(body["field"], "cardholder.postal_code");
    }

    #[tokio::test]
    async fn conflicts_carry_their_own_stable_code() {
        let response = AppError::Conflict {
            code: "version_conflict",
            message: "the case changed".into(),
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_eq!(body_of(response).await["code"], "version_conflict");
    }

    #[tokio::test]
    async fn a_response_dated_before_the_mailing_is_bad_input_on_entered_at() {
        let response =
            AppError::from(ServiceError::from(TransitionError::EntryBeforeMailing)).into_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = body_of(response).await;
        assert_eq!(body["code"], "entry_before_mailing");
        assert_eq!(body["field"], "entered_at");
    }

    #[tokio::test]
    async fn a_refused_move_on_the_case_is_a_409_with_the_workflow_code() {
        let response =
            AppError::from(ServiceError::from(TransitionError::CaseLocked)).into_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_eq!(body_of(response).await["code"], "case_locked");
    }

    #[tokio::test]
    async fn a_wrong_current_pin_is_bad_input_on_that_pins_field_with_the_tries_left() {
        let wrong = crate::service::error::WrongPin {
            pin: shokai_card::PinKind::UserAuth,
            tries_left: 2,
        };
        let response = AppError::from(ServiceError::from(wrong)).into_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = body_of(response).await;
        assert_eq!(body["code"], "wrong_pin");
        assert_eq!(body["field"], "changes.user_auth.current");
        assert!(
            body["message"].as_str().unwrap().contains("2 tries left"),
            "{body}"
        );
    }

    #[tokio::test]
    async fn a_server_without_a_terminal_is_unavailable_and_a_refused_role_forbidden() {
        let none = AppError::from(ServiceError::TerminalUnavailable).into_response();
        assert_eq!(none.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body_of(none).await["code"], "card_terminal_unavailable");
        let role = TransitionError::RoleNotPermitted {
            event: "cancel",
            role: shokai_workflow::Role::Clerk,
            required: shokai_workflow::Role::Supervisor,
        };
        let response = AppError::from(ServiceError::from(role)).into_response();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }

    #[tokio::test]
    async fn a_discarded_print_file_is_gone_with_its_own_code() {
        let response =
            AppError::from(ServiceError::PrintFileDiscarded { batch_id: 3 }).into_response();
        assert_eq!(response.status(), StatusCode::GONE);
        assert_eq!(body_of(response).await["code"], "print_file_discarded");
    }

    #[tokio::test]
    async fn an_empty_batch_and_a_batch_mailed_twice_are_conflicts() {
        let empty = AppError::from(ServiceError::BatchEmpty).into_response();
        assert_eq!(empty.status(), StatusCode::CONFLICT);
        assert_eq!(body_of(empty).await["code"], "batch_empty");
        let twice = AppError::from(ServiceError::BatchAlreadyMailed {
            batch_id: 1,
            mailed_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
        })
        .into_response();
        assert_eq!(twice.status(), StatusCode::CONFLICT);
        assert_eq!(body_of(twice).await["code"], "batch_already_mailed");
    }
}
