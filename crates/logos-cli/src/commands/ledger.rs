//! `logos ledger verify` and `logos ledger tail`.

use logos_runtime::{GraphStore, StoreError};
use serde::Serialize;

use super::Context;
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
}

#[derive(Serialize)]
struct Failed {
    ok: bool,
    /// The first bad ledger entry, when the hash chain is what failed.
    seq: Option<u64>,
    error: String,
}

/// Re-verifies the whole store; integrity failures exit 3.
pub fn verify(ctx: &Context<'_>) -> Result<(), CliError> {
    let result = ctx.open().and_then(|store| Ok(store.verify()?));
    match result {
        Ok(r) => {
            if ctx.json {
                let v = Verified {
                    ok: true,
                    entries: r.entries,
                    head: hex(&r.head),
                    nodes: r.nodes,
                    edges: r.edges,
                };
                output::print_json(&v)
            } else {
                output::print_text(&format!(
                    "ledger verified: {}, head {}…, {}, {}\n",
                    count(r.entries, "entry", "entries"),
                    short_hex(&r.head),
                    count(r.nodes as u64, "node", "nodes"),
                    count(r.edges as u64, "edge", "edges")
                ))
            }
        }
        Err(err) => {
            if ctx.json {
                let seq = match &err {
                    CliError::Store(e) => match &**e {
                        StoreError::Chain(c) => Some(c.seq),
                        _ => None,
                    },
                    _ => None,
                };
                // Best effort: the error line on stderr and the exit code still report it.
                let _ = output::print_json(&Failed { ok: false, seq, error: err.to_string() });
            }
            Err(err)
        }
    }
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
