//! `ApiJson<T>`: a JSON body extractor whose failures are [`AppError`]s that
//! name the field at fault (`cardholder.postal_code`), instead of axum's
//! plain-text rejections; `ApiPath<T>` does the same for path parameters.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::AppError;
use crate::service::error::ServiceError;

/// A JSON request body, deserialized with the path of any bad field kept.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(&req) {
            return Err(not_json());
        }
        Ok(ApiJson(parse(&body(req, state).await?)?))
    }
}

fn is_json(req: &Request) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

fn not_json() -> AppError {
    AppError::invalid("content-type", "send the body as application/json")
}

async fn body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, AppError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        // A body sent without a length meets the limit only here.
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::invalid("body", e.body_text())
        }
    })
}

/// A JSON body that may be left out: an empty body gives `T::default()`; a
/// body must be JSON like [`ApiJson`]'s.
#[derive(Debug, Clone, Copy, Default)]
pub struct OptionalApiJson<T>(pub T);

impl<S, T> FromRequest<S> for OptionalApiJson<T>
where
    T: DeserializeOwned + Default,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = is_json(&req);
        let bytes = body(req, state).await?;
        if bytes.is_empty() {
            return Ok(OptionalApiJson(T::default()));
        }
        if !json {
            return Err(not_json());
        }
        Ok(OptionalApiJson(parse(&bytes)?))
    }
}

/// Path parameters (`/api/cases/{id}`). A value that cannot name anything
/// (`/api/cases/abc`, a letter number beyond 255) is 404 `not_found` in the
/// usual `{"code","message"}` body rather than axum's plain-text 400: there
/// is no such resource, whatever the reason.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(_) => Err(AppError::NotFound {
                what: parts.uri.path().to_owned(),
            }),
        }
    }
}

/// Deserializes `bytes`, turning an error into bad input on the field's
/// path (the pages' intake form parses through this too).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ServiceError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        // serde reports a missing field at its parent; name the field itself.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        // The root is "." (or "?" when the JSON did not even parse).
        let field = match (path.as_str(), missing) {
            ("." | "?", Some(name)) => name.to_owned(),
            ("." | "?", None) => "body".to_owned(),
            (parent, Some(name)) => format!("{parent}.{name}"),
            (_, None) => path,
        };
        ServiceError::invalid(field, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        postal_code: String,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        version: i64,
        cardholder: Inner,
    }

    fn field_of(json: &str) -> String {
        match parse::<Outer>(json.as_bytes()) {
            Err(ServiceError::Invalid { field, .. }) => field,
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn a_missing_nested_field_is_named_by_its_path() {
        assert_eq!(
            field_of(r#"{"version": 1, "cardholder": {}}"#),
            "cardholder.postal_code"
        );
        assert_eq!(
            field_of(r#"{"cardholder": {"postal_code": "1"}}"#),
            "version"
        );
        assert_eq!(
            field_of(r#"{"version": 1, "cardholder": {"postal_code": 7}}"#),
            "cardholder.postal_code"
        );
    }

    #[test]
    fn a_wrongly_typed_version_is_named() {
        assert_eq!(
            field_of(r#"{"version": "one", "cardholder": {"postal_code": "1"}}"#),
            "version"
        );
    }

    #[test]
    fn malformed_json_blames_the_body() {
        assert_eq!(field_of("{not json"), "body");
    }

    #[derive(Debug, Default, PartialEq, serde::Deserialize)]
    struct Planned {
        day: Option<String>,
    }

    async fn optional(content_type: Option<&str>, body: &str) -> Result<Planned, AppError> {
        let mut request = axum::http::Request::builder().method("POST").uri("/");
        if let Some(t) = content_type {
            request = request.header(CONTENT_TYPE, t);
        }
        let request = request
            .body(axum::body::Body::from(body.to_owned()))
            .unwrap();
        OptionalApiJson::<Planned>::from_request(request, &())
            .await
            .map(|OptionalApiJson(v)| v)
    }

    #[tokio::test]
    async fn an_optional_body_left_out_is_the_default_and_one_given_must_be_json() {
        assert_eq!(optional(None, "").await.unwrap(), Planned::default());
        let given = optional(Some("application/json"), r#"{"day":"2026-12-01"}"#).await;
        assert_eq!(given.unwrap().day.as_deref(), Some("2026-12-01"));
        assert!(matches!(
            optional(None, r#"{"day":"2026-12-01"}"#).await,
            Err(AppError::Invalid { field, .. }) if field == "content-type"
        ));
        assert!(matches!(
            optional(Some("application/json"), r#"{"day":1}"#).await,
            Err(AppError::Invalid { field, .. }) if field == "day"
        ));
    }
}
