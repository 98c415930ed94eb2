//! RedbStore against a real redb file: persistence, idempotency, event
//! sourcing, and what happens when someone edits the file behind our back.

use logos_core::{Actor, Edge, GraphStore, NodeId, NodeManifest, Port, PortRef, PortType, Stamp};
use logos_ledger::{ChainFault, Keyring};
use logos_store::{RedbStore, StoreError};
use redb::{Database, ReadableTable, TableDefinition};

const LEDGER: TableDefinition<u64, &[u8]> = TableDefinition::new("ledger");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const EDGES: TableDefinition<&[u8], ()> = TableDefinition::new("edges");
const WASM: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("wasm");

fn stamp() -> Stamp {
    Stamp::new(Actor::Host, 1_700_000_000_000)
}

fn manifest(name: &str, input: PortType, output: PortType) -> NodeManifest {
    NodeManifest {
        name: name.into(),
        inputs: vec![Port::new("x", input)],
        outputs: vec![Port::new("y", output)],
        capabilities: Default::default(),
    }
}

/// A distinct, syntactically valid wasm module per name (header + custom section).
fn wasm(name: &str) -> Vec<u8> {
    let mut w = b"\0asm\x01\0\0\0".to_vec();
    let payload_len = 1 + name.len();
    w.push(0);
    w.push(payload_len as u8);
    w.push(name.len() as u8);
    w.extend_from_slice(name.as_bytes());
    w
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    store: RedbStore,
    a: NodeId,
    b: NodeId,
    edge: Edge,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logos.redb");
    let store = RedbStore::create(&path, "test/ledger", Keyring::empty(), &stamp()).expect("create");
    let a = store.add_node(&stamp(), &wasm("a"), &manifest("a", PortType::U64, PortType::U64)).expect("a").id;
    let b =
        store.add_node(&stamp(), &wasm("b"), &manifest("b", PortType::U64, PortType::Bool)).expect("b").id;
    let edge = Edge::new(PortRef::new(a, "y"), PortRef::new(b, "x"));
    store.add_edge(&stamp(), &edge).expect("edge");
    Fixture { _dir: dir, path, store, a, b, edge }
}

#[test]
fn reopened_store_has_everything() {
    let f = fixture();
    let (head, graph) = (f.store.head().expect("head"), f.store.graph().expect("graph"));
    drop(f.store);
    let store = RedbStore::open(&f.path).expect("reopen");
    assert_eq!(store.head().expect("head"), head);
    assert_eq!(store.graph().expect("graph"), graph);
    assert_eq!(store.wasm(&f.a).expect("read"), Some(wasm("a")));
    assert_eq!(store.origin(), "test/ledger");
    assert_eq!(store.verify().expect("verifies").entries, 4);
}

#[test]
fn adding_identical_wasm_twice_is_idempotent() {
    let f = fixture();
    let before = f.store.head().expect("head");
    let again =
        f.store.add_node(&stamp(), &wasm("a"), &manifest("a", PortType::U64, PortType::U64)).expect("re-add");
    assert_eq!(again.id, f.a);
    assert_eq!(again.seq, None);
    assert_eq!(f.store.head().expect("head"), before);
}

#[test]
fn same_wasm_with_another_manifest_is_refused() {
    let f = fixture();
    let err =
        f.store.add_node(&stamp(), &wasm("a"), &manifest("a", PortType::U32, PortType::U64)).unwrap_err();
    assert!(matches!(err, StoreError::ManifestConflict(id) if id == f.a), "{err}");
}

#[test]
fn refused_changes_leave_no_trace() {
    let f = fixture();
    let before = f.store.head().expect("head");
    // b.y is bool, a.x is u64: mismatch. Also a second feeder for b.x.
    let mismatch = Edge::new(PortRef::new(f.b, "y"), PortRef::new(f.a, "x"));
    assert!(matches!(f.store.add_edge(&stamp(), &mismatch), Err(StoreError::Contract(_))));
    assert!(matches!(f.store.add_edge(&stamp(), &f.edge), Err(StoreError::Contract(_))));
    let bad = manifest("has space", PortType::U8, PortType::U8);
    assert!(matches!(f.store.add_node(&stamp(), &wasm("c"), &bad), Err(StoreError::Manifest(_))));
    assert_eq!(f.store.head().expect("head"), before);
    assert_eq!(f.store.verify().expect("verifies").entries, before.size);
}

