//! Test support shared by the store's tests and the server's end-to-end
//! tests: a fresh PostgreSQL database per test, the skip record that
//! `make test` counts when `SHOKAI_TEST_POSTGRES` is not set, and an office's
//! worth of generated cases inserted in bulk (the case list's paging tests
//! and `make bench`).

use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::RngCore;
use shokai_workflow::{Case, CaseState, Parties, PersonName, ReferenceNumber, Representation};
use sqlx::{AssertSqlSafe, Connection, PgConnection};

use crate::case_list::stored_kana;
use crate::db::{Assembled, Store, args};
use crate::error::StoreError;

/// Names the PostgreSQL server tests may create databases on, e.g.
/// `postgres://postgres@127.0.0.1:5432/test`.
pub const POSTGRES_ENV: &str = "SHOKAI_TEST_POSTGRES";

/// Directory under a test target's `CARGO_TARGET_TMPDIR` holding one empty
/// file per PostgreSQL test that did not run.
pub const PG_SKIPPED_DIR: &str = "shokai-store-pg-skipped";

/// A database created for one test; call [`PostgresTestDatabase::drop_database`]
/// when done (also after a failed test).
#[derive(Debug)]
pub struct PostgresTestDatabase {
    admin: PgConnection,
    name: String,
    url: String,
}

impl PostgresTestDatabase {
    /// Creates an empty database with a random name on the server of `admin_url`.
    pub async fn create(admin_url: &str) -> Result<Self, StoreError> {
        let mut suffix = [0u8; 8];
        rand::rng().fill_bytes(&mut suffix);
        let name = format!("shokai_test_{}", hex::encode(suffix));
        let mut admin = PgConnection::connect(admin_url).await?;
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await?;
        let url = database_url(admin_url, &name);
        Ok(Self { admin, name, url })
    }

    /// The new database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Drops the database, closing any connection still open to it.
    pub async fn drop_database(mut self) -> Result<(), StoreError> {
        sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP DATABASE {} WITH (FORCE)",
            self.name
        )))
        .execute(&mut self.admin)
        .await?;
        Ok(())
    }
}

/// `admin_url` with its database name replaced by `name`.
pub fn database_url(admin_url: &str, name: &str) -> String {
    let (without_query, query) = match admin_url.split_once('?') {
        Some((url, query)) => (url, Some(query)),
        None => (admin_url, None),
    };
    let base = match without_query.rsplit_once('/') {
        Some((base, _)) if base.contains("://") && !base.ends_with('/') => base,
        _ => without_query.trim_end_matches('/'),
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// Records that `test` did not run on PostgreSQL; `target_tmpdir` is the test
/// target's `env!("CARGO_TARGET_TMPDIR")`.
pub fn record_postgres_skip(target_tmpdir: &Path, test: &str) {
    let dir = target_tmpdir.join(PG_SKIPPED_DIR);
    // Best effort: a missing record only makes the summary line undercount.
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(test.replace("::", ".")), b"");
}

/// A case for [`insert_generated_cases`]: what the case list shows and
/// searches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedCase {
    /// Its reference (sequence numbers no real case has taken yet).
    pub reference: ReferenceNumber,
    /// Its path (申請区分).
    pub path: shokai_workflow::Path,
    /// Its state.
    pub state: CaseState,
    /// When it was registered (and applied for).
    pub created_at: DateTime<Utc>,
    /// Its response deadline.
    pub deadline: Option<NaiveDate>,
    /// The cardholder's name and reading.
    pub cardholder: PersonName,
}

/// Family names and given names with their readings, for [`office_cases`].
const FAMILY: [(&str, &str); 16] = [
    ("山田", "やまだ"),
    ("佐藤", "さとう"),
    ("鈴木", "すずき"),
    ("高橋", "たかはし"),
    ("田中", "たなか"),
    ("伊藤", "いとう"),
    ("渡辺", "わたなべ"),
    ("山本", "やまもと"),
    ("中村", "なかむら"),
    ("小林", "こばやし"),
    ("加藤", "かとう"),
    ("吉田", "よしだ"),
    ("山口", "やまぐち"),
    ("松本", "まつもと"),
    ("井上", "いのうえ"),
    ("木村", "きむら"),
];
const GIVEN: [(&str, &str); 12] = [
    ("太郎", "たろう"),
    ("花子", "はなこ"),
    ("一郎", "いちろう"),
    ("陽子", "ようこ"),
    ("健", "けん"),
    ("美咲", "みさき"),
    ("翔太", "しょうた"),
    ("由美", "ゆみ"),
    ("大輔", "だいすけ"),
    ("愛", "あい"),
    ("誠", "まこと"),
    ("直子", "なおこ"),
];

