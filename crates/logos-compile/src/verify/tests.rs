//! One test per verifier rule, over tiny modules written as text.

use logos_core::{CapabilitySet, Port, PortType};

use super::*;
use crate::section::{append_custom_section, embed_manifest};

const ABI: &str = r#"
    (memory (export "memory") 17)
    (func (export "logos_alloc") (param i32) (result i32) i32.const 0)
    (func (export "logos_execute") (param i32 i32) (result i64) i64.const 0)"#;

fn manifest(caps: &[Capability]) -> NodeManifest {
    NodeManifest {
        name: "t".into(),
        inputs: vec![Port::new("x", PortType::U64)],
        outputs: vec![Port::new("ok", PortType::Bool)],
        capabilities: caps.iter().copied().collect::<CapabilitySet>(),
    }
}

/// `body` inside `(module ...)`, with the manifest section appended.
fn node(body: &str, caps: &[Capability]) -> Vec<u8> {
    let module = wat::parse_str(format!("(module {body})")).expect("test module is valid text");
    embed_manifest(&module, &manifest(caps)).expect("embeds")
}

fn check(wasm: &[u8], caps: &[Capability]) -> Result<(), VerifyError> {
    verify_wasm(wasm, &manifest(caps), &VerifyLimits::default())
}

#[test]
fn minimal_node_passes() {
    assert_eq!(check(&node(ABI, &[]), &[]), Ok(()));
}

#[test]
fn every_abi_wasi_import_is_allowed_without_capabilities() {
    let wat_types = |tys: &[ValType]| tys.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(" ");
    let imports: String = WASI_IMPORTS
        .iter()
        .map(|(n, p, r)| {
            format!(
                r#"(import "wasi_snapshot_preview1" "{n}" (func (param {}) (result {})))"#,
                wat_types(p),
                wat_types(r)
            )
        })
        .collect();
    assert_eq!(check(&node(&format!("{imports}{ABI}"), &[]), &[]), Ok(()));
}

#[test]
fn oversized_module_is_refused_before_parsing() {
    let limits = VerifyLimits { max_wasm_bytes: 10, ..VerifyLimits::default() };
    let wasm = node(ABI, &[]);
    assert!(matches!(verify_wasm(&wasm, &manifest(&[]), &limits), Err(VerifyError::TooLarge { .. })));
}

#[test]
fn malformed_bytes_are_invalid() {
    assert!(matches!(check(b"\0asm\x01\0\0\0\x01\x05", &[]), Err(VerifyError::Invalid { .. })));
    assert!(matches!(check(b"garbage", &[]), Err(VerifyError::Invalid { .. })));
    let mut truncated = node(ABI, &[]);
    truncated.truncate(truncated.len() / 2);
    assert!(matches!(check(&truncated, &[]), Err(VerifyError::Invalid { .. })));
}

#[test]
fn shared_memory_needs_threads_and_is_invalid() {
    let body = ABI.replace("(memory (export \"memory\") 17)", "(memory (export \"memory\") 17 20 shared)");
    assert!(matches!(check(&node(&body, &[]), &[]), Err(VerifyError::Invalid { .. })));
}

#[test]
fn missing_allocator_is_named() {
    let body = r#"(memory (export "memory") 1)
        (func (export "logos_execute") (param i32 i32) (result i64) i64.const 0)"#;
    assert_eq!(check(&node(body, &[]), &[]), Err(VerifyError::MissingExport { name: "logos_alloc" }));
}

#[test]
fn missing_memory_export_is_named() {
    let body = r#"(memory 1)
        (func (export "logos_alloc") (param i32) (result i32) i32.const 0)
        (func (export "logos_execute") (param i32 i32) (result i64) i64.const 0)"#;
    assert_eq!(check(&node(body, &[]), &[]), Err(VerifyError::MissingExport { name: "memory" }));
}

