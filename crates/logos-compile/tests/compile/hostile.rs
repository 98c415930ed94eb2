//! The attack catalogue: each test is one way an untrusted payload could try
//! to read the host, escape the sandbox or lie about its contract. Every one
//! must be refused with a typed error before cargo runs.

use logos_compile::{CompileError, PayloadError};

use crate::{built, compile_with, compiler};

const TYPES: &str = "use serde::{Deserialize, Serialize};\n\
    #[derive(Serialize, Deserialize)] pub struct Input { pub n: u64 }\n\
    #[derive(Serialize, Deserialize)] pub struct Output { pub s: String }\n";

/// `body` after the port types; must be refused before any build.
fn refuse(body: &str) -> PayloadError {
    refuse_source(&format!(
        "{TYPES}{body}\npub fn execute(input: Input) -> Output {{ Output {{ s: input.n.to_string() }} }}\n"
    ))
}

fn refuse_source(source: &str) -> PayloadError {
    let (result, events) = compile_with(compiler(), source, "hostile");
    assert!(!built(&events), "cargo ran for a hostile payload: {events:?}");
    match result {
        Err(CompileError::Payload(e)) => {
            let message = e.to_string();
            if let Ok(home) = std::env::var("HOME") {
                assert!(home.len() < 2 || !message.contains(&home), "error shows HOME: {message}");
            }
            e
        }
        other => panic!("expected a payload error, got {other:?}"),
    }
}

fn macro_name(e: PayloadError) -> String {
    match e {
        PayloadError::ForbiddenMacro { name, .. } => name,
        other => panic!("expected ForbiddenMacro, got {other}"),
    }
}

fn attribute_name(e: PayloadError) -> String {
    match e {
        PayloadError::ForbiddenAttribute { name, .. } => name,
        other => panic!("expected ForbiddenAttribute, got {other}"),
    }
}

