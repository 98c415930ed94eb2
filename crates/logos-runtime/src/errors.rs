//! Error types, one family per operation: building a runtime
//! ([`BuildError`]), executing a node ([`ExecError`]), planning a flow
//! ([`PlanError`]), running one ([`FlowError`]), storing records
//! ([`RecordError`]) and replaying them ([`ReplayError`]).

use std::fmt;

use logos_core::{Capability, NodeId, PortRef, ValueError};

use crate::limits::LimitKind;
use crate::record::ExecId;

/// Why a [`Runtime`](crate::Runtime) could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// wasmtime refused the engine configuration.
    #[error("wasmtime engine configuration refused: {0}")]
    Engine(String),
    /// The on-disk module cache directory cannot be used.
    #[error("module cache directory {path}: {error}")]
    CacheDir {
        /// The directory.
        path: std::path::PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// A limit is unusable (for example zero fuel).
    #[error("invalid limit: {0}")]
    Limit(&'static str),
    /// The epoch ticker thread could not be started.
    #[error("cannot start the wall-clock ticker thread: {0}")]
    Ticker(std::io::Error),
}

/// A node execution failed. Always names the node; [`kind`](Self::kind)
/// says how.
///
/// Boxed inside, so `Result<_, ExecError>` stays one pointer wide.
#[derive(Debug, thiserror::Error)]
#[error("node `{}` ({}) {}", .0.name, .0.node.short(), .0.kind)]
pub struct ExecError(Box<ExecErrorInner>);

#[derive(Debug)]
struct ExecErrorInner {
    node: NodeId,
    name: String,
    kind: ExecErrorKind,
}

impl ExecError {
    pub(crate) fn new(node: NodeId, name: &str, kind: ExecErrorKind) -> Self {
        Self(Box::new(ExecErrorInner { node, name: name.to_owned(), kind }))
    }

    /// The node that failed.
    pub fn node(&self) -> NodeId {
        self.0.node
    }

    /// The node's manifest name.
    pub fn node_name(&self) -> &str {
        &self.0.name
    }

    /// What went wrong.
    pub fn kind(&self) -> &ExecErrorKind {
        &self.0.kind
    }

    /// The limit hit, if this is a limit breach.
    pub fn limit(&self) -> Option<LimitKind> {
        match self.0.kind {
            ExecErrorKind::Limit(l) => Some(l),
            _ => None,
        }
    }
}

/// How a node execution failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExecErrorKind {
    /// The wasm does not compile (or validate) for this engine.
    #[error("does not compile: {0}")]
    Compile(String),
    /// The module imports a function its grants do not allow.
    #[error(
        "imports `{module}.{name}`, which needs the `{needs}` capability; it is not granted to this node (grant it, or remove the import)"
    )]
    Ungranted {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
        /// The capability it needs.
        needs: Capability,
    },
    /// The module imports something outside the node ABI.
    #[error("imports `{module}.{name}`, which is not part of the node ABI (see docs/abi.md)")]
    UnknownImport {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
    },
    /// The module's exports or calls break the node ABI.
    #[error("breaks the node ABI: {0}")]
    Abi(String),
    /// The given input is not a value of the node's input record.
    #[error("was given an input that is not its input record: {0}")]
    Input(ValueError),
    /// A limit was exceeded.
    #[error("exceeded its {0}")]
    Limit(LimitKind),
    /// The guest trapped (a Rust panic is an `unreachable` trap after the
    /// panic message was written to stderr).
    #[error("trapped: {trap}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Trap {
        /// What kind of trap.
        trap: TrapKind,
        /// The captured stderr (panic message), if any.
        message: Option<String>,
    },
    /// The guest called `proc_exit`.
    #[error("called proc_exit({0}); a node returns from logos_execute instead of exiting")]
    Exit(i32),
    /// The output buffer is malformed (out of bounds, empty, unknown status).
    #[error("returned a malformed output: {0}")]
    BadOutput(String),
    /// The output is not a value of the declared output record: the node
    /// lies about its output type.
    #[error("returned an output that is not its declared output record: {0}")]
    OutputType(ValueError),
    /// The node ran and returned an error (`execute` returned `Err`).
    #[error("returned an error: {0}")]
    Failed(String),
    /// During replay, the node asked for nondeterminism the record does not
    /// hold (or a different kind).
    #[error("diverged from its recorded nondeterminism: {0}")]
    Tape(String),
    /// The host failed (kv store error, engine resource exhaustion).
    #[error("could not run because of a host error: {0}")]
    Host(String),
}

