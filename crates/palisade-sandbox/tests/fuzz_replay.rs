//! Replays the `sandbox_http_policy` fuzz target's seed corpus and committed regressions (crashes
//! found by fuzzing, fixed since) with the target's own checks, as an ordinary test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

#[path = "../../../fuzz/checks/replay.rs"]
mod replay;
#[path = "../../../fuzz/checks/sandbox_http_policy.rs"]
mod sandbox_http_policy;

#[test]
fn sandbox_http_policy_inputs_replay() {
    let inputs = replay::inputs(env!("CARGO_MANIFEST_DIR"), "sandbox_http_policy");
    // Two crashes found by fuzzing are committed under fuzz/regressions; they must be replayed.
    assert!(
        inputs
            .iter()
            .filter(|(name, _)| name.starts_with("crash-"))
            .count()
            >= 2
    );
    for (_, data) in inputs {
        sandbox_http_policy::check(&data);
    }
}
