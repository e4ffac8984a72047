//! Outgoing mail: the texts (`templates/mail/<kind>/{subject.txt,body.txt}`,
//! Japanese, loaded and checked once at start-up), the transports behind one
//! [`Mailer`] trait, and [`OutboxSender`], which turns a queued outbox row
//! into a message and hands it to the transport.
//!
//! Transports: [`SmtpMailer`] (lettre over tokio, TLS by rustls: none,
//! STARTTLS or TLS from the first byte; a login when configured) is the only
//! one for production; [`FileMailer`] writes `.eml` files for a demo without
//! a mail server (chosen only by naming `SHOKAI_MAIL_DIR`, and `serve` warns);
//! tests use an in-memory mailer. No transport links OpenSSL.
//!
//! What a message may carry: references, dates, names, the office's details
//! and a file's SHA-256; never a verification code or a PIN, and no
//! attachment that holds one. The print room's mail says a batch is ready;
//! the print file itself is downloaded by the print room's login, and each
//! download is recorded in the audit log.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use serde_json::Value;
use sha2::{Digest, Sha256};
use shokai_store::outbox::{OutboxMessage, SendError, Sender};
use shokai_workflow::Procedure;

use crate::settings::{MailSettings, MailTls, MailTransport, Office, SmtpSettings};

/// Outbox kind of the print room's mail.
pub const BATCH_PRINT: &str = "batch_print";
/// Outbox kind of the proxy's notice that the letter was mailed.
pub const LETTER_MAILED: &str = "letter_mailed";
/// Outbox kind of the proxy's reminder before the deadline.
pub const DEADLINE_REMINDER: &str = "deadline_reminder";
/// Outbox kind of the signed audit checkpoint sent to the audit staff.
pub const AUDIT_CHECKPOINT: &str = "audit_checkpoint";
/// File names as downloaded and attached.
pub const PRINT_FILE: &str = "print.pdf";
/// The manifest as downloaded and attached.
pub const MANIFEST_FILE: &str = "manifest.csv";

/// Every kind of mail, and the placeholders its texts may use.
pub const KINDS: &[(&str, &[&str])] = &[
    (
        BATCH_PRINT,
        &[
            "batch",
            "date",
            "letters",
            "references",
            "print_sha256",
            "office_name",
            "office_phone",
        ],
    ),
    (
        LETTER_MAILED,
        &[
            "proxy_name",
            "procedure",
            "reference",
            "mailed_on",
            "deadline",
            "proxy_documents",
            "office_name",
            "office_address",
            "office_phone",
            "office_hours",
        ],
    ),
    (
        DEADLINE_REMINDER,
        &[
            "proxy_name",
            "procedure",
            "reference",
            "deadline",
            "days_left",
            "proxy_documents",
            "office_name",
            "office_address",
            "office_phone",
            "office_hours",
        ],
    ),
    (
        AUDIT_CHECKPOINT,
        &["seq", "hash", "time", "file_name", "office_name"],
    ),
];

