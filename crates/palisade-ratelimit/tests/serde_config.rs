//! Configurations from JSON (feature `serde`): quotas as strings, unknown fields and bad
//! quotas refused with a message that names them.
#![cfg(feature = "serde")]
#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

use std::time::Duration;

use palisade_ratelimit::{
    BreakerConfig, CircuitBreaker, Mode, RateLimitConfig, RateLimiter, SlidingWindow, WhenFull,
};

#[test]
fn rate_limit_config_from_json() {
    let config: RateLimitConfig = serde_json::from_str(
        r#"{"global": "100/s", "per_key": "5/s burst 10", "max_keys": 1000,
            "when_full": "deny_new_keys", "mode": "dry_run"}"#,
    )
    .unwrap();
    assert_eq!(config.global.unwrap().to_string(), "100/s");
    assert_eq!(config.per_key.unwrap().burst(), 10);
    assert_eq!(config.when_full, WhenFull::DenyNewKeys);
    assert_eq!(config.mode, Mode::DryRun);
    let again: RateLimitConfig =
        serde_json::from_str(&serde_json::to_string(&config).unwrap()).unwrap();
    assert_eq!(again, config);
    let limiter = RateLimiter::<u32>::builder()
        .config(config)
        .build()
        .unwrap();
    assert_eq!(limiter.mode(), Mode::DryRun);
}

#[test]
fn bad_configs_are_refused_with_the_reason() {
    let err = serde_json::from_str::<RateLimitConfig>(r#"{"global": "10/fortnight"}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown unit `fortnight`"), "{err}");
    let err = serde_json::from_str::<RateLimitConfig>(r#"{"globl": "10/s"}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `globl`"), "{err}");
    let err = serde_json::from_str::<RateLimitConfig>("{\n  \"global\": 10\n}").unwrap_err();
    assert_eq!((err.line(), err.column()), (2, 14), "{err}");
}

#[test]
fn breaker_config_from_json() {
    let config: BreakerConfig = serde_json::from_str(
        r#"{"sliding_window": {"seconds": 30}, "minimum_calls": 20,
            "failure_rate_threshold": 25.0,
            "slow_call_duration": {"secs": 2, "nanos": 0},
            "wait_in_open": {"secs": 10, "nanos": 0}, "half_open_calls": 3,
            "max_wait_in_half_open": {"secs": 60, "nanos": 0}}"#,
    )
    .unwrap();
    assert_eq!(config.sliding_window, SlidingWindow::Seconds(30));
    assert_eq!(config.slow_call_duration, Duration::from_secs(2));
    assert_eq!(config.slow_call_rate_threshold, 100.0, "default kept");
    CircuitBreaker::builder().config(config).build().unwrap();
    let bad: BreakerConfig = serde_json::from_str(r#"{"failure_rate_threshold": 0.0}"#).unwrap();
    let err = CircuitBreaker::builder().config(bad).build().unwrap_err();
    assert!(err.to_string().contains("failure_rate_threshold"), "{err}");
}
