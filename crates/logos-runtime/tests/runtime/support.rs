//! Hand-written test nodes (WAT implementing the node ABI) and helpers.
//!
//! Every node has a bump allocator from offset 1024, writes its output at
//! 32768 and uses the varint helpers for postcard integers.

use std::sync::OnceLock;

use logos_runtime::{Capability, NodeManifest, NodeSpec, Port, Runtime, Value};

const HELPERS: &str = r#"
  (global $bump (mut i32) (i32.const 1024))
  (global $rpos (mut i32) (i32.const 0))
  (func (export "logos_alloc") (param $len i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $bump))
    (global.set $bump (i32.add (global.get $bump) (local.get $len)))
    (local.get $p))
  (func $read_varint (param $p i32) (result i64)
    (local $r i64) (local $s i64) (local $b i32)
    (loop $next
      (local.set $b (i32.load8_u (local.get $p)))
      (local.set $r (i64.or (local.get $r)
        (i64.shl (i64.extend_i32_u (i32.and (local.get $b) (i32.const 127))) (local.get $s))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $s (i64.add (local.get $s) (i64.const 7)))
      (br_if $next (i32.and (local.get $b) (i32.const 128))))
    (global.set $rpos (local.get $p))
    (local.get $r))
  (func $write_varint (param $p i32) (param $v i64) (result i32)
    (local $n i32)
    (block $done
      (loop $next
        (if (i64.lt_u (local.get $v) (i64.const 128))
          (then
            (i64.store8 (i32.add (local.get $p) (local.get $n)) (local.get $v))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $done)))
        (i64.store8 (i32.add (local.get $p) (local.get $n))
          (i64.or (i64.and (local.get $v) (i64.const 127)) (i64.const 128)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (local.set $v (i64.shr_u (local.get $v) (i64.const 7)))
        (br $next)))
    (local.get $n))
  (func $ret (param $ptr i32) (param $len i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32)) (i64.extend_i32_u (local.get $len))))
  (func $ok_u64 (param $v i64) (result i64)
    (i32.store8 (i32.const 32768) (i32.const 0))
    (call $ret (i32.const 32768)
      (i32.add (i32.const 1) (call $write_varint (i32.const 32769) (local.get $v)))))
"#;

/// A node module: `imports`, then the standard memory and helpers, then
/// `extra` (data segments, functions), then `logos_execute` with `body`
/// (params `$p` and `$n`, result i64).
pub fn module(imports: &str, extra: &str, body: &str) -> Vec<u8> {
    wat::parse_str(text(imports, extra, body) + ")").unwrap_or_else(|e| panic!("bad test WAT: {e}"))
}

fn text(imports: &str, extra: &str, body: &str) -> String {
    format!(
        "(module {imports}\n (memory (export \"memory\") 1)\n {HELPERS}\n {extra}\n (func (export \"logos_execute\") (param $p i32) (param $n i32) (result i64)\n {body})"
    )
}

/// Like real nodes, the module carries its manifest in a `logos.manifest`
/// custom section, so the node id covers the contract.
pub fn node(m: NodeManifest, imports: &str, extra: &str, body: &str) -> NodeSpec {
    let json = serde_json::to_string(&m).unwrap().replace('\\', "\\\\").replace('"', "\\\"");
    let mut t = text(imports, extra, body);
    t.push_str(&format!("\n (@custom \"logos.manifest\" \"{json}\"))"));
    let wasm = wat::parse_str(&t).unwrap_or_else(|e| panic!("bad test WAT: {e}\n{t}"));
    NodeSpec::new(strip_name_section(&wasm), m)
}

