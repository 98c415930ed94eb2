//! Approves an amount within the limit.
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {
    /// Amount in cents.
    pub amount: u64,
}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub ok: bool,
}

pub fn execute(input: Input) -> Output {
    Output { ok: input.amount <= 1_000_000 }
}
