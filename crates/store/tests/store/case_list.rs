//! The case list: filters (reference prefix, reading, state, path, Japan
//! application dates), the total for them, and keyset paging newest first,
//! without a case skipped or repeated where cases share a timestamp; and an
//! office of 100,000 generated cases paged with filters.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use shokai_store::case_list::{
    self, CasePage, CaseSearch, Cursor, Direction, KanaSearch, ReferencePrefix,
};
use shokai_store::cases;
use shokai_store::testing::{GeneratedCase, insert_generated_cases, newest_first, office_cases};
use shokai_store::{Store, StoredCase};
use shokai_workflow::case::japan_date;
use shokai_workflow::{Case, CaseState, Event, Path, PersonName, Representation};

use crate::both_backends;
use crate::fixtures::{
    clerk, ctx, open_application, proxy_application, purge_closed_before, supervisor, t0,
};
use crate::harness::TestDb;

/// A proxy case and an in-person case as the workflow opens them: the
/// JSON the generated cases copy.
fn templates() -> Vec<Case> {
    let at = t0();
    let reference = shokai_workflow::ReferenceNumber::new(8, 999_999).unwrap();
    let proxy = Case::open(proxy_application(), reference, None, &ctx(&clerk(), at)).unwrap();
    let mut in_person = proxy_application();
    in_person.representation = Representation::InPerson;
    let in_person = Case::open(in_person, reference, None, &ctx(&clerk(), at)).unwrap();
    vec![proxy.case, in_person.case]
}

/// Opens a proxy case at `at` for the cardholder `name` read `kana`.
async fn open_named(store: &Store, at: DateTime<Utc>, name: &str, kana: &str) -> StoredCase {
    let mut application = proxy_application();
    application.cardholder.name = PersonName::parse(name, kana).unwrap();
    open_application(store, at, application).await
}

async fn page(db: &TestDb, search: &CaseSearch, cursor: Option<&Cursor>, limit: u32) -> CasePage {
    let mut tx = db.store.read().await.unwrap();
    let page = case_list::search_cases(&mut tx, search, cursor, limit)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    page
}

/// The references of every page from the first, following `next`, each
/// page checked to carry the same total.
async fn walk_forward(db: &TestDb, search: &CaseSearch, limit: u32) -> (Vec<String>, i64) {
    let first = page(db, search, None, limit).await;
    assert_eq!(first.previous, None, "the first page has none before it");
    let total = first.total;
    let mut seen: Vec<String> = first.cases.iter().map(|c| c.reference.clone()).collect();
    let mut next = first.next;
    while let Some(cursor) = next {
        let more = page(db, search, Some(&cursor), limit).await;
        assert_eq!(more.total, total);
        assert!(more.previous.is_some(), "a later page leads back");
        assert!(!more.cases.is_empty(), "a next cursor leads to cases");
        seen.extend(more.cases.iter().map(|c| c.reference.clone()));
        next = more.next;
    }
    (seen, total)
}

fn reading_contains(case: &GeneratedCase, part: &str) -> bool {
    let stored = KanaSearch::parse(case.cardholder.kana()).unwrap();
    let part = KanaSearch::parse(part).unwrap();
    stored.as_str().contains(part.as_str())
}

/// `cases.cardholder_kana` of case `id`, read past the store.
async fn stored_reading(db: &TestDb, id: i64) -> Option<String> {
    use sqlx::Connection;
    let sql = "SELECT cardholder_kana FROM cases WHERE id = ";
    if db.url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("{sql}{id}")))
            .fetch_one(&mut conn)
            .await
            .unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("{sql}{id}")))
            .fetch_one(&mut conn)
            .await
            .unwrap()
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

both_backends! {
    async fn paging_forward_and_back_lists_every_case_once_newest_first_where_timestamps_are_equal(db) {
        // 23 cases, two per instant: every page boundary falls inside a pair
        // at some page size.
        let cases = office_cases(23, t0(), 1);
        insert_generated_cases(&db.store, &templates(), &cases).await.unwrap();
        let all = newest_first(&cases, |_| true);

        for limit in [1, 2, 4, 5, 23, 50] {
            let (seen, total) = walk_forward(&db, &CaseSearch::default(), limit).await;
            assert_eq!(seen, all, "page size {limit}");
            assert_eq!(total, 23);
        }

        // Back from the last page of four to the first, by `previous`.
        let mut last = page(&db, &CaseSearch::default(), None, 4).await;
        while let Some(next) = last.next {
            last = page(&db, &CaseSearch::default(), Some(&next), 4).await;
        }
        let mut pages = vec![last.cases.clone()];
        let mut previous = last.previous;
        while let Some(cursor) = previous {
            assert_eq!(cursor.direction, Direction::Before);
            let before = page(&db, &CaseSearch::default(), Some(&cursor), 4).await;
            assert!(before.next.is_some(), "a page before leads on");
            pages.push(before.cases.clone());
            previous = before.previous;
        }
        pages.reverse();
        let back: Vec<String> = pages.concat().into_iter().map(|c| c.reference).collect();
        assert_eq!(back, all);
        assert_eq!(pages[0].len(), 4, "walking back ends on a full first page");
    }
}

