//! `shokai card` as a cardholder uses it, against simulated card files:
//! what it prints, and the exit code a script sees.

// Helpers outside #[test] functions panic on purpose, like the tests themselves.
#![allow(clippy::unwrap_used)]

mod card_support;

use card_support::secrets::assert_secret_absent;
use card_support::{Run, shokai, tries_left_in_file};

use std::path::{Path, PathBuf};

/// A copy of a committed simulated card in a fresh temporary directory.
fn card(fixture: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("card.json");
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/cards")
        .join(fixture);
    std::fs::copy(source, &path).unwrap();
    (dir, path)
}

fn change(sim: &Path, kind: &str, lines: &str, extra: &[&str]) -> Run {
    let sim = sim.to_str().unwrap();
    let mut args = vec!["card", "change-pin", "--pin", kind, "--sim", sim, "--stdin"];
    args.extend_from_slice(extra);
    shokai(&args, lines)
}

fn status(sim: &Path) -> Run {
    shokai(&["card", "status", "--sim", sim.to_str().unwrap()], "")
}

#[test]
fn status_shows_every_pin_in_japanese_and_english() {
    let (_dir, sim) = card("cardholder.json");
    let run = status(&sim);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for expected in [
        "signature  残り5回 / 5 tries left",
        "user_auth  残り3回 / 3 tries left",
        "resident   残り3回 / 3 tries left",
        "card_info  残り3回 / 3 tries left",
        "署名用電子証明書 暗証番号 / signature certificate password",
    ] {
        assert!(
            run.stdout.contains(expected),
            "missing {expected:?} in\n{}",
            run.stdout
        );
    }
}

#[test]
fn status_of_a_card_without_a_signature_certificate_says_so() {
    let (_dir, sim) = card("minor.json");
    let run = status(&sim);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("signature  なし / not on this card"),
        "{}",
        run.stdout
    );
}

