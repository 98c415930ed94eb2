//! Typed edges and the graph contract checker.
//!
//! Invariants a [`Graph`] upholds after every successful change:
//! every edge joins an existing output port to an existing input port of
//! exactly the same type; each input port is fed by at most one edge; there
//! are no cycles (a node never feeds itself, directly or not).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::id::NodeId;
use crate::manifest::NodeManifest;

/// One port of one node: `node.port`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PortRef {
    /// The node.
    pub node: NodeId,
    /// The port's name on that node.
    pub port: String,
}

impl PortRef {
    /// `node.port`
    pub fn new(node: NodeId, port: impl Into<String>) -> Self {
        Self { node, port: port.into() }
    }
}

impl fmt::Display for PortRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.node.short(), self.port)
    }
}

/// A declared dataflow: the value of output `from` becomes input `to`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Edge {
    /// An output port.
    pub from: PortRef,
    /// An input port.
    pub to: PortRef,
}

impl Edge {
    /// `from -> to`
    pub fn new(from: PortRef, to: PortRef) -> Self {
        Self { from, to }
    }
}

impl fmt::Display for Edge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -> {}", self.from, self.to)
    }
}

/// Why an edge (or a whole graph) breaks the contract. Edges are boxed to
/// keep `Result<_, ContractError>` small on the success path.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ContractError {
    /// An edge names a node the graph does not have.
    #[error("edge {edge}: node {node} does not exist; add it first")]
    UnknownNode {
        /// The edge.
        edge: Box<Edge>,
        /// The missing node.
        node: NodeId,
    },
    /// An edge names a port the node does not declare.
    #[error("edge {edge}: node {node} has no {side} port `{port}` (its {side} ports: {available})")]
    UnknownPort {
        /// The edge.
        edge: Box<Edge>,
        /// The node.
        node: NodeId,
        /// "output" or "input".
        side: &'static str,
        /// The missing port.
        port: String,
        /// The ports that do exist, comma-separated.
        available: String,
    },
    /// The two ends have different types. No coercion is ever applied.
    #[error("edge {edge}: type mismatch: output is {from_type}, input is {to_type}")]
    TypeMismatch {
        /// The edge.
        edge: Box<Edge>,
        /// Type of the output port.
        from_type: String,
        /// Type of the input port.
        to_type: String,
    },
    /// The input port already has an edge.
    #[error("edge {edge}: input {} is already fed by {existing}; remove that edge first", edge.to)]
    InputAlreadyFed {
        /// The edge.
        edge: Box<Edge>,
        /// The edge already feeding that input.
        existing: Box<Edge>,
    },
    /// The edge would close a cycle.
    #[error("edge {edge}: would create a cycle (node {} already depends on node {})", edge.from.node.short(), edge.to.node.short())]
    Cycle {
        /// The edge.
        edge: Box<Edge>,
    },
    /// The same edge is already present.
    #[error("edge {edge} already exists")]
    DuplicateEdge {
        /// The edge.
        edge: Box<Edge>,
    },
    /// Removing an edge that is not there.
    #[error("edge {edge} does not exist")]
    NoSuchEdge {
        /// The edge.
        edge: Box<Edge>,
    },
}

/// Nodes (by id, with their manifests) and the typed edges between them.
///
/// Two graphs are equal when they have the same nodes and the same edges;
/// the lookup indexes kept alongside are derived data and do not count.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    nodes: BTreeMap<NodeId, NodeManifest>,
    edges: BTreeSet<Edge>,
    /// input port -> the edge feeding it
    fed_by: BTreeMap<PortRef, Edge>,
    /// node -> nodes it feeds (with multiplicity, for removal)
    successors: BTreeMap<NodeId, BTreeMap<NodeId, usize>>,
}

impl PartialEq for Graph {
    fn eq(&self, other: &Self) -> bool {
        self.nodes == other.nodes && self.edges == other.edges
    }
}

