//! The capability-gated linker: which imports a node may have, the static
//! check of a module against its grants, and one wasmtime `Linker` per
//! grant set that defines only what those grants allow.
//!
//! Defense in depth: the compiler's verifier checks imports at ingestion;
//! here [`check_module`] checks them again before any instance exists, and
//! the linker itself has no definition for an ungranted `logos.*` import.
//! For clock and random, the linker of an ungranted node binds the
//! deterministic stand-ins ([`wasi`]); the real-time and entropy functions
//! are not reachable from it at all. Grants are per node and never
//! transitive: what a node may do depends only on its own grants.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use logos_core::{Capability, CapabilitySet};
use wasmtime::{Engine, ExternType, Linker, Module, ValType};

use crate::errors::ExecErrorKind;
use crate::state::NodeState;

mod logos;
mod wasi;

pub(crate) const WASI: &str = "wasi_snapshot_preview1";
pub(crate) const LOGOS: &str = "logos";

/// What an import needs: `Ok(None)` for the always-present (authority-free
/// or stand-in) functions, `Ok(Some(cap))` for gated ones, `Err` for
/// anything outside the ABI.
fn needs(module: &str, name: &str) -> Result<Option<Capability>, ()> {
    match (module, name) {
        (
            WASI,
            "fd_write" | "proc_exit" | "environ_get" | "environ_sizes_get" | "args_get" | "args_sizes_get",
        )
        | (WASI, "sched_yield" | "fd_close" | "fd_fdstat_get" | "fd_seek" | "fd_prestat_get")
        | (WASI, "fd_prestat_dir_name" | "clock_time_get" | "clock_res_get" | "random_get") => Ok(None),
        (LOGOS, "log") => Ok(Some(Capability::Log)),
        (LOGOS, "kv_get" | "kv_put") => Ok(Some(Capability::Kv)),
        _ => Err(()),
    }
}

/// The capabilities that change what the linker binds, as a small key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Grants(u8);

impl Grants {
    const CLOCK: u8 = 1;
    const RANDOM: u8 = 2;
    const LOG: u8 = 4;
    const KV: u8 = 8;

    pub(crate) fn of(set: &CapabilitySet) -> Self {
        let mut bits = 0;
        for (cap, bit) in [
            (Capability::Clock, Self::CLOCK),
            (Capability::Random, Self::RANDOM),
            (Capability::Log, Self::LOG),
            (Capability::Kv, Self::KV),
        ] {
            if set.contains(cap) {
                bits |= bit;
            }
        }
        Self(bits)
    }

    pub(crate) fn has(self, cap: Capability) -> bool {
        let bit = match cap {
            Capability::Clock => Self::CLOCK,
            Capability::Random => Self::RANDOM,
            Capability::Log => Self::LOG,
            Capability::Kv => Self::KV,
            Capability::Network => return false,
        };
        self.0 & bit != 0
    }
}

/// Checks a module's imports against its grants and its exports against
/// the ABI (exactly `memory`, `logos_alloc`, `logos_execute`).
pub(crate) fn check_module(module: &Module, grants: Grants) -> Result<(), ExecErrorKind> {
    for import in module.imports() {
        match needs(import.module(), import.name()) {
            Ok(None) => {}
            Ok(Some(cap)) if grants.has(cap) => {}
            Ok(Some(cap)) => {
                return Err(ExecErrorKind::Ungranted {
                    module: import.module().to_owned(),
                    name: import.name().to_owned(),
                    needs: cap,
                });
            }
            Err(()) => {
                return Err(ExecErrorKind::UnknownImport {
                    module: import.module().to_owned(),
                    name: import.name().to_owned(),
                });
            }
        }
    }
    let abi = |m: &str| Err(ExecErrorKind::Abi(m.to_owned()));
    let mut seen = [false; 3];
    for export in module.exports() {
        let ok = match (export.name(), export.ty()) {
            ("memory", ExternType::Memory(m)) => {
                !m.is_64() && !m.is_shared() && !std::mem::replace(&mut seen[0], true)
            }
            ("logos_alloc", ExternType::Func(f)) => {
                sig(&f, &[ValType::I32], &[ValType::I32]) && !std::mem::replace(&mut seen[1], true)
            }
            ("logos_execute", ExternType::Func(f)) => {
                sig(&f, &[ValType::I32, ValType::I32], &[ValType::I64])
                    && !std::mem::replace(&mut seen[2], true)
            }
            _ => false,
        };
        if !ok {
            return Err(ExecErrorKind::Abi(format!(
                "unexpected or mistyped export `{}`; a node exports exactly memory, logos_alloc(i32) -> i32 and logos_execute(i32, i32) -> i64",
                export.name()
            )));
        }
    }
    match seen {
        [false, _, _] => abi("no exported `memory`"),
        [_, false, _] => abi("no exported `logos_alloc(i32) -> i32`"),
        [_, _, false] => abi("no exported `logos_execute(i32, i32) -> i64`"),
        _ => Ok(()),
    }
}

