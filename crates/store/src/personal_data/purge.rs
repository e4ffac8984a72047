//! The retention purge: erases the personal data of cases closed before an
//! instant from every place the database keeps it, in the caller's
//! transaction, and records the purge in the audit chain.
//!
//! Where personal data lives (every migration read; see ARCHITECTURE.md):
//!
//! | table.column | what | the purge |
//! |---|---|---|
//! | `cases.parties` | names, kana, addresses, birth dates, phones, e-mail, ID documents | NULL |
//! | `cases.cardholder_kana` | the cardholder's reading | NULL |
//! | `audit_log.personal`, `personal_salt` | names and ID documents at intake and response | NULL (the chain hashes only the digest) |
//! | `print_batches.manifest` | the 発送簿: name, postal code, address per letter | the case's lines emptied |
//! | `print_batches.pdf` / `pdf_path` | a print file (names, addresses, codes) kept until mailed | forgotten; the caller deletes the file |
//! | `outbox.payload`, `last_error` | the proxy's e-mail address and name | payload replaced, error cleared |
//! | `response_attempts` | attempts at the code (no personal data by contract) | deleted: the audit chain keeps each attempt |
//!
//! `letters` keeps HMACs and fingerprints only (its PDF column went in
//! migration 7); `users`, `sessions`, `scheduled_runs`, `job_leases`, the
//! access log and `throttles` (SHA-256 digests of its keys) hold staff data
//! or digests, not a cardholder's name or address. Deliberately kept:
//! `cases.card_fingerprint` and `core` (the card's certificate digest and
//! the case's steps, no name or address), and `audit_log.reason` (typed by
//! staff and hashed into the chain, so it cannot change; staff are told to
//! write no names there).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use shokai_workflow::letter::redact_manifest;

use crate::audit::{self, NewAuditEvent};
use crate::cases::{Actor, final_states_sql};
use crate::db::{Arg, Assembled, Store, Tx, args, store_time};
use crate::error::StoreError;
use crate::{Backend, canonical};

/// Cases erased per statement: well under both backends' limits on bound values.
const CHUNK: usize = 500;

/// What replaces the payload of a purged case's mail: the template can no
/// longer be filled, which is the point.
pub const PURGED_PAYLOAD: &str = r#"{"personal_data_purged":true}"#;

/// Why an unsent mail of a purged case will never go out.
pub const PURGED_MAIL_ERROR: &str = "personal_data_purged";

/// A closed case whose personal data is still kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClosedCase {
    /// Row id.
    pub id: i64,
    /// Its reference number.
    pub reference: String,
}

/// What a purge erased.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    /// The references of the cases whose personal data was erased.
    pub cases: Vec<String>,
    /// Audit events whose personal data was erased.
    pub audit_events: u64,
    /// Mails whose payload was replaced (of them unsent: never sent now).
    pub outbox_messages: u64,
    /// Unsent mails given up (dead-lettered) because their case was purged.
    pub unsent_messages: u64,
    /// Response attempts deleted.
    pub response_attempts: u64,
    /// 発送簿 with lines emptied.
    pub manifests: u64,
    /// Print batches whose print file was forgotten.
    pub print_batches: Vec<i64>,
    /// The print files on disk those batches named: the caller overwrites
    /// and deletes them once the transaction commits.
    pub print_files: Vec<String>,
}

/// The closed cases (final state, last changed before `before`) whose
/// personal data is still kept, oldest first.
pub async fn closed_before(
    tx: &mut Tx,
    before: DateTime<Utc>,
) -> Result<Vec<ClosedCase>, StoreError> {
    const SQL: &str = concat!(
        "SELECT id, reference FROM cases WHERE parties IS NOT NULL AND updated_at < ? AND state IN ",
        final_states_sql!(),
        " ORDER BY id"
    );
    tx.fetch_all(SQL, args![before])
        .await?
        .iter()
        .map(|row| {
            Ok(ClosedCase {
                id: row.get("id")?,
                reference: row.get("reference")?,
            })
        })
        .collect()
}

