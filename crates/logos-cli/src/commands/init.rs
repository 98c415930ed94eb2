//! `logos init`: a new store with its genesis entry.

use std::fs::{self, OpenOptions};
use std::io::ErrorKind;
use std::path::Path;

use logos_runtime::{GraphStore, Keyring, LedgerHead, RedbStore};
use serde::Serialize;

use super::Context;
use crate::error::CliError;
use crate::output::{self, hex, short_hex};

#[derive(Serialize)]
struct Created<'a> {
    store: String,
    origin: &'a str,
    seq: u64,
    head: String,
}

/// Creates the store at `--store`; refuses if anything is already there.
pub fn run(ctx: &Context<'_>, origin: &str) -> Result<(), CliError> {
    let path = ctx.store.to_path_buf();
    // Claim the path atomically: two racing `init`s cannot both succeed, and
    // an existing file (a store or anything else) is never touched.
    match OpenOptions::new().write(true).create_new(true).open(&path) {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => return Err(CliError::StoreExists(path)),
        Err(source) => return Err(CliError::Create { path, source }),
    }
    // TODO(keyring issue): `--human PUB... --quorum N`.
    let head = match create(&path, origin, ctx) {
        Ok(head) => head,
        Err(e) => {
            // The file is ours and holds no ledger; do not leave it behind.
            let _ = fs::remove_file(&path);
            return Err(e);
        }
    };
    let seq = head.size - 1;
    if ctx.json {
        let store = path.display().to_string();
        output::print_json(&Created { store, origin, seq, head: hex(&head.hash) })
    } else {
        output::print_text(&format!(
            "created LOGOS store {} (origin {origin:?}, genesis entry {})\n",
            path.display(),
            short_hex(&head.hash)
        ))
    }
}

fn create(path: &Path, origin: &str, ctx: &Context<'_>) -> Result<LedgerHead, CliError> {
    let store = RedbStore::create(path, origin, Keyring::empty(), &ctx.stamp())?;
    Ok(store.head()?)
}
