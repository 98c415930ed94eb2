//! `logos viz` through the binary, on a real store: every format draws,
//! a flow is outlined or singled out, pictures go to files, and an agent's
//! picture holds only what it may see.

mod support;

use std::process::{Command, Output};

use serde_json::Value as Json;

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
}

/// A store holding host nodes `add-1 -> add-2` (flow `pair` over them) and
/// a lone `add-3`, run from inside a temporary directory.
struct Sandbox {
    dir: tempfile::TempDir,
    ids: [String; 3],
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut sb = Self { dir, ids: Default::default() };
        sb.logos(&["init", "--origin", "example.org/viz"]).ok();
        sb.ids = [sb.add("host", 1), sb.add("host", 2), sb.add("host", 3)];
        sb.logos(&["edge", "add", "add-1.y", "add-2.x"]).ok();
        sb.logos(&["flow", "create", "pair", "--in", "add-1.x", "--out", "add-2.y"]).ok();
        sb
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

    /// Adds `add-K` as `actor`; returns its full id.
    fn add(&self, actor: &str, k: u64) -> String {
        let file = format!("add-{k}.wasm");
        std::fs::write(self.dir.path().join(&file), support::add(k)).expect("write module");
        let added = self.logos(&["--as", actor, "--json", "node", "add-wasm", &file]).ok().json();
        added["id"].as_str().expect("id").to_owned()
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).expect("read picture")
    }
}

/// The Mermaid `class` line listing the highlighted nodes.
fn highlighted(mermaid: &str) -> &str {
    mermaid
        .lines()
        .find(|l| l.trim_start().starts_with("class ") && l.trim_end().ends_with(" highlight"))
        .unwrap_or_else(|| panic!("no highlighted nodes in:\n{mermaid}"))
}

#[test]
fn every_graph_format_draws_every_node_under_a_title() {
    let sb = Sandbox::new();
    let mermaid = sb.logos(&["viz", "--format", "mermaid"]).ok().stdout;
    assert!(mermaid.contains("flowchart"), "{mermaid}");
    assert!(mermaid.contains("example.org/viz") && mermaid.contains("ledger entries"), "{mermaid}");
    for id in &sb.ids {
        assert!(mermaid.contains(&format!("n{id}")), "{id} missing from:\n{mermaid}");
    }
    assert!(mermaid.contains("class ") && mermaid.contains(" sediment"), "layer classes:\n{mermaid}");

    let dot = sb.logos(&["viz", "--format", "dot"]).ok().stdout;
    assert!(dot.contains("digraph"), "{dot}");
    assert!(dot.contains("add-3"), "{dot}");

    let svg = sb.logos(&["viz", "--format", "svg"]).ok().stdout;
    assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "{svg}");
    assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
    assert!(svg.contains("add-2"), "{svg}");
}

#[test]
fn the_timeline_draws_the_last_ledger_entries() {
    let sb = Sandbox::new();
    let all = sb.logos(&["viz", "--format", "timeline"]).ok().stdout;
    assert!(all.contains("flowchart"), "{all}");
    assert!(all.contains("genesis") && all.contains("flow-defined"), "{all}");

    let last = sb.logos(&["viz", "--format", "timeline", "--last", "1"]).ok().stdout;
    assert!(last.contains("flow-defined"), "{last}");
    assert!(!last.contains("genesis"), "{last}");
}

#[test]
fn a_flow_is_outlined_or_drawn_alone() {
    let sb = Sandbox::new();
    let [one, two, three] = &sb.ids;
    let outlined = sb.logos(&["viz", "--format", "mermaid", "--flow", "pair"]).ok().stdout;
    assert!(outlined.contains("flow pair"), "title:\n{outlined}");
    let line = highlighted(&outlined);
    assert!(line.contains(&format!("n{one}")) && line.contains(&format!("n{two}")), "{line}");
    assert!(!line.contains(&format!("n{three}")), "{line}");
    assert!(outlined.contains(&format!("n{three}")), "the rest is still drawn:\n{outlined}");

    let alone = sb.logos(&["viz", "--format", "mermaid", "--flow", "pair", "--only"]).ok().stdout;
    assert!(alone.contains(&format!("n{one}")) && alone.contains(&format!("n{two}")), "{alone}");
    assert!(!alone.contains(&format!("n{three}")), "{alone}");

    let dot = sb.logos(&["viz", "--format", "dot", "--flow", "pair", "--only"]).ok().stdout;
    assert!(dot.contains("add-1") && !dot.contains("add-3"), "{dot}");
}