/// The kind of a guest trap.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrapKind {
    /// `unreachable` executed (how a Rust panic ends).
    Unreachable,
    /// Out-of-bounds memory access.
    MemoryOutOfBounds,
    /// Call stack exhausted.
    StackOverflow,
    /// Integer division by zero.
    DivisionByZero,
    /// Integer overflow (e.g. `i32::MIN / -1`).
    IntegerOverflow,
    /// Invalid float-to-integer conversion.
    BadConversion,
    /// Out-of-bounds table access, null or mistyped indirect call.
    BadIndirectCall,
    /// A host function refused the guest's arguments (bad pointer, oversized
    /// kv entry, ...).
    HostFault(String),
    /// Anything else wasmtime reports.
    Other(String),
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreachable => f.write_str("unreachable executed (a panic or abort)"),
            Self::MemoryOutOfBounds => f.write_str("out-of-bounds memory access"),
            Self::StackOverflow => f.write_str("call stack exhausted"),
            Self::DivisionByZero => f.write_str("integer division by zero"),
            Self::IntegerOverflow => f.write_str("integer overflow"),
            Self::BadConversion => f.write_str("invalid conversion to integer"),
            Self::BadIndirectCall => f.write_str("bad indirect call"),
            Self::HostFault(m) => write!(f, "host call refused: {m}"),
            Self::Other(m) => f.write_str(m),
        }
    }
}

/// Why a [`Flow`](crate::Flow) cannot be planned against a graph.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The flow does not fit the graph (bad name, unknown port, unfed input...).
    #[error(transparent)]
    Flow(#[from] logos_core::FlowDefError),
    /// A flow output names a port the planned node does not declare.
    #[error("{port}: node `{node}` has no output port `{}`", port.port)]
    UnknownOutput {
        /// The port.
        port: PortRef,
        /// The node's name.
        node: String,
    },
    /// The resolver has no wasm for a node.
    #[error("node {} has no wasm available", .0.short())]
    MissingNode(NodeId),
    /// The resolver's node is not the graph's node.
    #[error("node {short}: {1}", short = .0.short())]
    SpecMismatch(NodeId, String),
}

/// Why a flow run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// The number of inputs differs from the flow's.
    #[error("flow `{flow}` takes {expected} inputs, got {got}")]
    InputCount {
        /// The flow.
        flow: String,
        /// How many it takes.
        expected: usize,
        /// How many were given.
        got: usize,
    },
    /// An input value does not have its port's type.
    #[error("flow input {port}: {error}")]
    InputType {
        /// The port.
        port: PortRef,
        /// Why.
        error: Box<ValueError>,
    },
    /// A node failed; the flow stopped there.
    #[error("flow `{flow}` failed at step {step}: {error}{}", record.map(|r| format!(" (recorded as execution {r})")).unwrap_or_default())]
    Node {
        /// The flow.
        flow: String,
        /// Index of the failing node in the plan's order.
        step: usize,
        /// The node's error.
        error: ExecError,
        /// Fuel consumed by the run, the failing node included (for quotas).
        fuel: u64,
        /// The execution record, if the run was recorded.
        record: Option<ExecId>,
    },
    /// The run succeeded but its record could not be stored.
    #[error("flow `{flow}` ran but its record could not be stored: {error}")]
    Record {
        /// The flow.
        flow: String,
        /// Why.
        error: RecordError,
    },
}

