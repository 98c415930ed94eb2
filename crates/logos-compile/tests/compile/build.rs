//! Builds that succeed or fail after cargo ran: the pipeline, the cache,
//! reproducibility, and the limits that only a build can hit.

use std::path::Path;
use std::time::Duration;

use logos_compile::{
    BUILD_SECTION, CompileError, MANIFEST_SECTION, Progress, VerifyError, VerifyLimits, embedded_manifest,
    verify_wasm,
};
use logos_core::{NodeId, PortType};
use wasmparser::{Parser, Payload};

use crate::{BASIC, basic, builder, built, compile_with, compiler};

#[test]
fn payload_compiles_to_a_verified_node_with_derived_ports() {
    let (node, _) = basic();
    assert_eq!(node.id, NodeId::of_wasm(&node.wasm));
    let ports: Vec<(String, String)> =
        node.manifest.inputs.iter().map(|p| (p.name.clone(), p.ty.to_string())).collect();
    assert_eq!(
        ports,
        [
            ("payment".into(), "record{cents: u64, currency: enum{Eur, Usd}, memo: option<string>}".into()),
            ("limits".into(), "list<u64>".into()),
            ("tag".into(), "bytes".into()),
        ]
    );
    assert_eq!(node.manifest.outputs[1].ty, PortType::String);
    assert_eq!(verify_wasm(&node.wasm, &node.manifest, &VerifyLimits::default()), Ok(()));
    assert_eq!(embedded_manifest(&node.wasm).expect("reads"), Some(node.manifest.clone()));
}

#[test]
fn module_carries_only_the_manifest_and_build_sections() {
    let (node, _) = basic();
    let mut customs = Vec::new();
    for payload in Parser::new(0).parse_all(&node.wasm) {
        if let Ok(Payload::CustomSection(c)) = payload {
            customs.push((c.name().to_owned(), c.data().to_vec()));
        }
    }
    let names: Vec<&str> = customs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, [MANIFEST_SECTION, BUILD_SECTION]);
    let build: serde_json::Value = serde_json::from_slice(&customs[1].1).expect("build section is JSON");
    let rustc = build["rustc"].as_str().expect("rustc version");
    assert!(compiler().toolchain().contains(&format!("release: {rustc}")), "{build}");
    assert_eq!(build["target"], "wasm32-wasip1");
}

#[test]
fn progress_goes_parsing_building_verifying_done() {
    let (node, events) = basic();
    assert_eq!(events.first(), Some(&Progress::Parsing));
    assert!(built(events), "{events:?}");
    assert!(
        events
            .iter()
            .any(|p| matches!(p, Progress::Building { last_crate: Some(c), .. } if c == "logos_node"))
    );
    let n = events.len();
    assert_eq!(events[n - 2..], [Progress::Verifying, Progress::Done { id: node.id }]);
}

#[test]
fn module_contains_no_host_paths() {
    let (node, _) = basic();
    let text = String::from_utf8_lossy(&node.wasm);
    // Panic locations exist (indexing can panic) and are relative.
    assert!(text.contains("src/payload.rs"), "expected a relative panic location");
    let mut host =
        vec![crate::target_dir().display().to_string(), std::env::temp_dir().display().to_string()];
    for var in ["HOME", "CARGO_HOME", "RUSTUP_HOME", "USER"] {
        if let Ok(v) = std::env::var(var)
            && v.len() > 1
        {
            host.push(v);
        }
    }
    for h in &host {
        assert!(!text.contains(h.as_str()), "module contains host path {h}");
    }
}

#[test]
fn same_source_is_a_cache_hit_without_cargo() {
    let (first, _) = basic();
    // The events prove no cargo ran (no `Building`); no wall-clock bound is
    // asserted, since timing assertions fail on loaded machines.
    let (again, events) = compile_with(compiler(), BASIC, "approve");
    let again = again.expect("compiles");
    assert_eq!(again, *first);
    assert_eq!(
        events,
        [Progress::Parsing, Progress::CacheHit { id: first.id }, Progress::Done { id: first.id }]
    );
}

#[test]
fn another_name_is_another_node() {
    let (first, _) = basic();
    let (other, events) = compile_with(compiler(), BASIC, "approve-2");
    let other = other.expect("compiles");
    assert!(built(&events));
    assert_ne!(other.id, first.id, "the name is in the manifest, so in the id");
    assert_eq!(other.manifest.inputs, first.manifest.inputs);
}

