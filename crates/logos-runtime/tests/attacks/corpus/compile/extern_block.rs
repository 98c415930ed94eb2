// attack: import a host function the ABI does not offer through an extern block
// must: CompileError::Payload(PayloadError::Extern { .. }) before cargo runs
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub text: String,
}

extern "C" {
    fn path_open(fd: i32, flags: i32, path: *const u8, len: usize) -> i32;
}

pub fn execute(_input: Input) -> Output {
    Output { text: String::new() }
}
