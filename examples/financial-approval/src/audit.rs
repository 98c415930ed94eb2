//! Acts 6 and 7: a decision replayed for an auditor; the ledger verified in
//! the store and, exported, without it; the pictures written.

use std::error::Error;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use logos_runtime::{
    Actor, Bundle, Event, GraphStore, NoteVerifier, ReplayReport, VerifyReport, verify_bundle,
};
use logos_viz::{Annotations, Focus, Layer, NodeStyle, TimelineEntry};

use crate::bank::World;
use crate::batch::{AUDITED, Decided};
use crate::rules::FLOW;
use crate::shown;
use crate::text::{hex, paragraph, thousands};

/// What act 7 established.
pub(crate) struct Audited {
    pub verified: VerifyReport,
    pub bundle_entries: u64,
    pub files: Vec<PathBuf>,
}

/// Act 6: replays the audited payment's recorded run.
pub(crate) fn replay(
    out: &mut dyn Write,
    world: &World,
    decisions: &[Decided],
) -> Result<(String, ReplayReport), Box<dyn Error>> {
    world.at(120);
    writeln!(out, "6. An auditor replays a decision")?;
    let decided = decisions.iter().find(|d| d.id == AUDITED).ok_or("the audited payment did not run")?;
    let id = decided.record.ok_or("the audited payment's run was not recorded")?;
    // Records are committed in groups; make sure this one is on disk.
    if let Some(recorder) = world.sup.runtime().recorder() {
        recorder.sink().flush()?;
    }
    let record = world.sup.execution(id)?;
    paragraph(
        out,
        &format!(
            "Why was {AUDITED} sent to {}? Its record names the graph version it ran on, so the \
             replay runs exactly those nodes on the recorded inputs, however the graph changes later.",
            decided.decision
        ),
    )?;
    // A record names the ledger size its plan was made at: the graph after
    // the entry before it.
    let last = world.sup.store().entry(record.graph_seq.saturating_sub(1))?;
    let what = if let Event::Migrated { .. } = last.event { ", the migration" } else { "" };
    let label = format!("record #{id}");
    writeln!(out, "   {label:<12} {} on the graph as of ledger entry {}{what}", record.flow, last.seq)?;
    let outputs = record.outputs_digest.map_or_else(|| "none".to_owned(), |d| hex(&d.0, 6));
    writeln!(
        out,
        "   {:<12} {} nodes, {} fuel, outputs {outputs} (BLAKE3)",
        "",
        record.nodes.len(),
        thousands(record.fuel())
    )?;
    let report = world.sup.replay(id)?;
    match &report.divergence {
        None => writeln!(
            out,
            "   {:<12} {} nodes: identical, node by node (inputs, outputs, fuel)\n",
            "replayed", report.nodes_replayed
        )?,
        Some(d) => writeln!(out, "   {:<12} DIVERGED: {}\n", "replayed", world.plain(&d.to_string()))?,
    }
    Ok((AUDITED.to_owned(), report))
}

