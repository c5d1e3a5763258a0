//! Replays the `shell_assess` and `policy_load` fuzz targets' committed seed corpora and
//! regressions (`fuzz/corpus/TARGET`, `fuzz/regressions/TARGET`) through the targets' own
//! checks, as ordinary tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

#[path = "../../../fuzz/checks/policy_load.rs"]
mod policy_load;
#[path = "../../../fuzz/checks/replay.rs"]
mod replay;
#[path = "../../../fuzz/checks/shell_assess.rs"]
mod shell_assess;

#[test]
fn shell_assess_inputs_replay() {
    for (_, data) in replay::inputs(env!("CARGO_MANIFEST_DIR"), "shell_assess") {
        shell_assess::check(&data);
    }
}

#[test]
fn policy_load_inputs_replay() {
    for (_, data) in replay::inputs(env!("CARGO_MANIFEST_DIR"), "policy_load") {
        policy_load::check(&data);
    }
}
