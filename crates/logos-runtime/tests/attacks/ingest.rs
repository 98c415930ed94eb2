//! Hostile modules offered for ingestion by an agent (`corpus/wasm/`,
//! `corpus/bytes/`, and forged contracts on real compiled nodes): each is
//! refused by the static verifier before anything is stored.
//!
//! The supervisor reports a verifier refusal as `SupervisorError::Verify`
//! with the verifier's message, so the typed `VerifyError` is read from the
//! very function the supervisor calls (`verify_wasm`, same bytes, same
//! manifest, same limits), and the runner checks that the supervisor
//! refused with exactly that error.

use logos_runtime::layers::compile::{
    VerifyError, VerifyLimits, embed_manifest, verify_embedded, verify_wasm,
};
use logos_runtime::{Capability, NodeId, NodeManifest, PortType, SupervisorError};

use crate::corpus;
use crate::harness::{Attack, Failure, Outcome, Seen, World, verify_error};

type Check = fn(&Outcome) -> bool;

const WASM: &[(&str, Check)] = &[
    ("start_function", |o| matches!(verify_error(o), Some(VerifyError::StartFunction))),
    ("producers_section", |o| section_named(o, "producers")),
    ("lookalike_section", |o| section_named(o, "logos.manifest2")),
    ("duplicate_manifest", |o| matches!(verify_error(o), Some(VerifyError::ManifestDuplicate { count: 2 }))),
    ("missing_manifest", |o| matches!(verify_error(o), Some(VerifyError::ManifestMissing))),
    ("invalid_manifest", |o| matches!(verify_error(o), Some(VerifyError::ManifestInvalid { .. }))),
    ("manifest_mismatch", |o| matches!(verify_error(o), Some(VerifyError::ManifestMismatch { .. }))),
    ("fewer_capabilities", |o| not_requested(o, Capability::Log)),
    (
        "path_open_import",
        |o| matches!(verify_error(o), Some(VerifyError::UnknownImport { name, .. }) if name == "path_open"),
    ),
    (
        "foreign_import",
        |o| matches!(verify_error(o), Some(VerifyError::UnknownImport { module, .. }) if module == "env"),
    ),
    ("imported_memory", |o| {
        matches!(verify_error(o), Some(VerifyError::ImportNotFunction { kind: "memory", .. }))
    }),
    ("import_signature", |o| {
        matches!(verify_error(o), Some(VerifyError::ImportSignature { name: "random_get", .. }))
    }),
    (
        "extra_export",
        |o| matches!(verify_error(o), Some(VerifyError::UnexpectedExport { name }) if name == "backdoor"),
    ),
    ("huge_memory", |o| {
        matches!(verify_error(o), Some(VerifyError::MemoryInitial { pages: 4096, limit: 1024 }))
    }),
    ("shared_memory", invalid),
    ("bad_build_section", |o| matches!(verify_error(o), Some(VerifyError::BuildInvalid { .. }))),
];

const BYTES: &[(&str, Check)] = &[
    ("empty", invalid),
    ("bad_magic", invalid),
    ("wrong_version", invalid),
    ("component", invalid),
    ("truncated", invalid),
    ("huge_section_length", invalid),
    ("garbage_section_id", invalid),
    ("oversized", |o| matches!(verify_error(o), Some(VerifyError::TooLarge { limit: 4_194_304, .. }))),
];

pub fn attacks() -> Vec<Attack> {
    let files = WASM
        .iter()
        .map(|(s, c)| (format!("wasm/{s}"), c))
        .chain(BYTES.iter().map(|(s, c)| (format!("bytes/{s}"), c)));
    let mut attacks: Vec<Attack> =
        files.map(|(path, expect)| corpus::attack(&path, *expect, ingest_file)).collect();
    attacks.extend(forged());
    attacks
}

fn section_named(o: &Outcome, expected: &str) -> bool {
    matches!(verify_error(o), Some(VerifyError::UnexpectedSection { name }) if name == expected)
}

