//! Storage backends that misbehave on purpose, for the reliability suites
//! (`tests/faults.rs`, docs/reliability.md). Compiled only with the
//! `fault-injection` feature; nothing here belongs in production.
//!
//! - [`FaultyBackend`] wraps any redb [`StorageBackend`] and fails one chosen
//!   operation (the k-th read, write, `set_len`, sync or `len`) with an I/O
//!   error, as a full disk, a bad sector or a pulled cable would.
//! - [`CrashDisk`] is an in-memory disk with a volatile write cache: a write
//!   is visible at once but survives a simulated power cut only once a later
//!   sync has completed, which is exactly the promise redb's durability
//!   rests on. The bytes that survive can be reopened as a new disk.
//!
//! ```
//! use logos_core::{Actor, Stamp};
//! use logos_ledger::Keyring;
//! use logos_store::RedbStore;
//! use logos_store::backend::{CrashDisk, CrashPoint};
//!
//! let disk = CrashDisk::new();
//! let host = Stamp::new(Actor::Host, 1);
//! drop(RedbStore::create_with_backend(disk.backend(), "example.org/logos", Keyring::empty(), &host)?);
//! let store = RedbStore::open_with_backend(disk.backend())?;
//! // The power fails inside the next sync, so the commit is never acknowledged.
//! disk.crash_at_sync(disk.syncs() + 1, CrashPoint::BeforeSync);
//! assert!(store.record_executions(&host, &[]).is_err());
//! drop(store);
//! let store = RedbStore::open_with_backend(CrashDisk::from_image(disk.surviving()).backend())?;
//! assert_eq!(store.verify()?.entries, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io;
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use redb::{BackendError, StorageBackend};

/// One kind of backend operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `StorageBackend::len`.
    Len,
    /// `StorageBackend::read`.
    Read,
    /// `StorageBackend::write`.
    Write,
    /// `StorageBackend::set_len`.
    SetLen,
    /// `StorageBackend::sync_data`.
    Sync,
}

impl Op {
    /// Every kind, in a fixed order.
    pub const ALL: [Op; 5] = [Op::Len, Op::Read, Op::Write, Op::SetLen, Op::Sync];

    fn index(self) -> usize {
        match self {
            Op::Len => 0,
            Op::Read => 1,
            Op::Write => 2,
            Op::SetLen => 3,
            Op::Sync => 4,
        }
    }
}

/// Which operation fails, shared by every [`FaultyBackend`] made with it
/// (so a count runs on across a close and a reopen) and by the test that
/// reads the counts afterwards.
#[derive(Clone, Debug, Default)]
pub struct FaultPlan {
    state: Arc<Mutex<PlanState>>,
}

#[derive(Debug, Default)]
struct PlanState {
    counts: [u64; 5],
    target: Option<(Op, u64)>,
    persistent: bool,
    fired: bool,
}

impl FaultPlan {
    /// Counts operations and fails none.
    pub fn counting() -> Self {
        Self::default()
    }

    /// Fails the `nth` (1-based) operation of kind `op` once; later ones succeed.
    pub fn fail_nth(op: Op, nth: u64) -> Self {
        Self::with_target(op, nth, false)
    }

    /// Fails the `nth` operation of kind `op` and every operation after it
    /// (a device that is gone).
    pub fn fail_from(op: Op, nth: u64) -> Self {
        Self::with_target(op, nth, true)
    }

    fn with_target(op: Op, nth: u64, persistent: bool) -> Self {
        let plan = Self::default();
        {
            let mut state = plan.lock();
            state.target = Some((op, nth));
            state.persistent = persistent;
        }
        plan
    }

    /// How many operations of kind `op` were attempted so far (failed ones included).
    pub fn count(&self, op: Op) -> u64 {
        self.lock().counts[op.index()]
    }

    /// Whether the planned failure has happened.
    pub fn fired(&self) -> bool {
        self.lock().fired
    }

