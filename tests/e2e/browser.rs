//! The clerk's day in a real browser: headless Chromium driven through
//! chromedriver (WebDriver) with fantoccini. As the demo clerk it logs in,
//! registers an optional-proxy case, issues the letter, closes the print
//! batch, marks it mailed, records the returned response and changes the
//! PIN at the counter — all by filling in and submitting the pages' forms,
//! with no JavaScript of our own. A screenshot of every page goes to
//! `target/screenshots/` to be looked at.
//!
//! Needs Debian's `chromium` and `chromium-driver` (installed by `.ci/run`,
//! which also sets `SHOKAI_REQUIRE_BROWSER=1` so that a missing browser
//! fails there). Elsewhere a missing browser skips the test with a note that
//! `make test` prints.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::helpers::{self, PASSWORD, Role, TestApp};

/// Where chromedriver and chromium live on Debian.
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A chromedriver process, killed on drop, and a browser session on it.
struct Browser {
    client: Client,
    _driver: Child,
    shots: PathBuf,
    taken: usize,
}

impl Browser {
    /// Starts chromedriver on a port it picks itself and a headless
    /// Chromium session.
    async fn start(name: &str) -> Browser {
        let mut driver = Command::new(CHROMEDRIVER);
        // Port 0: no window between finding a free port and binding it, in
        // which another test or process could take it.
        driver
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        let mut driver = driver.spawn().expect("start chromedriver");
        let port = listening_port(&mut driver).await;
        let url = format!("http://127.0.0.1:{port}");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,1000",
                         "--lang=ja-JP"],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&url)
            .await
            .expect("open a Chromium session through chromedriver");
        let shots = screenshot_dir().join(name);
        std::fs::create_dir_all(&shots).expect("create the screenshot directory");
        Browser {
            client,
            _driver: driver,
            shots,
            taken: 0,
        }
    }

    /// Saves a full-window screenshot as `NN-label.png`.
    async fn shot(&mut self, label: &str) {
        self.taken += 1;
        let png = self.client.screenshot().await.expect("take a screenshot");
        let path = self.shots.join(format!("{:02}-{label}.png", self.taken));
        std::fs::write(&path, png).expect("write the screenshot");
    }

    async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    /// Types `text` into the field with this `id` (clearing it first).
    async fn fill(&self, id: &str, text: &str) {
        let field = self.by_id(id).await;
        field.clear().await.expect("clear the field");
        field.send_keys(text).await.expect("type into the field");
    }

    /// Clicks the element with this `id` (a button submits its form).
    async fn click(&self, id: &str) {
        self.by_id(id).await.click().await.expect("click");
    }

    async fn by_id(&self, id: &str) -> fantoccini::elements::Element {
        let css = format!("[id=\"{id}\"]");
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(&css))
            .await
        {
            Ok(element) => element,
            Err(e) => panic!(
                "no element #{id} on {}: {e}\n{}",
                self.page_url().await,
                self.page_text().await
            ),
        }
    }

    /// Waits up to 10 s for the page's source to contain `needle`.
    async fn wait_for_text(&self, needle: &str) {
        for _ in 0..100 {
            if self.page_source().await.contains(needle) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no \"{needle}\" on the page:\n{}", self.page_text().await);
    }

    /// The text of the element with this `id`.
    async fn text(&self, id: &str) -> String {
        self.by_id(id).await.text().await.expect("read the text")
    }

    async fn page_url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    async fn page_source(&self) -> String {
        self.client.source().await.expect("read the page source")
    }

    async fn close(self) {
        self.client
            .close()
            .await
            .expect("close the browser session");
    }
}

/// `target/screenshots`, next to the test binaries' temporary directory.
fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .join("screenshots")
}

