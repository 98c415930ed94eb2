//! The RFC 6962 Merkle tree over ledger entries, persisted in the MERKLE
//! table in the same write transaction as each entry.

use logos_ledger::merkle::{self, ConsistencyProof, Hash, InclusionProof, NodeSource, TreeError};
use redb::ReadableTable;

use crate::StoreError;
use crate::store::RedbStore;
use crate::tables::{LEDGER, MERKLE};

/// Subtrees below this level are not stored: they are recomputed from the
/// ledger entries themselves (at most 2^(level) - 1 of them per node). Not
/// storing leaf hashes and their parents halves the writes per append; a
/// proof reads at most a handful of entries more.
pub(crate) const MIN_STORED_LEVEL: u8 = 3;

/// The right edge of the tree while a batch appends: per level, the last
/// node made at that level, which is exactly the left sibling the next
/// append at that level needs. Anything else is read through `stored` (only
/// the first append of a batch, per level, needs that).
pub(crate) struct Frontier<'a, S> {
    pub(crate) edge: [Option<(u64, Hash)>; 64],
    pub(crate) stored: &'a S,
}

impl<S: NodeSource> NodeSource for Frontier<'_, S> {
    type Error = S::Error;

    fn node(&self, level: u8, index: u64) -> Result<Hash, S::Error> {
        match self.edge.get(usize::from(level)).copied().flatten() {
            Some((at, hash)) if at == index => Ok(hash),
            _ => self.stored.node(level, index),
        }
    }
}

/// The MERKLE and LEDGER tables (read, or written in the current
/// transaction, which reads its own writes) seen as a [`NodeSource`].
pub(crate) struct TreeSource<'a, M, L> {
    pub(crate) merkle: &'a M,
    pub(crate) ledger: &'a L,
}

impl<'a, M, L> TreeSource<'a, M, L> {
    pub(crate) fn new(merkle: &'a M, ledger: &'a L) -> Self {
        Self { merkle, ledger }
    }
}

impl<M, L> NodeSource for TreeSource<'_, M, L>
where
    M: ReadableTable<(u8, u64), &'static [u8; 32]>,
    L: ReadableTable<u64, &'static [u8]>,
{
    type Error = StoreError;

    fn node(&self, level: u8, index: u64) -> Result<Hash, StoreError> {
        let missing =
            || StoreError::Corrupt(format!("merkle node at level {level}, index {index} is missing"));
        if level >= MIN_STORED_LEVEL {
            return self.merkle.get((level, index))?.map(|g| *g.value()).ok_or_else(missing);
        }
        // A small perfect subtree: hash its entries.
        let width = 1u64 << level;
        let first = index.checked_mul(width).ok_or_else(missing)?;
        let mut hashes = Vec::with_capacity(width as usize);
        for row in self.ledger.range(first..first.saturating_add(width))? {
            hashes.push(merkle::leaf_hash(row?.1.value()));
        }
        if hashes.len() as u64 != width {
            return Err(missing());
        }
        while hashes.len() > 1 {
            hashes =
                hashes.chunks(2).map(|pair| merkle::node_hash(&pair[0], &pair[pair.len() - 1])).collect();
        }
        hashes.pop().ok_or_else(missing)
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

/// Writes the stored tree nodes completed by appending `entry_bytes` as
/// leaf `size_before` (the entry itself must already be in the ledger table).
pub(crate) fn append_leaf(
    txn: &redb::WriteTransaction,
    size_before: u64,
    entry_bytes: &[u8],
) -> Result<(), StoreError> {
    let ledger = txn.open_table(LEDGER)?;
    let mut table = txn.open_table(MERKLE)?;
    let nodes =
        merkle::append_nodes(&TreeSource::new(&table, &ledger), size_before, merkle::leaf_hash(entry_bytes))?;
    for (level, index, hash) in nodes {
        if level >= MIN_STORED_LEVEL {
            table.insert((level, index), &hash)?;
        }
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
            return Err(StoreError::InvalidRange(format!(
                "tree size {size} is larger than the ledger ({current} entries)"
            )));
        }
        Ok(())
    }
}
