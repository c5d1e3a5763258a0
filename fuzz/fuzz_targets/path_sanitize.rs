//! Fuzz target `path_sanitize`. What it feeds and asserts is in `../checks/path_sanitize.rs`, which the owning
//! crate's `tests/fuzz_replay.rs` also runs over the committed corpus and regressions.
#![no_main]

#[path = "../checks/path_sanitize.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
