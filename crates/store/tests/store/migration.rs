//! Migrations 7 (codes made at print time), 8 (one open case per card) and
//! 9 (the case list's reading column and indexes) carry a database the
//! previous release wrote: cases without a
//! `card_fingerprint` column; letters issued and waiting, with their code's HMAC and the
//! PDF that printed it; a batch closed but not mailed, its print file in
//! the row. After the upgrade the waiting letter is printed afresh by the
//! next batch (its old PDF is gone), and the batch closed before still
//! prints from its row and mails.

use std::path::Path;

use chrono::Duration;
use serde_json::Value;
use shokai_store::batches;
use shokai_store::case_list::{self, CaseSearch, KanaSearch};
use shokai_store::cases::{case_by_reference, get_case, letters_of_case, open_case_for_card};
use shokai_store::testing::{POSTGRES_ENV, PostgresTestDatabase, record_postgres_skip};
use shokai_store::{Store, StoredCase};
use shokai_workflow::{Case, Event};
use sqlx::Connection;

use crate::fixtures::{clerk, ctx, mark_mailed, new_code, proxy_application, system, t0};
use crate::harness::raw_sql_at;

/// The migrations of the release before codes moved to print time.
const BEFORE: usize = 6;

/// Applies the first [`BEFORE`] migrations of `backend` to `url`, as the
/// previous release left its databases.
async fn migrate_as_released(url: &str, backend: &str) {
    let all = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../migrations")
        .join(backend);
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<_> = std::fs::read_dir(&all)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in &files[..BEFORE] {
        std::fs::copy(file, dir.path().join(file.file_name().unwrap())).unwrap();
    }
    let migrator = sqlx::migrate::Migrator::new(dir.path()).await.unwrap();
    if backend == "sqlite" {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        migrator.run(&mut conn).await.unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        migrator.run(&mut conn).await.unwrap();
    }
}

async fn execute(url: &str, sql: String) {
    raw_sql_at(url, &sql).await;
}

async fn letters_columns(url: &str) -> Vec<String> {
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_scalar("SELECT name FROM pragma_table_info('letters')")
            .fetch_all(&mut conn)
            .await
            .unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'letters'",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap()
    }
}

