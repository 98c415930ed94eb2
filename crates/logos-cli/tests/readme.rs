//! The README's `logos` walkthrough, run line by line as a new user would:
//! every command in its `sh` block must succeed, in order, in an empty
//! directory holding the payloads of `examples/cli/`.

use std::path::Path;
use std::process::Command;

const README: &str = include_str!("../../../README.md");

/// The `sh` block that follows the "## The `logos` command" heading.
fn walkthrough() -> Vec<String> {
    let section = README.split("## The `logos` command").nth(1).expect("the README has the section");
    let block = section.split("```sh\n").nth(1).and_then(|b| b.split("```").next()).expect("an sh block");
    block
        .lines()
        .map(|line| line.split(" # ").next().unwrap_or_default().trim().to_owned())
        .filter(|line| !line.is_empty())
        .collect()
}

/// Splits a command line on spaces, honouring single quotes (all the README uses).
fn words(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in command.chars() {
        match c {
            '\'' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

fn run(dir: &Path, command: &str) {
    let args = words(command);
    assert_eq!(
        args.first().map(String::as_str),
        Some("logos"),
        "README line is not a logos command: {command}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_logos"))
        .current_dir(dir)
        .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .args(&args[1..])
        .output()
        .expect("logos runs");
    assert!(
        out.status.success(),
        "README command failed: {command}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_readme_walkthrough_works_line_by_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let payloads = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/cli");
    for name in ["limit.rs", "limit-v2.rs"] {
        std::fs::copy(payloads.join(name), dir.path().join(name)).expect("copy payload");
    }
    let lines = walkthrough();
    assert!(lines.len() >= 10, "the walkthrough lost its lines: {lines:?}");
    for line in &lines {
        for command in line.split("&&") {
            run(dir.path(), command.trim());
        }
    }
    assert!(dir.path().join("graph.svg").exists());
    assert!(dir.path().join("ledger.bundle").exists());
}
