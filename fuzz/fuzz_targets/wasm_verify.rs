#![no_main]

// Input: any bytes, offered as a node module (a .wasm file).
libfuzzer_sys::fuzz_target!(|data: &[u8]| logos_fuzz::compile_checks::wasm_verify(data));
