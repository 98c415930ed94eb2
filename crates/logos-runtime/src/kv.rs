//! The key-value store behind the `kv` capability.
//!
//! Every key lives in the namespace of one node id: a node can neither read
//! nor write another node's entries (a migrated node, having a new id,
//! starts with an empty namespace). A node's writes are buffered during its
//! execution and handed to the store in one batch only if the execution
//! succeeds, so a trapped or failed node leaves no partial writes.

use std::collections::HashMap;
use std::fmt;
use std::sync::RwLock;

use logos_core::NodeId;

/// Longest kv key, in bytes.
pub const MAX_KV_KEY: usize = 256;
/// Longest kv value, in bytes.
pub const MAX_KV_VALUE: usize = 64 << 10;
/// Most bytes (keys plus values) one execution may write.
pub const MAX_KV_WRITES: usize = 1 << 20;

/// A kv store failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("kv store: {0}")]
pub struct KvError(pub String);

/// Storage for node-scoped key-value entries. Implement it to back the
/// `kv` capability with your own database.
pub trait KvStore: Send + Sync + fmt::Debug {
    /// The value of `key` in `node`'s namespace.
    fn get(&self, node: &NodeId, key: &[u8]) -> Result<Option<Vec<u8>>, KvError>;

    /// Applies `writes` (key, value) to `node`'s namespace, all or nothing.
    fn put_all(&self, node: &NodeId, writes: Vec<(Vec<u8>, Vec<u8>)>) -> Result<(), KvError>;
}

/// An in-memory [`KvStore`] (the default): lost when the process exits.
#[derive(Debug, Default)]
pub struct MemoryKv {
    map: RwLock<HashMap<Key, Vec<u8>>>,
}

/// A node id and a key in its namespace.
type Key = (NodeId, Vec<u8>);

impl MemoryKv {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl KvStore for MemoryKv {
    fn get(&self, node: &NodeId, key: &[u8]) -> Result<Option<Vec<u8>>, KvError> {
        let map = self.map.read().map_err(|_| KvError("lock poisoned".into()))?;
        Ok(map.get(&(*node, key.to_vec())).cloned())
    }

    fn put_all(&self, node: &NodeId, writes: Vec<(Vec<u8>, Vec<u8>)>) -> Result<(), KvError> {
        let mut map = self.map.write().map_err(|_| KvError("lock poisoned".into()))?;
        for (k, v) in writes {
            map.insert((*node, k), v);
        }
        Ok(())
    }
}
