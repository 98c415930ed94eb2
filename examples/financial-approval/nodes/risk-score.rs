//! Scores risk from 0 to 100 and names the factors behind the score.
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Features {
    pub vs_average_pct: u32,
    pub cash: bool,
    pub large: bool,
}

#[derive(Serialize, Deserialize)]
pub struct Input {
    pub features: Features,
}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub score: u32,
    pub factors: Vec<String>,
}

pub fn execute(input: Input) -> Output {
    let f = input.features;
    let mut score = 0;
    let mut factors = Vec::new();
    let times = f.vs_average_pct / 100;
    if times >= 10 {
        score += 50;
        factors.push(format!("{times}x usual amount"));
    } else if times >= 3 {
        score += 30;
        factors.push(format!("{times}x usual amount"));
    }
    if f.cash {
        score += 20;
        factors.push("cash".to_string());
    }
    if f.large {
        score += 15;
        factors.push("large".to_string());
    }
    Output { score: score.min(100), factors }
}
