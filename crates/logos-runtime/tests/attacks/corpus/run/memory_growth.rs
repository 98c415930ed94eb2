// attack: allocate without end, to exhaust the host's memory
// must: the run fails with ExecErrorKind::Limit(LimitKind::Memory { limit: 16 MiB }), the sediment layer's memory, as the guest grows past it
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Input {}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub chunks: u64,
}

pub fn execute(_input: Input) -> Output {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        // Reserved, never written: the memory grows without the fuel a fill would cost.
        hoard.push(Vec::<u8>::with_capacity(4 << 20));
        std::hint::black_box(&hoard);
        if hoard.len() == usize::MAX {
            break;
        }
    }
    Output { chunks: hoard.len() as u64 }
}
