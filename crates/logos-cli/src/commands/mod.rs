//! One module per command family; each prints its own result.

mod edge;
mod graph;
mod init;
mod ledger;
mod node;

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use logos_runtime::{Actor, RedbStore, Stamp, StoreError};

use crate::cli::{Cli, Command, EdgeCommand, GraphCommand, LedgerCommand, NodeCommand};
use crate::error::CliError;

/// What every command needs from the global flags.
pub struct Context<'a> {
    /// `--store`
    pub store: &'a Path,
    /// `--as`
    pub actor: &'a Actor,
    /// `--json`
    pub json: bool,
}

impl Context<'_> {
    /// Opens the existing store. Checks the file first, so a typo in
    /// `--store` is reported as such and never leaves an empty file behind.
    pub fn open(&self) -> Result<RedbStore, CliError> {
        let path = self.store.to_path_buf();
        match std::fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(CliError::NoStore(path)),
            Err(source) => return Err(CliError::Read { path, source }),
            // An empty file is no store (redb would refuse it with a less helpful message).
            Ok(meta) if !meta.is_file() || meta.len() == 0 => return Err(CliError::NotAStore(path)),
            Ok(_) => {}
        }
        RedbStore::open(&path).map_err(|source| match source {
            StoreError::NotInitialized => CliError::NotAStore(path),
            source => CliError::Open { path, source: Box::new(source) },
        })
    }

    /// The stamp for a change made now by `--as`.
    pub fn stamp(&self) -> Stamp {
        // A clock before 1970 is a broken host; record 0 rather than refuse the change.
        let ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
        Stamp::new(self.actor.clone(), u64::try_from(ms).unwrap_or(u64::MAX))
    }
}

/// Runs the parsed command line.
pub fn run(cli: &Cli) -> Result<(), CliError> {
    let ctx = Context { store: &cli.store, actor: &cli.actor, json: cli.json };
    match &cli.command {
        Command::Init(args) => init::run(&ctx, &args.origin),
        Command::Ledger(LedgerCommand::Verify) => ledger::verify(&ctx),
        Command::Ledger(LedgerCommand::Tail { count }) => ledger::tail(&ctx, *count),
        Command::Graph(GraphCommand::Show) => graph::show(&ctx),
        Command::Node(NodeCommand::AddWasm { wasm, manifest }) => node::add_wasm(&ctx, wasm, manifest),
        Command::Edge(EdgeCommand::Add { from, to }) => edge::add(&ctx, from, to),
    }
}
