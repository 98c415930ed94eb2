// attack: export its own logos_execute, replacing the ABI glue, through the unsafe(no_mangle) attribute (unsafe without an unsafe block)
// must: CompileError::Payload(PayloadError::ForbiddenAttribute { name: "unsafe(no_mangle)" }) before cargo runs
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub text: String,
}

#[unsafe(no_mangle)]
pub fn logos_execute() {}

pub fn execute(_input: Input) -> Output {
    Output { text: String::new() }
}
