//! Signed audit checkpoints through the real binary: `audit keygen`,
//! `audit checkpoint`, `audit verify --checkpoints`, and the daily one `serve`
//! makes. The insider here drops the append-only triggers, rewrites an event
//! and recomputes every later hash and the head.

use std::path::Path;

use shokai_store::Store;
use shokai_store::audit;
use shokai_store::checkpoint;
use shokai_store::testing::rewrite_chain_sql;

use mail_parser::MimeHeaders as _;

use crate::helpers::{Role, TestApp};

/// Rewrites the reason of event 1 and recomputes every hash and the head.
async fn rewrite_the_whole_chain(url: &str) {
    let store = Store::connect(url).await.unwrap();
    let mut tx = store.read().await.unwrap();
    let far = chrono::Duration::days(365 * 100);
    let now = chrono::Utc::now();
    let entries = audit::events_between(&mut tx, now - far, now + far)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    store.close().await;
    let sql = format!(
        "DROP TRIGGER audit_log_no_update; {}",
        rewrite_chain_sql(&entries, 1, "nothing happened")
    );
    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(url)
        .await
        .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut db)
        .await
        .unwrap();
}

fn only_file_in(dir: &Path) -> String {
    let names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    names[0].clone()
}

/// `shokai audit keygen --out KEY` then `checkpoint --key SIGNER --out DIR`;
/// returns KEY's public key.
async fn keygen_and_checkpoint(app: &TestApp, key: &str, signer: &str, dir: &str) -> String {
    let (code, public_key, err) = app.cli(&["audit", "keygen", "--out", key], "").await;
    assert_eq!(code, Some(0), "{err}");
    let args = ["audit", "checkpoint", "--key", signer, "--out", dir];
    let (code, out, err) = app.cli(&args, "").await;
    assert_eq!(code, Some(0), "{out}{err}");
    public_key.trim().to_owned()
}

#[tokio::test]
async fn keygen_checkpoint_and_verify_catch_an_insider_who_recomputes_every_hash() {
    let app = TestApp::spawn().await;
    let clerk = app.token_for(Role::Clerk).await;
    app.open_proxy_case(&clerk).await;
    let public_key =
        keygen_and_checkpoint(&app, "auditors.key", "auditors.key", "checkpoints").await;
    assert_eq!(public_key.len(), 64, "{public_key}");
    let verify = [
        "audit",
        "verify",
        "--checkpoints",
        "checkpoints",
        "--public-key",
    ];
    let (code, out, err) = app
        .cli(&[&verify[..], &["auditors.key.pub"]].concat(), "")
        .await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("1 signed checkpoints agree"), "{out}");

    rewrite_the_whole_chain(app.database_url()).await;

    let (code, out, err) = app.cli(&["audit", "verify"], "").await;
    assert_eq!(code, Some(0), "the chain alone cannot tell: {out}{err}");
    let (code, out, err) = app
        .cli(&[&verify[..], &[public_key.as_str()]].concat(), "")
        .await;
    assert_eq!(code, Some(1), "{out}{err}");
    let name = only_file_in(&app.data_dir().join("checkpoints"));
    assert!(
        err.contains(&name) && err.contains("rewritten at or before event"),
        "{err}"
    );
}

#[tokio::test]
async fn a_checkpoint_signed_by_another_key_or_unsigned_is_refused() {
    let app = TestApp::spawn().await;
    let (code, _, err) = app
        .cli(&["audit", "keygen", "--out", "auditors.key"], "")
        .await;
    assert_eq!(code, Some(0), "{err}");
    keygen_and_checkpoint(&app, "insiders.key", "insiders.key", "cp").await;
    let (code, _, err) = app
        .cli(&["audit", "keygen", "--out", "auditors.key"], "")
        .await;
    assert_eq!(code, Some(2), "a key file is never overwritten: {err}");
    let verify = [
        "audit",
        "verify",
        "--checkpoints",
        "cp",
        "--public-key",
        "auditors.key.pub",
    ];

    let (code, _, err) = app.cli(&verify, "").await;
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("signed by another key"), "{err}");

    let name = only_file_in(&app.data_dir().join("cp"));
    let path = app.data_dir().join("cp").join(&name);
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    json.as_object_mut().unwrap().remove("signature");
    std::fs::write(&path, json.to_string()).unwrap();
    let (code, _, err) = app.cli(&verify, "").await;
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains(&name) && err.contains("unsigned"), "{err}");

    let (code, _, err) = app
        .cli(&["audit", "verify", "--checkpoints", "cp"], "")
        .await;
    assert_eq!(
        code,
        Some(2),
        "checkpoints need a trusted public key: {err}"
    );
}

