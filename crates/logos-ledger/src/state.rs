//! Event sourcing: the architecture (graph, node status, keyring, policy,
//! used tokens) is a fold over the ledger's entries.
//!
//! [`LedgerState::apply`] is the single place where the meaning of every
//! event is defined. The store runs it before committing a change (so an
//! invalid change is refused) and when verifying (so the indexes are proved
//! equal to the fold); an auditor runs it over an exported bundle, which also
//! re-checks that every governed change carries a quorum token.

use std::collections::{BTreeMap, BTreeSet};

use logos_core::{
    Actor, CapabilitySet, ContractError, Edge, Flow, FlowDefError, FlowKind, Graph, NodeId, PortRef,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::entry::{Entry, EntrySignature, Hash};
use crate::event::{Event, Keyring};
use crate::policy::Policy;
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
    /// The agent that created it (`None`: the host or a human did).
    pub owner: Option<String>,
    /// Its owner made it visible to every agent.
    pub shared: bool,
}

impl NodeStatus {
    /// Whether agent `agent` may see (and link from) this node: bedrock,
    /// shared, host-created, or its own.
    pub fn visible_to(&self, agent: &str) -> bool {
        self.bedrock || self.shared || self.owner.as_deref().is_none_or(|o| o == agent)
    }

    /// "bedrock" or "sediment".
    pub fn layer(&self) -> &'static str {
        if self.bedrock { "bedrock" } else { "sediment" }
    }
}

/// A flow as the ledger holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefinedFlow {
    /// The definition.
    pub flow: Flow,
    /// The agent that defined it (`None`: the host or a human).
    pub owner: Option<String>,
    /// Seq of the entry that (re)defined it.
    pub defined_at: u64,
}

/// Where a proposal stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProposalState {
    /// Collecting approvals.
    Open,
    /// Applied by the entry at this seq.
    Applied(u64),
    /// Rejected by the entry at this seq.
    Rejected(u64),
}

/// A governed change waiting for (or past) human approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// Who proposed it.
    pub proposer: Actor,
    /// The canonical token statement to sign.
    pub statement: String,
    /// Valid signatures by registered keys, in the order they arrived.
    pub approvals: Vec<EntrySignature>,
    /// Open, applied or rejected.
    pub state: ProposalState,
}

