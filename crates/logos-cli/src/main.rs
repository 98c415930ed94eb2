//! `logos`: the LOGOS operator command line.
//!
//! It creates a LOGOS store (one redb file), ingests nodes (compiled from an
//! AI-written payload, or prebuilt and verified statically), wires typed
//! edges, defines and runs flows, records and replays executions, makes
//! governed changes under N-of-M migration tokens or in-ledger proposals,
//! reads, proves, exports and verifies the hash-chained ledger that
//! records every change, and draws the graph and the ledger (through
//! `logos-viz`). It is a thin shell over `logos-runtime`'s `Supervisor`,
//! the same root a host application embeds: every change is
//! made by the session of `--as`, so the ledger's rules for agents apply
//! and the CLI can do nothing a host could not.
//!
//! It is not a second implementation of the store, the ledger or the
//! supervisor's rules: it holds no format of its own. Execution records
//! live next to the store (`logos.redb` -> `logos.records.redb`).
//!
//! ```text
//! $ logos init --origin example.org/payments
//! $ logos node add-wasm parse.wasm            # the manifest embedded in the module
//! $ logos node add limit.rs                   # compile, verify, store
//! $ logos edge add parse.amount limit.amount
//! $ logos flow create check --in parse.text --out limit.ok
//! $ logos run check --input '["120.50"]' --record
//! $ logos replay 1
//! $ logos --as agent:risk-bot proposal create promote limit
//! $ logos proposal approve 4 --key alice.key && logos proposal approve 4 --key bob.key
//! $ logos ledger verify
//! $ logos viz --format svg --flow check --out check.svg
//! $ logos viz --format timeline --last 20 > ledger.mmd
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

fn main() -> ExitCode {
    // clap prints its own usage errors and exits with 2.
    let cli = cli::Cli::parse_checked();
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
