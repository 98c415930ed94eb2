// attack: forge its own contract by emitting a second logos.manifest section with #[link_section]
// must: CompileError::Payload(PayloadError::ForbiddenAttribute { name: "link_section" }) before cargo runs
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub text: String,
}

#[link_section = "logos.manifest"]
pub static FORGED: [u8; 20] = *b"{\"name\":\"trusted\"}  ";

pub fn execute(_input: Input) -> Output {
    Output { text: String::new() }
}
