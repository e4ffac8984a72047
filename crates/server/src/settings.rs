//! Typed settings, read once at start-up and checked before anything listens.
//!
//! Sources, later wins: an optional file in dotenv format (`--config FILE` or
//! `SHOKAI_CONFIG`; the committed `.env.example` is a template for it), then
//! the process environment. Every key is `SHOKAI_*`; an empty value counts as
//! unset, so the template can list optional keys blank. The file may only hold
//! known keys (a typo there is an error); unknown `SHOKAI_*` environment
//! variables are ignored because tests and tools set their own.
//!
//! Secrets (the database URL, which may carry a password; HMAC code keys; the
//! SMTP password) are wrapped in `secrecy` types: `Debug` prints them as
//! redacted and nothing here implements `Display` for them.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use chrono::NaiveTime;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use shokai_workflow::{CodeKeyring, IdRequirement, KeyringError};

/// Where the database lives when `SHOKAI_DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/shokai.db";
/// Where audit checkpoints go when `SHOKAI_AUDIT_CHECKPOINT_DIR` is not set.
pub const DEFAULT_CHECKPOINT_DIR: &str = "data/audit-checkpoints";
/// Where print files are kept when `SHOKAI_PRINT_DIR` is not set.
pub const DEFAULT_PRINT_DIR: &str = "data/print";
/// Where `serve` listens when `SHOKAI_BIND` is not set.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// Shortest HMAC key accepted (the workflow's code keyring insists on it too).
pub const MIN_CODE_KEY_BYTES: usize = 32;

/// Every key the settings understand; a settings file may hold no other.
pub const KEYS: &[&str] = &[
    "SHOKAI_DATABASE_URL",
    "SHOKAI_BIND",
    "SHOKAI_PUBLIC_BIND",
    "SHOKAI_LOG",
    "SHOKAI_CODE_KEYS",
    "SHOKAI_CODE_KEY_CURRENT",
    "SHOKAI_OFFICE_NAME",
    "SHOKAI_OFFICE_HEAD",
    "SHOKAI_OFFICE_POSTAL_CODE",
    "SHOKAI_OFFICE_ADDRESS",
    "SHOKAI_OFFICE_PHONE",
    "SHOKAI_OFFICE_HOURS",
    "SHOKAI_DEADLINE_DAYS",
    "SHOKAI_ID_PROXY_APPLICATION",
    "SHOKAI_ID_PROXY_RESPONSE",
    "SHOKAI_ID_LEGAL_REPRESENTATIVE",
    "SHOKAI_BATCH_CUTOFF",
    "SHOKAI_SESSION_HOURS",
    "SHOKAI_SESSION_IDLE_MINUTES",
    "SHOKAI_MAIL_HOST",
    "SHOKAI_MAIL_PORT",
    "SHOKAI_MAIL_TLS",
    "SHOKAI_MAIL_USERNAME",
    "SHOKAI_MAIL_PASSWORD",
    "SHOKAI_MAIL_FROM",
    "SHOKAI_MAIL_PRINT_ROOM",
    "SHOKAI_MAIL_DIR",
    "SHOKAI_REMINDER_DAYS",
    "SHOKAI_MAIL_TEMPLATES",
    "SHOKAI_CARD_TERMINAL",
    "SHOKAI_LETTER_FONT",
    "SHOKAI_LETTER_TEMPLATE",
    "SHOKAI_PRINT_DIR",
    "SHOKAI_MAX_BODY_BYTES",
    "SHOKAI_REQUEST_TIMEOUT_SECS",
    "SHOKAI_MAX_CONCURRENT_REQUESTS",
    "SHOKAI_AUDIT_SIGNING_KEY",
    "SHOKAI_AUDIT_CHECKPOINT_DIR",
    "SHOKAI_AUDIT_CHECKPOINT_MAIL",
    "SHOKAI_TLS_CERT",
    "SHOKAI_TLS_KEY",
    "SHOKAI_PUBLIC_URL",
    "SHOKAI_TRUSTED_PROXIES",
    "SHOKAI_RETENTION_DAYS",
];

/// Why the settings could not be loaded. Each variant names the key.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A required key has no value.
    #[error("{key} is not set: {hint} (see .env.example)")]
    Missing {
        /// The key.
        key: &'static str,
        /// What to put there.
        hint: &'static str,
    },
    /// A key has a value of the wrong form. The value itself is not repeated:
    /// it may be a secret.
    #[error("{key} is invalid: {reason}")]
    Invalid {
        /// The key.
        key: &'static str,
        /// What is wrong, and what is expected.
        reason: String,
    },
    /// The settings file has a key this version does not know.
    #[error("{path}: unknown key {key} (known keys are listed in .env.example)")]
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// The unknown key.
        key: String,
    },
    /// The settings file could not be read or parsed.
    #[error("cannot read settings file {path}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: dotenvy::Error,
    },
}

impl SettingsError {
    /// The same in Japanese, for the office's administrator (printed after
    /// the English line, which keeps the details of what is expected).
    pub fn message_ja(&self) -> String {
        match self {
            SettingsError::Missing { key, .. } => {
                format!("設定 {key} がありません。.env.example の説明に従って設定してください。")
            }
            SettingsError::Invalid { key, .. } => format!(
                "設定 {key} の値が正しくありません。.env.example の説明に従って設定し直してください（値は表示しません）。"
            ),
            SettingsError::UnknownKey { path, key } => format!(
                "設定ファイル {} に、この版が知らない設定 {key} があります。綴りを確かめてください（使える設定は .env.example にあります）。",
                path.display()
            ),
            SettingsError::File { path, .. } => format!(
                "設定ファイル {} を読み取れません。ファイルの場所と書式（KEY=値）を確かめてください。",
                path.display()
            ),
        }
    }
}

/// All settings of a running server.
#[derive(Debug)]
pub struct Settings {
    /// `sqlite://…` or `postgres://…`; secret because it may hold a password.
    pub database_url: SecretString,
    /// Address to listen on; port 0 picks a free port (printed at start-up).
    pub bind: SocketAddr,
    /// A second address serving only the proxies' status page, its API,
    /// `/static/` and `/healthz` (`SHOKAI_PUBLIC_BIND`); `None`: no second
    /// listener. The one to expose to the internet.
    pub public_bind: Option<SocketAddr>,
    /// `tracing` filter directives, e.g. `info,shokai=debug`.
    pub log: String,
    /// HMAC keys for verification-code digests.
    pub code_keys: CodeKeys,
    /// The office printed on letters and shown to proxies.
    pub office: Office,
    /// Days after mailing until the response deadline.
    pub deadline_days: u32,
    /// Identity documents each step asks for (lists A/B, e.g. `A|B+B`).
    pub id_documents: IdDocumentRules,
    /// Letters issued after this time of day (JST) go into the next day's batch.
    pub batch_cutoff: NaiveTime,
    /// How long a login session lasts at most.
    pub session_hours: u32,
    /// A session unused this long ends (default 30 minutes).
    pub session_idle_minutes: u32,
    /// Outgoing mail; `None` when neither an SMTP host nor a mail directory
    /// is configured (messages then wait in the outbox, nothing is sent).
    pub mail: Option<MailSettings>,
    /// Days before the response deadline the proxy is reminded.
    pub reminder_days: u32,
    /// The mail texts (`<kind>/{subject.txt,body.txt}`), loaded at start-up.
    pub mail_templates: PathBuf,
    /// The counter's card terminal; `None` when this server has none.
    pub card_terminal: Option<CardTerminal>,
    /// The TrueType font letters are printed in.
    pub letter_font: PathBuf,
    /// The letter wording (`letter.toml`).
    pub letter_template: PathBuf,
    /// Where closed batches' print files are kept until they are mailed
    /// (`SHOKAI_PRINT_DIR`, default `data/print`). They carry every code of
    /// their batch: keep the directory private to the server.
    pub print_dir: PathBuf,
    /// What one request may ask of the server (body size, time, how many at once).
    pub limits: Limits,
    /// Daily signed audit checkpoints; `None` without `SHOKAI_AUDIT_SIGNING_KEY`.
    pub audit_checkpoints: Option<AuditCheckpoints>,
    /// How the server is reached: its own TLS, its public address, the proxies in front.
    pub edge: Edge,
    /// `SHOKAI_RETENTION_DAYS`: a daily job in `serve` purges the personal
    /// data of cases closed more than this many days ago; `None`: no
    /// automatic purge (`shokai purge` by hand).
    pub retention_days: Option<u32>,
}

