//! The report's charts (`/reports/*.svg`) and their data (`/reports/*.csv`)
//! as a signed-in clerk's browser gets them: SVG that parses as XML with a
//! bar per category and its value written beside it, CSV as Japanese Excel
//! reads it, both for the page's period.

use chrono::{Duration, NaiveDate, Utc};
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::json;
use shokai_workflow::case::japan_date;
use shokai_workflow::{CaseState, Path};

use crate::helpers::{Role, TestApp, in_person_intake, proxy_intake, same_japan_day_for};
use crate::status::mail_letter;

/// A chart's file as a signed-in browser gets it: (status, content type,
/// content disposition, bytes).
async fn fetch(app: &TestApp, token: &str, path: &str) -> (StatusCode, String, String, Vec<u8>) {
    let response = app
        .client
        .get(app.url(path))
        .header(COOKIE, format!("shokai_session={token}"))
        .send()
        .await
        .unwrap();
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (content_type, disposition) = (header(CONTENT_TYPE), header(CONTENT_DISPOSITION));
    let status = response.status();
    (
        status,
        content_type,
        disposition,
        response.bytes().await.unwrap().to_vec(),
    )
}

/// Two same-day in-person PIN changes, one in-person case still open and
/// one optional-proxy case whose letter was issued and mailed today, all on
/// one Japan day; then a session for `reader` and that day.
async fn arrange(app: &TestApp, reader: Role) -> (String, NaiveDate) {
    same_japan_day_for(std::time::Duration::from_secs(120)).await;
    let clerk = app.token_for(Role::Clerk).await;
    for set in [true, true, false] {
        let id = app.open_case(&clerk, &in_person_intake()).await["id"]
            .as_i64()
            .unwrap();
        if set {
            let change = json!({ "version": 1, "changes": [{ "pin": "user_auth", "current": "1234", "new": "1234" }] });
            let path = format!("/api/cases/{id}/pin-change");
            let response = app
                .call(Method::POST, &path, Some(&clerk), Some(&change))
                .await;
            assert_eq!(response.status(), StatusCode::OK);
        }
    }
    let proxy = app.open_case_on_new_card(&clerk, &proxy_intake()).await["id"]
        .as_i64()
        .unwrap();
    mail_letter(app, proxy, 1).await;
    (app.token_for(reader).await, japan_date(Utc::now()))
}

/// A bar of a chart: (category key, series key, value text or "").
type BarText = (String, String, String);

/// The bars of an SVG chart, after checking it parses and is labelled.
fn bars(svg: &[u8]) -> Vec<BarText> {
    let text = std::str::from_utf8(svg).expect("UTF-8");
    let doc = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("role"), Some("img"));
    assert!(root.attribute("aria-label").is_some_and(|l| !l.is_empty()));
    for name in ["title", "desc"] {
        let child = root.children().find(|n| n.has_tag_name(name));
        assert!(
            child.and_then(|n| n.text()).is_some_and(|t| !t.is_empty()),
            "<{name}>"
        );
    }
    root.descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("bar"))
        .map(|g| {
            assert_eq!(g.children().filter(|n| n.has_tag_name("rect")).count(), 1);
            // A day without letters leaves its zero to the table.
            let value = g
                .children()
                .find(|n| n.attribute("class") == Some("value"))
                .and_then(|n| n.text())
                .unwrap_or_default();
            let attr = |name| g.attribute(name).unwrap().to_owned();
            (attr("data-key"), attr("data-series"), value.to_owned())
        })
        .collect()
}

fn value_of<'a>(bars: &'a [BarText], key: &str, series: &str) -> &'a str {
    bars.iter()
        .find(|b| b.0 == key && b.1 == series)
        .unwrap_or_else(|| panic!("no bar {key}/{series} in {bars:?}"))
        .2
        .as_str()
}

/// The rows of a CSV file, after checking what Japanese Excel needs.
fn rows(csv: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(csv).expect("UTF-8");
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    assert!(text.ends_with("\r\n"), "CRLF after the last row");
    assert!(!text.replace("\r\n", "").contains('\n'), "no bare LF");
    text.split_terminator("\r\n")
        .map(|r| r.split(',').map(str::to_owned).collect())
        .collect()
}