/// `n` cases as an office registers them over some months, the newest at
/// `newest`, oldest first: two cases share each registration instant (so
/// paging meets equal timestamps everywhere), seven minutes apart; paths,
/// states and names spread by a fixed mix of the index, the same on every
/// run. References take Reiwa 8 sequence numbers from `first_sequence` on.
pub fn office_cases(n: usize, newest: DateTime<Utc>, first_sequence: u32) -> Vec<GeneratedCase> {
    use shokai_workflow::Path;
    let pairs = i64::try_from(n.div_ceil(2)).unwrap_or(i64::MAX);
    let oldest = newest - Duration::minutes(7 * (pairs - 1).max(0));
    (0..n)
        .map(|i| {
            let mix = (i as u64).wrapping_mul(2_654_435_761) % (1 << 32);
            let path = match mix % 10 {
                0..=5 => Path::OptionalProxy,
                6..=8 => Path::InPerson,
                _ => Path::LegalRepresentative,
            };
            let state = match ((mix >> 4) % 20, path) {
                (0..=9, _) => CaseState::PinSet,
                (10..=11, _) => CaseState::Applied,
                (12, _) => CaseState::Cancelled,
                (13, _) => CaseState::Failed,
                (14..=16, Path::OptionalProxy) => CaseState::InquiryMailed,
                (17, Path::OptionalProxy) => CaseState::ResponseReturned,
                (18, Path::OptionalProxy) => CaseState::Expired,
                (19, Path::OptionalProxy) => CaseState::Undeliverable,
                _ => CaseState::PinSet,
            };
            let created_at = oldest + Duration::minutes(7 * (i / 2) as i64);
            let waits = matches!(
                state,
                CaseState::InquiryMailed | CaseState::ResponseReturned | CaseState::Expired
            );
            let deadline =
                waits.then(|| shokai_workflow::case::japan_date(created_at) + Duration::days(21));
            let (family, family_kana) = FAMILY[((mix >> 9) % 16) as usize];
            let (given, given_kana) = GIVEN[((mix >> 13) % 12) as usize];
            let sequence = first_sequence + u32::try_from(i).unwrap_or(u32::MAX - first_sequence);
            GeneratedCase {
                reference: ReferenceNumber::new(8, sequence)
                    .unwrap_or_else(|_| panic!("Reiwa 8 sequence {sequence} is out of range")),
                path,
                state,
                created_at,
                deadline,
                cardholder: PersonName::parse(
                    &format!("{family} {given}"),
                    &format!("{family_kana} {given_kana}"),
                )
                .unwrap_or_else(|e| panic!("a generated name is refused: {e}")),
            }
        })
        .collect()
}

/// The references of the `cases` that `keep` keeps, newest first: the order
/// the case list shows them in once inserted (oldest first, so their ids
/// follow their order where two share an instant).
pub fn newest_first(cases: &[GeneratedCase], keep: impl Fn(&GeneratedCase) -> bool) -> Vec<String> {
    cases
        .iter()
        .rev()
        .filter(|c| keep(c))
        .map(|c| c.reference.to_string())
        .collect()
}

/// Rows per `INSERT` of [`insert_generated_cases`]: 11 values each, well
/// under SQLite's and PostgreSQL's limits on bound values.
const ROWS_PER_INSERT: usize = 500;

/// Inserts `cases` in one transaction, [`ROWS_PER_INSERT`] rows per
/// statement, and moves the reference sequence past them so cases opened
/// afterwards do not collide. Each row's JSON is that of the template of
/// its path in `templates` (the first template when none has it) with the
/// reference, path, state, dates, deadline, a card of its own and the
/// cardholder's name put in; no letters and no audit events are written:
/// these cases are for listing, not for walking through the workflow.
pub async fn insert_generated_cases(
    store: &Store,
    templates: &[Case],
    cases: &[GeneratedCase],
) -> Result<(), StoreError> {
    let json = TemplateJson::new(templates)?;
    let mut tx = store.begin().await?;
    for (chunk_index, chunk) in cases.chunks(ROWS_PER_INSERT).enumerate() {
        let mut sql = Assembled::new(
            "INSERT INTO cases (reference, path, state, version, deadline, created_at, updated_at, \
             core, parties, card_fingerprint, cardholder_kana) VALUES ",
        );
        for (i, case) in chunk.iter().enumerate() {
            let card = format!(
                "{:064x}",
                0x5eed_0000_0000_u64 + (chunk_index * ROWS_PER_INSERT + i) as u64
            );
            let (core, parties) = json.of(case, &card)?;
            if i > 0 {
                sql.push(", ", args![]);
            }
            sql.push(
                "(?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
                args![
                    case.reference.to_string(),
                    case.path.code(),
                    case.state.code(),
                    case.deadline,
                    case.created_at,
                    case.created_at,
                    core,
                    parties,
                    card,
                    stored_kana(&case.cardholder)
                ],
            );
        }
        let (sql, args) = sql.finish();
        tx.execute(sql, args).await?;
    }
    let mut last = std::collections::BTreeMap::new();
    for case in cases {
        let year = last.entry(case.reference.reiwa_year()).or_insert(0);
        *year = case.reference.sequence().max(*year);
    }
    for (year, last) in last {
        tx.execute(
            "INSERT INTO reference_sequences (reiwa_year, last_value) VALUES (?, ?) \
             ON CONFLICT (reiwa_year) DO UPDATE SET last_value = CASE \
             WHEN excluded.last_value > reference_sequences.last_value THEN excluded.last_value \
             ELSE reference_sequences.last_value END",
            args![i64::from(year), i64::from(last)],
        )
        .await?;
    }
    tx.commit().await
}

