//! Forged checkpoints and bundles: what an auditor holding the log's public
//! key and an earlier checkpoint (the one signed at the end of setup) must
//! refuse. Checkpoints go to `RedbStore::verify_checkpoint`, bundles to
//! `verify_bundle`, which needs no database.

use logos_runtime::layers::ledger::checkpoint::{Checkpoint, CheckpointError, NoteSigner, open_checkpoint};
use logos_runtime::layers::ledger::merkle::MemoryTree;
use logos_runtime::layers::ledger::{AuditError, Authorization, hash_encoded};
use logos_runtime::{
    Actor, Bundle, BundleError, Entry, EntrySignature, Event, Operation, RedbStore, StateError, Statement,
    StoreError, verify_bundle,
};

use crate::harness::{Attack, Failure, HOUR, NOW, ORIGIN, Outcome, Seen, World, human, store_error};

pub fn attacks() -> Vec<Attack> {
    let mut attacks = checkpoints();
    attacks.extend(bundles());
    attacks
}

fn checkpoint_row(
    name: &str,
    must: &str,
    note: fn(&World) -> String,
    expect: fn(&Outcome) -> bool,
) -> Attack {
    Attack {
        name: format!("checkpoint/{name}"),
        must: must.to_owned(),
        run: Box::new(move |w| {
            let checked =
                w.sup.store().verify_checkpoint(&note(w), &[w.log.verifier()]).map_err(Failure::Store)?;
            Ok(Seen::text(format!("{checked:?}")))
        }),
        expect,
    }
}

/// The store's current size and root.
fn current(w: &World) -> (u64, [u8; 32]) {
    let size = w.head().size;
    (size, w.sup.store().root_at(size).expect("root"))
}

/// The log key signs `checkpoint` (a dishonest host holding the key).
fn log_signs(w: &World, checkpoint: &Checkpoint) -> String {
    w.log.sign(checkpoint).expect("sign")
}

/// The auditor's kept checkpoint with one body line replaced.
fn edited_kept(w: &World, line: usize, replacement: &str) -> String {
    let note = &w.bundle.checkpoint;
    let mut lines: Vec<&str> = note.split('\n').collect();
    lines[line] = replacement;
    lines.join("\n")
}

fn checkpoint_error(o: &Outcome) -> Option<&CheckpointError> {
    match store_error(o) {
        Some(StoreError::Checkpoint(c)) => Some(c),
        _ => match o {
            Err(Failure::Bundle(BundleError::Checkpoint(c))) => Some(c),
            _ => None,
        },
    }
}

fn mismatch(o: &Outcome) -> bool {
    matches!(store_error(o), Some(StoreError::CheckpointMismatch(_)))
}

