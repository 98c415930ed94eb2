//! Nodes that pass ingestion and attack at run time (`corpus/run/`, real
//! compiled payloads, and the run-time modules of `corpus/wasm/`): resource
//! bombs, capabilities used without a grant, ambient authority, lies about
//! the output. An agent stores each one as a sediment draft and runs it in a
//! sandbox flow, under the sediment layer's limits (10 M fuel, 16 MiB).

use logos_runtime::{Capability, Event, ExecErrorKind, LimitKind, Operation, TrapKind, Value};

use crate::corpus;
use crate::harness::{Attack, Failure, HOUR, NOW, Outcome, World, exec_kind};
use crate::ingest::ingest;

type Check = fn(&Outcome) -> bool;

/// Compiled payloads an agent runs as sediment drafts.
const COMPILED: &[(&str, Check)] = &[
    ("fuel_loop", |o| {
        matches!(exec_kind(o), Some(ExecErrorKind::Limit(LimitKind::Fuel { limit: 10_000_000 })))
    }),
    ("memory_growth", |o| {
        matches!(exec_kind(o), Some(ExecErrorKind::Limit(LimitKind::Memory { limit: 16_777_216, .. })))
    }),
    ("deep_recursion", |o| {
        matches!(exec_kind(o), Some(ExecErrorKind::Trap { trap: TrapKind::StackOverflow, .. }))
    }),
    ("huge_output", |o| {
        matches!(exec_kind(o), Some(ExecErrorKind::Limit(LimitKind::Output { limit: 1_048_576, .. })))
    }),
    ("stderr_spam", |o| {
        matches!(exec_kind(o), Some(ExecErrorKind::Trap { trap: TrapKind::Unreachable, message: Some(m) })
            if m.len() <= CAPTURE + MARK && m.ends_with("[truncated]"))
    }),
    ("ambient_clock", |o| match o {
        // The logical clock starts at 0 and moves 1 µs per reading.
        Ok(seen) => {
            matches!(seen.outputs.as_slice(), [Value::U64(nanos), Value::U64(1)] if *nanos < 1_000_000_000)
        }
        Err(_) => false,
    }),
];

/// The capture bound of `Limits::DEFAULT` (stdout, stderr and logs, each).
const CAPTURE: usize = 64 << 10;
/// Room for the truncation marker.
const MARK: usize = 32;

/// `corpus/wasm/` modules that are accepted and attack when run.
const WAT: &[(&str, Check)] = &[
    ("ungranted_kv", |o| {
        matches!(exec_kind(o), Some(ExecErrorKind::Ungranted { needs: Capability::Kv, .. }))
    }),
    ("clock_standin", |o| match o {
        Ok(seen) => matches!(seen.outputs.as_slice(), [Value::U64(nanos)] if *nanos < 1_000_000_000),
        Err(_) => false,
    }),
    ("environ_probe", |o| match o {
        Ok(seen) => seen.outputs == [Value::U8(0), Value::U8(0), Value::U8(0), Value::U8(8)],
        Err(_) => false,
    }),
    ("output_out_of_bounds", |o| matches!(exec_kind(o), Some(ExecErrorKind::BadOutput(_)))),
    ("output_type_lie", |o| matches!(exec_kind(o), Some(ExecErrorKind::OutputType(_)))),
    ("table_growth", |o| {
        matches!(exec_kind(o), Some(ExecErrorKind::Limit(LimitKind::Table { limit: 10_000 })))
    }),
    ("proc_exit", |o| matches!(exec_kind(o), Some(ExecErrorKind::Exit(0)))),
];

pub fn attacks() -> Vec<Attack> {
    let mut attacks: Vec<Attack> = COMPILED
        .iter()
        .map(|(stem, expect)| corpus::attack(&format!("run/{stem}"), *expect, run_compiled))
        .collect();
    // One payload, two attacks, in this order: first as a sediment draft
    // (the grant is impossible there), then promoted and granted.
    attacks.push(corpus::named_attack(
        "run/log_spam (ungranted)",
        "run/log_spam",
        |o| matches!(exec_kind(o), Some(ExecErrorKind::Ungranted { needs: Capability::Log, .. })),
        run_compiled,
    ));
    attacks.push(corpus::named_attack(
        "run/log_spam (granted)",
        "run/log_spam",
        |o| match o {
            Ok(seen) => {
                let bytes: usize = seen.logs.iter().map(String::len).sum();
                bytes <= CAPTURE + MARK && seen.logs.last().is_some_and(|l| l.contains("truncated"))
            }
            Err(_) => false,
        },
        run_granted,
    ));
    attacks
        .extend(WAT.iter().map(|(stem, expect)| corpus::attack(&format!("wasm/{stem}"), *expect, run_wat)));
    attacks
}

/// Agent `mallory` stores the compiled payload and runs it.
fn run_compiled(w: &World, path: &str) -> Outcome {
    let node = w.compiled(path)?;
    let agent = w.sup.agent("mallory").map_err(Failure::Supervisor)?;
    let added = agent.add_node(&node.wasm, &node.manifest).map_err(Failure::Supervisor)?;
    w.run_node(&agent, added.id, &node.manifest)
}

/// The host stores the payload, has it promoted to bedrock and granted
/// `log` by two humans, and runs it.
fn run_granted(w: &World, path: &str) -> Outcome {
    let node = w.compiled(path)?;
    let host = w.sup.host();
    let id = host.add_node(&node.wasm, &node.manifest).map_err(Failure::Supervisor)?.id;
    let status =
        w.sup.state().status.get(&id).cloned().ok_or_else(|| Failure::Broken("node not stored".into()))?;
    if !status.bedrock {
        let token = w.token(Operation::Promote { node: id }, &[1, 3], NOW + HOUR);
        host.govern(Event::Promoted { node: id }, &token).map_err(Failure::Supervisor)?;
    }
    if !status.grants.contains(Capability::Log) {
        let token = w.token(Operation::Grant { node: id, capability: Capability::Log }, &[2, 3], NOW + HOUR);
        host.govern(Event::CapabilityGranted { node: id, capability: Capability::Log }, &token)
            .map_err(Failure::Supervisor)?;
    }
    w.run_node(&host, id, &node.manifest)
}

/// Agent `mallory` stores the module (it must pass ingestion) and runs it.
fn run_wat(w: &World, path: &str) -> Outcome {
    let (wasm, manifest) = corpus::module(path);
    let id = ingest(w, &wasm, &manifest)?;
    let agent = w.sup.agent("mallory").map_err(Failure::Supervisor)?;
    w.run_node(&agent, id, &manifest)
}
