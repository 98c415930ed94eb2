//! Flows: named entries into the graph.
//!
//! A [`Flow`] names the input ports fed from outside and the output ports it
//! returns. [`Flow::nodes`] checks it against a [`Graph`] and gives the set of
//! nodes a run executes: the nodes of its outputs and inputs, closed over
//! the edges that feed them. Every input port of those nodes must be fed by
//! exactly one of an edge or a flow input.
//!
//! A flow is [`FlowKind::Production`] (it may contain only bedrock nodes:
//! the whitelist of what runs in production) or [`FlowKind::Sandbox`] (for
//! drafts). The kind is checked by the ledger, which knows the layers, not here.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Graph, NodeId, PortRef};

/// Longest flow name.
pub const MAX_FLOW_NAME: usize = 64;

/// Where a flow may run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum FlowKind {
    /// Drafts: any visible nodes, run under the sediment limits and ceiling.
    #[default]
    Sandbox,
    /// Production: bedrock nodes only.
    Production,
}

impl fmt::Display for FlowKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sandbox => "sandbox",
            Self::Production => "production",
        })
    }
}

/// A named entry into the graph.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Flow {
    /// Name (1 to [`MAX_FLOW_NAME`] characters from `A-Z a-z 0-9 _ . -`).
    pub name: String,
    /// Sandbox or production.
    pub kind: FlowKind,
    /// Input ports fed from outside, in the order run inputs are given.
    pub inputs: Vec<PortRef>,
    /// Output ports returned, in order.
    pub outputs: Vec<PortRef>,
}

/// Why a flow does not fit a graph.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FlowDefError {
    /// The flow name is empty, too long or has characters outside `[A-Za-z0-9_.-]`.
    #[error("flow name {0:?} is invalid: use 1 to 64 characters from A-Z a-z 0-9 _ . -")]
    BadName(String),
    /// The flow returns nothing.
    #[error("flow `{0}` has no outputs; name at least one NODE.PORT to return")]
    NoOutputs(String),
    /// A port names a node the graph does not have.
    #[error("{port}: node {} is not in the graph", port.node.short())]
    UnknownNode {
        /// The port.
        port: PortRef,
    },
    /// A port the node does not declare.
    #[error("{port}: node `{node}` has no {side} port `{}`", port.port)]
    UnknownPort {
        /// The port.
        port: PortRef,
        /// The node's name.
        node: String,
        /// "input" or "output".
        side: &'static str,
    },
    /// The same port is listed twice.
    #[error("{0} is listed twice")]
    Duplicate(PortRef),
    /// A flow input is already fed by an edge.
    #[error("flow input {port} is already fed by edge {edge}; remove one of the two")]
    InputFedByEdge {
        /// The port.
        port: PortRef,
        /// The edge feeding it.
        edge: String,
    },
    /// A node of the flow has an input that nothing feeds.
    #[error("input {0} is fed by no edge and is not a flow input; add an edge or list it as a flow input")]
    InputNotFed(PortRef),
}

/// Whether `name` is a valid flow name.
pub fn valid_flow_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_FLOW_NAME
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

impl Flow {
    /// A sandbox flow called `name`.
    pub fn new(name: impl Into<String>, inputs: Vec<PortRef>, outputs: Vec<PortRef>) -> Self {
        Self { name: name.into(), kind: FlowKind::Sandbox, inputs, outputs }
    }

    /// A production flow called `name` (bedrock nodes only).
    pub fn production(name: impl Into<String>, inputs: Vec<PortRef>, outputs: Vec<PortRef>) -> Self {
        Self { kind: FlowKind::Production, ..Self::new(name, inputs, outputs) }
    }

