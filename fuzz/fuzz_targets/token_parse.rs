#![no_main]

// Input: any bytes; UTF-8 ones are parsed as a token file and as a statement.
libfuzzer_sys::fuzz_target!(|data: &[u8]| logos_fuzz::ledger_checks::token_parse(data));