/// Why an event cannot apply to the current state.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// The graph contract refuses it.
    #[error(transparent)]
    Contract(#[from] ContractError),
    /// The event names a node that was never created.
    #[error("node {} does not exist", .0.short())]
    UnknownNode(NodeId),
    /// A node id is created twice.
    #[error("node {} already exists", .0.short())]
    DuplicateNode(NodeId),
    /// The node is deprecated: nothing may promote, grant or migrate to it.
    #[error("node {} is deprecated", .0.short())]
    Deprecated(NodeId),
    /// The node is already bedrock.
    #[error("node {} is already bedrock", .0.short())]
    AlreadyBedrock(NodeId),
    /// Only a bedrock node can be migrated.
    #[error("node {} is not bedrock; only bedrock nodes are migrated (sediment nodes are simply replaced)", .0.short())]
    NotBedrock(NodeId),
    /// The capability was not requested by the node's manifest.
    #[error("node {} did not request capability {capability}; grants never exceed requests", node.short())]
    NotRequested {
        /// The node.
        node: NodeId,
        /// The capability.
        capability: logos_core::Capability,
    },
    /// The capability is already granted.
    #[error("capability {capability} is already granted to node {}", node.short())]
    AlreadyGranted {
        /// The node.
        node: NodeId,
        /// The capability.
        capability: logos_core::Capability,
    },
    /// The successor lacks a port the replaced node's edges use, or its type differs.
    #[error("node {} cannot replace {}: {reason}", to.short(), from.short())]
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
    /// The node is bedrock: its inputs are locked.
    #[error("node {} is bedrock and locked: {what}; replace it by a migration under a quorum token", node.short())]
    Locked {
        /// The node.
        node: NodeId,
        /// What was attempted.
        what: String,
    },
    /// An agent named another agent's private draft.
    #[error(
        "agent `{agent}` cannot see node {}: it is another agent's private draft (its owner may share it)",
        node.short()
    )]
    NotVisible {
        /// The agent.
        agent: String,
        /// The node.
        node: NodeId,
    },
    /// An agent tried to change what it does not own.
    #[error("agent `{agent}` cannot {what}: only its owner or the host can")]
    NotOwner {
        /// The agent.
        agent: String,
        /// What was attempted.
        what: String,
    },
    /// The actor may never do this.
    #[error("{actor} may not {what}")]
    Forbidden {
        /// Who tried.
        actor: Actor,
        /// What.
        what: String,
    },
    /// A grant above the node's layer ceiling in the policy.
    #[error("capability {capability} is above the {layer} ceiling of the policy for node {}", node.short())]
    AboveCeiling {
        /// The node.
        node: NodeId,
        /// The capability.
        capability: logos_core::Capability,
        /// "sediment" or "bedrock".
        layer: &'static str,
    },
    /// The policy document does not decode.
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    /// The flow does not fit the graph.
    #[error(transparent)]
    Flow(#[from] FlowDefError),
    /// A production flow would run a node that is not live bedrock.
    #[error(
        "production flow `{flow}` would run node {}, which is {why}; production flows run live bedrock nodes only",
        node.short()
    )]
    NotProduction {
        /// The flow.
        flow: String,
        /// The node.
        node: NodeId,
        /// "sediment" or "deprecated".
        why: &'static str,
    },
    /// No flow by that name.
    #[error("flow `{0}` does not exist")]
    UnknownFlow(String),
    /// A proposal cannot be opened, approved or rejected.
    #[error("proposal {proposal}: {why}")]
    Proposal {
        /// The proposal id (seq of its opening entry; for an opening, this entry's seq).
        proposal: u64,
        /// Why.
        why: String,
    },
    /// A rollback that does not undo a migration.
    #[error("cannot roll {} back to {}: {why}", from.short(), to.short())]
    Rollback {
        /// The failing node.
        from: NodeId,
        /// The predecessor.
        to: NodeId,
        /// Why.
        why: String,
    },
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
    /// Flows by name.
    pub flows: BTreeMap<String, DefinedFlow>,
    /// Proposals by id (the seq of their opening entry).
    pub proposals: BTreeMap<u64, Proposal>,
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
        Event::MigratedVia { from, to, adapter } => {
            Operation::MigrateVia { from: *from, to: *to, adapter: *adapter }
        }
        Event::KeyringChanged { keyring } => {
            let mut keys = keyring.keys.clone();
            keys.sort_unstable();
            Operation::ChangeKeyring { keys, quorum: keyring.quorum }
        }
        Event::PolicyChanged { policy } => Operation::ChangePolicy { digest: Sha256::digest(policy).into() },
        _ => return None,
    })
}

