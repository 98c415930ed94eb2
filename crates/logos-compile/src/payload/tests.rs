//! The contract derivation and the source rules, without building anything.
//! (The attack catalogue, through the public API, is tests/compile/hostile.rs.)

use logos_core::{Capability, Field, PortType, Value};

use super::*;

const HEAD: &str = "use serde::{Deserialize, Serialize};\n";

fn ok(src: &str) -> Analysis {
    match analyze(&format!("{HEAD}{src}"), 64 * 1024) {
        Ok(a) => a,
        Err(e) => panic!("refused: {e}\n{src}"),
    }
}

fn err(src: &str) -> PayloadError {
    err_raw(&format!("{HEAD}{src}"))
}

fn err_raw(src: &str) -> PayloadError {
    match analyze(src, 1 << 20) {
        Err(CompileError::Payload(e)) => e,
        Err(other) => panic!("not a payload error: {other}"),
        Ok(a) => panic!("accepted: {a:?}\n{src}"),
    }
}

fn io(input: &str, output: &str) -> String {
    format!(
        "#[derive(Serialize, Deserialize)] pub struct Input {{ {input} }}\n\
         #[derive(Serialize, Deserialize)] pub struct Output {{ {output} }}\n\
         pub fn execute(input: Input) -> Output {{ todo!() }}\n"
    )
}

fn input_types(src: &str) -> Vec<(String, String)> {
    ok(src).inputs.into_iter().map(|p| (p.name, p.ty.to_string())).collect()
}

#[test]
fn fields_become_ports_in_declaration_order() {
    let a = ok(&io("pub b: u64, pub a: bool, pub s: String, pub f: f64, pub i: i16", "pub ok: bool"));
    let names: Vec<_> = a.inputs.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["b", "a", "s", "f", "i"]);
    assert_eq!(a.inputs[0].ty, PortType::U64);
    assert_eq!(a.inputs[2].ty, PortType::String);
    assert_eq!(a.outputs[0].ty, PortType::Bool);
    assert!(a.capabilities.is_empty());
}

#[test]
fn vec_u8_is_bytes_and_other_vecs_are_lists() {
    assert_eq!(
        input_types(&io(
            "pub raw: Vec<u8>, pub nums: Vec<u16>, pub blobs: Vec<Vec<u8>>, pub o: Option<Vec<u8>>",
            ""
        )),
        [
            ("raw".into(), "bytes".into()),
            ("nums".into(), "list<u16>".into()),
            ("blobs".into(), "list<bytes>".into()),
            ("o".into(), "option<bytes>".into()),
        ]
    );
}

/// The claim behind `Vec<u8>` = `bytes`: postcard encodes a `Vec<u8>` exactly
/// as logos-core encodes both `bytes` and `list<u8>`.
#[test]
fn postcard_vec_u8_matches_the_core_codec_for_bytes_and_list_u8() {
    #[derive(serde::Serialize)]
    struct S {
        raw: Vec<u8>,
    }
    for raw in [vec![], vec![0u8, 1, 255], vec![7u8; 300]] {
        let guest = postcard::to_allocvec(&S { raw: raw.clone() }).expect("encodes");
        let as_bytes = Value::Bytes(raw.clone()).encode(&PortType::Bytes).expect("bytes");
        let as_list = Value::List(raw.iter().map(|b| Value::U8(*b)).collect())
            .encode(&PortType::list(PortType::U8))
            .expect("list");
        assert_eq!(guest, as_bytes);
        assert_eq!(guest, as_list);
        assert_eq!(Value::decode(&guest, &PortType::Bytes).expect("decodes"), Value::Bytes(raw));
    }
}

#[test]
fn structs_become_records_and_unit_enums_become_enums() {
    let src = format!(
        "{}\n#[derive(Serialize, Deserialize)] pub struct Payment {{ pub cents: u64, pub currency: Currency, pub memo: Option<String> }}\n\
         #[derive(Serialize, Deserialize, Clone, Copy)] pub enum Currency {{ Eur, Usd }}",
        io("pub payments: Vec<Payment>", "pub decision: Currency")
    );
    let a = ok(&src);
    let payment = PortType::Record(vec![
        Field::new("cents", PortType::U64),
        Field::new("currency", PortType::Enum(vec!["Eur".into(), "Usd".into()])),
        Field::new("memo", PortType::option(PortType::String)),
    ]);
    assert_eq!(a.inputs[0].ty, PortType::list(payment));
    assert_eq!(a.outputs[0].ty.to_string(), "enum{Eur, Usd}");
}

#[test]
fn raw_identifiers_are_unrawed() {
    assert_eq!(input_types(&io("pub r#type: u8", ""))[0].0, "type");
}

