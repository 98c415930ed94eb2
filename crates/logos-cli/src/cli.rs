//! The command-line grammar (clap derive types), and nothing else.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use logos_runtime::Actor;

const LONG_ABOUT: &str = "\
The LOGOS operator command line: create a store, ingest nodes, wire typed \
edges, and read and verify the hash-chained ledger that records every change.

Exit codes:
  0  success
  1  the command failed (bad input, refused change, missing store)
  2  usage error (unknown command, bad flag or value)
  3  integrity failure (ledger verification failed, store corrupt)";

/// `logos [--store FILE] [--as ACTOR] [--json] COMMAND`
#[derive(Debug, Parser)]
#[command(name = "logos", version, about, long_about = LONG_ABOUT)]
pub struct Cli {
    /// The LOGOS store file.
    #[arg(long, global = true, value_name = "FILE", default_value = "./logos.redb")]
    pub store: PathBuf,

    /// Who is making the change, recorded in the ledger:
    /// `host`, `agent:NAME` or `human:HEX` (64 hex digits of an Ed25519 public key).
    #[arg(long = "as", global = true, value_name = "ACTOR", default_value = "host")]
    pub actor: Actor,

    /// Print one JSON document on stdout instead of text (stable field names, full hex ids).
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new store with its genesis ledger entry; refuses if the file exists.
    Init(InitArgs),
    /// Read and verify the ledger.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Show the node graph.
    #[command(subcommand)]
    Graph(GraphCommand),
    /// Ingest nodes.
    #[command(subcommand)]
    Node(NodeCommand),
    /// Wire typed edges.
    #[command(subcommand)]
    Edge(EdgeCommand),
}

/// `logos init`
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The log's origin line (what checkpoints will be signed for).
    #[arg(long, value_name = "ORIGIN", default_value = "logos.local/ledger")]
    pub origin: String,
}

/// `logos ledger ...`
#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Re-check the whole store: hash chain, head, wasm blobs, indexes.
    Verify,
    /// Print the last entries of the ledger, oldest first.
    Tail {
        /// How many entries.
        #[arg(short = 'n', long = "count", value_name = "N", default_value_t = 10)]
        count: u64,
    },
}

/// `logos graph ...`
#[derive(Debug, Subcommand)]
pub enum GraphCommand {
    /// List the nodes (ports, requested capabilities) and the typed edges.
    Show,
}

/// `logos node ...`
#[derive(Debug, Subcommand)]
pub enum NodeCommand {
    /// Store a prebuilt wasm module with a hand-written manifest (idempotent).
    AddWasm {
        /// The compiled module.
        #[arg(value_name = "FILE.wasm")]
        wasm: PathBuf,
        /// The node's manifest: {"name", "inputs", "outputs", "capabilities"}.
        #[arg(long, value_name = "FILE.json")]
        manifest: PathBuf,
    },
}

/// `logos edge ...`
#[derive(Debug, Subcommand)]
pub enum EdgeCommand {
    /// Add a typed edge from an output port to an input port.
    ///
    /// NODE is a node name or at least 4 hex digits of its id; PORT follows
    /// the last '.', so node names may contain dots.
    Add {
        /// The output port, NODE.PORT.
        #[arg(value_name = "FROM.PORT")]
        from: String,
        /// The input port, NODE.PORT.
        #[arg(value_name = "TO.PORT")]
        to: String,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn grammar_is_consistent() {
        Cli::command().debug_assert();
    }
}
