//! Planning: checking a [`Flow`] against a graph version and fixing the
//! nodes to run, their order, and where each input comes from.

use std::collections::HashMap;

use logos_core::{Flow, FlowDefError, Graph, NodeId, NodeManifest, PortRef, PortType};

use crate::errors::PlanError;
use crate::exec::NodeSpec;

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
    /// Steps grouped into waves: every step's sources are in earlier waves,
    /// so the steps of one wave are independent of each other.
    pub(crate) levels: Vec<Vec<usize>>,
}

/// Groups steps (in topological order) into waves of independent steps.
fn levels(steps: &[Step]) -> Vec<Vec<usize>> {
    let mut level = vec![0usize; steps.len()];
    let mut waves: Vec<Vec<usize>> = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let l = step
            .sources
            .iter()
            .filter_map(|s| match s {
                Source::Output { step, .. } => level.get(*step).map(|l| l + 1),
                Source::FlowInput(_) => None,
            })
            .max()
            .unwrap_or(0);
        level[i] = l;
        if waves.len() <= l {
            waves.resize_with(l + 1, Vec::new);
        }
        waves[l].push(i);
    }
    waves
}

impl FlowPlan {
    /// Plans `flow` against `graph`, the graph as of ledger size `graph_seq`
    /// (the first `graph_seq` entries applied).
    /// `resolve` gives the runnable node (wasm, grants, limits) for a node
    /// id and its manifest, or `None` if the wasm is unavailable.
    pub fn build(
        flow: &Flow,
        graph: &Graph,
        graph_seq: u64,
        mut resolve: impl FnMut(&NodeId, &NodeManifest) -> Option<NodeSpec>,
    ) -> Result<Self, PlanError> {
        let nodes = flow.nodes(graph)?;
        let mut input_types = Vec::with_capacity(flow.inputs.len());
        for port in &flow.inputs {
            // `Flow::nodes` checked that every flow input names a declared port.
            if let Some(ty) = graph.node(&port.node).and_then(|m| m.input(&port.port)) {
                input_types.push(ty.clone());
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
                        let edge = graph
                            .feeder(&at)
                            .ok_or_else(|| PlanError::Flow(FlowDefError::InputNotFed(at.clone())))?;
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
                            .ok_or_else(|| PlanError::Flow(FlowDefError::InputNotFed(at.clone())))?;
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
            let i = m
                .outputs
                .iter()
                .position(|p| p.name == port.port)
                .ok_or_else(|| PlanError::UnknownOutput { port: port.clone(), node: m.name.clone() })?;
            outputs.push((step, i));
        }
        let levels = levels(&steps);
        Ok(Self { flow: flow.clone(), graph_seq, steps, input_types, outputs, levels })
    }

    /// The flow.
    pub fn flow(&self) -> &Flow {
        &self.flow
    }

    /// The graph version it was planned against (a ledger size).
    pub fn graph_seq(&self) -> u64 {
        self.graph_seq
    }

    /// The nodes it runs, in execution order.
    pub fn nodes(&self) -> impl Iterator<Item = &NodeSpec> {
        self.steps.iter().map(|s| &s.spec)
    }

    /// The widest wave of independent nodes: how many can run at once
    /// with [`RuntimeBuilder::parallel_branches`](crate::RuntimeBuilder::parallel_branches).
    pub fn width(&self) -> usize {
        self.levels.iter().map(Vec::len).max().unwrap_or(0)
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
