//! Fuzz target `ratelimit_quota`. What it feeds and asserts is in `../checks/ratelimit_quota.rs`, which the owning
//! crate's `tests/fuzz_replay.rs` also runs over the committed corpus and regressions.
#![no_main]

#[path = "../checks/ratelimit_quota.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
