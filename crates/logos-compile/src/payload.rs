//! Reading an untrusted payload: the hostile-source checks and the port
//! types derived from its `Input`/`Output` structs.
//!
//! Analysis runs in three passes, cheapest and most general first:
//!
//! 1. [`scan`]: over the raw token trees (so it also sees inside macro
//!    arguments and attributes): nesting depth, `unsafe`, `extern`, macros
//!    and attributes against allowlists.
//! 2. [`items`]: over the syn syntax tree: one-file rule (no `mod x;`),
//!    imports (allowlisted crates, no globs, no shadowing of reserved names),
//!    standard-library modules that reach outside the node.
//! 3. [`ports`]: the contract: `Input`, `Output`, `execute` and the port
//!    types, plus the `//! logos:capabilities = ...` declaration.
//!
//! Parsing is recursive (syn), so it runs on a thread with a large stack
//! after pass 1 has bounded the nesting; hostile input yields an error, never
//! a stack overflow of the host.

mod items;
mod ports;
mod scan;

use logos_core::{CapabilitySet, Port};

use crate::errors::{CompileError, PayloadError};

/// Macros a payload may invoke. Everything else (`include_str!`, `env!`,
/// `asm!`, `macro_rules!`, ...) is refused: the list is an allowlist so that a
/// macro added to std later is refused until reviewed.
pub const ALLOWED_MACROS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "concat",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "eprint",
    "eprintln",
    "format",
    "format_args",
    "matches",
    "panic",
    "print",
    "println",
    "stringify",
    "todo",
    "unimplemented",
    "unreachable",
    "vec",
    "write",
    "writeln",
];

/// Attributes a payload may use. `cfg`/`cfg_attr` are refused because they
/// could hide the structs the contract is read from; `path`, `no_mangle`,
/// `export_name`, `link_section`, `link`, `used` and all tool or proc-macro
/// attributes are refused outright; so is every `#[serde(...)]` option,
/// because it would make the wire format differ from the derived type.
pub const ALLOWED_ATTRIBUTES: &[&str] = &[
    "allow",
    "cold",
    "deny",
    "derive",
    "doc",
    "expect",
    "forbid",
    "inline",
    "must_use",
    "non_exhaustive",
    "warn",
];

/// Derives a payload may use: serde's two and the built-in ones.
pub const ALLOWED_DERIVES: &[&str] = &[
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "Deserialize",
    "Eq",
    "Hash",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Serialize",
];

/// Stack for the parsing thread. syn recurses once per nesting level and
/// [`scan`] bounds nesting before syn runs, so this is ample.
const PARSE_STACK: usize = 64 * 1024 * 1024;

/// What a payload declares, once it has passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Analysis {
    /// The fields of `Input`, in order.
    pub inputs: Vec<Port>,
    /// The fields of `Output`, in order.
    pub outputs: Vec<Port>,
    /// From the `//! logos:capabilities = ...` line (empty without one).
    pub capabilities: CapabilitySet,
}

/// Checks `source` and derives its contract. Nothing is built or written.
pub(crate) fn analyze(source: &str, max_bytes: usize) -> Result<Analysis, CompileError> {
    if source.len() > max_bytes {
        return Err(PayloadError::TooLarge { size: source.len(), limit: max_bytes }.into());
    }
    let owned = source.to_owned();
    // A fresh thread also drops proc-macro2's per-thread span table, which
    // otherwise grows with every parsed source.
    let handle = std::thread::Builder::new()
        .name("logos-payload".into())
        .stack_size(PARSE_STACK)
        .spawn(move || analyze_here(&owned))
        .map_err(CompileError::io("starting the payload analysis thread"))?;
    match handle.join() {
        Ok(result) => result.map_err(CompileError::from),
        // Analysis does not panic on any input we know of; if it ever does,
        // refuse the payload rather than take the host down.
        Err(_) => Err(PayloadError::Syntax {
            line: 0,
            column: 0,
            message: "the payload could not be analysed".into(),
        }
        .into()),
    }
}

fn analyze_here(source: &str) -> Result<Analysis, PayloadError> {
    refuse_frontmatter(source)?;
    let tokens: proc_macro2::TokenStream = source.parse().map_err(|e: proc_macro2::LexError| {
        let at = e.span().start();
        PayloadError::Syntax {
            line: at.line,
            column: at.column,
            message: "unbalanced delimiters or invalid token".into(),
        }
    })?;
    scan::check_tokens(&tokens)?;
    let file = syn::parse_file(source).map_err(|e| {
        let at = e.span().start();
        PayloadError::Syntax { line: at.line, column: at.column, message: e.to_string() }
    })?;
    if file.shebang.is_some() || file.frontmatter.is_some() {
        return Err(PayloadError::Syntax {
            line: 1,
            column: 0,
            message: "a payload has no shebang line or frontmatter".into(),
        });
    }
    items::check_items(&file)?;
    ports::derive(&file)
}

/// Cargo-script frontmatter (a `---` fence before the first item) would
/// otherwise reach the parser as a stray `-` token and get a generic
/// "expected item" error; name it instead.
fn refuse_frontmatter(source: &str) -> Result<(), PayloadError> {
    for (index, line) in source.lines().enumerate() {
        // rustc allows a shebang line before the fence (an inner attribute
        // `#![...]` is not one); the payload allows neither, and the parser
        // refuses a shebang by itself.
        let shebang = index == 0 && line.starts_with("#!") && !line[2..].trim_start().starts_with('[');
        if shebang || line.trim().is_empty() {
            continue;
        }
        if line.trim_start().starts_with("---") {
            return Err(PayloadError::Syntax {
                line: index + 1,
                column: 0,
                message: "a payload has no frontmatter: it declares no dependencies of its own (docs/skill.md lists the crates it may use)".into(),
            });
        }
        return Ok(());
    }
    Ok(())
}

/// 1-based line of a span (0 when unknown).
fn line_of(span: proc_macro2::Span) -> usize {
    span.start().line
}

#[cfg(test)]
mod tests;
