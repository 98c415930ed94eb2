//! The supervisor as agents, humans and insiders meet it: every
//! unauthorized action in one table (refused with a typed error, nothing
//! written, the refusal reported), then the happy paths: a proposal that two
//! of three humans approve, and a migration that regresses and heals itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Receiver;

use logos_runtime::layers::ledger::ed25519_dalek::SigningKey;
use logos_runtime::layers::ledger::policy::Quota;
use logos_runtime::{
    Approval, Capability, Edge, Event, Flow, GraphStore, Keyring, MemorySink, NodeId, NodeSpec, Operation,
    Policy, PortRef, ProposalState, Recorder, RedbStore, Runtime, Session, Stamp, StateError, Statement,
    StoreError, Supervisor, SupervisorError, SupervisorEvent, Token, TokenError, Value,
};

use crate::support::*;

const NOW: u64 = 1_700_000_000_000;
const HOUR: u64 = 3_600_000;

fn human(i: u8) -> SigningKey {
    SigningKey::from_bytes(&[i; 32])
}

struct World {
    _dir: tempfile::TempDir,
    sup: Supervisor,
    clock: Arc<AtomicU64>,
    events: Receiver<SupervisorEvent>,
}

fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut keys: Vec<[u8; 32]> = (1..=3).map(|i| human(i).verifying_key().to_bytes()).collect();
    keys.sort_unstable();
    let store = RedbStore::create(
        dir.path().join("s.redb"),
        "test.logos/supervisor",
        Keyring { keys, quorum: 2 },
        &Stamp::new(logos_runtime::Actor::Host, NOW),
    )
    .expect("store");
    let runtime = Runtime::builder()
        .fuel(10_000_000)
        .memory(4 << 20)
        .recorder(Recorder::new(Arc::new(MemorySink::new())).values(true))
        .build()
        .expect("runtime");
    let clock = Arc::new(AtomicU64::new(NOW));
    let c = Arc::clone(&clock);
    let sup = Supervisor::builder(store)
        .runtime(runtime)
        .clock(move || c.load(Ordering::Relaxed))
        .build()
        .expect("supervisor");
    let events = sup.subscribe();
    World { _dir: dir, sup, clock, events }
}

impl World {
    fn add(&self, who: &str, spec: &NodeSpec) -> NodeId {
        let session = if who == "host" { self.sup.host() } else { self.sup.agent(who).expect("agent") };
        session.add_node(spec.wasm(), spec.manifest()).expect("add node").id
    }

    fn token(&self, op: Operation, signers: &[u8]) -> Token {
        self.token_expiring(op, signers, NOW + HOUR)
    }

    fn token_expiring(&self, op: Operation, signers: &[u8], expires: u64) -> Token {
        let store = self.sup.store();
        let size = store.head().expect("head").size;
        let root = store.root_at(size).expect("root");
        let statement = Statement::new(
            store.origin(),
            op,
            size,
            root,
            expires,
            Statement::random_nonce().expect("nonce"),
        )
        .expect("statement");
        let mut t = Token::new(statement);
        for i in signers {
            t.sign(&human(*i)).expect("sign");
        }
        t
    }

    fn promote(&self, node: NodeId) {
        let t = self.token(Operation::Promote { node }, &[1, 2]);
        self.sup.host().govern(Event::Promoted { node }, &t).expect("promote");
    }

    fn head(&self) -> u64 {
        self.sup.store().head().expect("head").size
    }

    fn drain(&self) -> Vec<SupervisorEvent> {
        self.events.try_iter().collect()
    }
}

fn edge(a: NodeId, pa: &str, b: NodeId, pb: &str) -> Edge {
    Edge::new(PortRef::new(a, pa), PortRef::new(b, pb))
}

/// `x: u64 -> y: u64` that always traps: the regression.
fn broken(name: &str) -> NodeSpec {
    node(manifest(name, &[("x", "u64")], &[("y", "u64")], &[]), "", "", "(unreachable)")
}

