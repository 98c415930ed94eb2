//! Replays the logos-ledger fuzz inputs through the fuzz targets' own checks,
//! on stable: the committed `fuzz/seeds/<target>/` always, and a local
//! `fuzz/corpus/<target>/` (git-ignored) when there is one. The checks are
//! `fuzz/src/ledger_checks.rs`, compiled in with `#[path]` for the reason
//! given in logos-core's `tests/fuzz_regressions.rs`.

#[path = "../../../fuzz/src/ledger_checks.rs"]
mod ledger_checks;

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files directly inside `dir`, sorted so failures are reproducible.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry is readable").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `check` over every seed of `target` (there must be some) and every
/// corpus file, naming the file if a check panics.
fn replay(target: &str, check: fn(&[u8])) {
    let seeds = fuzz_dir().join("seeds").join(target);
    let mut inputs = files_in(&seeds);
    assert!(!inputs.is_empty(), "no seeds in {}", seeds.display());
    let corpus = fuzz_dir().join("corpus").join(target);
    if corpus.is_dir() {
        inputs.extend(files_in(&corpus));
    }
    for path in inputs {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        if std::panic::catch_unwind(|| check(&data)).is_err() {
            panic!("fuzz check `{target}` fails on {}", path.display());
        }
    }
}

#[test]
fn entry_decode_check_passes_on_every_seed_and_corpus_input() {
    replay("entry_decode", ledger_checks::entry_decode);
}

#[test]
fn proof_verify_check_passes_on_every_seed_and_corpus_input() {
    replay("proof_verify", ledger_checks::proof_verify);
}

#[test]
fn checkpoint_parse_check_passes_on_every_seed_and_corpus_input() {
    replay("checkpoint_parse", ledger_checks::checkpoint_parse);
}

#[test]
fn token_parse_check_passes_on_every_seed_and_corpus_input() {
    replay("token_parse", ledger_checks::token_parse);
}

#[test]
fn bundle_verify_check_passes_on_every_seed_and_corpus_input() {
    replay("bundle_verify", ledger_checks::bundle_verify);
}

/// The seeds meant to be valid still are: otherwise the fuzzer silently
/// loses its way past signatures and into the audit.
#[test]
fn valid_seeds_are_still_valid() {
    use logos_ledger::checkpoint::open_checkpoint;
    use logos_ledger::token::{Statement, Token};
    use logos_ledger::{Bundle, Entry, verify_bundle};

    let bytes = |path: &str| std::fs::read(fuzz_dir().join("seeds").join(path)).expect("seed is readable");
    let text = |path: &str| String::from_utf8(bytes(path)).expect("seed is UTF-8");
    let trusted = [ledger_checks::log_signer().verifier()];
    for name in ["genesis", "node_created", "promoted_with_token", "execution_recorded"] {
        assert!(Entry::decode(&bytes(&format!("entry_decode/{name}"))).is_ok(), "{name}");
    }
    for name in ["signed_note", "two_signers"] {
        assert!(open_checkpoint(&text(&format!("checkpoint_parse/{name}")), &trusted).is_ok(), "{name}");
    }
    let token = Token::parse(&text("token_parse/signed_token")).expect("signed_token parses");
    assert_eq!(token.verify_signatures(ledger_checks::human_keyring()).map(|k| k.len()), Ok(2));
    for name in ["statement", "keyring_statement"] {
        assert!(Statement::parse(&text(&format!("token_parse/{name}"))).is_ok(), "{name}");
    }
    let bundle = Bundle::parse(&text("bundle_verify/six_entries.json")).expect("bundle parses");
    let report = verify_bundle(&bundle, &trusted, None).expect("bundle verifies");
    assert_eq!(report.entries, 6);
}