/// How requests reach the server (`SHOKAI_TLS_CERT`/`_KEY`,
/// `SHOKAI_PUBLIC_URL`, `SHOKAI_TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default)]
pub struct Edge {
    /// PEM files for HTTPS on `SHOKAI_BIND`; `None`: plain HTTP.
    pub tls: Option<TlsFiles>,
    /// The address people use, e.g. `https://shokai.city.example.jp`, no
    /// trailing slash; `None`: taken from each request's `Host`.
    pub public_url: Option<String>,
    /// Peers whose `X-Forwarded-For`/`-Proto` are believed.
    pub trusted_proxies: crate::infra::proxy::TrustedProxies,
}

impl Edge {
    /// Whether people reach the server over HTTPS (its own TLS, or an https
    /// public URL): cookies are then `Secure` with the `__Host-` prefix and
    /// HSTS is sent.
    pub fn https(&self) -> bool {
        self.tls.is_some()
            || self
                .public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://"))
    }
}

/// The certificate chain and private key `serve` speaks HTTPS with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// `SHOKAI_TLS_CERT`: PEM, the server's certificate first, then its chain.
    pub cert: PathBuf,
    /// `SHOKAI_TLS_KEY`: PEM private key (PKCS#8, PKCS#1 or SEC1); never printed.
    pub key: PathBuf,
}

/// Bounds on requests, enforced by `app::limits` in front of every route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body accepted (`SHOKAI_MAX_BODY_BYTES`, default
    /// 256 KiB): every form and JSON body is a few KiB; nothing is uploaded.
    pub max_body_bytes: usize,
    /// How long a request may take, waiting for a slot included
    /// (`SHOKAI_REQUEST_TIMEOUT_SECS`, default 30).
    pub request_timeout: std::time::Duration,
    /// Requests handled at once; more wait for a slot
    /// (`SHOKAI_MAX_CONCURRENT_REQUESTS`, default 256).
    pub max_concurrent_requests: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 256 * 1024,
            request_timeout: std::time::Duration::from_secs(30),
            max_concurrent_requests: 256,
        }
    }
}

/// Verification-code HMAC keys: one current, older ones still accepted.
pub struct CodeKeys {
    /// Id of the key new digests are made with.
    pub current: String,
    /// Every key by id, current included.
    pub keys: Vec<(String, SecretBox<[u8]>)>,
}

impl std::fmt::Debug for CodeKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("CodeKeys")
            .field("current", &self.current)
            .field("ids", &ids)
            .finish_non_exhaustive()
    }
}

impl CodeKeys {
    /// The workflow's keyring: the current key plus every older one.
    pub fn keyring(&self) -> Result<CodeKeyring, KeyringError> {
        let secret_of = |id: &str| {
            self.keys
                .iter()
                .find(|(k, _)| k == id)
                .map(|(_, s)| s.expose_secret().to_vec())
                .unwrap_or_default()
        };
        let mut ring = CodeKeyring::new(&self.current, secret_of(&self.current))?;
        for (id, secret) in &self.keys {
            if *id != self.current {
                ring = ring.with_previous(id, secret.expose_secret().to_vec())?;
            }
        }
        Ok(ring)
    }
}

/// The ward office's own details (public: shown to proxies).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Office {
    /// e.g. `中央区役所 区民課`.
    pub name: String,
    /// Whom the response form is addressed to, e.g. `中央区長`.
    pub head: String,
    /// The office's postal code, `104-8404`.
    pub postal_code: String,
    /// Postal address of the counter, without the postal code.
    pub address: String,
    /// Phone number for enquiries.
    pub phone: String,
    /// Opening hours as printed, e.g. `平日 8:30〜17:00`.
    pub hours: String,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailTls {
    /// Plain SMTP (a local relay or a test server only).
    None,
    /// Plain connection upgraded with STARTTLS (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl MailTls {
    fn default_port(self) -> u16 {
        match self {
            MailTls::None => 25,
            MailTls::StartTls => 587,
            MailTls::Tls => 465,
        }
    }
}

/// Outgoing mail.
#[derive(Debug)]
pub struct MailSettings {
    /// How mail leaves: SMTP, or files for a demo.
    pub transport: MailTransport,
    /// Sender address.
    pub from: String,
    /// Where closed print batches are sent.
    pub print_room: String,
}

/// How mail leaves the server.
#[derive(Debug)]
pub enum MailTransport {
    /// An SMTP relay (`SHOKAI_MAIL_HOST`): the only choice meant for production.
    Smtp(SmtpSettings),
    /// `.eml` files written into a directory (`SHOKAI_MAIL_DIR`), for a demo
    /// without a mail server; `serve` warns at start-up that nothing is sent.
    Directory(PathBuf),
}

/// An SMTP relay.
#[derive(Debug)]
pub struct SmtpSettings {
    /// SMTP host.
    pub host: String,
    /// SMTP port (default from `tls`).
    pub port: u16,
    /// Transport security.
    pub tls: MailTls,
    /// SMTP login, if the relay needs one.
    pub credentials: Option<MailCredentials>,
}

/// SMTP login.
#[derive(Debug)]
pub struct MailCredentials {
    /// User name.
    pub username: String,
    /// Password (never printed).
    pub password: SecretString,
}

/// The counter's card terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardTerminal {
    /// Simulated cards from a fixtures file.
    Simulated(PathBuf),
    /// A PC/SC reader by name (needs the `pcsc` feature).
    Pcsc(String),
}

/// The merged `SHOKAI_*` key/value pairs, empty values dropped.
#[derive(Debug, Default)]
pub struct Sources(BTreeMap<String, String>);

impl Sources {
    /// Reads the optional file, then overlays the process environment.
    pub fn load(file: Option<&Path>) -> Result<Sources, SettingsError> {
        let mut sources = Sources::default();
        if let Some(path) = file {
            sources.read_file(path)?;
        }
        sources.overlay(std::env::vars().filter(|(k, _)| k.starts_with("SHOKAI_")));
        Ok(sources)
    }