fn state_error(e: &SupervisorError) -> Option<&StateError> {
    match e {
        SupervisorError::Store(StoreError::State(s)) => Some(s),
        _ => None,
    }
}

#[test]
fn every_unauthorized_action_is_refused_reported_and_changes_nothing() {
    let w = world();
    // Bedrock: feeder -> rule, a production flow over them.
    let feeder = w.add("host", &add(1));
    let rule = w.add("host", &add(2));
    w.sup.host().link(&edge(feeder, "y", rule, "x")).expect("wire");
    w.promote(feeder);
    w.promote(rule);
    let production =
        Flow::production("approve", vec![PortRef::new(feeder, "x")], vec![PortRef::new(rule, "y")]);
    w.sup.host().define_flow(&production).expect("production flow");
    // Drafts of two agents, and a clock-requesting draft.
    let alice_draft = w.add("alice", &add(3));
    let bob_draft = w.add("bob", &add(4));
    let clocky =
        w.add("alice", &probe("clocky", CLOCK, "", "(call $ok_u64 (i64.const 1))", &[Capability::Clock]));
    let alice_second = w.add("alice", &add(6));
    let peek =
        Flow::new("peek", vec![PortRef::new(alice_second, "x")], vec![PortRef::new(alice_second, "y")]);
    w.sup.host().define_flow(&peek).expect("host sandbox flow over alice's draft");
    // Eve may run one flow a day.
    let mut policy = Policy::default();
    policy.agent_quotas.insert("eve".into(), Quota { executions_per_day: 1, fuel_per_day: 1_000_000_000 });
    let doc = policy.encode();
    let t = w.token(Operation::ChangePolicy { digest: sha256(&doc) }, &[1, 3]);
    w.sup.host().govern(Event::PolicyChanged { policy: doc }, &t).expect("policy");
    let eve_node = w.add("eve", &add(5));
    let eve_flow = Flow::new("eve", vec![PortRef::new(eve_node, "x")], vec![PortRef::new(eve_node, "y")]);
    w.sup.agent("eve").expect("eve").define_flow(&eve_flow).expect("eve's flow");
    w.sup.agent("eve").expect("eve").run("eve", &[Value::U64(1)]).expect("eve's first run today");
    let used = w.token(Operation::Promote { node: alice_draft }, &[1, 2]);
    w.sup.host().govern(Event::Promoted { node: alice_draft }, &used).expect("promote alice's draft");
    let expired = w.token_expiring(Operation::Deprecate { node: rule }, &[1, 2], NOW);
    let sub_quorum = w.token(Operation::Deprecate { node: rule }, &[1]);
    let strangers = {
        let mut t = w.token(Operation::Deprecate { node: rule }, &[]);
        t.sign(&SigningKey::from_bytes(&[8; 32])).expect("sign");
        t.sign(&SigningKey::from_bytes(&[9; 32])).expect("sign");
        t
    };
    let other_node = w.token(Operation::Deprecate { node: feeder }, &[1, 2]);
    let proposal = w
        .sup
        .agent("alice")
        .expect("alice")
        .propose(Operation::Promote { node: clocky }, HOUR)
        .expect("propose");
    let grant_clock = w.token(Operation::Grant { node: clocky, capability: Capability::Clock }, &[1, 2]);
    w.drain();

    type Attempt<'a> = Box<dyn Fn(&World) -> Result<(), SupervisorError> + 'a>;
    type Check = fn(&SupervisorError) -> bool;
    fn alice(w: &World) -> Session<'_> {
        w.sup.agent("alice").expect("alice")
    }
    fn bob(w: &World) -> Session<'_> {
        w.sup.agent("bob").expect("bob")
    }
    let cases: Vec<(&str, Attempt, Check)> = vec![
        (
            "an agent relinks the inputs of a bedrock node",
            Box::new(|w| alice(w).link(&edge(alice_draft, "y", rule, "x")).map(drop)),
            |e| matches!(state_error(e), Some(StateError::Locked { .. })),
        ),
        (
            "an agent unlinks the inputs of a bedrock node",
            Box::new(|w| alice(w).unlink(&edge(feeder, "y", rule, "x")).map(drop)),
            |e| matches!(state_error(e), Some(StateError::Locked { .. })),
        ),
        (
            "an agent deprecates a bedrock node with a sub-quorum token",
            Box::new(|w| alice(w).govern(Event::Deprecated { node: rule }, &sub_quorum).map(drop)),
            |e| matches!(e, SupervisorError::Store(StoreError::Token(TokenError::SubQuorum { .. }))),
        ),
        (
            "an agent deprecates a bedrock node with strangers' signatures",
            Box::new(|w| alice(w).govern(Event::Deprecated { node: rule }, &strangers).map(drop)),
            |e| {
                matches!(e, SupervisorError::Store(StoreError::Token(TokenError::SubQuorum { valid: 0, .. })))
            },
        ),
        (
            "a replayed token",
            Box::new(|w| w.sup.host().govern(Event::Promoted { node: alice_draft }, &used).map(drop)),
            |e| matches!(e, SupervisorError::Store(StoreError::Token(TokenError::AlreadyUsed { .. }))),
        ),
        (
            "an expired token",
            Box::new(|w| w.sup.host().govern(Event::Deprecated { node: rule }, &expired).map(drop)),
            |e| matches!(e, SupervisorError::Store(StoreError::Token(TokenError::Expired { .. }))),
        ),
        (
            "a token bound to another operation",
            Box::new(|w| w.sup.host().govern(Event::Deprecated { node: rule }, &other_node).map(drop)),
            |e| matches!(e, SupervisorError::Store(StoreError::Token(TokenError::OperationMismatch { .. }))),
        ),
        ("an agent reads another agent's draft", Box::new(|w| bob(w).node(&clocky).map(drop)), |e| {
            matches!(state_error(e), Some(StateError::NotVisible { .. }))
        }),
        (
            "an agent links from another agent's draft",
            Box::new(|w| bob(w).link(&edge(clocky, "out", bob_draft, "x")).map(drop)),
            |e| matches!(state_error(e), Some(StateError::NotVisible { .. })),
        ),
        (
            "an agent rewires another agent's draft",
            Box::new(|w| bob(w).link(&edge(feeder, "y", alice_second, "x")).map(drop)),
            |e| matches!(state_error(e), Some(StateError::NotOwner { .. })),
        ),
        (
            "an over-quota execution",
            Box::new(|w| w.sup.agent("eve").expect("eve").run("eve", &[Value::U64(1)]).map(drop)),
            |e| matches!(e, SupervisorError::QuotaExceeded { resource: "executions", used: 1, limit: 1, .. }),
        ),
        (
            "a sediment node granted a capability above the ceiling",
            Box::new(|w| {
                w.sup
                    .host()
                    .govern(
                        Event::CapabilityGranted { node: clocky, capability: Capability::Clock },
                        &grant_clock,
                    )
                    .map(drop)
            }),
            |e| matches!(state_error(e), Some(StateError::AboveCeiling { layer: "sediment", .. })),
        ),
        (
            "a production flow containing a sediment node",
            Box::new(|w| {
                let f = Flow::production(
                    "bad",
                    vec![PortRef::new(bob_draft, "x")],
                    vec![PortRef::new(bob_draft, "y")],
                );
                w.sup.host().define_flow(&f).map(drop)
            }),
            |e| matches!(state_error(e), Some(StateError::NotProduction { why: "sediment", .. })),
        ),
        (
            "an agent defines a production flow",
            Box::new(|w| {
                alice(w)
                    .define_flow(&Flow::production(
                        "mine",
                        vec![PortRef::new(feeder, "x")],
                        vec![PortRef::new(rule, "y")],
                    ))
                    .map(drop)
            }),
            |e| matches!(state_error(e), Some(StateError::Forbidden { .. })),
        ),
        (
            "an agent runs a production flow",
            Box::new(|w| alice(w).run("approve", &[Value::U64(1)]).map(drop)),
            |e| matches!(e, SupervisorError::NotPermitted { .. }),
        ),
        (
            "an agent runs a sandbox flow over another agent's draft",
            Box::new(|w| bob(w).run("peek", &[Value::U64(1)]).map(drop)),
            |e| matches!(e, SupervisorError::NotPermitted { .. }),
        ),
        ("an agent rejects a proposal", Box::new(|w| bob(w).reject(proposal, "no").map(drop)), |e| {
            matches!(state_error(e), Some(StateError::Forbidden { .. }))
        }),
        (
            "an agent approves with a key outside the keyring",
            Box::new(|w| w.sup.approve(proposal, &SigningKey::from_bytes(&[9; 32])).map(drop)),
            |e| matches!(state_error(e), Some(StateError::Proposal { .. })),
        ),
    ];
    for (what, attempt, expected) in &cases {
        let before = w.head();
        let state_before = w.sup.state();
        let err = attempt(&w).expect_err(what);
        assert!(expected(&err), "{what}: unexpected error {err:?}");
        assert_eq!(w.head(), before, "{what}: the ledger changed");
        assert_eq!(w.sup.state(), state_before, "{what}: the state changed");
        let reported = w.drain();
        assert!(
            reported
                .iter()
                .any(|e| matches!(e, SupervisorEvent::Refused { error, .. } if *error == err.to_string())),
            "{what}: refusal not reported: {reported:?}"
        );
        assert!(!err.to_string().is_empty());
    }
    assert!(w.sup.is_open(proposal));
    w.sup.store().verify().expect("the ledger still verifies");
}