/// Reads chromedriver's stdout until it says where it listens ("ChromeDriver
/// was started successfully on port N."), then keeps draining it so that
/// chromedriver never blocks on a full pipe. The wait is bounded only so a
/// broken driver fails the test instead of hanging it.
async fn listening_port(driver: &mut Child) -> u16 {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let stdout = driver.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let wait = async {
        while let Some(line) = lines.next_line().await.expect("read chromedriver's output") {
            if let Some((_, port)) = line.split_once("started successfully on port ") {
                return port
                    .trim_end_matches('.')
                    .parse::<u16>()
                    .unwrap_or_else(|_| panic!("a port number in {line:?}"));
            }
        }
        panic!("chromedriver exited before listening");
    };
    let port = tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .expect("chromedriver did not start listening");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    port
}

/// Whether the browser is here; without it the test is skipped (and
/// recorded for `make test` to report) unless `SHOKAI_REQUIRE_BROWSER` says
/// it must run.
fn browser_available(test: &str) -> bool {
    let present = Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists();
    if present {
        return true;
    }
    assert!(
        std::env::var_os("SHOKAI_REQUIRE_BROWSER").is_none(),
        "SHOKAI_REQUIRE_BROWSER is set but {CHROMIUM} or {CHROMEDRIVER} is missing \
         (apt-get install chromium chromium-driver)"
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("shokai-browser-skipped");
    std::fs::create_dir_all(&dir).expect("create the skip record directory");
    std::fs::write(dir.join(test), b"").expect("record the skipped browser test");
    false
}

impl Browser {
    /// Types into the input named `name`.
    async fn fill_name(&self, name: &str, text: &str) {
        let css = format!("[name=\"{name}\"]");
        let field = self
            .client
            .find(Locator::Css(&css))
            .await
            .unwrap_or_else(|e| panic!("no field named {name}: {e}"));
        field.clear().await.expect("clear the field");
        field.send_keys(text).await.expect("type into the field");
    }

    /// Sets a `type="date"` input: typing a date depends on the browser's
    /// locale, so the test sets the value the way a date picker would.
    async fn set_date(&self, name: &str, iso: &str) {
        let css = format!("[name=\"{name}\"]");
        let field = self
            .client
            .find(Locator::Css(&css))
            .await
            .unwrap_or_else(|e| panic!("no date field named {name}: {e}"));
        let arg = serde_json::to_value(&field).expect("an element reference");
        self.client
            .execute("arguments[0].value = arguments[1];", vec![arg, json!(iso)])
            .await
            .expect("set the date");
    }

    /// Ticks the checkbox with this name (and value).
    async fn tick(&self, name: &str, value: &str) {
        let css = format!("input[name=\"{name}\"][value=\"{value}\"]");
        let box_ = self
            .client
            .find(Locator::Css(&css))
            .await
            .unwrap_or_else(|e| panic!("no checkbox {name}={value}: {e}"));
        if !box_.is_selected().await.expect("read the checkbox") {
            box_.click().await.expect("tick the checkbox");
        }
    }

    /// Chooses `value` in the select named `name`.
    async fn choose(&self, name: &str, value: &str) {
        let css = format!("select[name=\"{name}\"]");
        self.client
            .find(Locator::Css(&css))
            .await
            .unwrap_or_else(|e| panic!("no select named {name}: {e}"))
            .select_by_value(value)
            .await
            .expect("choose the option");
    }

    /// The flash message after a redirect, or the page's error box.
    async fn page_text(&self) -> String {
        self.client
            .find(Locator::Css("main"))
            .await
            .expect("the page's main element")
            .text()
            .await
            .expect("read the page")
    }
}

/// The optional-proxy application of `helpers::proxy_intake`, typed into the
/// intake form the way a clerk would (with the proxy's e-mail address).
async fn register_proxy_case(browser: &mut Browser) {
    for (name, _) in [
        ("doc_card", ""),
        ("doc_proxy_id", ""),
        ("doc_explained", ""),
    ] {
        browser.tick(name, "1").await;
    }
    fill_cardholder(browser).await;
    for (name, value) in [
        ("representation.person.name", "佐藤 花子"),
        ("representation.person.kana", "サトウ ハナコ"),
        ("representation.id_document.number_last4", "1234"),
        ("representation.phone", "090-1234-5678"),
        ("representation.email", "hanako@example.jp"),
    ] {
        browser.fill_name(name, value).await;
    }
    browser
        .set_date("representation.date_of_birth", "1985-06-15")
        .await;
    browser
        .choose("representation.id_document.kind", "pension_book")
        .await;
    browser.tick("pins", "user_auth").await;
}

#[tokio::test]
async fn a_clerk_takes_an_optional_proxy_case_from_intake_to_pin_set_in_the_browser() {
    if !browser_available("browser_flow") {
        return;
    }
    let app = TestApp::spawn().await;
    app.add_user("clerk", Role::Clerk).await;
    let mut browser = Browser::start("clerk-flow").await;

    // Log in.
    browser.goto(&app.url("/login")).await;
    browser.shot("login").await;
    browser.fill("username", "clerk").await;
    browser.fill("password", PASSWORD).await;
    browser.click("login-submit").await;
    browser.by_id("case-filter").await;
    browser.shot("case-list-empty").await;

    // Register the application at the counter.
    browser
        .goto(&app.url("/cases/new?path=optional_proxy"))
        .await;
    register_proxy_case(&mut browser).await;
    browser.shot("intake-filled").await;
    browser.click("intake-submit").await;
    let state = browser.text("case-state").await;
    assert_eq!(state, "受付済", "{}", browser.page_text().await);
    let reference = browser.text("case-reference").await;
    browser.shot("case-applied").await;

    // Issue the inquiry letter.
    browser.click("issue-letter").await;
    browser.by_id("letter-1-preview").await;
    browser.shot("case-letter-issued").await;
    browser.click("letter-1-preview").await;
    browser.shot("letter-preview").await;
    let note = browser.text("letter-copy-note").await;
    assert!(
        note.contains("伏せています"),
        "the page says the copy hides the code: {note}"
    );

    // The clerk's copy hides the code; it reaches the proxy only on paper,
    // printed from the print room's file (read off it below).
    clerks_copy_has_no_code(&app, &browser).await;

    let code = close_and_mail_the_batch(&mut browser, &app).await;
    record_the_response(&mut browser, &app, &reference, &code).await;
    // A complete response with the right code leads straight to the counter
    // PIN change for the case.
    browser.by_id("pin-change-form").await;
    let page = browser.page_text().await;
    assert!(page.contains("回答書受理"), "{page}");
    browser.shot("response-recorded-pin-change").await;

    // Change the PIN at the counter, with the card in the terminal.
    browser.fill("user_auth-current", "1234").await;
    browser.fill("user_auth-new", "9876").await;
    browser.fill("user_auth-confirm", "9876").await;
    browser.shot("pin-change-filled").await;
    browser.click("pin-change-submit").await;
    let state = browser.text("case-state").await;
    assert_eq!(state, "暗証番号変更完了", "{}", browser.page_text().await);
    browser.shot("case-pin-set").await;
    let timeline = browser.text("timeline").await;
    assert!(timeline.contains("clerk"), "{timeline}");
    helpers::assert_secret_absent(
        "the case page after the PIN change",
        browser.page_source().await,
        "9876",
    );

    browser.close().await;
    let card: Value =
        serde_json::from_str(&std::fs::read_to_string(app.card_path()).unwrap()).unwrap();
    assert_eq!(card["pins"]["user_auth"]["tries_left"], 3);
}

/// The verification code printed on the case's first letter, read the way
/// the print room's copy shows it (the kept PDF, before mailing blanks it).
async fn clerks_copy_has_no_code(app: &TestApp, browser: &Browser) {
    let cookies = browser
        .client
        .get_all_cookies()
        .await
        .expect("read the browser's cookies");
    let header = cookies
        .iter()
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect::<Vec<_>>()
        .join("; ");
    let url = browser.page_url().await;
    let pdf_url = format!("{}/pdf", url.trim_end_matches('/'));
    let pdf = app
        .client
        .get(&pdf_url)
        .header("cookie", header)
        .send()
        .await
        .expect("download the letter")
        .bytes()
        .await
        .expect("the letter's bytes");
    assert!(
        pdf.starts_with(b"%PDF"),
        "the letter preview links its PDF at {pdf_url}"
    );
    let text = helpers::pdf_text(&pdf);
    assert_eq!(
        crate::flow::code_in_letter(&text),
        None,
        "a clerk's copy has the code blanked: {text}"
    );
}

/// 発送バッチ: close the batch now, then mark it mailed today.
/// The print room downloads the print file (its own login, over the API)
/// and reads the code off it, as the cardholder will read it off paper.
async fn close_and_mail_the_batch(browser: &mut Browser, app: &TestApp) -> String {
    browser.goto(&app.url("/batches")).await;
    assert!(browser.text("batch-waiting").await.starts_with('1'));
    browser.click("batch-close").await;
    browser.by_id("batch-1-mailed").await;
    browser.shot("batch-closed").await;
    let printer = app.token_for(Role::Printer).await;
    let print = app
        .call(
            reqwest::Method::GET,
            "/api/batches/1/print.pdf",
            Some(&printer),
            None,
        )
        .await;
    assert_eq!(print.status(), reqwest::StatusCode::OK);
    let text = helpers::pdf_text(&print.bytes().await.expect("the print file"));
    let code = crate::flow::code_in_letter(&text).expect("the print file prints the code");
    browser.click("batch-1-mailed").await;
    // Marking mailed deletes the print file: a confirmation page first.
    browser.by_id("confirm-consequence").await;
    browser.shot("batch-mailed-confirm").await;
    browser.click("confirm").await;
    browser.by_id("batch-1-letters").await;
    browser.shot("batch-mailed").await;
    code
}

/// 回答受付: the proxy is back; scan the QR code, tick the checklist, submit.
async fn record_the_response(browser: &mut Browser, app: &TestApp, reference: &str, code: &str) {
    browser.goto(&app.url("/response")).await;
    browser
        .fill("response-lookup", &format!("SHOKAI:{reference}:{code}"))
        .await;
    browser.click("response-lookup-submit").await;
    browser.by_id("response-form").await;
    for name in [
        "card_presented",
        "response_form_signed",
        "power_of_attorney_complete",
        "power_of_attorney_names_proxy",
        "envelope_sealed",
    ] {
        browser.tick(name, "1").await;
    }
    // The proxy shows a photo ID at the second visit.
    browser.choose("proxy_id_kind", "drivers_licence").await;
    browser.fill("response-id-last4", "5678").await;
    browser.shot("response-filled").await;
    browser.click("response-submit").await;
}

/// 本人: 山田 太郎 at the counter himself, for the user_auth PIN.
async fn register_in_person_case(browser: &mut Browser) {
    for name in ["doc_card", "doc_identity"] {
        browser.tick(name, "1").await;
    }
    fill_cardholder(browser).await;
    browser.tick("pins", "user_auth").await;
}

/// 山田 太郎's name, address and date of birth, as on his resident record.
async fn fill_cardholder(browser: &Browser) {
    for (name, value) in [
        ("cardholder.name.name", "山田 太郎"),
        ("cardholder.name.kana", "ヤマダ タロウ"),
        ("cardholder.address.postal_code", "160-0022"),
        ("cardholder.address.prefecture", "東京都"),
        ("cardholder.address.city", "新宿区"),
        ("cardholder.address.rest", "新宿一丁目1番1号"),
    ] {
        browser.fill_name(name, value).await;
    }
    browser
        .set_date("cardholder.date_of_birth", "1980-04-01")
        .await;
}

/// The cardholder's guesses at the counter block the user_auth PIN (the
/// page warns before the last try).
async fn block_the_pin_at_the_counter(browser: &Browser) {
    browser.click("pin-change").await;
    // Each wrong try redraws the same page: wait for what only the new
    // drawing says before typing again.
    for after in ["あと2回", "あと1回", ""] {
        browser.fill("user_auth-current", "0000").await;
        browser.fill("user_auth-new", "9876").await;
        browser.fill("user_auth-confirm", "9876").await;
        browser.click("pin-change-submit").await;
        if !after.is_empty() {
            browser.wait_for_text(after).await;
        }
    }
}

#[tokio::test]
async fn a_clerk_resets_a_pin_blocked_at_the_counter_in_one_click_in_the_browser() {
    if !browser_available("browser_reset") {
        return;
    }
    let app = TestApp::spawn().await;
    app.add_user("clerk", Role::Clerk).await;
    let mut browser = Browser::start("clerk-reset").await;
    browser.goto(&app.url("/login")).await;
    browser.fill("username", "clerk").await;
    browser.fill("password", PASSWORD).await;
    browser.click("login-submit").await;
    browser.by_id("case-filter").await;

    browser.goto(&app.url("/cases/new?path=in_person")).await;
    register_in_person_case(&mut browser).await;
    browser.click("intake-submit").await;
    assert_eq!(browser.text("case-state").await, "受付済");
    let blocked_reference = browser.text("case-reference").await;

    block_the_pin_at_the_counter(&browser).await;
    assert_eq!(
        browser.text("case-state").await,
        "変更不能",
        "{}",
        browser.page_text().await
    );
    browser.shot("case-failed-reset-offered").await;

    // One click: the reset case for the same cardholder and card.
    browser.click("start-reset").await;
    // Wait for the new case's page: the failed case has the same summary
    // ids but never a PIN-change action.
    browser.by_id("pin-change").await;
    assert_eq!(
        browser.text("case-procedure").await,
        "暗証番号の再設定（初期化）"
    );
    assert_ne!(browser.text("case-reference").await, blocked_reference);
    assert!(
        browser.text("pin-change-panel").await.contains("初期化"),
        "the reset case offers a reset, not a change"
    );
    browser.shot("reset-case-applied").await;
    browser.click("pin-change").await;
    browser.by_id("pin-reset-hint").await;
    let form = browser.page_source().await;
    assert!(
        !form.contains("user_auth_current"),
        "a reset asks no current PIN"
    );
    browser.shot("reset-form").await;
    browser.fill("user_auth-new", "2580").await;
    browser.fill("user_auth-confirm", "2580").await;
    browser.click("pin-change-submit").await;
    assert_eq!(
        browser.text("case-state").await,
        "暗証番号変更完了",
        "{}",
        browser.page_text().await
    );
    browser.close().await;

    let card: Value =
        serde_json::from_str(&std::fs::read_to_string(app.card_path()).unwrap()).unwrap();
    assert_eq!(
        card["pins"]["user_auth"]["tries_left"], 3,
        "the reset lifted the lock"
    );
}

/// Signs in through the login page as `user` (created with [`PASSWORD`]).
async fn sign_in(browser: &mut Browser, app: &TestApp, user: &str) {
    browser.goto(&app.url("/login")).await;
    browser.fill("username", user).await;
    browser.fill("password", PASSWORD).await;
    browser.click("login-submit").await;
    browser.by_id("logout").await;
}

/// Whether every image on the page has loaded and has a size (a broken
/// chart or preview has none).
async fn images_loaded(browser: &Browser) -> bool {
    let loaded = browser
        .client
        .execute(
            "const imgs = Array.from(document.images);
             return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0);",
            vec![],
        )
        .await
        .expect("run the image check");
    loaded == json!(true)
}

