//! Graphs and annotations shared by the tests, and snapshot files.

use std::path::PathBuf;

use logos_core::{Capability, CapabilitySet, Edge, Graph, NodeId, NodeManifest, Port, PortRef, PortType};
use logos_viz::{Annotations, Layer, NodeStyle};

pub fn ty(text: &str) -> PortType {
    text.parse().expect("fixture type parses")
}

pub fn id(name: &str) -> NodeId {
    NodeId::of_wasm(name.as_bytes())
}

pub fn caps(list: &[Capability]) -> CapabilitySet {
    list.iter().copied().collect()
}

/// A node called `name` (its id is the hash of the name).
pub fn manifest(
    name: &str,
    inputs: &[(&str, &str)],
    outputs: &[(&str, &str)],
    asks: &[Capability],
) -> NodeManifest {
    let ports = |list: &[(&str, &str)]| list.iter().map(|(n, t)| Port::new(*n, ty(t))).collect();
    NodeManifest {
        name: name.into(),
        inputs: ports(inputs),
        outputs: ports(outputs),
        capabilities: caps(asks),
    }
}

pub fn add(graph: &mut Graph, m: NodeManifest) -> NodeId {
    let node = id(&m.name);
    graph.add_node(node, m);
    node
}

pub fn link(graph: &mut Graph, from: NodeId, out: &str, to: NodeId, inp: &str) {
    graph.add_edge(Edge::new(PortRef::new(from, out), PortRef::new(to, inp))).expect("fixture edge is valid");
}

/// Two nodes, one edge whose type needs escaping everywhere.
pub fn pair() -> Graph {
    let mut g = Graph::new();
    let t = "list<record{a: u8}>";
    let a = add(&mut g, manifest("src", &[], &[("out", t)], &[]));
    let b = add(&mut g, manifest("dst", &[("inp", t)], &[], &[Capability::Log]));
    link(&mut g, a, "out", b, "inp");
    g
}

/// `n0 -> n1 -> … -> n19`.
pub fn chain(len: usize) -> Graph {
    let mut g = Graph::new();
    let mut prev = None;
    for i in 0..len {
        let inputs: &[(&str, &str)] = if i == 0 { &[] } else { &[("x", "u64")] };
        let node = add(&mut g, manifest(&format!("n{i}"), inputs, &[("x", "u64")], &[]));
        if let Some(p) = prev {
            link(&mut g, p, "x", node, "x");
        }
        prev = Some(node);
    }
    g
}

/// `top -> left, right -> bottom`.
pub fn diamond() -> Graph {
    let mut g = Graph::new();
    let top = add(&mut g, manifest("top", &[], &[("v", "u32")], &[]));
    let left = add(&mut g, manifest("left", &[("v", "u32")], &[("v", "u32")], &[]));
    let right = add(&mut g, manifest("right", &[("v", "u32")], &[("v", "u32")], &[]));
    let bottom = add(&mut g, manifest("bottom", &[("l", "u32"), ("r", "u32")], &[], &[]));
    link(&mut g, top, "v", left, "v");
    link(&mut g, top, "v", right, "v");
    link(&mut g, left, "v", bottom, "l");
    link(&mut g, right, "v", bottom, "r");
    g
}

const AMOUNT: &str = "record{cents: u64, currency: string}";
const VERDICT: &str = "enum{allow, review, deny}";

/// A payment-screening graph of eight nodes: two bedrock, one deprecated,
/// fan-out, fan-in and an edge that skips a rank.
pub fn payments() -> (Graph, Annotations) {
    use Capability::*;
    let mut g = Graph::new();
    let parse = add(
        &mut g,
        manifest("parse-request", &[], &[("amount", AMOUNT), ("country", "string"), ("user", "string")], &[]),
    );
    let geo = add(&mut g, manifest("geo-check", &[("country", "string")], &[("ok", "bool")], &[]));
    let limit = add(&mut g, manifest("amount-limit", &[("amount", AMOUNT)], &[("ok", "bool")], &[Log]));
    let fx = add(&mut g, manifest("fx-convert", &[("amount", AMOUNT)], &[("eur", "u64")], &[Clock, Network]));
    let history = add(&mut g, manifest("history", &[("user", "string")], &[("recent", "list<u64>")], &[Kv]));
    let risk = add(
        &mut g,
        manifest("risk-score", &[("eur", "u64"), ("recent", "list<u64>")], &[("risk", "u32")], &[Random]),
    );
    let decide = add(
        &mut g,
        manifest(
            "decide",
            &[("geo", "bool"), ("limit", "bool"), ("risk", "u32")],
            &[("verdict", VERDICT)],
            &[],
        ),
    );
    let audit = add(&mut g, manifest("audit-log", &[("verdict", VERDICT)], &[], &[Log]));
    link(&mut g, parse, "amount", limit, "amount");
    link(&mut g, parse, "amount", fx, "amount");
    link(&mut g, parse, "country", geo, "country");
    link(&mut g, parse, "user", history, "user");
    link(&mut g, fx, "eur", risk, "eur");
    link(&mut g, history, "recent", risk, "recent");
    link(&mut g, geo, "ok", decide, "geo");
    link(&mut g, limit, "ok", decide, "limit");
    link(&mut g, risk, "risk", decide, "risk");
    link(&mut g, decide, "verdict", audit, "verdict");

    let mut notes = Annotations { title: Some("payment screening".into()), ..Annotations::default() };
    let style =
        |layer, deprecated, grants: &[Capability]| NodeStyle { layer, deprecated, grants: caps(grants) };
    notes.styles.insert(parse, style(Layer::Sediment, false, &[]));
    notes.styles.insert(geo, style(Layer::Bedrock, false, &[]));
    notes.styles.insert(limit, style(Layer::Bedrock, false, &[Log]));
    notes.styles.insert(fx, style(Layer::Sediment, false, &[Clock]));
    notes.styles.insert(history, style(Layer::Sediment, false, &[Kv]));
    notes.styles.insert(risk, style(Layer::Sediment, false, &[]));
    notes.styles.insert(decide, style(Layer::Sediment, false, &[]));
    notes.styles.insert(audit, style(Layer::Sediment, true, &[Log]));
    notes.highlight = [parse, fx, history, risk, decide].into_iter().collect();
    (g, notes)
}

/// Compares `actual` with `tests/snapshots/NAME`; with `LOGOS_VIZ_BLESS=1`
/// in the environment, (re)writes the file instead.
pub fn snapshot(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(name);
    if std::env::var_os("LOGOS_VIZ_BLESS").is_some() {
        std::fs::write(&path, actual).expect("snapshot written");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with LOGOS_VIZ_BLESS=1 to create it", path.display()));
    assert!(
        expected == actual,
        "{name} differs from the snapshot; run with LOGOS_VIZ_BLESS=1 and review the diff"
    );
}
