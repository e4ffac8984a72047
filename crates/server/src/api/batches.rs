//! Print batches: `POST /api/batches` closes one now, `GET /api/batches`
//! lists them, `GET /api/batches/{id}` shows one, the print file and the
//! manifest download, and `POST /api/batches/{id}/mailed` records the
//! mailing. The print file holds every code in the batch: only the print
//! room downloads it, and each download is in the audit log.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::authorized::Authorized;
use super::error::AppError;
use super::json::{ApiJson, OptionalApiJson};
use crate::auth::{Operate, Post, Print, Staff};
use crate::service::access_log::{AccessKind, Target};
use crate::service::batches::{
    self, BatchView, CloseRequest, MailedBatch, MailedRequest, PrintDownload,
};
use crate::state::AppState;

/// `POST /api/batches`: closes a batch with every letter issued so far:
/// each gets its code and is printed into the batch's print file.
#[utoipa::path(post, path = "/api/batches", tag = "batches", security(("bearer" = [])),
    request_body(content = Object, description = "optional {planned_mailing_on?: YYYY-MM-DD, default the next open day}"),
    responses((status = 201, description = "{id, planned_mailing_on, letter_count, references, print_sha256, held, links, ...}", body = Object),
        (status = 403, description = "forbidden", body = super::openapi::ErrorSchema),
        (status = 409, description = "batch_empty, letter_unprintable", body = super::openapi::ErrorSchema),
        (status = 422, description = "planned_mailing_in_past (field planned_mailing_on)", body = super::openapi::ErrorSchema)))]
pub async fn close(
    auth: Authorized<Operate>,
    State(state): State<AppState>,
    OptionalApiJson(req): OptionalApiJson<CloseRequest>,
) -> Result<(StatusCode, Json<BatchView>), AppError> {
    let batch = batches::close(&state, &auth.caller, req).await?;
    Ok((StatusCode::CREATED, Json(batch)))
}

/// `GET /api/batches`: every batch, newest first.
#[utoipa::path(get, path = "/api/batches", tag = "batches", security(("bearer" = [])),
    responses((status = 200, description = "[batch]", body = Object)))]
pub async fn list(
    auth: Authorized<Staff>,
    State(state): State<AppState>,
) -> Result<Json<Vec<BatchView>>, AppError> {
    Ok(Json(batches::list(&state, &auth.caller).await?))
}

/// `GET /api/batches/{id}`: one batch.
#[utoipa::path(get, path = "/api/batches/{id}", tag = "batches", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Batch id")),
    responses((status = 200, description = "The batch", body = Object),
        (status = 404, description = "not_found", body = super::openapi::ErrorSchema)))]
pub async fn get(
    auth: Authorized<Staff>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<BatchView>, AppError> {
    Ok(Json(batches::get(&state, &auth.caller, id).await?))
}

/// `GET /api/batches/{id}/print.pdf`: the combined file for the press.
#[utoipa::path(get, path = "/api/batches/{id}/print.pdf", tag = "batches", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Batch id")),
    responses((status = 200, description = "The PDF", content_type = "application/pdf"),
        (status = 403, description = "forbidden (auditors: it holds the codes)", body = super::openapi::ErrorSchema),
        (status = 410, description = "print_file_discarded (the batch was mailed)", body = super::openapi::ErrorSchema)))]
pub async fn print_pdf(
    auth: Authorized<Print>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, AppError> {
    let download = batches::print_pdf(&state, &auth.caller, id).await?;
    auth.record_read(&state, AccessKind::PrintFile, Target::Batch(id))
        .await?;
    Ok(print_file_response(download, None))
}

/// The print file as a response: streamed from disk, never cached; with
/// `attachment`, offered for download under that name (the pages).
pub fn print_file_response(download: PrintDownload, attachment: Option<&str>) -> Response {
    let (body, len) = match download {
        PrintDownload::File(file, len) => (
            Body::from_stream(tokio_util::io::ReaderStream::new(file)),
            Some(len),
        ),
        PrintDownload::Kept(bytes) => (Body::from(bytes), None),
    };
    let mut response = ([(header::CONTENT_TYPE, "application/pdf")], body).into_response();
    let headers = response.headers_mut();
    if let Some(len) = len {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    if let Some(name) = attachment
        && let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// `GET /api/batches/{id}/manifest.csv`: the 発送簿.
#[utoipa::path(get, path = "/api/batches/{id}/manifest.csv", tag = "batches", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Batch id")),
    responses((status = 200, description = "UTF-8 CSV, CRLF", content_type = "text/csv"),
        (status = 403, description = "forbidden", body = super::openapi::ErrorSchema)))]
pub async fn manifest_csv(
    auth: Authorized<Post>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, AppError> {
    let bytes = batches::manifest_csv(&state, &auth.caller, id).await?;
    auth.record_read(&state, AccessKind::Manifest, Target::Batch(id))
        .await?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], bytes))
}

/// `POST /api/batches/{id}/mailed`: the batch went to the post.
#[utoipa::path(post, path = "/api/batches/{id}/mailed", tag = "batches", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Batch id")),
    request_body(content = Object, description = "{mailed_on?: YYYY-MM-DD, default today (JST)}"),
    responses((status = 200, description = "{batch, mailed_on, cases: [{case_id, reference, outcome, state, version, deadline}]}", body = Object),
        (status = 409, description = "batch_already_mailed", body = super::openapi::ErrorSchema),
        (status = 422, description = "mailing_date_out_of_range (field mailed_on)", body = super::openapi::ErrorSchema)))]
pub async fn mailed(
    auth: Authorized<Post>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<MailedRequest>,
) -> Result<Json<MailedBatch>, AppError> {
    Ok(Json(
        batches::mark_mailed(&state, &auth.caller, id, req).await?,
    ))
}
