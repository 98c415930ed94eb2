//! The index tables: written from state differences in the same transaction
//! as the entry that causes them, and loaded back into a [`LedgerState`].

use std::collections::{BTreeMap, BTreeSet};

use logos_core::{Edge, Graph, LedgerHead, NodeId};
use logos_ledger::token::Statement;
use logos_ledger::{Entry, Event, LedgerState, NodeStatus, hash_encoded};
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, WriteTransaction};

use crate::StoreError;
use crate::store::Cached;
use crate::tables::*;

/// Creates every table so readers never meet a missing one.
pub(crate) fn create_tables(txn: &WriteTransaction) -> Result<(), StoreError> {
    txn.open_table(MERKLE)?;
    txn.open_table(USED_TOKENS)?;
    txn.open_table(NODES)?;
    txn.open_table(WASM)?;
    txn.open_table(EDGES)?;
    txn.open_table(STATUS)?;
    txn.open_table(META)?.insert(KEY_FORMAT, FORMAT.as_bytes())?;
    Ok(())
}

/// Writes origin, keyring and policy.
pub(crate) fn write_governance(txn: &WriteTransaction, state: &LedgerState) -> Result<(), StoreError> {
    let mut meta = txn.open_table(META)?;
    meta.insert(KEY_ORIGIN, state.origin.as_bytes())?;
    meta.insert(KEY_KEYRING, encode_keyring(&state.keyring).as_slice())?;
    meta.insert(KEY_POLICY, state.policy.as_slice())?;
    meta.insert(KEY_FLOWS, encode_map(&state.flows).as_slice())?;
    meta.insert(KEY_PROPOSALS, encode_map(&state.proposals).as_slice())?;
    Ok(())
}

/// Brings the indexes from `old` to `next`, the state after `entry`.
/// `before` is the graph before the entry, needed only for migrations.
pub(crate) fn write_changes(
    txn: &WriteTransaction,
    before: Option<&Graph>,
    next: &LedgerState,
    entry: &Entry,
    wasm: Option<&[u8]>,
) -> Result<(), StoreError> {
    let mut touched: Vec<NodeId> = Vec::new();
    match &entry.event {
        Event::NodeCreated { id, manifest, wasm_len } => {
            let wasm = wasm.filter(|w| NodeId::of_wasm(w) == *id && w.len() as u64 == *wasm_len).ok_or_else(
                || StoreError::Corrupt(format!("node {id} was committed without its wasm bytes")),
            )?;
            txn.open_table(NODES)?.insert(id.as_bytes(), encode_manifest(manifest).as_slice())?;
            txn.open_table(WASM)?.insert(id.as_bytes(), wasm)?;
            touched.push(*id);
        }
        Event::EdgeAdded { edge } => {
            txn.open_table(EDGES)?.insert(encode_edge(edge).as_slice(), ())?;
        }
        Event::EdgeRemoved { edge } => {
            txn.open_table(EDGES)?.remove(encode_edge(edge).as_slice())?;
        }
        Event::Migrated { from, to } | Event::RolledBack { from, to } => {
            let before = before
                .ok_or_else(|| StoreError::Corrupt("migration committed without its prior graph".into()))?;
            write_edge_diff(txn, before, &next.graph)?;
            touched.extend([*from, *to]);
            txn.open_table(META)?.insert(KEY_FLOWS, encode_map(&next.flows).as_slice())?;
        }
        Event::MigratedVia { from, to, adapter } => {
            let before = before
                .ok_or_else(|| StoreError::Corrupt("migration committed without its prior graph".into()))?;
            write_edge_diff(txn, before, &next.graph)?;
            touched.extend([*from, *to, *adapter]);
            txn.open_table(META)?.insert(KEY_FLOWS, encode_map(&next.flows).as_slice())?;
        }
        Event::Promoted { node }
        | Event::Deprecated { node }
        | Event::CapabilityGranted { node, .. }
        | Event::NodeShared { node } => {
            touched.push(*node);
        }
        Event::KeyringChanged { .. } | Event::PolicyChanged { .. } => write_governance(txn, next)?,
        Event::FlowDefined { .. } | Event::FlowRemoved { .. } => {
            txn.open_table(META)?.insert(KEY_FLOWS, encode_map(&next.flows).as_slice())?;
        }
        Event::ProposalOpened { .. } | Event::ProposalApproved { .. } | Event::ProposalRejected { .. } => {}
        Event::Genesis { .. } | Event::ExecutionRecorded { .. } => {}
    }
    let proposals_changed = entry.authorization.is_some()
        || matches!(
            entry.event,
            Event::ProposalOpened { .. } | Event::ProposalApproved { .. } | Event::ProposalRejected { .. }
        );
    if proposals_changed {
        txn.open_table(META)?.insert(KEY_PROPOSALS, encode_map(&next.proposals).as_slice())?;
    }
    if !touched.is_empty() {
        let mut status = txn.open_table(STATUS)?;
        for id in touched {
            let s = next.status.get(&id).cloned().unwrap_or_default();
            status.insert(id.as_bytes(), encode_status(&s).as_slice())?;
        }
    }
    if let Some(auth) = &entry.authorization {
        let digest = Statement::parse(&auth.statement)
            .map_err(|e| StoreError::Corrupt(format!("applied token does not parse: {e}")))?
            .digest();
        txn.open_table(USED_TOKENS)?.insert(&digest, entry.seq)?;
    }
    Ok(())
}

