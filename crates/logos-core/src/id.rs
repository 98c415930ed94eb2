//! Content addresses: a node is named by the SHA-256 of its wasm bytes.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// The identity of a node: the SHA-256 digest of its compiled wasm module.
///
/// Two nodes with the same bytes are the same node; changing one byte of the
/// module (including the embedded manifest) gives a different id. Displayed
/// and parsed as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId([u8; 32]);

impl NodeId {
    /// The id of the given wasm module bytes.
    pub fn of_wasm(wasm: &[u8]) -> Self {
        Self(Sha256::digest(wasm).into())
    }

    /// Wraps a digest that is already known to be a node id (for example one
    /// read back from a store's index).
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw digest.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The first 12 hex digits, for humans (diagrams, tables, error lines).
    pub fn short(&self) -> String {
        let mut s = self.to_string();
        s.truncate(12);
        s
    }

    /// Whether the hex form of this id starts with `prefix` (case-insensitive).
    pub fn has_prefix(&self, prefix: &str) -> bool {
        let hex = self.to_string();
        prefix.len() <= hex.len() && hex.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({})", self.short())
    }
}

/// Why a string is not a node id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseNodeIdError {
    /// The string is not 64 characters long.
    #[error("a node id is 64 hex digits, got {0} characters")]
    Length(usize),
    /// A character is not a hex digit.
    #[error("a node id is 64 hex digits, found {found:?} at position {position}")]
    NotHex {
        /// Offending character.
        found: char,
        /// Its character position.
        position: usize,
    },
}

impl FromStr for NodeId {
    type Err = ParseNodeIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let chars = s.chars().count();
        if chars != 64 || s.len() != 64 {
            return Err(ParseNodeIdError::Length(chars));
        }
        let mut out = [0u8; 32];
        for (i, pair) in s.as_bytes().chunks_exact(2).enumerate() {
            let hi = hex_val(pair[0])
                .ok_or(ParseNodeIdError::NotHex { found: pair[0] as char, position: 2 * i })?;
            let lo = hex_val(pair[1])
                .ok_or(ParseNodeIdError::NotHex { found: pair[1] as char, position: 2 * i + 1 })?;
            out[i] = hi << 4 | lo;
        }
        Ok(Self(out))
    }
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl serde::Serialize for NodeId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Binary formats get a byte string (postcard: length + 32 bytes,
        // decoded in one copy).
        if s.is_human_readable() { s.collect_str(self) } else { s.serialize_bytes(&self.0) }
    }
}

impl<'de> serde::Deserialize<'de> for NodeId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let s = String::deserialize(d)?;
            s.parse().map_err(serde::de::Error::custom)
        } else {
            d.deserialize_bytes(IdBytes)
        }
    }
}

struct IdBytes;

impl<'de> serde::de::Visitor<'de> for IdBytes {
    type Value = NodeId;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("32 bytes of a node id")
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<NodeId, E> {
        v.try_into().map(NodeId).map_err(|_| E::invalid_length(v.len(), &self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_is_sha256_of_wasm() {
        // SHA-256 of the empty string, a published constant.
        let id = NodeId::of_wasm(b"");
        assert_eq!(id.to_string(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn hex_round_trips() {
        let id = NodeId::of_wasm(b"\0asm");
        assert_eq!(id.to_string().parse::<NodeId>(), Ok(id));
        assert_eq!(id.to_string().to_uppercase().parse::<NodeId>(), Ok(id));
    }

    #[test]
    fn bad_hex_is_an_error() {
        assert_eq!("abc".parse::<NodeId>(), Err(ParseNodeIdError::Length(3)));
        let bad = format!("{}g", "0".repeat(63));
        assert_eq!(bad.parse::<NodeId>(), Err(ParseNodeIdError::NotHex { found: 'g', position: 63 }));
        // Multi-byte characters must not be sliced mid-codepoint.
        let wide = "é".repeat(32);
        assert!(wide.parse::<NodeId>().is_err());
    }

    #[test]
    fn prefix_matching() {
        let id = NodeId::of_wasm(b"");
        assert!(id.has_prefix("e3b0"));
        assert!(id.has_prefix("E3B0"));
        assert!(!id.has_prefix("e3b1"));
    }
}
