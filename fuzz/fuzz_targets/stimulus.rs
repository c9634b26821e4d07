//! Fuzz target: the property of [`checks::stimulus`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::stimulus(data));