/// An instant as the store writes it: fixed-width UTC text on SQLite.
fn sql_time(url: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    if url.starts_with("sqlite:") {
        at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    } else {
        at.to_rfc3339()
    }
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn blob(url: &str, bytes: &[u8]) -> String {
    if url.starts_with("sqlite:") {
        format!("X'{}'", hex::encode(bytes))
    } else {
        format!("'\\x{}'::bytea", hex::encode(bytes))
    }
}

/// A proxy case opened by the previous release (no `card_fingerprint`
/// column yet), for a card of its own.
async fn legacy_case(url: &str, store: &Store, sequence: u32) -> StoredCase {
    let at = t0();
    let reference = shokai_workflow::ReferenceNumber::new(8, sequence).unwrap();
    let opened = Case::open(proxy_application(), reference, None, &ctx(&clerk(), at)).unwrap();
    let (core, parties) = opened.case.into_parts();
    execute(
        url,
        format!(
            "INSERT INTO cases (reference, path, state, version, created_at, updated_at, core, parties) \
             VALUES ({}, 'optional_proxy', 'applied', 1, {at}, {at}, {}, {})",
            quote(&reference.to_string()),
            quote(&serde_json::to_string(&core).unwrap()),
            quote(&serde_json::to_string(&parties).unwrap()),
            at = quote(&sql_time(url, at)),
        ),
    )
    .await;
    let mut tx = store.read().await.unwrap();
    let case = case_by_reference(&mut tx, &reference)
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    case
}

/// Gives `case` a letter as the previous release issued it: its code's HMAC
/// in the case (a letter without `printed_at` and `deadline`, which that
/// release did not know) and in the letter row, with the PDF that printed
/// the code. Returns the letter row's id.
async fn legacy_letter(url: &str, store: &Store, case: &StoredCase, pdf: &[u8]) -> i64 {
    let now = t0() + Duration::hours(1);
    let actor = clerk();
    let issued = case
        .case()
        .unwrap()
        .apply(Event::IssueLetter, &ctx(&actor, now))
        .unwrap();
    let print = Event::PrintLetter {
        number: 1,
        code: new_code(),
        planned_mailing: shokai_workflow::case::japan_date(now),
    };
    let printed = issued.case.apply(print, &ctx(&system(), now)).unwrap().case;
    let (core, _) = printed.into_parts();
    let mut core: Value = serde_json::to_value(&core).unwrap();
    let letter = core["letters"][0].as_object_mut().unwrap();
    letter.remove("printed_at");
    letter.remove("deadline");
    let digest = letter["digest"].clone();
    let issued_at = letter["issued_at"].as_str().unwrap().to_owned();
    let mac = digest["mac"].as_str().unwrap();
    let key_id = digest["key_id"].as_str().unwrap();
    let issued_at = sql_time(
        url,
        chrono::DateTime::parse_from_rfc3339(&issued_at)
            .unwrap()
            .to_utc(),
    );
    execute(
        url,
        format!(
            "UPDATE cases SET core = {} WHERE id = {}",
            quote(&core.to_string()),
            case.id
        ),
    )
    .await;
    execute(
        url,
        format!(
            "INSERT INTO letters (case_id, number, code_key_id, code_mac, issued_at, pdf) \
             VALUES ({}, 1, {}, {}, {}, {})",
            case.id,
            quote(key_id),
            quote(mac),
            quote(&issued_at),
            blob(url, pdf)
        ),
    )
    .await;
    let mut tx = store.read().await.unwrap();
    let rows = letters_of_case(&mut tx, case.id).await.unwrap();
    tx.commit().await.unwrap();
    rows[0].id
}

/// A batch closed by the previous release and not yet mailed, holding
/// letter row `letter`, with its print file in the row.
async fn legacy_batch(url: &str, letter: i64, print_file: &[u8]) {
    execute(
        url,
        format!(
            "INSERT INTO print_batches (cut_off, created_at, created_by, letter_count, pdf, manifest) \
             VALUES ({at}, {at}, 'clerk', 1, {}, {})",
            blob(url, print_file),
            blob(url, b"reference\r\n"),
            at = quote(&sql_time(url, t0() + Duration::hours(2))),
        ),
    )
    .await;
    execute(
        url,
        format!(
            "UPDATE letters SET batch_id = (SELECT max(id) FROM print_batches) WHERE id = {letter}"
        ),
    )
    .await;
}

/// Migration 8 copies each case's card out of its JSON, so the card's open
/// case is found.
async fn cards_copied_out_of_the_json(store: &Store, case: &StoredCase) {
    let mut tx = store.read().await.unwrap();
    let card = case.core.card_fingerprint();
    let open_for_card = open_case_for_card(&mut tx, card).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(open_for_card, Some(case.core.reference()));
}

/// Migration 9 copies each cardholder's reading out of the JSON, so the
/// case list finds the cases by it.
async fn readings_copied_out_of_the_json(store: &Store, cases: &[&StoredCase]) {
    let search = CaseSearch {
        kana: KanaSearch::parse("やまだ たろう").ok(),
        ..CaseSearch::default()
    };
    let mut tx = store.read().await.unwrap();
    let page = case_list::search_cases(&mut tx, &search, None, 50)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let found: Vec<i64> = page.cases.iter().map(|c| c.id).collect();
    let mut want: Vec<i64> = cases.iter().map(|c| c.id).collect();
    want.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(found, want, "newest first");
}

/// Migrations 8 and 9 copied the cards and the readings of both cases.
async fn copied_out_of_the_json(store: &Store, waiting: &StoredCase, batched: &StoredCase) {
    cards_copied_out_of_the_json(store, waiting).await;
    readings_copied_out_of_the_json(store, &[waiting, batched]).await;
}

async fn upgrade(url: String, backend: &str) {
    migrate_as_released(&url, backend).await;
    let store = Store::connect(&url).await.unwrap();
    let waiting = legacy_case(&url, &store, 1).await;
    let batched = legacy_case(&url, &store, 2).await;
    legacy_letter(&url, &store, &waiting, b"%PDF waiting letter with its code").await;
    let batched_letter = legacy_letter(&url, &store, &batched, b"%PDF batched letter").await;
    let print_file = b"%PDF the batch's print file with a code";
    legacy_batch(&url, batched_letter, print_file).await;

    store.migrate().await.unwrap();

    let columns = letters_columns(&url).await;
    assert!(
        !columns.iter().any(|c| c == "pdf"),
        "the letter PDFs are gone: {columns:?}"
    );
    let mut tx = store.read().await.unwrap();
    let rows = letters_of_case(&mut tx, waiting.id).await.unwrap();
    let waiting_now = get_case(&mut tx, waiting.id).await.unwrap();
    tx.commit().await.unwrap();
    copied_out_of_the_json(&store, &waiting, &batched).await;
    assert!(rows[0].code_mac.is_some(), "the HMAC is carried over");
    let letter = waiting_now.core.current_letter().unwrap();
    assert!(letter.has_code() && letter.awaits_print(), "{letter:?}");

    // The next batch takes the waiting letter, not the one already batched.
    let now = t0() + Duration::hours(3);
    let planned = shokai_workflow::case::japan_date(now);
    let mut tx = store.begin().await.unwrap();
    let batch = batches::create_batch(&mut tx, now, planned, &system(), now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let taken: Vec<i64> = batch.letters.iter().map(|l| l.case_id).collect();
    assert_eq!(taken, [waiting.id]);
    let reprint = Event::PrintLetter {
        number: 1,
        code: new_code(),
        planned_mailing: planned,
    };
    let reprinted = store
        .transition(
            waiting_now.id,
            waiting_now.version,
            &system(),
            now,
            |c: &Case| c.apply(reprint, &ctx(&system(), now)),
        )
        .await
        .unwrap();
    let letter = reprinted.core.current_letter().unwrap();
    assert!(letter.printed_at.is_some() && letter.deadline.is_some());

    // The batch closed before the upgrade still hands out its file and mails.
    let mut tx = store.read().await.unwrap();
    let legacy = batches::list_batches(&mut tx).await.unwrap().pop().unwrap();
    let documents = batches::batch_documents(&mut tx, legacy.id).await.unwrap();
    let batched_now = get_case(&mut tx, batched.id).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(documents.pdf.as_deref(), Some(&print_file[..]));
    let mailed = mark_mailed(&store, &batched_now, planned, now).await;
    assert_eq!(mailed.core.state().code(), "inquiry_mailed");
    assert!(mailed.core.deadline().is_some());
    store.close().await;
}

mod a_database_of_the_previous_release_upgrades_and_its_letters_still_print_and_mail {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
        upgrade(url, "sqlite").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Ok(admin) = std::env::var(POSTGRES_ENV) else {
            record_postgres_skip(Path::new(env!("CARGO_TARGET_TMPDIR")), module_path!());
            return;
        };
        let db = PostgresTestDatabase::create(&admin).await.unwrap();
        let url = db.url().to_owned();
        // On a runtime of its own, so a failure still drops the database.
        let outcome = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(upgrade(url, "postgres"));
        })
        .join();
        db.drop_database().await.unwrap();
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }
}
