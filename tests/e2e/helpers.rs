//! `TestApp`: one running `shokai serve` process and a typed HTTP client.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use reqwest::{Response, StatusCode};
use serde_json::Value;
use shokai_store::testing;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Every scan for a secret (PIN, verification code, key) goes through these:
/// whole values only, the matching line on failure (see `secrets`).
pub use crate::secrets::{assert_marker_found, assert_secret_absent, contains_whole};

/// A demo HMAC key (public; tests only).
pub const CODE_KEY: &str = "t1=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/// A running server and a client for it. The process is killed on drop.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The public status-page listener's `http://127.0.0.1:PORT`, when
    /// `SHOKAI_PUBLIC_BIND` is set.
    pub public_address: Option<String>,
    /// A plain client (no cookies, no default auth).
    pub client: reqwest::Client,
    env: Vec<(&'static str, String)>,
    child: Child,
    dir: tempfile::TempDir,
}

/// Defines a test run against both backends, as `<name>::sqlite` and
/// `<name>::postgres`. Without `SHOKAI_TEST_POSTGRES` the PostgreSQL half
/// records a skip (which `make test` counts and reports) and passes.
#[macro_export]
macro_rules! both_backends {
    ($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        $crate::both_backends_with! { &[]; $(#[$meta])* async fn $name($app) $body }
    };
}

/// [`both_backends!`] for servers started with `$settings` (a
/// `&[(&str, &str)]`) changed from [`base_env`].
#[macro_export]
macro_rules! both_backends_with {
    ($settings:expr; $(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($app: $crate::helpers::TestApp) $body

            #[tokio::test]
            async fn sqlite() {
                body($crate::helpers::TestApp::spawn_with($settings).await).await;
            }

            #[tokio::test]
            async fn postgres() {
                $crate::helpers::run_postgres_with(module_path!(), $settings, body).await;
            }
        }
    };
}

/// Staff roles, as the API and the CLI spell them (`code()`).
pub use shokai_workflow::Role;

/// The fingerprint of `fixtures/cards/cardholder.json`, the card in every
/// test server's terminal.
pub const CARD_FINGERPRINT: &str =
    "160752ed45d023edfd4171ed74a5d7fd5c358b906f387cd97d3636a505326648";

/// An optional-proxy application as a clerk would send it: 山田 太郎's
/// proxy 佐藤 花子 asks for the user_auth PIN.
pub fn proxy_intake() -> Value {
    use shokai_workflow::{
        Address, Cardholder, DateOfBirth, IdDocument, IdDocumentKind, PersonName, PinSet, Proxy,
        Representation,
    };
    let cardholder = Cardholder {
        name: PersonName::parse("山田 太郎", "ヤマダ タロウ").unwrap(),
        address: Address::parse("160-0022", "東京都", "新宿区", "新宿一丁目1番1号").unwrap(),
        date_of_birth: DateOfBirth::parse("1980-04-01").unwrap(),
        phone: None,
        adult_ward: false,
    };
    let representation = Representation::OptionalProxy(Proxy {
        person: PersonName::parse("佐藤 花子", "サトウ ハナコ").unwrap(),
        date_of_birth: DateOfBirth::parse("1985-06-15").unwrap(),
        id_document: IdDocument::parse(IdDocumentKind::PensionBook, false, "1234").unwrap(),
        second_id_document: None,
        phone: None,
        email: None,
    });
    serde_json::json!({
        "cardholder": cardholder,
        "representation": representation,
        "pins": PinSet::parse("user_auth").unwrap(),
    })
}

/// An in-person application for the user_auth PIN by 山田 太郎 himself.
pub fn in_person_intake() -> Value {
    let mut intake = proxy_intake();
    intake["representation"] = serde_json::json!({ "path": "in_person" });
    intake
}

/// The PINs of `fixtures/cards/cardholder.json` (see its README).
pub const SIGNATURE_PIN: &str = "ABC123";

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery staple";

/// The environment every test server starts with: a complete, valid set of
/// settings on a fresh SQLite file in `dir`, listening on a free port.
pub fn base_env(dir: &std::path::Path) -> Vec<(&'static str, String)> {
    // The simulated card in the counter's terminal: a copy, as every VERIFY
    // changes the file.
    let card = dir.join("card.json");
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/cards/cardholder.json");
    std::fs::copy(fixture, &card).expect("copy the card fixture");
    vec![
        (
            "SHOKAI_CARD_TERMINAL",
            format!("simulated:{}", card.display()),
        ),
        (
            "SHOKAI_DATABASE_URL",
            format!("sqlite://{}", dir.join("shokai.db").display()),
        ),
        ("SHOKAI_BIND", "127.0.0.1:0".into()),
        ("SHOKAI_LOG", "info".into()),
        ("SHOKAI_CODE_KEYS", CODE_KEY.into()),
        ("SHOKAI_OFFICE_NAME", "テスト区役所 区民課".into()),
        ("SHOKAI_OFFICE_HEAD", "テスト区長".into()),
        (
            "SHOKAI_OFFICE_ADDRESS",
            "〒100-0001 東京都テスト区1-1-1".into(),
        ),
        ("SHOKAI_OFFICE_PHONE", "03-0000-0000".into()),
        ("SHOKAI_OFFICE_HOURS", "平日 8:30〜17:15".into()),
        (
            "SHOKAI_LETTER_FONT",
            repo_file("templates/fonts/ipaexg.ttf"),
        ),
        (
            "SHOKAI_LETTER_TEMPLATE",
            repo_file("templates/letter/letter.toml"),
        ),
        ("SHOKAI_MAIL_TEMPLATES", repo_file("templates/mail")),
        ("SHOKAI_PRINT_DIR", dir.join("print").display().to_string()),
    ]
}

/// Absolute path of a file in the repository.
fn repo_file(relative: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
        .display()
        .to_string()
}

/// A `shokai` command with no `SHOKAI_*` variables inherited from the caller.
pub fn shokai_command(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shokai"));
    for (key, _) in std::env::vars() {
        if key.starts_with("SHOKAI_") {
            cmd.env_remove(key);
        }
    }
    cmd.current_dir(dir).kill_on_drop(true);
    cmd
}

impl TestApp {
    /// Starts a server on a fresh SQLite database.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(&[]).await
    }

    /// Starts a server with some settings changed from [`base_env`].
    pub async fn spawn_with(overrides: &[(&'static str, &str)]) -> TestApp {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut env = base_env(dir.path());
        env.retain(|(k, _)| !overrides.iter().any(|(o, _)| o == k));
        env.extend(overrides.iter().map(|(k, v)| (*k, (*v).to_owned())));
        TestApp::start(dir, env).await
    }

    /// Starts `shokai serve` in `dir` with exactly `env`.
    async fn start(dir: tempfile::TempDir, env: Vec<(&'static str, String)>) -> TestApp {
        let mut cmd = shokai_command(dir.path());
        cmd.arg("serve").envs(env.iter().map(|(k, v)| (*k, v)));
        cmd.stdout(Stdio::piped()).stdin(Stdio::null());
        // The log goes to a file the tests can search (see `server_log`),
        // or to the terminal with TEST_LOG.
        if std::env::var_os("TEST_LOG").is_some() {
            cmd.stderr(Stdio::inherit());
        } else {
            let log = std::fs::File::create(dir.path().join("server.log")).expect("log file");
            cmd.stderr(Stdio::from(log));
        }
        let mut child = cmd.spawn().expect("start shokai serve");
        let (address, public_address) = read_address(&mut child, &env).await;
        TestApp {
            address,
            public_address,
            client: reqwest::Client::new(),
            env,
            child,
            dir,
        }
    }

    /// Runs `shokai ARGS` against this server's database, feeding `stdin`;
    /// returns (exit code, stdout, stderr).
    pub async fn cli(&self, args: &[&str], stdin: &str) -> (Option<i32>, String, String) {
        self.cli_with(args, stdin, &[]).await
    }

    /// [`TestApp::cli`] with some settings changed for this command only.
    pub async fn cli_with(
        &self,
        args: &[&str],
        stdin: &str,
        overrides: &[(&str, &str)],
    ) -> (Option<i32>, String, String) {
        use tokio::io::AsyncWriteExt;
        let mut cmd = shokai_command(self.dir.path());
        cmd.args(args).envs(self.env.iter().map(|(k, v)| (*k, v)));
        cmd.envs(overrides.iter().copied());
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start shokai");
        let mut input = child.stdin.take().expect("piped stdin");
        // A command that refuses early may exit before reading its input.
        let _ = input.write_all(stdin.as_bytes()).await;
        drop(input);
        let out = child.wait_with_output().await.expect("shokai ran");
        (
            out.status.code(),
            String::from_utf8(out.stdout).expect("utf-8 stdout"),
            String::from_utf8(out.stderr).expect("utf-8 stderr"),
        )
    }

    /// Creates a user with [`PASSWORD`] through `shokai user add`.
    pub async fn add_user(&self, name: &str, role: Role) {
        let (code, _, stderr) = self
            .cli(
                &["user", "add", name, "--role", role.code()],
                &format!("{PASSWORD}\n"),
            )
            .await;
        assert_eq!(code, Some(0), "user add failed: {stderr}");
    }

    /// `POST /api/session`.
    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/session"))
            .json(&serde_json::json!({ "username": username, "password": password }))
            .send()
            .await
            .expect("request reaches the server")
    }

    /// A user of `role` (named after it), logged in: its bearer token.
    pub async fn token_for(&self, role: Role) -> String {
        self.add_user(role.code(), role).await;
        let response = self.login(role.code(), PASSWORD).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.expect("session JSON");
        body["token"].as_str().expect("a token").to_owned()
    }

    /// Everything the server has logged so far (empty with TEST_LOG, which
    /// sends the log to the terminal instead).
    pub fn server_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The server's log for a secret scan, checked to be this server's (it
    /// holds the address the server listens on), so a scan of it cannot pass
    /// by reading nothing; `None` under TEST_LOG, which sends the log to the
    /// terminal and leaves nothing to scan.
    pub fn scannable_log(&self) -> Option<String> {
        if std::env::var_os("TEST_LOG").is_some() {
            return None;
        }
        let log = self.server_log();
        let listening = self
            .address
            .split_once("://")
            .map_or(self.address.as_str(), |(_, a)| a);
        assert_marker_found("the server log", &log, listening);
        Some(log)
    }

    /// The server process's peak resident set so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        let pid = self.child.id().expect("the server runs");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/PID/status")
    }

    /// The simulated card file in this server's terminal.
    pub fn card_path(&self) -> PathBuf {
        self.dir.path().join("card.json")
    }

    /// Puts another cardholder's card in the terminal, as the next person at
    /// the counter hands theirs over (a card has at most one open case): a
    /// card with the PINs of `fixtures/cards/cardholder.json` and a
    /// certificate of its own, made from `seed`. Returns its fingerprint.
    pub fn insert_new_card(&self, seed: &str) -> String {
        crate::cards::write_card(&self.card_path(), seed)
    }

    /// Registers [`proxy_intake`] as `token`'s user; returns the new case.
    pub async fn open_proxy_case(&self, token: &str) -> Value {
        self.open_case(token, &proxy_intake()).await
    }

    /// Registers `intake` as `token`'s user for a cardholder whose card is
    /// put in the terminal first ([`TestApp::insert_new_card`]): for tests
    /// that keep several cases open at once.
    pub async fn open_case_on_new_card(&self, token: &str, intake: &Value) -> Value {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.insert_new_card(&format!("e2e-card-{n}"));
        self.open_case(token, intake).await
    }

    /// Registers `intake` as `token`'s user; returns the new case.
    pub async fn open_case(&self, token: &str, intake: &Value) -> Value {
        let response = self
            .call(
                reqwest::Method::POST,
                "/api/cases",
                Some(token),
                Some(intake),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.expect("case JSON")
    }

    /// `method path` with a bearer token and an optional JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request reaches the server")
    }

    /// The database this server runs on (`SHOKAI_DATABASE_URL`).
    pub fn database_url(&self) -> &str {
        self.env
            .iter()
            .find(|(k, _)| *k == "SHOKAI_DATABASE_URL")
            .map(|(_, v)| v.as_str())
            .expect("every test server has a database URL")
    }

    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// `GET path` without credentials.
    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request reaches the server")
    }

    /// Stops the server with SIGTERM and returns its exit status.
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().expect("server still running");
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        self.child.wait().await.expect("server exits")
    }
}

/// Reads stdout until the server prints where it listens (and, when `env`
/// sets `SHOKAI_PUBLIC_BIND`, where its public status page listens). The
/// wait is bounded only so a broken server fails the test instead of
/// hanging it.
async fn read_address(
    child: &mut Child,
    env: &[(&'static str, String)],
) -> (String, Option<String>) {
    let public = env.iter().any(|(k, _)| *k == "SHOKAI_PUBLIC_BIND");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let wait = async {
        let (mut staff, mut public_address) = (None, None);
        while let Some(line) = lines.next_line().await.expect("read server stdout") {
            if let Some(addr) = line.strip_prefix("shokai listening on ") {
                staff = Some(addr.trim().to_owned());
            } else if let Some(addr) = line.strip_prefix("shokai: public status page on ") {
                public_address = Some(addr.trim().to_owned());
            }
            if let Some(staff) = staff
                .as_ref()
                .filter(|_| !public || public_address.is_some())
            {
                return (staff.clone(), public_address);
            }
        }
        panic!("shokai serve exited before listening (run with TEST_LOG=1 to see why)");
    };
    let address = tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .expect("shokai serve did not start listening");
    // Keep draining stdout so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    address
}

/// Asserts the status and the `code` of an error response, returning the body.
pub async fn assert_error(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status, "unexpected status");
    let body: Value = response.json().await.expect("a JSON error body");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["message"].is_string(), "{body}");
    body
}

/// Runs `body` against a server on a fresh PostgreSQL database (created on
/// the server `SHOKAI_TEST_POSTGRES` names, dropped afterwards, also when
/// `body` panics), or records a skip for `make test` when it is not set.
pub async fn run_postgres<F, Fut>(test: &str, body: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    run_postgres_with(test, &[], body).await;
}

/// Waits, when the date in Japan (where the server counts its days) would
/// change within `span`, until it has changed: for a test that compares
/// "today" across several requests, which would fail by chance if it ran
/// across midnight in Japan (15:00 UTC).
pub async fn same_japan_day_for(span: Duration) {
    use chrono::Timelike;
    let japan = chrono::FixedOffset::east_opt(9 * 3600).expect("UTC+9");
    let now = chrono::Utc::now().with_timezone(&japan);
    let into_the_day = Duration::new(
        u64::from(now.num_seconds_from_midnight()),
        now.nanosecond() % 1_000_000_000,
    );
    let left = Duration::from_secs(24 * 3600).saturating_sub(into_the_day);
    if left < span {
        tokio::time::sleep(left + Duration::from_millis(100)).await;
    }
}

/// The text of a PDF as poppler's `pdftotext` extracts it (poppler-utils,
/// installed by `.ci/run`).
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("document.pdf");
    std::fs::write(&path, pdf).expect("write the PDF");
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs (install poppler-utils)");
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("pdftotext writes UTF-8")
}

