//! The compile cache: finished node modules keyed by the SHA-256 of
//! everything that determines their bytes (toolchain, template, node name,
//! source). A hit costs a file read and a re-verification, no cargo run.
//!
//! Entries are written to a temporary file and renamed into place, so a
//! reader never sees a partial module; every loaded entry is verified again
//! by the caller (ABI, sections, and a manifest equal to the one derived from
//! the source), so a corrupted entry or another node's module is discarded
//! and rebuilt. The cache dir is trusted like the shared target dir: whoever
//! can write either can change what a build returns.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Bumped when the key's composition changes.
const KEY_VERSION: &str = "logos-compile cache v1";

#[derive(Debug, Clone)]
pub(crate) struct Cache {
    dir: PathBuf,
}

/// A cache key: hex SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key(String);

impl Key {
    /// The key for a node built by `toolchain` (the full `rustc -vV` text)
    /// from the template with `template_digest`, named `name`, from `source`.
    pub(crate) fn new(toolchain: &str, template_digest: &[u8; 32], name: &str, source: &str) -> Self {
        let mut h = Sha256::new();
        for part in [
            KEY_VERSION.as_bytes(),
            toolchain.as_bytes(),
            template_digest,
            name.as_bytes(),
            source.as_bytes(),
        ] {
            // Length-prefixed, so no two different inputs concatenate alike.
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
        let digest: [u8; 32] = h.finalize().into();
        Self(digest.iter().map(|b| format!("{b:02x}")).collect())
    }
}

impl Cache {
    pub(crate) fn open(dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        Ok(Self { dir: dir.to_path_buf() })
    }

    fn path(&self, key: &Key) -> PathBuf {
        self.dir.join(format!("{}.wasm", key.0))
    }

    /// The cached module, if present and at most `max_bytes` long.
    pub(crate) fn load(&self, key: &Key, max_bytes: usize) -> Option<Vec<u8>> {
        let file = fs::File::open(self.path(key)).ok()?;
        let mut wasm = Vec::new();
        // Read one byte past the cap to tell "too large" from "exactly the cap".
        file.take(max_bytes as u64 + 1).read_to_end(&mut wasm).ok()?;
        if wasm.len() > max_bytes {
            self.remove(key);
            return None;
        }
        Some(wasm)
    }

    pub(crate) fn store(&self, key: &Key, wasm: &[u8]) -> io::Result<()> {
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        io::Write::write_all(&mut tmp, wasm)?;
        tmp.persist(self.path(key)).map_err(|e| e.error)?;
        Ok(())
    }

    /// Drops an entry that failed verification.
    pub(crate) fn remove(&self, key: &Key) {
        let _ = fs::remove_file(self.path(key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_separate_every_input() {
        let t = [7u8; 32];
        let base = Key::new("rustc 1", &t, "n", "src");
        assert_eq!(base, Key::new("rustc 1", &t, "n", "src"));
        assert_ne!(base, Key::new("rustc 2", &t, "n", "src"));
        assert_ne!(base, Key::new("rustc 1", &[8u8; 32], "n", "src"));
        assert_ne!(base, Key::new("rustc 1", &t, "m", "src"));
        assert_ne!(base, Key::new("rustc 1", &t, "n", "src2"));
        // Moving bytes between fields changes the key.
        assert_ne!(Key::new("a", &t, "bc", "d"), Key::new("ab", &t, "c", "d"));
    }

    #[test]
    fn store_load_remove_round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path()).expect("open");
        let key = Key::new("t", &[0; 32], "n", "s");
        assert!(cache.load(&key, 100).is_none());
        cache.store(&key, b"\0asm").expect("store");
        assert_eq!(cache.load(&key, 100).as_deref(), Some(&b"\0asm"[..]));
        // Over the cap: dropped, not returned.
        assert!(cache.load(&key, 3).is_none());
        assert!(cache.load(&key, 100).is_none());
    }
}