fn period(from: NaiveDate, to: NaiveDate) -> String {
    format!("from={from}&to={to}")
}

crate::both_backends! {
async fn each_chart_is_svg_with_a_bar_per_category_and_its_value_beside_it(app) {
    let (auditor, today) = arrange(&app, Role::Auditor).await;
    let query = period(today, today);

    let (status, content_type, _, states) = fetch(&app, &auditor, &format!("/reports/states.svg?{query}")).await;
    let (_, _, _, completion) = fetch(&app, &auditor, &format!("/reports/completion.svg?{query}")).await;
    let (_, _, _, letters) = fetch(&app, &auditor, &format!("/reports/letters.svg?{query}")).await;
    let (_, _, _, month) = fetch(&app, &auditor, "/reports/letters.svg").await;
    let (_, _, _, again) = fetch(&app, &auditor, &format!("/reports/states.svg?{query}")).await;

    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("image/svg+xml"), "{content_type}");
    let states_bars = bars(&states);
    assert_eq!(states_bars.len(), CaseState::ALL.len(), "one bar per state, zero included");
    assert_eq!(value_of(&states_bars, "pin_set", "count"), "2件");
    assert_eq!(value_of(&states_bars, "applied", "count"), "1件");
    assert_eq!(value_of(&states_bars, "inquiry_mailed", "count"), "1件");
    assert_eq!(value_of(&states_bars, "cancelled", "count"), "0件");
    let states_text = String::from_utf8(states.clone()).unwrap();
    assert!(states_text.contains(CaseState::PinSet.name_ja()), "Japanese state names");
    let completion_bars = bars(&completion);
    assert_eq!(completion_bars.len(), Path::ALL.len());
    assert_eq!(value_of(&completion_bars, "in_person", "median"), "0日（2件）", "same-day changes");
    assert_eq!(value_of(&completion_bars, "optional_proxy", "median"), "—（0件）");
    let letters_bars = bars(&letters);
    assert_eq!(letters_bars.len(), 2, "one day, issued and mailed");
    assert_eq!(value_of(&letters_bars, &today.to_string(), "issued"), "1通");
    assert_eq!(value_of(&letters_bars, &today.to_string(), "mailed"), "1通");
    assert_eq!(bars(&month).len(), 60, "the default 30 days, two bars each");
    assert_eq!(states, again, "the same data draws the same bytes");
}
}

crate::both_backends! {
async fn each_charts_csv_opens_in_excel_and_holds_only_its_period(app) {
    let (supervisor, today) = arrange(&app, Role::Supervisor).await;
    let yesterday = today - Duration::days(1);
    let (now, before) = (period(today, today), period(yesterday - Duration::days(6), yesterday));

    let (status, content_type, disposition, letters) = fetch(&app, &supervisor, &format!("/reports/letters.csv?{now}")).await;
    let (_, _, _, letters_before) = fetch(&app, &supervisor, &format!("/reports/letters.csv?{before}")).await;
    let (_, _, _, states) = fetch(&app, &supervisor, &format!("/reports/states.csv?{before}")).await;
    let (_, _, _, completion) = fetch(&app, &supervisor, &format!("/reports/completion.csv?{now}")).await;
    let (_, _, _, completion_before) = fetch(&app, &supervisor, &format!("/reports/completion.csv?{before}")).await;

    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert_eq!(disposition, format!("attachment; filename=\"letters_{today}.csv\""));
    let letters = rows(&letters);
    assert_eq!(letters, [vec!["日付", "発行", "発送"], vec![today.to_string().as_str(), "1", "1"]]);
    let before_rows = rows(&letters_before);
    assert_eq!(before_rows.len(), 1 + 7, "the header and every day of the period");
    assert_eq!(before_rows[7][0], yesterday.to_string());
    assert!(before_rows[1..].iter().all(|r| r[1] == "0" && r[2] == "0"), "today's letter is outside: {before_rows:?}");
    let states = rows(&states);
    assert_eq!(states[0], ["状態", "状態コード", "件数"]);
    assert_eq!(states.len(), 1 + CaseState::ALL.len());
    assert!(states.contains(&vec![CaseState::PinSet.name_ja().to_owned(), "pin_set".into(), "2".into()]), "states are counted now: {states:?}");
    let completion = rows(&completion);
    assert_eq!(completion[0], ["申請区分", "申請区分コード", "件数", "中央値（日）", "最短（日）", "最長（日）"]);
    assert!(completion.contains(&vec!["本人".into(), "in_person".into(), "2".into(), "0.0".into(), "0".into(), "0".into()]), "{completion:?}");
    let before_in_person = rows(&completion_before).into_iter().find(|r| r[1] == "in_person").unwrap();
    assert_eq!(before_in_person[2], "0", "no PIN was set before today");
}
}

