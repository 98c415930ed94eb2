#![no_main]

// Input: any bytes; UTF-8 ones are parsed as a checkpoint body and a signed note.
libfuzzer_sys::fuzz_target!(|data: &[u8]| logos_fuzz::ledger_checks::checkpoint_parse(data));
