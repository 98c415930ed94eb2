//! Proptest generators shared by the logos-core property tests: well-formed
//! port types, values of a given type, and small random typed DAGs.
//!
//! Sizes are kept small on purpose (depth <= 4, <= 4 members, short lists):
//! the interesting bugs are in shapes, not in sizes, and the whole property
//! suite has to stay fast in a debug build.

use logos_core::{Edge, Field, Graph, NodeId, NodeManifest, Port, PortRef, PortType, Value};
use proptest::prelude::*;

/// Identifier-shaped names. Short, lowercase-leaning alphabet so that
/// collisions (and therefore the de-duplication below) actually happen, and
/// type keywords (`list`, `u8`, ...) are reachable as field names.
pub fn ident() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-z_][a-z0-9_]{0,5}",
        2 => "[A-Z][A-Za-z0-9]{0,3}",
        1 => prop::sample::select(vec!["list", "u8", "record", "enum"]).prop_map(String::from),
    ]
}

/// Keeps the first occurrence of each name, so records and enums satisfy the
/// "names are unique" rule without rejecting cases.
fn unique_by_name<T>(items: Vec<T>, name: impl Fn(&T) -> &str) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        if !out.iter().any(|seen| name(seen) == name(&item)) {
            out.push(item);
        }
    }
    out
}

fn scalar_type() -> impl Strategy<Value = PortType> {
    prop_oneof![
        Just(PortType::Bool),
        Just(PortType::U8),
        Just(PortType::U16),
        Just(PortType::U32),
        Just(PortType::U64),
        Just(PortType::I8),
        Just(PortType::I16),
        Just(PortType::I32),
        Just(PortType::I64),
        Just(PortType::F64),
        Just(PortType::String),
        Just(PortType::Bytes),
        // A non-empty vec whose first name always survives de-duplication, so
        // the enum is never empty.
        prop::collection::vec(ident(), 1..=4).prop_map(|vs| PortType::Enum(unique_by_name(vs, |v| v))),
    ]
}

/// Any well-formed port type, nesting at most 4 levels deep.
pub fn port_type() -> BoxedStrategy<PortType> {
    scalar_type()
        .prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                inner.clone().prop_map(PortType::list),
                inner.clone().prop_map(PortType::option),
                prop::collection::vec((ident(), inner), 0..=4).prop_map(|fields| {
                    let fields = unique_by_name(fields, |(n, _)| n);
                    PortType::Record(fields.into_iter().map(|(n, t)| Field::new(n, t)).collect())
                }),
            ]
        })
        .boxed()
}

/// Which floats a value generator may produce.
#[derive(Clone, Copy, Debug)]
pub enum Floats {
    /// Every bit pattern class: NaN, infinities, subnormals, -0.0.
    Any,
    /// Only finite floats (what JSON can carry).
    Finite,
}

/// Any value of type `ty`.
pub fn value_of(ty: &PortType, floats: Floats) -> BoxedStrategy<Value> {
    match ty {
        PortType::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        PortType::U8 => any::<u8>().prop_map(Value::U8).boxed(),
        PortType::U16 => any::<u16>().prop_map(Value::U16).boxed(),
        PortType::U32 => any::<u32>().prop_map(Value::U32).boxed(),
        PortType::U64 => any::<u64>().prop_map(Value::U64).boxed(),
        PortType::I8 => any::<i8>().prop_map(Value::I8).boxed(),
        PortType::I16 => any::<i16>().prop_map(Value::I16).boxed(),
        PortType::I32 => any::<i32>().prop_map(Value::I32).boxed(),
        PortType::I64 => any::<i64>().prop_map(Value::I64).boxed(),
        PortType::F64 => match floats {
            Floats::Any => prop::num::f64::ANY.prop_map(Value::F64).boxed(),
            Floats::Finite => (prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO)
                .prop_map(Value::F64)
                .boxed(),
        },
        PortType::String => prop::collection::vec(any::<char>(), 0..8)
            .prop_map(|cs| Value::String(cs.into_iter().collect()))
            .boxed(),
        PortType::Bytes => prop::collection::vec(any::<u8>(), 0..16).prop_map(Value::Bytes).boxed(),
        PortType::List(inner) => {
            prop::collection::vec(value_of(inner, floats), 0..4).prop_map(Value::List).boxed()
        }
        PortType::Option(inner) => {
            prop::option::of(value_of(inner, floats)).prop_map(|v| Value::Option(v.map(Box::new))).boxed()
        }
        PortType::Record(fields) => {
            let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
            let values: Vec<BoxedStrategy<Value>> = fields.iter().map(|f| value_of(&f.ty, floats)).collect();
            values.prop_map(move |vs| Value::Record(names.iter().cloned().zip(vs).collect())).boxed()
        }
        PortType::Enum(variants) => prop::sample::select(variants.clone()).prop_map(Value::Enum).boxed(),
    }
}