    fn lock(&self) -> MutexGuard<'_, PlanState> {
        // The state is a few counters: a panic elsewhere cannot leave it torn.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one operation and says whether it must fail.
    fn check(&self, op: Op) -> io::Result<()> {
        let mut state = self.lock();
        let n = state.counts[op.index()] + 1;
        state.counts[op.index()] = n;
        let hit = state.target == Some((op, n));
        if hit || (state.fired && state.persistent) {
            state.fired = true;
            return Err(io::Error::other(format!("injected fault: {op:?} #{n} failed")));
        }
        Ok(())
    }
}

/// A backend that forwards to `inner` until its [`FaultPlan`] says an
/// operation fails; that operation then returns an I/O error without
/// reaching `inner`. Locks and `close` are passed through untouched.
#[derive(Debug)]
pub struct FaultyBackend<B> {
    inner: B,
    plan: FaultPlan,
}

impl<B: StorageBackend> FaultyBackend<B> {
    /// Wraps `inner`, failing what `plan` says.
    pub fn new(inner: B, plan: FaultPlan) -> Self {
        Self { inner, plan }
    }
}

impl<B: StorageBackend> StorageBackend for FaultyBackend<B> {
    fn len(&self) -> io::Result<u64> {
        self.plan.check(Op::Len)?;
        self.inner.len()
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        self.plan.check(Op::Read)?;
        self.inner.read(offset, out)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.plan.check(Op::SetLen)?;
        self.inner.set_len(len)
    }

    fn sync_data(&self) -> io::Result<()> {
        self.plan.check(Op::Sync)?;
        self.inner.sync_data()
    }

    fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        self.plan.check(Op::Write)?;
        self.inner.write(offset, data)
    }

    fn close(&self) -> io::Result<()> {
        self.inner.close()
    }

    fn try_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.inner.try_lock_range(start, end)
    }

    fn try_lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.inner.try_lock_shared_range(start, end)
    }

    fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.inner.lock_range(start, end)
    }

    fn lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.inner.lock_shared_range(start, end)
    }

    fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.inner.unlock_range(start, end)
    }

    fn query_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.inner.query_lock_range(start, end)
    }
}

/// Where in a sync the simulated power cut lands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrashPoint {
    /// The sync never completes: everything written since the last
    /// completed sync may be lost.
    BeforeSync,
    /// The sync completes, but the machine dies before the caller hears of it:
    /// the data is durable, the commit was never acknowledged.
    AfterSync,
}

/// An in-memory disk with a volatile write cache, shared by the backends
/// made from it and by the test that inspects it. Cloning shares the disk.
#[derive(Clone, Debug, Default)]
pub struct CrashDisk {
    state: Arc<Mutex<DiskState>>,
}

#[derive(Debug, Default)]
struct DiskState {
    /// What a reader sees now.
    current: Vec<u8>,
    /// What is on the platter: `current` as of the last completed sync.
    durable: Vec<u8>,
    /// Changes since the last completed sync, oldest first.
    unsynced: Vec<Change>,
    /// Sync calls so far (completed or not).
    syncs: u64,
    crash_at: Option<(u64, CrashPoint)>,
    crashed: bool,
}

#[derive(Debug)]
enum Change {
    Write { offset: u64, data: Vec<u8> },
    SetLen(u64),
}

/// A [`StorageBackend`] over a [`CrashDisk`].
#[derive(Debug)]
pub struct CrashBackend {
    disk: CrashDisk,
}

impl CrashDisk {
    /// An empty disk.
    pub fn new() -> Self {
        Self::default()
    }

    /// A disk holding `image`, all of it durable (a machine rebooted after a crash).
    pub fn from_image(image: Vec<u8>) -> Self {
        let state = DiskState { current: image.clone(), durable: image, ..DiskState::default() };
        Self { state: Arc::new(Mutex::new(state)) }
    }

    /// A backend over this disk, for `RedbStore::create_with_backend` or `open_with_backend`.
    pub fn backend(&self) -> CrashBackend {
        CrashBackend { disk: self.clone() }
    }

