//! Rate-limit and circuit-breaker configurations deserialized from untrusted JSON: never a
//! panic, and an accepted breaker configuration either builds or is refused with an error.
//!
//! Shared by the fuzz target and the crate's `tests/fuzz_replay.rs` (see `fuzz/checks/README.md`).

use palisade_ratelimit::{BreakerConfig, CircuitBreaker, RateLimitConfig, RateLimiter};

/// Runs the target's checks on one input; panics if an invariant is broken.
pub fn check(data: &[u8]) {
    if let Ok(mut config) = serde_json::from_slice::<RateLimitConfig>(data) {
        // The key table grows with use, not with `max_keys`; cap it anyway to keep runs fast.
        config.max_keys = config.max_keys.min(1 << 16);
        if let Ok(limiter) = RateLimiter::<u32>::builder().config(config).build() {
            let _ = limiter.check_key(&1);
        }
    }
    if let Ok(config) = serde_json::from_slice::<BreakerConfig>(data)
        && let Ok(breaker) = CircuitBreaker::builder().config(config).build()
        && let Ok(permit) = breaker.try_acquire()
    {
        permit.record_failure();
    }
}
