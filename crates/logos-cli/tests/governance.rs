//! Governance and audit through the real `logos` binary: keys, N-of-M
//! migration tokens, governed changes, signed checkpoints, bundles and
//! proofs, as an auditor who wants to break them would drive them.

mod support;

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value as Json;

/// A temporary directory holding a store, keys, tokens and fixtures; every
/// command runs inside it, so file arguments are plain names.
struct Sandbox {
    dir: tempfile::TempDir,
}

/// What one run of `logos` produced.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(self) -> Self {
        assert_eq!(self.code, 0, "stdout: {}\nstderr: {}", self.stdout, self.stderr);
        self
    }

    fn json(&self) -> Json {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    /// Asserts the run failed with `code` and exactly one `error: ` line; returns it.
    fn error(&self, code: i32) -> String {
        assert_eq!(self.code, code, "stdout: {}\nstderr: {}", self.stdout, self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "stderr: {}", self.stderr);
        assert!(lines[0].starts_with("error: "), "stderr: {}", self.stderr);
        lines[0].to_owned()
    }
}

impl Sandbox {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("tempdir") }
    }

    /// Humans `a`, `b`, `c`; a store governed 2 of 3; nodes `parse` and `limit` (requests `log`).
    fn governed() -> Self {
        let sb = Self::new();
        for name in ["a", "b", "c"] {
            sb.logos(&["keygen", "--out", name]).ok();
        }
        sb.logos(&["init", "--human", "a.pub", "--human", "b.pub", "--human", "c.pub", "--quorum", "2"]).ok();
        sb.add_node(
            "parse",
            r#"{"name": "parse", "inputs": [], "outputs": [{"name": "amount", "type": "u64"}]}"#,
        );
        sb.add_node(
            "limit",
            r#"{"name": "limit", "inputs": [{"name": "amount", "type": "u64"}], "outputs": [], "capabilities": ["log"]}"#,
        );
        sb
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).expect("read sandbox file")
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.path(name), bytes).expect("write sandbox file");
    }

    /// Runs `logos --store logos.redb args...` inside the sandbox.
    fn logos(&self, args: &[&str]) -> Run {
        self.logos_at("logos.redb", args)
    }

    fn logos_at(&self, store: &str, args: &[&str]) -> Run {
        let Output { status, stdout, stderr } = Command::new(env!("CARGO_BIN_EXE_logos"))
            .arg("--store")
            .arg(store)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("run logos");
        Run {
            code: status.code().expect("exited, not killed"),
            stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
            stderr: String::from_utf8(stderr).expect("utf-8 stderr"),
        }
    }

    fn add_node(&self, name: &str, manifest: &str) {
        self.write(&format!("{name}.wasm"), &support::inert(manifest));
        self.write(&format!("{name}.json"), manifest.as_bytes());
        self.logos(&["node", "add-wasm", &format!("{name}.wasm"), "--manifest", &format!("{name}.json")])
            .ok();
    }

    fn ledger_size(&self) -> u64 {
        self.logos(&["--json", "ledger", "tail", "-n", "0"]).ok().json()["size"].as_u64().expect("size")
    }

    /// Creates token `file` for `op`, signed by each of `signers`.
    fn token(&self, file: &str, op: &[&str], signers: &[&str]) {
        let mut args = vec!["token", "create"];
        args.extend(op);
        args.extend(["--out", file]);
        self.logos(&args).ok();
        for signer in signers {
            self.logos(&["token", "sign", file, "--key", &format!("{signer}.key")]).ok();
        }
    }
}

