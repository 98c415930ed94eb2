//! Compile benchmarks: cold (fresh target dir), warm (dependencies cached,
//! new source), cache hit, and `verify_wasm` alone (the floor of a hit).
//!
//! `cargo bench -p logos-compile --bench compile`. Cold is one timed build
//! per run (set `LOGOS_BENCH_COLD=0` to skip it); criterion needs at least
//! ten samples, which for cold builds would take many minutes. Under
//! `cargo test` (no `--bench` argument) nothing runs: every case needs real
//! builds.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use logos_compile::{Compiler, VerifyLimits, verify_wasm};

const SOURCE: &str = r#"use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Copy, PartialEq)]
pub enum Currency { Eur, Usd }

#[derive(Serialize, Deserialize)]
pub struct Input { pub cents: u64, pub currency: Currency, pub limits: Vec<u64> }

#[derive(Serialize, Deserialize)]
pub struct Output { pub approved: bool, pub reason: String }

pub fn execute(input: Input) -> Result<Output, String> {
    let limit = input.limits.first().copied().ok_or("no limit")?;
    if input.currency != Currency::Eur {
        return Err("only EUR".into());
    }
    Ok(Output { approved: input.cents <= limit, reason: format!("{} of {}", input.cents, limit) })
}
"#;

fn bench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("logos-compile-bench")
}

fn compiler(target: PathBuf, cache: PathBuf) -> Compiler {
    Compiler::builder()
        .target_dir(target)
        .cache_dir(cache)
        .build()
        .unwrap_or_else(|e| panic!("toolchain with wasm32-wasip1 needed: {e}"))
}

fn cold() {
    if std::env::var("LOGOS_BENCH_COLD").as_deref() == Ok("0") {
        return;
    }
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let c = compiler(root.path().join("target"), root.path().join("cache"));
    let start = Instant::now();
    c.compile(SOURCE, "bench", &mut |_| {}).unwrap_or_else(|e| panic!("{e}"));
    println!("compile/cold (fresh target dir, one sample): {:.2} s", start.elapsed().as_secs_f64());
}

fn benches(crit: &mut Criterion) {
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let c = compiler(bench_dir().join("target"), root.path().join("cache"));
    // Warm the shared target dir and the cache.
    let node = c.compile(SOURCE, "bench", &mut |_| {}).unwrap_or_else(|e| panic!("{e}"));

    let mut group = crit.benchmark_group("compile");
    group.sampling_mode(SamplingMode::Flat).sample_size(10).warm_up_time(Duration::from_millis(1));
    group.measurement_time(Duration::from_secs(30));
    let counter = AtomicU64::new(0);
    group.bench_function("warm", |b| {
        b.iter(|| {
            // A new source each time: a real cargo build, dependencies cached.
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let source = format!("{SOURCE}\n// variant {n}\n");
            c.compile(&source, "bench", &mut |_| {}).unwrap_or_else(|e| panic!("{e}"))
        })
    });
    group.finish();

    let mut group = crit.benchmark_group("compile");
    group.sample_size(50);
    group.bench_function("cache_hit", |b| {
        b.iter(|| c.compile(SOURCE, "bench", &mut |_| {}).unwrap_or_else(|e| panic!("{e}")))
    });
    group.bench_function("verify_wasm_floor", |b| {
        b.iter(|| {
            verify_wasm(&node.wasm, &node.manifest, &VerifyLimits::default())
                .unwrap_or_else(|e| panic!("{e}"))
        })
    });
    group.finish();
    println!("module size: {} bytes", node.wasm.len());
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "logos-compile benches need real builds; run `cargo bench -p logos-compile --bench compile`"
        );
        return;
    }
    cold();
    let mut crit = Criterion::default().configure_from_args();
    benches(&mut crit);
    crit.final_summary();
}
