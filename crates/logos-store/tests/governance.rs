//! Governed changes under N-of-M migration tokens, attacked the way an
//! insider with some keys, old tokens or a copy of the file would.

use ed25519_dalek::SigningKey;
use logos_core::{Actor, Capability, Edge, GraphStore, NodeId, NodeManifest, Port, PortRef, PortType, Stamp};
use logos_ledger::token::{Operation, Statement, Token, TokenError};
use logos_ledger::{Event, Keyring, StateError};
use logos_store::{RedbStore, StoreError};

const NOW: u64 = 1_700_000_000_000;
const HOUR: u64 = 3_600_000;

fn human(i: u8) -> SigningKey {
    SigningKey::from_bytes(&[i; 32])
}

fn keyring() -> Keyring {
    let mut keys: Vec<[u8; 32]> = (1..=3).map(|i| human(i).verifying_key().to_bytes()).collect();
    keys.sort_unstable();
    Keyring { keys, quorum: 2 }
}

fn at(ms: u64) -> Stamp {
    Stamp::new(Actor::Host, ms)
}

fn wasm(name: &str) -> Vec<u8> {
    [b"\0asm\x01\0\0\0".as_slice(), &[0, (name.len() + 1) as u8, name.len() as u8], name.as_bytes()].concat()
}

fn manifest(name: &str, caps: &[Capability]) -> NodeManifest {
    NodeManifest {
        name: name.into(),
        inputs: vec![Port::new("x", PortType::U64)],
        outputs: vec![Port::new("y", PortType::U64)],
        capabilities: caps.iter().copied().collect(),
    }
}

struct World {
    _dir: tempfile::TempDir,
    store: RedbStore,
    rule: NodeId,
    feeder: NodeId,
    successor: NodeId,
}

fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let store =
        RedbStore::create(dir.path().join("g.redb"), "test.logos/gov", keyring(), &at(NOW)).expect("create");
    let add = |name: &str, caps: &[Capability]| {
        store.add_node(&at(NOW), &wasm(name), &manifest(name, caps)).expect("node").id
    };
    let rule = add("rule", &[Capability::Log]);
    let feeder = add("feeder", &[]);
    let successor = add("rule-v2", &[]);
    store.add_edge(&at(NOW), &Edge::new(PortRef::new(feeder, "y"), PortRef::new(rule, "x"))).expect("edge");
    World { _dir: dir, store, rule, feeder, successor }
}

/// A token for `op` bound to the store's current head, signed by `signers`.
fn token(store: &RedbStore, op: Operation, signers: &[u8]) -> Token {
    let size = store.head().expect("head").size;
    let root = store.root_at(size).expect("root");
    let nonce = Statement::random_nonce().expect("entropy");
    let statement = Statement::new(store.origin(), op, size, root, NOW + HOUR, nonce).expect("statement");
    let mut t = Token::new(statement);
    for i in signers {
        t.sign(&human(*i)).expect("sign");
    }
    t
}

fn promote(node: NodeId) -> Event {
    Event::Promoted { node }
}

#[test]
fn two_of_three_promote_applies_and_is_auditable() {
    let w = world();
    let t = token(&w.store, Operation::Promote { node: w.rule }, &[1, 3]);
    let seq = w.store.govern(&at(NOW + 1), promote(w.rule), &t).expect("quorum reached");
    assert!(w.store.state().status[&w.rule].bedrock);
    let entry = w.store.entry(seq).expect("entry");
    let auth = entry.authorization.expect("the token is in the ledger");
    assert_eq!(auth.statement, t.statement_text());
    assert_eq!(auth.signatures.len(), 2);
    w.store.verify().expect("the auditor re-checks the quorum from the ledger");
}

