// attack: run a foreign procedural macro at compile time through a derive
// must: CompileError::Payload(PayloadError::ForbiddenDerive { name: "Parser" }) before cargo runs
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub text: String,
}

#[derive(Parser)]
pub struct Args {}

pub fn execute(_input: Input) -> Output {
    Output { text: String::new() }
}
