//! The world the attacks run in and what an attack returns.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Receiver;

use logos_runtime::layers::compile::{
    CompileError, CompiledNode, Compiler, PayloadError, Progress, VerifyError,
};
use logos_runtime::layers::ledger::checkpoint::NoteSigner;
use logos_runtime::layers::ledger::ed25519_dalek::SigningKey;
use logos_runtime::{
    Actor, Bundle, BundleError, Event, ExecErrorKind, Flow, GraphStore, Keyring, LedgerHead, NodeId,
    NodeManifest, Operation, PortRef, RedbStore, Session, Stamp, Statement, StoreError, Supervisor,
    SupervisorError, SupervisorEvent, Token, TokenError, Value,
};
use rand_core::{OsRng, RngCore};

use crate::corpus;

/// The supervisor's (fixed) clock.
pub const NOW: u64 = 1_700_000_000_000;
pub const HOUR: u64 = 3_600_000;
pub const ORIGIN: &str = "test.logos/attacks";
/// The environment variable holding the environment canary.
pub const CANARY_ENV: &str = "LOGOS_ATTACK_CANARY";

/// One attack: what it is called, what must happen, and how to carry it out.
pub struct Attack {
    /// `family/name`; for corpus attacks, the file path under `corpus/` without extension.
    pub name: String,
    /// The `must:` line.
    pub must: String,
    /// Carries the attack out against the world.
    pub run: Box<dyn Fn(&World) -> Outcome>,
    /// Whether the outcome is the one the `must:` line states.
    pub expect: fn(&Outcome) -> bool,
}

/// What an attack ended in.
pub type Outcome = Result<Seen, Failure>;

/// A typed error from the part of LOGOS that refused the attack.
#[derive(Debug)]
pub enum Failure {
    Compile(CompileError),
    Verify(VerifyError),
    Supervisor(SupervisorError),
    Store(StoreError),
    Bundle(BundleError),
    Token(TokenError),
    /// The harness saw LOGOS break a promise that is not an error value
    /// (cargo ran for a refused payload, the verifier and the supervisor
    /// disagree, a damaged store served wrong bytes, ...). Never expected.
    Broken(String),
}

/// What an attack that was not refused produced.
#[derive(Debug, Default)]
pub struct Seen {
    /// The flow outputs, if it ran.
    pub outputs: Vec<Value>,
    /// Its `logos.log` lines.
    pub logs: Vec<String>,
    /// Anything else the attacker could read back (scanned for leaks).
    pub texts: Vec<String>,
}

impl Seen {
    pub fn text(text: impl Into<String>) -> Self {
        Seen { texts: vec![text.into()], ..Seen::default() }
    }
}

/// The failing node's error kind, for run attacks.
pub fn exec_kind(o: &Outcome) -> Option<&ExecErrorKind> {
    match o {
        Err(Failure::Supervisor(SupervisorError::Flow(f))) => f.exec_error().map(|e| e.kind()),
        _ => None,
    }
}

/// The verifier's error, for ingestion attacks.
pub fn verify_error(o: &Outcome) -> Option<&VerifyError> {
    match o {
        Err(Failure::Verify(v)) => Some(v),
        _ => None,
    }
}

/// The payload checker's error, for compile-time attacks.
pub fn payload_error(o: &Outcome) -> Option<&PayloadError> {
    match o {
        Err(Failure::Compile(CompileError::Payload(p))) => Some(p),
        _ => None,
    }
}

/// The token error, whether from parsing or from the ledger's freshness rule.
pub fn token_error(o: &Outcome) -> Option<&TokenError> {
    match o {
        Err(Failure::Token(t)) => Some(t),
        Err(Failure::Supervisor(SupervisorError::Store(StoreError::Token(t)))) => Some(t),
        _ => None,
    }
}

/// The store error, whether returned directly or through the supervisor.
pub fn store_error(o: &Outcome) -> Option<&StoreError> {
    match o {
        Err(Failure::Store(s)) => Some(s),
        Err(Failure::Supervisor(SupervisorError::Store(s))) => Some(s),
        _ => None,
    }
}

/// Two secrets the attacks try to exfiltrate: one in a file next to the
/// store, one in the process environment.
pub struct Canary {
    pub file_secret: String,
    pub env_secret: String,
}

