//! Act 1: the bank's store, its approvers and log key, and the supervisor
//! every later act goes through.

use std::error::Error;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Receiver;

use logos_runtime::layers::ledger::ed25519_dalek::SigningKey;
use logos_runtime::{
    Actor, GraphStore, Keyring, NodeId, NoteSigner, Operation, Recorder, RedbSink, RedbStore, Runtime, Stamp,
    Statement, Supervisor, SupervisorEvent, Token,
};

use crate::text::{hex, paragraph};

/// The ledger's origin: the name every token and checkpoint is bound to.
const ORIGIN: &str = "bank.example/payments";
/// The log key's name, as checkpoints and `log-key.pub` carry it.
const LOG_KEY_NAME: &str = "bank.example/log";
/// 2025-03-03 09:00 UTC: the story's clock starts here and only the story
/// moves it, so every run writes the same timestamps.
const NINE_AM: u64 = 1_740_992_400_000;
const MINUTE: u64 = 60_000;
/// How long a token or proposal stays valid.
pub(crate) const DAY: u64 = 24 * 60 * MINUTE;

/// One of the bank's human approvers.
pub(crate) struct Person {
    pub name: &'static str,
    pub role: &'static str,
    pub key: SigningKey,
}

/// The bank: the supervisor over its store, the people and keys around it.
pub(crate) struct World {
    pub sup: Supervisor,
    clock: Arc<AtomicU64>,
    pub people: [Person; 3],
    pub log_key: NoteSigner,
    /// The host's view of everything that happens (changes, runs, refusals).
    pub events: Receiver<SupervisorEvent>,
}

/// Creates the bank's store in `dir` (replacing one from an earlier run).
pub(crate) fn open(out: &mut dyn Write, dir: &Path) -> Result<World, Box<dyn Error>> {
    fs::create_dir_all(dir)?;
    let store_path = dir.join("bank.redb");
    let records_path = dir.join("records.redb");
    for stale in [&store_path, &records_path] {
        if stale.exists() {
            fs::remove_file(stale)?;
        }
    }
    // Fixed seeds make every run print the same keys and node ids. Real keys
    // come from `logos keygen` or a hardware token, never from constants.
    let person = |name, role, seed| Person { name, role, key: SigningKey::from_bytes(&[seed; 32]) };
    let people = [
        person("alice", "risk officer", 0xa1),
        person("bob", "compliance", 0xb0),
        person("carol", "CTO", 0xc0),
    ];
    let mut keys: Vec<[u8; 32]> = people.iter().map(|p| p.key.verifying_key().to_bytes()).collect();
    keys.sort_unstable();
    let store = RedbStore::create(
        &store_path,
        ORIGIN,
        Keyring { keys, quorum: 2 },
        &Stamp::new(Actor::Host, NINE_AM),
    )?;
    let log_key = NoteSigner::from_bytes(LOG_KEY_NAME, &[0x10; 32])?;

    // Every production run is recorded, values included, so any decision
    // can be replayed later without being handed its inputs again.
    let recorder = Recorder::new(Arc::new(RedbSink::open(&records_path)?)).values(true);
    let runtime = Runtime::builder().recorder(recorder).build()?;
    let clock = Arc::new(AtomicU64::new(NINE_AM));
    let hands = Arc::clone(&clock);
    let sup =
        Supervisor::builder(store).runtime(runtime).clock(move || hands.load(Ordering::Relaxed)).build()?;
    let events = sup.subscribe();
    let world = World { sup, clock, people, log_key, events };

    writeln!(out, "1. The bank opens a ledger")?;
    paragraph(
        out,
        "Every change to the rules will be an entry in an append-only, hash-chained ledger. \
         Rules that are locked change only when two of the bank's three approvers sign.",
    )?;
    for (i, p) in world.people.iter().enumerate() {
        let label = if i == 0 { "approvers" } else { "" };
        let who = format!("{} ({})", p.name, p.role);
        writeln!(out, "   {label:<11} {who:<22} key {}", hex(p.key.verifying_key().as_bytes(), 6))?;
    }
    writeln!(out, "   {:<11} 2 of 3", "quorum")?;
    writeln!(out, "   {:<11} {LOG_KEY_NAME} signs checkpoints of the ledger", "log key")?;
    writeln!(
        out,
        "   {:<11} {} (ledger: {} entry, the genesis)\n",
        "store",
        crate::shown(&store_path),
        world.sup.store().head()?.size
    )?;
    Ok(world)
}

impl World {
    /// Sets the story's clock to `minutes` past nine.
    pub fn at(&self, minutes: u64) {
        self.clock.store(NINE_AM + minutes * MINUTE, Ordering::Relaxed);
    }

    /// A token for `operation`, bound to the current head, valid for a day,
    /// signed by `signers`.
    pub fn token(&self, operation: Operation, signers: &[&Person]) -> Result<Token, Box<dyn Error>> {
        let store = self.sup.store();
        let size = store.head()?.size;
        let statement = Statement::new(
            store.origin(),
            operation,
            size,
            store.root_at(size)?,
            self.sup.now_ms() + DAY,
            Statement::random_nonce()?,
        )?;
        let mut token = Token::new(statement);
        for p in signers {
            token.sign(&p.key)?;
        }
        Ok(token)
    }

    /// A node's name.
    pub fn name(&self, node: &NodeId) -> String {
        self.sup.state().graph.node(node).map_or_else(|| node.short(), |m| m.name.clone())
    }

    /// An approver's name, from the public key.
    pub fn person(&self, key: &[u8; 32]) -> Option<&Person> {
        self.people.iter().find(|p| p.key.verifying_key().as_bytes() == key)
    }

    /// `message` with every node id and approver key replaced by its name:
    /// library messages name things exactly, by hash; a story names them
    /// the way people do.
    pub fn plain(&self, message: &str) -> String {
        self.named(message, true)
    }

    /// Like [`plain`](Self::plain), but short ids stay: for texts that
    /// give a node's short id and its name side by side.
    pub fn named(&self, message: &str, short_ids: bool) -> String {
        let mut text = message.to_owned();
        for (id, manifest) in self.sup.state().graph.nodes() {
            text = text.replace(&id.to_string(), &manifest.name);
            if short_ids {
                text = text.replace(&id.short(), &manifest.name);
            }
        }
        for p in &self.people {
            text = text.replace(&hex(p.key.verifying_key().as_bytes(), 32), p.name);
        }
        text
    }
}
