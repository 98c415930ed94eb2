//! `logos upgrade plan FROM=TO...`: the order in which migrations can apply.

use logos_runtime::NodeId;
use serde::Serialize;

use super::Context;
use crate::error::CliError;
use crate::noderef::resolve;
use crate::output;

#[derive(Serialize)]
struct Step {
    from: NodeId,
    from_name: String,
    to: NodeId,
    to_name: String,
}

/// Prints the migrations in an order where each can apply when its turn comes.
pub fn plan(ctx: &Context<'_>, migrations: &[String]) -> Result<(), CliError> {
    let sup = ctx.supervisor()?;
    let graph = sup.state().graph;
    let pairs = migrations
        .iter()
        .map(|m| {
            let (from, to) =
                m.split_once('=').filter(|(f, t)| !f.is_empty() && !t.is_empty()).ok_or_else(|| {
                    CliError::Input(format!("`{m}` is not FROM=TO (two nodes, by name or id prefix)"))
                })?;
            Ok((resolve(&graph, from)?, resolve(&graph, to)?))
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    let ordered = sup.upgrade_plan(&pairs)?;
    let name = |id: &NodeId| graph.node(id).map(|m| m.name.clone()).unwrap_or_default();
    let steps: Vec<Step> = ordered
        .iter()
        .map(|(from, to)| Step { from: *from, from_name: name(from), to: *to, to_name: name(to) })
        .collect();
    if ctx.json {
        return output::print_json(&steps);
    }
    let mut text = format!(
        "apply the {} in this order:\n",
        output::count(steps.len() as u64, "migration", "migrations")
    );
    for (i, s) in steps.iter().enumerate() {
        text += &format!(
            "  {}. {} `{}` -> {} `{}`\n",
            i + 1,
            s.from.short(),
            s.from_name,
            s.to.short(),
            s.to_name
        );
    }
    text += "each: `logos token create migrate FROM TO` (signed to quorum), then `logos node migrate FROM TO --token FILE`\n";
    output::print_text(&text)
}