    /// Adds the pairs of a dotenv-format file; unknown keys are refused.
    pub fn read_file(&mut self, path: &Path) -> Result<(), SettingsError> {
        let file_error = |source| SettingsError::File {
            path: path.to_owned(),
            source,
        };
        for item in dotenvy::from_path_iter(path).map_err(file_error)? {
            let (key, value) = item.map_err(file_error)?;
            if !KEYS.contains(&key.as_str()) {
                return Err(SettingsError::UnknownKey {
                    path: path.to_owned(),
                    key,
                });
            }
            self.set(key, value);
        }
        Ok(())
    }

    /// Overlays pairs (later sources win).
    pub fn overlay(&mut self, pairs: impl IntoIterator<Item = (String, String)>) {
        for (key, value) in pairs {
            self.set(key, value);
        }
    }

    fn set(&mut self, key: String, value: String) {
        let value = value.trim().to_owned();
        if value.is_empty() {
            self.0.remove(&key);
        } else {
            self.0.insert(key, value);
        }
    }

    fn get(&self, key: &'static str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    fn required(&self, key: &'static str, hint: &'static str) -> Result<String, SettingsError> {
        self.get(key)
            .map(str::to_owned)
            .ok_or(SettingsError::Missing { key, hint })
    }

    fn parsed<T: std::str::FromStr>(
        &self,
        key: &'static str,
        default: T,
        expected: &str,
    ) -> Result<T, SettingsError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| invalid(key, expected)),
        }
    }
}

/// What each step asks of identity documents, as an office sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdDocumentRules {
    /// `SHOKAI_ID_PROXY_APPLICATION` (default `B`: any one document).
    pub proxy_application: IdRequirement,
    /// `SHOKAI_ID_PROXY_RESPONSE` (default `A`: one photo document).
    pub proxy_response: IdRequirement,
    /// `SHOKAI_ID_LEGAL_REPRESENTATIVE` (default `A|B+B`).
    pub legal_representative: IdRequirement,
}

fn id_documents(s: &Sources) -> Result<IdDocumentRules, SettingsError> {
    let defaults = shokai_workflow::WorkflowSettings::default();
    let read = |key: &'static str, default: &IdRequirement| match s.get(key) {
        None => Ok(default.clone()),
        Some(text) => IdRequirement::parse(text).map_err(|_| {
            invalid(
                key,
                "alternatives of A (a photo document from a public office) and B (any other) \
                 joined by + and separated by |, e.g. A|B+B",
            )
        }),
    };
    Ok(IdDocumentRules {
        proxy_application: read(
            "SHOKAI_ID_PROXY_APPLICATION",
            &defaults.id_proxy_application,
        )?,
        proxy_response: read("SHOKAI_ID_PROXY_RESPONSE", &defaults.id_proxy_response)?,
        legal_representative: read(
            "SHOKAI_ID_LEGAL_REPRESENTATIVE",
            &defaults.id_legal_representative,
        )?,
    })
}

/// Where the daily audit checkpoint's key is and where it goes
/// (`SHOKAI_AUDIT_SIGNING_KEY`, `SHOKAI_AUDIT_CHECKPOINT_DIR`, default
/// `data/audit-checkpoints`). The key file is read at each signing, never kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheckpoints {
    /// The auditors' Ed25519 signing key file (`shokai audit keygen`).
    pub signing_key: PathBuf,
    /// The directory checkpoints are written to.
    pub dir: PathBuf,
    /// Where each checkpoint is also mailed (`SHOKAI_AUDIT_CHECKPOINT_MAIL`,
    /// e.g. the audit staff's mailbox), through the outbox.
    pub mail_to: Option<String>,
}

/// `SHOKAI_AUDIT_SIGNING_KEY=PATH` (checked now: it must hold a key) and
/// `SHOKAI_AUDIT_CHECKPOINT_DIR`.
fn audit_checkpoints(s: &Sources) -> Result<Option<AuditCheckpoints>, SettingsError> {
    const KEY: &str = "SHOKAI_AUDIT_SIGNING_KEY";
    let Some(path) = s.get(KEY).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let signing_key = PathBuf::from(path);
    shokai_store::checkpoint::read_signing_key(&signing_key).map_err(|e| {
        invalid(
            KEY,
            format!("the path of a key file made by `shokai audit keygen`: {e}"),
        )
    })?;
    let dir = s
        .get("SHOKAI_AUDIT_CHECKPOINT_DIR")
        .unwrap_or(DEFAULT_CHECKPOINT_DIR);
    let mail_to = match s
        .get("SHOKAI_AUDIT_CHECKPOINT_MAIL")
        .filter(|v| !v.is_empty())
    {
        Some(_) => Some(mail_address(
            s,
            "SHOKAI_AUDIT_CHECKPOINT_MAIL",
            "the audit staff's e-mail address",
        )?),
        None => None,
    };
    Ok(Some(AuditCheckpoints {
        signing_key,
        dir: PathBuf::from(dir),
        mail_to,
    }))
}

/// `SHOKAI_SESSION_IDLE_MINUTES`: 1 minute to 24 hours, default 30.
fn session_idle_minutes(s: &Sources) -> Result<u32, SettingsError> {
    const KEY: &str = "SHOKAI_SESSION_IDLE_MINUTES";
    let minutes = s.parsed(KEY, 30u32, "a number of minutes")?;
    if !(1..=24 * 60).contains(&minutes) {
        return Err(invalid(KEY, "between 1 and 1440 minutes"));
    }
    Ok(minutes)
}

/// `SHOKAI_RETENTION_DAYS`: unset for no automatic purge, or 1 to 36500
/// days (a hundred years) after a case closed.
fn retention_days(s: &Sources) -> Result<Option<u32>, SettingsError> {
    const KEY: &str = "SHOKAI_RETENTION_DAYS";
    if s.get(KEY).is_none() {
        return Ok(None);
    }
    let days = s.parsed(KEY, 0u32, "a number of days")?;
    if !(1..=36_500).contains(&days) {
        return Err(invalid(KEY, "between 1 and 36500 days"));
    }
    Ok(Some(days))
}

fn invalid(key: &'static str, reason: impl Into<String>) -> SettingsError {
    SettingsError::Invalid {
        key,
        reason: reason.into(),
    }
}