impl Canary {
    /// Draws both secrets and sets the environment one.
    ///
    /// # Safety
    ///
    /// Changes the process environment: call it before any thread exists.
    pub unsafe fn plant() -> Self {
        let secret = |label: &str| {
            let mut bytes = [0u8; 16];
            OsRng.fill_bytes(&mut bytes);
            format!("{label}-{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
        };
        let canary = Canary { file_secret: secret("file-canary"), env_secret: secret("env-canary") };
        // SAFETY: the caller guarantees the process is single-threaded.
        unsafe { std::env::set_var(CANARY_ENV, &canary.env_secret) };
        canary
    }
}

/// Human keys 1..=3 form the keyring; 8 and 9 are strangers.
pub fn human(i: u8) -> SigningKey {
    SigningKey::from_bytes(&[i; 32])
}

/// Everything the attacks run against.
pub struct World {
    _dir: tempfile::TempDir,
    /// The temporary directory (store, canary file, copies).
    pub root: PathBuf,
    pub store_path: PathBuf,
    pub canary_file: PathBuf,
    pub canary: Canary,
    pub sup: Supervisor,
    pub compiler: Compiler,
    /// The log key checkpoints are signed with.
    pub log: NoteSigner,
    /// A sediment node added by the host: what forged tokens try to promote.
    pub target: NodeId,
    /// A node promoted during setup with [`World::used_token`].
    pub keystone: NodeId,
    pub used_token: Token,
    /// The store file as it was before the last setup change (a rolled-back copy).
    pub early_copy: PathBuf,
    /// The bundle exported at the end of setup, and its checkpoint (kept by an auditor).
    pub bundle: Bundle,
    pub(crate) events: Receiver<SupervisorEvent>,
    compiled: Mutex<BTreeMap<String, CompiledNode>>,
    pub(crate) armed: Mutex<Option<LedgerHead>>,
    flows: AtomicUsize,
    /// Compiled artifacts, for the final leak scan.
    artifacts: Mutex<Vec<(String, Vec<u8>)>>,
}

impl World {
    pub fn new(canary: Canary) -> World {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().to_path_buf();
        let canary_file = root.join("host-secret.txt");
        std::fs::write(&canary_file, format!("{}\n", canary.file_secret)).expect("plant the file canary");
        let store_path = root.join("logos.redb");
        let mut keys: Vec<[u8; 32]> = (1..=3).map(|i| human(i).verifying_key().to_bytes()).collect();
        keys.sort_unstable();
        let store = RedbStore::create(
            &store_path,
            ORIGIN,
            Keyring { keys, quorum: 2 },
            &Stamp::new(Actor::Host, NOW),
        )
        .expect("create the store");
        let sup = Supervisor::builder(store).clock(|| NOW).build().expect("supervisor");
        let events = sup.subscribe();
        let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let compiler = Compiler::builder()
            // The logos-compile tests' target dir: the allowlisted
            // dependencies are compiled there once for both test binaries.
            .target_dir(tmp.join("logos-compile-tests").join("target"))
            .cache_dir(tmp.join("logos-attacks").join("cache"))
            .work_dir(tmp.join("logos-attacks").join("work"))
            .build()
            .expect("the toolchain with wasm32-wasip1 is installed");
        let log = NoteSigner::from_bytes(ORIGIN, &[7; 32]).expect("log key");

        let host = sup.host();
        let (wasm, manifest) = corpus::honest_node("target");
        let target = host.add_node(&wasm, &manifest).expect("add the target").id;
        let (wasm, manifest) = corpus::honest_node("keystone");
        let keystone = host.add_node(&wasm, &manifest).expect("add the keystone").id;
        let used_token = token_for(&sup, Operation::Promote { node: keystone }, &[1, 2], NOW + HOUR);
        host.govern(Event::Promoted { node: keystone }, &used_token).expect("promote the keystone");
        sup.store().sign_checkpoint(&log).expect("first checkpoint");
        let early_copy = root.join("rolled-back.redb");
        std::fs::copy(&store_path, &early_copy).expect("copy the store");
        let (wasm, manifest) = corpus::honest_node("latecomer");
        host.add_node(&wasm, &manifest).expect("add a later node");
        let bundle = sup.store().export_bundle(&log).expect("export");
        sup.store().verify().expect("the fresh store verifies");

        let world = World {
            _dir: dir,
            root,
            store_path,
            canary_file,
            canary,
            sup,
            compiler,
            log,
            target,
            keystone,
            used_token,
            early_copy,
            bundle,
            events,
            compiled: Mutex::new(BTreeMap::new()),
            armed: Mutex::new(None),
            flows: AtomicUsize::new(0),
            artifacts: Mutex::new(Vec::new()),
        };
        // The leak scan must be able to see the canaries at all.
        assert_eq!(std::env::var(CANARY_ENV).ok().as_deref(), Some(world.canary.env_secret.as_str()));
        assert!(world.leak(&format!("x{}x", world.canary.file_secret)).is_some());
        assert!(world.leak(&format!("x{}x", world.canary.env_secret)).is_some());
        world
    }

