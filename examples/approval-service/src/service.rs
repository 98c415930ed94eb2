//! The service without HTTP: boot (story, store, supervisor, warm-up), one
//! decision, the flow's description, and how runtime errors become
//! refusals with a status.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use financial_approval::{Dirs, FLOW};
use logos_runtime::{
    BuildError, ExecErrorKind, FlowError, GraphStore, LimitKind, PortRef, RecordError, Recorder, RedbSink,
    RedbStore, Runtime, StoreError, Supervisor, SupervisorError,
};
use tokio::sync::Semaphore;

use crate::api::{DecisionRequest, DecisionResponse, FlowDescription, PortDescription};

/// How the service runs.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// Where the story writes the bank's store (`bank.redb`) and the
    /// service its records (`records.redb`), and where compiled rules are
    /// cached.
    pub dirs: Dirs,
    /// Record every decision (values included) in `records.redb`
    /// (default: on).
    pub record: bool,
    /// Flow runs at once (default: the number of cores).
    pub workers: usize,
    /// Requests waiting or running before new ones are refused with 503
    /// (default: 1024).
    pub max_pending: usize,
}

impl Config {
    /// The defaults, over `dirs`.
    pub fn new(dirs: Dirs) -> Self {
        let workers = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self { dirs, record: true, workers, max_pending: 1024 }
    }
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BootError {
    /// The financial-approval story failed (its prose says where).
    #[error("the financial-approval story failed: {0}")]
    Story(String),
    /// The bank's store cannot be opened.
    #[error("cannot open the bank's store {}: {error} (run the story first: start without --no-story)", path.display())]
    Store {
        /// The store file.
        path: PathBuf,
        /// Why.
        error: Box<StoreError>,
    },
    /// The record store cannot be opened.
    #[error("cannot open the record store {}: {error}", path.display())]
    Records {
        /// The record file.
        path: PathBuf,
        /// Why.
        error: RecordError,
    },
    /// The runtime cannot be built.
    #[error(transparent)]
    Runtime(#[from] BuildError),
    /// The supervisor cannot be built.
    #[error(transparent)]
    Supervisor(Box<SupervisorError>),
    /// The warm-up decision failed.
    #[error("the warm-up decision failed: {0}")]
    WarmUp(DecideError),
}

/// Why a decision was not made. [`status`](Self::status) is the HTTP
/// status; the message is the response's `error`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecideError {
    /// The body is not a transaction request (syntax, shape, sizes).
    #[error("{0}")]
    BadRequest(String),
    /// A rule refused the transaction: its `execute` returned an error.
    #[error("the rules refused the transaction: {node} says {reason}")]
    Refused {
        /// The rule (node name).
        node: String,
        /// Its words.
        reason: String,
    },
    /// The transaction makes a rule exceed its fuel, memory or output limit.
    #[error("the transaction exceeds the rules' limits: {0}")]
    TooLarge(String),
    /// Saturated or out of time; retrying later may succeed.
    #[error("{0}; retry shortly")]
    Unavailable(String),
    /// The service's own failure (the rules, the store, the records).
    #[error("internal error: {0}")]
    Internal(String),
}

impl DecideError {
    /// The HTTP status: 400 bad request, 422 over the rules' limits, 503
    /// unavailable, 500 internal.
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest(_) | Self::Refused { .. } => 400,
            Self::TooLarge(_) => 422,
            Self::Unavailable(_) => 503,
            Self::Internal(_) => 500,
        }
    }

    /// Sorts a failed run by whose fault it is. A rule returning an error is
    /// the rules judging the input (only `intake` can: it checks the
    /// transaction); a flow input of the wrong type is the request's; a
    /// fuel, memory or output limit is hit by what the input makes the rules
    /// do; a wall-clock limit is the machine being too busy. Everything else
    /// (a trapping rule, a missing flow, a failing store) is ours.
    fn from_run(error: SupervisorError) -> Self {
        match &error {
            SupervisorError::Flow(FlowError::Node { error: node, .. }) => match node.kind() {
                ExecErrorKind::Failed(reason) => {
                    Self::Refused { node: node.node_name().to_owned(), reason: reason.clone() }
                }
                ExecErrorKind::Limit(LimitKind::WallClock { .. } | LimitKind::FlowWallClock { .. }) => {
                    Self::Unavailable(error.to_string())
                }
                ExecErrorKind::Limit(_) => Self::TooLarge(error.to_string()),
                _ => Self::Internal(error.to_string()),
            },
            SupervisorError::Flow(FlowError::InputType { .. }) => Self::BadRequest(error.to_string()),
            _ => Self::Internal(error.to_string()),
        }
    }
}

