//! Typed errors, one enum per operation family: [`PayloadError`] (the source
//! is refused before anything is built), [`VerifyError`] (a module breaks the
//! node ABI) and [`CompileError`] (everything [`crate::Compiler::compile`]
//! can return).
//!
//! No message carries host data: paths, environment values and user names
//! are scrubbed from compiler output before it is put into an error, and
//! names read from untrusted wasm are truncated and printed escaped.

use std::time::Duration;

use logos_core::ManifestError;

/// Why a payload's source is refused before any build starts.
///
/// Every variant names what is wrong and where (a 1-based line number where
/// one applies), and the message says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// The source is larger than the configured cap.
    #[error("payload is {size} bytes; the limit is {limit} bytes")]
    TooLarge {
        /// Size of the source in bytes.
        size: usize,
        /// The configured cap.
        limit: usize,
    },
    /// Brackets or operators nest deeper than the analyser accepts.
    #[error("line {line}: the payload nests deeper than {limit} levels; flatten it")]
    TooDeep {
        /// Where the limit was crossed.
        line: usize,
        /// The nesting limit.
        limit: usize,
    },
    /// The source is not valid Rust.
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 0-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// `unsafe` appears anywhere (blocks, functions, impls, traits, attributes).
    #[error(
        "line {line}: `unsafe` is not allowed in a payload (no unsafe blocks, functions, impls or attributes)"
    )]
    Unsafe {
        /// Where.
        line: usize,
    },
    /// `extern` appears anywhere (extern blocks, `extern crate`, foreign ABIs).
    #[error(
        "line {line}: `extern` is not allowed: a payload declares no imports, exports, foreign functions or extra crates"
    )]
    Extern {
        /// Where.
        line: usize,
    },
    /// A macro outside the allowlist is invoked or defined.
    #[error("line {line}: macro `{name}!` is not allowed; allowed macros: {allowed}", allowed = crate::payload::ALLOWED_MACROS.join(", "))]
    ForbiddenMacro {
        /// The macro's name.
        name: String,
        /// Where.
        line: usize,
    },
    /// An attribute outside the allowlist is used.
    #[error("line {line}: attribute `#[{name}]` is not allowed; allowed attributes: {allowed}", allowed = crate::payload::ALLOWED_ATTRIBUTES.join(", "))]
    ForbiddenAttribute {
        /// The attribute's path.
        name: String,
        /// Where.
        line: usize,
    },
    /// A derive outside the allowlist is requested.
    #[error("line {line}: `#[derive({name})]` is not allowed; allowed derives: {allowed}", allowed = crate::payload::ALLOWED_DERIVES.join(", "))]
    ForbiddenDerive {
        /// The derive's path.
        name: String,
        /// Where.
        line: usize,
    },
    /// An inner attribute other than a `//!` doc comment.
    #[error("line {line}: inner attributes (`#![...]`) are not allowed; only `//!` doc comments")]
    InnerAttribute {
        /// Where.
        line: usize,
    },
    /// `mod name;` would load another file.
    #[error(
        "line {line}: `mod {name};` loads another file; a payload is one file (write `mod {name} {{ ... }}` inline)"
    )]
    OutlineModule {
        /// The module's name.
        name: String,
        /// Where.
        line: usize,
    },
    /// A crate outside the dependency allowlist is named.
    #[error("line {line}: crate `{name}` is not available; a payload may use std, core and the allowlisted crates ({allowed})", allowed = crate::template::allowlist_text())]
    ForbiddenCrate {
        /// The crate's name.
        name: String,
        /// Where.
        line: usize,
    },
    /// A standard-library module that reaches outside the node is named.
    #[error(
        "line {line}: `{path}` is not available to a node: it has no files, network, processes, environment or threads"
    )]
    ForbiddenApi {
        /// The path, e.g. `std::fs`.
        path: String,
        /// Where.
        line: usize,
    },
    /// `use path::*`.
    #[error(
        "line {line}: glob imports (`use ...::*`) are not allowed: they can shadow the type names ports are read from"
    )]
    GlobImport {
        /// Where.
        line: usize,
    },
    /// An item or import would shadow a name the port types are read from.
    #[error("line {line}: `{name}` is reserved; a payload may not define or import an item with this name")]
    ReservedName {
        /// The name.
        name: String,
        /// Where.
        line: usize,
    },
    /// `Input`, `Output` or `execute` is missing.
    #[error(
        "the payload has no {item}; every payload defines `pub struct Input`, `pub struct Output` and `pub fn execute(input: Input) -> Output`"
    )]
    MissingItem {
        /// What is missing, e.g. "`pub struct Input`".
        item: &'static str,
    },
    /// `execute` has the wrong shape.
    #[error(
        "line {line}: `execute` must be `pub fn execute(input: Input) -> Output` or `-> Result<Output, String>`: {reason}"
    )]
    BadSignature {
        /// Where.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A port (or a field of a record used by a port) has a type outside the
    /// port type language.
    #[error("line {line}: `{at}` has type `{ty}`, which is not a port type: {reason}")]
    UnsupportedType {
        /// The field, e.g. `Input.payment.currency`.
        at: String,
        /// The Rust type as written.
        ty: String,
        /// Why it is refused and what to use instead.
        reason: String,
        /// Where.
        line: usize,
    },
    /// A struct or enum used by a port does not derive both serde traits.
    #[error(
        "line {line}: `{name}` is used by a port, so it must `#[derive(Serialize, Deserialize)]` (the wire format is the derived one)"
    )]
    NotDerived {
        /// The type's name.
        name: String,
        /// Where.
        line: usize,
    },
    /// The port types expand to too large a tree.
    #[error("the port types expand to more than {limit} type nodes; simplify them")]
    TypesTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The `//! logos:capabilities = ...` line is malformed.
    #[error("line {line}: {reason}")]
    Capabilities {
        /// Where.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The derived contract breaks the manifest rules (for example too many
    /// ports or a bad node name).
    #[error("the derived contract is invalid: {0}")]
    Manifest(#[from] ManifestError),
}

/// Why a wasm module is not an acceptable LOGOS node (docs/abi.md).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The module is larger than [`crate::VerifyLimits::max_wasm_bytes`].
    #[error("module is {size} bytes; the limit is {limit} bytes")]
    TooLarge {
        /// Size in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// wasmparser refuses the module (malformed, or uses a feature outside
    /// WebAssembly 2.0 such as threads or memory64).
    #[error("not a valid WebAssembly 2.0 module (byte {offset}): {message}")]
    Invalid {
        /// Byte offset of the problem.
        offset: usize,
        /// wasmparser's message.
        message: String,
    },
    /// A required export is missing.
    #[error("missing export `{name}`; a node exports exactly memory, logos_alloc and logos_execute")]
    MissingExport {
        /// The export.
        name: &'static str,
    },
    /// An export outside the ABI.
    #[error(
        "export {name:?} is not part of the node ABI; a node exports exactly memory, logos_alloc and logos_execute"
    )]
    UnexpectedExport {
        /// The export's name (truncated).
        name: String,
    },
    /// An ABI export has the wrong kind or signature.
    #[error("export `{name}` is {found}; the ABI requires {expected}")]
    ExportType {
        /// The export.
        name: &'static str,
        /// What the ABI requires.
        expected: &'static str,
        /// What the module has.
        found: String,
    },
    /// The module has a start function.
    #[error("module has a start function; a node runs only when logos_execute is called")]
    StartFunction,
    /// An import that is not a function (memory, table, global, tag).
    #[error("import {module:?}.{name:?} is a {kind}; a node imports only functions")]
    ImportNotFunction {
        /// Import module (truncated).
        module: String,
        /// Import name (truncated).
        name: String,
        /// What kind of import it is.
        kind: &'static str,
    },
    /// An import outside the ABI's import table.
    #[error("import {module:?}.{name:?} is not in the node ABI's import table (docs/abi.md)")]
    UnknownImport {
        /// Import module (truncated).
        module: String,
        /// Import name (truncated).
        name: String,
    },
    /// An import whose capability the manifest does not request.
    #[error(
        "import `{module}.{name}` needs the `{capability}` capability, which the manifest does not request"
    )]
    ImportNotRequested {
        /// Import module.
        module: &'static str,
        /// Import name.
        name: &'static str,
        /// The capability it needs.
        capability: logos_core::Capability,
    },
    /// An ABI import with the wrong signature.
    #[error("import `{module}.{name}` is {found}; the ABI requires {expected}")]
    ImportSignature {
        /// Import module.
        module: &'static str,
        /// Import name.
        name: &'static str,
        /// The ABI's signature.
        expected: String,
        /// The module's.
        found: String,
    },
    /// The memory's initial size exceeds the limit.
    #[error("memory starts at {pages} pages; the limit is {limit} pages")]
    MemoryInitial {
        /// Declared initial pages.
        pages: u64,
        /// The limit.
        limit: u64,
    },
    /// The memory's declared maximum exceeds the limit.
    #[error("memory may grow to {pages} pages; the limit is {limit} pages")]
    MemoryMaximum {
        /// Declared maximum pages.
        pages: u64,
        /// The limit.
        limit: u64,
    },
    /// There is no `logos.manifest` section.
    #[error("module has no `logos.manifest` section; every node carries its contract")]
    ManifestMissing,
    /// More than one `logos.manifest` section.
    #[error("module has {count} `logos.manifest` sections; exactly one is allowed")]
    ManifestDuplicate {
        /// How many.
        count: usize,
    },
    /// The `logos.manifest` section does not parse or breaks manifest rules.
    #[error("`logos.manifest` section is invalid: {reason}")]
    ManifestInvalid {
        /// Why.
        reason: String,
    },
    /// The embedded manifest is not the expected one.
    #[error("embedded manifest differs from the expected one: {difference}")]
    ManifestMismatch {
        /// What differs.
        difference: String,
    },
    /// More than one `logos.build` section.
    #[error("module has {count} `logos.build` sections; at most one is allowed")]
    BuildDuplicate {
        /// How many.
        count: usize,
    },
    /// The `logos.build` section is not a small JSON object.
    #[error("`logos.build` section is invalid: {reason}")]
    BuildInvalid {
        /// Why.
        reason: String,
    },
    /// A custom section other than `logos.manifest` and `logos.build`.
    #[error("custom section {name:?} is not allowed; a node carries only logos.manifest and logos.build")]
    UnexpectedSection {
        /// The section's name (truncated).
        name: String,
    },
}

