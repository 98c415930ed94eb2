//! The [`Supervisor`]: the trusted root a host embeds, and the only door
//! through which agents and humans change or run anything.
//!
//! Every call names its principal through a [`Session`]: [`Supervisor::host`],
//! [`Supervisor::agent`] (untrusted, named) or [`Supervisor::human`] (a key
//! of the ledger's keyring). What each principal may do is decided in two
//! places, on purpose:
//!
//! - the **ledger** ([`logos_ledger::LedgerState`]) decides every change: bedrock inputs are
//!   locked, drafts are private to their agent until shared, production
//!   flows hold live bedrock nodes only, governed changes need a quorum
//!   token, grants stay under the policy's ceiling for the node's layer.
//!   Because these rules live in the fold, an auditor re-checks them from an
//!   export without trusting this process;
//! - the **supervisor** decides every run: agents run sandbox flows made of
//!   nodes they can see, within their daily quota; every node runs under
//!   its layer's limits and capability ceiling from the policy.
//!
//! A refused call returns a typed [`SupervisorError`], changes nothing, and
//! is reported to subscribers as [`SupervisorEvent::Refused`].
//!
//! # Self-heal
//!
//! A node that came in by migration is on probation for its first
//! `policy.self_heal.window` executions (counted by this supervisor). If it
//! fails `policy.self_heal.failures` executions in a row while on
//! probation, and its predecessor succeeded at least once under this
//! supervisor, the supervisor appends one `RolledBack` ledger event: edges
//! and flows point at the predecessor again, the failing node is
//! deprecated, and [`SupervisorEvent::RolledBack`] is emitted. Counters
//! live in memory: a restarted supervisor starts a fresh probation.
//!
//! # Quotas
//!
//! Each agent has `executions_per_day` and `fuel_per_day` (UTC days of the
//! supervisor's clock). A run is refused once either is used up, and a run
//! never gets more fuel than what is left of the day's. Concurrent runs of
//! one agent may together overshoot the fuel quota by at most their own
//! budgets.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, RwLock};

use logos_core::{
    Actor, CapabilitySet, Edge, Flow, FlowKind, GraphStore, NodeAdded, NodeId, NodeManifest, Stamp, Value,
};
use logos_ledger::ed25519_dalek::{Signer, SigningKey};
use logos_ledger::token::{Operation, Statement, Token};
use logos_ledger::{EntrySignature, Event, LedgerState, Policy, Proposal, ProposalState, governed_event};
use logos_store::RedbStore;

use crate::errors::{FlowError, SupervisorError};
use crate::exec::NodeSpec;
use crate::flow::{FlowOutcome, FlowPlan, RunOptions};
use crate::limits::Limits;
use crate::record::{ExecId, ExecutionRecord};
use crate::replay::ReplayReport;
use crate::runtime::Runtime;

const DAY_MS: u64 = 86_400_000;
/// Events buffered per subscriber before new ones are dropped for it.
const SUBSCRIBER_BUFFER: usize = 4096;
/// Plans of past graph versions kept for replays.
const PAST_PLANS: usize = 256;

/// Something the host may want to know about, as it happens.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SupervisorEvent {
    /// An entry was appended to the ledger.
    Ledger {
        /// Its seq.
        seq: u64,
        /// Who caused it.
        actor: Actor,
        /// The event kind (`Event::kind`).
        kind: &'static str,
        /// One line for humans.
        summary: String,
    },
    /// A flow ran (successfully or not).
    Executed {
        /// The flow.
        flow: String,
        /// Who ran it.
        actor: Actor,
        /// Fuel consumed.
        fuel: u64,
        /// The execution record, if recorded.
        record: Option<ExecId>,
        /// The failure, if it failed.
        error: Option<String>,
    },
    /// A call was refused.
    Refused {
        /// Who called.
        actor: Actor,
        /// What was attempted.
        action: String,
        /// Why it was refused.
        error: String,
    },
    /// Self-heal rolled a migration back.
    RolledBack {
        /// The node that failed on probation (now deprecated).
        from: NodeId,
        /// Its predecessor, bound again.
        to: NodeId,
        /// The ledger seq of the `RolledBack` entry.
        seq: u64,
        /// The failures that triggered it.
        failures: u32,
    },
}

