//! `logos proposal create|list|show|approve|reject|apply`: governed changes
//! put to the keyring's humans inside the ledger, applied at quorum.

use std::path::Path;

use logos_runtime::{
    Approval, Graph, LedgerState, Proposal, ProposalState, Statement, StoreError, Supervisor, SupervisorError,
};
use serde::Serialize;

use super::Context;
use super::change::{Change, describe, event_for, operation};
use crate::error::{CliError, EXIT_INTEGRITY};
use crate::keys::read_secret_key;
use crate::output::{self, hex};
use crate::time::{now_ms, rfc3339_utc};

#[derive(Serialize)]
struct ProposalView {
    id: u64,
    proposer: String,
    /// The operation's `op` line, without `op`.
    operation: String,
    description: String,
    /// `open`, `applied` or `rejected`.
    state: &'static str,
    /// The seq of the entry that applied or rejected it.
    seq: Option<u64>,
    /// Why it was rejected.
    reason: Option<String>,
    /// Approvals by keys registered now.
    approvals: usize,
    quorum: u16,
    expires_ms: u64,
    expires: String,
    /// Open but past its expiry: it can no longer apply.
    expired: bool,
    /// `proposal show`: the statement approvers sign, and who signed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    statement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    approvers: Option<Vec<Approver>>,
}

#[derive(Serialize)]
struct Approver {
    key: String,
    registered: bool,
}

fn view(sup: &Supervisor, state: &LedgerState, id: u64, p: &Proposal, full: bool) -> ProposalView {
    // Every stored statement parsed when its proposal opened.
    let statement = Statement::parse(&p.statement).ok();
    let (operation, description, expires_ms) = match &statement {
        Some(s) => (
            s.operation().to_string().trim_start_matches("op ").to_owned(),
            describe(s.operation(), &state.graph),
            s.expires_at_ms(),
        ),
        None => ("?".into(), "unreadable statement".into(), 0),
    };
    let (label, seq) = match p.state {
        ProposalState::Open => ("open", None),
        ProposalState::Applied(seq) => ("applied", Some(seq)),
        ProposalState::Rejected(seq) => ("rejected", Some(seq)),
    };
    let reason = match p.state {
        ProposalState::Rejected(seq) => match sup.store().entry(seq).map(|e| e.event) {
            Ok(logos_runtime::Event::ProposalRejected { reason, .. }) => Some(reason),
            _ => None,
        },
        _ => None,
    };
    ProposalView {
        id,
        proposer: p.proposer.to_string(),
        operation,
        description,
        state: label,
        seq,
        reason,
        approvals: p.approvals.iter().filter(|a| state.keyring.contains(&a.key)).count(),
        quorum: state.keyring.quorum,
        expires_ms,
        expires: rfc3339_utc(expires_ms),
        expired: p.state == ProposalState::Open && now_ms() >= expires_ms,
        statement: full.then(|| p.statement.clone()),
        approvers: full.then(|| {
            p.approvals
                .iter()
                .map(|a| Approver { key: hex(&a.key), registered: state.keyring.contains(&a.key) })
                .collect()
        }),
    }
}

fn status_line(v: &ProposalView) -> String {
    match (v.state, v.seq) {
        ("open", _) if v.expired => "expired (never applied)".to_owned(),
        ("open", _) => format!("open: {} of {} approvals", v.approvals, v.quorum),
        (state, Some(seq)) => format!("{state} at ledger seq {seq}"),
        (state, None) => state.to_owned(),
    }
}

#[derive(Serialize)]
struct Opened {
    id: u64,
    operation: String,
    description: String,
    proposer: String,
    expires_ms: u64,
    expires: String,
    quorum: u16,
}

