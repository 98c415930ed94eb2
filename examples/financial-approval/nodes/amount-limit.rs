//! Flags a payment over the approval limit. Cash is held to half the limit:
//! it cannot be recalled once paid out.
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Card,
    Transfer,
    Cash,
}

#[derive(Serialize, Deserialize)]
pub struct Input {
    pub amount_cents: u64,
    pub channel: Channel,
    pub max_amount_cents: u64,
}

#[derive(Serialize, Deserialize)]
pub struct Output {
    /// Why the rule fired, or `None`.
    pub flag: Option<String>,
}

pub fn execute(input: Input) -> Output {
    let (limit, what) = match input.channel {
        Channel::Cash => (input.max_amount_cents / 2, "cash limit"),
        Channel::Card | Channel::Transfer => (input.max_amount_cents, "limit"),
    };
    let flag = (input.amount_cents > limit).then(|| format!("over the {what} ({})", eur(limit)));
    Output { flag }
}

/// 1234567 -> "12,345.67".
fn eur(cents: u64) -> String {
    let units = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{grouped}.{:02}", cents % 100)
}
