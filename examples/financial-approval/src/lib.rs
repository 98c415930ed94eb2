//! The LOGOS demo: a bank lets an AI agent help write its payment-approval
//! rules, without ever letting it change them alone.
//!
//! [`run`] tells the story in seven acts and returns the facts it
//! established ([`Summary`]); `src/main.rs` prints it (`scripts/demo`) and
//! `tests/story.rs` checks it. The acts, one module each:
//!
//! 1. `bank`: a store whose ledger needs two of three human approvers for
//!    any change to locked rules, and a log key that signs checkpoints;
//! 2. `rules`: the rules, written as Rust payloads (`nodes/*.rs`), compiled
//!    to wasm, wired with typed edges, promoted to bedrock, and made into
//!    the production flow `approve-transaction`;
//! 3. and 4. `agent`: an AI agent drafts a rule change, tries it in a
//!    sandbox, is refused when it reaches for the locked rules, and gets it
//!    in by proposing a migration that two humans approve;
//! 5. `batch`: a morning's payments go through production, recorded;
//! 6. and 7. `audit`: one decision is replayed, the ledger is verified in
//!    the store and as an exported bundle, and the pictures are written.
//!
//! It is not a library to build on: it is the shortest honest tour of what
//! a host does with `logos-runtime`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Money is written in cents grouped as euros and cents: 4_000_00 is 4,000.00.
#![allow(clippy::inconsistent_digit_grouping)]

mod agent;
mod audit;
mod bank;
mod batch;
mod rules;
mod text;

use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use batch::{Decided, Decision, decision};
use logos_runtime::{Approval, ReplayReport, SupervisorError, VerifyReport};
pub use rules::FLOW;

/// Where the story keeps its files.
#[derive(Clone, Debug)]
pub struct Dirs {
    /// The bank's store, execution records, ledger bundle and pictures.
    /// Files from an earlier run are replaced.
    pub out: PathBuf,
    /// The compiler's cache and build directory, shared between runs so
    /// that only the first compiles anything.
    pub compile: PathBuf,
}

/// What the story established, for tests and for hosts that want the facts
/// without the prose.
#[derive(Debug)]
#[non_exhaustive]
pub struct Summary {
    /// Nodes the compiler built in this run.
    pub nodes_built: usize,
    /// Nodes the compiler answered from its cache.
    pub nodes_cached: usize,
    /// The agent's draft on its sandbox samples: the flag it raised, if any.
    pub sandbox_flags: Vec<Option<String>>,
    /// What the agent tried on the locked rules, refused in this order.
    pub refusals: Vec<SupervisorError>,
    /// The result of each human approval of the agent's proposal.
    pub approvals: Vec<Approval>,
    /// The production decisions, in batch order.
    pub decisions: Vec<Decided>,
    /// The transaction whose decision was replayed.
    pub replayed: String,
    /// The replay's report.
    pub replay: ReplayReport,
    /// The store's own verification.
    pub verified: VerifyReport,
    /// Entries in the exported bundle, verified without the store.
    pub bundle_entries: u64,
    /// Every file written into [`Dirs::out`].
    pub files: Vec<PathBuf>,
}

/// Tells the story into `out`, keeping its files under `dirs`.
pub fn run(out: &mut dyn Write, dirs: &Dirs) -> Result<Summary, Box<dyn Error>> {
    writeln!(out, "LOGOS · financial transaction approval")?;
    writeln!(out, "A bank lets an AI agent help write its payment rules, but never change them alone.\n")?;

    let world = bank::open(out, &dirs.out)?;
    let (rules, compiler, mut compiled) = rules::install(out, &world, &dirs.compile)?;
    let draft = agent::draft(out, &world, &rules, &compiler, &mut compiled)?;
    let approvals = agent::migrate(out, &world, &rules, &draft)?;
    let decisions = batch::run(out, &world)?;
    let (replayed, replay) = audit::replay(out, &world, &decisions)?;
    let audited = audit::publish(out, &world, &dirs.out)?;

    Ok(Summary {
        nodes_built: compiled.built,
        nodes_cached: compiled.cached,
        sandbox_flags: draft.sandbox_flags,
        refusals: draft.refusals,
        approvals,
        decisions,
        replayed,
        replay,
        verified: audited.verified,
        bundle_entries: audited.bundle_entries,
        files: audited.files,
    })
}

/// `path` relative to the working directory when it is under it (shorter to
/// read and to paste), as given otherwise.
pub(crate) fn shown(path: &Path) -> String {
    let relative =
        std::env::current_dir().ok().and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    relative.unwrap_or_else(|| path.to_path_buf()).display().to_string()
}
