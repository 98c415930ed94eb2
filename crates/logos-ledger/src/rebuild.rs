//! Event sourcing: the graph is a fold over the ledger's events.

use logos_core::{ContractError, Edge, Graph, PortRef};

use crate::event::Event;

/// Applies one event to `graph`. Events that do not change the graph's
/// shape (grants, promotions, keyring, executions) leave it as it is.
pub fn apply(graph: &mut Graph, event: &Event) -> Result<(), ContractError> {
    match event {
        Event::NodeCreated { id, manifest, .. } => {
            graph.add_node(*id, manifest.clone());
        }
        Event::EdgeAdded { edge } => graph.add_edge(edge.clone())?,
        Event::EdgeRemoved { edge } => graph.remove_edge(edge)?,
        Event::Migrated { from, to } => {
            let moved: Vec<Edge> =
                graph.edges().filter(|e| e.from.node == *from || e.to.node == *from).cloned().collect();
            for edge in &moved {
                graph.remove_edge(edge)?;
            }
            for edge in moved {
                let repoint = |p: PortRef| if p.node == *from { PortRef::new(*to, p.port) } else { p };
                graph.add_edge(Edge::new(repoint(edge.from), repoint(edge.to)))?;
            }
        }
        Event::Genesis { .. }
        | Event::CapabilityGranted { .. }
        | Event::Promoted { .. }
        | Event::Deprecated { .. }
        | Event::KeyringChanged { .. }
        | Event::PolicyChanged { .. }
        | Event::ExecutionRecorded { .. } => {}
    }
    Ok(())
}

/// Rebuilds the graph from a sequence of events.
pub fn rebuild<'a>(events: impl IntoIterator<Item = &'a Event>) -> Result<Graph, ContractError> {
    let mut graph = Graph::new();
    for event in events {
        apply(&mut graph, event)?;
    }
    Ok(graph)
}
