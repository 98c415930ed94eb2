#![no_main]

// Input: type text, a 0x00 byte, then value bytes decoded against that type.
libfuzzer_sys::fuzz_target!(|data: &[u8]| logos_fuzz::checks::value_decode(data));
