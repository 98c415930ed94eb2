//! Flows: named entries into the graph, planned once and run many times.
//!
//! A [`Flow`] names the input ports fed from outside and the output ports
//! returned. [`FlowPlan::build`] checks it against a [`Graph`](logos_core::Graph) at a given
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

use std::time::{Duration, Instant};

use logos_core::{NodeId, Value};

use crate::errors::{ExecError, ExecErrorKind, FlowError};
use crate::exec::{CallCtx, NodeRun, NodeSpec};
use crate::limits::LimitKind;
use crate::record::{Digest, ExecId, ExecutionRecord, NodeRecord, Outcome};
use crate::runtime::Runtime;

mod plan;
pub use plan::FlowPlan;
use plan::Source;

/// Per-run settings.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Force recording on or off for this run (`None`: the recorder's mode).
    pub record: Option<bool>,
    /// Host time to put in the record, milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// Who runs it, to put in the record.
    pub actor: Option<logos_core::Actor>,
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
    pub fn run_flow_with(
        &self,
        plan: &FlowPlan,
        inputs: &[Value],
        opts: &RunOptions,
    ) -> Result<FlowOutcome, FlowError> {
        let encoded = encode_inputs(plan, inputs)?;
        let recorder = self.inner.recorder.as_ref();
        let record = match (opts.record, recorder) {
            (_, None) | (Some(false), _) => None,
            (Some(true), Some(r)) => Some(r),
            (None, Some(r)) => r.should_record().then_some(r),
        };
        let driven = self
            .drive(
                plan,
                inputs,
                &Drive {
                    digests: record.is_some(),
                    fuel_budget: opts.fuel,
                    deadline: opts.deadline,
                    replay: None,
                },
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
                actor: opts.actor.clone(),
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
            let fuel = outcomes.iter().map(|s| s.fuel).sum();
            return Err(FlowError::Node {
                flow: plan.flow.name.clone(),
                step,
                error,
                fuel,
                record: record_id,
            });
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
        let mut driven = Driven {
            steps: Vec::with_capacity(plan.steps.len()),
            outputs: None,
            output_bytes: None,
            failure: None,
        };
        let mut spent: u64 = 0;
        let parallel = self.inner.parallel
            && d.replay.is_none()
            && d.fuel_budget.is_none()
            && d.deadline.is_none()
            && plan.width() > 1;
        let mut ahead = if parallel { self.run_waves(plan, inputs) } else { Vec::new() };
        for (i, step) in plan.steps.iter().enumerate() {
            let spec = &step.spec;
            let input = step_input(step, inputs, &outputs).unwrap_or_default();
            let recorded = d.replay.and_then(|r| r.nodes.get(i));
            let limit = self.node_fuel_limit(spec);
            let (fuel, fuel_from_flow) = match recorded {
                Some(r) => (r.fuel_limit, r.fuel_limit < limit),
                None => match d.fuel_budget {
                    Some(budget) if budget.saturating_sub(spent) < limit => {
                        (budget.saturating_sub(spent), true)
                    }
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
            let run = if let Some(run) = ahead.get_mut(i).and_then(Option::take) {
                run
            } else if fuel == 0 || wall.is_some_and(|(left, _)| left.is_zero()) {
                let kind = if fuel == 0 {
                    fuel_kind
                } else {
                    LimitKind::FlowWallClock { limit: d.deadline.unwrap_or_default() }
                };
                NodeRun::failed(
                    ExecError::new(spec.id(), &spec.manifest().name, ExecErrorKind::Limit(kind)),
                    0,
                )
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
        let values: Vec<Value> = plan
            .outputs
            .iter()
            .filter_map(|(s, p)| outputs[*s].as_ref().and_then(|o| o.get(*p)).cloned())
            .collect();
        if d.digests {
            let types = plan.output_types();
            driven.output_bytes =
                Some(values.iter().zip(&types).filter_map(|(v, t)| v.encode(t).ok()).collect());
        }
        driven.outputs = Some(values);
        (driven, None)
    }

    /// Runs the plan wave by wave, the steps of a wave on parallel threads,
    /// without flow-wide budgets. A step whose upstream failed is skipped:
    /// the sequential pass that consumes these runs stops at that failure,
    /// exactly where a sequential run would have.
    fn run_waves(&self, plan: &FlowPlan, inputs: &[Value]) -> Vec<Option<NodeRun>> {
        let mut runs: Vec<Option<NodeRun>> = (0..plan.steps.len()).map(|_| None).collect();
        let mut outputs: Vec<Option<Vec<Value>>> = vec![None; plan.steps.len()];
        for wave in &plan.levels {
            let jobs: Vec<(usize, Vec<u8>)> = wave
                .iter()
                .filter_map(|&i| Some((i, step_input(plan.steps.get(i)?, inputs, &outputs)?)))
                .collect();
            let call = |i: usize, input: &[u8]| {
                let spec = &plan.steps[i].spec;
                let limit = self.node_fuel_limit(spec);
                let ctx =
                    CallCtx { fuel: Some((limit, LimitKind::Fuel { limit })), wall: None, replay: None };
                self.call(spec, input, ctx)
            };
            let done: Vec<(usize, NodeRun)> = if jobs.len() == 1 {
                jobs.iter().map(|(i, input)| (*i, call(*i, input))).collect()
            } else {
                std::thread::scope(|scope| {
                    let handles: Vec<_> =
                        jobs.iter().map(|(i, input)| (*i, scope.spawn(move || call(*i, input)))).collect();
                    // A panicking call is a bug in the runtime; the step is
                    // then left to the sequential pass, which runs it again.
                    handles.into_iter().filter_map(|(i, h)| h.join().ok().map(|run| (i, run))).collect()
                })
            };
            for (i, run) in done {
                if let Ok(Value::Record(fields)) = &run.result {
                    outputs[i] = Some(fields.iter().map(|(_, v)| v.clone()).collect());
                }
                runs[i] = Some(run);
            }
        }
        runs
    }

    fn node_fuel_limit(&self, spec: &NodeSpec) -> u64 {
        spec.limits().map_or(self.inner.limits.fuel, |l| l.fuel.min(self.inner.limits.fuel))
    }

    fn node_wall_limit(&self, spec: &NodeSpec) -> Duration {
        spec.limits().map_or(self.inner.limits.wall_clock, |l| l.wall_clock.min(self.inner.limits.wall_clock))
    }
}

/// The encoded input record of `step`, or `None` if an upstream step has
/// no output (it failed). Upstream outputs were decoded against the very
/// same types (edges join equal types) and flow inputs were checked, so the
/// encodes cannot fail.
fn step_input(step: &plan::Step, inputs: &[Value], outputs: &[Option<Vec<Value>>]) -> Option<Vec<u8>> {
    let mut input = Vec::new();
    for (port, source) in step.spec.manifest().inputs.iter().zip(&step.sources) {
        let value = match *source {
            Source::FlowInput(k) => inputs.get(k),
            Source::Output { step, port } => outputs.get(step)?.as_ref().and_then(|o| o.get(port)),
        }?;
        input.extend_from_slice(&value.encode(&port.ty).ok()?);
    }
    Some(input)
}

/// Checks and encodes the flow inputs.
pub(crate) fn encode_inputs(plan: &FlowPlan, inputs: &[Value]) -> Result<Vec<Vec<u8>>, FlowError> {
    if inputs.len() != plan.input_types.len() {
        return Err(FlowError::InputCount {
            flow: plan.flow.name.clone(),
            expected: plan.input_types.len(),
            got: inputs.len(),
        });
    }
    inputs
        .iter()
        .zip(&plan.input_types)
        .zip(&plan.flow.inputs)
        .map(|((v, ty), port)| {
            v.encode(ty).map_err(|error| FlowError::InputType { port: port.clone(), error: Box::new(error) })
        })
        .collect()
}
