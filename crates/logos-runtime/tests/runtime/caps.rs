//! Capabilities: the static check, the stand-ins and the granted functions.

use std::time::{SystemTime, UNIX_EPOCH};

use logos_runtime::{Capability, CapabilitySet, ExecErrorKind, NodeSpec, Nondet, Value};

use crate::support::*;

fn grants(caps: &[Capability]) -> CapabilitySet {
    caps.iter().copied().collect()
}

fn logger(requested: &[Capability]) -> NodeSpec {
    probe(
        "logger",
        LOG,
        r#"(data (i32.const 4096) "hello")"#,
        "(call $log (i32.const 4096) (i32.const 5)) (call $ok_u64 (i64.const 0))",
        requested,
    )
}

#[test]
fn an_ungranted_import_is_refused_before_instantiation() {
    let err = runtime().execute(&logger(&[Capability::Log]), &rec(&[])).unwrap_err();
    match err.kind() {
        ExecErrorKind::Ungranted { module, name, needs } => {
            assert_eq!((module.as_str(), name.as_str(), *needs), ("logos", "log", Capability::Log));
        }
        other => panic!("expected Ungranted, got {other:?}"),
    }
    assert!(runtime().prepare(&logger(&[Capability::Log])).is_err());
}

#[test]
fn a_grant_the_manifest_did_not_request_is_not_given() {
    let node = logger(&[]).with_grants(grants(&[Capability::Log]));
    assert!(node.effective_grants().is_empty());
    let err = runtime().execute(&node, &rec(&[])).unwrap_err();
    assert!(matches!(err.kind(), ExecErrorKind::Ungranted { .. }), "{err}");
}

#[test]
fn granted_log_lines_are_captured() {
    let node = logger(&[Capability::Log]).with_grants(grants(&[Capability::Log]));
    let out = runtime().execute(&node, &rec(&[])).unwrap();
    assert_eq!(out.logs, ["hello"]);
}

#[test]
fn imports_outside_the_abi_are_refused() {
    for imports in [
        r#"(import "env" "foo" (func))"#,
        r#"(import "wasi_snapshot_preview1" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))"#,
        r#"(import "wasi_snapshot_preview1" "sock_accept" (func (param i32 i32 i32) (result i32)))"#,
    ] {
        let node = probe("sneaky", imports, "", "(i64.const 0)", &[Capability::Network]);
        let err = runtime().execute(&node, &rec(&[])).unwrap_err();
        assert!(matches!(err.kind(), ExecErrorKind::UnknownImport { .. }), "{err}");
    }
}

#[test]
fn a_mistyped_abi_import_is_an_abi_error() {
    let imports = r#"(import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i32)))"#;
    let node = probe("mistyped", imports, "", "(i64.const 0)", &[]);
    let err = runtime().execute(&node, &rec(&[])).unwrap_err();
    assert!(matches!(err.kind(), ExecErrorKind::Abi(_)), "{err}");
}

fn clock_reader(caps: &[Capability]) -> NodeSpec {
    // Reads the realtime clock twice and returns the second reading.
    probe(
        "clock",
        CLOCK,
        "",
        "(drop (call $clock (i32.const 0) (i64.const 0) (i32.const 4096)))
         (drop (call $clock (i32.const 0) (i64.const 0) (i32.const 4096)))
         (call $ok_u64 (i64.load (i32.const 4096)))",
        caps,
    )
}

#[test]
fn ungranted_clock_is_a_logical_clock() {
    let out = runtime().execute(&clock_reader(&[Capability::Clock]), &rec(&[])).unwrap();
    assert_eq!(out.output, u64_rec("out", 1_000), "second reading of the stand-in clock is 1 µs");
    assert!(out.nondeterminism.is_empty());
}

#[test]
fn granted_clock_is_real_and_recorded() {
    let node = clock_reader(&[Capability::Clock]).with_grants(grants(&[Capability::Clock]));
    let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64;
    let out = runtime().execute(&node, &rec(&[])).unwrap();
    let Value::Record(fields) = &out.output else { panic!() };
    let Value::U64(t) = fields[0].1 else { panic!() };
    assert!(t >= before, "{t} < {before}");
    assert_eq!(out.nondeterminism.len(), 2);
    assert_eq!(out.nondeterminism[1], Nondet::Clock { clock: 0, ns: t });
}

