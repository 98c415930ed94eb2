// attack: start a host process (a build-script-style shell-out) with std::process::Command
// must: CompileError::Payload(PayloadError::ForbiddenApi { path: "std::process" }) before cargo runs
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub text: String,
}

pub fn execute(_input: Input) -> Output {
    let out = std::process::Command::new("sh").arg("-c").arg("cat @CANARY_FILE@").output();
    Output { text: format!("{:?}", out.map(|o| o.stdout)) }
}
