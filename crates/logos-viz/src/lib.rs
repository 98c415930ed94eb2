//! Pictures of a LOGOS graph: Mermaid flowcharts (render on GitHub) and
//! Graphviz DOT.
//!
//! Each node shows its name, short id and requested capabilities; each edge
//! is labelled with the ports it joins and the type that flows along it.
//! Output is deterministic (nodes and edges in id order), so it can be
//! committed and diffed.
//!
//! It is not a layout engine and does no I/O: it returns text.
//!
//! ```
//! use logos_core::{Edge, Graph, NodeId, NodeManifest, Port, PortRef, PortType};
//!
//! let mut graph = Graph::new();
//! let node = |name: &str, i: &[(&str, PortType)], o: &[(&str, PortType)]| NodeManifest {
//!     name: name.into(),
//!     inputs: i.iter().map(|(n, t)| Port::new(*n, t.clone())).collect(),
//!     outputs: o.iter().map(|(n, t)| Port::new(*n, t.clone())).collect(),
//!     capabilities: Default::default(),
//! };
//! let (a, b) = (NodeId::of_wasm(b"a"), NodeId::of_wasm(b"b"));
//! graph.add_node(a, node("score", &[], &[("risk", PortType::U32)]));
//! graph.add_node(b, node("decide", &[("risk", PortType::U32)], &[]));
//! graph.add_edge(Edge::new(PortRef::new(a, "risk"), PortRef::new(b, "risk")))?;
//!
//! let mermaid = logos_viz::mermaid(&graph);
//! assert!(mermaid.starts_with("flowchart LR"));
//! assert!(mermaid.contains("|\"risk → risk: u32\"|"));
//! # Ok::<(), logos_core::ContractError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::fmt::Write;

use logos_core::{Graph, NodeId, NodeManifest};

/// The graph as a Mermaid `flowchart LR`.
pub fn mermaid(graph: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    for (id, m) in graph.nodes() {
        let label = format!("<b>{}</b><br/>{}<br/>caps: {}", m.name, id.short(), m.capabilities);
        // Writing into a String cannot fail.
        let _ = writeln!(out, "    {}[\"{}\"]", mermaid_id(id), mermaid_escape(&label));
    }
    for e in graph.edges() {
        let label =
            format!("{} → {}: {}", e.from.port, e.to.port, edge_type(graph, &e.from.node, &e.from.port));
        let _ = writeln!(
            out,
            "    {} -->|\"{}\"| {}",
            mermaid_id(&e.from.node),
            mermaid_escape(&label),
            mermaid_id(&e.to.node)
        );
    }
    out
}

/// The graph as a Graphviz `digraph`.
pub fn dot(graph: &Graph) -> String {
    let mut out =
        String::from("digraph logos {\n    rankdir=LR;\n    node [shape=box, fontname=\"Helvetica\"];\n");
    for (id, m) in graph.nodes() {
        let label = format!("{}\\n{}\\ncaps: {}", dot_escape(&m.name), id.short(), m.capabilities);
        let _ = writeln!(out, "    \"{}\" [label=\"{label}\"];", id.short());
    }
    for e in graph.edges() {
        let label =
            format!("{} → {}: {}", e.from.port, e.to.port, edge_type(graph, &e.from.node, &e.from.port));
        let _ = writeln!(
            out,
            "    \"{}\" -> \"{}\" [label=\"{}\"];",
            e.from.node.short(),
            e.to.node.short(),
            dot_escape(&label)
        );
    }
    out.push_str("}\n");
    out
}

fn edge_type(graph: &Graph, node: &NodeId, port: &str) -> String {
    graph.node(node).and_then(|m: &NodeManifest| m.output(port)).map_or_else(|| "?".into(), |t| t.to_string())
}

fn mermaid_id(id: &NodeId) -> String {
    format!("n{}", id.short())
}

/// Mermaid treats `<>{}"` specially even inside quoted labels; entity codes
/// keep type texts like `list<record{a: u8}>` intact. `<b>`/`<br/>` are
/// written by us and stay markup.
fn mermaid_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(tag) = ["<b>", "</b>", "<br/>"].iter().find(|t| rest.starts_with(**t)) {
            out.push_str(tag);
            rest = &rest[tag.len()..];
            continue;
        }
        let mut chars = rest.chars();
        let c = chars.next().unwrap_or_default();
        match c {
            '<' => out.push_str("#60;"),
            '>' => out.push_str("#62;"),
            '{' => out.push_str("#123;"),
            '}' => out.push_str("#125;"),
            '"' => out.push_str("#34;"),
            c => out.push(c),
        }
        rest = chars.as_str();
    }
    out
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use logos_core::{Edge, Port, PortRef, PortType};

    fn sample() -> Graph {
        let mut g = Graph::new();
        let t: PortType = "list<record{a: u8}>".parse().expect("type");
        let (a, b) = (NodeId::of_wasm(b"a"), NodeId::of_wasm(b"b"));
        g.add_node(
            a,
            NodeManifest {
                name: "src".into(),
                inputs: vec![],
                outputs: vec![Port::new("out", t.clone())],
                capabilities: Default::default(),
            },
        );
        g.add_node(
            b,
            NodeManifest {
                name: "dst".into(),
                inputs: vec![Port::new("inp", t)],
                outputs: vec![],
                capabilities: [logos_core::Capability::Log].into_iter().collect(),
            },
        );
        g.add_edge(Edge::new(PortRef::new(a, "out"), PortRef::new(b, "inp"))).expect("edge");
        g
    }

    #[test]
    fn mermaid_snapshot() {
        assert_eq!(
            mermaid(&sample()),
            "flowchart LR\n\
             \x20   n3e23e8160039[\"<b>dst</b><br/>3e23e8160039<br/>caps: log\"]\n\
             \x20   nca978112ca1b[\"<b>src</b><br/>ca978112ca1b<br/>caps: none\"]\n\
             \x20   nca978112ca1b -->|\"out → inp: list#60;record#123;a: u8#125;#62;\"| n3e23e8160039\n"
        );
    }

    #[test]
    fn dot_snapshot() {
        assert_eq!(
            dot(&sample()),
            "digraph logos {\n    rankdir=LR;\n    node [shape=box, fontname=\"Helvetica\"];\n\
             \x20   \"3e23e8160039\" [label=\"dst\\n3e23e8160039\\ncaps: log\"];\n\
             \x20   \"ca978112ca1b\" [label=\"src\\nca978112ca1b\\ncaps: none\"];\n\
             \x20   \"ca978112ca1b\" -> \"3e23e8160039\" [label=\"out → inp: list<record{a: u8}>\"];\n}\n"
        );
    }
}
