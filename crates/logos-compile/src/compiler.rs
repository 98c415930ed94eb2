//! The compile pipeline: payload -> checks -> cache or sandboxed build ->
//! strip -> manifest and build sections -> verification -> cache.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use logos_core::{NodeId, NodeManifest};

use crate::cache::{Cache, Key};
use crate::cargo::{Event, Sandbox, Scrubber, cargo_home, child_env};
use crate::errors::{CompileError, PayloadError, VerifyError};
use crate::section::{BUILD_SECTION, append_custom_section, embed_manifest, strip_custom_sections};
use crate::template::{ARTIFACT, TARGET};
use crate::verify::{VerifyLimits, verify_wasm};
use crate::{payload, template};

/// A verified node module and its contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledNode {
    /// The module, with its `logos.manifest` and `logos.build` sections.
    pub wasm: Vec<u8>,
    /// SHA-256 of `wasm`.
    pub id: NodeId,
    /// The contract derived from the payload (also embedded in `wasm`).
    pub manifest: NodeManifest,
}

/// What a compile is doing, for progress bars and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// Checking the source and deriving the contract.
    Parsing,
    /// The cache had this node; no build runs.
    CacheHit {
        /// The node's id.
        id: NodeId,
    },
    /// cargo is running; sent when it starts (`crates_done == 0`) and each
    /// time a crate or build script finishes.
    Building {
        /// Units finished so far.
        crates_done: usize,
        /// The unit that just finished, if any.
        last_crate: Option<String>,
    },
    /// Checking the built module against the ABI.
    Verifying,
    /// Finished.
    Done {
        /// The node's id.
        id: NodeId,
    },
}

/// Builder for a [`Compiler`]; see [`Compiler::builder`].
#[derive(Debug, Clone)]
pub struct CompilerBuilder {
    cache_dir: Option<PathBuf>,
    target_dir: Option<PathBuf>,
    work_dir: Option<PathBuf>,
    timeout: Duration,
    memory_limit: Option<u64>,
    max_source_bytes: usize,
    jobs: Option<u32>,
    limits: VerifyLimits,
}

/// Default compile timeout (a cold build of the dependencies included).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
/// Default address-space limit for each build process.
pub const DEFAULT_MEMORY_LIMIT: u64 = 4 * 1024 * 1024 * 1024;
/// Default cap on payload source size.
pub const DEFAULT_MAX_SOURCE_BYTES: usize = 64 * 1024;

impl CompilerBuilder {
    /// Where finished nodes are cached (default: `$XDG_CACHE_HOME/logos/compile`
    /// or `$HOME/.cache/logos/compile`).
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// The cargo target dir shared by all builds, where the allowlisted
    /// dependencies are compiled once (default: `<cache dir>/target`).
    pub fn target_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.target_dir = Some(dir.into());
        self
    }

    /// Where each build's temporary crate is created (default: the system
    /// temporary directory). It is deleted after the build.
    pub fn work_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.work_dir = Some(dir.into());
        self
    }

    /// Wall-clock limit for one build (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Address-space limit for each build process in bytes, or `None` for no
    /// limit (default [`DEFAULT_MEMORY_LIMIT`]).
    pub fn memory_limit(mut self, bytes: Option<u64>) -> Self {
        self.memory_limit = bytes;
        self
    }

    /// Largest payload accepted (default [`DEFAULT_MAX_SOURCE_BYTES`]).
    pub fn max_source_bytes(mut self, bytes: usize) -> Self {
        self.max_source_bytes = bytes;
        self
    }

    /// Parallel jobs for cargo (default: cargo's own, the number of CPUs).
    pub fn jobs(mut self, jobs: u32) -> Self {
        self.jobs = Some(jobs);
        self
    }

    /// Limits the built module is verified against (its size cap included).
    pub fn verify_limits(mut self, limits: VerifyLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Creates the directories and checks the toolchain: `rustc` must run
    /// and have the wasm32-wasip1 standard library installed.
    pub fn build(self) -> Result<Compiler, CompileError> {
        let cache_dir = match self.cache_dir {
            Some(dir) => dir,
            None => default_cache_dir().ok_or(CompileError::NoCacheDir)?,
        };
        let target_dir = self.target_dir.unwrap_or_else(|| cache_dir.join("target"));
        let work_dir = self.work_dir.unwrap_or_else(std::env::temp_dir);
        for dir in [&cache_dir, &target_dir, &work_dir] {
            fs::create_dir_all(dir).map_err(CompileError::io("creating the compiler's directories"))?;
        }
        let cache =
            Cache::open(&cache_dir.join("nodes")).map_err(CompileError::io("opening the compile cache"))?;
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
        let rustup_home =
            std::env::var_os("RUSTUP_HOME").map(PathBuf::from).unwrap_or_else(|| home.join(".rustup"));
        let scrubber = Scrubber::new(&[
            (&work_dir, "<build>"),
            (&target_dir, "<target>"),
            (&cache_dir, "<cache>"),
            (&cargo_home(), "<cargo-home>"),
            (&rustup_home, "<rustup-home>"),
            (&home, "<home>"),
        ]);
        let toolchain = Toolchain::detect(&work_dir, &target_dir, &scrubber)?;
        Ok(Compiler {
            cache,
            work_dir,
            toolchain,
            sandbox: Sandbox {
                target_dir,
                timeout: self.timeout,
                memory_limit: self.memory_limit,
                jobs: self.jobs,
                scrubber,
            },
            max_source_bytes: self.max_source_bytes,
            limits: self.limits,
        })
    }
}

