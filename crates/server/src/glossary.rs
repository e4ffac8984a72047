//! The glossary test: one term for each thing, everywhere a person reads.
//!
//! `templates/glossary.toml` names each term and the variants it replaces.
//! This test reads every template (pages, mails, letter wording), every
//! fixture and every Rust source file of the workspace (where the messages
//! live) and fails on a forbidden variant, naming each file and line. The
//! glossary itself is the one file allowed to spell the variants.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Glossary {
    term: Vec<Term>,
}

#[derive(Debug, Deserialize)]
struct Term {
    meaning: String,
    #[serde(rename = "use")]
    canonical: String,
    forbid: Vec<String>,
}

impl Term {
    /// Whether `line` uses one of the variants; a variant inside the term
    /// itself (発送済 in 発送済み) counts only outside the term.
    fn variant_in(&self, line: &str) -> Option<&str> {
        self.forbid.iter().map(String::as_str).find(|variant| {
            if self.canonical.contains(variant) {
                line.replace(&self.canonical, "").contains(variant)
            } else {
                line.contains(variant)
            }
        })
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn glossary() -> Glossary {
    let text = std::fs::read_to_string(workspace().join("templates/glossary.toml"))
        .expect("templates/glossary.toml is readable");
    toml::from_str(&text).expect("templates/glossary.toml parses")
}

/// Every file under `dir` whose name ends in one of `extensions`.
fn files(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, extensions, out);
        } else if extensions
            .iter()
            .any(|e| path.extension().is_some_and(|x| x == *e))
        {
            out.push(path);
        }
    }
}

/// Every place a person's words can come from.
fn worded_files() -> Vec<PathBuf> {
    let root = workspace();
    let mut out = Vec::new();
    let text = ["html", "txt", "toml", "js", "css"];
    files(&root.join("templates"), &text, &mut out);
    files(&root.join("fixtures"), &["toml", "json", "txt"], &mut out);
    for krate in ["card", "workflow", "store", "server"] {
        files(
            &root.join("crates").join(krate).join("src"),
            &["rs"],
            &mut out,
        );
    }
    files(&root.join("tests"), &["rs"], &mut out);
    out.retain(|p| !p.ends_with("templates/glossary.toml") && !p.ends_with("glossary.rs"));
    out
}

/// Every use of a forbidden variant: "file:line: variant (use term)".
fn findings(glossary: &Glossary, files: &[PathBuf]) -> Vec<String> {
    let root = workspace();
    let mut out = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            for term in &glossary.term {
                if let Some(variant) = term.variant_in(line) {
                    let shown = file.strip_prefix(&root).unwrap_or(file);
                    out.push(format!(
                        "{}:{}: 「{variant}」 → 「{}」 ({})",
                        shown.display(),
                        n + 1,
                        term.canonical,
                        term.meaning
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn no_page_mail_letter_or_message_uses_a_variant_the_glossary_forbids() {
    let glossary = glossary();
    let files = worded_files();
    // It must have read the places it guards, or it passes by reading nothing.
    for expected in [
        "templates/html/case.html",
        "templates/letter/letter.toml",
        "templates/mail/letter_mailed/body.txt",
        "crates/server/src/web/messages.rs",
        "crates/workflow/src/ja.rs",
    ] {
        assert!(
            files.iter().any(|f| f.ends_with(expected)),
            "{expected} not scanned"
        );
    }
    let found = findings(&glossary, &files);
    assert!(
        found.is_empty(),
        "variants the glossary forbids:\n{}",
        found.join("\n")
    );
}

#[test]
fn a_variant_inside_its_own_term_is_found_only_outside_it() {
    let term = Term {
        meaning: "mailed".into(),
        canonical: "発送済み".into(),
        forbid: vec!["発送済".into()],
    };
    assert_eq!(term.variant_in("発送済みにする"), None);
    assert_eq!(term.variant_in("照会書発送済"), Some("発送済"));
    assert_eq!(
        term.variant_in("発送済みの照会書と発送済の照会書"),
        Some("発送済")
    );
}

#[test]
fn each_term_names_what_it_is_and_forbids_something_else() {
    for term in glossary().term {
        assert!(!term.meaning.is_empty());
        assert!(!term.forbid.is_empty(), "{}", term.canonical);
        assert!(!term.forbid.contains(&term.canonical), "{}", term.canonical);
    }
}
