//! Crash consistency with a real process, a real file and SIGKILL.
//!
//! A child process (this test binary, re-executed in child mode) opens the
//! store, appends nodes, edges, edge removals and execution batches, and
//! after every acknowledged commit writes the new head (size and hash) to a
//! pipe. The parent kills it with SIGKILL at a random moment, reopens the
//! store, verifies it, and checks that every head any child ever reported is
//! still there, byte for byte. The same file carries on across iterations,
//! so each child starts from the store recovered after the previous kill.
//!
//! 50 iterations by default; 1,000 with `LOGOS_SOAK=1`; or
//! `LOGOS_CRASH_ITERATIONS`. The seed (`LOGOS_CRASH_SEED`) fixes the kill
//! delays and the children's workloads; where a kill lands inside a child
//! still depends on scheduling. See docs/reliability.md.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use logos_core::{Actor, Edge, GraphStore, NodeManifest, Port, PortRef, PortType, Stamp};
use logos_ledger::{Keyring, hash_encoded};
use logos_store::{ExecutionSummary, RedbStore, StoreError};

/// Set in the child's environment: the store it appends to.
const CHILD_STORE: &str = "LOGOS_CRASH_CHILD_STORE";
/// Set in the child's environment: the seed of its workload.
const CHILD_SEED: &str = "LOGOS_CRASH_CHILD_SEED";
/// Kill delays are drawn from 0 to this. One child in four is timed from its
/// spawn, so kills also land in its start and in its open (the recovery of
/// the previous kill); the rest from its first line, when it has opened the
/// store and starts committing.
const MAX_KILL_DELAY: Duration = Duration::from_millis(40);

fn stamp() -> Stamp {
    Stamp::new(Actor::Host, 1_700_000_000_000)
}

/// SplitMix64: seeded and dependency-free.
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| v.parse().unwrap_or_else(|_| panic!("{name}={v:?} is not a number")))
}

fn iterations() -> u64 {
    let soak = std::env::var("LOGOS_SOAK").is_ok_and(|v| v == "1");
    env_u64("LOGOS_CRASH_ITERATIONS").unwrap_or(if soak { 1000 } else { 50 })
}

/// The child's side: runs only when re-executed by
/// `acknowledged_commits_survive_sigkill`; a no-op in an ordinary test run.
#[test]
fn sigkill_child() {
    let Some(path) = std::env::var_os(CHILD_STORE) else { return };
    let seed = env_u64(CHILD_SEED).expect("the parent sets the child's seed");
    let mut out = std::io::stdout().lock();
    let store = match RedbStore::open(&path) {
        Ok(store) => store,
        Err(e) => {
            // The parent reports this line; exiting on its own fails the iteration.
            let _ = writeln!(out, "fatal open: {e}");
            std::process::exit(2);
        }
    };
    writeln!(out, "ready {}", store.head().expect("head").size).expect("pipe");
    let mut rng = Rng(seed);
    for n in 0u64.. {
        match append(&store, &mut rng, seed, n) {
            Ok(true) => {
                let head = store.head().expect("head");
                // One write(2) per line, well under PIPE_BUF: the parent never sees half an ack.
                writeln!(out, "ack {} {}", head.size, hex(&head.hash)).expect("pipe");
                out.flush().expect("pipe");
            }
            Ok(false) => {}
            Err(e) => {
                let _ = writeln!(out, "fatal commit: {e}");
                std::process::exit(2);
            }
        }
    }
}

