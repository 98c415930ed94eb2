// attack: replace the ABI glue by exporting logos_alloc itself with #[no_mangle]
// must: CompileError::Payload(PayloadError::ForbiddenAttribute { name: "no_mangle" }) before cargo runs
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub text: String,
}

#[no_mangle]
pub fn logos_alloc(_len: i32) -> i32 {
    0
}

pub fn execute(_input: Input) -> Output {
    Output { text: String::new() }
}