#[test]
fn same_source_in_another_build_dir_gives_the_same_node_id() {
    let (first, _) = basic();
    let other = builder("repro").build().expect("compiler");
    let (node, events) = compile_with(&other, BASIC, "approve");
    let node = node.expect("compiles");
    assert!(built(&events), "a fresh cache must build");
    assert_eq!(node.id, first.id, "same source and toolchain in another temp dir must give the same bytes");
}

#[test]
fn tampered_cache_entry_is_rebuilt_not_trusted() {
    let root = tempfile::tempdir().expect("tempdir");
    let c = builder("tamper").cache_dir(root.path()).build().expect("compiler");
    let src = "use serde::{Deserialize, Serialize};\n\
               #[derive(Serialize, Deserialize)] pub struct Input { pub n: u32 }\n\
               #[derive(Serialize, Deserialize)] pub struct Output { pub n: u32 }\n\
               pub fn execute(input: Input) -> Output { Output { n: input.n.wrapping_mul(3) } }\n";
    let (first, _) = compile_with(&c, src, "triple");
    let first = first.expect("compiles");
    let entries =
        std::fs::read_dir(root.path().join("nodes")).expect("cache dir").flatten().collect::<Vec<_>>();
    assert_eq!(entries.len(), 1);
    // A planted module: valid wasm, but not this node (another manifest).
    std::fs::write(entries[0].path(), &basic().0.wasm).expect("plant");
    let (second, events) = compile_with(&c, src, "triple");
    assert!(built(&events), "a cache entry that fails verification must be rebuilt: {events:?}");
    assert_eq!(second.expect("compiles").id, first.id);
}

#[test]
fn type_error_is_reported_with_rustc_diagnostics_and_no_host_paths() {
    let src = "use serde::{Deserialize, Serialize};\n\
               #[derive(Serialize, Deserialize)] pub struct Input { pub n: u32 }\n\
               #[derive(Serialize, Deserialize)] pub struct Output { pub s: String }\n\
               pub fn execute(input: Input) -> Output { Output { s: input.n } }\n";
    let (result, events) = compile_with(compiler(), src, "broken");
    let err = result.expect_err("does not type-check");
    assert!(built(&events));
    let CompileError::Rustc { diagnostics } = &err else { panic!("expected Rustc, got {err}") };
    assert!(diagnostics.contains("mismatched types"), "{diagnostics}");
    assert!(diagnostics.contains("src/payload.rs:4"), "{diagnostics}");
    let message = err.to_string();
    for var in ["HOME", "CARGO_HOME", "RUSTUP_HOME"] {
        if let Ok(v) = std::env::var(var)
            && v.len() > 1
        {
            assert!(!message.contains(&v), "error shows {var}: {message}");
        }
    }
    assert!(!message.contains(&std::env::temp_dir().display().to_string()), "{message}");
}

#[test]
fn execute_that_disagrees_with_the_structs_does_not_compile() {
    // The contract is read from the structs; rustc checks the body against it.
    let src = "use serde::{Deserialize, Serialize};\n\
               #[derive(Serialize, Deserialize)] pub struct Input { pub n: u32 }\n\
               #[derive(Serialize, Deserialize)] pub struct Output { pub n: u32 }\n\
               pub fn execute(input: Input) -> Output { Output { n: input.missing } }\n";
    let (result, _) = compile_with(compiler(), src, "disagree");
    assert!(matches!(result, Err(CompileError::Rustc { .. })), "{result:?}");
}

#[test]
fn module_over_the_size_cap_is_refused() {
    let c = builder("size-cap")
        .verify_limits(VerifyLimits { max_wasm_bytes: 2_000, ..VerifyLimits::default() })
        .build()
        .expect("compiler");
    let (result, _) = compile_with(&c, BASIC, "approve");
    assert!(
        matches!(result, Err(CompileError::Verify(VerifyError::TooLarge { limit: 2_000, .. }))),
        "{result:?}"
    );
}

#[test]
fn build_over_the_time_limit_is_killed_with_its_process_group() {
    let root = tempfile::tempdir().expect("tempdir");
    let work = root.path().join("work");
    // Long enough for cargo to start rustc, far too short to finish.
    let c = builder("timeout").work_dir(&work).timeout(Duration::from_millis(700)).build().expect("compiler");
    let src = BASIC.replace("only EUR", "only EUR (timeout test)");
    // No bound on how long the kill takes is asserted: timing assertions
    // fail on loaded CI machines. What must hold is the typed error and that
    // nothing of the build survives it.
    let (result, _) = compile_with(&c, &src, "slow");
    assert!(matches!(result, Err(CompileError::Timeout { .. })), "{result:?}");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(processes_under(&work), Vec::<String>::new(), "build processes survived the timeout");
}

