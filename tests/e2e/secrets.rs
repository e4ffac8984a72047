//! The one matcher behind every test that proves a secret (a PIN, a
//! verification code, a key) is absent from something the program wrote:
//! server logs, database files, rows and dumps, outbox payloads, pages,
//! mail, command output.
//!
//! A secret counts as present only as a whole value: not preceded or
//! followed by an ASCII letter or digit, nor by a hyphen that joins it to
//! one. So `4739` is not found inside a timestamp (`07:04:00.473912Z`), a
//! hex hash or token (`5f04739a…`), a UUID request id (`…-4739-4abc-…`,
//! whose groups are hyphen-joined) or a telephone number (`090-1234-5678`),
//! where four digits turn up by chance every few hundred lines; it is found
//! wherever a program would write it as a value: `"4739"`, `=4739`,
//! `: 4739,`, `>4739<`, `&current=4739&`, a line of its own. ANSI colour
//! codes are removed first, as a reader of the log sees it: tracing
//! writes a field as `\x1b[3mcurrent\x1b[0m\x1b[2m=\x1b[0m4739`, where the
//! `m` right before the value would otherwise hide it.
//!
//! The same matcher finds the markers a scan plants (a name, four digits in
//! an ordinary field), so a scan that reads nothing, or reads the wrong
//! thing, fails instead of passing.
//!
//! On failure the message names what was scanned and shows the whole line
//! of the match (text), or about 80 bytes around it, escaped (binary files
//! such as SQLite's database and WAL).
//!
//! Used by `tests/e2e` through `helpers` and by the card CLI tests
//! (`crates/server/tests/card_support`), which include this file.

use std::borrow::Cow;

/// Panics if `secret` is in `haystack` as a whole value, naming `what` was
/// scanned and showing where.
#[track_caller]
pub fn assert_secret_absent(what: &str, haystack: impl AsRef<[u8]>, secret: &str) {
    let visible = without_ansi(haystack.as_ref());
    let found = matches(&visible, secret);
    if let Some(&first) = found.first() {
        panic!(
            "the secret {secret:?} is in {what} ({} whole match{}): {}",
            found.len(),
            if found.len() == 1 { "" } else { "es" },
            context(&visible, first, secret.len()),
        );
    }
}

/// Panics unless `marker`, planted through an ordinary field, is in
/// `haystack` as a whole value: proof that a scan of `what` sees what was
/// written and would see a secret written the same way.
#[track_caller]
pub fn assert_marker_found(what: &str, haystack: impl AsRef<[u8]>, marker: &str) {
    let haystack = haystack.as_ref();
    assert!(
        contains_whole(haystack, marker),
        "the planted marker {marker:?} is not in {what} ({} bytes): a scan that cannot see it \
         cannot see a secret either",
        haystack.len()
    );
}

/// Whether `secret` is in `haystack` (ANSI colour codes removed) as a
/// whole value.
pub fn contains_whole(haystack: impl AsRef<[u8]>, secret: &str) -> bool {
    !matches(&without_ansi(haystack.as_ref()), secret).is_empty()
}

/// The offsets of every whole-value occurrence of `secret` in `haystack`.
fn matches(haystack: &[u8], secret: &str) -> Vec<usize> {
    let needle = secret.as_bytes();
    assert!(!needle.is_empty(), "an empty secret matches everywhere");
    if haystack.len() < needle.len() {
        return Vec::new();
    }
    (0..=haystack.len() - needle.len())
        .filter(|&i| {
            &haystack[i..i + needle.len()] == needle
                && !joined(haystack[..i].iter().rev())
                && !joined(haystack[i + needle.len()..].iter())
        })
        .collect()
}

/// Whether the bytes next to a match (nearest first) continue it into a
/// longer token: a letter or digit, or a hyphen followed by one.
fn joined<'a>(mut side: impl Iterator<Item = &'a u8>) -> bool {
    match side.next() {
        Some(b) if b.is_ascii_alphanumeric() => true,
        Some(b'-') => side.next().is_some_and(u8::is_ascii_alphanumeric),
        _ => false,
    }
}

/// `bytes` without ANSI CSI sequences (`ESC [ params final`), as a
/// terminal shows them.
fn without_ansi(bytes: &[u8]) -> Cow<'_, [u8]> {
    if !bytes.windows(2).any(|w| w == b"\x1b[") {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'[') {
            let mut j = i + 2;
            while j < bytes.len() && (0x20..=0x3f).contains(&bytes[j]) {
                j += 1;
            }
            if j < bytes.len() && (0x40..=0x7e).contains(&bytes[j]) {
                i = j + 1;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    Cow::Owned(out)
}

/// Where a match is: the whole line of text (lines longer than 2,000
/// bytes cut around the match), or 40 bytes either side in a binary file.
fn context(haystack: &[u8], at: usize, len: usize) -> String {
    if std::str::from_utf8(haystack).is_ok() {
        let start = haystack[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let end = haystack[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(haystack.len(), |i| at + i);
        let line_number = haystack[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        let (from, to) = if end - start > 2000 {
            (
                at.saturating_sub(1000).max(start),
                (at + len + 1000).min(end),
            )
        } else {
            (start, end)
        };
        format!(
            "line {line_number}: {}{}{}",
            if from > start { "…" } else { "" },
            escaped(&haystack[from..to]).trim_end_matches("\\r"),
            if to < end { "…" } else { "" },
        )
    } else {
        let from = at.saturating_sub(40);
        let to = (at + len + 40).min(haystack.len());
        format!(
            "byte {at} of {}: …{}…",
            haystack.len(),
            escaped(&haystack[from..to])
        )
    }
}

/// Lossy UTF-8 with control characters (NUL, ESC, CR, …) escaped, tabs kept.
fn escaped(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                c.escape_default().collect()
            } else {
                c.to_string()
            }
        })
        .collect()
}
