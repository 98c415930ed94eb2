//! The store's errors.

use logos_core::{ContractError, ManifestError, NodeId};
use logos_ledger::ChainError;

/// What can go wrong in a [`RedbStore`](crate::RedbStore).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be read or written.
    #[error("storage error: {0}")]
    Storage(#[from] redb::Error),
    /// The file is a redb database but its LOGOS contents are inconsistent
    /// or undecodable. Nothing is trusted; restore from a verified export.
    #[error("store is corrupt: {0}")]
    Corrupt(String),
    /// Replaying the ledger failed at some entry.
    #[error(transparent)]
    Audit(#[from] logos_ledger::AuditError),
    /// The ledger's hash chain is broken.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// `create` was called on a store that already has a ledger.
    #[error("store is already initialised (ledger has {0} entries); open it instead")]
    AlreadyInitialized(u64),
    /// `open` was called on a file that has no LOGOS ledger.
    #[error("no LOGOS store here; create one first (`logos init`)")]
    NotInitialized,
    /// The store was written by an incompatible format version.
    #[error("store format {found:?} is not supported (this build reads {expected:?})")]
    UnsupportedFormat {
        /// What the file says.
        found: String,
        /// What this build reads.
        expected: &'static str,
    },
    /// The origin is not a valid log name.
    #[error("origin {0:?} is invalid: use 1 to 256 printable ASCII characters without spaces or `+`")]
    BadOrigin(String),
    /// The change does not apply to the current state (unknown node, not
    /// bedrock, grant not requested, unauthorised...).
    #[error("change refused: {0}")]
    State(logos_ledger::StateError),
    /// The migration token does not authorise this change now.
    #[error("token refused: {0}")]
    Token(#[from] logos_ledger::token::TokenError),
    /// The checkpoint would contradict the previous one.
    #[error("refusing to sign checkpoint: {0}")]
    InconsistentCheckpoint(String),
    /// A checkpoint or key could not be produced or read.
    #[error("checkpoint error: {0}")]
    Checkpoint(#[from] logos_ledger::checkpoint::CheckpointError),
    /// The store holds less than a signed checkpoint says it had.
    #[error("store does not match the signed checkpoint: {0}; it was truncated, rolled back or forked")]
    CheckpointMismatch(String),
    /// The change would break the graph contract.
    #[error(transparent)]
    Contract(#[from] ContractError),
    /// The node's manifest is not well formed.
    #[error("manifest rejected: {0}")]
    Manifest(#[from] ManifestError),
    /// The node is not stored.
    #[error("node {0} is not in the store")]
    UnknownNode(NodeId),
    /// The same wasm was offered again with a different manifest.
    #[error("node {0} is already stored with a different manifest; a node's contract never changes")]
    ManifestConflict(NodeId),
    /// A sequence number past the end of the ledger.
    #[error("ledger has {size} entries; seq {seq} does not exist")]
    NoSuchEntry {
        /// Requested seq.
        seq: u64,
        /// Ledger size.
        size: u64,
    },
    /// A proof or root was asked for sizes or indexes the ledger does not have.
    #[error("invalid request: {0}")]
    InvalidRange(String),
    /// The indexed tables disagree with the graph rebuilt from the ledger.
    #[error("index disagrees with the ledger: {0}")]
    IndexMismatch(String),
}

impl From<logos_ledger::StateError> for StoreError {
    fn from(e: logos_ledger::StateError) -> Self {
        match e {
            logos_ledger::StateError::Contract(c) => StoreError::Contract(c),
            other => StoreError::State(other),
        }
    }
}

impl StoreError {
    /// Whether this error means the stored data cannot be trusted (damage,
    /// tampering, a broken chain) rather than a refused change or a busy or
    /// unreadable file. Operators restore such a store from a verified copy.
    pub fn is_integrity(&self) -> bool {
        match self {
            Self::Corrupt(_)
            | Self::Chain(_)
            | Self::IndexMismatch(_)
            | Self::UnsupportedFormat { .. }
            | Self::CheckpointMismatch(_)
            | Self::InconsistentCheckpoint(_)
            | Self::Audit(_) => true,
            Self::Storage(redb::Error::Corrupted(_)) => true,
            // A file that is not a database, or one cut short inside its header.
            Self::Storage(redb::Error::Io(e)) => {
                matches!(e.kind(), std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof)
            }
            _ => false,
        }
    }
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Storage(e.into())
            }
        }
    )*};
}

from_redb!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);
