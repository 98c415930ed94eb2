// attack: spin forever at run time, to hold a host thread
// must: the run fails with ExecErrorKind::Limit(LimitKind::Fuel { limit: 10_000_000 }), the sediment layer's fuel
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub turns: u64,
}

pub fn execute(_input: Input) -> Output {
    let mut turns: u64 = 0;
    loop {
        turns = std::hint::black_box(turns.wrapping_add(1));
        if turns == 0 {
            break;
        }
    }
    Output { turns }
}
