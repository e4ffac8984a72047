//! Mail through a real SMTP conversation: a small SMTP server runs inside the
//! test process, the real binary sends to it (`SHOKAI_MAIL_TLS=none`), and
//! the tests parse what arrived. SQLite only: the mail path reads the same
//! store functions on both backends, which `batches` covers on both.
//!
//! Why a hand-written listener and not `mailin-embedded`: that crate needs a
//! TLS backend feature (rustls or OpenSSL) even to accept plain SMTP, which
//! would add a second TLS stack to the build for a test that speaks plain
//! SMTP. The listener below implements the handful of commands lettre sends.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use crate::batches::{close_batch, download};
use crate::helpers::{Role, TestApp, assert_secret_absent, proxy_intake};

/// One message as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

/// An SMTP server on a free port of 127.0.0.1, keeping what it receives.
pub struct SmtpServer {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    arrived: Arc<Notify>,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let (store, notify) = (received.clone(), arrived.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, store.clone(), notify.clone()));
            }
        });
        SmtpServer {
            port,
            received,
            arrived,
        }
    }

    /// Waits (bounded, so a broken sender fails the test) for a message to `to`.
    pub async fn message_to(&self, to: &str) -> Received {
        let wait = async {
            loop {
                let notified = self.arrived.notified();
                if let Some(m) = self
                    .received
                    .lock()
                    .unwrap()
                    .iter()
                    .find(|m| m.to.iter().any(|t| t == to))
                {
                    return m.clone();
                }
                notified.await;
            }
        };
        tokio::time::timeout(Duration::from_secs(30), wait)
            .await
            .unwrap_or_else(|_| panic!("no mail to {to} arrived"))
    }

    /// Waits (bounded) until `n` messages to `to` arrived; returns them in order.
    pub async fn messages_to(&self, to: &str, n: usize) -> Vec<Received> {
        let wait = async {
            loop {
                let notified = self.arrived.notified();
                let found: Vec<Received> = self
                    .received
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|m| m.to.iter().any(|t| t == to))
                    .cloned()
                    .collect();
                if found.len() >= n {
                    return found;
                }
                notified.await;
            }
        };
        tokio::time::timeout(Duration::from_secs(30), wait)
            .await
            .unwrap_or_else(|_| panic!("{n} mails to {to} did not arrive"))
    }

    /// Every message received so far.
    pub fn messages_to_everyone(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn count_to(&self, to: &str) -> usize {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.to.iter().any(|t| t == to))
            .count()
    }
}