/// Erases the personal data of every case closed before `before` (see the
/// module's table) inside `tx`, and appends one `personal_data_purged`
/// audit event naming how much went (no event when nothing was due).
pub async fn purge_closed_before(
    tx: &mut Tx,
    actor: &Actor,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<PurgeReport, StoreError> {
    let due = closed_before(tx, before).await?;
    let mut report = PurgeReport::default();
    if due.is_empty() {
        return Ok(report);
    }
    for chunk in due.chunks(CHUNK) {
        let ids: Vec<i64> = chunk.iter().map(|c| c.id).collect();
        let references: Vec<String> = chunk.iter().map(|c| c.reference.clone()).collect();
        erase_parties(tx, &ids, now).await?;
        report.audit_events += erase_audit_personal(tx, &ids, now).await?;
        report.response_attempts += delete_response_attempts(tx, &ids).await?;
        let (replaced, unsent) = erase_outbox(tx, &references, now).await?;
        report.outbox_messages += replaced;
        report.unsent_messages += unsent;
        forget_print_files(tx, &ids, &mut report).await?;
    }
    let purged: BTreeSet<String> = due.iter().map(|c| c.reference.clone()).collect();
    report.manifests = redact_manifests(tx, &due, &purged).await?;
    report.cases = due.into_iter().map(|c| c.reference).collect();
    audit::append(tx, &purge_event(actor, before, &report), now).await?;
    Ok(report)
}

/// The audit event of a purge: counts and the instant, never a name (the
/// references of the purged cases are no personal data, but a long list
/// would swell the chain; the cases' own events carry `purged_at`).
fn purge_event(actor: &Actor, before: DateTime<Utc>, report: &PurgeReport) -> NewAuditEvent {
    NewAuditEvent {
        case_id: None,
        case_reference: None,
        actor: Some(actor.username.clone()),
        role: actor.role.code().to_owned(),
        event: "personal_data_purged".to_owned(),
        from_state: None,
        to_state: None,
        reason: None,
        details: json!({
            "closed_before": canonical::canonical_time(store_time(before)),
            "cases": report.cases.len(),
            "audit_events": report.audit_events,
            "outbox_messages": report.outbox_messages,
            "response_attempts": report.response_attempts,
            "manifests": report.manifests,
            "print_files": report.print_batches.len(),
        }),
        personal: None,
    }
}

/// `head` followed by `(?, ?, …)` of `values` and `tail`.
fn in_list(head: &'static str, first: Vec<Arg>, values: Vec<Arg>, tail: &'static str) -> Assembled {
    let mut sql = Assembled::new("");
    sql.push(head, first);
    for (i, value) in values.into_iter().enumerate() {
        sql.push(if i == 0 { "(?" } else { ", ?" }, vec![value]);
    }
    sql.push(")", args![]);
    sql.push(tail, args![]);
    sql
}

fn id_args(ids: &[i64]) -> Vec<Arg> {
    ids.iter().map(|id| Arg::from(*id)).collect()
}

async fn erase_parties(tx: &mut Tx, ids: &[i64], now: DateTime<Utc>) -> Result<u64, StoreError> {
    let sql = in_list(
        "UPDATE cases SET parties = NULL, cardholder_kana = NULL, purged_at = ? WHERE id IN ",
        args![now],
        id_args(ids),
        "",
    );
    let (sql, args) = sql.finish();
    tx.execute(sql, args).await
}

/// The append-only triggers let exactly this through: the purge columns set
/// to NULL (and the time of the purge).
async fn erase_audit_personal(
    tx: &mut Tx,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let sql = in_list(
        "UPDATE audit_log SET personal = NULL, personal_salt = NULL, purged_at = ? \
         WHERE (personal IS NOT NULL OR personal_salt IS NOT NULL) AND case_id IN ",
        args![now],
        id_args(ids),
        "",
    );
    let (sql, args) = sql.finish();
    tx.execute(sql, args).await
}

async fn delete_response_attempts(tx: &mut Tx, ids: &[i64]) -> Result<u64, StoreError> {
    let sql = in_list(
        "DELETE FROM response_attempts WHERE case_id IN ",
        args![],
        id_args(ids),
        "",
    );
    let (sql, args) = sql.finish();
    tx.execute(sql, args).await
}

/// Replaces the payload of every mail about the cases `references` (a case's
/// mails name it in `reference`) and clears its last error, which a mail
/// server may have written with the address in it. A mail not yet sent is
/// given up: it is dead-lettered with [`PURGED_MAIL_ERROR`] and its claim
/// dropped, so a worker that holds it records nothing more. Only closed
/// cases are purged, so nothing still to do waits on such a mail. Returns
/// (mails changed, of them unsent).
async fn erase_outbox(
    tx: &mut Tx,
    references: &[String],
    now: DateTime<Utc>,
) -> Result<(u64, u64), StoreError> {
    let reference_of = match tx.backend() {
        Backend::Sqlite => "json_extract(payload, '$.reference') IN ",
        Backend::Postgres => "(payload::json ->> 'reference') IN ",
    };
    let values: Vec<Arg> = references.iter().map(|r| Arg::from(r.as_str())).collect();
    let mut unsent = Assembled::new("");
    unsent.push(
        "UPDATE outbox SET payload = ?, last_error = ?, dead_at = ?, claimed_until = NULL, \
         claim_token = NULL WHERE sent_at IS NULL AND ",
        args![PURGED_PAYLOAD, PURGED_MAIL_ERROR, now],
    );
    push_in(&mut unsent, reference_of, values.clone());
    let (sql, args) = unsent.finish();
    let unsent = tx.execute(sql, args).await?;
    let mut sent = Assembled::new("");
    sent.push(
        "UPDATE outbox SET payload = ?, last_error = NULL WHERE sent_at IS NOT NULL AND ",
        args![PURGED_PAYLOAD],
    );
    push_in(&mut sent, reference_of, values);
    let (sql, args) = sent.finish();
    let sent = tx.execute(sql, args).await?;
    Ok((sent + unsent, unsent))
}

fn push_in(sql: &mut Assembled, column_in: &'static str, values: Vec<Arg>) {
    sql.push(column_in, args![]);
    for (i, value) in values.into_iter().enumerate() {
        sql.push(if i == 0 { "(?" } else { ", ?" }, vec![value]);
    }
    sql.push(")", args![]);
}

/// Forgets the print file of every batch that printed a letter of the cases
/// `ids` and still keeps one (bytes in the row, or a file on disk): a batch
/// left unmailed for a whole retention period is abandoned, and its file
/// holds the purged names and addresses.
async fn forget_print_files(
    tx: &mut Tx,
    ids: &[i64],
    report: &mut PurgeReport,
) -> Result<(), StoreError> {
    let sql = in_list(
        "SELECT id, pdf_path FROM print_batches WHERE (pdf IS NOT NULL OR pdf_path IS NOT NULL) \
         AND id IN (SELECT batch_id FROM letters WHERE case_id IN ",
        args![],
        id_args(ids),
        ") ORDER BY id",
    );
    let (sql, args) = sql.finish();
    let rows = tx.fetch_all(sql, args).await?;
    for row in rows {
        let id: i64 = row.get("id")?;
        let path: Option<String> = row.get("pdf_path")?;
        tx.execute(
            "UPDATE print_batches SET pdf = NULL, pdf_path = NULL WHERE id = ?",
            args![id],
        )
        .await?;
        report.print_batches.push(id);
        report.print_files.extend(path);
    }
    Ok(())
}

/// Empties the `purged` references' lines of a 発送簿 by the workflow's
/// rule ([`redact_manifest`]); one that is not UTF-8 cannot be read line
/// by line and is erased whole.
fn redact(manifest: &[u8], purged: &BTreeSet<String>) -> Vec<u8> {
    match std::str::from_utf8(manifest) {
        Ok(text) => redact_manifest(text, |r| purged.contains(r)).into_bytes(),
        Err(_) => Vec::new(),
    }
}

/// Empties the purged cases' lines of every 発送簿 that lists one of
/// `cases`; returns how many manifests changed.
async fn redact_manifests(
    tx: &mut Tx,
    cases: &[ClosedCase],
    purged: &BTreeSet<String>,
) -> Result<u64, StoreError> {
    let mut batches = BTreeSet::new();
    for chunk in cases.chunks(CHUNK) {
        let ids: Vec<i64> = chunk.iter().map(|c| c.id).collect();
        let sql = in_list(
            "SELECT DISTINCT batch_id FROM letters WHERE batch_id IS NOT NULL AND case_id IN ",
            args![],
            id_args(&ids),
            "",
        );
        let (sql, args) = sql.finish();
        for row in tx.fetch_all(sql, args).await? {
            batches.insert(row.get::<i64>("batch_id")?);
        }
    }
    let mut changed = 0;
    for batch in batches {
        let row = tx
            .fetch_optional(
                "SELECT manifest FROM print_batches WHERE id = ?",
                args![batch],
            )
            .await?;
        let Some(manifest) = row
            .map(|r| r.get::<Option<Vec<u8>>>("manifest"))
            .transpose()?
            .flatten()
        else {
            continue;
        };
        let redacted = redact(&manifest, purged);
        if redacted != manifest {
            tx.execute(
                "UPDATE print_batches SET manifest = ? WHERE id = ?",
                args![Some(redacted), batch],
            )
            .await?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// After a purge has committed: on SQLite, checkpoints the write-ahead log
/// into the database and truncates it, so the page images from before the
/// purge (which held the erased bytes) do not linger in the `-wal` file
/// (`secure_delete` already zeroes what the purge freed in the database
/// file). A reader that holds an old snapshot keeps the checkpoint from
/// finishing; the next purge or a restart completes it. Nothing on
/// PostgreSQL, where old row versions wait for VACUUM (see ARCHITECTURE.md).
pub async fn settle(store: &Store) -> Result<(), StoreError> {
    if store.backend() == Backend::Sqlite {
        store.maintain("PRAGMA wal_checkpoint(TRUNCATE)").await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_that_is_not_utf8_is_erased_whole() {
        let purged = BTreeSet::from(["R8-000001-5".to_owned()]);
        assert!(redact(&[0xff, 0xfe, b'x'], &purged).is_empty());
        let csv =
            "\u{feff}受付番号,氏名,郵便番号,住所,頁数\r\nR8-000001-5,山田 太郎,160-0022,新宿,2\r\n";
        let redacted = String::from_utf8(redact(csv.as_bytes(), &purged)).unwrap();
        assert!(redacted.ends_with("R8-000001-5,,,,2\r\n"), "{redacted}");
    }
}
