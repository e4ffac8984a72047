//! The OpenAPI 3 document, served at `GET /api/openapi.json`, generated from
//! the handlers' `#[utoipa::path]` attributes so it cannot drift from them.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// The error body every failing call returns (see `api::error`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorSchema {
    /// Stable code: unauthenticated, bad_credentials, forbidden, not_found,
    /// invalid_input, version_conflict, invalid_transition, duplicate,
    /// too_many_requests, payload_too_large (413), timeout (503), internal,
    /// and the workflow's refusal codes (code_mismatch, card_has_open_case, …)
    code: String,
    /// A developer's explanation, in English, and not stable: show clerks
    /// your own wording keyed by `code`. The clerk UI words every code in
    /// Japanese (the workflow's `message_ja`, the server's `web/messages.rs`).
    message: String,
    /// For invalid_input: the field at fault, as a path into the request.
    field: Option<String>,
}

/// One page of `GET /api/cases` (see `api::cases::CaseListResponse`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CaseListSchema {
    /// The page's case summaries, newest first (by registration, then id):
    /// id, reference, path, state, version, deadline, created_at, updated_at.
    #[schema(value_type = Vec<Object>)]
    cases: Vec<()>,
    /// How many cases match the filters, the same on every page.
    total: i64,
    /// Opaque: pass as `cursor` (with the same filters) for the next, older
    /// page; absent on the last page. Do not build or change it.
    next_cursor: Option<String>,
    /// Opaque: pass as `cursor` for the previous, newer page; absent on the
    /// first page.
    previous_cursor: Option<String>,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "shokai", description = "PIN-change cases of a ward office: API for clerks, supervisors and auditors."),
    paths(
        super::health::healthz,
        super::health::office,
        super::session::login,
        super::session::me,
        super::session::logout,
        super::cases::open,
        super::cases::list,
        super::cases::get,
        super::cases::cancel,
        super::cases::unlock,
        super::cases::pin_change,
        super::cases::current_pin_wrong,
        super::cases::take_over,
        super::cases::start_reset,
        super::letters::issue,
        super::letters::pdf,
        super::letters::receipt_pdf,
        super::responses::record,
        super::responses::undeliverable,
        super::batches::close,
        super::batches::list,
        super::batches::get,
        super::batches::print_pdf,
        super::batches::manifest_csv,
        super::batches::mailed,
        super::reports::report,
        super::status::lookup,
        super::audit::search,
        super::audit::verify,
        super::audit::export_csv,
        super::audit::access,
        super::audit::access_csv,
    ),
    components(schemas(ErrorSchema, CaseListSchema)),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `GET /api/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