/// Opens a proposal for `change` as `--as`, expiring `ttl_ms` from now.
pub fn create(ctx: &Context<'_>, change: Change<'_>, ttl_ms: u64) -> Result<(), CliError> {
    let sup = ctx.supervisor()?;
    let event = change.event(sup.store())?;
    let op = operation(&event)?;
    let id = ctx.session(&sup)?.propose(op.clone(), ttl_ms)?;
    let state = sup.state();
    let p = state.proposals.get(&id).ok_or(SupervisorError::UnknownProposal(id))?;
    let v = view(&sup, &state, id, p, false);
    if ctx.json {
        return output::print_json(&Opened {
            id,
            operation: v.operation,
            description: v.description,
            proposer: v.proposer,
            expires_ms: v.expires_ms,
            expires: v.expires,
            quorum: v.quorum,
        });
    }
    let mut text =
        format!("opened proposal {id} as {}: {} (expires {})\n", v.proposer, v.description, v.expires);
    text += &if state.keyring.quorum == 0 {
        "this store has no human keyring, so nobody can approve it\n".to_owned()
    } else {
        format!(
            "next: {} of the keyring's humans run `logos proposal approve {id} --key NAME.key`\n",
            state.keyring.quorum
        )
    };
    output::print_text(&text)
}

/// Lists every proposal.
pub fn list(ctx: &Context<'_>) -> Result<(), CliError> {
    let sup = ctx.supervisor()?;
    let state = sup.state();
    let views: Vec<ProposalView> =
        state.proposals.iter().map(|(id, p)| view(&sup, &state, *id, p, false)).collect();
    if ctx.json {
        return output::print_json(&views);
    }
    let mut text = format!("{}\n", output::count(views.len() as u64, "proposal", "proposals"));
    for v in &views {
        text += &format!("  {:>5}  {:<40} {}  by {}\n", v.id, status_line(v), v.description, v.proposer);
    }
    output::print_text(&text)
}

/// Shows one proposal: what it changes, the statement, approvals, state.
pub fn show(ctx: &Context<'_>, id: u64) -> Result<(), CliError> {
    let sup = ctx.supervisor()?;
    let state = sup.state();
    let p = state.proposals.get(&id).ok_or(SupervisorError::UnknownProposal(id))?;
    let v = view(&sup, &state, id, p, true);
    if ctx.json {
        return output::print_json(&v);
    }
    let mut text = format!("proposal {id}  [{}]\n", status_line(&v));
    text += &format!("  proposer   {}\n", v.proposer);
    text += &format!("  operation  {}\n", v.description);
    text += &format!("  expires    {}\n", v.expires);
    if let Some(reason) = &v.reason {
        text += &format!("  reason     {reason}\n");
    }
    for a in v.approvers.iter().flatten() {
        let registered = if a.registered { "registered" } else { "no longer in the keyring" };
        text += &format!("  approved   {}… ({registered})\n", &a.key[..12]);
    }
    text += "  statement  (the exact text approvers sign)\n";
    for line in v.statement.iter().flat_map(|s| s.lines()) {
        text += &format!("    {line}\n");
    }
    if v.state == "open" && !v.expired {
        text += &format!("next: `logos proposal approve {id} --key NAME.key`\n");
    }
    output::print_text(&text)
}

#[derive(Serialize)]
struct Approved {
    id: u64,
    signer: String,
    /// `pending`, `applied`, or `ready` (a policy change waiting for its document).
    state: &'static str,
    approvals: Option<usize>,
    quorum: Option<usize>,
    /// The seq of the applied change.
    seq: Option<u64>,
}

