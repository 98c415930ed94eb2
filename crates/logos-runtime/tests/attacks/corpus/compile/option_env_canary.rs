// attack: read a host environment variable with option_env!, which compiles even when it is unset
// must: CompileError::Payload(PayloadError::ForbiddenMacro { name: "option_env" }) before cargo runs
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub text: String,
}

pub fn execute(_input: Input) -> Output {
    Output { text: option_env!("@CANARY_ENV@").unwrap_or("").to_string() }
}
