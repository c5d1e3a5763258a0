//! Fuzz target `ratelimit_config`. What it feeds and asserts is in `../checks/ratelimit_config.rs`, which the owning
//! crate's `tests/fuzz_replay.rs` also runs over the committed corpus and regressions.
#![no_main]

#[path = "../checks/ratelimit_config.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
