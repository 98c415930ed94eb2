// attack: copy a host file (the planted canary file) into the node with include_str!
// must: CompileError::Payload(PayloadError::ForbiddenMacro { name: "include_str" }) before cargo runs
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub text: String,
}

pub fn execute(_input: Input) -> Output {
    Output { text: include_str!("@CANARY_FILE@").to_string() }
}
