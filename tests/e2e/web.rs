//! The clerk web UI over plain HTTP: login page and session cookie, CSRF on
//! forms, the case list and its filters, intake through the form, and the
//! actions a case page offers each role.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{PASSWORD, Role, TestApp};

/// A client that shows redirects instead of following them, as a test
/// must see the 303s and cookies of Post/Redirect/Get.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The `Set-Cookie` header that sets cookie `name`.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// The value of a `Set-Cookie` header (`name=value; …` → `value`).
fn cookie_value(header: &str) -> String {
    let pair = header.split(';').next().unwrap();
    pair.split_once('=').unwrap().1.to_owned()
}

/// The value of the first hidden `csrf` input of a page.
fn csrf_in(html: &str) -> String {
    let start = html.find(r#"name="csrf" value=""#).expect("a csrf field") + 19;
    html[start..].split('"').next().unwrap().to_owned()
}

/// A signed-in browser session.
struct Session {
    client: reqwest::Client,
    base: String,
    cookie: String,
}

impl Session {
    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.text().await.unwrap()
    }

    /// Follows a Post/Redirect/Get answer as a browser would: to its
    /// `Location`, carrying the flash cookie it set.
    async fn follow(&self, redirect: &reqwest::Response) -> String {
        let location = redirect.headers()[LOCATION].to_str().unwrap().to_owned();
        let mut cookie = self.cookie.clone();
        if let Some(flash) = set_cookie(redirect, "shokai_flash") {
            cookie = format!("{cookie}; shokai_flash={}", cookie_value(&flash));
        }
        let response = self
            .client
            .get(format!("{}{location}", self.base))
            .header(COOKIE, cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "GET {location}");
        response.text().await.unwrap()
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap()
    }
}

/// Loads the login page: its double-submit token (cookie and form field).
async fn login_token(app: &TestApp, client: &reqwest::Client) -> (String, String) {
    let page = client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let header = set_cookie(&page, "shokai_login_csrf").expect("a login csrf cookie");
    let html = page.text().await.unwrap();
    (header, html)
}

/// Posts the login form as `user`; returns the answer.
async fn post_login(app: &TestApp, user: &str, password: &str) -> reqwest::Response {
    let client = browser();
    let (header, html) = login_token(app, &client).await;
    let token = csrf_in(&html);
    client
        .post(app.url("/login"))
        .header(
            COOKIE,
            format!("shokai_login_csrf={}", cookie_value(&header)),
        )
        .form(&[("username", user), ("password", password), ("csrf", &token)])
        .send()
        .await
        .unwrap()
}

