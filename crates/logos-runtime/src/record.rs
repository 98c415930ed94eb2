//! Execution records ("spans"): what a flow run did, precisely enough to
//! replay it bit-exactly, and where records go ([`RecordSink`]).
//!
//! A record holds the flow, the graph version (ledger seq) it ran against,
//! BLAKE3 digests of the flow's inputs and outputs and of every node's input
//! and output bytes (and, when asked, the values themselves), every granted
//! nondeterministic value a node observed (clock readings, random bytes, kv
//! reads; plus digests of kv writes), the fuel and fuel limit of every node,
//! and the outcome.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use logos_core::NodeId;
use serde::{Deserialize, Serialize};

use crate::errors::RecordError;

mod redb_sink;
pub use redb_sink::RedbSink;

/// A BLAKE3 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(*blake3::hash(bytes).as_bytes())
    }

    /// The digest of a sequence of byte strings, each length-prefixed so
    /// that boundaries count.
    pub fn of_parts<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut h = blake3::Hasher::new();
        for p in parts {
            h.update(&(p.len() as u64).to_le_bytes());
            h.update(p);
        }
        Self(*h.finalize().as_bytes())
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.to_string();
        write!(f, "Digest({})", &s[..12])
    }
}

/// The id a [`RecordSink`] gives a record: its position in the sink, from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ExecId(pub u64);

impl fmt::Display for ExecId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One granted nondeterministic observation, in the order the node made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Nondet {
    /// `clock_time_get(clock)` returned `ns`.
    Clock {
        /// The WASI clock id.
        clock: u32,
        /// The time, in nanoseconds.
        ns: u64,
    },
    /// `random_get` filled these bytes.
    Random(Vec<u8>),
    /// `logos.kv_get(key)` found this value.
    KvGet {
        /// The key.
        key: Vec<u8>,
        /// The value, if present.
        value: Option<Vec<u8>>,
    },
    /// `logos.kv_put(key, value)`: the value's digest (replay checks that
    /// the same writes happen, without applying them).
    KvPut {
        /// The key.
        key: Vec<u8>,
        /// BLAKE3 of the value.
        value: Digest,
    },
}

impl Nondet {
    pub(crate) fn size(&self) -> usize {
        match self {
            Self::Clock { .. } => 12,
            Self::Random(b) => b.len(),
            Self::KvGet { key, value } => key.len() + value.as_ref().map_or(0, Vec::len),
            Self::KvPut { key, .. } => key.len() + 32,
        }
    }
}

/// What one node did during a recorded run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRecord {
    /// The node.
    pub node: NodeId,
    /// BLAKE3 of the input bytes (the encoded input record).
    pub input: Digest,
    /// BLAKE3 of the output buffer (status byte included), if the node returned one.
    pub output: Option<Digest>,
    /// Fuel consumed.
    pub fuel: u64,
    /// The fuel limit it ran under (replay uses it, so that an out-of-fuel
    /// failure replays as one).
    pub fuel_limit: u64,
    /// Granted nondeterminism, in order.
    pub nondeterminism: Vec<Nondet>,
    /// The error, if the node failed.
    pub error: Option<String>,
}

/// How a recorded run ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Every node succeeded.
    Succeeded,
    /// A node failed; the flow stopped there.
    Failed {
        /// The failing node.
        node: NodeId,
        /// Its error.
        error: String,
    },
}

