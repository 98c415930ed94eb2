//! The storage contract every backend provides (redb today, others later).

use crate::actor::Actor;
use crate::graph::{Edge, Graph};
use crate::id::NodeId;
use crate::manifest::NodeManifest;

/// Who makes a change, and when (milliseconds since the Unix epoch, as the
/// host says: the library never reads a clock on its own).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// The principal.
    pub actor: Actor,
    /// Host-provided time, in milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
}

impl Stamp {
    /// `actor` at `timestamp_ms`.
    pub fn new(actor: Actor, timestamp_ms: u64) -> Self {
        Self { actor, timestamp_ms }
    }
}

/// The head of a ledger: how many entries it has and the hash of the last one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LedgerHead {
    /// Number of entries (the next entry's seq).
    pub size: u64,
    /// Hash of the last entry (all zeros for an empty ledger).
    pub hash: [u8; 32],
}

/// The result of adding a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeAdded {
    /// The node's id (SHA-256 of its wasm).
    pub id: NodeId,
    /// The seq of the ledger entry that created it, or `None` if the node was
    /// already stored (adding identical wasm twice changes nothing).
    pub seq: Option<u64>,
}

/// What any LOGOS graph backend must provide.
///
/// Every method that changes the graph appends exactly one ledger event in
/// the same atomic, durable commit as the change, or changes nothing. No
/// method updates or deletes a ledger entry.
pub trait GraphStore {
    /// The backend's error type.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Stores `wasm` under its content hash with `manifest`, recording a
    /// node-created event. Idempotent for identical wasm.
    fn add_node(&self, stamp: &Stamp, wasm: &[u8], manifest: &NodeManifest)
    -> Result<NodeAdded, Self::Error>;

    /// Adds a contract-checked edge; returns the ledger seq of the event.
    fn add_edge(&self, stamp: &Stamp, edge: &Edge) -> Result<u64, Self::Error>;

    /// Removes an edge; returns the ledger seq of the event.
    fn remove_edge(&self, stamp: &Stamp, edge: &Edge) -> Result<u64, Self::Error>;

    /// The manifest of node `id`.
    fn manifest(&self, id: &NodeId) -> Result<Option<NodeManifest>, Self::Error>;

    /// The wasm bytes of node `id`.
    fn wasm(&self, id: &NodeId) -> Result<Option<Vec<u8>>, Self::Error>;

    /// The current graph.
    fn graph(&self) -> Result<Graph, Self::Error>;

    /// The ledger head.
    fn head(&self) -> Result<LedgerHead, Self::Error>;
}
