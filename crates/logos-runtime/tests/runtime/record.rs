//! Execution records, sinks and replay.

use std::sync::Arc;

use logos_runtime::{
    Capability, DivergenceKind, ExecId, Flow, FlowError, FlowPlan, KvStore, MemoryKv, MemorySink, NodeSpec,
    Nondet, Outcome, RecordSink, Recorder, Recording, RedbSink, ReplayError, RunOptions, Runtime, Value,
};

use crate::flow::{chain6, graph, plan, port};
use crate::support::*;

fn recording_runtime(values: bool) -> (Runtime, Arc<MemorySink>) {
    let sink = Arc::new(MemorySink::new());
    let rt = Runtime::builder()
        .fuel(10_000_000)
        .memory(1 << 20)
        .recorder(Recorder::new(sink.clone()).values(values))
        .build()
        .unwrap();
    (rt, sink)
}

/// record{x: u64} -> record{y: u64}: y = x + a realtime clock reading (clock granted).
fn stamp() -> NodeSpec {
    let wasm = module(
        CLOCK,
        "",
        "(drop (call $clock (i32.const 0) (i64.const 0) (i32.const 4096)))
         (call $ok_u64 (i64.add (call $read_varint (local.get $p)) (i64.load (i32.const 4096))))",
    );
    NodeSpec::new(wasm, manifest("stamp", &[("x", "u64")], &[("y", "u64")], &[Capability::Clock]))
        .with_grants([Capability::Clock].into_iter().collect())
}

/// add(1) -> stamp -> add(2)
fn stamped() -> (Vec<NodeSpec>, FlowPlan) {
    let nodes = vec![add(1), stamp(), add(2)];
    let g = graph(
        &[&nodes[0], &nodes[1], &nodes[2]],
        &[(&nodes[0], "y", &nodes[1], "x"), (&nodes[1], "y", &nodes[2], "x")],
    );
    let flow = Flow::new("stamped", vec![port(&nodes[0], "x")], vec![port(&nodes[2], "y")]);
    let p = plan(&flow, &g, &nodes.iter().collect::<Vec<_>>()).unwrap();
    (nodes, p)
}

#[test]
fn a_recorded_run_holds_digests_fuel_and_outcome() {
    let (rt, sink) = recording_runtime(false);
    let (nodes, g, flow) = chain6();
    let p = plan(&flow, &g, &nodes.iter().collect::<Vec<_>>()).unwrap();
    let out = rt
        .run_flow_with(&p, &[Value::U64(0)], &RunOptions { at_ms: 1_700_000_000_000, ..Default::default() })
        .unwrap();
    assert_eq!(out.record, Some(ExecId(1)));
    let rec = sink.get(ExecId(1)).unwrap().unwrap();
    assert_eq!((rec.flow.as_str(), rec.graph_seq, rec.at_ms), ("chain", 42, 1_700_000_000_000));
    assert_eq!(rec.nodes.len(), 6);
    assert_eq!(
        rec.nodes.iter().map(|n| n.fuel).collect::<Vec<_>>(),
        out.steps.iter().map(|s| s.fuel).collect::<Vec<_>>()
    );
    assert_eq!(rec.outcome, Outcome::Succeeded);
    assert!(rec.inputs.is_none() && rec.outputs.is_none() && rec.outputs_digest.is_some());
    assert!(rec.nodes.iter().all(|n| n.nondeterminism.is_empty()));
}

#[test]
fn replay_of_a_digest_only_record_needs_the_inputs() {
    let (rt, sink) = recording_runtime(false);
    let (nodes, g, flow) = chain6();
    let p = plan(&flow, &g, &nodes.iter().collect::<Vec<_>>()).unwrap();
    rt.run_flow(&p, &[Value::U64(5)]).unwrap();
    let rec = sink.get(ExecId(1)).unwrap().unwrap();
    assert!(matches!(rt.replay(&rec, &p, None), Err(ReplayError::InputsUnavailable)));
    assert!(matches!(rt.replay(&rec, &p, Some(&[Value::U64(6)])), Err(ReplayError::InputsDiffer)));
    let report = rt.replay(&rec, &p, Some(&[Value::U64(5)])).unwrap();
    assert!(report.is_identical(), "{report:?}");
    assert_eq!(report.nodes_replayed, 6);
}

