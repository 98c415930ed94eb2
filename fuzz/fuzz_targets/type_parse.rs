#![no_main]

// Input: any bytes; UTF-8 ones are parsed as type text.
libfuzzer_sys::fuzz_target!(|data: &[u8]| logos_fuzz::checks::type_parse(data));