fn sig(f: &wasmtime::FuncType, params: &[ValType], results: &[ValType]) -> bool {
    f.params().len() == params.len()
        && f.results().len() == results.len()
        && f.params().zip(params).all(|(a, b)| ValType::eq(&a, b))
        && f.results().zip(results).all(|(a, b)| ValType::eq(&a, b))
}

/// One linker per grant set, built on first use.
pub(crate) struct Linkers {
    engine: Engine,
    cache: Mutex<HashMap<Grants, Arc<Linker<NodeState>>>>,
}

impl Linkers {
    pub(crate) fn new(engine: Engine) -> Self {
        Self { engine, cache: Mutex::new(HashMap::new()) }
    }

    pub(crate) fn get(&self, grants: Grants) -> Result<Arc<Linker<NodeState>>, String> {
        let mut cache = self.cache.lock().map_err(|_| "linker cache lock poisoned".to_owned())?;
        if let Some(l) = cache.get(&grants) {
            return Ok(Arc::clone(l));
        }
        let mut linker = Linker::new(&self.engine);
        wasi::define(&mut linker, grants).map_err(|e| format!("{e:#}"))?;
        logos::define(&mut linker, grants).map_err(|e| format!("{e:#}"))?;
        let linker = Arc::new(linker);
        cache.insert(grants, Arc::clone(&linker));
        Ok(linker)
    }
}

/// Guest memory and the store data, borrowed together.
pub(crate) fn memory<'a>(
    caller: &'a mut wasmtime::Caller<'_, NodeState>,
) -> wasmtime::Result<(&'a mut [u8], &'a mut NodeState)> {
    match caller.get_export("memory") {
        Some(wasmtime::Extern::Memory(m)) => Ok(m.data_and_store_mut(caller)),
        _ => Err(crate::state::fault("the node exports no memory")),
    }
}

/// The byte range `[ptr, ptr + len)` if it lies inside `size` bytes.
pub(crate) fn span(ptr: i32, len: i32, size: usize) -> Option<std::ops::Range<usize>> {
    let start = ptr as u32 as usize;
    let end = start.checked_add(len as u32 as usize)?;
    (end <= size).then_some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gated_imports_name_their_capability() {
        assert_eq!(needs(LOGOS, "log"), Ok(Some(Capability::Log)));
        assert_eq!(needs(LOGOS, "kv_put"), Ok(Some(Capability::Kv)));
        assert_eq!(needs(WASI, "random_get"), Ok(None));
        assert_eq!(needs(WASI, "path_open"), Err(()));
        assert_eq!(needs("env", "log"), Err(()));
    }

    #[test]
    fn spans_never_overflow() {
        assert_eq!(span(4, 4, 8), Some(4..8));
        assert_eq!(span(5, 4, 8), None);
        assert_eq!(span(-1, 2, usize::MAX), Some(0xffff_ffff..0x1_0000_0001));
        assert_eq!(span(-1, -1, 1 << 20), None);
    }
}
