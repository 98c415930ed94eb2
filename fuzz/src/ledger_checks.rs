//! The checks the logos-ledger fuzz targets run, one per target, each taking
//! the raw fuzz input and panicking only when logos-ledger breaks a promise.
//!
//! Like `checks.rs`, this file depends on nothing but `logos_ledger`,
//! `logos_core` and `std`: it is compiled as `logos_fuzz::ledger_checks` for
//! the libFuzzer targets and, through `#[path]`, inside logos-ledger's
//! `tests/fuzz_regressions.rs`, which replays the seeds on stable.

use std::sync::OnceLock;

use logos_ledger::checkpoint::{Checkpoint, NoteSigner, NoteVerifier, open_checkpoint, open_note, sign_note};
use logos_ledger::ed25519_dalek::SigningKey;
use logos_ledger::merkle::{self, Hash, MemoryTree, verify_consistency, verify_inclusion};
use logos_ledger::token::{Statement, Token};
use logos_ledger::{Bundle, ChainVerifier, Entry, Event, Keyring, LedgerState, hash_encoded, verify_bundle};

/// Name of the log key that signs the seeds' checkpoints and bundles.
pub const LOG_KEY_NAME: &str = "fuzz.logos.test";
/// That key's Ed25519 secret seed: fixed, so the seeds carry real signatures.
pub const LOG_KEY_SEED: [u8; 32] = [0x42; 32];
/// Secret seeds of the human keys registered in [`human_keyring`].
pub const HUMAN_KEY_SEEDS: [[u8; 32]; 3] = [[1; 32], [2; 32], [3; 32]];

/// The log key (built once: deriving a public key is not free).
pub fn log_signer() -> &'static NoteSigner {
    static SIGNER: OnceLock<NoteSigner> = OnceLock::new();
    SIGNER.get_or_init(|| NoteSigner::from_bytes(LOG_KEY_NAME, &LOG_KEY_SEED).expect("the key name is valid"))
}

fn trusted() -> &'static [NoteVerifier] {
    static TRUSTED: OnceLock<[NoteVerifier; 1]> = OnceLock::new();
    TRUSTED.get_or_init(|| [log_signer().verifier()])
}

/// The three human keys, quorum 2.
pub fn human_keyring() -> &'static Keyring {
    static KEYRING: OnceLock<Keyring> = OnceLock::new();
    KEYRING.get_or_init(|| {
        let mut keys: Vec<[u8; 32]> =
            HUMAN_KEY_SEEDS.iter().map(|s| SigningKey::from_bytes(s).verifying_key().to_bytes()).collect();
        keys.sort_unstable();
        Keyring { keys, quorum: 2 }
    })
}

/// Reads the fuzz input a byte at a time; past the end it reads zeros.
struct Input<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    fn pick(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { usize::from(self.byte()) % n }
    }

    fn done(&self) -> bool {
        self.pos >= self.data.len()
    }
}

/// `entry_decode`: any bytes. Decoding never panics and accepts only the
/// canonical encoding; the chain verifier agrees with it and applies exactly
/// its documented rules (seq, prev, genesis first and only first).
pub fn entry_decode(data: &[u8]) {
    let mut chain = ChainVerifier::new();
    let pushed = chain.push(data);
    let Ok(entry) = Entry::decode(data) else {
        assert!(pushed.is_err(), "the chain verifier accepted bytes Entry::decode refuses");
        return;
    };
    assert_eq!(entry.encode(), data, "Entry::decode accepted a non-canonical encoding");
    assert_eq!(entry.hash(), hash_encoded(data), "the entry hash is not the hash of its encoding");
    let genesis = matches!(entry.event, Event::Genesis { .. });
    let first = entry.seq == 0 && entry.prev == [0; 32] && genesis;
    match pushed {
        Ok(pushed) => {
            assert!(first, "a fresh chain accepted {entry:?} as its first entry");
            assert_eq!(pushed, entry, "the chain verifier decoded differently");
            assert_eq!((chain.size(), chain.head()), (1, entry.hash()), "chain head after genesis");
        }
        Err(e) => assert!(!first, "a fresh chain refused a genesis entry: {e}"),
    }
    // Resumed right before the entry, only the genesis rule can refuse it.
    let resumed = ChainVerifier::resume(entry.seq, entry.prev).push(data);
    assert_eq!(resumed.is_ok(), (entry.seq == 0) == genesis, "resumed chain on {entry:?}: {resumed:?}");
    let _ = LedgerState::genesis(&entry);
}

/// Largest power of two strictly below `n` (`n >= 2`), by a plain loop.
fn split(n: u64) -> u64 {
    let mut k = 1;
    while k <= (n - 1) / 2 {
        k *= 2;
    }
    k
}

