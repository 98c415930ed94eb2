//! Events: every change to the architecture, as it is written in the ledger.
//!
//! Variants are only ever appended to this enum (their index is part of the
//! canonical encoding, so reordering would change every entry hash).

use logos_core::{Capability, Edge, Flow, NodeId, NodeManifest};

use crate::entry::EntrySignature;
use serde::{Deserialize, Serialize};

/// The registered human keys and how many of them must sign a migration token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keyring {
    /// Ed25519 public keys of the humans who may sign migration tokens.
    pub keys: Vec<[u8; 32]>,
    /// How many distinct keys must sign (N of M).
    pub quorum: u16,
}

impl Keyring {
    /// An empty keyring with quorum 0: nothing that needs a token can happen.
    pub fn empty() -> Self {
        Self { keys: Vec::new(), quorum: 0 }
    }

    /// Whether `key` is registered.
    pub fn contains(&self, key: &[u8; 32]) -> bool {
        self.keys.contains(key)
    }
}

/// One change to the architecture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// The first entry of every ledger: names the log and registers the humans.
    Genesis {
        /// The log's origin line (what checkpoints are signed for).
        origin: String,
        /// Human keys and quorum.
        keyring: Keyring,
    },
    /// A node was stored. Its wasm lives in the content-addressed registry;
    /// the manifest is repeated here so the graph can be rebuilt from events.
    NodeCreated {
        /// SHA-256 of the wasm.
        id: NodeId,
        /// The node's contract.
        manifest: NodeManifest,
        /// Length of the wasm, in bytes.
        wasm_len: u64,
    },
    /// A typed edge was added.
    EdgeAdded {
        /// The edge.
        edge: Edge,
    },
    /// An edge was removed.
    EdgeRemoved {
        /// The edge.
        edge: Edge,
    },
    /// A capability was granted to a node.
    CapabilityGranted {
        /// The node.
        node: NodeId,
        /// The capability.
        capability: Capability,
    },
    /// A node was promoted to bedrock and locked.
    Promoted {
        /// The node.
        node: NodeId,
    },
    /// A node was deprecated (never deleted).
    Deprecated {
        /// The node.
        node: NodeId,
    },
    /// Bedrock node `from` was replaced by `to`: every edge of `from` now
    /// attaches to the same-named port of `to`, and `from` is deprecated.
    Migrated {
        /// The replaced node.
        from: NodeId,
        /// Its successor.
        to: NodeId,
    },
    /// The human keyring or quorum changed.
    KeyringChanged {
        /// The new keyring.
        keyring: Keyring,
    },
    /// The governance policy document changed.
    PolicyChanged {
        /// The policy, in its canonical encoding.
        policy: Vec<u8>,
    },
    /// An execution was recorded.
    ExecutionRecorded {
        /// The execution's id.
        #[serde(with = "crate::entry::fixed")]
        execution: [u8; 32],
        /// The flow it ran.
        flow: String,
        /// BLAKE3 digest of the execution record.
        #[serde(with = "crate::entry::fixed")]
        record_digest: [u8; 32],
    },
    /// A flow was defined, or redefined under the same name.
    FlowDefined {
        /// The flow.
        flow: Flow,
    },
    /// A flow was removed.
    FlowRemoved {
        /// Its name.
        name: String,
    },
    /// An agent made its sediment draft visible to every agent.
    NodeShared {
        /// The node.
        node: NodeId,
    },
    /// A governed change was proposed for human approval. The proposal's id
    /// is the seq of this entry.
    ProposalOpened {
        /// The canonical token statement the humans are asked to sign.
        statement: String,
    },
    /// A registered human signed a proposal's statement.
    ProposalApproved {
        /// The proposal (seq of its `ProposalOpened` entry).
        proposal: u64,
        /// The human's key and signature over the statement text.
        signature: EntrySignature,
    },
    /// A proposal was rejected and closed.
    ProposalRejected {
        /// The proposal (seq of its `ProposalOpened` entry).
        proposal: u64,
        /// Why, in the rejecter's words.
        reason: String,
    },
    /// Self-heal: the migrated bedrock node `from` failed on probation and
    /// its predecessor `to` is bound again (edges and flows re-pointed,
    /// `from` deprecated, `to` live again). Authorised by the policy's
    /// self-heal rule, which a quorum approved; only the host applies it.
    RolledBack {
        /// The failing node.
        from: NodeId,
        /// Its predecessor, bound again.
        to: NodeId,
    },
    /// Bedrock node `from` was replaced by `to`, whose outputs differ,
    /// through the declared `adapter`: `from`'s input edges now feed `to`,
    /// every output of `to` feeds the same-named adapter input, and
    /// `from`'s output edges leave from the same-named adapter output.
    /// `from` is deprecated; `to` and `adapter` become bedrock with `from`
    /// as parent.
    MigratedVia {
        /// The replaced node.
        from: NodeId,
        /// Its successor.
        to: NodeId,
        /// The adapter from `to`'s outputs to `from`'s.
        adapter: NodeId,
    },
}

