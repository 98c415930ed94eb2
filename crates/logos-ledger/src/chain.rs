//! Hash-chain verification over any sequence of encoded entries.

use crate::entry::{DecodeError, Entry, Hash, hash_encoded};
use crate::event::Event;

/// What is wrong with an entry, found while verifying the chain.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainFault {
    /// The bytes are not a canonical entry.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The entry's seq is not its position.
    #[error("entry says seq {found}, but it is at position {expected}")]
    SeqMismatch {
        /// Its position.
        expected: u64,
        /// What it claims.
        found: u64,
    },
    /// `prev` is not the hash of the entry before.
    #[error("prev hash does not match the hash of the entry before it")]
    PrevMismatch,
    /// Entry 0 is not a genesis event.
    #[error("the first entry is not a genesis event")]
    MissingGenesis,
    /// A genesis event after entry 0.
    #[error("a genesis event may only be the first entry")]
    LateGenesis,
}

/// The first bad entry of a chain, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("ledger entry {seq} is invalid: {fault}")]
pub struct ChainError {
    /// Position of the first bad entry.
    pub seq: u64,
    /// What is wrong with it.
    pub fault: ChainFault,
}

/// Verifies a chain one encoded entry at a time, so a store, an exported
/// bundle or a network stream can all be checked without holding the
/// whole ledger in memory.
#[derive(Clone, Debug, Default)]
pub struct ChainVerifier {
    size: u64,
    head: Hash,
}

impl ChainVerifier {
    /// A verifier expecting the genesis entry next.
    pub fn new() -> Self {
        Self::default()
    }

    /// A verifier that continues after a trusted head (`size` entries, the
    /// last of which hashes to `head`).
    pub fn resume(size: u64, head: Hash) -> Self {
        Self { size, head }
    }

    /// Checks the next entry and returns it decoded.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Entry, ChainError> {
        let seq = self.size;
        let fail = |fault| ChainError { seq, fault };
        let entry = Entry::decode(bytes).map_err(|e| fail(e.into()))?;
        if entry.seq != seq {
            return Err(fail(ChainFault::SeqMismatch { expected: seq, found: entry.seq }));
        }
        if entry.prev != self.head {
            return Err(fail(ChainFault::PrevMismatch));
        }
        match (&entry.event, seq) {
            (Event::Genesis { .. }, 0) => {}
            (_, 0) => return Err(fail(ChainFault::MissingGenesis)),
            (Event::Genesis { .. }, _) => return Err(fail(ChainFault::LateGenesis)),
            _ => {}
        }
        self.head = hash_encoded(bytes);
        self.size += 1;
        Ok(entry)
    }

    /// Entries verified so far (plus the resumed size).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Hash of the last verified entry (zeros if none).
    pub fn head(&self) -> Hash {
        self.head
    }
}

/// Verifies a whole chain from genesis; returns `(size, head hash)`.
pub fn verify_chain<I, B>(entries: I) -> Result<(u64, Hash), ChainError>
where
    I: IntoIterator<Item = B>,
    B: AsRef<[u8]>,
{
    let mut v = ChainVerifier::new();
    for bytes in entries {
        v.push(bytes.as_ref())?;
    }
    Ok((v.size(), v.head()))
}
