//! The CLI's errors and the process exit codes they map to.
//!
//! | code | meaning                                                         |
//! |------|-----------------------------------------------------------------|
//! | 0    | success                                                         |
//! | 1    | the command failed: bad input, refused change, missing store    |
//! | 2    | usage error: unknown command, bad flag or value (clap's own)    |
//! | 3    | integrity failure: ledger verification failed, store corrupt,   |
//! |      | a replay diverged from its record                               |
//!
//! Every error is printed as one line, `error: ...`, on stderr.

use std::io;
use std::path::PathBuf;

use logos_runtime::layers::ledger::checkpoint::CheckpointError;
use logos_runtime::{BundleError, ExecId, RecordError, StoreError, SupervisorError, TokenError};

use crate::noderef::NodeRefError;

/// The command failed (bad input, refused change, missing store).
pub const EXIT_FAILED: u8 = 1;
/// The store or its ledger failed an integrity check.
pub const EXIT_INTEGRITY: u8 = 3;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// `--store` names no file.
    #[error("no LOGOS store at {}; run `logos init` first", .0.display())]
    NoStore(PathBuf),
    /// `--store` names something that is not a LOGOS store.
    #[error("{} is not a LOGOS store; check --store, or run `logos init` on a new path", .0.display())]
    NotAStore(PathBuf),
    /// `init` on a path that already exists.
    #[error("{} already exists; refusing to overwrite it (pick another --store path)", .0.display())]
    StoreExists(PathBuf),
    /// An input file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The store file could not be created.
    #[error("cannot create {}: {source}", path.display())]
    Create {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A file that is never overwritten (a key, a token) is already there.
    #[error("{} already exists; refusing to overwrite it (move it away or pick another name)", .0.display())]
    Exists(PathBuf),
    /// An output file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A key file is not in its format (see `keys`).
    #[error("{} is not a {what}: {reason}", path.display())]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// Which kind of key was expected.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The log signing key is not where it was looked for.
    #[error(
        "no log key at {}; pass the one `logos init` created with --log-key PATH",
        .0.display()
    )]
    NoLogKey(PathBuf),
    /// A `--human` argument is not a usable Ed25519 public key.
    #[error("--human {arg}: {reason}; pass a .pub file from `logos keygen` or its 64 hex digits")]
    PublicKey {
        /// What was given.
        arg: String,
        /// What is wrong.
        reason: String,
    },
    /// A `--trusted-key` argument is not a log verifier key.
    #[error("--trusted-key {arg}: {reason}; pass the log's `.pub` file or the `name+id+key` line in it")]
    TrustedKey {
        /// What was given.
        arg: String,
        /// What is wrong.
        reason: String,
    },
    /// Flags that parse but do not fit together.
    #[error("{0}")]
    Input(String),
    /// A token file does not parse, or tokens do not combine.
    #[error("token {}: {source}", path.display())]
    Token {
        /// The token file.
        path: PathBuf,
        /// Why.
        source: TokenError,
    },
    /// The store refused a governed change because of its token.
    #[error("token {} refused: {source}{}", path.display(), token_hint(.source, .path))]
    TokenRefused {
        /// The token file.
        path: PathBuf,
        /// Why.
        source: TokenError,
    },
    /// An exported bundle does not verify.
    #[error("bundle {} does not verify: {source}", path.display())]
    Bundle {
        /// The bundle file.
        path: PathBuf,
        /// Why (boxed: audit errors carry whole state errors).
        source: Box<BundleError>,
    },
    /// A checkpoint given to compare against cannot be trusted.
    #[error("checkpoint {}: {source}", path.display())]
    UntrustedCheckpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// Why.
        source: CheckpointError,
    },
    /// The store does not match a checkpoint an auditor kept.
    #[error("checkpoint {}: {source}", path.display())]
    CheckpointMismatch {
        /// The checkpoint file.
        path: PathBuf,
        /// Why (boxed, as in `Open`).
        source: Box<StoreError>,
    },
    /// A proof the store produced does not verify against its own roots.
    #[error("the store's {what} proof does not verify ({reason}); run `logos ledger verify`")]
    BadProof {
        /// `inclusion` or `consistency`.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// The `.wasm` argument is not a wasm module.
    #[error("{} is not a wasm module (no `\\0asm` version 1 header); pass the compiled .wasm file", .0.display())]
    NotWasm(PathBuf),
    /// The manifest file is not a manifest in JSON.
    #[error("manifest {} is not a valid node manifest: {source}", path.display())]
    ManifestJson {
        /// The file.
        path: PathBuf,
        /// What serde_json said, with line and column.
        source: serde_json::Error,
    },
    /// The manifest parses but breaks a rule (name, ports, types).
    #[error("manifest {} is invalid: {reason}", path.display())]
    ManifestInvalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A `NODE.PORT` argument does not name exactly one node.
    #[error(transparent)]
    NodeRef(#[from] NodeRefError),
    /// The store could not be opened.
    #[error("cannot open LOGOS store {}: {source}", path.display())]
    Open {
        /// The store file.
        path: PathBuf,
        /// Why (boxed: store errors carry whole edges and would bloat every `Result`).
        source: Box<StoreError>,
    },
    /// The store refused or failed an operation.
    #[error(transparent)]
    Store(Box<StoreError>),
    /// The storage engine panicked reading the file: it is damaged.
    #[error(
        "the store is damaged: the storage engine failed reading it ({0}); restore it from a verified copy"
    )]
    StorageEnginePanic(String),
    /// `logos` itself panicked.
    #[error("internal error: {message} at {location}; this is a bug in logos, please report it")]
    Bug {
        /// The panic message.
        message: String,
        /// Where it happened.
        location: String,
    },
    /// The payload was refused or did not build.
    #[error("cannot compile {}: {source}", path.display())]
    Compile {
        /// The payload file.
        path: PathBuf,
        /// Why (boxed: compile errors carry rustc diagnostics).
        source: Box<logos_runtime::layers::compile::CompileError>,
    },
    /// The supervisor refused or failed something (not a store error:
    /// those are [`CliError::Store`], so integrity failures keep exit 3).
    #[error(transparent)]
    Supervisor(Box<SupervisorError>),
    /// `node add-wasm`: the module fails static verification.
    #[error("{} is refused: {reason}; see docs/abi.md for what a node module must be", path.display())]
    WasmRefused {
        /// The module file.
        path: PathBuf,
        /// What the verifier said.
        reason: String,
    },
    /// A policy file is not a policy in JSON.
    #[error(
        "policy {} is not a valid policy: {reason}; `logos policy show --json` prints the current one to start from",
        path.display()
    )]
    PolicyFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// No execution record file next to the store.
    #[error("no execution records at {}; record a run first with `logos run FLOW --input JSON --record`", .0.display())]
    NoRecords(PathBuf),
    /// The record file could not be opened or read.
    #[error("execution records {}: {source}", path.display())]
    Records {
        /// The record file.
        path: PathBuf,
        /// Why.
        source: RecordError,
    },
    /// A replay did not reproduce its record.
    #[error("replay of execution {id} diverged from its record at {divergence}")]
    Diverged {
        /// The execution.
        id: ExecId,
        /// The first divergence, for people.
        divergence: String,
    },
    /// The quorum token a proposal's approvals make was refused.
    #[error("proposal {id} cannot be applied: {source}{}", proposal_hint(.source, *.id))]
    ProposalRefused {
        /// The proposal.
        id: u64,
        /// Why.
        source: TokenError,
    },
    /// Writing to stdout failed.
    #[error("cannot write output: {0}")]
    Output(#[from] io::Error),
}

