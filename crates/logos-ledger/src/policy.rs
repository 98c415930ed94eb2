//! The governance policy: a ledger document, changed only by a quorum token.
//!
//! The ledger stores the policy in its canonical encoding (postcard of
//! [`Policy`]; an empty document means [`Policy::default`]). The ledger
//! itself enforces the capability ceilings (a grant above its layer's
//! ceiling is refused). The runtime's supervisor enforces the rest: limits
//! per layer, per-agent quotas and the self-heal rule.
//!
//! Hosts and the CLI edit it as JSON ([`Policy::from_json`], [`Policy::to_json`]);
//! unknown JSON fields are refused so a typo cannot silently keep a default.

use std::collections::BTreeMap;

use logos_core::{Capability, CapabilitySet};
use serde::{Deserialize, Serialize};

/// Largest policy document, in bytes.
pub const MAX_POLICY_BYTES: usize = 64 * 1024;

/// What one layer's nodes may be granted and run under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerPolicy {
    /// The most a node of this layer may be granted (and is ever given at run time).
    pub ceiling: CapabilitySet,
    /// Fuel per node execution.
    pub fuel: u64,
    /// Linear memory per node, in bytes.
    pub memory_bytes: u64,
}

/// How much one agent may execute per UTC day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    /// Flow executions per day.
    pub executions_per_day: u64,
    /// Fuel per day, summed over every node of every execution.
    pub fuel_per_day: u64,
}

/// When the supervisor rolls a freshly migrated bedrock node back.
///
/// A node that came in by migration is *on probation* for its first
/// `window` executions. If, while on probation, it fails `failures`
/// executions in a row, and its predecessor had at least one recorded
/// success, the supervisor re-binds the predecessor in one `RolledBack`
/// ledger event. `failures == 0` disables self-heal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelfHeal {
    /// Consecutive failures that trigger a rollback (0: never).
    pub failures: u32,
    /// How many executions a migrated node stays on probation.
    pub window: u32,
}

/// The governance policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Agent drafts: run only in sandbox flows.
    pub sediment: LayerPolicy,
    /// Locked nodes: what production flows are made of.
    pub bedrock: LayerPolicy,
    /// Every agent's quota unless listed in `agent_quotas`.
    pub default_quota: Quota,
    /// Per-agent quotas, by agent name.
    #[serde(default)]
    pub agent_quotas: BTreeMap<String, Quota>,
    /// Self-heal after migrations.
    pub self_heal: SelfHeal,
}

impl Default for Policy {
    /// Sediment: no capabilities, 10 M fuel, 16 MiB. Bedrock: log, clock,
    /// random and kv (not network), 100 M fuel, 64 MiB. Each agent: 10,000
    /// executions and 10^11 fuel a day. Self-heal: 3 failures in a row
    /// within the first 100 executions.
    fn default() -> Self {
        Self {
            sediment: LayerPolicy {
                ceiling: CapabilitySet::none(),
                fuel: 10_000_000,
                memory_bytes: 16 << 20,
            },
            bedrock: LayerPolicy {
                ceiling: [Capability::Log, Capability::Clock, Capability::Random, Capability::Kv]
                    .into_iter()
                    .collect(),
                fuel: 100_000_000,
                memory_bytes: 64 << 20,
            },
            default_quota: Quota { executions_per_day: 10_000, fuel_per_day: 100_000_000_000 },
            agent_quotas: BTreeMap::new(),
            self_heal: SelfHeal { failures: 3, window: 100 },
        }
    }
}

/// Why a policy document is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The bytes are not a canonical policy encoding.
    #[error("policy document is not a canonical policy encoding: {0}")]
    Encoding(String),
    /// The JSON does not describe a policy.
    #[error("policy JSON is invalid: {0}")]
    Json(String),
    /// A value makes no sense (zero limits, an invalid agent name...).
    #[error("policy is invalid: {0}")]
    Invalid(String),
}

