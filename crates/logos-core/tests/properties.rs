//! Property tests for logos-core: type text, value codec, JSON views, the
//! graph contract and postcard compatibility.
//!
//! Case counts are modest so the whole file runs in a few seconds in a debug
//! build; the fuzz targets in `fuzz/` cover the same ground for longer runs.

mod support;

use logos_core::{ContractError, Edge, PortRef, PortType, Value};
use proptest::prelude::*;
use serde::Serialize;
use support::{CYCLE_IN, CYCLE_OUT, Dag, Floats, dag_spec, mutate, port_type, typed_value, value_of};

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, ..ProptestConfig::default() }
}

/// Whether any float inside `v` is NaN (NaN != NaN, so such values are
/// compared through their encodings instead of `==`).
fn has_nan(v: &Value) -> bool {
    match v {
        Value::F64(x) => x.is_nan(),
        Value::List(items) => items.iter().any(has_nan),
        Value::Option(Some(inner)) => has_nan(inner),
        Value::Record(fields) => fields.iter().any(|(_, v)| has_nan(v)),
        _ => false,
    }
}

/// `option<option<T>>` → `option<T>`, everywhere in the type.
fn collapse_nested_options(t: PortType) -> PortType {
    match t {
        PortType::Option(inner) => match collapse_nested_options(*inner) {
            PortType::Option(inner) => PortType::Option(inner),
            other => PortType::option(other),
        },
        PortType::List(inner) => PortType::list(collapse_nested_options(*inner)),
        PortType::Record(fields) => PortType::Record(
            fields
                .into_iter()
                .map(|f| logos_core::Field::new(f.name, collapse_nested_options(f.ty)))
                .collect(),
        ),
        other => other,
    }
}

/// What `v` reads back as from JSON: JSON has one `null`, so under nested
/// options every `Some(None)` (and `Some(Some(None))`, ...) collapses to
/// `None`. Everything else is unchanged.
fn json_normal_form(v: &Value) -> Value {
    match v {
        Value::Option(Some(inner)) => match json_normal_form(inner) {
            Value::Option(None) => Value::Option(None),
            other => Value::Option(Some(Box::new(other))),
        },
        Value::List(items) => Value::List(items.iter().map(json_normal_form).collect()),
        Value::Record(fields) => {
            Value::Record(fields.iter().map(|(n, v)| (n.clone(), json_normal_form(v))).collect())
        }
        other => other.clone(),
    }
}

// ---------------------------------------------------------------- type text

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn printed_type_parses_back_to_the_same_type(t in port_type()) {
        prop_assert!(t.validate().is_ok(), "generator made an invalid type: {t}");
        let text = t.to_string();
        let back: PortType = text.parse().map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(&back, &t);
        // Printing is canonical: the printed form is a fixed point.
        prop_assert_eq!(back.to_string(), text);
    }

    #[test]
    fn extra_whitespace_in_type_text_does_not_change_the_type(t in port_type(), ws in "[ \t\n\r]{1,3}") {
        let text = t.to_string();
        let mut spaced = ws.clone();
        for c in text.chars() {
            match c {
                '<' | '>' | '{' | '}' | ',' | ':' => {
                    spaced.push_str(&ws);
                    spaced.push(c);
                    spaced.push_str(&ws);
                }
                _ => spaced.push(c),
            }
        }
        let back: PortType = spaced.parse().map_err(|e| TestCaseError::fail(format!("{spaced:?}: {e}")))?;
        prop_assert_eq!(back, t);
    }
}