impl Settings {
    /// Builds and checks the settings from merged sources.
    pub fn from_sources(s: &Sources) -> Result<Settings, SettingsError> {
        let deadline_days = s.parsed("SHOKAI_DEADLINE_DAYS", 30u32, "a number of days")?;
        if !(1..=365).contains(&deadline_days) {
            return Err(invalid("SHOKAI_DEADLINE_DAYS", "between 1 and 365 days"));
        }
        let session_hours = s.parsed("SHOKAI_SESSION_HOURS", 8u32, "a number of hours")?;
        if !(1..=24 * 7).contains(&session_hours) {
            return Err(invalid("SHOKAI_SESSION_HOURS", "between 1 and 168 hours"));
        }
        let log = s.get("SHOKAI_LOG").unwrap_or("info").to_owned();
        if tracing_subscriber::EnvFilter::try_new(&log).is_err() {
            return Err(invalid(
                "SHOKAI_LOG",
                "tracing filter directives, e.g. info,shokai=debug",
            ));
        }
        Ok(Settings {
            database_url: database_url(s)?,
            bind: s
                .get("SHOKAI_BIND")
                .unwrap_or(DEFAULT_BIND)
                .parse::<SocketAddr>()
                .map_err(|_| invalid("SHOKAI_BIND", "an address like 127.0.0.1:8080"))?,
            public_bind: public_bind(s)?,
            log,
            code_keys: code_keys(s)?,
            office: office(s)?,
            deadline_days,
            id_documents: id_documents(s)?,
            batch_cutoff: batch_cutoff(s)?,
            session_hours,
            session_idle_minutes: session_idle_minutes(s)?,
            mail: mail(s)?,
            reminder_days: reminder_days(s)?,
            mail_templates: PathBuf::from(
                s.get("SHOKAI_MAIL_TEMPLATES").unwrap_or("templates/mail"),
            ),
            card_terminal: card_terminal(s)?,
            letter_font: PathBuf::from(
                s.get("SHOKAI_LETTER_FONT")
                    .unwrap_or("templates/fonts/ipaexg.ttf"),
            ),
            letter_template: PathBuf::from(
                s.get("SHOKAI_LETTER_TEMPLATE")
                    .unwrap_or("templates/letter/letter.toml"),
            ),
            print_dir: PathBuf::from(s.get("SHOKAI_PRINT_DIR").unwrap_or(DEFAULT_PRINT_DIR)),
            limits: limits(s)?,
            audit_checkpoints: audit_checkpoints(s)?,
            edge: edge(s)?,
            retention_days: retention_days(s)?,
        })
    }

    /// Reads the file (if any) and the environment, and checks everything.
    pub fn load(file: Option<&Path>) -> Result<Settings, SettingsError> {
        Settings::from_sources(&Sources::load(file)?)
    }
}

/// Two keys that go together, each `(key, hint when it is the one missing)`:
/// both values, neither, or an error naming the missing one.
fn both_or_neither<'s>(
    s: &'s Sources,
    a: (&'static str, &'static str),
    b: (&'static str, &'static str),
) -> Result<Option<(&'s str, &'s str)>, SettingsError> {
    match (s.get(a.0), s.get(b.0)) {
        (None, None) => Ok(None),
        (Some(x), Some(y)) => Ok(Some((x, y))),
        (Some(_), None) => Err(SettingsError::Missing {
            key: b.0,
            hint: b.1,
        }),
        (None, Some(_)) => Err(SettingsError::Missing {
            key: a.0,
            hint: a.1,
        }),
    }
}

fn edge(s: &Sources) -> Result<Edge, SettingsError> {
    let tls = both_or_neither(
        s,
        (
            "SHOKAI_TLS_CERT",
            "the PEM certificate chain belonging to SHOKAI_TLS_KEY (set both or neither)",
        ),
        (
            "SHOKAI_TLS_KEY",
            "the PEM private key belonging to SHOKAI_TLS_CERT (set both or neither)",
        ),
    )?
    .map(|(cert, key)| TlsFiles {
        cert: PathBuf::from(cert),
        key: PathBuf::from(key),
    });
    let public_url = s.get("SHOKAI_PUBLIC_URL").map(public_url).transpose()?;
    let trusted_proxies = s
        .get("SHOKAI_TRUSTED_PROXIES")
        .unwrap_or("")
        .parse()
        .map_err(|reason: String| invalid("SHOKAI_TRUSTED_PROXIES", reason))?;
    Ok(Edge {
        tls,
        public_url,
        trusted_proxies,
    })
}

/// `SHOKAI_PUBLIC_BIND`: an address like `0.0.0.0:8443` (port 0 picks a
/// free one).
fn public_bind(s: &Sources) -> Result<Option<SocketAddr>, SettingsError> {
    const KEY: &str = "SHOKAI_PUBLIC_BIND";
    s.get(KEY)
        .map(|v| {
            v.parse::<SocketAddr>()
                .map_err(|_| invalid(KEY, "an address like 0.0.0.0:8443"))
        })
        .transpose()
}

/// `https://host[:port]` or `http://…`, without path, query or credentials;
/// a trailing `/` is dropped. Only host characters pass, since the address
/// is printed on receipts.
fn public_url(value: &str) -> Result<String, SettingsError> {
    let bad = || {
        invalid(
            "SHOKAI_PUBLIC_URL",
            "an address like https://shokai.city.example.jp (scheme and host, optional port, no path)",
        )
    };
    let value = value.trim().trim_end_matches('/');
    let (_, host) = value
        .split_once("://")
        .filter(|(scheme, _)| matches!(*scheme, "https" | "http"))
        .ok_or_else(bad)?;
    let plain = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    if !plain {
        return Err(bad());
    }
    Ok(value.to_owned())
}

/// `SHOKAI_DATABASE_URL` alone: what commands that only touch the database
/// (`shokai user add`) need.
pub fn database_url(s: &Sources) -> Result<SecretString, SettingsError> {
    let url = s.get("SHOKAI_DATABASE_URL").unwrap_or(DEFAULT_DATABASE_URL);
    if !(url.starts_with("sqlite:") || url.starts_with("postgres")) {
        return Err(invalid(
            "SHOKAI_DATABASE_URL",
            "use sqlite://PATH or postgres://USER@HOST/DB",
        ));
    }
    Ok(SecretString::from(url.to_owned()))
}

/// `SHOKAI_CODE_KEYS=id=HEX,id=HEX` and `SHOKAI_CODE_KEY_CURRENT=id`.
fn code_keys(s: &Sources) -> Result<CodeKeys, SettingsError> {
    const KEY: &str = "SHOKAI_CODE_KEYS";
    let list = s.required(
        KEY,
        "comma-separated ID=HEX pairs, each key at least 32 bytes (64 hex digits)",
    )?;
    let mut keys: Vec<(String, SecretBox<[u8]>)> = Vec::new();
    for pair in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (id, hex_secret) = pair
            .split_once('=')
            .ok_or_else(|| invalid(KEY, "each entry is ID=HEX"))?;
        let id = id.trim();
        let id_ok = (1..=32).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !id_ok {
            return Err(invalid(
                KEY,
                "a key id is 1-32 characters of A-Z a-z 0-9 - _ .",
            ));
        }
        let bytes = hex::decode(hex_secret.trim())
            .map_err(|_| invalid(KEY, format!("the key `{id}` is not hex")))?;
        if bytes.len() < MIN_CODE_KEY_BYTES {
            return Err(invalid(
                KEY,
                format!(
                    "the key `{id}` has {} bytes; at least {MIN_CODE_KEY_BYTES}",
                    bytes.len()
                ),
            ));
        }
        if keys.iter().any(|(k, _)| k == id) {
            return Err(invalid(KEY, format!("the key id `{id}` appears twice")));
        }
        keys.push((id.to_owned(), SecretBox::from(bytes.into_boxed_slice())));
    }
    let current = match s.get("SHOKAI_CODE_KEY_CURRENT") {
        Some(id) => id.to_owned(),
        None if keys.len() == 1 => keys[0].0.clone(),
        None => {
            return Err(SettingsError::Missing {
                key: "SHOKAI_CODE_KEY_CURRENT",
                hint: "the id of the key new letters use (required with several keys)",
            });
        }
    };
    if !keys.iter().any(|(k, _)| *k == current) {
        return Err(invalid(
            "SHOKAI_CODE_KEY_CURRENT",
            format!("no key with id `{current}` in SHOKAI_CODE_KEYS"),
        ));
    }
    let keys = CodeKeys { current, keys };
    // The workflow has the last word on what a usable key is.
    keys.keyring().map_err(|e| invalid(KEY, e.to_string()))?;
    Ok(keys)
}