#[test]
fn result_returning_execute_is_accepted() {
    ok("#[derive(Serialize, Deserialize)] pub struct Input {}\n\
        #[derive(Serialize, Deserialize)] pub struct Output {}\n\
        pub fn execute(_input: Input) -> Result<Output, String> { Ok(Output {}) }");
}

fn unsupported(src: &str) -> (String, String) {
    match err(src) {
        PayloadError::UnsupportedType { at, reason, .. } => (at, reason),
        other => panic!("expected UnsupportedType, got {other}"),
    }
}

#[test]
fn types_outside_the_language_name_the_field_and_the_reason() {
    for (ty, word) in [
        ("usize", "platform-sized"),
        ("u128", "128-bit"),
        ("f32", "f64"),
        ("char", "String"),
        ("&'static str", "references"),
        ("(u8, u8)", "tuples"),
        ("[u8; 4]", "arrays"),
        ("Box<u8>", "smart pointers"),
        ("std::collections::HashMap<String, u8>", "plain type name"),
        ("HashMap<String, u8>", "maps"),
        ("Unknown", "port types are"),
        ("Vec<u8, u8>", "exactly one"),
    ] {
        let (at, reason) = unsupported(&io(&format!("pub field: {ty}"), ""));
        assert_eq!(at, "Input.field", "{ty}");
        assert!(reason.contains(word), "{ty}: {reason}");
    }
}

#[test]
fn nested_field_paths_are_named() {
    let src = format!(
        "{}\n#[derive(Serialize, Deserialize)] pub struct Inner {{ pub bad: usize }}",
        io("", "pub items: Vec<Inner>")
    );
    assert_eq!(unsupported(&src).0, "Output.items[].bad");
}

#[test]
fn data_carrying_enum_is_refused() {
    let src = format!("{}\n#[derive(Serialize, Deserialize)] pub enum E {{ A(u8), B }}", io("pub e: E", ""));
    assert!(unsupported(&src).1.contains("variant `A` carries data"));
}

#[test]
fn recursive_record_is_refused() {
    let src = format!(
        "{}\n#[derive(Serialize, Deserialize)] pub struct Node {{ pub children: Vec<Node> }}",
        io("pub root: Node", "")
    );
    assert!(unsupported(&src).1.contains("recursive"));
}

#[test]
fn generic_and_tuple_structs_are_refused() {
    let src = format!(
        "{}\n#[derive(Serialize, Deserialize)] pub struct W<T> {{ pub t: T }}",
        io("pub w: W<u8>", "")
    );
    assert!(unsupported(&src).1.contains("generic"));
    let src = format!("{}\n#[derive(Serialize, Deserialize)] pub struct T(u8);", io("pub t: T", ""));
    assert!(unsupported(&src).1.contains("tuple"));
}

#[test]
fn port_types_must_derive_both_serde_traits() {
    let src = "#[derive(Deserialize)] pub struct Input {}\n\
               #[derive(Serialize, Deserialize)] pub struct Output {}\n\
               pub fn execute(_i: Input) -> Output { Output {} }";
    assert!(matches!(err(src), PayloadError::NotDerived { name, .. } if name == "Input"));
    let src = format!("{}\n#[derive(Serialize)] pub enum K {{ A }}", io("pub k: K", ""));
    assert!(matches!(err(&src), PayloadError::NotDerived { name, .. } if name == "K"));
}

#[test]
fn exponentially_expanding_types_are_bounded() {
    let mut src = io("pub top: T0", "");
    for i in 0..20 {
        src.push_str(&format!(
            "#[derive(Serialize, Deserialize)] pub struct T{i} {{ pub a: T{n}, pub b: T{n} }}\n",
            n = i + 1
        ));
    }
    src.push_str("#[derive(Serialize, Deserialize)] pub struct T20 { pub x: u8 }\n");
    assert!(matches!(err(&src), PayloadError::TypesTooLarge { .. }));
}

#[test]
fn missing_items_are_named() {
    let no_input = "#[derive(Serialize, Deserialize)] pub struct Output {}\npub fn execute() {}";
    assert_eq!(err(no_input), PayloadError::MissingItem { item: "`pub struct Input`" });
    let no_exec = "#[derive(Serialize, Deserialize)] pub struct Input {}\n#[derive(Serialize, Deserialize)] pub struct Output {}";
    assert_eq!(err(no_exec), PayloadError::MissingItem { item: "`pub fn execute`" });
}

