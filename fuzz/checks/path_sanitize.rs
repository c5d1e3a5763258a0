//! palisade-path's lexical layer on arbitrary bytes: never panics, and every accepted path is
//! relative, free of dot segments, stable under a second pass, and stays under a root when
//! joined to it.
//!
//! Shared by the fuzz target and the crate's `tests/fuzz_replay.rs` (see `fuzz/checks/README.md`).

use std::path::{Component, Path};

use palisade_path::{Profile, Sanitizer};

/// Runs the target's checks on one input; panics if an invariant is broken.
pub fn check(data: &[u8]) {
    for profile in [Profile::StrictPortable, Profile::Unix] {
        let sanitizer = Sanitizer::builder().profile(profile).build().unwrap();
        let Ok(path) = sanitizer.sanitize_bytes(data) else {
            continue;
        };
        let text = path.as_str();
        assert!(!text.is_empty());
        assert!(!text.starts_with('/'));
        assert!(!text.contains('\0'));
        if !path.is_root() {
            assert!(
                path.components()
                    .all(|c| !c.is_empty() && c != "." && c != "..")
            );
        }
        if profile == Profile::StrictPortable {
            assert!(!text.contains('\\') && !text.contains(':'));
        }
        assert_eq!(sanitizer.sanitize(text).unwrap(), path, "not idempotent");
        let root = Path::new("/srv/root");
        let joined = root.join(path.to_path_buf());
        assert!(joined.starts_with(root));
        assert!(
            joined
                .components()
                .skip(root.components().count())
                .all(|c| matches!(c, Component::Normal(_)))
        );
    }
}
