//! End to end through the real PC/SC stack: `shokai card emulate` serves a
//! simulated card to vsmartcard's vpcd driver inside a running pcscd, and
//! `shokai card status` / `change-pin` (built with `--features pcsc`) reach it
//! as a card in the "Virtual PCD 00 01" reader.
//!
//! Needs pcscd running with the vpcd driver (`.ci/run` starts it); `make test`
//! runs this through `.ci/pcsc-test`, which says clearly when and why it is
//! skipped, and fails instead of skipping when CI=true.
#![cfg(feature = "pcsc")]
// Helpers outside #[test] functions panic on purpose, like the tests themselves.
#![allow(clippy::unwrap_used)]

mod card_support;

use card_support::{Run, shokai, tries_left_in_file};

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::Duration;

/// vpcd's second slot, so a developer's own `shokai card emulate` on the
/// default port 35963 ("Virtual PCD 00 00") is left alone.
const VPCD: &str = "127.0.0.1:35964";
const READER: &str = "Virtual PCD 00 01";

/// The emulator process; stopped when the test ends, pass or fail.
struct Emulator(Child);

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs a command and echoes it with its output, so the test log is a transcript.
fn step(transcript: &mut String, args: &[&str], stdin: &str) -> Run {
    let run = shokai(args, stdin);
    let shown: Vec<String> = args
        .iter()
        .map(|a| {
            if a.contains(' ') {
                format!("{a:?}")
            } else {
                (*a).to_owned()
            }
        })
        .collect();
    let piped = if stdin.is_empty() {
        String::new()
    } else {
        "printf '…' | ".to_owned()
    };
    transcript.push_str(&format!(
        "$ {piped}shokai {}\n{}{}[exit {}]\n",
        shown.join(" "),
        run.stdout,
        run.stderr,
        run.code
    ));
    run
}

/// Waits until pcscd reports the emulated card in the reader.
fn wait_for_card() -> Run {
    let mut last = shokai(&["card", "status", "--reader", READER], "");
    for _ in 0..60 {
        if last.code == 0 {
            break;
        }
        sleep(Duration::from_millis(500));
        last = shokai(&["card", "status", "--reader", READER], "");
    }
    last
}

/// A simulated card served through vpcd for the length of one test.
struct Served {
    _dir: tempfile::TempDir,
    sim: PathBuf,
    /// What `shokai card sim new` printed, with the certificate fingerprint.
    created: String,
    emulator: Emulator,
}

fn serve_new_card() -> Served {
    assert!(
        Path::new("/run/pcscd/pcscd.comm").exists(),
        "pcscd is not running (start it with `pcscd`; .ci/run does)"
    );
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("card.json");
    let sim_s = sim.to_str().unwrap();
    let pins = ["--signature-pin", "ABC123", "--user-auth-pin", "1234"];
    let more = ["--resident-pin", "1234", "--card-info-pin", "5678"];
    let mut args = vec!["card", "sim", "new", "--out", sim_s, "--seed", "pcsc-test"];
    args.extend(pins.iter().chain(&more));
    let made = shokai(&args, "");
    assert_eq!(made.code, 0, "{}", made.stderr);
    let emulator = Emulator(
        Command::new(env!("CARGO_BIN_EXE_shokai"))
            .args(["card", "emulate", "--vpcd", VPCD, "--sim", sim_s])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let ready = wait_for_card();
    assert_eq!(
        ready.code, 0,
        "the emulated card never showed up in {READER:?}: {}",
        ready.stderr
    );
    Served {
        _dir: dir,
        sim,
        created: made.stdout,
        emulator,
    }
}

fn status_then_change_user_auth(t: &mut String) {
    let status = step(t, &["card", "status", "--reader", READER], "");
    assert_eq!(status.code, 0);
    assert!(
        status.stdout.contains("user_auth  残り3回 / 3 tries left"),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("signature  残り5回 / 5 tries left"),
        "{}",
        status.stdout
    );

    let change = [
        "card",
        "change-pin",
        "--pin",
        "user_auth",
        "--reader",
        READER,
        "--stdin",
    ];
    let wrong = step(t, &change, "1111\n9876\n9876\n");
    assert_eq!(wrong.code, 3, "{}", wrong.stderr);
    assert!(
        wrong
            .stderr
            .contains("残り2回 / wrong user_auth PIN: 2 tries left"),
        "{}",
        wrong.stderr
    );
    let right = step(t, &change, "1234\n9876\n9876\n");
    assert_eq!(right.code, 0, "{}", right.stderr);
    assert!(
        right
            .stdout
            .contains("user_auth PIN changed (3 tries left)"),
        "{}",
        right.stdout
    );
}

fn block_card_info(t: &mut String) {
    let block = [
        "card",
        "change-pin",
        "--pin",
        "card_info",
        "--reader",
        READER,
        "--stdin",
        "--yes",
    ];
    for expected in [3, 3, 4] {
        assert_eq!(step(t, &block, "0000\n1357\n1357\n").code, expected);
    }
    let after = step(t, &["card", "status", "--reader", READER], "");
    assert!(
        after.stdout.contains("user_auth  残り3回 / 3 tries left"),
        "{}",
        after.stdout
    );
    assert!(
        after.stdout.contains("card_info  ロック中 / BLOCKED"),
        "{}",
        after.stdout
    );
}

#[test]
fn status_and_change_pin_work_through_pcscd_and_vpcd() {
    let served = serve_new_card();
    let mut transcript = String::new();
    status_then_change_user_auth(&mut transcript);
    block_card_info(&mut transcript);
    let fingerprint = step(
        &mut transcript,
        &["card", "fingerprint", "--reader", READER],
        "",
    );
    assert!(
        served.created.contains(fingerprint.stdout.trim()),
        "{} vs {}",
        served.created,
        fingerprint.stdout
    );

    // The emulator saved every change to the card file.
    assert_eq!(tries_left_in_file(&served.sim, "card_info"), 0);
    let sim = served.sim.to_str().unwrap();
    let retry = shokai(
        &[
            "card",
            "change-pin",
            "--pin",
            "user_auth",
            "--sim",
            sim,
            "--stdin",
        ],
        "9876\n2468\n2468\n",
    );
    assert_eq!(retry.code, 0, "the new PIN was persisted: {}", retry.stderr);

    // With the emulator gone the reader is empty: exit code 5 (once pcscd has
    // noticed; a command caught mid-way may fail differently before that).
    drop(served.emulator);
    let mut empty = shokai(&["card", "status", "--reader", READER], "");
    for _ in 0..60 {
        if empty.code == 5 {
            break;
        }
        sleep(Duration::from_millis(500));
        empty = shokai(&["card", "status", "--reader", READER], "");
    }
    assert_eq!(empty.code, 5, "{}", empty.stderr);
    assert!(
        empty.stderr.contains("no card in reader"),
        "{}",
        empty.stderr
    );

    println!(
        "pcsc test ran: status and change-pin through pcscd and vpcd reader {READER:?}\n{transcript}"
    );
}