impl From<SupervisorError> for CliError {
    fn from(e: SupervisorError) -> Self {
        match e {
            SupervisorError::Store(e) => Self::Store(Box::new(e)),
            e => Self::Supervisor(Box::new(e)),
        }
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        Self::Store(Box::new(e))
    }
}

impl CliError {
    /// The process exit code for this error (see the module docs).
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Open { source, .. } | Self::Store(source) if is_integrity(source) => EXIT_INTEGRITY,
            Self::StorageEnginePanic(_) | Self::Bundle { .. } | Self::BadProof { .. } => EXIT_INTEGRITY,
            // A checkpoint whose signature fails was forged or altered, as
            // was a store that no longer holds what a checkpoint signed.
            Self::UntrustedCheckpoint { source, .. } if is_forgery(source) => EXIT_INTEGRITY,
            Self::CheckpointMismatch { .. } | Self::Diverged { .. } => EXIT_INTEGRITY,
            Self::Records { source: RecordError::Corrupt { .. }, .. } => EXIT_INTEGRITY,
            Self::Supervisor(e) if matches!(**e, SupervisorError::Record(RecordError::Corrupt { .. })) => {
                EXIT_INTEGRITY
            }
            _ => EXIT_FAILED,
        }
    }

    /// Whether stdout was closed under us (`logos ledger tail | head -1`):
    /// not worth a message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Self::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// Whether a store error means the stored data cannot be trusted; a store