/// Why mail could not be set up or sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// A template file could not be read.
    #[error("mail template {path}: {source}")]
    TemplateRead {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A template is unusable.
    #[error("mail template {path}: {reason}")]
    Template {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// An address in the settings or a payload is not a mailbox.
    #[error("{what} is not a usable e-mail address")]
    Address {
        /// Which address.
        what: &'static str,
    },
    /// The outbox row cannot become a message (unknown kind, missing field,
    /// print file gone). Retrying will not help; it ends among dead letters.
    #[error("{0}")]
    Unsendable(String),
    /// The message could not be built.
    #[error("building the message: {0}")]
    Build(#[from] lettre::error::Error),
    /// SMTP failed (connection, TLS, refusal).
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    /// Writing the `.eml` file failed.
    #[error("mail file: {0}")]
    File(#[from] lettre::transport::file::Error),
    /// Reading the attachments failed.
    #[error("store: {0}")]
    Store(#[from] shokai_store::StoreError),
}

/// One kind's subject and body, with `{{name}}` placeholders.
#[derive(Debug, Clone)]
struct MailTemplate {
    subject: String,
    body: String,
}

/// The texts of every mail kind.
#[derive(Debug, Clone)]
pub struct MailTemplates {
    by_kind: BTreeMap<&'static str, MailTemplate>,
}

impl MailTemplates {
    /// Reads `dir/<kind>/{subject.txt,body.txt}` for every kind in [`KINDS`]
    /// and checks them: both files present, a one-line subject, and only the
    /// kind's own placeholders.
    pub fn load(dir: &Path) -> Result<MailTemplates, MailError> {
        let mut by_kind = BTreeMap::new();
        for (kind, allowed) in KINDS {
            let read = |file: &str| {
                let path = dir.join(kind).join(file);
                std::fs::read_to_string(&path)
                    .map(|text| (path.clone(), text))
                    .map_err(|source| MailError::TemplateRead { path, source })
            };
            let (subject_path, subject) = read("subject.txt")?;
            let (body_path, body) = read("body.txt")?;
            let subject = subject.trim().to_owned();
            if subject.is_empty() || subject.contains('\n') {
                return Err(MailError::Template {
                    path: subject_path,
                    reason: "the subject must be one non-empty line".into(),
                });
            }
            check_placeholders(&subject_path, &subject, allowed)?;
            check_placeholders(&body_path, &body, allowed)?;
            by_kind.insert(*kind, MailTemplate { subject, body });
        }
        Ok(MailTemplates { by_kind })
    }

    /// The subject and body of `kind` with `vars` filled in.
    pub fn render(
        &self,
        kind: &str,
        vars: &BTreeMap<&'static str, String>,
    ) -> Result<(String, String), MailError> {
        let template = self
            .by_kind
            .get(kind)
            .ok_or_else(|| MailError::Unsendable(format!("no mail template for kind {kind}")))?;
        Ok((fill(&template.subject, vars)?, fill(&template.body, vars)?))
    }
}

/// The `{{name}}` placeholders in `text`, in order.
fn placeholders(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        names.push(after[..end].trim());
        rest = &after[end + 2..];
    }
    names
}

fn check_placeholders(path: &Path, text: &str, allowed: &[&str]) -> Result<(), MailError> {
    if let Some(unknown) = placeholders(text)
        .into_iter()
        .find(|n| !allowed.contains(n))
    {
        return Err(MailError::Template {
            path: path.to_owned(),
            reason: format!(
                "unknown placeholder {{{{{unknown}}}}} (this kind knows: {})",
                allowed.join(", ")
            ),
        });
    }
    Ok(())
}

fn fill(text: &str, vars: &BTreeMap<&'static str, String>) -> Result<String, MailError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let name = after[..end].trim();
        let value = vars
            .get(name)
            .ok_or_else(|| MailError::Unsendable(format!("the message has no value for {name}")))?;
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Hands a finished message to a transport.
pub trait Mailer: Send + Sync {
    /// Delivers `message`; an error means "try again later".
    fn deliver(&self, message: Message) -> impl Future<Output = Result<(), MailError>> + Send;
}

/// SMTP through lettre (rustls for TLS).
pub struct SmtpMailer(AsyncSmtpTransport<Tokio1Executor>);

impl SmtpMailer {
    /// A transport for the relay in `settings`.
    pub fn new(settings: &SmtpSettings) -> Result<SmtpMailer, MailError> {
        let builder = match settings.tls {
            MailTls::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            }
            MailTls::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)?
            }
            MailTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host)?,
        };
        let mut builder = builder
            .port(settings.port)
            .timeout(Some(Duration::from_secs(30)));
        if let Some(login) = &settings.credentials {
            builder = builder.credentials(Credentials::new(
                login.username.clone(),
                login.password.expose_secret().to_owned(),
            ));
        }
        Ok(SmtpMailer(builder.build()))
    }
}

impl Mailer for SmtpMailer {
    async fn deliver(&self, message: Message) -> Result<(), MailError> {
        self.0.send(message).await?;
        Ok(())
    }
}

/// `.eml` files in a directory (demo only).
pub struct FileMailer(AsyncFileTransport<Tokio1Executor>);

impl FileMailer {
    /// Writes into `dir`, creating it.
    pub fn new(dir: &Path) -> Result<FileMailer, MailError> {
        std::fs::create_dir_all(dir).map_err(|source| MailError::TemplateRead {
            path: dir.to_owned(),
            source,
        })?;
        Ok(FileMailer(AsyncFileTransport::new(dir)))
    }
}

impl Mailer for FileMailer {
    async fn deliver(&self, message: Message) -> Result<(), MailError> {
        self.0.send(message).await?;
        Ok(())
    }
}

