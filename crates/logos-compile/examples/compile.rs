//! Compiles one payload file and prints its node id and ports.
//!
//! ```text
//! cargo run -p logos-compile --example compile -- payload.rs [node-name]
//! ```
//!
//! The cache and the shared target dir live under `$XDG_CACHE_HOME/logos/compile`
//! (or `~/.cache/logos/compile`); the first run builds the allowlisted
//! dependencies (and downloads them if cargo's cache does not have them yet).

use std::error::Error;

use logos_compile::{Compiler, Progress};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: compile FILE.rs [NODE-NAME]")?;
    let name = args.next().unwrap_or_else(|| "node".to_owned());
    let source = std::fs::read_to_string(&path)?;
    let compiler = Compiler::builder().build()?;
    let node = compiler.compile(&source, &name, &mut |p| match p {
        Progress::Building { last_crate: Some(c), crates_done } => eprintln!("built {c} ({crates_done})"),
        other => eprintln!("{other:?}"),
    })?;
    println!("node {}", node.id);
    for p in &node.manifest.inputs {
        println!("  in  {}: {}", p.name, p.ty);
    }
    for p in &node.manifest.outputs {
        println!("  out {}: {}", p.name, p.ty);
    }
    println!("  capabilities: {}", node.manifest.capabilities);
    println!("  {} bytes", node.wasm.len());
    Ok(())
}
