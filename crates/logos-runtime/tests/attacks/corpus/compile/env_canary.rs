// attack: read a host environment variable (the planted canary) at compile time with env!
// must: CompileError::Payload(PayloadError::ForbiddenMacro { name: "env" }) before cargo runs
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub text: String,
}

pub fn execute(_input: Input) -> Output {
    Output { text: env!("@CANARY_ENV@").to_string() }
}
