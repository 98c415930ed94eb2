//! The static verifier: a pure function over bytes, manifest and limits that
//! every module passes before it is stored, whether this crate compiled it
//! or it was ingested as raw wasm. The rules are docs/abi.md's, one
//! [`VerifyError`] variant per rule.

use logos_core::{Capability, NodeManifest};
use wasmparser::{
    CompositeInnerType, ExternalKind, Parser, Payload, TypeRef, ValType, Validator, WasmFeatures,
};

use crate::errors::{VerifyError, short};
use crate::section::{BUILD_SECTION, MANIFEST_SECTION, MAX_BUILD_SECTION, parse_manifest};

/// Bounds a module must stay within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyLimits {
    /// Largest module accepted, in bytes (default 4 MiB).
    pub max_wasm_bytes: usize,
    /// Most 64 KiB pages the memory may declare, initially and as its
    /// maximum (default 1024 = 64 MiB). The runtime bounds growth separately.
    pub max_memory_pages: u64,
}

impl Default for VerifyLimits {
    fn default() -> Self {
        Self { max_wasm_bytes: 4 * 1024 * 1024, max_memory_pages: 1024 }
    }
}

/// WebAssembly 2.0 (what rustc emits for wasm32-wasip1): no threads or shared
/// memory, no memory64, no multiple memories, no exceptions, no GC, no
/// relaxed SIMD (nondeterministic), no component model.
const FEATURES: WasmFeatures = WasmFeatures::WASM2;

/// Imports any node may have (docs/abi.md), with their WASI preview 1
/// signatures: they carry no authority, or the runtime substitutes a
/// deterministic stand-in unless a capability is granted.
const WASI_IMPORTS: &[(&str, &[ValType], &[ValType])] = &[
    ("fd_write", &[I32, I32, I32, I32], &[I32]),
    ("proc_exit", &[I32], &[]),
    ("environ_get", &[I32, I32], &[I32]),
    ("environ_sizes_get", &[I32, I32], &[I32]),
    ("args_get", &[I32, I32], &[I32]),
    ("args_sizes_get", &[I32, I32], &[I32]),
    ("sched_yield", &[], &[I32]),
    ("fd_close", &[I32], &[I32]),
    ("fd_fdstat_get", &[I32, I32], &[I32]),
    ("fd_seek", &[I32, I64, I32, I32], &[I32]),
    ("fd_prestat_get", &[I32, I32], &[I32]),
    ("fd_prestat_dir_name", &[I32, I32, I32], &[I32]),
    ("clock_time_get", &[I32, I64, I32], &[I32]),
    ("clock_res_get", &[I32, I32], &[I32]),
    ("random_get", &[I32, I32], &[I32]),
];
const WASI_MODULE: &str = "wasi_snapshot_preview1";

/// Host functions that exist only for a requested capability.
const LOGOS_IMPORTS: &[(&str, Capability, &[ValType], &[ValType])] = &[
    ("log", Capability::Log, &[I32, I32], &[]),
    ("kv_get", Capability::Kv, &[I32, I32, I32, I32], &[I32]),
    ("kv_put", Capability::Kv, &[I32, I32, I32, I32], &[I32]),
];
const LOGOS_MODULE: &str = "logos";

const I32: ValType = ValType::I32;
const I64: ValType = ValType::I64;

