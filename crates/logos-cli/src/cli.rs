//! The command-line grammar (clap derive types), and nothing else.

mod flows;
mod governance;
mod viz;

use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{ArgGroup, Args, CommandFactory, Parser, Subcommand};
use logos_runtime::{Actor, Capability};

pub use flows::{ExecCommand, FlowCommand, RunArgs};
pub use governance::{ProposalCommand, UpgradeCommand};
pub use viz::{DEFAULT_LAST, VizArgs, VizFormat};

use crate::time::parse_duration;

const LONG_ABOUT: &str = "\
The LOGOS operator command line: create a store, ingest nodes, wire typed \
edges, define and run flows, record and replay executions, govern changes \
with N-of-M migration tokens or in-ledger proposals, read, prove, export \
and verify the hash-chained ledger that records every change, and draw the \
graph and the ledger (Mermaid, Graphviz DOT, SVG).

Every change goes through the supervisor as --as: the ledger's rules for \
agents apply (bedrock inputs are locked, drafts are private until shared, \
agents define sandbox flows only), and every wasm module is verified \
statically before it is stored.

Files: STORE (default ./logos.redb), its log key STORE.logkey (+ .pub), and \
its execution records next to it, logos.redb -> logos.records.redb (created \
by the first `logos run --record`).

Exit codes:
  0  success
  1  the command failed (bad input, refused change, missing store)
  2  usage error (unknown command, bad flag or value)
  3  integrity failure (ledger verification failed, store or records corrupt,
     a replay diverged from its record)";

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
    /// Create a new store with its genesis ledger entry and its log signing key.
    Init(InitArgs),
    /// Make a human's Ed25519 key pair for signing tokens and approving proposals (NAME.key, NAME.pub).
    Keygen {
        /// Base name of the two files.
        #[arg(long, value_name = "NAME")]
        out: PathBuf,
    },
    /// Read, verify, prove and export the ledger.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Show the node graph.
    #[command(subcommand)]
    Graph(GraphCommand),
    /// Ingest nodes and make governed changes to them.
    #[command(subcommand)]
    Node(NodeCommand),
    /// Wire typed edges.
    #[command(subcommand)]
    Edge(EdgeCommand),
    /// Create, sign, combine and inspect migration tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Change the human keyring (governed).
    #[command(subcommand)]
    Keyring(KeyringCommand),
    /// Show the governance policy, or change it (governed).
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Define, list, show and remove flows (named entries into the graph).
    #[command(subcommand)]
    Flow(FlowCommand),
    /// Run a flow on JSON inputs as --as; print its outputs and fuel.
    Run(RunArgs),
    /// List and show recorded executions.
    #[command(subcommand)]
    Exec(ExecCommand),
    /// Re-execute a recorded execution against the graph version it ran on;
    /// exit 3 and print the first divergence unless it is identical.
    Replay {
        /// The execution id.
        #[arg(value_name = "EXEC_ID")]
        id: u64,
    },
    /// Propose governed changes for human approval inside the ledger.
    #[command(subcommand)]
    Proposal(ProposalCommand),
    /// Plan the order of several migrations.
    #[command(subcommand)]
    Upgrade(UpgradeCommand),
    /// Draw the graph (Mermaid, DOT, SVG) as --as sees it, or the ledger's last entries.
    ///
    /// Nodes show their layer (bedrock is locked), deprecation and grants;
    /// --flow outlines the nodes a flow runs (--only draws just them). An
    /// agent sees only the nodes visible to it: bedrock, shared, the host's
    /// and its own.
    Viz(VizArgs),
}

impl Cli {
    /// Parses the command line; flags that parse but do not fit together
    /// are a usage error too (clap's message, exit 2).
    pub fn parse_checked() -> Self {
        let cli = Self::parse();
        if let Command::Viz(args) = &cli.command
            && let Some(conflict) = args.conflict()
        {
            let mut command = Self::command();
            // Built, so the usage line clap prints is `logos viz ...`.
            command.build();
            let error = match command.find_subcommand_mut("viz") {
                Some(viz) => viz.error(ErrorKind::ArgumentConflict, conflict),
                None => command.error(ErrorKind::ArgumentConflict, conflict),
            };
            error.exit();
        }
        cli
    }
}