/// Approves proposal `id` with the human key in `key_path`; applies it at quorum.
pub fn approve(ctx: &Context<'_>, id: u64, key_path: &Path) -> Result<(), CliError> {
    let key = read_secret_key(key_path)?;
    let signer = hex(key.verifying_key().as_bytes());
    let sup = ctx.supervisor()?;
    let what = describe_proposal(&sup, id)?;
    let public = key.verifying_key().to_bytes();
    let approved_by_key =
        || sup.proposals().get(&id).is_some_and(|p| p.approvals.iter().any(|a| a.key == public));
    let before = approved_by_key();
    let approval = sup.approve(id, &key).map_err(|e| {
        let e = CliError::from(e);
        if !before && approved_by_key() && e.exit_code() != EXIT_INTEGRITY {
            // The approval is in the ledger; only applying the change failed.
            CliError::Input(format!("approval recorded, but the change could not be applied: {e}"))
        } else {
            e
        }
    })?;
    let (state, approvals, quorum, seq) = match approval {
        Approval::Pending { have, need } => ("pending", Some(have), Some(need), None),
        Approval::Applied { seq } => ("applied", None, None, Some(seq)),
        Approval::Ready => ("ready", None, None, None),
    };
    if ctx.json {
        return output::print_json(&Approved { id, signer, state, approvals, quorum, seq });
    }
    let who = format!("approved proposal {id} as {}…", &signer[..12]);
    output::print_text(&match approval {
        Approval::Pending { have, need } => format!(
            "{who}: {have} of {need} approvals; {} more needed (`logos proposal approve {id} --key NAME.key`)\n",
            need.saturating_sub(have)
        ),
        Approval::Applied { seq } => format!("{who}: quorum reached, applied: {what} (ledger seq {seq})\n"),
        _ => format!(
            "{who}: quorum reached; a policy change needs its document: \
             `logos proposal apply {id} --policy FILE`\n"
        ),
    })
}

/// What proposal `id` changes, for people; refuses an open proposal past
/// its expiry (an approval could never make it apply).
fn describe_proposal(sup: &Supervisor, id: u64) -> Result<String, CliError> {
    let p = sup.proposals().remove(&id).ok_or(SupervisorError::UnknownProposal(id))?;
    let graph: Graph = sup.state().graph;
    let statement = Statement::parse(&p.statement).ok();
    if let Some(s) = &statement
        && p.state == ProposalState::Open
        && now_ms() >= s.expires_at_ms()
    {
        return Err(CliError::Input(format!(
            "proposal {id} expired at {}, so it can no longer apply; open a new one with `logos proposal create ...`",
            rfc3339_utc(s.expires_at_ms())
        )));
    }
    Ok(statement.map(|s| describe(s.operation(), &graph)).unwrap_or_default())
}

/// Rejects proposal `id` as `--as`.
pub fn reject(ctx: &Context<'_>, id: u64, reason: &str) -> Result<(), CliError> {
    let sup = ctx.supervisor()?;
    let seq = ctx.session(&sup)?.reject(id, reason)?;
    if ctx.json {
        return output::print_json(&serde_json::json!({ "id": id, "seq": seq, "state": "rejected" }));
    }
    output::print_text(&format!("rejected proposal {id} (ledger seq {seq}); it is closed for good\n"))
}

/// Applies approved proposal `id` as `--as`; a policy change takes its document from `policy`.
pub fn apply(ctx: &Context<'_>, id: u64, policy: Option<&Path>) -> Result<(), CliError> {
    let sup = ctx.supervisor()?;
    let p = sup.proposals().remove(&id).ok_or(SupervisorError::UnknownProposal(id))?;
    match p.state {
        ProposalState::Open => {}
        ProposalState::Applied(seq) => {
            return Err(CliError::Input(format!("proposal {id} was already applied (ledger seq {seq})")));
        }
        ProposalState::Rejected(seq) => {
            return Err(CliError::Input(format!("proposal {id} was rejected (ledger seq {seq})")));
        }
    }
    let token = sup.proposal_token(id)?;
    let op = token.statement().operation().clone();
    let event = event_for(&op, policy)?;
    let what = describe(&op, &sup.state().graph);
    let seq = ctx.session(&sup)?.govern(event, &token).map_err(|e| match e {
        SupervisorError::Store(StoreError::Token(source)) => CliError::ProposalRefused { id, source },
        e => e.into(),
    })?;
    if ctx.json {
        return output::print_json(&serde_json::json!({ "id": id, "seq": seq, "state": "applied" }));
    }
    output::print_text(&format!("applied proposal {id}: {what} (ledger seq {seq})\n"))
}
