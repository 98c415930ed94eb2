//! [`RedbStore`]: the graph, the node registry and the ledger in one redb file.

use std::ops::Range;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use logos_core::{Edge, Graph, GraphStore, LedgerHead, NodeAdded, NodeId, NodeManifest, Stamp};
use logos_ledger::merkle::{self, Hash};
use logos_ledger::{Authorization, Entry, Event, Keyring, LedgerState, StateError, hash_encoded};
use redb::{Database, ReadableDatabase, WriteTransaction};

use crate::StoreError;
use crate::tables::*;
use crate::tree::{Frontier, MIN_STORED_LEVEL, TreeSource};

/// The Merkle tree as read in a read transaction.
pub(crate) type ReadTree<'a> = TreeSource<
    'a,
    redb::ReadOnlyTable<(u8, u64), &'static [u8; 32]>,
    redb::ReadOnlyTable<u64, &'static [u8]>,
>;

/// A LOGOS store in one redb file.
///
/// Every change commits together with its ledger entry, with immediate
/// durability, in a single redb write transaction. One `RedbStore` may be
/// shared by many threads; writes are serialised.
pub struct RedbStore {
    pub(crate) db: Db,
    /// Writers hold this lock across their whole transaction, so the cached
    /// state always equals the last committed one.
    state: Mutex<Cached>,
}

/// The database handle, closed under the panic guard.
///
/// redb writes allocator state when a database is dropped, and on some
/// damaged files that write panics; a store opened on a corrupt file must
/// still drop quietly. The `Option` is `Some` from construction until
/// `drop`, and nothing can observe it afterwards.
pub(crate) struct Db(Option<Database>);

impl std::ops::Deref for Db {
    type Target = Database;

    fn deref(&self) -> &Database {
        match &self.0 {
            Some(db) => db,
            // Only `Drop::drop` empties the option, and no method can run after it.
            None => unreachable!("database used after drop"),
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some(db) = self.0.take() {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(db)));
        }
    }
}

/// The last committed state, as loaded from the indexes.
#[derive(Clone)]
pub(crate) struct Cached {
    pub(crate) ledger: LedgerState,
    pub(crate) head: LedgerHead,
}

impl std::fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbStore").finish_non_exhaustive()
    }
}

/// What the ledger keeps of one execution (the full record lives with the runtime).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionSummary {
    /// The execution's id.
    pub execution: [u8; 32],
    /// The flow it ran.
    pub flow: String,
    /// BLAKE3 digest of the full execution record.
    pub record_digest: [u8; 32],
}

/// Where `create` builds a new store before renaming it into place.
fn staging_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".creating");
    path.with_file_name(name)
}

fn io_error(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Storage(redb::Error::Io(std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))))
}