/// The intake page with nothing typed: every missing field is named at once,
/// beside its input, and the address counter counts before the limit.
async fn intake_errors_and_counter(browser: &mut Browser, app: &TestApp) {
    browser
        .goto(&app.url("/cases/new?path=optional_proxy"))
        .await;
    browser
        .fill_name("cardholder.address.rest", &"一".repeat(50))
        .await;
    let counter = browser.text("cardholder-address-rest-count").await;
    assert_eq!(counter, "50/48文字", "the counter follows the typing");
    browser.click("intake-submit").await;
    let summary = browser.text("intake-error").await;
    for expected in [
        "本人 氏名",
        "本人 生年月日",
        "本人 郵便番号",
        "48文字まで",
        "代理人 氏名",
    ] {
        assert!(summary.contains(expected), "{expected} in {summary}");
    }
    assert!(summary.contains("件を確認してください"), "{summary}");
    assert!(
        browser
            .page_source()
            .await
            .contains("cardholder-address-rest-error"),
        "the address error sits beside its field"
    );
    browser.shot("intake-every-error-at-once").await;
}

/// The case page points at the next step; 取消 asks first, and 戻る
/// changes nothing; once the letter is issued the next step is the batch.
async fn case_page_next_steps_and_confirmation(browser: &mut Browser, app: &TestApp, id: i64) {
    browser.goto(&app.url(&format!("/cases/{id}"))).await;
    assert!(browser.text("next-step").await.contains("照会書の発行"));
    browser.shot("case-next-step").await;
    browser.fill("cancel-reason", "本人から取下げの申出").await;
    browser.click("cancel").await;
    assert!(
        browser
            .text("confirm-consequence")
            .await
            .contains("元に戻せません")
    );
    browser.shot("cancel-confirm").await;
    browser.click("confirm-back").await;
    assert_eq!(
        browser.text("case-state").await,
        "受付済",
        "戻る changes nothing"
    );

    // The letter issued: the next step is the batch.
    browser.click("issue-letter").await;
    browser.by_id("letter-1-preview").await;
    assert!(browser.text("next-step").await.contains("発送バッチ"));
    browser.shot("case-next-step-batch").await;

    // The receipt and the letter, previewed as pictures drawn on the server.
    browser.click("receipt-preview-link").await;
    browser.by_id("preview-heading").await;
    assert!(images_loaded(browser).await, "the receipt picture loads");
    browser.shot("receipt-preview").await;
    browser
        .goto(&app.url(&format!("/cases/{id}/letters/1")))
        .await;
    browser.by_id("preview-heading").await;
    assert!(images_loaded(browser).await, "both letter pages load");
    browser.shot("letter-preview-pictures").await;
}