/// Where a proof hash enters the recomputation.
#[derive(Debug, PartialEq)]
enum Role {
    /// Hashed in on the left (for consistency: into both roots).
    Left,
    /// Hashed in on the right (for consistency: into the new root only).
    Right,
    /// The old tree's last perfect subtree, where a consistency proof starts.
    Seed,
}

/// RFC 6962 §2.1.1 `PATH(m, D[n])`, unrolled: the role of each path hash,
/// leaf first; `None` when `m >= n`. A path verifies under exactly the
/// (index, size) pairs with the same roles: those are the aliases merkle.rs
/// documents ("other sizes that give the tree the same shape along it").
fn inclusion_shape(mut m: u64, mut n: u64) -> Option<Vec<Role>> {
    if m >= n {
        return None;
    }
    let mut roles = Vec::new();
    while n > 1 {
        let k = split(n);
        if m < k {
            roles.push(Role::Right);
            n = k;
        } else {
            roles.push(Role::Left);
            (m, n) = (m - k, n - k);
        }
    }
    roles.reverse();
    Some(roles)
}

/// RFC 6962 §2.1.2 `SUBPROOF(m, D[n], true)`, unrolled: the role of each
/// proof hash, deepest first; empty for `m == n`, `None` when no proof exists.
fn consistency_shape(mut m: u64, mut n: u64) -> Option<Vec<Role>> {
    if m == 0 || m > n {
        return None;
    }
    let (mut roles, mut whole_old_tree) = (Vec::new(), true);
    while m != n {
        let k = split(n);
        if m <= k {
            roles.push(Role::Right);
            n = k;
        } else {
            roles.push(Role::Left);
            (m, n) = (m - k, n - k);
            whole_old_tree = false;
        }
    }
    if !whole_old_tree {
        roles.push(Role::Seed);
    }
    roles.reverse();
    Some(roles)
}

/// A mutated proof number: nearby, a power of two, or an extreme.
fn number(v: u64, input: &mut Input<'_>) -> u64 {
    let arg = input.byte();
    let (arg64, bit) = (u64::from(arg), 1u64 << (arg % 64));
    match input.byte() % 8 {
        0 => v ^ bit,
        1 => v.wrapping_add(arg64),
        2 => v.wrapping_sub(arg64),
        3 => arg64,
        4 => u64::MAX - arg64,
        5 => bit,
        6 => bit - 1,
        _ => v.wrapping_mul(2) | (arg64 & 1),
    }
}

/// Applies one mutation to a proof given as its path and its two numbers.
fn mutate(path: &mut Vec<Hash>, a: &mut u64, b: &mut u64, op: u8, input: &mut Input<'_>) {
    let len = path.len();
    match op % 8 {
        0 => {
            let (i, bit) = (input.pick(len), input.byte());
            if let Some(h) = path.get_mut(i) {
                h[usize::from(bit / 8) % 32] ^= 1 << (bit % 8);
            }
        }
        1 => *a = number(*a, input),
        2 => *b = number(*b, input),
        3 => {
            let at = input.pick(len + 1);
            let fill = input.byte();
            let hash = path.get(input.pick(len + 1)).copied().unwrap_or([fill; 32]);
            path.insert(at, hash);
        }
        4 => {
            if len > 0 {
                path.remove(input.pick(len));
            }
        }
        5 => {
            if len > 0 {
                let (i, j) = (input.pick(len), input.pick(len));
                path.swap(i, j);
            }
        }
        6 => {
            let delta = u64::from(input.byte());
            (*a, *b) = (a.wrapping_add(delta), b.wrapping_add(delta));
        }
        _ => {
            let delta = u64::from(input.byte());
            (*a, *b) = (a.wrapping_sub(delta), b.wrapping_sub(delta));
        }
    }
}

