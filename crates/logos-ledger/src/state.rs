//! Event sourcing: the architecture (graph, node status, keyring, policy,
//! used tokens) is a fold over the ledger's entries.
//!
//! [`LedgerState::apply`] is the single place where the meaning of every
//! event is defined. The store runs it before committing a change (so an
//! invalid change is refused) and when verifying (so the indexes are proved
//! equal to the fold); an auditor runs it over an exported bundle, which also
//! re-checks that every governed change carries a quorum token.

use std::collections::{BTreeMap, BTreeSet};

use logos_core::{CapabilitySet, ContractError, Edge, Graph, NodeId, PortRef};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::entry::{Entry, Hash};
use crate::event::{Event, Keyring};
use crate::token::{Operation, Statement, Token, TokenError};

/// The lifecycle of one node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeStatus {
    /// Promoted to bedrock (and therefore locked).
    pub bedrock: bool,
    /// Deprecated (never deleted).
    pub deprecated: bool,
    /// Capabilities granted to it (always a subset of those it requested).
    pub grants: CapabilitySet,
    /// The bedrock node it replaced, if it came in by migration.
    pub parent: Option<NodeId>,
}

/// Why an event cannot apply to the current state.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// The graph contract refuses it.
    #[error(transparent)]
    Contract(#[from] ContractError),
    /// The event names a node that was never created.
    #[error("node {0} does not exist")]
    UnknownNode(NodeId),
    /// A node id is created twice.
    #[error("node {0} already exists")]
    DuplicateNode(NodeId),
    /// The node is deprecated: nothing may promote, grant or migrate to it.
    #[error("node {0} is deprecated")]
    Deprecated(NodeId),
    /// The node is already bedrock.
    #[error("node {0} is already bedrock")]
    AlreadyBedrock(NodeId),
    /// Only a bedrock node can be migrated.
    #[error("node {0} is not bedrock; only bedrock nodes are migrated (sediment nodes are simply replaced)")]
    NotBedrock(NodeId),
    /// The capability was not requested by the node's manifest.
    #[error("node {node} did not request capability {capability}; grants never exceed requests")]
    NotRequested {
        /// The node.
        node: NodeId,
        /// The capability.
        capability: logos_core::Capability,
    },
    /// The capability is already granted.
    #[error("capability {capability} is already granted to node {node}")]
    AlreadyGranted {
        /// The node.
        node: NodeId,
        /// The capability.
        capability: logos_core::Capability,
    },
    /// The successor lacks a port the replaced node's edges use, or its type differs.
    #[error("node {to} cannot replace {from}: {reason}")]
    Incompatible {
        /// The replaced node.
        from: NodeId,
        /// The successor.
        to: NodeId,
        /// Which port is missing or differs.
        reason: String,
    },
    /// A governed change has no token, or its token does not authorise it.
    #[error("entry is not authorised: {0}")]
    Unauthorized(String),
    /// A token was used a second time.
    #[error("token {} was already used", hex(.0))]
    TokenReused([u8; 32]),
    /// The keyring is not usable (quorum outside 1..=keys, duplicate keys).
    #[error("invalid keyring: {0}")]
    BadKeyring(String),
    /// A genesis event after the first entry, or a first entry that is not one.
    #[error("genesis must be exactly the first entry")]
    Genesis,
}

/// Everything the ledger implies about the architecture at some point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerState {
    /// The log's origin (from genesis).
    pub origin: String,
    /// The human keyring in force.
    pub keyring: Keyring,
    /// The policy document in force (empty until one is set).
    pub policy: Vec<u8>,
    /// Nodes and edges.
    pub graph: Graph,
    /// Lifecycle of every node.
    pub status: BTreeMap<NodeId, NodeStatus>,
    /// Digests of every token that has authorised a change.
    pub used_tokens: BTreeSet<[u8; 32]>,
    /// Entries applied so far.
    pub size: u64,
}

/// The token operation that must authorise `event`, or `None` if the event
/// is not governed.
pub fn required_operation(event: &Event) -> Option<Operation> {
    Some(match event {
        Event::Promoted { node } => Operation::Promote { node: *node },
        Event::Deprecated { node } => Operation::Deprecate { node: *node },
        Event::CapabilityGranted { node, capability } => {
            Operation::Grant { node: *node, capability: *capability }
        }
        Event::Migrated { from, to } => Operation::Migrate { from: *from, to: *to },
        Event::KeyringChanged { keyring } => {
            let mut keys = keyring.keys.clone();
            keys.sort_unstable();
            Operation::ChangeKeyring { keys, quorum: keyring.quorum }
        }
        Event::PolicyChanged { policy } => Operation::ChangePolicy { digest: Sha256::digest(policy).into() },
        _ => return None,
    })
}

