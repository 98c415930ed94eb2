//! Governed changes as typed on the command line, turned into the ledger
//! event they cause. `token create` and the governed commands share this,
//! so a token always names exactly the change its command will make.

use std::path::Path;

use logos_runtime::layers::ledger::{governed_event, required_operation};
use logos_runtime::{Capability, Event, Graph, NodeId, Operation, Policy, RedbStore};

use crate::cli::TokenOp;
use crate::error::CliError;
use crate::files;
use crate::keys;
use crate::noderef::resolve;
use crate::output::short_hex;

/// One governed change, with its arguments as typed.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// `promote NODE`
    Promote(&'a str),
    /// `deprecate NODE`
    Deprecate(&'a str),
    /// `grant NODE CAP`
    Grant(&'a str, Capability),
    /// `migrate FROM TO [--via ADAPTER]`
    Migrate(&'a str, &'a str, Option<&'a str>),
    /// `keyring --human PUB... --quorum N`
    Keyring(&'a [String], u16),
    /// `policy FILE`
    Policy(&'a Path),
}

impl<'a> From<&'a TokenOp> for Change<'a> {
    fn from(op: &'a TokenOp) -> Self {
        match op {
            TokenOp::Promote { node } => Self::Promote(node),
            TokenOp::Deprecate { node } => Self::Deprecate(node),
            TokenOp::Grant { node, capability } => Self::Grant(node, *capability),
            TokenOp::Migrate { from, to, via } => Self::Migrate(from, to, via.as_deref()),
            TokenOp::Keyring(args) => Self::Keyring(&args.human, args.quorum),
            TokenOp::Policy { file } => Self::Policy(file),
        }
    }
}

impl Change<'_> {
    /// The event this change appends, with node references resolved against `store`.
    pub fn event(&self, store: &RedbStore) -> Result<Event, CliError> {
        let graph = store.state().graph;
        let node = |reference: &str| resolve(&graph, reference).map_err(CliError::from);
        Ok(match *self {
            Self::Promote(n) => Event::Promoted { node: node(n)? },
            Self::Deprecate(n) => Event::Deprecated { node: node(n)? },
            Self::Grant(n, capability) => Event::CapabilityGranted { node: node(n)?, capability },
            Self::Migrate(from, to, None) => Event::Migrated { from: node(from)?, to: node(to)? },
            Self::Migrate(from, to, Some(adapter)) => {
                Event::MigratedVia { from: node(from)?, to: node(to)?, adapter: node(adapter)? }
            }
            Self::Keyring(humans, quorum) => {
                Event::KeyringChanged { keyring: keys::keyring(humans, Some(quorum))? }
            }
            Self::Policy(file) => policy_event(file)?,
        })
    }
}

/// The `PolicyChanged` event for the JSON policy in `file`: its canonical
/// encoding, the bytes the ledger stores and a token's digest covers.
pub fn policy_event(file: &Path) -> Result<Event, CliError> {
    let text = files::read_text(file)?;
    let policy = Policy::from_json(&text)
        .map_err(|e| CliError::PolicyFile { path: file.into(), reason: e.to_string() })?;
    Ok(Event::PolicyChanged { policy: policy.encode() })
}

/// The event `op` authorises. A policy change needs its document, which
/// the operation names only by digest.
pub fn event_for(op: &Operation, policy: Option<&Path>) -> Result<Event, CliError> {
    if let Some(event) = governed_event(op) {
        return Ok(event);
    }
    // The one operation without its event's data: a policy change.
    Ok(match op {
        Operation::ChangePolicy { digest } => {
            let file = policy.ok_or_else(|| {
                CliError::Input(format!(
                    "this proposal changes the policy to the document with SHA-256 {}; pass it with --policy FILE",
                    crate::output::hex(digest)
                ))
            })?;
            let event = policy_event(file)?;
            if operation(&event)? != *op {
                return Err(CliError::PolicyFile {
                    path: file.into(),
                    reason: format!(
                        "it is not the document this proposal names (SHA-256 {}…)",
                        short_hex(digest)
                    ),
                });
            }
            event
        }
        other => return Err(CliError::Input(format!("{other} has no ledger event"))),
    })
}

/// The SHA-256 a token names for a policy document (the ledger's own rule).
pub fn policy_digest(bytes: &[u8]) -> Option<[u8; 32]> {
    match required_operation(&Event::PolicyChanged { policy: bytes.to_vec() }) {
        Some(Operation::ChangePolicy { digest }) => Some(digest),
        _ => None,
    }
}

/// The token operation that authorises `event` (every `Change` is governed).
pub fn operation(event: &Event) -> Result<Operation, CliError> {
    required_operation(event)
        .ok_or_else(|| CliError::Input(format!("a {} event is not a governed change", event.kind())))
}

/// The operation for people: node names next to short ids.
pub fn describe(op: &Operation, graph: &Graph) -> String {
    let node = |id: &NodeId| match graph.node(id) {
        Some(m) => format!("{} `{}`", id.short(), m.name),
        None => format!("{} (not in this store)", id.short()),
    };
    match op {
        Operation::Promote { node: n } => format!("promote {} to bedrock", node(n)),
        Operation::Deprecate { node: n } => format!("deprecate {}", node(n)),
        Operation::Grant { node: n, capability } => format!("grant {capability} to {}", node(n)),
        Operation::Migrate { from, to } => format!("migrate {} to {}", node(from), node(to)),
        Operation::MigrateVia { from, to, adapter } => {
            format!("migrate {} to {} through adapter {}", node(from), node(to), node(adapter))
        }
        Operation::ChangeKeyring { keys, quorum } => {
            format!("set the keyring to {} keys, quorum {quorum}", keys.len())
        }
        Operation::ChangePolicy { digest } => {
            format!("set the policy to the document with SHA-256 {}…", short_hex(digest))
        }
    }
}
