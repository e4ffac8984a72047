//! Bad settings stop `shokai serve` before it listens, with exit code 2 and
//! a message naming the key, and without echoing secrets.

use std::process::Stdio;

use crate::helpers::{assert_secret_absent, base_env, shokai_command};

/// Runs `shokai serve` with the base settings, some removed or replaced, and
/// returns (exit code, stderr).
pub async fn serve_with(remove: &[&str], set: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = shokai_command(dir.path());
    cmd.arg("serve");
    for (key, value) in base_env(dir.path()) {
        if !remove.contains(&key) {
            cmd.env(key, value);
        }
    }
    cmd.envs(set.iter().copied());
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = cmd.output().await.unwrap();
    assert!(out.stdout.is_empty(), "nothing listened");
    (out.status.code(), String::from_utf8(out.stderr).unwrap())
}

#[tokio::test]
async fn a_missing_code_key_stops_the_server_with_exit_code_two() {
    let (code, stderr) = serve_with(&["SHOKAI_CODE_KEYS"], &[]).await;

    assert_eq!(code, Some(2));
    assert!(stderr.contains("SHOKAI_CODE_KEYS"), "{stderr}");
    assert!(stderr.contains(".env.example"), "{stderr}");
}

#[tokio::test]
async fn a_weak_code_key_is_refused_without_printing_it() {
    let (code, stderr) = serve_with(&[], &[("SHOKAI_CODE_KEYS", "k=deadbeefcafe")]).await;

    assert_eq!(code, Some(2));
    assert!(stderr.contains("SHOKAI_CODE_KEYS"), "{stderr}");
    assert_secret_absent("the refusal on stderr", &stderr, "deadbeefcafe");
}

#[tokio::test]
async fn a_settings_file_is_read_and_the_environment_wins_over_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shokai.env");
    std::fs::write(
        &file,
        "SHOKAI_BIND=not-an-address\nSHOKAI_DEADLINE_DAYS=0\n",
    )
    .unwrap();

    let (code, stderr) = serve_with(&[], &[("SHOKAI_CONFIG", file.to_str().unwrap())]).await;

    // SHOKAI_BIND comes from the environment (valid); the file's bad deadline
    // is all that is left to complain about.
    assert_eq!(code, Some(2));
    assert!(stderr.contains("SHOKAI_DEADLINE_DAYS"), "{stderr}");
    assert!(!stderr.contains("SHOKAI_BIND"), "{stderr}");
}
