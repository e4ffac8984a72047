//! The case list at office scale, over HTTP: `GET /api/cases` pages newest
//! first by an opaque cursor with the total for its filters, and refuses a
//! cursor it did not give out; the clerk page `/cases` filters by reading
//! (of any kana width), path and dates and links 次へ, 前へ and 最初へ keeping the filters.
//!
//! The cases are generated and inserted in bulk into the server's database
//! (`shokai_store::testing`), after one real case opened through the API,
//! whose JSON they copy.
//!
//! `a_page_at_100000_cases` is a measurement for `make bench`, ignored by
//! `make test`: the time per page request with 100,000 cases, on SQLite
//! and, when `SHOKAI_TEST_POSTGRES` is set, on PostgreSQL. Nothing here
//! asserts a time.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use shokai_store::Store;
use shokai_store::cases::get_case;
use shokai_store::testing::{
    GeneratedCase, insert_generated_cases, newest_first, office_cases, settle_after_bulk_insert,
};

use crate::codes::ok;
use crate::helpers::{Role, TestApp, assert_error};
use crate::web_ops::Browser;

/// Opens one proxy case through the API (山田 タロウ, registered now) and
/// inserts `n` generated cases registered before it; returns them, oldest
/// first, and the store on the server's database.
async fn office(app: &TestApp, clerk: &str, n: usize) -> (Vec<GeneratedCase>, Store) {
    let real = app.open_proxy_case(clerk).await;
    let store = Store::connect(app.database_url()).await.unwrap();
    let mut tx = store.read().await.unwrap();
    let template = get_case(&mut tx, real["id"].as_i64().unwrap())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let newest = chrono::Utc::now() - chrono::Duration::hours(1);
    let cases = office_cases(n, newest, 100_000);
    insert_generated_cases(&store, &[template.case().unwrap()], &cases)
        .await
        .unwrap();
    (cases, store)
}

/// `GET /api/cases?{query}` and the pages after it by `next_cursor`: every
/// reference listed, and the total each page reported.
async fn api_walk(app: &TestApp, token: &str, query: &str) -> (Vec<String>, Vec<i64>) {
    let mut references = Vec::new();
    let mut totals = Vec::new();
    let mut path = format!("/api/cases?{query}");
    loop {
        let page = ok(app, token, Method::GET, &path, None).await;
        totals.push(page["total"].as_i64().unwrap());
        for case in page["cases"].as_array().unwrap() {
            references.push(case["reference"].as_str().unwrap().to_owned());
        }
        let Some(next) = page["next_cursor"].as_str() else {
            assert!(
                page["previous_cursor"].is_string() || totals.len() == 1,
                "{page}"
            );
            return (references, totals);
        };
        path = format!("/api/cases?{query}&cursor={next}");
    }
}

/// The cardholder's reading without the space between the names, as the
/// search compares it.
fn reading(case: &GeneratedCase) -> String {
    case.cardholder.kana().replace('\u{3000}', "")
}

crate::both_backends! {
    async fn the_api_pages_newest_first_with_the_filters_total_on_every_page(app) {
        let clerk = app.token_for(Role::Clerk).await;
        let auditor = app.token_for(Role::Auditor).await;
        let (cases, _store) = office(&app, &clerk, 130).await;
        let first = ok(&app, &auditor, Method::GET, "/api/cases", None).await;

        let (all, totals) = api_walk(&app, &auditor, "limit=40").await;
        let proxies = "path=optional_proxy&kana=%E3%82%84%E3%81%BE"; // kana=やま
        // The reading is personal data: a clerk searches by it (an auditor's is ignored).
        let (found, found_totals) = api_walk(&app, &clerk, &format!("{proxies}&limit=7")).await;

        assert_eq!(first["total"], 131);
        assert_eq!(first["cases"].as_array().unwrap().len(), 50, "50 a page unless asked");
        assert_eq!(first["cases"][0]["reference"], all[0], "the real case, registered last");
        assert!(first["previous_cursor"].is_null());
        assert_eq!(all[1..], newest_first(&cases, |_| true), "no case skipped or repeated");
        assert_eq!(totals, [131; 4]);
        let want: Vec<String> = newest_first(&cases, |c| {
            c.path == shokai_workflow::Path::OptionalProxy && reading(c).contains("ヤマ")
        });
        assert_eq!(found[0], all[0], "山田 タロウ's real case matches too");
        assert_eq!(found[1..], want);
        assert!(found_totals.iter().all(|t| *t == found.len() as i64), "{found_totals:?}");
    }
}

