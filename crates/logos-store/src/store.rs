//! [`RedbStore`]: the graph, the node registry and the ledger in one redb file.

use std::ops::Range;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use logos_core::{Edge, Graph, GraphStore, LedgerHead, NodeAdded, NodeId, NodeManifest, Stamp};
use logos_ledger::{Authorization, ChainVerifier, Entry, Event, Keyring, hash_encoded};
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, WriteTransaction};

use crate::StoreError;
use crate::tables::*;
use crate::tree::TreeTable;
use logos_ledger::merkle::{self, NodeSource};

/// A LOGOS store in one redb file.
///
/// Every change commits together with its ledger entry, with immediate
/// durability, in a single redb write transaction. One `RedbStore` may be
/// shared by many threads; writes are serialised.
pub struct RedbStore {
    db: Database,
    /// Writers hold this lock across their whole transaction, so the cached
    /// state always equals the last committed one.
    state: Mutex<State>,
}

#[derive(Clone)]
struct State {
    graph: Graph,
    head: LedgerHead,
    origin: String,
    keyring: Keyring,
}

/// What [`RedbStore::verify`] checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// Ledger entries verified.
    pub entries: u64,
    /// Hash of the last entry.
    pub head: [u8; 32],
    /// Nodes in the rebuilt (and indexed) graph.
    pub nodes: usize,
    /// Edges in the rebuilt (and indexed) graph.
    pub edges: usize,
}

impl std::fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbStore").finish_non_exhaustive()
    }
}

impl RedbStore {
    /// Creates a new store at `path` whose ledger starts with a genesis entry
    /// for `origin` registering `keyring`. Fails if the file already holds a ledger.
    pub fn create(path: impl AsRef<Path>, origin: &str, keyring: Keyring, stamp: &Stamp) -> Result<Self, StoreError> {
        guard("create store", || {
            let db = Database::create(path)?;
            let txn = db.begin_write()?;
            {
                let ledger = txn.open_table(LEDGER)?;
                let size = ledger.len()?;
                if size > 0 {
                    return Err(StoreError::AlreadyInitialized(size));
                }
            }
            {
                let mut meta = txn.open_table(META)?;
                meta.insert(KEY_FORMAT, FORMAT.as_bytes())?;
                meta.insert(KEY_ORIGIN, origin.as_bytes())?;
                meta.insert(KEY_KEYRING, encode_keyring(&keyring).as_slice())?;
            }
            // Create every table now so readers never meet a missing one.
            txn.open_table(MERKLE)?;
            txn.open_table(USED_TOKENS)?;
            txn.open_table(NODES)?;
            txn.open_table(WASM)?;
            txn.open_table(EDGES)?;
            let empty = LedgerHead { size: 0, hash: [0; 32] };
            let genesis = Event::Genesis { origin: origin.to_owned(), keyring: keyring.clone() };
            let head = append(&txn, empty, stamp, genesis)?;
            txn.commit()?;
            let state = State { graph: Graph::new(), head, origin: origin.to_owned(), keyring };
            Ok(Self { db, state: Mutex::new(state) })
        })
    }