/// Checks that `wasm` is a node module per docs/abi.md whose embedded
/// manifest equals `manifest`.
///
/// ```
/// use logos_compile::{VerifyError, VerifyLimits, embed_manifest, verify_wasm};
/// use logos_core::{NodeManifest, Port, PortType};
///
/// let module = wat::parse_str(r#"(module
///     (memory (export "memory") 17)
///     (func (export "logos_alloc") (param i32) (result i32) i32.const 0)
///     (func (export "logos_execute") (param i32 i32) (result i64) i64.const 0))"#)?;
/// let manifest = NodeManifest {
///     name: "noop".into(),
///     inputs: vec![],
///     outputs: vec![Port::new("ok", PortType::Bool)],
///     capabilities: Default::default(),
/// };
/// let node = embed_manifest(&module, &manifest)?;
/// verify_wasm(&node, &manifest, &VerifyLimits::default())?;
///
/// // Without the manifest section the module is not a node.
/// assert_eq!(verify_wasm(&module, &manifest, &VerifyLimits::default()), Err(VerifyError::ManifestMissing));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_wasm(wasm: &[u8], manifest: &NodeManifest, limits: &VerifyLimits) -> Result<(), VerifyError> {
    let embedded = verify_structure(wasm, limits, &manifest.capabilities)?;
    if &embedded != manifest {
        return Err(VerifyError::ManifestMismatch { difference: difference(manifest, &embedded) });
    }
    Ok(())
}

/// Verifies a module against the manifest it carries (for wasm ingested
/// without a separately known contract) and returns that manifest.
pub fn verify_embedded(wasm: &[u8], limits: &VerifyLimits) -> Result<NodeManifest, VerifyError> {
    let manifest = embedded_for_capabilities(wasm, limits)?;
    verify_structure(wasm, limits, &manifest.capabilities)
}

/// Reads the manifest (after validation) so its capabilities can gate imports.
fn embedded_for_capabilities(wasm: &[u8], limits: &VerifyLimits) -> Result<NodeManifest, VerifyError> {
    validate(wasm, limits)?;
    let mut found = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CustomSection(c) = payload.map_err(invalid)?
            && c.name() == MANIFEST_SECTION
        {
            found.push(c.data());
        }
    }
    match found.as_slice() {
        [] => Err(VerifyError::ManifestMissing),
        [one] => parse_manifest(one).map_err(|e| VerifyError::ManifestInvalid { reason: e.to_string() }),
        many => Err(VerifyError::ManifestDuplicate { count: many.len() }),
    }
}

fn invalid(e: wasmparser::BinaryReaderError) -> VerifyError {
    VerifyError::Invalid { offset: e.offset(), message: e.message().to_owned() }
}

fn validate(wasm: &[u8], limits: &VerifyLimits) -> Result<wasmparser::types::Types, VerifyError> {
    if wasm.len() > limits.max_wasm_bytes {
        return Err(VerifyError::TooLarge { size: wasm.len(), limit: limits.max_wasm_bytes });
    }
    Validator::new_with_features(FEATURES).validate_all(wasm).map_err(invalid)
}

/// Every rule except manifest equality; returns the embedded manifest.
fn verify_structure(
    wasm: &[u8],
    limits: &VerifyLimits,
    requested: &logos_core::CapabilitySet,
) -> Result<NodeManifest, VerifyError> {
    let types = validate(wasm, limits)?;
    let mut exports = Vec::new();
    let mut manifests = Vec::new();
    let mut builds = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(invalid)? {
            Payload::ImportSection(reader) => {
                for import in reader {
                    check_import(&import.map_err(invalid)?, requested, &types.as_ref())?;
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let e = export.map_err(invalid)?;
                    exports.push((e.name.to_owned(), e.kind, e.index));
                }
            }
            Payload::StartSection { .. } => return Err(VerifyError::StartFunction),
            Payload::CustomSection(c) => match c.name() {
                MANIFEST_SECTION => manifests.push(c.data()),
                BUILD_SECTION => builds.push(c.data()),
                other => return Err(VerifyError::UnexpectedSection { name: short(other) }),
            },
            _ => {}
        }
    }
    let types = types.as_ref();
    check_exports(&exports, &types)?;
    check_memory(&types, limits)?;
    check_build(&builds)?;
    match manifests.as_slice() {
        [] => Err(VerifyError::ManifestMissing),
        [one] => parse_manifest(one).map_err(|e| VerifyError::ManifestInvalid { reason: e.to_string() }),
        many => Err(VerifyError::ManifestDuplicate { count: many.len() }),
    }
}

