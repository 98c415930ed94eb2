//! `logos exec list|show` and `logos replay`: the execution records kept
//! next to the store (`logos.redb` -> `logos.records.redb`).

use logos_runtime::{
    ExecId, ExecutionRecord, Graph, LedgerState, NodeId, Outcome, PortType, RecordSink, RedbStore,
    SupervisorError, Value,
};
use serde::Serialize;
use serde_json::Value as Json;

use super::Context;
use crate::error::CliError;
use crate::noderef::port_label;
use crate::output::{self, count};
use crate::time::rfc3339_utc;

#[derive(Serialize)]
struct Summary {
    id: u64,
    flow: String,
    /// The ledger size (graph version) the run was planned against.
    graph_seq: u64,
    at_ms: u64,
    time: String,
    /// Who ran it (`host`, `agent:NAME`, `human:KEY`), if recorded.
    actor: Option<String>,
    /// `succeeded` or `failed`.
    outcome: &'static str,
    /// The failing node and its error, if it failed.
    failed_node: Option<NodeId>,
    error: Option<String>,
    fuel: u64,
    nodes: usize,
}

fn summary(id: ExecId, r: &ExecutionRecord) -> Summary {
    let (outcome, failed_node, error) = match &r.outcome {
        Outcome::Succeeded => ("succeeded", None, None),
        Outcome::Failed { node, error } => ("failed", Some(*node), Some(error.clone())),
    };
    Summary {
        id: id.0,
        flow: r.flow.clone(),
        graph_seq: r.graph_seq,
        at_ms: r.at_ms,
        time: rfc3339_utc(r.at_ms),
        actor: r.actor.as_ref().map(ToString::to_string),
        outcome,
        failed_node,
        error,
        fuel: r.fuel(),
        nodes: r.nodes.len(),
    }
}

/// Lists the `limit` most recent records, newest first.
pub fn list(ctx: &Context<'_>, limit: usize) -> Result<(), CliError> {
    let sink = ctx.records(false)?;
    let recent =
        sink.recent(limit).map_err(|source| CliError::Records { path: ctx.records_path(), source })?;
    let rows: Vec<Summary> = recent.iter().map(|(id, r)| summary(*id, r)).collect();
    if ctx.json {
        return output::print_json(&rows);
    }
    let mut text = format!("{}\n", count(rows.len() as u64, "execution", "executions"));
    for s in &rows {
        text += &format!(
            "  {:>6}  {}  {:<20} {:<16} {:<9} {:>12} fuel  {}\n",
            s.id,
            s.time,
            s.flow,
            s.actor.as_deref().unwrap_or("-"),
            s.outcome,
            s.fuel,
            count(s.nodes as u64, "node", "nodes")
        );
    }
    output::print_text(&text)
}

#[derive(Serialize)]
struct Detail {
    #[serde(flatten)]
    summary: Summary,
    digest: String,
    fuel_budget: Option<u64>,
    inputs_digest: String,
    outputs_digest: Option<String>,
    /// The input values as JSON (null if the record holds digests only).
    inputs: Option<Vec<Labelled>>,
    outputs: Option<Vec<Labelled>>,
    steps: Vec<Step>,
}

#[derive(Serialize)]
struct Labelled {
    port: String,
    value: Json,
}

#[derive(Serialize)]
struct Step {
    node: NodeId,
    name: String,
    fuel: u64,
    fuel_limit: u64,
    input: String,
    output: Option<String>,
    /// Granted clock, random and kv observations recorded for replay.
    nondeterminism: usize,
    error: Option<String>,
}

