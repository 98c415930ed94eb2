// attack: hang the compiler with an infinite loop in const evaluation
// must: CompileError::Rustc (the deny-by-default long_running_const_eval lint stops rustc), no hang
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub text: String,
}

const SPIN: u64 = {
    let mut i = 0u64;
    while i < u64::MAX {
        i += 1;
    }
    i
};

pub fn execute(_input: Input) -> Output {
    Output { text: SPIN.to_string() }
}
