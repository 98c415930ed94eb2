//! Pictures of a LOGOS graph and its ledger, as text: Mermaid flowcharts
//! (render on GitHub), Graphviz DOT, and standalone SVG.
//!
//! Each node shows its name, short id and requested capabilities; with
//! [`Annotations`] also its layer (sediment or bedrock, which is locked),
//! deprecation and granted capabilities, and the nodes of interest (a flow,
//! say) can be emphasised or singled out. Each edge is labelled with the ports
//! it joins and the type that flows along it. [`timeline`] draws the last
//! entries of a ledger.
//!
//! Names come from untrusted agents: every label is cleaned (no line breaks,
//! control or bidi characters, bounded length) and escaped for its format, so
//! no name can end a label or inject syntax. Output is deterministic (nodes in
//! id order, edges in canonical order), so it can be committed and diffed.
//!
//! It is not a store reader or a general graph-drawing library: it depends on
//! logos-core only (callers fill [`Annotations`] and [`TimelineEntry`] from
//! the ledger), does no I/O and returns strings.
//!
//! ```
//! use logos_core::{Edge, Graph, NodeId, NodeManifest, Port, PortRef, PortType};
//! use logos_viz::{Annotations, Layer, NodeStyle};
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
//! let mut notes = Annotations::default();
//! notes.styles.insert(b, NodeStyle { layer: Layer::Bedrock, ..NodeStyle::default() });
//! notes.title = Some("risk flow".into());
//!
//! let mermaid = logos_viz::mermaid_with(&graph, &notes);
//! assert!(mermaid.contains("flowchart LR"));
//! assert!(mermaid.contains("\"risk → risk#58; u32\""));
//! assert!(logos_viz::dot_with(&graph, &notes).contains("style=\"rounded,filled\""));
//! assert!(logos_viz::svg_with(&graph, &notes).starts_with("<?xml"));
//! # Ok::<(), logos_core::ContractError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod annotations;
mod dot;
mod layout;
mod mermaid;
mod scene;
mod svg;
mod text;
mod timeline;

use logos_core::Graph;

pub use annotations::{Annotations, Focus, Layer, NodeStyle};
pub use timeline::{TimelineEntry, timeline};

use scene::Scene;

/// The bare graph as a Mermaid `flowchart LR` (no annotations).
pub fn mermaid(graph: &Graph) -> String {
    mermaid_with(graph, &Annotations::default())
}

/// The graph as a Mermaid `flowchart LR`: sediment nodes rounded, bedrock
/// double-walled and filled, deprecated dashed, highlighted outlined in amber.
pub fn mermaid_with(graph: &Graph, notes: &Annotations) -> String {
    mermaid::render(&Scene::new(graph, notes))
}

/// The bare graph as a Graphviz `digraph` (no annotations).
pub fn dot(graph: &Graph) -> String {
    dot_with(graph, &Annotations::default())
}

/// The graph as a Graphviz `digraph`: bedrock filled with a heavy border,
/// deprecated dashed, highlighted outlined in amber.
pub fn dot_with(graph: &Graph, notes: &Annotations) -> String {
    dot::render(&Scene::new(graph, notes))
}

/// The bare graph as a standalone SVG document (no annotations).
pub fn svg(graph: &Graph) -> String {
    svg_with(graph, &Annotations::default())
}

/// The graph as a standalone SVG document, laid out left to right in layers
/// with a legend; the same styles as [`mermaid_with`]. With
/// [`Focus::Emphasise`] the nodes and edges that are not highlighted are
/// dimmed.
pub fn svg_with(graph: &Graph, notes: &Annotations) -> String {
    svg::render(&Scene::new(graph, notes))
}
