//! palisade-path's filesystem layer on arbitrary paths in a fixed tree of directories and
//! symbolic links (targets that climb, absolute ones, loops): nothing outside the root is
//! ever opened or named, in reject or clamp mode, and the resolvers agree.
//!
//! Shared by the fuzz target and the crate's `tests/fuzz_replay.rs` (see `fuzz/checks/README.md`).

use std::collections::HashSet;
use std::os::unix::fs::{MetadataExt as _, symlink};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use palisade_path::{ErrorKind, OpenOptions, ResolveMode, Resolver, Root};

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    inside: HashSet<(u64, u64)>,
    roots: Vec<(Root, Root)>,
}

fn identities_inside(root: &Path) -> HashSet<(u64, u64)> {
    let mut ids = HashSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let meta = std::fs::symlink_metadata(&dir).unwrap();
        ids.insert((meta.dev(), meta.ino()));
        for entry in std::fs::read_dir(&dir).unwrap() {
            let meta = std::fs::symlink_metadata(entry.unwrap().path()).unwrap();
            ids.insert((meta.dev(), meta.ino()));
        }
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if std::fs::symlink_metadata(&path).unwrap().is_dir() {
                stack.push(path);
            }
        }
    }
    ids
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(outside.join("a/b")).unwrap();
        std::fs::write(outside.join("f"), "outside").unwrap();
        for d in ["a", "a/b", "c", "a/b/d", "etc"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
            std::fs::write(root.join(d).join("f"), "inside").unwrap();
        }
        for (target, link) in [
            ("..", "a/up"),
            ("../../..", "a/b/up3"),
            ("/", "abs_root"),
            ("/etc", "c/abs_etc"),
            ("../outside", "out"),
            ("a/b", "ab"),
            ("loop", "loop"),
            ("/../../..", "c/garbage"),
            ("d/../../..", "a/b/mixed"),
            ("f", "a/flink"),
        ] {
            symlink(target, root.join(link)).unwrap();
        }
        let inside = identities_inside(&root);
        let roots = [ResolveMode::Reject, ResolveMode::Clamp]
            .into_iter()
            .map(|mode| {
                let walk = Root::options()
                    .mode(mode)
                    .resolver(Resolver::Portable)
                    .open(&root)
                    .unwrap();
                let auto = Root::options().mode(mode).open(&root).unwrap();
                (walk, auto)
            })
            .collect();
        Fixture {
            _dir: dir,
            root,
            inside,
            roots,
        }
    })
}

/// Whether two resolvers' outcomes agree: the same success, or the same error kind. One
/// exception: openat2 may report a loop (`ELOOP`) for a path with fewer than 40 links where the
/// portable walk reports the real error (found by fuzzing: the kernel refused 27 links, then
/// `..` above the root, with `ELOOP`; presumably its link count is not reset when a lookup is
/// retried in ref-walk mode after RCU-walk mode gave up). Both refuse; only the reason differs.
fn same_outcome<T: PartialEq>(left: &Result<T, ErrorKind>, right: &Result<T, ErrorKind>) -> bool {
    match (left, right) {
        (Err(a), Err(b)) if *a == ErrorKind::SymlinkLoop || *b == ErrorKind::SymlinkLoop => true,
        _ => left == right,
    }
}

/// Runs the target's checks on one input; panics if an invariant is broken.
pub fn check(data: &[u8]) {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let fixture = fixture();
    let options = OpenOptions::new().follow_final_symlink(true);
    for (walk, auto) in &fixture.roots {
        let resolved_by_walk = walk.resolve(input);
        let (left, right) = (
            resolved_by_walk
                .as_ref()
                .map(|r| (r.path.clone(), r.exists))
                .map_err(|e| e.kind()),
            auto.resolve(input)
                .map(|r| (r.path, r.exists))
                .map_err(|e| e.kind()),
        );
        assert!(
            same_outcome(&left, &right),
            "resolvers disagree on resolving `{input}`: {left:?} vs {right:?}"
        );
        if let Ok(resolved) = resolved_by_walk {
            let name = resolved.path.as_str();
            assert!(!name.starts_with('/') && !name.split('/').any(|c| c == ".."));
            if resolved.exists {
                let meta =
                    std::fs::symlink_metadata(fixture.root.join(resolved.path.to_path_buf()))
                        .unwrap();
                assert!(fixture.inside.contains(&(meta.dev(), meta.ino())));
            }
        }
        let by_walk = walk.open(input, &options);
        let by_auto = auto.open(input, &options);
        let id = |file: &std::fs::File| {
            let meta = file.metadata().unwrap();
            (meta.dev(), meta.ino())
        };
        for file in [&by_walk, &by_auto].into_iter().flatten() {
            assert!(fixture.inside.contains(&id(file)), "`{input}` escaped");
        }
        let (left, right) = (
            by_walk.as_ref().map(id).map_err(|e| e.kind()),
            by_auto.as_ref().map(id).map_err(|e| e.kind()),
        );
        assert!(
            same_outcome(&left, &right),
            "resolvers disagree on `{input}`: {left:?} vs {right:?}"
        );
    }
}
