//! [`Runtime`] and its builder: the engine, caches, limits, kv store and
//! recorder shared by every execution.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::Duration;

use logos_core::NodeId;
use wasmtime::Engine;

use crate::engine::{CacheStats, EngineSettings, ModuleCache, Ticker, build_engine};
use crate::errors::BuildError;
use crate::exec::Prepared;
use crate::kv::{KvStore, MemoryKv};
use crate::limits::Limits;
use crate::linker::{Grants, Linkers};
use crate::record::Recorder;

/// Default number of pool slots: how many node instances may exist at once.
pub const DEFAULT_POOL_SLOTS: u32 = 64;

/// Configures a [`Runtime`].
#[derive(Debug)]
pub struct RuntimeBuilder {
    limits: Limits,
    pool_slots: Option<u32>,
    cache_dir: Option<(PathBuf, [u8; 32])>,
    kv: Option<Arc<dyn KvStore>>,
    recorder: Option<Recorder>,
    parallel: bool,
}

impl RuntimeBuilder {
    /// Every limit at once (see [`Limits`]); they are ceilings every node
    /// runs under.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Fuel per node execution.
    pub fn fuel(mut self, fuel: u64) -> Self {
        self.limits.fuel = fuel;
        self
    }

    /// Largest linear memory per node, in bytes.
    pub fn memory(mut self, bytes: u64) -> Self {
        self.limits.memory_bytes = bytes;
        self
    }

    /// Largest output per node, in bytes.
    pub fn output_limit(mut self, bytes: u32) -> Self {
        self.limits.output_bytes = bytes;
        self
    }

    /// Wall-clock budget per node execution.
    pub fn wall_clock(mut self, limit: Duration) -> Self {
        self.limits.wall_clock = limit;
        self
    }

    /// Uses the pooling allocator with `slots` concurrent instances (the
    /// default, with [`DEFAULT_POOL_SLOTS`]). Executions beyond `slots` wait
    /// for a free slot.
    pub fn pooling(mut self, slots: u32) -> Self {
        self.pool_slots = Some(slots.max(1));
        self
    }

    /// Allocates every instance on demand instead of from a pool (slower
    /// instantiation, no upfront address-space reservation).
    pub fn on_demand(mut self) -> Self {
        self.pool_slots = None;
        self
    }

    /// Also caches compiled modules on disk under `dir`, authenticated with
    /// `key`. Keep the key outside `dir` and secret from whoever can write
    /// there: an artifact that verifies under it is loaded as native code.
    pub fn module_cache_dir(mut self, dir: impl Into<PathBuf>, key: [u8; 32]) -> Self {
        self.cache_dir = Some((dir.into(), key));
        self
    }

    /// The store behind the `kv` capability (default: [`MemoryKv`]).
    pub fn kv_store(mut self, kv: Arc<dyn KvStore>) -> Self {
        self.kv = Some(kv);
        self
    }

    /// Runs the independent branches of a flow on parallel threads (default:
    /// off). Results, records and replays are identical to a sequential run;
    /// runs with a flow-wide fuel budget or deadline stay sequential,
    /// because those are allotted in plan order. Worth it when nodes take
    /// longer than a thread start (tens of microseconds).
    pub fn parallel_branches(mut self, on: bool) -> Self {
        self.parallel = on;
        self
    }

    /// Records flow runs (default: none).
    pub fn recorder(mut self, recorder: Recorder) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// Builds the runtime: the engine, the epoch ticker thread and the caches.
    pub fn build(self) -> Result<Runtime, BuildError> {
        let l = self.limits;
        if l.fuel == 0 || l.memory_bytes == 0 || l.output_bytes == 0 || l.wall_clock.is_zero() {
            return Err(BuildError::Limit("fuel, memory, output and wall-clock limits must be positive"));
        }
        if l.memory_bytes > 4 << 30 {
            return Err(BuildError::Limit("memory limit above 4 GiB (nodes have 32-bit memories)"));
        }
        let engine = build_engine(&EngineSettings { pool_slots: self.pool_slots })?;
        let modules = ModuleCache::new(&engine, self.cache_dir)?;
        let ticker = Ticker::start(engine.clone())?;
        let inner = Inner {
            linkers: Linkers::new(engine.clone()),
            engine,
            modules,
            prepared: RwLock::new(IdMap::default()),
            limits: l,
            slots: self.pool_slots.map(Slots::new),
            kv: self.kv.unwrap_or_else(|| Arc::new(MemoryKv::new())),
            recorder: self.recorder,
            parallel: self.parallel,
            _ticker: ticker,
        };
        Ok(Runtime { inner: Arc::new(inner) })
    }
}