/// that refuses to sign a checkpoint contradicting its last one was rolled
/// back or forked behind its back.
fn is_integrity(err: &StoreError) -> bool {
    err.is_integrity() || matches!(err, StoreError::InconsistentCheckpoint(_))
}

/// Whether a checkpoint failed on its signature (rather than its format or
/// an unknown key).
fn is_forgery(err: &CheckpointError) -> bool {
    matches!(err, CheckpointError::InvalidSignature { .. })
}

/// What to do about a proposal whose token is refused.
fn proposal_hint(err: &TokenError, id: u64) -> String {
    match err {
        TokenError::SubQuorum { valid, required } => {
            let more = usize::from(*required).saturating_sub(*valid);
            let noun = if more == 1 { "approval" } else { "approvals" };
            format!("; needs {more} more {noun}: `logos proposal approve {id} --key NAME.key`")
        }
        TokenError::Expired { .. }
        | TokenError::AlreadyUsed { .. }
        | TokenError::EmptyHead
        | TokenError::FutureHead { .. }
        | TokenError::UnknownHead { .. }
        | TokenError::HeadMismatch { .. } => "; open a new one with `logos proposal create ...`".into(),
        _ => String::new(),
    }
}

/// What to do about a refused token, after the refusal itself.
fn token_hint(err: &TokenError, path: &std::path::Path) -> String {
    let path = path.display();
    match err {
        TokenError::SubQuorum { valid, required } => {
            let more = usize::from(*required).saturating_sub(*valid);
            let noun = if more == 1 { "signature" } else { "signatures" };
            format!("; needs {more} more {noun}: `logos token sign {path} --key KEYFILE`")
        }
        TokenError::Expired { .. }
        | TokenError::AlreadyUsed { .. }
        | TokenError::EmptyHead
        | TokenError::FutureHead { .. }
        | TokenError::UnknownHead { .. }
        | TokenError::HeadMismatch { .. } => "; `logos token create ...` makes a new one to sign".into(),
        TokenError::NoQuorumConfigured => {
            "; this store was created without `--human` keys, so nothing can be governed in it".into()
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diverged_replay_and_corrupt_records_are_integrity_failures() {
        let diverged = CliError::Diverged { id: ExecId(3), divergence: "step 0: fuel".into() };
        assert_eq!(diverged.exit_code(), EXIT_INTEGRITY);
        let corrupt = RecordError::Corrupt { id: ExecId(1), reason: "truncated".into() };
        let records = CliError::Records { path: "r.redb".into(), source: corrupt };
        assert_eq!(records.exit_code(), EXIT_INTEGRITY);
        assert_eq!(CliError::from(SupervisorError::UnknownProposal(4)).exit_code(), EXIT_FAILED);
    }
}