#[test]
fn granted_clock_replays_bit_exactly() {
    let (rt, sink) = recording_runtime(true);
    let (_, p) = stamped();
    let out = rt.run_flow(&p, &[Value::U64(0)]).unwrap();
    let rec = sink.get(out.record.unwrap()).unwrap().unwrap();
    assert!(matches!(rec.nodes[1].nondeterminism.as_slice(), [Nondet::Clock { clock: 0, .. }]));
    std::thread::sleep(std::time::Duration::from_millis(2));
    let report = rt.replay(&rec, &p, None).unwrap();
    assert!(report.is_identical(), "{report:?}");
}

#[test]
fn a_changed_recorded_value_is_reported_as_an_output_divergence() {
    let (rt, sink) = recording_runtime(true);
    let (nodes, p) = stamped();
    rt.run_flow(&p, &[Value::U64(0)]).unwrap();
    let mut rec = sink.get(ExecId(1)).unwrap().unwrap();
    let Nondet::Clock { ns, .. } = &mut rec.nodes[1].nondeterminism[0] else { panic!() };
    *ns += 1;
    let d = rt.replay(&rec, &p, None).unwrap().divergence.unwrap();
    assert_eq!((d.step, d.node), (Some(1), Some(nodes[1].id())));
    assert!(matches!(d.kind, DivergenceKind::Output { .. }), "{d}");
}

#[test]
fn changed_fuel_and_missing_nondeterminism_are_divergences() {
    let (rt, sink) = recording_runtime(true);
    let (_, p) = stamped();
    rt.run_flow(&p, &[Value::U64(0)]).unwrap();
    let rec = sink.get(ExecId(1)).unwrap().unwrap();

    let mut fuel = rec.clone();
    fuel.nodes[2].fuel += 1;
    let d = rt.replay(&fuel, &p, None).unwrap().divergence.unwrap();
    assert_eq!(d.step, Some(2));
    assert!(matches!(d.kind, DivergenceKind::Fuel { .. }), "{d}");

    let mut tape = rec.clone();
    tape.nodes[1].nondeterminism.clear();
    let d = rt.replay(&tape, &p, None).unwrap().divergence.unwrap();
    assert_eq!(d.step, Some(1));
    assert!(matches!(d.kind, DivergenceKind::Nondeterminism(_)), "{d}");

    let mut extra = rec.clone();
    extra.nodes[0].nondeterminism.push(Nondet::Random(vec![1]));
    let d = rt.replay(&extra, &p, None).unwrap().divergence.unwrap();
    assert_eq!(d.step, Some(0));
    assert!(matches!(d.kind, DivergenceKind::Nondeterminism(_)), "{d}");
}

#[test]
fn replay_refuses_another_flow_or_graph_version() {
    let (rt, sink) = recording_runtime(true);
    let (nodes, p) = stamped();
    rt.run_flow(&p, &[Value::U64(0)]).unwrap();
    let rec = sink.get(ExecId(1)).unwrap().unwrap();
    let mut g = logos_runtime::Graph::new();
    for n in &nodes {
        g.add_node(n.id(), n.manifest().clone());
    }
    let flow = Flow::new("stamped", vec![port(&nodes[0], "x")], vec![port(&nodes[0], "y")]);
    let later =
        FlowPlan::build(&flow, &g, 43, |id, _| nodes.iter().find(|n| n.id() == *id).cloned()).unwrap();
    assert!(matches!(
        rt.replay(&rec, &later, None),
        Err(ReplayError::GraphVersion { recorded: 42, plan: 43 })
    ));
    let other =
        FlowPlan::build(&Flow::new("other", flow.inputs.clone(), flow.outputs.clone()), &g, 42, |id, _| {
            nodes.iter().find(|n| n.id() == *id).cloned()
        })
        .unwrap();
    assert!(matches!(rt.replay(&rec, &other, None), Err(ReplayError::FlowMismatch { .. })));
}

#[test]
fn a_failed_run_is_recorded_and_replays_as_the_same_failure() {
    let (rt, sink) = recording_runtime(true);
    let spin = NodeSpec::new(
        module("", "", "(loop $l (br $l)) (i64.const 0)"),
        manifest("spin", &[("x", "u64")], &[("y", "u64")], &[]),
    );
    let a = add(1);
    let g = graph(&[&a, &spin], &[(&a, "y", &spin, "x")]);
    let p =
        plan(&Flow::new("doomed", vec![port(&a, "x")], vec![port(&spin, "y")]), &g, &[&a, &spin]).unwrap();
    let err = rt.run_flow(&p, &[Value::U64(0)]).unwrap_err();
    let FlowError::Node { record: Some(id), .. } = err else { panic!("{err}") };
    let rec = sink.get(id).unwrap().unwrap();
    assert!(
        matches!(&rec.outcome, Outcome::Failed { node, error } if *node == spin.id() && error.contains("fuel"))
    );
    assert_eq!(rec.nodes[1].fuel, rec.nodes[1].fuel_limit);
    assert!(rt.replay(&rec, &p, None).unwrap().is_identical());
}

