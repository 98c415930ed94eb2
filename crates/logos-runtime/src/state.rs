//! What a node's store holds during one execution: its limiter, captured
//! output, the tape of granted nondeterminism, and its kv session. Dropped
//! with the store, so nothing survives from one execution to the next.

use std::collections::BTreeMap;
use std::sync::Arc;

use logos_core::NodeId;

use crate::kv::KvStore;
use crate::limits::{LimitKind, Limiter};
use crate::record::Nondet;

/// A guest action a host function refuses; it traps the guest and is
/// turned into a typed [`ExecErrorKind`](crate::ExecErrorKind).
#[derive(Debug, thiserror::Error)]
pub(crate) enum HostTrap {
    /// `proc_exit(code)`.
    #[error("proc_exit({0})")]
    Exit(i32),
    /// Bad arguments: pointer out of bounds, oversized kv entry.
    #[error("{0}")]
    Fault(String),
    /// Replay: the call does not match the tape.
    #[error("{0}")]
    Tape(String),
    /// A limit enforced in a host function.
    #[error("{0}")]
    Limit(LimitKind),
    /// The host itself failed (kv store).
    #[error("{0}")]
    Host(String),
}

pub(crate) fn fault(msg: impl Into<String>) -> wasmtime::Error {
    wasmtime::Error::new(HostTrap::Fault(msg.into()))
}

/// A bounded byte capture (stdout, stderr).
#[derive(Debug, Default)]
pub(crate) struct Capture {
    buf: Vec<u8>,
    cap: usize,
    truncated: bool,
}

impl Capture {
    pub(crate) fn new(cap: usize) -> Self {
        Self { buf: Vec::new(), cap, truncated: false }
    }

    pub(crate) fn push(&mut self, bytes: &[u8]) {
        let room = self.cap.saturating_sub(self.buf.len());
        if bytes.len() > room {
            self.truncated = true;
        }
        self.buf.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    pub(crate) fn text(&self) -> String {
        let mut s = String::from_utf8_lossy(&self.buf).into_owned();
        if self.truncated {
            s.push_str("…[truncated]");
        }
        s
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
}

/// Bounded `logos.log` lines.
#[derive(Debug, Default)]
pub(crate) struct Logs {
    pub lines: Vec<String>,
    bytes: usize,
    cap: usize,
    truncated: bool,
}

impl Logs {
    pub(crate) fn new(cap: usize) -> Self {
        Self { lines: Vec::new(), bytes: 0, cap, truncated: false }
    }

    pub(crate) fn push(&mut self, line: &[u8]) {
        if self.truncated {
            return;
        }
        if self.bytes + line.len() > self.cap {
            self.truncated = true;
            self.lines.push("…[log truncated]".into());
            return;
        }
        self.bytes += line.len();
        self.lines.push(String::from_utf8_lossy(line).into_owned());
    }
}

/// Granted nondeterminism: written live, read back in replay.
#[derive(Debug)]
pub(crate) enum Tape {
    Record { events: Vec<Nondet>, bytes: usize, limit: u32 },
    Replay { events: Vec<Nondet>, pos: usize },
}

impl Tape {
    pub(crate) fn is_replay(&self) -> bool {
        matches!(self, Self::Replay { .. })
    }

    pub(crate) fn record(&mut self, ev: Nondet) -> wasmtime::Result<()> {
        if let Self::Record { events, bytes, limit } = self {
            *bytes += ev.size();
            if *bytes > *limit as usize {
                return Err(wasmtime::Error::new(HostTrap::Limit(LimitKind::Tape { limit: *limit })));
            }
            events.push(ev);
        }
        Ok(())
    }

    /// The next recorded event (replay only).
    pub(crate) fn next(&mut self, wanted: &str) -> wasmtime::Result<Nondet> {
        match self {
            Self::Replay { events, pos } => match events.get(*pos) {
                Some(ev) => {
                    *pos += 1;
                    Ok(ev.clone())
                }
                None => Err(wasmtime::Error::new(HostTrap::Tape(format!(
                    "it called {wanted} after its {} recorded observations were used up",
                    events.len()
                )))),
            },
            Self::Record { .. } => Err(wasmtime::Error::new(HostTrap::Tape("not replaying".into()))),
        }
    }

    pub(crate) fn into_events(self) -> Vec<Nondet> {
        match self {
            Self::Record { events, .. } => events,
            Self::Replay { .. } => Vec::new(),
        }
    }

    /// Replay: recorded events the node did not ask for.
    pub(crate) fn unused(&self) -> usize {
        match self {
            Self::Replay { events, pos } => events.len().saturating_sub(*pos),
            Self::Record { .. } => 0,
        }
    }
}

/// A node's kv session: reads go to the store (or the tape), writes are
/// buffered and committed only if the execution succeeds.
#[derive(Debug)]
pub(crate) struct KvSession {
    pub store: Arc<dyn KvStore>,
    pub writes: BTreeMap<Vec<u8>, Vec<u8>>,
    pub written: usize,
}

/// The store data of one execution.
#[derive(Debug)]
pub(crate) struct NodeState {
    pub node: NodeId,
    pub limiter: Limiter,
    pub stdout: Capture,
    pub stderr: Capture,
    pub logs: Logs,
    /// Calls to the stand-in clock so far.
    pub clock_calls: u64,
    /// The stand-in random stream, created on first use.
    pub standin_random: Option<blake3::OutputReader>,
    pub tape: Tape,
    pub kv: Option<KvSession>,
}
