// attack: hide include_str! inside a macro_rules! definition
// must: CompileError::Payload(PayloadError::ForbiddenMacro { .. }) before cargo runs
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub text: String,
}

macro_rules! smuggle {
    () => {
        include_str!("@CANARY_FILE@")
    };
}

pub fn execute(_input: Input) -> Output {
    Output { text: smuggle!().to_string() }
}
