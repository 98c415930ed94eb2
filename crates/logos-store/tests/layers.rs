//! The ledger's layer rules as an untrusted agent meets them through a real
//! store: locks on bedrock inputs, private drafts, production flows,
//! proposals signed by humans, and the host-only rollback. Every refusal
//! must leave the ledger unchanged, and the store must still verify.

use ed25519_dalek::{Signer, SigningKey};
use logos_core::{
    Actor, Edge, Flow, FlowDefError, GraphStore, NodeId, NodeManifest, Port, PortRef, PortType, Stamp,
};
use logos_ledger::token::{Operation, Statement, Token};
use logos_ledger::{EntrySignature, Event, Keyring, Policy, ProposalState, StateError};
use logos_store::{RedbStore, StoreError};

const NOW: u64 = 1_700_000_000_000;
const HOUR: u64 = 3_600_000;

fn human(i: u8) -> SigningKey {
    SigningKey::from_bytes(&[i; 32])
}

fn host() -> Stamp {
    Stamp::new(Actor::Host, NOW)
}

fn agent(name: &str) -> Stamp {
    Stamp::new(Actor::Agent(name.into()), NOW)
}

fn wasm(name: &str) -> Vec<u8> {
    [b"\0asm\x01\0\0\0".as_slice(), &[0, (name.len() + 1) as u8, name.len() as u8], name.as_bytes()].concat()
}

fn manifest(name: &str) -> NodeManifest {
    NodeManifest {
        name: name.into(),
        inputs: vec![Port::new("x", PortType::U64)],
        outputs: vec![Port::new("y", PortType::U64)],
        capabilities: Default::default(),
    }
}

fn edge(from: NodeId, to: NodeId) -> Edge {
    Edge::new(PortRef::new(from, "y"), PortRef::new(to, "x"))
}

struct World {
    _dir: tempfile::TempDir,
    store: RedbStore,
}

impl World {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut keys: Vec<[u8; 32]> = (1..=3).map(|i| human(i).verifying_key().to_bytes()).collect();
        keys.sort_unstable();
        let store = RedbStore::create(
            dir.path().join("l.redb"),
            "test.logos/layers",
            Keyring { keys, quorum: 2 },
            &host(),
        )
        .expect("create");
        Self { _dir: dir, store }
    }

    fn node(&self, by: &Stamp, name: &str) -> NodeId {
        self.store.add_node(by, &wasm(name), &manifest(name)).expect("node").id
    }

    fn statement(&self, op: Operation) -> Statement {
        let size = self.store.head().expect("head").size;
        let root = self.store.root_at(size).expect("root");
        Statement::new(self.store.origin(), op, size, root, NOW + HOUR, [7; 16]).expect("statement")
    }

    fn govern(&self, event: Event, op: Operation) {
        let mut t = Token::new(self.statement(op));
        t.sign(&human(1)).expect("sign");
        t.sign(&human(2)).expect("sign");
        self.store.govern(&host(), event, &t).expect("governed change");
    }

    /// Runs `change`, expects it refused, and checks nothing was written.
    fn refused(&self, change: impl FnOnce(&RedbStore) -> Result<u64, StoreError>) -> StoreError {
        let before = self.store.head().expect("head");
        let err = change(&self.store).expect_err("must be refused");
        assert_eq!(self.store.head().expect("head"), before, "a refused change wrote to the ledger: {err}");
        err
    }
}

fn state_err(e: StoreError) -> StateError {
    match e {
        StoreError::State(s) => s,
        other => panic!("expected a state error, got {other}"),
    }
}

#[test]
fn bedrock_inputs_are_locked_for_everyone_but_agents_may_feed_from_bedrock() {
    let w = World::new();
    let feeder = w.node(&host(), "feeder");
    let rule = w.node(&host(), "rule");
    w.store.add_edge(&host(), &edge(feeder, rule)).expect("wire before promotion");
    w.govern(Event::Promoted { node: rule }, Operation::Promote { node: rule });

    let other = w.node(&host(), "other");
    for by in [host(), agent("mallory")] {
        let e = w.refused(|s| s.add_edge(&by, &edge(other, rule)).map(|_| 0));
        assert!(matches!(e, StoreError::Contract(_) | StoreError::State(StateError::Locked { .. })), "{e}");
        let e = state_err(w.refused(|s| s.append(&by, Event::EdgeRemoved { edge: edge(feeder, rule) })));
        assert!(matches!(e, StateError::Locked { node, .. } if node == rule), "{e}");
    }
    // An agent links its own draft to the bedrock node's output.
    let draft = w.node(&agent("alice"), "draft");
    w.store.add_edge(&agent("alice"), &edge(rule, draft)).expect("agents may read from bedrock");
    w.store.verify().expect("verifies");
}