    pub fn head(&self) -> LedgerHead {
        self.sup.store().head().expect("head")
    }

    /// Marks the start of the hostile step: writes before it (adding the
    /// node to run, defining its flow) are setup; from here on the ledger
    /// must not change.
    pub fn arm(&self) {
        *self.armed.lock().expect("armed lock") = Some(self.head());
    }

    /// A statement for `op` bound to the current head, signed by `signers`.
    pub fn token(&self, op: Operation, signers: &[u8], expires: u64) -> Token {
        token_for(&self.sup, op, signers, expires)
    }

    /// The corpus payload at `path` (under `corpus/`), compiled once per run
    /// (and cached between runs by the compiler).
    pub fn compiled(&self, path: &str) -> Result<CompiledNode, Failure> {
        if let Some(node) = self.compiled.lock().expect("compiled lock").get(path) {
            return Ok(node.clone());
        }
        let source = corpus::payload_source(self, path);
        let name = path.rsplit('/').next().unwrap_or(path).replace('_', "-");
        let node = self.compiler.compile(&source, &name, &mut |_| {}).map_err(Failure::Compile)?;
        self.artifacts.lock().expect("artifacts lock").push((path.to_owned(), node.wasm.clone()));
        self.compiled.lock().expect("compiled lock").insert(path.to_owned(), node.clone());
        Ok(node)
    }

    /// Compiles an arbitrary payload, noting whether cargo ran.
    pub fn compile_source(&self, source: &str) -> (Result<CompiledNode, CompileError>, bool) {
        let mut built = false;
        let result = self.compiler.compile(source, "hostile", &mut |p| {
            built |= matches!(p, Progress::Building { .. });
        });
        (result, built)
    }

    /// Runs `node` (already stored) as `who` in a fresh sandbox flow over all
    /// its outputs; the flow definition is setup, the run is the attack.
    pub fn run_node(&self, who: &Session<'_>, node: NodeId, manifest: &NodeManifest) -> Outcome {
        let name = format!("attack-{}", self.flows.fetch_add(1, Ordering::Relaxed));
        let outputs = manifest.outputs.iter().map(|p| PortRef::new(node, &p.name)).collect();
        let flow = Flow::new(&name, vec![], outputs);
        who.define_flow(&flow).map_err(Failure::Supervisor)?;
        self.arm();
        let out = who.run(&name, &[]).map_err(Failure::Supervisor)?;
        Ok(Seen {
            outputs: out.outputs,
            logs: out.steps.into_iter().flat_map(|s| s.logs).collect(),
            texts: vec![],
        })
    }

    /// What must never appear in text an attack produced.
    fn forbidden(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("the file canary", self.canary.file_secret.clone()),
            ("the environment canary", self.canary.env_secret.clone()),
        ];
        if let Ok(home) = std::env::var("HOME")
            && home.len() > 1
        {
            out.push(("$HOME", home));
        }
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        if let Ok(workspace) = workspace.canonicalize() {
            out.push(("the workspace path", workspace.display().to_string()));
        }
        out
    }

    /// The first forbidden string in `text`, if any.
    pub(crate) fn leak(&self, text: &str) -> Option<&'static str> {
        self.forbidden().into_iter().find(|(_, s)| text.contains(s.as_str())).map(|(what, _)| what)
    }

    /// Checks after every attack: the store file and the compiled
    /// artifacts hold no secret, and the store still verifies.
    pub fn final_checks(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(e) = self.sup.store().verify() {
            problems.push(format!("the store no longer verifies after the corpus: {e}"));
        }
        match std::fs::read(&self.store_path) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                for (what, secret) in self.forbidden().into_iter().take(2) {
                    if text.contains(&secret) {
                        problems.push(format!("the store file contains {what}"));
                    }
                }
            }
            Err(e) => problems.push(format!("cannot read the store file: {e}")),
        }
        for (path, wasm) in self.artifacts.lock().expect("artifacts lock").iter() {
            if let Some(what) = self.leak(&String::from_utf8_lossy(wasm)) {
                problems.push(format!("the compiled artifact of {path} contains {what}"));
            }
        }
        problems
    }
}

/// A token for `op` bound to `sup`'s current head.
fn token_for(sup: &Supervisor, op: Operation, signers: &[u8], expires: u64) -> Token {
    let store = sup.store();
    let size = store.head().expect("head").size;
    let root = store.root_at(size).expect("root");
    let nonce = Statement::random_nonce().expect("nonce");
    let statement = Statement::new(store.origin(), op, size, root, expires, nonce).expect("statement");
    let mut token = Token::new(statement);
    for i in signers {
        token.sign(&human(*i)).expect("sign");
    }
    token
}
