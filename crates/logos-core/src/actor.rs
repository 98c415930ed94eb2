//! Principals: who asked for a change.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Longest agent name.
pub const MAX_AGENT_NAME: usize = 64;

/// The principal behind a change, recorded in every ledger entry.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Actor {
    /// The host application / supervisor: the trusted root.
    Host,
    /// An AI agent: untrusted, identified by name.
    Agent(String),
    /// A human operator, identified by their Ed25519 public key.
    Human([u8; 32]),
}

/// Why a string does not name an actor.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid actor {0:?}: use `host`, `agent:NAME` (1-64 of A-Z a-z 0-9 _ . -) or `human:HEX32`")]
pub struct ParseActorError(pub String);

impl Actor {
    /// An agent called `name`, if the name is valid.
    pub fn agent(name: &str) -> Result<Self, ParseActorError> {
        let ok = !name.is_empty()
            && name.len() <= MAX_AGENT_NAME
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if ok { Ok(Self::Agent(name.to_owned())) } else { Err(ParseActorError(format!("agent:{name}"))) }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Host => f.write_str("host"),
            Self::Agent(name) => write!(f, "agent:{name}"),
            Self::Human(key) => {
                f.write_str("human:")?;
                key.iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
        }
    }
}

impl FromStr for Actor {
    type Err = ParseActorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ParseActorError(s.chars().take(80).collect());
        if s == "host" {
            return Ok(Self::Host);
        }
        if let Some(name) = s.strip_prefix("agent:") {
            return Self::agent(name).map_err(|_| bad());
        }
        if let Some(hex) = s.strip_prefix("human:") {
            let id: crate::NodeId = hex.parse().map_err(|_| bad())?;
            return Ok(Self::Human(*id.as_bytes()));
        }
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_round_trip_as_text() {
        for a in [Actor::Host, Actor::Agent("risk-bot".into()), Actor::Human([7; 32])] {
            assert_eq!(a.to_string().parse::<Actor>(), Ok(a));
        }
        assert!("agent:".parse::<Actor>().is_err());
        assert!("agent:a b".parse::<Actor>().is_err());
        assert!("root".parse::<Actor>().is_err());
    }
}