/// The transport the settings chose.
pub enum ConfiguredMailer {
    /// Production.
    Smtp(SmtpMailer),
    /// Demo files.
    Files(FileMailer),
}

impl ConfiguredMailer {
    /// The transport for `settings`.
    pub fn new(settings: &MailSettings) -> Result<ConfiguredMailer, MailError> {
        Ok(match &settings.transport {
            MailTransport::Smtp(smtp) => ConfiguredMailer::Smtp(SmtpMailer::new(smtp)?),
            MailTransport::Directory(dir) => ConfiguredMailer::Files(FileMailer::new(dir)?),
        })
    }
}

impl Mailer for ConfiguredMailer {
    async fn deliver(&self, message: Message) -> Result<(), MailError> {
        match self {
            ConfiguredMailer::Smtp(m) => m.deliver(message).await,
            ConfiguredMailer::Files(m) => m.deliver(message).await,
        }
    }
}

/// Keeps messages in memory (unit tests).
#[cfg(test)]
#[derive(Default)]
pub struct MemoryMailer(pub std::sync::Mutex<Vec<Message>>);

#[cfg(test)]
impl Mailer for MemoryMailer {
    async fn deliver(&self, message: Message) -> Result<(), MailError> {
        self.0.lock().expect("not poisoned").push(message);
        Ok(())
    }
}

/// Turns outbox rows into mail: the outbox worker's [`Sender`].
pub struct OutboxSender<M> {
    mailer: M,
    templates: Arc<MailTemplates>,
    from: Mailbox,
    print_room: Mailbox,
    office: Office,
    /// What the proxy brings at the second visit, worded as the letter
    /// words it from the office's requirement (SHOKAI_ID_PROXY_RESPONSE).
    proxy_documents: String,
}

impl<M: Mailer> OutboxSender<M> {
    /// A sender through `mailer` with the addresses of `settings`.
    pub fn new(
        mailer: M,
        templates: Arc<MailTemplates>,
        settings: &MailSettings,
        office: Office,
        proxy_documents: String,
    ) -> Result<OutboxSender<M>, MailError> {
        Ok(OutboxSender {
            mailer,
            templates,
            from: mailbox(&settings.from, "SHOKAI_MAIL_FROM")?,
            print_room: mailbox(&settings.print_room, "SHOKAI_MAIL_PRINT_ROOM")?,
            office,
            proxy_documents,
        })
    }

    /// The message for an outbox row.
    pub async fn build(&self, row: &OutboxMessage) -> Result<Message, MailError> {
        let vars = self.vars(row)?;
        let (subject, body) = self.templates.render(&row.kind, &vars)?;
        // The print room's mail says a batch is ready; the file with the
        // codes is downloaded by the print room's login, never mailed.
        let (to, attachments) = if row.kind == BATCH_PRINT {
            (self.print_room.clone(), Vec::new())
        } else if row.kind == AUDIT_CHECKPOINT {
            // The signed file itself, byte for byte as written to the
            // checkpoint directory, for the auditors to keep apart.
            let to = mailbox(
                payload_str(&row.payload, "to")?,
                "the audit staff's address",
            )?;
            let file = payload_str(&row.payload, "checkpoint")?.as_bytes().to_vec();
            let name = payload_str(&row.payload, "file_name")?;
            (to, vec![(name, file, "application/json")])
        } else {
            let to = mailbox(payload_str(&row.payload, "to")?, "the proxy's address")?;
            (to, Vec::new())
        };
        compose(
            &self.from,
            to,
            &subject,
            body,
            attachments,
            &row.idempotency_key,
        )
    }

    fn vars(&self, row: &OutboxMessage) -> Result<BTreeMap<&'static str, String>, MailError> {
        let allowed = KINDS
            .iter()
            .find(|(kind, _)| *kind == row.kind)
            .map(|(_, names)| *names)
            .ok_or_else(|| MailError::Unsendable(format!("unknown mail kind {}", row.kind)))?;
        let mut vars = BTreeMap::new();
        let office = [
            ("office_name", &self.office.name),
            ("office_address", &self.office.postal_address()),
            ("office_phone", &self.office.phone),
            ("office_hours", &self.office.hours),
            ("proxy_documents", &self.proxy_documents),
        ];
        for name in allowed {
            let value = match office.iter().find(|(n, _)| n == name) {
                Some((_, v)) => (*v).clone(),
                // Messages queued before resets existed were all changes.
                None if *name == "procedure" && row.payload.get(name).is_none() => {
                    Procedure::Change.name_ja().to_owned()
                }
                None => payload_text(&row.payload, name),
            };
            vars.insert(*name, value);
        }
        Ok(vars)
    }
}

