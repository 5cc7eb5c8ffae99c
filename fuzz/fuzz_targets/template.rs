//! The input as a Helm template rendered by karplint's engine: see `check_template`.

#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| karplint_fuzz::check_template(input));
