//! Flags a payment that repeats one made minutes ago (same merchant, same
//! amount): most often a double submission.
use serde::{Deserialize, Serialize};

/// How far back a repeat counts as a duplicate.
const WINDOW_MINUTES: u32 = 10;

#[derive(Serialize, Deserialize, Clone)]
pub struct Payment {
    pub merchant: String,
    pub amount_cents: u64,
    pub minutes_ago: u32,
}

#[derive(Serialize, Deserialize)]
pub struct Input {
    pub merchant: String,
    pub amount_cents: u64,
    pub recent: Vec<Payment>,
}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub flag: Option<String>,
}

pub fn execute(input: Input) -> Output {
    let flag = input
        .recent
        .iter()
        .filter(|p| p.minutes_ago <= WINDOW_MINUTES)
        .find(|p| p.amount_cents == input.amount_cents && p.merchant.eq_ignore_ascii_case(&input.merchant))
        .map(|p| format!("same payment {} min ago", p.minutes_ago));
    Output { flag }
}
