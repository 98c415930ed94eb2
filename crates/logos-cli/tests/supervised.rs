//! The supervisor through the `logos` binary: flows, runs, execution
//! records and replay, in-ledger proposals, the agent rules of the ledger,
//! the static verifier on `node add-wasm`, and the JSON policy.

mod support;

use std::process::{Command, Output};

use serde_json::{Value as Json, json};

/// A temporary directory holding a store, keys and fixtures; every command
/// runs inside it, so file arguments are plain names.
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
    /// A store with no keyring.
    fn plain() -> Self {
        let sb = Self { dir: tempfile::tempdir().expect("tempdir") };
        sb.logos(&["init"]).ok();
        sb
    }

    /// Humans `a`, `b`, `c`; a store governed 2 of 3.
    fn governed() -> Self {
        let sb = Self { dir: tempfile::tempdir().expect("tempdir") };
        for name in ["a", "b", "c"] {
            sb.logos(&["keygen", "--out", name]).ok();
        }
        sb.logos(&["init", "--human", "a.pub", "b.pub", "c.pub", "--quorum", "2"]).ok();
        sb
    }

    /// `plain` with `add-1 -> add-2` wired and flow `pair` over them.
    fn pair() -> Self {
        let sb = Self::plain();
        sb.add("host", 1);
        sb.add("host", 2);
        sb.logos(&["edge", "add", "add-1.y", "add-2.x"]).ok();
        sb.logos(&["flow", "create", "pair", "--in", "add-1.x", "--out", "add-2.y"]).ok();
        sb
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.dir.path().join(name), bytes).expect("write sandbox file");
    }

    fn logos(&self, args: &[&str]) -> Run {
        let Output { status, stdout, stderr } = Command::new(env!("CARGO_BIN_EXE_logos"))
            .arg("--store")
            .arg("logos.redb")
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

    /// Adds `add-K` as `actor` from its module alone (the manifest is the embedded one).
    fn add(&self, actor: &str, k: u64) -> String {
        let file = format!("add-{k}.wasm");
        self.write(&file, &support::add(k));
        let added = self.logos(&["--as", actor, "--json", "node", "add-wasm", &file]).ok().json();
        added["id"].as_str().expect("id").to_owned()
    }

    /// A quorum token for `op`, signed by `a` and `b`, applied by `command`.
    fn govern(&self, op: &[&str], command: &[&str]) {
        let mut args = vec!["token", "create"];
        args.extend(op);
        args.extend(["--out", "t.tok"]);
        self.logos(&args).ok();
        for signer in ["a", "b"] {
            self.logos(&["token", "sign", "t.tok", "--key", &format!("{signer}.key")]).ok();
        }
        let mut args = command.to_vec();
        args.extend(["--token", "t.tok"]);
        self.logos(&args).ok();
        std::fs::remove_file(self.dir.path().join("t.tok")).expect("remove token");
    }

    fn ledger_size(&self) -> u64 {
        self.logos(&["--json", "ledger", "tail", "-n", "0"]).ok().json()["size"].as_u64().expect("size")
    }
}

#[test]
fn flows_are_created_listed_and_shown() {
    let sb = Sandbox::pair();
    let flows = sb.logos(&["--json", "flow", "list"]).ok().json();
    assert_eq!(flows.as_array().map(Vec::len), Some(1), "{flows}");
    assert_eq!(flows[0]["name"], "pair");
    assert_eq!(flows[0]["kind"], "sandbox");
    assert_eq!(flows[0]["owner"], Json::Null);
    assert_eq!(flows[0]["inputs"][0]["label"], "add-1.x");
    assert_eq!(flows[0]["inputs"][0]["type"], "u64");
    assert_eq!(flows[0]["outputs"][0]["label"], "add-2.y");

    let shown = sb.logos(&["--json", "flow", "show", "pair"]).ok().json();
    let names: Vec<&str> =
        shown["nodes"].as_array().expect("nodes").iter().filter_map(|n| n["name"].as_str()).collect();
    assert_eq!(names.len(), 2, "{shown}");
    assert!(names.contains(&"add-1") && names.contains(&"add-2"), "{shown}");
    let text = sb.logos(&["flow", "show", "pair"]).ok().stdout;
    assert!(text.contains("flow `pair`") && text.contains("add-1.x: u64"), "{text}");

    let line = sb.logos(&["flow", "create", "loose", "--out", "add-2.y"]).error(1);
    assert!(line.contains("add-2") || line.contains("not a flow input"), "{line}");
    let line = sb.logos(&["flow", "show", "nothing"]).error(1);
    assert!(line.contains("`logos flow list`"), "{line}");

    sb.logos(&["flow", "remove", "pair"]).ok();
    assert_eq!(sb.logos(&["--json", "flow", "list"]).ok().json(), json!([]));
}

