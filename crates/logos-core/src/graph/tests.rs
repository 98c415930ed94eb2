use super::*;
use crate::manifest::Port;
use crate::types::PortType;

fn node(name: &str, inputs: &[(&str, PortType)], outputs: &[(&str, PortType)]) -> (NodeId, NodeManifest) {
    let m = NodeManifest {
        name: name.into(),
        inputs: inputs.iter().map(|(n, t)| Port::new(*n, t.clone())).collect(),
        outputs: outputs.iter().map(|(n, t)| Port::new(*n, t.clone())).collect(),
        capabilities: Default::default(),
    };
    (NodeId::of_wasm(name.as_bytes()), m)
}

fn edge(a: NodeId, out: &str, b: NodeId, inp: &str) -> Edge {
    Edge::new(PortRef::new(a, out), PortRef::new(b, inp))
}

fn pipeline() -> (Graph, NodeId, NodeId, NodeId) {
    let mut g = Graph::new();
    let (a, ma) = node("a", &[("x", PortType::U64)], &[("y", PortType::U64)]);
    let (b, mb) = node("b", &[("x", PortType::U64)], &[("y", PortType::U64), ("z", PortType::U32)]);
    let (c, mc) = node("c", &[("x", PortType::U64), ("w", PortType::U32)], &[("y", PortType::U64)]);
    g.add_node(a, ma);
    g.add_node(b, mb);
    g.add_node(c, mc);
    (g, a, b, c)
}

#[test]
fn well_typed_edge_is_accepted() {
    let (mut g, a, b, _) = pipeline();
    g.add_edge(edge(a, "y", b, "x")).expect("types match");
    assert_eq!(g.edge_count(), 1);
}

#[test]
fn no_coercion_between_widths() {
    let (mut g, _, b, c) = pipeline();
    let err = g.add_edge(edge(b, "z", c, "x")).unwrap_err();
    assert!(matches!(err, ContractError::TypeMismatch { .. }));
    let msg = err.to_string();
    assert!(msg.contains("output is u32, input is u64"), "{msg}");
    assert!(msg.contains(&b.short()) && msg.contains(".z ->"), "{msg}");
}

#[test]
fn input_is_fed_at_most_once() {
    let (mut g, a, b, c) = pipeline();
    g.add_edge(edge(a, "y", c, "x")).expect("first feed");
    let err = g.add_edge(edge(b, "y", c, "x")).unwrap_err();
    assert!(matches!(err, ContractError::InputAlreadyFed { .. }), "{err}");
}

#[test]
fn cycles_are_rejected() {
    let (mut g, a, b, c) = pipeline();
    g.add_edge(edge(a, "y", b, "x")).expect("a->b");
    g.add_edge(edge(b, "y", c, "x")).expect("b->c");
    let err = g.add_edge(edge(c, "y", a, "x")).unwrap_err();
    assert!(matches!(err, ContractError::Cycle { .. }), "{err}");
    let err = g.add_edge(edge(a, "y", a, "x")).unwrap_err();
    assert!(matches!(err, ContractError::Cycle { .. }), "{err}");
}

#[test]
fn unknown_nodes_and_ports_are_rejected() {
    let (mut g, a, b, _) = pipeline();
    let ghost = NodeId::of_wasm(b"ghost");
    assert!(matches!(g.add_edge(edge(ghost, "y", b, "x")), Err(ContractError::UnknownNode { .. })));
    let err = g.add_edge(edge(a, "nope", b, "x")).unwrap_err();
    assert!(err.to_string().contains("no output port `nope` (its output ports: y)"), "{err}");
    // An input name used as an output is still unknown.
    assert!(matches!(
        g.add_edge(edge(a, "x", b, "x")),
        Err(ContractError::UnknownPort { side: "output", .. })
    ));
}

#[test]
fn removal_frees_the_input_and_the_cycle_check() {
    let (mut g, a, b, _) = pipeline();
    let e = edge(a, "y", b, "x");
    g.add_edge(e.clone()).expect("add");
    assert!(g.reaches(a, b));
    g.remove_edge(&e).expect("remove");
    assert!(!g.reaches(a, b));
    assert!(matches!(g.remove_edge(&e), Err(ContractError::NoSuchEdge { .. })));
    g.add_edge(edge(b, "y", a, "x")).expect("reverse is fine now");
}

#[test]
fn topological_order_respects_edges() {
    let (mut g, a, b, c) = pipeline();
    g.add_edge(edge(c, "y", b, "x")).expect("c->b");
    g.add_edge(edge(b, "y", a, "x")).expect("b->a");
    assert_eq!(g.topological_order(), vec![c, b, a]);
}
