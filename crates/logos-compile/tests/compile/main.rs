//! End-to-end tests of the compiler: real cargo builds for wasm32-wasip1.
//!
//! One test binary, one shared cargo target dir
//! (`<target>/tmp/logos-compile-tests/target`, kept between runs so only the
//! first run ever compiles the dependencies), one shared [`Compiler`] with a
//! fresh cache per run, and each shared payload built once per run.

mod build;
mod hostile;
mod skill;

use std::path::PathBuf;
use std::sync::OnceLock;

use logos_compile::{CompileError, CompiledNode, Compiler, CompilerBuilder, Progress};

/// Directories that live as long as the test binary.
struct Dirs {
    _root: tempfile::TempDir,
    cache: PathBuf,
    work: PathBuf,
}

fn dirs() -> &'static Dirs {
    static DIRS: OnceLock<Dirs> = OnceLock::new();
    DIRS.get_or_init(|| {
        let root = tempfile::tempdir().expect("temp dir");
        let cache = root.path().join("cache");
        let work = root.path().join("work");
        Dirs { cache, work, _root: root }
    })
}

/// The cargo target dir every test compiler shares.
pub fn target_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("logos-compile-tests").join("target")
}

/// A builder on the shared target dir with fresh cache and work dirs under
/// `name`.
pub fn builder(name: &str) -> CompilerBuilder {
    let root = dirs().cache.parent().expect("root").join(name);
    Compiler::builder().target_dir(target_dir()).cache_dir(root.join("cache")).work_dir(root.join("work"))
}

/// The compiler most tests share.
pub fn compiler() -> &'static Compiler {
    static COMPILER: OnceLock<Compiler> = OnceLock::new();
    COMPILER.get_or_init(|| {
        let d = dirs();
        Compiler::builder()
            .target_dir(target_dir())
            .cache_dir(&d.cache)
            .work_dir(&d.work)
            .build()
            .expect("the toolchain with wasm32-wasip1 is installed")
    })
}

/// Compiles and records every progress event.
pub fn compile_with(
    compiler: &Compiler,
    source: &str,
    name: &str,
) -> (Result<CompiledNode, CompileError>, Vec<Progress>) {
    let mut events = Vec::new();
    let result = compiler.compile(source, name, &mut |p| events.push(p));
    (result, events)
}

/// Whether any event says cargo ran.
pub fn built(events: &[Progress]) -> bool {
    events.iter().any(|p| matches!(p, Progress::Building { .. }))
}

/// A payload exercising records, enums, lists, options, bytes, a `Result`
/// return, and code that can panic (so file names appear in the module).
pub const BASIC: &str = r#"//! Approves a payment against a limit.
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Copy, PartialEq)]
pub enum Currency { Eur, Usd }

#[derive(Serialize, Deserialize)]
pub struct Payment { pub cents: u64, pub currency: Currency, pub memo: Option<String> }

#[derive(Serialize, Deserialize)]
pub struct Input { pub payment: Payment, pub limits: Vec<u64>, pub tag: Vec<u8> }

#[derive(Serialize, Deserialize)]
pub struct Output { pub approved: bool, pub reason: String }

pub fn execute(input: Input) -> Result<Output, String> {
    let limit = input.limits[0];
    if input.payment.currency != Currency::Eur {
        return Err("only EUR".into());
    }
    let approved = input.payment.cents <= limit;
    Ok(Output { approved, reason: format!("{} of {} ({} tag bytes)", input.payment.cents, limit, input.tag.len()) })
}
"#;

/// [`BASIC`], built once per run by the shared compiler, with its events.
pub fn basic() -> &'static (CompiledNode, Vec<Progress>) {
    static BASIC_NODE: OnceLock<(CompiledNode, Vec<Progress>)> = OnceLock::new();
    BASIC_NODE.get_or_init(|| {
        let (result, events) = compile_with(compiler(), BASIC, "approve");
        (result.unwrap_or_else(|e| panic!("basic payload compiles: {e}")), events)
    })
}
