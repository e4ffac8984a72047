//! The access log: every read of personal data (a case page, the API's
//! case, a letter or receipt copy, a 発送簿 or print file download) is
//! recorded with who read it (user id, username, role), when, what (the
//! case and its reference, or the batch), how ([`AccessKind`]) and from
//! which client address; auditors search it and export it as CSV.
//!
//! Policy: the record is written, in a transaction of its own, after the
//! data is read and before it is handed out; when it cannot be written the
//! read fails (500 `internal`, logged once) and nothing is shown. An
//! unlogged read of personal data is what auditors fear most; a page that
//! does not open for a minute while the database is away is the lesser harm.

use std::net::IpAddr;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shokai_store::personal_data::access_log::{self, AccessEntry, AccessFilter, NewAccess};
use shokai_workflow::ReferenceNumber;

use super::audit::role_ja;
use super::error::ServiceError;
use crate::auth::Caller;
use crate::infra::csv::{ExcelCsv, japan_time};
use crate::state::AppState;
use shokai_workflow::case::japan_midnight;

/// How personal data was read: the stable codes the log keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessKind {
    /// The case page (`/cases/{id}`) with the parties shown, also when drawn
    /// again after a refused step (auditors' pages show none: not recorded).
    CasePage,
    /// `GET /api/cases/{id}` with the parties (not once purged).
    CaseApi,
    /// The response page with a case looked up (回答受付: the names).
    ResponsePage,
    /// A clerk's copy of a letter: a page's picture or the PDF.
    LetterCopy,
    /// The proxy's receipt: its preview page, picture or PDF.
    Receipt,
    /// A batch's 発送簿 (names and addresses of every letter).
    Manifest,
    /// A batch's print file (every letter, codes included).
    PrintFile,
}

impl AccessKind {
    /// Every kind.
    pub const ALL: [AccessKind; 7] = [
        AccessKind::CasePage,
        AccessKind::CaseApi,
        AccessKind::ResponsePage,
        AccessKind::LetterCopy,
        AccessKind::Receipt,
        AccessKind::Manifest,
        AccessKind::PrintFile,
    ];

    /// The stable code stored and exported.
    pub fn code(self) -> &'static str {
        match self {
            AccessKind::CasePage => "case_page",
            AccessKind::CaseApi => "case_api",
            AccessKind::ResponsePage => "response_page",
            AccessKind::LetterCopy => "letter_copy",
            AccessKind::Receipt => "receipt",
            AccessKind::Manifest => "manifest",
            AccessKind::PrintFile => "print_file",
        }
    }

    /// The kind of a stored code.
    pub fn from_code(code: &str) -> Option<AccessKind> {
        AccessKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// What the auditors' page calls it.
    pub fn name_ja(self) -> &'static str {
        match self {
            AccessKind::CasePage => "案件の画面",
            AccessKind::CaseApi => "案件の取得（API）",
            AccessKind::ResponsePage => "回答受付の画面",
            AccessKind::LetterCopy => "照会書の控え",
            AccessKind::Receipt => "受付控え",
            AccessKind::Manifest => "発送簿のダウンロード",
            AccessKind::PrintFile => "印刷用PDFのダウンロード",
        }
    }
}

/// The Japanese name of a stored kind code (as it is, if unknown).
pub fn kind_ja(code: &str) -> String {
    AccessKind::from_code(code).map_or_else(|| code.to_owned(), |k| k.name_ja().to_owned())
}

/// What was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A case, by id.
    Case(i64),
    /// A print batch's files, by id.
    Batch(i64),
}