#[test]
fn a_quorum_token_promotes_once_and_the_export_verifies_without_a_store() {
    let sb = Sandbox::governed();
    sb.logos(&["token", "create", "promote", "limit", "--out", "promote.tok"]).ok();
    assert!(sb.read("promote.tok").starts_with("logos-token/v1\n"));

    sb.logos(&["token", "sign", "promote.tok", "--key", "a.key"]).ok();
    let size = sb.ledger_size();
    let line = sb.logos(&["node", "promote", "limit", "--token", "promote.tok"]).error(1);
    assert!(
        line.contains("needs 1 more signature") && line.contains("logos token sign promote.tok"),
        "{line}"
    );
    assert_eq!(sb.ledger_size(), size, "a refused change records nothing");

    sb.logos(&["token", "sign", "promote.tok", "--key", "b.key"]).ok();
    let promoted = sb.logos(&["--json", "node", "promote", "limit", "--token", "promote.tok"]).ok().json();
    assert_eq!(promoted["seq"].as_u64(), Some(size));
    assert_eq!(promoted["kind"], "promoted");

    let line = sb.logos(&["node", "promote", "limit", "--token", "promote.tok"]).error(1);
    assert!(line.contains("already used"), "{line}");

    sb.logos(&["ledger", "export", "--out", "ledger.bundle"]).ok();
    let verified = sb
        .logos_at(
            "nowhere/none.redb",
            &[
                "--json",
                "ledger",
                "verify",
                "--bundle",
                "ledger.bundle",
                "--trusted-key",
                "logos.redb.logkey.pub",
            ],
        )
        .ok()
        .json();
    assert_eq!(verified["entries"].as_u64(), Some(size + 1));
    assert!(!sb.path("nowhere").exists(), "verifying a bundle touches no store");
}

#[test]
fn a_bundle_with_one_flipped_base64_character_fails_with_exit_3() {
    let sb = Sandbox::governed();
    sb.logos(&["ledger", "export", "--out", "ledger.bundle"]).ok();
    let mut doc: Json = serde_json::from_str(&sb.read("ledger.bundle")).expect("bundle is JSON");
    let entry = doc["entries"][1].as_str().expect("entry 1").to_owned();
    let mut chars: Vec<char> = entry.chars().collect();
    chars[8] = if chars[8] == 'A' { 'B' } else { 'A' };
    doc["entries"][1] = Json::String(chars.into_iter().collect());
    sb.write("tampered.bundle", doc.to_string().as_bytes());

    let args = ["ledger", "verify", "--trusted-key", "logos.redb.logkey.pub", "--bundle"];
    sb.logos(&[&args[..], &["ledger.bundle"]].concat()).ok();
    let line = sb.logos(&[&args[..], &["tampered.bundle"]].concat()).error(3);
    assert!(line.contains("tampered.bundle"), "{line}");
}

#[test]
fn a_bundle_is_trusted_only_under_the_logs_key() {
    let sb = Sandbox::governed();
    sb.logos(&["ledger", "export", "--out", "ledger.bundle"]).ok();
    let other = Sandbox::new();
    other.logos(&["init", "--origin", "logos.local/ledger"]).ok();
    let stranger = other.read("logos.redb.logkey.pub");
    let line = sb
        .logos(&["ledger", "verify", "--bundle", "ledger.bundle", "--trusted-key", stranger.trim()])
        .error(3);
    assert!(line.contains("no trusted signature"), "{line}");
}

#[test]
fn proofs_print_hex_with_the_requested_sizes() {
    let sb = Sandbox::governed();
    let size = sb.ledger_size();
    assert_eq!(size, 3);
    let proof = sb.logos(&["--json", "ledger", "prove", "1"]).ok().json();
    assert_eq!((proof["leaf_index"].as_u64(), proof["tree_size"].as_u64()), (Some(1), Some(3)));
    for field in ["leaf_hash", "root"] {
        assert_eq!(proof[field].as_str().map(str::len), Some(64), "{field}");
    }
    // RFC 6962: leaf 1 of 3 needs leaf 0 and the hash of leaf 2.
    assert_eq!(proof["path"].as_array().map(Vec::len), Some(2));
    let smaller = sb.logos(&["--json", "ledger", "prove", "1", "--size", "2"]).ok().json();
    assert_eq!(smaller["tree_size"].as_u64(), Some(2));

    let consistency = sb.logos(&["--json", "ledger", "consistency", "--from", "2"]).ok().json();
    assert_eq!((consistency["old_size"].as_u64(), consistency["new_size"].as_u64()), (Some(2), Some(3)));
    assert_eq!(consistency["new_root"], proof["root"]);
    assert!(
        consistency["path"]
            .as_array()
            .is_some_and(|p| p.iter().all(|h| h.as_str().map(str::len) == Some(64)))
    );

    sb.logos(&["ledger", "prove", "3"]).error(1);
    sb.logos(&["ledger", "consistency", "--from", "3", "--to", "2"]).error(1);
}

