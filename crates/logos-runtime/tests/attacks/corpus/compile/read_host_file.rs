// attack: read the canary file at run time with std::fs
// must: CompileError::Payload(PayloadError::ForbiddenApi { path: "std::fs" }) before cargo runs
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub text: String,
}

pub fn execute(_input: Input) -> Output {
    Output { text: std::fs::read_to_string("@CANARY_FILE@").unwrap_or_default() }
}