/// The LOGOS executor: runs nodes and flows, records and replays them.
///
/// Cheap to clone (clones share everything) and `Send + Sync`: one runtime
/// serves every thread of the host.
#[derive(Clone)]
pub struct Runtime {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("limits", &self.inner.limits)
            .field("pool_slots", &self.inner.slots.as_ref().map(|s| s.total))
            .field("cache", &self.inner.modules.stats())
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    pub engine: Engine,
    pub modules: ModuleCache,
    pub linkers: Linkers,
    pub prepared: RwLock<IdMap<(NodeId, Grants), Prepared>>,
    pub limits: Limits,
    pub slots: Option<Slots>,
    pub kv: Arc<dyn KvStore>,
    pub recorder: Option<Recorder>,
    pub parallel: bool,
    _ticker: Ticker,
}

impl Runtime {
    /// A builder with [`Limits::DEFAULT`], pooling with
    /// [`DEFAULT_POOL_SLOTS`], no disk cache, in-memory kv, no recording.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder {
            limits: Limits::DEFAULT,
            pool_slots: Some(DEFAULT_POOL_SLOTS),
            cache_dir: None,
            kv: None,
            recorder: None,
            parallel: false,
        }
    }

    /// A runtime with the default configuration.
    pub fn new() -> Result<Self, BuildError> {
        Self::builder().build()
    }

    /// The limits every node runs under (its own limits may lower them).
    pub fn limits(&self) -> Limits {
        self.inner.limits
    }

    /// Module cache counters.
    pub fn cache_stats(&self) -> CacheStats {
        self.inner.modules.stats()
    }

    /// The recorder, if runs are recorded.
    pub fn recorder(&self) -> Option<&Recorder> {
        self.inner.recorder.as_ref()
    }
}

/// A counting semaphore over the pool's slots, so that executions beyond
/// the pool's size wait instead of failing. The uncontended path is one
/// atomic compare-and-swap each way: no lock, no futex syscall.
pub(crate) struct Slots {
    free: AtomicU32,
    waiters: AtomicU32,
    lock: Mutex<()>,
    cv: Condvar,
    total: u32,
}

impl Slots {
    fn new(total: u32) -> Self {
        Self {
            free: AtomicU32::new(total),
            waiters: AtomicU32::new(0),
            lock: Mutex::new(()),
            cv: Condvar::new(),
            total,
        }
    }

    pub(crate) fn acquire(&self) -> SlotGuard<'_> {
        loop {
            let free = self.free.load(Ordering::SeqCst);
            if free > 0 {
                if self.free.compare_exchange(free, free - 1, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
                    return SlotGuard(self);
                }
                continue;
            }
            // Slow path: register as a waiter before re-checking, so that a
            // release either sees the waiter or is seen by the re-check.
            let mut guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
            self.waiters.fetch_add(1, Ordering::SeqCst);
            while self.free.load(Ordering::SeqCst) == 0 {
                guard = self.cv.wait(guard).unwrap_or_else(|p| p.into_inner());
            }
            self.waiters.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

pub(crate) struct SlotGuard<'a>(&'a Slots);

impl Drop for SlotGuard<'_> {
    fn drop(&mut self) {
        let slots = self.0;
        slots.free.fetch_add(1, Ordering::SeqCst);
        if slots.waiters.load(Ordering::SeqCst) > 0 {
            let _guard = slots.lock.lock().unwrap_or_else(|p| p.into_inner());
            slots.cv.notify_all();
        }
    }
}

/// A hasher for keys that start with a node id: the id is already a
/// uniform SHA-256 digest, so its first eight bytes are a good hash and
/// SipHash would only cost time.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(b);
        }
    }
}

pub(crate) type IdMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<IdHasher>>;