both_backends! {
    async fn a_cursor_keeps_its_place_when_newer_cases_arrive(db) {
        let cases = office_cases(10, t0(), 1);
        insert_generated_cases(&db.store, &templates(), &cases).await.unwrap();
        let first = page(&db, &CaseSearch::default(), None, 4).await;

        let newer = office_cases(4, t0() + Duration::hours(1), 11);
        insert_generated_cases(&db.store, &templates(), &newer).await.unwrap();
        let second = page(&db, &CaseSearch::default(), first.next.as_ref(), 4).await;

        let expected_second: Vec<String> = newest_first(&cases, |_| true)[4..8].to_vec();
        let got: Vec<String> = second.cases.iter().map(|c| c.reference.clone()).collect();
        assert_eq!(got, expected_second, "no case repeated or skipped");
        assert_eq!(second.total, 14);
    }
}

both_backends! {
    async fn the_list_filters_by_reading_reference_and_japan_application_date_and_counts(db) {
        // 23:30 on 26 November in Japan, and 00:10 on the 27th (still the
        // 26th in UTC), and 10:00 on the 27th.
        let late = Utc.with_ymd_and_hms(2026, 11, 26, 14, 30, 0).unwrap();
        let after_midnight = Utc.with_ymd_and_hms(2026, 11, 26, 15, 10, 0).unwrap();
        let morning = Utc.with_ymd_and_hms(2026, 11, 27, 1, 0, 0).unwrap();
        let yamada = open_named(&db.store, late, "山田 太郎", "ヤマダ タロウ").await;
        let yamamoto = open_named(&db.store, after_midnight, "山本 花子", "やまもと はなこ").await;
        let sato = open_named(&db.store, morning, "佐藤 一郎", "サトウ イチロウ").await;
        let refs = |page: &CasePage| page.cases.iter().map(|c| c.id).collect::<Vec<_>>();
        let search = |f: fn(&mut CaseSearch)| {
            let mut s = CaseSearch::default();
            f(&mut s);
            s
        };

        let by_kana = page(&db, &search(|s| s.kana = KanaSearch::parse("やまだ").ok()), None, 50).await;
        let half_width = page(&db, &search(|s| s.kana = KanaSearch::parse("ﾀﾛｳ").ok()), None, 50).await;
        let both_yama = page(&db, &search(|s| s.kana = KanaSearch::parse("ヤマ").ok()), None, 50).await;
        let across = page(&db, &search(|s| s.kana = KanaSearch::parse("だた").ok()), None, 50).await;
        let on_27th = page(&db, &search(|s| s.applied_from = Some(date(2026, 11, 27))), None, 50).await;
        let on_26th = page(&db, &search(|s| {
            s.applied_from = Some(date(2026, 11, 26));
            s.applied_to = Some(date(2026, 11, 26));
        }), None, 50).await;
        let exact = CaseSearch {
            reference: Some(ReferencePrefix::parse(&yamamoto.core.reference().to_string()).unwrap()),
            ..CaseSearch::default()
        };
        let exact = page(&db, &exact, None, 50).await;
        let prefix = page(&db, &search(|s| s.reference = ReferencePrefix::parse("Ｒ８－００００").ok()), None, 50).await;
        let none = page(&db, &search(|s| s.reference = ReferencePrefix::parse("R9").ok()), None, 50).await;

        assert_eq!(refs(&by_kana), [yamada.id]);
        assert_eq!(refs(&half_width), [yamada.id]);
        assert_eq!(refs(&both_yama), [yamamoto.id, yamada.id], "newest first");
        assert_eq!(refs(&across), [yamada.id], "the space between family and given name is ignored");
        assert_eq!(refs(&on_27th), [sato.id, yamamoto.id], "00:10 in Japan is the 27th");
        assert_eq!(refs(&on_26th), [yamada.id]);
        assert_eq!(refs(&exact), [yamamoto.id]);
        assert_eq!(refs(&prefix), [sato.id, yamamoto.id, yamada.id]);
        assert_eq!((prefix.total, on_27th.total, none.total), (3, 2, 0));
        assert!(none.cases.is_empty() && none.next.is_none() && none.previous.is_none());
    }
}