#[tokio::test]
async fn the_report_page_shows_each_chart_above_its_table_with_its_csv_link_and_no_inline_style() {
    let app = TestApp::spawn().await;
    let clerk = app.token_for(Role::Clerk).await;
    let query = "from=2026-11-01&amp;to=2026-11-26";

    let (status, _, _, page) = fetch(&app, &clerk, "/reports?from=2026-11-01&to=2026-11-26").await;
    let (missing, _, _, _) = fetch(&app, &clerk, "/reports/other.svg").await;
    let (bad_period, _, _, _) = fetch(&app, &clerk, "/reports/letters.csv?to=26.11.2026").await;

    assert_eq!(status, StatusCode::OK);
    let page = String::from_utf8(page).unwrap();
    for chart in ["states", "completion", "letters"] {
        let img = format!(r#"<img src="/reports/{chart}.svg?{query}" alt=""#);
        let link = format!(
            r#"<a href="/reports/{chart}.csv?{query}" id="{chart}-csv" download>CSVで書き出す</a>"#
        );
        let (at_img, at_table) = (
            page.find(&img),
            page.find(&format!(
                r#"<table id="report-{}""#,
                if chart == "completion" {
                    "paths"
                } else {
                    chart
                }
            )),
        );
        assert!(at_img.is_some() && page.contains(&link), "{chart}: {page}");
        assert!(at_img < at_table, "{chart}: the chart above its table");
    }
    assert!(page.contains("alt=\"2026-11-01から2026-11-26までの日ごとの照会書の通数の棒グラフ。発行 計0通、発送 計0通。\""));
    assert!(
        !page.contains("<style") && !page.contains("style=\""),
        "no inline styles (CSP)"
    );
    assert_eq!(missing, StatusCode::NOT_FOUND);
    assert_eq!(bad_period, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn an_empty_period_draws_each_chart_with_a_note_and_strangers_get_no_chart() {
    let app = TestApp::spawn().await;
    let clerk = app.token_for(Role::Clerk).await;
    let printer = app.token_for(Role::Printer).await;

    let (_, _, _, letters) = fetch(
        &app,
        &clerk,
        "/reports/letters.svg?from=2026-11-01&to=2026-11-26",
    )
    .await;
    let (_, _, _, states) = fetch(&app, &clerk, "/reports/states.svg").await;
    let (forbidden, _, _, _) = fetch(&app, &printer, "/reports/states.csv").await;
    let anonymous = app.get("/reports/states.svg").await;

    assert!(bars(&letters).is_empty());
    assert!(
        String::from_utf8(letters)
            .unwrap()
            .contains("この期間に発行・発送した照会書はありません。")
    );
    assert!(
        String::from_utf8(states)
            .unwrap()
            .contains("案件はまだありません。")
    );
    assert_eq!(
        forbidden,
        StatusCode::FORBIDDEN,
        "the print room reads no report"
    );
    assert!(
        anonymous.url().path() == "/login" || anonymous.status() == StatusCode::SEE_OTHER,
        "{}",
        anonymous.url()
    );
}
