//! `logos run FLOW --input JSON [--record]`: one flow run as `--as`, its
//! inputs read as JSON against the flow's port types.

use logos_runtime::{Flow, FlowOutcome, Graph, NodeId, PortType, RecordSink, Value};
use serde::Serialize;
use serde_json::Value as Json;

use super::Context;
use super::flow::{PortView, unknown};
use crate::cli::RunArgs;
use crate::error::CliError;
use crate::files;
use crate::noderef::{port_label, resolve_port};
use crate::output::{self, count};

#[derive(Serialize)]
struct RunView {
    flow: String,
    outputs: Vec<OutputView>,
    /// Fuel consumed by every node of the run.
    fuel: u64,
    /// The execution record's id, if the run was recorded.
    exec: Option<u64>,
    steps: Vec<StepView>,
}

#[derive(Serialize)]
struct OutputView {
    #[serde(flatten)]
    port: PortView,
    value: Json,
}

#[derive(Serialize)]
struct StepView {
    node: NodeId,
    name: String,
    fuel: u64,
    logs: Vec<String>,
}

/// Runs the flow and prints its outputs, fuel and record id.
pub fn run(ctx: &Context<'_>, args: &RunArgs) -> Result<(), CliError> {
    let text = match args.input.strip_prefix('@') {
        Some(path) => files::read_text(std::path::Path::new(path))?,
        None => args.input.clone(),
    };
    let json: Json = serde_json::from_str(&text).map_err(|e| {
        CliError::Input(format!("--input is not JSON ({e}); give a JSON array like '[1, \"a\"]'"))
    })?;
    let store = ctx.open()?;
    let state = store.state();
    let defined = state.flows.get(&args.flow).ok_or_else(|| unknown(&args.flow))?;
    let inputs = input_values(&state.graph, &defined.flow, &json)?;
    // Only a recorded run creates (or opens) the record file.
    let records = if args.record { Some(ctx.records(true)?) } else { None };
    let sup = ctx.supervise(store, records.clone())?;
    let result = ctx.session(&sup)?.run_with(&args.flow, &inputs, args.record.then_some(true));
    if let Some(sink) = &records {
        // A failed run is recorded too: make it durable before reporting either.
        sink.flush().map_err(|source| CliError::Records { path: ctx.records_path(), source })?;
    }
    let outcome = result?;
    let view = view(&state.graph, &defined.flow, &outcome);
    if ctx.json {
        return output::print_json(&view);
    }
    let mut text = format!(
        "flow `{}` ran {}, {} fuel\n",
        view.flow,
        count(view.steps.len() as u64, "node", "nodes"),
        view.fuel
    );
    for out in &view.outputs {
        text += &format!("  {} = {}\n", out.port.text(), out.value);
    }
    for step in &view.steps {
        for line in &step.logs {
            text += &format!("  log {}: {line}\n", step.name);
        }
    }
    if let Some(id) = view.exec {
        text += &format!(
            "recorded as execution {id} in {} (`logos exec show {id}`, `logos replay {id}`)\n",
            ctx.records_path().display()
        );
    }
    output::print_text(&text)
}

fn view(graph: &Graph, flow: &Flow, outcome: &FlowOutcome) -> RunView {
    RunView {
        flow: flow.name.clone(),
        outputs: flow
            .outputs
            .iter()
            .zip(&outcome.outputs)
            .map(|(p, v)| OutputView { port: PortView::new(graph, p, false), value: v.to_json() })
            .collect(),
        fuel: outcome.fuel(),
        exec: outcome.record.map(|id| id.0),
        steps: outcome
            .steps
            .iter()
            .map(|s| StepView {
                node: s.node,
                name: graph.node(&s.node).map(|m| m.name.clone()).unwrap_or_default(),
                fuel: s.fuel,
                logs: s.logs.clone(),
            })
            .collect(),
    }
}

/// The flow's inputs from `--input`: an array in the flow's input order, or
/// an object keyed by `NODE.PORT` or (when unique among the inputs) `PORT`.
fn input_values(graph: &Graph, flow: &Flow, json: &Json) -> Result<Vec<Value>, CliError> {
    let labels: Vec<String> = flow.inputs.iter().map(|p| port_label(graph, p)).collect();
    let expected = || {
        if labels.is_empty() { "none".to_owned() } else { labels.join(", ") }
    };
    let given: Vec<&Json> = match json {
        Json::Array(items) if items.len() == labels.len() => items.iter().collect(),
        Json::Array(items) => {
            return Err(CliError::Input(format!(
                "flow `{}` takes {} ({}); --input has {}",
                flow.name,
                count(labels.len() as u64, "input", "inputs"),
                expected(),
                count(items.len() as u64, "value", "values"),
            )));
        }
        Json::Object(map) => {
            let mut slots: Vec<Option<&Json>> = vec![None; labels.len()];
            for (key, value) in map {
                let at = input_position(graph, flow, key).map_err(|why| {
                    CliError::Input(format!("--input key `{key}`: {why} (inputs: {})", expected()))
                })?;
                if slots[at].replace(value).is_some() {
                    return Err(CliError::Input(format!("--input gives {} twice", labels[at])));
                }
            }
            let missing: Vec<&str> =
                slots.iter().zip(&labels).filter(|(s, _)| s.is_none()).map(|(_, l)| l.as_str()).collect();
            if !missing.is_empty() {
                return Err(CliError::Input(format!("--input lacks {}", missing.join(", "))));
            }
            slots.into_iter().flatten().collect()
        }
        _ => {
            return Err(CliError::Input(format!(
                "--input must be a JSON array with one value per flow input ({}) or an object keyed by NODE.PORT",
                expected()
            )));
        }
    };
    flow.inputs
        .iter()
        .zip(given)
        .zip(&labels)
        .map(|((port, value), label)| {
            let ty = input_type(graph, port).ok_or_else(|| {
                CliError::Input(format!("flow input {label} is not a port of the graph any more"))
            })?;
            Value::from_json(value, ty).map_err(|e| CliError::Input(format!("input {label}: {e}")))
        })
        .collect()
}

fn input_type<'g>(graph: &'g Graph, port: &logos_runtime::PortRef) -> Option<&'g PortType> {
    graph.node(&port.node)?.input(&port.port)
}

/// Which flow input an `--input` object key names.
fn input_position(graph: &Graph, flow: &Flow, key: &str) -> Result<usize, String> {
    if key.contains('.') {
        let port = resolve_port(graph, key).map_err(|e| e.to_string())?;
        return flow.inputs.iter().position(|p| *p == port).ok_or_else(|| "not an input of the flow".into());
    }
    let mut matches = flow.inputs.iter().enumerate().filter(|(_, p)| p.port == key).map(|(i, _)| i);
    match (matches.next(), matches.next()) {
        (Some(i), None) => Ok(i),
        (None, _) => Err("no flow input has this port name".into()),
        (Some(_), Some(_)) => Err("several flow inputs have this port name; use NODE.PORT".into()),
    }
}
