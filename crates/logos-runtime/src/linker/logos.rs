//! The `logos` import module: `log` (with `log` granted) and `kv_get` /
//! `kv_put` (with `kv` granted). Signatures are in docs/abi.md:
//!
//! - `log(ptr: i32, len: i32)`: one UTF-8 line (invalid bytes replaced),
//!   captured and bounded by `Limits::capture_bytes`.
//! - `kv_get(key_ptr, key_len, val_ptr, val_cap: i32) -> i32`: `-1` if the
//!   key is absent, otherwise the value's full length; copies at most
//!   `val_cap` bytes to `val_ptr` (call again with a larger buffer if the
//!   length exceeds it).
//! - `kv_put(key_ptr, key_len, val_ptr, val_len: i32) -> i32`: `0`; the
//!   write becomes visible to the node at once and to the store only if the
//!   execution succeeds.
//!
//! Unlike the WASI functions, these trap on a bad pointer or an oversized
//! key or value: the guest glue is generated, so a bad argument is a bug or
//! an attack, never a condition to handle.

use wasmtime::{Caller, Linker};

use super::{Grants, LOGOS, memory, span};
use crate::kv::{MAX_KV_KEY, MAX_KV_VALUE, MAX_KV_WRITES};
use crate::record::{Digest, Nondet};
use crate::state::{HostTrap, NodeState, fault};

type C<'a> = Caller<'a, NodeState>;

pub(super) fn define(linker: &mut Linker<NodeState>, grants: Grants) -> wasmtime::Result<()> {
    if grants.has(logos_core::Capability::Log) {
        linker.func_wrap(LOGOS, "log", log)?;
    }
    if grants.has(logos_core::Capability::Kv) {
        linker.func_wrap(LOGOS, "kv_get", kv_get)?;
        linker.func_wrap(LOGOS, "kv_put", kv_put)?;
    }
    Ok(())
}

fn log(mut c: C<'_>, ptr: i32, len: i32) -> wasmtime::Result<()> {
    let (data, st) = memory(&mut c)?;
    let range = span(ptr, len, data.len()).ok_or_else(|| fault("log: message lies outside memory"))?;
    st.logs.push(&data[range]);
    Ok(())
}

fn key<'d>(data: &'d [u8], ptr: i32, len: i32, op: &str) -> wasmtime::Result<&'d [u8]> {
    if len as u32 as usize > MAX_KV_KEY {
        return Err(fault(format!("{op}: key of {} bytes exceeds {MAX_KV_KEY}", len as u32)));
    }
    let range = span(ptr, len, data.len()).ok_or_else(|| fault(format!("{op}: key lies outside memory")))?;
    Ok(&data[range])
}

fn kv_get(mut c: C<'_>, kptr: i32, klen: i32, vptr: i32, vcap: i32) -> wasmtime::Result<i32> {
    let (data, st) = memory(&mut c)?;
    let k = key(data, kptr, klen, "kv_get")?.to_vec();
    let value = if st.tape.is_replay() {
        match st.tape.next("kv_get")? {
            Nondet::KvGet { key, value } if key == k => value,
            other => {
                return Err(wasmtime::Error::new(HostTrap::Tape(format!(
                    "it read kv key {k:?} where the record has {other:?}"
                ))));
            }
        }
    } else {
        let session = st.kv.as_ref().ok_or_else(|| fault("kv is not available"))?;
        let value = match session.writes.get(&k) {
            Some(v) => Some(v.clone()),
            None => session
                .store
                .get(&st.node, &k)
                .map_err(|e| wasmtime::Error::new(HostTrap::Host(e.to_string())))?,
        };
        st.tape.record(Nondet::KvGet { key: k, value: value.clone() })?;
        value
    };
    let Some(value) = value else { return Ok(-1) };
    let n = value.len().min(vcap.max(0) as usize);
    let out =
        span(vptr, n as i32, data.len()).ok_or_else(|| fault("kv_get: value buffer lies outside memory"))?;
    data[out].copy_from_slice(&value[..n]);
    Ok(value.len() as i32)
}

fn kv_put(mut c: C<'_>, kptr: i32, klen: i32, vptr: i32, vlen: i32) -> wasmtime::Result<i32> {
    let (data, st) = memory(&mut c)?;
    let k = key(data, kptr, klen, "kv_put")?.to_vec();
    if vlen as u32 as usize > MAX_KV_VALUE {
        return Err(fault(format!("kv_put: value of {} bytes exceeds {MAX_KV_VALUE}", vlen as u32)));
    }
    let range = span(vptr, vlen, data.len()).ok_or_else(|| fault("kv_put: value lies outside memory"))?;
    let value = data[range].to_vec();
    let digest = Digest::of(&value);
    if st.tape.is_replay() {
        match st.tape.next("kv_put")? {
            Nondet::KvPut { key, value } if key == k && value == digest => {}
            other => {
                return Err(wasmtime::Error::new(HostTrap::Tape(format!(
                    "it wrote kv key {k:?} differently from the record ({other:?})"
                ))));
            }
        }
    } else {
        st.tape.record(Nondet::KvPut { key: k.clone(), value: digest })?;
    }
    let session = st.kv.as_mut().ok_or_else(|| fault("kv is not available"))?;
    session.written += k.len() + value.len();
    if session.written > MAX_KV_WRITES {
        return Err(fault(format!("kv_put: more than {MAX_KV_WRITES} bytes written in one execution")));
    }
    session.writes.insert(k, value);
    Ok(0)
}
