//! Ledger entries, their canonical encoding and their hashes.

use logos_core::Actor;
use serde::{Deserialize, Serialize};

use crate::event::Event;

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// Largest encoded entry accepted, in bytes. Manifests are bounded, so real
/// entries are far smaller; the cap bounds work on hostile input.
pub const MAX_ENTRY_BYTES: usize = 1 << 20;

/// An Ed25519 signature attached to an entry, with the signer's public key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntrySignature {
    /// The signer's Ed25519 public key.
    #[serde(with = "fixed")]
    pub key: [u8; 32],
    /// The signature bytes.
    #[serde(with = "fixed")]
    pub signature: [u8; 64],
}

/// The migration token that authorised a governed change, as it was signed:
/// enough for an auditor to re-check the quorum from the ledger alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authorization {
    /// The token's canonical statement text (see [`crate::token::Statement`]).
    pub statement: String,
    /// The signatures that counted towards the quorum.
    pub signatures: Vec<EntrySignature>,
}

/// One ledger entry: an event plus where it sits in the chain and who caused it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Position in the ledger, from 0 (the genesis entry).
    pub seq: u64,
    /// Hash of the previous entry (all zeros for genesis).
    #[serde(with = "fixed")]
    pub prev: Hash,
    /// Who caused the change.
    pub actor: Actor,
    /// When, in milliseconds since the Unix epoch, as the host said.
    pub timestamp_ms: u64,
    /// What changed.
    pub event: Event,
    /// The token that authorised the change, for governed operations.
    pub authorization: Option<Authorization>,
}

/// Why bytes are not a valid entry encoding.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// More than [`MAX_ENTRY_BYTES`].
    #[error("entry is {0} bytes; the limit is {MAX_ENTRY_BYTES}")]
    TooLarge(usize),
    /// postcard could not decode it.
    #[error("entry does not decode: {0}")]
    Malformed(String),
    /// It decodes, but re-encoding gives different bytes (so the hash would be ambiguous).
    #[error("entry encoding is not canonical")]
    NotCanonical,
}

impl Entry {
    /// The canonical encoding (postcard).
    pub fn encode(&self) -> Vec<u8> {
        // Serialising plain data into a Vec cannot fail: there is no I/O, no
        // map with non-string keys and no length unknown up front.
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// Decodes an entry, accepting only its canonical encoding.
    pub fn decode(bytes: &[u8]) -> Result<Entry, DecodeError> {
        if bytes.len() > MAX_ENTRY_BYTES {
            return Err(DecodeError::TooLarge(bytes.len()));
        }
        let entry: Entry = postcard::from_bytes(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))?;
        // Canonical: re-encoding gives the very same bytes. Compared as it
        // is produced, without building a second copy.
        let same = postcard::serialize_with_flavor(&entry, Compare { expected: bytes, at: 0 });
        if same.is_err() {
            return Err(DecodeError::NotCanonical);
        }
        Ok(entry)
    }

    /// The entry hash: its RFC 6962 leaf hash, SHA-256(0x00 || encoding).
    /// The next entry's `prev` is this value, and it is the entry's leaf in
    /// the Merkle tree, so each entry is hashed once for both.
    pub fn hash(&self) -> Hash {
        hash_encoded(&self.encode())
    }
}

/// The hash of an encoded entry: its RFC 6962 leaf hash (see [`Entry::hash`]).
pub fn hash_encoded(bytes: &[u8]) -> Hash {
    crate::merkle::leaf_hash(bytes)
}

/// A postcard output that only checks the bytes equal `expected`.
struct Compare<'a> {
    expected: &'a [u8],
    at: usize,
}

impl postcard::ser_flavors::Flavor for Compare<'_> {
    type Output = ();

    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        // Hashes serialise byte by byte: keep this path a single compare.
        if self.expected.get(self.at) != Some(&data) {
            return Err(postcard::Error::SerializeBufferFull);
        }
        self.at += 1;
        Ok(())
    }

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        let end = self.at + data.len();
        if self.expected.get(self.at..end) != Some(data) {
            return Err(postcard::Error::SerializeBufferFull);
        }
        self.at = end;
        Ok(())
    }

    fn finalize(self) -> postcard::Result<()> {
        if self.at == self.expected.len() { Ok(()) } else { Err(postcard::Error::SerializeBufferFull) }
    }
}

pub(crate) mod fixed {
    //! serde for fixed-size byte arrays (hashes, keys, signatures) as a
    //! byte string: postcard writes a one-byte length and the bytes, and
    //! decoding borrows them in one copy instead of visiting element by
    //! element. Any length but `N` is refused.
    use serde::de::{Error, SeqAccess, Visitor};
    use serde::{Deserializer, Serializer};

    pub fn serialize<const N: usize, S: Serializer>(bytes: &[u8; N], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(bytes)
    }

    pub fn deserialize<'de, const N: usize, D: Deserializer<'de>>(d: D) -> Result<[u8; N], D::Error> {
        struct V<const N: usize>;
        impl<'de, const N: usize> Visitor<'de> for V<N> {
            type Value = [u8; N];
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{N} bytes")
            }
            fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<[u8; N], E> {
                v.try_into().map_err(|_| E::invalid_length(v.len(), &self))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<[u8; N], A::Error> {
                let mut out = [0u8; N];
                for (i, slot) in out.iter_mut().enumerate() {
                    *slot = seq.next_element()?.ok_or_else(|| A::Error::invalid_length(i, &self))?;
                }
                if seq.next_element::<u8>()?.is_some() {
                    return Err(A::Error::invalid_length(N + 1, &self));
                }
                Ok(out)
            }
        }
        d.deserialize_bytes(V::<N>)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Keyring;

    fn genesis() -> Entry {
        Entry {
            seq: 0,
            prev: [0; 32],
            actor: Actor::Host,
            timestamp_ms: 1_700_000_000_000,
            event: Event::Genesis { origin: "logos.test/ledger".into(), keyring: Keyring::empty() },
            authorization: Some(Authorization {
                statement: "logos-token/v1\n".into(),
                signatures: vec![EntrySignature { key: [1; 32], signature: [2; 64] }],
            }),
        }
    }

    #[test]
    fn encoding_round_trips() {
        let e = genesis();
        assert_eq!(Entry::decode(&e.encode()), Ok(e));
    }

    #[test]
    fn trailing_bytes_are_not_an_entry() {
        let mut bytes = genesis().encode();
        bytes.push(0);
        assert!(Entry::decode(&bytes).is_err());
    }

    #[test]
    fn non_canonical_varint_is_refused() {
        // seq 0 is the first byte; 0x80 0x00 is a two-byte encoding of 0.
        let bytes = genesis().encode();
        let mut padded = vec![0x80, 0x00];
        padded.extend_from_slice(&bytes[1..]);
        assert!(Entry::decode(&padded).is_err());
    }

    #[test]
    fn hash_is_the_rfc6962_leaf_hash_of_the_encoding() {
        let e = genesis();
        use sha2::Digest;
        let expected: Hash = sha2::Sha256::digest([&[0u8][..], &e.encode()].concat()).into();
        assert_eq!(e.hash(), expected);
    }
}
