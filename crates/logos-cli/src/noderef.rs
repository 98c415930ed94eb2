//! Naming nodes on the command line: `NODE.PORT`, where NODE is a node's
//! name or a unique prefix (at least [`MIN_PREFIX`] hex digits) of its id.

use std::collections::BTreeSet;

use logos_runtime::{Graph, NodeId, PortRef};

/// Fewest hex digits accepted as an id prefix.
pub const MIN_PREFIX: usize = 4;
/// Most candidates listed in an ambiguity error.
const MAX_LISTED: usize = 8;

/// Why a `NODE.PORT` argument does not name exactly one port.
#[derive(Debug, thiserror::Error)]
pub enum NodeRefError {
    /// No `.`, or nothing on one side of it.
    #[error("`{0}` is not NODE.PORT (NODE is a node name or at least {MIN_PREFIX} hex digits of its id)")]
    NotPortRef(String),
    /// Nothing matches.
    #[error(
        "no node matches `{0}`; give its name or at least {MIN_PREFIX} hex digits of its id (`logos graph show` lists them)"
    )]
    NoMatch(String),
    /// More than one node matches.
    #[error("`{reference}` is ambiguous: it matches {candidates}; give more hex digits of the id")]
    Ambiguous {
        /// What was typed.
        reference: String,
        /// The matching nodes, `short-id `name``, comma-separated.
        candidates: String,
    },
}

/// Splits `NODE.PORT` at the last `.` (node names may contain dots; port names cannot).
pub fn split_port(arg: &str) -> Result<(&str, &str), NodeRefError> {
    match arg.rsplit_once('.') {
        Some((node, port)) if !node.is_empty() && !port.is_empty() => Ok((node, port)),
        _ => Err(NodeRefError::NotPortRef(arg.to_owned())),
    }
}

/// The port `NODE.PORT` names in `graph` (the port itself is checked by
/// whoever uses it: the contract, the flow definition).
pub fn resolve_port(graph: &Graph, arg: &str) -> Result<PortRef, NodeRefError> {
    let (node, port) = split_port(arg)?;
    Ok(PortRef::new(resolve(graph, node)?, port))
}

/// `NODE.PORT` for people: the node's name (or short id) and the port.
pub fn port_label(graph: &Graph, port: &PortRef) -> String {
    let node = graph.node(&port.node).map_or_else(|| port.node.short(), |m| m.name.clone());
    format!("{node}.{}", port.port)
}

/// The one node of `graph` whose name is `reference` or whose id starts
/// with it. A reference that matches a name and a different id is ambiguous.
pub fn resolve(graph: &Graph, reference: &str) -> Result<NodeId, NodeRefError> {
    let is_prefix = reference.len() >= MIN_PREFIX && reference.bytes().all(|b| b.is_ascii_hexdigit());
    let matches: BTreeSet<NodeId> = graph
        .nodes()
        .filter(|(id, m)| m.name == reference || (is_prefix && id.has_prefix(reference)))
        .map(|(id, _)| *id)
        .collect();
    let mut it = matches.iter();
    match (it.next(), it.next()) {
        (Some(id), None) => Ok(*id),
        (None, _) => Err(NodeRefError::NoMatch(reference.to_owned())),
        (Some(_), Some(_)) => {
            let mut listed: Vec<String> = matches
                .iter()
                .take(MAX_LISTED)
                .map(|id| match graph.node(id) {
                    Some(m) => format!("{} `{}`", id.short(), m.name),
                    None => id.short(),
                })
                .collect();
            if matches.len() > MAX_LISTED {
                listed.push(format!("and {} more", matches.len() - MAX_LISTED));
            }
            Err(NodeRefError::Ambiguous { reference: reference.to_owned(), candidates: listed.join(", ") })
        }
    }
}

#[cfg(test)]
mod tests {
    use logos_runtime::NodeManifest;

    use super::*;

    fn node(name: &str) -> NodeManifest {
        NodeManifest { name: name.into(), inputs: vec![], outputs: vec![], capabilities: Default::default() }
    }

    fn graph(names: &[(&[u8], &str)]) -> Graph {
        let mut g = Graph::new();
        for (wasm, name) in names {
            g.add_node(NodeId::of_wasm(wasm), node(name));
        }
        g
    }

    #[test]
    fn port_is_after_the_last_dot() {
        assert_eq!(split_port("risk.v2.score").ok(), Some(("risk.v2", "score")));
        assert!(split_port("score").is_err());
        assert!(split_port("node.").is_err());
        assert!(split_port(".port").is_err());
    }

    #[test]
    fn a_name_or_a_prefix_resolves() {
        // SHA-256("") starts e3b0c442.
        let g = graph(&[(b"", "parse"), (b"x", "limit")]);
        let empty = NodeId::of_wasm(b"");
        assert_eq!(resolve(&g, "parse").ok(), Some(empty));
        assert_eq!(resolve(&g, "e3b0").ok(), Some(empty));
        assert_eq!(resolve(&g, "E3B0C442").ok(), Some(empty));
        assert_eq!(resolve(&g, &empty.to_string()).ok(), Some(empty));
    }

    #[test]
    fn short_prefixes_and_strangers_match_nothing() {
        let g = graph(&[(b"", "parse")]);
        assert!(matches!(resolve(&g, "e3b"), Err(NodeRefError::NoMatch(_))));
        assert!(matches!(resolve(&g, "nobody"), Err(NodeRefError::NoMatch(_))));
    }

    #[test]
    fn duplicate_names_are_ambiguous_and_listed() {
        let g = graph(&[(b"a", "dup"), (b"b", "dup")]);
        let err = resolve(&g, "dup").unwrap_err().to_string();
        assert!(err.contains(&NodeId::of_wasm(b"a").short()), "{err}");
        assert!(err.contains(&NodeId::of_wasm(b"b").short()), "{err}");
    }

    #[test]
    fn a_name_that_is_another_nodes_prefix_is_ambiguous() {
        let g = graph(&[(b"", "other"), (b"x", "e3b0")]);
        assert!(matches!(resolve(&g, "e3b0"), Err(NodeRefError::Ambiguous { .. })));
    }
}
