//! Standalone SVG: well-formed, deterministic, showing what the other
//! formats show.

use logos_core::Graph;
use logos_viz::{Annotations, Focus, svg, svg_with};

use crate::fixtures::{add, chain, diamond, manifest, pair, payments, snapshot};
use crate::xml;

fn texts(doc: &str) -> Vec<String> {
    xml::check(doc).unwrap_or_else(|e| panic!("malformed SVG: {e}"))
}

/// Every `<text>` line is here, once, as the reader sees it.
#[test]
fn example_snapshot() {
    let (graph, notes) = payments();
    snapshot("example.svg", &svg_with(&graph, &notes));
}

#[test]
fn every_fixture_is_well_formed() {
    let (graph, notes) = payments();
    let only = Annotations { focus: Focus::Only, ..notes.clone() };
    for doc in [
        svg(&Graph::new()),
        svg(&pair()),
        svg(&chain(20)),
        svg(&diamond()),
        svg(&graph),
        svg_with(&graph, &notes),
        svg_with(&graph, &only),
    ] {
        texts(&doc);
    }
}

#[test]
fn the_same_graph_gives_the_same_bytes() {
    let (graph, notes) = payments();
    let first = svg_with(&graph, &notes);
    assert_eq!(first, svg_with(&graph, &notes));
    // Insertion order does not matter either: a graph is its nodes and edges.
    let mut reversed = Graph::new();
    let mut nodes: Vec<_> = graph.nodes().map(|(id, m)| (*id, m.clone())).collect();
    nodes.reverse();
    for (id, m) in nodes {
        reversed.add_node(id, m);
    }
    let mut edges: Vec<_> = graph.edges().cloned().collect();
    edges.reverse();
    for e in edges {
        reversed.add_edge(e).expect("same edges");
    }
    assert_eq!(first, svg_with(&reversed, &notes));
}

#[test]
fn nodes_show_name_id_layer_and_capabilities() {
    let (graph, notes) = payments();
    let seen = texts(&svg_with(&graph, &notes));
    for line in [
        "payment screening",
        "amount-limit",
        "2d941a2fb762 · bedrock (locked)",
        "asks: clock,network · granted: clock",
        "108201beddb0 · sediment · deprecated",
        "amount → amount: record{cents: u64, currency: string}",
    ] {
        assert!(seen.iter().any(|t| t == line), "{line:?} not drawn");
    }
}

#[test]
fn the_legend_explains_what_is_drawn() {
    let (graph, notes) = payments();
    let seen = texts(&svg_with(&graph, &notes));
    for item in ["sediment", "bedrock (locked)", "deprecated", "highlighted", "output → input: type"] {
        assert!(seen.iter().any(|t| t == item), "legend lacks {item:?}");
    }
    let bare = texts(&svg(&pair()));
    assert!(bare.iter().any(|t| t == "status not given"));
    assert!(!bare.iter().any(|t| t == "highlighted"));
}

#[test]
fn emphasis_dims_the_rest() {
    let (graph, notes) = payments();
    let doc = svg_with(&graph, &notes);
    // 3 nodes and 5 edges are outside the highlighted flow.
    assert_eq!(doc.matches(" opacity=\"0.5\"").count(), 8);
    assert_eq!(doc.matches("marker-end=\"url(#arrow-lit)\"").count(), 5);
}

#[test]
fn an_empty_graph_says_so() {
    assert!(texts(&svg(&Graph::new())).iter().any(|t| t == "(empty graph)"));
}

#[test]
fn a_chain_of_twenty_draws_twenty_boxes_and_nineteen_arrows() {
    let doc = svg(&chain(20));
    texts(&doc);
    assert_eq!(doc.matches("<g class=\"node\">").count(), 20);
    assert_eq!(doc.matches("marker-end=\"url(#arrow)\"").count(), 19 + 1); // + legend
}

#[test]
fn wide_names_get_wide_boxes() {
    let mut g = Graph::new();
    add(&mut g, manifest(&"w".repeat(60), &[], &[], &[]));
    let doc = svg(&g);
    let width: f64 = doc
        .split("<g class=\"node\">")
        .nth(1)
        .and_then(|node| node.split("width=\"").nth(1))
        .and_then(|w| w.split('"').next())
        .and_then(|w| w.parse().ok())
        .unwrap_or_default();
    assert!(width >= 60.0 * 12.0 * 0.6, "box {width} px is narrower than its name");
}
