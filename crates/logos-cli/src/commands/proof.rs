//! `logos ledger prove` and `logos ledger consistency`: RFC 6962 proofs with
//! every hash in hex, so any RFC 6962 implementation can check them.
//!
//! Each proof is checked against the store's own roots before it is
//! printed: a store that cannot prove its own history is reported, not echoed.

use logos_runtime::GraphStore;
use logos_runtime::layers::ledger::merkle::{self, Hash};
use serde::Serialize;

use super::Context;
use crate::error::CliError;
use crate::output::{self, count, hex};

#[derive(Serialize)]
struct Inclusion {
    leaf_index: u64,
    tree_size: u64,
    /// SHA-256(0x00 || the entry's canonical encoding).
    leaf_hash: String,
    root: String,
    path: Vec<String>,
}

/// Proves entry `seq` is in the tree of the first `size` entries (default: all).
pub fn inclusion(ctx: &Context<'_>, seq: u64, size: Option<u64>) -> Result<(), CliError> {
    let store = ctx.open()?;
    let size = match size {
        Some(size) => size,
        None => store.head()?.size,
    };
    if seq >= size {
        return Err(CliError::Input(format!(
            "entry {seq} is not in a tree of {}; give a SEQ below {size}",
            count(size, "entry", "entries")
        )));
    }
    let proof = store.inclusion_proof(seq, size)?;
    let bytes = store.raw_entries(seq..seq + 1)?;
    let leaf = merkle::leaf_hash(bytes.first().map_or(&[][..], Vec::as_slice));
    let root = store.root_at(size)?;
    merkle::verify_inclusion(&leaf, &proof, &root)
        .map_err(|e| CliError::BadProof { what: "inclusion", reason: e.to_string() })?;
    let doc = Inclusion {
        leaf_index: proof.leaf_index,
        tree_size: proof.tree_size,
        leaf_hash: hex(&leaf),
        root: hex(&root),
        path: hexes(&proof.path),
    };
    if ctx.json {
        return output::print_json(&doc);
    }
    let mut text = format!(
        "inclusion proof (RFC 6962): entry {seq} is leaf {} of the tree of {}\n",
        doc.leaf_index,
        count(doc.tree_size, "entry", "entries")
    );
    text += &format!("  leaf hash  {}  (SHA-256 of 0x00 and the entry's encoding)\n", doc.leaf_hash);
    text += &format!("  root       {}\n", doc.root);
    text += &path_lines(&doc.path, "leaf level upwards");
    output::print_text(&text)
}

#[derive(Serialize)]
struct Consistency {
    old_size: u64,
    new_size: u64,
    old_root: String,
    new_root: String,
    path: Vec<String>,
}

/// Proves the tree of the first `from` entries is a prefix of the tree of the first `to` (default: all).
pub fn consistency(ctx: &Context<'_>, from: u64, to: Option<u64>) -> Result<(), CliError> {
    let store = ctx.open()?;
    let to = match to {
        Some(to) => to,
        None => store.head()?.size,
    };
    if from > to {
        return Err(CliError::Input(format!(
            "--from {from} is larger than --to {to}; the old size comes first"
        )));
    }
    let proof = store.consistency_proof(from, to)?;
    let (old_root, new_root) = (store.root_at(from)?, store.root_at(to)?);
    merkle::verify_consistency(&old_root, &new_root, &proof)
        .map_err(|e| CliError::BadProof { what: "consistency", reason: e.to_string() })?;
    let doc = Consistency {
        old_size: proof.old_size,
        new_size: proof.new_size,
        old_root: hex(&old_root),
        new_root: hex(&new_root),
        path: hexes(&proof.path),
    };
    if ctx.json {
        return output::print_json(&doc);
    }
    let mut text = format!(
        "consistency proof (RFC 6962): the tree of {} is a prefix of the tree of {}\n",
        count(doc.old_size, "entry", "entries"),
        count(doc.new_size, "entry", "entries")
    );
    text += &format!("  old root   {}\n", doc.old_root);
    text += &format!("  new root   {}\n", doc.new_root);
    text += &path_lines(&doc.path, "as in RFC 6962 PROOF(m, D[n])");
    output::print_text(&text)
}

fn hexes(path: &[Hash]) -> Vec<String> {
    path.iter().map(|h| hex(h)).collect()
}

fn path_lines(path: &[String], order: &str) -> String {
    let mut text = format!("  path       {} ({order})\n", count(path.len() as u64, "hash", "hashes"));
    for h in path {
        text += &format!("    {h}\n");
    }
    text
}
