//! The crate a host application links to embed LOGOS: the executor for
//! wasm nodes, flows over the typed graph, execution records and replay,
//! plus the foundation (contract model, ledger, store) re-exported so a host
//! depends on one crate.
//!
//! - [`Runtime`] runs a node ([`NodeSpec`]: wasm + manifest + grants) in a
//!   fresh wasmtime instance through the node ABI (docs/abi.md), under
//!   [`Limits`] (fuel, memory, output size, wall clock), with no ambient
//!   authority: clock, randomness, log and kv exist for a node only if
//!   granted, and ungranted clock and random are deterministic stand-ins.
//!   Every output is decoded against the manifest's declared type.
//! - [`Flow`] / [`FlowPlan`] run a named entry of the graph in topological
//!   order, passing typed values along edges.
//! - [`Recorder`] and [`RecordSink`] keep [`ExecutionRecord`]s (BLAKE3
//!   digests, recorded nondeterminism, fuel per node, outcome; group commit
//!   in [`RedbSink`]); [`Runtime::replay`] re-executes one and proves it
//!   identical or reports the first [`Divergence`].
//!
//! # Determinism
//!
//! Same node, same input, same recorded nondeterminism: same output and
//! same fuel. The engine canonicalises NaNs, has no threads, meters fuel,
//! and every call gets a fresh instance. A node's clock and entropy are:
//!
//! - `clock` granted: the host clock, recorded; otherwise a logical clock
//!   starting at 0 and advancing 1 µs per reading (no side channel, and a
//!   loop waiting for time still ends);
//! - `random` granted: OS entropy, recorded; otherwise a BLAKE3 stream keyed
//!   by the node id (Rust's std draws HashMap seeds on its own, so refusing
//!   `random_get` would refuse ordinary code; the stand-in is not secret);
//! - `kv` reads are recorded; replay answers them from the record and
//!   checks, without applying, the writes.
//!
//! Wall-clock limits (epoch interruption) are the one nondeterministic
//! bound: a run stopped by one replays as a divergence, not a failure.
//!
//! It is not a compiler (`logos-compile` turns Rust into node wasm; the
//! runtime takes wasm bytes and a manifest) and not the supervisor's policy
//! layer (sediment/bedrock, tokens, quotas), which sits on top of it.
//!
//! ```
//! use logos_runtime::{NodeManifest, NodeSpec, Port, PortType, Runtime, Value};
//!
//! // A hand-written node: record{x: u8} -> record{y: u8}, y = 2x (wrapping).
//! let wasm = wat::parse_str(r#"(module
//!   (memory (export "memory") 1)
//!   (func (export "logos_alloc") (param i32) (result i32) (i32.const 1024))
//!   (func (export "logos_execute") (param $p i32) (param $n i32) (result i64)
//!     (i32.store8 (i32.const 2048) (i32.const 0))                      ;; status: ok
//!     (i32.store8 (i32.const 2049) (i32.shl (i32.load8_u (local.get $p)) (i32.const 1)))
//!     (i64.or (i64.shl (i64.const 2048) (i64.const 32)) (i64.const 2))))"#)?;
//! let manifest = NodeManifest {
//!     name: "double".into(),
//!     inputs: vec![Port::new("x", PortType::U8)],
//!     outputs: vec![Port::new("y", PortType::U8)],
//!     capabilities: Default::default(),
//! };
//! let node = NodeSpec::new(wasm, manifest);
//!
//! let runtime = Runtime::builder().fuel(1_000_000).memory(1 << 20).build()?;
//! let run = runtime.execute(&node, &Value::Record(vec![("x".into(), Value::U8(21))]))?;
//! assert_eq!(run.output, Value::Record(vec![("y".into(), Value::U8(42))]));
//! assert!(run.fuel > 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The store facade, as before:
//!
//! ```
//! use logos_runtime::{Actor, GraphStore, Keyring, RedbStore, Stamp};
//!
//! let dir = tempfile::tempdir()?;
//! let host = Stamp::new(Actor::Host, 1_700_000_000_000);
//! let store = RedbStore::create(dir.path().join("logos.redb"), "example.org/logos", Keyring::empty(), &host)?;
//! assert_eq!(store.head()?.size, 1); // the genesis entry
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
// `Module::deserialize` (engine/artifact.rs) is the one allowed unsafe call.
#![deny(unsafe_code)]
#![deny(missing_docs)]

mod engine;
mod errors;
mod exec;
mod flow;
mod kv;
mod limits;
mod linker;
mod record;
mod replay;
mod runtime;
mod state;
mod supervisor;

pub use engine::CacheStats;
pub use errors::{
    BuildError, ExecError, ExecErrorKind, FlowError, PlanError, RecordError, ReplayError, SupervisorError,
    TrapKind,
};
pub use exec::{Execution, NodeSpec};
pub use flow::{FlowOutcome, FlowPlan, RunOptions, StepOutcome};
pub use kv::{KvError, KvStore, MAX_KV_KEY, MAX_KV_VALUE, MAX_KV_WRITES, MemoryKv};
pub use limits::{LimitKind, Limits};
pub use record::{
    Digest, ExecId, ExecutionRecord, MemorySink, NodeRecord, Nondet, Outcome, RecordSink, Recorder,
    Recording, RedbSink,
};
pub use replay::{Divergence, DivergenceKind, ReplayReport};
pub use runtime::{DEFAULT_POOL_SLOTS, Runtime, RuntimeBuilder};
pub use supervisor::{Approval, Session, Supervisor, SupervisorBuilder, SupervisorEvent};

pub use logos_core::{
    Actor, Capability, CapabilitySet, ContractError, Edge, Flow, FlowDefError, FlowKind, Graph, GraphStore,
    LedgerHead, NodeAdded, NodeId, NodeManifest, Port, PortRef, PortType, Stamp, Value, ValueError,
};
pub use logos_ledger::checkpoint::{NoteSigner, NoteVerifier};
pub use logos_ledger::token::{Operation, Statement, Token, TokenError};
pub use logos_ledger::{
    Bundle, BundleError, ChainError, DefinedFlow, Entry, EntrySignature, Event, Keyring, LedgerState,
    NodeStatus, Policy, Proposal, ProposalState, StateError, verify_bundle,
};
pub use logos_store::{RedbStore, StoreError, VerifyReport};

/// The lower crates, for hosts that need more than the re-exported names.
pub mod layers {
    /// The compiler (feature `compile`, on by default).
    #[cfg(feature = "compile")]
    pub use logos_compile as compile;
    pub use logos_core as core;
    pub use logos_ledger as ledger;
    pub use logos_store as store;
}

/// The README's embedding example, compiled and run as a doctest so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