fn check_import(
    import: &wasmparser::Import<'_>,
    requested: &logos_core::CapabilitySet,
    types: &wasmparser::types::TypesRef<'_>,
) -> Result<(), VerifyError> {
    let type_index = match import.ty {
        TypeRef::Func(index) => index,
        TypeRef::Memory(_) => return Err(not_function(import, "memory")),
        TypeRef::Table(_) => return Err(not_function(import, "table")),
        TypeRef::Global(_) => return Err(not_function(import, "global")),
        TypeRef::Tag(_) => return Err(not_function(import, "tag")),
        #[allow(unreachable_patterns)]
        _ => return Err(not_function(import, "non-function item")),
    };
    let (module, name, params, results) = if import.module == WASI_MODULE
        && let Some((name, params, results)) = WASI_IMPORTS.iter().find(|(n, _, _)| *n == import.name)
    {
        (WASI_MODULE, *name, *params, *results)
    } else if import.module == LOGOS_MODULE
        && let Some((name, capability, params, results)) =
            LOGOS_IMPORTS.iter().find(|(n, ..)| *n == import.name)
    {
        if !requested.contains(*capability) {
            return Err(VerifyError::ImportNotRequested {
                module: LOGOS_MODULE,
                name,
                capability: *capability,
            });
        }
        (LOGOS_MODULE, *name, *params, *results)
    } else {
        return Err(VerifyError::UnknownImport { module: short(import.module), name: short(import.name) });
    };
    let found = func_type(types, type_index);
    if found.as_ref().is_some_and(|(p, r)| p == params && r == results) {
        return Ok(());
    }
    Err(VerifyError::ImportSignature {
        module,
        name,
        expected: signature(params, results),
        found: found.map_or_else(|| "not a plain function type".into(), |(p, r)| signature(&p, &r)),
    })
}

fn not_function(import: &wasmparser::Import<'_>, kind: &'static str) -> VerifyError {
    VerifyError::ImportNotFunction { module: short(import.module), name: short(import.name), kind }
}

/// Parameters and results of the function type at `type_index` (validated).
fn func_type(
    types: &wasmparser::types::TypesRef<'_>,
    type_index: u32,
) -> Option<(Vec<ValType>, Vec<ValType>)> {
    if type_index >= types.core_type_count_in_module() {
        return None;
    }
    match &types[types.core_type_at_in_module(type_index)].composite_type.inner {
        CompositeInnerType::Func(f) => Some((f.params().to_vec(), f.results().to_vec())),
        _ => None,
    }
}

fn signature(params: &[ValType], results: &[ValType]) -> String {
    format!("func ({}) -> {}", join(params), join(results))
}

const ALLOC: &str = "logos_alloc";
const EXECUTE: &str = "logos_execute";
const MEMORY: &str = "memory";

fn check_exports(
    exports: &[(String, ExternalKind, u32)],
    types: &wasmparser::types::TypesRef<'_>,
) -> Result<(), VerifyError> {
    let mut seen = [false; 3];
    for (name, kind, index) in exports {
        match name.as_str() {
            MEMORY => {
                if *kind != ExternalKind::Memory || *index != 0 {
                    return Err(VerifyError::ExportType {
                        name: MEMORY,
                        expected: "memory 0",
                        found: format!("{} {index}", kind_name(*kind)),
                    });
                }
                seen[0] = true;
            }
            ALLOC => {
                check_func(
                    ALLOC,
                    *kind,
                    *index,
                    types,
                    &[ValType::I32],
                    &[ValType::I32],
                    "func (i32) -> i32",
                )?;
                seen[1] = true;
            }
            EXECUTE => {
                let params = [ValType::I32, ValType::I32];
                check_func(
                    EXECUTE,
                    *kind,
                    *index,
                    types,
                    &params,
                    &[ValType::I64],
                    "func (i32, i32) -> i64",
                )?;
                seen[2] = true;
            }
            other => return Err(VerifyError::UnexpectedExport { name: short(other) }),
        }
    }
    for (present, name) in seen.iter().zip([MEMORY, ALLOC, EXECUTE]) {
        if !present {
            return Err(VerifyError::MissingExport { name });
        }
    }
    Ok(())
}

