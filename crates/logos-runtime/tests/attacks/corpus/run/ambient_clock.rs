// attack: read the host's wall clock and entropy without the clock or random capability (std's SystemTime, HashMap seeds)
// must: it runs, but sees the logical stand-in clock (under one second after the Unix epoch), never the host's time
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub nanos: u64,
    pub entries: u64,
}

pub fn execute(_input: Input) -> Output {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(u64::MAX);
    let mut seen = HashMap::new();
    seen.insert(nanos, ());
    Output { nanos, entries: seen.len() as u64 }
}