/// Drops the `name` custom section the WAT parser adds: the node verifier
/// (rightly) refuses custom sections other than LOGOS's own.
fn strip_name_section(wasm: &[u8]) -> Vec<u8> {
    fn leb(bytes: &[u8], at: &mut usize) -> usize {
        let (mut v, mut shift) = (0usize, 0);
        loop {
            let b = bytes[*at];
            *at += 1;
            v |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return v;
            }
            shift += 7;
        }
    }
    let mut out = wasm[..8].to_vec();
    let mut at = 8;
    while at < wasm.len() {
        let start = at;
        let id = wasm[at];
        at += 1;
        let size = leb(wasm, &mut at);
        let body = at;
        at += size;
        if id == 0 {
            let mut p = body;
            let n = leb(wasm, &mut p);
            if &wasm[p..p + n] == b"name" {
                continue;
            }
        }
        out.extend_from_slice(&wasm[start..at]);
    }
    out
}

pub fn manifest(
    name: &str,
    inputs: &[(&str, &str)],
    outputs: &[(&str, &str)],
    caps: &[Capability],
) -> NodeManifest {
    let ports =
        |ps: &[(&str, &str)]| ps.iter().map(|(n, t)| Port::new(*n, t.parse().expect("type"))).collect();
    NodeManifest {
        name: name.into(),
        inputs: ports(inputs),
        outputs: ports(outputs),
        capabilities: caps.iter().copied().collect(),
    }
}

pub fn rec(fields: &[(&str, Value)]) -> Value {
    Value::Record(fields.iter().map(|(n, v)| ((*n).to_owned(), v.clone())).collect())
}

pub fn u64_rec(name: &str, v: u64) -> Value {
    rec(&[(name, Value::U64(v))])
}

/// The runtime most tests share (default limits, pooling).
pub fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| Runtime::builder().fuel(10_000_000).memory(4 << 20).build().expect("runtime"))
}

/// `record{x: u64} -> record{y: u64}`, y = x + k (distinct k, distinct node).
pub fn add(k: u64) -> NodeSpec {
    let m = manifest(&format!("add-{k}"), &[("x", "u64")], &[("y", "u64")], &[]);
    node(m, "", "", &format!("(call $ok_u64 (i64.add (call $read_varint (local.get $p)) (i64.const {k})))"))
}

/// `record{a: u64, b: u64} -> record{s: u64}`.
pub fn sum() -> NodeSpec {
    node(
        manifest("sum", &[("a", "u64"), ("b", "u64")], &[("s", "u64")], &[]),
        "",
        "",
        "(call $ok_u64 (i64.add (call $read_varint (local.get $p)) (call $read_varint (global.get $rpos))))",
    )
}

/// Copies its input record to its output (same types on both sides).
pub fn echo(name: &str, ports: &[(&str, &str)]) -> NodeSpec {
    node(
        manifest(name, ports, ports, &[]),
        "",
        "",
        "(i32.store8 (i32.const 32768) (i32.const 0))
         (memory.copy (i32.const 32769) (local.get $p) (local.get $n))
         (call $ret (i32.const 32768) (i32.add (local.get $n) (i32.const 1)))",
    )
}

/// A node with the given imports and body, `record{} -> record{out: u64}`.
pub fn probe(name: &str, imports: &str, extra: &str, body: &str, caps: &[Capability]) -> NodeSpec {
    node(manifest(name, &[], &[("out", "u64")], caps), imports, extra, body)
}

pub const FD_WRITE: &str =
    r#"(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))"#;
pub const CLOCK: &str =
    r#"(import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))"#;
pub const RANDOM: &str =
    r#"(import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))"#;
pub const LOG: &str = r#"(import "logos" "log" (func $log (param i32 i32)))"#;
pub const KV: &str = r#"(import "logos" "kv_get" (func $kv_get (param i32 i32 i32 i32) (result i32)))
  (import "logos" "kv_put" (func $kv_put (param i32 i32 i32 i32) (result i32)))"#;

/// Writes the bytes at `[ptr, ptr+len)` to `fd` through an iovec at 8192.
pub fn write_fd(fd: u32, ptr: u32, len: u32) -> String {
    format!(
        "(i32.store (i32.const 8192) (i32.const {ptr})) (i32.store (i32.const 8196) (i32.const {len}))
         (drop (call $fd_write (i32.const {fd}) (i32.const 8192) (i32.const 1) (i32.const 8200)))"
    )
}
