//! Ledger throughput and proof cost, each next to its floor in the same run:
//! raw redb commits of the same bytes for appends, and the database-free
//! auditor for verification.
//!
//! `cargo bench -p logos-store --bench ledger`; figures go to docs/benchmarks.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use logos_core::{Actor, GraphStore, Stamp};
use logos_ledger::merkle::{leaf_hash, verify_inclusion};
use logos_ledger::{Auditor, Keyring};
use logos_store::{ExecutionSummary, RedbStore};
use redb::{Database, TableDefinition};

const RAW: TableDefinition<u64, &[u8]> = TableDefinition::new("raw");
const BATCH: usize = 1000;
/// 1M entries under `cargo bench`; a small tree when `cargo test` merely
/// checks that the benches run (criterion passes `--bench` only to real runs).
fn proof_size() -> u64 {
    if std::env::args().any(|a| a == "--bench") { 1 << 20 } else { 1 << 10 }
}

fn stamp() -> Stamp {
    Stamp::new(Actor::Host, 1_700_000_000_000)
}

fn summary(i: u64) -> ExecutionSummary {
    let mut execution = [0u8; 32];
    execution[..8].copy_from_slice(&i.to_le_bytes());
    ExecutionSummary { execution, flow: "approve".into(), record_digest: [7; 32] }
}

fn new_store(dir: &tempfile::TempDir, name: &str) -> RedbStore {
    RedbStore::create(dir.path().join(name), "bench.logos/ledger", Keyring::empty(), &stamp())
        .expect("create")
}

fn appends(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = new_store(&dir, "appends.redb");
    let raw = Database::create(dir.path().join("raw.redb")).expect("raw db");
    // The bytes a raw commit writes: one real encoded entry of the same kind.
    store.record_executions(&stamp(), &[summary(0)]).expect("seed");
    let entry = store.raw_entries(1..2).expect("entry").remove(0);
    let mut next = 1u64;
    let mut raw_key = 0u64;

    let mut g = c.benchmark_group("append");
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(1));
    g.bench_function("logos_durable_single", |b| {
        b.iter(|| {
            next += 1;
            store.record_executions(&stamp(), &[summary(next)]).expect("append")
        })
    });
    g.bench_function("raw_redb_durable_single", |b| {
        b.iter(|| {
            raw_key += 1;
            let txn = raw.begin_write().expect("txn");
            txn.open_table(RAW).expect("table").insert(raw_key, entry.as_slice()).expect("insert");
            txn.commit().expect("commit");
        })
    });
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("logos_batched_1000", |b| {
        b.iter_batched(
            || {
                let batch: Vec<_> = (0..BATCH as u64).map(|i| summary(next + i)).collect();
                next += BATCH as u64;
                batch
            },
            |batch| store.record_executions(&stamp(), &batch).expect("append"),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("raw_redb_batched_1000", |b| {
        b.iter(|| {
            let txn = raw.begin_write().expect("txn");
            {
                let mut t = txn.open_table(RAW).expect("table");
                for _ in 0..BATCH {
                    raw_key += 1;
                    t.insert(raw_key, entry.as_slice()).expect("insert");
                }
            }
            txn.commit().expect("commit");
        })
    });
    g.finish();
}

fn verification(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = new_store(&dir, "verify.redb");
    let chunks = if std::env::args().any(|a| a == "--bench") { 100 } else { 2 };
    for chunk in 0..chunks {
        let batch: Vec<_> = (0..BATCH as u64).map(|i| summary(chunk * BATCH as u64 + i)).collect();
        store.record_executions(&stamp(), &batch).expect("fill");
    }
    let size = store.head().map(|h| h.size).unwrap_or_default();
    let entries = store.raw_entries(0..size).expect("entries");
    let mut g = c.benchmark_group("verify");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(size));
    g.bench_function("store_verify_100k", |b| b.iter(|| store.verify().expect("verifies")));
    g.bench_function("auditor_no_db_100k", |b| {
        b.iter(|| {
            let mut a = Auditor::new();
            for e in &entries {
                a.push(e).expect("valid");
            }
            black_box(a.size())
        })
    });
    g.finish();
}

fn proofs(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = new_store(&dir, "proofs.redb");
    let size = proof_size();
    let mut filled = 1u64;
    while filled < size {
        let n = (size - filled).min(10 * BATCH as u64);
        let batch: Vec<_> = (0..n).map(|i| summary(filled + i)).collect();
        store.record_executions(&stamp(), &batch).expect("fill");
        filled += n;
    }
    let root = store.root_at(size).expect("root");
    let seq = size / 3;
    let leaf = leaf_hash(&store.raw_entries(seq..seq + 1).expect("entry")[0]);
    let proof = store.inclusion_proof(seq, size).expect("proof");
    let mut g = c.benchmark_group("inclusion_proof_1M");
    g.bench_function("generate", |b| b.iter(|| store.inclusion_proof(black_box(seq), size).expect("proof")));
    g.bench_function("verify", |b| {
        b.iter(|| verify_inclusion(&leaf, black_box(&proof), &root).expect("valid"))
    });
    g.finish();
}

criterion_group!(benches, appends, verification, proofs);
criterion_main!(benches);
