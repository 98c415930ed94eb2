//! Executing one node: the ABI round trip, typed outputs, traps and limits.

use std::time::Duration;

use logos_runtime::{ExecErrorKind, LimitKind, Limits, NodeSpec, Runtime, TrapKind, Value};

use crate::support::*;

#[test]
fn runtime_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Runtime>();
    assert_send_sync::<NodeSpec>();
    assert_send_sync::<logos_runtime::ExecError>();
    assert_send_sync::<logos_runtime::FlowError>();
}

#[test]
fn add_one_round_trips_a_u64() {
    let out = runtime().execute(&add(1), &u64_rec("x", 41)).unwrap();
    assert_eq!(out.output, u64_rec("y", 42));
    assert!(out.fuel > 0);
    // Multi-byte varints both ways.
    let out = runtime().execute(&add(1), &u64_rec("x", u64::MAX - 1)).unwrap();
    assert_eq!(out.output, u64_rec("y", u64::MAX));
}

#[test]
fn echo_copies_a_record_with_strings_and_lists() {
    let node = echo("echo", &[("name", "string"), ("tags", "list<u16>")]);
    let input = rec(&[
        ("name", Value::String("grüße".into())),
        ("tags", Value::List(vec![Value::U16(1), Value::U16(300)])),
    ]);
    assert_eq!(runtime().execute(&node, &input).unwrap().output, input);
}

#[test]
fn same_input_same_output_same_fuel() {
    let a = runtime().execute(&add(3), &u64_rec("x", 7)).unwrap();
    let b = runtime().execute(&add(3), &u64_rec("x", 7)).unwrap();
    assert_eq!((a.output, a.fuel), (b.output, b.fuel));
}

#[test]
fn input_of_the_wrong_type_is_refused_before_running() {
    let err = runtime().execute(&add(1), &rec(&[("x", Value::U32(1))])).unwrap_err();
    assert!(matches!(err.kind(), ExecErrorKind::Input(_)), "{err}");
    assert_eq!(err.node(), add(1).id());
}

#[test]
fn many_threads_share_one_runtime() {
    let node = add(5);
    std::thread::scope(|s| {
        for t in 0..8u64 {
            let node = node.clone();
            s.spawn(move || {
                for i in 0..50 {
                    let out = runtime().execute(&node, &u64_rec("x", t * 1000 + i)).unwrap();
                    assert_eq!(out.output, u64_rec("y", t * 1000 + i + 5));
                }
            });
        }
    });
}

#[test]
fn more_threads_than_pool_slots_wait_instead_of_failing() {
    let rt = Runtime::builder().pooling(2).memory(1 << 20).build().unwrap();
    let node = add(1);
    std::thread::scope(|s| {
        for _ in 0..6 {
            s.spawn(|| {
                for _ in 0..20 {
                    rt.execute(&node, &u64_rec("x", 1)).unwrap();
                }
            });
        }
    });
}

#[test]
fn no_state_survives_between_executions() {
    // The node counts calls in a global; a fresh instance always sees 0.
    let node = probe(
        "counter",
        "",
        "(global $calls (mut i64) (i64.const 0))",
        "(global.set $calls (i64.add (global.get $calls) (i64.const 1))) (call $ok_u64 (global.get $calls))",
        &[],
    );
    for _ in 0..3 {
        assert_eq!(runtime().execute(&node, &rec(&[])).unwrap().output, u64_rec("out", 1));
    }
}

#[test]
fn endless_loop_hits_the_fuel_limit() {
    let node = probe("spin", "", "", "(loop $l (br $l)) (i64.const 0)", &[]);
    let err = runtime().execute(&node, &rec(&[])).unwrap_err();
    assert_eq!(err.limit(), Some(LimitKind::Fuel { limit: 10_000_000 }), "{err}");
    assert!(err.to_string().contains("spin"), "{err}");
}

#[test]
fn endless_loop_with_plenty_of_fuel_hits_the_wall_clock() {
    let node = probe("spin", "", "", "(loop $l (br $l)) (i64.const 0)", &[])
        .with_limits(Limits { wall_clock: Duration::from_millis(50), ..Limits::DEFAULT });
    let rt = Runtime::builder().fuel(u64::MAX / 2).memory(1 << 20).build().unwrap();
    // The typed wall-clock error is the proof (without the deadline this
    // would spin for ages); no timing bound is asserted.
    let err = rt.execute(&node, &rec(&[])).unwrap_err();
    assert_eq!(err.limit(), Some(LimitKind::WallClock { limit: Duration::from_millis(50) }), "{err}");
}