/// Processes whose working directory is under `dir` (Linux /proc).
fn processes_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(procs) = std::fs::read_dir("/proc") else { return found };
    for entry in procs.flatten() {
        if let Ok(cwd) = std::fs::read_link(entry.path().join("cwd"))
            && cwd.starts_with(dir)
        {
            found.push(format!("{} {}", entry.file_name().to_string_lossy(), cwd.display()));
        }
    }
    found
}

#[test]
fn compile_time_allocation_hits_the_memory_limit() {
    // A 1 GiB static evaluated at compile time, against a 1 GiB limit.
    let c = builder("memory").memory_limit(Some(1 << 30)).build().expect("compiler");
    let src = "use serde::{Deserialize, Serialize};\n\
               #[derive(Serialize, Deserialize)] pub struct Input {}\n\
               #[derive(Serialize, Deserialize)] pub struct Output { pub x: u64 }\n\
               pub static BIG: [u64; 1 << 27] = [7; 1 << 27];\n\
               pub fn execute(_input: Input) -> Output { Output { x: BIG[12345] } }\n";
    let (result, _) = compile_with(&c, src, "hog");
    assert!(matches!(result, Err(CompileError::MemoryLimit { limit: 1_073_741_824 })), "{result:?}");
}

#[test]
fn compile_time_infinite_loop_is_stopped_by_the_const_eval_guard() {
    let src = "use serde::{Deserialize, Serialize};\n\
               #[derive(Serialize, Deserialize)] pub struct Input {}\n\
               #[derive(Serialize, Deserialize)] pub struct Output { pub x: u64 }\n\
               const SPIN: u64 = { let mut i = 0u64; while i < u64::MAX { i += 1; } i };\n\
               pub fn execute(_input: Input) -> Output { Output { x: SPIN } }\n";
    let (result, _) = compile_with(compiler(), src, "spin");
    let Err(CompileError::Rustc { diagnostics }) = &result else { panic!("{result:?}") };
    assert!(diagnostics.contains("constant evaluation is taking a long time"), "{diagnostics}");
}

#[test]
fn requested_capabilities_bring_their_host_functions() {
    let src = "//! Counts how often each key was seen.\n//! logos:capabilities = log, kv\n\
               use serde::{Deserialize, Serialize};\n\
               #[derive(Serialize, Deserialize)] pub struct Input { pub key: String }\n\
               #[derive(Serialize, Deserialize)] pub struct Output { pub seen: u64 }\n\
               pub fn execute(input: Input) -> Output {\n\
                   logos::log(&format!(\"key {}\", input.key));\n\
                   let seen = logos::kv_get(input.key.as_bytes())\n\
                       .map_or(0, |v| u64::from_le_bytes(v.as_slice().try_into().unwrap_or([0; 8])));\n\
                   logos::kv_put(input.key.as_bytes(), &(seen + 1).to_le_bytes());\n\
                   Output { seen }\n\
               }\n";
    let (result, _) = compile_with(compiler(), src, "counter");
    let node = result.unwrap_or_else(|e| panic!("{e}"));
    let mut imports = Vec::new();
    for payload in Parser::new(0).parse_all(&node.wasm) {
        if let Ok(Payload::ImportSection(reader)) = payload {
            for import in reader.into_iter().flatten() {
                imports.push(format!("{}.{}", import.module, import.name));
            }
        }
    }
    for wanted in ["logos.log", "logos.kv_get", "logos.kv_put"] {
        assert!(imports.iter().any(|i| i == wanted), "{wanted} not in {imports:?}");
    }
    assert_eq!(node.manifest.capabilities.to_string(), "log,kv");
}

#[test]
fn host_function_without_its_capability_does_not_compile() {
    let src = "use serde::{Deserialize, Serialize};\n\
               #[derive(Serialize, Deserialize)] pub struct Input {}\n\
               #[derive(Serialize, Deserialize)] pub struct Output {}\n\
               pub fn execute(_input: Input) -> Output { logos::log(\"hi\"); Output {} }\n";
    let (result, _) = compile_with(compiler(), src, "unlogged");
    let Err(CompileError::Rustc { diagnostics }) = &result else { panic!("{result:?}") };
    assert!(diagnostics.contains("logos::log") || diagnostics.contains("`log`"), "{diagnostics}");
}
