//! RFC 6962 Merkle tree hashing, proof generation and proof verification.
//!
//! The tree is described by its *complete* subtrees only: node `(level, index)`
//! is the hash of the perfect subtree over the `2^level` leaves starting at leaf
//! `index * 2^level`. Such a node never changes once it exists, so a store can
//! write it once and never touch it again. Everything else (roots of arbitrary
//! sizes, proof elements covering an incomplete right edge) is derived from
//! those nodes with `O(log n)` reads.
//!
//! Verification follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
//! (consistency) and needs no store at all.

use sha2::{Digest, Sha256};

/// A SHA-256 digest: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// Domain-separation prefix for leaf hashes (RFC 6962 §2.1).
const LEAF_PREFIX: u8 = 0x00;
/// Domain-separation prefix for interior node hashes (RFC 6962 §2.1).
const NODE_PREFIX: u8 = 0x01;

/// Hashes a log entry as a leaf: `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    hasher.update(entry);
    hasher.finalize().into()
}

/// Hashes two children into their parent: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([NODE_PREFIX]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Read access to the complete subtrees of a Merkle tree.
///
/// Implemented by the persistent store and by [`MemoryTree`].
pub trait NodeSource {
    /// Error returned when a node cannot be read.
    type Error;

    /// Returns the hash of the perfect subtree of `2^level` leaves starting at
    /// leaf `index * 2^level`. Level 0 holds the leaf hashes themselves.
    ///
    /// Callers only ask for subtrees that lie entirely within the tree size
    /// they were given, so a source may treat any other request as an error.
    fn node(&self, level: u8, index: u64) -> Result<Hash, Self::Error>;
}

/// A node appended to the tree: `(level, index, hash)` in [`NodeSource`] terms.
pub type NewNode = (u8, u64, Hash);

/// Failure while computing a root or building a proof from a [`NodeSource`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError<E> {
    /// The node source failed to return a node.
    #[error("reading merkle node at level {level}, index {index} failed")]
    Source {
        /// Level of the node that was requested.
        level: u8,
        /// Index of the node within its level.
        index: u64,
        /// The error reported by the node source.
        #[source]
        source: E,
    },
    /// An inclusion proof was requested for a leaf outside the tree.
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange {
        /// Requested leaf index.
        index: u64,
        /// Tree size the proof was requested against.
        size: u64,
    },
    /// A consistency proof was requested with `old == 0` or `old > new`.
    #[error("no consistency proof exists from tree size {old} to tree size {new}")]
    InvalidConsistencyRange {
        /// Requested old tree size.
        old: u64,
        /// Requested new tree size.
        new: u64,
    },
    /// The tree already holds `u64::MAX` leaves, so its size cannot grow.
    #[error("merkle tree is full: cannot append beyond {size} leaves")]
    TreeFull {
        /// Current tree size.
        size: u64,
    },
}

/// Why a proof was rejected by [`verify_inclusion`] or [`verify_consistency`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The proof claims a leaf index that is not inside the tree.
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange {
        /// Claimed leaf index.
        index: u64,
        /// Claimed tree size.
        size: u64,
    },
    /// The consistency proof starts from the empty tree, which proves nothing.
    #[error("consistency proof has old tree size 0")]
    OldSizeZero,
    /// The consistency proof goes from a larger tree to a smaller one.
    #[error("consistency proof old size {old} is larger than new size {new}")]
    OldLargerThanNew {
        /// Claimed old tree size.
        old: u64,
        /// Claimed new tree size.
        new: u64,
    },
    /// The proof path does not have the length the tree shape requires.
    #[error("proof path has {actual} hashes but the tree shape requires {expected}")]
    WrongPathLength {
        /// Number of hashes the tree shape requires.
        expected: usize,
        /// Number of hashes in the proof.
        actual: usize,
    },
    /// The root recomputed from the proof differs from the trusted root.
    #[error("root recomputed from the proof does not match the expected root")]
    RootMismatch,
    /// The old root recomputed from a consistency proof differs from the trusted one.
    #[error("old root recomputed from the consistency proof does not match the expected old root")]
    OldRootMismatch,
    /// The new root recomputed from a consistency proof differs from the trusted one.
    #[error("new root recomputed from the consistency proof does not match the expected new root")]
    NewRootMismatch,
}