#[test]
fn two_of_three_humans_approve_an_agents_proposal_and_it_applies() {
    let w = world();
    let draft = w.add("alice", &add(7));
    let alice = w.sup.agent("alice").expect("alice");
    let id = alice.propose(Operation::Promote { node: draft }, HOUR).expect("propose");
    assert!(w.sup.is_open(id));
    assert_eq!(w.sup.approve(id, &human(1)).expect("first"), Approval::Pending { have: 1, need: 2 });
    assert!(!w.sup.state().status[&draft].bedrock, "one signature changes nothing");
    let Approval::Applied { seq } = w.sup.approve(id, &human(3)).expect("second") else {
        panic!("the quorum applies the change")
    };
    let state = w.sup.state();
    assert!(state.status[&draft].bedrock);
    assert_eq!(state.proposals[&id].state, ProposalState::Applied(seq));
    let entry = w.sup.store().entry(seq).expect("entry");
    assert_eq!(entry.event, Event::Promoted { node: draft });
    assert_eq!(entry.authorization.expect("token recorded").signatures.len(), 2);
    let kinds: Vec<&str> = w
        .drain()
        .into_iter()
        .filter_map(|e| match e {
            SupervisorEvent::Ledger { kind, .. } => Some(kind),
            _ => None,
        })
        .collect();
    assert_eq!(
        kinds,
        ["node-created", "proposal-opened", "proposal-approved", "proposal-approved", "promoted"]
    );
    // A rejected proposal is closed for good.
    let other = w.add("alice", &add(8));
    let id = alice.propose(Operation::Promote { node: other }, HOUR).expect("propose");
    w.sup.human(human(2).verifying_key().to_bytes()).reject(id, "not needed").expect("reject");
    assert!(w.sup.approve(id, &human(1)).is_err());
    w.sup.store().verify().expect("verifies");
}

