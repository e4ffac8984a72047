//! Reading the audit log: search, chain verification, CSV export.
//!
//! Personal data recorded with events is not returned here: auditors see its
//! salted digest, which proves it was not altered without revealing it.

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use shokai_store::Store;
use shokai_store::audit::{self, AuditEntry};
pub use shokai_store::audit::{ChainBreak, VerifyReport};
use shokai_store::canonical::canonical_time;
use shokai_workflow::{CaseState, Role, event_name_ja};

use super::error::ServiceError;
use crate::infra::csv::{ExcelCsv, japan_time};

/// The Japanese name of an audit event code: the workflow's events, and the
/// store's own (a print file downloaded, personal data purged); a code
/// neither knows is shown as it is.
pub fn event_ja(code: &str) -> String {
    let store_event = match code {
        "print_batch_created" => Some("発送バッチの締め"),
        "print_batch_letter_held" => Some("印刷できない照会書の保留"),
        "print_batch_mailed" => Some("発送バッチの発送"),
        "print_file_downloaded" => Some("印刷用PDFのダウンロード"),
        "personal_data_purged" => Some("個人情報の削除"),
        "user_added" => Some("利用者の登録"),
        "user_disabled" => Some("利用者の無効化"),
        "user_enabled" => Some("利用者の有効化"),
        "user_password_reset" => Some("パスワードの再設定"),
        "user_sessions_revoked" => Some("ログイン中のセッションの失効"),
        _ => None,
    };
    event_name_ja(code)
        .or(store_event)
        .map_or_else(|| code.to_owned(), str::to_owned)
}

/// The Japanese name of a case state code (as it is, if unknown).
pub fn state_ja(code: &str) -> String {
    CaseState::from_code(code).map_or_else(|| code.to_owned(), |s| s.name_ja().to_owned())
}

/// The Japanese name of a role code; `system` is the server's own jobs.
pub fn role_ja(code: &str) -> String {
    match Role::from_code(code) {
        Some(role) => role.name_ja().to_owned(),
        None if code == Role::System.code() => Role::System.name_ja().to_owned(),
        None => code.to_owned(),
    }
}

/// What to search for; every part is optional.
#[derive(Debug, Default)]
pub struct AuditQuery {
    /// Only events of this case id.
    pub case_id: Option<i64>,
    /// Only events by this username.
    pub actor: Option<String>,
    /// From this time (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Until this time (exclusive).
    pub to: Option<DateTime<Utc>>,
}

/// One audit event as auditors see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEvent {
    pub seq: i64,
    pub recorded_at: DateTime<Utc>,
    pub case_id: Option<i64>,
    pub case_reference: Option<String>,
    pub actor: Option<String>,
    pub role: String,
    pub event: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub reason: Option<String>,
    /// Non-personal details (JSON).
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// Salted digest of the personal data recorded with the event.
    pub personal_digest: Option<String>,
    pub hash: String,
}

impl From<AuditEntry> for AuditEvent {
    fn from(e: AuditEntry) -> Self {
        AuditEvent {
            seq: e.seq,
            recorded_at: e.recorded_at,
            case_id: e.case_id,
            case_reference: e.case_reference,
            actor: e.actor,
            role: e.role,
            event: e.event,
            from_state: e.from_state,
            to_state: e.to_state,
            reason: e.reason,
            details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null),
            personal_digest: e.personal_digest,
            hash: e.hash,
        }
    }
}

/// The ends of time for open-ended searches: within what both databases
/// store (PostgreSQL refuses chrono's MIN/MAX) and what SQLite's fixed-width
/// text keeps in order (four-digit years).
fn bounds(q: &AuditQuery) -> (DateTime<Utc>, DateTime<Utc>) {
    let earliest = DateTime::<Utc>::UNIX_EPOCH;
    let latest = Utc
        .with_ymd_and_hms(9999, 12, 31, 23, 59, 59)
        .single()
        .unwrap_or(earliest);
    (q.from.unwrap_or(earliest), q.to.unwrap_or(latest))
}