/// Proof that a leaf is part of a tree of a given size (RFC 6962 §2.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// Zero-based index of the leaf.
    pub leaf_index: u64,
    /// Size of the tree the proof is for.
    pub tree_size: u64,
    /// Sibling hashes from the leaf level upwards.
    pub path: Vec<Hash>,
}

/// Proof that a tree of `old_size` leaves is a prefix of one of `new_size`
/// leaves (RFC 6962 §2.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsistencyProof {
    /// Size of the older tree.
    pub old_size: u64,
    /// Size of the newer tree.
    pub new_size: u64,
    /// Proof hashes, deepest first, as in RFC 6962 `PROOF(m, D[n])`.
    pub path: Vec<Hash>,
}

fn read<S: NodeSource + ?Sized>(source: &S, level: u8, index: u64) -> Result<Hash, TreeError<S::Error>> {
    source.node(level, index).map_err(|source| TreeError::Source { level, index, source })
}

/// Returns the nodes that become complete when leaf number `size_before` is
/// appended to a tree of `size_before` leaves: the leaf itself at level 0,
/// then each newly completed parent, lowest level first.
///
/// The caller persists all of them together with the new size so that the
/// store never holds a partially appended leaf. Reads `O(log n)` nodes (one
/// per completed parent).
pub fn append_nodes<S: NodeSource + ?Sized>(
    source: &S,
    size_before: u64,
    leaf: Hash,
) -> Result<Vec<NewNode>, TreeError<S::Error>> {
    if size_before == u64::MAX {
        return Err(TreeError::TreeFull { size: size_before });
    }
    let mut nodes = Vec::with_capacity(size_before.trailing_ones() as usize + 1);
    let mut level = 0u8;
    let mut index = size_before;
    let mut hash = leaf;
    nodes.push((level, index, hash));
    // An odd index is a right child, so its parent has just become complete;
    // an even index is a left child still waiting for its sibling.
    while index & 1 == 1 {
        let left = read(source, level, index - 1)?;
        hash = node_hash(&left, &hash);
        level += 1;
        index >>= 1;
        nodes.push((level, index, hash));
    }
    Ok(nodes)
}

/// Hash of the leaves `start..end` in RFC 6962 `MTH` terms, built from the
/// perfect subtrees of the binary decomposition of `end - start`.
///
/// `start` must be a multiple of the largest power of two not exceeding
/// `end - start`; every subtree in the RFC 6962 recursion satisfies this, and
/// it is what makes each decomposition piece a stored node. Reads
/// `popcount(end - start)` nodes: one for a complete subtree.
fn range_hash<S: NodeSource + ?Sized>(source: &S, start: u64, end: u64) -> Result<Hash, TreeError<S::Error>> {
    let len = end.saturating_sub(start);
    let mut pieces = Vec::with_capacity(len.count_ones() as usize);
    let mut pos = start;
    for level in (0..64u8).rev() {
        let width = 1u64 << level;
        if len & width != 0 {
            pieces.push(read(source, level, pos >> level)?);
            pos += width;
        }
    }
    // RFC 6962 splits off the largest power of two on the left, so the
    // pieces nest to the right: fold from the smallest one.
    let mut rest = pieces.into_iter().rev();
    let Some(mut acc) = rest.next() else {
        return Ok(empty_root());
    };
    for left in rest {
        acc = node_hash(&left, &acc);
    }
    Ok(acc)
}

/// Largest power of two strictly below `len`; `len` must be at least 2.
fn split_point(len: u64) -> u64 {
    1u64 << (63 - (len - 1).leading_zeros())
}

/// Root hash of the first `size` leaves, from the `popcount(size)` perfect
/// subtrees of the binary decomposition of `size`.
pub fn root<S: NodeSource + ?Sized>(source: &S, size: u64) -> Result<Hash, TreeError<S::Error>> {
    range_hash(source, 0, size)
}

