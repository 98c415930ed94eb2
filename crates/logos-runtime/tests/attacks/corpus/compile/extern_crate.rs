// attack: link a crate outside the allowlist with extern crate (here the compiler's proc_macro)
// must: CompileError::Payload(PayloadError::Extern { .. }) before cargo runs
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub text: String,
}

extern crate proc_macro;

pub fn execute(_input: Input) -> Output {
    Output { text: String::new() }
}
