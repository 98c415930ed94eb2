//! The redb tables and the byte layouts stored in them.
//!
//! The LEDGER table is the source of truth. NODES, WASM and EDGES are
//! indexes, always written in the same transaction as the ledger entry that
//! justifies them.

use logos_core::{Edge, NodeId, NodeManifest};
use logos_ledger::{Keyring, NodeStatus};
use redb::TableDefinition;

use crate::StoreError;

/// seq -> canonical entry bytes
pub(crate) const LEDGER: TableDefinition<u64, &[u8]> = TableDefinition::new("ledger");
/// node id -> manifest (postcard)
pub(crate) const NODES: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("nodes");
/// node id -> wasm bytes
pub(crate) const WASM: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("wasm");
/// edge (postcard) -> ()
pub(crate) const EDGES: TableDefinition<&[u8], ()> = TableDefinition::new("edges");
/// (level, index) -> hash of the complete RFC 6962 subtree of 2^level
/// entries starting at entry index * 2^level (level 0: leaf hashes)
pub(crate) const MERKLE: TableDefinition<(u8, u64), &[u8; 32]> = TableDefinition::new("merkle");
/// node id -> lifecycle status (postcard NodeStatus)
pub(crate) const STATUS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("status");
/// token digest -> seq of the entry that used it
pub(crate) const USED_TOKENS: TableDefinition<&[u8; 32], u64> = TableDefinition::new("used_tokens");
/// key -> value: "format", "head", "origin", "keyring", "policy", "flows", "proposals", checkpoints
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

pub(crate) const FORMAT: &str = "logos-store/3";
pub(crate) const KEY_FORMAT: &str = "format";
pub(crate) const KEY_HEAD: &str = "head";
pub(crate) const KEY_ORIGIN: &str = "origin";
pub(crate) const KEY_KEYRING: &str = "keyring";
pub(crate) const KEY_POLICY: &str = "policy";
/// postcard of the flows map
pub(crate) const KEY_FLOWS: &str = "flows";
/// postcard of the proposals map
pub(crate) const KEY_PROPOSALS: &str = "proposals";
pub(crate) const KEY_CHECKPOINT: &str = "checkpoint";
pub(crate) const KEY_CHECKPOINT_HEAD: &str = "checkpoint_head";

pub(crate) fn encode_head(size: u64, hash: &[u8; 32]) -> [u8; 40] {
    let mut out = [0u8; 40];
    out[..8].copy_from_slice(&size.to_le_bytes());
    out[8..].copy_from_slice(hash);
    out
}

pub(crate) fn decode_head(bytes: &[u8]) -> Result<(u64, [u8; 32]), StoreError> {
    let (size, hash) = bytes
        .split_first_chunk::<8>()
        .filter(|(_, rest)| rest.len() == 32)
        .ok_or_else(|| StoreError::Corrupt(format!("head record is {} bytes, expected 40", bytes.len())))?;
    let mut h = [0u8; 32];
    h.copy_from_slice(hash);
    Ok((u64::from_le_bytes(*size), h))
}

pub(crate) fn encode_manifest(m: &NodeManifest) -> Vec<u8> {
    // Serialising plain data into a Vec cannot fail.
    postcard::to_allocvec(m).unwrap_or_default()
}

pub(crate) fn decode_manifest(id: &NodeId, bytes: &[u8]) -> Result<NodeManifest, StoreError> {
    postcard::from_bytes(bytes)
        .map_err(|e| StoreError::Corrupt(format!("manifest of node {id} does not decode: {e}")))
}

pub(crate) fn encode_edge(e: &Edge) -> Vec<u8> {
    // Serialising plain data into a Vec cannot fail.
    postcard::to_allocvec(e).unwrap_or_default()
}

pub(crate) fn decode_edge(bytes: &[u8]) -> Result<Edge, StoreError> {
    postcard::from_bytes(bytes).map_err(|e| StoreError::Corrupt(format!("edge record does not decode: {e}")))
}

pub(crate) fn encode_keyring(k: &Keyring) -> Vec<u8> {
    // Serialising plain data into a Vec cannot fail.
    postcard::to_allocvec(k).unwrap_or_default()
}

pub(crate) fn decode_keyring(bytes: &[u8]) -> Result<Keyring, StoreError> {
    postcard::from_bytes(bytes)
        .map_err(|e| StoreError::Corrupt(format!("keyring record does not decode: {e}")))
}

pub(crate) fn encode_status(s: &NodeStatus) -> Vec<u8> {
    // Serialising plain data into a Vec cannot fail.
    postcard::to_allocvec(s).unwrap_or_default()
}

pub(crate) fn decode_status(id: &NodeId, bytes: &[u8]) -> Result<NodeStatus, StoreError> {
    postcard::from_bytes(bytes)
        .map_err(|e| StoreError::Corrupt(format!("status of node {id} does not decode: {e}")))
}

pub(crate) fn encode_map<T: serde::Serialize>(map: &T) -> Vec<u8> {
    // Serialising plain data into a Vec cannot fail.
    postcard::to_allocvec(map).unwrap_or_default()
}

pub(crate) fn decode_map<T: serde::de::DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, StoreError> {
    postcard::from_bytes(bytes)
        .map_err(|e| StoreError::Corrupt(format!("{what} record does not decode: {e}")))
}