impl TestApp {
    /// The directory the server runs in: its SQLite files (database, WAL,
    /// shared memory), its log and the simulated card.
    pub fn data_dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Stops the server with SIGTERM, waits for it to exit, and keeps its
    /// directory (unlike [`TestApp::terminate`]) for the test to inspect.
    pub async fn stop(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().expect("server still running");
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        self.child.wait().await.expect("server exits")
    }

    /// Starts the server again after [`TestApp::stop`], on the same
    /// database and settings (it listens on a new port).
    pub async fn start_again(&mut self) {
        let mut cmd = shokai_command(self.dir.path());
        cmd.arg("serve").envs(self.env.iter().map(|(k, v)| (*k, v)));
        cmd.stdout(Stdio::piped()).stdin(Stdio::null());
        if std::env::var_os("TEST_LOG").is_some() {
            cmd.stderr(Stdio::inherit());
        } else {
            let log = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(self.dir.path().join("server.log"))
                .expect("log file");
            cmd.stderr(Stdio::from(log));
        }
        self.child = cmd.spawn().expect("start shokai serve again");
        (self.address, self.public_address) = read_address(&mut self.child, &self.env).await;
    }
}

/// [`run_postgres`] with some settings changed from [`base_env`] (the
/// database URL is always the fresh test database's).
pub async fn run_postgres_with<F, Fut>(test: &str, overrides: &[(&'static str, &str)], body: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let Ok(admin_url) = std::env::var(testing::POSTGRES_ENV) else {
        testing::record_postgres_skip(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")), test);
        return;
    };
    let db = testing::PostgresTestDatabase::create(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("{} is set but unusable: {e}", testing::POSTGRES_ENV));
    let mut settings = vec![("SHOKAI_DATABASE_URL", db.url())];
    settings.extend(overrides.iter().copied());
    let app = TestApp::spawn_with(&settings).await;
    // The server process dies with `app` at the end of `body`; FORCE closes
    // any connection it left behind.
    let outcome = tokio::spawn(body(app)).await;
    db.drop_database().await.expect("drop the test database");
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

impl TestApp {
    /// Starts a second server on this one's database and print directory,
    /// with a card terminal of its own: another counter PC of the same
    /// office. `overrides` change its settings further.
    pub async fn spawn_sibling(&self, overrides: &[(&'static str, &str)]) -> TestApp {
        let dir = tempfile::tempdir().expect("temporary directory");
        let card = dir.path().join("card.json");
        std::fs::copy(self.card_path(), &card).expect("copy the card");
        let mut env = self.env.clone();
        env.retain(|(k, _)| *k != "SHOKAI_CARD_TERMINAL" && !overrides.iter().any(|(o, _)| o == k));
        env.push((
            "SHOKAI_CARD_TERMINAL",
            format!("simulated:{}", card.display()),
        ));
        env.extend(overrides.iter().map(|(k, v)| (*k, (*v).to_owned())));
        TestApp::start(dir, env).await
    }

    /// The process id of the server (the job leases name their holder by it).
    pub fn pid(&self) -> u32 {
        self.child.id().expect("server still running")
    }
}