impl Office {
    /// The address as mailed: 〒 and the postal code once, then the address.
    pub fn postal_address(&self) -> String {
        format!("〒{} {}", self.postal_code, self.address)
    }
}

/// Splits a leading `〒NNN-NNNN` (or `〒NNNNNNN`) off an address.
fn split_postal_code(address: &str) -> (Option<&str>, &str) {
    let Some(rest) = address.trim().strip_prefix('〒') else {
        return (None, address.trim());
    };
    let rest = rest.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '-'))
        .unwrap_or(rest.len());
    (Some(&rest[..end]), rest[end..].trim_start())
}

/// The office's postal code and address: from `SHOKAI_OFFICE_POSTAL_CODE`,
/// or from a `〒` the address begins with (both given, they must agree), so
/// the letter prints 〒 once whichever way an office writes it.
fn office_address(s: &Sources) -> Result<(String, String), SettingsError> {
    const POSTAL: &str = "SHOKAI_OFFICE_POSTAL_CODE";
    let given = s.required("SHOKAI_OFFICE_ADDRESS", "the counter's postal address")?;
    let (in_address, address) = split_postal_code(&given);
    let parse = |text: &str| {
        shokai_workflow::PostalCode::parse(text)
            .map(|p| p.to_string())
            .map_err(|_| invalid(POSTAL, "a postal code of 7 digits, e.g. 104-8404"))
    };
    let in_address = in_address.map(parse).transpose()?;
    let postal = match (s.get(POSTAL).map(parse).transpose()?, in_address) {
        (Some(set), None) => set,
        (None, Some(from_address)) => from_address,
        (Some(set), Some(from_address)) if set == from_address => set,
        (Some(_), Some(_)) => {
            return Err(invalid(
                POSTAL,
                "it differs from the 〒 that SHOKAI_OFFICE_ADDRESS begins with",
            ));
        }
        (None, None) => {
            return Err(invalid(
                POSTAL,
                "the office's postal code (or begin SHOKAI_OFFICE_ADDRESS with 〒NNN-NNNN)",
            ));
        }
    };
    Ok((postal, address.to_owned()))
}

fn office(s: &Sources) -> Result<Office, SettingsError> {
    let (postal_code, address) = office_address(s)?;
    Ok(Office {
        name: s.required("SHOKAI_OFFICE_NAME", "the office name printed on letters")?,
        head: s.required(
            "SHOKAI_OFFICE_HEAD",
            "whom the response form is addressed to, e.g. 新宿区長",
        )?,
        postal_code,
        address,
        phone: s.required("SHOKAI_OFFICE_PHONE", "the phone number for enquiries")?,
        hours: s.required("SHOKAI_OFFICE_HOURS", "the opening hours as printed")?,
    })
}

fn batch_cutoff(s: &Sources) -> Result<NaiveTime, SettingsError> {
    match s.get("SHOKAI_BATCH_CUTOFF") {
        None => Ok(NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default()),
        Some(v) => NaiveTime::parse_from_str(v, "%H:%M")
            .map_err(|_| invalid("SHOKAI_BATCH_CUTOFF", "a time of day as HH:MM (JST)")),
    }
}

fn reminder_days(s: &Sources) -> Result<u32, SettingsError> {
    let days = s.parsed("SHOKAI_REMINDER_DAYS", 3u32, "a number of days")?;
    if !(1..=60).contains(&days) {
        return Err(invalid("SHOKAI_REMINDER_DAYS", "between 1 and 60 days"));
    }
    Ok(days)
}

fn limits(s: &Sources) -> Result<Limits, SettingsError> {
    let default = Limits::default();
    let max_body_bytes = s.parsed(
        "SHOKAI_MAX_BODY_BYTES",
        default.max_body_bytes,
        "a number of bytes",
    )?;
    if !(1024..=64 * 1024 * 1024).contains(&max_body_bytes) {
        return Err(invalid(
            "SHOKAI_MAX_BODY_BYTES",
            "between 1024 and 67108864 bytes",
        ));
    }
    let secs = s.parsed(
        "SHOKAI_REQUEST_TIMEOUT_SECS",
        default.request_timeout.as_secs(),
        "a number of seconds",
    )?;
    if !(1..=600).contains(&secs) {
        return Err(invalid(
            "SHOKAI_REQUEST_TIMEOUT_SECS",
            "between 1 and 600 seconds",
        ));
    }
    let max_concurrent_requests = s.parsed(
        "SHOKAI_MAX_CONCURRENT_REQUESTS",
        default.max_concurrent_requests,
        "a number of requests",
    )?;
    if !(1..=65_536).contains(&max_concurrent_requests) {
        return Err(invalid(
            "SHOKAI_MAX_CONCURRENT_REQUESTS",
            "between 1 and 65536",
        ));
    }
    Ok(Limits {
        max_body_bytes,
        request_timeout: std::time::Duration::from_secs(secs),
        max_concurrent_requests,
    })
}

fn mail(s: &Sources) -> Result<Option<MailSettings>, SettingsError> {
    let transport = match (s.get("SHOKAI_MAIL_HOST"), s.get("SHOKAI_MAIL_DIR")) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err(invalid(
                "SHOKAI_MAIL_DIR",
                "set SHOKAI_MAIL_HOST (SMTP) or SHOKAI_MAIL_DIR (demo files), not both",
            ));
        }
        (None, Some(dir)) => MailTransport::Directory(PathBuf::from(dir)),
        (Some(host), None) => MailTransport::Smtp(smtp(s, host)?),
    };
    Ok(Some(MailSettings {
        transport,
        from: mail_address(s, "SHOKAI_MAIL_FROM", "the sender address")?,
        print_room: mail_address(
            s,
            "SHOKAI_MAIL_PRINT_ROOM",
            "where print batches are mailed",
        )?,
    }))
}

