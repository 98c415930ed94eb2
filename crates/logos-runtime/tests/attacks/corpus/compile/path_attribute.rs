// attack: compile a host file as a module with #[path]
// must: CompileError::Payload(PayloadError::ForbiddenAttribute { name: "path" }) before cargo runs
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub text: String,
}

#[path = "@CANARY_FILE@"]
mod secret;

pub fn execute(_input: Input) -> Output {
    Output { text: String::new() }
}