#[test]
fn drafts_are_private_until_shared() {
    let w = World::new();
    let alice = w.node(&agent("alice"), "alice-draft");
    let bob = w.node(&agent("bob"), "bob-draft");
    let bob2 = w.node(&agent("bob"), "bob-second");
    let e = state_err(w.refused(|s| s.append(&agent("bob"), Event::EdgeAdded { edge: edge(alice, bob) })));
    assert!(matches!(&e, StateError::NotVisible { agent, node } if agent == "bob" && *node == alice), "{e}");
    let e = state_err(w.refused(|s| s.append(&agent("alice"), Event::EdgeAdded { edge: edge(alice, bob) })));
    assert!(matches!(e, StateError::NotOwner { .. }), "alice cannot rewire bob's node: {e}");
    let e = state_err(w.refused(|s| s.append(&agent("bob"), Event::NodeShared { node: alice })));
    assert!(matches!(e, StateError::NotOwner { .. }), "{e}");
    let flow = Flow::new("peek", vec![PortRef::new(alice, "x")], vec![PortRef::new(alice, "y")]);
    let e = state_err(w.refused(|s| s.append(&agent("bob"), Event::FlowDefined { flow: flow.clone() })));
    assert!(matches!(e, StateError::NotVisible { .. }), "{e}");

    w.store.append(&agent("alice"), Event::NodeShared { node: alice }).expect("owner shares");
    w.store.append(&agent("bob"), Event::EdgeAdded { edge: edge(alice, bob) }).expect("now visible");
    w.store.append(&agent("bob"), Event::EdgeAdded { edge: edge(bob, bob2) }).expect("own nodes");
    w.store.append(&agent("bob"), Event::FlowDefined { flow }).expect("shared node in a sandbox flow");
    let reopened_state = w.store.state();
    assert_eq!(reopened_state.status[&alice].owner.as_deref(), Some("alice"));
    assert!(reopened_state.status[&alice].shared);
    w.store.verify().expect("verifies");
}

#[test]
fn production_flows_run_bedrock_only_and_follow_migrations() {
    let w = World::new();
    let a = w.node(&host(), "a");
    let b = w.node(&host(), "b");
    let b2 = w.node(&host(), "b-v2");
    w.store.add_edge(&host(), &edge(a, b)).expect("edge");
    let flow = Flow::production("approve", vec![PortRef::new(a, "x")], vec![PortRef::new(b, "y")]);
    let e = state_err(w.refused(|s| s.append(&host(), Event::FlowDefined { flow: flow.clone() })));
    assert!(matches!(e, StateError::NotProduction { why: "sediment", .. }), "{e}");
    w.govern(Event::Promoted { node: a }, Operation::Promote { node: a });
    w.govern(Event::Promoted { node: b }, Operation::Promote { node: b });
    let e = state_err(w.refused(|s| s.append(&agent("alice"), Event::FlowDefined { flow: flow.clone() })));
    assert!(matches!(e, StateError::Forbidden { .. }), "agents never define production flows: {e}");
    w.store.append(&host(), Event::FlowDefined { flow: flow.clone() }).expect("bedrock only");
    let bad = Flow::production("bad name!", vec![], vec![PortRef::new(b, "y")]);
    let e = state_err(w.refused(|s| s.append(&host(), Event::FlowDefined { flow: bad })));
    assert!(matches!(e, StateError::Flow(FlowDefError::BadName(_))), "{e}");

    w.govern(Event::Migrated { from: b, to: b2 }, Operation::Migrate { from: b, to: b2 });
    let moved = &w.store.state().flows["approve"].flow;
    assert_eq!(moved.outputs, vec![PortRef::new(b2, "y")], "the flow follows the migration");

    // Self-heal: only the host may roll back, and only along the lineage.
    let e = state_err(w.refused(|s| s.append(&agent("alice"), Event::RolledBack { from: b2, to: b })));
    assert!(matches!(e, StateError::Forbidden { .. }), "{e}");
    let e = state_err(w.refused(|s| s.append(&host(), Event::RolledBack { from: b2, to: a })));
    assert!(matches!(e, StateError::Rollback { .. }), "{e}");
    w.store.append(&host(), Event::RolledBack { from: b2, to: b }).expect("rollback");
    let state = w.store.state();
    assert!(state.status[&b2].deprecated && !state.status[&b].deprecated);
    assert_eq!(state.flows["approve"].flow.outputs, vec![PortRef::new(b, "y")]);
    assert_eq!(state.graph.edges().cloned().collect::<Vec<_>>(), vec![edge(a, b)]);
    w.store.verify().expect("verifies");
}

