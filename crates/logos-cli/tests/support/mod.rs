//! Node modules for the CLI tests: hand-written WAT implementing the node
//! ABI (docs/abi.md), carrying their manifest in a `logos.manifest` custom
//! section as the static verifier requires. Each test binary uses a part.
#![allow(dead_code)]

/// Bump allocator from 1024, postcard varints, the output at 32768.
const HELPERS: &str = r#"
  (memory (export "memory") 1)
  (global $bump (mut i32) (i32.const 1024))
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
  (func $ok_u64 (param $v i64) (result i64)
    (i32.store8 (i32.const 32768) (i32.const 0))
    (i64.or (i64.shl (i64.const 32768) (i64.const 32))
      (i64.extend_i32_u (i32.add (i32.const 1) (call $write_varint (i32.const 32769) (local.get $v))))))
"#;

/// A node module whose `logos_execute` runs `body` (params `$p`, `$n`;
/// result i64), with `manifest_json` embedded.
pub fn node_wasm(manifest_json: &str, imports: &str, body: &str) -> Vec<u8> {
    let text = format!(
        "(module {imports} {HELPERS}\n (func (export \"logos_execute\") (param $p i32) (param $n i32) (result i64)\n {body}))"
    );
    let wasm = wat::parse_str(&text).unwrap_or_else(|e| panic!("bad test WAT: {e}"));
    with_section(&strip_name_section(&wasm), "logos.manifest", manifest_json.as_bytes())
}

/// A module for `manifest_json` that traps if it is ever run: enough to
/// store, wire and govern it.
pub fn inert(manifest_json: &str) -> Vec<u8> {
    node_wasm(manifest_json, "", "(unreachable)")
}

/// The manifest of [`add`]: `add-K`, `x: u64 -> y: u64`.
pub fn add_manifest(k: u64) -> String {
    format!(
        r#"{{"name": "add-{k}", "inputs": [{{"name": "x", "type": "u64"}}], "outputs": [{{"name": "y", "type": "u64"}}]}}"#
    )
}

/// `record{x: u64} -> record{y: u64}`, y = x + k.
pub fn add(k: u64) -> Vec<u8> {
    node_wasm(
        &add_manifest(k),
        "",
        &format!("(call $ok_u64 (i64.add (call $read_varint (local.get $p)) (i64.const {k})))"),
    )
}

/// `wasm` with a custom section `name` holding `data` appended.
pub fn with_section(wasm: &[u8], name: &str, data: &[u8]) -> Vec<u8> {
    let mut body = leb128(name.len());
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(data);
    let mut out = wasm.to_vec();
    out.push(0);
    out.extend(leb128(body.len()));
    out.extend(body);
    out
}

fn leb128(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// Drops the `name` custom section the WAT parser adds: the verifier
/// refuses custom sections other than LOGOS's own.
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
