//! Flows: planning against a graph and running in topological order.

use std::collections::HashMap;

use logos_runtime::{
    Edge, ExecErrorKind, Flow, FlowDefError, FlowError, FlowPlan, Graph, LimitKind, NodeId, NodeSpec,
    PlanError, PortRef, RunOptions, Value,
};

use crate::support::*;

pub fn graph(nodes: &[&NodeSpec], edges: &[(&NodeSpec, &str, &NodeSpec, &str)]) -> Graph {
    let mut g = Graph::new();
    for n in nodes {
        g.add_node(n.id(), n.manifest().clone());
    }
    for (a, out, b, inp) in edges {
        g.add_edge(Edge::new(PortRef::new(a.id(), *out), PortRef::new(b.id(), *inp))).unwrap();
    }
    g
}

pub fn plan(flow: &Flow, g: &Graph, nodes: &[&NodeSpec]) -> Result<FlowPlan, PlanError> {
    let by_id: HashMap<NodeId, NodeSpec> = nodes.iter().map(|n| (n.id(), (*n).clone())).collect();
    FlowPlan::build(flow, g, 42, |id, _| by_id.get(id).cloned())
}

pub fn port(n: &NodeSpec, p: &str) -> PortRef {
    PortRef::new(n.id(), p)
}

/// add(1) -> add(2) -> ... -> add(6)
pub fn chain6() -> (Vec<NodeSpec>, Graph, Flow) {
    let nodes: Vec<NodeSpec> = (1..=6).map(add).collect();
    let refs: Vec<&NodeSpec> = nodes.iter().collect();
    let edges: Vec<_> = nodes.windows(2).map(|w| (&w[0], "y", &w[1], "x")).collect();
    let g = graph(&refs, &edges);
    let flow = Flow::new("chain", vec![port(&nodes[0], "x")], vec![port(&nodes[5], "y")]);
    (nodes, g, flow)
}

#[test]
fn a_chain_runs_in_order_and_passes_values_along_edges() {
    let (nodes, g, flow) = chain6();
    let p = plan(&flow, &g, &nodes.iter().collect::<Vec<_>>()).unwrap();
    assert_eq!(
        p.nodes().map(|n| n.id()).collect::<Vec<_>>(),
        nodes.iter().map(|n| n.id()).collect::<Vec<_>>()
    );
    let out = runtime().run_flow(&p, &[Value::U64(0)]).unwrap();
    assert_eq!(out.outputs, [Value::U64(21)]);
    assert_eq!(out.steps.len(), 6);
    assert!(out.fuel() > 0);
    assert_eq!(out.record, None);
}

#[test]
fn a_diamond_joins_two_branches() {
    let (a, b, c, s) = (add(1), add(2), add(3), sum());
    let g = graph(
        &[&a, &b, &c, &s],
        &[(&a, "y", &b, "x"), (&a, "y", &c, "x"), (&b, "y", &s, "a"), (&c, "y", &s, "b")],
    );
    let flow = Flow::new("diamond", vec![port(&a, "x")], vec![port(&s, "s"), port(&b, "y")]);
    let p = plan(&flow, &g, &[&a, &b, &c, &s]).unwrap();
    let out = runtime().run_flow(&p, &[Value::U64(0)]).unwrap();
    assert_eq!(out.outputs, [Value::U64(7), Value::U64(3)]);
}

#[test]
fn nodes_the_flow_does_not_need_are_not_run() {
    let (a, b, extra) = (add(1), add(2), add(99));
    let g = graph(&[&a, &b, &extra], &[(&a, "y", &b, "x"), (&a, "y", &extra, "x")]);
    let flow = Flow::new("part", vec![port(&a, "x")], vec![port(&b, "y")]);
    let p = plan(&flow, &g, &[&a, &b, &extra]).unwrap();
    assert_eq!(p.nodes().count(), 2);
    assert_eq!(runtime().run_flow(&p, &[Value::U64(1)]).unwrap().outputs, [Value::U64(4)]);
}

