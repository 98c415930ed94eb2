//! Compile-time escapes (`corpus/compile/`): payloads that try to read the
//! host, change what gets built, or hang the compiler. All but the last are
//! refused by the payload checker before cargo runs; the const-eval loop
//! builds and is stopped by rustc.

use logos_runtime::layers::compile::{CompileError, PayloadError};

use crate::corpus;
use crate::harness::{Attack, Failure, Outcome, Seen, World, payload_error};

type Check = fn(&Outcome) -> bool;

/// Refused before any build, with this payload error.
const REFUSED: &[(&str, Check)] = &[
    ("include_str_canary", |o| macro_named(o, "include_str")),
    ("include_bytes_canary", |o| macro_named(o, "include_bytes")),
    ("env_canary", |o| macro_named(o, "env")),
    ("option_env_canary", |o| macro_named(o, "option_env")),
    ("macro_smuggling", |o| matches!(payload_error(o), Some(PayloadError::ForbiddenMacro { .. }))),
    ("path_attribute", |o| attribute_named(o, "path")),
    ("unsafe_attribute", |o| attribute_named(o, "unsafe(no_mangle)")),
    ("no_mangle", |o| attribute_named(o, "no_mangle")),
    ("link_section", |o| attribute_named(o, "link_section")),
    (
        "outline_module",
        |o| matches!(payload_error(o), Some(PayloadError::OutlineModule { name, .. }) if name == "lib"),
    ),
    ("extern_crate", |o| matches!(payload_error(o), Some(PayloadError::Extern { .. }))),
    ("extern_block", |o| matches!(payload_error(o), Some(PayloadError::Extern { .. }))),
    (
        "proc_macro_derive",
        |o| matches!(payload_error(o), Some(PayloadError::ForbiddenDerive { name, .. }) if name == "Parser"),
    ),
    (
        "build_script_frontmatter",
        |o| matches!(payload_error(o), Some(PayloadError::Syntax { line: 1, message, .. }) if message.contains("frontmatter")),
    ),
    ("spawn_process", |o| api_named(o, "std::process")),
    ("read_host_file", |o| api_named(o, "std::fs")),
];

pub fn attacks() -> Vec<Attack> {
    let mut attacks: Vec<Attack> = REFUSED
        .iter()
        .map(|(stem, expect)| corpus::attack(&format!("compile/{stem}"), *expect, refused_before_build))
        .collect();
    attacks.push(corpus::attack(
        "compile/const_eval_loop",
        |o| matches!(o, Err(Failure::Compile(CompileError::Rustc { .. }))),
        built,
    ));
    attacks
}

fn macro_named(o: &Outcome, expected: &str) -> bool {
    matches!(payload_error(o), Some(PayloadError::ForbiddenMacro { name, .. }) if name == expected)
}

fn attribute_named(o: &Outcome, expected: &str) -> bool {
    matches!(payload_error(o), Some(PayloadError::ForbiddenAttribute { name, .. }) if name == expected)
}

fn api_named(o: &Outcome, expected: &str) -> bool {
    matches!(payload_error(o), Some(PayloadError::ForbiddenApi { path, .. }) if path == expected)
}

/// Compiles the payload; cargo must never have started.
fn refused_before_build(w: &World, path: &str) -> Outcome {
    let (result, built) = w.compile_source(&corpus::payload_source(w, path));
    if built {
        return Err(Failure::Broken(format!(
            "cargo ran for a payload that must be refused first: {result:?}"
        )));
    }
    compiled(result)
}

/// Compiles the payload; cargo may run.
fn built(w: &World, path: &str) -> Outcome {
    compiled(w.compile_source(&corpus::payload_source(w, path)).0)
}

fn compiled(result: Result<logos_runtime::layers::compile::CompiledNode, CompileError>) -> Outcome {
    match result {
        Ok(node) => Ok(Seen::text(format!("compiled to node {}", node.id))),
        Err(e) => Err(Failure::Compile(e)),
    }
}
