//! The RFC 6962 Merkle tree over ledger entries, persisted in the MERKLE
//! table in the same write transaction as each entry.

use logos_ledger::merkle::{self, ConsistencyProof, Hash, InclusionProof, NodeSource, TreeError};
use redb::ReadableTable;

use crate::StoreError;
use crate::store::RedbStore;
use crate::tables::MERKLE;

/// A MERKLE table (read or write) seen as a [`NodeSource`].
pub(crate) struct TreeTable<'a, T>(pub &'a T);

impl<T: ReadableTable<(u8, u64), &'static [u8; 32]>> NodeSource for TreeTable<'_, T> {
    type Error = StoreError;

    fn node(&self, level: u8, index: u64) -> Result<Hash, StoreError> {
        let found = self.0.get((level, index))?;
        found
            .map(|g| *g.value())
            .ok_or_else(|| StoreError::Corrupt(format!("merkle node at level {level}, index {index} is missing")))
    }
}

impl From<TreeError<StoreError>> for StoreError {
    fn from(e: TreeError<StoreError>) -> Self {
        match e {
            TreeError::Source { source, .. } => source,
            other => StoreError::InvalidRange(other.to_string()),
        }
    }
}

/// Writes the tree nodes completed by appending `entry_bytes` as leaf `size_before`.
pub(crate) fn append_leaf(txn: &redb::WriteTransaction, size_before: u64, entry_bytes: &[u8]) -> Result<(), StoreError> {
    let mut table = txn.open_table(MERKLE)?;
    let nodes = merkle::append_nodes(&TreeTable(&table), size_before, merkle::leaf_hash(entry_bytes))?;
    for (level, index, hash) in nodes {
        table.insert((level, index), &hash)?;
    }
    Ok(())
}

impl RedbStore {
    /// The RFC 6962 root of the first `size` entries.
    pub fn root_at(&self, size: u64) -> Result<Hash, StoreError> {
        self.check_size(size)?;
        self.read_tree(|t| Ok(merkle::root(t, size)?))
    }

    /// A proof that entry `seq` is in the tree of the first `size` entries.
    pub fn inclusion_proof(&self, seq: u64, size: u64) -> Result<InclusionProof, StoreError> {
        self.check_size(size)?;
        self.read_tree(|t| Ok(merkle::inclusion_proof(t, seq, size)?))
    }

    /// A proof that the tree of the first `old` entries is a prefix of the tree of the first `new`.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<ConsistencyProof, StoreError> {
        self.check_size(new)?;
        self.read_tree(|t| Ok(merkle::consistency_proof(t, old, new)?))
    }

    fn check_size(&self, size: u64) -> Result<(), StoreError> {
        let current = self.head_size();
        if size > current {
            return Err(StoreError::InvalidRange(format!("tree size {size} is larger than the ledger ({current} entries)")));
        }
        Ok(())
    }
}
