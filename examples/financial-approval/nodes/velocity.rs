//! Flags an account paying too often or too much within 24 hours.
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {
    pub amount_cents: u64,
    pub count_24h: u32,
    pub total_24h_cents: u64,
    pub max_count_24h: u32,
    pub max_total_24h_cents: u64,
}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub flag: Option<String>,
}

pub fn execute(input: Input) -> Output {
    let count = input.count_24h.saturating_add(1);
    let total = input.total_24h_cents.saturating_add(input.amount_cents);
    let flag = if count > input.max_count_24h {
        Some(format!("payment no. {count} in 24 h (max {})", input.max_count_24h))
    } else if total > input.max_total_24h_cents {
        Some(format!("{} in 24 h (max {})", eur(total), eur(input.max_total_24h_cents)))
    } else {
        None
    };
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
