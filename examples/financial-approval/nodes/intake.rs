//! Checks that a transaction is well formed and hands its fields to the rules.
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Card,
    Transfer,
    Cash,
}

#[derive(Serialize, Deserialize, Clone)]
pub struct Payment {
    pub merchant: String,
    pub amount_cents: u64,
    pub minutes_ago: u32,
}

#[derive(Serialize, Deserialize)]
pub struct Transaction {
    pub amount_cents: u64,
    pub channel: Channel,
    /// ISO 3166 two-letter code.
    pub country: String,
    pub merchant: String,
}

/// The account's activity over the last 24 hours, as the bank knows it.
#[derive(Serialize, Deserialize)]
pub struct History {
    pub count_24h: u32,
    pub total_24h_cents: u64,
    pub recent: Vec<Payment>,
}

#[derive(Serialize, Deserialize)]
pub struct Input {
    pub txn: Transaction,
    pub history: History,
}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub amount_cents: u64,
    pub channel: Channel,
    pub country: String,
    pub merchant: String,
    pub count_24h: u32,
    pub total_24h_cents: u64,
    pub recent: Vec<Payment>,
}

pub fn execute(input: Input) -> Result<Output, String> {
    let Input { txn, history } = input;
    if txn.amount_cents == 0 {
        return Err("amount must be positive".into());
    }
    if txn.country.len() != 2 || !txn.country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!("country must be a two-letter code, got {:?}", txn.country));
    }
    let merchant = txn.merchant.trim().to_lowercase();
    if merchant.is_empty() {
        return Err("merchant is missing".into());
    }
    Ok(Output {
        amount_cents: txn.amount_cents,
        channel: txn.channel,
        country: txn.country,
        merchant,
        count_24h: history.count_24h,
        total_24h_cents: history.total_24h_cents,
        recent: history.recent,
    })
}
