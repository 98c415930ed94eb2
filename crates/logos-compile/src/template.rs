//! The crate every payload is wrapped in: a pinned `Cargo.toml` and
//! `Cargo.lock` (the dependency allowlist), the ABI glue in `src/lib.rs`,
//! and the `logos` host-function crate (`logos/`, one feature per capability
//! with host functions); the payload itself becomes `src/payload.rs`.
//!
//! The template files live in `crates/logos-compile/template/` and are
//! compiled into this crate; their digest is part of every cache key and of
//! the `logos.build` section, so editing them invalidates old cache entries.
//! To change a pinned version, edit `node-Cargo.toml` and regenerate
//! `node-Cargo.lock` with `cargo generate-lockfile` in a copy of the
//! generated crate.

use std::fs;
use std::io;
use std::path::Path;
use std::sync::OnceLock;

use logos_core::{Capability, CapabilitySet};
use sha2::{Digest, Sha256};

/// The generated crate's manifest.
pub(crate) const CARGO_TOML: &str = include_str!("../template/node-Cargo.toml");
/// Its lock file: every transitive dependency pinned by version and checksum.
pub(crate) const CARGO_LOCK: &str = include_str!("../template/node-Cargo.lock");
/// The ABI glue (`src/lib.rs` of the generated crate).
pub(crate) const GLUE: &str = include_str!("../template/glue.rs");
/// The `logos` host-function crate's manifest (`logos/Cargo.toml`).
pub(crate) const HOST_TOML: &str = include_str!("../template/host-Cargo.toml");
/// The `logos` host-function crate (`logos/lib.rs`).
pub(crate) const HOST_RS: &str = include_str!("../template/host.rs");
/// The name payloads call host functions through: `logos::log(..)`.
pub const HOST_CRATE: &str = "logos";
/// Capabilities that come with host functions in the `logos` crate (the
/// others act through std: `clock` and `random`, or have none yet).
const HOST_FEATURES: &[Capability] = &[Capability::Log, Capability::Kv];
/// The line of the template that `write_crate` fills with features.
const FEATURES_LINE: &str = "logos = { path = \"logos\", default-features = false, features = [] }";

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
    Dependency {
        name: "serde",
        version: "1.0.229",
        purpose: "Serialize/Deserialize derives for Input, Output and their types",
    },
    Dependency {
        name: "postcard",
        version: "1.1.3",
        purpose: "the wire format (used by the glue; payloads rarely need it)",
    },
    Dependency { name: "sha2", version: "0.10.9", purpose: "SHA-256/SHA-512 digests" },
];

pub(crate) fn allowlist_text() -> String {
    let mut names: Vec<String> =
        ALLOWED_DEPENDENCIES.iter().map(|d| format!("{} {}", d.name, d.version)).collect();
    names.push(format!("{HOST_CRATE} (host functions)"));
    names.join(", ")
}

/// SHA-256 over everything that shapes the generated crate besides the
/// payload: the three template files and the build settings.
pub(crate) fn digest() -> [u8; 32] {
    static DIGEST: OnceLock<[u8; 32]> = OnceLock::new();
    *DIGEST.get_or_init(|| {
        let mut h = Sha256::new();
        for part in [CARGO_TOML, CARGO_LOCK, GLUE, HOST_TOML, HOST_RS, crate::cargo::SETTINGS_VERSION] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        h.finalize().into()
    })
}

/// The generated `Cargo.toml`: the template with the `logos` crate's
/// features set to the requested capabilities that have host functions.
pub(crate) fn cargo_toml(capabilities: &CapabilitySet) -> String {
    let features: Vec<String> = HOST_FEATURES
        .iter()
        .filter(|c| capabilities.contains(**c))
        .map(|c| format!("\"{}\"", c.name()))
        .collect();
    let line = FEATURES_LINE.replace("features = []", &format!("features = [{}]", features.join(", ")));
    CARGO_TOML.replace(FEATURES_LINE, &line)
}

/// Writes the generated crate for `payload` into the empty directory `dir`.
pub(crate) fn write_crate(dir: &Path, payload: &str, capabilities: &CapabilitySet) -> io::Result<()> {
    fs::create_dir_all(dir.join("src"))?;
    fs::create_dir_all(dir.join(HOST_CRATE))?;
    fs::write(dir.join("Cargo.toml"), cargo_toml(capabilities))?;
    fs::write(dir.join("Cargo.lock"), CARGO_LOCK)?;
    fs::write(dir.join("src").join("lib.rs"), GLUE)?;
    fs::write(dir.join("src").join("payload.rs"), payload)?;
    fs::write(dir.join(HOST_CRATE).join("Cargo.toml"), HOST_TOML)?;
    fs::write(dir.join(HOST_CRATE).join("lib.rs"), HOST_RS)?;
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
    fn host_features_follow_the_requested_capabilities() {
        assert!(CARGO_TOML.contains(FEATURES_LINE), "the template line write_crate fills in is missing");
        let none = cargo_toml(&CapabilitySet::none());
        assert!(none.contains(FEATURES_LINE));
        let caps: CapabilitySet = [Capability::Kv, Capability::Clock, Capability::Log].into_iter().collect();
        assert!(cargo_toml(&caps).contains(r#"features = ["log", "kv"] }"#), "{}", cargo_toml(&caps));
        assert!(CARGO_LOCK.contains("name = \"logos\"\nversion = \"0.1.0\""));
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
