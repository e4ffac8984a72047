//! The access log: reads recorded with the case's reference, searched by
//! reference, user and period newest first with keyset paging, and refused
//! any change or deletion by the database.

use chrono::Duration;
use shokai_store::personal_data::access_log::{self, AccessFilter, NewAccess};

use crate::both_backends;
use crate::fixtures::{open_case, t0};
use crate::harness::{TestDb, raw_sql_error};

fn read(username: &str, kind: &str, case_id: Option<i64>, batch_id: Option<i64>) -> NewAccess {
    NewAccess {
        user_id: 7,
        username: username.to_owned(),
        role: "clerk".to_owned(),
        kind: kind.to_owned(),
        case_id,
        batch_id,
        client_addr: "192.0.2.10".to_owned(),
    }
}

async fn record_reads(db: &TestDb) -> (i64, String) {
    let case = open_case(&db.store, t0()).await;
    let reads = [
        read("tanaka", "case_page", Some(case.id), None),
        read("suzuki", "case_api", Some(case.id), None),
        read("tanaka", "manifest", None, Some(3)),
        read("tanaka", "case_page", Some(999), None),
    ];
    for (minute, access) in reads.iter().enumerate() {
        let mut tx = db.store.begin().await.unwrap();
        let at = t0() + Duration::minutes(minute as i64);
        access_log::record(&mut tx, access, at).await.unwrap();
        tx.commit().await.unwrap();
    }
    (case.id, case.core.reference().to_string())
}

both_backends! {
    async fn reads_are_found_by_reference_user_and_period_newest_first(db) {
        let (case_id, reference) = record_reads(&db).await;
        let mut tx = db.store.read().await.unwrap();

        let all = access_log::search(&mut tx, &AccessFilter::default(), None, 100).await.unwrap();
        let of_case = AccessFilter { case_reference: Some(reference.clone()), ..AccessFilter::default() };
        let by_case = access_log::search(&mut tx, &of_case, None, 100).await.unwrap();
        let by_tanaka = AccessFilter { username: Some("tanaka".to_owned()), ..AccessFilter::default() };
        let period = AccessFilter { from: Some(t0() + Duration::minutes(1)), to: Some(t0() + Duration::minutes(3)), ..AccessFilter::default() };

        assert_eq!(all.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["case_page", "manifest", "case_api", "case_page"]);
        assert_eq!(all[3].case_reference.as_deref(), Some(reference.as_str()));
        assert_eq!((all[3].case_id, all[3].client_addr.as_str(), all[3].accessed_at), (Some(case_id), "192.0.2.10", t0()));
        assert_eq!(all[0].case_reference, None, "no such case: no reference");
        assert_eq!((all[1].batch_id, all[1].case_id), (Some(3), None));
        assert_eq!(by_case.iter().map(|e| e.username.as_str()).collect::<Vec<_>>(), ["suzuki", "tanaka"]);
        assert_eq!(access_log::count(&mut tx, &by_tanaka).await.unwrap(), 3);
        assert_eq!(access_log::count(&mut tx, &period).await.unwrap(), 2);
        let first = access_log::search(&mut tx, &by_tanaka, None, 2).await.unwrap();
        let next = access_log::search(&mut tx, &by_tanaka, Some(first[1].id), 2).await.unwrap();
        assert_eq!(first.len() + next.len(), 3);
        assert!(next[0].id < first[1].id, "the next page goes on where the first stopped");
    }
}

both_backends! {
    async fn the_database_refuses_to_change_or_delete_a_recorded_read(db) {
        record_reads(&db).await;

        let update = raw_sql_error(&db, "UPDATE access_log SET username = 'someone'").await;
        let delete = raw_sql_error(&db, "DELETE FROM access_log").await;

        assert!(update.contains("append-only"), "{update}");
        assert!(delete.contains("append-only"), "{delete}");
        if db.url.starts_with("postgres") {
            let truncate = raw_sql_error(&db, "TRUNCATE access_log").await;
            assert!(truncate.contains("append-only"), "{truncate}");
        }
    }
}