/// Records that `caller`, at `client`, read `target` as `kind` — now, in a
/// transaction of its own. Callers hand the data out only after this
/// succeeded (see the module's policy).
#[tracing::instrument(skip_all, fields(kind = kind.code()))]
pub async fn record(
    state: &AppState,
    caller: &Caller,
    client: IpAddr,
    kind: AccessKind,
    target: Target,
) -> Result<(), ServiceError> {
    let (case_id, batch_id) = match target {
        Target::Case(id) => (Some(id), None),
        Target::Batch(id) => (None, Some(id)),
    };
    let access = NewAccess {
        user_id: caller.user_id,
        username: caller.username.clone(),
        role: caller.role.code().to_owned(),
        kind: kind.code().to_owned(),
        case_id,
        batch_id,
        client_addr: client.to_string(),
    };
    let mut tx = state.store().begin().await?;
    access_log::record(&mut tx, &access, state.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Reads shown on one page.
pub const PAGE_SIZE: i64 = 100;

/// The search as typed in a query string (the page, its CSV link and the
/// API): empty means "any".
#[derive(Debug, Default, Clone, Deserialize)]
pub struct AccessLogParams {
    /// A whole reference number (受付番号).
    #[serde(default)]
    pub reference: String,
    /// A username.
    #[serde(default)]
    pub user: String,
    /// First Japan date, `YYYY-MM-DD`.
    #[serde(default)]
    pub from: String,
    /// Last Japan date, `YYYY-MM-DD` (included).
    #[serde(default)]
    pub to: String,
    /// Where the page starts: the `next_before` of the page before.
    #[serde(default)]
    pub before: String,
}

/// The search, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessQuery {
    /// Reference, user and period.
    pub filter: AccessFilter,
    /// Only reads older than this id (the next page).
    pub before: Option<i64>,
}

fn given(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

fn japan_date(field: &'static str, typed: &str) -> Result<Option<NaiveDate>, ServiceError> {
    given(typed)
        .map(|t| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
                ServiceError::invalid_ja(
                    field,
                    "a date such as 2026-11-01",
                    "日付は 2026-11-01 の形で入力してください。",
                )
            })
        })
        .transpose()
}

impl AccessLogParams {
    /// Checks every field; names the first wrong one.
    pub fn parse(&self) -> Result<AccessQuery, ServiceError> {
        let case_reference = given(&self.reference)
            .map(|r| {
                ReferenceNumber::parse(r)
                    .map(|r| r.to_string())
                    .map_err(|e| {
                        ServiceError::invalid_ja("reference", e.to_string(), e.message_ja())
                    })
            })
            .transpose()?;
        let from = japan_date("from", &self.from)?;
        let to = japan_date("to", &self.to)?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(ServiceError::invalid_ja(
                "from",
                "must not be after `to`",
                "期間の開始日が終了日より後になっています。",
            ));
        }
        let before = given(&self.before)
            .map(|b| {
                b.parse::<i64>().ok().filter(|b| *b > 0).ok_or_else(|| {
                    ServiceError::invalid_ja(
                        "before",
                        "a position given out by an earlier page",
                        "ページの位置が正しくありません。最初のページから開き直してください。",
                    )
                })
            })
            .transpose()?;
        Ok(AccessQuery {
            filter: AccessFilter {
                case_reference,
                username: given(&self.user).map(str::to_owned),
                from: from.map(japan_midnight),
                to: to.map(|t| japan_midnight(t + Duration::days(1))),
            },
            before,
        })
    }
}

/// One recorded read, as auditors see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccessRead {
    pub id: i64,
    pub accessed_at: DateTime<Utc>,
    pub user_id: i64,
    pub username: String,
    /// Role code.
    pub role: String,
    /// Kind code (`case_page`, `case_api`, `manifest`, …).
    pub kind: String,
    pub case_id: Option<i64>,
    pub case_reference: Option<String>,
    pub batch_id: Option<i64>,
    pub client_addr: String,
}

impl From<AccessEntry> for AccessRead {
    fn from(e: AccessEntry) -> Self {
        AccessRead {
            id: e.id,
            accessed_at: e.accessed_at,
            user_id: e.user_id,
            username: e.username,
            role: e.role,
            kind: e.kind,
            case_id: e.case_id,
            case_reference: e.case_reference,
            batch_id: e.batch_id,
            client_addr: e.client_addr,
        }
    }
}

/// One page of reads, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccessPage {
    pub reads: Vec<AccessRead>,
    /// How many reads match the search (on every page).
    pub total: i64,
    /// Pass as `before` for the next (older) page; absent on the last.
    pub next_before: Option<i64>,
}

