//! The wire format: what a client posts, what it gets back, and how a
//! request becomes the production flow's inputs.
//!
//! The request is checked for shape and size here, before it reaches the
//! runtime; whether it is a valid *transaction* (positive amount, a
//! two-letter country, a merchant) is the bedrock `intake` rule's call, and
//! its refusal comes back as a 400 too (see `service.rs`).

use logos_runtime::Value;
use serde::{Deserialize, Serialize};

/// Longest `id`, `merchant` or `country` accepted, in bytes.
pub(crate) const MAX_TEXT: usize = 200;
/// Most `history.recent` payments accepted.
pub(crate) const MAX_RECENT: usize = 100;

/// A payment to decide: the transaction and the account's last 24 hours.
///
/// ```json
/// {"id": "T-06", "merchant": "streaming service", "amount_cents": 1299,
///  "channel": "card", "country": "IE",
///  "history": {"count_24h": 4, "total_24h_cents": 30000,
///              "recent": [{"merchant": "streaming service", "amount_cents": 1299, "minutes_ago": 2}]}}
/// ```
///
/// Unknown fields are refused, so a misspelt field is a 400, not a silent
/// default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// The caller's reference, echoed in the response (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Who is paid.
    pub merchant: String,
    /// How much, in cents.
    pub amount_cents: u64,
    /// How.
    pub channel: Channel,
    /// Where: an ISO 3166 two-letter code (`intake` checks it).
    pub country: String,
    /// The account's last 24 hours.
    pub history: History,
}

/// How a payment is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// A card payment.
    Card,
    /// A bank transfer.
    Transfer,
    /// A cash withdrawal.
    Cash,
}

impl Channel {
    /// The variant name of `intake`'s `Channel` enum.
    fn variant(self) -> &'static str {
        match self {
            Self::Card => "Card",
            Self::Transfer => "Transfer",
            Self::Cash => "Cash",
        }
    }
}

/// The account's activity over the last 24 hours, as the bank knows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct History {
    /// Payments in the last 24 hours.
    pub count_24h: u32,
    /// Their total, in cents.
    pub total_24h_cents: u64,
    /// The most recent of them (for the duplicate check); may be omitted.
    #[serde(default)]
    pub recent: Vec<Recent>,
}

/// One recent payment of the account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recent {
    /// Who was paid.
    pub merchant: String,
    /// How much, in cents.
    pub amount_cents: u64,
    /// How long ago, in minutes.
    pub minutes_ago: u32,
}

/// The decision on one payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionResponse {
    /// The request's `id`, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `approve`, `review` or `reject`.
    pub decision: String,
    /// Why, in the rules' words (empty for a plain approval).
    pub reasons: Vec<String>,
    /// The risk score.
    pub score: u32,
    /// Fuel the flow's nodes consumed (deterministic for a given input).
    pub fuel: u64,
    /// The ledger size the flow was planned at: which version of the rules decided.
    pub graph_version: u64,
    /// The execution record (`logos replay` takes it), when recording is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
}

/// The production flow, as `GET /v1/flow` describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowDescription {
    /// Its name.
    pub name: String,
    /// `production` (runs bedrock nodes only) or `sandbox`.
    pub kind: String,
    /// The ledger size now.
    pub graph_version: u64,
    /// The inputs, in the order a run takes them.
    pub inputs: Vec<PortDescription>,
    /// The outputs, in the order a run returns them.
    pub outputs: Vec<PortDescription>,
}

/// One port of the flow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortDescription {
    /// The node's name.
    pub node: String,
    /// The node's id (SHA-256 of its wasm).
    pub node_id: String,
    /// Whether the node is locked as bedrock.
    pub bedrock: bool,
    /// The port's name.
    pub port: String,
    /// The port's type, in the contract model's syntax.
    #[serde(rename = "type")]
    pub ty: String,
}

impl DecisionRequest {
    /// Parses a request body: JSON of the right shape, within the sizes
    /// above. The error says which field is wrong and where.
    pub fn from_json(body: &[u8]) -> Result<Self, String> {
        let request: Self = serde_json::from_slice(body).map_err(|e| format!("invalid request body: {e}"))?;
        request.check_sizes()?;
        Ok(request)
    }

    fn check_sizes(&self) -> Result<(), String> {
        let texts = [
            ("id", self.id.as_deref().unwrap_or("")),
            ("merchant", &self.merchant),
            ("country", &self.country),
        ];
        let recent = self.history.recent.iter().map(|r| ("history.recent[].merchant", r.merchant.as_str()));
        for (field, text) in texts.into_iter().chain(recent) {
            if text.len() > MAX_TEXT {
                return Err(format!("{field} is {} bytes long; at most {MAX_TEXT} are accepted", text.len()));
            }
        }
        if self.history.recent.len() > MAX_RECENT {
            return Err(format!(
                "history.recent has {} payments; send at most the {MAX_RECENT} most recent",
                self.history.recent.len()
            ));
        }
        Ok(())
    }

    /// The production flow's inputs: `intake.txn` and `intake.history`.
    pub fn to_inputs(&self) -> [Value; 2] {
        let txn = record(vec![
            ("amount_cents", Value::U64(self.amount_cents)),
            ("channel", Value::Enum(self.channel.variant().to_owned())),
            ("country", Value::String(self.country.clone())),
            ("merchant", Value::String(self.merchant.clone())),
        ]);
        let recent = self
            .history
            .recent
            .iter()
            .map(|r| {
                record(vec![
                    ("merchant", Value::String(r.merchant.clone())),
                    ("amount_cents", Value::U64(r.amount_cents)),
                    ("minutes_ago", Value::U32(r.minutes_ago)),
                ])
            })
            .collect();
        let history = record(vec![
            ("count_24h", Value::U32(self.history.count_24h)),
            ("total_24h_cents", Value::U64(self.history.total_24h_cents)),
            ("recent", Value::List(recent)),
        ]);
        [txn, history]
    }
}

fn record(fields: Vec<(&str, Value)>) -> Value {
    Value::Record(fields.into_iter().map(|(name, value)| (name.to_owned(), value)).collect())
}