fn not_requested(o: &Outcome, cap: Capability) -> bool {
    matches!(verify_error(o), Some(VerifyError::ImportNotRequested { capability, .. }) if *capability == cap)
}

fn invalid(o: &Outcome) -> bool {
    matches!(verify_error(o), Some(VerifyError::Invalid { .. }))
}

fn ingest_file(w: &World, path: &str) -> Outcome {
    let (wasm, declared) = corpus::module(path);
    let id = ingest(w, &wasm, &declared)?;
    Ok(Seen::text(format!("stored as node {id}")))
}

/// Offers `wasm` with `declared` as agent `mallory`: `Ok` if stored,
/// `Failure::Verify` if the verifier refused it and the supervisor refused
/// it with the same typed error.
pub fn ingest(w: &World, wasm: &[u8], declared: &NodeManifest) -> Result<NodeId, Failure> {
    let typed = verify_wasm(wasm, declared, &VerifyLimits::default());
    let agent = w.sup.agent("mallory").map_err(Failure::Supervisor)?;
    match (typed, agent.add_node(wasm, declared)) {
        (Err(v), Err(SupervisorError::Verify(refused))) if refused == v => Err(Failure::Verify(v)),
        (Err(v), other) => Err(Failure::Broken(format!(
            "the verifier refuses the module ({v}) but the supervisor answered {other:?}"
        ))),
        (Ok(()), Ok(added)) => Ok(added.id),
        (Ok(()), Err(e)) => Err(Failure::Supervisor(e)),
    }
}

/// Contracts forged around real compiled nodes.
fn forged() -> Vec<Attack> {
    vec![
        Attack {
            name: "forged/retyped_output".into(),
            must: "a compiled node declared with another output type than it embeds: VerifyError::ManifestMismatch".into(),
            run: Box::new(|w| {
                let node = w.compiled("run/fuel_loop")?;
                let mut declared = node.manifest.clone();
                declared.outputs[0].ty = PortType::String;
                ingest(w, &node.wasm, &declared).map(|id| Seen::text(id.to_string()))
            }),
            expect: |o| matches!(verify_error(o), Some(VerifyError::ManifestMismatch { .. })),
        },
        Attack {
            name: "forged/hidden_capability".into(),
            must: "a compiled node that calls logos.log declared as needing no capability: VerifyError::ImportNotRequested { Log }".into(),
            run: Box::new(|w| {
                let node = w.compiled("run/log_spam")?;
                let mut declared = node.manifest.clone();
                declared.capabilities = Default::default();
                ingest(w, &node.wasm, &declared).map(|id| Seen::text(id.to_string()))
            }),
            expect: |o| not_requested(o, Capability::Log),
        },
        Attack {
            name: "forged/rewritten_manifest".into(),
            must: "the same node with its embedded manifest rewritten to claim no capability (a new id, self-consistent): VerifyError::ImportNotRequested { Log }".into(),
            run: Box::new(|w| {
                let node = w.compiled("run/log_spam")?;
                let mut claimed = node.manifest.clone();
                claimed.capabilities = Default::default();
                let bare = corpus::strip_custom_section(&node.wasm, "logos.manifest");
                let forged = embed_manifest(&bare, &claimed)
                    .map_err(|e| Failure::Broken(format!("cannot re-embed the manifest: {e}")))?;
                // Reading its contract from the module (as `logos node
                // add-wasm` does) and ingesting it must fail alike.
                let embedded = verify_embedded(&forged, &VerifyLimits::default()).err();
                match (embedded, ingest(w, &forged, &claimed)) {
                    (Some(a), Err(Failure::Verify(b))) if a == b => Err(Failure::Verify(b)),
                    (a, b) => Err(Failure::Broken(format!("verify_embedded says {a:?}, ingestion {b:?}"))),
                }
            }),
            expect: |o| not_requested(o, Capability::Log),
        },
    ]
}