/// Everything [`crate::Compiler::compile`] and [`crate::Compiler::builder`]
/// can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompileError {
    /// The source is refused before any build (see [`PayloadError`]).
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// The toolchain has no wasm32-wasip1 standard library.
    #[error(
        "the wasm32-wasip1 target is not installed for this toolchain; run `rustup target add wasm32-wasip1`"
    )]
    MissingTarget,
    /// cargo or rustc cannot be run or report an unexpected version.
    #[error("the Rust toolchain is unusable: {0}; install it with rustup (https://rustup.rs)")]
    Toolchain(String),
    /// rustc refused the payload (type errors, unknown names, ...). The
    /// diagnostics are rustc's own, with host paths scrubbed.
    #[error("the payload does not compile:\n{diagnostics}")]
    Rustc {
        /// rustc's rendered errors, scrubbed and truncated.
        diagnostics: String,
    },
    /// cargo failed for a reason other than the payload.
    #[error("cargo failed: {message}")]
    Cargo {
        /// cargo's message, scrubbed and truncated.
        message: String,
    },
    /// Downloading the allowlisted dependencies failed (first build only).
    #[error("fetching the allowlisted dependencies failed (is crates.io reachable?): {message}")]
    Fetch {
        /// cargo's message, scrubbed and truncated.
        message: String,
    },
    /// The build exceeded its time limit; its whole process group was killed.
    #[error("the build took longer than {} s and was stopped", limit.as_secs_f32())]
    Timeout {
        /// The limit.
        limit: Duration,
    },
    /// The build exceeded its memory limit.
    #[error("the build exceeded its memory limit of {limit} bytes")]
    MemoryLimit {
        /// The limit.
        limit: u64,
    },
    /// The built module fails static verification (also returned for a
    /// module over the size cap).
    #[error("the built module fails verification: {0}")]
    Verify(#[from] VerifyError),
    /// No cache directory was given and none can be derived.
    #[error("no cache directory: set XDG_CACHE_HOME or HOME, or call Compiler::builder().cache_dir(..)")]
    NoCacheDir,
    /// A file-system operation on the compiler's own directories failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: &'static str,
        /// The error (std's messages carry no paths).
        source: std::io::Error,
    },
}

impl CompileError {
    pub(crate) fn io(context: &'static str) -> impl FnOnce(std::io::Error) -> Self {
        move |source| Self::Io { context, source }
    }
}

/// Truncates an untrusted name for an error message (printed with `{:?}`,
/// so control characters are escaped).
pub(crate) fn short(name: &str) -> String {
    const MAX: usize = 64;
    if name.chars().count() <= MAX {
        return name.to_owned();
    }
    let mut s: String = name.chars().take(MAX).collect();
    s.push('…');
    s
}
