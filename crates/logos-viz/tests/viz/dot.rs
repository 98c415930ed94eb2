//! Graphviz DOT text.

use logos_core::Graph;
use logos_viz::{Focus, dot, dot_with};

use crate::fixtures::{id, pair, payments, snapshot};

#[test]
fn bare_graph_snapshot() {
    assert_eq!(
        dot(&pair()),
        "digraph logos {\n\
         \x20   graph [rankdir=LR, fontname=\"monospace\"];\n\
         \x20   node [shape=box, style=\"rounded\", fontname=\"monospace\", fontsize=11];\n\
         \x20   edge [fontname=\"monospace\", fontsize=9, color=\"#64748b\"];\n\
         \x20   \"0618013fa64ac6807bdea212bbdd08ffc628dd440fa725b92a8b534a842f33e9\" [label=\"dst\\n0618013fa64a\\nasks: log\"];\n\
         \x20   \"25a6634263c1b1f6fc4697a04e2b9904ea4b042a89af59dc93ec1f5d44848a26\" [label=\"src\\n25a6634263c1\\nasks: none\"];\n\
         \x20   \"25a6634263c1b1f6fc4697a04e2b9904ea4b042a89af59dc93ec1f5d44848a26\" -> \"0618013fa64ac6807bdea212bbdd08ffc628dd440fa725b92a8b534a842f33e9\" [label=\"out → inp: list<record{a: u8}>\"];\n\
         }\n"
    );
}

#[test]
fn annotated_graph_snapshot() {
    let (graph, notes) = payments();
    snapshot("payments.dot", &dot_with(&graph, &notes));
}

fn node_line(out: &str, name: &str) -> String {
    let key = format!("    \"{}\" [", id(name));
    out.lines().find(|l| l.starts_with(&key)).unwrap_or_default().to_owned()
}

#[test]
fn bedrock_is_filled_and_heavy_and_deprecated_is_dashed() {
    let (graph, mut notes) = payments();
    notes.highlight.clear();
    let out = dot_with(&graph, &notes);
    let geo = node_line(&out, "geo-check");
    assert!(geo.contains("style=\"rounded,filled\"") && geo.contains("penwidth=2.5"), "{geo}");
    let audit = node_line(&out, "audit-log");
    assert!(audit.contains("style=\"rounded,filled,dashed\""), "{audit}");
    assert!(node_line(&out, "decide").contains("fillcolor=\"#fdf6e3\""));
}

#[test]
fn highlighted_nodes_and_edges_are_amber() {
    let (graph, notes) = payments();
    let out = dot_with(&graph, &notes);
    assert!(node_line(&out, "decide").contains("color=\"#d97706\", penwidth=3"));
    assert!(!node_line(&out, "geo-check").contains("#d97706"));
    assert_eq!(out.lines().filter(|l| l.contains(" -> ") && l.contains("#d97706")).count(), 5);
}

#[test]
fn focus_only_drops_the_rest() {
    let (graph, mut notes) = payments();
    notes.focus = Focus::Only;
    let out = dot_with(&graph, &notes);
    assert!(node_line(&out, "geo-check").is_empty());
    assert_eq!(out.lines().filter(|l| l.contains(" -> ")).count(), 5);
}

#[test]
fn the_title_is_the_graph_label() {
    let (graph, notes) = payments();
    assert!(dot_with(&graph, &notes).contains("label=\"payment screening\", labelloc=t"));
}

#[test]
fn an_empty_graph_is_a_valid_digraph() {
    let out = dot(&Graph::new());
    assert!(out.starts_with("digraph logos {\n") && out.ends_with("}\n"));
    assert_eq!(out.lines().count(), 5);
}
