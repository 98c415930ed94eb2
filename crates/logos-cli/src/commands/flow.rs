//! `logos flow create|list|show|remove`: flows as the ledger holds them.

use logos_runtime::{DefinedFlow, Flow, Graph, LedgerState, NodeId, PortRef};
use serde::Serialize;

use super::Context;
use crate::error::CliError;
use crate::noderef::{port_label, resolve_port};
use crate::output::{self, count};

/// A flow port as JSON: `{"node", "port", "label", "type"}`.
#[derive(Serialize)]
pub struct PortView {
    node: NodeId,
    port: String,
    /// `name.port`, for people.
    label: String,
    /// The port's type (`?` if the node is gone).
    #[serde(rename = "type")]
    ty: String,
}

impl PortView {
    /// The port `p` of `graph`, an input port if `input`.
    pub fn new(graph: &Graph, p: &PortRef, input: bool) -> Self {
        let ty = graph.node(&p.node).and_then(|m| if input { m.input(&p.port) } else { m.output(&p.port) });
        Self {
            node: p.node,
            port: p.port.clone(),
            label: port_label(graph, p),
            ty: ty.map_or_else(|| "?".into(), ToString::to_string),
        }
    }

    /// `name.port: type`
    pub fn text(&self) -> String {
        format!("{}: {}", self.label, self.ty)
    }
}

#[derive(Serialize)]
struct FlowView {
    name: String,
    kind: String,
    /// The agent that defined it; null: the host or a human.
    owner: Option<String>,
    defined_at: u64,
    inputs: Vec<PortView>,
    outputs: Vec<PortView>,
    /// `flow show`: the nodes a run executes, or why it cannot run now.
    #[serde(skip_serializing_if = "Option::is_none")]
    nodes: Option<Vec<NodeBrief>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

#[derive(Serialize)]
struct NodeBrief {
    id: NodeId,
    name: String,
    layer: &'static str,
}

fn view(state: &LedgerState, d: &DefinedFlow) -> FlowView {
    let g = &state.graph;
    FlowView {
        name: d.flow.name.clone(),
        kind: d.flow.kind.to_string(),
        owner: d.owner.clone(),
        defined_at: d.defined_at,
        inputs: d.flow.inputs.iter().map(|p| PortView::new(g, p, true)).collect(),
        outputs: d.flow.outputs.iter().map(|p| PortView::new(g, p, false)).collect(),
        nodes: None,
        problem: None,
    }
}

fn ports(ps: &[PortView]) -> String {
    if ps.is_empty() { "none".into() } else { ps.iter().map(PortView::text).collect::<Vec<_>>().join(", ") }
}

fn owner(v: &FlowView) -> String {
    v.owner.as_ref().map_or_else(|| "host".into(), |o| format!("agent:{o}"))
}

/// Defines flow `name` as `--as`.
pub fn create(
    ctx: &Context<'_>,
    name: &str,
    inputs: &[String],
    outputs: &[String],
    production: bool,
) -> Result<(), CliError> {
    let sup = ctx.supervisor()?;
    let graph = sup.state().graph;
    let resolve =
        |args: &[String]| args.iter().map(|a| resolve_port(&graph, a)).collect::<Result<Vec<_>, _>>();
    let (inputs, outputs) = (resolve(inputs)?, resolve(outputs)?);
    let flow =
        if production { Flow::production(name, inputs, outputs) } else { Flow::new(name, inputs, outputs) };
    let existed = sup.state().flows.contains_key(name);
    let seq = ctx.session(&sup)?.define_flow(&flow)?;
    let state = sup.state();
    let defined = state.flows.get(name).ok_or_else(|| CliError::Input(format!("flow `{name}` vanished")))?;
    let v = view(&state, defined);
    if ctx.json {
        return output::print_json(&v);
    }
    let verb = if existed { "redefined" } else { "defined" };
    let example = vec!["VALUE"; v.inputs.len()].join(", ");
    output::print_text(&format!(
        "{verb} {} flow `{name}` (ledger seq {seq})\n  inputs   {}\n  outputs  {}\n\
         next: `logos run {name} --input '[{example}]'`\n",
        v.kind,
        ports(&v.inputs),
        ports(&v.outputs),
    ))
}

/// Lists every flow.
pub fn list(ctx: &Context<'_>) -> Result<(), CliError> {
    let state = ctx.open()?.state();
    let views: Vec<FlowView> = state.flows.values().map(|d| view(&state, d)).collect();
    if ctx.json {
        return output::print_json(&views);
    }
    let mut text = format!("{}\n", count(views.len() as u64, "flow", "flows"));
    for v in &views {
        text += &format!(
            "  {:<20} {:<10} {:<16} in: {}  out: {}\n",
            v.name,
            v.kind,
            owner(v),
            ports(&v.inputs),
            ports(&v.outputs)
        );
    }
    output::print_text(&text)
}

/// Shows one flow and the nodes a run executes.
pub fn show(ctx: &Context<'_>, name: &str) -> Result<(), CliError> {
    let state = ctx.open()?.state();
    let defined = state.flows.get(name).ok_or_else(|| unknown(name))?;
    let mut v = view(&state, defined);
    match state.flow_nodes(&defined.flow) {
        Ok(nodes) => {
            let brief = |id: NodeId| NodeBrief {
                id,
                name: state.graph.node(&id).map(|m| m.name.clone()).unwrap_or_default(),
                layer: state.status.get(&id).map_or("unknown", |s| s.layer()),
            };
            // In run order: feeders first.
            let order = state.graph.topological_order().into_iter().filter(|id| nodes.contains(id));
            v.nodes = Some(order.map(brief).collect());
        }
        Err(e) => v.problem = Some(e.to_string()),
    }
    if ctx.json {
        return output::print_json(&v);
    }
    let mut text =
        format!("flow `{}`  [{}, defined by {} at ledger seq {}]\n", v.name, v.kind, owner(&v), v.defined_at);
    text += &format!("  inputs   {}\n", ports(&v.inputs));
    text += &format!("  outputs  {}\n", ports(&v.outputs));
    if let Some(nodes) = &v.nodes {
        text += &format!("  runs     {}\n", count(nodes.len() as u64, "node", "nodes"));
        for n in nodes {
            text += &format!("    {}  {:<24} {}\n", n.id.short(), n.name, n.layer);
        }
    }
    if let Some(problem) = &v.problem {
        text += &format!("  cannot run now: {problem}\n");
    }
    output::print_text(&text)
}

/// Removes flow `name` as `--as`.
pub fn remove(ctx: &Context<'_>, name: &str) -> Result<(), CliError> {
    let sup = ctx.supervisor()?;
    if !sup.state().flows.contains_key(name) {
        return Err(unknown(name));
    }
    let seq = ctx.session(&sup)?.remove_flow(name)?;
    if ctx.json {
        return output::print_json(&serde_json::json!({ "name": name, "seq": seq }));
    }
    output::print_text(&format!("removed flow `{name}` (ledger seq {seq})\n"))
}

/// The error for a flow name the ledger does not hold.
pub fn unknown(name: &str) -> CliError {
    CliError::Input(format!("flow `{name}` does not exist; `logos flow list` shows the flows"))
}