/// Every way to misuse a token; each must be refused with nothing written.
#[test]
fn misused_tokens_are_refused_and_change_nothing() {
    let w = world();
    let other_dir = tempfile::tempdir().expect("tempdir");
    let other = RedbStore::create(other_dir.path().join("o.redb"), "test.logos/gov", keyring(), &at(NOW))
        .expect("other log");
    other.add_node(&at(NOW), &wasm("x"), &manifest("x", &[])).expect("diverge");

    let promote_rule = Operation::Promote { node: w.rule };
    let used = token(&w.store, Operation::Promote { node: w.feeder }, &[1, 2]);
    w.store.govern(&at(NOW), promote(w.feeder), &used).expect("first use");

    // A signature made by key 1, presented as key 2's.
    let forged = {
        let honest = token(&w.store, promote_rule.clone(), &[1]);
        let (_, sig) = honest.signatures().next().expect("one signature");
        let mut t = token(&w.store, promote_rule.clone(), &[3]);
        t.add_signature(human(2).verifying_key().to_bytes(), sig).expect("add");
        t
    };
    // Duplicate signer lines in the file.
    let duplicated_text = {
        let text = token(&w.store, promote_rule.clone(), &[1]).to_text();
        let line = text.lines().last().expect("sig line").to_owned();
        format!("{text}{line}\n")
    };

    let cases: Vec<(&str, Event, Result<Token, TokenError>, u64)> = vec![
        ("sub-quorum", promote(w.rule), Ok(token(&w.store, promote_rule.clone(), &[1])), NOW),
        (
            "unregistered key does not count",
            promote(w.rule),
            Ok(token(&w.store, promote_rule.clone(), &[1, 9])),
            NOW,
        ),
        ("signature under the wrong key", promote(w.rule), Ok(forged), NOW),
        ("duplicate signer", promote(w.rule), Token::parse(&duplicated_text), NOW),
        ("replayed token", promote(w.feeder), Ok(used), NOW),
        (
            "token for another operation",
            promote(w.rule),
            Ok(token(&w.store, Operation::Deprecate { node: w.rule }, &[1, 2])),
            NOW,
        ),
        (
            "token for another node",
            promote(w.rule),
            Ok(token(&w.store, Operation::Promote { node: w.successor }, &[1, 2])),
            NOW,
        ),
        (
            "token for another ledger's head",
            promote(w.rule),
            Ok(token(&other, promote_rule.clone(), &[1, 2])),
            NOW,
        ),
        // Tokens expire at their expiry instant, not after it.
        ("expired token", promote(w.rule), Ok(token(&w.store, promote_rule.clone(), &[1, 2])), NOW + HOUR),
    ];
    for (what, event, token, now) in cases {
        let before = (w.store.head().expect("head"), w.store.state());
        let refused = match token {
            Err(parse_error) => Err(StoreError::Token(parse_error)),
            Ok(t) => w.store.govern(&at(now), event, &t),
        };
        assert!(refused.is_err(), "{what} was accepted");
        assert_eq!((w.store.head().expect("head"), w.store.state()), before, "{what} changed the store");
    }
    assert!(!w.store.state().status[&w.rule].bedrock);
    w.store.verify().expect("still verifies");
}

#[test]
fn refusal_reasons_are_specific() {
    let w = world();
    let op = Operation::Promote { node: w.rule };
    let err = w.store.govern(&at(NOW), promote(w.rule), &token(&w.store, op.clone(), &[2])).unwrap_err();
    assert!(matches!(err, StoreError::Token(TokenError::SubQuorum { valid: 1, required: 2 })), "{err}");
    let t = token(&w.store, op.clone(), &[1, 2]);
    let err = w.store.govern(&at(NOW + 2 * HOUR), promote(w.rule), &t).unwrap_err();
    assert!(matches!(err, StoreError::Token(TokenError::Expired { .. })), "{err}");
    w.store.govern(&at(NOW), promote(w.rule), &t).expect("valid now");
    let err = w.store.govern(&at(NOW), promote(w.rule), &t).unwrap_err();
    assert!(matches!(err, StoreError::Token(TokenError::AlreadyUsed { .. })), "{err}");
}

