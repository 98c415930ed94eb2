//! Reading `corpus/`: the header of each file, payload sources with the
//! canary placeholders filled in, WebAssembly text and hex turned into
//! bytes, and the check that every file has an attack and every attack its
//! file.

use std::path::{Path, PathBuf};

use logos_runtime::layers::compile::embedded_manifest;
use logos_runtime::{NodeManifest, Port, PortType};

use crate::harness::{Attack, CANARY_ENV, Outcome, World};

/// The corpus families backed by files, with their file extension.
const FAMILIES: &[(&str, &str)] = &[("compile", "rs"), ("run", "rs"), ("wasm", "wat"), ("bytes", "hex")];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("attacks").join("corpus")
}

/// One corpus file, read.
pub struct CorpusFile {
    pub must: String,
    /// `declared:` (wasm): the manifest the attacker declares to the host.
    pub declared: Option<String>,
    /// `pad-to:` (bytes): the size the runner pads the module to.
    pub pad_to: Option<usize>,
    pub text: String,
}

/// Reads `corpus/<path>.<ext>`; panics (a broken corpus, not an attack
/// outcome) if it lacks its `attack:` or `must:` line.
pub fn read(path: &str) -> CorpusFile {
    let family = path.split('/').next().unwrap_or_default();
    let ext = FAMILIES.iter().find(|(f, _)| *f == family).map_or("", |(_, e)| *e);
    let file = dir().join(format!("{path}.{ext}"));
    let text =
        std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("corpus file {}: {e}", file.display()));
    let field = |key: &str| {
        text.lines().find_map(|line| {
            let line = line.trim_start_matches(['/', ';', '#']).trim_start();
            line.strip_prefix(key).map(|v| v.trim().to_owned())
        })
    };
    let (Some(_attack), Some(must)) = (field("attack:"), field("must:")) else {
        panic!("corpus file {} needs `attack:` and `must:` header lines", file.display())
    };
    let pad_to =
        field("pad-to:").map(|v| v.parse().unwrap_or_else(|e| panic!("{}: pad-to: {e}", file.display())));
    CorpusFile { must, declared: field("declared:"), pad_to, text }
}

/// An attack on the corpus file at `path`, carried out by `run`.
pub fn attack(path: &str, expect: fn(&Outcome) -> bool, run: fn(&World, &str) -> Outcome) -> Attack {
    named_attack(path, path, expect, run)
}

/// Like [`attack`], under another name (one file, several attacks).
pub fn named_attack(
    name: &str,
    path: &str,
    expect: fn(&Outcome) -> bool,
    run: fn(&World, &str) -> Outcome,
) -> Attack {
    let file = read(path);
    let path = path.to_owned();
    Attack { name: name.to_owned(), must: file.must, run: Box::new(move |w| run(w, &path)), expect }
}

/// A payload's source with the canary placeholders filled in.
pub fn payload_source(w: &World, path: &str) -> String {
    read(path)
        .text
        .replace("@CANARY_FILE@", &w.canary_file.display().to_string())
        .replace("@CANARY_ENV@", CANARY_ENV)
}

/// The module bytes of a `wasm/` or `bytes/` file, and the manifest the
/// attacker declares with it: the `declared:` line, else the embedded
/// manifest, else a plain one.
pub fn module(path: &str) -> (Vec<u8>, NodeManifest) {
    let file = read(path);
    let wasm = if path.starts_with("wasm/") {
        let wasm = wat::parse_str(&file.text).unwrap_or_else(|e| panic!("corpus file {path}: {e}"));
        strip_name_section(&wasm)
    } else {
        let mut bytes = hex(&file.text).unwrap_or_else(|e| panic!("corpus file {path}: {e}"));
        if let Some(size) = file.pad_to {
            pad(&mut bytes, size);
        }
        bytes
    };
    let declared = match &file.declared {
        Some(json) => {
            serde_json::from_str(json).unwrap_or_else(|e| panic!("corpus file {path}: declared: {e}"))
        }
        None => match embedded_manifest(&wasm) {
            Ok(Some(m)) => m,
            _ => plain_manifest(path.rsplit('/').next().unwrap_or("node")),
        },
    };
    (wasm, declared)
}