/// One SMTP session: greeting, EHLO/HELO, MAIL, RCPT, DATA (dot-unstuffed), QUIT.
async fn session(stream: TcpStream, store: Arc<Mutex<Vec<Received>>>, arrived: Arc<Notify>) {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut to = Vec::new();
    let _ = write.write_all(b"220 localhost test SMTP\r\n").await;
    let mut line = Vec::new();
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = String::from_utf8_lossy(&line).trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250 localhost\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            to.clear();
            b"250 OK\r\n"
        } else if let Some(rest) = upper.strip_prefix("RCPT TO:") {
            let start = command.len() - rest.len();
            to.push(command[start..].trim().trim_matches(['<', '>']).to_owned());
            b"250 OK\r\n"
        } else if upper == "DATA" {
            let _ = write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await;
            let mut data = Vec::new();
            loop {
                line.clear();
                if read.read_until(b'\n', &mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                if line == b".\r\n" {
                    break;
                }
                let unstuffed = if line.starts_with(b"..") {
                    &line[1..]
                } else {
                    &line[..]
                };
                data.extend_from_slice(unstuffed);
            }
            store.lock().unwrap().push(Received {
                to: std::mem::take(&mut to),
                data,
            });
            arrived.notify_waiters();
            b"250 OK queued\r\n"
        } else if upper == "QUIT" {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else if upper == "RSET" || upper == "NOOP" {
            b"250 OK\r\n"
        } else {
            b"502 not implemented\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

pub const PRINT_ROOM: &str = "print@example.jp";
pub const PROXY: &str = "hanako.sato@example.jp";

pub fn mail_env(smtp: &SmtpServer) -> Vec<(&'static str, String)> {
    vec![
        ("SHOKAI_MAIL_HOST", "127.0.0.1".to_owned()),
        ("SHOKAI_MAIL_PORT", smtp.port.to_string()),
        ("SHOKAI_MAIL_TLS", "none".to_owned()),
        ("SHOKAI_MAIL_FROM", "office@example.jp".to_owned()),
        ("SHOKAI_MAIL_PRINT_ROOM", PRINT_ROOM.to_owned()),
    ]
}

pub async fn spawn_with_mail(smtp: &SmtpServer, extra: &[(&'static str, &str)]) -> TestApp {
    let env = mail_env(smtp);
    let mut all: Vec<(&'static str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    all.extend_from_slice(extra);
    TestApp::spawn_with(&all).await
}

/// `POST /api/batches/{id}/mailed` as `token`, mailed today.
async fn mark_mailed(app: &TestApp, token: &str, id: i64) -> reqwest::Response {
    app.call(
        Method::POST,
        &format!("/api/batches/{id}/mailed"),
        Some(token),
        Some(&json!({})),
    )
    .await
}

/// A proxy case (the proxy gave an e-mail address) with its letter issued.
async fn proxy_case_with_email(app: &TestApp, token: &str) -> Value {
    let mut intake = proxy_intake();
    intake["representation"]["email"] = json!(PROXY);
    let case = app.open_case(token, &intake).await;
    let id = case["id"].as_i64().unwrap();
    let issued = app
        .call(
            Method::POST,
            &format!("/api/cases/{id}/letters"),
            Some(token),
            Some(&json!({ "version": case["version"] })),
        )
        .await;
    assert_eq!(issued.status(), StatusCode::CREATED);
    case
}

/// Every `XXXXX-XXXXX` group (a printed verification code) in `text`.
pub fn code_shaped(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let alnum = |c: &char| c.is_ascii_uppercase() || c.is_ascii_digit();
    chars
        .windows(11)
        .filter(|w| w[5] == '-' && w[..5].iter().all(alnum) && w[6..].iter().all(alnum))
        .map(|w| w.iter().collect())
        .collect()
}

/// The verification codes printed in a PDF, as poppler's pdftotext reads them.
pub fn printed_codes(pdf: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("print.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext is installed (.ci/run installs poppler-utils)");
    // Boxed characters may come out spaced; the code itself has no space.
    let text: String = String::from_utf8_lossy(&out.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    code_shaped(&text)
}

pub fn parse(data: &[u8]) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(data)
        .expect("a MIME message")
}

#[tokio::test]
async fn the_print_room_is_told_a_batch_is_ready_without_the_file_or_any_code() {
    let smtp = SmtpServer::start().await;
    let app = spawn_with_mail(&smtp, &[]).await;
    let clerk = app.token_for(Role::Clerk).await;
    let printer = app.token_for(Role::Printer).await;
    let case = proxy_case_with_email(&app, &clerk).await;

    let batch = close_batch(&app, &clerk).await;

    let id = batch["id"].as_i64().unwrap();
    let (_, pdf) = download(&app, &printer, &format!("/api/batches/{id}/print.pdf")).await;
    let codes = printed_codes(&pdf);
    assert!(!codes.is_empty(), "the print file shows the code");
    let mail = smtp.message_to(PRINT_ROOM).await;
    let message = parse(&mail.data);
    assert_eq!(message.attachments().count(), 0, "nothing is attached");
    let subject = message.subject().unwrap();
    assert!(
        subject.contains("印刷依頼") && subject.contains("1通"),
        "{subject}"
    );
    let body = message.body_text(0).unwrap().into_owned();
    assert!(body.contains(case["reference"].as_str().unwrap()), "{body}");
    assert!(
        body.contains(&hex::encode(Sha256::digest(&pdf))),
        "the print room can check the file it downloads: {body}"
    );
    let raw = String::from_utf8_lossy(&mail.data).into_owned();
    for code in &codes {
        assert_secret_absent("the print room's mail", &raw, code);
        assert_secret_absent("the print room's mail", &raw, &code.replace('-', ""));
    }
}

#[tokio::test]
async fn the_proxy_is_told_the_letter_was_mailed_with_the_deadline_and_without_the_code() {
    let smtp = SmtpServer::start().await;
    let app = spawn_with_mail(&smtp, &[]).await;
    let clerk = app.token_for(Role::Clerk).await;
    let case = proxy_case_with_email(&app, &clerk).await;
    let reference = case["reference"].as_str().unwrap();
    let id = close_batch(&app, &clerk).await["id"].as_i64().unwrap();
    let printer = app.token_for(Role::Printer).await;
    let (_, pdf) = download(&app, &printer, &format!("/api/batches/{id}/print.pdf")).await;
    let codes = printed_codes(&pdf);
    assert!(!codes.is_empty(), "the print file shows the code");

    let mailed = mark_mailed(&app, &clerk, id).await;

    assert_eq!(mailed.status(), StatusCode::OK);
    let deadline = mailed.json::<Value>().await.unwrap()["cases"][0]["deadline"]
        .as_str()
        .unwrap()
        .to_owned();
    let mail = smtp.message_to(PROXY).await;
    let message = parse(&mail.data);
    let body = message.body_text(0).unwrap().into_owned();
    assert!(message.subject().unwrap().contains(reference));
    assert!(body.contains(reference), "{body}");
    let (y, m, d) = (
        &deadline[..4],
        deadline[5..7].trim_start_matches('0'),
        deadline[8..].trim_start_matches('0'),
    );
    assert!(
        body.contains(&format!("{y}年{m}月{d}日")),
        "the deadline in Japanese: {body}"
    );
    for needed in ["顔写真付き", "委任状", "マイナンバーカード"] {
        assert!(body.contains(needed), "what to bring: {needed}");
    }
    for code in &codes {
        assert_secret_absent("the proxy's mail (decoded body)", &body, code);
        assert_secret_absent("the proxy's mail (as sent)", &mail.data, code);
    }
    assert!(code_shaped(&body).is_empty(), "{body}");
}

#[tokio::test]
async fn a_proxy_is_reminded_once_when_the_deadline_is_within_the_reminder_days() {
    let smtp = SmtpServer::start().await;
    // Thirty days to answer and a reminder sixty days ahead: due at once.
    let reminder = [("SHOKAI_REMINDER_DAYS", "60")];
    let mut app = spawn_with_mail(&smtp, &reminder).await;
    let clerk = app.token_for(Role::Clerk).await;
    let case = proxy_case_with_email(&app, &clerk).await;
    let id = close_batch(&app, &clerk).await["id"].as_i64().unwrap();
    let mailed = mark_mailed(&app, &clerk, id).await;
    assert_eq!(mailed.status(), StatusCode::OK);
    smtp.message_to(PROXY).await;

    // The reminder job runs when a server starts (then every minute), on
    // whichever server holds its lease. The first server gives its leases
    // up as it stops; two more on the same database start at once (one
    // takes the lease and scans) and stop (a graceful stop lets the pass
    // finish and gives the lease up); the first starts again and scans
    // again. Three scans of the one case, one reminder.
    let db = app.database_url().to_owned();
    let mut shared = reminder.to_vec();
    shared.push(("SHOKAI_DATABASE_URL", db.as_str()));
    assert!(app.stop().await.success(), "stopped gracefully");
    let (mut second, mut third) = tokio::join!(
        spawn_with_mail(&smtp, &shared),
        spawn_with_mail(&smtp, &shared)
    );
    for server in [&mut second, &mut third] {
        assert!(server.stop().await.success(), "stopped gracefully");
    }
    app.start_again().await;

    let wait = async {
        while smtp.count_to(PROXY) < 2 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .expect("a reminder arrives");
    let reminders: Vec<Received> = smtp
        .received
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m.to.iter().any(|t| t == PROXY))
        .cloned()
        .collect();
    let message = parse(&reminders[1].data);
    assert!(
        message.subject().unwrap().contains("回答期限"),
        "{:?}",
        message.subject()
    );
    assert!(
        message
            .body_text(0)
            .unwrap()
            .contains(case["reference"].as_str().unwrap())
    );
    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    let queued: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'deadline_reminder'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(queued, 1, "two scans, one reminder");
    assert_eq!(smtp.count_to(PROXY), 2, "the notice and one reminder");
}

#[tokio::test]
async fn the_proxys_mail_asks_for_the_documents_the_office_requires_at_the_second_visit() {
    let smtp = SmtpServer::start().await;
    let app = spawn_with_mail(&smtp, &[("SHOKAI_ID_PROXY_RESPONSE", "B+B")]).await;
    let clerk = app.token_for(Role::Clerk).await;
    proxy_case_with_email(&app, &clerk).await;
    let id = close_batch(&app, &clerk).await["id"].as_i64().unwrap();

    let mailed = mark_mailed(&app, &clerk, id).await;

    assert_eq!(mailed.status(), StatusCode::OK);
    let mail = smtp.message_to(PROXY).await;
    let body = parse(&mail.data).body_text(0).unwrap().into_owned();
    assert!(
        body.contains("本人確認書類2点"),
        "two documents, as set: {body}"
    );
    assert!(
        !body.contains("顔写真付き"),
        "no photo document asked: {body}"
    );
}
