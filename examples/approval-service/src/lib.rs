//! An ordinary HTTP service that links `logos-runtime` and serves payment
//! approval decisions from a bedrock flow.
//!
//! At start-up it tells the financial-approval story
//! (`examples/financial-approval`) into a directory, which leaves behind the
//! bank's store: rules compiled from Rust, locked as bedrock under 2-of-3
//! human signatures, and the production flow `approve-transaction`. It then
//! opens that store, puts a [`Supervisor`](logos_runtime::Supervisor) over
//! it, runs the flow once to warm the engine, and serves:
//!
//! | endpoint | answer |
//! |---|---|
//! | `POST /v1/decisions` | a [`DecisionRequest`] in, a [`DecisionResponse`] out |
//! | `GET /v1/health` | `{"status":"ok", ...}` |
//! | `GET /v1/flow` | the production flow: its ports, types and nodes ([`FlowDescription`]) |
//!
//! Every decision is recorded (`records.redb` beside the store, values
//! included), so `logos replay` can re-run any of them bit for bit; the
//! response carries the record's id. Refusals are JSON `{"error": ...}`
//! with a status that says whose fault it is ([`DecideError::status`]):
//! 400 for a request that is not a transaction or that the rules refuse
//! (`intake` checks amount, country and merchant), 413 for a body over
//! 64 KiB, 422 for a transaction that exceeds the rules' limits, 503 when
//! the service is saturated, 500 only for the service's own failures.
//!
//! It is not a product: the story rebuilds the store on every start, there
//! is no authentication, and the only principal is the host. It shows what
//! a host does around the runtime: map a wire format onto flow inputs, keep
//! synchronous wasm off the async workers ([`Service::decide`] says how), map
//! typed errors onto statuses, and measure (`src/bin/load.rs`).
//!
//! # Running it
//!
//! ```sh
//! cargo run --release -p approval-service              # 127.0.0.1:8080
//! cargo run --release -p approval-service -- --addr 127.0.0.1:9000 --quiet
//! APPROVAL_SERVICE_ADDR=0.0.0.0:8080 cargo run --release -p approval-service
//!
//! curl -s localhost:8080/v1/decisions -H 'content-type: application/json' -d '{
//!   "id": "T-09", "merchant": "atm dubai mall", "amount_cents": 600000,
//!   "channel": "cash", "country": "AE",
//!   "history": {"count_24h": 1, "total_24h_cents": 4000, "recent": []}}'
//! # {"id":"T-09","decision":"reject","reasons":["risk 85: 150x usual amount, cash, large",
//! #  "over the cash limit (2,500.00)"],"score":85,"fuel":33742,"graph_version":52,"record":15}
//!
//! cargo run --release -p approval-service --bin load   # the bounded load test
//! ```
//!
//! The first start compiles the rules (about half a minute); later starts
//! take them from the compile cache in `target/logos-nodes`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod api;
mod http;
pub mod load;
pub mod samples;
mod service;

pub use api::{
    Channel, DecisionRequest, DecisionResponse, FlowDescription, History, PortDescription, Recent,
};
pub use http::{router, serve};
pub use service::{BootError, Config, DecideError, Service};

use std::path::PathBuf;

use financial_approval::Dirs;

/// The default directories: `<target>/<name>` for the store and records,
/// `<target>/logos-nodes` for compiled rules (the cache `cargo run -p
/// financial-approval` uses too), where `<target>` is `CARGO_TARGET_DIR` if
/// set, else the cargo target directory the running binary was built into,
/// else `./target`.
pub fn target_dirs(name: &str) -> Dirs {
    let target = target_dir();
    Dirs { out: target.join(name), compile: target.join("logos-nodes") }
}

fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().ok();
    let profile_dir = exe.as_deref().and_then(|e| e.parent());
    let built_by_cargo =
        profile_dir.and_then(|d| d.file_name()).is_some_and(|n| n == "debug" || n == "release");
    match profile_dir.and_then(|d| d.parent()) {
        Some(target) if built_by_cargo => target.to_path_buf(),
        _ => PathBuf::from("target"),
    }
}
