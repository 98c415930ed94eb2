//! The on-disk module cache, and the crate's one `unsafe` call.
//!
//! `Module::deserialize` turns bytes into executable machine code without
//! checking them: a tampered artifact is arbitrary code execution in the
//! host. So an artifact is only deserialized after its integrity check
//! passes: every file is `MAGIC || tag || artifact`, where `tag` is a keyed
//! BLAKE3 MAC (key supplied by the host, never stored in the cache) over the
//! engine fingerprint, the node id and the artifact. A file that fails the
//! check (flipped bit, truncation, another node's artifact, another key,
//! another engine) is refused, and the caller recompiles from the wasm and
//! rewrites it.
//!
//! Layout: `DIR/<fingerprint, 16 hex>/<node id>.cwasm`, written to a
//! temporary name and renamed, so readers never see half a file.

#![allow(unsafe_code)]

use std::fs;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use logos_core::NodeId;
use wasmtime::{Engine, Module};

use crate::errors::BuildError;

const MAGIC: &[u8; 8] = b"LOGOSCM1";
/// Largest artifact read back (a compiled node is far smaller).
const MAX_ARTIFACT: u64 = 512 << 20;

pub(crate) struct DiskCache {
    dir: PathBuf,
    key: [u8; 32],
    fingerprint: [u8; 32],
}

pub(crate) enum Loaded {
    Hit(Module),
    Miss,
    Rejected,
}

impl DiskCache {
    pub(crate) fn open(root: PathBuf, key: [u8; 32], fingerprint: [u8; 32]) -> Result<Self, BuildError> {
        let sub: String = fingerprint[..8].iter().map(|b| format!("{b:02x}")).collect();
        let dir = root.join(sub);
        fs::create_dir_all(&dir).map_err(|error| BuildError::CacheDir { path: dir.clone(), error })?;
        Ok(Self { dir, key, fingerprint })
    }

    fn path(&self, id: &NodeId) -> PathBuf {
        self.dir.join(format!("{id}.cwasm"))
    }

    fn tag(&self, id: &NodeId, artifact: &[u8]) -> blake3::Hash {
        let mut h = blake3::Hasher::new_keyed(&self.key);
        h.update(&self.fingerprint);
        h.update(id.as_bytes());
        h.update(artifact);
        h.finalize()
    }

    pub(crate) fn load(&self, engine: &Engine, id: &NodeId) -> Loaded {
        let path = self.path(id);
        let Ok(meta) = fs::metadata(&path) else { return Loaded::Miss };
        if meta.len() > MAX_ARTIFACT {
            return Loaded::Rejected;
        }
        let Ok(bytes) = fs::read(&path) else { return Loaded::Miss };
        let Some(rest) = bytes.strip_prefix(MAGIC) else { return Loaded::Rejected };
        let Some((tag, artifact)) = rest.split_first_chunk::<32>() else { return Loaded::Rejected };
        // blake3::Hash equality is constant-time.
        if self.tag(id, artifact) != blake3::Hash::from_bytes(*tag) {
            return Loaded::Rejected;
        }
        // SAFETY: `Module::deserialize` requires bytes produced by
        // `Module::serialize` of a compatible engine, unmodified. `artifact`
        // carries a keyed MAC over (engine fingerprint, node id, artifact)
        // that only `store` below computes, with a key the host holds outside
        // the cache directory; it verified above, so these are the exact
        // bytes `store` wrote from `Module::serialize` on an engine with this
        // fingerprint (a MAC forgery would need the key). wasmtime also
        // checks its own version and configuration header and returns an
        // error, not UB, on a mismatch.
        match unsafe { Module::deserialize(engine, artifact) } {
            Ok(m) => Loaded::Hit(m),
            Err(_) => Loaded::Rejected,
        }
    }

    pub(crate) fn store(&self, id: &NodeId, module: &Module) -> std::io::Result<()> {
        let artifact = module.serialize().map_err(|e| std::io::Error::other(e.to_string()))?;
        let tag = self.tag(id, &artifact);
        let path = self.path(id);
        static UNIQUE: AtomicU64 = AtomicU64::new(0);
        let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
        let tmp = self.dir.join(format!(".{id}.{}.{n}.tmp", std::process::id()));
        let mut f = fs::File::create(&tmp)?;
        f.write_all(MAGIC)?;
        f.write_all(tag.as_bytes())?;
        f.write_all(&artifact)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, &path)
    }
}
