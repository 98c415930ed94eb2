//! Fuzz checks for logos-core. The targets in `fuzz_targets/` are one-line
//! wrappers around [`checks`], so the same assertions also run as plain
//! tests over the seed corpus (see `crates/logos-core/tests/fuzz_regressions.rs`).

pub mod checks;
