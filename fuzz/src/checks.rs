//! The checks the fuzz targets run, one per target, each taking the raw fuzz
//! input and panicking when logos-core breaks a promise.
//!
//! This file depends on nothing but `logos_core` and `std` because it is
//! compiled twice: as `logos_fuzz::checks` for the libFuzzer targets, and,
//! through `#[path]`, inside logos-core's `tests/fuzz_regressions.rs`, which
//! replays the seed corpus (and any local corpus) on stable in `cargo test`.
//! logos-core's tests cannot depend on the fuzz crate (it sits outside the
//! workspace and needs libFuzzer), so sharing the source file is the one way
//! to run the very same assertions in both places.

use std::collections::{BTreeMap, BTreeSet};

use logos_core::{
    ContractError, Edge, Field, Graph, MAX_TYPE_DEPTH, NodeId, NodeManifest, Port, PortRef, PortType, Value,
};

/// `value_decode`: the input is `TYPE TEXT 0x00 VALUE BYTES`. When the text
/// parses and the bytes decode against it, re-encoding must give back exactly
/// the input bytes (decoding accepts canonical encodings only), and the JSON
/// view must read back to the same value where JSON can represent it.
pub fn value_decode(data: &[u8]) {
    let Some(split) = data.iter().position(|b| *b == 0) else { return };
    let Ok(text) = std::str::from_utf8(&data[..split]) else { return };
    let Ok(ty) = text.parse::<PortType>() else { return };
    let bytes = &data[split + 1..];
    let Ok(value) = Value::decode(bytes, &ty) else { return };
    let again = value
        .encode(&ty)
        .unwrap_or_else(|e| panic!("decoded {value:?} as {ty} but it does not re-encode: {e}"));
    assert_eq!(again, bytes, "decoding {ty} accepted a non-canonical encoding");
    // JSON has one `null` (so `option<option<T>>` is ambiguous) and no NaN
    // or infinity; outside those documented gaps it must be lossless.
    if !has_nested_option(&ty) && all_floats_finite(&value) {
        let json = value.to_json();
        match Value::from_json(&json, &ty) {
            Ok(back) => assert_eq!(back, value, "JSON round trip of {ty} changed the value ({json})"),
            Err(e) => panic!("{ty}: JSON written by to_json does not read back: {e} ({json})"),
        }
    }
}

fn has_nested_option(ty: &PortType) -> bool {
    match ty {
        PortType::Option(inner) => matches!(**inner, PortType::Option(_)) || has_nested_option(inner),
        PortType::List(inner) => has_nested_option(inner),
        PortType::Record(fields) => fields.iter().any(|f| has_nested_option(&f.ty)),
        _ => false,
    }
}

fn all_floats_finite(v: &Value) -> bool {
    match v {
        Value::F64(x) => x.is_finite(),
        Value::List(items) => items.iter().all(all_floats_finite),
        Value::Option(Some(inner)) => all_floats_finite(inner),
        Value::Record(fields) => fields.iter().all(|(_, v)| all_floats_finite(v)),
        _ => true,
    }
}

/// `type_parse`: any UTF-8 text. When it parses, the type is well formed,
/// within the depth limit, and its printed form parses back to it and is a
/// fixed point of print∘parse.
pub fn type_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(ty) = text.parse::<PortType>() else { return };
    if let Err(e) = ty.validate() {
        panic!("{text:?} parsed to an invalid type {ty}: {e}");
    }
    assert!(ty.depth() <= MAX_TYPE_DEPTH, "{text:?} parsed deeper than the limit");
    let printed = ty.to_string();
    let back: PortType =
        printed.parse().unwrap_or_else(|e| panic!("printed form {printed:?} does not parse: {e}"));
    assert_eq!(back, ty, "print/parse changed {text:?}");
    assert_eq!(back.to_string(), printed, "printing is not a fixed point");
}

/// Port types the graph fuzzer draws from: few, so edges often type-check,
/// and pairwise close (u8/u16, field a/b), so near misses are common.
fn palette() -> [PortType; 6] {
    [
        PortType::U8,
        PortType::U16,
        PortType::option(PortType::U8),
        PortType::list(PortType::String),
        PortType::Record(vec![Field::new("a", PortType::U8)]),
        PortType::Record(vec![Field::new("b", PortType::U8)]),
    ]
}

