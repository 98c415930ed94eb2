//! Replays the fuzz inputs through the fuzz targets' own checks, on stable,
//! as part of `cargo test`: the committed seeds in `fuzz/seeds/<target>/`
//! always, and a local `fuzz/corpus/<target>/` (git-ignored, grown by
//! `cargo fuzz run`) when there is one.
//!
//! The checks are not copied here: `fuzz/src/checks.rs` is compiled into this
//! test with `#[path]`. It uses only `logos_core` and `std`, so it builds the
//! same inside the fuzz crate and inside this test, whereas a dependency on
//! the fuzz crate is impossible (it lives outside the workspace and pulls in
//! libFuzzer). The cost: this test reads a file outside logos-core's package,
//! so it only runs from a repository checkout, which is where tests run.

#[path = "../../../fuzz/src/checks.rs"]
mod checks;

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files directly inside `dir`, sorted so failures are reproducible.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry is readable").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `check` over every seed of `target` (there must be some) and every
/// corpus file, naming the file if a check panics.
fn replay(target: &str, check: fn(&[u8])) {
    let seeds = fuzz_dir().join("seeds").join(target);
    let mut inputs = files_in(&seeds);
    assert!(!inputs.is_empty(), "no seeds in {}", seeds.display());
    let corpus = fuzz_dir().join("corpus").join(target);
    if corpus.is_dir() {
        inputs.extend(files_in(&corpus));
    }
    for path in inputs {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        if std::panic::catch_unwind(|| check(&data)).is_err() {
            panic!("fuzz check `{target}` fails on {}", path.display());
        }
    }
}

#[test]
fn value_decode_check_passes_on_every_seed_and_corpus_input() {
    replay("value_decode", checks::value_decode);
}

#[test]
fn type_parse_check_passes_on_every_seed_and_corpus_input() {
    replay("type_parse", checks::type_parse);
}

#[test]
fn graph_contract_check_passes_on_every_seed_and_corpus_input() {
    replay("graph_contract", checks::graph_contract);
}
