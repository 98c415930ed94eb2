// attack: write 1 MB to stderr, then panic, so the panic message (the trap's text) floods the host's logs
// must: the run fails with ExecErrorKind::Trap { trap: TrapKind::Unreachable, message } with message bounded by the 64 KiB capture
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub lines: u64,
}

pub fn execute(_input: Input) -> Output {
    let line = "E".repeat(1000);
    for _ in 0..1000 {
        eprintln!("{line}");
    }
    panic!("giving up after the spam");
}
