//! Replays the `wasm_verify` fuzz inputs through the fuzz target's own check,
//! on stable: the committed `fuzz/seeds/wasm_verify/` always, and a local
//! `fuzz/corpus/wasm_verify/` (git-ignored) when there is one. The check is
//! `fuzz/src/compile_checks.rs`, compiled in with `#[path]` for the reason
//! given in logos-core's `tests/fuzz_regressions.rs`.

#[path = "../../../fuzz/src/compile_checks.rs"]
mod compile_checks;

use std::path::{Path, PathBuf};

use logos_compile::{VerifyError, VerifyLimits, verify_embedded};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files directly inside `dir`, sorted so failures are reproducible.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry is readable").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn wasm_verify_check_passes_on_every_seed_and_corpus_input() {
    let seeds = fuzz_dir().join("seeds").join("wasm_verify");
    let mut inputs = files_in(&seeds);
    assert!(!inputs.is_empty(), "no seeds in {}", seeds.display());
    let corpus = fuzz_dir().join("corpus").join("wasm_verify");
    if corpus.is_dir() {
        inputs.extend(files_in(&corpus));
    }
    for path in inputs {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        if std::panic::catch_unwind(|| compile_checks::wasm_verify(&data)).is_err() {
            panic!("fuzz check `wasm_verify` fails on {}", path.display());
        }
    }
}

/// The seeds keep their meaning: the valid ones still verify (or the fuzzer
/// would never get past the verifier's first refusal), the invalid ones are
/// still refused for their reason.
#[test]
fn seeds_verify_as_named() {
    let seed = |name: &str| {
        let path = fuzz_dir().join("seeds").join("wasm_verify").join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
    };
    let limits = VerifyLimits::default();
    for name in ["honest_node.wasm", "log_node_with_build.wasm", "compiled_node.wasm"] {
        assert!(verify_embedded(&seed(name), &limits).is_ok(), "{name} no longer verifies");
    }
    let refused = |name: &str| verify_embedded(&seed(name), &limits).expect_err(name);
    assert_eq!(refused("start_function.wasm"), VerifyError::StartFunction);
    assert!(matches!(refused("duplicate_manifest.wasm"), VerifyError::ManifestDuplicate { count: 2 }));
    assert!(matches!(refused("import_not_requested.wasm"), VerifyError::ImportNotRequested { .. }));
    assert!(matches!(refused("unexpected_section.wasm"), VerifyError::UnexpectedSection { .. }));
    assert!(matches!(refused("truncated.wasm"), VerifyError::Invalid { .. }));
    // Manifest seeds are embedded into the fixed module first.
    let embedded = |name: &str| {
        let mut module = compile_checks::BARE_NODE.to_vec();
        module.extend(compile_checks::custom_section(logos_compile::MANIFEST_SECTION, &seed(name)));
        verify_embedded(&module, &limits)
    };
    for name in ["manifest_log_kv.json", "manifest_rich_types.json"] {
        assert!(embedded(name).is_ok(), "{name} no longer verifies: {:?}", embedded(name));
    }
    assert!(matches!(embedded("manifest_no_capabilities.json"), Err(VerifyError::ImportNotRequested { .. })));
    assert!(matches!(embedded("manifest_bad_type.json"), Err(VerifyError::ManifestInvalid { .. })));
}

/// The fixed module of the manifest form is what its documentation says.
#[test]
fn bare_node_is_its_documented_text() {
    let text = r#"(module
      (import "logos" "log" (func (param i32 i32)))
      (import "logos" "kv_get" (func (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "logos_alloc") (param i32) (result i32) (i32.const 1024))
      (func (export "logos_execute") (param i32 i32) (result i64) (i64.const 0)))"#;
    assert_eq!(wat::parse_str(text).expect("WAT"), compile_checks::BARE_NODE);
}

