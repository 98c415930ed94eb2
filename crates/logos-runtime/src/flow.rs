//! Flows: named entries into the graph, planned once and run many times.
//!
//! A [`Flow`] names the input ports fed from outside and the output ports
//! returned. [`FlowPlan::build`] checks it against a [`Graph`] at a given
//! version and fixes the nodes to run: every node an output depends on,
//! plus the nodes of the flow inputs, closed over their feeders; every
//! input port of those nodes must be fed by exactly one of an edge or a
//! flow input. Running a plan executes its nodes in topological order (ties
//! broken by node id, so the order is deterministic), each in a fresh
//! instance, passing values along edges; every output is decoded against
//! its declared type before it travels on.
//!
//! Flow definitions live in memory (the host or the CLI keeps them);
//! persisting them as ledger events is a later step.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use logos_core::{Graph, NodeId, NodeManifest, PortRef, PortType, Value};
use serde::{Deserialize, Serialize};

use crate::errors::{ExecError, ExecErrorKind, FlowError, PlanError};
use crate::exec::{CallCtx, NodeRun, NodeSpec};
use crate::limits::LimitKind;
use crate::record::{Digest, ExecId, ExecutionRecord, NodeRecord, Outcome};
use crate::runtime::Runtime;

/// A named entry into the graph.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Flow {
    /// Name (1 to 64 characters from `A-Z a-z 0-9 _ . -`).
    pub name: String,
    /// Input ports fed from outside, in the order run inputs are given.
    pub inputs: Vec<PortRef>,
    /// Output ports returned, in order.
    pub outputs: Vec<PortRef>,
}

impl Flow {
    /// A flow called `name`.
    pub fn new(name: impl Into<String>, inputs: Vec<PortRef>, outputs: Vec<PortRef>) -> Self {
        Self { name: name.into(), inputs, outputs }
    }
}

/// Where a node input comes from.
#[derive(Clone, Copy, Debug)]
enum Source {
    FlowInput(usize),
    Output { step: usize, port: usize },
}

#[derive(Clone, Debug)]
struct Step {
    spec: NodeSpec,
    /// One per input port, in manifest order.
    sources: Vec<Source>,
}

/// A flow checked against a graph version, ready to run.
#[derive(Clone, Debug)]
pub struct FlowPlan {
    flow: Flow,
    graph_seq: u64,
    steps: Vec<Step>,
    input_types: Vec<PortType>,
    outputs: Vec<(usize, usize)>,
}