impl LedgerState {
    /// The state right after a genesis entry.
    pub fn genesis(entry: &Entry) -> Result<Self, StateError> {
        let Event::Genesis { origin, keyring } = &entry.event else { return Err(StateError::Genesis) };
        if entry.seq != 0 {
            return Err(StateError::Genesis);
        }
        check_keyring(keyring, true)?;
        Ok(Self {
            origin: origin.clone(),
            keyring: keyring.clone(),
            policy: Vec::new(),
            graph: Graph::new(),
            status: BTreeMap::new(),
            used_tokens: BTreeSet::new(),
            size: 1,
        })
    }

    /// Applies the next entry, or explains why it cannot apply (leaving the
    /// state unchanged). `root_at` gives the ledger's Merkle root at a size,
    /// to check that a token was signed against a real prefix of this ledger.
    pub fn apply(&mut self, entry: &Entry, root_at: &dyn Fn(u64) -> Option<Hash>) -> Result<(), StateError> {
        let token = self.check_authorization(entry, root_at)?;
        if let Event::Migrated { .. } = entry.event {
            // A migration changes several things; stage it so a failure halfway leaves no trace.
            let mut next = self.clone();
            next.apply_event(&entry.event)?;
            *self = next;
        } else {
            // Every other event checks all its preconditions before it mutates anything.
            self.apply_event(&entry.event)?;
        }
        if let Some(digest) = token {
            self.used_tokens.insert(digest);
        }
        self.size += 1;
        Ok(())
    }

    /// Checks that a governed entry carries a valid token and an ungoverned
    /// one none; returns the token digest to mark as used. Mutates nothing.
    fn check_authorization(
        &self,
        entry: &Entry,
        root_at: &dyn Fn(u64) -> Option<Hash>,
    ) -> Result<Option<[u8; 32]>, StateError> {
        let unauthorized = |why: String| StateError::Unauthorized(why);
        let Some(required) = required_operation(&entry.event) else {
            return match entry.authorization {
                None => Ok(None),
                Some(_) => Err(unauthorized(format!("a {} event carries no token", entry.event.kind()))),
            };
        };
        let auth = entry
            .authorization
            .as_ref()
            .ok_or_else(|| unauthorized(format!("{} needs a token", entry.event.kind())))?;
        let statement = Statement::parse(&auth.statement).map_err(|e| unauthorized(e.to_string()))?;
        if statement.origin() != self.origin {
            return Err(unauthorized(format!("token is for origin {:?}", statement.origin())));
        }
        if *statement.operation() != required {
            return Err(unauthorized(format!(
                "token authorises `{}`, the entry does `{required}`",
                statement.operation()
            )));
        }
        // What an auditor can still check long after the fact: the token was
        // unexpired when the host applied it, and it names a real earlier head.
        if entry.timestamp_ms >= statement.expires_at_ms() {
            return Err(unauthorized("token had expired when it was applied".into()));
        }
        let head = statement.head_size();
        if head == 0 || head > entry.seq || root_at(head) != Some(*statement.head_root()) {
            return Err(unauthorized(format!(
                "token is bound to a head (size {head}) this ledger never had"
            )));
        }
        let digest = statement.digest();
        if self.used_tokens.contains(&digest) {
            return Err(StateError::TokenReused(digest));
        }
        let token = Token::with_signatures(statement, auth.signatures.iter().map(|s| (s.key, s.signature)))
            .map_err(|e: TokenError| unauthorized(e.to_string()))?;
        token.verify_signatures(&self.keyring).map_err(|e| unauthorized(e.to_string()))?;
        Ok(Some(digest))
    }

    fn live_status(&mut self, id: &NodeId) -> Result<&mut NodeStatus, StateError> {
        let status = self.status.get_mut(id).ok_or(StateError::UnknownNode(*id))?;
        if status.deprecated {
            return Err(StateError::Deprecated(*id));
        }
        Ok(status)
    }

