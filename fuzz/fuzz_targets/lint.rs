//! The input as standard input, linted with every rule in every output format and
//! `inspect`: see `check_lint`.

#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| karplint_fuzz::check_lint(input));