#[test]
fn a_run_prints_its_outputs_and_fuel_and_records_only_when_asked() {
    let sb = Sandbox::pair();
    let out = sb.logos(&["--json", "run", "pair", "--input", "[5]"]).ok().json();
    assert_eq!(out["outputs"][0]["value"], 8, "{out}");
    assert_eq!(out["outputs"][0]["label"], "add-2.y");
    assert!(out["fuel"].as_u64().is_some_and(|f| f > 0), "{out}");
    assert_eq!(out["exec"], Json::Null);
    assert!(!sb.dir.path().join("logos.records.redb").exists(), "an unrecorded run writes no records");

    let text = sb.logos(&["run", "pair", "--input", r#"{"x": 40}"#, "--record"]).ok().stdout;
    assert!(text.contains("add-2.y: u64 = 43"), "{text}");
    assert!(text.contains("recorded as execution 1") && text.contains("logos.records.redb"), "{text}");
    assert!(sb.dir.path().join("logos.records.redb").exists());

    // Agents run sandbox flows too; inputs are checked against the port types.
    let out = sb.logos(&["--as", "agent:bob", "--json", "run", "pair", "--input", r#"{"add-1.x": 1}"#]);
    assert_eq!(out.ok().json()["outputs"][0]["value"], 4);
    let line = sb.logos(&["run", "pair", "--input", r#"["five"]"#]).error(1);
    assert!(line.contains("add-1.x") && line.contains("u64"), "{line}");
    let line = sb.logos(&["run", "pair", "--input", "[1, 2]"]).error(1);
    assert!(line.contains("takes 1 input"), "{line}");
    let line = sb.logos(&["run", "nothing"]).error(1);
    assert!(line.contains("flow `nothing` does not exist"), "{line}");
}

#[test]
fn recorded_executions_are_listed_shown_and_replay_identically() {
    let sb = Sandbox::pair();
    let line = sb.logos(&["exec", "list"]).error(1);
    assert!(line.contains("--record"), "{line}");
    let first = sb.logos(&["--json", "run", "pair", "--input", "[5]", "--record"]).ok().json();
    let second = sb.logos(&["--json", "run", "pair", "--input", "[6]", "--record"]).ok().json();
    assert_eq!((first["exec"].as_u64(), second["exec"].as_u64()), (Some(1), Some(2)));

    let listed = sb.logos(&["--json", "exec", "list", "--limit", "5"]).ok().json();
    let ids: Vec<u64> = listed.as_array().expect("list").iter().filter_map(|r| r["id"].as_u64()).collect();
    assert_eq!(ids, [2, 1], "newest first");
    assert_eq!(listed[0]["outcome"], "succeeded");
    assert_eq!(listed[0]["fuel"], second["fuel"]);

    let shown = sb.logos(&["--json", "exec", "show", "1"]).ok().json();
    assert_eq!(shown["flow"], "pair");
    assert_eq!(shown["inputs"], json!([{"port": "add-1.x", "value": 5}]), "{shown}");
    assert_eq!(shown["outputs"], json!([{"port": "add-2.y", "value": 8}]), "{shown}");
    assert_eq!(shown["steps"].as_array().map(Vec::len), Some(2));
    let text = sb.logos(&["exec", "show", "1"]).ok().stdout;
    assert!(text.contains("add-1.x = 5") && text.contains("succeeded"), "{text}");

    // The graph moves on; the replay uses the version the run saw.
    sb.add("host", 3);
    sb.logos(&["edge", "add", "add-2.y", "add-3.x"]).ok();
    let replayed = sb.logos(&["--json", "replay", "1"]).ok().json();
    assert_eq!(replayed["identical"], true, "{replayed}");
    assert_eq!(replayed["nodes_replayed"], 2);
    let text = sb.logos(&["replay", "2"]).ok().stdout;
    assert!(text.contains("replayed identically"), "{text}");
    let line = sb.logos(&["replay", "9"]).error(1);
    assert!(line.contains("execution 9") && line.contains("logos exec list"), "{line}");
}

#[test]
fn an_agents_proposal_applies_once_two_humans_approve() {
    let sb = Sandbox::governed();
    sb.add("agent:alice", 7);
    let opened =
        sb.logos(&["--as", "agent:alice", "--json", "proposal", "create", "promote", "add-7", "--ttl", "1h"]);
    let id = opened.ok().json()["id"].as_u64().expect("proposal id");
    let id = id.to_string();
    let listed = sb.logos(&["--json", "proposal", "list"]).ok().json();
    assert_eq!(listed[0]["state"], "open");
    assert_eq!(listed[0]["proposer"], "agent:alice");

    let first = sb.logos(&["--json", "proposal", "approve", &id, "--key", "a.key"]).ok().json();
    assert_eq!((first["state"].as_str(), first["approvals"].as_u64()), (Some("pending"), Some(1)));
    let shown = sb.logos(&["--json", "node", "show", "add-7"]).ok().json();
    assert_eq!(shown["bedrock"], false, "one approval changes nothing");

    let text = sb.logos(&["proposal", "approve", &id, "--key", "c.key"]).ok().stdout;
    assert!(text.contains("quorum reached, applied") && text.contains("add-7"), "{text}");
    assert_eq!(sb.logos(&["--json", "node", "show", "add-7"]).ok().json()["bedrock"], true);
    let shown = sb.logos(&["--json", "proposal", "show", &id]).ok().json();
    assert_eq!(shown["state"], "applied", "{shown}");
    assert_eq!(shown["approvers"].as_array().map(Vec::len), Some(2));
    assert!(shown["statement"].as_str().is_some_and(|s| s.contains("promote")), "{shown}");
    let line = sb.logos(&["proposal", "approve", &id, "--key", "b.key"]).error(1);
    assert!(line.contains("already applied"), "{line}");
    sb.logos(&["ledger", "verify"]).ok();
}

#[test]
fn a_rejected_proposal_is_closed_and_agents_cannot_reject() {
    let sb = Sandbox::governed();
    sb.add("agent:alice", 8);
    let opened = sb.logos(&["--as", "agent:alice", "--json", "proposal", "create", "promote", "add-8"]);
    let id = opened.ok().json()["id"].as_u64().expect("proposal id").to_string();
    let line = sb.logos(&["--as", "agent:alice", "proposal", "reject", &id, "--reason", "mine"]).error(1);
    assert!(line.contains("agent:alice may not reject"), "{line}");
    sb.logos(&["proposal", "reject", &id, "--reason", "not needed yet"]).ok();
    let shown = sb.logos(&["--json", "proposal", "show", &id]).ok().json();
    assert_eq!(
        (shown["state"].as_str(), shown["reason"].as_str()),
        (Some("rejected"), Some("not needed yet"))
    );
    let line = sb.logos(&["proposal", "approve", &id, "--key", "a.key"]).error(1);
    assert!(line.contains("rejected"), "{line}");
}

#[test]
fn an_agent_linking_into_a_bedrock_node_is_refused_by_the_lock() {
    let sb = Sandbox::governed();
    let rule = sb.add("host", 1);
    sb.govern(&["promote", "add-1"], &["node", "promote", "add-1"]);
    sb.add("agent:alice", 2);
    let size = sb.ledger_size();
    let line = sb.logos(&["--as", "agent:alice", "edge", "add", "add-2.y", "add-1.x"]).error(1);
    // Ledger errors name nodes by their short id (the first 12 hex digits).
    assert!(line.contains(&rule[..12]) && line.contains("bedrock and locked"), "{line}");
    assert!(line.contains("migration under a quorum token"), "{line}");
    assert_eq!(sb.ledger_size(), size, "a refused change records nothing");
    // Agents may not define production flows either; the host may.
    let args = ["flow", "create", "prod", "--in", "add-1.x", "--out", "add-1.y", "--production"];
    let line = sb.logos(&[&["--as", "agent:alice"][..], &args].concat()).error(1);
    assert!(line.contains("production flow"), "{line}");
    sb.logos(&args).ok();
}

#[test]
fn add_wasm_verifies_the_module_statically() {
    let sb = Sandbox::plain();
    let manifest = support::add_manifest(1);
    // No manifest section: not a node.
    let bare = support::node_wasm(&manifest, "", "(unreachable)");
    sb.write("bare.wasm", &bare[..bare.len() - manifest.len() - "logos.manifest".len() - 3]);
    let line = sb.logos(&["node", "add-wasm", "bare.wasm"]).error(1);
    assert!(line.contains("bare.wasm") && line.contains("logos.manifest"), "{line}");
    // An import no node may have.
    let hostile = support::node_wasm(
        &manifest,
        r#"(import "wasi_snapshot_preview1" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))"#,
        "(unreachable)",
    );
    sb.write("hostile.wasm", &hostile);
    let line = sb.logos(&["node", "add-wasm", "hostile.wasm"]).error(1);
    assert!(line.contains("hostile.wasm") && line.contains("path_open"), "{line}");
    // A --manifest that differs from the embedded one.
    sb.write("add-1.wasm", &support::add(1));
    sb.write("other.json", support::add_manifest(2).as_bytes());
    let line = sb.logos(&["node", "add-wasm", "add-1.wasm", "--manifest", "other.json"]).error(1);
    assert!(line.contains("add-1.wasm") && line.contains("differs"), "{line}");
    assert_eq!(sb.ledger_size(), 1, "nothing was stored");
}

#[test]
fn policy_set_and_show_round_trip_through_json() {
    let sb = Sandbox::governed();
    let mut policy = sb.logos(&["--json", "policy", "show"]).ok().json();
    assert_eq!(policy["sediment"]["ceiling"], json!([]), "sediment nodes get no capabilities by default");
    policy["bedrock"]["fuel"] = 50_000_000.into();
    policy["agent_quotas"] = json!({"eve": {"executions_per_day": 3, "fuel_per_day": 1000000}});
    sb.write("policy.json", policy.to_string().as_bytes());
    sb.govern(&["policy", "policy.json"], &["policy", "set", "policy.json"]);
    assert_eq!(sb.logos(&["--json", "policy", "show"]).ok().json(), policy);
    let text = sb.logos(&["policy", "show"]).ok().stdout;
    assert!(text.contains("set in the ledger") && text.contains("agent:eve: 3 executions"), "{text}");

    // The same change as a proposal: approved, then applied with its document.
    policy["self_heal"]["failures"] = 0.into();
    sb.write("heal.json", policy.to_string().as_bytes());
    let opened = sb.logos(&["--json", "proposal", "create", "policy", "heal.json"]).ok().json();
    let id = opened["id"].as_u64().expect("id").to_string();
    sb.logos(&["proposal", "approve", &id, "--key", "a.key"]).ok();
    let ready = sb.logos(&["--json", "proposal", "approve", &id, "--key", "b.key"]).ok().json();
    assert_eq!(ready["state"], "ready");
    let line = sb.logos(&["proposal", "apply", &id, "--policy", "policy.json"]).error(1);
    assert!(line.contains("not the document this proposal names"), "{line}");
    sb.logos(&["proposal", "apply", &id, "--policy", "heal.json"]).ok();
    assert_eq!(sb.logos(&["--json", "policy", "show"]).ok().json(), policy);

    sb.write("typo.json", br#"{"sediment": {}}"#);
    let line = sb.logos(&["token", "create", "policy", "typo.json"]).error(1);
    assert!(line.contains("typo.json") && line.contains("policy show --json"), "{line}");
}

#[test]
fn granting_a_capability_to_a_sediment_node_is_above_the_ceiling() {
    let sb = Sandbox::governed();
    let manifest = r#"{"name": "logger", "inputs": [], "outputs": [], "capabilities": ["log"]}"#;
    sb.write("logger.wasm", &support::inert(manifest));
    sb.logos(&["node", "add-wasm", "logger.wasm"]).ok();
    sb.logos(&["token", "create", "grant", "logger", "log", "--out", "g.tok"]).ok();
    for signer in ["a", "b"] {
        sb.logos(&["token", "sign", "g.tok", "--key", &format!("{signer}.key")]).ok();
    }
    let line = sb.logos(&["node", "grant", "logger", "log", "--token", "g.tok"]).error(1);
    assert!(line.contains("above the sediment ceiling"), "{line}");
    // Promotion first, then the grant is within the bedrock ceiling.
    sb.govern(&["promote", "logger"], &["node", "promote", "logger"]);
    sb.govern(&["grant", "logger", "log"], &["node", "grant", "logger", "log"]);
    assert_eq!(sb.logos(&["--json", "node", "show", "logger"]).ok().json()["grants"], json!(["log"]));
}

#[test]
fn drafts_are_shared_and_upgrades_are_planned() {
    let sb = Sandbox::plain();
    sb.add("agent:alice", 1);
    sb.add("agent:bob", 2);
    let line = sb.logos(&["--as", "agent:bob", "edge", "add", "add-1.y", "add-2.x"]).error(1);
    assert!(line.contains("private draft"), "{line}");
    sb.logos(&["--as", "agent:alice", "node", "share", "add-1"]).ok();
    sb.logos(&["--as", "agent:bob", "edge", "add", "add-1.y", "add-2.x"]).ok();

    sb.add("host", 3);
    sb.add("host", 4);
    let plan = sb.logos(&["--json", "upgrade", "plan", "add-1=add-3", "add-2=add-4"]).ok().json();
    let order: Vec<&str> =
        plan.as_array().expect("plan").iter().filter_map(|s| s["from_name"].as_str()).collect();
    assert_eq!(order, ["add-2", "add-1"], "leaves first");
    let line = sb.logos(&["upgrade", "plan", "add-1"]).error(1);
    assert!(line.contains("FROM=TO"), "{line}");
    sb.logos(&["--as", "agent:bob", "edge", "remove", "add-1.y", "add-2.x"]).ok();
    assert_eq!(sb.logos(&["--json", "graph", "show"]).ok().json()["edges"], json!([]));
}
