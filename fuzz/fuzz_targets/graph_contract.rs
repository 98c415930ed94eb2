#![no_main]

// Input: bytes driving add_node/add_edge/remove_edge against a reference model.
libfuzzer_sys::fuzz_target!(|data: &[u8]| logos_fuzz::checks::graph_contract(data));