/// Shows record `id` with its values decoded against the graph it ran on.
pub fn show(ctx: &Context<'_>, id: u64) -> Result<(), CliError> {
    let sink = ctx.records(false)?;
    let record = sink
        .get(ExecId(id))
        .map_err(|source| CliError::Records { path: ctx.records_path(), source })?
        .ok_or_else(|| unknown(ctx, id))?;
    let store = ctx.open()?;
    // The graph as the run saw it; a ledger that cannot rebuild it is reported by `ledger verify`.
    let state = store.state_at(record.graph_seq).ok();
    let graph = state.as_ref().map(|s| &s.graph);
    let name = |n: &NodeId| graph.and_then(|g| g.node(n)).map(|m| m.name.clone()).unwrap_or_default();
    let detail = Detail {
        summary: summary(ExecId(id), &record),
        digest: record.digest().to_string(),
        fuel_budget: record.fuel_budget,
        inputs_digest: record.inputs_digest.to_string(),
        outputs_digest: record.outputs_digest.map(|d| d.to_string()),
        inputs: decode(state.as_ref(), &record, record.inputs.as_deref(), true),
        outputs: decode(state.as_ref(), &record, record.outputs.as_deref(), false),
        steps: record
            .nodes
            .iter()
            .map(|n| Step {
                node: n.node,
                name: name(&n.node),
                fuel: n.fuel,
                fuel_limit: n.fuel_limit,
                input: n.input.to_string(),
                output: n.output.map(|d| d.to_string()),
                nondeterminism: n.nondeterminism.len(),
                error: n.error.clone(),
            })
            .collect(),
    };
    if ctx.json {
        return output::print_json(&detail);
    }
    let s = &detail.summary;
    let mut text = format!("execution {}  flow `{}`  [{}]\n", s.id, s.flow, s.outcome);
    text += &format!("  at        {} (graph at ledger size {})\n", s.time, s.graph_seq);
    text += &format!("  fuel      {}\n", s.fuel);
    let values = |vs: &Option<Vec<Labelled>>, digest: &str| match vs {
        Some(vs) => vs.iter().map(|l| format!("{} = {}", l.port, l.value)).collect::<Vec<_>>().join(", "),
        None => format!("not recorded (digest {digest})"),
    };
    text += &format!("  inputs    {}\n", values(&detail.inputs, &detail.inputs_digest));
    if let Some(d) = &detail.outputs_digest {
        text += &format!("  outputs   {}\n", values(&detail.outputs, d));
    }
    if let Some(e) = &s.error {
        text += &format!("  error     {e}\n");
    }
    text += "  steps\n";
    for (i, step) in detail.steps.iter().enumerate() {
        let err = step.error.as_ref().map(|e| format!("  FAILED: {e}")).unwrap_or_default();
        text += &format!(
            "    {i}  {}  {:<20} {} of {} fuel{}{err}\n",
            step.node.short(),
            step.name,
            step.fuel,
            step.fuel_limit,
            if step.nondeterminism > 0 {
                format!(", {} recorded", count(step.nondeterminism as u64, "observation", "observations"))
            } else {
                String::new()
            }
        );
    }
    output::print_text(&text)
}

/// The recorded values of the flow's inputs (or outputs) as JSON, if the
/// record holds them and the flow's ports can still be typed.
fn decode(
    state: Option<&LedgerState>,
    record: &ExecutionRecord,
    bytes: Option<&[Vec<u8>]>,
    inputs: bool,
) -> Option<Vec<Labelled>> {
    let state = state?;
    let flow = &state.flows.get(&record.flow)?.flow;
    let ports = if inputs { &flow.inputs } else { &flow.outputs };
    let bytes = bytes?;
    if bytes.len() != ports.len() {
        return None;
    }
    let ty = |g: &Graph, p: &logos_runtime::PortRef| -> Option<PortType> {
        let m = g.node(&p.node)?;
        (if inputs { m.input(&p.port) } else { m.output(&p.port) }).cloned()
    };
    ports
        .iter()
        .zip(bytes)
        .map(|(p, b)| {
            let value = Value::decode(b, &ty(&state.graph, p)?).ok()?;
            Some(Labelled { port: port_label(&state.graph, p), value: value.to_json() })
        })
        .collect()
}

#[derive(Serialize)]
struct Replayed {
    exec: u64,
    identical: bool,
    nodes_replayed: usize,
    /// The first divergence, for people; null when identical.
    divergence: Option<String>,
    /// The step and node where it diverged (null: the flow as a whole).
    step: Option<usize>,
    node: Option<NodeId>,
}

/// Replays record `id`; exit 3 (after printing the report) if it diverges.
pub fn replay(ctx: &Context<'_>, id: u64) -> Result<(), CliError> {
    let sink = ctx.records(false)?;
    let store: RedbStore = ctx.open()?;
    let sup = ctx.supervise(store, Some(sink))?;
    let report = sup.replay(ExecId(id)).map_err(|e| match e {
        SupervisorError::UnknownExecution(_) => unknown(ctx, id),
        e => e.into(),
    })?;
    let divergence = report.divergence.as_ref();
    let shown = Replayed {
        exec: id,
        identical: report.is_identical(),
        nodes_replayed: report.nodes_replayed,
        divergence: divergence.map(ToString::to_string),
        step: divergence.and_then(|d| d.step),
        node: divergence.and_then(|d| d.node),
    };
    if ctx.json {
        output::print_json(&shown)?;
    } else if shown.identical {
        output::print_text(&format!(
            "execution {id} replayed identically: {} re-executed, same outputs, same fuel\n",
            count(shown.nodes_replayed as u64, "node", "nodes")
        ))?;
    }
    match shown.divergence {
        None => Ok(()),
        Some(divergence) => Err(CliError::Diverged { id: ExecId(id), divergence }),
    }
}

fn unknown(ctx: &Context<'_>, id: u64) -> CliError {
    CliError::Input(format!(
        "execution {id} is not in {}; `logos exec list` shows the recorded ones",
        ctx.records_path().display()
    ))
}