/// Reads the fuzz input one byte at a time; an exhausted input reads as 0 so
/// every operation is complete and the run simply ends after the last byte.
struct Input<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    fn pick(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { usize::from(self.byte()) % n }
    }

    fn done(&self) -> bool {
        self.pos >= self.data.len()
    }
}

/// A deliberately naive reference model of the graph: lists and linear
/// scans, no indices, so it can be trusted by reading.
#[derive(Default)]
struct Model {
    nodes: BTreeMap<NodeId, NodeManifest>,
    edges: Vec<Edge>,
}

impl Model {
    fn reaches(&self, from: NodeId, to: NodeId) -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n) {
                stack.extend(self.edges.iter().filter(|e| e.from.node == n).map(|e| e.to.node));
            }
        }
        false
    }

    /// Every contract rule `edge` breaks, by the name of the error it maps to.
    fn violations(&self, edge: &Edge) -> Vec<&'static str> {
        let mut out = Vec::new();
        let from = self.nodes.get(&edge.from.node);
        let to = self.nodes.get(&edge.to.node);
        if from.is_none() || to.is_none() {
            out.push("UnknownNode");
        }
        let from_ty = from.and_then(|m| m.output(&edge.from.port));
        let to_ty = to.and_then(|m| m.input(&edge.to.port));
        if (from.is_some() && from_ty.is_none()) || (to.is_some() && to_ty.is_none()) {
            out.push("UnknownPort");
        }
        if let (Some(a), Some(b)) = (from_ty, to_ty)
            && a != b
        {
            out.push("TypeMismatch");
        }
        if self.edges.contains(edge) {
            out.push("DuplicateEdge");
        }
        if self.edges.iter().any(|e| e.to == edge.to) {
            out.push("InputAlreadyFed");
        }
        if self.reaches(edge.to.node, edge.from.node) {
            out.push("Cycle");
        }
        out
    }
}

fn kind(e: &ContractError) -> &'static str {
    match e {
        ContractError::UnknownNode { .. } => "UnknownNode",
        ContractError::UnknownPort { .. } => "UnknownPort",
        ContractError::TypeMismatch { .. } => "TypeMismatch",
        ContractError::InputAlreadyFed { .. } => "InputAlreadyFed",
        ContractError::Cycle { .. } => "Cycle",
        ContractError::DuplicateEdge { .. } => "DuplicateEdge",
        ContractError::NoSuchEdge { .. } => "NoSuchEdge",
    }
}