    /// Opens an existing store, checking its format and that the recorded
    /// head matches the last ledger entry.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        guard("open store", || {
            let db = Database::open(path)?;
            let state = load_state(&db)?;
            Ok(Self { db, state: Mutex::new(state) })
        })
    }

    pub(crate) fn head_size(&self) -> u64 {
        self.lock().head.size
    }

    /// Runs `f` over the MERKLE table in a read transaction.
    pub(crate) fn read_tree<T>(
        &self,
        f: impl FnOnce(&crate::tree::TreeTable<'_, redb::ReadOnlyTable<(u8, u64), &'static [u8; 32]>>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        guard("read merkle tree", || {
            let txn = self.db.begin_read()?;
            let table = txn.open_table(MERKLE)?;
            f(&crate::tree::TreeTable(&table))
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave State half-updated:
        // it is only assigned after a successful commit.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The log's origin (from the genesis entry).
    pub fn origin(&self) -> String {
        self.lock().origin.clone()
    }

    /// The current human keyring.
    pub fn keyring(&self) -> Keyring {
        self.lock().keyring.clone()
    }

    /// The ledger entry at `seq`.
    pub fn entry(&self, seq: u64) -> Result<Entry, StoreError> {
        let size = self.lock().head.size;
        let raw = self.raw_entries(seq..seq.saturating_add(1))?;
        let bytes = raw.into_iter().next().ok_or(StoreError::NoSuchEntry { seq, size })?;
        Entry::decode(&bytes).map_err(|e| StoreError::Corrupt(format!("ledger entry {seq}: {e}")))
    }

    /// Encoded ledger entries with seq in `range` (clamped to the ledger).
    pub fn raw_entries(&self, range: Range<u64>) -> Result<Vec<Vec<u8>>, StoreError> {
        guard("read ledger", || {
            let txn = self.db.begin_read()?;
            let ledger = txn.open_table(LEDGER)?;
            let mut out = Vec::new();
            for row in ledger.range(range)? {
                let (_, v) = row?;
                out.push(v.value().to_vec());
            }
            Ok(out)
        })
    }

    /// The last `n` entries, oldest first.
    pub fn tail(&self, n: u64) -> Result<Vec<Entry>, StoreError> {
        let size = self.lock().head.size;
        let start = size.saturating_sub(n);
        self.raw_entries(start..size)?
            .iter()
            .zip(start..)
            .map(|(b, seq)| Entry::decode(b).map_err(|e| StoreError::Corrupt(format!("ledger entry {seq}: {e}"))))
            .collect()
    }

    /// Verifies the whole store: the hash chain from genesis, the recorded
    /// head, every wasm blob against its content address, and that the
    /// graph rebuilt from ledger events equals the indexed tables.
    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        guard("verify store", || {
            let _writer = self.lock();
            let txn = self.db.begin_read()?;
            let mut chain = ChainVerifier::new();
            let mut rebuilt = Graph::new();
            let mut wasm_lens = Vec::new();
            let mut governance = None;
            let tree = txn.open_table(MERKLE)?;
            for row in txn.open_table(LEDGER)?.range(0..)? {
                let (seq, bytes) = row?;
                if seq.value() != chain.size() {
                    return Err(StoreError::Corrupt(format!("ledger key {} found where {} belongs", seq.value(), chain.size())));
                }
                let entry = chain.push(bytes.value())?;
            // Every stored Merkle node must be what the entries imply.
            let expected = merkle::append_nodes(&TreeTable(&tree), entry.seq, merkle::leaf_hash(bytes.value()))?;
            for (level, index, hash) in expected {
                if TreeTable(&tree).node(level, index)? != hash {
                    return Err(StoreError::Corrupt(format!(
                        "merkle node at level {level}, index {index} does not match the ledger entries"
                    )));
                }
            }
                match &entry.event {
                    Event::NodeCreated { id, wasm_len, .. } => wasm_lens.push((*id, *wasm_len)),
                    Event::Genesis { origin, keyring } => governance = Some((origin.clone(), keyring.clone())),
                    Event::KeyringChanged { keyring } => {
                        governance = governance.map(|(origin, _)| (origin, keyring.clone()));
                    }
                    _ => {}
                }
                logos_ledger::apply(&mut rebuilt, &entry.event)
                    .map_err(|e| StoreError::Corrupt(format!("ledger entry {} does not apply: {e}", entry.seq)))?;
            }
            let (size, hash) = read_head(&txn)?;
            if (size, hash) != (chain.size(), chain.head()) {
                return Err(StoreError::Corrupt(format!(
                    "recorded head (size {size}) does not match the ledger (size {})",
                    chain.size()
                )));
            }
            if governance != Some(read_governance(&txn)?) {
                return Err(StoreError::IndexMismatch("recorded origin or keyring differs from the ledger".into()));
            }
            let wasm = txn.open_table(WASM)?;
            for (id, len) in wasm_lens {
                let blob = wasm.get(id.as_bytes())?.ok_or_else(|| StoreError::Corrupt(format!("wasm of node {id} is missing")))?;
                let blob = blob.value();
                if NodeId::of_wasm(blob) != id || blob.len() as u64 != len {
                    return Err(StoreError::Corrupt(format!("wasm of node {id} does not match its content address")));
                }
            }
            let indexed = read_graph(&txn)?;
            if indexed != rebuilt {
                return Err(StoreError::IndexMismatch(describe_difference(&indexed, &rebuilt)));
            }
            Ok(VerifyReport { entries: size, head: hash, nodes: rebuilt.node_count(), edges: rebuilt.edge_count() })
        })
    }

    /// The graph as it was after the first `size` ledger entries, rebuilt from events alone.
    pub fn graph_at(&self, size: u64) -> Result<Graph, StoreError> {
        let mut graph = Graph::new();
        let mut chain = ChainVerifier::new();
        for bytes in self.raw_entries(0..size)? {
            let entry = chain.push(&bytes)?;
            logos_ledger::apply(&mut graph, &entry.event)
                .map_err(|e| StoreError::Corrupt(format!("ledger entry {} does not apply: {e}", entry.seq)))?;
        }
        if chain.size() < size {
            return Err(StoreError::NoSuchEntry { seq: size.saturating_sub(1), size: chain.size() });
        }
        Ok(graph)
    }

    /// The graph rebuilt from the index tables (not the cache), for checks.
    pub fn indexed_graph(&self) -> Result<Graph, StoreError> {
        guard("read index", || {
            let txn = self.db.begin_read()?;
            read_graph(&txn)
        })
    }
}

impl GraphStore for RedbStore {
    type Error = StoreError;

    fn add_node(&self, stamp: &Stamp, wasm: &[u8], manifest: &NodeManifest) -> Result<NodeAdded, StoreError> {
        guard("add node", || {
            manifest.validate()?;
            let id = NodeId::of_wasm(wasm);
            let mut state = self.lock();
            if let Some(existing) = state.graph.node(&id) {
                if existing != manifest {
                    return Err(StoreError::ManifestConflict(id));
                }
                return Ok(NodeAdded { id, seq: None });
            }
            let txn = self.db.begin_write()?;
            txn.open_table(NODES)?.insert(id.as_bytes(), encode_manifest(manifest).as_slice())?;
            txn.open_table(WASM)?.insert(id.as_bytes(), wasm)?;
            let event = Event::NodeCreated { id, manifest: manifest.clone(), wasm_len: wasm.len() as u64 };
            let head = append(&txn, state.head, stamp, event)?;
            txn.commit()?;
            state.graph.add_node(id, manifest.clone());
            let seq = state.head.size;
            state.head = head;
            Ok(NodeAdded { id, seq: Some(seq) })
        })
    }

    fn add_edge(&self, stamp: &Stamp, edge: &Edge) -> Result<u64, StoreError> {
        guard("add edge", || {
            let mut state = self.lock();
            state.graph.check_edge(edge)?;
            let txn = self.db.begin_write()?;
            txn.open_table(EDGES)?.insert(encode_edge(edge).as_slice(), ())?;
            let head = append(&txn, state.head, stamp, Event::EdgeAdded { edge: edge.clone() })?;
            txn.commit()?;
            state.graph.add_edge(edge.clone())?;
            let seq = state.head.size;
            state.head = head;
            Ok(seq)
        })
    }

    fn remove_edge(&self, stamp: &Stamp, edge: &Edge) -> Result<u64, StoreError> {
        guard("remove edge", || {
            let mut state = self.lock();
            let mut next = state.graph.clone();
            next.remove_edge(edge)?;
            let txn = self.db.begin_write()?;
            txn.open_table(EDGES)?.remove(encode_edge(edge).as_slice())?;
            let head = append(&txn, state.head, stamp, Event::EdgeRemoved { edge: edge.clone() })?;
            txn.commit()?;
            let seq = state.head.size;
            state.graph = next;
            state.head = head;
            Ok(seq)
        })
    }

    fn manifest(&self, id: &NodeId) -> Result<Option<NodeManifest>, StoreError> {
        Ok(self.lock().graph.node(id).cloned())
    }

    fn wasm(&self, id: &NodeId) -> Result<Option<Vec<u8>>, StoreError> {
        guard("read wasm", || {
            let txn = self.db.begin_read()?;
            let table = txn.open_table(WASM)?;
            let Some(blob) = table.get(id.as_bytes())? else { return Ok(None) };
            let blob = blob.value().to_vec();
            // The registry is content-addressed: never hand out bytes that are not what the id names.
            if NodeId::of_wasm(&blob) != *id {
                return Err(StoreError::Corrupt(format!("wasm of node {id} does not match its content address")));
            }
            Ok(Some(blob))
        })
    }

    fn graph(&self) -> Result<Graph, StoreError> {
        Ok(self.lock().graph.clone())
    }

    fn head(&self) -> Result<LedgerHead, StoreError> {
        Ok(self.lock().head)
    }
}

/// Runs `f`, turning a panic inside the storage engine into a typed error.
///
/// redb answers most damage with errors, but some damaged files make it
/// panic (malformed allocator state, out-of-range slices). A corrupt store
/// is a normal input for LOGOS, so every entry point runs under this guard.
/// Unwind safety: `State` is only assigned after a successful commit and
/// its mutex recovers from poisoning, so an unwound call leaves the cached
/// state equal to the last commit; redb itself refuses further use of a
/// database whose transaction panicked.
fn guard<T>(what: &str, f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            Err(StoreError::Corrupt(format!("{what}: the storage engine failed on damaged data ({msg})")))
        }
    }
}

