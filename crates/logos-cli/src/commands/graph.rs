//! `logos graph show`.

use logos_runtime::{Edge, Graph, GraphStore, NodeId, NodeManifest, Port, PortRef};
use serde::Serialize;

use super::Context;
use crate::error::CliError;
use crate::output::{self, count};

#[derive(Serialize)]
struct GraphJson<'a> {
    nodes: Vec<NodeJson<'a>>,
    edges: Vec<EdgeJson<'a>>,
}

#[derive(Serialize)]
struct NodeJson<'a> {
    id: NodeId,
    name: &'a str,
    inputs: &'a [Port],
    outputs: &'a [Port],
    capabilities: Vec<&'static str>,
}

/// An edge as JSON: `{"from": {"node", "port"}, "to": {...}, "type"}`.
#[derive(Serialize)]
pub struct EdgeJson<'a> {
    /// The output port.
    pub from: &'a PortRef,
    /// The input port.
    pub to: &'a PortRef,
    /// The type flowing along it.
    #[serde(rename = "type")]
    pub ty: String,
}

/// Prints the nodes (feeders first) and the edges.
pub fn show(ctx: &Context<'_>) -> Result<(), CliError> {
    let graph = ctx.open()?.graph()?;
    let nodes: Vec<(NodeId, &NodeManifest)> =
        graph.topological_order().into_iter().filter_map(|id| graph.node(&id).map(|m| (id, m))).collect();
    if ctx.json {
        let doc = GraphJson {
            nodes: nodes
                .iter()
                .map(|(id, m)| NodeJson {
                    id: *id,
                    name: &m.name,
                    inputs: &m.inputs,
                    outputs: &m.outputs,
                    capabilities: m.capabilities.iter().map(|c| c.name()).collect(),
                })
                .collect(),
            edges: graph
                .edges()
                .map(|e| EdgeJson { from: &e.from, to: &e.to, ty: edge_type(&graph, e) })
                .collect(),
        };
        return output::print_json(&doc);
    }
    let mut text = format!("{}\n", count(nodes.len() as u64, "node", "nodes"));
    for (id, m) in &nodes {
        text += &format!("  {}  {}\n", id.short(), m.name);
        text += &format!("      inputs        {}\n", ports(&m.inputs));
        text += &format!("      outputs       {}\n", ports(&m.outputs));
        text += &format!("      capabilities  {}\n", m.capabilities);
    }
    text += &format!("{}\n", count(graph.edge_count() as u64, "edge", "edges"));
    for e in graph.edges() {
        text += &format!("  {}\n", describe_edge(&graph, e));
    }
    output::print_text(&text)
}

/// `parse.amount -> limit.amount : u64  (3fa9c1d2e4b5 -> 7bc1d2e3f4a5)`
pub fn describe_edge(graph: &Graph, e: &Edge) -> String {
    let name = |p: &PortRef| graph.node(&p.node).map_or_else(|| p.node.short(), |m| m.name.clone());
    format!(
        "{}.{} -> {}.{} : {}  ({} -> {})",
        name(&e.from),
        e.from.port,
        name(&e.to),
        e.to.port,
        edge_type(graph, e),
        e.from.node.short(),
        e.to.node.short()
    )
}

/// The type of the edge's output port (the contract makes both ends equal).
pub fn edge_type(graph: &Graph, e: &Edge) -> String {
    graph
        .node(&e.from.node)
        .and_then(|m| m.output(&e.from.port))
        .map_or_else(|| "?".into(), |t| t.to_string())
}

fn ports(ports: &[Port]) -> String {
    if ports.is_empty() {
        return "none".into();
    }
    ports.iter().map(|p| format!("{}: {}", p.name, p.ty)).collect::<Vec<_>>().join(", ")
}
