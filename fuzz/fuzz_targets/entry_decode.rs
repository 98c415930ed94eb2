#![no_main]

// Input: any bytes, decoded as a ledger entry and pushed to a chain verifier.
libfuzzer_sys::fuzz_target!(|data: &[u8]| logos_fuzz::ledger_checks::entry_decode(data));