/// A user of `role` (named after it), signed in through the login form.
async fn sign_in(app: &TestApp, role: Role) -> Session {
    app.add_user(role.code(), role).await;
    let response = post_login(app, role.code(), PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let header = set_cookie(&response, "shokai_session").expect("a session cookie");
    Session {
        client: browser(),
        base: app.address.clone(),
        cookie: format!("shokai_session={}", cookie_value(&header)),
    }
}

async fn api_case(app: &TestApp, token: &str, id: i64) -> Value {
    let response = app
        .call(
            reqwest::Method::GET,
            &format!("/api/cases/{id}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

both_backends! {
    async fn the_login_page_sets_a_strict_login_csrf_cookie_and_puts_the_same_token_in_its_form(app) {
        let (header, html) = login_token(&app, &browser()).await;

        assert!(header.contains("HttpOnly") && header.contains("SameSite=Strict"), "{header}");
        assert_eq!(csrf_in(&html), cookie_value(&header));
        assert!(html.contains(r#"<html lang="ja">"#));
        assert!(html.contains(r#"<label for="username">"#) && html.contains(r#"<label for="password">"#));
    }
}

both_backends! {
    async fn a_wrong_password_shows_the_error_again_and_sets_no_session_cookie(app) {
        app.add_user("clerk", Role::Clerk).await;

        let response = post_login(&app, "clerk", "not the password at all").await;

        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(set_cookie(&response, "shokai_session").is_none());
        let html = response.text().await.unwrap();
        assert!(html.contains("ユーザー名またはパスワードが違います"), "{html}");
        assert!(html.contains(r#"value="clerk""#), "the username is kept");
        assert!(!html.contains("not the password at all"), "the password is never echoed");
    }
}

both_backends! {
    async fn logging_in_sets_an_http_only_strict_expiring_session_cookie_that_opens_the_case_list(app) {
        app.add_user("clerk", Role::Clerk).await;

        let response = post_login(&app, "clerk", PASSWORD).await;

        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[LOCATION], "/cases");
        let header = set_cookie(&response, "shokai_session").unwrap();
        for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"] {
            assert!(header.contains(part), "{part} missing in {header}");
        }
        let session = Session {
            client: browser(),
            base: app.address.clone(),
            cookie: format!("shokai_session={}", cookie_value(&header)),
        };
        let html = session.page("/cases").await;
        assert!(html.contains("案件一覧") && html.contains("窓口職員"), "{html}");
        assert!(!html.contains(r#"href="/audit""#), "the audit menu is for auditors");

        let token = csrf_in(&html);
        let out = session.post("/logout", &[("csrf", &token)]).await;
        assert_eq!(out.status(), StatusCode::SEE_OTHER);
        assert!(set_cookie(&out, "shokai_session").unwrap().contains("Max-Age=0"));
        let after = session.get("/cases").await;
        assert_eq!(after.status(), StatusCode::SEE_OTHER, "the session was revoked");
    }
}

both_backends! {
    async fn without_a_session_the_case_pages_redirect_to_the_login_page(app) {
        for path in ["/cases", "/cases/1", "/cases/new"] {
            let response = browser().get(app.url(path)).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
            assert_eq!(response.headers()[LOCATION], "/login", "{path}");
        }
        let forged = browser()
            .get(app.url("/cases"))
            .header(COOKIE, format!("shokai_session={}", "ab".repeat(32)))
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::SEE_OTHER);
    }
}

both_backends! {
    async fn a_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(app) {
        let session = sign_in(&app, Role::Clerk).await;
        let token = app.token_for(Role::Supervisor).await;
        let case = app.open_proxy_case(&token).await;
        let id = case["id"].as_i64().unwrap();
        let path = format!("/cases/{id}/letters");

        let missing = session.post(&path, &[("version", "1")]).await;
        let wrong = session.post(&path, &[("version", "1"), ("csrf", &"0".repeat(64))]).await;

        assert_eq!(missing.status(), StatusCode::FORBIDDEN);
        assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
        let after = api_case(&app, &token, id).await;
        assert_eq!(after["version"], case["version"]);
        assert_eq!(after["letters"], serde_json::json!([]));
    }
}

both_backends! {
    async fn the_case_list_filters_by_state_and_jumps_to_a_reference(app) {
        let session = sign_in(&app, Role::Clerk).await;
        let token = app.token_for(Role::Supervisor).await;
        let case = app.open_proxy_case(&token).await;
        let reference = case["reference"].as_str().unwrap();

        let all = session.page("/cases").await;
        let applied = session.page("/cases?state=applied").await;
        let mailed = session.page("/cases?state=inquiry_mailed&overdue=1").await;
        let this_week = session.page("/cases?due_this_week=1").await;
        let jump = session.get(&format!("/cases?reference={reference}")).await;
        let unknown = session.page("/cases?reference=R8-999999-9").await;

        assert!(all.contains(reference) && applied.contains(reference));
        assert!(all.contains(r#"<th scope="col">受付番号</th>"#));
        assert!(!mailed.contains(reference) && mailed.contains("条件に合う案件はありません"));
        assert!(!this_week.contains(reference), "a case without a deadline is not due");
        assert_eq!(jump.status(), StatusCode::SEE_OTHER);
        assert_eq!(jump.headers()[LOCATION], format!("/cases/{}", case["id"]).as_str());
        assert!(unknown.contains("見つかりませんでした"));
        let api = app.call(reqwest::Method::GET, "/api/cases?due_this_week=true", Some(&token), None).await;
        assert_eq!(api.status(), StatusCode::OK);
        assert_eq!(api.json::<Value>().await.unwrap()["cases"], serde_json::json!([]));
    }
}

/// The proxy intake form as a clerk fills it in.
fn proxy_form(csrf: &str) -> Vec<(&'static str, String)> {
    let fields = [
        ("path", "optional_proxy"),
        ("doc_card", "1"),
        ("doc_proxy_id", "1"),
        ("doc_explained", "1"),
        ("cardholder.name.name", "山田 太郎"),
        ("cardholder.name.kana", "ヤマダ タロウ"),
        ("cardholder.date_of_birth", "1980-04-01"),
        ("cardholder.address.postal_code", "160-0022"),
        ("cardholder.address.prefecture", "東京都"),
        ("cardholder.address.city", "新宿区"),
        ("cardholder.address.rest", "新宿一丁目1番1号"),
        ("representation.person.name", "佐藤 花子"),
        ("representation.person.kana", "サトウ ハナコ"),
        ("representation.date_of_birth", "1985-06-15"),
        ("representation.id_document.kind", "pension_book"),
        ("representation.id_document.number_last4", "1234"),
        ("pins", "user_auth"),
    ];
    let mut form: Vec<(&'static str, String)> =
        fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
    form.push(("csrf", csrf.to_owned()));
    form
}

async fn post_intake(session: &Session, form: &[(&'static str, String)]) -> reqwest::Response {
    session
        .client
        .post(format!("{}/cases/new", session.base))
        .header(COOKIE, &session.cookie)
        .form(form)
        .send()
        .await
        .unwrap()
}

both_backends! {
    async fn a_proxy_case_registered_through_the_intake_form_is_in_the_api_listing(app) {
        let session = sign_in(&app, Role::Clerk).await;
        let token = app.token_for(Role::Auditor).await;
        let html = session.page("/cases/new?path=optional_proxy").await;
        let csrf = csrf_in(&html);

        let mut bad = proxy_form(&csrf);
        bad.retain(|(k, _)| *k != "cardholder.address.postal_code");
        bad.push(("cardholder.address.postal_code", "12".to_owned()));
        let refused = post_intake(&session, &bad).await;
        let created = post_intake(&session, &proxy_form(&csrf)).await;

        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let again = refused.text().await.unwrap();
        assert!(again.contains("本人 郵便番号") || again.contains("本人 住所"), "{again}");
        assert!(again.contains("山田 太郎"), "what was typed is kept");
        assert_eq!(created.status(), StatusCode::SEE_OTHER);
        let location = created.headers()[LOCATION].to_str().unwrap().to_owned();
        let id: i64 = location.strip_prefix("/cases/").unwrap().parse().unwrap();
        let listed: Value = app
            .call(reqwest::Method::GET, "/api/cases", Some(&token), None)
            .await
            .json()
            .await
            .unwrap();
        let rows = listed["cases"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "only the valid form opened a case");
        assert_eq!(rows[0]["id"], id);
        assert_eq!(rows[0]["path"], "optional_proxy");
        let page = session.follow(&created).await;
        assert!(page.contains("受付しました"), "the flash message after the redirect");
    }
}

both_backends! {
    async fn an_applied_proxy_case_offers_a_clerk_the_letter_and_not_the_pin_change_and_the_letter_issues(app) {
        let session = sign_in(&app, Role::Clerk).await;
        let token = app.token_for(Role::Supervisor).await;
        let case = app.open_proxy_case(&token).await;
        let id = case["id"].as_i64().unwrap();

        let html = session.page(&format!("/cases/{id}")).await;

        assert!(html.contains("照会書を発行") && html.contains(r#"id="issue-letter-form""#));
        assert!(!html.contains(r#"id="pin-change-panel""#), "no PIN change before the response");
        assert!(!html.contains(r#"id="cancel-form""#), "cancelling is for supervisors");
        assert!(html.contains("佐藤\u{3000}花子"), "clerks see the parties");
        assert!(html.contains("<td>受付</td>"), "the timeline shows the intake");
        let issued = session
            .post(&format!("/cases/{id}/letters"), &[("version", &case["version"].to_string()), ("csrf", &csrf_in(&html))])
            .await;
        assert_eq!(issued.status(), StatusCode::SEE_OTHER);
        let after = session.follow(&issued).await;
        assert!(after.contains("照会書（1通目）を発行しました"), "{after}");
        assert!(after.contains("<td>照会書発行</td>"), "the timeline shows the letter");
        let pdf = session.get(&format!("/cases/{id}/letters/1/pdf")).await;
        assert_eq!(pdf.status(), StatusCode::OK);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
        let preview = session.page(&format!("/cases/{id}/letters/1")).await;
        assert!(preview.contains(&format!("/cases/{id}/letters/1/pdf")));
        let stale = session
            .post(&format!("/cases/{id}/letters"), &[("version", &case["version"].to_string()), ("csrf", &csrf_in(&html))])
            .await;
        assert_eq!(stale.status(), StatusCode::CONFLICT);
        assert!(stale.text().await.unwrap().contains("他の職員が先に更新しました"));
    }
}

both_backends! {
    async fn an_auditor_reads_a_case_without_action_forms_or_personal_data(app) {
        let session = sign_in(&app, Role::Auditor).await;
        let token = app.token_for(Role::Supervisor).await;
        let case = app.open_proxy_case(&token).await;
        let id = case["id"].as_i64().unwrap();

        let html = session.page(&format!("/cases/{id}")).await;
        let letter = session.get(&format!("/cases/{id}/letters/1/pdf")).await;
        let intake = session.get("/cases/new").await;

        assert!(html.contains(case["reference"].as_str().unwrap()));
        assert!(!html.contains(&format!(r#"action="/cases/{id}/"#)), "no action forms");
        assert!(html.contains("閲覧のみ"));
        assert!(!html.contains("佐藤\u{3000}花子") && !html.contains("山田\u{3000}太郎"));
        assert!(html.contains(r#"href="/audit""#), "auditors get the audit menu");
        assert_eq!(letter.status(), StatusCode::FORBIDDEN);
        assert_eq!(intake.status(), StatusCode::FORBIDDEN);
    }
}

both_backends! {
    async fn a_name_the_letter_cannot_print_is_refused_at_its_field_naming_the_character(app) {
        let session = sign_in(&app, Role::Clerk).await;
        let html = session.page("/cases/new?path=optional_proxy").await;
        let mut form = proxy_form(&csrf_in(&html));
        form.retain(|(k, _)| *k != "cardholder.name.name");
        form.push(("cardholder.name.name", "𠮷田 太郎".to_owned()));

        let refused = post_intake(&session, &form).await;

        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = refused.text().await.unwrap();
        assert!(page.contains("本人 氏名"), "the field is named: {page}");
        assert!(page.contains("「𠮷」（U+20BB7）"), "the character is named: {page}");
        assert!(page.contains("住民票に記載のとおり"), "{page}");
    }
}

both_backends! {
    async fn the_print_room_signs_in_to_the_batches_and_only_it_gets_the_print_file(app) {
        let token = app.token_for(Role::Clerk).await;
        crate::batches::case_with_letter(&app, &token, "160-0022").await;
        let batch = crate::batches::close_batch(&app, &token).await;
        let id = batch["id"].as_i64().unwrap();
        app.add_user("printer", Role::Printer).await;
        let clerk = sign_in(&app, Role::Supervisor).await;

        let login = post_login(&app, "printer", PASSWORD).await;
        let header = set_cookie(&login, "shokai_session").expect("a session cookie");
        let printer = Session {
            client: browser(),
            base: app.address.clone(),
            cookie: format!("shokai_session={}", cookie_value(&header)),
        };
        let printer_page = printer.page("/batches").await;
        let clerk_page = clerk.page("/batches").await;
        let clerk_file = clerk.get(&format!("/batches/{id}/print.pdf")).await;
        let printer_file = printer.get(&format!("/batches/{id}/print.pdf")).await;
        let printer_cases = printer.get("/cases").await;

        assert_eq!(login.headers()[LOCATION], "/batches", "the print room starts at the batches");
        assert!(printer_page.contains(&format!("id=\"batch-{id}-print\"")), "{printer_page}");
        assert!(!printer_page.contains("id=\"batch-close-form\""), "the print room does not close batches");
        assert!(!printer_page.contains("id=\"nav-cases\""), "nor read cases");
        assert!(!clerk_page.contains(&format!("id=\"batch-{id}-print\"")), "{clerk_page}");
        assert!(clerk_page.contains("印刷用PDF（印刷担当）"));
        assert_eq!(clerk_file.status(), StatusCode::FORBIDDEN);
        assert_eq!(printer_file.status(), StatusCode::OK);
        assert_eq!(printer_cases.status(), StatusCode::FORBIDDEN);
    }
}

both_backends! {
    async fn a_clerk_closes_a_batch_for_the_mailing_date_the_page_offers_or_another_one(app) {
        let token = app.token_for(Role::Clerk).await;
        crate::batches::case_with_letter(&app, &token, "160-0022").await;
        let clerk = sign_in(&app, Role::Supervisor).await;
        let page = clerk.page("/batches").await;
        assert!(page.contains(r#"id="batch-planned""#), "{page}");
        let planned = (chrono::Utc::now() + chrono::Duration::days(20))
            .date_naive()
            .to_string();

        let closed = clerk
            .post("/batches", &[("csrf", &csrf_in(&page)), ("planned_mailing_on", &planned)])
            .await;

        assert_eq!(closed.status(), StatusCode::SEE_OTHER);
        let batches: serde_json::Value = app
            .call(reqwest::Method::GET, "/api/batches", Some(&token), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(batches[0]["planned_mailing_on"], planned.as_str(), "{batches}");
    }
}

both_backends! {
    async fn a_same_day_case_shows_no_deadline_and_a_cancelled_cases_letter_reads_void(app) {
        let session = sign_in(&app, Role::Clerk).await;
        let supervisor = app.token_for(Role::Supervisor).await;
        let in_person = app.open_case(&supervisor, &crate::helpers::in_person_intake()).await;
        let html = session.page(&format!("/cases/{}", in_person["id"])).await;
        assert!(!html.contains("回答期限") && !html.contains("照会番号の誤入力"), "no mailing fields on a same-day path");

        let proxy = app.open_case_on_new_card(&supervisor, &crate::helpers::proxy_intake()).await;
        let id = proxy["id"].as_i64().unwrap();
        let body = serde_json::json!({ "version": 1 });
        let issued = app.call(reqwest::Method::POST, &format!("/api/cases/{id}/letters"), Some(&supervisor), Some(&body)).await;
        assert_eq!(issued.status(), StatusCode::CREATED);
        let open = session.page(&format!("/cases/{id}")).await;
        assert!(open.contains("<td>有効</td>"), "{open}");
        let cancel = serde_json::json!({ "version": 2, "reason": "申請取下げ" });
        let cancelled = app.call(reqwest::Method::POST, &format!("/api/cases/{id}/cancel"), Some(&supervisor), Some(&cancel)).await;
        assert_eq!(cancelled.status(), StatusCode::OK);
        let closed = session.page(&format!("/cases/{id}")).await;
        assert!(closed.contains("<td>無効</td>") && !closed.contains("<td>有効</td>"), "{closed}");
    }
}

both_backends! {
    async fn the_take_over_button_ends_the_proxy_case_and_opens_the_cardholders_own(app) {
        let session = sign_in(&app, Role::Clerk).await;
        let supervisor = app.token_for(Role::Supervisor).await;
        let proxy = app.open_proxy_case(&supervisor).await;
        let id = proxy["id"].as_i64().unwrap();
        let html = session.page(&format!("/cases/{id}")).await;
        assert!(html.contains(r#"id="take-over-form""#), "the case page offers the takeover");

        let taken = session
            .post(&format!("/cases/{id}/take-over"), &[("version", "1"), ("csrf", &csrf_in(&html))])
            .await;
        assert_eq!(taken.status(), StatusCode::SEE_OTHER);
        let opened = session.follow(&taken).await;
        assert!(opened.contains("本人来庁"), "{opened}");
        assert!(opened.contains(">本人<") || opened.contains("<dd>本人</dd>"), "the new case is in person: {opened}");
        let ended = session.page(&format!("/cases/{id}")).await;
        assert!(ended.contains("取消"), "{ended}");
    }
}
