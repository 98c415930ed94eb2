//! [`RedbSink`]: execution records in their own redb file, written with
//! group commit.
//!
//! `append` encodes the record on the caller's thread, gives it the next id
//! and queues it; one background writer drains the queue and commits
//! everything queued so far in a single durable (immediate) redb
//! transaction. Many runs thus share one fsync. The queue is bounded, so a
//! writer that falls behind slows producers down instead of growing memory.
//! A record is durable once [`flush`](RecordSink::flush) returns (or the
//! sink is dropped); a crash may lose the records of the last, uncommitted
//! batch, never a committed one.
//!
//! The file is separate from the graph store on purpose: records are
//! high-volume, and the store's ledger commits must not queue behind them.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use super::{ExecId, ExecutionRecord, RecordSink};
use crate::errors::RecordError;

/// id -> encoded record
const RECORDS: TableDefinition<u64, &[u8]> = TableDefinition::new("execution_records");
/// Records queued before `append` blocks.
const QUEUE: usize = 8192;
/// Most records committed in one transaction.
const BATCH: usize = 4096;

enum Msg {
    Record(u64, Vec<u8>),
    Flush(SyncSender<Result<(), String>>),
}

/// Execution records in a redb file, with group commit.
pub struct RedbSink {
    db: Arc<Database>,
    next: AtomicU64,
    tx: Mutex<Option<SyncSender<Msg>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
    failed: Arc<Mutex<Option<String>>>,
}

impl std::fmt::Debug for RedbSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbSink").field("next", &self.next).finish_non_exhaustive()
    }
}

fn storage(e: impl std::fmt::Display) -> RecordError {
    RecordError::Storage(e.to_string())
}

impl RedbSink {
    /// Opens the record file at `path`, creating it if needed.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, RecordError> {
        let db = Database::create(path).map_err(storage)?;
        let txn = db.begin_write().map_err(storage)?;
        let last = {
            let table = txn.open_table(RECORDS).map_err(storage)?;
            table.last().map_err(storage)?.map(|(k, _)| k.value()).unwrap_or(0)
        };
        txn.commit().map_err(storage)?;
        let db = Arc::new(db);
        let (tx, rx) = sync_channel(QUEUE);
        let failed = Arc::new(Mutex::new(None));
        let worker = {
            let (db, failed) = (Arc::clone(&db), Arc::clone(&failed));
            std::thread::Builder::new()
                .name("logos-record-writer".into())
                .spawn(move || writer(&db, &rx, &failed))
                .map_err(storage)?
        };
        Ok(Self {
            db,
            next: AtomicU64::new(last + 1),
            tx: Mutex::new(Some(tx)),
            worker: Mutex::new(Some(worker)),
            failed,
        })
    }

    fn sender(&self) -> Result<SyncSender<Msg>, RecordError> {
        if let Some(reason) = self.failed.lock().map_err(|_| storage("lock poisoned"))?.clone() {
            return Err(RecordError::Closed(reason));
        }
        let tx = self.tx.lock().map_err(|_| storage("lock poisoned"))?;
        tx.clone().ok_or_else(|| RecordError::Closed("sink is shut down".into()))
    }
}

impl RecordSink for RedbSink {
    fn append(&self, record: &ExecutionRecord) -> Result<ExecId, RecordError> {
        let bytes = record.encode();
        let tx = self.sender()?;
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        tx.send(Msg::Record(id, bytes)).map_err(|_| RecordError::Closed("record writer stopped".into()))?;
        Ok(ExecId(id))
    }

    fn get(&self, id: ExecId) -> Result<Option<ExecutionRecord>, RecordError> {
        let txn = self.db.begin_read().map_err(storage)?;
        let table = txn.open_table(RECORDS).map_err(storage)?;
        match table.get(id.0).map_err(storage)? {
            Some(v) => ExecutionRecord::decode(id, v.value()).map(Some),
            None => Ok(None),
        }
    }

    fn recent(&self, limit: usize) -> Result<Vec<(ExecId, ExecutionRecord)>, RecordError> {
        let txn = self.db.begin_read().map_err(storage)?;
        let table = txn.open_table(RECORDS).map_err(storage)?;
        let mut out = Vec::new();
        for row in table.iter().map_err(storage)?.rev().take(limit) {
            let (k, v) = row.map_err(storage)?;
            let id = ExecId(k.value());
            out.push((id, ExecutionRecord::decode(id, v.value())?));
        }
        Ok(out)
    }

    fn flush(&self) -> Result<(), RecordError> {
        let tx = self.sender()?;
        let (done_tx, done_rx) = sync_channel(1);
        tx.send(Msg::Flush(done_tx)).map_err(|_| RecordError::Closed("record writer stopped".into()))?;
        match done_rx.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(RecordError::Closed(e)),
            Err(_) => Err(RecordError::Closed("record writer stopped".into())),
        }
    }
}

impl Drop for RedbSink {
    fn drop(&mut self) {
        // Closing the channel lets the writer commit what is queued and exit.
        if let Ok(mut tx) = self.tx.lock() {
            tx.take();
        }
        if let Ok(mut worker) = self.worker.lock()
            && let Some(handle) = worker.take()
        {
            let _ = handle.join();
        }
    }
}

/// The background writer: one durable transaction per batch.
fn writer(db: &Database, rx: &Receiver<Msg>, failed: &Mutex<Option<String>>) {
    let mut open = true;
    while open {
        let first = match rx.recv() {
            Ok(m) => m,
            Err(_) => return,
        };
        let mut records = Vec::new();
        let mut flushes = Vec::new();
        let mut msg = first;
        loop {
            match msg {
                Msg::Record(id, bytes) => records.push((id, bytes)),
                Msg::Flush(done) => flushes.push(done),
            }
            if records.len() >= BATCH {
                break;
            }
            msg = match rx.try_recv() {
                Ok(m) => m,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    open = false;
                    break;
                }
            };
        }
        let result = commit(db, &records);
        if let Err(e) = &result
            && let Ok(mut f) = failed.lock()
        {
            f.get_or_insert_with(|| e.clone());
        }
        for done in flushes {
            let _ = done.send(result.clone());
        }
    }
}

fn commit(db: &Database, records: &[(u64, Vec<u8>)]) -> Result<(), String> {
    if records.is_empty() {
        return Ok(());
    }
    let txn = db.begin_write().map_err(|e| e.to_string())?;
    {
        let mut table = txn.open_table(RECORDS).map_err(|e| e.to_string())?;
        for (id, bytes) in records {
            table.insert(*id, bytes.as_slice()).map_err(|e| e.to_string())?;
        }
    }
    txn.commit().map_err(|e| e.to_string())
}