both_backends! {
    async fn the_reading_follows_the_case_through_a_transition_and_the_purge_removes_it(db) {
        let case = open_named(&db.store, t0(), "鈴木 一郎", "スズキ イチロウ").await;
        let boss = supervisor();
        let now = t0() + Duration::hours(1);
        let reading = CaseSearch { kana: KanaSearch::parse("スズキ").ok(), ..CaseSearch::default() };
        db.store
            .transition(case.id, case.version, &boss, now, |c: &Case| {
                c.apply(Event::Cancel { reason: "申請取下げ".to_owned() }, &ctx(&boss, now))
            })
            .await
            .unwrap();
        let cancelled = page(&db, &reading, None, 50).await;

        purge_closed_before(&db.store, t0() + Duration::days(1), t0() + Duration::days(400)).await;

        assert_eq!(cancelled.total, 1, "the reading is kept through a transition");
        assert_eq!(cancelled.cases[0].state, CaseState::Cancelled);
        let purged = page(&db, &reading, None, 50).await;
        assert_eq!(purged.total, 0, "a purged case is not found by its reading");
        let everything = page(&db, &CaseSearch::default(), None, 50).await;
        assert_eq!(everything.total, 1, "the purged case is still listed");
        assert_eq!(stored_reading(&db, case.id).await, None);
    }
}

/// Walks the first `pages` pages of `search` and checks them against `want`
/// (the whole expected list) and its length as the total.
async fn check_pages(db: &TestDb, search: &CaseSearch, want: &[String], pages: usize) {
    let mut cursor = None;
    let mut seen = Vec::new();
    for _ in 0..pages {
        let page = page(db, search, cursor.as_ref(), 50).await;
        assert_eq!(page.total, want.len() as i64, "{search:?}");
        seen.extend(page.cases.iter().map(|c| c.reference.clone()));
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, want[..seen.len()], "{search:?}");
    assert_eq!(seen.len(), want.len().min(pages * 50), "{search:?}");
}

both_backends! {
    async fn an_office_of_100000_cases_pages_in_order_with_filters_and_totals(db) {
        let cases = office_cases(100_000, t0(), 1);
        insert_generated_cases(&db.store, &templates(), &cases).await.unwrap();
        check_pages(&db, &CaseSearch::default(), &newest_first(&cases, |_| true), 3).await;
        let waiting = CaseSearch {
            state: Some(CaseState::InquiryMailed),
            path: Some(Path::OptionalProxy),
            ..CaseSearch::default()
        };
        let want = newest_first(&cases, |c| c.state == CaseState::InquiryMailed && c.path == Path::OptionalProxy);
        check_pages(&db, &waiting, &want, 3).await;
        let (from, to) = (date(2026, 9, 1), date(2026, 9, 30));
        let in_september = CaseSearch {
            kana: KanaSearch::parse("すずき").ok(),
            applied_from: Some(from),
            applied_to: Some(to),
            ..CaseSearch::default()
        };
        let want = newest_first(&cases, |c| {
            reading_contains(c, "すずき") && (from..=to).contains(&japan_date(c.created_at))
        });
        assert!(want.len() > 50, "more than a page: {}", want.len());
        let (seen, total) = walk_forward(&db, &in_september, 50).await;
        assert_eq!((seen, total), (want.clone(), want.len() as i64));
        let prefix = CaseSearch {
            reference: ReferencePrefix::parse("R8-0500").ok(),
            path: Some(Path::InPerson),
            ..CaseSearch::default()
        };
        let want = newest_first(&cases, |c| {
            c.reference.to_string().starts_with("R8-0500") && c.path == Path::InPerson
        });
        check_pages(&db, &prefix, &want, 2).await;

        // Deep in the list, from a cursor at the 50,001st newest case: the
        // same cost and the same rows as walking there.
        let middle = &cases[cases.len() - 50_001];
        let mut tx = db.store.read().await.unwrap();
        let id = cases::case_by_reference(&mut tx, &middle.reference).await.unwrap().unwrap().id;
        drop(tx);
        let cursor = Cursor { direction: Direction::After, created_at: middle.created_at, id };
        let deep = page(&db, &CaseSearch::default(), Some(&cursor), 50).await;
        let got: Vec<String> = deep.cases.iter().map(|c| c.reference.clone()).collect();
        assert_eq!(got, newest_first(&cases, |_| true)[50_001..50_051]);
        assert_eq!(deep.total, 100_000);
    }
}
