//! The bank's approval thresholds. They live in a node of their own and
//! reach the rules along edges, so changing one is a governed migration that
//! the ledger records, never a silent edit inside a rule.
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    /// Largest single payment approved without a human look.
    pub max_amount_cents: u64,
    /// Most payments per account in 24 hours.
    pub max_count_24h: u32,
    /// Most money per account in 24 hours.
    pub max_total_24h_cents: u64,
    /// Risk score from which a human reviews the payment.
    pub review_at: u32,
    /// Risk score from which the payment is rejected.
    pub reject_at: u32,
}

pub fn execute(_input: Input) -> Output {
    Output {
        max_amount_cents: 10_000_00,
        max_count_24h: 8,
        max_total_24h_cents: 15_000_00,
        review_at: 40,
        reject_at: 75,
    }
}