#[test]
fn proposals_collect_human_signatures_and_close_when_applied() {
    let w = World::new();
    let node = w.node(&agent("alice"), "draft");
    let statement = w.statement(Operation::Promote { node });
    let text = statement.to_text();
    let opened =
        w.store.append(&agent("alice"), Event::ProposalOpened { statement: text.clone() }).expect("open");
    let sign = |key: &SigningKey, msg: &str| EntrySignature {
        key: key.verifying_key().to_bytes(),
        signature: key.sign(msg.as_bytes()).to_bytes(),
    };
    let approve = |signature| Event::ProposalApproved { proposal: opened, signature };

    // Attacks: a stranger's key, a signature over something else, an agent rejecting.
    let stranger = SigningKey::from_bytes(&[9; 32]);
    for bad in [sign(&stranger, &text), sign(&human(1), "promote something else")] {
        let e = state_err(w.refused(|s| s.append(&host(), approve(bad))));
        assert!(matches!(e, StateError::Proposal { .. }), "{e}");
    }
    let e = state_err(w.refused(|s| {
        s.append(
            &agent("alice"),
            Event::ProposalRejected { proposal: opened, reason: "changed my mind".into() },
        )
    }));
    assert!(matches!(e, StateError::Forbidden { .. }), "{e}");

    let late = Stamp::new(Actor::Human(human(1).verifying_key().to_bytes()), NOW + HOUR);
    let e = state_err(w.refused(|s| s.append(&late, approve(sign(&human(1), &text)))));
    assert!(matches!(&e, StateError::Proposal { why, .. } if why.contains("expired")), "{e}");

    let first = sign(&human(1), &text);
    w.store.append(&Stamp::new(Actor::Human(first.key), NOW), approve(first.clone())).expect("approve 1");
    let e = state_err(w.refused(|s| s.append(&host(), approve(first.clone()))));
    assert!(matches!(e, StateError::Proposal { .. }), "one key counts once: {e}");
    let second = sign(&human(3), &text);
    w.store.append(&host(), approve(second.clone())).expect("approve 2");

    let p = &w.store.state().proposals[&opened];
    let token =
        Token::with_signatures(statement, p.approvals.iter().map(|a| (a.key, a.signature))).expect("token");
    w.store.govern(&host(), Event::Promoted { node }, &token).expect("quorum reached: apply");
    let state = w.store.state();
    assert!(matches!(state.proposals[&opened].state, ProposalState::Applied(_)));
    assert!(state.status[&node].bedrock);
    let e = state_err(w.refused(|s| s.append(&host(), approve(sign(&human(2), &text)))));
    assert!(matches!(e, StateError::Proposal { .. }), "closed proposals take no approvals: {e}");
    w.store.verify().expect("verifies");
}

#[test]
fn policy_documents_must_decode_and_ceilings_bind_grants() {
    let w = World::new();
    let garbage = vec![0xff, 0x01, 0x02];
    let op = Operation::ChangePolicy { digest: sha256(&garbage) };
    let mut t = Token::new(w.statement(op));
    t.sign(&human(1)).expect("sign");
    t.sign(&human(2)).expect("sign");
    let e = state_err(w.refused(|s| s.govern(&host(), Event::PolicyChanged { policy: garbage.clone() }, &t)));
    assert!(matches!(e, StateError::Policy(_)), "{e}");
    let mut policy = Policy::default();
    policy.sediment.fuel = 1234;
    let bytes = policy.encode();
    w.govern(
        Event::PolicyChanged { policy: bytes.clone() },
        Operation::ChangePolicy { digest: sha256(&bytes) },
    );
    assert_eq!(w.store.state().policy(), policy);
    w.store.verify().expect("verifies");
}