#[test]
fn out_writes_the_file_and_says_where() {
    let sb = Sandbox::new();
    let run = sb.logos(&["viz", "--format", "svg", "--out", "graph.svg"]).ok();
    assert!(run.stdout.contains("graph.svg"), "{}", run.stdout);
    let svg = sb.read("graph.svg");
    assert!(svg.starts_with("<?xml") && svg.trim_end().ends_with("</svg>"), "{svg}");

    // Written again over the old file, with --json saying what was written.
    let doc = sb.logos(&["--json", "viz", "--format", "mermaid", "--out", "graph.svg"]).ok().json();
    let mermaid = sb.read("graph.svg");
    assert!(mermaid.contains("flowchart"), "{mermaid}");
    assert_eq!(doc["format"], "mermaid");
    assert_eq!(doc["path"], "graph.svg");
    assert_eq!(doc["bytes"].as_u64(), Some(mermaid.len() as u64), "{doc}");
}

#[test]
fn out_refuses_a_directory() {
    let sb = Sandbox::new();
    std::fs::create_dir(sb.dir.path().join("pictures")).expect("mkdir");
    let run = sb.logos(&["viz", "--format", "dot", "--out", "pictures"]);
    assert_eq!(run.code, 1, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(run.stderr.contains("is a directory"), "{}", run.stderr);
    assert!(sb.dir.path().join("pictures").is_dir());
}

#[test]
fn an_agent_does_not_see_another_agents_private_draft() {
    let sb = Sandbox::new();
    let draft = sb.add("agent:alice", 7);
    sb.logos(&["--as", "agent:alice", "edge", "add", "add-1.y", "add-7.x"]).ok();
    let node = format!("n{draft}");

    for format in ["mermaid", "dot", "svg"] {
        let bob = sb.logos(&["--as", "agent:bob", "viz", "--format", format]).ok().stdout;
        assert!(!bob.contains(&draft[..12]) && !bob.contains("add-7"), "bob's {format}:\n{bob}");
        assert!(bob.contains("add-1") && bob.contains("add-3"), "bob's {format}:\n{bob}");
        let host = sb.logos(&["viz", "--format", format]).ok().stdout;
        assert!(host.contains(&draft[..12]) && host.contains("add-7"), "the host's {format}:\n{host}");
    }
    let alice = sb.logos(&["--as", "agent:alice", "viz", "--format", "mermaid"]).ok().stdout;
    assert!(alice.contains(&node), "alice sees her draft:\n{alice}");

    // Shared, it is in everyone's picture.
    sb.logos(&["--as", "agent:alice", "node", "share", "add-7"]).ok();
    let bob = sb.logos(&["--as", "agent:bob", "viz", "--format", "mermaid"]).ok().stdout;
    assert!(bob.contains(&node), "{bob}");
}

#[test]
fn an_unknown_flow_is_exit_1_pointing_at_the_flow_list() {
    let sb = Sandbox::new();
    let run = sb.logos(&["viz", "--format", "mermaid", "--flow", "nothing", "--out", "x.md"]);
    assert_eq!(run.code, 1, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(run.stderr.starts_with("error: ") && run.stderr.contains("`logos flow list`"), "{}", run.stderr);
    assert!(!sb.dir.path().join("x.md").exists());
}

#[test]
fn options_of_the_other_picture_are_a_usage_error() {
    let sb = Sandbox::new();
    let run = sb.logos(&["viz", "--format", "timeline", "--flow", "pair"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = sb.logos(&["viz", "--format", "svg", "--last", "5"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = sb.logos(&["viz", "--format", "mermaid", "--only"]);
    assert_eq!(run.code, 2, "--only needs --flow: {}", run.stderr);
}