#[test]
fn growing_memory_past_the_limit_is_a_memory_error() {
    let node = probe(
        "hog",
        "",
        "",
        "(loop $l (br_if $l (i32.ne (memory.grow (i32.const 1)) (i32.const -1)))) (i64.const 0)",
        &[],
    );
    let err = runtime().execute(&node, &rec(&[])).unwrap_err();
    match err.limit() {
        Some(LimitKind::Memory { limit, requested }) => {
            assert_eq!(limit, 4 << 20);
            assert!(requested > limit);
        }
        other => panic!("expected a memory limit, got {other:?}: {err}"),
    }
}

#[test]
fn initial_memory_above_the_limit_is_a_memory_error() {
    let wasm = wat::parse_str(
        r#"(module (memory (export "memory") 200)
            (func (export "logos_alloc") (param i32) (result i32) (i32.const 1024))
            (func (export "logos_execute") (param i32 i32) (result i64) (i64.const 0)))"#,
    )
    .unwrap();
    let node = NodeSpec::new(wasm, manifest("big", &[], &[("out", "u64")], &[]));
    let err = runtime().execute(&node, &rec(&[])).unwrap_err();
    assert!(matches!(err.limit(), Some(LimitKind::Memory { .. })), "{err}");
}

#[test]
fn panic_message_from_stderr_travels_with_the_trap() {
    let node = probe(
        "panicky",
        FD_WRITE,
        r#"(data (i32.const 4096) "panicked at src/lib.rs:3:5:\nboom\n")"#,
        &format!("{} unreachable", write_fd(2, 4096, 33)),
        &[],
    );
    let err = runtime().execute(&node, &rec(&[])).unwrap_err();
    match err.kind() {
        ExecErrorKind::Trap { trap: TrapKind::Unreachable, message: Some(m) } => {
            assert!(m.ends_with("boom"), "{m}")
        }
        other => panic!("expected an unreachable trap with a message, got {other:?}"),
    }
    assert!(err.to_string().contains("panicky") && err.to_string().contains("boom"), "{err}");
}

#[test]
fn division_by_zero_is_a_typed_trap() {
    let node = probe("div", "", "", "(drop (i32.div_u (i32.const 1) (local.get $n))) (i64.const 0)", &[]);
    let err = runtime().execute(&node, &rec(&[])).unwrap_err();
    assert!(
        matches!(err.kind(), ExecErrorKind::Trap { trap: TrapKind::DivisionByZero, message: None }),
        "{err}"
    );
}

#[test]
fn out_of_bounds_output_pointer_is_a_bad_output() {
    let node = probe("oob", "", "", "(call $ret (i32.const -65536) (i32.const 10))", &[]);
    let err = runtime().execute(&node, &rec(&[])).unwrap_err();
    assert!(matches!(err.kind(), ExecErrorKind::BadOutput(m) if m.contains("outside memory")), "{err}");
}

#[test]
fn oversized_output_is_an_output_limit_error() {
    let node = probe("flood", "", "", "(call $ret (i32.const 0) (i32.const 60000))", &[])
        .with_limits(Limits { output_bytes: 1000, ..Limits::DEFAULT });
    let err = runtime().execute(&node, &rec(&[])).unwrap_err();
    assert_eq!(err.limit(), Some(LimitKind::Output { limit: 1000, len: 60000 }), "{err}");
}

#[test]
fn a_node_lying_about_its_output_type_is_caught() {
    // Declares record{ok: bool}, returns the byte 7.
    let wasm = module(
        "",
        "",
        "(i32.store8 (i32.const 32768) (i32.const 0)) (i32.store8 (i32.const 32769) (i32.const 7))
         (call $ret (i32.const 32768) (i32.const 2))",
    );
    let node = NodeSpec::new(wasm, manifest("liar", &[], &[("ok", "bool")], &[]));
    let err = runtime().execute(&node, &rec(&[])).unwrap_err();
    assert!(matches!(err.kind(), ExecErrorKind::OutputType(_)), "{err}");
    // Trailing bytes are a lie too.
    let wasm = module("", "", "(call $ret (i32.const 32768) (i32.const 5))");
    let node = NodeSpec::new(wasm, manifest("liar2", &[], &[("ok", "bool")], &[]));
    let err = runtime().execute(&node, &rec(&[])).unwrap_err();
    assert!(matches!(err.kind(), ExecErrorKind::OutputType(_)), "{err}");
}

