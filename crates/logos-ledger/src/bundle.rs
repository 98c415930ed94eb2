//! Exported ledgers ("bundles") and their verification with no database.
//!
//! A bundle is a JSON document: the format tag, the latest signed checkpoint
//! (a C2SP signed note) and every entry in its canonical encoding, base64.
//!
//! ```json
//! {"format": "logos-bundle/v1", "checkpoint": "origin\n12\n...", "entries": ["AAAA...", ...]}
//! ```
//!
//! [`verify_bundle`] replays every entry with an [`Auditor`] (hash chain,
//! Merkle tree, the meaning of every event, the quorum behind every governed
//! change), then checks the checkpoint: signed by a trusted key, for this
//! log's origin, and its root equals the tree of that many entries. Given a
//! checkpoint seen earlier, it also proves the new one extends it, which is
//! how an auditor detects a store that was rolled back or forked.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::audit::{AuditError, Auditor};
use crate::checkpoint::{Checkpoint, CheckpointError, NoteVerifier, open_checkpoint};
use crate::entry::Hash;

/// The bundle format tag.
pub const BUNDLE_FORMAT: &str = "logos-bundle/v1";

/// Largest bundle [`Bundle::parse`] reads, in bytes.
pub const MAX_BUNDLE_BYTES: usize = 1 << 30;

/// An exported ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    /// The latest signed checkpoint, as a signed note.
    pub checkpoint: String,
    /// Every entry, in canonical encoding, from genesis.
    pub entries: Vec<Vec<u8>>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    format: String,
    checkpoint: String,
    entries: Vec<String>,
}

/// Why a bundle is not valid.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The file is not a bundle document.
    #[error("not a LOGOS bundle: {0}")]
    Malformed(String),
    /// An entry fails the audit.
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// The checkpoint is not signed by a trusted key, or does not parse.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// The checkpoint does not describe these entries.
    #[error("checkpoint does not match the entries: {0}")]
    Mismatch(String),
    /// The checkpoint does not extend the previously seen one.
    #[error("ledger does not extend the previously seen checkpoint: {0}; it was rolled back or forked")]
    NotExtending(String),
}

/// What [`verify_bundle`] established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleReport {
    /// Entries audited.
    pub entries: u64,
    /// Hash of the last entry.
    pub head: Hash,
    /// The verified checkpoint.
    pub checkpoint: Checkpoint,
}

impl Bundle {
    /// The bundle as its JSON document.
    pub fn to_json(&self) -> String {
        let wire = Wire {
            format: BUNDLE_FORMAT.into(),
            checkpoint: self.checkpoint.clone(),
            entries: self.entries.iter().map(|e| BASE64.encode(e)).collect(),
        };
        // Strings and vectors of strings always serialise.
        serde_json::to_string_pretty(&wire).unwrap_or_default()
    }

    /// Reads a bundle document.
    pub fn parse(json: &str) -> Result<Self, BundleError> {
        if json.len() > MAX_BUNDLE_BYTES {
            return Err(BundleError::Malformed(format!("larger than {MAX_BUNDLE_BYTES} bytes")));
        }
        let wire: Wire = serde_json::from_str(json).map_err(|e| BundleError::Malformed(e.to_string()))?;
        if wire.format != BUNDLE_FORMAT {
            return Err(BundleError::Malformed(format!(
                "format {:?}, expected {BUNDLE_FORMAT:?}",
                wire.format
            )));
        }
        let entries = wire
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| BASE64.decode(e).map_err(|err| BundleError::Malformed(format!("entry {i}: {err}"))))
            .collect::<Result<_, _>>()?;
        Ok(Self { checkpoint: wire.checkpoint, entries })
    }
}

/// Verifies a bundle against trusted log keys; `previous`, if given, is a
/// checkpoint seen earlier that the bundle must extend.
pub fn verify_bundle(
    bundle: &Bundle,
    trusted: &[NoteVerifier],
    previous: Option<&Checkpoint>,
) -> Result<BundleReport, BundleError> {
    let checkpoint = open_checkpoint(&bundle.checkpoint, trusted)?;
    let mut auditor = Auditor::new();
    for bytes in &bundle.entries {
        auditor.push(bytes)?;
    }
    let origin = auditor.state().map(|s| s.origin.clone()).unwrap_or_default();
    if checkpoint.origin != origin {
        return Err(BundleError::Mismatch(format!(
            "checkpoint is for {:?}, the entries for {origin:?}",
            checkpoint.origin
        )));
    }
    if checkpoint.size != auditor.size() {
        return Err(BundleError::Mismatch(format!(
            "checkpoint covers {} entries, the bundle has {}",
            checkpoint.size,
            auditor.size()
        )));
    }
    let root = auditor.tree().root().map_err(|e| BundleError::Mismatch(e.to_string()))?;
    if root != checkpoint.root {
        return Err(BundleError::Mismatch("the entries' Merkle root differs from the signed root".into()));
    }
    if let Some(prev) = previous {
        if prev.origin != checkpoint.origin {
            return Err(BundleError::NotExtending("the earlier checkpoint is for another log".into()));
        }
        if prev.size > checkpoint.size {
            return Err(BundleError::NotExtending(format!(
                "earlier checkpoint had {} entries, this one {}",
                prev.size, checkpoint.size
            )));
        }
        let then = auditor.tree().root_at(prev.size).map_err(|e| BundleError::NotExtending(e.to_string()))?;
        if then != prev.root {
            return Err(BundleError::NotExtending(format!("the first {} entries changed", prev.size)));
        }
    }
    Ok(BundleReport { entries: auditor.size(), head: auditor.head(), checkpoint })
}