#[test]
fn planning_refuses_ill_formed_flows() {
    let (a, b, s) = (add(1), add(2), sum());
    let g = graph(&[&a, &b, &s], &[(&a, "y", &b, "x"), (&b, "y", &s, "a")]);
    let all = [&a, &b, &s];
    type Expect = fn(&PlanError) -> bool;
    let cases: Vec<(Flow, Expect)> = vec![
        (
            Flow::new("x", vec![port(&a, "x")], vec![port(&s, "s")]),
            |e| matches!(e, PlanError::Flow(FlowDefError::InputNotFed(p)) if p.port == "b"),
        ),
        (Flow::new("x", vec![port(&b, "x")], vec![port(&b, "y")]), |e| {
            matches!(e, PlanError::Flow(FlowDefError::InputFedByEdge { .. }))
        }),
        (Flow::new("x", vec![port(&a, "nope")], vec![port(&b, "y")]), |e| {
            matches!(e, PlanError::Flow(FlowDefError::UnknownPort { side: "input", .. }))
        }),
        (Flow::new("x", vec![port(&a, "x")], vec![port(&a, "x")]), |e| {
            matches!(e, PlanError::Flow(FlowDefError::UnknownPort { side: "output", .. }))
        }),
        (Flow::new("x", vec![port(&a, "x")], vec![]), |e| {
            matches!(e, PlanError::Flow(FlowDefError::NoOutputs(_)))
        }),
        (Flow::new("bad name", vec![port(&a, "x")], vec![port(&b, "y")]), |e| {
            matches!(e, PlanError::Flow(FlowDefError::BadName(_)))
        }),
        (Flow::new("x", vec![port(&a, "x"), port(&a, "x")], vec![port(&b, "y")]), |e| {
            matches!(e, PlanError::Flow(FlowDefError::Duplicate(_)))
        }),
        (Flow::new("x", vec![PortRef::new(NodeId::of_wasm(b"?"), "x")], vec![port(&b, "y")]), |e| {
            matches!(e, PlanError::Flow(FlowDefError::UnknownNode { .. }))
        }),
    ];
    for (flow, expected) in cases {
        let err = plan(&flow, &g, &all).unwrap_err();
        assert!(expected(&err), "{flow:?}: {err}");
    }
    let flow = Flow::new("x", vec![port(&a, "x")], vec![port(&b, "y")]);
    assert!(matches!(plan(&flow, &g, &[&a]), Err(PlanError::MissingNode(id)) if id == b.id()));
    let wrong = FlowPlan::build(&flow, &g, 1, |_, _| Some(a.clone()));
    assert!(matches!(wrong, Err(PlanError::SpecMismatch(..))), "{wrong:?}");
}

#[test]
fn run_inputs_are_checked() {
    let (nodes, g, flow) = chain6();
    let p = plan(&flow, &g, &nodes.iter().collect::<Vec<_>>()).unwrap();
    assert!(matches!(runtime().run_flow(&p, &[]), Err(FlowError::InputCount { expected: 1, got: 0, .. })));
    assert!(matches!(runtime().run_flow(&p, &[Value::U32(1)]), Err(FlowError::InputType { .. })));
}

#[test]
fn a_failing_node_stops_the_flow_and_is_named() {
    let a = add(1);
    let liar = NodeSpec::new(
        module("", "", "(call $ret (i32.const 32768) (i32.const 1))"),
        manifest("liar", &[("x", "u64")], &[("y", "u64")], &[]),
    );
    let b = add(2);
    let g = graph(&[&a, &liar, &b], &[(&a, "y", &liar, "x"), (&liar, "y", &b, "x")]);
    let flow = Flow::new("broken", vec![port(&a, "x")], vec![port(&b, "y")]);
    let p = plan(&flow, &g, &[&a, &liar, &b]).unwrap();
    let err = runtime().run_flow(&p, &[Value::U64(0)]).unwrap_err();
    let FlowError::Node { step, error, .. } = &err else { panic!("{err}") };
    assert_eq!(*step, p.nodes().position(|n| n.id() == liar.id()).unwrap());
    assert_eq!(error.node(), liar.id());
    assert!(matches!(error.kind(), ExecErrorKind::OutputType(_)), "{err}");
}

#[test]
fn the_flow_fuel_budget_is_shared_by_its_nodes() {
    let (nodes, g, flow) = chain6();
    let p = plan(&flow, &g, &nodes.iter().collect::<Vec<_>>()).unwrap();
    let full = runtime().run_flow(&p, &[Value::U64(0)]).unwrap().fuel();
    // Fuel is checked at function entries and loop headers, so a node may
    // overrun its limit by the straight-line tail it has left; half the
    // budget fails for certain, and deterministically.
    let opts = RunOptions { fuel: Some(full / 2), ..RunOptions::default() };
    let err = runtime().run_flow_with(&p, &[Value::U64(0)], &opts).unwrap_err();
    let e = err.exec_error().unwrap();
    assert_eq!(e.limit(), Some(LimitKind::FlowFuel { limit: full / 2 }), "{err}");
    assert!(matches!(err, FlowError::Node { step: 2 | 3, .. }), "{err}");
    let opts = RunOptions { fuel: Some(full), ..RunOptions::default() };
    assert!(runtime().run_flow_with(&p, &[Value::U64(0)], &opts).is_ok());
}