// ---------------------------------------------------------------- codec

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn decode_inverts_encode_and_reencoding_gives_identical_bytes((t, v) in typed_value(Floats::Any)) {
        let bytes = v.encode(&t).map_err(|e| TestCaseError::fail(format!("{t}: {e}")))?;
        let back = Value::decode(&bytes, &t).map_err(|e| TestCaseError::fail(format!("{t}: {e}")))?;
        // NaN != NaN, so values holding a NaN are compared by their bytes only.
        if !has_nan(&v) {
            prop_assert_eq!(&back, &v);
        }
        prop_assert_eq!(back.encode(&t).expect("a decoded value re-encodes"), bytes);
    }

    #[test]
    fn random_bytes_never_panic_and_accepted_bytes_are_canonical(
        t in port_type(),
        // Small bytes half the time: they are the valid bool/option tags,
        // short lengths and enum indices, so more inputs get past the first
        // few checks.
        bytes in prop::collection::vec(prop_oneof![0..3u8, any::<u8>()], 0..48),
    ) {
        if let Ok(v) = Value::decode(&bytes, &t) {
            prop_assert_eq!(v.encode(&t).expect("a decoded value re-encodes"), bytes);
        }
    }

    /// Random bytes rarely decode against a structured type; small edits of a
    /// valid encoding reach the interesting near-miss cases (one byte off in a
    /// varint, a length, a tag).
    #[test]
    fn edited_encodings_never_panic_and_accepted_ones_are_canonical(
        (t, v) in typed_value(Floats::Any),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..4u8), 1..4),
    ) {
        let mut bytes = v.encode(&t).expect("generated values encode");
        for (at, byte, op) in edits {
            let len = bytes.len();
            match op {
                0 if len > 0 => bytes[at.index(len)] = byte,
                1 => bytes.insert(at.index(len + 1), byte),
                2 if len > 0 => bytes.truncate(at.index(len)),
                _ => bytes.push(byte),
            }
        }
        if let Ok(v) = Value::decode(&bytes, &t) {
            prop_assert_eq!(v.encode(&t).expect("a decoded value re-encodes"), bytes);
        }
    }

    /// Bytes written for one type and read against a slightly different one
    /// (a wider integer, a wrapped option, a renamed field...) is the common
    /// real-world mistake; it must fail cleanly or decode canonically.
    #[test]
    fn decoding_against_a_mutated_type_never_panics_and_accepted_bytes_are_canonical(
        (t, v) in typed_value(Floats::Any),
        seed in any::<u32>(),
    ) {
        let bytes = v.encode(&t).expect("generated values encode");
        let other = mutate(&t, seed);
        prop_assert_ne!(&other, &t);
        if let Ok(w) = Value::decode(&bytes, &other) {
            prop_assert_eq!(w.encode(&other).expect("a decoded value re-encodes"), bytes);
        }
    }
}

// ---------------------------------------------------------------- JSON

proptest! {
    #![proptest_config(config(512))]

    /// JSON has a single `null`, so `option<option<T>>` cannot tell `Some(None)`
    /// from `None`. This property excludes nested options by collapsing them
    /// out of the generated type; the next one covers them explicitly.
    #[test]
    fn json_round_trips_values_without_nested_options(
        (t, v) in port_type()
            .prop_map(collapse_nested_options)
            .prop_flat_map(|t| value_of(&t, Floats::Finite).prop_map(move |v| (t.clone(), v)))
    ) {
        let json = v.to_json();
        let back = Value::from_json(&json, &t).map_err(|e| TestCaseError::fail(format!("{t} {json}: {e}")))?;
        prop_assert_eq!(back, v);
    }

    #[test]
    fn json_collapses_nested_none_and_keeps_everything_else((t, v) in typed_value(Floats::Finite)) {
        let json = v.to_json();
        let back = Value::from_json(&json, &t).map_err(|e| TestCaseError::fail(format!("{t} {json}: {e}")))?;
        prop_assert_eq!(back, json_normal_form(&v));
    }

    #[test]
    fn json_bytes_are_exactly_even_length_hex(s in "[0-9a-fA-F+ x-]{0,8}") {
        let parsed = Value::from_json(&serde_json::Value::String(s.clone()), &PortType::Bytes);
        let is_hex = s.len() % 2 == 0 && s.bytes().all(|b| b.is_ascii_hexdigit());
        prop_assert_eq!(parsed.is_ok(), is_hex, "{:?} -> {:?}", s, parsed);
        if let Ok(Value::Bytes(b)) = parsed {
            let back: String = b.iter().map(|b| format!("{b:02x}")).collect();
            prop_assert_eq!(back, s.to_ascii_lowercase());
        }
    }
}