/// The service: a supervisor over the bank's store, and the bound on
/// concurrent runs. Cheap to clone, `Send + Sync`.
#[derive(Clone, Debug)]
pub struct Service {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    sup: Supervisor,
    permits: Arc<Semaphore>,
    pending: AtomicUsize,
    max_pending: usize,
}

impl Service {
    /// Tells the financial-approval story into `config.dirs` (its prose
    /// into `prose`), then [`open`](Self::open)s the store it leaves.
    pub fn bootstrap(config: &Config, prose: &mut dyn Write) -> Result<Self, BootError> {
        financial_approval::run(prose, &config.dirs).map_err(|e| BootError::Story(e.to_string()))?;
        Self::open(config)
    }

    /// Opens the bank's store an earlier story left in `config.dirs.out`,
    /// puts a supervisor over it, and warms the engine with one unrecorded
    /// decision (the first run of a flow compiles its wasm to native code).
    pub fn open(config: &Config) -> Result<Self, BootError> {
        let path = config.dirs.out.join("bank.redb");
        let store =
            RedbStore::open(&path).map_err(|error| BootError::Store { path, error: Box::new(error) })?;
        let mut runtime = Runtime::builder();
        if config.record {
            let path = config.dirs.out.join("records.redb");
            let sink = RedbSink::open(&path).map_err(|error| BootError::Records { path, error })?;
            runtime = runtime.recorder(Recorder::new(Arc::new(sink)).values(true));
        }
        let sup = Supervisor::builder(store)
            .runtime(runtime.build()?)
            .build()
            .map_err(|e| BootError::Supervisor(Box::new(e)))?;
        let workers = config.workers.max(1);
        let service = Self {
            inner: Arc::new(Inner {
                sup,
                permits: Arc::new(Semaphore::new(workers)),
                pending: AtomicUsize::new(0),
                max_pending: config.max_pending.max(workers),
            }),
        };
        // The batch is a fixed array of twelve payments.
        let (warm_up, _) = &crate::samples::morning()[0];
        service.run(warm_up, Some(false)).map_err(BootError::WarmUp)?;
        Ok(service)
    }

    /// The supervisor (for in-process measurements and audits).
    pub fn supervisor(&self) -> &Supervisor {
        &self.inner.sup
    }

    /// The ledger size now: the version of the rules the next run plans at.
    pub fn graph_version(&self) -> Result<u64, DecideError> {
        Ok(self.inner.sup.store().head().map_err(|e| DecideError::Internal(e.to_string()))?.size)
    }

    /// Decides one payment on the calling thread (synchronous, CPU-bound:
    /// from async code use [`decide`](Self::decide)).
    pub fn decide_now(&self, request: &DecisionRequest) -> Result<DecisionResponse, DecideError> {
        self.run(request, None)
    }