/// `logos init`
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The log's origin line (what checkpoints are signed for; also the log key's name).
    #[arg(long, value_name = "ORIGIN", default_value = "logos.local/ledger")]
    pub origin: String,
    /// Humans allowed to sign migration tokens: .pub files or 64 hex digits
    /// (`--human a.pub b.pub c.pub`, or the flag repeated).
    #[arg(long, value_name = "PUBFILE_OR_HEX", num_args = 1.., requires = "quorum")]
    pub human: Vec<String>,
    /// How many distinct humans must sign a token (1 to the number of --human keys).
    #[arg(long, value_name = "N")]
    pub quorum: Option<u16>,
    /// Where to create the log signing key [default: STORE.logkey]; its
    /// verifier key goes next to it with `.pub` appended.
    #[arg(long = "log-key", value_name = "PATH")]
    pub log_key: Option<PathBuf>,
}

/// `logos ledger ...`
#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Re-check the whole store, or a bundle with no store at all.
    ///
    /// Plain: hash chain, Merkle tree, head, wasm blobs, indexes.
    /// With --checkpoint: also that the store still holds what a checkpoint
    /// kept by an auditor signed. With --bundle: an exported ledger, no store needed.
    Verify(VerifyArgs),
    /// Print the last entries of the ledger, oldest first.
    Tail {
        /// How many entries.
        #[arg(short = 'n', long = "count", value_name = "N", default_value_t = 10)]
        count: u64,
    },
    /// Sign and print a checkpoint of the current ledger (a C2SP signed note).
    Checkpoint {
        /// The log signing key [default: STORE.logkey].
        #[arg(long = "log-key", value_name = "PATH")]
        log_key: Option<PathBuf>,
    },
    /// Write every entry and a freshly signed checkpoint to a bundle file.
    Export {
        /// The bundle file to write.
        #[arg(long, value_name = "BUNDLE")]
        out: PathBuf,
        /// The log signing key [default: STORE.logkey].
        #[arg(long = "log-key", value_name = "PATH")]
        log_key: Option<PathBuf>,
    },
    /// Print an RFC 6962 inclusion proof for one entry.
    Prove {
        /// The entry's seq (its leaf index).
        #[arg(value_name = "SEQ")]
        seq: u64,
        /// Size of the tree to prove against [default: the whole ledger].
        #[arg(long, value_name = "N")]
        size: Option<u64>,
    },
    /// Print an RFC 6962 consistency proof between two tree sizes.
    Consistency {
        /// The older size.
        #[arg(long, value_name = "M", value_parser = clap::value_parser!(u64).range(1..))]
        from: u64,
        /// The newer size [default: the whole ledger].
        #[arg(long, value_name = "N")]
        to: Option<u64>,
    },
}

/// `logos ledger verify [--bundle B | --checkpoint C] [--trusted-key K]...`
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("against").args(["bundle", "checkpoint"])))]
pub struct VerifyArgs {
    /// An exported bundle to verify without any store.
    #[arg(long, value_name = "BUNDLE", requires = "trusted_key")]
    pub bundle: Option<PathBuf>,
    /// A signed checkpoint (kept by an auditor) the store must still match.
    #[arg(long, value_name = "NOTE_FILE", requires = "trusted_key")]
    pub checkpoint: Option<PathBuf>,
    /// A log verifier key (`name+id+key`) or a file holding one. Repeatable.
    #[arg(long = "trusted-key", value_name = "PUB", requires = "against")]
    pub trusted_key: Vec<String>,
    /// A signed checkpoint seen earlier that the bundle must extend.
    #[arg(long, value_name = "CHECKPOINT_FILE", requires = "bundle")]
    pub previous: Option<PathBuf>,
}

