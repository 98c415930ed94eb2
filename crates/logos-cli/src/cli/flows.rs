//! The grammar of flows, runs and their records: `flow`, `run`, `exec`, `replay`.

use clap::{Args, Subcommand};

/// `logos flow ...`
///
/// A flow is a named entry into the graph: the input ports a run feeds, the
/// output ports it returns. Flows are ledger events like every other change.
#[derive(Debug, Subcommand)]
pub enum FlowCommand {
    /// Define a flow (or redefine one you own): `flow create NAME --in NODE.PORT... --out NODE.PORT...`.
    ///
    /// NODE is a node name or at least 4 hex digits of its id; PORT follows
    /// the last '.'. Inputs are fed in the order given; every other input of
    /// the nodes the flow runs must be fed by an edge.
    Create {
        /// The flow's name (1 to 64 of A-Z a-z 0-9 _ . -).
        #[arg(value_name = "NAME")]
        name: String,
        /// The input ports fed from outside, in order.
        #[arg(long = "in", value_name = "NODE.PORT", num_args = 1..)]
        inputs: Vec<String>,
        /// The output ports returned, in order.
        #[arg(long = "out", value_name = "NODE.PORT", num_args = 1.., required = true)]
        outputs: Vec<String>,
        /// A production flow: live bedrock nodes only, run by the host (agents
        /// may define and run sandbox flows only).
        #[arg(long)]
        production: bool,
    },
    /// List the flows.
    List,
    /// Show one flow: its ports and types, and the nodes a run executes.
    Show {
        /// The flow's name.
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// Remove a flow (its owner or the host).
    Remove {
        /// The flow's name.
        #[arg(value_name = "NAME")]
        name: String,
    },
}

/// `logos run FLOW --input JSON [--record]`
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The flow's name.
    #[arg(value_name = "FLOW")]
    pub flow: String,
    /// The inputs: a JSON array with one value per flow input, in order, or
    /// an object keyed by `NODE.PORT` (or by port name when unique);
    /// `@FILE` reads the JSON from FILE.
    #[arg(long, value_name = "JSON", default_value = "[]")]
    pub input: String,
    /// Record the execution (to STORE's record file, e.g. logos.records.redb
    /// next to logos.redb) so `logos exec show` and `logos replay` can use it.
    #[arg(long)]
    pub record: bool,
}

/// `logos exec ...`: recorded executions, kept in the store's record file
/// (`logos.records.redb` next to `logos.redb`).
#[derive(Debug, Subcommand)]
pub enum ExecCommand {
    /// List the most recent recorded executions, newest first.
    List {
        /// How many.
        #[arg(long, value_name = "N", default_value_t = 20)]
        limit: usize,
    },
    /// Show one recorded execution: inputs, outputs, fuel per node, outcome.
    Show {
        /// The execution id (from `logos run --record` or `logos exec list`).
        #[arg(value_name = "ID")]
        id: u64,
    },
}
