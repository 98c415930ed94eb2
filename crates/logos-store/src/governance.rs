//! Governed changes (under migration tokens), signed checkpoints and export.

use logos_core::Stamp;
use logos_ledger::checkpoint::{Checkpoint, NoteSigner};
use logos_ledger::merkle;
use logos_ledger::token::{Token, VerifyContext};
use logos_ledger::{Authorization, Bundle, EntrySignature, Event, required_operation};
use redb::{ReadableDatabase, ReadableTable};

use crate::StoreError;
use crate::store::{RedbStore, guard};
use crate::tables::*;

impl RedbStore {
    /// Applies a governed change (promote, deprecate, grant, migrate,
    /// keyring or policy change) under a migration token.
    ///
    /// The token must name exactly this change, be signed by a quorum of the
    /// keyring in force, be bound to a head of this ledger, be unexpired at
    /// `stamp.timestamp_ms`, and never have been used (see
    /// [`logos_ledger::token`] for the rule). The token's statement and
    /// signatures are written into the entry, and its use is recorded, in the
    /// same transaction as the change. Anything refused changes nothing.
    pub fn govern(&self, stamp: &Stamp, event: Event, token: &Token) -> Result<u64, StoreError> {
        let expected = required_operation(&event).ok_or_else(|| {
            StoreError::State(logos_ledger::StateError::Unauthorized(format!(
                "a {} event is not a governed change",
                event.kind()
            )))
        })?;
        let authorization = {
            let cached = self.lock();
            let root_at = |size: u64| self.read_tree(|t| Ok(merkle::root(t, size)?)).ok();
            let is_used = |digest: &[u8; 32]| cached.ledger.used_tokens.contains(digest);
            let verified = token.verify(&VerifyContext {
                keyring: &cached.ledger.keyring,
                origin: &cached.ledger.origin,
                expected: &expected,
                now_ms: stamp.timestamp_ms,
                current_size: cached.head.size,
                root_at: &root_at,
                is_used: &is_used,
            })?;
            Authorization {
                statement: verified.statement_text().to_owned(),
                signatures: verified
                    .signatures()
                    .iter()
                    .map(|(key, signature)| EntrySignature { key: *key, signature: *signature })
                    .collect(),
            }
        };
        // The commit re-applies the whole rule to the entry (including the
        // used-token check), so a race between two holders of one token
        // still lets only one through.
        self.commit(stamp, event, Some(authorization), None)
    }

    /// Appends an ungoverned change: a flow definition or removal, an
    /// agent sharing its draft, a proposal being opened, approved or
    /// rejected, an edge removal, or a self-heal rollback. The ledger's
    /// rules for the stamp's actor apply (locks, ownership, visibility);
    /// governed changes go through [`govern`](Self::govern), nodes through
    /// [`add_node`](logos_core::GraphStore::add_node).
    pub fn append(&self, stamp: &Stamp, event: Event) -> Result<u64, StoreError> {
        if required_operation(&event).is_some() {
            return Err(StoreError::State(logos_ledger::StateError::Unauthorized(format!(
                "{} is a governed change: apply it with a quorum token (govern)",
                event.kind()
            ))));
        }
        if matches!(event, Event::NodeCreated { .. } | Event::Genesis { .. }) {
            return Err(StoreError::State(logos_ledger::StateError::Unauthorized(format!(
                "{} cannot be appended on its own (use add_node or create)",
                event.kind()
            ))));
        }
        self.commit(stamp, event, None, None)
    }

    /// Signs a checkpoint of the current ledger with the log key and
    /// remembers it. Refuses if the current tree does not extend the last
    /// checkpoint this store signed (the file was rolled back or forked
    /// behind the store's back): a log key must never sign two histories.
    pub fn sign_checkpoint(&self, signer: &NoteSigner) -> Result<String, StoreError> {
        self.sign_checkpoint_sized(signer).map(|(note, _)| note)
    }

    fn sign_checkpoint_sized(&self, signer: &NoteSigner) -> Result<(String, u64), StoreError> {
        guard("sign checkpoint", || {
            let cached = self.lock();
            let size = cached.head.size;
            let root = self.read_tree(|t| Ok(merkle::root(t, size)?))?;
            let txn = self.db.begin_write()?;
            let note = {
                let mut meta = txn.open_table(META)?;
                let previous = meta.get(KEY_CHECKPOINT_HEAD)?.map(|g| decode_head(g.value())).transpose()?;
                if let Some((old_size, old_root)) = previous {
                    if old_size > size {
                        return Err(StoreError::InconsistentCheckpoint(format!(
                            "the last signed checkpoint covered {old_size} entries, the ledger now has {size}"
                        )));
                    }
                    if self.read_tree(|t| Ok(merkle::root(t, old_size)?))? != old_root {
                        return Err(StoreError::InconsistentCheckpoint(format!(
                            "the first {old_size} entries changed since the last signed checkpoint"
                        )));
                    }
                }
                let note = signer.sign(&Checkpoint::new(cached.ledger.origin.clone(), size, root))?;
                meta.insert(KEY_CHECKPOINT, note.as_bytes())?;
                meta.insert(KEY_CHECKPOINT_HEAD, encode_head(size, &root).as_slice())?;
                note
            };
            txn.commit()?;
            Ok((note, size))
        })
    }

    /// The last checkpoint this store signed, as a signed note.
    pub fn latest_checkpoint(&self) -> Result<Option<String>, StoreError> {
        guard("read checkpoint", || {
            let txn = self.db.begin_read()?;
            let meta = txn.open_table(META)?;
            let Some(note) = meta.get(KEY_CHECKPOINT)? else { return Ok(None) };
            String::from_utf8(note.value().to_vec())
                .map(Some)
                .map_err(|_| StoreError::Corrupt("checkpoint record is not UTF-8".into()))
        })
    }

    /// Signs a fresh checkpoint and exports every entry with it, for
    /// verification without a database ([`logos_ledger::verify_bundle`]).
    pub fn export_bundle(&self, signer: &NoteSigner) -> Result<Bundle, StoreError> {
        // Entries past the checkpoint's size (appended meanwhile) are left out,
        // so the bundle is exactly what the checkpoint signed.
        let (checkpoint, size) = self.sign_checkpoint_sized(signer)?;
        Ok(Bundle { checkpoint, entries: self.raw_entries(0..size)? })
    }
}
