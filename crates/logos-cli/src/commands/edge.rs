//! `logos edge add|remove FROM.PORT TO.PORT`.

use logos_runtime::{Edge, PortRef};
use serde::Serialize;

use super::Context;
use super::graph::{EdgeJson, describe_edge, edge_type};
use crate::error::CliError;
use crate::noderef::{resolve, split_port};
use crate::output;

#[derive(Serialize)]
struct Changed<'a> {
    #[serde(flatten)]
    edge: EdgeJson<'a>,
    seq: u64,
}

/// Adds (or removes) the edge `from -> to` as `--as`; the ledger checks the
/// contract, the bedrock locks and the agent's ownership.
pub fn change(ctx: &Context<'_>, from: &str, to: &str, adding: bool) -> Result<(), CliError> {
    let (from_node, from_port) = split_port(from)?;
    let (to_node, to_port) = split_port(to)?;
    let sup = ctx.supervisor()?;
    let graph = sup.state().graph;
    let edge = Edge::new(
        PortRef::new(resolve(&graph, from_node)?, from_port),
        PortRef::new(resolve(&graph, to_node)?, to_port),
    );
    let session = ctx.session(&sup)?;
    let seq = if adding { session.link(&edge)? } else { session.unlink(&edge)? };
    if ctx.json {
        let json = EdgeJson { from: &edge.from, to: &edge.to, ty: edge_type(&graph, &edge) };
        return output::print_json(&Changed { edge: json, seq });
    }
    let verb = if adding { "added" } else { "removed" };
    output::print_text(&format!("{verb} edge {} (ledger seq {seq})\n", describe_edge(&graph, &edge)))
}