/// One page of the reads matching `query`.
pub async fn search(state: &AppState, query: &AccessQuery) -> Result<AccessPage, ServiceError> {
    let mut tx = state.store().read().await?;
    let mut entries =
        access_log::search(&mut tx, &query.filter, query.before, PAGE_SIZE + 1).await?;
    let total = access_log::count(&mut tx, &query.filter).await?;
    tx.commit().await?;
    let more = entries.len() > PAGE_SIZE as usize;
    entries.truncate(PAGE_SIZE as usize);
    let next_before = more.then(|| entries.last().map(|e| e.id)).flatten();
    Ok(AccessPage {
        reads: entries.into_iter().map(AccessRead::from).collect(),
        total,
        next_before,
    })
}

/// The export's columns: what staff read, in Japanese, then the codes.
pub const CSV_HEADER: [&str; 12] = [
    "番号",
    "日時（日本時間）",
    "利用者",
    "役割",
    "閲覧の種類",
    "受付番号",
    "案件ID",
    "発送バッチ",
    "接続元アドレス",
    "利用者ID",
    "役割コード",
    "閲覧の種類コード",
];

/// Rows read at a time while exporting.
const EXPORT_PAGE: i64 = 1000;

/// Every read matching `query`'s search (whatever page it is on), newest
/// first, as CSV for Excel.
pub async fn export_csv(state: &AppState, query: &AccessQuery) -> Result<Vec<u8>, ServiceError> {
    let mut csv = ExcelCsv::new(&CSV_HEADER);
    let mut tx = state.store().read().await?;
    let mut before = None;
    loop {
        let entries = access_log::search(&mut tx, &query.filter, before, EXPORT_PAGE).await?;
        for e in &entries {
            let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
            let fields = [
                e.id.to_string(),
                japan_time(e.accessed_at),
                e.username.clone(),
                role_ja(&e.role),
                kind_ja(&e.kind),
                e.case_reference.clone().unwrap_or_default(),
                opt(e.case_id),
                opt(e.batch_id),
                e.client_addr.clone(),
                e.user_id.to_string(),
                e.role.clone(),
                e.kind.clone(),
            ];
            csv.row(fields.iter().map(String::as_str));
        }
        match entries.last() {
            Some(last) if entries.len() == EXPORT_PAGE as usize => before = Some(last.id),
            _ => break,
        }
    }
    tx.commit().await?;
    Ok(csv.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_stable_code_and_a_japanese_name() {
        for kind in AccessKind::ALL {
            assert_eq!(AccessKind::from_code(kind.code()), Some(kind));
            assert!(
                !shokai_workflow::ja::has_english(kind.name_ja()),
                "{kind:?}"
            );
        }
        assert_eq!(kind_ja("something_new"), "something_new");
    }

    #[test]
    fn the_search_takes_a_whole_reference_a_user_and_japan_dates() {
        let reference = ReferenceNumber::new(8, 1).unwrap().to_string();
        let params = AccessLogParams {
            reference: format!(" {reference} "),
            user: "tanaka".to_owned(),
            from: "2026-12-01".to_owned(),
            to: "2026-12-01".to_owned(),
            before: "42".to_owned(),
        };
        let query = params.parse().unwrap();
        assert_eq!(query.filter.case_reference, Some(reference));
        assert_eq!(query.filter.username.as_deref(), Some("tanaka"));
        assert_eq!(
            query.filter.from,
            Some("2026-11-30T15:00:00Z".parse().unwrap())
        );
        assert_eq!(
            query.filter.to,
            Some("2026-12-01T15:00:00Z".parse().unwrap())
        );
        assert_eq!(query.before, Some(42));
        assert_eq!(
            AccessLogParams::default().parse().unwrap(),
            AccessQuery::default()
        );
    }

    #[test]
    fn a_wrong_field_is_named() {
        let field = |p: AccessLogParams| p.parse().unwrap_err().field();
        let typed = |f: fn(&mut AccessLogParams)| {
            let mut p = AccessLogParams::default();
            f(&mut p);
            p
        };
        assert_eq!(
            field(typed(|p| p.reference = "R8-1".to_owned())).as_deref(),
            Some("reference")
        );
        assert_eq!(
            field(typed(|p| p.from = "1 Dec".to_owned())).as_deref(),
            Some("from")
        );
        assert_eq!(
            field(typed(|p| {
                p.from = "2026-12-02".to_owned();
                p.to = "2026-12-01".to_owned();
            }))
            .as_deref(),
            Some("from")
        );
        assert_eq!(
            field(typed(|p| p.before = "-3".to_owned())).as_deref(),
            Some("before")
        );
    }
}