/// `logos graph ...`
#[derive(Debug, Subcommand)]
pub enum GraphCommand {
    /// List the nodes (ports, requested capabilities) and the typed edges.
    Show,
}

/// `--token FILE`, on every governed change.
#[derive(Debug, Args)]
pub struct TokenArg {
    /// The signed migration token authorising exactly this change.
    #[arg(long, value_name = "FILE")]
    pub token: PathBuf,
}

/// `logos node ...`
///
/// NODE is a node name or at least 4 hex digits of its id.
#[derive(Debug, Subcommand)]
pub enum NodeCommand {
    /// Compile an AI-written Rust payload (see docs/skill.md), verify it and store it.
    Add {
        /// The payload: one Rust file with `Input`, `Output` and `execute`.
        #[arg(value_name = "FILE.rs")]
        file: PathBuf,
        /// The node's name (default: the file stem).
        #[arg(long)]
        name: Option<String>,
        /// Ask for CAP to be granted (repeatable): opens a proposal per
        /// capability for the humans to approve (grants are governed, and
        /// bounded by the policy's ceiling for the node's layer).
        #[arg(long, value_name = "CAP")]
        grant: Vec<Capability>,
    },
    /// Show one node: id, name, ports, requested capabilities, status.
    Show {
        /// The node: a name or at least 4 hex digits of its id.
        #[arg(value_name = "NODE")]
        node: String,
    },
    /// List every node with its status.
    List,
    /// Verify a prebuilt wasm module statically and store it (idempotent).
    ///
    /// The module must carry its manifest in a `logos.manifest` custom
    /// section (docs/abi.md); --manifest, if given, must equal it.
    AddWasm {
        /// The compiled module.
        #[arg(value_name = "FILE.wasm")]
        wasm: PathBuf,
        /// The node's manifest: {"name", "inputs", "outputs", "capabilities"}
        /// [default: the one embedded in the module].
        #[arg(long, value_name = "FILE.json")]
        manifest: Option<PathBuf>,
    },
    /// Make your private draft visible to every agent (its owner, or the host).
    Share {
        /// The node.
        #[arg(value_name = "NODE")]
        node: String,
    },
    /// Promote a node to bedrock (governed).
    Promote {
        /// The node.
        #[arg(value_name = "NODE")]
        node: String,
        #[command(flatten)]
        token: TokenArg,
    },
    /// Deprecate a node (governed).
    Deprecate {
        /// The node.
        #[arg(value_name = "NODE")]
        node: String,
        #[command(flatten)]
        token: TokenArg,
    },
    /// Grant a node a capability its manifest requested (governed).
    Grant {
        /// The node.
        #[arg(value_name = "NODE")]
        node: String,
        /// clock, random, log, kv or network.
        #[arg(value_name = "CAP")]
        capability: Capability,
        #[command(flatten)]
        token: TokenArg,
    },
    /// Replace bedrock node FROM by TO, re-pointing its edges (governed).
    Migrate {
        /// The bedrock node being replaced.
        #[arg(value_name = "FROM")]
        from: String,
        /// Its successor.
        #[arg(value_name = "TO")]
        to: String,
        /// An adapter node whose inputs are TO's outputs and whose outputs
        /// are FROM's, for a successor with different outputs.
        #[arg(long, value_name = "ADAPTER")]
        via: Option<String>,
        #[command(flatten)]
        token: TokenArg,
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
    /// Remove the edge from an output port to an input port.
    Remove {
        /// The output port, NODE.PORT.
        #[arg(value_name = "FROM.PORT")]
        from: String,
        /// The input port, NODE.PORT.
        #[arg(value_name = "TO.PORT")]
        to: String,
    },
}

/// `--human PUB... --quorum N`: a new human keyring.
#[derive(Debug, Args)]
pub struct KeyringArgs {
    /// Humans allowed to sign migration tokens: .pub files or 64 hex digits
    /// (`--human a.pub b.pub c.pub`, or the flag repeated).
    #[arg(long, value_name = "PUBFILE_OR_HEX", num_args = 1.., required = true)]
    pub human: Vec<String>,
    /// How many distinct humans must sign a token (1 to the number of keys).
    #[arg(long, value_name = "N")]
    pub quorum: u16,
}

/// `logos keyring ...`
#[derive(Debug, Subcommand)]
pub enum KeyringCommand {
    /// Replace the human keyring and quorum.
    Set {
        #[command(flatten)]
        keyring: KeyringArgs,
        #[command(flatten)]
        token: TokenArg,
    },
}

/// `logos policy ...`
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Show the policy in force: layer ceilings and limits, agent quotas, self-heal.
    ///
    /// With --json, prints exactly the JSON document `policy set` takes.
    Show,
    /// Replace the policy with FILE, a policy in JSON (as `policy show --json` prints).
    ///
    /// The ledger stores its canonical encoding; the token (`logos token
    /// create policy FILE`) names the SHA-256 of those canonical bytes.
    Set {
        /// The policy document (JSON).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        token: TokenArg,
    },
}