/// Result of an approval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Approval {
    /// Recorded; more signatures are needed.
    Pending {
        /// Valid registered signatures so far.
        have: usize,
        /// The quorum.
        need: usize,
    },
    /// The quorum was reached and the change applied at this seq.
    Applied {
        /// The seq of the governed entry.
        seq: u64,
    },
    /// The quorum was reached; the change needs data the proposal does not
    /// carry (a policy document): apply it with [`Session::govern`] and the
    /// token from [`Supervisor::proposal_token`].
    Ready,
}

/// Configures a [`Supervisor`].
pub struct SupervisorBuilder {
    store: RedbStore,
    runtime: Option<Runtime>,
    clock: Option<Box<dyn Fn() -> u64 + Send + Sync>>,
}

impl std::fmt::Debug for SupervisorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupervisorBuilder").finish_non_exhaustive()
    }
}

impl SupervisorBuilder {
    /// The runtime nodes run in (default: `Runtime::builder().build()`).
    pub fn runtime(mut self, runtime: Runtime) -> Self {
        self.runtime = Some(runtime);
        self
    }

    /// The host clock, in milliseconds since the Unix epoch, for ledger
    /// stamps, token expiry and quota days (default: the system clock).
    pub fn clock(mut self, clock: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.clock = Some(Box::new(clock));
        self
    }

    /// Builds the supervisor.
    pub fn build(self) -> Result<Supervisor, SupervisorError> {
        let runtime = match self.runtime {
            Some(r) => r,
            None => Runtime::builder().build()?,
        };
        let clock = self.clock.unwrap_or_else(|| Box::new(system_ms));
        Ok(Supervisor {
            inner: Arc::new(Inner {
                store: self.store,
                runtime,
                clock,
                plans: RwLock::new(HashMap::new()),
                past_plans: Mutex::new(HashMap::new()),
                usage: Mutex::new(HashMap::new()),
                heal: Mutex::new(Heal::default()),
                subscribers: Mutex::new(Vec::new()),
                subscriber_count: AtomicUsize::new(0),
                dropped: AtomicU64::new(0),
            }),
        })
    }
}

fn system_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The trusted root: a store, a runtime and the rules between them.
/// Cheap to clone, `Send + Sync`.
#[derive(Clone)]
pub struct Supervisor {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supervisor").field("runtime", &self.inner.runtime).finish_non_exhaustive()
    }
}

struct Inner {
    store: RedbStore,
    runtime: Runtime,
    clock: Box<dyn Fn() -> u64 + Send + Sync>,
    plans: RwLock<HashMap<String, Arc<Planned>>>,
    past_plans: Mutex<HashMap<(String, u64), Arc<FlowPlan>>>,
    usage: Mutex<HashMap<(String, u64), Usage>>,
    heal: Mutex<Heal>,
    subscribers: Mutex<Vec<SyncSender<SupervisorEvent>>>,
    subscriber_count: AtomicUsize,
    dropped: AtomicU64,
}

/// A flow planned against one ledger head.
struct Planned {
    head: u64,
    plan: FlowPlan,
    kind: FlowKind,
    /// Per node of the plan: (owner, shared, bedrock) at planning time.
    visibility: Vec<(NodeId, Option<String>, bool)>,
    /// (node, predecessor) for nodes of the plan that came in by migration.
    lineage: Vec<(NodeId, NodeId)>,
    policy: Policy,
}

#[derive(Clone, Copy, Default)]
struct Usage {
    executions: u64,
    fuel: u64,
}

#[derive(Default)]
struct Heal {
    succeeded: HashSet<NodeId>,
    /// Per migrated node: (executions seen, consecutive failures).
    probation: HashMap<NodeId, (u32, u32)>,
}

impl Supervisor {
    /// A supervisor over `store`.
    pub fn builder(store: RedbStore) -> SupervisorBuilder {
        SupervisorBuilder { store, runtime: None, clock: None }
    }

