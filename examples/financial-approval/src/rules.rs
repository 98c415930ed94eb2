//! Act 2: the rules as nodes: compiled from `nodes/*.rs`, stored, wired with
//! typed edges, locked as bedrock under quorum tokens, and made into the
//! production flow.

use std::error::Error;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use logos_runtime::layers::compile::{CompiledNode, Compiler, Progress};
use logos_runtime::{Edge, Event, Flow, NodeId, Operation, PortRef};

use crate::bank::World;
use crate::text::paragraph;

/// The production flow: inputs `txn` and `history` (of `intake`), outputs
/// `decision`, `reasons` and `score`.
pub const FLOW: &str = "approve-transaction";

/// The bank's rules, by role.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rules {
    pub intake: NodeId,
    pub thresholds: NodeId,
    pub amount_limit: NodeId,
    pub sanctions: NodeId,
    pub velocity: NodeId,
    pub duplicate: NodeId,
    pub features: NodeId,
    pub score: NodeId,
    pub decide: NodeId,
}

/// How the compiler answered.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub built: usize,
    pub cached: usize,
}

/// Compiles, stores, wires and locks the rules; defines the production flow.
pub(crate) fn install(
    out: &mut dyn Write,
    world: &World,
    compile_dir: &Path,
) -> Result<(Rules, Compiler, Tally), Box<dyn Error>> {
    world.at(5);
    writeln!(out, "2. The bank writes its rules as nodes")?;
    paragraph(
        out,
        "Each rule is a small Rust function (examples/financial-approval/nodes/*.rs), compiled to \
         WebAssembly and named by the SHA-256 of the result, so a node's id is its exact code.",
    )?;
    if !compile_dir.join("target").exists() {
        paragraph(
            out,
            "First run here: the compiler also builds the payloads' dependencies (serde, postcard) \
             for wasm, once. That takes about half a minute; later runs take their nodes from the cache.",
        )?;
    }
    let compiler = Compiler::builder()
        .cache_dir(compile_dir.join("cache"))
        .target_dir(compile_dir.join("target"))
        .build()?;
    let mut tally = Tally::default();
    let host = world.sup.host();
    let mut add = |name: &str, source: &str| -> Result<NodeId, Box<dyn Error>> {
        let node = compile(out, &compiler, name, source, &mut tally)?;
        Ok(host.add_node(&node.wasm, &node.manifest)?.id)
    };
    let rules = Rules {
        intake: add("intake", include_str!("../nodes/intake.rs"))?,
        thresholds: add("thresholds", include_str!("../nodes/thresholds.rs"))?,
        amount_limit: add("amount-limit", include_str!("../nodes/amount-limit.rs"))?,
        sanctions: add("sanctioned-country", include_str!("../nodes/sanctioned-country.rs"))?,
        velocity: add("velocity", include_str!("../nodes/velocity.rs"))?,
        duplicate: add("duplicate-check", include_str!("../nodes/duplicate-check.rs"))?,
        features: add("risk-features", include_str!("../nodes/risk-features.rs"))?,
        score: add("risk-score", include_str!("../nodes/risk-score.rs"))?,
        decide: add("decide", include_str!("../nodes/decide.rs"))?,
    };

    let edges = wiring(&rules);
    for edge in &edges {
        host.link(edge)?;
    }
    writeln!(
        out,
        "\n   Wired with {} typed edges: an output feeds an input only if their types are equal.",
        edges.len()
    )?;
    writeln!(out, "   The thresholds reach the rules as edges too, not as constants inside them:")?;
    let graph = world.sup.state().graph;
    for edge in edges.iter().filter(|e| e.from.node == rules.thresholds) {
        let ty = graph.node(&edge.from.node).and_then(|m| m.output(&edge.from.port)).map(ToString::to_string);
        let from = format!("{}.{}", world.name(&edge.from.node), edge.from.port);
        let to = format!("{}.{}", world.name(&edge.to.node), edge.to.port);
        writeln!(out, "     {from:<31} → {to:<31} {}", ty.unwrap_or_default())?;
    }

    // Inputs of bedrock nodes are locked, so the wiring comes first.
    let nodes = [
        rules.intake,
        rules.thresholds,
        rules.amount_limit,
        rules.sanctions,
        rules.velocity,
        rules.duplicate,
        rules.features,
        rules.score,
        rules.decide,
    ];
    let [alice, bob, _] = &world.people;
    for node in nodes {
        let token = world.token(Operation::Promote { node }, &[alice, bob])?;
        host.govern(Event::Promoted { node }, &token)?;
    }
    writeln!(
        out,
        "\n   Locked as bedrock: {} nodes, each under a token that {} and {} signed (2 of 3).",
        nodes.len(),
        alice.name,
        bob.name
    )?;

    let flow = Flow::production(
        FLOW,
        vec![PortRef::new(rules.intake, "txn"), PortRef::new(rules.intake, "history")],
        vec![
            PortRef::new(rules.decide, "decision"),
            PortRef::new(rules.decide, "reasons"),
            PortRef::new(rules.score, "score"),
        ],
    );
    host.define_flow(&flow)?;
    paragraph(
        out,
        &format!(
            "Production flow {FLOW}: txn, history → decision, reasons, score. A production flow runs \
             bedrock nodes only."
        ),
    )?;
    writeln!(out)?;
    Ok((rules, compiler, tally))
}