#[test]
fn empty_output_and_unknown_status_are_bad_outputs() {
    let empty = probe("empty", "", "", "(call $ret (i32.const 32768) (i32.const 0))", &[]);
    let err = runtime().execute(&empty, &rec(&[])).unwrap_err();
    assert!(matches!(err.kind(), ExecErrorKind::BadOutput(m) if m.contains("status byte")), "{err}");
    let status = probe(
        "status",
        "",
        "",
        "(i32.store8 (i32.const 32768) (i32.const 9)) (call $ret (i32.const 32768) (i32.const 1))",
        &[],
    );
    let err = runtime().execute(&status, &rec(&[])).unwrap_err();
    assert!(matches!(err.kind(), ExecErrorKind::BadOutput(m) if m.contains("status byte 9")), "{err}");
}

#[test]
fn an_err_result_becomes_a_failed_error_with_its_message() {
    let node = probe(
        "refuser",
        "",
        r#"(data (i32.const 32768) "\01\04nope")"#,
        "(call $ret (i32.const 32768) (i32.const 6))",
        &[],
    );
    let err = runtime().execute(&node, &rec(&[])).unwrap_err();
    assert!(matches!(err.kind(), ExecErrorKind::Failed(m) if m == "nope"), "{err}");
}

#[test]
fn proc_exit_is_an_error_not_a_host_exit() {
    let imports = r#"(import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))"#;
    let node = probe("quitter", imports, "", "(call $exit (i32.const 3)) (i64.const 0)", &[]);
    let err = runtime().execute(&node, &rec(&[])).unwrap_err();
    assert!(matches!(err.kind(), ExecErrorKind::Exit(3)), "{err}");
}

#[test]
fn stdout_is_captured_and_bounded() {
    let node = probe(
        "chatty",
        FD_WRITE,
        r#"(data (i32.const 4096) "hello")"#,
        &format!("{} {} (call $ok_u64 (i64.const 0))", write_fd(1, 4096, 5), write_fd(1, 4096, 5)),
        &[],
    );
    assert_eq!(runtime().execute(&node, &rec(&[])).unwrap().stdout, "hellohello");
    let small = node.with_limits(Limits { capture_bytes: 7, ..Limits::DEFAULT });
    assert_eq!(runtime().execute(&small, &rec(&[])).unwrap().stdout, "hellohe…[truncated]");
}

#[test]
fn missing_or_extra_exports_break_the_abi() {
    let no_alloc = wat::parse_str(
        r#"(module (memory (export "memory") 1)
            (func (export "logos_execute") (param i32 i32) (result i64) (i64.const 0)))"#,
    )
    .unwrap();
    let node = NodeSpec::new(no_alloc, manifest("no-alloc", &[], &[], &[]));
    let err = runtime().execute(&node, &rec(&[])).unwrap_err();
    assert!(matches!(err.kind(), ExecErrorKind::Abi(m) if m.contains("logos_alloc")), "{err}");

    let extra = module("", r#"(func (export "backdoor"))"#, "(i64.const 0)");
    let node = NodeSpec::new(extra, manifest("extra", &[], &[], &[]));
    let err = runtime().execute(&node, &rec(&[])).unwrap_err();
    assert!(matches!(err.kind(), ExecErrorKind::Abi(m) if m.contains("backdoor")), "{err}");
}

#[test]
fn malformed_wasm_is_a_compile_error() {
    let node = NodeSpec::new(b"\0asm\x01\0\0\0garbage".to_vec(), manifest("junk", &[], &[], &[]));
    let err = runtime().execute(&node, &rec(&[])).unwrap_err();
    assert!(matches!(err.kind(), ExecErrorKind::Compile(_)), "{err}");
}