#[test]
fn edge_removal_is_recorded_and_rebuildable() {
    let f = fixture();
    let seq = f.store.remove_edge(&stamp(), &f.edge).expect("remove");
    assert_eq!(f.store.entry(seq).expect("entry").event.kind(), "edge-removed");
    assert_eq!(f.store.graph().expect("graph").edge_count(), 0);
    // As of the entry before the removal, the edge existed.
    assert_eq!(f.store.graph_at(seq).expect("history").edge_count(), 1);
    f.store.verify().expect("verifies");
}

#[test]
fn open_refuses_missing_and_foreign_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A valid redb database with no LOGOS tables.
    let path = dir.path().join("other.redb");
    drop(Database::create(&path).expect("plain redb"));
    assert!(matches!(RedbStore::open(&path), Err(StoreError::NotInitialized)));
    // Garbage bytes.
    let junk = dir.path().join("junk.redb");
    std::fs::write(&junk, vec![0x5a; 100_000]).expect("write");
    assert!(RedbStore::open(&junk).is_err());
    // Create twice.
    let path = dir.path().join("logos.redb");
    drop(RedbStore::create(&path, "o", Keyring::empty(), &stamp()).expect("first"));
    assert!(matches!(
        RedbStore::create(&path, "o", Keyring::empty(), &stamp()),
        Err(StoreError::AlreadyInitialized(1))
    ));
}

/// Rewrites one ledger entry directly in the redb file, as an attacker with
/// write access to the file could.
fn tamper_entry(path: &std::path::Path, seq: u64, edit: impl FnOnce(&mut Vec<u8>)) {
    let db = Database::open(path).expect("open raw");
    let txn = db.begin_write().expect("write");
    {
        let mut ledger = txn.open_table(LEDGER).expect("ledger");
        let mut bytes = ledger.get(seq).expect("get").expect("entry").value().to_vec();
        edit(&mut bytes);
        ledger.insert(seq, bytes.as_slice()).expect("insert");
    }
    txn.commit().expect("commit");
}

#[test]
fn edited_middle_entry_is_found_by_verify() {
    let f = fixture();
    drop(f.store);
    // Flip a byte inside entry 1's event (past seq and prev hash).
    tamper_entry(&f.path, 1, |b| {
        let i = b.len() - 3;
        b[i] ^= 0x01;
    });
    let store = RedbStore::open(&f.path).expect("head still matches, so open succeeds");
    match store.verify() {
        Err(StoreError::Chain(e)) => assert!(e.seq == 1 || e.seq == 2, "{e}"),
        other => panic!("expected a chain error, got {other:?}"),
    }
}

#[test]
fn edited_last_entry_is_found_at_open() {
    let f = fixture();
    drop(f.store);
    tamper_entry(&f.path, 3, |b| {
        let i = b.len() - 2;
        b[i] ^= 0x80;
    });
    let err = RedbStore::open(&f.path).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err}");
}

#[test]
fn truncated_ledger_is_found_at_open() {
    let f = fixture();
    drop(f.store);
    let db = Database::open(&f.path).expect("open raw");
    let txn = db.begin_write().expect("write");
    txn.open_table(LEDGER).expect("ledger").remove(3).expect("remove");
    txn.commit().expect("commit");
    drop(db);
    assert!(matches!(RedbStore::open(&f.path), Err(StoreError::Corrupt(_))));
}

#[test]
fn index_edited_without_ledger_event_is_found_by_verify() {
    let f = fixture();
    drop(f.store);
    let db = Database::open(&f.path).expect("open raw");
    let txn = db.begin_write().expect("write");
    {
        let mut edges = txn.open_table(EDGES).expect("edges");
        let key: Vec<u8> =
            edges.iter().expect("iter").next().expect("one edge").expect("row").0.value().to_vec();
        edges.remove(key.as_slice()).expect("remove");
    }
    txn.commit().expect("commit");
    drop(db);
    let store = RedbStore::open(&f.path).expect("open");
    assert!(matches!(store.verify(), Err(StoreError::IndexMismatch(_))));
}

