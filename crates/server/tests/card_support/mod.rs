//! Running the `shokai` binary from the card CLI tests (`card_cli.rs`, `pcsc.rs`).

/// The matcher of every secret scan (`tests/e2e/secrets.rs`, shared with
/// the end-to-end tests): whole values only, the matching line on failure.
#[allow(dead_code)] // pcsc.rs includes this module too and scans for nothing
#[path = "../../../../tests/e2e/secrets.rs"]
pub mod secrets;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// What one run of `shokai` did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `shokai` with `args`, feeding `stdin`.
pub fn shokai(args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shokai"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that refuses early may exit before reading its input.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    Run {
        code: status.code().unwrap(),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

/// The try counter a simulated card file holds for one PIN.
pub fn tries_left_in_file(sim: &Path, kind: &str) -> u64 {
    let text = std::fs::read_to_string(sim).unwrap();
    let state: serde_json::Value = serde_json::from_str(&text).unwrap();
    state["pins"][kind]["tries_left"].as_u64().unwrap()
}