    /// Acting as the host (trusted).
    pub fn host(&self) -> Session<'_> {
        Session { sup: self, actor: Actor::Host }
    }

    /// Acting as agent `name` (untrusted).
    pub fn agent(&self, name: &str) -> Result<Session<'_>, SupervisorError> {
        Ok(Session { sup: self, actor: Actor::agent(name)? })
    }

    /// Acting as the human holding `key` (must be in the keyring to approve).
    pub fn human(&self, key: [u8; 32]) -> Session<'_> {
        Session { sup: self, actor: Actor::Human(key) }
    }

    /// Acting as `actor`, whoever it is (agent names are checked).
    pub fn session(&self, actor: &Actor) -> Result<Session<'_>, SupervisorError> {
        match actor {
            Actor::Agent(name) => self.agent(name),
            other => Ok(Session { sup: self, actor: other.clone() }),
        }
    }

    /// A token statement for `operation`, bound to the current ledger head
    /// and expiring `ttl_ms` from now: what humans sign to authorise a
    /// governed change (`Token::new(statement)`, then `Token::sign` by each).
    /// The nonce is derived from the head, the operation and the expiry, so
    /// a fixed clock gives reproducible statements.
    pub fn statement(&self, operation: Operation, ttl_ms: u64) -> Result<Statement, SupervisorError> {
        let store = &self.inner.store;
        let size = store.head()?.size;
        let root = store.root_at(size)?;
        let expires = self.now_ms().saturating_add(ttl_ms);
        let mut h = blake3::Hasher::new();
        h.update(b"logos statement nonce\n");
        h.update(&root);
        h.update(&size.to_le_bytes());
        h.update(&expires.to_le_bytes());
        h.update(operation.to_string().as_bytes());
        let mut nonce = [0u8; 16];
        nonce.copy_from_slice(&h.finalize().as_bytes()[..16]);
        Ok(Statement::new(store.origin(), operation, size, root, expires, nonce)?)
    }

    /// The store (read it freely; change it through sessions so the rules,
    /// caches and events stay in step).
    pub fn store(&self) -> &RedbStore {
        &self.inner.store
    }

    /// The runtime.
    pub fn runtime(&self) -> &Runtime {
        &self.inner.runtime
    }

    /// The architecture as of now.
    pub fn state(&self) -> LedgerState {
        self.inner.store.state()
    }

    /// The policy in force.
    pub fn policy(&self) -> Policy {
        self.inner.store.state().policy()
    }

    /// The current time of the supervisor's clock.
    pub fn now_ms(&self) -> u64 {
        (self.inner.clock)()
    }

    /// A new stream of events. Each subscriber buffers up to 4096 events;
    /// beyond that its new events are dropped (counted by
    /// [`dropped_events`](Self::dropped_events)) so a slow subscriber never
    /// blocks a run.
    pub fn subscribe(&self) -> Receiver<SupervisorEvent> {
        let (tx, rx) = sync_channel(SUBSCRIBER_BUFFER);
        if let Ok(mut subs) = self.inner.subscribers.lock() {
            subs.push(tx);
            self.inner.subscriber_count.store(subs.len(), Ordering::Relaxed);
        }
        rx
    }

    /// Events dropped because a subscriber's buffer was full.
    pub fn dropped_events(&self) -> u64 {
        self.inner.dropped.load(Ordering::Relaxed)
    }

    /// Every proposal, by id.
    pub fn proposals(&self) -> BTreeMap<u64, Proposal> {
        self.inner.store.state().proposals
    }

    /// The token a proposal's approvals make (complete once the quorum signed).
    pub fn proposal_token(&self, proposal: u64) -> Result<Token, SupervisorError> {
        let p = self.proposals().remove(&proposal).ok_or(SupervisorError::UnknownProposal(proposal))?;
        let statement = Statement::parse(&p.statement)?;
        Ok(Token::with_signatures(statement, p.approvals.iter().map(|a| (a.key, a.signature)))?)
    }

    /// Orders pending migrations `(from, to)` so each can apply when its
    /// turn comes: along lineage (a migration whose `from` is another's
    /// `to` goes after it), and otherwise leaves first (downstream nodes
    /// before the nodes that feed them).
    pub fn upgrade_plan(
        &self,
        migrations: &[(NodeId, NodeId)],
    ) -> Result<Vec<(NodeId, NodeId)>, SupervisorError> {
        let graph = self.inner.store.state().graph;
        let order = graph.topological_order();
        let position: HashMap<NodeId, usize> = order.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut pending: Vec<(NodeId, NodeId)> = migrations.to_vec();
        let mut seen = HashSet::new();
        for (from, _) in &pending {
            if !seen.insert(*from) {
                return Err(SupervisorError::UpgradePlan(format!("node {} is migrated twice", from.short())));
            }
        }
        // Leaves first: later in topological order means further downstream.
        pending.sort_by_key(|(from, _)| std::cmp::Reverse(position.get(from).copied().unwrap_or(0)));
        let mut out = Vec::with_capacity(pending.len());
        while !pending.is_empty() {
            let ready = pending.iter().position(|(from, _)| !pending.iter().any(|(_, to)| to == from));
            let Some(i) = ready else {
                return Err(SupervisorError::UpgradePlan("the migrations form a cycle".into()));
            };
            out.push(pending.remove(i));
        }
        Ok(out)
    }

    /// Approves `proposal` with a human's signing key (the key must be in
    /// the keyring). Applies the change once the quorum is reached.
    pub fn approve(&self, proposal: u64, key: &SigningKey) -> Result<Approval, SupervisorError> {
        let p = self.proposals().remove(&proposal).ok_or(SupervisorError::UnknownProposal(proposal))?;
        let signature = EntrySignature {
            key: key.verifying_key().to_bytes(),
            signature: key.sign(p.statement.as_bytes()).to_bytes(),
        };
        self.approve_with(proposal, signature)
    }

    /// Approves `proposal` with a signature made elsewhere (for example by
    /// `logos token sign` on an offline machine).
    pub fn approve_with(
        &self,
        proposal: u64,
        signature: EntrySignature,
    ) -> Result<Approval, SupervisorError> {
        let session = self.human(signature.key);
        session.append("approve a proposal", Event::ProposalApproved { proposal, signature })?;
        let state = self.inner.store.state();
        let p = state.proposals.get(&proposal).ok_or(SupervisorError::UnknownProposal(proposal))?;
        let have = p.approvals.iter().filter(|a| state.keyring.contains(&a.key)).count();
        let need = usize::from(state.keyring.quorum);
        if have < need {
            return Ok(Approval::Pending { have, need });
        }
        let token = self.proposal_token(proposal)?;
        let Some(event) = governed_event(token.statement().operation()) else { return Ok(Approval::Ready) };
        let seq = self.host().govern(event, &token)?;
        Ok(Approval::Applied { seq })
    }

    /// Replays the recorded execution `id` against the graph version it ran
    /// on, under the policy of that version, and compares everything.
    pub fn replay(&self, id: ExecId) -> Result<ReplayReport, SupervisorError> {
        let record = self.execution(id)?;
        let plan = self.plan_at(&record)?;
        Ok(self.inner.runtime.replay(&record, &plan, None)?)
    }

    /// The record of execution `id` (waiting for it to be durable if the
    /// sink commits in groups).
    pub fn execution(&self, id: ExecId) -> Result<ExecutionRecord, SupervisorError> {
        let sink = self.inner.runtime.inner.recorder.as_ref().ok_or(SupervisorError::NoRecorder)?.sink();
        if let Some(record) = sink.get(id)? {
            return Ok(record);
        }
        sink.flush()?;
        sink.get(id)?.ok_or(SupervisorError::UnknownExecution(id))
    }

    /// The plan of `record`'s flow at its graph version (rebuilding a past
    /// state replays the ledger up to it, so recent ones are kept).
    fn plan_at(&self, record: &ExecutionRecord) -> Result<Arc<FlowPlan>, SupervisorError> {
        let key = (record.flow.clone(), record.graph_seq);
        if let Ok(past) = self.inner.past_plans.lock()
            && let Some(plan) = past.get(&key)
        {
            return Ok(Arc::clone(plan));
        }
        let state = self.inner.store.state_at(record.graph_seq)?;
        let defined =
            state.flows.get(&record.flow).ok_or_else(|| SupervisorError::UnknownFlow(record.flow.clone()))?;
        let plan = Arc::new(self.build_plan(&state, &defined.flow, record.graph_seq)?.plan);
        if let Ok(mut past) = self.inner.past_plans.lock() {
            if past.len() >= PAST_PLANS {
                past.clear();
            }
            past.insert(key, Arc::clone(&plan));
        }
        Ok(plan)
    }

    fn planned(&self, name: &str) -> Result<Arc<Planned>, SupervisorError> {
        let head = self.inner.store.head()?.size;
        if let Ok(plans) = self.inner.plans.read()
            && let Some(p) = plans.get(name)
            && p.head == head
        {
            return Ok(Arc::clone(p));
        }
        let state = self.inner.store.state();
        let defined = state.flows.get(name).ok_or_else(|| SupervisorError::UnknownFlow(name.to_owned()))?;
        let planned = Arc::new(self.build_plan(&state, &defined.flow, state.size)?);
        if let Ok(mut plans) = self.inner.plans.write() {
            plans.insert(name.to_owned(), Arc::clone(&planned));
        }
        Ok(planned)
    }

    fn build_plan(&self, state: &LedgerState, flow: &Flow, head: u64) -> Result<Planned, SupervisorError> {
        state.flow_nodes(flow).map_err(logos_store::StoreError::from)?;
        let policy = state.policy();
        let mut missing = None;
        let plan = FlowPlan::build(flow, &state.graph, head, |id, manifest| {
            let status = state.status.get(id)?;
            let layer = policy.layer(status.bedrock);
            let wasm = match self.inner.store.wasm(id) {
                Ok(Some(w)) => w,
                Ok(None) => return None,
                Err(e) => {
                    missing = Some(e);
                    return None;
                }
            };
            let grants: CapabilitySet = status.grants.iter().filter(|c| layer.ceiling.contains(*c)).collect();
            let limits = Limits { fuel: layer.fuel, memory_bytes: layer.memory_bytes, ..Limits::DEFAULT };
            Some(NodeSpec::new(wasm, manifest.clone()).with_grants(grants).with_limits(limits))
        });
        if let Some(e) = missing {
            return Err(e.into());
        }
        let plan = plan?;
        let visibility = plan
            .nodes()
            .filter_map(|spec| {
                let s = state.status.get(&spec.id())?;
                Some((spec.id(), s.owner.clone().filter(|_| !s.shared && !s.bedrock), s.bedrock))
            })
            .collect();
        let lineage = plan
            .nodes()
            .filter_map(|spec| Some((spec.id(), state.status.get(&spec.id())?.parent?)))
            .collect();
        Ok(Planned { head, plan, kind: flow.kind, visibility, lineage, policy })
    }

    fn emit(&self, event: impl FnOnce() -> SupervisorEvent) {
        if self.inner.subscriber_count.load(Ordering::Relaxed) == 0 {
            return;
        }
        let Ok(mut subs) = self.inner.subscribers.lock() else { return };
        let event = event();
        subs.retain(|tx| match tx.try_send(event.clone()) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                self.inner.dropped.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(TrySendError::Disconnected(_)) => false,
        });
        self.inner.subscriber_count.store(subs.len(), Ordering::Relaxed);
    }

    fn emit_entries(&self, from: u64) {
        if self.inner.subscriber_count.load(Ordering::Relaxed) == 0 {
            return;
        }
        let Ok(head) = self.inner.store.head() else { return };
        for seq in from..head.size {
            if let Ok(entry) = self.inner.store.entry(seq) {
                self.emit(|| SupervisorEvent::Ledger {
                    seq,
                    actor: entry.actor.clone(),
                    kind: entry.event.kind(),
                    summary: entry.event.summary(),
                });
            }
        }
    }

    /// Counts a run towards self-heal; returns a rollback to apply, if due.
    fn observe(
        &self,
        planned: &Planned,
        result: &Result<FlowOutcome, FlowError>,
    ) -> Option<(NodeId, NodeId, u32)> {
        let Ok(mut heal) = self.inner.heal.lock() else { return None };
        let rule = planned.policy.self_heal;
        match result {
            Ok(outcome) => {
                for step in &outcome.steps {
                    heal.succeeded.insert(step.node);
                    if let Some(p) = heal.probation.get_mut(&step.node) {
                        *p = (p.0.saturating_add(1), 0);
                    }
                }
                None
            }
            Err(FlowError::Node { error, .. }) => {
                let failed = error.node();
                let (_, predecessor) = *planned.lineage.iter().find(|(n, _)| *n == failed)?;
                let p = heal.probation.entry(failed).or_insert((0, 0));
                if p.0 >= rule.window {
                    return None;
                }
                *p = (p.0.saturating_add(1), p.1.saturating_add(1));
                let failures = p.1;
                let due =
                    rule.failures > 0 && failures >= rule.failures && heal.succeeded.contains(&predecessor);
                due.then_some((failed, predecessor, failures))
            }
            Err(_) => None,
        }
    }

    fn roll_back(&self, from: NodeId, to: NodeId, failures: u32) {
        match self.host().append("roll back a failing migration", Event::RolledBack { from, to }) {
            Ok(seq) => {
                if let Ok(mut heal) = self.inner.heal.lock() {
                    heal.probation.remove(&from);
                }
                self.emit(|| SupervisorEvent::RolledBack { from, to, seq, failures });
            }
            Err(e) => report_refusal(self, &Actor::Host, "roll back a failing migration", &e),
        }
    }
}