fn checkpoints() -> Vec<Attack> {
    vec![
        checkpoint_row(
            "stranger_key",
            "the current tree signed by a key with the log's name but another secret: CheckpointError::NoTrustedSignature",
            |w| {
                let (size, root) = current(w);
                let stranger = NoteSigner::from_bytes(ORIGIN, &[66; 32]).expect("key");
                stranger.sign(&Checkpoint::new(ORIGIN, size, root)).expect("sign")
            },
            |o| matches!(checkpoint_error(o), Some(CheckpointError::NoTrustedSignature)),
        ),
        checkpoint_row(
            "tampered_root",
            "the kept checkpoint with its root line replaced after signing: CheckpointError::InvalidSignature",
            |w| edited_kept(w, 2, "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo="),
            |o| matches!(checkpoint_error(o), Some(CheckpointError::InvalidSignature { .. })),
        ),
        checkpoint_row(
            "tampered_size",
            "the kept checkpoint with its size line lowered after signing: CheckpointError::InvalidSignature",
            |w| edited_kept(w, 1, "2"),
            |o| matches!(checkpoint_error(o), Some(CheckpointError::InvalidSignature { .. })),
        ),
        checkpoint_row(
            "forked_root",
            "the log key signs the current size with another root (a fork): StoreError::CheckpointMismatch",
            |w| {
                let (size, _) = current(w);
                log_signs(w, &Checkpoint::new(ORIGIN, size, [0x5a; 32]))
            },
            mismatch,
        ),
        checkpoint_row(
            "beyond_the_store",
            "the log key signs more entries than the store holds (the store was truncated): StoreError::CheckpointMismatch",
            |w| {
                let (size, root) = current(w);
                log_signs(w, &Checkpoint::new(ORIGIN, size + 5, root))
            },
            mismatch,
        ),
        checkpoint_row(
            "other_origin",
            "the log key signs this tree under another log's name: StoreError::CheckpointMismatch",
            |w| {
                let (size, root) = current(w);
                log_signs(w, &Checkpoint::new("test.logos/elsewhere", size, root))
            },
            mismatch,
        ),
        checkpoint_row(
            "not_a_note",
            "a checkpoint with no signature block: CheckpointError::MissingSignatureBlock",
            |_| format!("{ORIGIN}\n3\nWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo=\n"),
            |o| matches!(checkpoint_error(o), Some(CheckpointError::MissingSignatureBlock)),
        ),
        Attack {
            name: "checkpoint/rolled_back_store".into(),
            must: "a copy of the store taken before the last change, checked against the later kept checkpoint: StoreError::CheckpointMismatch".into(),
            run: Box::new(|w| {
                let old = RedbStore::open(&w.early_copy).map_err(Failure::Store)?;
                let checked = old.verify_checkpoint(&w.bundle.checkpoint, &[w.log.verifier()]).map_err(Failure::Store)?;
                Ok(Seen::text(format!("{checked:?}")))
            }),
            expect: mismatch,
        },
    ]
}

fn bundle_row(name: &str, must: &str, forge: fn(&World) -> Bundle, expect: fn(&Outcome) -> bool) -> Attack {
    Attack {
        name: format!("bundle/{name}"),
        must: must.to_owned(),
        run: Box::new(move |w| check_bundle(w, &forge(w), None)),
        expect,
    }
}

fn check_bundle(w: &World, bundle: &Bundle, kept: Option<&Checkpoint>) -> Outcome {
    let report = verify_bundle(bundle, &[w.log.verifier()], kept).map_err(Failure::Bundle)?;
    Ok(Seen::text(format!("{report:?}")))
}

/// The honest bundle plus one entry the host forged and chained, under a
/// checkpoint the log key signed over the forged tree.
fn with_forged_entry(w: &World, authorization: Option<Authorization>) -> Bundle {
    let mut entries = w.bundle.entries.clone();
    let last = entries.last().expect("entries");
    let seq = entries.len() as u64;
    let forged = Entry {
        seq,
        prev: hash_encoded(last),
        actor: Actor::Host,
        timestamp_ms: NOW,
        event: Event::Promoted { node: w.target },
        authorization,
    };
    entries.push(forged.encode());
    let mut tree = MemoryTree::new();
    for e in &entries {
        tree.push(hash_encoded(e)).expect("tree");
    }
    let root = tree.root().expect("root");
    Bundle { checkpoint: log_signs(w, &Checkpoint::new(ORIGIN, seq + 1, root)), entries }
}

fn unauthorized(o: &Outcome) -> bool {
    matches!(
        o,
        Err(Failure::Bundle(BundleError::Audit(AuditError::State {
            error: StateError::Unauthorized(_),
            ..
        })))
    )
}

