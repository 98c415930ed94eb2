//! Planning: checking a [`Flow`] against a graph version and fixing the
//! nodes to run, their order, and where each input comes from.

use std::collections::{BTreeSet, HashMap};

use logos_core::{Graph, NodeId, NodeManifest, PortRef, PortType};
use serde::{Deserialize, Serialize};

use crate::errors::PlanError;
use crate::exec::NodeSpec;

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
pub(crate) enum Source {
    FlowInput(usize),
    Output { step: usize, port: usize },
}

#[derive(Clone, Debug)]
pub(crate) struct Step {
    pub spec: NodeSpec,
    /// One per input port, in manifest order.
    pub sources: Vec<Source>,
}

/// A flow checked against a graph version, ready to run.
#[derive(Clone, Debug)]
pub struct FlowPlan {
    pub(crate) flow: Flow,
    pub(crate) graph_seq: u64,
    pub(crate) steps: Vec<Step>,
    pub(crate) input_types: Vec<PortType>,
    /// (step, output port index) per flow output.
    pub(crate) outputs: Vec<(usize, usize)>,
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
        let manifest = |port: &PortRef| {
            graph.node(&port.node).ok_or_else(|| PlanError::UnknownNode { port: port.clone() })
        };
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
                return Err(PlanError::UnknownPort {
                    port: port.clone(),
                    node: m.name.clone(),
                    side: "output",
                });
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

        let order: Vec<NodeId> =
            graph.topological_order().into_iter().filter(|id| nodes.contains(id)).collect();
        let index: HashMap<NodeId, usize> = order.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut steps = Vec::with_capacity(order.len());
        for id in &order {
            let Some(m) = graph.node(id) else { continue };
            let spec = resolve(id, m).ok_or(PlanError::MissingNode(*id))?;
            if spec.id() != *id {
                return Err(PlanError::SpecMismatch(
                    *id,
                    format!("the resolver gave node {}", spec.id().short()),
                ));
            }
            if spec.manifest() != m {
                return Err(PlanError::SpecMismatch(
                    *id,
                    "the resolver's manifest differs from the graph's".into(),
                ));
            }
            let mut sources = Vec::with_capacity(m.inputs.len());
            for port in &m.inputs {
                let at = PortRef::new(*id, port.name.clone());
                let source = match flow.inputs.iter().position(|p| *p == at) {
                    Some(i) => Source::FlowInput(i),
                    None => {
                        let edge = graph.feeder(&at).ok_or_else(|| PlanError::InputNotFed(at.clone()))?;
                        let from =
                            graph.node(&edge.from.node).ok_or(PlanError::MissingNode(edge.from.node))?;
                        let step = index
                            .get(&edge.from.node)
                            .copied()
                            .ok_or(PlanError::MissingNode(edge.from.node))?;
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
            let i = m.outputs.iter().position(|p| p.name == port.port).ok_or_else(|| {
                PlanError::UnknownPort { port: port.clone(), node: m.name.clone(), side: "output" }
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
