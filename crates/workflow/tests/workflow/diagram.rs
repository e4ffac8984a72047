//! The Mermaid diagrams in the crate README list exactly the transitions the
//! code allows: parsed `a --> b : event` lines against the derived table.

use std::collections::BTreeSet;

use shokai_workflow::{CaseState, EventKind, Path};

use crate::table::derived;

type Edge = (String, String, String);

/// The edges of the diagram marked `%% path: <code>` in README.md.
fn documented(path: Path) -> BTreeSet<Edge> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let marker = format!("%% path: {}", path.code());
    let start = readme
        .find(&marker)
        .unwrap_or_else(|| panic!("README.md has no diagram marked `{marker}`"));
    let block = &readme[start..];
    let block = &block[..block.find("```").expect("the diagram's code block ends")];
    block
        .lines()
        .filter_map(|line| {
            let (arrow, event) = line.trim().split_once(" : ")?;
            let (from, to) = arrow.split_once(" --> ")?;
            Some((
                from.trim().to_owned(),
                to.trim().to_owned(),
                event.trim().to_owned(),
            ))
        })
        .filter(|(from, _, _)| from != "[*]")
        .collect()
}

fn allowed(path: Path) -> BTreeSet<Edge> {
    derived(path)
        .into_iter()
        .filter_map(|(from, kind, result)| {
            let to: CaseState = result.ok()?;
            Some((
                from.code().to_owned(),
                to.code().to_owned(),
                kind.code().to_owned(),
            ))
        })
        .collect()
}

fn check(path: Path) {
    let doc = documented(path);
    let code = allowed(path);
    let undocumented: Vec<_> = code.difference(&doc).collect();
    let impossible: Vec<_> = doc.difference(&code).collect();
    assert!(
        undocumented.is_empty() && impossible.is_empty(),
        "{path:?}: allowed but not in the diagram: {undocumented:?}; in the diagram but refused: {impossible:?}"
    );
    for (from, to, event) in &doc {
        assert!(
            CaseState::from_code(from).is_some() && CaseState::from_code(to).is_some(),
            "{from} / {to}"
        );
        assert!(EventKind::from_code(event).is_some(), "{event}");
    }
}

#[test]
fn the_optional_proxy_diagram_lists_exactly_the_allowed_transitions() {
    check(Path::OptionalProxy);
}

#[test]
fn the_in_person_diagram_lists_exactly_the_allowed_transitions() {
    check(Path::InPerson);
}

#[test]
fn the_legal_representative_diagram_lists_exactly_the_allowed_transitions() {
    check(Path::LegalRepresentative);
}