#[test]
fn include_str_of_a_host_file_is_refused() {
    assert_eq!(macro_name(refuse(r#"pub const SECRET: &str = include_str!("/etc/passwd");"#)), "include_str");
}

#[test]
fn include_bytes_of_a_host_file_is_refused() {
    assert_eq!(
        macro_name(refuse(r#"pub const KEY: &[u8] = include_bytes!("/root/.ssh/id_ed25519");"#)),
        "include_bytes"
    );
}

#[test]
fn include_of_host_source_is_refused() {
    assert_eq!(macro_name(refuse(r#"include!("/etc/hostname");"#)), "include");
}

#[test]
fn env_at_compile_time_is_refused() {
    assert_eq!(macro_name(refuse(r#"pub const HOME: &str = env!("HOME");"#)), "env");
}

#[test]
fn option_env_at_compile_time_is_refused() {
    assert_eq!(
        macro_name(refuse(r#"pub const T: Option<&str> = option_env!("AWS_SECRET_ACCESS_KEY");"#)),
        "option_env"
    );
}

#[test]
fn file_reading_macro_smuggled_inside_an_allowed_macro_is_refused() {
    let e = refuse(r#"pub fn leak() -> Vec<&'static str> { vec![include_str!("/etc/shadow")] }"#);
    assert_eq!(macro_name(e), "include_str");
}

#[test]
fn env_smuggled_into_a_doc_attribute_is_refused() {
    assert_eq!(macro_name(refuse(r#"#[doc = env!("HOME")] pub fn f() {}"#)), "env");
}

#[test]
fn path_qualified_include_is_refused() {
    assert_eq!(
        macro_name(refuse(r#"pub const S: &str = core::include_str!("/etc/passwd");"#)),
        "include_str"
    );
}

#[test]
fn path_attribute_on_a_module_is_refused() {
    assert_eq!(attribute_name(refuse(r#"#[path = "/etc/passwd"] mod secrets;"#)), "path");
}

#[test]
fn module_in_another_file_is_refused() {
    assert!(matches!(refuse("mod helpers;"), PayloadError::OutlineModule { name, .. } if name == "helpers"));
}

#[test]
fn unsafe_block_is_refused() {
    assert!(matches!(refuse("pub fn f(p: *const u8) -> u8 { unsafe { *p } }"), PayloadError::Unsafe { .. }));
}

#[test]
fn unsafe_fn_is_refused() {
    assert!(matches!(refuse("pub unsafe fn f() {}"), PayloadError::Unsafe { .. }));
}

#[test]
fn unsafe_impl_is_refused() {
    assert!(matches!(
        refuse("pub struct P(*mut u8);\nunsafe impl Send for P {}"),
        PayloadError::Unsafe { .. }
    ));
}

#[test]
fn unsafe_no_mangle_attribute_is_refused() {
    let e = refuse(r#"#[unsafe(no_mangle)] pub fn logos_execute() {}"#);
    assert_eq!(attribute_name(e), "unsafe(no_mangle)");
}

#[test]
fn no_mangle_attribute_is_refused() {
    assert_eq!(attribute_name(refuse("#[no_mangle] pub fn exported() {}")), "no_mangle");
}

#[test]
fn export_name_attribute_is_refused() {
    assert_eq!(attribute_name(refuse(r#"#[export_name = "backdoor"] pub fn f() {}"#)), "export_name");
}

#[test]
fn link_section_attribute_is_refused() {
    assert_eq!(
        attribute_name(refuse(r#"#[link_section = "producers"] pub static S: [u8; 1] = [0];"#)),
        "link_section"
    );
}

#[test]
fn link_attribute_is_refused() {
    assert_eq!(attribute_name(refuse(r#"#[link(wasm_import_module = "host")] pub fn f() {}"#)), "link");
}

#[test]
fn used_attribute_is_refused() {
    assert_eq!(attribute_name(refuse("#[used] pub static KEEP: u8 = 0;")), "used");
}

#[test]
fn extern_block_importing_host_functions_is_refused() {
    let e = refuse(r#"extern "C" { fn host_read_file(p: u32) -> u32; }"#);
    assert!(matches!(e, PayloadError::Extern { .. }), "{e}");
}

#[test]
fn extern_c_function_is_refused() {
    assert!(matches!(refuse(r#"pub extern "C" fn exported() {}"#), PayloadError::Extern { .. }));
}

#[test]
fn extern_crate_is_refused() {
    assert!(matches!(refuse("extern crate proc_macro;"), PayloadError::Extern { .. }));
}

#[test]
fn inner_attribute_is_refused() {
    for attr in [
        "#![no_std]",
        "#![allow(unused)]",
        "#![recursion_limit = \"100000\"]",
        "#![doc = include_str!(\"/etc/passwd\")]",
    ] {
        let e = refuse_source(&format!("{attr}\n{TYPES}pub fn execute(i: Input) -> Output {{ todo!() }}"));
        assert!(matches!(e, PayloadError::InnerAttribute { .. }), "{attr}: {e}");
    }
}

#[test]
fn macro_definition_is_refused() {
    let e = refuse(r#"macro_rules! smuggle { () => { include_str!("/etc/passwd") } }"#);
    // Whichever is found first, the definition or its body, it is refused.
    assert!(matches!(e, PayloadError::ForbiddenMacro { .. }), "{e}");
    assert_eq!(macro_name(refuse("macro_rules! twice { ($e:expr) => { $e + $e } }")), "macro_rules");
}

#[test]
fn proc_macro_attribute_is_refused() {
    assert_eq!(attribute_name(refuse("#[tokio::main] pub fn f() {}")), "tokio::main");
}

#[test]
fn derive_of_a_foreign_proc_macro_is_refused() {
    let e = refuse("#[derive(Parser)] pub struct Args {}");
    assert!(matches!(e, PayloadError::ForbiddenDerive { name, .. } if name == "Parser"));
    let e = refuse("#[derive(evil::Serialize)] pub struct Args {}");
    assert!(matches!(e, PayloadError::ForbiddenDerive { .. }));
}

#[test]
fn serde_attribute_that_changes_the_wire_format_is_refused() {
    let src = "use serde::{Deserialize, Serialize};\n\
        #[derive(Serialize, Deserialize)] pub struct Input { #[serde(skip)] pub n: u64 }\n\
        #[derive(Serialize, Deserialize)] pub struct Output {}\n\
        pub fn execute(_i: Input) -> Output { Output {} }";
    assert_eq!(attribute_name(refuse_source(src)), "serde");
}

#[test]
fn cfg_that_could_hide_the_real_structs_is_refused() {
    assert_eq!(attribute_name(refuse("#[cfg(any())] pub struct Hidden {}")), "cfg");
    assert_eq!(attribute_name(refuse("#[cfg_attr(all(), derive(Debug))] pub struct H {}")), "cfg_attr");
}

#[test]
fn lowering_the_const_eval_guard_is_refused() {
    // Allowed, this lint would let a compile-time infinite loop run until the timeout.
    let e = refuse("#[allow(long_running_const_eval)]\nconst SPIN: u64 = 0;");
    assert_eq!(attribute_name(e), "allow(long_running_const_eval)");
    let e = refuse("#[warn(unused, long_running_const_eval)]\nconst SPIN: u64 = 0;");
    assert_eq!(attribute_name(e), "warn(long_running_const_eval)");
}

#[test]
fn crate_outside_the_allowlist_is_refused() {
    let e = refuse("use tokio::net::TcpStream;");
    assert!(matches!(e, PayloadError::ForbiddenCrate { name, .. } if name == "tokio"));
    let e = refuse("pub fn pid() -> i32 { ::libc::getpid() }");
    assert!(matches!(e, PayloadError::ForbiddenCrate { name, .. } if name == "libc"));
}

#[test]
fn inline_assembly_is_refused() {
    assert_eq!(macro_name(refuse(r#"pub fn f() { core::arch::asm!("nop") }"#)), "asm");
    assert_eq!(macro_name(refuse(r#"core::arch::global_asm!(".globl x");"#)), "global_asm");
}

#[test]
fn file_and_line_macros_are_refused() {
    assert_eq!(macro_name(refuse("pub fn f() -> &'static str { file!() }")), "file");
}

#[test]
fn host_facing_std_modules_are_refused() {
    for (body, path) in [
        (r#"pub fn f() -> Vec<u8> { std::fs::read("/etc/passwd").unwrap_or_default() }"#, "std::fs"),
        ("use std::env;", "std::env"),
        (r#"pub fn f() { let _ = std::process::Command::new("sh"); }"#, "std::process"),
        ("use std::net::TcpStream;", "std::net"),
        ("pub fn f() { std::thread::spawn(|| {}); }", "std::thread"),
    ] {
        match refuse(body) {
            PayloadError::ForbiddenApi { path: p, .. } => assert_eq!(p, path),
            other => panic!("{body}: {other}"),
        }
    }
}

#[test]
fn glob_import_is_refused() {
    assert!(matches!(refuse("use std::io::*;"), PayloadError::GlobImport { .. }));
}

#[test]
fn shadowing_a_primitive_is_refused() {
    // `u64` would read as u64 in the contract but be a u32 on the wire.
    let e = refuse("#[allow(non_camel_case_types)] type u64 = u32;");
    assert!(matches!(e, PayloadError::ReservedName { name, .. } if name == "u64"));
}

#[test]
fn importing_a_type_under_a_reserved_name_is_refused() {
    let e = refuse("use std::collections::HashMap as Vec;");
    assert!(matches!(e, PayloadError::ReservedName { name, .. } if name == "Vec"));
    let e = refuse("use std::fmt::Debug as Serialize;");
    assert!(matches!(e, PayloadError::ReservedName { name, .. } if name == "Serialize"));
}

#[test]
fn renaming_a_forbidden_macro_to_an_allowed_name_is_refused() {
    let e = refuse("use core::include_str as vec;");
    assert!(matches!(&e, PayloadError::ReservedName { name, .. } if name == "vec"), "{e}");
}

#[test]
fn shadowing_an_allowlisted_crate_is_refused() {
    let e = refuse("mod serde { pub use std::fmt::Debug as Ser; }");
    assert!(matches!(&e, PayloadError::ReservedName { name, .. } if name == "serde"), "{e}");
}

#[test]
fn source_over_the_size_cap_is_refused() {
    let big = format!("{TYPES}// {}\n", "x".repeat(70 * 1024));
    assert!(matches!(refuse_source(&big), PayloadError::TooLarge { .. }));
}

#[test]
fn deep_nesting_is_refused_without_crashing_the_host() {
    let deep = format!("pub const X: u8 = {}1{};", "(".repeat(5_000), ")".repeat(5_000));
    assert!(matches!(refuse(&deep), PayloadError::TooDeep { .. }));
}

#[test]
fn bad_contract_is_refused_before_building() {
    let src = "use serde::{Deserialize, Serialize};\n\
        #[derive(Serialize, Deserialize)] pub struct Input { pub n: usize }\n\
        #[derive(Serialize, Deserialize)] pub struct Output {}\n\
        pub fn execute(_i: Input) -> Output { Output {} }";
    assert!(matches!(refuse_source(src), PayloadError::UnsupportedType { .. }));
}

#[test]
fn invalid_node_name_is_refused_before_building() {
    let src = format!("{TYPES}pub fn execute(i: Input) -> Output {{ Output {{ s: i.n.to_string() }} }}");
    let (result, events) = compile_with(compiler(), &src, "../../etc/passwd");
    assert!(!built(&events));
    assert!(matches!(result, Err(CompileError::Payload(PayloadError::Manifest(_)))), "{result:?}");
}
