//! Storage faults, injected under redb through its `StorageBackend` trait.
//!
//! A fixed workload (create, then commits of every kind, a close and a
//! reopen, a verify) runs once per I/O operation it performs, with that one
//! operation failing; and once per sync it performs, with the power cut at
//! that sync. Whatever happens: every failure is a `StoreError::Storage`
//! carrying the I/O error (no panic gets out, and a failing disk is never
//! reported as a damaged store), and the bytes left behind reopen as a store
//! that verifies, holds every commit acknowledged before the failure and
//! every checkpoint handed out, holds nothing the workload did not write,
//! and takes new commits.
//!
//! `LOGOS_SOAK=1` runs longer workloads, a dead device (every operation from
//! the k-th on fails) and more power-cut images per sync. See docs/reliability.md.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use logos_core::{Actor, Edge, GraphStore, LedgerHead, NodeId, NodeManifest, Port, PortRef, PortType, Stamp};
use logos_ledger::checkpoint::NoteSigner;
use logos_ledger::{Entry, Event, Keyring, hash_encoded};
use logos_store::backend::{CrashDisk, CrashPoint, FaultPlan, FaultyBackend, Op};
use logos_store::{ExecutionSummary, RedbStore, StoreError};
use redb::StorageBackend;
use redb::backends::FileBackend;

const ORIGIN: &str = "test/faults";
/// The flow name of the one commit tried on a handle after it has failed.
const AFTER_ERROR: &str = "after-error";
/// The flow name of commits made on a store reopened after a failure.
const RECOVERED: &str = "recovered";

fn soak() -> bool {
    std::env::var("LOGOS_SOAK").is_ok_and(|v| v == "1")
}

fn stamp() -> Stamp {
    Stamp::new(Actor::Host, 1_700_000_000_000)
}

/// The log key: fixed, so the workload writes the same bytes every run.
fn signer() -> NoteSigner {
    NoteSigner::from_bytes(ORIGIN, &[7; 32]).expect("log key")
}

/// SplitMix64: a seeded, dependency-free generator for workloads and crash images.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn wasm(n: usize) -> Vec<u8> {
    let name = format!("n{n}");
    let mut w = b"\0asm\x01\0\0\0".to_vec();
    w.extend_from_slice(&[0, 1 + name.len() as u8, name.len() as u8]);
    w.extend_from_slice(name.as_bytes());
    w
}

fn manifest(n: usize) -> NodeManifest {
    NodeManifest {
        name: format!("n{n}"),
        inputs: vec![Port::new("x", PortType::U64)],
        outputs: vec![Port::new("y", PortType::U64)],
        capabilities: Default::default(),
    }
}

fn id(n: usize) -> NodeId {
    NodeId::of_wasm(&wasm(n))
}

fn edge(from: usize, to: usize) -> Edge {
    Edge::new(PortRef::new(id(from), "y"), PortRef::new(id(to), "x"))
}

fn summaries(flow: &str, salt: u64, count: u64) -> Vec<ExecutionSummary> {
    (0..count)
        .map(|i| {
            let mut execution = [0u8; 32];
            execution[..8].copy_from_slice(&salt.to_le_bytes());
            execution[8..16].copy_from_slice(&i.to_le_bytes());
            ExecutionSummary { execution, flow: flow.into(), record_digest: [i as u8; 32] }
        })
        .collect()
}

#[derive(Clone, Debug)]
enum Step {
    AddNode(usize),
    AddEdge(usize, usize),
    RemoveEdge(usize, usize),
    Record { salt: u64, count: u64 },
    Checkpoint,
    Reopen,
    Verify,
}

/// The default workload after create: every kind of commit, a signed
/// checkpoint, a close and reopen, and a verify over a cold cache.
fn base() -> Vec<Step> {
    use Step::*;
    vec![
        AddNode(0),
        AddNode(1),
        AddEdge(0, 1),
        Record { salt: 1, count: 3 },
        Checkpoint,
        Reopen,
        // A cold cache: the verify reads every page back through the backend.
        Verify,
        AddNode(2),
        AddEdge(1, 2),
        RemoveEdge(0, 1),
        Record { salt: 2, count: 1 },
        Checkpoint,
        Verify,
    ]
}