#[test]
fn sampling_records_one_run_in_n() {
    let sink = Arc::new(MemorySink::new());
    let rt = Runtime::builder()
        .memory(1 << 20)
        .recorder(Recorder::new(sink.clone()).mode(Recording::Sampled(2)))
        .build()
        .unwrap();
    let (nodes, g, flow) = chain6();
    let p = plan(&flow, &g, &nodes.iter().collect::<Vec<_>>()).unwrap();
    for _ in 0..5 {
        rt.run_flow(&p, &[Value::U64(0)]).unwrap();
    }
    assert_eq!(sink.len(), 3);
    let forced =
        rt.run_flow_with(&p, &[Value::U64(0)], &RunOptions { record: Some(false), ..Default::default() });
    assert_eq!(forced.unwrap().record, None);
}

#[test]
fn kv_reads_replay_from_the_record_and_writes_are_not_applied_again() {
    let kv = Arc::new(MemoryKv::new());
    let sink = Arc::new(MemorySink::new());
    let rt = Runtime::builder()
        .memory(1 << 20)
        .kv_store(kv.clone())
        .recorder(Recorder::new(sink.clone()).values(true))
        .build()
        .unwrap();
    // record{x: u64} -> record{y: u64}: y = x + (stored n), then stores y.
    let node = NodeSpec::new(
        module(
            KV,
            r#"(data (i32.const 4000) "n")"#,
            "(if (i32.eq (call $kv_get (i32.const 4000) (i32.const 1) (i32.const 4096) (i32.const 8)) (i32.const -1))
               (then (i64.store (i32.const 4096) (i64.const 0))))
             (i64.store (i32.const 4096) (i64.add (i64.load (i32.const 4096)) (call $read_varint (local.get $p))))
             (drop (call $kv_put (i32.const 4000) (i32.const 1) (i32.const 4096) (i32.const 8)))
             (call $ok_u64 (i64.load (i32.const 4096)))",
        ),
        manifest("acc", &[("x", "u64")], &[("y", "u64")], &[Capability::Kv]),
    )
    .with_grants([Capability::Kv].into_iter().collect());
    let g = graph(&[&node], &[]);
    let p = plan(&Flow::new("acc", vec![port(&node, "x")], vec![port(&node, "y")]), &g, &[&node]).unwrap();
    assert_eq!(rt.run_flow(&p, &[Value::U64(5)]).unwrap().outputs, [Value::U64(5)]);
    assert_eq!(rt.run_flow(&p, &[Value::U64(5)]).unwrap().outputs, [Value::U64(10)]);
    let second = sink.get(ExecId(2)).unwrap().unwrap();
    assert!(rt.replay(&second, &p, None).unwrap().is_identical());
    assert_eq!(kv.get(&node.id(), b"n").unwrap(), Some(10u64.to_le_bytes().to_vec()), "replay wrote nothing");
}

#[test]
fn redb_sink_group_commits_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("records.redb");
    let (nodes, g, flow) = chain6();
    let p = plan(&flow, &g, &nodes.iter().collect::<Vec<_>>()).unwrap();
    {
        let sink = Arc::new(RedbSink::open(&path).unwrap());
        let rt = Runtime::builder()
            .memory(1 << 20)
            .recorder(Recorder::new(sink.clone()).values(true))
            .build()
            .unwrap();
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let (rt, p) = (&rt, &p);
                s.spawn(move || {
                    for i in 0..25 {
                        rt.run_flow(p, &[Value::U64(t * 100 + i)]).unwrap();
                    }
                });
            }
        });
        sink.flush().unwrap();
        assert_eq!(sink.recent(1000).unwrap().len(), 100);
    }
    let sink = RedbSink::open(&path).unwrap();
    let recent = sink.recent(3).unwrap();
    assert_eq!(recent.iter().map(|(id, _)| id.0).collect::<Vec<_>>(), [100, 99, 98]);
    let rt = Runtime::builder().memory(1 << 20).build().unwrap();
    let rec = sink.get(ExecId(7)).unwrap().unwrap();
    assert!(rt.replay(&rec, &p, None).unwrap().is_identical());
    let rec = logos_runtime::ExecutionRecord { flow: "x".into(), ..rec };
    assert_eq!(sink.append(&rec).unwrap(), ExecId(101));
    sink.flush().unwrap();
    assert_eq!(sink.get(ExecId(101)).unwrap().unwrap().flow, "x");
    assert!(sink.get(ExecId(500)).unwrap().is_none());
}

