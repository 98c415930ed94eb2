//! One module per command family; each prints its own result.

mod audit;
mod change;
mod compile;
mod edge;
mod exec;
mod flow;
mod govern;
mod graph;
mod init;
mod keygen;
mod ledger;
mod node;
mod policy;
mod proof;
mod proposal;
mod run;
mod token;
mod upgrade;
mod viz;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use logos_runtime::{
    Actor, RecordSink, Recorder, RedbSink, RedbStore, Runtime, Session, Stamp, StoreError, Supervisor,
    SupervisorError,
};

use crate::cli::{
    Cli, Command, EdgeCommand, ExecCommand, FlowCommand, GraphCommand, KeyringCommand, LedgerCommand,
    NodeCommand, PolicyCommand, ProposalCommand, TokenCommand, UpgradeCommand,
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

    /// A supervisor over the store, with no recorder: every change goes
    /// through it, so the ledger's rules and the static verifier apply.
    pub fn supervisor(&self) -> Result<Supervisor, CliError> {
        self.supervise(self.open()?, None)
    }

    /// A supervisor over `store` whose runtime records runs into `records`
    /// (values included, so a replay needs nothing else).
    pub fn supervise(
        &self,
        store: RedbStore,
        records: Option<Arc<RedbSink>>,
    ) -> Result<Supervisor, CliError> {
        // One run per process: instances on demand, no pool to reserve.
        let mut runtime = Runtime::builder().on_demand();
        if let Some(sink) = records {
            let sink: Arc<dyn RecordSink> = sink;
            runtime = runtime.recorder(Recorder::new(sink).values(true));
        }
        let runtime = runtime.build().map_err(SupervisorError::from)?;
        Ok(Supervisor::builder(store).runtime(runtime).clock(now_ms).build()?)
    }

    /// The session of `--as` on `sup`.
    pub fn session<'s>(&self, sup: &'s Supervisor) -> Result<Session<'s>, CliError> {
        Ok(match self.actor {
            Actor::Host => sup.host(),
            Actor::Agent(name) => sup.agent(name)?,
            Actor::Human(key) => sup.human(*key),
        })
    }

    /// The execution record file of the store: `logos.redb` -> `logos.records.redb`.
    pub fn records_path(&self) -> PathBuf {
        records_path(self.store)
    }

    /// Opens the record file; with `create` false a missing file is an
    /// error (reading records never creates the file).
    pub fn records(&self, create: bool) -> Result<Arc<RedbSink>, CliError> {
        let path = self.records_path();
        if !create && !path.is_file() {
            return Err(CliError::NoRecords(path));
        }
        RedbSink::open(&path).map(Arc::new).map_err(|source| CliError::Records { path, source })
    }
}

/// `dir/name.ext` -> `dir/name.records.ext`; `dir/name` -> `dir/name.records`.
fn records_path(store: &Path) -> PathBuf {
    match (store.file_stem(), store.extension()) {
        (Some(stem), Some(ext)) => {
            let mut name = stem.to_os_string();
            name.push(".records.");
            name.push(ext);
            store.with_file_name(name)
        }
        _ => with_suffix(store, ".records"),
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
        Command::Node(NodeCommand::AddWasm { wasm, manifest }) => {
            node::add_wasm(&ctx, wasm, manifest.as_deref())
        }
        Command::Node(NodeCommand::Share { node }) => node::share(&ctx, node),
        Command::Node(NodeCommand::Add { file, name, grant }) => {
            compile::add(&ctx, file, name.as_deref(), grant)
        }
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
        Command::Node(NodeCommand::Migrate { from, to, via, token }) => {
            govern::run(&ctx, Change::Migrate(from, to, via.as_deref()), &token.token)
        }
        Command::Keyring(KeyringCommand::Set { keyring, token }) => {
            govern::run(&ctx, Change::Keyring(&keyring.human, keyring.quorum), &token.token)
        }
        Command::Policy(PolicyCommand::Set { file, token }) => {
            govern::run(&ctx, Change::Policy(file), &token.token)
        }
        Command::Policy(PolicyCommand::Show) => policy::show(&ctx),
        Command::Edge(EdgeCommand::Add { from, to }) => edge::change(&ctx, from, to, true),
        Command::Edge(EdgeCommand::Remove { from, to }) => edge::change(&ctx, from, to, false),
        Command::Flow(FlowCommand::Create { name, inputs, outputs, production }) => {
            flow::create(&ctx, name, inputs, outputs, *production)
        }
        Command::Flow(FlowCommand::List) => flow::list(&ctx),
        Command::Flow(FlowCommand::Show { name }) => flow::show(&ctx, name),
        Command::Flow(FlowCommand::Remove { name }) => flow::remove(&ctx, name),
        Command::Run(args) => run::run(&ctx, args),
        Command::Exec(ExecCommand::List { limit }) => exec::list(&ctx, *limit),
        Command::Exec(ExecCommand::Show { id }) => exec::show(&ctx, *id),
        Command::Replay { id } => exec::replay(&ctx, *id),
        Command::Proposal(ProposalCommand::Create { expires_in, op }) => {
            proposal::create(&ctx, Change::from(op), *expires_in)
        }
        Command::Proposal(ProposalCommand::List) => proposal::list(&ctx),
        Command::Proposal(ProposalCommand::Show { id }) => proposal::show(&ctx, *id),
        Command::Proposal(ProposalCommand::Approve { id, key }) => proposal::approve(&ctx, *id, key),
        Command::Proposal(ProposalCommand::Reject { id, reason }) => proposal::reject(&ctx, *id, reason),
        Command::Proposal(ProposalCommand::Apply { id, policy }) => {
            proposal::apply(&ctx, *id, policy.as_deref())
        }
        Command::Upgrade(UpgradeCommand::Plan { migrations }) => upgrade::plan(&ctx, migrations),
        Command::Token(TokenCommand::Create { expires_in, out, op }) => {
            token::create(&ctx, Change::from(op), *expires_in, out.as_deref())
        }
        Command::Token(TokenCommand::Sign { token, key, out }) => {
            token::sign(&ctx, token, key, out.as_deref())
        }
        Command::Token(TokenCommand::Combine { tokens, out }) => token::combine(&ctx, tokens, out),
        Command::Token(TokenCommand::Show { token }) => token::show(&ctx, token),
        Command::Viz(args) => viz::run(&ctx, args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_sit_next_to_the_store() {
        assert_eq!(records_path(Path::new("./logos.redb")), PathBuf::from("./logos.records.redb"));
        assert_eq!(records_path(Path::new("/x/y/store")), PathBuf::from("/x/y/store.records"));
        assert_eq!(records_path(Path::new("a.b.redb")), PathBuf::from("a.b.records.redb"));
    }
}