/// `graph_contract`: the bytes drive up to 64 `add_node` / `add_edge` /
/// `remove_edge` calls. Each call's outcome is compared with a reference
/// model (accepted exactly when no rule is broken, and then refused for a
/// reason that does apply; a refused call changes nothing), and the graph
/// invariants are checked after every step (reachability, the costly one,
/// once at the end).
pub fn graph_contract(data: &[u8]) {
    let palette = palette();
    let mut input = Input { data, pos: 0 };
    let mut graph = Graph::new();
    let mut model = Model::default();
    for _ in 0..64 {
        if input.done() {
            break;
        }
        let ids: Vec<NodeId> = model.nodes.keys().copied().collect();
        // One more choice than there are nodes: the extra one is a node the
        // graph has never seen.
        let node = |input: &mut Input<'_>| {
            ids.get(input.pick(ids.len() + 1)).copied().unwrap_or_else(|| NodeId::of_wasm(b"ghost"))
        };
        match input.byte() % 4 {
            0 => {
                // Few distinct ids, so re-adding an existing node happens.
                let id = NodeId::of_wasm(&[input.byte() % 8]);
                let ports = |prefix: &str, input: &mut Input<'_>| -> Vec<Port> {
                    let n = input.pick(4);
                    (0..n)
                        .map(|k| {
                            Port::new(format!("{prefix}{k}"), palette[input.pick(palette.len())].clone())
                        })
                        .collect()
                };
                let inputs = ports("i", &mut input);
                let outputs = ports("o", &mut input);
                let manifest = NodeManifest {
                    name: format!("n{}", id.short()),
                    inputs,
                    outputs,
                    capabilities: Default::default(),
                };
                let before = graph.clone();
                let added = graph.add_node(id, manifest.clone());
                assert_eq!(added, !model.nodes.contains_key(&id), "add_node result for {id:?}");
                if added {
                    model.nodes.insert(id, manifest);
                } else {
                    assert_eq!(graph, before, "re-adding node {id:?} changed the graph");
                }
            }
            1 | 2 => {
                let from = PortRef::new(node(&mut input), format!("o{}", input.pick(4)));
                let to = PortRef::new(node(&mut input), format!("i{}", input.pick(4)));
                let edge = Edge::new(from, to);
                let violations = model.violations(&edge);
                let before = graph.clone();
                match graph.add_edge(edge.clone()) {
                    Ok(()) => {
                        assert!(violations.is_empty(), "{edge} accepted although it breaks {violations:?}");
                        model.edges.push(edge);
                    }
                    Err(e) => {
                        assert!(
                            violations.contains(&kind(&e)),
                            "{edge} refused with `{e}`, but it breaks {violations:?}"
                        );
                        assert_eq!(graph, before, "refusing {edge} changed the graph");
                    }
                }
            }
            _ => {
                if !model.edges.is_empty() && !input.byte().is_multiple_of(4) {
                    let edge = model.edges.remove(input.pick(model.edges.len()));
                    if let Err(e) = graph.remove_edge(&edge) {
                        panic!("removing present edge {edge} failed: {e}");
                    }
                } else {
                    let from = PortRef::new(node(&mut input), format!("o{}", input.pick(4)));
                    let to = PortRef::new(node(&mut input), format!("i{}", input.pick(4)));
                    let edge = Edge::new(from, to);
                    if !model.edges.contains(&edge) {
                        let before = graph.clone();
                        let result = graph.remove_edge(&edge);
                        assert!(
                            matches!(result, Err(ContractError::NoSuchEdge { .. })),
                            "removing absent {edge}: {result:?}"
                        );
                        assert_eq!(graph, before, "failed removal changed the graph");
                    }
                }
            }
        }
        check_invariants(&graph, &model);
    }
    // All-pairs reachability is the costly check, so it runs once, at the end.
    for a in model.nodes.keys() {
        for b in model.nodes.keys() {
            assert_eq!(graph.reaches(*a, *b), model.reaches(*a, *b), "reaches({a:?}, {b:?})");
        }
    }
}

/// The invariants `Graph` documents, checked from its public API alone.
fn check_invariants(graph: &Graph, model: &Model) {
    assert_eq!(graph.node_count(), model.nodes.len(), "node count");
    let edges: BTreeSet<&Edge> = graph.edges().collect();
    let expected: BTreeSet<&Edge> = model.edges.iter().collect();
    assert_eq!(edges, expected, "edge set differs from the model");
    assert_eq!(graph.edge_count(), model.edges.len(), "edge count");

    let mut fed = BTreeSet::new();
    for e in graph.edges() {
        let from_ty = graph.node(&e.from.node).and_then(|m| m.output(&e.from.port));
        let to_ty = graph.node(&e.to.node).and_then(|m| m.input(&e.to.port));
        assert!(from_ty.is_some() && from_ty == to_ty, "{e} joins {from_ty:?} to {to_ty:?}");
        assert!(fed.insert(&e.to), "input {} is fed twice", e.to);
        assert_eq!(graph.feeder(&e.to), Some(e), "feeder of {}", e.to);
    }

    let order = graph.topological_order();
    let position: BTreeMap<NodeId, usize> = order.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    assert_eq!(order.len(), graph.node_count(), "topological order repeats or misses nodes");
    for (id, _) in graph.nodes() {
        assert!(position.contains_key(id), "{id:?} missing from the topological order");
    }
    for e in graph.edges() {
        assert!(position[&e.from.node] < position[&e.to.node], "topological order puts {e} backwards");
    }
}
