//! `logos policy show` (`policy set` is a governed change, in `govern`).

use super::Context;
use super::change::policy_digest;
use crate::error::CliError;
use crate::output::{self, hex};

/// Prints the policy in force; with `--json`, exactly the document `policy set` takes.
pub fn show(ctx: &Context<'_>) -> Result<(), CliError> {
    let state = ctx.open()?.state();
    let policy = state.policy();
    if ctx.json {
        // Not wrapped in an envelope: `policy show --json > p.json` is the file to edit.
        return output::print_text(&format!("{}\n", policy.to_json()));
    }
    let origin =
        if state.policy.is_empty() { "the default (no policy set yet)" } else { "set in the ledger" };
    let digest = policy_digest(&policy.encode()).map(|d| hex(&d)).unwrap_or_default();
    let mib = |bytes: u64| bytes as f64 / f64::from(1 << 20);
    let mut text = format!("policy: {origin}\n  SHA-256 of its canonical encoding: {digest}\n");
    for (name, layer) in [("sediment", &policy.sediment), ("bedrock", &policy.bedrock)] {
        text += &format!(
            "  {name:<9} ceiling {}; per node {} fuel, {} MiB memory\n",
            layer.ceiling,
            layer.fuel,
            mib(layer.memory_bytes)
        );
    }
    let q = policy.default_quota;
    text += &format!(
        "  quotas    every agent: {} executions and {} fuel a day (UTC)\n",
        q.executions_per_day, q.fuel_per_day
    );
    for (agent, q) in &policy.agent_quotas {
        text += &format!(
            "            agent:{agent}: {} executions and {} fuel a day\n",
            q.executions_per_day, q.fuel_per_day
        );
    }
    let heal = policy.self_heal;
    text += &if heal.failures == 0 {
        "  self-heal off\n".to_owned()
    } else {
        format!(
            "  self-heal roll a migration back after {} failures in a row within its first {} executions\n",
            heal.failures, heal.window
        )
    };
    text += "change it: `logos policy show --json > policy.json`, edit, then \
             `logos token create policy policy.json` or `logos proposal create policy policy.json`\n";
    output::print_text(&text)
}