/// Writes the valid seeds (a real ledger, signed checkpoint, token and
/// bundle, all from the fixed keys in `ledger_checks.rs`); hand-made invalid
/// seeds sit beside them. Run after a format change:
/// `cargo test -p logos-ledger --test fuzz_regressions -- --ignored write_valid_seeds`.
#[test]
#[ignore = "rewrites files under fuzz/seeds/"]
fn write_valid_seeds() {
    use logos_core::{Actor, Capability, Edge, NodeId, NodeManifest, Port, PortRef, PortType};
    use logos_ledger::checkpoint::{Checkpoint, NoteSigner, sign_note};
    use logos_ledger::ed25519_dalek::SigningKey;
    use logos_ledger::merkle::{MemoryTree, leaf_hash};
    use logos_ledger::token::{Operation, Statement, Token};
    use logos_ledger::{Authorization, Bundle, Entry, EntrySignature, Event};

    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = fuzz_dir().join("seeds").join(target);
        std::fs::create_dir_all(&dir).expect("seed directory");
        std::fs::write(dir.join(name), bytes).expect("seed written");
    };
    const ORIGIN: &str = "fuzz.logos.test/ledger";
    let humans = ledger_checks::HUMAN_KEY_SEEDS.map(|s| SigningKey::from_bytes(&s));
    let (a, b) = (NodeId::of_wasm(b"a"), NodeId::of_wasm(b"b"));
    let manifest = |name: &str, inputs, outputs| NodeManifest {
        name: name.into(),
        inputs,
        outputs,
        capabilities: [Capability::Clock].into_iter().collect(),
    };
    let mut entries: Vec<Vec<u8>> = Vec::new();
    let mut tree = MemoryTree::new();
    // Appends the next entry of the chain and returns the tree root after it.
    let mut append = |event: Event, authorization: Option<Authorization>| {
        let prev = entries.last().map_or([0; 32], |e| logos_ledger::hash_encoded(e));
        let seq = entries.len() as u64;
        let timestamp_ms = 1_700_000_000_000 + seq;
        let entry = Entry { seq, prev, actor: Actor::Host, timestamp_ms, event, authorization };
        tree.push(leaf_hash(&entry.encode())).expect("tree has room");
        entries.push(entry.encode());
        tree.root().expect("root")
    };
    let keyring = ledger_checks::human_keyring().clone();
    append(Event::Genesis { origin: ORIGIN.into(), keyring }, None);
    let out = vec![Port::new("out", PortType::U64)];
    append(Event::NodeCreated { id: a, manifest: manifest("a", vec![], out), wasm_len: 1 }, None);
    let inp = vec![Port::new("in", PortType::U64)];
    append(Event::NodeCreated { id: b, manifest: manifest("b", inp, vec![]), wasm_len: 1 }, None);
    let edge = Edge::new(PortRef::new(a, "out"), PortRef::new(b, "in"));
    let root4 = append(Event::EdgeAdded { edge }, None);
    let op = Operation::Promote { node: a };
    let statement = Statement::new(ORIGIN, op, 4, root4, 1 << 60, [9; 16]).expect("statement");
    let mut token = Token::new(statement.clone());
    token.sign(&humans[0]).expect("signed");
    token.sign(&humans[1]).expect("signed");
    let signatures = token.signatures().map(|(key, signature)| EntrySignature { key, signature }).collect();
    append(Event::Promoted { node: a }, Some(Authorization { statement: statement.to_text(), signatures }));
    let execution =
        Event::ExecutionRecorded { execution: [5; 32], flow: "flow".into(), record_digest: [6; 32] };
    let root = append(execution, None);

    for (i, name) in
        [(0, "genesis"), (1, "node_created"), (4, "promoted_with_token"), (5, "execution_recorded")]
    {
        write("entry_decode", name, &entries[i]);
    }
    let log = ledger_checks::log_signer();
    let checkpoint = Checkpoint::new(ORIGIN, entries.len() as u64, root);
    let note = log.sign(&checkpoint).expect("signed checkpoint");
    write("checkpoint_parse", "signed_note", note.as_bytes());
    let other = NoteSigner::from_bytes("other.logos.test", &[7; 32]).expect("signer");
    let body = Checkpoint { extensions: vec!["ext one".into()], ..checkpoint }.to_body().expect("body");
    write("checkpoint_parse", "body_with_extension", body.as_bytes());
    write("checkpoint_parse", "two_signers", sign_note(&body, &[&other, log]).expect("signed").as_bytes());
    write("token_parse", "signed_token", token.to_text().as_bytes());
    write("token_parse", "statement", statement.to_text().as_bytes());
    let bundle = Bundle { checkpoint: note, entries: entries.clone() };
    write("bundle_verify", "six_entries.json", bundle.to_json().as_bytes());
    let framed: Vec<u8> =
        entries.iter().flat_map(|e| [&(e.len() as u16).to_le_bytes()[..], e].concat()).collect();
    write("bundle_verify", "six_entries_framed", &framed);
}