/// The governed event `operation` authorises: the inverse of
/// [`required_operation`]. `None` for a policy change, whose operation names
/// the document only by its digest (the caller supplies the document).
pub fn governed_event(operation: &Operation) -> Option<Event> {
    Some(match operation {
        Operation::Promote { node } => Event::Promoted { node: *node },
        Operation::Deprecate { node } => Event::Deprecated { node: *node },
        Operation::Grant { node, capability } => {
            Event::CapabilityGranted { node: *node, capability: *capability }
        }
        Operation::Migrate { from, to } => Event::Migrated { from: *from, to: *to },
        Operation::MigrateVia { from, to, adapter } => {
            Event::MigratedVia { from: *from, to: *to, adapter: *adapter }
        }
        Operation::ChangeKeyring { keys, quorum } => {
            Event::KeyringChanged { keyring: Keyring { keys: keys.clone(), quorum: *quorum } }
        }
        Operation::ChangePolicy { .. } => return None,
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
            flows: BTreeMap::new(),
            proposals: BTreeMap::new(),
            size: 1,
        })
    }

    /// Applies the next entry, or explains why it cannot apply (leaving the
    /// state unchanged). `root_at` gives the ledger's Merkle root at a size,
    /// to check that a token was signed against a real prefix of this ledger.
    pub fn apply(&mut self, entry: &Entry, root_at: &dyn Fn(u64) -> Option<Hash>) -> Result<(), StateError> {
        let token = self.check_authorization(entry, root_at)?;
        if matches!(
            entry.event,
            Event::Migrated { .. } | Event::MigratedVia { .. } | Event::RolledBack { .. }
        ) {
            // These change several things; stage them so a failure halfway leaves no trace.
            let mut next = self.clone();
            next.apply_event(entry, root_at)?;
            *self = next;
        } else {
            // Every other event checks all its preconditions before it mutates anything.
            self.apply_event(entry, root_at)?;
        }
        if let Some(digest) = token {
            self.used_tokens.insert(digest);
            for p in self.proposals.values_mut() {
                if p.state == ProposalState::Open
                    && Statement::parse(&p.statement).is_ok_and(|s| s.digest() == digest)
                {
                    p.state = ProposalState::Applied(entry.seq);
                }
            }
        }
        self.size += 1;
        Ok(())
    }

    /// The policy in force (the default until one is set).
    pub fn policy(&self) -> Policy {
        // Every stored document was decoded when its event applied.
        Policy::decode(&self.policy).unwrap_or_default()
    }

    /// The status of `node`, if it exists.
    pub fn node_status(&self, node: &NodeId) -> Option<&NodeStatus> {
        self.status.get(node)
    }

    /// The live (not deprecated) nodes a flow runs, checked against the
    /// layers: a production flow runs live bedrock nodes only.
    pub fn flow_nodes(&self, flow: &Flow) -> Result<BTreeSet<NodeId>, StateError> {
        let nodes = flow.nodes(&self.graph)?;
        if flow.kind == FlowKind::Production {
            for node in &nodes {
                let s = self.status.get(node).ok_or(StateError::UnknownNode(*node))?;
                let why = if s.deprecated {
                    "deprecated"
                } else if !s.bedrock {
                    "sediment"
                } else {
                    continue;
                };
                return Err(StateError::NotProduction { flow: flow.name.clone(), node: *node, why });
            }
        }
        Ok(nodes)
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

    fn apply_event(
        &mut self,
        entry: &Entry,
        root_at: &dyn Fn(u64) -> Option<Hash>,
    ) -> Result<(), StateError> {
        let agent = match &entry.actor {
            Actor::Agent(name) => Some(name.as_str()),
            _ => None,
        };
        match &entry.event {
            Event::Genesis { .. } => return Err(StateError::Genesis),
            Event::NodeCreated { id, manifest, .. } => {
                if !self.graph.add_node(*id, manifest.clone()) {
                    return Err(StateError::DuplicateNode(*id));
                }
                let owner = agent.map(str::to_owned);
                self.status.insert(*id, NodeStatus { owner, ..NodeStatus::default() });
            }
            Event::EdgeAdded { edge } | Event::EdgeRemoved { edge } => {
                self.check_link(edge, agent, matches!(entry.event, Event::EdgeAdded { .. }))?;
                if let Event::EdgeAdded { .. } = entry.event {
                    self.graph.add_edge(edge.clone())?;
                } else {
                    self.graph.remove_edge(edge)?;
                }
            }
            Event::CapabilityGranted { node, capability } => {
                let requested = self.graph.node(node).map(|m| m.capabilities.contains(*capability));
                if requested != Some(true) {
                    return Err(StateError::NotRequested { node: *node, capability: *capability });
                }
                let policy = self.policy();
                let status = self.live_status(node)?;
                if !policy.layer(status.bedrock).ceiling.contains(*capability) {
                    let layer = status.layer();
                    return Err(StateError::AboveCeiling { node: *node, capability: *capability, layer });
                }
                if !status.grants.insert(*capability) {
                    return Err(StateError::AlreadyGranted { node: *node, capability: *capability });
                }
            }
            Event::Promoted { node } => {
                let ceiling = self.policy().bedrock.ceiling;
                let status = self.live_status(node)?;
                if status.bedrock {
                    return Err(StateError::AlreadyBedrock(*node));
                }
                if let Some(capability) = status.grants.iter().find(|c| !ceiling.contains(*c)) {
                    return Err(StateError::AboveCeiling { node: *node, capability, layer: "bedrock" });
                }
                status.bedrock = true;
            }
            Event::Deprecated { node } => {
                self.live_status(node)?.deprecated = true;
            }
            Event::Migrated { from, to } => self.migrate(*from, *to)?,
            Event::MigratedVia { from, to, adapter } => self.migrate_via(*from, *to, *adapter)?,
            Event::KeyringChanged { keyring } => {
                check_keyring(keyring, false)?;
                self.keyring = keyring.clone();
            }
            Event::PolicyChanged { policy } => {
                Policy::decode(policy)?;
                self.policy = policy.clone();
            }
            Event::ExecutionRecorded { .. } => {}
            Event::FlowDefined { flow } => self.define_flow(flow, agent, entry.seq)?,
            Event::FlowRemoved { name } => {
                let defined = self.flows.get(name).ok_or_else(|| StateError::UnknownFlow(name.clone()))?;
                if let Some(agent) = agent
                    && defined.owner.as_deref() != Some(agent)
                {
                    return Err(not_owner(agent, format!("remove flow `{name}`")));
                }
                self.flows.remove(name);
            }
            Event::NodeShared { node } => {
                let status = self.live_status(node)?;
                if status.bedrock {
                    return Err(StateError::Locked {
                        node: *node,
                        what: "bedrock nodes are already visible".into(),
                    });
                }
                if let Some(agent) = agent
                    && status.owner.as_deref() != Some(agent)
                {
                    return Err(not_owner(agent, format!("share node {}", node.short())));
                }
                status.shared = true;
            }
            Event::ProposalOpened { statement } => self.open_proposal(entry, statement, root_at)?,
            Event::ProposalApproved { proposal, signature } => {
                self.approve(*proposal, signature, entry.timestamp_ms)?
            }
            Event::ProposalRejected { proposal, .. } => {
                if agent.is_some() {
                    return Err(StateError::Forbidden {
                        actor: entry.actor.clone(),
                        what: "reject a proposal (humans and the host decide)".into(),
                    });
                }
                let p = self.open_proposal_mut(*proposal)?;
                p.state = ProposalState::Rejected(entry.seq);
            }
            Event::RolledBack { from, to } => {
                if entry.actor != Actor::Host {
                    return Err(StateError::Forbidden {
                        actor: entry.actor.clone(),
                        what: "roll back a migration (only the host applies the self-heal rule)".into(),
                    });
                }
                self.roll_back(*from, *to)?;
            }
        }
        Ok(())
    }

    /// Locks and visibility for adding or removing `edge`.
    fn check_link(&self, edge: &Edge, agent: Option<&str>, adding: bool) -> Result<(), StateError> {
        let target = self.status.get(&edge.to.node).ok_or(StateError::UnknownNode(edge.to.node))?;
        if target.bedrock {
            let what = if adding { "its inputs cannot be linked" } else { "its inputs cannot be unlinked" };
            return Err(StateError::Locked { node: edge.to.node, what: what.into() });
        }
        if let Some(agent) = agent {
            let source = self.status.get(&edge.from.node).ok_or(StateError::UnknownNode(edge.from.node))?;
            if !source.visible_to(agent) {
                return Err(StateError::NotVisible { agent: agent.into(), node: edge.from.node });
            }
            if target.owner.as_deref() != Some(agent) {
                return Err(not_owner(agent, format!("link the inputs of node {}", edge.to.node.short())));
            }
        }
        Ok(())
    }

    fn define_flow(&mut self, flow: &Flow, agent: Option<&str>, seq: u64) -> Result<(), StateError> {
        let nodes = self.flow_nodes(flow)?;
        if let Some(agent) = agent {
            if flow.kind == FlowKind::Production {
                return Err(StateError::Forbidden {
                    actor: Actor::Agent(agent.into()),
                    what: format!("define production flow `{}` (the host or a human does)", flow.name),
                });
            }
            if let Some(existing) = self.flows.get(&flow.name)
                && existing.owner.as_deref() != Some(agent)
            {
                return Err(not_owner(agent, format!("redefine flow `{}`", flow.name)));
            }
            for node in nodes {
                if !self.status.get(&node).is_some_and(|s| s.visible_to(agent)) {
                    return Err(StateError::NotVisible { agent: agent.into(), node });
                }
            }
        }
        let owner = agent.map(str::to_owned);
        self.flows.insert(flow.name.clone(), DefinedFlow { flow: flow.clone(), owner, defined_at: seq });
        Ok(())
    }

    fn open_proposal(
        &mut self,
        entry: &Entry,
        text: &str,
        root_at: &dyn Fn(u64) -> Option<Hash>,
    ) -> Result<(), StateError> {
        let refuse = |why: String| StateError::Proposal { proposal: entry.seq, why };
        let statement = Statement::parse(text).map_err(|e| refuse(e.to_string()))?;
        if statement.origin() != self.origin {
            return Err(refuse(format!("statement is for origin {:?}", statement.origin())));
        }
        if entry.timestamp_ms >= statement.expires_at_ms() {
            return Err(refuse("statement has already expired".into()));
        }
        let head = statement.head_size();
        if head == 0 || head > entry.seq || root_at(head) != Some(*statement.head_root()) {
            return Err(refuse(format!("statement is bound to a head (size {head}) this ledger never had")));
        }
        let digest = statement.digest();
        if self.used_tokens.contains(&digest) {
            return Err(refuse("statement was already used by a change".into()));
        }
        if self.proposals.values().any(|p| p.statement == text && p.state == ProposalState::Open) {
            return Err(refuse("the same statement is already an open proposal".into()));
        }
        self.proposals.insert(
            entry.seq,
            Proposal {
                proposer: entry.actor.clone(),
                statement: text.to_owned(),
                approvals: Vec::new(),
                state: ProposalState::Open,
            },
        );
        Ok(())
    }

    fn approve(&mut self, proposal: u64, signature: &EntrySignature, now_ms: u64) -> Result<(), StateError> {
        let refuse = |why: String| StateError::Proposal { proposal, why };
        if !self.keyring.contains(&signature.key) {
            return Err(refuse(format!("key {} is not in the keyring", hex(&signature.key[..6]))));
        }
        let p = self.open_proposal_mut(proposal)?;
        if Statement::parse(&p.statement).is_ok_and(|s| now_ms >= s.expires_at_ms()) {
            return Err(refuse("it has expired; propose the change again".into()));
        }
        if p.approvals.iter().any(|a| a.key == signature.key) {
            return Err(refuse(format!("key {} already approved it", hex(&signature.key[..6]))));
        }
        let key = ed25519_dalek::VerifyingKey::from_bytes(&signature.key)
            .map_err(|_| refuse("the key is not a valid Ed25519 public key".into()))?;
        let sig = ed25519_dalek::Signature::from_bytes(&signature.signature);
        key.verify_strict(p.statement.as_bytes(), &sig)
            .map_err(|_| refuse("the signature does not verify over the statement".into()))?;
        p.approvals.push(signature.clone());
        Ok(())
    }

    fn open_proposal_mut(&mut self, proposal: u64) -> Result<&mut Proposal, StateError> {
        let refuse = |why: &str| StateError::Proposal { proposal, why: why.into() };
        let p = self.proposals.get_mut(&proposal).ok_or_else(|| refuse("no such proposal"))?;
        match p.state {
            ProposalState::Open => Ok(p),
            ProposalState::Applied(_) => Err(refuse("it was already applied")),
            ProposalState::Rejected(_) => Err(refuse("it was rejected")),
        }
    }

    /// Undoes the migration that made `to` the predecessor of `from`.
    fn roll_back(&mut self, from: NodeId, to: NodeId) -> Result<(), StateError> {
        let refuse = |why: &str| StateError::Rollback { from, to, why: why.into() };
        let failing = self.live_status(&from)?;
        if !failing.bedrock || failing.parent != Some(to) {
            return Err(refuse("the failing node did not come in by migrating from the predecessor"));
        }
        let predecessor = self.status.get(&to).ok_or(StateError::UnknownNode(to))?;
        if !predecessor.deprecated {
            return Err(refuse("the predecessor is still live"));
        }
        self.rebind(from, to)?;
        if let Some(s) = self.status.get_mut(&from) {
            s.deprecated = true;
        }
        if let Some(s) = self.status.get_mut(&to) {
            s.deprecated = false;
        }
        Ok(())
    }

    /// A migration whose successor's outputs differ, bridged by `adapter`
    /// (see [`Event::MigratedVia`]). Staged by `apply`: any failure leaves
    /// no trace.
    fn migrate_via(&mut self, from: NodeId, to: NodeId, adapter: NodeId) -> Result<(), StateError> {
        let incompatible = |reason: String| StateError::Incompatible { from, to, reason };
        if from == to || from == adapter || to == adapter {
            return Err(incompatible(
                "the replaced node, its successor and the adapter must be three nodes".into(),
            ));
        }
        if !self.live_status(&from)?.bedrock {
            return Err(StateError::NotBedrock(from));
        }
        for node in [to, adapter] {
            if self.live_status(&node)?.bedrock {
                return Err(StateError::AlreadyBedrock(node));
            }
        }
        let (Some(old), Some(new), Some(bridge)) = (
            self.graph.node(&from).cloned(),
            self.graph.node(&to).cloned(),
            self.graph.node(&adapter).cloned(),
        ) else {
            return Err(StateError::UnknownNode(from));
        };
        for p in &old.inputs {
            if new.input(&p.name) != Some(&p.ty) {
                return Err(incompatible(format!("input port `{}: {}` is missing or differs", p.name, p.ty)));
            }
        }
        for p in &bridge.inputs {
            if new.output(&p.name) != Some(&p.ty) {
                return Err(incompatible(format!(
                    "adapter input `{}: {}` is not an output of the successor",
                    p.name, p.ty
                )));
            }
        }
        for p in &old.outputs {
            if bridge.output(&p.name) != Some(&p.ty) {
                return Err(incompatible(format!(
                    "output port `{}: {}` is missing from the adapter or differs",
                    p.name, p.ty
                )));
            }
        }
        // Edges into the adapter's inputs must be free for the bridge.
        for p in &bridge.inputs {
            if let Some(edge) = self.graph.feeder(&PortRef::new(adapter, p.name.clone())) {
                return Err(incompatible(format!("adapter input `{}` is already fed by {edge}", p.name)));
            }
        }
        let moved: Vec<Edge> =
            self.graph.edges().filter(|e| e.from.node == from || e.to.node == from).cloned().collect();
        for edge in &moved {
            self.graph.remove_edge(edge)?;
        }
        let contract = |e: ContractError| incompatible(e.to_string());
        for edge in &moved {
            let rewired = if edge.to.node == from {
                Edge::new(edge.from.clone(), PortRef::new(to, edge.to.port.clone()))
            } else {
                Edge::new(PortRef::new(adapter, edge.from.port.clone()), edge.to.clone())
            };
            self.graph.add_edge(rewired).map_err(contract)?;
        }
        for p in &bridge.inputs {
            let bridge_edge =
                Edge::new(PortRef::new(to, p.name.clone()), PortRef::new(adapter, p.name.clone()));
            self.graph.add_edge(bridge_edge).map_err(contract)?;
        }
        for defined in self.flows.values_mut() {
            let flow = &mut defined.flow;
            for port in flow.inputs.iter_mut().filter(|p| p.node == from) {
                port.node = to;
            }
            for port in flow.outputs.iter_mut().filter(|p| p.node == from) {
                port.node = adapter;
            }
        }
        if let Some(s) = self.status.get_mut(&from) {
            s.deprecated = true;
        }
        for node in [to, adapter] {
            if let Some(s) = self.status.get_mut(&node) {
                s.bedrock = true;
                s.parent = Some(from);
            }
        }
        Ok(())
    }

    /// Moves every edge and flow port of `from` to the same-named port of `to`.
    fn rebind(&mut self, from: NodeId, to: NodeId) -> Result<(), StateError> {
        let moved: Vec<Edge> =
            self.graph.edges().filter(|e| e.from.node == from || e.to.node == from).cloned().collect();
        for edge in &moved {
            self.graph.remove_edge(edge)?;
        }
        let repoint = |p: &PortRef| if p.node == from { PortRef::new(to, p.port.clone()) } else { p.clone() };
        for edge in &moved {
            self.graph.add_edge(Edge::new(repoint(&edge.from), repoint(&edge.to))).map_err(|e| {
                StateError::Incompatible { from, to, reason: format!("edge {edge} cannot move: {e}") }
            })?;
        }
        for defined in self.flows.values_mut() {
            defined.flow.repoint(from, to);
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
        self.rebind(from, to)?;
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

fn not_owner(agent: &str, what: String) -> StateError {
    StateError::NotOwner { agent: agent.to_owned(), what }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn governed_event_inverts_required_operation() {
        let (a, b, c) = (NodeId::of_wasm(b"a"), NodeId::of_wasm(b"b"), NodeId::of_wasm(b"c"));
        let events = [
            Event::Promoted { node: a },
            Event::Deprecated { node: a },
            Event::CapabilityGranted { node: a, capability: logos_core::Capability::Log },
            Event::Migrated { from: a, to: b },
            Event::MigratedVia { from: a, to: b, adapter: c },
            Event::KeyringChanged { keyring: Keyring { keys: vec![[1; 32], [2; 32]], quorum: 2 } },
        ];
        for event in events {
            let op = required_operation(&event).expect("governed");
            assert_eq!(governed_event(&op), Some(event));
        }
        let policy = required_operation(&Event::PolicyChanged { policy: vec![] }).expect("governed");
        assert_eq!(governed_event(&policy), None, "a policy operation carries only the digest");
    }
}
