// attack: recurse without end, to overflow the host's stack
// must: the run fails with ExecErrorKind::Trap { trap: TrapKind::StackOverflow }; the host's own stack is untouched
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub depth: u64,
}

fn descend(depth: u64) -> u64 {
    if depth == u64::MAX {
        return depth;
    }
    std::hint::black_box(descend(std::hint::black_box(depth + 1))).wrapping_add(1)
}

pub fn execute(_input: Input) -> Output {
    Output { depth: descend(0) }
}
