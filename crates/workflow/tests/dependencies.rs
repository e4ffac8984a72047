//! The workflow crate stays pure: no database driver, web framework or async
//! runtime anywhere in its normal dependency tree.

use std::process::Command;

#[test]
fn the_workflow_crate_depends_on_no_sqlx_axum_or_tokio() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args([
            "tree",
            "-p",
            "shokai-workflow",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8(output.stdout).expect("cargo tree prints UTF-8");
    assert!(
        tree.lines().any(|l| l.starts_with("shokai-workflow ")),
        "unexpected output:\n{tree}"
    );
    let names: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for banned in ["sqlx", "axum", "tokio"] {
        let found: Vec<&&str> = names
            .iter()
            .filter(|n| **n == banned || n.starts_with(&format!("{banned}-")))
            .collect();
        assert!(found.is_empty(), "shokai-workflow depends on {found:?}");
    }
}