// Node reads for both proofs stay O(log n): incomplete subtrees only occur on
// the right edge of the tree, and the descent below leaves that edge at its
// first step to the left. So at most one proof element is an incomplete
// subtree (a fold over a suffix of the root's decomposition, costing
// popcount reads); every other element is a single stored node.

/// Builds the RFC 6962 `PATH(index, D[size])` audit path for leaf `index`.
///
/// Reads at most `2 * log2(size) + 1` nodes.
pub fn inclusion_proof<S: NodeSource + ?Sized>(
    source: &S,
    index: u64,
    size: u64,
) -> Result<InclusionProof, TreeError<S::Error>> {
    if index >= size {
        return Err(TreeError::IndexOutOfRange { index, size });
    }
    let mut path = Vec::with_capacity(inclusion_path_len(index, size));
    let (mut start, mut end) = (0u64, size);
    while end - start > 1 {
        let mid = start + split_point(end - start);
        if index < mid {
            path.push(range_hash(source, mid, end)?);
            end = mid;
        } else {
            path.push(range_hash(source, start, mid)?);
            start = mid;
        }
    }
    // The descent visits the root first; the RFC lists the leaf's sibling first.
    path.reverse();
    Ok(InclusionProof { leaf_index: index, tree_size: size, path })
}

/// Builds the RFC 6962 `PROOF(old, D[new])` consistency proof.
///
/// `old == new` yields an empty proof; `old == 0` and `old > new` are errors
/// because RFC 6962 defines no proof for them. Reads at most
/// `2 * log2(new) + 2` nodes.
pub fn consistency_proof<S: NodeSource + ?Sized>(
    source: &S,
    old: u64,
    new: u64,
) -> Result<ConsistencyProof, TreeError<S::Error>> {
    if old == 0 || old > new {
        return Err(TreeError::InvalidConsistencyRange { old, new });
    }
    let mut path = Vec::new();
    let (mut start, mut end) = (0u64, new);
    // The RFC's `b` flag: still on the path of the whole old tree, whose root
    // the verifier already has and so need not be sent.
    let mut whole_old_tree = true;
    // `start < old <= end` holds throughout, so `end - start >= 2` whenever
    // `old != end`.
    while old != end {
        let mid = start + split_point(end - start);
        if old <= mid {
            path.push(range_hash(source, mid, end)?);
            end = mid;
        } else {
            path.push(range_hash(source, start, mid)?);
            start = mid;
            whole_old_tree = false;
        }
    }
    if !whole_old_tree {
        path.push(range_hash(source, start, end)?);
    }
    path.reverse();
    Ok(ConsistencyProof { old_size: old, new_size: new, path })
}

/// Number of hashes in the audit path of leaf `index` in a tree of `size`
/// leaves; `index < size`.
fn inclusion_path_len(index: u64, size: u64) -> usize {
    let last = size.saturating_sub(1);
    // Below the level where the paths to `index` and to the last leaf meet,
    // every level contributes a sibling. Above it the path runs along the
    // right edge, where only levels at which the node is a right child have
    // a sibling.
    let inner = 64 - (index ^ last).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner + border) as usize
}

/// Number of hashes in `PROOF(old, D[new])` for `0 < old < new`.
fn consistency_path_len(old: u64, new: u64) -> usize {
    // The proof is the audit path of the old tree's last leaf, minus the
    // levels inside the old tree's rightmost perfect subtree, plus that
    // subtree's own hash unless it is the whole old tree.
    let path = inclusion_path_len(old - 1, new);
    let inside = old.trailing_zeros() as usize;
    let seed = usize::from(!old.is_power_of_two());
    path.saturating_sub(inside) + seed
}