/// A well-formed type together with one of its values.
pub fn typed_value(floats: Floats) -> BoxedStrategy<(PortType, Value)> {
    port_type().prop_flat_map(move |t| value_of(&t, floats).prop_map(move |v| (t.clone(), v))).boxed()
}

/// The shape of a random DAG: a small pool of types (so that ports often
/// share a type and edges are possible), per-node port types as pool
/// indices, and a stream of choices that decides which inputs get fed and by
/// which compatible upstream output.
#[derive(Clone, Debug)]
pub struct DagSpec {
    /// Types the ports draw from.
    pub pool: Vec<PortType>,
    /// Per node: pool indices of its inputs, then of its outputs.
    pub nodes: Vec<(Vec<usize>, Vec<usize>)>,
    /// Choices consumed while planning edges.
    pub choices: Vec<u32>,
}

/// 2..10 nodes, up to 3 inputs and 3 outputs each, types from a pool of 1..=3.
pub fn dag_spec() -> impl Strategy<Value = DagSpec> {
    prop::collection::vec(port_type(), 1..=3).prop_flat_map(|pool| {
        let n = pool.len();
        let ports = prop::collection::vec(0..n, 0..=3);
        (
            Just(pool),
            prop::collection::vec((ports.clone(), ports), 2..10),
            prop::collection::vec(any::<u32>(), 32),
        )
            .prop_map(|(pool, nodes, choices)| DagSpec { pool, nodes, choices })
    })
}

/// Input port reserved for cycle probes: never fed by the planned edges.
pub const CYCLE_IN: &str = "cycle_in";
/// Output port reserved for cycle probes.
pub const CYCLE_OUT: &str = "cycle_out";

/// A DAG built from a [`DagSpec`]: node `i` is `ids[i]`, edges only run from
/// a lower to a higher index, between ports of identical type, and feed each
/// input at most once.
#[derive(Clone, Debug)]
pub struct Dag {
    /// Node ids, by index.
    pub ids: Vec<NodeId>,
    /// Manifests, by index.
    pub manifests: Vec<NodeManifest>,
    /// Planned edges as (from index, output name, to index, input name).
    pub edges: Vec<(usize, String, usize, String)>,
}

impl Dag {
    /// Plans the DAG described by `spec`.
    ///
    /// Besides its random ports every node gets `cycle_in`/`cycle_out` (type
    /// `u8`, never used by the plan) so that cycle probes always type-check
    /// and target a free input; node 0 also gets two outputs `src{p}` and
    /// `alt{p}` per pool type, so every input has an upstream candidate and
    /// every fed input has a second, different candidate feeder.
    pub fn plan(spec: &DagSpec) -> Dag {
        let port = |prefix: &str, k: usize, p: usize| Port::new(format!("{prefix}{k}"), spec.pool[p].clone());
        let mut manifests: Vec<NodeManifest> = spec
            .nodes
            .iter()
            .enumerate()
            .map(|(i, (ins, outs))| {
                let mut inputs: Vec<Port> = ins.iter().enumerate().map(|(k, p)| port("in", k, *p)).collect();
                let mut outputs: Vec<Port> =
                    outs.iter().enumerate().map(|(k, p)| port("out", k, *p)).collect();
                inputs.push(Port::new(CYCLE_IN, PortType::U8));
                outputs.push(Port::new(CYCLE_OUT, PortType::U8));
                NodeManifest { name: format!("n{i}"), inputs, outputs, capabilities: Default::default() }
            })
            .collect();
        for p in 0..spec.pool.len() {
            manifests[0].outputs.push(port("src", p, p));
            manifests[0].outputs.push(port("alt", p, p));
        }
        let ids = (0..manifests.len()).map(|i| NodeId::of_wasm(format!("node {i}").as_bytes())).collect();

        let mut choices = spec.choices.iter().cycle();
        let mut edges = Vec::new();
        for (j, (ins, _)) in spec.nodes.iter().enumerate() {
            for (k, p) in ins.iter().enumerate() {
                let want = &spec.pool[*p];
                let candidates: Vec<(usize, String)> = manifests[..j]
                    .iter()
                    .enumerate()
                    .flat_map(|(i, m)| {
                        m.outputs
                            .iter()
                            .filter(|o| o.name != CYCLE_OUT && &o.ty == want)
                            .map(move |o| (i, o.name.clone()))
                    })
                    .collect();
                let c = *choices.next().unwrap_or(&0) as usize;
                // One input in four stays unfed, so graphs also have free inputs.
                if candidates.is_empty() || c.is_multiple_of(4) {
                    continue;
                }
                let (i, out) = candidates[(c / 4) % candidates.len()].clone();
                edges.push((i, out, j, format!("in{k}")));
            }
        }
        Dag { ids, manifests, edges }
    }