#[test]
fn a_token_for_another_node_is_refused() {
    let sb = Sandbox::governed();
    sb.token("parse.tok", &["promote", "parse"], &["a", "c"]);
    let line = sb.logos(&["node", "promote", "limit", "--token", "parse.tok"]).error(1);
    assert!(line.contains("not the requested"), "{line}");
    sb.logos(&["node", "deprecate", "parse", "--token", "parse.tok"]).error(1);
    sb.logos(&["node", "promote", "parse", "--token", "parse.tok"]).ok();
}

#[test]
fn a_signature_from_an_unregistered_key_does_not_count() {
    let sb = Sandbox::governed();
    sb.logos(&["keygen", "--out", "mallory"]).ok();
    sb.token("grant.tok", &["grant", "limit", "log"], &["a", "mallory"]);
    let shown = sb.logos(&["--json", "token", "show", "grant.tok"]).ok().json();
    assert_eq!((shown["counted"].as_u64(), shown["needed"].as_u64()), (Some(1), Some(1)));
    assert_eq!(shown["ready"], false);
    let registered: Vec<bool> = shown["signers"]
        .as_array()
        .expect("signers")
        .iter()
        .filter_map(|s| s["registered"].as_bool())
        .collect();
    assert_eq!(registered.iter().filter(|r| **r).count(), 1);
    sb.logos(&["node", "grant", "limit", "log", "--token", "grant.tok"]).error(1);
}

#[test]
fn separately_signed_copies_combine_into_a_quorum() {
    let sb = Sandbox::governed();
    sb.token("dep.tok", &["deprecate", "parse", "--expires-in", "30m"], &[]);
    std::fs::copy(sb.path("dep.tok"), sb.path("dep-b.tok")).expect("copy");
    sb.logos(&["token", "sign", "dep.tok", "--key", "a.key"]).ok();
    sb.logos(&["token", "sign", "dep-b.tok", "--key", "b.key"]).ok();
    sb.logos(&["token", "combine", "dep.tok", "dep-b.tok", "--out", "both.tok"]).ok();
    let shown = sb.logos(&["--json", "token", "show", "both.tok"]).ok().json();
    assert_eq!(shown["ready"], true, "{shown}");
    let expires_in = shown["expires_ms"].as_u64().unwrap_or(0).saturating_sub(now_ms());
    assert!(expires_in <= 30 * 60_000 && expires_in > 29 * 60_000, "{expires_in}");
    sb.logos(&["node", "deprecate", "parse", "--token", "both.tok"]).ok();
}

#[test]
fn tokens_for_different_statements_do_not_combine() {
    let sb = Sandbox::governed();
    sb.token("one.tok", &["promote", "parse"], &["a"]);
    sb.token("two.tok", &["promote", "parse"], &["b"]);
    let line = sb.logos(&["token", "combine", "one.tok", "two.tok", "--out", "x.tok"]).error(1);
    assert!(line.contains("different statements"), "{line}");
}

#[test]
fn keyring_and_policy_changes_need_their_own_tokens() {
    let sb = Sandbox::governed();
    sb.token("ring.tok", &["keyring", "--human", "a.pub", "--human", "b.pub", "--quorum", "1"], &["b", "c"]);
    sb.logos(&[
        "keyring", "set", "--human", "b.pub", "--human", "a.pub", "--quorum", "1", "--token", "ring.tok",
    ])
    .ok();
    // c is no longer registered; a alone is now a quorum.
    let mut policy = sb.logos(&["--json", "policy", "show"]).ok().json();
    policy["sediment"]["fuel"] = 5_000_000.into();
    sb.write("policy.json", policy.to_string().as_bytes());
    sb.token("policy.tok", &["policy", "policy.json"], &["c"]);
    sb.logos(&["policy", "set", "policy.json", "--token", "policy.tok"]).error(1);
    sb.logos(&["token", "sign", "policy.tok", "--key", "a.key"]).ok();
    policy["sediment"]["fuel"] = 6_000_000.into();
    sb.write("other.json", policy.to_string().as_bytes());
    let line = sb.logos(&["policy", "set", "other.json", "--token", "policy.tok"]).error(1);
    assert!(line.contains("not the requested"), "{line}");
    sb.logos(&["policy", "set", "policy.json", "--token", "policy.tok"]).ok();
    sb.logos(&["ledger", "verify"]).ok();
}

