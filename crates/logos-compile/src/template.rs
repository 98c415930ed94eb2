//! The crate every payload is wrapped in: a pinned `Cargo.toml` and
//! `Cargo.lock` (the dependency allowlist) and the ABI glue in `src/lib.rs`;
//! the payload itself becomes `src/payload.rs`.
//!
//! The three template files live in `crates/logos-compile/template/` and are
//! compiled into this crate; their digest is part of every cache key and of
//! the `logos.build` section, so editing them invalidates old cache entries.

use std::fs;
use std::io;
use std::path::Path;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// The generated crate's manifest.
pub(crate) const CARGO_TOML: &str = include_str!("../template/node-Cargo.toml");
/// Its lock file: every transitive dependency pinned by version and checksum.
pub(crate) const CARGO_LOCK: &str = include_str!("../template/node-Cargo.lock");
/// The ABI glue (`src/lib.rs` of the generated crate).
pub(crate) const GLUE: &str = include_str!("../template/glue.rs");

/// The generated crate's name; cargo writes `<target>/wasm32-wasip1/release/logos_node.wasm`.
pub(crate) const CRATE_NAME: &str = "logos-node";
/// The compilation target.
pub(crate) const TARGET: &str = "wasm32-wasip1";
/// The artifact file name.
pub(crate) const ARTIFACT: &str = "logos_node.wasm";

/// A crate a payload may use, at the exact version it is built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dependency {
    /// The crate's name, as written in `use` paths.
    pub name: &'static str,
    /// The exact version (pinned with `=` and in the lock file).
    pub version: &'static str,
    /// What it is for.
    pub purpose: &'static str,
}

/// The payload dependency allowlist. Nothing else can be named: the
/// generated `Cargo.toml` has exactly these dependencies, pinned, and the
/// lock file fixes their transitive dependencies.
pub const ALLOWED_DEPENDENCIES: &[Dependency] = &[
    Dependency { name: "serde", version: "1.0.229", purpose: "Serialize/Deserialize derives for Input, Output and their types" },
    Dependency { name: "postcard", version: "1.1.3", purpose: "the wire format (used by the glue; payloads rarely need it)" },
    Dependency { name: "sha2", version: "0.10.9", purpose: "SHA-256/SHA-512 digests" },
];

pub(crate) fn allowlist_text() -> String {
    ALLOWED_DEPENDENCIES.iter().map(|d| format!("{} {}", d.name, d.version)).collect::<Vec<_>>().join(", ")
}

/// SHA-256 over everything that shapes the generated crate besides the
/// payload: the three template files and the build settings.
pub(crate) fn digest() -> [u8; 32] {
    static DIGEST: OnceLock<[u8; 32]> = OnceLock::new();
    *DIGEST.get_or_init(|| {
        let mut h = Sha256::new();
        for part in [CARGO_TOML, CARGO_LOCK, GLUE, crate::cargo::SETTINGS_VERSION] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        h.finalize().into()
    })
}

/// Writes the generated crate for `payload` into the empty directory `dir`.
pub(crate) fn write_crate(dir: &Path, payload: &str) -> io::Result<()> {
    fs::create_dir_all(dir.join("src"))?;
    fs::write(dir.join("Cargo.toml"), CARGO_TOML)?;
    fs::write(dir.join("Cargo.lock"), CARGO_LOCK)?;
    fs::write(dir.join("src").join("lib.rs"), GLUE)?;
    fs::write(dir.join("src").join("payload.rs"), payload)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_and_lock_pin_every_allowlisted_dependency() {
        for dep in ALLOWED_DEPENDENCIES {
            let pin = format!("{} = {{ version = \"={}\"", dep.name, dep.version);
            assert!(CARGO_TOML.contains(&pin), "Cargo.toml does not pin {pin}");
            let locked = format!("name = \"{}\"\nversion = \"{}\"", dep.name, dep.version);
            assert!(CARGO_LOCK.contains(&locked), "Cargo.lock does not lock {} {}", dep.name, dep.version);
        }
    }

    #[test]
    fn generated_crate_has_no_build_script_and_its_own_workspace() {
        assert!(CARGO_TOML.contains("build = false"));
        assert!(CARGO_TOML.contains("\n[workspace]\n"));
        assert!(CARGO_TOML.contains("panic = \"abort\""));
        assert!(CARGO_TOML.contains(&format!("name = \"{CRATE_NAME}\"")));
    }

    #[test]
    fn glue_keeps_the_payload_under_forbid_unsafe() {
        assert!(GLUE.contains("#[forbid(unsafe_code)]\n#[forbid(long_running_const_eval)]\nmod payload;"));
        // Outside comments, the only unsafe tokens are the two export-name attributes.
        let code: Vec<&str> =
            GLUE.lines().map(str::trim).filter(|l| !l.starts_with("//") && l.contains("unsafe")).collect();
        assert_eq!(code, ["#[forbid(unsafe_code)]", "#[unsafe(no_mangle)]", "#[unsafe(no_mangle)]"]);
    }
}