    /// The `Edge` for planned edge `e`.
    pub fn edge(&self, e: &(usize, String, usize, String)) -> Edge {
        Edge::new(PortRef::new(self.ids[e.0], e.1.clone()), PortRef::new(self.ids[e.2], e.3.clone()))
    }

    /// A graph with every node and every planned edge except `skip`.
    pub fn build_without(&self, skip: Option<usize>) -> Graph {
        let mut g = Graph::new();
        for (id, m) in self.ids.iter().zip(&self.manifests) {
            assert!(g.add_node(*id, m.clone()), "node ids are distinct");
        }
        for (n, e) in self.edges.iter().enumerate() {
            if Some(n) != skip {
                let edge = self.edge(e);
                g.add_edge(edge.clone()).unwrap_or_else(|err| panic!("planned edge {edge} refused: {err}"));
            }
        }
        g
    }

    /// `reach[i][j]`: node `i` reaches node `j` along planned edges (reflexive),
    /// computed independently of `Graph::reaches`.
    pub fn reachability(&self) -> Vec<Vec<bool>> {
        let n = self.ids.len();
        let mut reach = vec![vec![false; n]; n];
        // Edges only go from lower to higher index, so a reverse sweep sees
        // every successor's row complete before it is merged.
        for i in (0..n).rev() {
            reach[i][i] = true;
            for (from, _, to, _) in &self.edges {
                if *from == i {
                    let row = reach[*to].clone();
                    for (r, x) in reach[i].iter_mut().zip(row) {
                        *r |= x;
                    }
                }
            }
        }
        reach
    }
}

/// A type guaranteed to differ from `t`, still well formed: wraps it in
/// `option`/`list`, or changes something inside (an integer width, a record
/// field's name or type, a dropped field, a dropped/renamed/added variant).
pub fn mutate(t: &PortType, seed: u32) -> PortType {
    match seed % 3 {
        0 => PortType::option(t.clone()),
        1 => PortType::list(t.clone()),
        _ => mutate_inside(t, seed / 3),
    }
}

fn fresh_name(taken: &[&str]) -> String {
    let mut name = "renamed".to_string();
    let mut n = 0;
    while taken.contains(&name.as_str()) {
        n += 1;
        name = format!("renamed{n}");
    }
    name
}

fn mutate_inside(t: &PortType, seed: u32) -> PortType {
    use PortType as T;
    match t {
        T::Bool => T::U8,
        T::U8 => T::U16,
        T::U16 => T::U32,
        T::U32 => T::U64,
        T::U64 => T::U32,
        T::I8 => T::I16,
        T::I16 => T::I32,
        T::I32 => T::I64,
        T::I64 => T::I32,
        T::F64 => T::I64,
        T::String => T::Bytes,
        T::Bytes => T::String,
        T::List(inner) if seed.is_multiple_of(2) => T::Option(inner.clone()),
        T::List(inner) => T::list(mutate(inner, seed / 2)),
        T::Option(inner) if seed.is_multiple_of(2) => T::List(inner.clone()),
        T::Option(inner) => T::option(mutate(inner, seed / 2)),
        T::Record(fields) if fields.is_empty() => T::Record(vec![Field::new("added", T::Bool)]),
        T::Record(fields) => {
            let mut fields = fields.clone();
            let i = seed as usize % fields.len();
            match (seed as usize / fields.len()) % 3 {
                0 => {
                    let taken: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                    fields[i].name = fresh_name(&taken);
                }
                1 => fields[i].ty = mutate(&fields[i].ty, seed / 7),
                _ => {
                    fields.remove(i);
                }
            }
            T::Record(fields)
        }
        T::Enum(variants) => {
            let mut variants = variants.clone();
            let taken: Vec<&str> = variants.iter().map(String::as_str).collect();
            let fresh = fresh_name(&taken);
            let i = seed as usize % variants.len();
            match (seed as usize / variants.len()) % 3 {
                0 if variants.len() > 1 => {
                    variants.remove(i);
                }
                1 => variants[i] = fresh,
                _ => variants.push(fresh),
            }
            T::Enum(variants)
        }
    }
}