/// Act 7: verification, export, an auditor's check of the export, pictures.
pub(crate) fn publish(out: &mut dyn Write, world: &World, dir: &Path) -> Result<Audited, Box<dyn Error>> {
    world.at(125);
    writeln!(out, "7. The ledger holds up without the bank's database")?;
    let store = world.sup.store();
    let verified = store.verify()?;
    writeln!(
        out,
        "   verify     {} entries re-checked in the store: hash chain, Merkle tree, and every change",
        verified.entries
    )?;
    writeln!(
        out,
        "              re-applied to rebuild the graph ({} nodes, {} edges)",
        verified.nodes, verified.edges
    )?;

    let bundle_path = dir.join("ledger.bundle.json");
    let key_path = dir.join("log-key.pub");
    fs::write(&bundle_path, store.export_bundle(&world.log_key)?.to_json())?;
    fs::write(&key_path, format!("{}\n", world.log_key.verifier().to_vkey()))?;
    writeln!(out, "   export     ledger.bundle.json: every entry, and a checkpoint signed by the log key")?;
    // The auditor's side: two files, no database.
    let bundle = Bundle::parse(&fs::read_to_string(&bundle_path)?)?;
    let trusted = NoteVerifier::from_vkey(fs::read_to_string(&key_path)?.trim())?;
    let audit = verify_bundle(&bundle, &[trusted], None)?;
    writeln!(
        out,
        "   audit      the bundle alone, against log-key.pub: {} entries replayed, every quorum",
        audit.entries
    )?;
    writeln!(out, "              re-checked, and the Merkle root equal to the signed one")?;

    let graph_md = dir.join("graph.md");
    let graph_svg = dir.join("graph.svg");
    let ledger_md = dir.join("ledger.md");
    let notes = annotations(world)?;
    let graph = world.sup.state().graph;
    let mermaid = logos_viz::mermaid_with(&graph, &notes);
    fs::write(&graph_md, markdown(&format!("{FLOW}: the bank's rules"), GRAPH_NOTE, &mermaid))?;
    fs::write(&graph_svg, logos_viz::svg_with(&graph, &notes))?;
    let timeline = logos_viz::timeline(&timeline(world)?, usize::MAX);
    fs::write(&ledger_md, markdown("The bank's ledger", LEDGER_NOTE, &timeline))?;
    writeln!(out, "   pictures   graph.md (Mermaid), graph.svg, ledger.md (the ledger, entry by entry)")?;
    writeln!(out)?;
    paragraph(
        out,
        &format!(
            "All in {}/, beside the store (bank.redb) and the execution records (records.redb). \
             Check the export yourself, with nothing but the two files:",
            shown(dir)
        ),
    )?;
    writeln!(out, "     cargo run -p logos-cli -- ledger verify \\")?;
    writeln!(out, "         --bundle {} \\", shown(&bundle_path))?;
    writeln!(out, "         --trusted-key {}", shown(&key_path))?;

    let files = vec![
        dir.join("bank.redb"),
        dir.join("records.redb"),
        bundle_path,
        key_path,
        graph_md,
        graph_svg,
        ledger_md,
    ];
    Ok(Audited { verified, bundle_entries: audit.entries, files })
}

const GRAPH_NOTE: &str = "The graph as the story leaves it. Bedrock nodes (locked) are filled; the \
deprecated `amount-limit` is dashed: migrated away from, kept in the ledger, never deleted. The nodes \
of the production flow are emphasised. Written by `cargo run -p financial-approval`.";

const LEDGER_NOTE: &str =
    "Every entry of the ledger, oldest first. Written by `cargo run -p financial-approval`.";

fn markdown(title: &str, note: &str, mermaid: &str) -> String {
    format!("# {title}\n\n{note}\n\n```mermaid\n{}\n```\n", mermaid.trim_end())
}

/// The ledger's view of each node, and the production flow emphasised.
fn annotations(world: &World) -> Result<Annotations, Box<dyn Error>> {
    let state = world.sup.state();
    let mut notes = Annotations {
        title: Some(format!("{FLOW} (production)")),
        focus: Focus::Emphasise,
        ..Default::default()
    };
    for (id, status) in &state.status {
        let layer = if status.bedrock { Layer::Bedrock } else { Layer::Sediment };
        notes
            .styles
            .insert(*id, NodeStyle { layer, deprecated: status.deprecated, grants: status.grants.clone() });
    }
    if let Some(defined) = state.flows.get(FLOW) {
        notes.highlight = state.flow_nodes(&defined.flow)?;
    }
    Ok(notes)
}

/// Every ledger entry, with approvers and full node ids called by their
/// names (short ids stay: the summaries give the names beside them).
fn timeline(world: &World) -> Result<Vec<TimelineEntry>, Box<dyn Error>> {
    let store = world.sup.store();
    let mut entries = Vec::new();
    for seq in 0..store.head()?.size {
        let entry = store.entry(seq)?;
        let actor = match &entry.actor {
            Actor::Human(key) => {
                world.person(key).map_or_else(|| entry.actor.to_string(), |p| format!("human:{}", p.name))
            }
            other => other.to_string(),
        };
        entries.push(TimelineEntry {
            seq,
            timestamp_ms: entry.timestamp_ms,
            actor,
            kind: entry.event.kind().to_owned(),
            summary: world.named(&entry.event.summary(), false),
        });
    }
    Ok(entries)
}
