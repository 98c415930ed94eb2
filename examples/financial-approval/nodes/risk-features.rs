//! Turns a payment and the account's recent activity into risk features.
use serde::{Deserialize, Serialize};

/// From this amount a payment counts as large.
const LARGE_CENTS: u64 = 5_000_00;

#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Card,
    Transfer,
    Cash,
}

#[derive(Serialize, Deserialize)]
pub struct Features {
    /// The amount as a percentage of the account's 24-hour average payment
    /// (0 when there is no history to compare with).
    pub vs_average_pct: u32,
    pub cash: bool,
    pub large: bool,
}

#[derive(Serialize, Deserialize)]
pub struct Input {
    pub amount_cents: u64,
    pub channel: Channel,
    pub count_24h: u32,
    pub total_24h_cents: u64,
}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub features: Features,
}

pub fn execute(input: Input) -> Output {
    let vs_average_pct = match input.total_24h_cents / u64::from(input.count_24h.max(1)) {
        0 => 0,
        average => u32::try_from(input.amount_cents.saturating_mul(100) / average).unwrap_or(u32::MAX),
    };
    Output {
        features: Features {
            vs_average_pct,
            cash: input.channel == Channel::Cash,
            large: input.amount_cents >= LARGE_CENTS,
        },
    }
}
