//! `logos ledger verify` and `logos ledger tail`.

use std::path::Path;

use logos_runtime::{BundleError, GraphStore, StoreError};
use serde::Serialize;

use super::{Context, audit};
use crate::cli::VerifyArgs;
use crate::error::CliError;
use crate::output::{self, count, hex, short_hex};
use crate::time::rfc3339_utc;

#[derive(Serialize)]
struct Verified {
    ok: bool,
    entries: u64,
    head: String,
    nodes: usize,
    edges: usize,
    /// With `--checkpoint`: the size and root the store was proved to still hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    checkpoint: Option<CheckpointJson>,
}

#[derive(Serialize)]
struct CheckpointJson {
    size: u64,
    root: String,
}

#[derive(Serialize)]
struct Failed {
    ok: bool,
    /// The first bad ledger entry, when a chain or audit check is what failed.
    seq: Option<u64>,
    error: String,
}

/// Re-verifies the whole store, or a bundle; integrity failures exit 3.
pub fn verify(ctx: &Context<'_>, args: &VerifyArgs) -> Result<(), CliError> {
    let result = match (&args.bundle, &args.checkpoint) {
        (Some(bundle), _) => {
            audit::verify_bundle_file(ctx, bundle, &args.trusted_key, args.previous.as_deref())
        }
        (None, checkpoint) => verify_store(ctx, checkpoint.as_deref(), &args.trusted_key),
    };
    if let Err(err) = &result
        && ctx.json
    {
        let seq = match err {
            CliError::Store(e) | CliError::Open { source: e, .. } => match &**e {
                StoreError::Chain(c) => Some(c.seq),
                StoreError::Audit(a) => Some(a.seq()),
                _ => None,
            },
            CliError::Bundle { source, .. } => match &**source {
                BundleError::Audit(a) => Some(a.seq()),
                _ => None,
            },
            _ => None,
        };
        // Best effort: the error line on stderr and the exit code still report it.
        let _ = output::print_json(&Failed { ok: false, seq, error: err.to_string() });
    }
    result
}

fn verify_store(ctx: &Context<'_>, checkpoint: Option<&Path>, trusted: &[String]) -> Result<(), CliError> {
    let store = ctx.open()?;
    let (r, matched) = match checkpoint {
        Some(path) => {
            let (r, m) = audit::verify_store_against(&store, path, trusted)?;
            (r, Some((path, m)))
        }
        None => (store.verify()?, None),
    };
    if ctx.json {
        return output::print_json(&Verified {
            ok: true,
            entries: r.entries,
            head: hex(&r.head),
            nodes: r.nodes,
            edges: r.edges,
            checkpoint: matched.as_ref().map(|(_, m)| CheckpointJson { size: m.size, root: hex(&m.root) }),
        });
    }
    let mut text = format!(
        "ledger verified: {}, head {}…, {}, {}\n",
        count(r.entries, "entry", "entries"),
        short_hex(&r.head),
        count(r.nodes as u64, "node", "nodes"),
        count(r.edges as u64, "edge", "edges")
    );
    if let Some((path, m)) = matched {
        text += &format!(
            "matches checkpoint {}: the store still holds the {} it signed (root {}…)\n",
            path.display(),
            count(m.size, "entry", "entries"),
            short_hex(&m.root)
        );
    }
    output::print_text(&text)
}

#[derive(Serialize)]
struct Tail {
    /// Entries in the whole ledger.
    size: u64,
    entries: Vec<TailEntry>,
}

#[derive(Serialize)]
struct TailEntry {
    seq: u64,
    timestamp_ms: u64,
    time: String,
    actor: String,
    kind: &'static str,
    summary: String,
    hash: String,
}

/// Prints the last `count` entries, oldest first.
pub fn tail(ctx: &Context<'_>, count: u64) -> Result<(), CliError> {
    let store = ctx.open()?;
    let size = store.head()?.size;
    let entries: Vec<TailEntry> = store
        .tail(count)?
        .iter()
        .map(|e| TailEntry {
            seq: e.seq,
            timestamp_ms: e.timestamp_ms,
            time: rfc3339_utc(e.timestamp_ms),
            actor: e.actor.to_string(),
            kind: e.event.kind(),
            summary: e.event.summary(),
            hash: hex(&e.hash()),
        })
        .collect();
    if ctx.json {
        return output::print_json(&Tail { size, entries });
    }
    let seq_width = entries.last().map_or(1, |e| e.seq.to_string().len());
    let actor_width = entries.iter().map(|e| e.actor.len()).max().unwrap_or(0);
    let mut text = String::new();
    for e in &entries {
        text += &format!("{:>seq_width$}  {}  {:<actor_width$}  {}\n", e.seq, e.time, e.actor, e.summary);
    }
    output::print_text(&text)
}
