//! Verification without a database: hash chain, Merkle tree and the meaning
//! of every event, in one pass over encoded entries.

use crate::chain::{ChainError, ChainVerifier};
use crate::entry::{Entry, Hash};
use crate::merkle::MemoryTree;
use crate::state::{LedgerState, StateError};

/// Why an audit failed, and at which entry.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// The hash chain is broken.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The entry is well formed but does not apply (unauthorised, breaks the contract...).
    #[error("ledger entry {seq} does not apply: {error}")]
    State {
        /// The entry.
        seq: u64,
        /// Why.
        error: StateError,
    },
    /// The Merkle tree could not be extended (only at 2^64 entries).
    #[error("ledger entry {seq}: merkle tree is full")]
    TreeFull {
        /// The entry.
        seq: u64,
    },
}

impl AuditError {
    /// The seq of the first bad entry.
    pub fn seq(&self) -> u64 {
        match self {
            Self::Chain(e) => e.seq,
            Self::State { seq, .. } | Self::TreeFull { seq } => *seq,
        }
    }
}

/// Replays a ledger from genesis, checking everything an auditor can check.
#[derive(Clone, Debug, Default)]
pub struct Auditor {
    chain: ChainVerifier,
    tree: MemoryTree,
    state: Option<LedgerState>,
}

impl Auditor {
    /// An auditor expecting the genesis entry next.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks and applies the next encoded entry.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Entry, AuditError> {
        let entry = self.chain.push(bytes)?;
        let seq = entry.seq;
        match &mut self.state {
            None => {
                self.state =
                    Some(LedgerState::genesis(&entry).map_err(|error| AuditError::State { seq, error })?)
            }
            Some(state) => {
                let tree = &self.tree;
                state
                    .apply(&entry, &|size| tree.root_at(size).ok())
                    .map_err(|error| AuditError::State { seq, error })?;
            }
        }
        // The chain's entry hash is the RFC 6962 leaf hash.
        self.tree.push(self.chain.head()).map_err(|_| AuditError::TreeFull { seq })?;
        Ok(entry)
    }

    /// Entries audited so far.
    pub fn size(&self) -> u64 {
        self.chain.size()
    }

    /// Hash of the last entry.
    pub fn head(&self) -> Hash {
        self.chain.head()
    }

    /// The Merkle tree over the entries so far.
    pub fn tree(&self) -> &MemoryTree {
        &self.tree
    }

    /// The state the entries imply (`None` before genesis).
    pub fn state(&self) -> Option<&LedgerState> {
        self.state.as_ref()
    }
}