/// `proof_verify`: the input picks a tree (1 to 300 distinct leaves), a leaf
/// index and an old size, then up to 32 mutations of the honest inclusion
/// and consistency proofs. Honest proofs verify; nothing panics; a mutated
/// proof that still verifies has the honest path and only numbers that give
/// it the same shape (the aliases merkle.rs documents). The numbers the
/// mutations reach also go to the proof builders: what they build within
/// the tree verifies.
pub fn proof_verify(data: &[u8]) {
    let mut input = Input { data, pos: 0 };
    let size = 1 + u64::from(input.u16()) % 300;
    let salt = input.byte();
    let index = u64::from(input.u16()) % size;
    let old = 1 + u64::from(input.u16()) % size;
    // Distinct leaves, so no leaf hash can stand in for another.
    let leaf = |i: u64| merkle::leaf_hash(&[&[salt][..], &i.to_le_bytes()].concat());
    let mut tree = MemoryTree::new();
    for i in 0..size {
        tree.push(leaf(i)).expect("an in-memory tree accepts 300 leaves");
    }
    let root = tree.root().expect("root of the whole tree");
    let old_root = tree.root_at(old).expect("root of a prefix");
    let honest_inclusion = tree.inclusion_proof(index).expect("inclusion proof of a present leaf");
    let honest_consistency = tree.consistency_proof(old).expect("consistency proof from a prefix");
    let mut inclusion = honest_inclusion.clone();
    let mut consistency = honest_consistency.clone();
    for _ in 0..32 {
        if input.done() {
            break;
        }
        let op = input.byte();
        if op & 1 == 0 {
            let p = &mut inclusion;
            mutate(&mut p.path, &mut p.leaf_index, &mut p.tree_size, op >> 1, &mut input);
        } else {
            let p = &mut consistency;
            mutate(&mut p.path, &mut p.old_size, &mut p.new_size, op >> 1, &mut input);
        }
    }

    let verified = verify_inclusion(&leaf(index), &inclusion, &root);
    if inclusion == honest_inclusion {
        assert_eq!(verified, Ok(()), "honest {inclusion:?} does not verify");
    } else if verified.is_ok() {
        assert_eq!(inclusion.path, honest_inclusion.path, "a changed inclusion path verifies");
        assert_eq!(
            inclusion_shape(inclusion.leaf_index, inclusion.tree_size),
            inclusion_shape(index, size),
            "{inclusion:?} verifies, but leaf {index} of {size} has another shape"
        );
    }
    let verified = verify_consistency(&old_root, &root, &consistency);
    if consistency == honest_consistency {
        assert_eq!(verified, Ok(()), "honest {consistency:?} does not verify");
    } else if verified.is_ok() {
        assert_eq!(consistency.path, honest_consistency.path, "a changed consistency path verifies");
        assert_eq!(
            consistency_shape(consistency.old_size, consistency.new_size),
            consistency_shape(old, size),
            "{consistency:?} verifies, but {old} to {size} has another shape"
        );
    }

    let (i, n) = (inclusion.leaf_index, inclusion.tree_size);
    if let Ok(p) = merkle::inclusion_proof(&tree, i, n) {
        assert!(i < n, "built an inclusion proof for leaf {i} of {n}");
        // Beyond the tree a proof may still be built (when it needs no missing
        // node), but there is no root to check it against.
        if n <= size {
            let r = tree.root_at(n).expect("root of a prefix");
            assert_eq!(verify_inclusion(&leaf(i), &p, &r), Ok(()), "built {p:?} does not verify");
        }
    }
    let (m, n) = (consistency.old_size, consistency.new_size);
    if let Ok(p) = merkle::consistency_proof(&tree, m, n) {
        assert!(0 < m && m <= n, "built a consistency proof from {m} to {n}");
        if n <= size {
            let (a, b) = (tree.root_at(m).expect("old root"), tree.root_at(n).expect("new root"));
            assert_eq!(verify_consistency(&a, &b, &p), Ok(()), "built {p:?} does not verify");
        }
    }
}

/// `checkpoint_parse`: any UTF-8 text, read as a checkpoint body and as a
/// signed note. A parsed body prints back to the text; an opened note holds
/// the body it parsed; and text signed with the trusted key opens to itself
/// and parses exactly as the bare body does.
pub fn checkpoint_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let parsed = Checkpoint::parse_body(text);
    if let Ok(checkpoint) = &parsed {
        assert_eq!(checkpoint.to_body().as_deref(), Ok(text), "body does not print back");
    }
    if let Ok(checkpoint) = open_checkpoint(text, trusted()) {
        let body =
            checkpoint.to_body().unwrap_or_else(|e| panic!("opened {checkpoint:?} does not print: {e}"));
        assert!(text.starts_with(&format!("{body}\n")), "opened checkpoint is not the note's text");
    }
    if let Ok(note) = sign_note(text, &[log_signer()]) {
        assert_eq!(open_note(&note, trusted()), Ok(text), "signed note does not open to its text");
        assert_eq!(open_checkpoint(&note, trusted()), parsed, "signing changed how the body parses");
    }
}

/// `token_parse`: any UTF-8 text, read as a token file and as a statement.
/// Whatever parses prints back to exactly the input, the statement inside a
/// token parses on its own, a statement plus a blank line is an unsigned
/// token, and checking signatures never panics.
pub fn token_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(token) = Token::parse(text) {
        assert_eq!(token.to_text(), text, "token does not print back");
        assert_eq!(token.statement().to_text(), token.statement_text(), "token statement text");
        let statement = Statement::parse(token.statement_text());
        assert_eq!(statement.as_ref().ok(), Some(token.statement()), "a token's statement does not parse");
        let _ = token.verify_signatures(human_keyring());
    }
    if let Ok(statement) = Statement::parse(text) {
        assert_eq!(statement.to_text(), text, "statement does not print back");
        let unsigned = Token::parse(&format!("{text}\n"));
        assert_eq!(unsigned, Ok(Token::new(statement)), "statement plus blank line is not an unsigned token");
    }
}