/// A recorded flow run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionRecord {
    /// The flow's name.
    pub flow: String,
    /// The graph version the flow was planned against: the ledger size
    /// (entries 0..graph_seq applied; its last entry is graph_seq - 1).
    pub graph_seq: u64,
    /// Host-provided time of the run, milliseconds since the Unix epoch (0
    /// if the host gave none: the runtime reads no clock for records).
    pub at_ms: u64,
    /// Who ran it, if the host said (the supervisor always does).
    pub actor: Option<logos_core::Actor>,
    /// BLAKE3 over the encoded flow inputs (length-prefixed, in order).
    pub inputs_digest: Digest,
    /// The encoded flow inputs, when values are recorded.
    pub inputs: Option<Vec<Vec<u8>>>,
    /// BLAKE3 over the encoded flow outputs, if the run succeeded.
    pub outputs_digest: Option<Digest>,
    /// The encoded flow outputs, when values are recorded and the run succeeded.
    pub outputs: Option<Vec<Vec<u8>>>,
    /// The flow's total fuel budget, if the run had one.
    pub fuel_budget: Option<u64>,
    /// One entry per node run, in execution order.
    pub nodes: Vec<NodeRecord>,
    /// How it ended.
    pub outcome: Outcome,
}

/// Format tag in front of every encoded record.
const RECORD_FORMAT: u8 = 1;

impl ExecutionRecord {
    /// The canonical encoding: a format byte and the postcard encoding.
    pub fn encode(&self) -> Vec<u8> {
        let out = vec![RECORD_FORMAT];
        // Serialising plain data into a Vec cannot fail.
        match postcard::to_extend(self, out) {
            Ok(v) => v,
            Err(_) => vec![RECORD_FORMAT],
        }
    }

    /// Decodes [`encode`](Self::encode)'s output.
    pub fn decode(id: ExecId, bytes: &[u8]) -> Result<Self, RecordError> {
        let corrupt = |reason: String| RecordError::Corrupt { id, reason };
        match bytes.split_first() {
            Some((&RECORD_FORMAT, rest)) => {
                let (rec, extra) =
                    postcard::take_from_bytes::<Self>(rest).map_err(|e| corrupt(e.to_string()))?;
                if !extra.is_empty() {
                    return Err(corrupt(format!("{} trailing bytes", extra.len())));
                }
                Ok(rec)
            }
            Some((v, _)) => Err(corrupt(format!("unknown record format {v}"))),
            None => Err(corrupt("empty".into())),
        }
    }

    /// BLAKE3 of the canonical encoding (what a ledger event can cite).
    pub fn digest(&self) -> Digest {
        Digest::of(&self.encode())
    }

    /// Total fuel consumed by all nodes.
    pub fn fuel(&self) -> u64 {
        self.nodes.iter().map(|n| n.fuel).sum()
    }
}

/// Where execution records go.
///
/// `append` may return before the record is durable (group commit);
/// [`flush`](Self::flush) returns once everything appended so far is.
pub trait RecordSink: Send + Sync + fmt::Debug {
    /// Stores a record and returns its id.
    fn append(&self, record: &ExecutionRecord) -> Result<ExecId, RecordError>;

    /// The record `id`, if stored (appended records become visible once durable).
    fn get(&self, id: ExecId) -> Result<Option<ExecutionRecord>, RecordError>;

    /// Up to `limit` most recent records, newest first.
    fn recent(&self, limit: usize) -> Result<Vec<(ExecId, ExecutionRecord)>, RecordError>;

    /// Blocks until every record appended so far is durable.
    fn flush(&self) -> Result<(), RecordError>;
}

/// A [`RecordSink`] in memory (tests, short-lived hosts).
#[derive(Debug, Default)]
pub struct MemorySink {
    records: Mutex<Vec<ExecutionRecord>>,
}