/// [`base`] followed by random valid steps up to `len`, with a reopen and a
/// verify every dozen steps. Edges run from older to newer nodes (no
/// cycles), one feeder per input.
fn workload(seed: u64, len: usize) -> Vec<Step> {
    let mut rng = Rng(seed);
    let mut steps = base();
    let (mut nodes, mut edges): (usize, Vec<(usize, usize)>) = (3, vec![(1, 2)]);
    while steps.len() < len {
        let step = match rng.below(10) {
            0..=2 => {
                nodes += 1;
                Step::AddNode(nodes - 1)
            }
            3..=4 => {
                let to = nodes - 1 - rng.below(nodes as u64 - 1) as usize;
                if to == 0 || edges.iter().any(|&(_, t)| t == to) {
                    continue;
                }
                let from = rng.below(to as u64) as usize;
                edges.push((from, to));
                Step::AddEdge(from, to)
            }
            5 if !edges.is_empty() => {
                let (from, to) = edges.remove(rng.below(edges.len() as u64) as usize);
                Step::RemoveEdge(from, to)
            }
            5 => continue,
            6 if steps.len().is_multiple_of(4) => Step::Verify,
            7 if steps.len().is_multiple_of(3) => Step::Checkpoint,
            _ => Step::Record { salt: rng.next(), count: 1 + rng.below(4) },
        };
        steps.push(step);
        if steps.len().is_multiple_of(12) {
            steps.extend([Step::Reopen, Step::Verify]);
        }
    }
    steps
}

/// What one run of the workload was told.
#[derive(Debug, Default)]
struct Run {
    /// The head after each commit that returned Ok, in order.
    acks: Vec<LedgerHead>,
    /// Every checkpoint note handed out.
    notes: Vec<String>,
    /// The first failure: which step, and the error.
    failure: Option<(String, StoreError)>,
    /// What the one commit tried on the failed handle returned.
    after_error: Option<Result<(), String>>,
    /// Whether the fault fired while a store was being closed (dropped),
    /// where there is no caller to tell.
    fired_in_close: bool,
}

/// Runs create + `steps` over `disk`, through a [`FaultyBackend`] failing what
/// `plan` says. Stops at the first failure, after trying one more commit on
/// the same handle. Every store is dropped (closed) before this returns.
fn run(steps: &[Step], disk: &CrashDisk, plan: &FaultPlan) -> Run {
    run_over(steps, plan, || FaultyBackend::new(disk.backend(), plan.clone()))
}

/// [`run`] over whatever storage `backend` makes (one per open).
fn run_over<B: StorageBackend>(steps: &[Step], plan: &FaultPlan, backend: impl Fn() -> B) -> Run {
    let mut run = Run::default();
    let mut store = match RedbStore::create_with_backend(backend(), ORIGIN, Keyring::empty(), &stamp()) {
        Ok(store) => store,
        Err(e) => {
            run.failure = Some(("create".into(), e));
            return run;
        }
    };
    run.acks.push(store.head().expect("head is cached"));
    for (i, step) in steps.iter().enumerate() {
        let host = stamp();
        let result: Result<bool, StoreError> = match step {
            Step::AddNode(n) => store.add_node(&host, &wasm(*n), &manifest(*n)).map(|a| a.seq.is_some()),
            Step::AddEdge(a, b) => store.add_edge(&host, &edge(*a, *b)).map(|_| true),
            Step::RemoveEdge(a, b) => store.remove_edge(&host, &edge(*a, *b)).map(|_| true),
            Step::Record { salt, count } => {
                store.record_executions(&host, &summaries("flow", *salt, *count)).map(|_| true)
            }
            Step::Verify => store.verify().map(|_| false),
            Step::Checkpoint => store.sign_checkpoint(&signer()).map(|note| {
                run.notes.push(note);
                false
            }),
            Step::Reopen => {
                run.close(store, plan);
                match RedbStore::open_with_backend(backend()) {
                    Ok(reopened) => {
                        store = reopened;
                        Ok(false)
                    }
                    Err(e) => {
                        run.failure = Some((format!("step {i} ({step:?})"), e));
                        return run;
                    }
                }
            }
        };
        match result {
            Ok(true) => run.acks.push(store.head().expect("head is cached")),
            Ok(false) => {}
            Err(e) => {
                run.failure = Some((format!("step {i} ({step:?})"), e));
                let again = store.record_executions(&host, &summaries(AFTER_ERROR, 0, 1));
                run.after_error = Some(match again {
                    Ok(_) => {
                        run.acks.push(store.head().expect("head is cached"));
                        Ok(())
                    }
                    Err(e) => Err(e.to_string()),
                });
                run.close(store, plan);
                return run;
            }
        }
    }
    run.close(store, plan);
    run
}

