//! Graphviz DOT text (`dot -Tsvg`). Nodes are keyed by their full id, quoted.

use std::fmt::Write;

use crate::annotations::Layer;
use crate::mermaid::HIGHLIGHT;
use crate::scene::{Scene, SceneNode};
use crate::text;

const HEADER: &str = "    node [shape=box, style=\"rounded\", fontname=\"monospace\", fontsize=11];\n    \
                      edge [fontname=\"monospace\", fontsize=9, color=\"#64748b\"];\n";

pub(crate) fn render(scene: &Scene) -> String {
    let mut out = String::from("digraph logos {\n    graph [rankdir=LR, fontname=\"monospace\"");
    if let Some(title) = &scene.title {
        // Writing into a String cannot fail.
        let _ = write!(out, ", label=\"{}\", labelloc=t, fontsize=16", text::dot(title));
    }
    out.push_str("];\n");
    out.push_str(HEADER);
    for node in &scene.nodes {
        let [name, detail, caps] = node.lines();
        let label = [name, detail, caps].map(text::dot).join("\\n");
        let _ = writeln!(out, "    \"{}\" [label=\"{label}\"{}];", node.id, attributes(node));
    }
    for edge in &scene.edges {
        let (from, to) = (scene.nodes[edge.from].id, scene.nodes[edge.to].id);
        let lit =
            if edge.highlighted { format!(", color=\"{HIGHLIGHT}\", penwidth=2.5") } else { String::new() };
        let _ = writeln!(out, "    \"{from}\" -> \"{to}\" [label=\"{}\"{lit}];", text::dot(&edge.label));
    }
    out.push_str("}\n");
    out
}

/// Sediment is filled with sand, bedrock with indigo and a heavy border,
/// deprecated is dashed and greyed, highlighted is outlined in amber; a node
/// without a status keeps the defaults.
fn attributes(node: &SceneNode) -> String {
    let (fill, mut colour, mut pen) = match node.layer {
        None => (None, None, None),
        Some(Layer::Sediment) => (Some("#fdf6e3"), Some("#a8a29e"), None),
        Some(Layer::Bedrock) => (Some("#e0e7ff"), Some("#3730a3"), Some("2.5")),
    };
    if node.highlighted {
        (colour, pen) = (Some(HIGHLIGHT), Some("3"));
    }
    let mut style = vec!["rounded"];
    style.extend(fill.map(|_| "filled"));
    style.extend(node.deprecated.then_some("dashed"));
    let mut attrs = String::new();
    if style.len() > 1 {
        let _ = write!(attrs, ", style=\"{}\"", style.join(","));
    }
    let quoted =
        [("fillcolor", fill), ("color", colour), ("fontcolor", node.deprecated.then_some("#64748b"))];
    for (key, value) in quoted {
        if let Some(value) = value {
            let _ = write!(attrs, ", {key}=\"{value}\"");
        }
    }
    if let Some(pen) = pen {
        let _ = write!(attrs, ", penwidth={pen}");
    }
    attrs
}