#[test]
fn a_regressing_migration_is_rolled_back_by_the_supervisor() {
    let w = world();
    let feeder = w.add("host", &add(1));
    let rule = w.add("host", &add(10));
    let regression = w.add("host", &broken("add-10-v2"));
    w.sup.host().link(&edge(feeder, "y", rule, "x")).expect("wire");
    w.promote(feeder);
    w.promote(rule);
    let flow = Flow::production("score", vec![PortRef::new(feeder, "x")], vec![PortRef::new(rule, "y")]);
    w.sup.host().define_flow(&flow).expect("flow");
    let host = w.sup.host();
    let out = host.run("score", &[Value::U64(1)]).expect("runs before the migration");
    assert_eq!(out.outputs, vec![Value::U64(12)]);

    let t = w.token(Operation::Migrate { from: rule, to: regression }, &[2, 3]);
    host.govern(Event::Migrated { from: rule, to: regression }, &t).expect("migrate");
    w.drain();
    let failures = Policy::default().self_heal.failures;
    for i in 1..=failures {
        let err = host.run("score", &[Value::U64(1)]).expect_err("the regression traps");
        assert!(matches!(err, SupervisorError::Flow(_)), "run {i}: {err}");
    }
    let events = w.drain();
    let rolled = events.iter().find_map(|e| match e {
        SupervisorEvent::RolledBack { from, to, failures, .. } => Some((*from, *to, *failures)),
        _ => None,
    });
    assert_eq!(rolled, Some((regression, rule, failures)), "{events:?}");
    let state = w.sup.state();
    assert!(state.status[&regression].deprecated && !state.status[&rule].deprecated);
    assert_eq!(state.flows["score"].flow.outputs, vec![PortRef::new(rule, "y")]);
    let out = host.run("score", &[Value::U64(1)]).expect("healed");
    assert_eq!(out.outputs, vec![Value::U64(12)]);
    w.sup.store().verify().expect("verifies");
}