fn default_cache_dir() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty())?).join(".cache"),
    };
    Some(base.join("logos").join("compile"))
}

/// The toolchain a compiler builds with, as `rustc -vV` reports it.
#[derive(Debug, Clone)]
struct Toolchain {
    /// The full `rustc -vV` text (cache key).
    verbose: String,
    /// `release:`, `commit-hash:` and `LLVM version:` (the build section).
    release: String,
    commit: String,
    llvm: String,
}

impl Toolchain {
    fn detect(work_dir: &Path, target_dir: &Path, scrubber: &Scrubber) -> Result<Self, CompileError> {
        let rustc = |args: &[&str]| -> Result<String, CompileError> {
            let out = Command::new("rustc")
                .args(args)
                .current_dir(work_dir)
                .env_clear()
                .envs(child_env(target_dir))
                .stdin(Stdio::null())
                .output()
                .map_err(|e| {
                    CompileError::Toolchain(format!("cannot run `rustc`: {}", scrubber.scrub(&e.to_string())))
                })?;
            if !out.status.success() {
                let err = String::from_utf8_lossy(&out.stderr);
                return Err(CompileError::Toolchain(format!(
                    "`rustc {}` failed: {}",
                    args.join(" "),
                    scrubber.tail(&err)
                )));
            }
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        };
        let verbose = rustc(&["-vV"])?;
        let field = |name: &str| {
            verbose
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        let toolchain = Self {
            release: field("release:"),
            commit: field("commit-hash:"),
            llvm: field("LLVM version:"),
            verbose: verbose.clone(),
        };
        if toolchain.release.is_empty() {
            return Err(CompileError::Toolchain("`rustc -vV` printed no release".into()));
        }
        let sysroot = rustc(&["--print", "sysroot"])?;
        check_target(Path::new(sysroot.trim()))?;
        Ok(toolchain)
    }

    fn build_section(&self) -> Vec<u8> {
        let template: String = template::digest()[..8].iter().map(|b| format!("{b:02x}")).collect();
        let info = serde_json::json!({
            "rustc": self.release,
            "commit": self.commit,
            "llvm": self.llvm,
            "target": TARGET,
            "template": template,
        });
        info.to_string().into_bytes()
    }
}

/// Whether `sysroot` has the wasm32-wasip1 standard library.
pub(crate) fn check_target(sysroot: &Path) -> Result<(), CompileError> {
    if sysroot.join("lib").join("rustlib").join(TARGET).join("lib").is_dir() {
        Ok(())
    } else {
        Err(CompileError::MissingTarget)
    }
}

/// Compiles payloads into verified node modules. Cheap to share: `compile`
/// takes `&self`, and concurrent builds on one target dir take turns.
///
/// ```no_run
/// use logos_compile::Compiler;
///
/// let compiler = Compiler::builder().cache_dir("/var/cache/logos").build()?;
/// let source = r#"
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// pub struct Input { pub amount: u64 }
///
/// #[derive(Serialize, Deserialize)]
/// pub struct Output { pub ok: bool }
///
/// pub fn execute(input: Input) -> Output {
///     Output { ok: input.amount <= 10_000 }
/// }
/// "#;
/// let node = compiler.compile(source, "amount-limit", &mut |p| eprintln!("{p:?}"))?;
/// println!("{} {:?}", node.id, node.manifest.inputs);
/// # Ok::<(), logos_compile::CompileError>(())
/// ```
#[derive(Debug)]
pub struct Compiler {
    cache: Cache,
    work_dir: PathBuf,
    toolchain: Toolchain,
    sandbox: Sandbox,
    max_source_bytes: usize,
    limits: VerifyLimits,
}

impl Compiler {
    /// A builder with the defaults documented on each setter.
    pub fn builder() -> CompilerBuilder {
        CompilerBuilder {
            cache_dir: None,
            target_dir: None,
            work_dir: None,
            timeout: DEFAULT_TIMEOUT,
            memory_limit: Some(DEFAULT_MEMORY_LIMIT),
            max_source_bytes: DEFAULT_MAX_SOURCE_BYTES,
            jobs: None,
            limits: VerifyLimits::default(),
        }
    }

    /// The `rustc -vV` text of the toolchain this compiler builds with.
    pub fn toolchain(&self) -> &str {
        &self.toolchain.verbose
    }

