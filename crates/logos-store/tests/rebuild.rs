//! Event sourcing, proved: after any random sequence of changes by the
//! host and two agents (nodes, edges, shares, sandbox and production
//! flows), the state rebuilt from ledger events alone equals the indexed
//! tables, and the state as of every earlier seq equals what the store
//! held at that moment.

use logos_core::{Actor, Edge, Flow, GraphStore, NodeManifest, Port, PortRef, PortType, Stamp};
use logos_ledger::{Event, Keyring};
use logos_store::RedbStore;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    AddNode(u8),
    AddEdge(u8, u8, u8, u8),
    RemoveEdge(u8),
    Share(u8),
    DefineFlow(u8, u8, bool),
    RemoveFlow(u8),
}

fn ops() -> impl Strategy<Value = Vec<(u8, Op)>> {
    let op = prop_oneof![
        (0u8..8).prop_map(Op::AddNode),
        (any::<u8>(), any::<u8>(), 0u8..2, 0u8..2).prop_map(|(a, b, p, q)| Op::AddEdge(a, b, p, q)),
        any::<u8>().prop_map(Op::RemoveEdge),
        any::<u8>().prop_map(Op::Share),
        (any::<u8>(), any::<u8>(), any::<bool>()).prop_map(|(a, b, p)| Op::DefineFlow(a, b, p)),
        (0u8..4).prop_map(Op::RemoveFlow),
    ];
    proptest::collection::vec((0u8..3, op), 1..40)
}

fn actor(i: u8) -> Actor {
    match i {
        0 => Actor::Host,
        1 => Actor::Agent("ada".into()),
        _ => Actor::Agent("bob".into()),
    }
}

fn port_type(i: u8) -> PortType {
    if i.is_multiple_of(2) { PortType::U64 } else { PortType::String }
}

fn node(i: u8) -> (Vec<u8>, NodeManifest) {
    let wasm = [b"\0asm\x01\0\0\0".as_slice(), &[0, 2, 1, i]].concat();
    let m = NodeManifest {
        name: format!("n{i}"),
        inputs: vec![Port::new("p0", port_type(i)), Port::new("p1", PortType::U64)],
        outputs: vec![Port::new("p0", port_type(i / 2)), Port::new("p1", PortType::U64)],
        capabilities: Default::default(),
    };
    (wasm, m)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn rebuilt_graph_equals_index_after_random_changes(ops in ops()) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("logos.redb");
        let genesis = Stamp::new(Actor::Host, 0);
        let store = RedbStore::create(&path, "prop/ledger", Keyring::empty(), &genesis).expect("create");
        let mut snapshots = vec![(store.head().expect("head").size, store.state())];
        for (who, op) in ops {
            let stamp = Stamp::new(actor(who), 0);
            let nodes: Vec<_> = store.graph().expect("graph").nodes().map(|(id, _)| *id).collect();
            let edges: Vec<Edge> = store.graph().expect("graph").edges().cloned().collect();
            // Refusals are fine (that is the contract checker's job); they must not change anything.
            let before = store.head().expect("head");
            let result = match op {
                Op::AddNode(i) => {
                    let (w, m) = node(i);
                    store.add_node(&stamp, &w, &m).map(drop)
                }
                Op::AddEdge(a, b, p, q) if !nodes.is_empty() => {
                    let from = PortRef::new(nodes[a as usize % nodes.len()], format!("p{p}"));
                    let to = PortRef::new(nodes[b as usize % nodes.len()], format!("p{q}"));
                    store.add_edge(&stamp, &Edge::new(from, to)).map(drop)
                }
                Op::RemoveEdge(i) if !edges.is_empty() => {
                    store.remove_edge(&stamp, &edges[i as usize % edges.len()]).map(drop)
                }
                Op::Share(i) if !nodes.is_empty() => {
                    store.append(&stamp, Event::NodeShared { node: nodes[i as usize % nodes.len()] }).map(drop)
                }
                Op::DefineFlow(a, b, production) if !nodes.is_empty() => {
                    let input = PortRef::new(nodes[a as usize % nodes.len()], "p0");
                    let output = PortRef::new(nodes[b as usize % nodes.len()], "p1");
                    let name = format!("f{}", a % 4);
                    let flow = if production {
                        Flow::production(name, vec![input], vec![output])
                    } else {
                        Flow::new(name, vec![input], vec![output])
                    };
                    store.append(&stamp, Event::FlowDefined { flow }).map(drop)
                }
                Op::RemoveFlow(i) => store.append(&stamp, Event::FlowRemoved { name: format!("f{i}") }).map(drop),
                _ => Ok(()),
            };
            let after = store.head().expect("head");
            if result.is_err() {
                prop_assert_eq!(before, after);
            }
            if after != before {
                snapshots.push((after.size, store.state()));
            }
        }
        let report = store.verify().expect("verifies");
        prop_assert_eq!(store.indexed_graph().expect("index"), store.graph().expect("graph"));
        prop_assert_eq!(report.entries, store.head().expect("head").size);
        for (size, state) in snapshots {
            prop_assert_eq!(&store.state_at(size).expect("history"), &state);
            prop_assert_eq!(store.graph_at(size).expect("history"), state.graph);
        }
        let now = store.state();
        drop(store);
        let reopened = RedbStore::open(&path).expect("reopen");
        prop_assert_eq!(reopened.state(), now);
    }
}