#[test]
fn wrong_execute_signature_is_named() {
    let body = r#"(memory (export "memory") 1)
        (func (export "logos_alloc") (param i32) (result i32) i32.const 0)
        (func (export "logos_execute") (param i32) (result i32) i32.const 0)"#;
    let err = check(&node(body, &[]), &[]).unwrap_err();
    assert_eq!(
        err,
        VerifyError::ExportType {
            name: "logos_execute",
            expected: "func (i32, i32) -> i64",
            found: "func (i32) -> i32".into()
        }
    );
}

#[test]
fn allocator_that_is_a_global_is_refused() {
    let body = r#"(memory (export "memory") 1)
        (global (export "logos_alloc") i32 (i32.const 0))
        (func (export "logos_execute") (param i32 i32) (result i64) i64.const 0)"#;
    assert!(matches!(check(&node(body, &[]), &[]), Err(VerifyError::ExportType { name: "logos_alloc", .. })));
}

#[test]
fn extra_function_export_is_refused() {
    let body = format!(r#"{ABI} (func (export "backdoor"))"#);
    assert_eq!(check(&node(&body, &[]), &[]), Err(VerifyError::UnexpectedExport { name: "backdoor".into() }));
}

#[test]
fn exported_table_is_refused() {
    let body = format!(r#"{ABI} (table (export "t") 1 funcref)"#);
    assert_eq!(check(&node(&body, &[]), &[]), Err(VerifyError::UnexpectedExport { name: "t".into() }));
}

#[test]
fn start_function_is_refused() {
    let body = format!("{ABI} (func $s) (start $s)");
    assert_eq!(check(&node(&body, &[]), &[]), Err(VerifyError::StartFunction));
}

#[test]
fn imported_memory_is_refused() {
    let body = r#"(import "env" "memory" (memory 1))
        (export "memory" (memory 0))
        (func (export "logos_alloc") (param i32) (result i32) i32.const 0)
        (func (export "logos_execute") (param i32 i32) (result i64) i64.const 0)"#;
    assert!(matches!(
        check(&node(body, &[]), &[]),
        Err(VerifyError::ImportNotFunction { kind: "memory", .. })
    ));
}

#[test]
fn import_outside_the_table_is_refused() {
    let body = format!(r#"(import "wasi_snapshot_preview1" "path_open" (func)) {ABI}"#);
    assert_eq!(
        check(&node(&body, &[]), &[]),
        Err(VerifyError::UnknownImport { module: "wasi_snapshot_preview1".into(), name: "path_open".into() })
    );
    let body = format!(r#"(import "env" "host_secret" (func)) {ABI}"#);
    assert!(matches!(check(&node(&body, &[]), &[]), Err(VerifyError::UnknownImport { .. })));
}

#[test]
fn capability_import_needs_the_request() {
    let body = format!(r#"(import "logos" "kv_get" (func (param i32 i32 i32 i32) (result i32))) {ABI}"#);
    assert_eq!(
        check(&node(&body, &[]), &[]),
        Err(VerifyError::ImportNotRequested { module: "logos", name: "kv_get", capability: Capability::Kv })
    );
    assert_eq!(check(&node(&body, &[Capability::Kv]), &[Capability::Kv]), Ok(()));
    // Another capability does not stand in for the right one.
    assert!(check(&node(&body, &[Capability::Log]), &[Capability::Log]).is_err());
}

#[test]
fn import_with_the_wrong_signature_is_refused() {
    let body =
        format!(r#"(import "wasi_snapshot_preview1" "random_get" (func (param i64) (result i32))) {ABI}"#);
    assert_eq!(
        check(&node(&body, &[]), &[]),
        Err(VerifyError::ImportSignature {
            module: "wasi_snapshot_preview1",
            name: "random_get",
            expected: "func (i32, i32) -> i32".into(),
            found: "func (i64) -> i32".into(),
        })
    );
    let body = format!(r#"(import "logos" "log" (func (param i32 i32) (result i32))) {ABI}"#);
    assert!(matches!(
        check(&node(&body, &[Capability::Log]), &[Capability::Log]),
        Err(VerifyError::ImportSignature { name: "log", .. })
    ));
}

#[test]
fn log_import_with_log_capability_passes() {
    let body = format!(r#"(import "logos" "log" (func (param i32 i32))) {ABI}"#);
    assert_eq!(check(&node(&body, &[Capability::Log]), &[Capability::Log]), Ok(()));
}

#[test]
fn initial_memory_over_the_limit_is_refused() {
    let body = ABI.replace("17)", "2000)");
    assert_eq!(check(&node(&body, &[]), &[]), Err(VerifyError::MemoryInitial { pages: 2000, limit: 1024 }));
}

#[test]
fn declared_maximum_over_the_limit_is_refused() {
    let body = ABI.replace("17)", "17 5000)");
    assert_eq!(check(&node(&body, &[]), &[]), Err(VerifyError::MemoryMaximum { pages: 5000, limit: 1024 }));
}

#[test]
fn module_without_manifest_is_refused() {
    let module = wat::parse_str(format!("(module {ABI})")).expect("wat");
    assert_eq!(check(&module, &[]), Err(VerifyError::ManifestMissing));
}

#[test]
fn second_manifest_is_refused() {
    let once = node(ABI, &[]);
    let json = serde_json::to_vec(&manifest(&[])).expect("json");
    let twice = append_custom_section(&once, MANIFEST_SECTION, &json);
    assert_eq!(check(&twice, &[]), Err(VerifyError::ManifestDuplicate { count: 2 }));
}

#[test]
fn unparsable_manifest_is_refused() {
    let module = wat::parse_str(format!("(module {ABI})")).expect("wat");
    let bad = append_custom_section(&module, MANIFEST_SECTION, b"{not json");
    assert!(matches!(check(&bad, &[]), Err(VerifyError::ManifestInvalid { .. })));
}

#[test]
fn manifest_that_differs_is_refused_naming_the_difference() {
    let wasm = node(ABI, &[]);
    let mut other = manifest(&[]);
    other.inputs[0].ty = PortType::U32;
    let err = verify_wasm(&wasm, &other, &VerifyLimits::default()).unwrap_err();
    let VerifyError::ManifestMismatch { difference } = &err else { panic!("{err}") };
    assert!(difference.contains("x: u64") && difference.contains("x: u32"), "{difference}");
}

#[test]
fn foreign_custom_sections_are_refused() {
    for name in ["producers", "name", "target_features", ".debug_info", "logos.manifest2"] {
        let wasm = append_custom_section(&node(ABI, &[]), name, b"\0");
        assert_eq!(check(&wasm, &[]), Err(VerifyError::UnexpectedSection { name: name.into() }), "{name}");
    }
}

#[test]
fn build_section_is_optional_single_and_json() {
    let with_build = append_custom_section(&node(ABI, &[]), BUILD_SECTION, br#"{"rustc":"1.95.0"}"#);
    assert_eq!(check(&with_build, &[]), Ok(()));
    let twice = append_custom_section(&with_build, BUILD_SECTION, b"{}");
    assert_eq!(check(&twice, &[]), Err(VerifyError::BuildDuplicate { count: 2 }));
    let bad = append_custom_section(&node(ABI, &[]), BUILD_SECTION, b"[1]");
    assert!(matches!(check(&bad, &[]), Err(VerifyError::BuildInvalid { .. })));
}

#[test]
fn hostile_names_are_truncated_in_errors() {
    let long = "x".repeat(10_000);
    let body = format!(r#"{ABI} (func (export "{long}"))"#);
    let err = check(&node(&body, &[]), &[]).unwrap_err();
    assert!(err.to_string().len() < 300, "{err}");
}

#[test]
fn verify_embedded_reads_the_contract_from_the_module() {
    let body = format!(r#"(import "logos" "log" (func (param i32 i32))) {ABI}"#);
    let wasm = node(&body, &[Capability::Log]);
    assert_eq!(verify_embedded(&wasm, &VerifyLimits::default()), Ok(manifest(&[Capability::Log])));
    // The embedded request gates the imports: without it, refused.
    let wasm = node(&body, &[]);
    assert!(matches!(
        verify_embedded(&wasm, &VerifyLimits::default()),
        Err(VerifyError::ImportNotRequested { .. })
    ));
}
