//! Replays the `path_sanitize` and `path_resolve` fuzz targets' committed seed corpora and
//! regressions (`fuzz/corpus/TARGET`, `fuzz/regressions/TARGET`) through the targets' own
//! checks, as ordinary tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

#[cfg(unix)]
#[path = "../../../fuzz/checks/path_resolve.rs"]
mod path_resolve;
#[path = "../../../fuzz/checks/path_sanitize.rs"]
mod path_sanitize;
#[path = "../../../fuzz/checks/replay.rs"]
mod replay;

#[test]
fn path_sanitize_inputs_replay() {
    let inputs = replay::inputs(env!("CARGO_MANIFEST_DIR"), "path_sanitize");
    assert!(inputs.len() >= 10, "the seed corpus is committed");
    for (name, data) in inputs {
        let result = std::panic::catch_unwind(|| path_sanitize::check(&data));
        assert!(result.is_ok(), "{name}");
    }
}

#[cfg(unix)]
#[test]
fn path_resolve_inputs_replay() {
    let inputs = replay::inputs(env!("CARGO_MANIFEST_DIR"), "path_resolve");
    assert!(inputs.len() >= 10, "the seed corpus is committed");
    for (_, data) in inputs {
        path_resolve::check(&data);
    }
}