/// One random change. Ok(false): refused by the graph contract (a cycle or
/// a second feeder), which writes nothing.
fn append(store: &RedbStore, rng: &mut Rng, seed: u64, n: u64) -> Result<bool, StoreError> {
    let host = stamp();
    let graph = store.graph()?;
    let result = match rng.below(10) {
        0..=2 => {
            let name = format!("c{seed:016x}{n}");
            let mut wasm = b"\0asm\x01\0\0\0".to_vec();
            wasm.extend_from_slice(&[0, 1 + name.len() as u8, name.len() as u8]);
            wasm.extend_from_slice(name.as_bytes());
            let manifest = NodeManifest {
                name,
                inputs: vec![Port::new("x", PortType::U64)],
                outputs: vec![Port::new("y", PortType::U64)],
                capabilities: Default::default(),
            };
            store.add_node(&host, &wasm, &manifest).map(|added| added.seq.is_some())
        }
        3..=5 => {
            let fed: BTreeSet<_> = graph.edges().map(|e| e.to.node).collect();
            let free: Vec<_> = graph.nodes().map(|(id, _)| *id).filter(|id| !fed.contains(id)).collect();
            let all: Vec<_> = graph.nodes().map(|(id, _)| *id).collect();
            if free.is_empty() || all.len() < 2 {
                return Ok(false);
            }
            let to = free[rng.below(free.len() as u64) as usize];
            let from = all[rng.below(all.len() as u64) as usize];
            if from == to {
                return Ok(false);
            }
            store.add_edge(&host, &Edge::new(PortRef::new(from, "y"), PortRef::new(to, "x"))).map(|_| true)
        }
        6 => {
            let edges: Vec<Edge> = graph.edges().cloned().collect();
            if edges.is_empty() {
                return Ok(false);
            }
            store.remove_edge(&host, &edges[rng.below(edges.len() as u64) as usize]).map(|_| true)
        }
        _ => {
            let records: Vec<_> = (0..1 + rng.below(16))
                .map(|i| {
                    let mut execution = [0u8; 32];
                    execution[..8].copy_from_slice(&seed.to_le_bytes());
                    execution[8..16].copy_from_slice(&n.to_le_bytes());
                    execution[16..24].copy_from_slice(&i.to_le_bytes());
                    ExecutionSummary { execution, flow: "crash".into(), record_digest: [i as u8; 32] }
                })
                .collect();
            store.record_executions(&host, &records).map(|_| true)
        }
    };
    match result {
        Err(StoreError::Contract(_)) => Ok(false),
        other => other,
    }
}

/// Kills the child if the parent fails before it does.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What one child said before it died.
#[derive(Debug, Default)]
struct Report {
    ready: Option<u64>,
    acks: Vec<(u64, [u8; 32])>,
    fatal: Option<String>,
}

fn parse(stdout: &[u8]) -> Report {
    let mut report = Report::default();
    // Only complete lines count: a line cut off by the kill was never received.
    for line in stdout.split_inclusive(|&b| b == b'\n').filter(|l| l.ends_with(b"\n")) {
        let line = String::from_utf8_lossy(line);
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["ready", size] => report.ready = size.parse().ok(),
            ["ack", size, hash] => {
                let size: u64 = size.parse().expect("ack size");
                let bytes: Vec<u8> = (0..32)
                    .map(|i| u8::from_str_radix(&hash[2 * i..2 * i + 2], 16).expect("ack hash"))
                    .collect();
                report.acks.push((size, bytes.try_into().expect("32 bytes")));
            }
            ["fatal", ..] => report.fatal = Some(line.trim().to_owned()),
            // libtest's own lines.
            _ => {}
        }
    }
    report
}

/// When the kill delay starts.
#[derive(Clone, Copy, Debug)]
enum Clock {
    FromSpawn,
    FromReady,
}

/// Spawns a child on `path`, kills it `delay` after `clock`, and returns what it said.
fn run_child(path: &Path, seed: u64, clock: Clock, delay: Duration) -> (Report, ExitStatus, String) {
    let exe = std::env::current_exe().expect("test binary");
    let child = Command::new(exe)
        .args(["--exact", "sigkill_child", "--nocapture", "--test-threads=1", "-q"])
        .env(CHILD_STORE, path)
        .env(CHILD_SEED, seed.to_string())
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn child");
    let mut child = Reaper(child);
    let mut stdout = child.0.stdout.take().expect("piped");
    let mut stderr = child.0.stderr.take().expect("piped");
    let (first_line, first_line_seen) = mpsc::channel();
    let out = thread::spawn(move || {
        let mut reader = BufReader::new(&mut stdout);
        let mut bytes = Vec::new();
        let _ = reader.read_until(b'\n', &mut bytes);
        let _ = first_line.send(());
        let _ = reader.read_to_end(&mut bytes);
        bytes
    });
    let err = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    if let Clock::FromReady = clock {
        // The first line is `ready` or `fatal`; if the child dies first, the sender drops.
        // A child that hangs is killed anyway: the checks below then find no acks.
        let _ = first_line_seen.recv_timeout(Duration::from_secs(60));
    }
    thread::sleep(delay);
    // SIGKILL on Unix: no destructor, no flush, no redb close.
    let _ = child.0.kill();
    let status = child.0.wait().expect("wait child");
    let report = parse(&out.join().expect("stdout reader"));
    (report, status, err.join().expect("stderr reader"))
}

