//! What a node declares about itself: its ports and the capabilities it asks for.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::types::{PortType, TypeError, check_name};

/// Most input ports, and most output ports, one node may declare.
pub const MAX_PORTS: usize = 64;
/// Longest node name.
pub const MAX_NODE_NAME: usize = 64;

/// An authority a node may be granted. Without a grant a node has no way to
/// reach the outside world: no clock, no entropy, no log, no storage, no network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Capability {
    /// Read the wall clock.
    Clock,
    /// Draw random bytes.
    Random,
    /// Write log lines (captured and bounded by the host).
    Log,
    /// A key-value store scoped to the node.
    Kv,
    /// Outbound network access.
    Network,
}

impl Capability {
    /// Every capability, in canonical order.
    pub const ALL: [Capability; 5] =
        [Capability::Clock, Capability::Random, Capability::Log, Capability::Kv, Capability::Network];

    /// The capability's lowercase name, as used in manifests and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Clock => "clock",
            Self::Random => "random",
            Self::Log => "log",
            Self::Kv => "kv",
            Self::Network => "network",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not a capability.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown capability `{0}` (known: clock, random, log, kv, network)")]
pub struct UnknownCapability(pub String);

impl FromStr for Capability {
    type Err = UnknownCapability;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Capability::ALL.into_iter().find(|c| c.name() == s).ok_or_else(|| UnknownCapability(s.to_owned()))
    }
}

/// A set of capabilities, always kept in canonical order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CapabilitySet(BTreeSet<Capability>);

impl CapabilitySet {
    /// The empty set: no authority at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether `cap` is in the set.
    pub fn contains(&self, cap: Capability) -> bool {
        self.0.contains(&cap)
    }

    /// Adds `cap`; returns whether it was new.
    pub fn insert(&mut self, cap: Capability) -> bool {
        self.0.insert(cap)
    }

    /// Whether every capability in `self` is also in `other`.
    pub fn is_subset(&self, other: &CapabilitySet) -> bool {
        self.0.is_subset(&other.0)
    }

    /// The capabilities in canonical order.
    pub fn iter(&self) -> impl Iterator<Item = Capability> + '_ {
        self.0.iter().copied()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<Capability> for CapabilitySet {
    fn from_iter<I: IntoIterator<Item = Capability>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl fmt::Display for CapabilitySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        let names: Vec<_> = self.iter().map(Capability::name).collect();
        f.write_str(&names.join(","))
    }
}

/// A named, typed port.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Port {
    /// Port name (an identifier, unique among the node's inputs or outputs).
    pub name: String,
    /// What flows through it.
    #[serde(rename = "type")]
    pub ty: PortType,
}

impl Port {
    /// A port called `name` of type `ty`.
    pub fn new(name: impl Into<String>, ty: PortType) -> Self {
        Self { name: name.into(), ty }
    }
}

/// A node's contract: name, ports and requested capabilities.
///
/// The compiler derives it from the payload's `Input`/`Output` structs and
/// embeds it in the wasm, so the node id covers it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeManifest {
    /// Human-facing name (not an identity: ids are content hashes).
    pub name: String,
    /// Input ports (the fields of `Input`).
    pub inputs: Vec<Port>,
    /// Output ports (the fields of `Output`).
    pub outputs: Vec<Port>,
    /// Capabilities the node asks for. Asking is not being granted.
    #[serde(default)]
    pub capabilities: CapabilitySet,
}

/// Why a manifest is not well formed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// The node name is empty, too long or has characters outside `[A-Za-z0-9_.-]`.
    #[error("node name {0:?} is invalid: use 1 to {MAX_NODE_NAME} characters from A-Z a-z 0-9 _ . -")]
    BadName(String),
    /// Too many ports on one side.
    #[error("node declares {count} {side} ports; at most {MAX_PORTS} are allowed")]
    TooManyPorts {
        /// "input" or "output".
        side: &'static str,
        /// How many were declared.
        count: usize,
    },
    /// A port's name or type is invalid, or the name repeats.
    #[error("{side} port `{port}`: {error}")]
    BadPort {
        /// "input" or "output".
        side: &'static str,
        /// The port's name.
        port: String,
        /// What is wrong.
        error: TypeError,
    },
}

impl NodeManifest {
    /// Checks names, port counts and types.
    pub fn validate(&self) -> Result<(), ManifestError> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= MAX_NODE_NAME
            && self.name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if !name_ok {
            return Err(ManifestError::BadName(self.name.chars().take(MAX_NODE_NAME + 8).collect()));
        }
        for (side, ports) in [("input", &self.inputs), ("output", &self.outputs)] {
            if ports.len() > MAX_PORTS {
                return Err(ManifestError::TooManyPorts { side, count: ports.len() });
            }
            for (i, p) in ports.iter().enumerate() {
                let bad = |error| ManifestError::BadPort { side, port: p.name.clone(), error };
                check_name(&p.name).map_err(bad)?;
                if ports[..i].iter().any(|q| q.name == p.name) {
                    return Err(bad(TypeError::DuplicateName(p.name.clone())));
                }
                p.ty.validate().map_err(bad)?;
            }
        }
        Ok(())
    }

    /// The type of input port `name`.
    pub fn input(&self, name: &str) -> Option<&PortType> {
        self.inputs.iter().find(|p| p.name == name).map(|p| &p.ty)
    }

    /// The type of output port `name`.
    pub fn output(&self, name: &str) -> Option<&PortType> {
        self.outputs.iter().find(|p| p.name == name).map(|p| &p.ty)
    }

    /// The record type of all inputs together (the payload's `Input`).
    pub fn input_record(&self) -> PortType {
        record_of(&self.inputs)
    }

    /// The record type of all outputs together (the payload's `Output`).
    pub fn output_record(&self) -> PortType {
        record_of(&self.outputs)
    }
}

fn record_of(ports: &[Port]) -> PortType {
    PortType::Record(ports.iter().map(|p| crate::types::Field::new(p.name.clone(), p.ty.clone())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> NodeManifest {
        NodeManifest {
            name: "amount-limit".into(),
            inputs: vec![Port::new("amount", PortType::U64)],
            outputs: vec![Port::new("ok", PortType::Bool)],
            capabilities: [Capability::Log].into_iter().collect(),
        }
    }

    #[test]
    fn json_form_is_readable() {
        let json = serde_json::to_string(&sample()).expect("serialises");
        assert_eq!(
            json,
            r#"{"name":"amount-limit","inputs":[{"name":"amount","type":"u64"}],"outputs":[{"name":"ok","type":"bool"}],"capabilities":["log"]}"#
        );
        let back: NodeManifest = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, sample());
    }

    #[test]
    fn duplicate_ports_are_invalid() {
        let mut m = sample();
        m.inputs.push(Port::new("amount", PortType::U32));
        assert_eq!(m.validate().unwrap_err().to_string(), "input port `amount`: name `amount` appears twice");
    }

    #[test]
    fn bad_names_are_invalid() {
        let mut m = sample();
        m.name = "has space".into();
        assert!(m.validate().is_err());
        m.name = String::new();
        assert!(m.validate().is_err());
        let mut m = sample();
        m.outputs[0].name = "0k".into();
        assert!(m.validate().is_err());
    }

    #[test]
    fn capabilities_parse_and_print() {
        assert_eq!("kv".parse::<Capability>(), Ok(Capability::Kv));
        assert!("root".parse::<Capability>().is_err());
        let set: CapabilitySet = [Capability::Random, Capability::Clock].into_iter().collect();
        assert_eq!(set.to_string(), "clock,random");
        assert_eq!(CapabilitySet::none().to_string(), "none");
    }
}