/// Appends one entry for `event` after `head` inside `txn`; returns the new head.
fn append(txn: &WriteTransaction, head: LedgerHead, stamp: &Stamp, event: Event) -> Result<LedgerHead, StoreError> {
    append_authorized(txn, head, stamp, event, None)
}

/// Appends one entry (with the token that authorised it, if any) and its Merkle nodes.
pub(crate) fn append_authorized(
    txn: &WriteTransaction,
    head: LedgerHead,
    stamp: &Stamp,
    event: Event,
    authorization: Option<Authorization>,
) -> Result<LedgerHead, StoreError> {
    let entry = Entry {
        seq: head.size,
        prev: head.hash,
        actor: stamp.actor.clone(),
        timestamp_ms: stamp.timestamp_ms,
        event,
        authorization,
    };
    let bytes = entry.encode();
    let hash = hash_encoded(&bytes);
    txn.open_table(LEDGER)?.insert(head.size, bytes.as_slice())?;
    crate::tree::append_leaf(txn, head.size, &bytes)?;
    let next = LedgerHead { size: head.size + 1, hash };
    txn.open_table(META)?.insert(KEY_HEAD, encode_head(next.size, &next.hash).as_slice())?;
    Ok(next)
}

fn read_head(txn: &redb::ReadTransaction) -> Result<(u64, [u8; 32]), StoreError> {
    let meta = txn.open_table(META)?;
    let head = meta.get(KEY_HEAD)?.ok_or(StoreError::NotInitialized)?;
    decode_head(head.value())
}

