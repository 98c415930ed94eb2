//! Mermaid flowchart text.

use logos_core::{Graph, NodeId};
use logos_viz::{Annotations, Focus, Layer, NodeStyle, mermaid, mermaid_with};

use crate::fixtures::{add, id, link, manifest, pair, payments, snapshot};

#[test]
fn bare_graph_snapshot() {
    assert_eq!(
        mermaid(&pair()),
        "flowchart LR\n\
         \x20   n0618013fa64ac6807bdea212bbdd08ffc628dd440fa725b92a8b534a842f33e9[\"<b>dst</b><br/>0618013fa64a<br/>asks#58; log\"]\n\
         \x20   n25a6634263c1b1f6fc4697a04e2b9904ea4b042a89af59dc93ec1f5d44848a26[\"<b>src</b><br/>25a6634263c1<br/>asks#58; none\"]\n\
         \x20   n25a6634263c1b1f6fc4697a04e2b9904ea4b042a89af59dc93ec1f5d44848a26 -->|\"out → inp#58; list#60;record#123;a#58; u8#125;#62;\"| n0618013fa64ac6807bdea212bbdd08ffc628dd440fa725b92a8b534a842f33e9\n"
    );
}

#[test]
fn annotated_graph_snapshot() {
    let (graph, notes) = payments();
    snapshot("payments.mmd", &mermaid_with(&graph, &notes));
}

#[test]
fn layers_have_their_own_shapes_and_classes() {
    let (graph, notes) = payments();
    let out = mermaid_with(&graph, &notes);
    let line = |name: &str| out.lines().find(|l| l.contains(&format!("<b>{name}</b>"))).unwrap_or_default();
    assert!(line("geo-check").contains("[[\"") && line("geo-check").contains("bedrock #40;locked#41;"));
    assert!(line("decide").contains("(\"") && line("decide").contains("sediment"));
    assert!(line("audit-log").contains("deprecated"));
    assert!(line("fx-convert").contains("asks#58; clock,network · granted#58; clock"));
    assert!(out.contains(&format!("    class n{} deprecated\n", id("audit-log"))));
    assert!(out.contains("classDef bedrock "));
}

#[test]
fn a_title_goes_into_front_matter() {
    let notes = Annotations { title: Some("a \"quoted\" title".into()), ..Annotations::default() };
    let out = mermaid_with(&pair(), &notes);
    assert!(out.starts_with("---\ntitle: \"a \\\"quoted\\\" title\"\n---\nflowchart LR\n"));
}

#[test]
fn emphasis_outlines_highlighted_nodes_and_the_edges_between_them() {
    let (graph, notes) = payments();
    let out = mermaid_with(&graph, &notes);
    let highlighted = out.lines().find(|l| l.ends_with(" highlight")).unwrap_or_default();
    assert_eq!(highlighted.matches(",n").count() + 1, notes.highlight.len());
    // Edges are in canonical order; 5 of the 10 join two highlighted nodes.
    assert!(out.ends_with("    linkStyle 0,1,3,6,9 stroke:#d97706,stroke-width:3px\n"));
}

#[test]
fn focus_only_draws_just_the_highlighted_nodes() {
    let (graph, mut notes) = payments();
    notes.focus = Focus::Only;
    let out = mermaid_with(&graph, &notes);
    let nodes = out.lines().filter(|l| l.starts_with("    n") && !l.contains("-->")).count();
    let edges = out.lines().filter(|l| l.contains("-->")).count();
    assert_eq!((nodes, edges), (5, 5));
    assert!(!out.contains("geo-check") && !out.contains("highlight"));
}

#[test]
fn focus_only_with_nothing_highlighted_is_empty() {
    let notes = Annotations { focus: Focus::Only, ..Annotations::default() };
    assert_eq!(mermaid_with(&pair(), &notes), "flowchart LR\n");
}

#[test]
fn an_empty_graph_is_just_the_header() {
    assert_eq!(mermaid(&Graph::new()), "flowchart LR\n");
}

#[test]
fn nodes_whose_short_ids_collide_stay_two_nodes() {
    let mut bytes = [0u8; 32];
    let a = NodeId::from_bytes(bytes);
    bytes[31] = 1;
    let b = NodeId::from_bytes(bytes);
    assert_eq!(a.short(), b.short());
    let mut g = Graph::new();
    g.add_node(a, manifest("a", &[], &[("o", "u8")], &[]));
    g.add_node(b, manifest("b", &[("i", "u8")], &[], &[]));
    link(&mut g, a, "o", b, "i");
    let out = mermaid(&g);
    assert!(out.contains(&format!("n{a}[")) && out.contains(&format!("n{b}[")));
    assert!(out.contains(&format!("n{a} -->")));
}

#[test]
fn a_status_is_shown_only_when_given() {
    let mut g = Graph::new();
    let a = add(&mut g, manifest("known", &[], &[], &[]));
    add(&mut g, manifest("unknown", &[], &[], &[]));
    let mut notes = Annotations::default();
    notes.styles.insert(a, NodeStyle { layer: Layer::Sediment, ..NodeStyle::default() });
    let out = mermaid_with(&g, &notes);
    assert!(out.lines().any(|l| l.contains("<b>known</b>") && l.contains("sediment")));
    assert!(out.lines().any(|l| l.contains("<b>unknown</b>") && !l.contains("sediment")));
}
