//! What auditors need: `ledger checkpoint`, `ledger export`, and the two
//! ways `ledger verify` checks against signed checkpoints (`--bundle` with no
//! store at all, `--checkpoint` against the store).

use std::fs;
use std::path::{Path, PathBuf};

use logos_runtime::layers::ledger::checkpoint::open_checkpoint;
use logos_runtime::{Bundle, NoteSigner, NoteVerifier, RedbStore, StoreError, VerifyReport, verify_bundle};
use serde::Serialize;

use super::Context;
use crate::error::CliError;
use crate::files::{self, with_suffix};
use crate::keys::{parse_trusted, read_log_key};
use crate::output::{self, count, hex, short_hex};

#[derive(Serialize)]
struct Signed {
    origin: String,
    size: u64,
    root: String,
    checkpoint: String,
}

/// Signs a checkpoint of the current ledger and prints the signed note.
pub fn checkpoint(ctx: &Context<'_>, log_key: Option<&Path>) -> Result<(), CliError> {
    let (store, signer, _) = open_with_signer(ctx, log_key)?;
    let note = store.sign_checkpoint(&signer)?;
    if ctx.json {
        // The note was just signed by this signer: it opens.
        let c = open_checkpoint(&note, &[signer.verifier()]).map_err(StoreError::from)?;
        return output::print_json(&Signed {
            origin: c.origin,
            size: c.size,
            root: hex(&c.root),
            checkpoint: note,
        });
    }
    output::print_text(&note)
}

#[derive(Serialize)]
struct Exported {
    bundle: String,
    entries: usize,
    checkpoint: String,
}

/// Writes every entry and a freshly signed checkpoint to `out`.
pub fn export(ctx: &Context<'_>, out: &Path, log_key: Option<&Path>) -> Result<(), CliError> {
    let (store, signer, key_path) = open_with_signer(ctx, log_key)?;
    let bundle = store.export_bundle(&signer)?;
    files::replace(out, &bundle.to_json())?;
    let entries = bundle.entries.len();
    if ctx.json {
        let bundle_path = out.display().to_string();
        return output::print_json(&Exported { bundle: bundle_path, entries, checkpoint: bundle.checkpoint });
    }
    output::print_text(&format!(
        "exported {} to {}, with a checkpoint signed by log key `{}`\n\
         verify it anywhere: `logos ledger verify --bundle {} --trusted-key {}`\n",
        count(entries as u64, "entry", "entries"),
        out.display(),
        signer.name(),
        out.display(),
        with_suffix(&key_path, ".pub").display(),
    ))
}

/// The store and its log key, refusing a key made for another log.
fn open_with_signer(
    ctx: &Context<'_>,
    log_key: Option<&Path>,
) -> Result<(RedbStore, NoteSigner, PathBuf), CliError> {
    let key_path = ctx.log_key(log_key);
    let store = ctx.open()?;
    let signer = read_log_key(&key_path)?;
    let origin = store.origin();
    if signer.name() != origin {
        return Err(CliError::Input(format!(
            "log key {} is named `{}` but this store's origin is `{origin}`; pass this store's key with --log-key",
            key_path.display(),
            signer.name()
        )));
    }
    Ok((store, signer, key_path))
}

fn trusted_keys(args: &[String]) -> Result<Vec<NoteVerifier>, CliError> {
    args.iter().map(|a| parse_trusted(a)).collect()
}

#[derive(Serialize)]
struct BundleVerified {
    ok: bool,
    entries: u64,
    head: String,
    origin: String,
    size: u64,
    root: String,
    /// The size of the `--previous` checkpoint the bundle was proved to extend.
    extends: Option<u64>,
}

/// Verifies an exported bundle against trusted log keys, with no store.
pub fn verify_bundle_file(
    ctx: &Context<'_>,
    path: &Path,
    trusted: &[String],
    previous: Option<&Path>,
) -> Result<(), CliError> {
    let trusted = trusted_keys(trusted)?;
    let previous = match previous {
        None => None,
        Some(p) => Some(
            open_checkpoint(&files::read_text(p)?, &trusted)
                .map_err(|source| CliError::UntrustedCheckpoint { path: p.into(), source })?,
        ),
    };
    let text = fs::read_to_string(path).map_err(|source| CliError::Read { path: path.into(), source })?;
    let invalid = |source| CliError::Bundle { path: path.into(), source: Box::new(source) };
    let bundle = Bundle::parse(&text).map_err(invalid)?;
    let report = verify_bundle(&bundle, &trusted, previous.as_ref()).map_err(invalid)?;
    let c = &report.checkpoint;
    if ctx.json {
        return output::print_json(&BundleVerified {
            ok: true,
            entries: report.entries,
            head: hex(&report.head),
            origin: c.origin.clone(),
            size: c.size,
            root: hex(&c.root),
            extends: previous.as_ref().map(|p| p.size),
        });
    }
    let extends = previous
        .map_or_else(String::new, |p| format!(", extending the earlier checkpoint at size {}", p.size));
    output::print_text(&format!(
        "bundle verified: {}, head {}…, checkpoint of {} at size {} (root {}…) signed by a trusted key{extends}\n",
        count(report.entries, "entry", "entries"),
        short_hex(&report.head),
        c.origin,
        c.size,
        short_hex(&c.root),
    ))
}

/// What `ledger verify --checkpoint` adds to the plain verification.
pub struct Matched {
    /// The checkpoint's size.
    pub size: u64,
    /// The checkpoint's root.
    pub root: [u8; 32],
}

/// Verifies the whole store, then that it still holds what the checkpoint in
/// `path` signed.
pub fn verify_store_against(
    store: &RedbStore,
    path: &Path,
    trusted: &[String],
) -> Result<(VerifyReport, Matched), CliError> {
    let trusted = trusted_keys(trusted)?;
    let note = files::read_text(path)?;
    let report = store.verify()?;
    let checkpoint = store.verify_checkpoint(&note, &trusted).map_err(|e| match e {
        StoreError::Checkpoint(source) => CliError::UntrustedCheckpoint { path: path.into(), source },
        e @ StoreError::CheckpointMismatch(_) => {
            CliError::CheckpointMismatch { path: path.into(), source: Box::new(e) }
        }
        other => other.into(),
    })?;
    Ok((report, Matched { size: checkpoint.size, root: checkpoint.root }))
}
