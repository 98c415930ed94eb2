//! A guided tour of what LOGOS guarantees today: content-addressed nodes,
//! exactly-typed edges, and a hash-chained ledger from which the graph can be
//! rebuilt. Run it with `cargo run -p logos-tour`.
//!
//! The nodes' wasm modules are placeholders that carry only their embedded
//! contract: compiling AI-written Rust into real node bodies is the next
//! layer (logos-compile), and running them is the one after (logos-runtime).
#![forbid(unsafe_code)]

use std::error::Error;
use std::time::{SystemTime, UNIX_EPOCH};

use logos_runtime::layers::ledger::verify_chain;
use logos_runtime::{
    Actor, Edge, GraphStore, Keyring, NodeId, NodeManifest, Port, PortRef, PortType, RedbStore, Stamp,
};

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

fn manifest(
    name: &str,
    inputs: &[(&str, &str)],
    outputs: &[(&str, &str)],
) -> Result<NodeManifest, Box<dyn Error>> {
    let ports = |list: &[(&str, &str)]| -> Result<Vec<Port>, Box<dyn Error>> {
        list.iter().map(|(n, t)| Ok(Port::new(*n, t.parse::<PortType>()?))).collect()
    };
    Ok(NodeManifest {
        name: name.into(),
        inputs: ports(inputs)?,
        outputs: ports(outputs)?,
        capabilities: Default::default(),
    })
}

fn port(node: NodeId, name: &str) -> PortRef {
    PortRef::new(node, name)
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("tour.redb");
    let host = Stamp::new(Actor::Host, now_ms());
    let agent = Stamp::new(Actor::agent("rule-writer")?, now_ms());

    println!("1. A host creates a LOGOS store. Its ledger starts with a genesis entry.");
    let store = RedbStore::create(&path, "tour.logos.local/ledger", Keyring::empty(), &host)?;
    println!("   store: {} (ledger size {})\n", path.display(), store.head()?.size);

    println!("2. An AI agent registers four nodes. Each node is named by the SHA-256 of its wasm,");
    println!("   and its contract (ports and types) is embedded in that wasm, so the id covers it.");
    let txn_type = "record{amount_cents: u64, country: string}";
    let nodes = [
        manifest("parse-transaction", &[("raw", "string")], &[("txn", txn_type), ("risk", "u32")])?,
        manifest("amount-limit", &[("txn", txn_type)], &[("within_limit", "bool")])?,
        manifest(
            "decide",
            &[("within_limit", "bool"), ("risk", "u64")],
            &[("decision", "enum{Approve, Review, Reject}")],
        )?,
        manifest("velocity-check", &[("txn", txn_type)], &[("within_limit", "bool")])?,
    ];
    let mut ids = Vec::new();
    for m in &nodes {
        let wasm = logos_compile::embed_manifest(b"\0asm\x01\0\0\0", m)?;
        let added = store.add_node(&agent, &wasm, m)?;
        println!(
            "   {} {:<18} ledger seq {}",
            added.id.short(),
            m.name,
            added.seq.map_or("-".into(), |s| s.to_string())
        );
        ids.push(added.id);
    }
    let (parse, limit, decide, velocity) = (ids[0], ids[1], ids[2], ids[3]);
    let again =
        store.add_node(&agent, &logos_compile::embed_manifest(b"\0asm\x01\0\0\0", &nodes[0])?, &nodes[0])?;
    println!(
        "   Registering identical wasm again is a no-op: same id, no new ledger entry ({}).\n",
        again.seq.is_none()
    );

    println!("3. Edges are typed contracts. Matching types are accepted:");
    for edge in [
        Edge::new(port(parse, "txn"), port(limit, "txn")),
        Edge::new(port(limit, "within_limit"), port(decide, "within_limit")),
    ] {
        let seq = store.add_edge(&agent, &edge)?;
        println!("   ok   {edge}  (ledger seq {seq})");
    }

    println!("\n4. ...and everything else is refused before anything is written:");
    let attempts = [
        ("a u32 risk score into a u64 input", Edge::new(port(parse, "risk"), port(decide, "risk"))),
        (
            "a second feeder for an input",
            Edge::new(port(velocity, "within_limit"), port(decide, "within_limit")),
        ),
        ("a port that does not exist", Edge::new(port(parse, "score"), port(decide, "risk"))),
    ];
    for (what, edge) in attempts {
        match store.add_edge(&agent, &edge) {
            Ok(_) => return Err(format!("{what} was accepted").into()),
            Err(e) => println!("   no   {what}:\n        {e}"),
        }
    }
    println!("   Ledger size is still {}.\n", store.head()?.size);

    println!("5. The ledger records every change, who made it, and chains each entry to the last:");
    for entry in store.tail(10)? {
        println!("   #{:<2} {:<18} {}", entry.seq, entry.actor.to_string(), entry.event.summary());
    }

    println!("\n6. The ledger is the source of truth: the graph is rebuilt from its events alone.");
    let report = store.verify()?;
    println!(
        "   verified {} entries (head {}…): the rebuilt graph equals the indexed one ({} nodes, {} edges).",
        report.entries,
        report.head[..6].iter().map(|b| format!("{b:02x}")).collect::<String>(),
        report.nodes,
        report.edges
    );
    let before_edges = store.graph_at(report.entries - 2)?;
    println!("   As of seq {} the graph had {} edge(s).\n", report.entries - 3, before_edges.edge_count());

    println!("7. An auditor with a copy of the entries detects any flipped byte, and learns where:");
    let mut entries = store.raw_entries(0..report.entries)?;
    let last = entries.len() - 2;
    let victim = &mut entries[last];
    let at = victim.len() / 2;
    victim[at] ^= 0x01;
    match verify_chain(&entries) {
        Ok(_) => return Err("tampering went unnoticed".into()),
        Err(e) => println!(
            "   {e}\n   (the edit to entry {last} broke the hash link that entry {} holds to it)\n",
            last + 1
        ),
    }

    println!("8. The graph as a Mermaid diagram (paste into any Markdown on GitHub):\n");
    println!("```mermaid\n{}```", logos_viz::mermaid(&store.graph()?));
    Ok(())
}
