//! Fuzz target `sandbox_http_policy`. What it feeds and asserts is in `../checks/sandbox_http_policy.rs`, which the owning
//! crate's `tests/fuzz_replay.rs` also runs over the committed corpus and regressions.
#![no_main]

#[path = "../checks/sandbox_http_policy.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
