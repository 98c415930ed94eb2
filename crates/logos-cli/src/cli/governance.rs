//! The grammar of proposals and upgrade plans.

use std::path::PathBuf;

use clap::Subcommand;

use super::TokenOp;
use crate::time::parse_duration;

/// `logos proposal ...`
///
/// A proposal is a governed change put to the humans of the keyring inside
/// the ledger: anyone (agents too) opens one, registered humans approve it
/// with their keys, and it applies by itself once the quorum approved.
#[derive(Debug, Subcommand)]
pub enum ProposalCommand {
    /// Propose a governed change as --as (same operations as `logos token create`).
    Create {
        /// How long approvals are accepted: 30m, 24h, 7d...
        #[arg(long = "expires-in", visible_alias = "ttl", value_name = "DURATION", default_value = "24h",
              global = true, value_parser = parse_duration)]
        expires_in: u64,
        #[command(subcommand)]
        op: TokenOp,
    },
    /// List every proposal with its state.
    List,
    /// Show one proposal: the statement approvers sign, its approvals, its state.
    Show {
        /// The proposal id.
        #[arg(value_name = "ID")]
        id: u64,
    },
    /// Approve with a human's key (applies the change once the quorum approved).
    Approve {
        /// The proposal id.
        #[arg(value_name = "ID")]
        id: u64,
        /// Your secret key file (NAME.key from `logos keygen`).
        #[arg(long, value_name = "KEYFILE")]
        key: PathBuf,
    },
    /// Reject and close a proposal, as --as (a human or the host; not an agent).
    Reject {
        /// The proposal id.
        #[arg(value_name = "ID")]
        id: u64,
        /// Why, recorded in the ledger (at most 500 characters).
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// Apply an approved proposal; a policy change needs its document (--policy FILE).
    Apply {
        /// The proposal id.
        #[arg(value_name = "ID")]
        id: u64,
        /// The policy document (JSON) a policy proposal names by digest.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
    },
}

/// `logos upgrade ...`
#[derive(Debug, Subcommand)]
pub enum UpgradeCommand {
    /// Order pending migrations so each can apply when its turn comes.
    Plan {
        /// The migrations, each FROM=TO (nodes by name or id prefix).
        #[arg(value_name = "FROM=TO", required = true, num_args = 1..)]
        migrations: Vec<String>,
    },
}