/// Checks that `leaf_hash` is leaf `proof.leaf_index` of the tree of
/// `proof.tree_size` leaves whose root is `root` (RFC 9162 §2.1.3.2).
///
/// The index and size are only as trustworthy as their source: a path also
/// verifies under other (index, size) pairs that give the tree the same shape
/// along it (leaf 2 of 3 and leaf 1 of 2 share a proof), so take the size
/// from the same signed checkpoint as the root.
pub fn verify_inclusion(leaf_hash: &Hash, proof: &InclusionProof, root: &Hash) -> Result<(), ProofError> {
    let (index, size) = (proof.leaf_index, proof.tree_size);
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let expected = inclusion_path_len(index, size);
    if proof.path.len() != expected {
        return Err(ProofError::WrongPathLength { expected, actual: proof.path.len() });
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in &proof.path {
        if s_n == 0 {
            return Err(ProofError::WrongPathLength { expected, actual: proof.path.len() });
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(ProofError::WrongPathLength { expected, actual: proof.path.len() });
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Checks that the tree with root `old_root` and `proof.old_size` leaves is a
/// prefix of the tree with root `new_root` and `proof.new_size` leaves
/// (RFC 9162 §2.1.4.2).
///
/// Equal sizes require an empty proof and equal roots. An old size of 0 is
/// rejected whatever the proof: it would vouch for nothing. As with
/// [`verify_inclusion`], take both sizes from the checkpoints that supplied
/// the roots.
pub fn verify_consistency(
    old_root: &Hash,
    new_root: &Hash,
    proof: &ConsistencyProof,
) -> Result<(), ProofError> {
    let (old, new) = (proof.old_size, proof.new_size);
    if old == 0 {
        return Err(ProofError::OldSizeZero);
    }
    if old > new {
        return Err(ProofError::OldLargerThanNew { old, new });
    }
    let wrong_length = |expected| ProofError::WrongPathLength { expected, actual: proof.path.len() };
    if old == new {
        if !proof.path.is_empty() {
            return Err(wrong_length(0));
        }
        if old_root != new_root {
            return Err(ProofError::RootMismatch);
        }
        return Ok(());
    }
    let expected = consistency_path_len(old, new);
    if proof.path.len() != expected {
        return Err(wrong_length(expected));
    }

    let mut rest = proof.path.iter();
    // When the old tree is perfect its root is a node of the new tree and is
    // left out of the proof, so the verifier starts from it.
    let seed = if old.is_power_of_two() {
        *old_root
    } else {
        match rest.next() {
            Some(first) => *first,
            None => return Err(wrong_length(expected)),
        }
    };
    let (mut f_n, mut s_n) = (old - 1, new - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut f_r, mut s_r) = (seed, seed);
    for c in rest {
        if s_n == 0 {
            return Err(wrong_length(expected));
        }
        if f_n & 1 == 1 || f_n == s_n {
            f_r = node_hash(c, &f_r);
            s_r = node_hash(c, &s_r);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            s_r = node_hash(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(wrong_length(expected));
    }
    if f_r != *old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if s_r != *new_root {
        return Err(ProofError::NewRootMismatch);
    }
    Ok(())
}

/// A node requested from a [`MemoryTree`] that it does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("merkle node at level {level}, index {index} is not in the in-memory tree")]
pub struct MissingNode {
    /// Level of the missing node.
    pub level: u8,
    /// Index of the missing node within its level.
    pub index: u64,
}

/// An append-only Merkle tree held in memory, one vector of complete-subtree
/// hashes per level.
///
/// Appends go through [`append_nodes`], the same code path a persistent store
/// uses, so the two cannot disagree about the tree shape.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// Creates an empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves in the tree.
    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a leaf hash (see [`leaf_hash`]) and returns its index.
    ///
    /// Reads only nodes this tree holds, so in practice it cannot fail; the
    /// error is kept rather than unwrapped so that a broken invariant
    /// surfaces as a value, not a panic.
    pub fn push(&mut self, leaf: Hash) -> Result<u64, TreeError<MissingNode>> {
        let index = self.len();
        for (level, _, hash) in append_nodes(self, index, leaf)? {
            let level = usize::from(level);
            if self.levels.len() <= level {
                self.levels.resize_with(level + 1, Vec::new);
            }
            if let Some(row) = self.levels.get_mut(level) {
                row.push(hash);
            }
        }
        Ok(index)
    }

    /// Root hash of the whole tree.
    pub fn root(&self) -> Result<Hash, TreeError<MissingNode>> {
        root(self, self.len())
    }

    /// Root hash of the first `size` leaves; a `size` beyond [`Self::len`]
    /// fails with [`MissingNode`].
    pub fn root_at(&self, size: u64) -> Result<Hash, TreeError<MissingNode>> {
        root(self, size)
    }

    /// Inclusion proof for leaf `index` in the whole tree.
    pub fn inclusion_proof(&self, index: u64) -> Result<InclusionProof, TreeError<MissingNode>> {
        inclusion_proof(self, index, self.len())
    }

    /// Consistency proof from the first `old` leaves to the whole tree.
    pub fn consistency_proof(&self, old: u64) -> Result<ConsistencyProof, TreeError<MissingNode>> {
        consistency_proof(self, old, self.len())
    }
}

impl NodeSource for MemoryTree {
    type Error = MissingNode;

    fn node(&self, level: u8, index: u64) -> Result<Hash, MissingNode> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.levels.get(usize::from(level))?.get(i))
            .copied()
            .ok_or(MissingNode { level, index })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_point_is_largest_power_below() {
        for len in 2..=1025u64 {
            let k = split_point(len);
            assert!(k.is_power_of_two() && k < len && 2 * k >= len, "len {len}");
        }
        assert_eq!(split_point(u64::MAX), 1 << 63);
    }

    #[test]
    fn append_nodes_reports_completed_parents() {
        let mut tree = MemoryTree::new();
        for i in 0..7u64 {
            tree.push(leaf_hash(&i.to_be_bytes())).unwrap();
        }
        let leaf = leaf_hash(b"eighth");
        let nodes = append_nodes(&tree, 7, leaf).unwrap();
        let levels: Vec<(u8, u64)> = nodes.iter().map(|&(l, i, _)| (l, i)).collect();
        assert_eq!(levels, vec![(0, 7), (1, 3), (2, 1), (3, 0)]);
        tree.push(leaf).unwrap();
        assert_eq!(nodes.last().map(|n| n.2), Some(tree.root().unwrap()));
    }

    #[test]
    fn append_nodes_rejects_full_tree() {
        let tree = MemoryTree::new();
        assert_eq!(append_nodes(&tree, u64::MAX, [0; 32]), Err(TreeError::TreeFull { size: u64::MAX }));
    }

    #[test]
    fn memory_tree_reports_missing_nodes() {
        let tree = MemoryTree::new();
        assert!(matches!(root(&tree, 3), Err(TreeError::Source { level: 1, index: 0, .. })));
        assert!(matches!(tree.root_at(1), Err(TreeError::Source { level: 0, index: 0, .. })));
        assert_eq!(tree.root(), Ok(empty_root()));
    }

    #[test]
    fn path_lengths_match_generated_proofs() {
        let mut tree = MemoryTree::new();
        for n in 1..=130u64 {
            tree.push(leaf_hash(&n.to_le_bytes())).unwrap();
            for i in 0..n {
                let proof = tree.inclusion_proof(i).unwrap();
                assert_eq!(proof.path.len(), inclusion_path_len(i, n), "{i} {n}");
            }
            for m in 1..n {
                let proof = tree.consistency_proof(m).unwrap();
                assert_eq!(proof.path.len(), consistency_path_len(m, n), "{m} {n}");
            }
        }
    }

    #[test]
    fn path_lengths_do_not_overflow_at_extremes() {
        assert_eq!(inclusion_path_len(0, u64::MAX), 64);
        assert_eq!(inclusion_path_len(u64::MAX - 1, u64::MAX), 63);
        assert_eq!(inclusion_path_len(0, 1), 0);
        assert_eq!(consistency_path_len(1, u64::MAX), 64);
        assert_eq!(consistency_path_len(u64::MAX - 1, u64::MAX), 64);
    }
}