#[test]
fn a_valid_token_cannot_authorise_an_impossible_change() {
    let w = world();
    // feeder never requested `network`: a quorum cannot grant it.
    let op = Operation::Grant { node: w.feeder, capability: Capability::Network };
    let t = token(&w.store, op, &[1, 2]);
    let err = w
        .store
        .govern(&at(NOW), Event::CapabilityGranted { node: w.feeder, capability: Capability::Network }, &t)
        .unwrap_err();
    assert!(matches!(err, StoreError::State(StateError::NotRequested { .. })), "{err}");
    // A requested one is still above the default sediment ceiling (none)...
    let op = Operation::Grant { node: w.rule, capability: Capability::Log };
    let t = token(&w.store, op.clone(), &[2, 3]);
    let err = w
        .store
        .govern(&at(NOW), Event::CapabilityGranted { node: w.rule, capability: Capability::Log }, &t)
        .unwrap_err();
    assert!(matches!(err, StoreError::State(StateError::AboveCeiling { layer: "sediment", .. })), "{err}");
    // ...and within the bedrock one once the node is promoted.
    let p = token(&w.store, Operation::Promote { node: w.rule }, &[1, 2]);
    w.store.govern(&at(NOW), promote(w.rule), &p).expect("promote");
    let t = token(&w.store, op, &[2, 3]);
    w.store
        .govern(&at(NOW), Event::CapabilityGranted { node: w.rule, capability: Capability::Log }, &t)
        .expect("grant");
    assert!(w.store.state().status[&w.rule].grants.contains(Capability::Log));
}

#[test]
fn migration_repoints_edges_and_records_lineage() {
    let w = world();
    let t = token(&w.store, Operation::Promote { node: w.rule }, &[1, 2]);
    w.store.govern(&at(NOW), promote(w.rule), &t).expect("promote");
    let t = token(&w.store, Operation::Migrate { from: w.rule, to: w.successor }, &[2, 3]);
    w.store.govern(&at(NOW), Event::Migrated { from: w.rule, to: w.successor }, &t).expect("migrate");
    let state = w.store.state();
    assert!(state.status[&w.rule].deprecated);
    assert!(state.status[&w.successor].bedrock);
    assert_eq!(state.status[&w.successor].parent, Some(w.rule));
    let edges: Vec<Edge> = state.graph.edges().cloned().collect();
    assert_eq!(edges, vec![Edge::new(PortRef::new(w.feeder, "y"), PortRef::new(w.successor, "x"))]);
    w.store.verify().expect("indexes follow the ledger");
}

#[test]
fn keyring_change_needs_the_old_quorum_and_then_the_new_one_rules() {
    let w = world();
    let mut keys = vec![human(7).verifying_key().to_bytes(), human(8).verifying_key().to_bytes()];
    keys.sort_unstable();
    let new = Keyring { keys: keys.clone(), quorum: 2 };
    let op = Operation::ChangeKeyring { keys, quorum: 2 };
    // The incoming keys cannot appoint themselves.
    let t = token(&w.store, op.clone(), &[7, 8]);
    assert!(w.store.govern(&at(NOW), Event::KeyringChanged { keyring: new.clone() }, &t).is_err());
    let t = token(&w.store, op, &[1, 2]);
    w.store.govern(&at(NOW), Event::KeyringChanged { keyring: new.clone() }, &t).expect("old quorum");
    assert_eq!(w.store.keyring(), new);
    // Old keys no longer count.
    let t = token(&w.store, Operation::Promote { node: w.rule }, &[1, 2, 3]);
    assert!(w.store.govern(&at(NOW), promote(w.rule), &t).is_err());
    let t = token(&w.store, Operation::Promote { node: w.rule }, &[7, 8]);
    w.store.govern(&at(NOW), promote(w.rule), &t).expect("new quorum");
    w.store.verify().expect("verifies");
}
