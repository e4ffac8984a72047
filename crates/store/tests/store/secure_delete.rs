//! A discarded print file leaves no bytes behind in the SQLite file: freed
//! pages are zeroed (`secure_delete`), so codes in a print file a batch kept
//! in its row (batches closed before print files moved to disk) do not
//! survive in free space once the batch is mailed.

use shokai_store::batches;
use shokai_store::{Actor, Role};

use crate::fixtures::t0;
use crate::harness::{raw_sql, run_sqlite};

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
            role: Role::System,
        };
        let planned = shokai_workflow::case::japan_date(t0());
        let sha256 = "e3".repeat(32);
        let mut tx = db.store.begin().await.unwrap();
        let batch = batches::create_batch(&mut tx, t0(), planned, &actor, t0())
            .await
            .unwrap();
        batches::store_print_file(
            &mut tx,
            batch.id,
            "print/batch-1.pdf",
            &sha256,
            b"reference\r\n",
            &[],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // The print file of a batch closed before print files moved to disk
        // is in the row itself.
        raw_sql(
            &db,
            &format!(
                "UPDATE print_batches SET pdf = X'{}' WHERE id = {}",
                hex::encode(&pdf),
                batch.id
            ),
        )
        .await;
        let mut tx = db.store.read().await.unwrap();
        let kept = batches::batch_documents(&mut tx, batch.id).await.unwrap();
        drop(tx);
        assert_eq!(kept.pdf.as_deref(), Some(pdf.as_slice()));
        let path = db.url.strip_prefix("sqlite://").unwrap().to_owned();
        assert!(file_holds(&path, marker) || file_holds(&format!("{path}-wal"), marker));

        let mut tx = db.store.begin().await.unwrap();
        batches::discard_print_file(&mut tx, batch.id)
            .await
            .unwrap();
        let left = batches::batch_documents(&mut tx, batch.id).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!((left.pdf, left.pdf_path), (None, None));
        assert_eq!(left.print_sha256, Some(sha256), "the SHA-256 stays");

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
