//! One module per command family; each prints its own result.

mod audit;
mod change;
mod compile;
mod edge;
mod govern;
mod graph;
mod init;
mod keygen;
mod ledger;
mod node;
mod proof;
mod token;

use std::path::{Path, PathBuf};

use logos_runtime::{Actor, RedbStore, Stamp, StoreError};

use crate::cli::{
    Cli, Command, EdgeCommand, GraphCommand, KeyringCommand, LedgerCommand, NodeCommand, PolicyCommand,
    TokenCommand,
};
use crate::error::CliError;
use crate::files::with_suffix;
use crate::time::now_ms;
use change::Change;

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
        Stamp::new(self.actor.clone(), now_ms())
    }

    /// `--log-key`, or the store's default log key path `<store>.logkey`.
    pub fn log_key(&self, flag: Option<&Path>) -> PathBuf {
        flag.map_or_else(|| with_suffix(self.store, ".logkey"), Path::to_path_buf)
    }
}

/// Runs the parsed command line.
pub fn run(cli: &Cli) -> Result<(), CliError> {
    let ctx = Context { store: &cli.store, actor: &cli.actor, json: cli.json };
    match &cli.command {
        Command::Init(args) => init::run(&ctx, args),
        Command::Keygen { out } => keygen::run(&ctx, out),
        Command::Ledger(LedgerCommand::Verify(args)) => ledger::verify(&ctx, args),
        Command::Ledger(LedgerCommand::Tail { count }) => ledger::tail(&ctx, *count),
        Command::Ledger(LedgerCommand::Checkpoint { log_key }) => audit::checkpoint(&ctx, log_key.as_deref()),
        Command::Ledger(LedgerCommand::Export { out, log_key }) => {
            audit::export(&ctx, out, log_key.as_deref())
        }
        Command::Ledger(LedgerCommand::Prove { seq, size }) => proof::inclusion(&ctx, *seq, *size),
        Command::Ledger(LedgerCommand::Consistency { from, to }) => proof::consistency(&ctx, *from, *to),
        Command::Graph(GraphCommand::Show) => graph::show(&ctx),
        Command::Node(NodeCommand::AddWasm { wasm, manifest }) => node::add_wasm(&ctx, wasm, manifest),
        Command::Node(NodeCommand::Add { file, name }) => compile::add(&ctx, file, name.as_deref()),
        Command::Node(NodeCommand::Show { node }) => compile::show(&ctx, node),
        Command::Node(NodeCommand::List) => compile::list(&ctx),
        Command::Node(NodeCommand::Promote { node, token }) => {
            govern::run(&ctx, Change::Promote(node), &token.token)
        }
        Command::Node(NodeCommand::Deprecate { node, token }) => {
            govern::run(&ctx, Change::Deprecate(node), &token.token)
        }
        Command::Node(NodeCommand::Grant { node, capability, token }) => {
            govern::run(&ctx, Change::Grant(node, *capability), &token.token)
        }
        Command::Node(NodeCommand::Migrate { from, to, token }) => {
            govern::run(&ctx, Change::Migrate(from, to), &token.token)
        }
        Command::Keyring(KeyringCommand::Set { keyring, token }) => {
            govern::run(&ctx, Change::Keyring(&keyring.human, keyring.quorum), &token.token)
        }
        Command::Policy(PolicyCommand::Set { file, token }) => {
            govern::run(&ctx, Change::Policy(file), &token.token)
        }
        Command::Edge(EdgeCommand::Add { from, to }) => edge::add(&ctx, from, to),
        Command::Token(TokenCommand::Create { expires_in, out, op }) => {
            token::create(&ctx, Change::from(op), *expires_in, out.as_deref())
        }
        Command::Token(TokenCommand::Sign { token, key, out }) => {
            token::sign(&ctx, token, key, out.as_deref())
        }
        Command::Token(TokenCommand::Combine { tokens, out }) => token::combine(&ctx, tokens, out),
        Command::Token(TokenCommand::Show { token }) => token::show(&ctx, token),
    }
}