#[test]
fn acknowledged_commits_survive_sigkill() {
    if std::env::var_os(CHILD_STORE).is_some() {
        return;
    }
    let iterations = iterations();
    let seed = env_u64("LOGOS_CRASH_SEED")
        .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64));
    println!("crash suite: {iterations} iterations, seed {seed} (rerun with LOGOS_CRASH_SEED={seed})");
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("crash.redb");
    let store = RedbStore::create(&path, "test/crash", Keyring::empty(), &stamp()).expect("create");
    // Every head ever acknowledged: size -> hash of the entry at size - 1.
    let mut acked = BTreeMap::from([(1u64, store.head().expect("head").hash)]);
    drop(store);
    let mut rng = Rng(seed);
    let (mut before_ready, mut before_first_ack, mut unacked_survivors) = (0u64, 0u64, 0u64);
    let (mut acks_total, mut entries) = (0usize, 1u64);
    for i in 0..iterations {
        let child_seed = rng.next();
        let clock = if rng.below(4) == 0 { Clock::FromSpawn } else { Clock::FromReady };
        let delay = Duration::from_micros(rng.below(MAX_KILL_DELAY.as_micros() as u64));
        let context =
            format!("iteration {i} (seed {seed}, child seed {child_seed}, kill {delay:?} after {clock:?})");
        let (report, status, stderr) = run_child(&path, child_seed, clock, delay);
        assert!(report.fatal.is_none(), "{context}: the child failed: {:?}\n{stderr}", report.fatal);
        assert!(status.code().is_none(), "{context}: the child exited on its own ({status})\n{stderr}");
        let last = *acked.keys().next_back().expect("genesis");
        match report.ready {
            None => before_ready += 1,
            Some(size) => {
                assert!(size >= last, "{context}: the child opened {size} entries, {last} were acknowledged");
                before_first_ack += u64::from(report.acks.is_empty());
            }
        }
        for &(size, hash) in &report.acks {
            let previous = acked.insert(size, hash);
            assert!(
                previous.is_none_or(|p| p == hash),
                "{context}: head {size} was acknowledged twice with different hashes"
            );
        }
        acks_total += report.acks.len();

        let store = RedbStore::open(&path).unwrap_or_else(|e| panic!("{context}: reopen failed: {e}"));
        let verified = store.verify().unwrap_or_else(|e| panic!("{context}: verify failed: {e}"));
        let last = *acked.keys().next_back().expect("genesis");
        assert!(verified.entries >= last, "{context}: {} entries, {last} acknowledged", verified.entries);
        let raw = store.raw_entries(0..verified.entries).expect("entries");
        for (&size, hash) in &acked {
            let found = raw.get(size as usize - 1).map(|b| hash_encoded(b));
            assert_eq!(found, Some(*hash), "{context}: acknowledged entry {} changed or vanished", size - 1);
        }
        // Entries this child committed but was killed before acknowledging.
        unacked_survivors += verified.entries.saturating_sub(last.max(entries));
        entries = verified.entries;
    }
    println!(
        "crash suite: {iterations} kills in {:.1?}; {acks_total} commits acknowledged, {entries} entries at the end; \
         killed before the child opened the store: {before_ready}, after opening but before its first ack: \
         {before_first_ack}; unacknowledged entries found durable: {unacked_survivors}",
        started.elapsed()
    );
}
