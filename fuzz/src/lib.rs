//! Fuzz checks for logos-core ([`checks`]), logos-ledger ([`ledger_checks`])
//! and logos-compile ([`compile_checks`]).
//! The targets in `fuzz_targets/` are one-line wrappers around them, so the
//! same assertions also run as plain tests over the seed corpus (see
//! `crates/logos-core/tests/fuzz_regressions.rs`,
//! `crates/logos-ledger/tests/fuzz_regressions.rs` and
//! `crates/logos-compile/tests/fuzz_regressions.rs`).

pub mod checks;
pub mod compile_checks;
pub mod ledger_checks;
