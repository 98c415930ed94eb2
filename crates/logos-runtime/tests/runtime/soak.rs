//! Concurrency soak: 8 threads run flows through one supervisor while
//! another thread keeps changing the graph and the ledger (agent drafts,
//! links, sandbox flows, shares, proposals, migrations of a bedrock node).
//! Afterwards: no run failed, the ledger verifies, and every recorded
//! execution replays to identical outputs and fuel against the graph
//! version it ran on.
//!
//! Bounded by time: 2 s by default, `LOGOS_SOAK_SECONDS` to change it
//! (`LOGOS_SOAK=1` alone means 60 s).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use logos_runtime::layers::ledger::ed25519_dalek::SigningKey;
use logos_runtime::{
    Actor, Edge, Event, ExecId, Flow, GraphStore, Keyring, Operation, PortRef, RecordSink, Recorder,
    RedbSink, RedbStore, Runtime, Stamp, Statement, Supervisor, Token, Value,
};

use crate::support::*;

const THREADS: usize = 8;

fn soak_duration() -> Duration {
    let seconds = std::env::var("LOGOS_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if std::env::var_os("LOGOS_SOAK").is_some() { 60 } else { 2 });
    Duration::from_secs(seconds)
}

fn human(i: u8) -> SigningKey {
    SigningKey::from_bytes(&[i; 32])
}

fn token(sup: &Supervisor, op: Operation) -> Token {
    let store = sup.store();
    let size = store.head().expect("head").size;
    let root = store.root_at(size).expect("root");
    let statement = Statement::new(
        store.origin(),
        op,
        size,
        root,
        sup.now_ms() + 3_600_000,
        Statement::random_nonce().expect("nonce"),
    )
    .expect("statement");
    let mut t = Token::new(statement);
    t.sign(&human(1)).expect("sign");
    t.sign(&human(2)).expect("sign");
    t
}

#[test]
fn flows_run_while_the_graph_changes_and_every_record_replays() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut keys: Vec<[u8; 32]> = (1..=3).map(|i| human(i).verifying_key().to_bytes()).collect();
    keys.sort_unstable();
    let store = RedbStore::create(
        dir.path().join("soak.redb"),
        "test.logos/soak",
        Keyring { keys, quorum: 2 },
        &Stamp::new(Actor::Host, 1_700_000_000_000),
    )
    .expect("store");
    let sink = Arc::new(RedbSink::open(dir.path().join("records.redb")).expect("sink"));
    let runtime = Runtime::builder()
        .fuel(10_000_000)
        .memory(4 << 20)
        .recorder(Recorder::new(Arc::clone(&sink) as Arc<dyn RecordSink>).values(true))
        .build()
        .expect("runtime");
    let sup = Supervisor::builder(store).runtime(runtime).build().expect("supervisor");
    let host = sup.host();

    // Production: feeder -> rule (bedrock), flow "score". The rule will be
    // migrated back and forth between equivalent implementations.
    let feeder = host.add_node(add(1).wasm(), add(1).manifest()).expect("feeder").id;
    let rule = host.add_node(add(10).wasm(), add(10).manifest()).expect("rule").id;
    host.link(&Edge::new(PortRef::new(feeder, "y"), PortRef::new(rule, "x"))).expect("link");
    for node in [feeder, rule] {
        host.govern(Event::Promoted { node }, &token(&sup, Operation::Promote { node })).expect("promote");
    }
    let flow = Flow::production("score", vec![PortRef::new(feeder, "x")], vec![PortRef::new(rule, "y")]);
    host.define_flow(&flow).expect("flow");

    let stop = Arc::new(AtomicBool::new(false));
    let runs = Arc::new(AtomicU64::new(0));
    let barrier = Arc::new(Barrier::new(THREADS + 2));
    let mut workers = Vec::new();
    for t in 0..THREADS {
        let (sup, stop, runs, barrier) =
            (sup.clone(), Arc::clone(&stop), Arc::clone(&runs), Arc::clone(&barrier));
        workers.push(std::thread::spawn(move || -> Result<Vec<(ExecId, u64)>, String> {
            barrier.wait();
            let mut recorded = Vec::new();
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let x = (t as u64) * 1_000_000 + i;
                let out = sup
                    .host()
                    .run_with("score", &[Value::U64(x)], Some(i.is_multiple_of(4)))
                    .map_err(|e| e.to_string())?;
                if out.outputs != [Value::U64(x + 11)] {
                    return Err(format!("score({x}) = {:?}", out.outputs));
                }
                if let Some(id) = out.record {
                    recorded.push((id, x));
                }
                runs.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
            Ok(recorded)
        }));
    }
    let mutator = {
        let (sup, stop, barrier) = (sup.clone(), Arc::clone(&stop), Arc::clone(&barrier));
        std::thread::spawn(move || -> Result<u64, String> {
            barrier.wait();
            let e = |e: logos_runtime::SupervisorError| e.to_string();
            let (mut changes, mut current, mut k) = (0u64, rule, 0u64);
            while !stop.load(Ordering::Relaxed) {
                k += 1;
                let agent = sup.agent(&format!("agent-{}", k % 3)).map_err(e)?;
                let draft = add(1000 + k);
                let id = agent.add_node(draft.wasm(), draft.manifest()).map_err(e)?.id;
                agent.link(&Edge::new(PortRef::new(current, "y"), PortRef::new(id, "x"))).map_err(e)?;
                let sandbox = Flow::new(
                    format!("draft-{k}"),
                    vec![PortRef::new(feeder, "x")],
                    vec![PortRef::new(id, "y")],
                );
                agent.define_flow(&sandbox).map_err(e)?;
                agent.run(&sandbox.name, &[Value::U64(k)]).map_err(e)?;
                if k.is_multiple_of(2) {
                    agent.share(id).map_err(e)?;
                }
                let proposal = agent.propose(Operation::Promote { node: id }, 3_600_000).map_err(e)?;
                agent.reject(proposal, "soak").err().ok_or("an agent rejected a proposal")?;
                sup.host().reject(proposal, "soak").map_err(e)?;
                // Migrate the rule to an equivalent implementation (same
                // function, distinct wasm): production runs must not notice.
                if k.is_multiple_of(3) {
                    let next = equivalent_rule(k);
                    let next = sup.host().add_node(next.wasm(), next.manifest()).map_err(e)?.id;
                    let op = Operation::Migrate { from: current, to: next };
                    sup.host()
                        .govern(Event::Migrated { from: current, to: next }, &token(&sup, op))
                        .map_err(e)?;
                    current = next;
                }
                changes += 1;
            }
            Ok(changes)
        })
    };
    barrier.wait();
    std::thread::sleep(soak_duration());
    stop.store(true, Ordering::Relaxed);
    let changes = mutator.join().expect("mutator thread").expect("every change applies");
    let mut recorded: Vec<(ExecId, u64)> = Vec::new();
    for w in workers {
        recorded.extend(w.join().expect("worker thread").expect("every run succeeds"));
    }
    assert!(changes > 0 && runs.load(Ordering::Relaxed) > 0, "the soak did nothing");

    sink.flush().expect("flush");
    let report = sup.store().verify().expect("the ledger verifies after the soak");
    assert!(report.entries > 1);
    let mut versions = std::collections::BTreeSet::new();
    for (id, _) in &recorded {
        let replay = sup.replay(*id).expect("replay");
        assert!(replay.is_identical(), "execution {id} diverged: {replay:?}");
        versions.insert(sup.execution(*id).expect("record").graph_seq);
    }
    eprintln!(
        "soak: {} runs, {} recorded and replayed across {} graph versions, {changes} graph changes",
        runs.load(Ordering::Relaxed),
        recorded.len(),
        versions.len()
    );
}

/// `x + 10` written differently for each `k` (a distinct node id, the
/// same function), so migrations keep production outputs unchanged.
fn equivalent_rule(k: u64) -> logos_runtime::NodeSpec {
    let m = manifest(&format!("add-10-v{k}"), &[("x", "u64")], &[("y", "u64")], &[]);
    node(
        m,
        "",
        "",
        &format!(
            "(call $ok_u64 (i64.add (i64.add (call $read_varint (local.get $p)) (i64.const {k})) (i64.const {})))",
            10i64 - k as i64
        ),
    )
}
