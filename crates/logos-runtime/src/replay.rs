//! Replay: re-executing a recorded run and proving it identical, or
//! pointing at the first divergence.
//!
//! Each node is re-run in a fresh instance with its recorded fuel limit;
//! its granted clock, random and kv calls are answered from the record
//! (and kv writes are compared, not applied), while ungranted ones get the
//! same deterministic stand-ins as always. Checked per node, in order: the
//! node itself, its input digest, its outcome, its output digest, its fuel
//! and its use of the recorded nondeterminism; then the flow's outputs.

use std::fmt;

use logos_core::{NodeId, Value};

use crate::errors::ReplayError;
use crate::flow::{Drive, FlowPlan, StepRun, encode_inputs};
use crate::record::{Digest, ExecutionRecord, Outcome};
use crate::runtime::Runtime;

/// The result of a replay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayReport {
    /// Nodes re-executed.
    pub nodes_replayed: usize,
    /// The first divergence, or `None` if the run is identical.
    pub divergence: Option<Divergence>,
}

impl ReplayReport {
    /// Whether the replay reproduced the record exactly (same outputs, same fuel).
    pub fn is_identical(&self) -> bool {
        self.divergence.is_none()
    }
}

/// Where and how a replay departed from its record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// Index of the step in execution order (`None`: the flow as a whole).
    pub step: Option<usize>,
    /// The node at that step.
    pub node: Option<NodeId>,
    /// What differs.
    pub kind: DivergenceKind,
}

/// What differs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DivergenceKind {
    /// The plan runs another node at this step.
    Node {
        /// In the record.
        recorded: NodeId,
        /// In the replay.
        replayed: NodeId,
    },
    /// The number of steps run differs.
    Steps {
        /// In the record.
        recorded: usize,
        /// In the replay.
        replayed: usize,
    },
    /// The node's input bytes differ.
    Input {
        /// In the record.
        recorded: Digest,
        /// In the replay.
        replayed: Digest,
    },
    /// The node's outcome differs (one failed, or both with different errors).
    Outcome {
        /// In the record (`None`: succeeded).
        recorded: Option<String>,
        /// In the replay.
        replayed: Option<String>,
    },
    /// The node's output bytes differ.
    Output {
        /// In the record.
        recorded: Option<Digest>,
        /// In the replay.
        replayed: Option<Digest>,
    },
    /// The node consumed different fuel.
    Fuel {
        /// In the record.
        recorded: u64,
        /// In the replay.
        replayed: u64,
    },
    /// The node asked for different nondeterminism than recorded.
    Nondeterminism(String),
    /// The flow's outputs differ.
    FlowOutputs {
        /// In the record.
        recorded: Option<Digest>,
        /// In the replay.
        replayed: Option<Digest>,
    },
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.step, self.node) {
            (Some(s), Some(n)) => write!(f, "step {s} (node {}): ", n.short())?,
            (Some(s), None) => write!(f, "step {s}: ")?,
            _ => f.write_str("flow: ")?,
        }
        match &self.kind {
            DivergenceKind::Node { recorded, replayed } => {
                write!(f, "recorded node {}, replayed node {}", recorded.short(), replayed.short())
            }
            DivergenceKind::Steps { recorded, replayed } => {
                write!(f, "recorded {recorded} steps, replayed {replayed}")
            }
            DivergenceKind::Input { recorded, replayed } => write!(f, "input {recorded} became {replayed}"),
            DivergenceKind::Outcome { recorded, replayed } => {
                let show = |o: &Option<String>| o.clone().unwrap_or_else(|| "success".into());
                write!(f, "outcome `{}` became `{}`", show(recorded), show(replayed))
            }
            DivergenceKind::Output { recorded, replayed } => {
                write!(f, "output {recorded:?} became {replayed:?}")
            }
            DivergenceKind::Fuel { recorded, replayed } => write!(f, "fuel {recorded} became {replayed}"),
            DivergenceKind::Nondeterminism(m) => write!(f, "nondeterminism: {m}"),
            DivergenceKind::FlowOutputs { recorded, replayed } => {
                write!(f, "outputs {recorded:?} became {replayed:?}")
            }
        }
    }
}

