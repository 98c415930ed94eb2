//! The wasmtime engine: its configuration (determinism and speed), the
//! wall-clock ticker, and the module cache.
//!
//! Determinism: cranelift NaN canonicalisation (every float NaN result is the
//! canonical NaN), no threads or shared memory, relaxed SIMD off, one linear
//! memory, fuel metering. With a fresh instance per call, a node's output
//! and fuel are functions of its wasm, its input and the recorded
//! nondeterminism only.
//!
//! Speed: the pooling instance allocator (instances and memories come from
//! preallocated slots; copy-on-write memory images), an `InstancePre` per
//! node and grant set (imports resolved once), and a module cache keyed by
//! node id in memory, optionally also on disk keyed by node id and engine
//! fingerprint (see [`artifact`]).

use std::hash::Hasher;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use logos_core::NodeId;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, Module, OptLevel, PoolingAllocationConfig};

use crate::errors::BuildError;
use crate::runtime::IdMap;

mod artifact;
pub(crate) use artifact::DiskCache;

/// How often the wall-clock ticker advances the engine epoch.
pub(crate) const TICK: Duration = Duration::from_millis(2);

/// Engine settings chosen by the builder.
pub(crate) struct EngineSettings {
    /// Pool slots (concurrent instances); `None` = on-demand allocation.
    pub pool_slots: Option<u32>,
}

pub(crate) fn build_engine(s: &EngineSettings) -> Result<Engine, BuildError> {
    let mut c = Config::new();
    c.cranelift_nan_canonicalization(true)
        .cranelift_opt_level(OptLevel::Speed)
        .consume_fuel(true)
        .epoch_interruption(true)
        // No `threads` cargo feature: atomics/shared memory cannot validate.
        .shared_memory(false)
        .wasm_relaxed_simd(false)
        .wasm_multi_memory(false)
        .wasm_memory64(false)
        .wasm_backtrace_max_frames(None)
        .max_wasm_stack(512 << 10);
    if let Some(slots) = s.pool_slots {
        let mut pool = PoolingAllocationConfig::new();
        pool.total_core_instances(slots)
            .total_memories(slots)
            .total_tables(slots)
            .max_memories_per_module(1)
            .max_tables_per_module(4)
            .table_elements(crate::limits::MAX_TABLE_ELEMENTS)
            // Slots span the whole 32-bit range (the address space is
            // reserved anyway), so the per-node limit is enforced by the
            // limiter with a typed error, never by a pool refusal.
            .max_memory_size(1 << 32)
            // Small modules' memories stay resident and are reset with
            // memset, which beats madvise + page faults for a few pages.
            .linear_memory_keep_resident(128 << 10)
            .table_keep_resident(64 << 10);
        c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    Engine::new(&c).map_err(|e| BuildError::Engine(e.to_string()))
}

/// The engine fingerprint: BLAKE3 of wasmtime's precompile-compatibility
/// hash. Cached artifacts are only ever loaded by an engine with the same
/// fingerprint.
pub(crate) fn fingerprint(engine: &Engine) -> [u8; 32] {
    struct Blake(blake3::Hasher);
    impl Hasher for Blake {
        fn finish(&self) -> u64 {
            let b = self.0.finalize();
            let mut first = [0u8; 8];
            first.copy_from_slice(&b.as_bytes()[..8]);
            u64::from_le_bytes(first)
        }
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
    }
    let mut h = Blake(blake3::Hasher::new_derive_key("logos-runtime engine fingerprint v1"));
    std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut h);
    *h.0.finalize().as_bytes()
}

/// Advances the engine epoch every [`TICK`] until dropped.
pub(crate) struct Ticker {
    stop: Arc<(Mutex<bool>, Condvar)>,
    handle: Option<JoinHandle<()>>,
}