fn smtp(s: &Sources, host: &str) -> Result<SmtpSettings, SettingsError> {
    let tls = match s.get("SHOKAI_MAIL_TLS").unwrap_or("starttls") {
        "none" => MailTls::None,
        "starttls" => MailTls::StartTls,
        "tls" => MailTls::Tls,
        _ => return Err(invalid("SHOKAI_MAIL_TLS", "one of none, starttls, tls")),
    };
    let port = s.parsed("SHOKAI_MAIL_PORT", tls.default_port(), "a port number")?;
    let credentials = both_or_neither(
        s,
        (
            "SHOKAI_MAIL_USERNAME",
            "the SMTP user (SHOKAI_MAIL_PASSWORD is set)",
        ),
        (
            "SHOKAI_MAIL_PASSWORD",
            "the SMTP password (SHOKAI_MAIL_USERNAME is set)",
        ),
    )?
    .map(|(username, password)| MailCredentials {
        username: username.to_owned(),
        password: SecretString::from(password.to_owned()),
    });
    Ok(SmtpSettings {
        host: host.to_owned(),
        port,
        tls,
        credentials,
    })
}

fn mail_address(
    s: &Sources,
    key: &'static str,
    hint: &'static str,
) -> Result<String, SettingsError> {
    let value = s.required(key, hint)?;
    let shaped = value
        .rsplit_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
    if !shaped {
        return Err(invalid(key, "an e-mail address like name@example.jp"));
    }
    Ok(value)
}

