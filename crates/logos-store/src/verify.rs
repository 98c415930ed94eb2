//! Whole-store verification, history, and checks against signed checkpoints.

use logos_core::{Graph, NodeId};
use logos_ledger::checkpoint::{Checkpoint, NoteVerifier, open_checkpoint};
use logos_ledger::merkle::{self, NodeSource};
use logos_ledger::{AuditError, Auditor, LedgerState};
use redb::ReadableDatabase;

use crate::StoreError;
use crate::store::{RedbStore, guard};
use crate::tables::*;
use crate::tree::MIN_STORED_LEVEL;

/// What [`RedbStore::verify`] checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// Ledger entries verified.
    pub entries: u64,
    /// Hash of the last entry.
    pub head: [u8; 32],
    /// RFC 6962 root over all entries.
    pub root: [u8; 32],
    /// Nodes in the rebuilt (and indexed) graph.
    pub nodes: usize,
    /// Edges in the rebuilt (and indexed) graph.
    pub edges: usize,
}

fn audit_error(e: AuditError) -> StoreError {
    match e {
        AuditError::Chain(c) => StoreError::Chain(c),
        other => StoreError::Audit(other),
    }
}

impl RedbStore {
    /// Verifies the whole store: the hash chain from genesis, the meaning of
    /// every event (including the quorum token behind each governed change),
    /// every stored Merkle node, the recorded head, every wasm blob against
    /// its content address, and that the state rebuilt from the ledger
    /// equals the index tables.
    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        guard("verify store", || {
            // Hold writers off so the indexes cannot move under the check.
            let _writers = self.lock();
            let txn = self.db.begin_read()?;
            let mut auditor = Auditor::new();
            for row in txn.open_table(LEDGER)?.range(0..)? {
                let (seq, bytes) = row?;
                let seq = seq.value();
                if seq != auditor.size() {
                    return Err(StoreError::Corrupt(format!(
                        "ledger key {seq} found where {} belongs",
                        auditor.size()
                    )));
                }
                auditor.push(bytes.value()).map_err(audit_error)?;
            }
            // Every stored Merkle node must be what the entries imply, and
            // every complete subtree from MIN_STORED_LEVEL up must be stored:
            // one in-order scan of the table against the rebuilt tree.
            let size = auditor.size();
            let mut rows = 0u64;
            for row in txn.open_table(MERKLE)?.range::<(u8, u64)>(..)? {
                let (key, hash) = row?;
                let (level, index) = key.value();
                let expected = auditor.tree().node(level, index).ok();
                if level < MIN_STORED_LEVEL || expected.as_ref() != Some(hash.value()) {
                    return Err(StoreError::Corrupt(format!(
                        "merkle node at level {level}, index {index} does not match the ledger entries"
                    )));
                }
                rows += 1;
            }
            let complete: u64 = (MIN_STORED_LEVEL..64).map(|level| size >> level).sum();
            if rows != complete {
                return Err(StoreError::Corrupt(format!(
                    "{rows} merkle nodes are stored where the ledger implies {complete}"
                )));
            }
            let head = crate::index::read_head(&txn)?;
            if (head.size, head.hash) != (auditor.size(), auditor.head()) {
                return Err(StoreError::Corrupt(format!(
                    "recorded head (size {}) does not match the ledger (size {})",
                    head.size,
                    auditor.size()
                )));
            }
            let rebuilt =
                auditor.state().cloned().ok_or_else(|| StoreError::Corrupt("ledger is empty".into()))?;
            let wasm = txn.open_table(WASM)?;
            for (id, _) in rebuilt.graph.nodes() {
                let blob = wasm
                    .get(id.as_bytes())?
                    .ok_or_else(|| StoreError::Corrupt(format!("wasm of node {id} is missing")))?;
                if NodeId::of_wasm(blob.value()) != *id {
                    return Err(StoreError::Corrupt(format!(
                        "wasm of node {id} does not match its content address"
                    )));
                }
            }
            let indexed = crate::index::load(&self.db)?.ledger;
            if indexed != rebuilt {
                return Err(StoreError::IndexMismatch(describe_difference(&indexed, &rebuilt)));
            }
            let root = auditor.tree().root().map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok(VerifyReport {
                entries: head.size,
                head: head.hash,
                root,
                nodes: rebuilt.graph.node_count(),
                edges: rebuilt.graph.edge_count(),
            })
        })
    }

    /// The full state as it was after the first `size` entries, rebuilt from the ledger alone.
    pub fn state_at(&self, size: u64) -> Result<LedgerState, StoreError> {
        let mut auditor = Auditor::new();
        for bytes in self.raw_entries(0..size)? {
            auditor.push(&bytes).map_err(audit_error)?;
        }
        if auditor.size() < size || size == 0 {
            return Err(StoreError::NoSuchEntry { seq: size.saturating_sub(1), size: auditor.size() });
        }
        auditor.state().cloned().ok_or_else(|| StoreError::Corrupt("ledger is empty".into()))
    }

    /// The graph as it was after the first `size` entries, rebuilt from events alone.
    pub fn graph_at(&self, size: u64) -> Result<Graph, StoreError> {
        Ok(self.state_at(size)?.graph)
    }

    /// Checks this store against a signed checkpoint an auditor kept: the
    /// signature is trusted, the origin is this log's, and the store still
    /// holds exactly the entries the checkpoint committed to (same Merkle
    /// root at that size). Detects truncation, rollback and forks.
    pub fn verify_checkpoint(&self, note: &str, trusted: &[NoteVerifier]) -> Result<Checkpoint, StoreError> {
        let checkpoint = open_checkpoint(note, trusted)?;
        let origin = self.origin();
        if checkpoint.origin != origin {
            return Err(StoreError::CheckpointMismatch(format!(
                "checkpoint is for {:?}, this store is {origin:?}",
                checkpoint.origin
            )));
        }
        let size = self.head_size();
        if checkpoint.size > size {
            return Err(StoreError::CheckpointMismatch(format!(
                "checkpoint covers {} entries, the store has {size}",
                checkpoint.size
            )));
        }
        if self.read_tree(|t| Ok(merkle::root(t, checkpoint.size)?))? != checkpoint.root {
            return Err(StoreError::CheckpointMismatch(format!(
                "the first {} entries differ from the ones the checkpoint signed",
                checkpoint.size
            )));
        }
        Ok(checkpoint)
    }
}