impl Eq for Graph {}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a node; returns false (and changes nothing) if it was present.
    pub fn add_node(&mut self, id: NodeId, manifest: NodeManifest) -> bool {
        if self.nodes.contains_key(&id) {
            return false;
        }
        self.nodes.insert(id, manifest);
        true
    }

    /// The manifest of node `id`.
    pub fn node(&self, id: &NodeId) -> Option<&NodeManifest> {
        self.nodes.get(id)
    }

    /// All nodes, ordered by id.
    pub fn nodes(&self) -> impl Iterator<Item = (&NodeId, &NodeManifest)> {
        self.nodes.iter()
    }

    /// All edges, in canonical order.
    pub fn edges(&self) -> impl Iterator<Item = &Edge> {
        self.edges.iter()
    }

    /// How many nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// How many edges.
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// The edge feeding input port `to`, if any.
    pub fn feeder(&self, to: &PortRef) -> Option<&Edge> {
        self.fed_by.get(to)
    }

    /// Checks that `edge` could be added without breaking any invariant.
    pub fn check_edge(&self, edge: &Edge) -> Result<(), ContractError> {
        let from_node = self.nodes.get(&edge.from.node);
        let from_node = from_node.ok_or_else(|| ContractError::UnknownNode {
            edge: Box::new(edge.clone()),
            node: edge.from.node,
        })?;
        let to_node = self
            .nodes
            .get(&edge.to.node)
            .ok_or_else(|| ContractError::UnknownNode { edge: Box::new(edge.clone()), node: edge.to.node })?;
        let from_type = from_node.output(&edge.from.port).ok_or_else(|| ContractError::UnknownPort {
            edge: Box::new(edge.clone()),
            node: edge.from.node,
            side: "output",
            port: edge.from.port.clone(),
            available: names(from_node.outputs.iter().map(|p| p.name.as_str())),
        })?;
        let to_type = to_node.input(&edge.to.port).ok_or_else(|| ContractError::UnknownPort {
            edge: Box::new(edge.clone()),
            node: edge.to.node,
            side: "input",
            port: edge.to.port.clone(),
            available: names(to_node.inputs.iter().map(|p| p.name.as_str())),
        })?;
        if from_type != to_type {
            return Err(ContractError::TypeMismatch {
                edge: Box::new(edge.clone()),
                from_type: from_type.to_string(),
                to_type: to_type.to_string(),
            });
        }
        if self.edges.contains(edge) {
            return Err(ContractError::DuplicateEdge { edge: Box::new(edge.clone()) });
        }
        if let Some(existing) = self.fed_by.get(&edge.to) {
            return Err(ContractError::InputAlreadyFed {
                edge: Box::new(edge.clone()),
                existing: Box::new(existing.clone()),
            });
        }
        if self.reaches(edge.to.node, edge.from.node) {
            return Err(ContractError::Cycle { edge: Box::new(edge.clone()) });
        }
        Ok(())
    }

    /// Adds `edge` after [`check_edge`](Self::check_edge).
    pub fn add_edge(&mut self, edge: Edge) -> Result<(), ContractError> {
        self.check_edge(&edge)?;
        self.fed_by.insert(edge.to.clone(), edge.clone());
        *self.successors.entry(edge.from.node).or_default().entry(edge.to.node).or_default() += 1;
        self.edges.insert(edge);
        Ok(())
    }

    /// Removes `edge`.
    pub fn remove_edge(&mut self, edge: &Edge) -> Result<(), ContractError> {
        if !self.edges.remove(edge) {
            return Err(ContractError::NoSuchEdge { edge: Box::new(edge.clone()) });
        }
        self.fed_by.remove(&edge.to);
        if let Some(succ) = self.successors.get_mut(&edge.from.node) {
            if let Some(count) = succ.get_mut(&edge.to.node) {
                *count -= 1;
                if *count == 0 {
                    succ.remove(&edge.to.node);
                }
            }
            if succ.is_empty() {
                self.successors.remove(&edge.from.node);
            }
        }
        Ok(())
    }

    /// Whether `to` can be reached from `from` by following edges (a node reaches itself).
    pub fn reaches(&self, from: NodeId, to: NodeId) -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n)
                && let Some(succ) = self.successors.get(&n)
            {
                stack.extend(succ.keys().copied());
            }
        }
        false
    }

    /// Nodes in a topological order (every node after all nodes feeding it);
    /// ties broken by id so the order is deterministic.
    pub fn topological_order(&self) -> Vec<NodeId> {
        let mut indegree: BTreeMap<NodeId, usize> = self.nodes.keys().map(|id| (*id, 0)).collect();
        for succ in self.successors.values() {
            for to in succ.keys() {
                if let Some(d) = indegree.get_mut(to) {
                    *d += 1;
                }
            }
        }
        let mut ready: BTreeSet<NodeId> =
            indegree.iter().filter(|(_, d)| **d == 0).map(|(id, _)| *id).collect();
        let mut order = Vec::with_capacity(self.nodes.len());
        while let Some(n) = ready.pop_first() {
            order.push(n);
            for to in self.successors.get(&n).into_iter().flat_map(|s| s.keys()) {
                if let Some(d) = indegree.get_mut(to) {
                    *d -= 1;
                    if *d == 0 {
                        ready.insert(*to);
                    }
                }
            }
        }
        order
    }
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<_> = it.collect();
    if v.is_empty() { "none".into() } else { v.join(", ") }
}

#[cfg(test)]
mod tests;