crate::both_backends! {
    async fn the_api_goes_back_a_page_and_refuses_a_cursor_it_did_not_give_out(app) {
        let clerk = app.token_for(Role::Clerk).await;
        let (_cases, _store) = office(&app, &clerk, 30).await;
        let first = ok(&app, &clerk, Method::GET, "/api/cases?limit=10", None).await;
        let next = first["next_cursor"].as_str().unwrap();
        let second = ok(&app, &clerk, Method::GET, &format!("/api/cases?limit=10&cursor={next}"), None).await;
        let back = second["previous_cursor"].as_str().unwrap();

        let again = ok(&app, &clerk, Method::GET, &format!("/api/cases?limit=10&cursor={back}"), None).await;
        let forged = app.call(Method::GET, "/api/cases?cursor=R8-000001-4", Some(&clerk), None).await;
        let edited = format!("/api/cases?cursor={}", &next[..next.len() - 2]);
        let edited = app.call(Method::GET, &edited, Some(&clerk), None).await;
        let too_many = app.call(Method::GET, "/api/cases?limit=201", Some(&clerk), None).await;
        let not_kana = app.call(Method::GET, "/api/cases?kana=Yamada", Some(&clerk), None).await;
        let backwards = app.call(Method::GET, "/api/cases?applied_from=2026-12-01&applied_to=2026-11-01", Some(&clerk), None).await;

        assert_eq!(again["cases"], first["cases"], "前へ returns to the first page");
        assert!(again["previous_cursor"].is_null(), "{again}");
        for (response, field) in [(forged, "cursor"), (edited, "cursor"), (too_many, "limit"), (not_kana, "kana"), (backwards, "applied_to")] {
            let body = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input").await;
            assert_eq!(body["field"], field, "{body}");
        }
    }
}

