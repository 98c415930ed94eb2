//! Per-node execution against its floors (raw wasmtime with the same
//! configuration, native Rust), and a 6-node flow with recording off and on.
//!
//! `cargo bench -p logos-runtime`; figures go to docs/benchmarks.md.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group};
use logos_runtime::{
    Edge, Flow, FlowPlan, Graph, MemorySink, NodeSpec, PortRef, RecordSink, Recorder, RedbSink, Runtime,
    Value,
};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, Linker, OptLevel, PoolingAllocationConfig, Store,
};

#[allow(dead_code)]
#[path = "../tests/runtime/support.rs"]
mod support;

use support::{add, u64_rec};

/// The engine `Runtime` builds, configured by hand: the floor.
fn raw_engine() -> Engine {
    let mut c = Config::new();
    c.cranelift_nan_canonicalization(true)
        .cranelift_opt_level(OptLevel::Speed)
        .consume_fuel(true)
        .epoch_interruption(true);
    let mut pool = PoolingAllocationConfig::new();
    pool.total_core_instances(64)
        .total_memories(64)
        .total_tables(64)
        .max_memory_size(1 << 32)
        .linear_memory_keep_resident(128 << 10)
        .table_keep_resident(64 << 10);
    c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&c).expect("engine")
}

/// One ABI call the way a plain wasmtime embedder writes it: fresh store
/// and instance, fuel and epoch deadline set, no limiter, no value codec.
fn raw_call(engine: &Engine, pre: &wasmtime::InstancePre<()>, input: &[u8]) -> Vec<u8> {
    let mut store = Store::new(engine, ());
    store.set_fuel(10_000_000).expect("fuel");
    store.set_epoch_deadline(1_000);
    let inst = pre.instantiate(&mut store).expect("instance");
    let mem = inst.get_memory(&mut store, "memory").expect("memory");
    let alloc = inst.get_typed_func::<i32, i32>(&mut store, "logos_alloc").expect("alloc");
    let exec = inst.get_typed_func::<(i32, i32), i64>(&mut store, "logos_execute").expect("execute");
    let ptr = alloc.call(&mut store, input.len() as i32).expect("alloc call");
    mem.write(&mut store, ptr as usize, input).expect("write");
    let packed = exec.call(&mut store, (ptr, input.len() as i32)).expect("execute call") as u64;
    let (p, n) = ((packed >> 32) as usize, packed as u32 as usize);
    mem.data(&store)[p..p + n].to_vec()
}

/// Criterion's figures drift with a busy machine; this pairs the two in
/// alternating rounds and keeps each side's best round, so both see the
/// same conditions. Printed before the criterion runs.
fn paired_overhead() {
    let node = add(1);
    let input = u64_rec("x", 1_000_000);
    let rt = Runtime::builder().fuel(10_000_000).memory(4 << 20).build().expect("runtime");
    let engine = raw_engine();
    let module = wasmtime::Module::new(&engine, node.wasm()).expect("module");
    let pre = Linker::<()>::new(&engine).instantiate_pre(&module).expect("pre");
    let bytes = [0xc0, 0x84, 0x3d];
    const N: u32 = 2_000;
    let (mut best_rt, mut best_raw) = (Duration::MAX, Duration::MAX);
    for _ in 0..40 {
        let t = std::time::Instant::now();
        for _ in 0..N {
            black_box(rt.execute(black_box(&node), black_box(&input)).expect("runs"));
        }
        best_rt = best_rt.min(t.elapsed() / N);
        let t = std::time::Instant::now();
        for _ in 0..N {
            black_box(raw_call(&engine, &pre, black_box(&bytes)));
        }
        best_raw = best_raw.min(t.elapsed() / N);
    }
    println!(
        "paired best-of-40 rounds: logos_runtime {best_rt:?}, raw_wasmtime {best_raw:?}, ratio {:.2}",
        best_rt.as_secs_f64() / best_raw.as_secs_f64()
    );

    let (_, plan) = chain6();
    let dir = tempfile::tempdir().expect("tempdir");
    let sink = Arc::new(RedbSink::open(dir.path().join("records.redb")).expect("sink"));
    let recorded =
        Runtime::builder().memory(4 << 20).recorder(Recorder::new(sink.clone())).build().expect("rt");
    let input = [Value::U64(1)];
    let (mut best_off, mut best_on) = (Duration::MAX, Duration::MAX);
    for _ in 0..20 {
        let t = std::time::Instant::now();
        for _ in 0..500 {
            black_box(rt.run_flow(&plan, black_box(&input)).expect("runs"));
        }
        best_off = best_off.min(t.elapsed() / 500);
        let t = std::time::Instant::now();
        for _ in 0..500 {
            black_box(recorded.run_flow(&plan, black_box(&input)).expect("runs"));
        }
        best_on = best_on.min(t.elapsed() / 500);
    }
    sink.flush().expect("flush");
    println!(
        "paired best-of-20 rounds, 6-node flow: recording off {best_off:?} ({:.0}/s), on with redb group commit {best_on:?} ({:.0}/s)",
        1.0 / best_off.as_secs_f64(),
        1.0 / best_on.as_secs_f64()
    );
}