/// `logos token ...`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Write an unsigned token for one governed change, bound to the current ledger head.
    Create {
        /// How long the token stays valid: 30m, 24h, 7d...
        #[arg(long = "expires-in", value_name = "DURATION", default_value = "24h", global = true,
              value_parser = parse_duration)]
        expires_in: u64,
        /// Write the token here instead of stdout (refuses to overwrite).
        #[arg(long, value_name = "FILE", global = true)]
        out: Option<PathBuf>,
        #[command(subcommand)]
        op: TokenOp,
    },
    /// Add your signature to a token (rewrites TOKEN unless --out is given).
    Sign {
        /// The token file.
        #[arg(value_name = "TOKEN")]
        token: PathBuf,
        /// Your secret key file (from `logos keygen`).
        #[arg(long, value_name = "KEYFILE")]
        key: PathBuf,
        /// Write the signed token here instead.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Merge the signatures of copies of one token signed separately.
    Combine {
        /// The token copies.
        #[arg(value_name = "TOKEN", required = true, num_args = 2..)]
        tokens: Vec<PathBuf>,
        /// The merged token file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Show what a token authorises, who signed it, and whether the store would accept it now.
    Show {
        /// The token file.
        #[arg(value_name = "TOKEN")]
        token: PathBuf,
    },
}

/// The governed change a new token authorises.
#[derive(Debug, Subcommand)]
pub enum TokenOp {
    /// Promote NODE to bedrock.
    Promote {
        /// The node.
        #[arg(value_name = "NODE")]
        node: String,
    },
    /// Deprecate NODE.
    Deprecate {
        /// The node.
        #[arg(value_name = "NODE")]
        node: String,
    },
    /// Grant NODE a capability its manifest requested.
    Grant {
        /// The node.
        #[arg(value_name = "NODE")]
        node: String,
        /// clock, random, log, kv or network.
        #[arg(value_name = "CAP")]
        capability: Capability,
    },
    /// Replace bedrock node FROM by TO (through --via ADAPTER if TO's outputs differ).
    Migrate {
        /// The bedrock node being replaced.
        #[arg(value_name = "FROM")]
        from: String,
        /// Its successor.
        #[arg(value_name = "TO")]
        to: String,
        /// An adapter node whose inputs are TO's outputs and whose outputs are FROM's.
        #[arg(long, value_name = "ADAPTER")]
        via: Option<String>,
    },
    /// Replace the human keyring: `keyring --human PUB... --quorum N`.
    Keyring(KeyringArgs),
    /// Replace the policy with FILE, JSON (the token names the SHA-256 of its canonical encoding).
    Policy {
        /// The policy document (JSON).
        #[arg(value_name = "FILE")]
        file: PathBuf,
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