fn check_func(
    name: &'static str,
    kind: ExternalKind,
    index: u32,
    types: &wasmparser::types::TypesRef<'_>,
    params: &[ValType],
    results: &[ValType],
    expected: &'static str,
) -> Result<(), VerifyError> {
    if kind != ExternalKind::Func {
        return Err(VerifyError::ExportType { name, expected, found: kind_name(kind).to_owned() });
    }
    // The module validated, so `index` names a function and its type exists.
    if index >= types.function_count() {
        return Err(VerifyError::ExportType {
            name,
            expected,
            found: "a function index out of range".into(),
        });
    }
    let id = types.core_function_at(index);
    let found = match &types[id].composite_type.inner {
        CompositeInnerType::Func(f) if f.params() == params && f.results() == results => return Ok(()),
        CompositeInnerType::Func(f) => format!("func ({}) -> {}", join(f.params()), join(f.results())),
        _ => "not a plain function type".into(),
    };
    Err(VerifyError::ExportType { name, expected, found })
}

fn join(tys: &[ValType]) -> String {
    if tys.is_empty() {
        return "()".into();
    }
    tys.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
}

fn kind_name(kind: ExternalKind) -> &'static str {
    match kind {
        ExternalKind::Func => "a function",
        ExternalKind::Table => "a table",
        ExternalKind::Memory => "a memory",
        ExternalKind::Global => "a global",
        ExternalKind::Tag => "a tag",
        #[allow(unreachable_patterns)]
        _ => "another kind of item",
    }
}

fn check_memory(types: &wasmparser::types::TypesRef<'_>, limits: &VerifyLimits) -> Result<(), VerifyError> {
    // Exports were checked first, so memory 0 exists; imported memories were
    // refused as non-function imports, so it is defined here.
    if types.memory_count() == 0 {
        return Err(VerifyError::MissingExport { name: MEMORY });
    }
    let memory = types.memory_at(0);
    if memory.initial > limits.max_memory_pages {
        return Err(VerifyError::MemoryInitial { pages: memory.initial, limit: limits.max_memory_pages });
    }
    if let Some(max) = memory.maximum
        && max > limits.max_memory_pages
    {
        return Err(VerifyError::MemoryMaximum { pages: max, limit: limits.max_memory_pages });
    }
    Ok(())
}

fn check_build(builds: &[&[u8]]) -> Result<(), VerifyError> {
    match builds {
        [] => Ok(()),
        [one] => {
            if one.len() > MAX_BUILD_SECTION {
                return Err(VerifyError::BuildInvalid {
                    reason: format!("{} bytes; the limit is {MAX_BUILD_SECTION}", one.len()),
                });
            }
            match serde_json::from_slice::<serde_json::Value>(one) {
                Ok(serde_json::Value::Object(_)) => Ok(()),
                Ok(_) => Err(VerifyError::BuildInvalid { reason: "not a JSON object".into() }),
                Err(e) => Err(VerifyError::BuildInvalid { reason: e.to_string() }),
            }
        }
        many => Err(VerifyError::BuildDuplicate { count: many.len() }),
    }
}

fn difference(expected: &NodeManifest, found: &NodeManifest) -> String {
    let mut parts = Vec::new();
    if expected.name != found.name {
        parts.push(format!("name is `{}`, expected `{}`", found.name, expected.name));
    }
    for (side, e, f) in
        [("inputs", &expected.inputs, &found.inputs), ("outputs", &expected.outputs, &found.outputs)]
    {
        if e != f {
            let show = |ports: &[logos_core::Port]| {
                ports.iter().map(|p| format!("{}: {}", p.name, p.ty)).collect::<Vec<_>>().join(", ")
            };
            parts.push(format!("{side} are ({}), expected ({})", short(&show(f)), short(&show(e))));
        }
    }
    if expected.capabilities != found.capabilities {
        parts.push(format!("capabilities are {}, expected {}", found.capabilities, expected.capabilities));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests;