fn bundles() -> Vec<Attack> {
    vec![
        bundle_row(
            "forged_governed_entry",
            "a promotion with no token, chained and covered by a checkpoint the log key signed: AuditError::State { Unauthorized }",
            |w| with_forged_entry(w, None),
            unauthorized,
        ),
        bundle_row(
            "forged_authorization",
            "the same promotion carrying a statement signed by two keys outside the keyring: AuditError::State { Unauthorized }",
            |w| {
                let size = w.bundle.entries.len() as u64;
                let cp = open_checkpoint(&w.bundle.checkpoint, &[w.log.verifier()]).expect("kept checkpoint");
                let op = Operation::Promote { node: w.target };
                let statement = Statement::new(ORIGIN, op, size, cp.root, NOW + HOUR, [3; 16]).expect("statement");
                let text = statement.to_text();
                let signatures = [8u8, 9]
                    .iter()
                    .map(|i| {
                        use logos_runtime::layers::ledger::ed25519_dalek::Signer;
                        let key = human(*i);
                        EntrySignature {
                            key: key.verifying_key().to_bytes(),
                            signature: key.sign(text.as_bytes()).to_bytes(),
                        }
                    })
                    .collect();
                with_forged_entry(w, Some(Authorization { statement: text, signatures }))
            },
            unauthorized,
        ),
        bundle_row(
            "tampered_entry",
            "one byte of an early entry changed, checkpoint untouched: AuditError::Chain",
            |w| {
                let mut b = w.bundle.clone();
                let entry = &mut b.entries[1];
                let mid = entry.len() / 2;
                entry[mid] ^= 0x01;
                b
            },
            |o| matches!(o, Err(Failure::Bundle(BundleError::Audit(AuditError::Chain(_))))),
        ),
        bundle_row(
            "dropped_entry",
            "an entry removed from the middle (history rewritten): AuditError::Chain",
            |w| {
                let mut b = w.bundle.clone();
                b.entries.remove(2);
                b
            },
            |o| matches!(o, Err(Failure::Bundle(BundleError::Audit(AuditError::Chain(_))))),
        ),
        bundle_row(
            "truncated_tail",
            "the last entry withheld under the honest checkpoint: BundleError::Mismatch",
            |w| {
                let mut b = w.bundle.clone();
                b.entries.pop();
                b
            },
            |o| matches!(o, Err(Failure::Bundle(BundleError::Mismatch(_)))),
        ),
        bundle_row(
            "stranger_checkpoint",
            "the honest entries under a checkpoint signed by a stranger's key: CheckpointError::NoTrustedSignature",
            |w| {
                let cp = open_checkpoint(&w.bundle.checkpoint, &[w.log.verifier()]).expect("kept checkpoint");
                let stranger = NoteSigner::from_bytes(ORIGIN, &[66; 32]).expect("key");
                Bundle { checkpoint: stranger.sign(&cp).expect("sign"), entries: w.bundle.entries.clone() }
            },
            |o| matches!(checkpoint_error(o), Some(CheckpointError::NoTrustedSignature)),
        ),
        Attack {
            name: "bundle/not_a_bundle".into(),
            must: "a document that is not a bundle (a number where the checkpoint goes): BundleError::Malformed".into(),
            run: Box::new(|w| {
                let bundle = Bundle::parse(r#"{"format":"logos-bundle/v1","checkpoint":1,"entries":[]}"#)
                    .map_err(Failure::Bundle)?;
                check_bundle(w, &bundle, None)
            }),
            expect: |o| matches!(o, Err(Failure::Bundle(BundleError::Malformed(_)))),
        },
        Attack {
            name: "bundle/rolled_back".into(),
            must: "an honest export of the rolled-back store copy, against the auditor's later kept checkpoint: BundleError::NotExtending".into(),
            run: Box::new(|w| {
                let kept = open_checkpoint(&w.bundle.checkpoint, &[w.log.verifier()]).expect("kept checkpoint");
                let old = RedbStore::open(&w.early_copy).map_err(Failure::Store)?;
                let bundle = old.export_bundle(&w.log).map_err(Failure::Store)?;
                check_bundle(w, &bundle, Some(&kept))
            }),
            expect: |o| matches!(o, Err(Failure::Bundle(BundleError::NotExtending(_)))),
        },
    ]
}