fn read_governance(txn: &redb::ReadTransaction) -> Result<(String, Keyring), StoreError> {
    let meta = txn.open_table(META)?;
    let origin = meta.get(KEY_ORIGIN)?.ok_or_else(|| StoreError::Corrupt("origin record is missing".into()))?;
    let origin = String::from_utf8(origin.value().to_vec())
        .map_err(|_| StoreError::Corrupt("origin record is not UTF-8".into()))?;
    let keyring = meta.get(KEY_KEYRING)?.ok_or_else(|| StoreError::Corrupt("keyring record is missing".into()))?;
    Ok((origin, decode_keyring(keyring.value())?))
}

fn read_graph(txn: &redb::ReadTransaction) -> Result<Graph, StoreError> {
    let mut graph = Graph::new();
    for row in txn.open_table(NODES)?.range::<&[u8; 32]>(..)? {
        let (id, manifest) = row?;
        let id = NodeId::from_bytes(*id.value());
        graph.add_node(id, decode_manifest(&id, manifest.value())?);
    }
    for row in txn.open_table(EDGES)?.range::<&[u8]>(..)? {
        let (edge, _) = row?;
        let edge = decode_edge(edge.value())?;
        graph
            .add_edge(edge)
            .map_err(|e| StoreError::Corrupt(format!("indexed edges break the contract: {e}")))?;
    }
    Ok(graph)
}

fn load_state(db: &Database) -> Result<State, StoreError> {
    let txn = db.begin_read()?;
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
    drop(meta);
    let (size, hash) = read_head(&txn)?;
    {
        let ledger = txn.open_table(LEDGER)?;
        if ledger.len()? != size {
            return Err(StoreError::Corrupt(format!("head says {size} entries, ledger has {}", ledger.len()?)));
        }
        let last = ledger.last()?.ok_or_else(|| StoreError::Corrupt("ledger is empty".into()))?;
        let (seq, bytes) = (last.0.value(), last.1.value());
        if seq.checked_add(1) != Some(size) || hash_encoded(bytes) != hash {
            return Err(StoreError::Corrupt(format!("last ledger entry (seq {seq}) does not match the recorded head")));
        }
        Entry::decode(bytes).map_err(|e| StoreError::Corrupt(format!("ledger entry {seq}: {e}")))?;
    }
    let (origin, keyring) = read_governance(&txn)?;
    let graph = read_graph(&txn)?;
    Ok(State { graph, head: LedgerHead { size, hash }, origin, keyring })
}

fn describe_difference(indexed: &Graph, rebuilt: &Graph) -> String {
    if let Some((id, _)) = rebuilt.nodes().find(|(id, m)| indexed.node(id) != Some(*m)) {
        return format!("node {id} is in the ledger but not indexed as such");
    }
    if let Some((id, _)) = indexed.nodes().find(|(id, m)| rebuilt.node(id) != Some(*m)) {
        return format!("node {id} is indexed but not in the ledger");
    }
    if let Some(e) = rebuilt.edges().find(|e| !indexed.edges().any(|f| f == *e)) {
        return format!("edge {e} is in the ledger but not indexed");
    }
    if let Some(e) = indexed.edges().find(|e| !rebuilt.edges().any(|f| f == *e)) {
        return format!("edge {e} is indexed but not in the ledger");
    }
    "graphs differ".into()
}