impl Run {
    fn close(&mut self, store: RedbStore, plan: &FaultPlan) {
        let before = plan.fired();
        drop(store);
        self.fired_in_close |= plan.fired() && !before;
    }
}

/// The ledger the workload writes when nothing fails, as encoded entries.
fn reference(steps: &[Step]) -> (Vec<Vec<u8>>, FaultPlan, u64) {
    let (disk, plan) = (CrashDisk::new(), FaultPlan::counting());
    let run = run(steps, &disk, &plan);
    assert!(run.failure.is_none(), "the workload fails with no fault injected: {:?}", run.failure);
    let store =
        RedbStore::open_with_backend(CrashDisk::from_image(disk.contents()).backend()).expect("reopen");
    let size = store.verify().expect("reference verifies").entries;
    assert_eq!(size, run.acks.last().expect("acks").size);
    (store.raw_entries(0..size).expect("entries"), plan, disk.syncs())
}

/// Checks the store that `image` holds after `run`: it opens (unless
/// nothing was ever acknowledged), verifies, holds every acknowledged commit
/// and only entries the workload wrote, and takes a new commit. Returns the
/// open error when nothing was acknowledged and the bytes are no store.
fn check_survivor(image: Vec<u8>, run: &Run, reference: &[Vec<u8>], context: &str) -> Option<StoreError> {
    check_reopened(
        RedbStore::open_with_backend(CrashDisk::from_image(image).backend()),
        run,
        reference,
        context,
    )
}

/// [`check_survivor`] for a store already reopened from whatever survived.
fn check_reopened(
    reopened: Result<RedbStore, StoreError>,
    run: &Run,
    reference: &[Vec<u8>],
    context: &str,
) -> Option<StoreError> {
    let store = match reopened {
        Ok(store) => store,
        // Nothing was promised: an interrupted create may leave no store, or
        // (redb's first writes cut short) bytes that are not a database yet.
        Err(e) if run.acks.is_empty() => return Some(e),
        Err(e) => panic!("{context}: the surviving bytes do not open: {e}"),
    };
    let report = store.verify().unwrap_or_else(|e| panic!("{context}: the survivor does not verify: {e}"));
    let last = run.acks.last().map_or(0, |h| h.size);
    assert!(
        report.entries >= last,
        "{context}: {} entries survive, {last} were acknowledged",
        report.entries
    );
    for ack in &run.acks {
        let bytes = store.raw_entries(ack.size - 1..ack.size).expect("entries");
        assert_eq!(
            bytes.first().map(|b| hash_encoded(b)),
            Some(ack.hash),
            "{context}: acknowledged entry {} differs or is gone",
            ack.size - 1
        );
    }
    for (seq, bytes) in store.raw_entries(0..report.entries).expect("entries").iter().enumerate() {
        let expected = reference.get(seq) == Some(bytes);
        let retried = matches!(
            Entry::decode(bytes).map(|e| e.event),
            Ok(Event::ExecutionRecorded { flow, .. }) if flow == AFTER_ERROR || flow == RECOVERED
        );
        assert!(expected || retried, "{context}: entry {seq} is not one the workload wrote");
    }
    // A note handed out is a promise to auditors: the store must keep every one of them.
    for note in &run.notes {
        if let Err(e) = store.verify_checkpoint(note, &[signer().verifier()]) {
            panic!("{context}: a checkpoint handed out no longer verifies: {e}");
        }
    }
    let more = store.record_executions(&stamp(), &summaries(RECOVERED, 1, 2));
    more.unwrap_or_else(|e| panic!("{context}: the recovered store refuses a commit: {e}"));
    store.verify().unwrap_or_else(|e| panic!("{context}: the recovered store stops verifying: {e}"));
    if let Err(e) = store.sign_checkpoint(&signer()) {
        panic!("{context}: the recovered store refuses to sign a checkpoint: {e}");
    }
    None
}