impl Runtime {
    /// Re-executes `record` with `plan` (planned against the graph at the
    /// record's version) and compares everything. `inputs` is needed only
    /// if the record holds digests, not values; it must match the digest.
    /// Use a runtime with the same limits as the recording one.
    pub fn replay(
        &self,
        record: &ExecutionRecord,
        plan: &FlowPlan,
        inputs: Option<&[Value]>,
    ) -> Result<ReplayReport, ReplayError> {
        if record.flow != plan.flow().name {
            return Err(ReplayError::FlowMismatch {
                recorded: record.flow.clone(),
                plan: plan.flow().name.clone(),
            });
        }
        if record.graph_seq != plan.graph_seq() {
            return Err(ReplayError::GraphVersion { recorded: record.graph_seq, plan: plan.graph_seq() });
        }
        let values: Vec<Value> = match (inputs, &record.inputs) {
            (Some(given), _) => given.to_vec(),
            (None, Some(encoded)) => {
                if encoded.len() != plan.input_types().len() {
                    return Err(ReplayError::InputsDiffer);
                }
                encoded
                    .iter()
                    .zip(plan.input_types())
                    .map(|(b, t)| Value::decode(b, t))
                    .collect::<Result<_, _>>()
                    .map_err(|_| ReplayError::InputsDiffer)?
            }
            (None, None) => return Err(ReplayError::InputsUnavailable),
        };
        let encoded = encode_inputs(plan, &values).map_err(ReplayError::Inputs)?;
        if Digest::of_parts(encoded.iter().map(Vec::as_slice)) != record.inputs_digest {
            return Err(ReplayError::InputsDiffer);
        }
        let drive =
            Drive { digests: true, fuel_budget: record.fuel_budget, deadline: None, replay: Some(record) };
        let (driven, stopped) = self.drive(plan, &values, &drive, |i, run| compare_step(record, i, run));
        let nodes_replayed = driven.steps.len();
        let report = |divergence| Ok(ReplayReport { nodes_replayed, divergence });
        if stopped.is_some() {
            return report(stopped);
        }
        if nodes_replayed != record.nodes.len() {
            return report(Some(Divergence {
                step: Some(nodes_replayed.min(record.nodes.len())),
                node: None,
                kind: DivergenceKind::Steps { recorded: record.nodes.len(), replayed: nodes_replayed },
            }));
        }
        let replayed = driven.output_bytes.as_ref().map(|o| Digest::of_parts(o.iter().map(Vec::as_slice)));
        let recorded_ok = matches!(record.outcome, Outcome::Succeeded);
        if replayed != record.outputs_digest || recorded_ok != driven.failure.is_none() {
            return report(Some(Divergence {
                step: None,
                node: None,
                kind: DivergenceKind::FlowOutputs { recorded: record.outputs_digest, replayed },
            }));
        }
        report(None)
    }
}

fn compare_step(record: &ExecutionRecord, i: usize, run: &StepRun) -> Option<Divergence> {
    let node = run.record.node;
    let at = |kind| Some(Divergence { step: Some(i), node: Some(node), kind });
    let Some(rec) = record.nodes.get(i) else {
        return at(DivergenceKind::Steps { recorded: record.nodes.len(), replayed: i + 1 });
    };
    if rec.node != node {
        return at(DivergenceKind::Node { recorded: rec.node, replayed: node });
    }
    if rec.input != run.record.input {
        return at(DivergenceKind::Input { recorded: rec.input, replayed: run.record.input });
    }
    if let Some(m) = &run.tape_error {
        return at(DivergenceKind::Nondeterminism(m.clone()));
    }
    if rec.error != run.record.error {
        return at(DivergenceKind::Outcome {
            recorded: rec.error.clone(),
            replayed: run.record.error.clone(),
        });
    }
    if rec.output != run.record.output {
        return at(DivergenceKind::Output { recorded: rec.output, replayed: run.record.output });
    }
    if rec.fuel != run.record.fuel {
        return at(DivergenceKind::Fuel { recorded: rec.fuel, replayed: run.record.fuel });
    }
    if run.tape_unused > 0 {
        return at(DivergenceKind::Nondeterminism(format!(
            "{} recorded observations were never asked for",
            run.tape_unused
        )));
    }
    None
}