impl Policy {
    /// The canonical encoding stored in the ledger.
    pub fn encode(&self) -> Vec<u8> {
        // Serialising plain data into a Vec cannot fail.
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// Decodes a ledger policy document: empty means the default; anything
    /// else must be the canonical encoding of a valid policy.
    pub fn decode(bytes: &[u8]) -> Result<Self, PolicyError> {
        if bytes.is_empty() {
            return Ok(Self::default());
        }
        if bytes.len() > MAX_POLICY_BYTES {
            return Err(PolicyError::Encoding(format!("{} bytes, at most {MAX_POLICY_BYTES}", bytes.len())));
        }
        let policy: Self = postcard::from_bytes(bytes).map_err(|e| PolicyError::Encoding(e.to_string()))?;
        if policy.encode() != bytes {
            return Err(PolicyError::Encoding("not the canonical spelling".into()));
        }
        policy.validate()?;
        Ok(policy)
    }

    /// Parses the JSON form (every field required except `agent_quotas`).
    pub fn from_json(text: &str) -> Result<Self, PolicyError> {
        if text.len() > MAX_POLICY_BYTES {
            return Err(PolicyError::Json(format!("{} bytes, at most {MAX_POLICY_BYTES}", text.len())));
        }
        let policy: Self = serde_json::from_str(text).map_err(|e| PolicyError::Json(e.to_string()))?;
        policy.validate()?;
        Ok(policy)
    }

    /// The JSON form, pretty-printed.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The limits and ceiling of a layer.
    pub fn layer(&self, bedrock: bool) -> &LayerPolicy {
        if bedrock { &self.bedrock } else { &self.sediment }
    }

    /// The quota of agent `name`.
    pub fn quota(&self, name: &str) -> Quota {
        self.agent_quotas.get(name).copied().unwrap_or(self.default_quota)
    }

    /// Checks the values: positive limits, memory within 4 GiB, valid agent names.
    pub fn validate(&self) -> Result<(), PolicyError> {
        for (name, layer) in [("sediment", &self.sediment), ("bedrock", &self.bedrock)] {
            if layer.fuel == 0 || layer.memory_bytes == 0 {
                return Err(PolicyError::Invalid(format!("{name} fuel and memory must be positive")));
            }
            if layer.memory_bytes > 4 << 30 {
                return Err(PolicyError::Invalid(format!("{name} memory above 4 GiB")));
            }
        }
        for name in self.agent_quotas.keys() {
            if logos_core::Actor::agent(name).is_err() {
                return Err(PolicyError::Invalid(format!("agent quota for invalid agent name {name:?}")));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_round_trips_in_both_forms() {
        let p = Policy::default();
        assert_eq!(Policy::decode(&p.encode()), Ok(p.clone()));
        assert_eq!(Policy::from_json(&p.to_json()), Ok(p.clone()));
        assert_eq!(Policy::decode(&[]), Ok(p));
    }

    #[test]
    fn bad_documents_are_refused() {
        let mut bytes = Policy::default().encode();
        bytes.push(0);
        assert!(matches!(Policy::decode(&bytes), Err(PolicyError::Encoding(_))));
        assert!(matches!(Policy::decode(&[0xff; 3]), Err(PolicyError::Encoding(_))));
        let typo = Policy::default().to_json().replace("\"self_heal\"", "\"self_heel\"");
        assert!(matches!(Policy::from_json(&typo), Err(PolicyError::Json(_))));
        let mut zero = Policy::default();
        zero.sediment.fuel = 0;
        assert!(matches!(Policy::decode(&zero.encode()), Err(PolicyError::Invalid(_))));
        let mut bad_agent = Policy::default();
        bad_agent.agent_quotas.insert("no spaces".into(), bad_agent.default_quota);
        assert!(matches!(bad_agent.validate(), Err(PolicyError::Invalid(_))));
    }
}