/// Tallies over a suite, printed at the end (`--nocapture`) for docs/reliability.md.
#[derive(Debug, Default)]
struct Tally {
    runs: u64,
    surfaced: u64,
    absorbed: u64,
    redb_panics: u64,
    integrity_labelled: u64,
    refused_after_error: u64,
    accepted_after_error: u64,
    fired_in_close: u64,
    images: u64,
    /// Images left by an interrupted create that open as no store at all
    /// (rather than as an empty one).
    unopenable_before_first_ack: u64,
}

impl Tally {
    fn record(&mut self, run: &Run) {
        self.runs += 1;
        match &run.failure {
            Some((_, e)) => {
                self.surfaced += 1;
                if e.to_string().contains("storage engine failed") {
                    self.redb_panics += 1;
                }
                if e.is_integrity() {
                    self.integrity_labelled += 1;
                }
            }
            None => self.absorbed += 1,
        }
        match run.after_error {
            Some(Ok(())) => self.accepted_after_error += 1,
            Some(Err(_)) => self.refused_after_error += 1,
            None => {}
        }
        self.fired_in_close += u64::from(run.fired_in_close);
    }
}

impl Tally {
    fn survivor(&mut self, open_error: Option<StoreError>) {
        self.images += 1;
        if let Some(e) = open_error
            && !matches!(e, StoreError::NotInitialized)
        {
            self.unopenable_before_first_ack += 1;
        }
    }
}

/// A failing disk is reported as a storage error, never as a damaged store
/// (which would send an operator to restore a backup for nothing).
fn assert_io_error(run: &Run, context: &str) {
    if let Some((step, e)) = &run.failure {
        assert!(!e.is_integrity(), "{context}: {step} failed with an integrity error: {e}");
        assert!(matches!(e, StoreError::Storage(_)), "{context}: {step} failed with {e:?}");
    }
}

/// Runs the workload, naming `context` if a panic gets through the store's guard.
fn no_panic<T>(context: &str, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        eprintln!("{context}: a panic escaped the store");
        std::panic::resume_unwind(payload)
    })
}

fn workloads() -> Vec<(u64, Vec<Step>)> {
    if soak() { (1..=4).map(|seed| (seed, workload(seed, 48))).collect() } else { vec![(0, base())] }
}