/// `bundle_verify`: input starting with `{` is a bundle document, verified
/// against the fixed log key: nothing panics, and a verified bundle reports
/// what it holds, extends its own checkpoint and survives `to_json`.
///
/// Any other input is a list of entries, each a 2-byte little-endian length
/// then the bytes, wrapped in a bundle with an honest checkpoint signed by
/// the log key (no signature to forge, so mutations reach the audit). The
/// bundle verifies exactly when the entries replay one by one through the
/// chain verifier and the ledger state (which must be left unchanged by a
/// refused entry), and then extends honest earlier checkpoints only.
pub fn bundle_verify(data: &[u8]) {
    if data.first() == Some(&b'{') {
        let Ok(text) = std::str::from_utf8(data) else { return };
        let Ok(bundle) = Bundle::parse(text) else { return };
        assert_eq!(
            Bundle::parse(&bundle.to_json()).ok().as_ref(),
            Some(&bundle),
            "to_json does not read back"
        );
        if let Ok(report) = verify_bundle(&bundle, trusted(), None) {
            assert_eq!(report.entries, bundle.entries.len() as u64, "verified entry count");
            assert_eq!(report.checkpoint.size, report.entries, "verified checkpoint size");
            let again = verify_bundle(&bundle, trusted(), Some(&report.checkpoint));
            assert!(again.is_ok(), "a bundle does not extend its own checkpoint: {again:?}");
        }
        return;
    }

    let mut entries = Vec::new();
    let mut rest = data;
    while let [lo, hi, tail @ ..] = rest {
        let len = usize::from(u16::from_le_bytes([*lo, *hi])).min(tail.len());
        let (entry, after) = tail.split_at(len);
        entries.push(entry.to_vec());
        rest = after;
        if entries.len() == 64 {
            break;
        }
    }

    let mut chain = ChainVerifier::new();
    let mut replayed = MemoryTree::new();
    let mut state: Option<LedgerState> = None;
    let mut all_apply = !entries.is_empty();
    for bytes in &entries {
        let Ok(entry) = chain.push(bytes) else {
            all_apply = false;
            break;
        };
        match &mut state {
            None => match LedgerState::genesis(&entry) {
                Ok(genesis) => state = Some(genesis),
                Err(_) => {
                    all_apply = false;
                    break;
                }
            },
            Some(state) => {
                let before = state.clone();
                let tree = &replayed;
                if state.apply(&entry, &|size| tree.root_at(size).ok()).is_err() {
                    assert!(*state == before, "a refused entry changed the ledger state: {entry:?}");
                    all_apply = false;
                    break;
                }
            }
        }
        replayed.push(merkle::leaf_hash(bytes)).expect("tree has room");
    }

    let mut tree = MemoryTree::new();
    for bytes in &entries {
        tree.push(merkle::leaf_hash(bytes)).expect("tree has room");
    }
    let origin = state.as_ref().map_or("none", |s| s.origin.as_str());
    let size = entries.len() as u64;
    let checkpoint = Checkpoint::new(origin, size, tree.root().expect("root"));
    // An origin a checkpoint cannot carry (empty, control characters) is not signable.
    let Ok(note) = log_signer().sign(&checkpoint) else { return };
    let bundle = Bundle { checkpoint: note, entries };
    let verified = verify_bundle(&bundle, trusted(), None);
    assert_eq!(verified.is_ok(), all_apply, "verify_bundle disagrees with the replay: {verified:?}");
    let Ok(report) = verified else { return };
    assert_eq!((report.entries, report.head), (size, chain.head()), "verified size and head");
    assert_eq!(report.checkpoint, checkpoint, "verified checkpoint");
    let half = size.div_ceil(2);
    let earlier = Checkpoint::new(origin, half, tree.root_at(half).expect("root of a prefix"));
    let extends = verify_bundle(&bundle, trusted(), Some(&earlier));
    assert!(extends.is_ok(), "the bundle does not extend its own prefix: {extends:?}");
    let mut forked = earlier.clone();
    forked.root[0] ^= 1;
    assert!(verify_bundle(&bundle, trusted(), Some(&forked)).is_err(), "a forked earlier checkpoint passes");
    let future = Checkpoint { size: size + 1, ..earlier };
    assert!(verify_bundle(&bundle, trusted(), Some(&future)).is_err(), "a longer earlier checkpoint passes");
}
