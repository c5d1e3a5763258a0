//! Quota strings (`10/s`, `3/10s burst 5`) from untrusted configuration: parsing never
//! panics, and whatever parses prints back to a string that parses to the same quota.
//!
//! Shared by the fuzz target and the crate's `tests/fuzz_replay.rs` (see `fuzz/checks/README.md`).

use palisade_ratelimit::Quota;

/// Runs the target's checks on one input; panics if an invariant is broken.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(quota) = text.parse::<Quota>() {
        let again: Quota = quota
            .to_string()
            .parse()
            .expect("a printed quota parses again");
        assert_eq!(quota, again);
        assert!(quota.burst() >= 1);
        assert!(quota.replenish_interval().as_nanos() >= 1);
    }
}
