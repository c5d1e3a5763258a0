//! Fuzz target `audit_chain`. What it feeds and asserts is in `../checks/audit_chain.rs`, which the owning
//! crate's `tests/fuzz_replay.rs` also runs over the committed corpus and regressions.
#![no_main]

#[path = "../checks/audit_chain.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
