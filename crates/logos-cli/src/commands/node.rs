//! `logos node add-wasm` (a prebuilt module, verified statically) and `node share`.

use std::fs;
use std::path::Path;

use logos_runtime::layers::compile::{VerifyLimits, verify_embedded};
use logos_runtime::{Actor, NodeId, NodeManifest, SupervisorError};
use serde::Serialize;

use super::Context;
use crate::error::CliError;
use crate::noderef::resolve;
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

/// Verifies `wasm` and stores it with its manifest (from `manifest_path`,
/// or embedded in the module) as `--as`; idempotent.
pub fn add_wasm(ctx: &Context<'_>, wasm_path: &Path, manifest_path: Option<&Path>) -> Result<(), CliError> {
    let wasm = fs::read(wasm_path).map_err(|source| CliError::Read { path: wasm_path.into(), source })?;
    if !wasm.starts_with(WASM_HEADER) {
        return Err(CliError::NotWasm(wasm_path.into()));
    }
    let refused = |reason: String| CliError::WasmRefused { path: wasm_path.into(), reason };
    let manifest = match manifest_path {
        Some(path) => read_manifest(path)?,
        None => verify_embedded(&wasm, &VerifyLimits::default()).map_err(|e| refused(e.to_string()))?,
    };
    let sup = ctx.supervisor()?;
    let added = ctx.session(&sup)?.add_node(&wasm, &manifest).map_err(|e| match e {
        SupervisorError::Verify(reason) => refused(reason.to_string()),
        e => e.into(),
    })?;
    let name = manifest.name.as_str();
    if ctx.json {
        return output::print_json(&Added { id: added.id, name, new: added.seq.is_some(), seq: added.seq });
    }
    let draft = match ctx.actor {
        Actor::Agent(agent) => format!(", a private draft of agent `{agent}` until it shares it"),
        _ => String::new(),
    };
    output::print_text(&match added.seq {
        Some(seq) => {
            format!("added node {} `{name}` to the sediment layer (ledger seq {seq}){draft}\n", added.id)
        }
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

#[derive(Serialize)]
struct Shared {
    id: NodeId,
    seq: u64,
}

/// Makes a draft visible to every agent.
pub fn share(ctx: &Context<'_>, node: &str) -> Result<(), CliError> {
    let sup = ctx.supervisor()?;
    let id = resolve(&sup.state().graph, node)?;
    let seq = ctx.session(&sup)?.share(id)?;
    if ctx.json {
        return output::print_json(&Shared { id, seq });
    }
    output::print_text(&format!("node {} is now visible to every agent (ledger seq {seq})\n", id.short()))
}