impl MemorySink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many records it holds.
    pub fn len(&self) -> usize {
        self.records.lock().map(|r| r.len()).unwrap_or(0)
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl RecordSink for MemorySink {
    fn append(&self, record: &ExecutionRecord) -> Result<ExecId, RecordError> {
        let mut records = self.records.lock().map_err(|_| RecordError::Storage("lock poisoned".into()))?;
        records.push(record.clone());
        Ok(ExecId(records.len() as u64))
    }

    fn get(&self, id: ExecId) -> Result<Option<ExecutionRecord>, RecordError> {
        let records = self.records.lock().map_err(|_| RecordError::Storage("lock poisoned".into()))?;
        let index = usize::try_from(id.0).ok().and_then(|i| i.checked_sub(1));
        Ok(index.and_then(|i| records.get(i)).cloned())
    }

    fn recent(&self, limit: usize) -> Result<Vec<(ExecId, ExecutionRecord)>, RecordError> {
        let records = self.records.lock().map_err(|_| RecordError::Storage("lock poisoned".into()))?;
        Ok(records
            .iter()
            .enumerate()
            .rev()
            .take(limit)
            .map(|(i, r)| (ExecId(i as u64 + 1), r.clone()))
            .collect())
    }

    fn flush(&self) -> Result<(), RecordError> {
        Ok(())
    }
}

/// Which runs are recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recording {
    /// None.
    Off,
    /// Every run.
    On,
    /// One run in `n` (the 1st, the n+1th, ...): a deterministic counter,
    /// not a coin toss, so tests and audits can predict it.
    Sampled(u32),
}

/// What the runtime records, and where.
#[derive(Clone, Debug)]
pub struct Recorder {
    sink: Arc<dyn RecordSink>,
    mode: Recording,
    values: bool,
    counter: Arc<AtomicU64>,
}

impl Recorder {
    /// Records every run into `sink`, digests only.
    pub fn new(sink: Arc<dyn RecordSink>) -> Self {
        Self { sink, mode: Recording::On, values: false, counter: Arc::new(AtomicU64::new(0)) }
    }

    /// Sets which runs are recorded.
    pub fn mode(mut self, mode: Recording) -> Self {
        self.mode = mode;
        self
    }

    /// Whether records hold the input and output values, not only digests
    /// (needed to replay without being handed the inputs again).
    pub fn values(mut self, values: bool) -> Self {
        self.values = values;
        self
    }

    /// The sink.
    pub fn sink(&self) -> &Arc<dyn RecordSink> {
        &self.sink
    }

    pub(crate) fn records_values(&self) -> bool {
        self.values
    }

    /// Whether the next run is recorded (advances the sampling counter).
    pub(crate) fn should_record(&self) -> bool {
        match self.mode {
            Recording::Off => false,
            Recording::On => true,
            Recording::Sampled(n) => {
                self.counter.fetch_add(1, Ordering::Relaxed).is_multiple_of(u64::from(n.max(1)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ExecutionRecord {
        ExecutionRecord {
            flow: "f".into(),
            graph_seq: 7,
            at_ms: 0,
            actor: None,
            inputs_digest: Digest::of(b"in"),
            inputs: Some(vec![vec![1, 2]]),
            outputs_digest: None,
            outputs: None,
            fuel_budget: None,
            nodes: vec![NodeRecord {
                node: NodeId::of_wasm(b"x"),
                input: Digest::of(b""),
                output: None,
                fuel: 5,
                fuel_limit: 10,
                nondeterminism: vec![Nondet::Clock { clock: 0, ns: 9 }, Nondet::Random(vec![1])],
                error: Some("boom".into()),
            }],
            outcome: Outcome::Failed { node: NodeId::of_wasm(b"x"), error: "boom".into() },
        }
    }

    #[test]
    fn record_encoding_round_trips() {
        let r = sample();
        assert_eq!(ExecutionRecord::decode(ExecId(1), &r.encode()).unwrap(), r);
    }

    #[test]
    fn corrupt_records_are_typed_errors() {
        let mut bytes = sample().encode();
        bytes.truncate(bytes.len() - 3);
        assert!(matches!(ExecutionRecord::decode(ExecId(1), &bytes), Err(RecordError::Corrupt { .. })));
        assert!(ExecutionRecord::decode(ExecId(1), &[9]).is_err());
        assert!(ExecutionRecord::decode(ExecId(1), &[]).is_err());
    }

    #[test]
    fn sampling_is_a_counter() {
        let rec = Recorder::new(Arc::new(MemorySink::new())).mode(Recording::Sampled(3));
        let picks: Vec<bool> = (0..6).map(|_| rec.should_record()).collect();
        assert_eq!(picks, [true, false, false, true, false, false]);
    }
}