/// After a bulk insert, does what autovacuum soon does on PostgreSQL:
/// `VACUUM ANALYZE cases` marks the new pages all-visible (so the case
/// list's index-only scans need not visit the table) and gathers the
/// statistics the planner uses. Nothing on SQLite, which has no visibility
/// map and whose offices never run `ANALYZE`.
pub async fn settle_after_bulk_insert(store: &Store) -> Result<(), StoreError> {
    if store.backend() == crate::Backend::Postgres {
        store.maintain("VACUUM ANALYZE cases").await?;
    }
    Ok(())
}

/// The JSON a generated case copies: a template's `core` and `parties` as
/// values, made once per path (the workflow's types serialise once, not
/// once a row).
struct TemplateJson {
    templates: Vec<(shokai_workflow::Path, serde_json::Value, serde_json::Value)>,
    in_person: serde_json::Value,
}

impl TemplateJson {
    fn new(templates: &[Case]) -> Result<TemplateJson, StoreError> {
        let templates = templates
            .iter()
            .map(|t| {
                let parties = Parties {
                    response_id_document: None,
                    ..t.parties().clone()
                };
                Ok((
                    t.core().path(),
                    serde_json::to_value(t.core())?,
                    serde_json::to_value(parties)?,
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(TemplateJson {
            templates,
            in_person: serde_json::to_value(Representation::InPerson)?,
        })
    }

    /// The `core` and `parties` JSON of one generated case.
    fn of(&self, case: &GeneratedCase, card: &str) -> Result<(String, String), StoreError> {
        use serde_json::{Value, json};
        let (_, core, parties) = self
            .templates
            .iter()
            .find(|(path, ..)| *path == case.path)
            .or_else(|| self.templates.first())
            .ok_or(StoreError::NotFound {
                what: "a template case".to_owned(),
            })?;
        let mut core = core.clone();
        core["reference"] = Value::String(case.reference.to_string());
        core["path"] = Value::String(case.path.code().to_owned());
        core["state"] = Value::String(case.state.code().to_owned());
        core["applied_at"] = serde_json::to_value(case.created_at)?;
        core["applied_on"] =
            serde_json::to_value(shokai_workflow::case::japan_date(case.created_at))?;
        core["deadline"] = serde_json::to_value(case.deadline)?;
        core["card_fingerprint"] = Value::String(card.to_owned());
        let mut parties = parties.clone();
        parties["cardholder"]["name"] =
            json!({ "name": case.cardholder.name(), "kana": case.cardholder.kana() });
        if case.path == shokai_workflow::Path::InPerson {
            parties["representation"] = self.in_person.clone();
        }
        Ok((core.to_string(), parties.to_string()))
    }
}

/// The SQL of an insider who rewrites the reason of event `seq` and
/// recomputes every later hash and the chain head, so that
/// [`crate::audit::verify`] finds nothing (the append-only triggers must be
/// dropped first). `entries` is the whole chain, oldest first; only signed
/// checkpoints catch the result.
pub fn rewrite_chain_sql(entries: &[crate::audit::AuditEntry], seq: i64, reason: &str) -> String {
    let quoted = reason.replace('\'', "''");
    let mut sql = format!("UPDATE audit_log SET reason = '{quoted}' WHERE seq = {seq};");
    let mut prev = crate::canonical::GENESIS_HASH;
    for entry in entries {
        let mut entry = entry.clone();
        if entry.seq == seq {
            entry.reason = Some(reason.to_owned());
        }
        let hash = crate::canonical::chain_hash(&prev, &entry.canonical(entry.seq));
        if entry.seq >= seq {
            sql.push_str(&format!(
                "UPDATE audit_log SET prev_hash = '{}', hash = '{}' WHERE seq = {};",
                hex::encode(prev),
                hex::encode(hash),
                entry.seq
            ));
        }
        prev = hash;
    }
    sql.push_str(&format!(
        "UPDATE audit_head SET hash = '{}' WHERE id = 1;",
        hex::encode(prev)
    ));
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_database_url_keeps_host_credentials_and_options() {
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            database_url("postgres://u:p@h/test?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
    }
}