impl FlowPlan {
    /// Plans `flow` against `graph`, the graph as of ledger seq `graph_seq`.
    /// `resolve` gives the runnable node (wasm, grants, limits) for a node
    /// id and its manifest, or `None` if the wasm is unavailable.
    pub fn build(
        flow: &Flow,
        graph: &Graph,
        graph_seq: u64,
        mut resolve: impl FnMut(&NodeId, &NodeManifest) -> Option<NodeSpec>,
    ) -> Result<Self, PlanError> {
        let name_ok = !flow.name.is_empty()
            && flow.name.len() <= 64
            && flow.name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if !name_ok {
            return Err(PlanError::BadName(flow.name.chars().take(72).collect()));
        }
        if flow.outputs.is_empty() {
            return Err(PlanError::NoOutputs(flow.name.clone()));
        }
        let manifest = |port: &PortRef| graph.node(&port.node).ok_or_else(|| PlanError::UnknownNode { port: port.clone() });
        let mut input_types = Vec::with_capacity(flow.inputs.len());
        for (i, port) in flow.inputs.iter().enumerate() {
            let m = manifest(port)?;
            let ty = m.input(&port.port).ok_or_else(|| PlanError::UnknownPort {
                port: port.clone(),
                node: m.name.clone(),
                side: "input",
            })?;
            if flow.inputs[..i].contains(port) {
                return Err(PlanError::Duplicate(port.clone()));
            }
            if let Some(edge) = graph.feeder(port) {
                return Err(PlanError::InputFedByEdge { port: port.clone(), edge: edge.to_string() });
            }
            input_types.push(ty.clone());
        }
        for (i, port) in flow.outputs.iter().enumerate() {
            let m = manifest(port)?;
            if m.output(&port.port).is_none() {
                return Err(PlanError::UnknownPort { port: port.clone(), node: m.name.clone(), side: "output" });
            }
            if flow.outputs[..i].contains(port) {
                return Err(PlanError::Duplicate(port.clone()));
            }
        }

        // The node set: outputs' and inputs' nodes, closed over feeders.
        let mut nodes: BTreeSet<NodeId> = flow.outputs.iter().chain(&flow.inputs).map(|p| p.node).collect();
        let mut work: Vec<NodeId> = nodes.iter().copied().collect();
        while let Some(id) = work.pop() {
            let Some(m) = graph.node(&id) else { continue };
            for port in &m.inputs {
                let at = PortRef::new(id, port.name.clone());
                if flow.inputs.contains(&at) {
                    continue;
                }
                match graph.feeder(&at) {
                    Some(edge) => {
                        if nodes.insert(edge.from.node) {
                            work.push(edge.from.node);
                        }
                    }
                    None => return Err(PlanError::InputNotFed(at)),
                }
            }
        }

        let order: Vec<NodeId> = graph.topological_order().into_iter().filter(|id| nodes.contains(id)).collect();
        let index: HashMap<NodeId, usize> = order.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut steps = Vec::with_capacity(order.len());
        for id in &order {
            let Some(m) = graph.node(id) else { continue };
            let spec = resolve(id, m).ok_or(PlanError::MissingNode(*id))?;
            if spec.id() != *id {
                return Err(PlanError::SpecMismatch(*id, format!("the resolver gave node {}", spec.id().short())));
            }
            if spec.manifest() != m {
                return Err(PlanError::SpecMismatch(*id, "the resolver's manifest differs from the graph's".into()));
            }
            let mut sources = Vec::with_capacity(m.inputs.len());
            for port in &m.inputs {
                let at = PortRef::new(*id, port.name.clone());
                let source = match flow.inputs.iter().position(|p| *p == at) {
                    Some(i) => Source::FlowInput(i),
                    None => {
                        let edge = graph.feeder(&at).ok_or_else(|| PlanError::InputNotFed(at.clone()))?;
                        let from = graph.node(&edge.from.node).ok_or(PlanError::MissingNode(edge.from.node))?;
                        let step = index.get(&edge.from.node).copied().ok_or(PlanError::MissingNode(edge.from.node))?;
                        let port = from
                            .outputs
                            .iter()
                            .position(|p| p.name == edge.from.port)
                            .ok_or_else(|| PlanError::InputNotFed(at.clone()))?;
                        Source::Output { step, port }
                    }
                };
                sources.push(source);
            }
            steps.push(Step { spec, sources });
        }
        let mut outputs = Vec::with_capacity(flow.outputs.len());
        for port in &flow.outputs {
            let step = index.get(&port.node).copied().ok_or(PlanError::MissingNode(port.node))?;
            let m = steps[step].spec.manifest();
            let i = m.outputs.iter().position(|p| p.name == port.port).ok_or_else(|| PlanError::UnknownPort {
                port: port.clone(),
                node: m.name.clone(),
                side: "output",
            })?;
            outputs.push((step, i));
        }
        Ok(Self { flow: flow.clone(), graph_seq, steps, input_types, outputs })
    }

    /// The flow.
    pub fn flow(&self) -> &Flow {
        &self.flow
    }

    /// The graph version (ledger seq) it was planned against.
    pub fn graph_seq(&self) -> u64 {
        self.graph_seq
    }

    /// The nodes it runs, in execution order.
    pub fn nodes(&self) -> impl Iterator<Item = &NodeSpec> {
        self.steps.iter().map(|s| &s.spec)
    }

    /// The type of each flow input, in order.
    pub fn input_types(&self) -> &[PortType] {
        &self.input_types
    }

    /// The type of each flow output, in order.
    pub fn output_types(&self) -> Vec<PortType> {
        self.outputs.iter().map(|(s, p)| self.steps[*s].spec.manifest().outputs[*p].ty.clone()).collect()
    }
}

/// Per-run settings.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Force recording on or off for this run (`None`: the recorder's mode).
    pub record: Option<bool>,
    /// Host time to put in the record, milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// Total fuel budget for the whole flow (each node still has its own limit).
    pub fuel: Option<u64>,
    /// Wall-clock deadline for the whole flow.
    pub deadline: Option<Duration>,
}

/// What one node did in a flow run.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StepOutcome {
    /// The node.
    pub node: NodeId,
    /// Fuel consumed.
    pub fuel: u64,
    /// Its `logos.log` lines.
    pub logs: Vec<String>,
}

/// A successful flow run.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FlowOutcome {
    /// The flow's outputs, in the flow's order.
    pub outputs: Vec<Value>,
    /// Per node, in execution order.
    pub steps: Vec<StepOutcome>,
    /// The record, if this run was recorded.
    pub record: Option<ExecId>,
}

impl FlowOutcome {
    /// Total fuel consumed.
    pub fn fuel(&self) -> u64 {
        self.steps.iter().map(|s| s.fuel).sum()
    }
}

