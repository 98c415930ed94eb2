//! What the store promises auditors: proofs any RFC 6962 verifier accepts,
//! checkpoints that never contradict each other, and exports that reveal
//! any edited byte, truncation or rollback.

use logos_core::{Actor, Edge, GraphStore, NodeId, NodeManifest, Port, PortRef, PortType, Stamp};
use logos_ledger::checkpoint::{NoteSigner, open_checkpoint};
use logos_ledger::merkle::{leaf_hash, verify_consistency, verify_inclusion};
use logos_ledger::{Bundle, BundleError, Keyring, verify_bundle};
use logos_store::{RedbStore, StoreError};
use redb::{Database, ReadableTable, TableDefinition};

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

fn stamp() -> Stamp {
    Stamp::new(Actor::Host, 1_700_000_000_000)
}

fn grow(store: &RedbStore, from: u8, to: u8) {
    for i in from..to {
        let wasm = [b"\0asm\x01\0\0\0".as_slice(), &[0, 2, 1, i]].concat();
        let m = NodeManifest {
            name: format!("n{i}"),
            inputs: vec![Port::new("x", PortType::U32)],
            outputs: vec![Port::new("y", PortType::U32)],
            capabilities: Default::default(),
        };
        let id = store.add_node(&stamp(), &wasm, &m).expect("node").id;
        if i > 0 {
            let prev = NodeId::of_wasm(&[b"\0asm\x01\0\0\0".as_slice(), &[0, 2, 1, i - 1]].concat());
            if store.graph().expect("graph").node(&prev).is_some() {
                store
                    .add_edge(&stamp(), &Edge::new(PortRef::new(prev, "y"), PortRef::new(id, "x")))
                    .expect("edge");
            }
        }
    }
}

fn setup() -> (tempfile::TempDir, std::path::PathBuf, RedbStore, NoteSigner) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.redb");
    let store =
        RedbStore::create(&path, "test.logos/transparency", Keyring::empty(), &stamp()).expect("create");
    let signer = NoteSigner::generate("test.logos/transparency").expect("log key");
    (dir, path, store, signer)
}

#[test]
fn store_proofs_verify_against_store_roots() {
    let (_d, _p, store, _s) = setup();
    grow(&store, 0, 20);
    let n = store.head().expect("head").size;
    let entries = store.raw_entries(0..n).expect("entries");
    for size in [1, 2, 3, 7, 8, 9, n] {
        let root = store.root_at(size).expect("root");
        for seq in 0..size {
            let proof = store.inclusion_proof(seq, size).expect("proof");
            verify_inclusion(&leaf_hash(&entries[seq as usize]), &proof, &root).expect("inclusion verifies");
        }
        for old in 1..=size {
            let proof = store.consistency_proof(old, size).expect("proof");
            verify_consistency(&store.root_at(old).expect("old root"), &root, &proof)
                .expect("consistency verifies");
        }
    }
    assert!(store.root_at(n + 1).is_err());
    assert!(store.inclusion_proof(n, n).is_err());
    assert!(store.consistency_proof(0, n).is_err());
}

#[test]
fn exported_bundle_verifies_without_a_database() {
    let (_d, _p, store, signer) = setup();
    grow(&store, 0, 6);
    let bundle = store.export_bundle(&signer).expect("export");
    let json = bundle.to_json();
    let report =
        verify_bundle(&Bundle::parse(&json).expect("parse"), &[signer.verifier()], None).expect("verifies");
    assert_eq!(report.entries, store.head().expect("head").size);
    // Not trusted: another key.
    let stranger = NoteSigner::generate("test.logos/transparency").expect("key");
    assert!(matches!(verify_bundle(&bundle, &[stranger.verifier()], None), Err(BundleError::Checkpoint(_))));
}

#[test]
fn any_single_byte_change_in_an_exported_entry_is_detected() {
    let (_d, _p, store, signer) = setup();
    grow(&store, 0, 4);
    let bundle = store.export_bundle(&signer).expect("export");
    let trusted = [signer.verifier()];
    for (i, entry) in bundle.entries.iter().enumerate() {
        for j in 0..entry.len() {
            let mut bad = bundle.clone();
            bad.entries[i][j] ^= 0x01;
            assert!(
                verify_bundle(&bad, &trusted, None).is_err(),
                "flip at entry {i} byte {j} went unnoticed"
            );
        }
    }
}

#[test]
fn truncated_and_rolled_back_ledgers_are_detected() {
    let (_d, path, store, signer) = setup();
    grow(&store, 0, 3);
    let early = store.export_bundle(&signer).expect("early export");
    let early_cp = open_checkpoint(&early.checkpoint, &[signer.verifier()]).expect("cp");
    // Snapshot the file: a rollback restores it later.
    let snapshot = std::fs::read(&path).expect("read");
    grow(&store, 3, 6);
    let late = store.export_bundle(&signer).expect("late export");
    let late_note = late.checkpoint.clone();

    // A truncated bundle no longer matches its checkpoint.
    let mut truncated = late.clone();
    truncated.entries.pop();
    assert!(matches!(verify_bundle(&truncated, &[signer.verifier()], None), Err(BundleError::Mismatch(_))));
    // The late bundle extends the early checkpoint; the early bundle does not extend the late one.
    let late_cp = open_checkpoint(&late_note, &[signer.verifier()]).expect("cp");
    verify_bundle(&late, &[signer.verifier()], Some(&early_cp)).expect("extends");
    assert!(matches!(
        verify_bundle(&early, &[signer.verifier()], Some(&late_cp)),
        Err(BundleError::NotExtending(_))
    ));

    // The store itself, rolled back to the snapshot, fails against the late checkpoint.
    drop(store);
    std::fs::write(&path, snapshot).expect("roll back");
    let rolled = RedbStore::open(&path).expect("a rolled-back file is self-consistent");
    rolled.verify().expect("and passes its own checks");
    let err = rolled.verify_checkpoint(&late_note, &[signer.verifier()]).unwrap_err();
    assert!(matches!(err, StoreError::CheckpointMismatch(_)), "{err}");
    assert!(err.is_integrity());
    rolled
        .verify_checkpoint(&early.checkpoint, &[signer.verifier()])
        .expect("the early checkpoint still holds");
}

#[test]
fn store_never_signs_a_checkpoint_contradicting_the_last() {
    let (_d, path, store, signer) = setup();
    grow(&store, 0, 3);
    store.sign_checkpoint(&signer).expect("first");
    drop(store);
    // Someone rewrites the remembered checkpoint head (as a fork would look).
    let db = Database::open(&path).expect("raw");
    let txn = db.begin_write().expect("txn");
    {
        let mut meta = txn.open_table(META).expect("meta");
        let mut head = meta.get("checkpoint_head").expect("get").expect("present").value().to_vec();
        head[20] ^= 0xff;
        meta.insert("checkpoint_head", head.as_slice()).expect("insert");
    }
    txn.commit().expect("commit");
    drop(db);
    let store = RedbStore::open(&path).expect("open");
    let err = store.sign_checkpoint(&signer).unwrap_err();
    assert!(matches!(err, StoreError::InconsistentCheckpoint(_)), "{err}");
}