#[test]
fn a_store_rolled_back_behind_a_kept_checkpoint_fails_with_exit_3() {
    let sb = Sandbox::governed();
    let before = std::fs::read(sb.path("logos.redb")).expect("read store");
    sb.add_node("extra", r#"{"name": "extra", "inputs": [], "outputs": []}"#);
    let note = sb.logos(&["ledger", "checkpoint"]).ok().stdout;
    sb.write("kept.note", note.as_bytes());
    let args = ["ledger", "verify", "--checkpoint", "kept.note", "--trusted-key", "logos.redb.logkey.pub"];
    sb.logos(&args).ok();

    sb.write("logos.redb", &before);
    sb.logos(&["ledger", "verify"]).ok();
    let line = sb.logos(&args).error(3);
    assert!(line.contains("kept.note") && line.contains("rolled back"), "{line}");
}

#[test]
fn keygen_keeps_the_secret_private_and_never_overwrites() {
    let sb = Sandbox::new();
    let key = sb.logos(&["--json", "keygen", "--out", "alice"]).ok().json();
    let public = key["public_key"].as_str().expect("public key").to_owned();
    assert_eq!(sb.read("alice.pub"), format!("{public}\n"));
    assert!(sb.read("alice.key").starts_with("logos-ed25519-secret-key/v1\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(sb.path("alice.key")).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let line = sb.logos(&["keygen", "--out", "alice"]).error(1);
    assert!(line.contains("alice.key") && line.contains("refusing to overwrite"), "{line}");
    assert_eq!(sb.read("alice.pub"), format!("{public}\n"));
}

#[test]
fn init_without_humans_says_nothing_can_be_governed() {
    let sb = Sandbox::new();
    let run = sb.logos(&["init"]).ok();
    assert!(run.stdout.contains("no human keyring"), "{}", run.stdout);
    assert!(run.stdout.contains("logos.redb.logkey.pub"), "{}", run.stdout);
    sb.add_node("parse", r#"{"name": "parse", "inputs": [], "outputs": []}"#);
    sb.logos(&["token", "create", "promote", "parse", "--out", "p.tok"]).ok();
    let line = sb.logos(&["node", "promote", "parse", "--token", "p.tok"]).error(1);
    assert!(line.contains("quorum is 0"), "{line}");
}

#[test]
fn init_refuses_a_quorum_the_keys_cannot_reach() {
    let sb = Sandbox::new();
    sb.logos(&["keygen", "--out", "a"]).ok();
    let line = sb.logos(&["init", "--human", "a.pub", "--human", "a.pub", "--quorum", "2"]).error(1);
    assert!(line.contains("between 1 and 1"), "{line}");
    sb.logos(&["init", "--quorum", "1"]).error(1);
    assert_eq!(sb.logos(&["init", "--human", "a.pub"]).code, 2, "--human without --quorum is a usage error");
    let line = sb.logos(&["init", "--human", "not-a-key", "--quorum", "1"]).error(1);
    assert!(line.contains("--human not-a-key"), "{line}");
    assert!(!sb.path("logos.redb").exists() && !sb.path("logos.redb.logkey").exists());
}

#[test]
fn init_never_overwrites_a_log_key() {
    let sb = Sandbox::new();
    sb.write("log.key", b"precious");
    let line = sb.logos(&["init", "--log-key", "log.key"]).error(1);
    assert!(line.contains("log.key"), "{line}");
    assert_eq!(sb.read("log.key"), "precious");
    assert!(!sb.path("logos.redb").exists(), "a refused init leaves no store behind");
    sb.logos(&["init", "--log-key", "keys.d-log"]).ok();
    let line = sb.logos(&["ledger", "checkpoint"]).error(1);
    assert!(line.contains("--log-key"), "{line}");
    let note = sb.logos(&["ledger", "checkpoint", "--log-key", "keys.d-log"]).ok().stdout;
    assert!(note.starts_with("logos.local/ledger\n1\n"), "{note}");
}

fn now_ms() -> u64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}
