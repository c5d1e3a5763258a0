//! Properties of the lexical layer over hostile generated inputs (issue 3).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "property tests fail loudly"
)]

use std::path::{Component, Path};

use palisade_path::{Profile, Sanitizer};
use proptest::prelude::*;

/// Pieces attackers combine: separators, dots, escapes, prefixes, look-alikes, invisibles.
fn hostile_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_owned()),
        Just("b.txt".to_owned()),
        Just("..".to_owned()),
        Just(".".to_owned()),
        Just("/".to_owned()),
        Just("\\".to_owned()),
        Just("%2e".to_owned()),
        Just("%2f".to_owned()),
        Just("%25".to_owned()),
        Just("%".to_owned()),
        Just("C:".to_owned()),
        Just("con".to_owned()),
        Just("\u{ff0f}".to_owned()),
        Just("\u{2024}".to_owned()),
        Just("\u{200b}".to_owned()),
        Just(" ".to_owned()),
        Just("\0".to_owned()),
        any::<char>().prop_map(String::from),
    ]
}

fn hostile_path() -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_piece(), 0..14).prop_map(|pieces| pieces.concat())
}

fn profiles() -> impl Strategy<Value = Profile> {
    prop_oneof![Just(Profile::StrictPortable), Just(Profile::Unix)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn output_is_relative_and_has_no_dot_segments(input in hostile_path(), profile in profiles()) {
        let sanitizer = Sanitizer::builder().profile(profile).build().unwrap();
        if let Ok(path) = sanitizer.sanitize(&input) {
            let s = path.as_str();
            prop_assert!(!s.starts_with('/'));
            prop_assert!(!s.is_empty());
            if profile == Profile::StrictPortable {
                prop_assert!(!s.starts_with('\\'));
                prop_assert!(!s.contains('\\'));
            }
            if !path.is_root() {
                prop_assert!(path.components().all(|c| !c.is_empty() && c != "." && c != ".."));
            }
            prop_assert!(!s.contains('\0'));
        }
    }

    #[test]
    fn sanitizing_is_idempotent(input in hostile_path(), profile in profiles()) {
        let sanitizer = Sanitizer::builder().profile(profile).build().unwrap();
        if let Ok(path) = sanitizer.sanitize(&input) {
            let again = sanitizer.sanitize(path.as_str()).unwrap();
            prop_assert_eq!(again, path);
        }
    }

    #[test]
    fn joined_to_the_root_it_stays_under_the_root(input in hostile_path(), profile in profiles()) {
        let sanitizer = Sanitizer::builder().profile(profile).build().unwrap();
        if let Ok(path) = sanitizer.sanitize(&input) {
            let root = Path::new("/srv/root");
            let joined = root.join(path.to_path_buf());
            prop_assert!(joined.starts_with(root));
            prop_assert!(joined
                .components()
                .skip(root.components().count())
                .all(|c| matches!(c, Component::Normal(_))));
        }
    }

    #[test]
    fn bytes_and_str_agree(input in hostile_path()) {
        let sanitizer = Sanitizer::new();
        let from_str = sanitizer.sanitize(&input).map_err(|e| e.kind());
        let from_bytes = sanitizer.sanitize_bytes(input.as_bytes()).map_err(|e| e.kind());
        prop_assert_eq!(from_str, from_bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(input in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = Sanitizer::new().sanitize_bytes(&input);
        let _ = Sanitizer::unix().sanitize_bytes(&input);
    }
}