#[tokio::test]
async fn serve_signs_a_checkpoint_when_a_key_is_configured() {
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("auditors.key");
    let key = checkpoint::generate_signing_key();
    checkpoint::write_key_files(&key_file, &key).unwrap();
    let dir = keys.path().join("checkpoints");
    let key_setting = key_file.display().to_string();
    let dir_setting = dir.display().to_string();

    let app = TestApp::spawn_with(&[
        ("SHOKAI_AUDIT_SIGNING_KEY", &key_setting),
        ("SHOKAI_AUDIT_CHECKPOINT_DIR", &dir_setting),
    ])
    .await;

    let mut files = Vec::new();
    for _ in 0..100 {
        files = checkpoint::read_dir(&dir).unwrap_or_default();
        if !files.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(files.len(), 1, "the day's checkpoint, made at start-up");
    let public_key = checkpoint::public_key_hex(&key);
    let (code, out, err) = app
        .cli(
            &[
                "audit",
                "verify",
                "--checkpoints",
                &dir_setting,
                "--public-key",
                &public_key,
            ],
            "",
        )
        .await;
    assert_eq!(code, Some(0), "{out}{err}");
}

/// `mail` carries the checkpoint `file` of `dir`, attached byte for byte,
/// and says how to verify with it.
fn assert_mail_carries(
    mail: &crate::mail::Received,
    dir: &Path,
    file: &checkpoint::CheckpointFile,
) {
    let message = crate::mail::parse(&mail.data);
    let subject = message.subject().unwrap();
    assert!(subject.contains("チェックポイント"), "{subject}");
    let attached: Vec<_> = message.attachments().collect();
    assert_eq!(attached.len(), 1);
    let on_disk = std::fs::read(dir.join(&file.name)).unwrap();
    assert_eq!(
        attached[0].contents(),
        on_disk,
        "the signed file, byte for byte"
    );
    assert_eq!(attached[0].attachment_name(), Some(file.name.as_str()));
    let hash = &file.checkpoint.as_ref().unwrap().hash;
    let body = message.body_text(0).unwrap().into_owned();
    assert!(
        body.contains(hash.as_str()) && body.contains("shokai audit verify"),
        "{body}"
    );
}

/// The audit staff's mailbox in these tests.
const AUDITORS: &str = "audit@example.jp";

#[tokio::test]
async fn the_daily_checkpoint_and_one_made_on_the_command_line_are_mailed_to_the_audit_staff() {
    let smtp = crate::mail::SmtpServer::start().await;
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("auditors.key");
    let key = checkpoint::generate_signing_key();
    checkpoint::write_key_files(&key_file, &key).unwrap();
    let dir = keys.path().join("checkpoints");
    let (key_setting, dir_setting) = (key_file.display().to_string(), dir.display().to_string());
    let app = crate::mail::spawn_with_mail(
        &smtp,
        &[
            ("SHOKAI_AUDIT_SIGNING_KEY", &key_setting),
            ("SHOKAI_AUDIT_CHECKPOINT_DIR", &dir_setting),
            ("SHOKAI_AUDIT_CHECKPOINT_MAIL", AUDITORS),
        ],
    )
    .await;

    let daily = smtp.message_to(AUDITORS).await;
    app.add_user("sato", Role::Clerk).await;
    let (code, out, err) = app
        .cli(
            &[
                "audit",
                "checkpoint",
                "--key",
                &key_setting,
                "--out",
                &dir_setting,
            ],
            "",
        )
        .await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains(&format!("queued for mail to {AUDITORS}")),
        "{out}"
    );
    let both = smtp.messages_to(AUDITORS, 2).await;

    let files = checkpoint::read_dir(&dir).unwrap();
    assert_eq!(files.len(), 2, "the daily one and the command line's");
    assert_mail_carries(&daily, &dir, &files[0]);
    assert_mail_carries(&both[1], &dir, &files[1]);
    let (code, _, err) = app
        .cli(
            &[
                "audit",
                "checkpoint",
                "--key",
                &key_setting,
                "--out",
                &dir_setting,
                "--mail-to",
                "not an address",
            ],
            "",
        )
        .await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--mail-to"), "{err}");
}