#[test]
fn change_pin_sets_the_new_pin_and_reports_the_tries_left() {
    let (_dir, sim) = card("cardholder.json");
    let run = change(&sim, "user_auth", "1234\n9876\n9876\n", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("user_auth PIN changed (3 tries left)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("を変更しました(残り3回)"),
        "{}",
        run.stdout
    );
    // The old PIN no longer works; the new one does.
    assert_eq!(change(&sim, "user_auth", "1234\n1111\n1111\n", &[]).code, 3);
    assert_eq!(change(&sim, "user_auth", "9876\n1111\n1111\n", &[]).code, 0);
}

#[test]
fn a_wrong_current_pin_exits_3_and_says_how_many_tries_are_left() {
    let (_dir, sim) = card("cardholder.json");
    let run = change(&sim, "signature", "WRONG1\nNEW999\nNEW999\n", &[]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr
            .contains("残り4回 / wrong signature PIN: 4 tries left"),
        "{}",
        run.stderr
    );
    assert_eq!(
        tries_left_in_file(&sim, "signature"),
        4,
        "the spent try is saved"
    );
}

#[test]
fn a_blocked_pin_exits_4_and_status_shows_it_blocked() {
    let (_dir, sim) = card("cardholder.json");
    let wrong = "0000\n9876\n9876\n";
    assert_eq!(change(&sim, "card_info", wrong, &[]).code, 3);
    assert_eq!(change(&sim, "card_info", wrong, &[]).code, 3);
    let third = change(&sim, "card_info", wrong, &["--yes"]);
    assert_eq!(third.code, 4, "{}", third.stderr);
    assert!(third.stderr.contains("now blocked"), "{}", third.stderr);
    let right = change(&sim, "card_info", "5678\n9876\n9876\n", &["--yes"]);
    assert_eq!(
        right.code, 4,
        "even the right PIN cannot change a blocked one"
    );
    assert!(
        right.stderr.contains("reset it at the ward office"),
        "{}",
        right.stderr
    );
    let shown = status(&sim).stdout;
    assert!(shown.contains("card_info  ロック中 / BLOCKED"), "{shown}");
}

#[test]
fn with_one_try_left_a_script_must_confirm_with_yes() {
    let (_dir, sim) = card("cardholder.json");
    for _ in 0..2 {
        assert_eq!(change(&sim, "resident", "0000\n9876\n9876\n", &[]).code, 3);
    }
    assert!(
        status(&sim)
            .stdout
            .contains("resident   残り1回 / 1 try left")
    );
    let declined = change(&sim, "resident", "1234\n9876\n9876\n", &[]);
    assert_eq!(declined.code, 6, "{}", declined.stderr);
    assert!(
        declined.stderr.contains("1 try left"),
        "{}",
        declined.stderr
    );
    assert_eq!(
        tries_left_in_file(&sim, "resident"),
        1,
        "no VERIFY was sent"
    );
    let confirmed = change(&sim, "resident", "1234\n9876\n9876\n", &["--yes"]);
    assert_eq!(confirmed.code, 0, "{}", confirmed.stderr);
    assert_eq!(tries_left_in_file(&sim, "resident"), 3);
}

#[test]
fn bad_input_exits_2_before_the_card_is_touched() {
    // The card file does not exist: reaching the card would fail with exit 1.
    let missing = Path::new("/nonexistent/card.json");
    let cases = [
        ("user_auth", "123\n9876\n9876\n", "too short"),
        ("user_auth", "1234\n98765\n98765\n", "too long"),
        ("user_auth", "1234\n98a6\n98a6\n", "outside 0-9"),
        ("user_auth", "1234\n9876\n9875\n", "differ"),
        ("user_auth", "1234\n1234\n1234\n", "same as the current"),
        ("signature", "ABC123\nabc999\nabc999\n", "use uppercase"),
        (
            "signature",
            "ABC123\nABCDEF\nABCDEF\n",
            "at least one digit",
        ),
        ("signature", "ABC123\n", "standard input ended"),
    ];
    for (kind, lines, message) in cases {
        let run = change(missing, kind, lines, &[]);
        assert_eq!(run.code, 2, "{kind} {lines:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(message),
            "{kind} {lines:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn pins_never_appear_in_any_output() {
    let (_dir, sim) = card("cardholder.json");
    let runs = [
        change(&sim, "user_auth", "4711\n8642\n8642\n", &[]),
        change(&sim, "user_auth", "1234\n8642\n8642\n", &[]),
        change(&sim, "signature", "ABC123\nsecret42\nsecret42\n", &[]),
    ];
    let pins = ["4711", "8642", "secret42", "ABC123", "1234"];
    for run in runs {
        for pin in pins {
            assert_secret_absent("stdout", &run.stdout, pin);
            assert_secret_absent("stderr", &run.stderr, pin);
        }
    }
    // The card file keeps a salted hash per PIN, in hex, with a fresh random
    // salt on every change: 8642 turns up in those 96 hex digits by chance
    // (90 places, 1 in 65,536 each: about one run in 730), but never as a
    // whole value.
    let file = std::fs::read_to_string(&sim).unwrap();
    for pin in pins {
        assert_secret_absent("the card file", &file, pin);
    }
}

#[test]
fn sim_new_reads_pins_from_stdin_and_matches_the_fingerprint_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new.json");
    let out_s = out.to_str().unwrap();
    let made = shokai(
        &[
            "card", "sim", "new", "--out", out_s, "--seed", "s1", "--stdin",
        ],
        "PASS77\n1111\n2222\n3333\n",
    );
    assert_eq!(made.code, 0, "{}", made.stderr);
    let fingerprint = shokai(&["card", "fingerprint", "--sim", out_s], "");
    assert_eq!(fingerprint.code, 0, "{}", fingerprint.stderr);
    assert!(
        made.stdout.contains(fingerprint.stdout.trim()),
        "{} vs {}",
        made.stdout,
        fingerprint.stdout
    );
    assert_eq!(change(&out, "card_info", "3333\n4444\n4444\n", &[]).code, 0);

    let again = shokai(
        &["card", "sim", "new", "--out", out_s, "--stdin"],
        "PASS77\n1111\n2222\n3333\n",
    );
    assert_eq!(
        again.code, 2,
        "an existing card is not overwritten without --force"
    );
    let bad = shokai(
        &[
            "card",
            "sim",
            "new",
            "--out",
            &format!("{out_s}.2"),
            "--stdin",
        ],
        "pass77\n1111\n2222\n3333\n",
    );
    assert_eq!(bad.code, 2);
}

#[test]
fn help_documents_the_exit_codes() {
    for args in [
        &["card", "--help"][..],
        &["card", "change-pin", "--help"],
        &["card", "status", "--help"],
    ] {
        let run = shokai(args, "");
        assert_eq!(run.code, 0);
        for line in [
            "2  bad input",
            "3  wrong PIN",
            "4  PIN blocked",
            "5  no card reader or no card",
        ] {
            assert!(run.stdout.contains(line), "{args:?} lacks {line:?}");
        }
    }
}

#[cfg(not(feature = "pcsc"))]
#[test]
fn a_reader_without_pcsc_support_exits_5() {
    let run = shokai(&["card", "status", "--reader", "Virtual PCD 00 00"], "");
    assert_eq!(run.code, 5);
    assert!(run.stderr.contains("--features pcsc"), "{}", run.stderr);
}