/// How to drive a run: live, or answering from a record.
pub(crate) struct Drive<'a> {
    pub digests: bool,
    pub fuel_budget: Option<u64>,
    pub deadline: Option<Duration>,
    pub replay: Option<&'a ExecutionRecord>,
}

/// One step as the driver saw it.
pub(crate) struct StepRun {
    pub record: NodeRecord,
    pub tape_unused: usize,
    pub logs: Vec<String>,
    pub tape_error: Option<String>,
}

/// Everything a run produced.
pub(crate) struct Driven {
    pub steps: Vec<StepRun>,
    pub outputs: Option<Vec<Value>>,
    pub output_bytes: Option<Vec<Vec<u8>>>,
    pub failure: Option<(usize, ExecError)>,
}

impl Runtime {
    /// Runs `plan` on `inputs` (one value per flow input, in order), with
    /// the recorder's default recording.
    pub fn run_flow(&self, plan: &FlowPlan, inputs: &[Value]) -> Result<FlowOutcome, FlowError> {
        self.run_flow_with(plan, inputs, &RunOptions::default())
    }

    /// Runs `plan` on `inputs` with per-run options.
    pub fn run_flow_with(&self, plan: &FlowPlan, inputs: &[Value], opts: &RunOptions) -> Result<FlowOutcome, FlowError> {
        let encoded = encode_inputs(plan, inputs)?;
        let recorder = self.inner.recorder.as_ref();
        let record = match (opts.record, recorder) {
            (_, None) | (Some(false), _) => None,
            (Some(true), Some(r)) => Some(r),
            (None, Some(r)) => r.should_record().then_some(r),
        };
        let driven = self.drive(
            plan,
            inputs,
            &Drive { digests: record.is_some(), fuel_budget: opts.fuel, deadline: opts.deadline, replay: None },
            |_, _| None::<()>,
        )
        .0;
        let Driven { steps, outputs, output_bytes, failure } = driven;
        let mut nodes = Vec::with_capacity(steps.len());
        let mut outcomes = Vec::with_capacity(steps.len());
        for s in steps {
            outcomes.push(StepOutcome { node: s.record.node, fuel: s.record.fuel, logs: s.logs });
            nodes.push(s.record);
        }
        let mut record_id = None;
        let mut record_error = None;
        if let Some(recorder) = record {
            let values = recorder.records_values();
            let rec = ExecutionRecord {
                flow: plan.flow.name.clone(),
                graph_seq: plan.graph_seq,
                at_ms: opts.at_ms,
                inputs_digest: Digest::of_parts(encoded.iter().map(Vec::as_slice)),
                inputs: values.then_some(encoded),
                outputs_digest: output_bytes.as_ref().map(|o| Digest::of_parts(o.iter().map(Vec::as_slice))),
                outputs: output_bytes.filter(|_| values),
                fuel_budget: opts.fuel,
                nodes,
                outcome: match &failure {
                    None => Outcome::Succeeded,
                    Some((_, e)) => Outcome::Failed { node: e.node(), error: e.to_string() },
                },
            };
            match recorder.sink().append(&rec) {
                Ok(id) => record_id = Some(id),
                Err(e) => record_error = Some(e),
            }
        }
        if let Some((step, error)) = failure {
            return Err(FlowError::Node { flow: plan.flow.name.clone(), step, error, record: record_id });
        }
        if let Some(error) = record_error {
            return Err(FlowError::Record { flow: plan.flow.name.clone(), error });
        }
        Ok(FlowOutcome { outputs: outputs.unwrap_or_default(), steps: outcomes, record: record_id })
    }

