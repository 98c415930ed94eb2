//! Damaged and hostile store files: copies of the live store file (taken
//! between commits) edited as an attacker with write access to the disk
//! could, then opened and verified. Each must end in a typed integrity
//! error, never a panic, and never serve bytes under the wrong id. The
//! exhaustive bit-flip sweep lives in logos-store's tests; this is a sample.

use std::path::{Path, PathBuf};

use logos_runtime::{GraphStore, NodeId, RedbStore, StoreError};
use redb::{Database, ReadableTable, TableDefinition};

use crate::corpus;
use crate::harness::{Attack, Failure, Outcome, Seen, World, store_error};

// The store's own table layout, as an attacker editing the file sees it.
const LEDGER: TableDefinition<u64, &[u8]> = TableDefinition::new("ledger");
const WASM: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("wasm");

/// How many bit flips the sample makes, spread over the whole file.
const FLIPS: usize = 32;

fn row(name: &str, must: &str, run: fn(&World) -> Outcome) -> Attack {
    Attack { name: format!("store/{name}"), must: must.to_owned(), run: Box::new(run), expect: integrity }
}

fn integrity(o: &Outcome) -> bool {
    store_error(o).is_some_and(StoreError::is_integrity)
}

pub fn attacks() -> Vec<Attack> {
    vec![
        row("bad_magic", "the redb magic number overwritten: an integrity error at open", |w| {
            damaged(w, "bad-magic", |b| b[..9].copy_from_slice(b"NOT-REDB!"))
        }),
        row("truncated", "the file cut in half: an integrity error at open", |w| {
            damaged(w, "truncated", |b| b.truncate(b.len() / 2))
        }),
        row("zeroed", "every byte zeroed, length kept: an integrity error at open", |w| {
            damaged(w, "zeroed", |b| b.fill(0))
        }),
        row(
            "secret_file",
            "the host's secret file passed as the store path: an integrity error that does not echo the file",
            |w| open_and_verify(&w.canary_file, None),
        ),
        row(
            "entry_rewritten",
            "one ledger entry rewritten in place through redb: an integrity error at open or verify",
            |w| {
                let path = copy(w, "entry-rewritten");
                redb_edit(&path, |txn| {
                    let mut ledger = txn.open_table(LEDGER)?;
                    let mut bytes = ledger.get(2)?.map(|g| g.value().to_vec()).unwrap_or_default();
                    let i = bytes.len().saturating_sub(3);
                    if let Some(b) = bytes.get_mut(i) {
                        *b ^= 0x01;
                    }
                    ledger.insert(2, bytes.as_slice())?;
                    Ok(())
                })?;
                open_and_verify(&path, None)
            },
        ),
        row(
            "wasm_swapped",
            "the target node's wasm replaced by other valid wasm: never served under its id, an integrity error at verify",
            |w| {
                let path = copy(w, "wasm-swapped");
                let (evil, _) = corpus::honest_node("evil");
                redb_edit(&path, |txn| {
                    txn.open_table(WASM)?.insert(w.target.as_bytes(), evil.as_slice())?;
                    Ok(())
                })?;
                open_and_verify(&path, Some(w.target))
            },
        ),
        Attack {
            name: "store/bit_flips".into(),
            must: "32 single-bit flips spread over the file: each a typed error or a store that still verifies and serves only true bytes; at least one refused".into(),
            run: Box::new(bit_flips),
            expect: |o| o.is_ok(),
        },
    ]
}

/// A copy of the live store file.
fn copy(w: &World, name: &str) -> PathBuf {
    let path = w.root.join(format!("{name}.redb"));
    std::fs::copy(&w.store_path, &path).expect("copy the store file");
    path
}

/// A copy with its bytes edited, opened and verified.
fn damaged(w: &World, name: &str, edit: impl FnOnce(&mut Vec<u8>)) -> Outcome {
    let path = copy(w, name);
    let mut bytes = std::fs::read(&path).expect("read the copy");
    edit(&mut bytes);
    std::fs::write(&path, &bytes).expect("write the copy");
    open_and_verify(&path, Some(w.target))
}

fn redb_edit(
    path: &Path,
    edit: impl FnOnce(&redb::WriteTransaction) -> Result<(), redb::Error>,
) -> Result<(), Failure> {
    let db = Database::open(path).map_err(|e| Failure::Broken(format!("raw open of the copy: {e}")))?;
    let txn = db.begin_write().map_err(|e| Failure::Broken(format!("raw write: {e}")))?;
    edit(&txn).map_err(|e| Failure::Broken(format!("raw edit: {e}")))?;
    txn.commit().map_err(|e| Failure::Broken(format!("raw commit: {e}")))
}

/// Opens and verifies the file; if `node` is given, also reads its wasm,
/// which must be either an error or the bytes that hash to it.
fn open_and_verify(path: &Path, node: Option<NodeId>) -> Outcome {
    let store = RedbStore::open(path).map_err(Failure::Store)?;
    if let Some(id) = node
        && let Ok(Some(bytes)) = store.wasm(&id)
        && NodeId::of_wasm(&bytes) != id
    {
        return Err(Failure::Broken(format!("the damaged store served other bytes as node {id}")));
    }
    let report = store.verify().map_err(Failure::Store)?;
    Ok(Seen::text(format!("{report:?}")))
}

/// Flips one bit at each of [`FLIPS`] positions of a fresh copy.
fn bit_flips(w: &World) -> Outcome {
    let original = std::fs::read(&w.store_path).expect("read the store file");
    let path = w.root.join("bit-flip.redb");
    let stride = (original.len() / FLIPS).max(1);
    let (mut refused, mut verified) = (0, 0);
    for (n, pos) in (0..original.len()).step_by(stride).take(FLIPS).enumerate() {
        let mut bytes = original.clone();
        bytes[pos] ^= 1 << (n % 8);
        std::fs::write(&path, &bytes).expect("write the copy");
        match open_and_verify(&path, Some(w.target)) {
            Ok(_) => verified += 1,
            Err(Failure::Store(_)) => refused += 1,
            Err(other) => return Err(other),
        }
    }
    if refused == 0 {
        return Err(Failure::Broken(format!("none of {FLIPS} damaged copies was refused")));
    }
    Ok(Seen::text(format!("{refused} of {FLIPS} flipped copies refused, {verified} unaffected (free space)")))
}
