//! The custom sections a node carries, and stripping all others.
//!
//! A node's manifest (ports, types, requested capabilities) is embedded as a
//! custom section named [`MANIFEST_SECTION`] holding the manifest's JSON;
//! because the node id is the SHA-256 of the whole module, the id covers the
//! contract. [`BUILD_SECTION`] records the toolchain that built the node.

use logos_core::{ManifestError, NodeManifest};
use wasmparser::{Encoding, Parser, Payload};

/// Name of the custom section that carries the node manifest.
pub const MANIFEST_SECTION: &str = "logos.manifest";

/// Name of the optional custom section that records the toolchain (JSON).
pub const BUILD_SECTION: &str = "logos.build";

/// Largest manifest section accepted, in bytes.
pub const MAX_MANIFEST_SECTION: usize = 256 * 1024;

/// Largest build section accepted, in bytes.
pub const MAX_BUILD_SECTION: usize = 4 * 1024;

/// Why a module's manifest section cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestSectionError {
    /// The bytes are not a wasm module (or are truncated).
    #[error("not a valid wasm module: {0}")]
    NotWasm(String),
    /// The module carries more than one manifest section.
    #[error("module has {0} `logos.manifest` sections; exactly one is allowed")]
    Duplicate(usize),
    /// [`embed_manifest`] was given a module that already carries a manifest.
    #[error("module already carries a manifest; a node has exactly one contract")]
    AlreadyEmbedded,
    /// The section is larger than [`MAX_MANIFEST_SECTION`].
    #[error("manifest section is {0} bytes; the limit is {MAX_MANIFEST_SECTION}")]
    TooLarge(usize),
    /// The section is not manifest JSON.
    #[error("manifest section is not a valid manifest: {0}")]
    Json(String),
    /// The manifest parses but breaks the manifest rules.
    #[error("embedded manifest is invalid: {0}")]
    Invalid(#[from] ManifestError),
}

/// Returns `wasm` with a manifest section appended. Refuses a module that
/// already has one (a node has exactly one contract).
pub fn embed_manifest(wasm: &[u8], manifest: &NodeManifest) -> Result<Vec<u8>, ManifestSectionError> {
    manifest.validate()?;
    if embedded_manifest(wasm)?.is_some() {
        return Err(ManifestSectionError::AlreadyEmbedded);
    }
    let json = serde_json::to_vec(manifest).map_err(|e| ManifestSectionError::Json(e.to_string()))?;
    Ok(append_custom_section(wasm, MANIFEST_SECTION, &json))
}

/// Reads the embedded manifest, if the module has one.
pub fn embedded_manifest(wasm: &[u8]) -> Result<Option<NodeManifest>, ManifestSectionError> {
    let mut found: Vec<&[u8]> = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| ManifestSectionError::NotWasm(e.to_string()))? {
            Payload::CustomSection(section) if section.name() == MANIFEST_SECTION => {
                found.push(section.data())
            }
            _ => {}
        }
    }
    let data = match found.as_slice() {
        [] => return Ok(None),
        [one] => *one,
        many => return Err(ManifestSectionError::Duplicate(many.len())),
    };
    parse_manifest(data).map(Some)
}

pub(crate) fn parse_manifest(data: &[u8]) -> Result<NodeManifest, ManifestSectionError> {
    if data.len() > MAX_MANIFEST_SECTION {
        return Err(ManifestSectionError::TooLarge(data.len()));
    }
    let manifest: NodeManifest =
        serde_json::from_slice(data).map_err(|e| ManifestSectionError::Json(e.to_string()))?;
    manifest.validate()?;
    Ok(manifest)
}

/// `wasm` with a custom section `name` holding `data` appended.
pub(crate) fn append_custom_section(wasm: &[u8], name: &str, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(data.len() + name.len() + 5);
    leb128(&mut body, name.len() as u64);
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(data);
    let mut out = Vec::with_capacity(wasm.len() + body.len() + 6);
    out.extend_from_slice(wasm);
    out.push(0); // custom section id
    leb128(&mut out, body.len() as u64);
    out.extend_from_slice(&body);
    out
}

/// `wasm` with every custom section removed (`name`, `producers`,
/// `target_features`, debug info, ...), other sections copied byte for byte.
pub(crate) fn strip_custom_sections(wasm: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(wasm.len());
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| e.to_string())?;
        match &payload {
            Payload::Version { encoding: Encoding::Module, range, .. } => {
                out.extend_from_slice(wasm.get(range.clone()).ok_or("truncated header")?);
            }
            Payload::Version { .. } => return Err("a component, not a core module".into()),
            Payload::CustomSection(_) => {}
            other => {
                if let Some((id, range)) = other.as_section() {
                    let contents = wasm.get(range).ok_or("section out of bounds")?;
                    out.push(id);
                    leb128(&mut out, contents.len() as u64);
                    out.extend_from_slice(contents);
                }
            }
        }
    }
    Ok(out)
}

fn leb128(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logos_core::{Port, PortType};

    const EMPTY: &[u8] = b"\0asm\x01\0\0\0";

    fn manifest() -> NodeManifest {
        NodeManifest {
            name: "n".into(),
            inputs: vec![Port::new("x", PortType::U8)],
            outputs: vec![],
            capabilities: Default::default(),
        }
    }

    #[test]
    fn module_without_section_has_no_manifest() {
        assert!(embedded_manifest(EMPTY).expect("valid").is_none());
    }

    #[test]
    fn second_manifest_is_refused() {
        let once = embed_manifest(EMPTY, &manifest()).expect("embed");
        assert!(matches!(embed_manifest(&once, &manifest()), Err(ManifestSectionError::AlreadyEmbedded)));
        // Appended by hand, bypassing embed_manifest: reading refuses too.
        let mut twice = once.clone();
        twice.extend_from_slice(&once[EMPTY.len()..]);
        assert!(matches!(embedded_manifest(&twice), Err(ManifestSectionError::Duplicate(2))));
    }

    #[test]
    fn hostile_bytes_are_errors() {
        assert!(embedded_manifest(b"not wasm").is_err());
        let mut truncated = embed_manifest(EMPTY, &manifest()).expect("embed");
        truncated.pop();
        assert!(embedded_manifest(&truncated).is_err());
        // A section whose JSON names an invalid type.
        let json = br#"{"name":"n","inputs":[{"name":"x","type":"u128"}],"outputs":[]}"#;
        let bad = append_custom_section(EMPTY, MANIFEST_SECTION, json);
        assert!(matches!(embedded_manifest(&bad), Err(ManifestSectionError::Json(_))));
    }

    #[test]
    fn stripping_removes_every_custom_section_and_keeps_the_rest() {
        let module =
            wat::parse_str(r#"(module (func (export "f")) (@custom "producers" "x") (@custom "name2" "y"))"#)
                .expect("wat");
        let with_name = append_custom_section(&module, "name", b"\0");
        let stripped = strip_custom_sections(&with_name).expect("strips");
        let customs = Parser::new(0)
            .parse_all(&stripped)
            .filter(|p| matches!(p, Ok(Payload::CustomSection(_))))
            .count();
        assert_eq!(customs, 0);
        assert!(wasmparser::validate(&stripped).is_ok());
        // Stripping a stripped module changes nothing.
        assert_eq!(strip_custom_sections(&stripped).expect("strips"), stripped);
    }

    #[test]
    fn stripping_refuses_garbage() {
        assert!(strip_custom_sections(b"\0asm\x01\0\0\0\x01\xff").is_err());
        assert!(strip_custom_sections(b"nope").is_err());
    }
}
