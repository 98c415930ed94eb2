//! `logos node add FILE.rs`, `node show`, `node list`: compile an
//! AI-written payload into a verified node, and look at stored nodes.

use std::fs;
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use logos_runtime::layers::compile::{Compiler, Progress};
use logos_runtime::{Capability, GraphStore, NodeId, NodeManifest, Operation};
use serde::Serialize;

use super::Context;
use crate::error::CliError;
use crate::noderef;
use crate::output;

#[derive(Serialize)]
struct NodeView<'a> {
    id: NodeId,
    name: &'a str,
    inputs: Vec<String>,
    outputs: Vec<String>,
    capabilities: Vec<&'static str>,
    bedrock: bool,
    deprecated: bool,
    grants: Vec<&'static str>,
    parent: Option<NodeId>,
    /// Set by `node add`: false when the node was already stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seq: Option<u64>,
    /// Set by `node add --grant`: the proposal opened for each capability.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    grant_proposals: Vec<GrantProposal>,
}

#[derive(Serialize)]
struct GrantProposal {
    capability: &'static str,
    proposal: u64,
}

fn view<'a>(
    id: NodeId,
    m: &'a NodeManifest,
    status: Option<&logos_runtime::layers::ledger::NodeStatus>,
) -> NodeView<'a> {
    let ports = |ps: &[logos_runtime::Port]| ps.iter().map(|p| format!("{}: {}", p.name, p.ty)).collect();
    NodeView {
        id,
        name: &m.name,
        inputs: ports(&m.inputs),
        outputs: ports(&m.outputs),
        capabilities: m.capabilities.iter().map(|c| c.name()).collect(),
        bedrock: status.is_some_and(|s| s.bedrock),
        deprecated: status.is_some_and(|s| s.deprecated),
        grants: status.map(|s| s.grants.iter().map(|c| c.name()).collect()).unwrap_or_default(),
        parent: status.and_then(|s| s.parent),
        new: None,
        seq: None,
        grant_proposals: Vec::new(),
    }
}

fn describe(v: &NodeView<'_>) -> String {
    let layer = match (v.bedrock, v.deprecated) {
        (_, true) => "deprecated",
        (true, false) => "bedrock (locked)",
        (false, false) => "sediment",
    };
    let list = |xs: &[String]| if xs.is_empty() { "none".to_owned() } else { xs.join(", ") };
    let caps = |xs: &[&str]| if xs.is_empty() { "none".to_owned() } else { xs.join(", ") };
    let mut out = format!("node {} `{}`  [{layer}]\n", v.id, v.name);
    out += &format!("  inputs        {}\n", list(&v.inputs));
    out += &format!("  outputs       {}\n", list(&v.outputs));
    out += &format!("  requests      {}\n", caps(&v.capabilities));
    out += &format!("  granted       {}\n", caps(&v.grants));
    if let Some(parent) = v.parent {
        out += &format!("  replaces      {parent}\n");
    }
    out
}

/// How long a grant proposal opened by `node add --grant` stays open.
const GRANT_PROPOSAL_TTL_MS: u64 = 7 * 24 * 3_600_000;

/// Compiles `file`, verifies the module and stores the node; with
/// `grants`, proposes each grant for human approval.
pub fn add(
    ctx: &Context<'_>,
    file: &Path,
    name: Option<&str>,
    grants: &[Capability],
) -> Result<(), CliError> {
    let source = fs::read_to_string(file).map_err(|source| CliError::Read { path: file.into(), source })?;
    let name = name
        .map(str::to_owned)
        .or_else(|| file.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "node".into());
    // Open the store first: a missing store should not cost a compile.
    let sup = ctx.supervisor()?;
    let session = ctx.session(&sup)?;
    let compile_error = |e| CliError::Compile { path: file.into(), source: Box::new(e) };
    let compiler = Compiler::builder().build().map_err(compile_error)?;
    let bar = if ctx.json { ProgressBar::hidden() } else { ProgressBar::new_spinner() };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    let mut on_progress = |p: Progress| {
        bar.set_message(match p {
            Progress::Parsing => "checking the payload".to_owned(),
            Progress::CacheHit { id } => format!("cache hit {}", id.short()),
            Progress::Building { crates_done, last_crate } => match last_crate {
                Some(c) => format!("building ({crates_done} crates done, last {c})"),
                None => "building".to_owned(),
            },
            Progress::Verifying => "verifying the module".to_owned(),
            Progress::Done { id } => format!("compiled {}", id.short()),
            _ => "working".to_owned(),
        })
    };
    let compiled = compiler.compile(&source, &name, &mut on_progress);
    bar.finish_and_clear();
    let compiled = compiled.map_err(compile_error)?;
    if let Some(cap) = grants.iter().find(|c| !compiled.manifest.capabilities.contains(**c)) {
        return Err(CliError::Input(format!(
            "--grant {cap}: the payload does not request it; add `//! logos:capabilities = {cap}` to {}",
            file.display()
        )));
    }
    let added = session.add_node(&compiled.wasm, &compiled.manifest)?;
    let mut grant_proposals = Vec::with_capacity(grants.len());
    for cap in grants {
        let op = Operation::Grant { node: added.id, capability: *cap };
        let proposal = session.propose(op, GRANT_PROPOSAL_TTL_MS)?;
        grant_proposals.push(GrantProposal { capability: cap.name(), proposal });
    }
    let state = sup.state();
    let mut v = view(added.id, &compiled.manifest, state.status.get(&added.id));
    v.new = Some(added.seq.is_some());
    v.seq = added.seq;
    v.grant_proposals = grant_proposals;
    if ctx.json {
        return output::print_json(&v);
    }
    let what = match added.seq {
        Some(seq) => format!("added to the sediment layer (ledger seq {seq})"),
        None => "already stored; nothing changed".to_owned(),
    };
    let mut text = format!("{}  {what}\n", describe(&v));
    for g in &v.grant_proposals {
        text += &format!(
            "  grant {} proposed as proposal {}: approve with `logos proposal approve {} --key NAME.key`\n",
            g.capability, g.proposal, g.proposal
        );
    }
    output::print_text(&text)
}

/// Shows one node.
pub fn show(ctx: &Context<'_>, node: &str) -> Result<(), CliError> {
    let store = ctx.open()?;
    let state = store.state();
    let id = noderef::resolve(&state.graph, node)?;
    let manifest = store.manifest(&id)?.ok_or(logos_runtime::StoreError::UnknownNode(id))?;
    let v = view(id, &manifest, state.status.get(&id));
    if ctx.json { output::print_json(&v) } else { output::print_text(&describe(&v)) }
}

/// Lists every node.
pub fn list(ctx: &Context<'_>) -> Result<(), CliError> {
    let store = ctx.open()?;
    let state = store.state();
    let views: Vec<_> = state.graph.nodes().map(|(id, m)| view(*id, m, state.status.get(id))).collect();
    if ctx.json {
        return output::print_json(&views);
    }
    let mut out = String::new();
    for v in &views {
        let layer = if v.deprecated {
            "deprecated"
        } else if v.bedrock {
            "bedrock"
        } else {
            "sediment"
        };
        out += &format!(
            "{}  {:<24} {layer:<10} in: {}  out: {}\n",
            v.id.short(),
            v.name,
            v.inputs.join(", "),
            v.outputs.join(", ")
        );
    }
    if views.is_empty() {
        out += "no nodes\n";
    }
    output::print_text(&out)
}
