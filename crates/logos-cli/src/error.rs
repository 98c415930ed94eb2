//! The CLI's errors and the process exit codes they map to.
//!
//! | code | meaning                                                         |
//! |------|-----------------------------------------------------------------|
//! | 0    | success                                                         |
//! | 1    | the command failed: bad input, refused change, missing store    |
//! | 2    | usage error: unknown command, bad flag or value (clap's own)    |
//! | 3    | integrity failure: ledger verification failed, store corrupt    |
//!
//! Every error is printed as one line, `error: ...`, on stderr.

use std::io;
use std::path::PathBuf;

use logos_runtime::StoreError;

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
    /// Writing to stdout failed.
    #[error("cannot write output: {0}")]
    Output(#[from] io::Error),
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
            Self::StorageEnginePanic(_) => EXIT_INTEGRITY,
            _ => EXIT_FAILED,
        }
    }

    /// Whether stdout was closed under us (`logos ledger tail | head -1`):
    /// not worth a message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Self::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// Whether a store error means the stored data cannot be trusted.
fn is_integrity(err: &StoreError) -> bool {
    err.is_integrity()
}