fn random_reader(name: &str, caps: &[Capability]) -> NodeSpec {
    probe(
        name,
        RANDOM,
        "",
        "(drop (call $random (i32.const 4096) (i32.const 8))) (call $ok_u64 (i64.load (i32.const 4096)))",
        caps,
    )
}

#[test]
fn ungranted_random_is_a_deterministic_stream_per_node() {
    let a = runtime().execute(&random_reader("a", &[]), &rec(&[])).unwrap();
    let again = runtime().execute(&random_reader("a", &[]), &rec(&[])).unwrap();
    let b = runtime().execute(&random_reader("b", &[]), &rec(&[])).unwrap();
    assert_eq!(a.output, again.output);
    assert_ne!(a.output, b.output, "a different node id gives a different stream");
    assert!(a.nondeterminism.is_empty());
}

#[test]
fn granted_random_is_recorded() {
    let node = random_reader("r", &[Capability::Random]).with_grants(grants(&[Capability::Random]));
    let out = runtime().execute(&node, &rec(&[])).unwrap();
    let [Nondet::Random(bytes)] = out.nondeterminism.as_slice() else { panic!("{:?}", out.nondeterminism) };
    let expected = u64::from_le_bytes(bytes.as_slice().try_into().unwrap());
    assert_eq!(out.output, u64_rec("out", expected));
}

#[test]
fn grants_are_per_node_not_transitive() {
    // Two nodes with identical code but different names (different ids):
    // only the granted one sees the real clock.
    let granted = clock_reader(&[Capability::Clock]).with_grants(grants(&[Capability::Clock]));
    let other = probe(
        "clock2",
        CLOCK,
        "",
        "(drop (call $clock (i32.const 0) (i64.const 0) (i32.const 4096))) (call $ok_u64 (i64.load (i32.const 4096)))",
        &[Capability::Clock],
    );
    assert!(runtime().execute(&granted, &rec(&[])).unwrap().nondeterminism.len() == 2);
    assert_eq!(runtime().execute(&other, &rec(&[])).unwrap().output, u64_rec("out", 0));
}

fn counter(name: &str, trap_after_put: bool) -> NodeSpec {
    let tail = if trap_after_put { "unreachable" } else { "" };
    probe(
        name,
        KV,
        r#"(data (i32.const 4000) "n")"#,
        &format!(
            "(if (i32.eq (call $kv_get (i32.const 4000) (i32.const 1) (i32.const 4096) (i32.const 8)) (i32.const -1))
               (then (i64.store (i32.const 4096) (i64.const 0))))
             (i64.store (i32.const 4096) (i64.add (i64.load (i32.const 4096)) (i64.const 1)))
             (drop (call $kv_put (i32.const 4000) (i32.const 1) (i32.const 4096) (i32.const 8)))
             {tail}
             (call $ok_u64 (i64.load (i32.const 4096)))"
        ),
        &[Capability::Kv],
    )
    .with_grants(grants(&[Capability::Kv]))
}

#[test]
fn kv_is_scoped_to_the_node_and_persists_across_executions() {
    let rt = logos_runtime::Runtime::builder().memory(1 << 20).build().unwrap();
    let a = counter("counter-a", false);
    let b = counter("counter-b", false);
    for expected in 1..=3 {
        assert_eq!(rt.execute(&a, &rec(&[])).unwrap().output, u64_rec("out", expected));
    }
    assert_eq!(rt.execute(&b, &rec(&[])).unwrap().output, u64_rec("out", 1), "b has its own namespace");
}

#[test]
fn a_failed_execution_leaves_no_kv_writes() {
    use logos_runtime::KvStore;
    let kv = std::sync::Arc::new(logos_runtime::MemoryKv::new());
    let rt = logos_runtime::Runtime::builder().memory(1 << 20).kv_store(kv.clone()).build().unwrap();
    let ok = counter("counter", false);
    assert_eq!(rt.execute(&ok, &rec(&[])).unwrap().output, u64_rec("out", 1));
    assert_eq!(kv.get(&ok.id(), b"n").unwrap(), Some(1u64.to_le_bytes().to_vec()));
    let trapping = counter("counter-trap", true);
    assert!(rt.execute(&trapping, &rec(&[])).is_err());
    assert_eq!(kv.get(&trapping.id(), b"n").unwrap(), None);
}