    /// Cuts the power at the `nth` (1-based, counted since the disk was made)
    /// call to sync. From then on every operation fails, as if the process died.
    pub fn crash_at_sync(&self, nth: u64, point: CrashPoint) {
        self.lock().crash_at = Some((nth, point));
    }

    /// Cuts the power now.
    pub fn crash(&self) {
        self.lock().crashed = true;
    }

    /// Whether the power was cut.
    pub fn has_crashed(&self) -> bool {
        self.lock().crashed
    }

    /// Sync calls so far.
    pub fn syncs(&self) -> u64 {
        self.lock().syncs
    }

    /// Changes made since the last completed sync.
    pub fn unsynced(&self) -> usize {
        self.lock().unsynced.len()
    }

    /// Everything written, synced or not: what survives a clean shutdown.
    pub fn contents(&self) -> Vec<u8> {
        self.lock().current.clone()
    }

    /// What survives a power cut now if the cache flushed nothing on its own.
    pub fn surviving(&self) -> Vec<u8> {
        self.surviving_with(|_| false)
    }

    /// What survives a power cut now if the cache had flushed, on its own and
    /// in any order, the unsynced changes `keep` picks (by index, oldest
    /// first). A page cache holds only a page's latest contents, so the kept
    /// changes land in their original order.
    pub fn surviving_with(&self, mut keep: impl FnMut(usize) -> bool) -> Vec<u8> {
        let state = self.lock();
        let mut image = state.durable.clone();
        for (i, change) in state.unsynced.iter().enumerate() {
            if keep(i) {
                change.apply(&mut image);
            }
        }
        image
    }

    fn lock(&self) -> MutexGuard<'_, DiskState> {
        // Every update below completes before it can panic (only allocation
        // failure could interrupt it), so a poisoned disk is still whole.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Change {
    fn apply(&self, image: &mut Vec<u8>) {
        match self {
            Change::SetLen(len) => image.resize(to_usize(*len), 0),
            Change::Write { offset, data } => {
                let start = to_usize(*offset);
                let end = start.saturating_add(data.len());
                if image.len() < end {
                    image.resize(end, 0);
                }
                image[start..end].copy_from_slice(data);
            }
        }
    }
}

/// Sizes here are the test's own: an in-memory disk beyond `usize` cannot exist.
fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn gone() -> io::Error {
    io::Error::other("simulated power cut: the disk is gone")
}

impl StorageBackend for CrashBackend {
    fn len(&self) -> io::Result<u64> {
        let state = self.disk.lock();
        if state.crashed {
            return Err(gone());
        }
        Ok(state.current.len() as u64)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        let state = self.disk.lock();
        if state.crashed {
            return Err(gone());
        }
        let start = to_usize(offset);
        let bytes = start.checked_add(out.len()).and_then(|end| state.current.get(start..end));
        let bytes = bytes.ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        out.copy_from_slice(bytes);
        Ok(())
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        let mut state = self.disk.lock();
        if state.crashed {
            return Err(gone());
        }
        let change = Change::SetLen(len);
        change.apply(&mut state.current);
        state.unsynced.push(change);
        Ok(())
    }

    fn sync_data(&self) -> io::Result<()> {
        let mut state = self.disk.lock();
        if state.crashed {
            return Err(gone());
        }
        state.syncs += 1;
        let crash = match state.crash_at {
            Some((nth, point)) if nth == state.syncs => Some(point),
            _ => None,
        };
        if crash != Some(CrashPoint::BeforeSync) {
            let DiskState { durable, unsynced, .. } = &mut *state;
            for change in unsynced.drain(..) {
                change.apply(durable);
            }
        }
        if crash.is_some() {
            state.crashed = true;
            return Err(gone());
        }
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        let mut state = self.disk.lock();
        if state.crashed {
            return Err(gone());
        }
        let change = Change::Write { offset, data: data.to_vec() };
        change.apply(&mut state.current);
        state.unsynced.push(change);
        Ok(())
    }
}