// ---------------------------------------------------------------- graphs

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn random_dag_of_well_typed_forward_edges_is_accepted(spec in dag_spec()) {
        let dag = Dag::plan(&spec);
        let g = dag.build_without(None);
        prop_assert_eq!(g.edge_count(), dag.edges.len());
        prop_assert_eq!(g.node_count(), dag.ids.len());
        let order = g.topological_order();
        prop_assert_eq!(order.len(), dag.ids.len());
        for e in g.edges() {
            let pos = |id| order.iter().position(|n| *n == id).expect("every node is ordered");
            prop_assert!(pos(e.from.node) < pos(e.to.node), "{e} against {order:?}");
            prop_assert_eq!(g.feeder(&e.to), Some(e));
        }
    }

    #[test]
    fn changing_the_input_type_turns_the_edge_into_a_type_mismatch(
        spec in dag_spec(),
        pick in any::<prop::sample::Index>(),
        seed in any::<u32>(),
    ) {
        let mut dag = Dag::plan(&spec);
        prop_assume!(!dag.edges.is_empty());
        let n = pick.index(dag.edges.len());
        let (from, out, to, input) = dag.edges[n].clone();
        let port = dag.manifests[to].inputs.iter_mut().find(|p| p.name == input).expect("planned input exists");
        let before = port.ty.clone();
        let after = mutate(&before, seed);
        prop_assert_ne!(&after, &before);
        prop_assert!(after.validate().is_ok(), "mutation made an invalid type: {after}");
        port.ty = after.clone();
        prop_assert_eq!(dag.manifests[from].output(&out), Some(&before));

        // Every other planned edge is still fine; only the mutated one breaks.
        let mut g = dag.build_without(Some(n));
        let untouched = g.clone();
        let err = g.add_edge(dag.edge(&dag.edges[n])).expect_err("types differ, so the edge is refused");
        let msg = err.to_string();
        match err {
            ContractError::TypeMismatch { from_type, to_type, .. } => {
                prop_assert_eq!(from_type, before.to_string());
                prop_assert_eq!(to_type, after.to_string());
            }
            other => prop_assert!(false, "expected a type mismatch, got {other}"),
        }
        prop_assert!(msg.contains(&before.to_string()) && msg.contains(&after.to_string()), "{msg}");
        prop_assert_eq!(g, untouched, "a refused edge leaves the graph unchanged");
    }

    #[test]
    fn an_edge_back_to_a_node_it_is_reachable_from_is_a_cycle(spec in dag_spec()) {
        let dag = Dag::plan(&spec);
        let g = dag.build_without(None);
        let reach = dag.reachability();
        for (i, upstream) in dag.ids.iter().enumerate() {
            for (j, downstream) in dag.ids.iter().enumerate() {
                // j -> i closes a loop exactly when i already reaches j
                // (including i == j: a node feeding itself).
                let edge = Edge::new(PortRef::new(*downstream, CYCLE_OUT), PortRef::new(*upstream, CYCLE_IN));
                let mut probe = g.clone();
                let result = probe.add_edge(edge.clone());
                if reach[i][j] {
                    prop_assert!(matches!(result, Err(ContractError::Cycle { .. })), "{edge}: {result:?}");
                    prop_assert_eq!(&probe, &g);
                } else {
                    prop_assert!(result.is_ok(), "{edge}: {result:?}");
                }
                prop_assert_eq!(g.reaches(*upstream, *downstream), reach[i][j]);
            }
        }
    }

    #[test]
    fn a_second_edge_into_a_fed_input_is_refused(spec in dag_spec()) {
        let dag = Dag::plan(&spec);
        let g = dag.build_without(None);
        for planned in &dag.edges {
            let existing = dag.edge(planned);
            let (_, _, to, input) = planned;
            let ty = dag.manifests[*to].input(input).expect("planned input exists");
            // Every upstream output of the same type other than the feeder;
            // node 0's `src`/`alt` twins guarantee there is at least one.
            let mut rivals = 0;
            for (i, m) in dag.manifests[..*to].iter().enumerate() {
                for o in m.outputs.iter().filter(|o| &o.ty == ty) {
                    let rival = Edge::new(PortRef::new(dag.ids[i], o.name.clone()), existing.to.clone());
                    if rival == existing {
                        continue;
                    }
                    rivals += 1;
                    let mut probe = g.clone();
                    match probe.add_edge(rival.clone()) {
                        Err(ContractError::InputAlreadyFed { edge, existing: feeder }) => {
                            prop_assert_eq!(*edge, rival);
                            prop_assert_eq!(&*feeder, &existing);
                        }
                        other => prop_assert!(false, "{rival}: expected InputAlreadyFed, got {other:?}"),
                    }
                }
            }
            prop_assert!(rivals > 0, "node 0 always offers a second feeder");
        }
    }
}

// ---------------------------------------------------------------- postcard

#[derive(Serialize, Clone, Copy, Debug)]
enum Colour {
    Red,
    Green,
    Blue,
}

#[derive(Serialize, Clone, Debug)]
struct Inner {
    flag: bool,
    colour: Colour,
    score: i32,
}

#[derive(Serialize, Clone, Debug)]
struct Order {
    id: u16,
    delta: i64,
    label: String,
    tags: Vec<String>,
    note: Option<String>,
    inner: Inner,
    maybe_inner: Option<Inner>,
    readings: Vec<Option<u64>>,
    twice_optional: Option<Option<u8>>,
    blob: Vec<u8>,
}

#[derive(Serialize, Clone, Debug)]
struct Scalars {
    a: u8,
    b: i8,
    c: i16,
    d: u32,
    e: i32,
    f: u64,
    g: f64,
    colours: Vec<Colour>,
}

const INNER_TYPE: &str = "record{flag: bool, colour: enum{Red, Green, Blue}, score: i32}";

fn order_type() -> PortType {
    format!(
        "record{{id: u16, delta: i64, label: string, tags: list<string>, note: option<string>, \
         inner: {INNER_TYPE}, maybe_inner: option<{INNER_TYPE}>, readings: list<option<u64>>, \
         twice_optional: option<option<u8>>, blob: bytes}}"
    )
    .parse()
    .expect("order type parses")
}