fn describe_difference(indexed: &LedgerState, rebuilt: &LedgerState) -> String {
    let (i, r) = (&indexed.graph, &rebuilt.graph);
    if let Some((id, _)) = r.nodes().find(|(id, m)| i.node(id) != Some(*m)) {
        return format!("node {id} is in the ledger but not indexed as such");
    }
    if let Some((id, _)) = i.nodes().find(|(id, m)| r.node(id) != Some(*m)) {
        return format!("node {id} is indexed but not in the ledger");
    }
    if let Some(e) = r.edges().find(|e| !i.edges().any(|f| f == *e)) {
        return format!("edge {e} is in the ledger but not indexed");
    }
    if let Some(e) = i.edges().find(|e| !r.edges().any(|f| f == *e)) {
        return format!("edge {e} is indexed but not in the ledger");
    }
    if indexed.status != rebuilt.status {
        return "a node's status (bedrock, deprecated, grants) differs from the ledger".into();
    }
    if indexed.keyring != rebuilt.keyring
        || indexed.origin != rebuilt.origin
        || indexed.policy != rebuilt.policy
    {
        return "the recorded origin, keyring or policy differs from the ledger".into();
    }
    if indexed.used_tokens != rebuilt.used_tokens {
        return "the used-token index differs from the ledger".into();
    }
    "states differ".into()
}