    /// Checks `source`, derives its contract, and returns the verified node,
    /// from the cache when the same source was compiled before with the same
    /// toolchain and template.
    pub fn compile(
        &self,
        source: &str,
        name: &str,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<CompiledNode, CompileError> {
        progress(Progress::Parsing);
        let analysis = payload::analyze(source, self.max_source_bytes)?;
        let manifest = NodeManifest {
            name: name.to_owned(),
            inputs: analysis.inputs,
            outputs: analysis.outputs,
            capabilities: analysis.capabilities,
        };
        manifest.validate().map_err(PayloadError::Manifest)?;
        let key = Key::new(&self.toolchain.verbose, &template::digest(), name, source);
        if let Some(wasm) = self.cache.load(&key, self.limits.max_wasm_bytes) {
            if verify_wasm(&wasm, &manifest, &self.limits).is_ok() {
                let id = NodeId::of_wasm(&wasm);
                progress(Progress::CacheHit { id });
                progress(Progress::Done { id });
                return Ok(CompiledNode { wasm, id, manifest });
            }
            // Corrupted or planted: never trusted, rebuilt below.
            self.cache.remove(&key);
        }
        let code = self.build(source, &manifest.capabilities, progress)?;
        if code.len() > self.limits.max_wasm_bytes {
            return Err(VerifyError::TooLarge { size: code.len(), limit: self.limits.max_wasm_bytes }.into());
        }
        let with_manifest = embed_manifest(&code, &manifest)
            .map_err(|e| VerifyError::ManifestInvalid { reason: e.to_string() })?;
        let wasm = append_custom_section(&with_manifest, BUILD_SECTION, &self.toolchain.build_section());
        progress(Progress::Verifying);
        verify_wasm(&wasm, &manifest, &self.limits)?;
        self.cache.store(&key, &wasm).map_err(CompileError::io("writing the compile cache"))?;
        let id = NodeId::of_wasm(&wasm);
        progress(Progress::Done { id });
        Ok(CompiledNode { wasm, id, manifest })
    }

    /// Runs cargo on a fresh crate around `source`; returns the module with
    /// every custom section stripped.
    fn build(
        &self,
        source: &str,
        capabilities: &logos_core::CapabilitySet,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Vec<u8>, CompileError> {
        let dir = tempfile::Builder::new()
            .prefix("logos-node-")
            .tempdir_in(&self.work_dir)
            .map_err(CompileError::io("creating the build directory"))?;
        template::write_crate(dir.path(), source, capabilities)
            .map_err(CompileError::io("writing the generated crate"))?;
        let target_dir = &self.sandbox.target_dir;
        // One build at a time per target dir: all builds write the same
        // artifact path. The lock is released when `_lock` drops.
        let _lock = File::create(target_dir.join(".logos-compile.lock"))
            .and_then(|f| f.lock().map(|()| f))
            .map_err(CompileError::io("locking the target dir"))?;
        let out_dir = target_dir.join(TARGET).join("release");
        // Removing the previous artifact forces cargo to rebuild the node
        // crate: every build crate shares one fingerprint, and a source file
        // written within the file system's timestamp granularity of the last
        // build could otherwise look fresh.
        for stale in [out_dir.join(ARTIFACT), out_dir.join("deps").join(ARTIFACT)] {
            match fs::remove_file(&stale) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(CompileError::io("removing the previous artifact")(e)),
            }
        }
        let mut done = 0usize;
        progress(Progress::Building { crates_done: 0, last_crate: None });
        self.sandbox.build(dir.path(), &mut |event| match event {
            Event::Artifact(name) => {
                done += 1;
                progress(Progress::Building { crates_done: done, last_crate: Some(name) });
            }
        })?;
        let artifact = out_dir.join(ARTIFACT);
        let size = fs::metadata(&artifact).map_err(CompileError::io("reading the built module"))?.len();
        if size > self.limits.max_wasm_bytes as u64 {
            let size = usize::try_from(size).unwrap_or(usize::MAX);
            return Err(VerifyError::TooLarge { size, limit: self.limits.max_wasm_bytes }.into());
        }
        let raw = fs::read(&artifact).map_err(CompileError::io("reading the built module"))?;
        strip_custom_sections(&raw).map_err(|message| VerifyError::Invalid { offset: 0, message }.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_target_names_the_rustup_command() {
        let empty = tempfile::tempdir().expect("tempdir");
        let err = check_target(empty.path()).expect_err("no target in an empty sysroot");
        assert!(matches!(err, CompileError::MissingTarget));
        assert!(err.to_string().contains("rustup target add wasm32-wasip1"), "{err}");
    }

    #[test]
    fn runtime_types_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Compiler>();
        assert_send_sync::<CompileError>();
        assert_send_sync::<CompiledNode>();
        assert_send_sync::<Progress>();
    }
}
