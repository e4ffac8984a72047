//! The CSV exports as Japanese Excel reads them: UTF-8 with a byte-order
//! mark, CRLF line ends, Japan time with its offset, Japanese headers with
//! the stable codes in their own columns, and the page's filters applied.

use reqwest::{Method, StatusCode};
use shokai_store::canonical::{CanonicalEvent, chain_hash};

use crate::helpers::{Role, proxy_intake};
use crate::web_ops::Browser;

/// The rows of a CSV file after checking what Excel needs of its bytes.
fn read_as_excel(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark, or Excel reads Shift_JIS");
    assert!(text.ends_with("\r\n"), "the last row ends with CRLF");
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "no bare LF line end"
    );
    text.split_terminator("\r\n").map(parse_row).collect()
}

/// One CSV row (RFC 4180 quoting; no row here spans lines).
fn parse_row(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// A cell's value as it was recorded: an auditor drops the `'` that made a
/// formula-leading cell inert (README, "Recomputing the chain from a CSV").
fn value(cell: &str) -> &str {
    shokai_workflow::csv::unescape(cell)
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

fn optional(field: &str) -> Option<&str> {
    (!field.is_empty()).then_some(field)
}

/// Recomputes row `r`'s hash from its own columns, as an auditor would.
fn recomputed_hash(header: &[String], r: &[String]) -> String {
    let f = |name: &str| value(&r[column(header, name)]);
    let recorded_at = chrono::DateTime::parse_from_rfc3339(f("記録日時（UTC・ハッシュ計算用）"))
        .unwrap()
        .with_timezone(&chrono::Utc);
    let event = CanonicalEvent {
        seq: f("連番").parse().unwrap(),
        recorded_at,
        case_id: optional(f("案件ID")).map(|id| id.parse().unwrap()),
        case_reference: optional(f("受付番号")),
        actor: optional(f("操作者")),
        role: f("役割コード"),
        event: f("操作コード"),
        from_state: optional(f("変更前の状態コード")),
        to_state: optional(f("変更後の状態コード")),
        reason: optional(f("理由")),
        details: f("詳細（JSON）"),
        personal_digest: optional(f("個人情報のダイジェスト")),
    };
    let prev: [u8; 32] = hex::decode(f("前のハッシュ")).unwrap().try_into().unwrap();
    hex::encode(chain_hash(&prev, &event))
}

crate::both_backends! {
async fn the_audit_export_opens_in_excel_in_japanese_with_the_pages_filters(app) {
    let token = app.token_for(Role::Supervisor).await;
    let first = app.open_proxy_case(&token).await;
    let reference = first["reference"].as_str().unwrap().to_owned();
    let id = first["id"].as_i64().unwrap();
    app.open_case_on_new_card(&token, &proxy_intake()).await;
    let issued = app
        .call(Method::POST, &format!("/api/cases/{id}/letters"), Some(&token), Some(&serde_json::json!({"version": 1})))
        .await;
    assert_eq!(issued.status(), StatusCode::CREATED);
    let auditor = Browser::login(&app, Role::Auditor).await;

    let (status, bytes) = auditor.get_bytes(&format!("/audit/export.csv?case={reference}")).await;
    let (all_status, all_bytes) = auditor.get_bytes("/audit/export.csv").await;

    assert_eq!((status, all_status), (StatusCode::OK, StatusCode::OK));
    let rows = read_as_excel(&bytes);
    let header = &rows[0];
    assert_eq!(header[0], "連番");
    assert_eq!(header[1], "記録日時（日本時間）");
    let data = &rows[1..];
    assert!(data.len() >= 2, "the case's opening and its letter: {rows:?}");
    for r in data {
        assert_eq!(r[column(header, "受付番号")], reference, "only the filtered case");
        let at = &r[column(header, "記録日時（日本時間）")];
        assert!(at.ends_with("+09:00"), "Japan time with the offset: {at}");
        assert_eq!(recomputed_hash(header, r), r[column(header, "ハッシュ")]);
    }
    let opened = &data[0];
    assert_eq!(opened[column(header, "操作")], "受付");
    assert_eq!(opened[column(header, "操作コード")], "open");
    assert_eq!(opened[column(header, "変更後の状態")], "受付済");
    assert_eq!(opened[column(header, "変更後の状態コード")], "applied");
    assert_eq!(opened[column(header, "役割")], "監督者");
    let everything = read_as_excel(&all_bytes);
    assert!(everything.len() > rows.len(), "without the filter, the other case's events too");
}
}

crate::both_backends! {
async fn the_audit_export_over_the_api_honours_the_actor_filter(app) {
    let supervisor = app.token_for(Role::Supervisor).await;
    app.open_proxy_case(&supervisor).await;
    let auditor = app.token_for(Role::Auditor).await;

    let by_supervisor = app.call(Method::GET, "/api/audit/export.csv?actor=supervisor", Some(&auditor), None).await;
    let by_nobody = app.call(Method::GET, "/api/audit/export.csv?actor=nobody", Some(&auditor), None).await;

    let rows = read_as_excel(&by_supervisor.bytes().await.unwrap());
    assert!(rows.len() >= 2, "{rows:?}");
    let actor = column(&rows[0], "操作者");
    assert!(rows[1..].iter().all(|r| r[actor] == "supervisor"), "{rows:?}");
    assert_eq!(read_as_excel(&by_nobody.bytes().await.unwrap()).len(), 1, "the header alone");
}
}

crate::both_backends! {
async fn a_formula_typed_as_a_reason_is_exported_as_text_and_the_hash_still_recomputes(app) {
    let supervisor = app.token_for(Role::Supervisor).await;
    let case = app.open_proxy_case(&supervisor).await;
    let id = case["id"].as_i64().unwrap();
    let formula = "=HYPERLINK(\"http://example.invalid\",\"詳細\")";
    let cancelled = app
        .call(
            Method::POST,
            &format!("/api/cases/{id}/cancel"),
            Some(&supervisor),
            Some(&serde_json::json!({"version": case["version"], "reason": formula})),
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    let auditor = app.token_for(Role::Auditor).await;

    let csv = app.call(Method::GET, &format!("/api/audit/export.csv?case={id}"), Some(&auditor), None).await;

    let rows = read_as_excel(&csv.bytes().await.unwrap());
    let header = &rows[0];
    let reason = column(header, "理由");
    let cancel = rows.iter().find(|r| r[reason].contains("HYPERLINK")).expect("the cancel event");
    assert!(cancel[reason].starts_with("'="), "inert for Excel: {}", cancel[reason]);
    assert_eq!(value(&cancel[reason]), formula);
    for r in &rows[1..] {
        assert_eq!(recomputed_hash(header, r), r[column(header, "ハッシュ")]);
    }
}
}