impl Event {
    /// A short lowercase name for the event kind (for tables and logs).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Genesis { .. } => "genesis",
            Self::NodeCreated { .. } => "node-created",
            Self::EdgeAdded { .. } => "edge-added",
            Self::EdgeRemoved { .. } => "edge-removed",
            Self::CapabilityGranted { .. } => "capability-granted",
            Self::Promoted { .. } => "promoted",
            Self::Deprecated { .. } => "deprecated",
            Self::Migrated { .. } => "migrated",
            Self::KeyringChanged { .. } => "keyring-changed",
            Self::PolicyChanged { .. } => "policy-changed",
            Self::ExecutionRecorded { .. } => "execution-recorded",
            Self::FlowDefined { .. } => "flow-defined",
            Self::FlowRemoved { .. } => "flow-removed",
            Self::NodeShared { .. } => "node-shared",
            Self::ProposalOpened { .. } => "proposal-opened",
            Self::ProposalApproved { .. } => "proposal-approved",
            Self::ProposalRejected { .. } => "proposal-rejected",
            Self::RolledBack { .. } => "rolled-back",
            Self::MigratedVia { .. } => "migrated-via",
        }
    }

    /// A one-line human description.
    pub fn summary(&self) -> String {
        match self {
            Self::Genesis { origin, keyring } => {
                format!("genesis of {origin:?}: {} human keys, quorum {}", keyring.keys.len(), keyring.quorum)
            }
            Self::NodeCreated { id, manifest, wasm_len } => {
                format!("node {} `{}` created ({wasm_len} bytes of wasm)", id.short(), manifest.name)
            }
            Self::EdgeAdded { edge } => format!("edge {edge} added"),
            Self::EdgeRemoved { edge } => format!("edge {edge} removed"),
            Self::CapabilityGranted { node, capability } => {
                format!("capability {capability} granted to {}", node.short())
            }
            Self::Promoted { node } => format!("node {} promoted to bedrock", node.short()),
            Self::Deprecated { node } => format!("node {} deprecated", node.short()),
            Self::Migrated { from, to } => format!("node {} migrated to {}", from.short(), to.short()),
            Self::KeyringChanged { keyring } => {
                format!("keyring changed: {} human keys, quorum {}", keyring.keys.len(), keyring.quorum)
            }
            Self::PolicyChanged { policy } => format!("policy changed ({} bytes)", policy.len()),
            Self::ExecutionRecorded { flow, execution, .. } => {
                format!("execution {} of flow `{flow}` recorded", hex8(execution))
            }
            Self::FlowDefined { flow } => format!(
                "{} flow `{}` defined: {} inputs, {} outputs",
                flow.kind,
                flow.name,
                flow.inputs.len(),
                flow.outputs.len()
            ),
            Self::FlowRemoved { name } => format!("flow `{name}` removed"),
            Self::NodeShared { node } => format!("node {} shared with every agent", node.short()),
            Self::ProposalOpened { statement } => match crate::token::Statement::parse(statement) {
                Ok(s) => format!("proposal: {}", s.operation()),
                Err(_) => "proposal (unreadable statement)".into(),
            },
            Self::ProposalApproved { proposal, signature } => {
                format!("proposal {proposal} approved by key {}", hex8(&signature.key))
            }
            Self::ProposalRejected { proposal, reason } => {
                format!("proposal {proposal} rejected: {}", reason.chars().take(120).collect::<String>())
            }
            Self::RolledBack { from, to } => {
                format!("node {} rolled back to its predecessor {}", from.short(), to.short())
            }
            Self::MigratedVia { from, to, adapter } => {
                format!(
                    "node {} migrated to {} through adapter {}",
                    from.short(),
                    to.short(),
                    adapter.short()
                )
            }
        }
    }
}

fn hex8(bytes: &[u8; 32]) -> String {
    bytes[..6].iter().map(|b| format!("{b:02x}")).collect()
}
