//! The demo as a specification: the story runs once per test binary, and
//! each test checks one fact it claims.

use std::path::PathBuf;
use std::sync::OnceLock;

use financial_approval::{Decision, Dirs, Summary, run};
use logos_runtime::{Approval, StateError, StoreError, SupervisorError, TokenError};

struct Told {
    summary: Summary,
    text: String,
}

fn dirs(name: &str) -> Dirs {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    // Shared by every run of this test binary, so only the first compiles.
    Dirs { out: tmp.join(name), compile: tmp.join("logos-nodes") }
}

fn tell(name: &str) -> Told {
    let mut out = Vec::new();
    let summary = run(&mut out, &dirs(name)).unwrap_or_else(|e| {
        panic!("the story failed: {e}\n--- told so far ---\n{}", String::from_utf8_lossy(&out))
    });
    Told { summary, text: String::from_utf8(out).expect("the story is UTF-8") }
}

fn story() -> &'static Told {
    static STORY: OnceLock<Told> = OnceLock::new();
    STORY.get_or_init(|| tell("story"))
}

fn state_error(e: &SupervisorError) -> Option<&StateError> {
    match e {
        SupervisorError::Store(StoreError::State(s)) => Some(s),
        _ => None,
    }
}

#[test]
fn every_payment_gets_the_decision_its_rules_call_for() {
    use Decision::{Approve, Reject, Review};
    let expected = [
        ("T-01", Approve),
        ("T-02", Approve),
        ("T-03", Approve),
        ("T-04", Reject), // sanctioned country
        ("T-05", Review), // cash over the limit amount-limit-v2 introduced
        ("T-06", Review), // duplicate
        ("T-07", Review), // ninth payment in 24 h
        ("T-08", Review), // over the limit, risk 65
        ("T-09", Reject), // risk 85
        ("T-10", Approve),
        ("T-11", Review), // 24 h total over the threshold
        ("T-12", Approve),
    ];
    let got: Vec<(&str, Decision)> =
        story().summary.decisions.iter().map(|d| (d.id.as_str(), d.decision)).collect();
    assert_eq!(got, expected);
}

#[test]
fn production_runs_the_migrated_rule() {
    let t05 = story().summary.decisions.iter().find(|d| d.id == "T-05").expect("T-05 ran");
    assert_eq!(t05.reasons, ["over the cash limit (2,500.00)"], "v1 allowed 5,000.00 in cash");
    assert_eq!(t05.score, 20);
}

#[test]
fn the_agents_draft_flags_large_cash_in_the_sandbox() {
    assert_eq!(
        story().summary.sandbox_flags,
        [Some("over the cash limit (2,500.00)".to_owned()), None],
        "4,000.00 in cash, then by card"
    );
}

#[test]
fn the_agent_cannot_link_into_a_locked_rule() {
    let refusal = &story().summary.refusals[0];
    assert!(matches!(state_error(refusal), Some(StateError::Locked { .. })), "{refusal:?}");
}

#[test]
fn the_agent_cannot_migrate_without_human_signatures() {
    let refusal = &story().summary.refusals[1];
    assert!(
        matches!(refusal, SupervisorError::Store(StoreError::Token(TokenError::SubQuorum { valid: 0, .. }))),
        "{refusal:?}"
    );
    assert_eq!(story().summary.refusals.len(), 2);
}

#[test]
fn one_approval_is_pending_and_the_second_applies_the_migration() {
    let approvals = &story().summary.approvals;
    assert_eq!(approvals[0], Approval::Pending { have: 1, need: 2 });
    assert!(matches!(approvals[1], Approval::Applied { .. }), "{approvals:?}");
    assert_eq!(approvals.len(), 2);
}

#[test]
fn a_recorded_decision_replays_identically() {
    let s = &story().summary;
    assert_eq!(s.replayed, "T-05");
    assert!(s.replay.is_identical(), "{:?}", s.replay);
    assert_eq!(s.replay.nodes_replayed, 9);
}

#[test]
fn the_ledger_verifies_in_the_store_and_as_a_bundle() {
    let s = &story().summary;
    assert!(s.verified.entries > 40, "{:?}", s.verified);
    assert_eq!(s.bundle_entries, s.verified.entries, "the bundle holds the whole ledger");
    // Nine rules, the draft that replaced one of them.
    assert_eq!(s.verified.nodes, 10);
    assert_eq!(s.verified.edges, 25);
}

#[test]
fn the_files_are_written_and_the_pictures_look_right() {
    let s = &story().summary;
    for file in &s.files {
        let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        assert!(size > 0, "{} is missing or empty", file.display());
    }
    let read = |name: &str| {
        let path = s.files.iter().find(|f| f.ends_with(name)).unwrap_or_else(|| panic!("no {name}"));
        std::fs::read_to_string(path).expect("readable")
    };
    let svg = read("graph.svg");
    assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<g").count(), svg.matches("</g>").count(), "groups are balanced");
    assert!(svg.contains("amount-limit-v2") && svg.contains("decide"));
    let mermaid = read("graph.md");
    assert!(mermaid.contains("```mermaid\n") && mermaid.contains("flowchart LR"));
    assert!(read("ledger.md").contains("migrated"));
    assert!(read("ledger.bundle.json").contains("logos-bundle/v1"));
}

#[test]
fn the_story_reads_as_seven_acts_without_walls_of_hex() {
    let text = &story().text;
    for act in 1..=7 {
        assert!(text.contains(&format!("\n{act}. ")), "act {act} is missing:\n{text}");
    }
    let longest_hex = text.split(|c: char| !c.is_ascii_hexdigit()).map(str::len).max().unwrap_or(0);
    assert!(longest_hex <= 12, "a hex string of {longest_hex} characters:\n{text}");
}

#[test]
fn a_second_run_takes_every_node_from_the_compile_cache() {
    let first = story();
    let again = tell("again");
    assert_eq!(again.summary.nodes_built, 0);
    assert_eq!(again.summary.nodes_cached, first.summary.nodes_built + first.summary.nodes_cached);
    assert_eq!(again.summary.decisions, first.summary.decisions, "same rules, same decisions");
}
