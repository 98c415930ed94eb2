// attack: return a 2 MiB output, to make the host copy and decode it
// must: the run fails with ExecErrorKind::Limit(LimitKind::Output { limit: 1 MiB }) before the host decodes anything
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub text: String,
}

pub fn execute(_input: Input) -> Output {
    Output { text: "A".repeat(2 << 20) }
}