impl<M: Mailer> Sender for OutboxSender<M> {
    async fn send(&self, message: &OutboxMessage) -> Result<(), SendError> {
        let built = self
            .build(message)
            .await
            .map_err(|e| SendError(e.to_string()))?;
        self.mailer
            .deliver(built)
            .await
            .map_err(|e| SendError(e.to_string()))?;
        tracing::info!(outbox_id = message.id, kind = %message.kind, "mail sent");
        Ok(())
    }
}

/// A message: a plain-text body (UTF-8; lettre encodes the Japanese subject
/// as an RFC 2047 encoded word) and, if any, attached files.
pub fn compose(
    from: &Mailbox,
    to: Mailbox,
    subject: &str,
    body: String,
    attachments: Vec<(&str, Vec<u8>, &str)>,
    key: &str,
) -> Result<Message, MailError> {
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(message_id(key, from)));
    if attachments.is_empty() {
        return Ok(builder.singlepart(SinglePart::plain(body))?);
    }
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(body));
    for (name, bytes, kind) in attachments {
        parts = parts.singlepart(Attachment::new(name.to_owned()).body(bytes, content_type(kind)?));
    }
    Ok(builder.multipart(parts)?)
}

/// A payload value as the template prints it: dates in Japanese
/// (`2026年12月28日`), lists joined, absent values empty.
fn payload_text(payload: &Value, name: &str) -> String {
    match &payload[name] {
        Value::String(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(|d| d.format("%Y年%-m月%-d日").to_string())
            .unwrap_or_else(|_| s.clone()),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn payload_str<'a>(payload: &'a Value, name: &str) -> Result<&'a str, MailError> {
    payload[name]
        .as_str()
        .ok_or_else(|| MailError::Unsendable(format!("the message has no {name}")))
}

fn mailbox(address: &str, what: &'static str) -> Result<Mailbox, MailError> {
    address.parse().map_err(|_| MailError::Address { what })
}

fn content_type(value: &str) -> Result<ContentType, MailError> {
    ContentType::parse(value)
        .map_err(|e| MailError::Unsendable(format!("content type {value}: {e}")))
}

/// A Message-ID derived from the outbox key, so a message sent twice (the
/// outbox delivers at least once) carries the same id and can be
/// recognised as a duplicate.
fn message_id(key: &str, from: &Mailbox) -> String {
    let digest = hex::encode(&Sha256::digest(key.as_bytes())[..16]);
    format!("<{digest}@{}>", from.email.domain())
}

#[cfg(test)]
mod tests {
    use mail_parser::MimeHeaders;

    use super::*;

    fn repo_templates() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates/mail")
    }

    fn vars(pairs: &[(&'static str, &str)]) -> BTreeMap<&'static str, String> {
        pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
    }

    #[test]
    fn the_committed_templates_load_and_fill_every_placeholder() {
        let templates = MailTemplates::load(&repo_templates()).unwrap();
        for (kind, names) in KINDS {
            let all: BTreeMap<&'static str, String> =
                names.iter().map(|n| (*n, format!("<{n}>"))).collect();
            let (subject, body) = templates.render(kind, &all).unwrap();
            assert!(!subject.contains("{{") && !body.contains("{{"), "{kind}");
        }
        let (subject, body) = templates
            .render(
                LETTER_MAILED,
                &vars(&[
                    ("proxy_name", "佐藤 花子"),
                    ("procedure", "暗証番号の再設定（初期化）"),
                    ("reference", "R8-000123-4"),
                    ("mailed_on", "2026年11月26日"),
                    ("deadline", "2026年12月28日"),
                    (
                        "proxy_documents",
                        "顔写真付き本人確認書類1点（運転免許証など）",
                    ),
                    ("office_name", "テスト区役所"),
                    ("office_address", "東京都テスト区1-1-1"),
                    ("office_phone", "03-0000-0000"),
                    ("office_hours", "平日 8:30〜17:15"),
                ]),
            )
            .unwrap();
        assert!(subject.contains("R8-000123-4"), "{subject}");
        for needed in [
            "佐藤 花子 様",
            "2026年12月28日",
            "顔写真付き",
            "委任状",
            "マイナンバーカードの暗証番号の再設定（初期化）（任意代理人による申請）",
        ] {
            assert!(body.contains(needed), "{needed} missing from {body}");
        }
    }

    #[test]
    fn a_missing_file_or_an_unknown_placeholder_stops_the_load_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        for (kind, _) in KINDS {
            std::fs::create_dir_all(dir.path().join(kind)).unwrap();
            std::fs::write(
                dir.path().join(kind).join("subject.txt"),
                "件名 {{reference}}\n",
            )
            .unwrap();
            std::fs::write(dir.path().join(kind).join("body.txt"), "本文\n").unwrap();
        }
        let err = MailTemplates::load(dir.path()).unwrap_err();
        assert!(err.to_string().contains("batch_print"), "{err}");
        assert!(err.to_string().contains("{{reference}}"), "{err}");

        std::fs::write(
            dir.path().join(BATCH_PRINT).join("subject.txt"),
            "印刷 {{batch}}",
        )
        .unwrap();
        std::fs::remove_file(dir.path().join(LETTER_MAILED).join("body.txt")).unwrap();
        let err = MailTemplates::load(dir.path()).unwrap_err();
        assert!(
            matches!(err, MailError::TemplateRead { ref path, .. } if path.ends_with("letter_mailed/body.txt")),
            "{err}"
        );
    }

    #[test]
    fn a_message_carries_the_japanese_subject_encoded_and_the_attachments_byte_for_byte() {
        let from: Mailbox = "区役所 <office@example.jp>".parse().unwrap();
        let pdf = b"%PDF-1.7\n\x00\xff binary".to_vec();
        let csv = "reference,name\r\nR8-000123-4,山田 太郎\r\n"
            .as_bytes()
            .to_vec();
        let message = compose(
            &from,
            "print@example.jp".parse().unwrap(),
            "【印刷依頼】照会書 2026年11月26日 発送分",
            "本文です。".to_owned(),
            vec![
                (PRINT_FILE, pdf.clone(), "application/pdf"),
                (MANIFEST_FILE, csv.clone(), "text/csv; charset=utf-8"),
            ],
            "batch-print:7",
        )
        .unwrap();

        let raw = message.formatted();
        let head =
            String::from_utf8_lossy(&raw[..raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap()])
                .into_owned();
        assert!(
            head.to_ascii_lowercase().contains("subject: =?utf-8?"),
            "{head}"
        );
        let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert_eq!(
            parsed.subject(),
            Some("【印刷依頼】照会書 2026年11月26日 発送分")
        );
        assert_eq!(parsed.body_text(0).unwrap().trim(), "本文です。");
        let files: Vec<(String, Vec<u8>)> = parsed
            .attachments()
            .map(|a| {
                (
                    a.attachment_name().unwrap().to_owned(),
                    a.contents().to_vec(),
                )
            })
            .collect();
        assert_eq!(
            files,
            vec![
                (PRINT_FILE.to_owned(), pdf),
                (MANIFEST_FILE.to_owned(), csv)
            ]
        );
        assert_eq!(
            parsed.message_id(),
            Some(message_id("batch-print:7", &from).trim_matches(['<', '>']))
        );
    }

    #[tokio::test]
    async fn the_in_memory_mailer_keeps_what_it_was_given() {
        let mailer = MemoryMailer::default();
        let from: Mailbox = "office@example.jp".parse().unwrap();
        let message = compose(
            &from,
            "proxy@example.jp".parse().unwrap(),
            "件名",
            "本文".into(),
            Vec::new(),
            "k",
        )
        .unwrap();
        mailer.deliver(message).await.unwrap();
        assert_eq!(mailer.0.lock().unwrap().len(), 1);
    }

    #[test]
    fn dates_in_a_payload_print_in_japanese_and_lists_one_per_line() {
        let payload = serde_json::json!({ "deadline": "2026-12-28", "references": ["R8-000001-3", "R8-000002-1"], "letters": 2 });
        assert_eq!(payload_text(&payload, "deadline"), "2026年12月28日");
        assert_eq!(
            payload_text(&payload, "references"),
            "R8-000001-3\nR8-000002-1"
        );
        assert_eq!(payload_text(&payload, "letters"), "2");
    }
}
