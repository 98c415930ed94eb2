//! The module cache: in memory, on disk, and refusing tampered artifacts.

use logos_runtime::{CacheStats, Runtime};

use crate::support::*;

fn run_with_cache(dir: &std::path::Path, key: [u8; 32]) -> CacheStats {
    let rt = Runtime::builder().memory(1 << 20).module_cache_dir(dir, key).build().unwrap();
    for _ in 0..2 {
        assert_eq!(rt.execute(&add(1), &u64_rec("x", 1)).unwrap().output, u64_rec("y", 2));
    }
    rt.cache_stats()
}

fn artifacts(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for sub in std::fs::read_dir(dir).unwrap() {
        for f in std::fs::read_dir(sub.unwrap().path()).unwrap() {
            let p = f.unwrap().path();
            if p.extension().is_some_and(|e| e == "cwasm") {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn modules_compile_once_per_runtime() {
    let rt = Runtime::builder().memory(1 << 20).build().unwrap();
    for _ in 0..3 {
        rt.execute(&add(1), &u64_rec("x", 1)).unwrap();
    }
    assert_eq!(rt.cache_stats(), CacheStats { compiled: 1, disk_hits: 0, rejected: 0 });
}

#[test]
fn disk_cache_is_reused_and_tampered_artifacts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = [7u8; 32];
    assert_eq!(run_with_cache(dir.path(), key), CacheStats { compiled: 1, disk_hits: 0, rejected: 0 });
    assert_eq!(run_with_cache(dir.path(), key), CacheStats { compiled: 0, disk_hits: 1, rejected: 0 });

    // Flip one byte in the middle of the artifact.
    let [path] = artifacts(dir.path()).try_into().unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(run_with_cache(dir.path(), key), CacheStats { compiled: 1, disk_hits: 0, rejected: 1 });
    // It was rewritten, so the next runtime loads it again.
    assert_eq!(run_with_cache(dir.path(), key), CacheStats { compiled: 0, disk_hits: 1, rejected: 0 });

    // Truncation and another key are refused too.
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 100]).unwrap();
    assert_eq!(run_with_cache(dir.path(), key).rejected, 1);
    assert_eq!(run_with_cache(dir.path(), [8u8; 32]).rejected, 1);
}