#[test]
fn swapped_wasm_is_never_served() {
    let f = fixture();
    drop(f.store);
    let db = Database::open(&f.path).expect("open raw");
    let txn = db.begin_write().expect("write");
    txn.open_table(WASM).expect("wasm").insert(f.a.as_bytes(), wasm("evil").as_slice()).expect("insert");
    txn.commit().expect("commit");
    drop(db);
    let store = RedbStore::open(&f.path).expect("open");
    assert!(matches!(store.wasm(&f.a), Err(StoreError::Corrupt(_))));
    assert!(matches!(store.verify(), Err(StoreError::Corrupt(_))));
}

#[test]
fn rolled_back_head_is_found_at_open() {
    let f = fixture();
    drop(f.store);
    let db = Database::open(&f.path).expect("open raw");
    let txn = db.begin_write().expect("write");
    {
        let meta = txn.open_table(META).expect("meta");
        let head = meta.get("head").expect("get").expect("head").value().to_vec();
        drop(meta);
        let mut rolled = head.clone();
        rolled[0] -= 1; // size - 1, same hash
        txn.open_table(META).expect("meta").insert("head", rolled.as_slice()).expect("insert");
    }
    txn.commit().expect("commit");
    drop(db);
    assert!(matches!(RedbStore::open(&f.path), Err(StoreError::Corrupt(_))));
}

#[test]
fn chain_error_names_prev_mismatch() {
    let f = fixture();
    drop(f.store);
    // Replace entry 2's prev hash (bytes 1..33: seq 2 is one varint byte).
    tamper_entry(&f.path, 2, |b| b[5] ^= 0xff);
    let store = RedbStore::open(&f.path).expect("open");
    match store.verify() {
        Err(StoreError::Chain(e)) => {
            assert_eq!(e.seq, 2);
            assert_eq!(e.fault, ChainFault::PrevMismatch);
        }
        other => panic!("expected a chain error, got {other:?}"),
    }
}

#[test]
fn store_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<RedbStore>();
    assert_send_sync::<StoreError>();
}

#[test]
fn damaged_files_give_errors_not_panics() {
    let f = fixture();
    drop(f.store);
    let original = std::fs::read(&f.path).expect("read store");
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("damaged.redb");
    let mut refused = 0;
    // Walk the file with a stride so every region (header, allocator state,
    // btree pages, data) gets hit, flipping a different bit each time.
    let stride = (original.len() / 300).max(1);
    for (n, pos) in (0..original.len()).step_by(stride).enumerate() {
        let mut bytes = original.clone();
        bytes[pos] ^= 1 << (n % 8);
        std::fs::write(&copy, &bytes).expect("write copy");
        match RedbStore::open(&copy) {
            Err(_) => refused += 1,
            Ok(store) => {
                if store.verify().is_err() {
                    refused += 1;
                }
                let _ = store.wasm(&f.a);
                let _ = store.tail(10);
            }
        }
    }
    assert!(refused > 0, "no damaged copy was refused");
}

/// A crash during a first `create` used to leave a half-initialised file
/// that redb could neither open nor create over. Creation now happens in a
/// staging file renamed into place: a leftover staging file (here: the
/// zeroed header redb writes before its magic number) is replaced, and the
/// store's own path never holds a partial file.
#[test]
fn an_interrupted_create_leaves_nothing_in_the_way() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logos.redb");
    std::fs::write(dir.path().join("logos.redb.creating"), vec![0u8; 72 * 1024]).expect("leftover");
    let store = RedbStore::create(&path, "test.logos/create", Keyring::empty(), &stamp()).expect("create");
    assert_eq!(store.head().expect("head").size, 1);
    drop(store);
    assert!(!dir.path().join("logos.redb.creating").exists(), "the staging file is gone");
    assert_eq!(RedbStore::open(&path).expect("reopen").verify().expect("verify").entries, 1);
    // Creating over an existing store is still refused.
    let again = RedbStore::create(&path, "test.logos/create", Keyring::empty(), &stamp());
    assert!(matches!(again, Err(StoreError::AlreadyInitialized(1))), "{again:?}");
}
