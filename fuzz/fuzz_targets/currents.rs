//! Fuzz target: the property of [`checks::currents`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::currents(data));
