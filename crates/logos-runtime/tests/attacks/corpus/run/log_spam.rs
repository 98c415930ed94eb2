// attack: write 1 MB of logos.log lines; once without the log grant, once granted
// must: without the grant the run fails with ExecErrorKind::Ungranted { needs: Capability::Log }; granted (bedrock), it succeeds with the log capture bounded at 64 KiB and marked truncated
//! logos:capabilities = log
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub lines: u64,
}

pub fn execute(_input: Input) -> Output {
    let line = "L".repeat(1000);
    for _ in 0..1000 {
        logos::log(&line);
    }
    Output { lines: 1000 }
}