    /// Runs the plan's steps in order. After each step `check` may stop the
    /// run (replay uses it to stop at the first divergence).
    pub(crate) fn drive<T>(
        &self,
        plan: &FlowPlan,
        inputs: &[Value],
        d: &Drive<'_>,
        mut check: impl FnMut(usize, &StepRun) -> Option<T>,
    ) -> (Driven, Option<T>) {
        let started = Instant::now();
        let mut outputs: Vec<Option<Vec<Value>>> = vec![None; plan.steps.len()];
        let mut driven = Driven { steps: Vec::with_capacity(plan.steps.len()), outputs: None, output_bytes: None, failure: None };
        let mut spent: u64 = 0;
        for (i, step) in plan.steps.iter().enumerate() {
            let spec = &step.spec;
            let mut input = Vec::new();
            for (port, source) in spec.manifest().inputs.iter().zip(&step.sources) {
                let value = match *source {
                    Source::FlowInput(k) => inputs.get(k),
                    Source::Output { step, port } => outputs[step].as_ref().and_then(|o| o.get(port)),
                };
                // Upstream outputs were decoded against the very same type
                // (edges join equal types) and inputs were checked, so this
                // encode cannot fail; an absent value would be a planner bug.
                if let Some(bytes) = value.and_then(|v| v.encode(&port.ty).ok()) {
                    input.extend_from_slice(&bytes);
                }
            }
            let recorded = d.replay.and_then(|r| r.nodes.get(i));
            let limit = self.node_fuel_limit(spec);
            let (fuel, fuel_from_flow) = match recorded {
                Some(r) => (r.fuel_limit, r.fuel_limit < limit),
                None => match d.fuel_budget {
                    Some(budget) if budget.saturating_sub(spent) < limit => (budget.saturating_sub(spent), true),
                    _ => (limit, false),
                },
            };
            let fuel_kind = match (fuel_from_flow, d.fuel_budget) {
                (true, Some(budget)) => LimitKind::FlowFuel { limit: budget },
                _ => LimitKind::Fuel { limit: fuel },
            };
            let wall = d.deadline.map(|dl| {
                let left = dl.saturating_sub(started.elapsed());
                (left, LimitKind::FlowWallClock { limit: dl })
            });
            let ctx = CallCtx {
                fuel: Some((fuel, fuel_kind)),
                wall: wall.filter(|(left, _)| *left < self.node_wall_limit(spec)),
                replay: d.replay.map(|_| recorded.map(|r| r.nondeterminism.clone()).unwrap_or_default()),
            };
            let run = if fuel == 0 || wall.is_some_and(|(left, _)| left.is_zero()) {
                let kind = if fuel == 0 { fuel_kind } else { LimitKind::FlowWallClock { limit: d.deadline.unwrap_or_default() } };
                NodeRun::failed(ExecError::new(spec.id(), &spec.manifest().name, ExecErrorKind::Limit(kind)), 0)
            } else {
                self.call(spec, &input, ctx)
            };
            spent = spent.saturating_add(run.fuel);
            let tape_error = match &run.result {
                Err(e) if matches!(e.kind(), ExecErrorKind::Tape(_)) => Some(e.to_string()),
                _ => None,
            };
            let record = NodeRecord {
                node: spec.id(),
                input: if d.digests { Digest::of(&input) } else { Digest([0; 32]) },
                output: run.output_bytes.as_deref().filter(|_| d.digests).map(Digest::of),
                fuel: run.fuel,
                fuel_limit: run.fuel_limit,
                nondeterminism: run.tape,
                error: run.result.as_ref().err().map(ToString::to_string),
            };
            let step_run = StepRun { record, tape_unused: run.tape_unused, logs: run.logs, tape_error };
            let stop = check(i, &step_run);
            driven.steps.push(step_run);
            match run.result {
                Ok(Value::Record(fields)) => outputs[i] = Some(fields.into_iter().map(|(_, v)| v).collect()),
                Ok(_) => {}
                Err(e) => {
                    driven.failure = Some((i, e));
                    return (driven, stop);
                }
            }
            if stop.is_some() {
                return (driven, stop);
            }
        }
        let values: Vec<Value> =
            plan.outputs.iter().filter_map(|(s, p)| outputs[*s].as_ref().and_then(|o| o.get(*p)).cloned()).collect();
        if d.digests {
            let types = plan.output_types();
            driven.output_bytes = Some(values.iter().zip(&types).filter_map(|(v, t)| v.encode(t).ok()).collect());
        }
        driven.outputs = Some(values);
        (driven, None)
    }

    fn node_fuel_limit(&self, spec: &NodeSpec) -> u64 {
        spec.limits().map_or(self.inner.limits.fuel, |l| l.fuel.min(self.inner.limits.fuel))
    }

    fn node_wall_limit(&self, spec: &NodeSpec) -> Duration {
        spec.limits().map_or(self.inner.limits.wall_clock, |l| l.wall_clock.min(self.inner.limits.wall_clock))
    }
}

/// Checks and encodes the flow inputs.
pub(crate) fn encode_inputs(plan: &FlowPlan, inputs: &[Value]) -> Result<Vec<Vec<u8>>, FlowError> {
    if inputs.len() != plan.input_types.len() {
        return Err(FlowError::InputCount { flow: plan.flow.name.clone(), expected: plan.input_types.len(), got: inputs.len() });
    }
    inputs
        .iter()
        .zip(&plan.input_types)
        .zip(&plan.flow.inputs)
        .map(|((v, ty), port)| v.encode(ty).map_err(|error| FlowError::InputType { port: port.clone(), error: Box::new(error) }))
        .collect()
}