impl FlowError {
    /// The failing node's error, if a node failed.
    pub fn exec_error(&self) -> Option<&ExecError> {
        match self {
            Self::Node { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Why an execution record could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The record store failed (I/O, redb).
    #[error("record store: {0}")]
    Storage(String),
    /// A stored record does not decode (damaged file or a newer format).
    #[error("execution record {id} is corrupt: {reason}")]
    Corrupt {
        /// The record.
        id: ExecId,
        /// Why.
        reason: String,
    },
    /// The sink's background writer stopped after an earlier failure.
    #[error("record writer stopped: {0}")]
    Closed(String),
}

/// Why a replay could not be carried out (a *divergence* is not an error:
/// it is the answer, in [`ReplayReport`](crate::ReplayReport)).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The plan is for another flow.
    #[error("record is of flow `{recorded}`, the plan is for flow `{plan}`")]
    FlowMismatch {
        /// The record's flow.
        recorded: String,
        /// The plan's flow.
        plan: String,
    },
    /// The plan is built from another graph version.
    #[error(
        "record was made at graph version {recorded}, the plan is at version {plan}; plan against the graph at the recorded version"
    )]
    GraphVersion {
        /// The record's ledger seq.
        recorded: u64,
        /// The plan's ledger seq.
        plan: u64,
    },
    /// The record holds no input values and none were given.
    #[error("record holds only input digests; pass the inputs to replay")]
    InputsUnavailable,
    /// The given inputs are not the recorded ones.
    #[error("given inputs do not match the recorded input digest")]
    InputsDiffer,
    /// The inputs do not fit the plan.
    #[error(transparent)]
    Inputs(FlowError),
}

/// Why the [`Supervisor`](crate::Supervisor) refused or failed a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SupervisorError {
    /// The ledger refused the change (locks, ownership, visibility,
    /// tokens, contract) or the store failed.
    #[error(transparent)]
    Store(#[from] logos_store::StoreError),
    /// The flow cannot be planned against the current graph.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The flow ran and failed.
    #[error(transparent)]
    Flow(#[from] FlowError),
    /// A replay could not run.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// The record store failed.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// The runtime could not be built.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// A token could not be built or does not verify.
    #[error(transparent)]
    Token(#[from] logos_ledger::token::TokenError),
    /// Not a valid agent name.
    #[error(transparent)]
    Actor(#[from] logos_core::ParseActorError),
    /// The wasm failed static verification (feature `compile`: the
    /// verifier lives in logos-compile).
    #[cfg(feature = "compile")]
    #[error("wasm refused by the verifier: {0}")]
    Verify(logos_compile::VerifyError),
    /// No flow by that name.
    #[error("flow `{0}` does not exist; define it first (logos flow create)")]
    UnknownFlow(String),
    /// No node by that id.
    #[error("node {} does not exist", .0.short())]
    UnknownNode(NodeId),
    /// No proposal by that id.
    #[error("proposal {0} does not exist (logos proposal list shows every proposal)")]
    UnknownProposal(u64),
    /// No execution record by that id.
    #[error("execution {0} is not in the record store")]
    UnknownExecution(ExecId),
    /// Replay and execution lookups need a recorder.
    #[error("this runtime has no recorder; build it with RuntimeBuilder::recorder to record and replay")]
    NoRecorder,
    /// The principal may not do this.
    #[error("{actor} may not {action}: {why}")]
    NotPermitted {
        /// Who asked.
        actor: logos_core::Actor,
        /// What.
        action: String,
        /// Why not.
        why: String,
    },
    /// The agent used up a daily quota.
    #[error(
        "agent `{agent}` has used {used} of its {limit} {resource} for today; wait for tomorrow (UTC) or raise its quota in the policy"
    )]
    QuotaExceeded {
        /// The agent.
        agent: String,
        /// "executions" or "fuel".
        resource: &'static str,
        /// Used today.
        used: u64,
        /// The daily quota.
        limit: u64,
    },
    /// The pending migrations cannot be ordered.
    #[error("upgrade plan: {0}")]
    UpgradePlan(String),
    /// A lock was poisoned by a panic on another thread.
    #[error("internal lock poisoned by a panic on another thread")]
    Poisoned,
}
