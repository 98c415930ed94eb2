//! `logos node add FILE.rs`: the CLI path from an AI-written payload to a stored node.

use std::process::Command;

/// Runs `logos` with the compile cache (and its shared dependency build)
/// kept under cargo's per-package temp dir, not the user's home.
fn logos(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_logos"))
        .current_dir(dir)
        .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .args(args)
        .output()
        .expect("logos runs")
}

const PAYLOAD: &str = r#"use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {
    pub amount_cents: u64,
}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub within_limit: bool,
}

pub fn execute(input: Input) -> Output {
    Output { within_limit: input.amount_cents <= 1_000_000 }
}
"#;

#[test]
fn compiled_payload_is_stored_and_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(logos(dir.path(), &["init"]).status.success());
    std::fs::write(dir.path().join("limit.rs"), PAYLOAD).expect("write payload");
    let out = logos(dir.path(), &["node", "add", "limit.rs", "--name", "amount-limit", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let added: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(added["name"], "amount-limit");
    assert_eq!(added["inputs"][0], "amount_cents: u64");
    assert_eq!(added["new"], true);
    // Same source: same node, nothing new (the compile cache answers).
    let again = logos(dir.path(), &["node", "add", "limit.rs", "--name", "amount-limit", "--json"]);
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).expect("json");
    assert_eq!((again["id"].clone(), again["new"].clone()), (added["id"].clone(), serde_json::json!(false)));
    let list = logos(dir.path(), &["node", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let show = logos(dir.path(), &["node", "show", "amount-limit"]);
    assert!(String::from_utf8_lossy(&show.stdout).contains("[sediment]"));
    assert!(logos(dir.path(), &["ledger", "verify"]).status.success());
}

#[test]
fn hostile_payload_is_refused_before_anything_is_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(logos(dir.path(), &["init"]).status.success());
    let hostile =
        PAYLOAD.replace("input.amount_cents <= 1_000_000", "include_str!(\"/etc/passwd\").len() > 0");
    std::fs::write(dir.path().join("evil.rs"), hostile).expect("write payload");
    let out = logos(dir.path(), &["node", "add", "evil.rs"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: cannot compile evil.rs"), "{err}");
    assert!(!err.contains("root:"), "host data leaked: {err}");
    let tail = logos(dir.path(), &["ledger", "tail", "--json"]);
    let tail: serde_json::Value = serde_json::from_slice(&tail.stdout).expect("json");
    assert_eq!(tail["size"], 1, "only the genesis entry");
}

#[test]
fn grants_asked_at_add_time_become_proposals_for_the_humans() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(logos(dir.path(), &["init"]).status.success());
    let logging = format!("//! Logs its decision.\n//! logos:capabilities = log\n{PAYLOAD}");
    std::fs::write(dir.path().join("limit.rs"), &logging).expect("write payload");
    // A capability the payload does not request is refused before anything is stored.
    let out = logos(dir.path(), &["--as", "agent:ada", "node", "add", "limit.rs", "--grant", "clock"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not request it"));
    let out =
        logos(dir.path(), &["--as", "agent:ada", "node", "add", "limit.rs", "--grant", "log", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let added: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(added["grants"], serde_json::json!([]), "nothing is granted yet");
    assert_eq!(added["grant_proposals"][0]["capability"], "log");
    let proposal = added["grant_proposals"][0]["proposal"].as_u64().expect("proposal id");
    let show = logos(dir.path(), &["proposal", "show", &proposal.to_string(), "--json"]);
    assert!(show.status.success(), "{}", String::from_utf8_lossy(&show.stderr));
    assert!(String::from_utf8_lossy(&show.stdout).contains("grant"));
}
