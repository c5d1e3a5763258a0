//! Fuzz target `policy_load`. What it feeds and asserts is in `../checks/policy_load.rs`, which the owning
//! crate's `tests/fuzz_replay.rs` also runs over the committed corpus and regressions.
#![no_main]

#[path = "../checks/policy_load.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
