//! Fuzz target: the property of [`checks::part`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::part(data));