fn report_refusal(sup: &Supervisor, actor: &Actor, action: &str, error: &SupervisorError) {
    sup.emit(|| SupervisorEvent::Refused {
        actor: actor.clone(),
        action: action.to_owned(),
        error: error.to_string(),
    });
}

/// One principal's view of the supervisor. Every change it makes is
/// stamped with its actor; every refusal is reported.
#[derive(Clone, Debug)]
pub struct Session<'a> {
    sup: &'a Supervisor,
    actor: Actor,
}

impl Session<'_> {
    /// Who this session acts as.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    fn stamp(&self) -> Stamp {
        Stamp::new(self.actor.clone(), self.sup.now_ms())
    }

    fn agent_name(&self) -> Option<&str> {
        match &self.actor {
            Actor::Agent(name) => Some(name),
            _ => None,
        }
    }

    /// Runs a change, reports a refusal, emits the new entries.
    fn change<T>(
        &self,
        action: &str,
        f: impl FnOnce() -> Result<T, SupervisorError>,
    ) -> Result<T, SupervisorError> {
        let before = self.sup.inner.store.head().map(|h| h.size).unwrap_or(0);
        match f() {
            Ok(v) => {
                self.sup.emit_entries(before);
                Ok(v)
            }
            Err(e) => {
                report_refusal(self.sup, &self.actor, action, &e);
                Err(e)
            }
        }
    }

    fn append(&self, action: &str, event: Event) -> Result<u64, SupervisorError> {
        self.change(action, || Ok(self.sup.inner.store.append(&self.stamp(), event)?))
    }

    /// Stores a node (it starts in sediment, owned by this agent if an agent
    /// adds it). The wasm is verified statically first when the `compile`
    /// feature is on.
    pub fn add_node(&self, wasm: &[u8], manifest: &NodeManifest) -> Result<NodeAdded, SupervisorError> {
        self.change("add a node", || {
            #[cfg(feature = "compile")]
            logos_compile::verify_wasm(wasm, manifest, &logos_compile::VerifyLimits::default())
                .map_err(SupervisorError::Verify)?;
            Ok(self.sup.inner.store.add_node(&self.stamp(), wasm, manifest)?)
        })
    }

    /// Adds a typed edge.
    pub fn link(&self, edge: &Edge) -> Result<u64, SupervisorError> {
        self.append("link two nodes", Event::EdgeAdded { edge: edge.clone() })
    }

    /// Removes an edge.
    pub fn unlink(&self, edge: &Edge) -> Result<u64, SupervisorError> {
        self.append("unlink two nodes", Event::EdgeRemoved { edge: edge.clone() })
    }

    /// Makes this agent's draft visible to every agent.
    pub fn share(&self, node: NodeId) -> Result<u64, SupervisorError> {
        self.append("share a node", Event::NodeShared { node })
    }

    /// Defines (or redefines) a flow.
    pub fn define_flow(&self, flow: &Flow) -> Result<u64, SupervisorError> {
        self.append("define a flow", Event::FlowDefined { flow: flow.clone() })
    }

    /// Removes a flow.
    pub fn remove_flow(&self, name: &str) -> Result<u64, SupervisorError> {
        self.append("remove a flow", Event::FlowRemoved { name: name.to_owned() })
    }

    /// Applies a governed change under a quorum token.
    pub fn govern(&self, event: Event, token: &Token) -> Result<u64, SupervisorError> {
        let action = format!("apply a governed change ({})", event.kind());
        self.change(&action, || Ok(self.sup.inner.store.govern(&self.stamp(), event, token)?))
    }

    /// Proposes a governed change for human approval; the statement is
    /// bound to the current head and expires `ttl_ms` from now. Returns the
    /// proposal id.
    pub fn propose(&self, operation: Operation, ttl_ms: u64) -> Result<u64, SupervisorError> {
        self.change("propose a change", || {
            let statement = self.sup.statement(operation, ttl_ms)?;
            let event = Event::ProposalOpened { statement: statement.to_text() };
            Ok(self.sup.inner.store.append(&self.stamp(), event)?)
        })
    }

    /// Rejects and closes a proposal (humans and the host only).
    pub fn reject(&self, proposal: u64, reason: &str) -> Result<u64, SupervisorError> {
        let reason: String = reason.chars().take(500).collect();
        self.append("reject a proposal", Event::ProposalRejected { proposal, reason })
    }

    /// The manifest of `node`, if this principal may see it.
    pub fn node(&self, node: &NodeId) -> Result<NodeManifest, SupervisorError> {
        let state = self.sup.inner.store.state();
        let status = state.status.get(node).ok_or(SupervisorError::UnknownNode(*node))?;
        if let Some(agent) = self.agent_name()
            && !status.visible_to(agent)
        {
            let e = SupervisorError::Store(logos_store::StoreError::State(
                logos_ledger::StateError::NotVisible { agent: agent.to_owned(), node: *node },
            ));
            report_refusal(self.sup, &self.actor, "read a node", &e);
            return Err(e);
        }
        state.graph.node(node).cloned().ok_or(SupervisorError::UnknownNode(*node))
    }

    /// The nodes this principal may see, with their manifests.
    pub fn nodes(&self) -> Vec<(NodeId, NodeManifest)> {
        let state = self.sup.inner.store.state();
        state
            .graph
            .nodes()
            .filter(|(id, _)| {
                self.agent_name().is_none_or(|a| state.status.get(*id).is_some_and(|s| s.visible_to(a)))
            })
            .map(|(id, m)| (*id, m.clone()))
            .collect()
    }

    /// Runs flow `name` on `inputs` (one per flow input, in order) with the
    /// recorder's default recording.
    pub fn run(&self, name: &str, inputs: &[Value]) -> Result<FlowOutcome, SupervisorError> {
        self.run_with(name, inputs, None)
    }

    /// Runs flow `name`, forcing recording on or off (`None`: the recorder's mode).
    pub fn run_with(
        &self,
        name: &str,
        inputs: &[Value],
        record: Option<bool>,
    ) -> Result<FlowOutcome, SupervisorError> {
        let action = format!("run flow `{name}`");
        let refuse = |e: SupervisorError| {
            report_refusal(self.sup, &self.actor, &action, &e);
            e
        };
        let planned = self.sup.planned(name).map_err(refuse)?;
        let now = self.sup.now_ms();
        let mut budget = None;
        if let Some(agent) = self.agent_name() {
            self.check_agent_may_run(agent, name, &planned).map_err(refuse)?;
            budget = Some(self.reserve(agent, now, &planned.policy).map_err(refuse)?);
        }
        let opts =
            RunOptions { record, at_ms: now, actor: Some(self.actor.clone()), fuel: budget, deadline: None };
        let result = self.sup.inner.runtime.run_flow_with(&planned.plan, inputs, &opts);
        let fuel = match &result {
            Ok(o) => o.fuel(),
            Err(FlowError::Node { fuel, .. }) => *fuel,
            Err(_) => 0,
        };
        if let Some(agent) = self.agent_name() {
            self.charge(agent, now, fuel);
        }
        let rollback = self.sup.observe(&planned, &result);
        self.sup.emit(|| SupervisorEvent::Executed {
            flow: name.to_owned(),
            actor: self.actor.clone(),
            fuel,
            record: match &result {
                Ok(o) => o.record,
                Err(FlowError::Node { record, .. }) => *record,
                Err(_) => None,
            },
            error: result.as_ref().err().map(ToString::to_string),
        });
        if let Some((from, to, failures)) = rollback {
            self.sup.roll_back(from, to, failures);
        }
        Ok(result?)
    }

    fn check_agent_may_run(&self, agent: &str, name: &str, planned: &Planned) -> Result<(), SupervisorError> {
        let not_permitted = |why: String| SupervisorError::NotPermitted {
            actor: self.actor.clone(),
            action: format!("run flow `{name}`"),
            why,
        };
        if planned.kind == FlowKind::Production {
            return Err(not_permitted(
                "agents run sandbox flows only; production flows serve the host".into(),
            ));
        }
        for (node, owner, _) in &planned.visibility {
            if owner.as_deref().is_some_and(|o| o != agent) {
                return Err(not_permitted(format!("node {} is another agent's private draft", node.short())));
            }
        }
        Ok(())
    }

    /// Counts one execution against the agent's quota and returns the fuel
    /// left for it today.
    fn reserve(&self, agent: &str, now: u64, policy: &Policy) -> Result<u64, SupervisorError> {
        let quota = policy.quota(agent);
        let mut usage = self.sup.inner.usage.lock().map_err(|_| SupervisorError::Poisoned)?;
        let day = now / DAY_MS;
        usage.retain(|(_, d), _| *d + 1 >= day);
        let u = usage.entry((agent.to_owned(), day)).or_default();
        let exceeded = |resource, used, limit| SupervisorError::QuotaExceeded {
            agent: agent.to_owned(),
            resource,
            used,
            limit,
        };
        if u.executions >= quota.executions_per_day {
            return Err(exceeded("executions", u.executions, quota.executions_per_day));
        }
        if u.fuel >= quota.fuel_per_day {
            return Err(exceeded("fuel", u.fuel, quota.fuel_per_day));
        }
        u.executions += 1;
        Ok(quota.fuel_per_day - u.fuel)
    }

    fn charge(&self, agent: &str, now: u64, fuel: u64) {
        if let Ok(mut usage) = self.sup.inner.usage.lock() {
            let u = usage.entry((agent.to_owned(), now / DAY_MS)).or_default();
            u.fuel = u.fuel.saturating_add(fuel);
        }
    }
}

impl Supervisor {
    /// Today's usage of agent `name`: (executions, fuel).
    pub fn usage(&self, name: &str) -> (u64, u64) {
        let day = self.now_ms() / DAY_MS;
        self.inner
            .usage
            .lock()
            .ok()
            .and_then(|u| u.get(&(name.to_owned(), day)).map(|u| (u.executions, u.fuel)))
            .unwrap_or((0, 0))
    }

    /// Whether a proposal is still open.
    pub fn is_open(&self, proposal: u64) -> bool {
        self.proposals().get(&proposal).is_some_and(|p| p.state == ProposalState::Open)
    }
}
