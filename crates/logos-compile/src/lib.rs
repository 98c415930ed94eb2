//! The compiler side of LOGOS: how a node's contract travels inside its wasm.
//!
//! A node's manifest (ports, types, requested capabilities) is embedded in
//! the module as a custom section named [`MANIFEST_SECTION`] holding the
//! manifest's JSON. Because the node id is the SHA-256 of the whole module,
//! the id covers the contract: change a port type and you have another node.
//!
//! Today this crate provides that section format ([`embed_manifest`],
//! [`embedded_manifest`]). The snippet-to-crate wrapper, the sandboxed
//! cargo build and the full static verifier are the next step (issue
//! "logos-compile"); see docs/ARCHITECTURE.md.
//!
//! It is not a runtime and it never executes the wasm it reads.
//!
//! ```
//! use logos_compile::{embed_manifest, embedded_manifest};
//! use logos_core::{NodeManifest, Port, PortType};
//!
//! let manifest = NodeManifest {
//!     name: "limit".into(),
//!     inputs: vec![Port::new("amount", PortType::U64)],
//!     outputs: vec![Port::new("ok", PortType::Bool)],
//!     capabilities: Default::default(),
//! };
//! let empty_module = b"\0asm\x01\0\0\0";
//! let wasm = embed_manifest(empty_module, &manifest)?;
//! assert_eq!(embedded_manifest(&wasm)?, Some(manifest));
//! # Ok::<(), logos_compile::ManifestSectionError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use logos_core::{ManifestError, NodeManifest};
use wasmparser::{Parser, Payload};

/// Name of the custom section that carries the node manifest.
pub const MANIFEST_SECTION: &str = "logos.manifest";

/// Largest manifest section accepted, in bytes.
pub const MAX_MANIFEST_SECTION: usize = 256 * 1024;

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
    let mut body = Vec::with_capacity(json.len() + MANIFEST_SECTION.len() + 5);
    leb128(&mut body, MANIFEST_SECTION.len() as u64);
    body.extend_from_slice(MANIFEST_SECTION.as_bytes());
    body.extend_from_slice(&json);
    let mut out = wasm.to_vec();
    out.push(0); // custom section id
    leb128(&mut out, body.len() as u64);
    out.extend_from_slice(&body);
    Ok(out)
}

/// Reads the embedded manifest, if the module has one.
pub fn embedded_manifest(wasm: &[u8]) -> Result<Option<NodeManifest>, ManifestSectionError> {
    let mut found: Vec<&[u8]> = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| ManifestSectionError::NotWasm(e.to_string()))? {
            Payload::CustomSection(section) if section.name() == MANIFEST_SECTION => found.push(section.data()),
            _ => {}
        }
    }
    let data = match found.as_slice() {
        [] => return Ok(None),
        [one] => *one,
        many => return Err(ManifestSectionError::Duplicate(many.len())),
    };
    if data.len() > MAX_MANIFEST_SECTION {
        return Err(ManifestSectionError::TooLarge(data.len()));
    }
    let manifest: NodeManifest = serde_json::from_slice(data).map_err(|e| ManifestSectionError::Json(e.to_string()))?;
    manifest.validate()?;
    Ok(Some(manifest))
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
        let mut bad = EMPTY.to_vec();
        let json = br#"{"name":"n","inputs":[{"name":"x","type":"u128"}],"outputs":[]}"#;
        let mut body = vec![MANIFEST_SECTION.len() as u8];
        body.extend_from_slice(MANIFEST_SECTION.as_bytes());
        body.extend_from_slice(json);
        bad.push(0);
        leb128(&mut bad, body.len() as u64);
        bad.extend_from_slice(&body);
        assert!(matches!(embedded_manifest(&bad), Err(ManifestSectionError::Json(_))));
    }
}