    /// Checks the flow against `graph` and returns the nodes a run executes.
    pub fn nodes(&self, graph: &Graph) -> Result<BTreeSet<NodeId>, FlowDefError> {
        if !valid_flow_name(&self.name) {
            return Err(FlowDefError::BadName(self.name.chars().take(72).collect()));
        }
        if self.outputs.is_empty() {
            return Err(FlowDefError::NoOutputs(self.name.clone()));
        }
        let manifest = |port: &PortRef| {
            graph.node(&port.node).ok_or_else(|| FlowDefError::UnknownNode { port: port.clone() })
        };
        for (i, port) in self.inputs.iter().enumerate() {
            let m = manifest(port)?;
            if m.input(&port.port).is_none() {
                return Err(FlowDefError::UnknownPort {
                    port: port.clone(),
                    node: m.name.clone(),
                    side: "input",
                });
            }
            if self.inputs[..i].contains(port) {
                return Err(FlowDefError::Duplicate(port.clone()));
            }
            if let Some(edge) = graph.feeder(port) {
                return Err(FlowDefError::InputFedByEdge { port: port.clone(), edge: edge.to_string() });
            }
        }
        for (i, port) in self.outputs.iter().enumerate() {
            let m = manifest(port)?;
            if m.output(&port.port).is_none() {
                return Err(FlowDefError::UnknownPort {
                    port: port.clone(),
                    node: m.name.clone(),
                    side: "output",
                });
            }
            if self.outputs[..i].contains(port) {
                return Err(FlowDefError::Duplicate(port.clone()));
            }
        }
        let mut nodes: BTreeSet<NodeId> = self.outputs.iter().chain(&self.inputs).map(|p| p.node).collect();
        let mut work: Vec<NodeId> = nodes.iter().copied().collect();
        while let Some(id) = work.pop() {
            let Some(m) = graph.node(&id) else { continue };
            for port in &m.inputs {
                let at = PortRef::new(id, port.name.clone());
                if self.inputs.contains(&at) {
                    continue;
                }
                let edge = graph.feeder(&at).ok_or(FlowDefError::InputNotFed(at))?;
                if nodes.insert(edge.from.node) {
                    work.push(edge.from.node);
                }
            }
        }
        Ok(nodes)
    }

    /// Replaces every port on node `from` by the same-named port on `to`
    /// (what a migration does to the flows that name the replaced node).
    pub fn repoint(&mut self, from: NodeId, to: NodeId) {
        for p in self.inputs.iter_mut().chain(self.outputs.iter_mut()) {
            if p.node == from {
                p.node = to;
            }
        }
    }

    /// Whether the flow names `node` in an input or output.
    pub fn names(&self, node: &NodeId) -> bool {
        self.inputs.iter().chain(&self.outputs).any(|p| p.node == *node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Edge, NodeManifest, Port, PortType};

    fn node(g: &mut Graph, tag: u8, inputs: &[&str], outputs: &[&str]) -> NodeId {
        let id = NodeId::of_wasm(&[tag]);
        let m = NodeManifest {
            name: format!("n{tag}"),
            inputs: inputs.iter().map(|p| Port::new(*p, PortType::U64)).collect(),
            outputs: outputs.iter().map(|p| Port::new(*p, PortType::U64)).collect(),
            capabilities: Default::default(),
        };
        g.add_node(id, m);
        id
    }

    #[test]
    fn closure_follows_feeders_and_stops_at_flow_inputs() {
        let mut g = Graph::new();
        let a = node(&mut g, 1, &["x"], &["y"]);
        let b = node(&mut g, 2, &["x"], &["y"]);
        let c = node(&mut g, 3, &["x"], &["y"]);
        let unrelated = node(&mut g, 4, &["x"], &["y"]);
        g.add_edge(Edge::new(PortRef::new(a, "y"), PortRef::new(b, "x"))).unwrap();
        g.add_edge(Edge::new(PortRef::new(b, "y"), PortRef::new(c, "x"))).unwrap();
        let flow = Flow::new("f", vec![PortRef::new(a, "x")], vec![PortRef::new(c, "y")]);
        assert_eq!(flow.nodes(&g).unwrap(), BTreeSet::from([a, b, c]));
        assert!(!flow.nodes(&g).unwrap().contains(&unrelated));
        let unfed = Flow::new("g", vec![], vec![PortRef::new(c, "y")]);
        assert_eq!(unfed.nodes(&g), Err(FlowDefError::InputNotFed(PortRef::new(a, "x"))));
        let fed = Flow::new("h", vec![PortRef::new(b, "x")], vec![PortRef::new(c, "y")]);
        assert!(matches!(fed.nodes(&g), Err(FlowDefError::InputFedByEdge { .. })));
        assert!(matches!(Flow::new("", vec![], vec![]).nodes(&g), Err(FlowDefError::BadName(_))));
        assert!(matches!(Flow::new("a b", vec![], vec![]).nodes(&g), Err(FlowDefError::BadName(_))));
        assert!(matches!(Flow::new("ok", vec![], vec![]).nodes(&g), Err(FlowDefError::NoOutputs(_))));
    }

    #[test]
    fn repoint_moves_only_the_named_node() {
        let (a, b, c) = (NodeId::of_wasm(b"a"), NodeId::of_wasm(b"b"), NodeId::of_wasm(b"c"));
        let mut flow = Flow::production("p", vec![PortRef::new(a, "x")], vec![PortRef::new(b, "y")]);
        flow.repoint(a, c);
        assert_eq!(flow.inputs, vec![PortRef::new(c, "x")]);
        assert_eq!(flow.outputs, vec![PortRef::new(b, "y")]);
        assert!(flow.names(&c) && !flow.names(&a));
    }
}