/// The `href` of the link with id `id` in `html`, unescaped.
fn link(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!(r#"id="{id}""#))?;
    let tag = &html[html[..at].rfind('<')?..];
    let start = tag.find(r#"href=""#)? + 6;
    let href = &tag[start..start + tag[start..].find('"')?];
    Some(href.replace("&#38;", "&").replace("&amp;", "&"))
}

/// The case references of a list page, in order.
fn listed(html: &str) -> Vec<String> {
    html.split(r#"class="case-link">"#)
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].to_owned())
        .collect()
}

crate::both_backends! {
    async fn the_case_list_page_filters_by_reading_path_and_dates_and_pages_keeping_them(app) {
        let supervisor = app.token_for(Role::Supervisor).await;
        let (cases, _store) = office(&app, &supervisor, 1_200).await;
        let clerk = Browser::login(&app, Role::Clerk).await;
        let auditor = Browser::login(&app, Role::Auditor).await;
        let want = newest_first(&cases, |c| reading(c).contains("スズキ"));
        assert!(want.len() > 50 && want.len() <= 100, "two pages: {}", want.len());

        let (status, first) = clerk.get("/cases?kana=%EF%BD%BD%EF%BD%BD%EF%BE%9E%EF%BD%B7").await; // ｽｽﾞｷ
        let next = link(&first, "page-next").expect("a 次へ link");
        let (_, second) = clerk.get(&next).await;
        let previous = link(&second, "page-previous").expect("a 前へ link");
        let (_, back) = clerk.get(&previous).await;
        let (_, bad_date) = clerk.get("/cases?applied_from=2026-13-01").await;
        let (_, as_auditor) = auditor.get("/cases?kana=%E3%81%99%E3%81%9A%E3%81%8D").await;
        let newest = cases.last().unwrap().created_at + chrono::Duration::hours(9);
        let day = newest.date_naive();
        let (_, that_day) = clerk.get(&format!("/cases?applied_from={day}&applied_to={day}&path=in_person")).await;

        assert_eq!(status, StatusCode::OK);
        assert!(first.contains(&format!("全 {} 件", want.len())), "{first}");
        assert_eq!(listed(&first), want[..50]);
        assert!(next.starts_with("/cases?kana=%EF%BD%BD") && next.contains("&cursor="), "{next}");
        assert_eq!(listed(&second), want[50..]);
        assert!(second.contains(&format!("全 {} 件", want.len())));
        assert_eq!(link(&second, "page-first").as_deref(), Some(&next[..next.find("&cursor").unwrap()]));
        assert!(link(&second, "page-next").is_none(), "the last page");
        assert_eq!(listed(&back), want[..50]);
        assert!(link(&first, "page-previous").is_none() && link(&first, "page-first").is_none());
        assert!(first.contains(r#"<th scope="col">申請区分</th>"#) && first.contains(r#"id="filter-kana""#));
        assert!(bad_date.contains("申請日は 2026-11-26 のように年-月-日で入力してください"), "{bad_date}");
        assert!(bad_date.contains(r#"aria-invalid="true""#) && !bad_date.contains(r#"id="case-table""#));
        assert!(!as_auditor.contains(r#"id="filter-kana""#), "auditors see no personal data");
        assert!(as_auditor.contains("全 1,201 件"), "the reading is not searched for an auditor");
        let session: serde_json::Value = app.login("auditor", crate::helpers::PASSWORD).await.json().await.unwrap();
        let over_api = app.call(Method::GET, "/api/cases?kana=%E3%81%99%E3%81%9A%E3%81%8D", session["token"].as_str(), None).await;
        let over_api: serde_json::Value = over_api.json().await.unwrap();
        assert_eq!(over_api["total"], 1_201, "nor over the API");
        let on_day = cases.iter().filter(|c| {
            (c.created_at + chrono::Duration::hours(9)).date_naive() == day
                && c.path == shokai_workflow::Path::InPerson
        });
        assert!(that_day.contains(&format!("全 {} 件", on_day.count())), "{that_day}");
    }
}

/// What one scenario of the bench measured.
struct Timing {
    name: &'static str,
    total: i64,
    times: Vec<Duration>,
}

impl Timing {
    fn report(&self, backend: &str) {
        let mut sorted = self.times.clone();
        sorted.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "case list, 100,000 cases, {backend:<10} {:<44} median {:>6.1} ms, max {:>6.1} ms ({} requests, total {})",
            self.name,
            ms(sorted[sorted.len() / 2]),
            ms(*sorted.last().unwrap()),
            sorted.len(),
            self.total,
        );
    }
}

/// Times `REPEAT` requests of `path` (JSON from the API, HTML from a page).
async fn time_requests(
    app: &TestApp,
    token: &str,
    browser: &Browser,
    name: &'static str,
    path: &str,
) -> Timing {
    const REPEAT: usize = 15;
    let mut times = Vec::with_capacity(REPEAT);
    let mut total = 0;
    for _ in 0..REPEAT {
        let started = Instant::now();
        if path.starts_with("/api/") {
            let page = ok(app, token, Method::GET, path, None).await;
            total = page["total"].as_i64().unwrap();
        } else {
            let (status, html) = browser.get(path).await;
            assert_eq!(status, StatusCode::OK);
            let shown = html.split("全 ").nth(1).and_then(|s| s.split(" 件").next());
            total = shown.map_or(-1, |n| n.replace(',', "").parse().unwrap_or(-1));
        }
        times.push(started.elapsed());
    }
    Timing { name, total, times }
}

/// The scenarios: the first page, a page deep in the list, and the filters
/// alone and together, the worst being a reading no case has (the whole
/// index is walked for the page and for the total).
async fn bench_scenarios(app: &TestApp, token: &str, browser: &Browser, deep: &str) -> Vec<Timing> {
    let scenarios: [(&'static str, String); 10] = [
        ("API first page", "/api/cases".to_owned()),
        (
            "API page at the 50,000th case",
            format!("/api/cases?cursor={deep}"),
        ),
        (
            "API state=inquiry_mailed&path=optional_proxy",
            "/api/cases?state=inquiry_mailed&path=optional_proxy".to_owned(),
        ),
        (
            "API kana=スズキ",
            "/api/cases?kana=%E3%82%B9%E3%82%BA%E3%82%AD".to_owned(),
        ),
        (
            "API kana matching no case",
            "/api/cases?kana=%E3%83%B2%E3%83%B2".to_owned(),
        ),
        (
            "API state=pin_set&kana matching no case",
            "/api/cases?state=pin_set&kana=%E3%83%B2%E3%83%B2".to_owned(),
        ),
        (
            "API reference=R8-1500 (prefix)",
            "/api/cases?reference=R8-1500".to_owned(),
        ),
        (
            "API a month's applications, kana=タ",
            "/api/cases?applied_from=2026-09-01&applied_to=2026-09-30&kana=%E3%82%BF".to_owned(),
        ),
        ("page /cases (HTML)", "/cases".to_owned()),
        (
            "page /cases?kana=すずき&path=in_person",
            "/cases?kana=%E3%81%99%E3%81%9A%E3%81%8D&path=in_person".to_owned(),
        ),
    ];
    let mut timings = Vec::new();
    for (name, path) in scenarios {
        timings.push(time_requests(app, token, browser, name, &path).await);
    }
    timings
}

/// Loads 100,000 cases and reports the time per page request; on
/// PostgreSQL once as loaded and once more after `VACUUM ANALYZE`, which
/// autovacuum does soon after a load this size.
async fn bench(app: TestApp, backend: &'static str) {
    let clerk = app.token_for(Role::Clerk).await;
    let browser = Browser::login(&app, Role::Supervisor).await;
    let started = Instant::now();
    let (cases, store) = office(&app, &clerk, 100_000).await;
    println!(
        "case list bench, {backend}: 100,000 cases inserted in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let middle = &cases[cases.len() / 2];
    let mut tx = store.read().await.unwrap();
    let id = shokai_store::cases::case_by_reference(&mut tx, &middle.reference)
        .await
        .unwrap()
        .unwrap()
        .id;
    tx.commit().await.unwrap();
    let deep = shokai_store::case_list::Cursor {
        direction: shokai_store::case_list::Direction::After,
        created_at: middle.created_at,
        id,
    }
    .encode();
    let label = if backend == "postgres" {
        "pg (fresh)"
    } else {
        backend
    };
    for timing in bench_scenarios(&app, &clerk, &browser, &deep).await {
        timing.report(label);
    }
    if backend == "postgres" {
        settle_after_bulk_insert(&store).await.unwrap();
        for timing in bench_scenarios(&app, &clerk, &browser, &deep).await {
            timing.report("pg (vacuumed)");
        }
    }
    store.close().await;
}

mod a_page_at_100000_cases {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "a measurement: `make bench`"]
    async fn sqlite() {
        bench(TestApp::spawn().await, "sqlite").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "a measurement: `make bench`"]
    async fn postgres() {
        if std::env::var(shokai_store::testing::POSTGRES_ENV).is_err() {
            println!(
                "case list bench, postgres: not run ({} is not set)",
                shokai_store::testing::POSTGRES_ENV
            );
            return;
        }
        crate::helpers::run_postgres(module_path!(), |app| bench(app, "postgres")).await;
    }
}
