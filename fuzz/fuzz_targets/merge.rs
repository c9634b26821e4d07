//! Fuzz target: the property of [`checks::merge`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::merge(data));