#[test]
fn every_failed_io_operation_is_a_typed_error_and_loses_no_acknowledged_commit() {
    let started = Instant::now();
    let mut tally = Tally::default();
    for (seed, steps) in workloads() {
        let (reference, counts, _) = reference(&steps);
        let modes: &[bool] = if soak() { &[false, true] } else { &[false] };
        for &persistent in modes {
            for op in Op::ALL {
                for k in 1..=counts.count(op) {
                    let context = format!("workload {seed}, {op:?} #{k} fails (persistent: {persistent})");
                    let plan =
                        if persistent { FaultPlan::fail_from(op, k) } else { FaultPlan::fail_nth(op, k) };
                    let disk = CrashDisk::new();
                    let run = no_panic(&context, || run(&steps, &disk, &plan));
                    assert!(plan.fired(), "{context}: the workload no longer reaches this operation");
                    assert!(
                        run.failure.is_some() || run.fired_in_close,
                        "{context}: the fault was swallowed while a caller was waiting"
                    );
                    assert_io_error(&run, &context);
                    tally.record(&run);
                    // The process closed the store after the error, or the power failed right then.
                    for (image, what) in [(disk.contents(), "clean close"), (disk.surviving(), "power cut")] {
                        let context = format!("{context}, {what}");
                        tally.survivor(check_survivor(image, &run, &reference, &context));
                    }
                }
            }
        }
        let total: u64 = Op::ALL.iter().map(|&op| counts.count(op)).sum();
        println!(
            "workload {seed}: {} steps, {} entries; I/O operations: {total} ({})",
            steps.len(),
            reference.len(),
            Op::ALL.map(|op| format!("{op:?} {}", counts.count(op))).join(", ")
        );
    }
    println!("io faults: {tally:?} in {:.1?}", started.elapsed());
}

#[test]
fn a_power_cut_at_any_sync_loses_no_acknowledged_commit() {
    let started = Instant::now();
    let mut tally = Tally::default();
    let random_images = if soak() { 32 } else { 4 };
    for (seed, steps) in workloads() {
        let (reference, _, syncs) = reference(&steps);
        let mut rng = Rng(seed);
        for nth in 1..=syncs {
            for point in [CrashPoint::BeforeSync, CrashPoint::AfterSync] {
                let context = format!("workload {seed}, power cut at sync #{nth} ({point:?})");
                let disk = CrashDisk::new();
                disk.crash_at_sync(nth, point);
                let run = no_panic(&context, || run(&steps, &disk, &FaultPlan::counting()));
                assert!(disk.has_crashed(), "{context}: the workload no longer reaches this sync");
                assert_io_error(&run, &context);
                tally.record(&run);
                // The cache lost every unsynced write; kept all of them; or flushed some on its own.
                let mut images = vec![(disk.surviving(), "none kept".to_owned())];
                images.push((disk.contents(), "all kept".into()));
                for i in 0..random_images {
                    let keep = rng.next();
                    let mut bits = Rng(keep);
                    images.push((
                        disk.surviving_with(|_| bits.next() & 1 == 1),
                        format!("subset {i} ({keep:#x})"),
                    ));
                }
                for (image, what) in images {
                    let context = format!("{context}, unsynced writes: {what}");
                    tally.survivor(check_survivor(image, &run, &reference, &context));
                }
            }
        }
        println!("workload {seed}: {} steps, {} entries, {syncs} syncs", steps.len(), reference.len());
    }
    println!("power cuts: {tally:?} in {:.1?}", started.elapsed());
}

/// Opens the store on `disk` (recovering it if it was cut off), commits once, and closes it.
fn recover(disk: &CrashDisk) -> Run {
    let mut run = Run::default();
    match RedbStore::open_with_backend(disk.backend()) {
        Ok(store) => {
            match store.record_executions(&stamp(), &summaries(RECOVERED, 2, 1)) {
                Ok(_) => run.acks.push(store.head().expect("head is cached")),
                Err(e) => run.failure = Some(("commit after recovery".into(), e)),
            }
            drop(store);
        }
        Err(e) => run.failure = Some(("recovery".into(), e)),
    }
    run
}

