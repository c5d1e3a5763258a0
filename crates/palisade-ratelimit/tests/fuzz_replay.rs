//! Replays the `ratelimit_quota` and `ratelimit_config` fuzz targets' seed corpora and committed
//! regressions with the targets' own checks, as ordinary tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

#[cfg(feature = "serde")]
#[path = "../../../fuzz/checks/ratelimit_config.rs"]
mod ratelimit_config;
#[path = "../../../fuzz/checks/ratelimit_quota.rs"]
mod ratelimit_quota;
#[path = "../../../fuzz/checks/replay.rs"]
mod replay;

#[test]
fn ratelimit_quota_inputs_replay() {
    for (_, data) in replay::inputs(env!("CARGO_MANIFEST_DIR"), "ratelimit_quota") {
        ratelimit_quota::check(&data);
    }
}

#[cfg(feature = "serde")]
#[test]
fn ratelimit_config_inputs_replay() {
    for (_, data) in replay::inputs(env!("CARGO_MANIFEST_DIR"), "ratelimit_config") {
        ratelimit_config::check(&data);
    }
}
