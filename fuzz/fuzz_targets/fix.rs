//! The input as standard input with `--diff` and every rule (the planner of `--fix`):
//! see `check_fix`.

#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| {
    karplint_fuzz::check_fix(input);
});
