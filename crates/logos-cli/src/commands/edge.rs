//! `logos edge add FROM.PORT TO.PORT`.

use logos_runtime::{Edge, GraphStore, PortRef};
use serde::Serialize;

use super::Context;
use super::graph::{EdgeJson, describe_edge, edge_type};
use crate::error::CliError;
use crate::noderef::{resolve, split_port};
use crate::output;

#[derive(Serialize)]
struct Added<'a> {
    #[serde(flatten)]
    edge: EdgeJson<'a>,
    seq: u64,
}

/// Adds the edge `from -> to`; the store checks the contract.
pub fn add(ctx: &Context<'_>, from: &str, to: &str) -> Result<(), CliError> {
    let (from_node, from_port) = split_port(from)?;
    let (to_node, to_port) = split_port(to)?;
    let store = ctx.open()?;
    let graph = store.graph()?;
    let edge = Edge::new(
        PortRef::new(resolve(&graph, from_node)?, from_port),
        PortRef::new(resolve(&graph, to_node)?, to_port),
    );
    let seq = store.add_edge(&ctx.stamp(), &edge)?;
    if ctx.json {
        let json = EdgeJson { from: &edge.from, to: &edge.to, ty: edge_type(&graph, &edge) };
        return output::print_json(&Added { edge: json, seq });
    }
    output::print_text(&format!("added edge {} (ledger seq {seq})\n", describe_edge(&graph, &edge)))
}