    /// Decides one payment on tokio's blocking pool, at most
    /// [`Config::workers`] at once; refused with
    /// [`DecideError::Unavailable`] when [`Config::max_pending`] are already
    /// waiting or running.
    ///
    /// Why the blocking pool behind a semaphore:
    /// - a run is synchronous and CPU-bound (nine fresh wasm instances:
    ///   0.25 ms, about 0.5 ms recorded; docs/benchmarks.md). On an async
    ///   worker it would hold that worker, and every connection the worker
    ///   drives (accepts, reads, health checks) would wait behind it;
    /// - the blocking pool alone grows to 512 threads under a burst: that
    ///   many threads running wasm on a few cores means context switches
    ///   and pool slots, not throughput. The semaphore lets `workers` runs
    ///   in at once; the others wait as futures, holding no thread;
    /// - beyond `max_pending` the client hears 503 at once instead of
    ///   queueing without bound;
    /// - a dedicated pool (rayon, or threads and a channel) would bound the
    ///   threads the same way, but costs a dependency or its own plumbing
    ///   for results and panics. Blocking-pool threads are reused (kept 10 s
    ///   when idle), so steady load starts no threads, and a panic comes
    ///   back as a `JoinError` (a 500), not a dead worker.
    pub async fn decide(&self, request: DecisionRequest) -> Result<DecisionResponse, DecideError> {
        let pending = Pending::enter(self)?;
        let permit = Arc::clone(&self.inner.permits)
            .acquire_owned()
            .await
            .map_err(|_| DecideError::Unavailable("the service is shutting down".into()))?;
        let service = self.clone();
        // The permit and the pending count travel with the run: a client
        // that hangs up does not free a slot its run still occupies.
        let run = tokio::task::spawn_blocking(move || {
            let _held = (permit, pending);
            service.decide_now(&request)
        });
        run.await.map_err(|e| DecideError::Internal(format!("the decision thread failed: {e}")))?
    }

    fn run(&self, request: &DecisionRequest, record: Option<bool>) -> Result<DecisionResponse, DecideError> {
        // The service never changes the graph, so the head read here is
        // the one the supervisor plans the run at.
        let graph_version = self.graph_version()?;
        let run = self
            .inner
            .sup
            .host()
            .run_with(FLOW, &request.to_inputs(), record)
            .map_err(DecideError::from_run)?;
        let id = request.id.as_deref().unwrap_or("the request");
        let decided = financial_approval::decision(id, &run.outputs, run.record)
            .map_err(|e| DecideError::Internal(e.to_string()))?;
        Ok(DecisionResponse {
            id: request.id.clone(),
            decision: decided.decision.to_string(),
            reasons: decided.reasons,
            score: decided.score,
            fuel: run.fuel(),
            graph_version,
            record: run.record.map(|r| r.0),
        })
    }

    /// The production flow: its inputs and outputs with their types and nodes.
    pub fn describe(&self) -> Result<FlowDescription, DecideError> {
        let state = self.inner.sup.state();
        let defined = state
            .flows
            .get(FLOW)
            .ok_or_else(|| DecideError::Internal(format!("flow `{FLOW}` is not defined in the store")))?;
        let port = |p: &PortRef, input: bool| {
            let manifest = state.graph.node(&p.node);
            let ty = manifest.and_then(|m| if input { m.input(&p.port) } else { m.output(&p.port) });
            PortDescription {
                node: manifest.map_or_else(|| p.node.short(), |m| m.name.clone()),
                node_id: p.node.to_string(),
                bedrock: state.status.get(&p.node).is_some_and(|s| s.bedrock),
                port: p.port.clone(),
                ty: ty.map(ToString::to_string).unwrap_or_default(),
            }
        };
        Ok(FlowDescription {
            name: defined.flow.name.clone(),
            kind: defined.flow.kind.to_string(),
            graph_version: state.size,
            inputs: defined.flow.inputs.iter().map(|p| port(p, true)).collect(),
            outputs: defined.flow.outputs.iter().map(|p| port(p, false)).collect(),
        })
    }
}

/// One request counted as waiting or running, until dropped.
struct Pending(Service);

impl Pending {
    fn enter(service: &Service) -> Result<Self, DecideError> {
        let inner = &service.inner;
        let before = inner.pending.fetch_add(1, Ordering::AcqRel);
        let pending = Self(service.clone());
        if before >= inner.max_pending {
            // Dropping `pending` takes the count back.
            return Err(DecideError::Unavailable(format!(
                "the service is saturated ({before} decisions waiting or running)"
            )));
        }
        Ok(pending)
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.0.inner.pending.fetch_sub(1, Ordering::AcqRel);
    }
}