#[test]
fn governed_events_cannot_be_appended_without_a_token() {
    let w = World::new();
    let node = w.node(&host(), "n");
    let e = state_err(w.refused(|s| s.append(&host(), Event::Promoted { node })));
    assert!(matches!(e, StateError::Unauthorized(_)), "{e}");
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

fn ported(name: &str, inputs: &[(&str, PortType)], outputs: &[(&str, PortType)]) -> NodeManifest {
    let ports = |ps: &[(&str, PortType)]| ps.iter().map(|(n, t)| Port::new(*n, t.clone())).collect();
    NodeManifest {
        name: name.into(),
        inputs: ports(inputs),
        outputs: ports(outputs),
        capabilities: Default::default(),
    }
}

#[test]
fn a_successor_with_other_outputs_migrates_through_a_declared_adapter() {
    let w = World::new();
    let add = |m: NodeManifest| w.store.add_node(&host(), &wasm(&m.name), &m).expect("node").id;
    let feeder = w.node(&host(), "feeder");
    let rule = w.node(&host(), "rule");
    let consumer = w.node(&host(), "consumer");
    // The successor scores instead of deciding; the adapter turns the score back into `y`.
    let successor = add(ported("rule-v2", &[("x", PortType::U64)], &[("score", PortType::U32)]));
    let adapter = add(ported("score-to-y", &[("score", PortType::U32)], &[("y", PortType::U64)]));
    let wrong = add(ported("wrong-adapter", &[("score", PortType::U64)], &[("y", PortType::U64)]));
    w.store.add_edge(&host(), &edge(feeder, rule)).expect("edge");
    w.store.add_edge(&host(), &edge(rule, consumer)).expect("edge");
    for node in [feeder, rule] {
        w.govern(Event::Promoted { node }, Operation::Promote { node });
    }
    let flow = Flow::production("score", vec![PortRef::new(feeder, "x")], vec![PortRef::new(rule, "y")]);
    w.store.append(&host(), Event::FlowDefined { flow }).expect("flow");

    // Without an adapter the successor does not fit; with a mistyped one neither.
    let plain = Operation::Migrate { from: rule, to: successor };
    let mut t = Token::new(w.statement(plain));
    t.sign(&human(1)).expect("sign");
    t.sign(&human(2)).expect("sign");
    let e = state_err(w.refused(|s| s.govern(&host(), Event::Migrated { from: rule, to: successor }, &t)));
    assert!(matches!(e, StateError::Incompatible { .. }), "{e}");
    let via_wrong = Operation::MigrateVia { from: rule, to: successor, adapter: wrong };
    let mut t = Token::new(w.statement(via_wrong));
    t.sign(&human(1)).expect("sign");
    t.sign(&human(2)).expect("sign");
    let event = Event::MigratedVia { from: rule, to: successor, adapter: wrong };
    let e = state_err(w.refused(|s| s.govern(&host(), event, &t)));
    assert!(matches!(&e, StateError::Incompatible { reason, .. } if reason.contains("adapter input")), "{e}");

    let op = Operation::MigrateVia { from: rule, to: successor, adapter };
    w.govern(Event::MigratedVia { from: rule, to: successor, adapter }, op);
    let state = w.store.state();
    let mut edges: Vec<Edge> = state.graph.edges().cloned().collect();
    edges.sort();
    let mut expected = vec![
        Edge::new(PortRef::new(feeder, "y"), PortRef::new(successor, "x")),
        Edge::new(PortRef::new(successor, "score"), PortRef::new(adapter, "score")),
        Edge::new(PortRef::new(adapter, "y"), PortRef::new(consumer, "x")),
    ];
    expected.sort();
    assert_eq!(edges, expected);
    assert_eq!(state.flows["score"].flow.outputs, vec![PortRef::new(adapter, "y")]);
    assert!(state.status[&rule].deprecated);
    for node in [successor, adapter] {
        assert!(state.status[&node].bedrock && state.status[&node].parent == Some(rule));
    }
    // The production flow still holds: every node it runs is live bedrock.
    assert!(state.flow_nodes(&state.flows["score"].flow).is_ok());
    w.store.verify().expect("verifies");
}
