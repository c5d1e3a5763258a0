//! Property (issue 3): in a generated tree of directories and symbolic links (targets that
//! climb, absolute ones, loops), resolving or opening any generated path never reaches
//! anything outside the root, in either mode; and the two resolvers agree.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "property tests fail loudly"
)]

mod support;

use std::collections::HashSet;
use std::os::unix::fs::{MetadataExt as _, symlink};
use std::path::Path;

use palisade_path::{OpenOptions, ResolveMode, Resolver, Root};
use proptest::prelude::*;

const DIRS: &[&str] = &["a", "a/b", "c", "a/b/d"];
const LINK_TARGETS: &[&str] = &[
    "..",
    "../..",
    "../../..",
    "/",
    "/a",
    "a/b",
    "../a",
    ".",
    "l0",
    "l1",
    "/../..",
    "b/../..",
    "../outside",
    "/c/../..",
    "f",
    "../f",
    "d/../../..",
];
const NAMES: &[&str] = &[
    "a", "b", "c", "d", "f", "l0", "l1", "l2", "..", ".", "outside",
];

fn identities_inside(root: &Path) -> HashSet<(u64, u64)> {
    let mut ids = HashSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let meta = std::fs::symlink_metadata(&dir).unwrap();
        ids.insert((meta.dev(), meta.ino()));
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let meta = std::fs::symlink_metadata(entry.path()).unwrap();
            ids.insert((meta.dev(), meta.ino()));
            if meta.is_dir() {
                stack.push(entry.path());
            }
        }
    }
    ids
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn nothing_outside_is_ever_reached(
        links in prop::collection::vec((0..DIRS.len() + 1, 0..3usize, 0..LINK_TARGETS.len()), 1..6),
        paths in prop::collection::vec(prop::collection::vec(0..NAMES.len(), 1..7), 1..12),
        leading_slash in any::<bool>(),
        trailing_slash in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let root_path = dir.path().join("root");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(outside.join("a/b")).unwrap();
        std::fs::write(outside.join("f"), "outside").unwrap();
        for d in DIRS {
            std::fs::create_dir_all(root_path.join(d)).unwrap();
            std::fs::write(root_path.join(d).join("f"), "inside").unwrap();
        }
        for (place, name, target) in &links {
            let parent = if *place == DIRS.len() { root_path.clone() } else { root_path.join(DIRS[*place]) };
            let _ = symlink(LINK_TARGETS[*target], parent.join(format!("l{name}")));
        }
        let inside = identities_inside(&root_path);
        for mode in [ResolveMode::Reject, ResolveMode::Clamp] {
            let portable = Root::options().mode(mode).resolver(Resolver::Portable).open(&root_path).unwrap();
            let auto = Root::options().mode(mode).open(&root_path).unwrap();
            let cap = Root::options().mode(mode).resolver(Resolver::PortableCap).open(&root_path).unwrap();
            for names in &paths {
                let mut input: String = names.iter().map(|&i| NAMES[i]).collect::<Vec<_>>().join("/");
                if leading_slash {
                    input.insert(0, '/');
                }
                if trailing_slash {
                    input.push('/');
                }
                // `resolve` agrees between the portable walk and openat2 (when Auto picks
                // it): same real path and existence, or the same error kind.
                let resolved_by_auto = auto.resolve(&input);
                prop_assert_eq!(
                    portable.resolve(&input).map(|r| (r.path, r.exists)).map_err(|e| e.kind()),
                    resolved_by_auto.as_ref().map(|r| (r.path.clone(), r.exists)).map_err(|e| e.kind()),
                    "{} {:?}: resolvers disagree on resolve", input, mode
                );
                prop_assert_eq!(
                    cap.resolve(&input).map(|r| (r.path, r.exists)).map_err(|e| e.kind()),
                    resolved_by_auto.as_ref().map(|r| (r.path.clone(), r.exists)).map_err(|e| e.kind()),
                    "{} {:?}: cap-primitives steps disagree on resolve", input, mode
                );
                if let Ok(resolved) = portable.resolve(&input) {
                    let name = resolved.path.as_str();
                    prop_assert!(!name.starts_with('/'));
                    prop_assert!(!name.split('/').any(|c| c == ".."));
                    if resolved.exists {
                        let meta = std::fs::symlink_metadata(root_path.join(resolved.path.to_path_buf())).unwrap();
                        prop_assert!(inside.contains(&(meta.dev(), meta.ino())), "{input}: {name}");
                    }
                }
                let options = OpenOptions::new().follow_final_symlink(true);
                let by_walk = portable.open(&input, &options);
                let by_auto = auto.open(&input, &options);
                let by_cap = cap.open(&input, &options);
                for file in [&by_walk, &by_auto, &by_cap].into_iter().flatten() {
                    prop_assert!(inside.contains(&support::file_identity(file)), "{input} {mode:?} escaped");
                }
                prop_assert_eq!(
                    by_walk.as_ref().map(support::file_identity).map_err(|e| e.kind()),
                    by_auto.as_ref().map(support::file_identity).map_err(|e| e.kind()),
                    "{} {:?}: resolvers disagree", input, mode
                );
                prop_assert_eq!(
                    by_cap.as_ref().map(support::file_identity).map_err(|e| e.kind()),
                    by_auto.as_ref().map(support::file_identity).map_err(|e| e.kind()),
                    "{} {:?}: cap-primitives steps disagree", input, mode
                );
            }
        }
    }
}