    fn apply_event(&mut self, event: &Event) -> Result<(), StateError> {
        match event {
            Event::Genesis { .. } => return Err(StateError::Genesis),
            Event::NodeCreated { id, manifest, .. } => {
                if !self.graph.add_node(*id, manifest.clone()) {
                    return Err(StateError::DuplicateNode(*id));
                }
                self.status.insert(*id, NodeStatus::default());
            }
            Event::EdgeAdded { edge } => self.graph.add_edge(edge.clone())?,
            Event::EdgeRemoved { edge } => self.graph.remove_edge(edge)?,
            Event::CapabilityGranted { node, capability } => {
                let requested = self.graph.node(node).map(|m| m.capabilities.contains(*capability));
                if requested != Some(true) {
                    return Err(StateError::NotRequested { node: *node, capability: *capability });
                }
                if !self.live_status(node)?.grants.insert(*capability) {
                    return Err(StateError::AlreadyGranted { node: *node, capability: *capability });
                }
            }
            Event::Promoted { node } => {
                let status = self.live_status(node)?;
                if status.bedrock {
                    return Err(StateError::AlreadyBedrock(*node));
                }
                status.bedrock = true;
            }
            Event::Deprecated { node } => {
                self.live_status(node)?.deprecated = true;
            }
            Event::Migrated { from, to } => self.migrate(*from, *to)?,
            Event::KeyringChanged { keyring } => {
                check_keyring(keyring, false)?;
                self.keyring = keyring.clone();
            }
            Event::PolicyChanged { policy } => self.policy = policy.clone(),
            Event::ExecutionRecorded { .. } => {}
        }
        Ok(())
    }

    /// Re-points every edge of `from` to the same-named port of `to`;
    /// `from` becomes deprecated, `to` becomes bedrock with `from` as parent.
    fn migrate(&mut self, from: NodeId, to: NodeId) -> Result<(), StateError> {
        if from == to {
            return Err(StateError::Incompatible { from, to, reason: "a node cannot replace itself".into() });
        }
        if !self.live_status(&from)?.bedrock {
            return Err(StateError::NotBedrock(from));
        }
        if self.live_status(&to)?.bedrock {
            return Err(StateError::AlreadyBedrock(to));
        }
        let (Some(old), Some(new)) = (self.graph.node(&from), self.graph.node(&to)) else {
            return Err(StateError::UnknownNode(from));
        };
        // Same port types for every port the old node exposes: dependants see no change.
        for p in &old.inputs {
            if new.input(&p.name) != Some(&p.ty) {
                return Err(StateError::Incompatible {
                    from,
                    to,
                    reason: format!("input port `{}: {}` is missing or differs", p.name, p.ty),
                });
            }
        }
        for p in &old.outputs {
            if new.output(&p.name) != Some(&p.ty) {
                return Err(StateError::Incompatible {
                    from,
                    to,
                    reason: format!("output port `{}: {}` is missing or differs", p.name, p.ty),
                });
            }
        }
        let moved: Vec<Edge> =
            self.graph.edges().filter(|e| e.from.node == from || e.to.node == from).cloned().collect();
        for edge in &moved {
            self.graph.remove_edge(edge)?;
        }
        let repoint = |p: &PortRef| if p.node == from { PortRef::new(to, p.port.clone()) } else { p.clone() };
        for edge in &moved {
            self.graph.add_edge(Edge::new(repoint(&edge.from), repoint(&edge.to)))?;
        }
        if let Some(s) = self.status.get_mut(&from) {
            s.deprecated = true;
        }
        if let Some(s) = self.status.get_mut(&to) {
            s.bedrock = true;
            s.parent = Some(from);
        }
        Ok(())
    }
}

/// A genesis keyring may be empty with quorum 0: that ledger can never apply
/// a governed change (a keyring change itself needs a quorum), which is what
/// a host without human governance asks for. Any other keyring must be
/// usable: distinct keys and a quorum between 1 and the number of keys.
fn check_keyring(keyring: &Keyring, genesis: bool) -> Result<(), StateError> {
    let mut keys = keyring.keys.clone();
    keys.sort_unstable();
    keys.dedup();
    if keys.len() != keyring.keys.len() {
        return Err(StateError::BadKeyring("a key is listed twice".into()));
    }
    let n = keyring.keys.len();
    let q = usize::from(keyring.quorum);
    if (genesis && n == 0 && q == 0) || (q >= 1 && q <= n) {
        Ok(())
    } else {
        Err(StateError::BadKeyring(format!("quorum {q} of {n} keys")))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
