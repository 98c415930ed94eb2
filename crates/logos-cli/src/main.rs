//! `logos`: the LOGOS operator command line.
//!
//! It creates a LOGOS store (one redb file), ingests nodes, wires typed
//! edges between them, makes governed changes under N-of-M migration tokens,
//! and reads, proves, exports and verifies the hash-chained ledger that
//! records every change. It is a thin shell over `logos-runtime`, the same
//! facade a host application embeds, so it can do nothing a host could not.
//!
//! It is not a compiler (until `logos-compile` lands, `node add-wasm` ingests
//! a prebuilt module with a hand-written manifest), not an executor, and not
//! a second implementation of the store or the ledger: it holds no format of
//! its own.
//!
//! ```text
//! $ logos init --origin example.org/payments
//! $ logos node add-wasm parse.wasm --manifest parse.json
//! $ logos node add-wasm limit.wasm --manifest limit.json
//! $ logos --as agent:risk-bot edge add parse.amount limit.amount
//! $ logos graph show
//! $ logos ledger tail -n 5 --json
//! $ logos ledger verify
//! ledger verified: 4 entries, head 3fa9c1d2e4b5…, 2 nodes, 1 edge
//! ```
//!
//! Governance and audit (key and token file formats are in [`keys`] and
//! `logos_ledger::token`):
//!
//! ```text
//! $ logos keygen --out alice            # alice.key (secret), alice.pub
//! $ logos init --human alice.pub --human bob.pub --human carol.pub --quorum 2
//! $ logos token create promote limit --out promote.tok
//! $ logos token sign promote.tok --key alice.key      # on Alice's machine
//! $ logos token sign promote.tok --key bob.key        # on Bob's
//! $ logos node promote limit --token promote.tok
//! $ logos ledger export --out ledger.bundle
//! $ logos ledger verify --bundle ledger.bundle --trusted-key logos.redb.logkey.pub
//! $ logos ledger prove 3 --json
//! ```
//!
//! Exit codes are listed in [`error`].
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod error;
mod files;
mod keys;
mod noderef;
mod output;
mod panic_guard;
mod time;

use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // clap prints its own usage errors and exits with 2.
    let cli = cli::Cli::parse();
    panic_guard::install();
    let result = panic::catch_unwind(AssertUnwindSafe(|| commands::run(&cli)));
    match result.unwrap_or_else(|_| Err(panic_guard::take())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