#[test]
fn a_power_cut_during_recovery_loses_nothing() {
    let started = Instant::now();
    let mut tally = Tally::default();
    let (seed, steps) = workloads().remove(0);
    let (reference, _, syncs) = reference(&steps);
    // Every third first cut by default: the second cuts multiply the runs.
    for nth in (1..=syncs).step_by(if soak() { 1 } else { 3 }) {
        let disk = CrashDisk::new();
        disk.crash_at_sync(nth, CrashPoint::BeforeSync);
        let first = run(&steps, &disk, &FaultPlan::counting());
        if first.acks.is_empty() {
            continue;
        }
        let image = disk.surviving();
        let probe = CrashDisk::from_image(image.clone());
        assert!(recover(&probe).failure.is_none(), "workload {seed}, power cut at sync #{nth}: no recovery");
        for m in 1..=probe.syncs() {
            for point in [CrashPoint::BeforeSync, CrashPoint::AfterSync] {
                let context = format!(
                    "workload {seed}, power cut at sync #{nth}, then at recovery sync #{m} ({point:?})"
                );
                let again = CrashDisk::from_image(image.clone());
                again.crash_at_sync(m, point);
                let mut second = no_panic(&context, || recover(&again));
                assert_io_error(&second, &context);
                tally.record(&second);
                second.acks.splice(0..0, first.acks.iter().copied());
                second.notes.clone_from(&first.notes);
                for (image, what) in [(again.surviving(), "none kept"), (again.contents(), "all kept")] {
                    let context = format!("{context}, unsynced writes: {what}");
                    tally.survivor(check_survivor(image, &second, &reference, &context));
                }
            }
        }
    }
    println!("power cuts during recovery: {tally:?} in {:.1?}", started.elapsed());
}

/// The same faults over a real file (through redb's own `FileBackend`, with
/// its file locks), reopened by path. A sample of writes and syncs by
/// default, since every run pays for real fsyncs; all of them when soaking.
#[test]
fn faults_over_a_real_file_leave_a_store_that_opens_by_path() {
    let started = Instant::now();
    let mut tally = Tally::default();
    let steps = base();
    let (reference, counts, _) = reference(&steps);
    let dir = tempfile::tempdir().expect("tempdir");
    for op in [Op::Write, Op::Sync, Op::Read] {
        let stride = if soak() { 1 } else { (counts.count(op) / 4).max(1) };
        for k in (1..=counts.count(op)).step_by(stride as usize) {
            let context = format!("file, {op:?} #{k} fails");
            let path = dir.path().join(format!("{op:?}-{k}.redb"));
            let plan = FaultPlan::fail_nth(op, k);
            let file = || {
                let mut options = std::fs::OpenOptions::new();
                let file = options.read(true).write(true).create(true).truncate(false).open(&path);
                FileBackend::new(file.expect("open file")).expect("file backend")
            };
            let run =
                no_panic(&context, || run_over(&steps, &plan, || FaultyBackend::new(file(), plan.clone())));
            assert!(plan.fired(), "{context}: the workload no longer reaches this operation");
            assert_io_error(&run, &context);
            tally.record(&run);
            tally.survivor(check_reopened(RedbStore::open(&path), &run, &reference, &context));
        }
    }
    println!("io faults over a file: {tally:?} in {:.1?}", started.elapsed());
}

#[test]
fn an_empty_backend_is_not_a_store() {
    let err = RedbStore::open_with_backend(CrashDisk::new().backend()).unwrap_err();
    assert!(matches!(err, StoreError::NotInitialized), "{err}");
}

#[test]
fn a_store_over_a_backend_round_trips() {
    let disk = CrashDisk::new();
    let store =
        RedbStore::create_with_backend(disk.backend(), ORIGIN, Keyring::empty(), &stamp()).expect("create");
    store.add_node(&stamp(), &wasm(0), &manifest(0)).expect("node");
    let head = store.head().expect("head");
    drop(store);
    assert_eq!(disk.unsynced(), 0, "a clean close leaves nothing unsynced");
    let store =
        RedbStore::open_with_backend(CrashDisk::from_image(disk.surviving()).backend()).expect("open");
    assert_eq!(store.head().expect("head"), head);
    assert_eq!(store.verify().expect("verifies").nodes, 1);
}
