//! The LOGOS compiler: an AI-written Rust payload in, a verified,
//! reproducible, content-addressed wasm node out.
//!
//! A payload is one Rust file with `Input` and `Output` structs and
//! `pub fn execute(input: Input) -> Output` (or `-> Result<Output, String>`);
//! docs/skill.md is the guide an agent gets. [`Compiler::compile`]:
//!
//! 1. checks the source as hostile (no `unsafe`, `extern`, file or
//!    environment macros, foreign attributes, proc-macros or crates; size and
//!    nesting caps) and derives the node's ports from the structs
//!    ([`PayloadError`] names the line and the rule);
//! 2. returns the cached module if this source, name, toolchain and template
//!    were compiled before (re-verified on load);
//! 3. otherwise wraps the payload in a generated crate (the ABI glue, the
//!    pinned dependency allowlist [`ALLOWED_DEPENDENCIES`], the [`HOST_CRATE`]
//!    functions of the requested capabilities) and builds it for
//!    `wasm32-wasip1` with cargo under a cleared environment, a timeout, a
//!    memory limit and offline, locked dependencies;
//! 4. strips every custom section, embeds the manifest (`logos.manifest`) and
//!    the toolchain (`logos.build`), and verifies the result with
//!    [`verify_wasm`].
//!
//! [`verify_wasm`] is the static verifier for every module, compiled here or
//! ingested as raw wasm: the exports, imports, sections and memory limits of
//! docs/abi.md, one [`VerifyError`] variant per rule.
//!
//! This crate is not a runtime: it never executes what it builds or reads.
//! Builds need a Rust toolchain with the `wasm32-wasip1` target and a Unix
//! `sh` (the memory limit is `ulimit -v`; the timeout kills the process
//! group).
//!
//! Verifying a module (the compile example is on [`Compiler`]):
//!
//! ```
//! use logos_compile::{VerifyError, VerifyLimits, embed_manifest, verify_wasm};
//! use logos_core::{NodeManifest, Port, PortType};
//!
//! let module = wat::parse_str(r#"(module
//!     (import "wasi_snapshot_preview1" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
//!     (memory (export "memory") 17)
//!     (func (export "logos_alloc") (param i32) (result i32) i32.const 0)
//!     (func (export "logos_execute") (param i32 i32) (result i64) i64.const 0))"#)?;
//! let manifest = NodeManifest {
//!     name: "reader".into(),
//!     inputs: vec![],
//!     outputs: vec![Port::new("text", PortType::String)],
//!     capabilities: Default::default(),
//! };
//! let wasm = embed_manifest(&module, &manifest)?;
//! let err = verify_wasm(&wasm, &manifest, &VerifyLimits::default()).unwrap_err();
//! assert!(matches!(err, VerifyError::UnknownImport { .. }));
//! assert!(err.to_string().contains("path_open"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cache;
mod cargo;
mod compiler;
mod errors;
mod payload;
mod section;
mod template;
mod verify;

pub use compiler::{
    CompiledNode, Compiler, CompilerBuilder, DEFAULT_MAX_SOURCE_BYTES, DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT,
    Progress,
};
pub use errors::{CompileError, PayloadError, VerifyError};
pub use payload::{ALLOWED_ATTRIBUTES, ALLOWED_DERIVES, ALLOWED_MACROS};
pub use section::{
    BUILD_SECTION, MANIFEST_SECTION, MAX_BUILD_SECTION, MAX_MANIFEST_SECTION, ManifestSectionError,
    embed_manifest, embedded_manifest,
};
pub use template::{ALLOWED_DEPENDENCIES, Dependency, HOST_CRATE};
pub use verify::{VerifyLimits, verify_embedded, verify_wasm};
