//! The WASI preview1 subset of the node ABI, written here rather than taken
//! from wasmtime-wasi: there is no ambient authority to strip, and every
//! answer is chosen for determinism.
//!
//! - Environment and arguments are empty; there are no preopened
//!   directories (`fd_prestat_get` answers `EBADF`, which ends the guest's
//!   preopen scan); stdin does not exist.
//! - `fd_write` to stdout or stderr is captured into bounded buffers
//!   (stderr carries Rust panic messages); other descriptors get `EBADF`.
//! - `proc_exit` traps: a node returns from `logos_execute`, it never exits.
//! - `clock_time_get`, with `clock` granted, reads the host clock and
//!   records the value; without it, a **logical clock**: every clock starts
//!   at 0 and each call advances it by 1 µs. Not a constant, so that a
//!   guest loop waiting for time to pass still ends (and fuel bounds it
//!   anyway); not real, so no timing side channel and no replay divergence.
//! - `random_get`, with `random` granted, draws OS entropy and records it;
//!   without it, a **deterministic stream**: BLAKE3 in XOF mode keyed by the
//!   node id. Rust's std asks for random bytes on its own (HashMap seeds),
//!   so refusing would refuse ordinary code; the stand-in makes such code
//!   run, and run the same way every time. It is not secret and must not be
//!   used as a key: a node that needs entropy asks for `random`.
//! - `clock_res_get` answers 1 µs for every clock, granted or not.
//!
//! Pointer arguments outside memory get `EFAULT`, as WASI specifies.

use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rand_core::{OsRng, RngCore};
use wasmtime::{Caller, Linker};

use super::{Grants, WASI, memory, span};
use crate::record::Nondet;
use crate::state::{HostTrap, NodeState};

const ESUCCESS: i32 = 0;
const EBADF: i32 = 8;
const EFAULT: i32 = 21;
const EINVAL: i32 = 28;
const ESPIPE: i32 = 70;
const EIO: i32 = 29;

/// Stand-in clock step per call, in nanoseconds.
const STANDIN_STEP_NS: u64 = 1_000;
/// Resolution reported for every clock.
const RESOLUTION_NS: u64 = 1_000;
/// Largest single `random_get`.
const MAX_RANDOM: usize = 1 << 20;

type C<'a> = Caller<'a, NodeState>;

fn put(data: &mut [u8], ptr: i32, bytes: &[u8]) -> bool {
    match span(ptr, bytes.len() as i32, data.len()) {
        Some(r) => {
            data[r].copy_from_slice(bytes);
            true
        }
        None => false,
    }
}

fn put_u32s(data: &mut [u8], a: i32, b: i32, va: u32, vb: u32) -> i32 {
    if put(data, a, &va.to_le_bytes()) && put(data, b, &vb.to_le_bytes()) { ESUCCESS } else { EFAULT }
}

pub(super) fn define(linker: &mut Linker<NodeState>, grants: Grants) -> wasmtime::Result<()> {
    linker.func_wrap(WASI, "fd_write", fd_write)?;
    linker.func_wrap(WASI, "proc_exit", |_: C<'_>, code: i32| -> wasmtime::Result<()> {
        Err(wasmtime::Error::new(HostTrap::Exit(code)))
    })?;
    for (sizes, get) in [("environ_sizes_get", "environ_get"), ("args_sizes_get", "args_get")] {
        linker.func_wrap(WASI, sizes, |mut c: C<'_>, count: i32, size: i32| -> wasmtime::Result<i32> {
            let (data, _) = memory(&mut c)?;
            Ok(put_u32s(data, count, size, 0, 0))
        })?;
        linker.func_wrap(WASI, get, |_: C<'_>, _: i32, _: i32| ESUCCESS)?;
    }
    linker.func_wrap(WASI, "sched_yield", |_: C<'_>| ESUCCESS)?;
    linker.func_wrap(
        WASI,
        "fd_close",
        |_: C<'_>, fd: i32| if (0..=2).contains(&fd) { ESUCCESS } else { EBADF },
    )?;
    linker.func_wrap(WASI, "fd_fdstat_get", fd_fdstat_get)?;
    linker.func_wrap(
        WASI,
        "fd_seek",
        |_: C<'_>, fd: i32, _: i64, _: i32, _: i32| {
            if (0..=2).contains(&fd) { ESPIPE } else { EBADF }
        },
    )?;
    linker.func_wrap(WASI, "fd_prestat_get", |_: C<'_>, _: i32, _: i32| EBADF)?;
    linker.func_wrap(WASI, "fd_prestat_dir_name", |_: C<'_>, _: i32, _: i32, _: i32| EBADF)?;
    linker.func_wrap(WASI, "clock_res_get", |mut c: C<'_>, id: i32, out: i32| -> wasmtime::Result<i32> {
        if !(0..=3).contains(&id) {
            return Ok(EINVAL);
        }
        let (data, _) = memory(&mut c)?;
        Ok(if put(data, out, &RESOLUTION_NS.to_le_bytes()) { ESUCCESS } else { EFAULT })
    })?;
    if grants.has(logos_core::Capability::Clock) {
        linker.func_wrap(WASI, "clock_time_get", clock_granted)?;
    } else {
        linker.func_wrap(WASI, "clock_time_get", clock_standin)?;
    }
    if grants.has(logos_core::Capability::Random) {
        linker.func_wrap(WASI, "random_get", random_granted)?;
    } else {
        linker.func_wrap(WASI, "random_get", random_standin)?;
    }
    Ok(())
}