/// Compiles one payload, writing one line of progress.
pub(crate) fn compile(
    out: &mut dyn Write,
    compiler: &Compiler,
    name: &str,
    source: &str,
    tally: &mut Tally,
) -> Result<CompiledNode, Box<dyn Error>> {
    write!(out, "   {name:<19} ")?;
    out.flush()?;
    let started = Instant::now();
    let mut cached = false;
    let node = compiler.compile(source, name, &mut |progress| {
        if let Progress::CacheHit { .. } = progress {
            cached = true;
        }
    })?;
    let how = if cached {
        tally.cached += 1;
        "from the compile cache".to_owned()
    } else {
        tally.built += 1;
        format!("compiled in {:.1} s", started.elapsed().as_secs_f64())
    };
    writeln!(out, "{}  {how}", node.id.short())?;
    Ok(node)
}

/// Every edge of the production graph: from (node, output) to (node, input).
fn wiring(r: &Rules) -> Vec<Edge> {
    let wires = [
        (r.intake, "amount_cents", r.amount_limit, "amount_cents"),
        (r.intake, "channel", r.amount_limit, "channel"),
        (r.thresholds, "max_amount_cents", r.amount_limit, "max_amount_cents"),
        (r.intake, "country", r.sanctions, "country"),
        (r.intake, "amount_cents", r.velocity, "amount_cents"),
        (r.intake, "count_24h", r.velocity, "count_24h"),
        (r.intake, "total_24h_cents", r.velocity, "total_24h_cents"),
        (r.thresholds, "max_count_24h", r.velocity, "max_count_24h"),
        (r.thresholds, "max_total_24h_cents", r.velocity, "max_total_24h_cents"),
        (r.intake, "merchant", r.duplicate, "merchant"),
        (r.intake, "amount_cents", r.duplicate, "amount_cents"),
        (r.intake, "recent", r.duplicate, "recent"),
        (r.intake, "amount_cents", r.features, "amount_cents"),
        (r.intake, "channel", r.features, "channel"),
        (r.intake, "count_24h", r.features, "count_24h"),
        (r.intake, "total_24h_cents", r.features, "total_24h_cents"),
        (r.features, "features", r.score, "features"),
        (r.amount_limit, "flag", r.decide, "amount_flag"),
        (r.sanctions, "flag", r.decide, "sanctions_flag"),
        (r.velocity, "flag", r.decide, "velocity_flag"),
        (r.duplicate, "flag", r.decide, "duplicate_flag"),
        (r.score, "score", r.decide, "score"),
        (r.score, "factors", r.decide, "factors"),
        (r.thresholds, "review_at", r.decide, "review_at"),
        (r.thresholds, "reject_at", r.decide, "reject_at"),
    ];
    wires
        .into_iter()
        .map(|(from, output, to, input)| Edge::new(PortRef::new(from, output), PortRef::new(to, input)))
        .collect()
}