/// Writes the seeds: small nodes from WebAssembly text and one real compiled
/// payload (a cargo build for wasm32-wasip1, which is why this is not a
/// normal test). Run after an ABI or manifest format change:
/// `cargo test -p logos-compile --test fuzz_regressions -- --ignored write_seeds`.
#[test]
#[ignore = "rewrites files under fuzz/seeds/ and runs a cargo build"]
fn write_seeds() {
    use logos_compile::{Compiler, embed_manifest};
    use logos_core::{Capability, NodeManifest, Port, PortType};

    let dir = fuzz_dir().join("seeds").join("wasm_verify");
    std::fs::create_dir_all(&dir).expect("seed directory");
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).expect("seed written");
    // Node modules as the compiler would leave them: the manifest appended
    // by `embed_manifest`, and no `name` section (the text below has no
    // `$identifiers`, so the WAT parser writes none).
    let node = |wat: &str, manifest: &NodeManifest| {
        embed_manifest(&wat::parse_str(wat).expect("seed WAT"), manifest).expect("manifest embeds")
    };
    let ok_bool = NodeManifest {
        name: "honest".into(),
        inputs: vec![],
        outputs: vec![Port::new("ok", PortType::Bool)],
        capabilities: Default::default(),
    };
    const HONEST: &str = r#"(module
      (memory (export "memory") 1)
      (func (export "logos_alloc") (param i32) (result i32) (i32.const 1024))
      (func (export "logos_execute") (param i32 i32) (result i64)
        (i32.store8 (i32.const 2048) (i32.const 0))
        (i32.store8 (i32.const 2049) (i32.const 1))
        (i64.or (i64.shl (i64.const 2048) (i64.const 32)) (i64.const 2))))"#;
    let honest = node(HONEST, &ok_bool);
    write("honest_node.wasm", &honest);

    let logger = NodeManifest {
        name: "logger".into(),
        inputs: vec![
            Port::new("amount", PortType::U64),
            Port::new("memo", "option<string>".parse().expect("type")),
        ],
        outputs: vec![Port::new("ok", PortType::Bool)],
        capabilities: [Capability::Log, Capability::Clock].into_iter().collect(),
    };
    let with_log = HONEST.replacen(
        "(memory",
        r#"(import "logos" "log" (func (param i32 i32)))
      (import "wasi_snapshot_preview1" "clock_time_get" (func (param i32 i64 i32) (result i32)))
      (memory"#,
        1,
    );
    let mut log_node = node(&with_log, &logger);
    let build = br#"{"rustc":"1.95.0","target":"wasm32-wasip1"}"#;
    log_node.extend(compile_checks::custom_section("logos.build", build));
    write("log_node_with_build.wasm", &log_node);

    let started = HONEST.replacen("(memory", "(func) (start 0)\n      (memory", 1);
    write("start_function.wasm", &node(&started, &ok_bool));
    let mut twice = honest.clone();
    twice.extend(compile_checks::custom_section(
        "logos.manifest",
        &serde_json::to_vec(&ok_bool).expect("JSON"),
    ));
    write("duplicate_manifest.wasm", &twice);
    write("import_not_requested.wasm", &node(&with_log, &ok_bool));
    let mut producers = honest.clone();
    producers.extend(compile_checks::custom_section("producers", b"\x00"));
    write("unexpected_section.wasm", &producers);
    write("truncated.wasm", &honest[..honest.len() / 2]);
    // The manifest form (see `compile_checks::wasm_verify`).
    write(
        "manifest_log_kv.json",
        br#"{"name":"n","inputs":[],"outputs":[{"name":"ok","type":"bool"}],"capabilities":["kv","log"]}"#,
    );
    write(
        "manifest_no_capabilities.json",
        br#"{"name":"n","inputs":[],"outputs":[{"name":"ok","type":"bool"}]}"#,
    );
    write(
        "manifest_rich_types.json",
        br#"{"name":"rich.node-1","inputs":[{"name":"payment","type":"record{amount: u64, currency: enum{EUR, USD}, memo: option<string>}"},{"name":"tags","type":"list<bytes>"}],"outputs":[{"name":"score","type":"f64"},{"name":"flags","type":"list<option<i32>>"}],"capabilities":["clock","kv","log","random"]}"#,
    );
    write(
        "manifest_bad_type.json",
        br#"{"name":"n","inputs":[{"name":"x","type":"u128"}],"outputs":[],"capabilities":["kv","log"]}"#,
    );

    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let compiler = Compiler::builder()
        .target_dir(tmp.join("logos-compile-tests").join("target"))
        .cache_dir(tmp.join("logos-fuzz-seeds").join("cache"))
        .work_dir(tmp.join("logos-fuzz-seeds").join("work"))
        .build()
        .expect("the toolchain with wasm32-wasip1 is installed");
    let source = "//! logos:capabilities = log\n\
        use serde::{Deserialize, Serialize};\n\
        #[derive(Serialize, Deserialize)] pub struct Input { pub amount: u64, pub tags: Vec<String> }\n\
        #[derive(Serialize, Deserialize)] pub struct Output { pub approved: bool }\n\
        pub fn execute(input: Input) -> Result<Output, String> {\n\
            logos::log(&format!(\"{} tags\", input.tags.len()));\n\
            Ok(Output { approved: input.amount <= 10_000 })\n\
        }\n";
    let compiled = compiler.compile(source, "limit", &mut |_| {}).expect("the seed payload compiles");
    write("compiled_node.wasm", &compiled.wasm);
}