fn card_terminal(s: &Sources) -> Result<Option<CardTerminal>, SettingsError> {
    const KEY: &str = "SHOKAI_CARD_TERMINAL";
    let Some(value) = s.get(KEY) else {
        return Ok(None);
    };
    match value.split_once(':') {
        Some(("simulated", file)) if !file.is_empty() => {
            Ok(Some(CardTerminal::Simulated(PathBuf::from(file))))
        }
        Some(("pcsc", reader)) if !reader.is_empty() => {
            Ok(Some(CardTerminal::Pcsc(reader.to_owned())))
        }
        _ => Err(invalid(KEY, "simulated:FILE or pcsc:READER NAME")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn minimal() -> Vec<(&'static str, String)> {
        vec![
            ("SHOKAI_CODE_KEYS", format!("a={KEY_A}")),
            ("SHOKAI_OFFICE_NAME", "中央区役所 区民課".into()),
            ("SHOKAI_OFFICE_HEAD", "中央区長".into()),
            (
                "SHOKAI_OFFICE_ADDRESS",
                "〒104-8404 東京都中央区築地1-1-1".into(),
            ),
            ("SHOKAI_OFFICE_PHONE", "03-0000-0000".into()),
            ("SHOKAI_OFFICE_HOURS", "平日 8:30〜17:00".into()),
        ]
    }

    fn load(pairs: Vec<(&'static str, String)>) -> Result<Settings, SettingsError> {
        let mut s = Sources::default();
        s.overlay(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)));
        Settings::from_sources(&s)
    }

    fn with(extra: &[(&'static str, &str)]) -> Result<Settings, SettingsError> {
        let mut pairs = minimal();
        pairs.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        load(pairs)
    }

    #[test]
    fn every_settings_error_is_worded_in_japanese_naming_the_key() {
        let file = PathBuf::from("/etc/shokai.env");
        let all = [
            SettingsError::Missing {
                key: "SHOKAI_OFFICE_HEAD",
                hint: "the office head",
            },
            invalid("SHOKAI_BIND", "an address like 127.0.0.1:8080"),
            SettingsError::UnknownKey {
                path: file.clone(),
                key: "SHOKAI_OFICE_NAME".into(),
            },
            SettingsError::File {
                path: file,
                source: dotenvy::Error::LineParse("x".into(), 0),
            },
        ];
        for e in &all {
            let text = e.message_ja();
            // File names are names, not words to translate.
            let words = text
                .replace(".env.example", "")
                .replace("/etc/shokai.env", "");
            assert!(!shokai_workflow::ja::has_english(&words), "{text}");
            assert!(
                text.contains("SHOKAI_") || text.contains("shokai.env"),
                "{text}"
            );
        }
    }

    fn invalid_key(result: Result<Settings, SettingsError>) -> &'static str {
        match result {
            Err(SettingsError::Invalid { key, .. } | SettingsError::Missing { key, .. }) => key,
            other => panic!("expected a settings error naming a key, got {other:?}"),
        }
    }

    #[test]
    fn the_minimal_settings_take_the_documented_defaults() {
        let s = with(&[]).unwrap();
        assert_eq!(s.database_url.expose_secret(), DEFAULT_DATABASE_URL);
        assert_eq!(s.bind.to_string(), DEFAULT_BIND);
        assert_eq!(s.deadline_days, 30);
        assert_eq!(s.batch_cutoff, NaiveTime::from_hms_opt(17, 0, 0).unwrap());
        assert_eq!(s.code_keys.current, "a");
        assert!(s.mail.is_none());
        assert!(s.card_terminal.is_none());
    }

    #[test]
    fn a_missing_office_name_is_named_in_the_error() {
        let pairs = minimal()
            .into_iter()
            .filter(|(k, _)| *k != "SHOKAI_OFFICE_NAME")
            .collect();
        let err = load(pairs).unwrap_err();
        assert!(err.to_string().contains("SHOKAI_OFFICE_NAME"), "{err}");
    }

    #[test]
    fn a_blank_value_counts_as_unset() {
        assert_eq!(
            invalid_key(with(&[("SHOKAI_CODE_KEYS", "  ")])),
            "SHOKAI_CODE_KEYS"
        );
        assert!(with(&[("SHOKAI_MAIL_HOST", "")]).unwrap().mail.is_none());
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let s = with(&[
            ("SHOKAI_DATABASE_URL", "postgres://shokai:hunter2@db/shokai"),
            ("SHOKAI_MAIL_HOST", "smtp.example.jp"),
            ("SHOKAI_MAIL_USERNAME", "office"),
            ("SHOKAI_MAIL_PASSWORD", "correct-horse"),
            ("SHOKAI_MAIL_FROM", "office@example.jp"),
            ("SHOKAI_MAIL_PRINT_ROOM", "print@example.jp"),
        ])
        .unwrap();
        let debug = format!("{s:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(!debug.contains("correct-horse"), "{debug}");
        assert!(!debug.contains(KEY_A), "{debug}");
        assert!(!debug.contains("0001020304"), "{debug}");
    }

    #[test]
    fn short_or_non_hex_code_keys_are_refused_without_echoing_them() {
        let err = with(&[("SHOKAI_CODE_KEYS", "a=00ff")]).unwrap_err();
        assert!(err.to_string().contains("at least 32"), "{err}");
        assert!(!err.to_string().contains("00ff"), "{err}");
        let err = with(&[("SHOKAI_CODE_KEYS", "a=zz-not-hex")]).unwrap_err();
        assert!(!err.to_string().contains("zz-not-hex"), "{err}");
    }

    #[test]
    fn several_code_keys_need_a_current_one_that_exists() {
        let two = format!("old={KEY_A},new={KEY_A}");
        assert_eq!(
            invalid_key(with(&[("SHOKAI_CODE_KEYS", &two)])),
            "SHOKAI_CODE_KEY_CURRENT"
        );
        assert_eq!(
            invalid_key(with(&[
                ("SHOKAI_CODE_KEYS", &two),
                ("SHOKAI_CODE_KEY_CURRENT", "other")
            ])),
            "SHOKAI_CODE_KEY_CURRENT"
        );
        let s = with(&[
            ("SHOKAI_CODE_KEYS", &two),
            ("SHOKAI_CODE_KEY_CURRENT", "new"),
        ])
        .unwrap();
        assert_eq!(s.code_keys.current, "new");
        assert!(s.code_keys.keyring().is_ok());
        let dup = format!("a={KEY_A},a={KEY_A}");
        assert_eq!(
            invalid_key(with(&[("SHOKAI_CODE_KEYS", &dup)])),
            "SHOKAI_CODE_KEYS"
        );
    }

    #[test]
    fn mail_tls_picks_the_usual_port_unless_one_is_given() {
        let base = [
            ("SHOKAI_MAIL_HOST", "smtp.example.jp"),
            ("SHOKAI_MAIL_FROM", "office@example.jp"),
            ("SHOKAI_MAIL_PRINT_ROOM", "print@example.jp"),
        ];
        let port = |extra: &[(&'static str, &str)]| {
            let mut all = base.to_vec();
            all.extend_from_slice(extra);
            match with(&all).unwrap().mail.unwrap().transport {
                MailTransport::Smtp(smtp) => smtp.port,
                MailTransport::Directory(dir) => panic!("SMTP expected, got {dir:?}"),
            }
        };
        assert_eq!(port(&[]), 587);
        assert_eq!(port(&[("SHOKAI_MAIL_TLS", "tls")]), 465);
        assert_eq!(
            port(&[("SHOKAI_MAIL_TLS", "none"), ("SHOKAI_MAIL_PORT", "2525")]),
            2525
        );
        let mut bad = base.to_vec();
        bad.push(("SHOKAI_MAIL_TLS", "ssl"));
        assert_eq!(invalid_key(with(&bad)), "SHOKAI_MAIL_TLS");
    }

    #[test]
    fn mail_needs_a_sender_and_print_room_and_both_halves_of_a_login() {
        let host = ("SHOKAI_MAIL_HOST", "smtp.example.jp");
        assert_eq!(invalid_key(with(&[host])), "SHOKAI_MAIL_FROM");
        assert_eq!(
            invalid_key(with(&[
                host,
                ("SHOKAI_MAIL_FROM", "office@example.jp"),
                ("SHOKAI_MAIL_PRINT_ROOM", "not an address"),
            ])),
            "SHOKAI_MAIL_PRINT_ROOM"
        );
        assert_eq!(
            invalid_key(with(&[
                host,
                ("SHOKAI_MAIL_FROM", "office@example.jp"),
                ("SHOKAI_MAIL_PRINT_ROOM", "print@example.jp"),
                ("SHOKAI_MAIL_USERNAME", "office"),
            ])),
            "SHOKAI_MAIL_PASSWORD"
        );
    }

    #[test]
    fn mail_goes_to_files_only_when_a_directory_is_named_instead_of_a_host() {
        let addresses = [
            ("SHOKAI_MAIL_FROM", "office@example.jp"),
            ("SHOKAI_MAIL_PRINT_ROOM", "print@example.jp"),
        ];
        let mut files = addresses.to_vec();
        files.push(("SHOKAI_MAIL_DIR", "data/mail"));
        let mail = with(&files).unwrap().mail.unwrap();
        assert!(
            matches!(mail.transport, MailTransport::Directory(ref d) if d == Path::new("data/mail"))
        );
        let mut both = files.clone();
        both.push(("SHOKAI_MAIL_HOST", "smtp.example.jp"));
        assert_eq!(invalid_key(with(&both)), "SHOKAI_MAIL_DIR");
        assert_eq!(
            invalid_key(with(&[("SHOKAI_MAIL_DIR", "data/mail")])),
            "SHOKAI_MAIL_FROM"
        );
    }

    #[test]
    fn the_office_postal_code_comes_from_the_address_or_its_own_setting_and_prints_once() {
        let office = with(&[]).unwrap().office;
        assert_eq!(
            (office.head.as_str(), office.postal_code.as_str()),
            ("中央区長", "104-8404")
        );
        assert_eq!(office.postal_address(), "〒104-8404 東京都中央区築地1-1-1");
        let apart = with(&[
            ("SHOKAI_OFFICE_ADDRESS", "東京都港区芝公園1-5-25"),
            ("SHOKAI_OFFICE_POSTAL_CODE", "1058511"),
        ])
        .unwrap()
        .office;
        assert_eq!(apart.postal_address(), "〒105-8511 東京都港区芝公園1-5-25");
        let both = with(&[("SHOKAI_OFFICE_POSTAL_CODE", "104-8404")]).unwrap();
        assert_eq!(both.office.postal_code, "104-8404");
        for bad in [
            vec![("SHOKAI_OFFICE_POSTAL_CODE", "105-8511")],
            vec![("SHOKAI_OFFICE_ADDRESS", "東京都港区芝公園1-5-25")],
            vec![("SHOKAI_OFFICE_ADDRESS", "〒12 東京都")],
        ] {
            assert_eq!(
                invalid_key(with(&bad)),
                "SHOKAI_OFFICE_POSTAL_CODE",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn identity_document_requirements_default_to_the_seed_and_an_office_may_set_its_own() {
        let ids = with(&[]).unwrap().id_documents;
        assert_eq!(
            (
                ids.proxy_application.to_string(),
                ids.proxy_response.to_string(),
                ids.legal_representative.to_string()
            ),
            ("B".to_owned(), "A".to_owned(), "A|B+B".to_owned())
        );
        let set = with(&[("SHOKAI_ID_PROXY_RESPONSE", "A+A | A+B")]).unwrap();
        assert_eq!(set.id_documents.proxy_response.to_string(), "A+A|A+B");
        assert_eq!(
            invalid_key(with(&[("SHOKAI_ID_LEGAL_REPRESENTATIVE", "photo")])),
            "SHOKAI_ID_LEGAL_REPRESENTATIVE"
        );
    }

    #[test]
    fn the_reminder_comes_three_days_before_the_deadline_unless_set() {
        assert_eq!(with(&[]).unwrap().reminder_days, 3);
        assert_eq!(
            with(&[("SHOKAI_REMINDER_DAYS", "7")])
                .unwrap()
                .reminder_days,
            7
        );
        assert_eq!(
            invalid_key(with(&[("SHOKAI_REMINDER_DAYS", "0")])),
            "SHOKAI_REMINDER_DAYS"
        );
        assert_eq!(
            invalid_key(with(&[("SHOKAI_REMINDER_DAYS", "soon")])),
            "SHOKAI_REMINDER_DAYS"
        );
    }

    #[test]
    fn tls_needs_both_files_and_the_public_url_decides_https() {
        let plain = with(&[]).unwrap();
        assert!(!plain.edge.https() && plain.edge.tls.is_none());
        let direct = with(&[("SHOKAI_TLS_CERT", "c.pem"), ("SHOKAI_TLS_KEY", "k.pem")]).unwrap();
        assert!(direct.edge.https());
        assert_eq!(
            invalid_key(with(&[("SHOKAI_TLS_CERT", "c.pem")])),
            "SHOKAI_TLS_KEY"
        );
        assert_eq!(
            invalid_key(with(&[("SHOKAI_TLS_KEY", "k.pem")])),
            "SHOKAI_TLS_CERT"
        );
        let proxied = with(&[("SHOKAI_PUBLIC_URL", "https://shokai.example.jp/")]).unwrap();
        assert!(proxied.edge.https());
        assert_eq!(
            proxied.edge.public_url.as_deref(),
            Some("https://shokai.example.jp")
        );
        assert!(
            !with(&[("SHOKAI_PUBLIC_URL", "http://10.0.0.5:8080")])
                .unwrap()
                .edge
                .https()
        );
        for bad in [
            "shokai.example.jp",
            "ftp://x",
            "https://x/status",
            "https://a b",
        ] {
            assert_eq!(
                invalid_key(with(&[("SHOKAI_PUBLIC_URL", bad)])),
                "SHOKAI_PUBLIC_URL"
            );
        }
        let trusted = with(&[("SHOKAI_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")]).unwrap();
        assert!(
            trusted
                .edge
                .trusted_proxies
                .trusts("10.9.8.7".parse().unwrap())
        );
        assert_eq!(
            invalid_key(with(&[("SHOKAI_TRUSTED_PROXIES", "10.0.0.0/40")])),
            "SHOKAI_TRUSTED_PROXIES"
        );
    }

    #[test]
    fn request_limits_have_defaults_and_refuse_zero_or_words() {
        assert_eq!(with(&[]).unwrap().limits, Limits::default());
        let set = with(&[
            ("SHOKAI_MAX_BODY_BYTES", "4096"),
            ("SHOKAI_REQUEST_TIMEOUT_SECS", "5"),
            ("SHOKAI_MAX_CONCURRENT_REQUESTS", "8"),
        ])
        .unwrap()
        .limits;
        assert_eq!(set.max_body_bytes, 4096);
        assert_eq!(set.request_timeout.as_secs(), 5);
        assert_eq!(set.max_concurrent_requests, 8);
        for (key, bad) in [
            ("SHOKAI_MAX_BODY_BYTES", "0"),
            ("SHOKAI_MAX_BODY_BYTES", "1MB"),
            ("SHOKAI_REQUEST_TIMEOUT_SECS", "0"),
            ("SHOKAI_MAX_CONCURRENT_REQUESTS", "0"),
            ("SHOKAI_MAX_CONCURRENT_REQUESTS", "many"),
        ] {
            assert_eq!(invalid_key(with(&[(key, bad)])), key, "{key}={bad}");
        }
    }

    #[test]
    fn the_card_terminal_is_simulated_or_pcsc() {
        let t = |v: &str| with(&[("SHOKAI_CARD_TERMINAL", v)]);
        assert_eq!(
            t("simulated:fixtures/cards/cardholder.json")
                .unwrap()
                .card_terminal,
            Some(CardTerminal::Simulated(
                "fixtures/cards/cardholder.json".into()
            ))
        );
        assert_eq!(
            t("pcsc:Virtual PCD 00 00").unwrap().card_terminal,
            Some(CardTerminal::Pcsc("Virtual PCD 00 00".into()))
        );
        assert_eq!(invalid_key(t("usb:1")), "SHOKAI_CARD_TERMINAL");
        assert_eq!(invalid_key(t("pcsc:")), "SHOKAI_CARD_TERMINAL");
    }

    #[test]
    fn the_retention_period_is_off_unless_set_to_a_number_of_days() {
        assert_eq!(with(&[]).unwrap().retention_days, None);
        let days = |v: &str| with(&[("SHOKAI_RETENTION_DAYS", v)]);
        assert_eq!(days("1825").unwrap().retention_days, Some(1825));
        for bad in ["0", "36501", "five years", "-1"] {
            assert_eq!(invalid_key(days(bad)), "SHOKAI_RETENTION_DAYS", "{bad}");
        }
    }

    #[test]
    fn numbers_and_times_out_of_range_are_refused() {
        assert_eq!(
            invalid_key(with(&[("SHOKAI_DEADLINE_DAYS", "0")])),
            "SHOKAI_DEADLINE_DAYS"
        );
        assert_eq!(
            invalid_key(with(&[("SHOKAI_DEADLINE_DAYS", "x")])),
            "SHOKAI_DEADLINE_DAYS"
        );
        assert_eq!(
            invalid_key(with(&[("SHOKAI_BATCH_CUTOFF", "25:00")])),
            "SHOKAI_BATCH_CUTOFF"
        );
        assert_eq!(
            invalid_key(with(&[("SHOKAI_BIND", "localhost")])),
            "SHOKAI_BIND"
        );
        assert_eq!(
            invalid_key(with(&[("SHOKAI_DATABASE_URL", "mysql://x")])),
            "SHOKAI_DATABASE_URL"
        );
        let s = with(&[
            ("SHOKAI_BATCH_CUTOFF", "16:30"),
            ("SHOKAI_BIND", "0.0.0.0:0"),
        ])
        .unwrap();
        assert_eq!(s.batch_cutoff, NaiveTime::from_hms_opt(16, 30, 0).unwrap());
        assert_eq!(s.bind.port(), 0);
    }

    #[test]
    fn the_public_listener_is_optional_and_takes_an_address() {
        assert_eq!(with(&[]).unwrap().public_bind, None);
        let s = with(&[("SHOKAI_PUBLIC_BIND", "0.0.0.0:8443")]).unwrap();
        assert_eq!(
            s.public_bind.map(|a| a.to_string()).as_deref(),
            Some("0.0.0.0:8443")
        );
        let s = with(&[("SHOKAI_PUBLIC_BIND", "127.0.0.1:0")]).unwrap();
        assert_eq!(s.public_bind.map(|a| a.port()), Some(0));
        assert_eq!(
            invalid_key(with(&[("SHOKAI_PUBLIC_BIND", "public:8443")])),
            "SHOKAI_PUBLIC_BIND"
        );
    }

    #[test]
    fn the_environment_wins_over_the_file_and_the_file_refuses_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shokai.env");
        let mut text: String = minimal()
            .into_iter()
            .map(|(k, v)| format!("{k}=\"{v}\"\n"))
            .collect();
        text.push_str("SHOKAI_DEADLINE_DAYS=14\n");
        std::fs::write(&path, &text).unwrap();
        let mut s = Sources::default();
        s.read_file(&path).unwrap();
        s.overlay([("SHOKAI_DEADLINE_DAYS".to_owned(), "21".to_owned())]);
        let settings = Settings::from_sources(&s).unwrap();
        assert_eq!(settings.deadline_days, 21);
        assert_eq!(settings.office.hours, "平日 8:30〜17:00");

        std::fs::write(&path, "SHOKAI_DEADLIEN_DAYS=14\n").unwrap();
        let err = Sources::default().read_file(&path).unwrap_err();
        assert!(err.to_string().contains("SHOKAI_DEADLIEN_DAYS"), "{err}");
    }

    #[test]
    fn the_committed_env_example_loads_and_lists_every_key() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.env.example");
        let text = std::fs::read_to_string(&path).unwrap();
        for key in KEYS {
            assert!(
                text.contains(&format!("{key}=")),
                "{key} is missing from .env.example"
            );
        }
        let mut s = Sources::default();
        s.read_file(&path).unwrap();
        Settings::from_sources(&s).unwrap();
    }
}
