// attack: copy a host file into the node with include_bytes!
// must: CompileError::Payload(PayloadError::ForbiddenMacro { name: "include_bytes" }) before cargo runs
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub text: String,
}

pub fn execute(_input: Input) -> Output {
    Output { text: String::from_utf8_lossy(include_bytes!("@CANARY_FILE@")).into_owned() }
}
