//! Flags a payment to or from a sanctioned country.
use serde::{Deserialize, Serialize};

/// ISO 3166 codes under sanctions (illustrative, not legal advice).
const SANCTIONED: [&str; 4] = ["CU", "IR", "KP", "SY"];

#[derive(Serialize, Deserialize)]
pub struct Input {
    pub country: String,
}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub flag: Option<String>,
}

pub fn execute(input: Input) -> Output {
    let flag =
        SANCTIONED.contains(&input.country.as_str()).then(|| format!("sanctioned country {}", input.country));
    Output { flag }
}
