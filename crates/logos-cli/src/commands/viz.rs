//! `logos viz`: pictures of the graph (Mermaid, DOT, SVG) and of the
//! ledger (a Mermaid timeline), drawn by `logos-viz` from what the ledger
//! says, as `--as` may see it.
//!
//! logos-viz returns text and reads nothing; this module owns the reading:
//! each node's style from its ledger status, the flow's nodes, the title,
//! the graph cut down to an agent's view, and where the text goes.

use std::collections::BTreeSet;
use std::path::Path;

use logos_runtime::{Actor, DefinedFlow, Graph, GraphStore, LedgerState, NodeId, RedbStore};
use logos_viz::{Annotations, Focus, Layer, NodeStyle, TimelineEntry};
use serde::Serialize;

use super::{Context, flow};
use crate::cli::{DEFAULT_LAST, VizArgs, VizFormat};
use crate::error::CliError;
use crate::files;
use crate::output::{self, count};

/// `--json`: what was drawn and where it went.
#[derive(Serialize)]
struct Drawn<'a> {
    format: &'static str,
    /// The file written; null: the picture is in `text`.
    path: Option<String>,
    bytes: usize,
    /// The picture, when it went to stdout.
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
}

/// Draws what `args` asks for and writes it to stdout or `--out`.
pub fn run(ctx: &Context<'_>, args: &VizArgs) -> Result<(), CliError> {
    let store = ctx.open()?;
    let text = match args.format {
        VizFormat::Timeline => timeline(&store, args.last.unwrap_or(DEFAULT_LAST))?,
        format => {
            let (graph, notes) = picture(ctx, &store, args.flow.as_deref(), args.only)?;
            match format {
                VizFormat::Dot => logos_viz::dot_with(&graph, &notes),
                VizFormat::Svg => logos_viz::svg_with(&graph, &notes),
                VizFormat::Mermaid | VizFormat::Timeline => logos_viz::mermaid_with(&graph, &notes),
            }
        }
    };
    emit(ctx, args.format, args.out.as_deref(), &text)
}

/// The graph as `--as` may see it, and what the ledger knows about its nodes.
fn picture(
    ctx: &Context<'_>,
    store: &RedbStore,
    flow_name: Option<&str>,
    only: bool,
) -> Result<(Graph, Annotations), CliError> {
    let mut state = store.state();
    let size = store.head()?.size;
    let agent = match ctx.actor {
        Actor::Agent(name) => Some(name.as_str()),
        Actor::Host | Actor::Human(_) => None,
    };
    let defined =
        flow_name.map(|name| state.flows.get(name).ok_or_else(|| flow::unknown(name))).transpose()?;
    // Worked out on the whole graph: cutting it first could break the flow.
    let runs = defined.map(|d| flow_nodes(&state, d));
    let graph = match agent {
        None => std::mem::take(&mut state.graph),
        Some(agent) => visible_graph(&state, agent)?,
    };

    let mut title = format!("{} · {}", state.origin, count(size, "ledger entry", "ledger entries"));
    let mut notes =
        Annotations { focus: if only { Focus::Only } else { Focus::Emphasise }, ..Annotations::default() };
    if let (Some(name), Some((nodes, runnable))) = (flow_name, runs) {
        title += &format!(" · flow {name}");
        if !runnable {
            title += " (cannot run now)";
        }
        notes.highlight = nodes.into_iter().filter(|id| graph.node(id).is_some()).collect();
    }
    if let Some(agent) = agent {
        title += &format!(" · as agent:{agent}");
    }
    notes.title = Some(title);
    for (id, status) in state.status.iter().filter(|(id, _)| graph.node(id).is_some()) {
        let layer = if status.bedrock { Layer::Bedrock } else { Layer::Sediment };
        let style = NodeStyle { layer, deprecated: status.deprecated, grants: status.grants.clone() };
        notes.styles.insert(*id, style);
    }
    Ok((graph, notes))
}

/// The nodes a run of `defined` executes, and whether it can run on the
/// graph as it is; if it cannot (an edge now feeds one of its inputs, say),
/// the nodes its ports name, so the picture still shows where it stands.
fn flow_nodes(state: &LedgerState, defined: &DefinedFlow) -> (BTreeSet<NodeId>, bool) {
    match defined.flow.nodes(&state.graph) {
        Ok(nodes) => (nodes, true),
        Err(_) => {
            let ports = defined.flow.inputs.iter().chain(&defined.flow.outputs);
            (ports.map(|p| p.node).collect(), false)
        }
    }
}

/// The nodes `agent` may see (bedrock, shared, the host's, its own) and
/// the edges between them.
fn visible_graph(state: &LedgerState, agent: &str) -> Result<Graph, CliError> {
    let visible = |id: &NodeId| state.status.get(id).is_some_and(|s| s.visible_to(agent));
    let mut graph = Graph::new();
    for (id, manifest) in state.graph.nodes().filter(|(id, _)| visible(id)) {
        graph.add_node(*id, manifest.clone());
    }
    for edge in state.graph.edges().filter(|e| visible(&e.from.node) && visible(&e.to.node)) {
        // Part of a graph that passed the contract checks passes them too;
        // failing here means the store's indexes disagree with themselves.
        graph
            .add_edge(edge.clone())
            .map_err(|e| CliError::Input(format!("cannot draw the graph: {e}; run `logos ledger verify`")))?;
    }
    Ok(graph)
}

/// The last `last` ledger entries as a Mermaid timeline. The ledger is
/// public to every principal (`logos ledger tail`), so nothing is cut.
fn timeline(store: &RedbStore, last: u64) -> Result<String, CliError> {
    let entries: Vec<TimelineEntry> = store
        .tail(last)?
        .into_iter()
        .map(|e| TimelineEntry {
            seq: e.seq,
            timestamp_ms: e.timestamp_ms,
            actor: e.actor.to_string(),
            kind: e.event.kind().to_owned(),
            summary: e.event.summary(),
        })
        .collect();
    Ok(logos_viz::timeline(&entries, entries.len()))
}

/// Prints `text`, or writes it to `out` (atomically, over a file but never
/// a directory) and prints where it went.
fn emit(ctx: &Context<'_>, format: VizFormat, out: Option<&Path>, text: &str) -> Result<(), CliError> {
    let format_name = format.name();
    let bytes = text.len();
    let Some(path) = out else {
        if ctx.json {
            return output::print_json(&Drawn { format: format_name, path: None, bytes, text: Some(text) });
        }
        return output::print_text(text);
    };
    if path.is_dir() {
        return Err(CliError::Input(format!(
            "--out {} is a directory; name the file to write the picture to",
            path.display()
        )));
    }
    files::replace(path, text)?;
    if ctx.json {
        let path = Some(path.display().to_string());
        return output::print_json(&Drawn { format: format_name, path, bytes, text: None });
    }
    output::print_text(&format!("wrote {} ({format_name}, {bytes} bytes)\n", path.display()))
}