fn scalars_type() -> PortType {
    "record{a: u8, b: i8, c: i16, d: u32, e: i32, f: u64, g: f64, colours: list<enum{Red, Green, Blue}>}"
        .parse()
        .expect("scalars type parses")
}

fn colour() -> impl Strategy<Value = Colour> {
    prop_oneof![Just(Colour::Red), Just(Colour::Green), Just(Colour::Blue)]
}

fn inner() -> impl Strategy<Value = Inner> {
    (any::<bool>(), colour(), any::<i32>()).prop_map(|(flag, colour, score)| Inner { flag, colour, score })
}

fn order() -> impl Strategy<Value = Order> {
    let text = || prop::collection::vec(any::<char>(), 0..6).prop_map(String::from_iter);
    (
        (any::<u16>(), any::<i64>(), text(), prop::collection::vec(text(), 0..4), prop::option::of(text())),
        (
            inner(),
            prop::option::of(inner()),
            prop::collection::vec(prop::option::of(any::<u64>()), 0..4),
            prop::option::of(prop::option::of(any::<u8>())),
            prop::collection::vec(any::<u8>(), 0..8),
        ),
    )
        .prop_map(
            |((id, delta, label, tags, note), (inner, maybe_inner, readings, twice_optional, blob))| Order {
                id,
                delta,
                label,
                tags,
                note,
                inner,
                maybe_inner,
                readings,
                twice_optional,
                blob,
            },
        )
}

fn scalars() -> impl Strategy<Value = Scalars> {
    (
        (any::<u8>(), any::<i8>(), any::<i16>(), any::<u32>()),
        (any::<i32>(), any::<u64>(), prop::num::f64::ANY, prop::collection::vec(colour(), 0..4)),
    )
        .prop_map(|((a, b, c, d), (e, f, g, colours))| Scalars { a, b, c, d, e, f, g, colours })
}

fn colour_value(c: Colour) -> Value {
    Value::Enum(format!("{c:?}"))
}

fn some(v: Value) -> Value {
    Value::Option(Some(Box::new(v)))
}

fn option_value<T>(x: Option<T>, f: impl FnOnce(T) -> Value) -> Value {
    x.map_or(Value::Option(None), |x| some(f(x)))
}

fn record(fields: Vec<(&str, Value)>) -> Value {
    Value::Record(fields.into_iter().map(|(n, v)| (n.to_string(), v)).collect())
}

fn inner_value(i: &Inner) -> Value {
    record(vec![
        ("flag", Value::Bool(i.flag)),
        ("colour", colour_value(i.colour)),
        ("score", Value::I32(i.score)),
    ])
}

fn order_value(o: &Order) -> Value {
    record(vec![
        ("id", Value::U16(o.id)),
        ("delta", Value::I64(o.delta)),
        ("label", Value::String(o.label.clone())),
        ("tags", Value::List(o.tags.iter().cloned().map(Value::String).collect())),
        ("note", option_value(o.note.clone(), Value::String)),
        ("inner", inner_value(&o.inner)),
        ("maybe_inner", option_value(o.maybe_inner.as_ref(), inner_value)),
        ("readings", Value::List(o.readings.iter().map(|r| option_value(*r, Value::U64)).collect())),
        ("twice_optional", option_value(o.twice_optional, |x| option_value(x, Value::U8))),
        ("blob", Value::Bytes(o.blob.clone())),
    ])
}

fn scalars_value(s: &Scalars) -> Value {
    record(vec![
        ("a", Value::U8(s.a)),
        ("b", Value::I8(s.b)),
        ("c", Value::I16(s.c)),
        ("d", Value::U32(s.d)),
        ("e", Value::I32(s.e)),
        ("f", Value::U64(s.f)),
        ("g", Value::F64(s.g)),
        ("colours", Value::List(s.colours.iter().map(|c| colour_value(*c)).collect())),
    ])
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn encoding_matches_postcard_for_a_nested_serde_struct(o in order()) {
        let native = postcard::to_allocvec(&o).expect("postcard encodes");
        let ours = order_value(&o).encode(&order_type()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&ours, &native);
        prop_assert_eq!(Value::decode(&native, &order_type()).expect("postcard bytes decode"), order_value(&o));
    }

    #[test]
    fn encoding_matches_postcard_for_every_scalar_width(s in scalars()) {
        let native = postcard::to_allocvec(&s).expect("postcard encodes");
        let ours = scalars_value(&s).encode(&scalars_type()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&ours, &native);
        let back = Value::decode(&native, &scalars_type()).expect("postcard bytes decode");
        prop_assert_eq!(back.encode(&scalars_type()).expect("re-encodes"), native);
    }
}
