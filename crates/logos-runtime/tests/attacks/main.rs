//! The attack corpus: every hostile payload and hostile byte string LOGOS
//! promises to survive, in one place, run end to end through the host API.
//!
//! `corpus/` holds the static inputs, one file per attack, each opening with
//! an `attack:` line (what it attempts) and a `must:` line (what has to
//! happen): payload sources (`compile/`, `run/`), WebAssembly text (`wasm/`)
//! and raw bytes as hex (`bytes/`). Attacks whose input only exists against a
//! compiled node or a live ledger (forged contracts, tokens, checkpoints,
//! bundles, damaged store files) are rows of the tables in `ingest.rs`,
//! `tokens.rs`, `transparency.rs` and `store_files.rs`, each with its own
//! `must`.
//!
//! One world is built per run: a real `RedbStore` in a temporary directory,
//! a `Supervisor` over it with three human keys (quorum 2), and the real
//! compiler with its cache and cargo target dir under `CARGO_TARGET_TMPDIR`
//! (so compiled payloads are reused between runs). Before anything else the
//! runner plants two canaries: a file holding one random secret next to the
//! store, and an environment variable holding another. Several payloads aim
//! straight at them.
//!
//! Every attack must end in its expected typed error (matched on the enum,
//! never on message text), or in the bounded success its `must:` line
//! states. After each one the runner (`runner.rs`) checks the invariants: no
//! panic; the ledger head unchanged, since an attack is either refused or
//! a run, and runs do not write the ledger; `verify()` still passes; the
//! refusal was reported to subscribers; and no canary secret or host path
//! shows up in any error, event, log line, output or compiled artifact.
//!
//! This binary has its own `main` (`harness = false`) so the environment
//! canary is set while the process still has a single thread.
//! `cargo test -p logos-runtime --test attacks [-- FILTER...]` runs it.

mod compile;
mod corpus;
mod harness;
mod ingest;
mod runner;
mod runs;
mod store_files;
mod tokens;
mod transparency;

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filters: Vec<&str> = args.iter().map(String::as_str).filter(|a| !a.starts_with('-')).collect();
    // Cargo and IDEs ask test binaries for their tests; each attack is one.
    if args.iter().any(|a| a == "--list") {
        for attack in all_attacks() {
            println!("{}: test", attack.name);
        }
        return;
    }
    let attacks: Vec<harness::Attack> = all_attacks()
        .into_iter()
        .filter(|a| filters.is_empty() || filters.iter().any(|f| a.name.contains(f)))
        .collect();
    // There are no ignored attacks; a filter that matches none runs none.
    if attacks.is_empty() || args.iter().any(|a| a == "--ignored") {
        println!("no attack selected");
        return;
    }
    // SAFETY: nothing has started a thread yet (reading the corpus above is
    // plain file I/O on this thread), so no other code can read the
    // environment while it changes.
    let canary = unsafe { harness::Canary::plant() };
    let started = Instant::now();
    let world = harness::World::new(canary);
    println!("attack world ready in {:.1} s", started.elapsed().as_secs_f64());
    let mut problems = runner::run_all(&world, attacks);
    problems.extend(world.final_checks());
    println!("attack corpus finished in {:.1} s", started.elapsed().as_secs_f64());
    if !problems.is_empty() {
        eprintln!("\n{} problem(s):", problems.len());
        for p in &problems {
            eprintln!("  - {p}");
        }
        std::process::exit(1);
    }
}

/// Every attack, in the order they run: refusals before build, ingestion,
/// runs, then the ledger, transparency and file attacks.
fn all_attacks() -> Vec<harness::Attack> {
    let mut all = Vec::new();
    all.extend(compile::attacks());
    all.extend(ingest::attacks());
    all.extend(runs::attacks());
    all.extend(tokens::attacks());
    all.extend(transparency::attacks());
    all.extend(store_files::attacks());
    corpus::assert_covered(&all);
    all
}
