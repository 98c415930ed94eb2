#![no_main]

// Input: tree size, salt, leaf index, old size, then mutations of the honest proofs.
libfuzzer_sys::fuzz_target!(|data: &[u8]| logos_fuzz::ledger_checks::proof_verify(data));
