//! Replays the committed fuzz seed corpus and any regression inputs
//! (`fuzz/corpus/path_sanitize`, `fuzz/regressions/path_sanitize`) through the same
//! invariants the `path_sanitize` fuzz target asserts, as an ordinary test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use std::path::{Component, Path, PathBuf};

use palisade_path::{Profile, Sanitizer};

fn inputs(kind: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(kind)
        .join("path_sanitize");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .map(|entry| {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

fn check(data: &[u8]) {
    for profile in [Profile::StrictPortable, Profile::Unix] {
        let sanitizer = Sanitizer::builder().profile(profile).build().unwrap();
        let Ok(path) = sanitizer.sanitize_bytes(data) else {
            continue;
        };
        let text = path.as_str();
        assert!(!text.is_empty() && !text.starts_with('/') && !text.contains('\0'));
        if !path.is_root() {
            assert!(
                path.components()
                    .all(|c| !c.is_empty() && c != "." && c != "..")
            );
        }
        if profile == Profile::StrictPortable {
            assert!(!text.contains('\\') && !text.contains(':'));
        }
        assert_eq!(sanitizer.sanitize(text).unwrap(), path);
        let root = Path::new("/srv/root");
        let joined = root.join(path.to_path_buf());
        assert!(
            joined
                .components()
                .skip(root.components().count())
                .all(|c| matches!(c, Component::Normal(_)))
        );
    }
}

#[test]
fn seed_corpus_and_regressions_hold_the_invariants() {
    let seeds = inputs("corpus");
    assert!(
        seeds.len() >= 10,
        "the seed corpus is committed: {}",
        seeds.len()
    );
    for (path, bytes) in seeds.iter().chain(inputs("regressions").iter()) {
        let result = std::panic::catch_unwind(|| check(bytes));
        assert!(result.is_ok(), "{}", path.display());
    }
}