#[test]
fn recorded_runs_replay_against_their_graph_version() {
    let w = world();
    let a = w.add("alice", &add(1));
    let b = w.add("alice", &add(2));
    let alice = w.sup.agent("alice").expect("alice");
    alice.link(&edge(a, "y", b, "x")).expect("link");
    alice
        .define_flow(&Flow::new("pair", vec![PortRef::new(a, "x")], vec![PortRef::new(b, "y")]))
        .expect("flow");
    let out = alice.run_with("pair", &[Value::U64(5)], Some(true)).expect("run");
    assert_eq!(out.outputs, vec![Value::U64(8)]);
    let id = out.record.expect("recorded");
    let record = w.sup.execution(id).expect("record");
    assert_eq!(record.actor, Some(logos_runtime::Actor::Agent("alice".into())), "records say who ran them");
    // The graph moves on; the replay still uses the recorded version.
    let c = w.add("alice", &add(3));
    alice.link(&edge(b, "y", c, "x")).expect("link");
    let report = w.sup.replay(id).expect("replay");
    assert!(report.is_identical(), "{report:?}");
    assert_eq!(w.sup.usage("alice").0, 1);
    w.clock.fetch_add(86_400_000, Ordering::Relaxed);
    assert_eq!(w.sup.usage("alice"), (0, 0), "quotas are per day");
}

#[test]
fn upgrade_plans_follow_lineage_then_leaves_first() {
    let w = world();
    let a = w.add("host", &add(1));
    let b = w.add("host", &add(2));
    let (a2, b2, b3) = (NodeId::of_wasm(b"a2"), NodeId::of_wasm(b"b2"), NodeId::of_wasm(b"b3"));
    w.sup.host().link(&edge(a, "y", b, "x")).expect("link");
    let plan = w.sup.upgrade_plan(&[(b2, b3), (a, a2), (b, b2)]).expect("plan");
    assert_eq!(plan, vec![(b, b2), (b2, b3), (a, a2)]);
    assert!(w.sup.upgrade_plan(&[(a, b), (b, a)]).is_err(), "a cycle has no order");
    assert!(w.sup.upgrade_plan(&[(a, b), (a, a2)]).is_err(), "one node, two successors");
}

/// The digest a policy token names, taken from the ledger's own rule.
fn sha256(bytes: &[u8]) -> [u8; 32] {
    match logos_runtime::layers::ledger::required_operation(&Event::PolicyChanged { policy: bytes.to_vec() })
    {
        Some(Operation::ChangePolicy { digest }) => digest,
        other => panic!("policy changes are governed, got {other:?}"),
    }
}