fn fd_write(mut c: C<'_>, fd: i32, iovs: i32, iovs_len: i32, nwritten: i32) -> wasmtime::Result<i32> {
    if fd != 1 && fd != 2 {
        return Ok(EBADF);
    }
    let (data, st) = memory(&mut c)?;
    if !(0..=1024).contains(&iovs_len) {
        return Ok(EINVAL);
    }
    let mut total: u32 = 0;
    for i in 0..iovs_len {
        let Some(iov) = span(iovs.wrapping_add(i * 8), 8, data.len()) else { return Ok(EFAULT) };
        let buf = i32::from_le_bytes([
            data[iov.start],
            data[iov.start + 1],
            data[iov.start + 2],
            data[iov.start + 3],
        ]);
        let len = i32::from_le_bytes([
            data[iov.start + 4],
            data[iov.start + 5],
            data[iov.start + 6],
            data[iov.start + 7],
        ]);
        let Some(bytes) = span(buf, len, data.len()) else { return Ok(EFAULT) };
        let target = if fd == 1 { &mut st.stdout } else { &mut st.stderr };
        target.push(&data[bytes]);
        total = total.saturating_add(len as u32);
    }
    Ok(if put(data, nwritten, &total.to_le_bytes()) { ESUCCESS } else { EFAULT })
}

fn fd_fdstat_get(mut c: C<'_>, fd: i32, out: i32) -> wasmtime::Result<i32> {
    if !(0..=2).contains(&fd) {
        return Ok(EBADF);
    }
    // fdstat: filetype u8 (2 = character device), flags u16 at 2,
    // rights_base u64 at 8 (fd_write = 1 << 6 for stdout and stderr; stdin
    // has no rights), rights_inheriting u64 at 16.
    let mut stat = [0u8; 24];
    stat[0] = 2;
    if fd != 0 {
        stat[8..16].copy_from_slice(&(1u64 << 6).to_le_bytes());
    }
    let (data, _) = memory(&mut c)?;
    Ok(if put(data, out, &stat) { ESUCCESS } else { EFAULT })
}

fn clock_standin(mut c: C<'_>, id: i32, _precision: i64, out: i32) -> wasmtime::Result<i32> {
    if !(0..=3).contains(&id) {
        return Ok(EINVAL);
    }
    let (data, st) = memory(&mut c)?;
    let ns = st.clock_calls.saturating_mul(STANDIN_STEP_NS);
    st.clock_calls += 1;
    Ok(if put(data, out, &ns.to_le_bytes()) { ESUCCESS } else { EFAULT })
}

fn clock_granted(mut c: C<'_>, id: i32, _precision: i64, out: i32) -> wasmtime::Result<i32> {
    if !(0..=3).contains(&id) {
        return Ok(EINVAL);
    }
    let (data, st) = memory(&mut c)?;
    let clock = id as u32;
    let ns = if st.tape.is_replay() {
        match st.tape.next("clock_time_get")? {
            Nondet::Clock { clock: c, ns } if c == clock => ns,
            other => {
                return Err(wasmtime::Error::new(HostTrap::Tape(format!(
                    "it read clock {clock} where the record has {other:?}"
                ))));
            }
        }
    } else {
        let ns = real_time(clock);
        st.tape.record(Nondet::Clock { clock, ns })?;
        ns
    };
    Ok(if put(data, out, &ns.to_le_bytes()) { ESUCCESS } else { EFAULT })
}

/// The host clock: realtime for clock 0, a process-wide monotonic clock for
/// the others (process and thread CPU time are not exposed as such).
fn real_time(clock: u32) -> u64 {
    static ANCHOR: OnceLock<Instant> = OnceLock::new();
    if clock == 0 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
    } else {
        ANCHOR.get_or_init(Instant::now).elapsed().as_nanos() as u64
    }
}

fn random_standin(mut c: C<'_>, buf: i32, len: i32) -> wasmtime::Result<i32> {
    let (data, st) = memory(&mut c)?;
    let Some(range) = span(buf, len, data.len()) else { return Ok(EFAULT) };
    let node = st.node;
    let reader = st.standin_random.get_or_insert_with(|| {
        let mut h = blake3::Hasher::new_derive_key("logos-runtime random stand-in v1");
        h.update(node.as_bytes());
        h.finalize_xof()
    });
    reader.fill(&mut data[range]);
    Ok(ESUCCESS)
}

fn random_granted(mut c: C<'_>, buf: i32, len: i32) -> wasmtime::Result<i32> {
    let (data, st) = memory(&mut c)?;
    let Some(range) = span(buf, len, data.len()) else { return Ok(EFAULT) };
    if range.len() > MAX_RANDOM {
        return Ok(EINVAL);
    }
    if st.tape.is_replay() {
        match st.tape.next("random_get")? {
            Nondet::Random(bytes) if bytes.len() == range.len() => data[range].copy_from_slice(&bytes),
            other => {
                return Err(wasmtime::Error::new(HostTrap::Tape(format!(
                    "it drew {} random bytes where the record has {other:?}",
                    range.len()
                ))));
            }
        }
    } else {
        let out = &mut data[range];
        if OsRng.try_fill_bytes(out).is_err() {
            return Ok(EIO);
        }
        st.tape.record(Nondet::Random(out.to_vec()))?;
    }
    Ok(ESUCCESS)
}
