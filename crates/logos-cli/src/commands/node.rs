//! `logos node add-wasm`: raw ingestion of a prebuilt module (until the compiler lands).

use std::fs;
use std::path::Path;

use logos_runtime::{GraphStore, NodeId, NodeManifest};
use serde::Serialize;

use super::Context;
use crate::error::CliError;
use crate::output;

/// The wasm magic number and binary format version 1.
const WASM_HEADER: &[u8; 8] = b"\0asm\x01\0\0\0";

#[derive(Serialize)]
struct Added<'a> {
    id: NodeId,
    name: &'a str,
    /// False when the same wasm was already stored (nothing changed).
    new: bool,
    /// The ledger entry that created the node, if this call did.
    seq: Option<u64>,
}

/// Stores `wasm` with the manifest in `manifest_path`; idempotent.
pub fn add_wasm(ctx: &Context<'_>, wasm_path: &Path, manifest_path: &Path) -> Result<(), CliError> {
    let wasm = fs::read(wasm_path).map_err(|source| CliError::Read { path: wasm_path.into(), source })?;
    if !wasm.starts_with(WASM_HEADER) {
        return Err(CliError::NotWasm(wasm_path.into()));
    }
    let manifest = read_manifest(manifest_path)?;
    let store = ctx.open()?;
    let added = store.add_node(&ctx.stamp(), &wasm, &manifest)?;
    let name = manifest.name.as_str();
    if ctx.json {
        return output::print_json(&Added { id: added.id, name, new: added.seq.is_some(), seq: added.seq });
    }
    output::print_text(&match added.seq {
        Some(seq) => format!("added node {} `{name}` (ledger seq {seq})\n", added.id),
        None => format!("node {} `{name}` is already stored; nothing changed\n", added.id),
    })
}

fn read_manifest(path: &Path) -> Result<NodeManifest, CliError> {
    let text = fs::read_to_string(path).map_err(|source| CliError::Read { path: path.into(), source })?;
    let manifest: NodeManifest =
        serde_json::from_str(&text).map_err(|source| CliError::ManifestJson { path: path.into(), source })?;
    manifest
        .validate()
        .map_err(|e| CliError::ManifestInvalid { path: path.into(), reason: e.to_string() })?;
    Ok(manifest)
}
