//! Approves an amount within a tighter limit (an agent's proposed successor
//! of limit.rs: same ports, so it can replace it by migration).
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
    Output { ok: input.amount <= 500_000 }
}
