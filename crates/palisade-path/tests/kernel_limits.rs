//! Where the `openat2` resolver could answer differently from the portable walk because of
//! how the kernel works rather than what the path means, on real trees: the kernel's link
//! count across a restarted look-up, `EAGAIN` while something elsewhere on the system is
//! renamed, and a symbolic link budget other than the kernel's 40. Every case runs through
//! each resolver and is compared with the expected answer, not only with the other resolver.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use std::os::unix::fs::symlink;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use palisade_path::{Error, ErrorKind, OpenOptions, ResolveMode, Resolver, Root};

fn resolvers() -> Vec<Resolver> {
    let mut all = vec![Resolver::Portable, Resolver::PortableCap];
    if cfg!(target_os = "linux") {
        all.push(Resolver::Openat2);
    }
    all
}

fn open_root(path: &Path, resolver: Resolver, mode: ResolveMode) -> Root {
    Root::options()
        .resolver(resolver)
        .mode(mode)
        .open(path)
        .unwrap()
}

/// `root/` with `a/`, `s -> .` and `up -> ..`.
fn self_links() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("a")).unwrap();
    symlink(".", root.join("s")).unwrap();
    symlink("..", root.join("up")).unwrap();
    dir
}

/// The kernel counts the links of a look-up it restarts twice: RCU-walk gives up (`ECHILD`)
/// at a `..` above the root under `RESOLVE_BENEATH`, and ref-walk starts again with the links
/// already counted, so 21 links and then `..` were `ELOOP` (`symlink_loop`) with openat2 but
/// `traversal` with the walk. Found by fuzzing (`path_resolve`); the answer is the walk's
/// reason for the refusal, for every resolver.
#[test]
fn links_then_dotdot_above_the_root_is_traversal_for_every_resolver() {
    let dir = self_links();
    let root_path = dir.path().join("root");
    for resolver in resolvers() {
        let root = open_root(&root_path, resolver, ResolveMode::Reject);
        for links in [1, 20, 21, 25, 39, 40] {
            let kind = |result: Result<(), Error>| result.map_err(|err| err.kind());
            let dotdot = format!("{}..", "s/".repeat(links));
            assert_eq!(
                kind(root.resolve(&dotdot).map(drop)),
                Err(ErrorKind::Traversal),
                "{resolver:?}: resolve {links} links then `..`"
            );
            let under = format!("{dotdot}/etc/passwd");
            assert_eq!(
                kind(root.open(&under, &OpenOptions::new()).map(drop)),
                Err(ErrorKind::Traversal),
                "{resolver:?}: open {links} links then `..`"
            );
            assert_eq!(
                kind(root.create_dir_all(&format!("{dotdot}/made")).map(drop)),
                Err(ErrorKind::Traversal),
                "{resolver:?}: create_dir_all {links} links then `..`"
            );
            // The `..` comes from a link's target: an escape through that link.
            let through_link = format!("{}up", "s/".repeat(links - 1));
            assert_eq!(
                kind(root.resolve(&through_link).map(drop)),
                Err(ErrorKind::SymlinkEscape),
                "{resolver:?}: {links} links, the last climbing out"
            );
            // Without the `..`, the same links are fine, and a missing tail is allowed.
            let fine = root
                .resolve(&format!("{}a/missing", "s/".repeat(links)))
                .unwrap();
            assert_eq!(fine.path.as_str(), "a/missing", "{resolver:?}");
            assert!(!fine.exists);
        }
        // 41 links exceed the budget, with or without `..` after them.
        for input in [
            format!("{}a", "s/".repeat(41)),
            format!("{}..", "s/".repeat(41)),
        ] {
            assert_eq!(
                root.resolve(&input).unwrap_err().kind(),
                ErrorKind::SymlinkLoop,
                "{resolver:?}: `{input}`"
            );
        }
        assert!(!root_path.join("made").exists());
        assert!(!dir.path().join("made").exists());
    }
    // In clamp mode `..` at the root stays there: no refusal at all. openat2 may give up with
    // the documented contention error while `renames_elsewhere_never_change_the_answer`
    // renames in a loop on another thread of this test binary (it did, in a CI rehearsal):
    // the look-up is tried again then, and must resolve.
    for resolver in resolvers() {
        let root = open_root(&root_path, resolver, ResolveMode::Clamp);
        for links in [21, 40] {
            let input = format!("{}../a", "s/".repeat(links));
            let mut attempts = 0;
            let resolved = loop {
                match root.resolve(&input) {
                    Err(err) if resolver == Resolver::Openat2 && is_contention(&err) => {
                        attempts += 1;
                        assert!(attempts < 100, "{resolver:?}: contended 100 times: {err}");
                        std::thread::sleep(std::time::Duration::from_millis(20));
                    }
                    other => break other.unwrap(),
                }
            };
            assert_eq!(resolved.path.as_str(), "a", "{resolver:?}");
            assert!(resolved.exists);
        }
    }
}

