//! Mermaid `flowchart LR` text, as GitHub renders it in a ```` ```mermaid ````
//! block.
//!
//! Node ids in the text are `n` + the full 64-digit id: short ids are for
//! humans, and two nodes whose short ids collide must still be two boxes.

use std::fmt::Write;

use crate::annotations::Layer;
use crate::scene::{Scene, SceneNode};
use crate::text;

/// Amber, for highlighted nodes and edges in every format.
pub(crate) const HIGHLIGHT: &str = "#d97706";

const CLASS_DEFS: [(&str, &str); 4] = [
    ("sediment", "fill:#fdf6e3,stroke:#a8a29e,color:#0f172a"),
    ("bedrock", "fill:#e0e7ff,stroke:#3730a3,stroke-width:3px,color:#1e1b4b"),
    ("deprecated", "stroke-dasharray:6 4,color:#64748b"),
    ("highlight", "stroke:#d97706,stroke-width:4px"),
];

pub(crate) fn render(scene: &Scene) -> String {
    let mut out = String::new();
    if let Some(title) = &scene.title {
        // Front matter is YAML; the title is a quoted scalar on one line.
        let _ = write!(out, "---\ntitle: \"{}\"\n---\n", text::yaml(title));
    }
    out.push_str("flowchart LR\n");
    let classes = classes(scene);
    for (class, css) in CLASS_DEFS {
        if classes.iter().any(|(c, _)| *c == class) {
            // Writing into a String cannot fail.
            let _ = writeln!(out, "    classDef {class} {css}");
        }
    }
    for node in &scene.nodes {
        let (open, close) = shape(node.layer);
        let _ = writeln!(out, "    {}{open}\"{}\"{close}", node_id(node), label(node));
    }
    for edge in &scene.edges {
        let (from, to) = (&scene.nodes[edge.from], &scene.nodes[edge.to]);
        let _ =
            writeln!(out, "    {} -->|\"{}\"| {}", node_id(from), text::mermaid(&edge.label), node_id(to));
    }
    for (class, members) in &classes {
        let _ = writeln!(out, "    class {} {class}", members.join(","));
    }
    let lit: Vec<String> =
        scene.edges.iter().enumerate().filter(|(_, e)| e.highlighted).map(|(i, _)| i.to_string()).collect();
    if !lit.is_empty() {
        let _ = writeln!(out, "    linkStyle {} stroke:{HIGHLIGHT},stroke-width:3px", lit.join(","));
    }
    out
}

fn node_id(node: &SceneNode) -> String {
    format!("n{}", node.id)
}

/// Name in bold, then one line per detail; each line escaped on its own so
/// only our `<b>`/`<br/>` are markup.
fn label(node: &SceneNode) -> String {
    let [name, detail, caps] = node.lines();
    format!("<b>{}</b><br/>{}<br/>{}", text::mermaid(name), text::mermaid(detail), text::mermaid(caps))
}

/// Bedrock is a double-walled box, so the layer shows even without colour.
fn shape(layer: Option<Layer>) -> (&'static str, &'static str) {
    match layer {
        None => ("[", "]"),
        Some(Layer::Sediment) => ("(", ")"),
        Some(Layer::Bedrock) => ("[[", "]]"),
    }
}

/// Each used class with its members, in `CLASS_DEFS` order.
fn classes(scene: &Scene) -> Vec<(&'static str, Vec<String>)> {
    let member = |pred: &dyn Fn(&SceneNode) -> bool| -> Vec<String> {
        scene.nodes.iter().filter(|n| pred(n)).map(node_id).collect()
    };
    let all = [
        ("sediment", member(&|n| n.layer == Some(Layer::Sediment))),
        ("bedrock", member(&|n| n.layer == Some(Layer::Bedrock))),
        ("deprecated", member(&|n| n.deprecated)),
        ("highlight", member(&|n| n.highlighted)),
    ];
    all.into_iter().filter(|(_, m)| !m.is_empty()).collect()
}
