//! A million distinct keys stay within the documented memory bound, measured with a
//! counting global allocator (this test file is its own process).
#![allow(
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    reason = "tests fail loudly"
)]

use std::alloc::System;
use std::time::Duration;

use palisade_ratelimit::{FakeClock, RateLimiter};

#[global_allocator]
static ALLOCATOR: cap::Cap<System> = cap::Cap::new(System, usize::MAX);

/// The bound documented in the README ("Memory"), for `u64` keys: bytes per tracked key,
/// all included: 24 bytes of key and state plus 1 control byte per bucket, at the table's
/// lowest load (7/16, right after it doubled) = 57.1.
const BYTES_PER_U64_KEY: usize = 58;

#[test]
fn a_million_keys_stay_within_the_documented_bound() {
    const KEYS: u64 = 1_000_000;
    let clock = FakeClock::new();
    let before = ALLOCATOR.allocated();
    let limiter = RateLimiter::builder()
        .global("1000000000/s".parse().unwrap())
        .per_key("10/s".parse().unwrap())
        .max_keys(KEYS as usize)
        .clock(clock.clone())
        .build()
        .unwrap();
    for key in 0..KEYS {
        assert!(limiter.check_key(&key).is_allowed());
    }
    let tracked = limiter.tracked_keys();
    let used = ALLOCATOR.allocated() - before;
    let per_key = used as f64 / tracked as f64;
    println!("{tracked} keys tracked, {used} bytes, {per_key:.1} bytes per key");
    assert!(tracked as u64 >= KEYS * 9 / 10, "{tracked} keys tracked");
    assert!(
        used <= BYTES_PER_U64_KEY * limiter.max_keys(),
        "{used} bytes for {tracked} keys ({per_key:.1} per key)"
    );

    // A second million distinct keys: the cap holds and memory does not grow past it.
    for key in KEYS..2 * KEYS {
        assert!(limiter.check_key(&key).is_allowed());
    }
    assert!(limiter.tracked_keys() <= limiter.max_keys());
    let used = ALLOCATOR.allocated() - before;
    assert!(
        used <= BYTES_PER_U64_KEY * limiter.max_keys(),
        "{used} bytes"
    );

    // Once every key is idle, pruning forgets them all.
    clock.advance(Duration::from_secs(1));
    limiter.prune();
    assert_eq!(limiter.tracked_keys(), 0);
}