/// A symbolic link as the last component is still `symlink_loop` for `open` without
/// `follow_final_symlink`, whatever the link points at (the walk's explanation of `ELOOP`
/// must not turn it into the target's verdict).
#[test]
fn a_final_link_is_symlink_loop_when_not_followed() {
    let dir = self_links();
    let root_path = dir.path().join("root");
    symlink("/etc/passwd", root_path.join("abs")).unwrap();
    symlink("../outside", root_path.join("climbs")).unwrap();
    for resolver in resolvers() {
        let root = open_root(&root_path, resolver, ResolveMode::Reject);
        for input in ["s", "up", "abs", "climbs", "s/s/s/abs"] {
            assert_eq!(
                root.open(input, &OpenOptions::new()).unwrap_err().kind(),
                ErrorKind::SymlinkLoop,
                "{resolver:?}: `{input}`"
            );
        }
    }
}

/// Renames a directory outside the root back and forth until stopped. Any rename on the
/// system makes the kernel answer `EAGAIN` to a scoped look-up that steps through `..`
/// meanwhile (fs/namei.c `handle_dots`: `rename_lock` changed).
fn rename_storm(dir: &Path) -> (Arc<AtomicBool>, std::thread::JoinHandle<usize>) {
    let (from, to) = (dir.join("storm-x"), dir.join("storm-y"));
    std::fs::create_dir(&from).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let handle = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut renames = 0;
            while !stop.load(Ordering::Relaxed) {
                std::fs::rename(&from, &to).unwrap();
                std::fs::rename(&to, &from).unwrap();
                renames += 2;
            }
            renames
        })
    };
    (stop, handle)
}

/// Whether `err` is the documented "the kernel kept answering EAGAIN" error: `io`, with
/// the `EAGAIN` I/O error as its source.
fn is_contention(err: &Error) -> bool {
    err.kind() == ErrorKind::Io
        && std::error::Error::source(err)
            .and_then(|source| source.downcast_ref::<std::io::Error>())
            .is_some_and(|io| io.kind() == std::io::ErrorKind::WouldBlock)
}

/// While something outside the root is renamed in a loop, a refusal stays the same refusal
/// for every resolver (openat2's `EAGAIN`, retried until its bound, is explained by the
/// walk), and a path that resolves either resolves to the same answer or, with openat2
/// only, fails with the documented contention error; never anything else.
#[test]
fn renames_elsewhere_never_change_the_answer() {
    let dir = self_links();
    let root_path = dir.path().join("root");
    std::fs::create_dir_all(root_path.join("a/b/d")).unwrap();
    symlink("a/b", root_path.join("ab")).unwrap();
    symlink("d/../../..", root_path.join("a/b/mixed")).unwrap();
    // The `path_resolve` fuzz input: 23 links whose targets climb back to the root, 36 `..`
    // steps, then a missing name.
    let fuzzed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/regressions/path_resolve/crash-6f09253ecf89e13d4005b203591c9b8c4f8eb2cf"
    ))
    .unwrap();
    // A refusal behind many `..` steps: each attempt has a wide window for a rename.
    let refused = format!("{}..", "a/b/d/../../../".repeat(40));
    let (stop, storm) = rename_storm(dir.path());
    let mut contended = 0;
    for resolver in resolvers() {
        let root = open_root(&root_path, resolver, ResolveMode::Reject);
        for _ in 0..300 {
            match root.resolve(&fuzzed) {
                Ok(resolved) => {
                    assert_eq!(resolved.path.as_str(), "\u{144dd}", "{resolver:?}");
                    assert!(!resolved.exists, "{resolver:?}");
                }
                Err(err) if resolver == Resolver::Openat2 && is_contention(&err) => {
                    contended += 1;
                }
                Err(err) => panic!("{resolver:?}: `{fuzzed}`: {err}"),
            }
            assert_eq!(
                root.resolve(&refused).unwrap_err().kind(),
                ErrorKind::Traversal,
                "{resolver:?}"
            );
        }
    }
    stop.store(true, Ordering::Relaxed);
    let renames = storm.join().unwrap();
    assert!(renames > 0, "the storm never ran");
    eprintln!("{renames} renames; openat2 gave up on the fuzz input {contended} times");
}

/// The kernel's limit of 40 links cannot be changed: another budget is honoured by the
/// portable walk (`Auto` picks it), and `Openat2` refuses to pretend.
#[test]
fn another_symlink_budget_is_honoured_or_refused() {
    let dir = self_links();
    let root_path = dir.path().join("root");
    for budget in [3, 60] {
        let root = Root::options()
            .symlink_budget(budget)
            .open(&root_path)
            .unwrap();
        assert!(!root.uses_openat2());
        let within = format!("{}a", "s/".repeat(budget));
        assert_eq!(root.resolve(&within).unwrap().path.as_str(), "a");
        let beyond = format!("{}a", "s/".repeat(budget + 1));
        assert_eq!(
            root.resolve(&beyond).unwrap_err().kind(),
            ErrorKind::SymlinkLoop
        );
        if cfg!(target_os = "linux") {
            let refused = Root::options()
                .resolver(Resolver::Openat2)
                .symlink_budget(budget)
                .open(&root_path);
            assert!(refused.is_err());
        }
    }
    let default = Root::options().symlink_budget(40).open(&root_path).unwrap();
    assert_eq!(default.uses_openat2(), cfg!(target_os = "linux"));
}
