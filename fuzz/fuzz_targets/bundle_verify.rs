#![no_main]

// Input: a bundle document (starts with `{`), or length-prefixed entries to bundle.
libfuzzer_sys::fuzz_target!(|data: &[u8]| logos_fuzz::ledger_checks::bundle_verify(data));
