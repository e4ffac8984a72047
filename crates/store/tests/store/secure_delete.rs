//! A deleted print file leaves no bytes behind in the SQLite file: freed
//! pages are zeroed (`secure_delete`), so codes in a discarded PDF do not
//! survive in free space.

use shokai_store::batches::{self, BatchDocuments};
use shokai_store::{Actor, Role};

use crate::fixtures::t0;
use crate::harness::run_sqlite;

fn file_holds(path: &str, marker: &[u8]) -> bool {
    std::fs::read(path).is_ok_and(|bytes| bytes.windows(marker.len()).any(|w| w == marker))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discarded_print_file_leaves_no_bytes_in_the_sqlite_file() {
    run_sqlite(|db| async move {
        let marker = b"PRINT-FILE-MARKER-7Q2X9";
        // Larger than a page, so it lives in overflow pages that a delete frees.
        let pdf: Vec<u8> = marker.iter().copied().cycle().take(64 * 1024).collect();
        let actor = Actor {
            user_id: None,
            username: "system".into(),
            role: Role::Clerk,
        };
        let mut tx = db.store.begin().await.unwrap();
        let batch = batches::create_batch(&mut tx, t0(), &actor, t0())
            .await
            .unwrap();
        let documents = BatchDocuments {
            pdf: Some(pdf),
            pdf_path: None,
            manifest: b"reference\r\n".to_vec(),
            fingerprints: Vec::new(),
        };
        batches::store_batch_documents(&mut tx, batch.id, &documents)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let path = db.url.strip_prefix("sqlite://").unwrap().to_owned();
        let mut tx = db.store.begin().await.unwrap();
        assert!(batches::discard_batch_pdf(&mut tx, batch.id).await.unwrap());
        tx.commit().await.unwrap();

        // Closing checkpoints the WAL into the file and removes it.
        db.store.close().await;

        assert!(
            !file_holds(&path, marker),
            "the deleted print file is still in {path}"
        );
        assert!(
            !file_holds(&format!("{path}-wal"), marker),
            "still in the WAL"
        );
    })
    .await;
}