/// The log's entries matching `q`, oldest first.
async fn entries(store: &Store, q: &AuditQuery) -> Result<Vec<AuditEntry>, ServiceError> {
    let (from, to) = bounds(q);
    let mut tx = store.read().await?;
    let entries = match q.case_id {
        Some(id) => audit::events_for_case(&mut tx, id).await?,
        None => audit::events_between(&mut tx, from, to).await?,
    };
    tx.commit().await?;
    Ok(entries
        .into_iter()
        .filter(|e| e.recorded_at >= from && e.recorded_at < to)
        .filter(|e| q.actor.is_none() || e.actor == q.actor)
        .collect())
}

/// Events matching `q`, oldest first.
#[tracing::instrument(skip_all)]
pub async fn search(store: &Store, q: &AuditQuery) -> Result<Vec<AuditEvent>, ServiceError> {
    Ok(entries(store, q)
        .await?
        .into_iter()
        .map(AuditEvent::from)
        .collect())
}

/// Walks the whole chain.
pub async fn verify(store: &Store) -> Result<VerifyReport, ServiceError> {
    Ok(audit::verify(store).await?)
}

/// The export's columns: what staff read first, in Japanese, each name
/// beside its stable code; then every field the hash covers, as hashed (UTC
/// canonical times, codes), so an auditor can recompute the chain from the
/// file alone.
pub const CSV_HEADER: [&str; 21] = [
    "連番",
    "記録日時（日本時間）",
    "受付番号",
    "案件ID",
    "操作者",
    "役割",
    "操作",
    "変更前の状態",
    "変更後の状態",
    "理由",
    "詳細（JSON）",
    "個人情報のダイジェスト",
    "個人情報の削除日時（日本時間）",
    "役割コード",
    "操作コード",
    "変更前の状態コード",
    "変更後の状態コード",
    "形式版",
    "記録日時（UTC・ハッシュ計算用）",
    "前のハッシュ",
    "ハッシュ",
];

/// The events matching `q` (the page's filters: case, actor, period) as CSV
/// for Excel (no personal data).
pub async fn export_csv(store: &Store, q: &AuditQuery) -> Result<Vec<u8>, ServiceError> {
    let mut csv = ExcelCsv::new(&CSV_HEADER);
    for e in entries(store, q).await? {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let state = |v: &Option<String>| v.as_deref().map(state_ja).unwrap_or_default();
        let fields = [
            e.seq.to_string(),
            japan_time(e.recorded_at),
            opt(&e.case_reference),
            e.case_id.map(|id| id.to_string()).unwrap_or_default(),
            opt(&e.actor),
            role_ja(&e.role),
            event_ja(&e.event),
            state(&e.from_state),
            state(&e.to_state),
            opt(&e.reason),
            e.details.clone(),
            opt(&e.personal_digest),
            e.purged_at.map(japan_time).unwrap_or_default(),
            e.role.clone(),
            e.event.clone(),
            opt(&e.from_state),
            opt(&e.to_state),
            e.format_version.to_string(),
            canonical_time(e.recorded_at),
            e.prev_hash.clone(),
            e.hash.clone(),
        ];
        csv.row(fields.iter().map(String::as_str));
    }
    Ok(csv.finish())
}

#[cfg(test)]
mod tests {
    use shokai_workflow::AuditEventKind;

    use super::*;

    #[test]
    fn every_event_the_log_can_hold_has_a_japanese_name() {
        let store_events = [
            "print_batch_created",
            "print_batch_letter_held",
            "print_batch_mailed",
            "print_file_downloaded",
            "personal_data_purged",
            "user_added",
            "user_disabled",
            "user_enabled",
            "user_password_reset",
            "user_sessions_revoked",
        ];
        let workflow_events: Vec<&str> = AuditEventKind::all().map(AuditEventKind::code).collect();
        for code in workflow_events.iter().chain(&store_events) {
            let name = event_ja(code);
            assert!(!shokai_workflow::ja::has_english(&name), "{code}: {name}");
        }
        for state in CaseState::ALL {
            assert!(!shokai_workflow::ja::has_english(&state_ja(state.code())));
        }
        for role in Role::ALL.into_iter().chain([Role::System]) {
            assert!(!shokai_workflow::ja::has_english(&role_ja(role.code())));
        }
    }
}
