//! The ledger timeline as a Mermaid flowchart.

use logos_viz::{TimelineEntry, timeline};

fn entry(seq: u64, kind: &str, summary: &str) -> TimelineEntry {
    TimelineEntry {
        seq,
        timestamp_ms: 1_700_000_000_000 + seq * 61_000,
        actor: if seq.is_multiple_of(2) { "host".into() } else { "agent:ada".into() },
        kind: kind.into(),
        summary: summary.into(),
    }
}

fn ledger(len: u64) -> Vec<TimelineEntry> {
    (0..len).map(|s| entry(s, ["node-added", "edge-added", "promoted"][(s % 3) as usize], "change")).collect()
}

#[test]
fn short_ledger_snapshot() {
    let entries = [
        entry(0, "node-added", "node c92f7d8644ca parse-request"),
        entry(1, "edge-added", "c92f7d8644ca.amount -> 2d941a2fb762.amount"),
        entry(2, "promoted", "node 2d941a2fb762 promoted to bedrock"),
    ];
    assert_eq!(
        timeline(&entries, 10),
        "flowchart TB\n\
         \x20   classDef k0 fill:#dbeafe,stroke:#1d4ed8,color:#0f172a\n\
         \x20   classDef k1 fill:#dcfce7,stroke:#15803d,color:#0f172a\n\
         \x20   classDef k2 fill:#fef3c7,stroke:#b45309,color:#0f172a\n\
         \x20   e0[\"<b>#35;0 · node-added</b><br/>2023-11-14 22#58;13#58;20 UTC · host<br/>node c92f7d8644ca parse-request\"]\n\
         \x20   e1[\"<b>#35;1 · edge-added</b><br/>2023-11-14 22#58;14#58;21 UTC · agent#58;ada<br/>c92f7d8644ca.amount -#62; 2d941a2fb762.amount\"]\n\
         \x20   e2[\"<b>#35;2 · promoted</b><br/>2023-11-14 22#58;15#58;22 UTC · host<br/>node 2d941a2fb762 promoted to bedrock\"]\n\
         \x20   e0 --> e1\n\
         \x20   e1 --> e2\n\
         \x20   class e1 k0\n\
         \x20   class e0 k1\n\
         \x20   class e2 k2\n"
    );
}

#[test]
fn a_long_ledger_shows_the_last_entries_and_counts_the_rest() {
    let out = timeline(&ledger(1000), 5);
    assert!(out.contains("    earlier[\"… 995 earlier entries\"]\n"));
    let boxes: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("    e") && l.contains("[\"") && !l.contains("earlier"))
        .collect();
    assert_eq!(boxes.len(), 5);
    assert!(boxes[0].contains("#35;995 ") && boxes[4].contains("#35;999 "));
    assert!(out.contains("    earlier --> e0\n"));
    assert!(out.lines().count() < 30);
}

#[test]
fn entries_are_drawn_in_seq_order_whatever_the_input_order() {
    let mut entries = ledger(6);
    entries.reverse();
    assert_eq!(timeline(&entries, 4), timeline(&ledger(6), 4));
}

#[test]
fn entries_of_one_kind_share_a_class() {
    let out = timeline(&ledger(7), 7);
    assert!(out.contains("    class e1,e4 k0\n"), "{out}");
    assert!(out.contains("    class e0,e3,e6 k1\n"), "{out}");
}

#[test]
fn an_empty_ledger_says_so() {
    let out = timeline(&[], 10);
    assert!(out.contains("earlier[\"no ledger entries\"]"));
    assert!(!out.contains("-->"));
}

#[test]
fn last_zero_shows_only_the_count() {
    let out = timeline(&ledger(3), 0);
    assert!(out.contains("earlier[\"… 3 earlier entries\"]"));
    assert!(!out.contains("e0"));
}

#[test]
fn one_earlier_entry_is_singular() {
    assert!(timeline(&ledger(3), 2).contains("… 1 earlier entry\""));
}

#[test]
fn many_kinds_cycle_through_the_palette() {
    let entries: Vec<TimelineEntry> = (0..12).map(|s| entry(s, &format!("kind{s:02}"), "x")).collect();
    let out = timeline(&entries, 12);
    assert_eq!(out.matches("classDef k").count(), 8);
    assert!(out.contains("    class e8 k0\n"));
}