impl Ticker {
    pub(crate) fn start(engine: Engine) -> Result<Self, BuildError> {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let flag = Arc::clone(&stop);
        let handle = std::thread::Builder::new()
            .name("logos-epoch".into())
            .spawn(move || {
                let (lock, cv) = &*flag;
                let Ok(mut stopped) = lock.lock() else { return };
                while !*stopped {
                    match cv.wait_timeout(stopped, TICK) {
                        Ok((guard, _)) => stopped = guard,
                        Err(_) => return,
                    }
                    engine.increment_epoch();
                }
            })
            .map_err(BuildError::Ticker)?;
        Ok(Self { stop, handle: Some(handle) })
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        let (lock, cv) = &*self.stop;
        if let Ok(mut stopped) = lock.lock() {
            *stopped = true;
        }
        cv.notify_all();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Epoch ticks covering `d`, plus one for the tick in progress.
pub(crate) fn ticks_for(d: Duration) -> u64 {
    let tick = TICK.as_nanos().max(1);
    u64::try_from(d.as_nanos().div_ceil(tick)).unwrap_or(u64::MAX).saturating_add(1)
}

/// Module cache counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Modules compiled from wasm.
    pub compiled: u64,
    /// Modules loaded from the on-disk cache.
    pub disk_hits: u64,
    /// On-disk artifacts refused because their integrity check failed
    /// (tampered, truncated, or written under another key); each was
    /// recompiled and rewritten.
    pub rejected: u64,
}

/// Compiled modules by node id: in memory always, on disk if configured.
pub(crate) struct ModuleCache {
    memory: RwLock<IdMap<NodeId, Module>>,
    disk: Option<DiskCache>,
    compiled: AtomicU64,
    disk_hits: AtomicU64,
    rejected: AtomicU64,
}

impl ModuleCache {
    pub(crate) fn new(engine: &Engine, disk: Option<(PathBuf, [u8; 32])>) -> Result<Self, BuildError> {
        let disk = match disk {
            Some((dir, key)) => Some(DiskCache::open(dir, key, fingerprint(engine))?),
            None => None,
        };
        Ok(Self {
            memory: RwLock::new(IdMap::default()),
            disk,
            compiled: AtomicU64::new(0),
            disk_hits: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
        })
    }

    /// The module for `id`, compiling `wasm` if no cache has it. `wasm` must
    /// be the bytes `id` was computed from (NodeSpec guarantees it).
    pub(crate) fn get(&self, engine: &Engine, id: &NodeId, wasm: &[u8]) -> Result<Module, String> {
        if let Ok(map) = self.memory.read()
            && let Some(m) = map.get(id)
        {
            return Ok(m.clone());
        }
        let module = match &self.disk {
            Some(disk) => match disk.load(engine, id) {
                artifact::Loaded::Hit(m) => {
                    self.disk_hits.fetch_add(1, Ordering::Relaxed);
                    m
                }
                artifact::Loaded::Miss => self.compile_and_store(engine, id, wasm, Some(disk))?,
                artifact::Loaded::Rejected => {
                    self.rejected.fetch_add(1, Ordering::Relaxed);
                    self.compile_and_store(engine, id, wasm, Some(disk))?
                }
            },
            None => self.compile_and_store(engine, id, wasm, None)?,
        };
        if let Ok(mut map) = self.memory.write() {
            map.insert(*id, module.clone());
        }
        Ok(module)
    }

    fn compile_and_store(
        &self,
        engine: &Engine,
        id: &NodeId,
        wasm: &[u8],
        disk: Option<&DiskCache>,
    ) -> Result<Module, String> {
        let module = Module::from_binary(engine, wasm).map_err(|e| format!("{e:#}"))?;
        self.compiled.fetch_add(1, Ordering::Relaxed);
        if let Some(disk) = disk {
            // A cache that cannot be written only costs speed.
            let _ = disk.store(id, &module);
        }
        Ok(module)
    }

    pub(crate) fn stats(&self) -> CacheStats {
        CacheStats {
            compiled: self.compiled.load(Ordering::Relaxed),
            disk_hits: self.disk_hits.load(Ordering::Relaxed),
            rejected: self.rejected.load(Ordering::Relaxed),
        }
    }
}