#[test]
fn wrong_execute_signatures_are_explained() {
    let types = "#[derive(Serialize, Deserialize)] pub struct Input {}\n#[derive(Serialize, Deserialize)] pub struct Output {}\n";
    for (sig, word) in [
        ("fn execute(i: Input) -> Output", "pub"),
        ("pub async fn execute(i: Input) -> Output", "plain"),
        ("pub fn execute(i: Input, j: Input) -> Output", "exactly one"),
        ("pub fn execute(i: u8) -> Output", "`Input`"),
        ("pub fn execute(i: Input)", "return"),
        ("pub fn execute(i: Input) -> Result<Output, u8>", "return"),
        ("pub fn execute<T>(i: Input) -> Output", "generic"),
    ] {
        match err(&format!("{types}{sig} {{ todo!() }}")) {
            PayloadError::BadSignature { reason, .. } => assert!(reason.contains(word), "{sig}: {reason}"),
            other => panic!("{sig}: {other}"),
        }
    }
}

#[test]
fn capabilities_are_read_from_the_directive_line() {
    let src = format!("//! A node.\n//! logos:capabilities = log, clock\n{HEAD}{}", io("", ""));
    let a = analyze(&src, 1 << 20).expect("accepted");
    assert_eq!(a.capabilities.iter().collect::<Vec<_>>(), [Capability::Clock, Capability::Log]);
    let src = format!("//! logos:capabilities = none\n{HEAD}{}", io("", ""));
    assert!(analyze(&src, 1 << 20).expect("accepted").capabilities.is_empty());
}

#[test]
fn bad_capability_lines_are_refused() {
    for (line, word) in [
        ("//! logos:capabilities = root", "unknown capability"),
        ("//! logos:capabilities = log\n//! logos:capabilities = kv", "twice"),
        ("//! logos:grant = kv", "unknown directive"),
        ("//! logos:capabilities kv", "write the directive"),
    ] {
        match err_raw(&format!("{line}\n{HEAD}{}", io("", ""))) {
            PayloadError::Capabilities { reason, .. } => assert!(reason.contains(word), "{line}: {reason}"),
            other => panic!("{line}: {other}"),
        }
    }
}

#[test]
fn too_many_ports_is_a_manifest_error_at_compile_time() {
    // The analysis itself accepts it; the manifest check in compile refuses it.
    let fields: Vec<String> = (0..70).map(|i| format!("pub f{i}: u8")).collect();
    assert_eq!(ok(&io(&fields.join(", "), "")).inputs.len(), 70);
}

#[test]
fn source_over_the_cap_is_refused_unread() {
    let big = "x".repeat(100);
    assert!(matches!(
        analyze(&big, 10),
        Err(CompileError::Payload(PayloadError::TooLarge { size: 100, limit: 10 }))
    ));
}

/// Inputs that make naive recursive parsers overflow the stack: each must be
/// an error, never a crash of the host.
#[test]
fn pathological_nesting_is_an_error_not_a_crash() {
    let n = 60_000;
    let cases = [
        format!("const X: u8 = {}0{};", "(".repeat(n / 2), ")".repeat(n / 2)),
        format!("const X: bool = {}true;", "!".repeat(n)),
        format!("const X: i8 = {}1;", "- ".repeat(n / 2)),
        format!("type T = {}u8{};", "Vec<".repeat(n / 5), ">".repeat(n / 5)),
        format!("fn f() {{ {}1; }}", "return ".repeat(n / 7)),
        format!("fn f() {{ if true {{}} {} }}", "else if true {} ".repeat(n / 16)),
        format!("const X: [u8; 0] = {}{};", "[".repeat(n / 2), "]".repeat(n / 2)),
        format!("fn f() {{ let _ = {}0; }}", "&".repeat(n)),
        format!("fn f() {{ let _ = 0{}; }}", ".x".repeat(n / 2)),
    ];
    for src in &cases {
        // Either refused or accepted-then-missing-items: never a crash.
        let _ = analyze(src, 1 << 20);
    }
}

#[test]
fn frontmatter_is_named_not_a_generic_parse_error() {
    let body = format!("{HEAD}{}", io("pub a: u64", "pub b: u64"));
    for (src, line) in [
        (format!("---\n[dependencies]\nlibc = \"0.2\"\n---\n{body}"), 1),
        (format!("\n\n  ---cargo\n[dependencies]\n---\n{body}"), 3),
        (format!("#!/usr/bin/env cargo\n---\n[dependencies]\n---\n{body}"), 2),
    ] {
        match err_raw(&src) {
            PayloadError::Syntax { line: at, message, .. } => {
                assert_eq!(at, line, "{src}");
                assert!(message.contains("frontmatter"), "{message}");
            }
            other => panic!("not a syntax error: {other:?}"),
        }
    }
    // An inner attribute is not a shebang, and a `---` after the first item
    // is not a fence: neither is mistaken for frontmatter.
    assert!(!matches!(
        err_raw(&format!("#![forbid(unsafe_code)]\n{body}\n---\n")),
        PayloadError::Syntax { ref message, .. } if message.contains("frontmatter")
    ));
}
