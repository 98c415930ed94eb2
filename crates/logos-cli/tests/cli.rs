//! The `logos` binary, driven end to end in a temporary directory.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value as Json;

/// A temporary directory holding a store path and fixture files.
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
    fn json(&self) -> Json {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    /// Asserts the run failed with `code` and exactly one `error: ` line.
    fn assert_one_line_error(&self, code: i32) -> &str {
        assert_eq!(self.code, code, "stdout: {}\nstderr: {}", self.stdout, self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "stderr: {}", self.stderr);
        assert!(lines[0].starts_with("error: "), "stderr: {}", self.stderr);
        assert!(!self.stderr.contains("panicked"), "stderr: {}", self.stderr);
        lines[0]
    }
}

const PARSE: &str = r#"{"name": "parse", "inputs": [], "outputs": [{"name": "amount", "type": "u64"}]}"#;
const LIMIT: &str = r#"{
    "name": "risk.limit",
    "inputs": [{"name": "amount", "type": "u64"}, {"name": "flag", "type": "bool"}],
    "outputs": [{"name": "ok", "type": "bool"}],
    "capabilities": ["log"]
}"#;

impl Sandbox {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("tempdir") }
    }

    /// A sandbox with an initialised store holding `parse` and `risk.limit`.
    fn with_two_nodes() -> Self {
        let sb = Self::new();
        assert_eq!(sb.logos(&["init"]).code, 0);
        sb.add_node("parse", PARSE);
        sb.add_node("risk.limit", LIMIT);
        sb
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn store(&self) -> PathBuf {
        self.path("logos.redb")
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).expect("write fixture");
        path
    }

    /// Runs `logos --store <sandbox store> args...`.
    fn logos(&self, args: &[&str]) -> Run {
        self.logos_at(&self.store(), args)
    }

    fn logos_at(&self, store: &Path, args: &[&str]) -> Run {
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

    /// Adds node `name` (a module embedding `manifest`) with `manifest`, as `--as actor`; returns its id.
    fn add_node_as(&self, actor: &str, name: &str, manifest: &str) -> String {
        let wasm = self.write(&format!("{name}.wasm"), &support::inert(manifest));
        let manifest = self.write(&format!("{name}.json"), manifest.as_bytes());
        let run =
            self.logos(&["--as", actor, "--json", "node", "add-wasm", s(&wasm), "--manifest", s(&manifest)]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.json()["id"].as_str().expect("id").to_owned()
    }

    fn add_node(&self, name: &str, manifest: &str) -> String {
        self.add_node_as("host", name, manifest)
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

#[test]
fn init_creates_a_store_that_verifies() {
    let sb = Sandbox::new();
    let run = sb.logos(&["init", "--origin", "example.org/test"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = sb.logos(&["ledger", "verify"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("ledger verified: 1 entry, head "), "{}", run.stdout);
    let tail = sb.logos(&["ledger", "tail", "--json"]).json();
    assert_eq!(tail["entries"][0]["kind"], "genesis");
    assert!(tail["entries"][0]["summary"].as_str().unwrap_or("").contains("example.org/test"));
}

#[test]
fn init_twice_is_refused() {
    let sb = Sandbox::new();
    assert_eq!(sb.logos(&["init"]).code, 0);
    let line = sb.logos(&["init"]).assert_one_line_error(1).to_owned();
    assert!(line.contains("already exists"), "{line}");
    assert_eq!(sb.logos(&["ledger", "verify"]).code, 0, "the first store is untouched");
}

#[test]
fn a_missing_store_says_to_run_init_and_creates_nothing() {
    let sb = Sandbox::new();
    let run = sb.logos_at(Path::new("./x.redb"), &["graph", "show"]);
    let line = run.assert_one_line_error(1);
    assert_eq!(line, "error: no LOGOS store at ./x.redb; run `logos init` first");
    assert!(!sb.path("x.redb").exists());
}

#[test]
fn a_garbage_store_is_one_line_and_non_zero() {
    let sb = Sandbox::new();
    // Deterministic noise: a multiplicative congruential sequence.
    let garbage: Vec<u8> = (0u32..64 * 1024).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let path = sb.write("garbage.redb", &garbage);
    for args in [&["ledger", "verify"][..], &["ledger", "tail"], &["graph", "show"]] {
        sb.logos_at(&path, args).assert_one_line_error(3);
    }
    let empty = sb.write("empty.redb", b"");
    sb.logos_at(&empty, &["ledger", "verify"]).assert_one_line_error(1);
}

#[test]
fn a_damaged_store_is_reported_never_panics() {
    let sb = Sandbox::with_two_nodes();
    assert_eq!(sb.logos(&["edge", "add", "parse.amount", "risk.limit.amount"]).code, 0);
    let original = std::fs::read(sb.store()).expect("read store");
    let mut state = 0x9e37_79b9_7f4a_7c15_u64; // xorshift64: deterministic damage
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut failures = 0;
    for copy in 0..24 {
        let mut bytes = original.clone();
        for _ in 0..32 {
            let r = next();
            let len = bytes.len() as u64;
            bytes[(r % len) as usize] ^= 1 << (r >> 61);
        }
        let path = sb.write(&format!("damaged-{copy}.redb"), &bytes);
        let run = sb.logos_at(&path, &["ledger", "verify"]);
        // Flips in unused pages can leave the store intact; anything else is a clean failure.
        if run.code != 0 {
            failures += 1;
            assert!(run.code == 1 || run.code == 3, "copy {copy}: exit {}: {}", run.code, run.stderr);
            run.assert_one_line_error(run.code);
        }
    }
    assert!(failures > 0, "the damage was never noticed");
}

#[test]
fn re_adding_the_same_wasm_is_idempotent() {
    let sb = Sandbox::with_two_nodes();
    let wasm = sb.path("parse.wasm");
    let manifest = sb.path("parse.json");
    let run = sb.logos(&["node", "add-wasm", s(&wasm), "--manifest", s(&manifest)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("already stored"), "{}", run.stdout);
    let json = sb.logos(&["--json", "node", "add-wasm", s(&wasm), "--manifest", s(&manifest)]).json();
    assert_eq!(json["new"], false);
    assert_eq!(json["seq"], Json::Null);
    assert_eq!(sb.logos(&["ledger", "tail", "--json"]).json()["size"], 3);
}

#[test]
fn edges_are_added_by_name_and_by_id_prefix() {
    let sb = Sandbox::with_two_nodes();
    let run = sb.logos(&["edge", "add", "parse.amount", "risk.limit.amount"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("ledger seq 3"), "{}", run.stdout);

    // A second producer, wired to the other input by id prefixes.
    let flag = sb.add_node(
        "flagger",
        r#"{"name": "flagger", "inputs": [], "outputs": [{"name": "f", "type": "bool"}]}"#,
    );
    let limit = sb.logos(&["graph", "show", "--json"]).json()["nodes"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|n| n["name"] == "risk.limit"))
        .and_then(|n| n["id"].as_str().map(str::to_owned))
        .expect("risk.limit listed");
    let from = format!("{}.f", &flag[..8]);
    let to = format!("{}.flag", &limit[..6]);
    let run = sb.logos(&["--json", "edge", "add", &from, &to]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["seq"], 5);
    assert_eq!(json["type"], "bool");
    assert_eq!(json["from"]["node"], flag.as_str());
    assert_eq!(json["to"]["node"], limit.as_str());
}

#[test]
fn a_mismatched_edge_is_refused_naming_both_types() {
    let sb = Sandbox::with_two_nodes();
    let line =
        sb.logos(&["edge", "add", "parse.amount", "risk.limit.flag"]).assert_one_line_error(1).to_owned();
    assert!(line.contains("u64") && line.contains("bool"), "{line}");
    assert_eq!(sb.logos(&["ledger", "tail", "--json"]).json()["size"], 3, "nothing was recorded");
}

#[test]
fn unknown_and_ambiguous_node_references_are_explained() {
    let sb = Sandbox::with_two_nodes();
    let line =
        sb.logos(&["edge", "add", "nobody.amount", "risk.limit.amount"]).assert_one_line_error(1).to_owned();
    assert!(line.contains("no node matches `nobody`"), "{line}");
    sb.add_node("parse2", &PARSE.replace("\"parse\"", "\"risk.limit\""));
    let line =
        sb.logos(&["edge", "add", "parse.amount", "risk.limit.amount"]).assert_one_line_error(1).to_owned();
    assert!(line.contains("ambiguous"), "{line}");
    let line = sb.logos(&["edge", "add", "parse", "risk.limit.amount"]).assert_one_line_error(1).to_owned();
    assert!(line.contains("NODE.PORT"), "{line}");
}

#[test]
fn graph_show_json_lists_nodes_and_edges() {
    let sb = Sandbox::with_two_nodes();
    assert_eq!(sb.logos(&["edge", "add", "parse.amount", "risk.limit.amount"]).code, 0);
    let graph = sb.logos(&["graph", "show", "--json"]).json();
    let nodes = graph["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 2);
    // Feeders first.
    assert_eq!(nodes[0]["name"], "parse");
    assert_eq!(nodes[0]["id"].as_str().map(str::len), Some(64));
    assert_eq!(nodes[1]["inputs"][1], serde_json::json!({"name": "flag", "type": "bool"}));
    assert_eq!(nodes[1]["capabilities"], serde_json::json!(["log"]));
    let edges = graph["edges"].as_array().expect("edges");
    assert_eq!(edges.len(), 1);
    assert_eq!(edges[0]["from"]["port"], "amount");
    assert_eq!(edges[0]["to"]["node"], nodes[1]["id"]);
    assert_eq!(edges[0]["type"], "u64");

    let text = sb.logos(&["graph", "show"]).stdout;
    assert!(text.contains("parse.amount -> risk.limit.amount : u64"), "{text}");
    assert!(text.contains("amount: u64, flag: bool"), "{text}");
}

#[test]
fn ledger_tail_json_gives_the_last_entries_with_their_actors() {
    let sb = Sandbox::with_two_nodes();
    // An agent wires the inputs of its own draft (the ledger lets it touch no other node's inputs).
    sb.add_node_as(
        "agent:wirer",
        "sink",
        r#"{"name": "sink", "inputs": [{"name": "amount", "type": "u64"}], "outputs": []}"#,
    );
    assert_eq!(sb.logos(&["--as", "agent:wirer", "edge", "add", "parse.amount", "sink.amount"]).code, 0);
    let tail = sb.logos(&["ledger", "tail", "-n", "3", "--json"]).json();
    assert_eq!(tail["size"], 5);
    let entries = tail["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["seq"], 2);
    assert_eq!(entries[0]["kind"], "node-created");
    assert_eq!(entries[0]["actor"], "host");
    assert_eq!(entries[1]["actor"], "agent:wirer");
    assert_eq!(entries[2]["kind"], "edge-added");
    assert_eq!(entries[2]["actor"], "agent:wirer");
    assert_eq!(entries[2]["hash"].as_str().map(str::len), Some(64));
    assert!(entries[2]["timestamp_ms"].as_u64().is_some());
    assert!(entries[2]["time"].as_str().is_some_and(|t| t.ends_with('Z')));

    let text = sb.logos(&["ledger", "tail", "-n", "1"]).stdout;
    assert!(text.contains("agent:wirer") && text.contains("added"), "{text}");
}

#[test]
fn an_agent_may_not_wire_the_inputs_of_a_node_it_does_not_own() {
    let sb = Sandbox::with_two_nodes();
    let run = sb.logos(&["--as", "agent:wirer", "edge", "add", "parse.amount", "risk.limit.amount"]);
    let line = run.assert_one_line_error(1).to_owned();
    assert!(line.contains("agent `wirer`") && line.contains("only its owner or the host"), "{line}");
    assert_eq!(sb.logos(&["ledger", "tail", "--json"]).json()["size"], 3, "nothing was recorded");
}

#[test]
fn verify_counts_what_was_written() {
    let sb = Sandbox::with_two_nodes();
    assert_eq!(sb.logos(&["edge", "add", "parse.amount", "risk.limit.amount"]).code, 0);
    let run = sb.logos(&["ledger", "verify"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("4 entries") && run.stdout.contains("2 nodes, 1 edge"), "{}", run.stdout);
    let json = sb.logos(&["ledger", "verify", "--json"]).json();
    assert_eq!(json["ok"], true);
    assert_eq!(
        (json["entries"].as_u64(), json["nodes"].as_u64(), json["edges"].as_u64()),
        (Some(4), Some(2), Some(1))
    );
    assert_eq!(json["head"].as_str().map(str::len), Some(64));
}

#[test]
fn bad_input_files_are_named() {
    let sb = Sandbox::with_two_nodes();
    let wasm = sb.path("parse.wasm");
    let bad = sb.write("bad.json", b"{\"name\": \"x\",");
    let line =
        sb.logos(&["node", "add-wasm", s(&wasm), "--manifest", s(&bad)]).assert_one_line_error(1).to_owned();
    assert!(line.contains("bad.json"), "{line}");
    let invalid = sb.write("invalid.json", br#"{"name": "has space", "inputs": [], "outputs": []}"#);
    let line = sb
        .logos(&["node", "add-wasm", s(&wasm), "--manifest", s(&invalid)])
        .assert_one_line_error(1)
        .to_owned();
    assert!(line.contains("invalid.json"), "{line}");
    let line =
        sb.logos(&["node", "add-wasm", s(&bad), "--manifest", s(&bad)]).assert_one_line_error(1).to_owned();
    assert!(line.contains("not a wasm module"), "{line}");
}

#[test]
fn a_bad_actor_is_a_usage_error() {
    let sb = Sandbox::with_two_nodes();
    let run = sb.logos(&["--as", "root", "edge", "add", "parse.amount", "risk.limit.amount"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("invalid actor"), "{}", run.stderr);
}