fn write_edge_diff(txn: &WriteTransaction, old: &Graph, next: &Graph) -> Result<(), StoreError> {
    let before: BTreeSet<&Edge> = old.edges().collect();
    let after: BTreeSet<&Edge> = next.edges().collect();
    let mut edges = txn.open_table(EDGES)?;
    for gone in before.difference(&after) {
        edges.remove(encode_edge(gone).as_slice())?;
    }
    for new in after.difference(&before) {
        edges.insert(encode_edge(new).as_slice(), ())?;
    }
    Ok(())
}

/// Loads the cached state from the indexes, after checking the format and
/// that the recorded head is the last ledger entry.
pub(crate) fn load(db: &Database) -> Result<Cached, StoreError> {
    let txn = db.begin_read()?;
    {
        let meta = match txn.open_table(META) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Err(StoreError::NotInitialized),
            Err(e) => return Err(e.into()),
        };
        let format = meta.get(KEY_FORMAT)?.ok_or(StoreError::NotInitialized)?;
        if format.value() != FORMAT.as_bytes() {
            return Err(StoreError::UnsupportedFormat {
                found: String::from_utf8_lossy(format.value()).chars().take(64).collect(),
                expected: FORMAT,
            });
        }
    }
    let head = read_head(&txn)?;
    {
        let ledger = txn.open_table(LEDGER)?;
        if ledger.len()? != head.size {
            return Err(StoreError::Corrupt(format!(
                "head says {} entries, ledger has {}",
                head.size,
                ledger.len()?
            )));
        }
        let last = ledger.last()?.ok_or_else(|| StoreError::Corrupt("ledger is empty".into()))?;
        let (seq, bytes) = (last.0.value(), last.1.value());
        if seq.checked_add(1) != Some(head.size) || hash_encoded(bytes) != head.hash {
            return Err(StoreError::Corrupt(format!(
                "last ledger entry (seq {seq}) does not match the recorded head"
            )));
        }
        Entry::decode(bytes).map_err(|e| StoreError::Corrupt(format!("ledger entry {seq}: {e}")))?;
    }
    let meta = txn.open_table(META)?;
    let text = |key: &str| -> Result<Vec<u8>, StoreError> {
        Ok(meta
            .get(key)?
            .ok_or_else(|| StoreError::Corrupt(format!("{key} record is missing")))?
            .value()
            .to_vec())
    };
    let origin = String::from_utf8(text(KEY_ORIGIN)?)
        .map_err(|_| StoreError::Corrupt("origin record is not UTF-8".into()))?;
    let keyring = decode_keyring(&text(KEY_KEYRING)?)?;
    let policy = text(KEY_POLICY)?;
    let mut graph = Graph::new();
    for row in txn.open_table(NODES)?.range::<&[u8; 32]>(..)? {
        let (id, manifest) = row?;
        let id = NodeId::from_bytes(*id.value());
        graph.add_node(id, decode_manifest(&id, manifest.value())?);
    }
    for row in txn.open_table(EDGES)?.range::<&[u8]>(..)? {
        let (edge, _) = row?;
        graph
            .add_edge(decode_edge(edge.value())?)
            .map_err(|e| StoreError::Corrupt(format!("indexed edges break the contract: {e}")))?;
    }
    let mut status: BTreeMap<NodeId, NodeStatus> = BTreeMap::new();
    for row in txn.open_table(STATUS)?.range::<&[u8; 32]>(..)? {
        let (id, s) = row?;
        let id = NodeId::from_bytes(*id.value());
        status.insert(id, decode_status(&id, s.value())?);
    }
    let mut used_tokens = BTreeSet::new();
    for row in txn.open_table(USED_TOKENS)?.range::<&[u8; 32]>(..)? {
        used_tokens.insert(*row?.0.value());
    }
    let flows = decode_map("flows", &text(KEY_FLOWS)?)?;
    let proposals = decode_map("proposals", &text(KEY_PROPOSALS)?)?;
    let ledger = LedgerState {
        origin,
        keyring,
        policy,
        graph,
        status,
        used_tokens,
        flows,
        proposals,
        size: head.size,
    };
    Ok(Cached { ledger, head })
}

pub(crate) fn read_head(txn: &redb::ReadTransaction) -> Result<LedgerHead, StoreError> {
    let meta = txn.open_table(META)?;
    let head = meta.get(KEY_HEAD)?.ok_or(StoreError::NotInitialized)?;
    let (size, hash) = decode_head(head.value())?;
    Ok(LedgerHead { size, hash })
}