/// A wide flow: a fans out to four branches (one of them slow: it burns
/// fuel in a loop), joined pairwise by two sums.
fn wide() -> (Vec<NodeSpec>, FlowPlan) {
    let slow = node(
        manifest("slow", &[("x", "u64")], &[("y", "u64")], &[]),
        "",
        "",
        "(local $i i32)
         (loop $spin
           (local.set $i (i32.add (local.get $i) (i32.const 1)))
           (br_if $spin (i32.lt_u (local.get $i) (i32.const 20000))))
         (call $ok_u64 (i64.add (call $read_varint (local.get $p)) (i64.const 100)))",
    );
    let nodes =
        vec![add(1), add(2), add(3), add(4), slow, sum(), echo("join", &[("a", "u64"), ("b", "u64")])];
    let [a, b, c, d, e, s, j] = [0, 1, 2, 3, 4, 5, 6].map(|i| &nodes[i]);
    let g = graph(
        &[a, b, c, d, e, s, j],
        &[
            (a, "y", b, "x"),
            (a, "y", c, "x"),
            (a, "y", d, "x"),
            (a, "y", e, "x"),
            (b, "y", s, "a"),
            (c, "y", s, "b"),
            (d, "y", j, "a"),
            (e, "y", j, "b"),
        ],
    );
    let flow = Flow::new("wide", vec![port(a, "x")], vec![port(s, "s"), port(j, "a"), port(j, "b")]);
    let p = plan(&flow, &g, &nodes.iter().collect::<Vec<_>>()).unwrap();
    (nodes, p)
}

#[test]
fn parallel_branches_give_the_same_results_records_and_replays() {
    let (_nodes, p) = wide();
    assert_eq!(p.width(), 4, "four independent branches after the fan-out");
    let sequential = recording_runtime(true);
    let sink = Arc::new(MemorySink::new());
    let parallel = Runtime::builder()
        .fuel(10_000_000)
        .memory(1 << 20)
        .parallel_branches(true)
        .recorder(Recorder::new(sink.clone()).values(true))
        .build()
        .unwrap();
    let opts = RunOptions { at_ms: 7, ..Default::default() };
    for x in [0u64, 5, 1 << 40] {
        let seq = sequential.0.run_flow_with(&p, &[Value::U64(x)], &opts).unwrap();
        let par = parallel.run_flow_with(&p, &[Value::U64(x)], &opts).unwrap();
        assert_eq!(par.outputs, [Value::U64(2 * x + 7), Value::U64(x + 5), Value::U64(x + 101)]);
        assert_eq!(seq.outputs, par.outputs);
        assert_eq!(seq.steps, par.steps, "same nodes, same order, same fuel");
        let (s, q) = (sequential.1.get(seq.record.unwrap()).unwrap(), sink.get(par.record.unwrap()).unwrap());
        assert_eq!(s.map(|r| r.encode()), q.clone().map(|r| r.encode()), "byte-identical records");
        let report = parallel.replay(&q.unwrap(), &p, None).unwrap();
        assert!(report.is_identical(), "{report:?}");
    }
}

#[test]
fn a_failing_branch_stops_a_parallel_run_where_a_sequential_run_stops() {
    let a = add(1);
    let broken = node(manifest("broken", &[("x", "u64")], &[("y", "u64")], &[]), "", "", "(unreachable)");
    let (b, c) = (add(2), add(3));
    let g = graph(
        &[&a, &broken, &b, &c],
        &[(&a, "y", &broken, "x"), (&a, "y", &b, "x"), (&broken, "y", &c, "x")],
    );
    let flow = Flow::new("half", vec![port(&a, "x")], vec![port(&b, "y"), port(&c, "y")]);
    let p = plan(&flow, &g, &[&a, &broken, &b, &c]).unwrap();
    let parallel =
        Runtime::builder().fuel(1_000_000).memory(1 << 20).parallel_branches(true).build().unwrap();
    let seq = runtime().run_flow(&p, &[Value::U64(0)]).unwrap_err();
    let par = parallel.run_flow(&p, &[Value::U64(0)]).unwrap_err();
    let (
        FlowError::Node { step: s1, error: e1, fuel: f1, .. },
        FlowError::Node { step: s2, error: e2, fuel: f2, .. },
    ) = (&seq, &par)
    else {
        panic!("{seq} / {par}")
    };
    assert_eq!((s1, e1.node(), f1), (s2, e2.node(), f2));
    assert_eq!(e2.node(), broken.id());
}