#[tokio::test]
async fn every_other_page_a_user_meets_renders_in_the_browser() {
    if !browser_available("browser_pages") {
        return;
    }
    let app = TestApp::spawn().await;
    for role in [Role::Supervisor, Role::Auditor] {
        app.add_user(role.code(), role).await;
    }
    let clerk = app.token_for(Role::Clerk).await;
    let case = app.open_proxy_case(&clerk).await;
    let (id, reference) = (
        case["id"].as_i64().unwrap(),
        case["reference"].as_str().unwrap().to_owned(),
    );
    let mut browser = Browser::start("every-page").await;

    sign_in(&mut browser, &app, "supervisor").await;
    intake_errors_and_counter(&mut browser, &app).await;

    case_page_next_steps_and_confirmation(&mut browser, &app, id).await;

    // The case list, the response page with the names to check, the report.
    browser.goto(&app.url("/cases")).await;
    browser.shot("case-list").await;
    browser
        .goto(&app.url(&format!("/response?reference={reference}")))
        .await;
    browser.shot("response-lookup").await;
    browser.goto(&app.url("/reports")).await;
    browser.by_id("report-states").await;
    assert!(images_loaded(&browser).await, "every chart loads");
    browser.shot("reports").await;

    // Audit staff: the log in Japanese.
    browser.click("logout").await;
    sign_in(&mut browser, &app, "auditor").await;
    browser.goto(&app.url("/audit")).await;
    let table = browser.text("audit-table").await;
    assert!(
        table.contains("受付済") && !table.contains("applied"),
        "{table}"
    );
    browser.shot("audit").await;
    // The access log: the supervisor's views of the case page are there.
    browser.goto(&app.url("/audit/access")).await;
    let reads = browser.text("access-table").await;
    assert!(
        reads.contains(&reference) && reads.contains("supervisor"),
        "{reads}"
    );
    browser.shot("access-log").await;

    // The proxies' public status page.
    browser.click("logout").await;
    browser.goto(&app.url("/status")).await;
    browser.shot("status").await;
    browser.close().await;
}
