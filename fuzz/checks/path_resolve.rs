//! palisade-path's filesystem layer on arbitrary paths in a fixed tree of directories and
//! symbolic links (targets that climb, absolute ones, loops): nothing outside the root is
//! ever opened or named, in reject or clamp mode, and the resolvers agree.
//!
//! Shared by the fuzz target and the crate's `tests/fuzz_replay.rs` (see `fuzz/checks/README.md`).

use std::collections::HashSet;
use std::os::unix::fs::{MetadataExt as _, symlink};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use palisade_path::{Error, ErrorKind, OpenOptions, ResolveMode, Resolver, Root};

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

/// What an error says for the comparison: its kind, or that the kernel kept answering
/// `EAGAIN` because something elsewhere on the system was renamed during every attempt (the
/// documented `io` error whose source is `EAGAIN`; not a verdict on the path, and it happens
/// when other processes rename while the fuzzer runs).
#[derive(Debug, PartialEq)]
enum Verdict {
    Kind(ErrorKind),
    Contended,
}

fn verdict(err: &Error) -> Verdict {
    let eagain = std::error::Error::source(err)
        .and_then(|source| source.downcast_ref::<std::io::Error>())
        .is_some_and(|io| io.kind() == std::io::ErrorKind::WouldBlock);
    if err.kind() == ErrorKind::Io && eagain {
        Verdict::Contended
    } else {
        Verdict::Kind(err.kind())
    }
}

/// Whether the portable walk's outcome (`walk`) and the automatic resolver's (`auto`,
/// openat2 on Linux) agree: the same success, or the same error kind. The only exception:
/// openat2 gave up because of renames elsewhere (it never returns the walk's success then,
/// by design). The kernel's own link counting (`ELOOP` for 21 links and then `..` above the
/// root, found by fuzzing) is explained by the walk and must agree.
fn same_outcome<T: PartialEq>(walk: &Result<T, Verdict>, auto: &Result<T, Verdict>) -> bool {
    matches!(auto, Err(Verdict::Contended)) || walk == auto
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
                .map_err(verdict),
            auto.resolve(input)
                .map(|r| (r.path, r.exists))
                .map_err(|e| verdict(&e)),
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
            by_walk.as_ref().map(id).map_err(verdict),
            by_auto.as_ref().map(id).map_err(verdict),
        );
        assert!(
            same_outcome(&left, &right),
            "resolvers disagree on `{input}`: {left:?} vs {right:?}"
        );
    }
}
