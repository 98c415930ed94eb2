// attack: pull in another file of the build directory with mod x;
// must: CompileError::Payload(PayloadError::OutlineModule { name: "lib" }) before cargo runs
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub text: String,
}

mod lib;

pub fn execute(_input: Input) -> Output {
    Output { text: String::new() }
}