fn varint(mut bytes: &[u8]) -> u64 {
    let (mut v, mut shift) = (0u64, 0);
    while let Some((&b, rest)) = bytes.split_first() {
        v |= u64::from(b & 0x7f) << shift;
        shift += 7;
        bytes = rest;
        if b & 0x80 == 0 {
            break;
        }
    }
    v
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        if v < 0x80 {
            out.push(v as u8);
            return;
        }
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
}

fn per_node(c: &mut Criterion) {
    let node = add(1);
    let input = u64_rec("x", 1_000_000);
    let mut g = c.benchmark_group("node_add_one");
    g.throughput(Throughput::Elements(1));

    let rt = Runtime::builder().fuel(10_000_000).memory(4 << 20).build().expect("runtime");
    g.bench_function("logos_runtime", |b| {
        b.iter(|| rt.execute(black_box(&node), black_box(&input)).expect("runs"))
    });

    let engine = raw_engine();
    let module = wasmtime::Module::new(&engine, node.wasm()).expect("module");
    let pre = Linker::<()>::new(&engine).instantiate_pre(&module).expect("pre");
    let bytes = vec![0xc0, 0x84, 0x3d]; // varint(1_000_000)
    g.bench_function("raw_wasmtime", |b| b.iter(|| raw_call(&engine, &pre, black_box(&bytes))));

    g.bench_function("native_rust", |b| {
        b.iter(|| {
            let x = varint(black_box(&bytes));
            let mut out = Vec::with_capacity(11);
            out.push(0);
            put_varint(&mut out, x + 1);
            black_box(out)
        })
    });
    g.finish();
}

fn chain6() -> (Graph, FlowPlan) {
    let nodes: Vec<NodeSpec> = (1..=6).map(add).collect();
    let mut graph = Graph::new();
    for n in &nodes {
        graph.add_node(n.id(), n.manifest().clone());
    }
    for w in nodes.windows(2) {
        graph.add_edge(Edge::new(PortRef::new(w[0].id(), "y"), PortRef::new(w[1].id(), "x"))).expect("edge");
    }
    let flow =
        Flow::new("chain6", vec![PortRef::new(nodes[0].id(), "x")], vec![PortRef::new(nodes[5].id(), "y")]);
    let plan = FlowPlan::build(&flow, &graph, 1, |id, _| nodes.iter().find(|n| n.id() == *id).cloned())
        .expect("plan");
    (graph, plan)
}

fn flow6(c: &mut Criterion) {
    let (_, plan) = chain6();
    let input = [Value::U64(1)];
    let mut g = c.benchmark_group("flow_6_nodes");
    g.throughput(Throughput::Elements(1));

    let off = Runtime::builder().memory(4 << 20).build().expect("runtime");
    g.bench_function("recording_off", |b| b.iter(|| off.run_flow(&plan, black_box(&input)).expect("runs")));

    let memory = Runtime::builder()
        .memory(4 << 20)
        .recorder(Recorder::new(Arc::new(MemorySink::new())))
        .build()
        .expect("rt");
    g.bench_function("recording_on_memory_sink", |b| {
        b.iter(|| memory.run_flow(&plan, black_box(&input)).expect("runs"))
    });

    let dir = tempfile::tempdir().expect("tempdir");
    let sink = Arc::new(RedbSink::open(dir.path().join("records.redb")).expect("sink"));
    let redb = Runtime::builder().memory(4 << 20).recorder(Recorder::new(sink.clone())).build().expect("rt");
    g.bench_function("recording_on_redb_group_commit", |b| {
        b.iter(|| redb.run_flow(&plan, black_box(&input)).expect("runs"))
    });
    g.finish();
    sink.flush().expect("flush");
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
}

criterion_group! { name = benches; config = config(); targets = per_node, flow6 }

fn main() {
    // `cargo test --all-targets` runs benches once in test mode (no `--bench`): skip the long part.
    if std::env::args().any(|a| a == "--bench") {
        paired_overhead();
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