/// Makes a rename or link in `path`'s directory durable.
fn sync_parent(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io_error(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Checks an origin line: 1 to 256 printable ASCII characters, no spaces
/// and no `+` (it names the log in checkpoints and binds tokens).
pub fn check_origin(origin: &str) -> Result<(), StoreError> {
    let ok = !origin.is_empty()
        && origin.len() <= 256
        && origin.bytes().all(|b| b.is_ascii_graphic() && b != b'+');
    if ok { Ok(()) } else { Err(StoreError::BadOrigin(origin.chars().take(300).collect())) }
}

impl RedbStore {
    /// Creates a new store at `path` whose ledger starts with a genesis entry
    /// for `origin` registering `keyring`. Fails if the file already holds a ledger.
    pub fn create(
        path: impl AsRef<Path>,
        origin: &str,
        keyring: Keyring,
        stamp: &Stamp,
    ) -> Result<Self, StoreError> {
        check_origin(origin)?;
        let path = path.as_ref();
        if path.exists() {
            // An existing file: redb refuses a non-database, and
            // `initialise` refuses one that already holds a ledger.
            return guard("create store", || {
                Self::initialise(Db(Some(Database::create(path)?)), origin, keyring, stamp)
            });
        }
        // A new file is built beside its final name and renamed into place
        // once complete, so a crash during creation leaves either no store
        // or a whole one, never a half-written file that redb can neither
        // open nor create over.
        let staging = staging_path(path);
        match std::fs::remove_file(&staging) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_error(&staging, e)),
            _ => {}
        }
        guard("create store", || {
            drop(Self::initialise(Db(Some(Database::create(&staging)?)), origin, keyring, stamp)?);
            Ok(())
        })?;
        // A hard link refuses to replace a file another process created meanwhile.
        std::fs::hard_link(&staging, path).map_err(|e| io_error(path, e))?;
        std::fs::remove_file(&staging).map_err(|e| io_error(&staging, e))?;
        sync_parent(path)?;
        Self::open(path)
    }

    /// Like [`create`](Self::create), over any redb storage backend instead
    /// of a file: an in-memory one (`redb::backends::InMemoryBackend`), or one
    /// that injects faults (the `fault-injection` feature's `backend` module).
    /// The backend must be empty or hold a redb database without a ledger.
    pub fn create_with_backend(
        backend: impl redb::StorageBackend,
        origin: &str,
        keyring: Keyring,
        stamp: &Stamp,
    ) -> Result<Self, StoreError> {
        check_origin(origin)?;
        guard("create store", || {
            let db = Db(Some(redb::Builder::new().create_with_backend(backend)?));
            Self::initialise(db, origin, keyring, stamp)
        })
    }

    /// Writes the tables and the genesis entry into a database with no ledger.
    fn initialise(db: Db, origin: &str, keyring: Keyring, stamp: &Stamp) -> Result<Self, StoreError> {
        let txn = db.begin_write()?;
        {
            let size = redb::ReadableTableMetadata::len(&txn.open_table(LEDGER)?)?;
            if size > 0 {
                return Err(StoreError::AlreadyInitialized(size));
            }
        }
        crate::index::create_tables(&txn)?;
        let genesis = Entry {
            seq: 0,
            prev: [0; 32],
            actor: stamp.actor.clone(),
            timestamp_ms: stamp.timestamp_ms,
            event: Event::Genesis { origin: origin.to_owned(), keyring },
            authorization: None,
        };
        let ledger = LedgerState::genesis(&genesis)?;
        crate::index::write_governance(&txn, &ledger)?;
        let head = append_entry(&txn, LedgerHead { size: 0, hash: [0; 32] }, &genesis)?;
        txn.commit()?;
        Ok(Self { db, state: Mutex::new(Cached { ledger, head }) })
    }

    /// Opens an existing store, checking its format and that the recorded
    /// head matches the last ledger entry.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        guard("open store", || Self::load(Db(Some(Database::open(path)?))))
    }

    /// Like [`open`](Self::open), over any redb storage backend instead of a
    /// file. redb initialises an empty backend as an empty database, which is
    /// then refused with [`StoreError::NotInitialized`].
    pub fn open_with_backend(backend: impl redb::StorageBackend) -> Result<Self, StoreError> {
        guard("open store", || Self::load(Db(Some(redb::Builder::new().create_with_backend(backend)?))))
    }

    fn load(db: Db) -> Result<Self, StoreError> {
        let cached = crate::index::load(&db)?;
        Ok(Self { db, state: Mutex::new(cached) })
    }

    pub(crate) fn head_size(&self) -> u64 {
        self.lock().head.size
    }

    /// Runs `f` over the MERKLE table in a read transaction (takes no lock).
    pub(crate) fn read_tree<T>(
        &self,
        f: impl FnOnce(&ReadTree<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        guard("read merkle tree", || {
            let txn = self.db.begin_read()?;
            let merkle = txn.open_table(MERKLE)?;
            let ledger = txn.open_table(LEDGER)?;
            f(&TreeSource::new(&merkle, &ledger))
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Cached> {
        // A panic while holding the lock cannot leave the cache half-updated:
        // it is only assigned after a successful commit.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The log's origin (from the genesis entry).
    pub fn origin(&self) -> String {
        self.lock().ledger.origin.clone()
    }

    /// The current human keyring.
    pub fn keyring(&self) -> Keyring {
        self.lock().ledger.keyring.clone()
    }

    /// Everything the ledger implies right now: graph, node status, keyring,
    /// policy, used tokens.
    pub fn state(&self) -> LedgerState {
        self.lock().ledger.clone()
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
            .map(|(b, seq)| {
                Entry::decode(b).map_err(|e| StoreError::Corrupt(format!("ledger entry {seq}: {e}")))
            })
            .collect()
    }

    /// Appends `event` (authorised by `authorization`, if governed) and
    /// updates the indexes, all in one durable transaction. The event is
    /// first applied to a copy of the state, so an invalid change is refused
    /// before anything is written.
    pub(crate) fn commit(
        &self,
        stamp: &Stamp,
        event: Event,
        authorization: Option<Authorization>,
        wasm: Option<&[u8]>,
    ) -> Result<u64, StoreError> {
        self.commit_many(stamp, vec![(event, authorization)], wasm).map(|range| range.start)
    }

    /// Like [`commit`](Self::commit) for several events in one transaction
    /// (group commit): all apply, or none does. Returns their seqs.
    pub(crate) fn commit_many(
        &self,
        stamp: &Stamp,
        events: Vec<(Event, Option<Authorization>)>,
        wasm: Option<&[u8]>,
    ) -> Result<Range<u64>, StoreError> {
        guard("commit change", || {
            let mut cached = self.lock();
            let start = cached.head.size;
            let txn = self.db.begin_write()?;
            let mut state = cached.ledger.clone();
            let mut head = cached.head;
            {
                // Opened once per transaction: a batch of a thousand entries
                // should not reopen the same tables a thousand times.
                let mut ledger = txn.open_table(LEDGER)?;
                let mut tree = txn.open_table(MERKLE)?;
                // The right edge of the tree: the left siblings the next
                // appends need, kept here instead of re-read through redb.
                let mut edge: [Option<(u64, Hash)>; 64] = [None; 64];
                for (event, authorization) in events {
                    let entry = Entry {
                        seq: head.size,
                        prev: head.hash,
                        actor: stamp.actor.clone(),
                        timestamp_ms: stamp.timestamp_ms,
                        event,
                        authorization,
                    };
                    // A failure below abandons the transaction and `state`, a scratch copy.
                    let before = matches!(
                        entry.event,
                        Event::Migrated { .. } | Event::MigratedVia { .. } | Event::RolledBack { .. }
                    )
                    .then(|| state.graph.clone());
                    {
                        // Roots are needed only to check a token; the write
                        // transaction reads the batch's own entries and nodes.
                        let source = TreeSource::new(&tree, &ledger);
                        state
                            .apply(&entry, &|size| merkle::root(&source, size).ok())
                            .map_err(StoreError::from)?;
                    }
                    crate::index::write_changes(&txn, before.as_ref(), &state, &entry, wasm)?;
                    let bytes = entry.encode();
                    let leaf = merkle::leaf_hash(&bytes);
                    let nodes = {
                        let stored = TreeSource::new(&tree, &ledger);
                        merkle::append_nodes(&Frontier { edge, stored: &stored }, head.size, leaf)?
                    };
                    ledger.insert(head.size, bytes.as_slice())?;
                    for (level, index, hash) in nodes {
                        if level >= MIN_STORED_LEVEL {
                            tree.insert((level, index), &hash)?;
                        }
                        if let Some(slot) = edge.get_mut(usize::from(level)) {
                            *slot = Some((index, hash));
                        }
                    }
                    head = LedgerHead { size: head.size + 1, hash: leaf };
                }
            }
            txn.open_table(META)?.insert(KEY_HEAD, encode_head(head.size, &head.hash).as_slice())?;
            txn.commit()?;
            cached.ledger = state;
            cached.head = head;
            Ok(start..head.size)
        })
    }

    /// Records finished executions in the ledger: one `ExecutionRecorded`
    /// entry each, all in one durable transaction (group commit).
    pub fn record_executions(
        &self,
        stamp: &Stamp,
        records: &[ExecutionSummary],
    ) -> Result<Range<u64>, StoreError> {
        let events = records
            .iter()
            .map(|r| {
                let event = Event::ExecutionRecorded {
                    execution: r.execution,
                    flow: r.flow.clone(),
                    record_digest: r.record_digest,
                };
                (event, None)
            })
            .collect();
        self.commit_many(stamp, events, None)
    }

    /// The graph rebuilt from the index tables (not the cache), for checks.
    pub fn indexed_graph(&self) -> Result<Graph, StoreError> {
        guard("read index", || Ok(crate::index::load(&self.db)?.ledger.graph))
    }
}

impl GraphStore for RedbStore {
    type Error = StoreError;

    fn add_node(&self, stamp: &Stamp, wasm: &[u8], manifest: &NodeManifest) -> Result<NodeAdded, StoreError> {
        manifest.validate()?;
        let id = NodeId::of_wasm(wasm);
        if let Some(existing) = self.lock().ledger.graph.node(&id) {
            if existing != manifest {
                return Err(StoreError::ManifestConflict(id));
            }
            return Ok(NodeAdded { id, seq: None });
        }
        let event = Event::NodeCreated { id, manifest: manifest.clone(), wasm_len: wasm.len() as u64 };
        match self.commit(stamp, event, None, Some(wasm)) {
            Ok(seq) => Ok(NodeAdded { id, seq: Some(seq) }),
            // Lost a race with an identical add: still idempotent.
            Err(StoreError::State(StateError::DuplicateNode(_))) => Ok(NodeAdded { id, seq: None }),
            Err(e) => Err(e),
        }
    }

    fn add_edge(&self, stamp: &Stamp, edge: &Edge) -> Result<u64, StoreError> {
        self.commit(stamp, Event::EdgeAdded { edge: edge.clone() }, None, None)
    }

    fn remove_edge(&self, stamp: &Stamp, edge: &Edge) -> Result<u64, StoreError> {
        self.commit(stamp, Event::EdgeRemoved { edge: edge.clone() }, None, None)
    }

    fn manifest(&self, id: &NodeId) -> Result<Option<NodeManifest>, StoreError> {
        Ok(self.lock().ledger.graph.node(id).cloned())
    }

    fn wasm(&self, id: &NodeId) -> Result<Option<Vec<u8>>, StoreError> {
        guard("read wasm", || {
            let txn = self.db.begin_read()?;
            let table = txn.open_table(WASM)?;
            let Some(blob) = table.get(id.as_bytes())? else { return Ok(None) };
            let blob = blob.value().to_vec();
            // The registry is content-addressed: never hand out bytes that are not what the id names.
            if NodeId::of_wasm(&blob) != *id {
                return Err(StoreError::Corrupt(format!(
                    "wasm of node {id} does not match its content address"
                )));
            }
            Ok(Some(blob))
        })
    }

    fn graph(&self) -> Result<Graph, StoreError> {
        Ok(self.lock().ledger.graph.clone())
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
/// Unwind safety: the cached state is only assigned after a successful
/// commit and its mutex recovers from poisoning, so an unwound call leaves
/// the cache equal to the last commit; redb itself refuses further use of a
/// database whose transaction panicked.
pub(crate) fn guard<T>(what: &str, f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
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

/// Writes `entry` after `head`, with its Merkle nodes and the new head.
fn append_entry(txn: &WriteTransaction, head: LedgerHead, entry: &Entry) -> Result<LedgerHead, StoreError> {
    let bytes = entry.encode();
    let hash: Hash = hash_encoded(&bytes);
    txn.open_table(LEDGER)?.insert(head.size, bytes.as_slice())?;
    crate::tree::append_leaf(txn, head.size, &bytes)?;
    let next = LedgerHead { size: head.size + 1, hash };
    txn.open_table(META)?.insert(KEY_HEAD, encode_head(next.size, &next.hash).as_slice())?;
    Ok(next)
}