/// `record{} -> record{ok: bool}`.
pub fn plain_manifest(name: &str) -> NodeManifest {
    NodeManifest {
        name: name.to_owned(),
        inputs: vec![],
        outputs: vec![Port::new("ok", PortType::Bool)],
        capabilities: Default::default(),
    }
}

/// A well-behaved node (`record{} -> record{ok: true}`) named `name`, with
/// its manifest embedded: the setup's own nodes.
pub fn honest_node(name: &str) -> (Vec<u8>, NodeManifest) {
    let manifest = plain_manifest(name);
    let json = serde_json::to_string(&manifest).expect("manifest JSON");
    let escaped = json.replace('\\', "\\\\").replace('"', "\\\"");
    let text = format!(
        r#"(module
  (memory (export "memory") 1)
  (func (export "logos_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "logos_execute") (param i32 i32) (result i64)
    (i32.store8 (i32.const 2048) (i32.const 0))
    (i32.store8 (i32.const 2049) (i32.const 1))
    (i64.or (i64.shl (i64.const 2048) (i64.const 32)) (i64.const 2)))
  (@custom "logos.manifest" "{escaped}"))"#
    );
    (strip_name_section(&wat::parse_str(&text).expect("honest node WAT")), manifest)
}

/// Hex digits with `#` comment lines and whitespace ignored.
fn hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    if !digits.len().is_multiple_of(2) {
        return Err("odd number of hex digits".into());
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

/// Appends a custom section `pad` so the module is exactly `size` bytes.
fn pad(bytes: &mut Vec<u8>, size: usize) {
    // The section is: id 0, its length as LEB128 (k bytes), then the body
    // (name length 3, "pad", filler); find the k that fits.
    for k in 1..=5 {
        let Some(body) = size.checked_sub(bytes.len() + 1 + k) else { continue };
        if body >= 4 && leb(body as u64).len() == k {
            bytes.push(0);
            bytes.extend(leb(body as u64));
            bytes.push(3);
            bytes.extend_from_slice(b"pad");
            bytes.resize(size, 0);
            return;
        }
    }
    panic!("cannot pad a {}-byte module to {size} bytes", bytes.len());
}

fn leb(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// Drops the `name` custom section the WAT parser adds for `$identifiers`,
/// as the compiler strips it from real nodes. Every other section, custom
/// ones included, is kept byte for byte.
pub fn strip_name_section(wasm: &[u8]) -> Vec<u8> {
    strip_custom_section(wasm, "name")
}

/// `wasm` without its custom sections called `name` (a trusted module:
/// the corpus's own or a compiled one).
pub fn strip_custom_section(wasm: &[u8], name: &str) -> Vec<u8> {
    fn read_leb(bytes: &[u8], at: &mut usize) -> usize {
        let (mut v, mut shift) = (0usize, 0);
        while let Some(b) = bytes.get(*at) {
            *at += 1;
            v |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        v
    }
    let mut out = wasm[..8.min(wasm.len())].to_vec();
    let mut at = 8;
    while at < wasm.len() {
        let start = at;
        let id = wasm[at];
        at += 1;
        let size = read_leb(wasm, &mut at);
        let body = at;
        at = (at + size).min(wasm.len());
        if id == 0 {
            let mut p = body;
            let n = read_leb(wasm, &mut p);
            if wasm.get(p..p + n) == Some(name.as_bytes()) {
                continue;
            }
        }
        out.extend_from_slice(&wasm[start..at]);
    }
    out
}

/// Every corpus file has an attack (named after its path, possibly with a
/// ` (variant)` suffix), and every attack of a file family has its file.
pub fn assert_covered(attacks: &[Attack]) {
    for (family, ext) in FAMILIES {
        let entries =
            std::fs::read_dir(dir().join(family)).unwrap_or_else(|e| panic!("corpus/{family}: {e}"));
        for entry in entries {
            let path = entry.expect("corpus entry").path();
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            assert_eq!(
                path.extension().and_then(|s| s.to_str()),
                Some(*ext),
                "stray corpus file {}",
                path.display()
            );
            let name = format!("{family}/{stem}");
            assert!(
                attacks.iter().any(|a| a.name == name || a.name.starts_with(&format!("{name} ("))),
                "corpus file {} has no attack in the tables",
                path.display()
            );
        }
    }
}
