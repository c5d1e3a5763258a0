//! Race tests (issue 3): while one thread swaps a directory inside the root with a symbolic
//! link to a directory outside it (`renameat2(RENAME_EXCHANGE)`), other work resolves and
//! opens paths through it thousands of times. No opened file may ever be the outside one,
//! and no resolved name may ever leave the root. Both resolvers, both modes.
#![cfg(target_os = "linux")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

mod support;

use std::os::unix::fs::symlink;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use palisade_path::{ErrorKind, HandleCheck, OpenOptions, ResolveMode, Resolver, Root};
use rustix::fs::{CWD, RenameFlags, renameat_with};

const ATTEMPTS: usize = 3000;

struct Arena {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
    inside: (u64, u64),
    outside: (u64, u64),
}

fn arena() -> Arena {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(root.join("inside_dir")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(root.join("inside_dir/file"), "inside").unwrap();
    std::fs::write(outside.join("file"), "outside").unwrap();
    symlink(&outside, root.join("swap")).unwrap();
    let inside = support::identity(&root.join("inside_dir/file"));
    let outside = support::identity(&outside.join("file"));
    Arena {
        _dir: dir,
        root,
        inside,
        outside,
    }
}

/// Runs `work` while another thread exchanges `inside_dir` and `swap` as fast as it can.
fn under_attack(arena: &Arena, work: impl FnOnce()) -> usize {
    let stop = Arc::new(AtomicBool::new(false));
    let swaps = Arc::new(AtomicUsize::new(0));
    let attacker = {
        let stop = Arc::clone(&stop);
        let swaps = Arc::clone(&swaps);
        let a = arena.root.join("inside_dir");
        let b = arena.root.join("swap");
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                renameat_with(CWD, &a, CWD, &b, RenameFlags::EXCHANGE).unwrap();
                swaps.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    // On a loaded machine the attacker may start late: let it swap before the work begins.
    while swaps.load(Ordering::Relaxed) < 2 {
        std::thread::yield_now();
    }
    work();
    stop.store(true, Ordering::Relaxed);
    attacker.join().unwrap();
    swaps.load(Ordering::Relaxed)
}

fn race(resolver: Resolver, mode: ResolveMode) {
    let arena = arena();
    let root = Root::options()
        .resolver(resolver)
        .mode(mode)
        .open(&arena.root)
        .unwrap();
    let inputs = [
        "inside_dir/file",
        "inside_dir/../inside_dir/file",
        "inside_dir/./file",
        "swap/file",
    ];
    let mut opened_inside = 0;
    let mut refused = 0;
    let options = OpenOptions::new().follow_final_symlink(true);
    let swaps = under_attack(&arena, || {
        for i in 0..ATTEMPTS {
            let input = inputs[i % inputs.len()];
            match root.open(input, &options) {
                Ok(file) => {
                    let id = support::file_identity(&file);
                    assert_ne!(
                        id, arena.outside,
                        "{resolver:?} {mode:?}: `{input}` escaped"
                    );
                    assert_eq!(id, arena.inside, "{resolver:?} {mode:?}: `{input}`");
                    opened_inside += 1;
                }
                Err(err) => {
                    assert!(
                        matches!(
                            err.kind(),
                            ErrorKind::SymlinkEscape
                                | ErrorKind::NotFound
                                | ErrorKind::Traversal
                                | ErrorKind::NotADirectory
                                | ErrorKind::MovedOutOfRoot
                                | ErrorKind::Io
                        ),
                        "{resolver:?} {mode:?}: `{input}`: unexpected {err}"
                    );
                    refused += 1;
                }
            }
            // A resolved name never leaves the root (it is relative and has no `..`), and
            // when it claims to exist it names the inside file or directory.
            if let Ok(resolved) = root.resolve(input) {
                let name = resolved.path.as_str();
                assert!(!name.starts_with('/') && !name.split('/').any(|c| c == ".."));
            }
        }
    });
    assert!(swaps > 0, "the attacker never ran");
    assert!(
        opened_inside > 0,
        "{resolver:?} {mode:?}: nothing ever opened"
    );
    assert!(opened_inside + refused == ATTEMPTS);
}

#[test]
fn exchange_race_portable_reject() {
    race(Resolver::Portable, ResolveMode::Reject);
}

#[test]
fn exchange_race_portable_clamp() {
    race(Resolver::Portable, ResolveMode::Clamp);
}

#[test]
fn exchange_race_portable_cap_reject() {
    race(Resolver::PortableCap, ResolveMode::Reject);
}

#[test]
fn exchange_race_portable_cap_clamp() {
    race(Resolver::PortableCap, ResolveMode::Clamp);
}

#[test]
fn exchange_race_openat2_reject() {
    race(Resolver::Openat2, ResolveMode::Reject);
}

#[test]
fn exchange_race_openat2_clamp() {
    race(Resolver::Openat2, ResolveMode::Clamp);
}

/// The `..` race: a directory the walk stands in is moved out of the root and back while
/// paths climb out of it with `..`. The portable walk pops its own handles and openat2
/// checks `..` in the kernel, so `..` never lands outside.
fn dotdot_race(resolver: Resolver) {
    let dir = tempfile::tempdir().unwrap();
    let root_path = dir.path().join("root");
    std::fs::create_dir_all(root_path.join("a/b/c")).unwrap();
    std::fs::write(root_path.join("file"), "inside").unwrap();
    let outside_parent = dir.path().join("elsewhere");
    std::fs::create_dir_all(outside_parent.join("x")).unwrap();
    std::fs::write(outside_parent.join("file"), "outside").unwrap();
    std::fs::write(outside_parent.join("x/file"), "outside").unwrap();
    let inside = support::identity(&root_path.join("file"));
    let root = Root::options().resolver(resolver).open(&root_path).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let mover = {
        let stop = Arc::clone(&stop);
        let from = root_path.join("a/b");
        let to = outside_parent.join("b");
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if std::fs::rename(&from, &to).is_ok() {
                    let _ = std::fs::rename(&to, &from);
                }
                // openat2 answers EAGAIN whenever *any* rename ran during a `..` step; leave
                // quiet windows so that some opens can succeed and the test is not vacuous.
                std::thread::sleep(std::time::Duration::from_micros(50));
            }
        })
    };
    let mut opened = 0;
    let mut attempts = 0;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while (attempts < ATTEMPTS || opened == 0) && std::time::Instant::now() < deadline {
        attempts += 1;
        if let Ok(file) = root.open("a/b/c/../../../file", &OpenOptions::new()) {
            assert_eq!(
                support::file_identity(&file),
                inside,
                "{resolver:?}: `..` escaped"
            );
            opened += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    mover.join().unwrap();
    assert!(opened > 0, "{resolver:?}: nothing ever opened");
}

#[test]
fn dotdot_race_portable() {
    dotdot_race(Resolver::Portable);
}

#[test]
fn dotdot_race_portable_cap() {
    dotdot_race(Resolver::PortableCap);
}

#[test]
fn dotdot_race_openat2() {
    dotdot_race(Resolver::Openat2);
}

/// The attack is real: a naive `root.join(input)` + `File::open` under the same exchange loop
/// opens the outside file. (If this ever stops happening, the tests above prove nothing.)
#[test]
fn naive_join_escapes_under_the_same_attack() {
    let arena = arena();
    let mut escaped = 0;
    let mut refused_by_us = 0;
    let root = Root::new(&arena.root).unwrap();
    under_attack(&arena, || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::time::Instant::now() < deadline {
            if let Ok(file) = std::fs::File::open(arena.root.join("inside_dir/file"))
                && support::file_identity(&file) == arena.outside
            {
                escaped += 1;
            }
            if root.open("inside_dir/file", &OpenOptions::new()).is_err() {
                refused_by_us += 1;
            }
            if escaped > 0 && refused_by_us > 0 {
                break;
            }
        }
    });
    assert!(
        escaped > 0,
        "the naive open never escaped: the attack did not run"
    );
    assert!(refused_by_us > 0, "the swap never hit our resolver either");
}

/// CVE-2022-21658: while `remove_dir_all` deletes a tree, a directory in it is exchanged
/// with a symbolic link to a directory outside the root. Files outside must all survive.
fn remove_dir_all_race(resolver: Resolver) {
    const ROUNDS: usize = 20;
    let dir = tempfile::tempdir().unwrap();
    let root_path = dir.path().join("root");
    let outside = dir.path().join("precious");
    std::fs::create_dir_all(&outside).unwrap();
    for i in 0..20 {
        std::fs::write(outside.join(format!("keep{i}")), "keep").unwrap();
    }
    let root = Root::options()
        .resolver(resolver)
        .open(root_path_created(&root_path))
        .unwrap();
    let mut rounds = 0;
    for round in 0..ROUNDS {
        // A fresh victim tree with many entries, so removal takes a while.
        for d in 0..4 {
            let sub = root_path.join(format!("victim/d{d}"));
            std::fs::create_dir_all(&sub).unwrap();
            for f in 0..12 {
                std::fs::write(sub.join(format!("f{f}")), "x").unwrap();
            }
        }
        let swap = root_path.join(format!("swap{round}"));
        symlink(&outside, &swap).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let attacker = {
            let stop = Arc::clone(&stop);
            let a = root_path.join("victim/d2");
            let b = swap.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if renameat_with(CWD, &a, CWD, &b, RenameFlags::EXCHANGE).is_err() {
                        break; // victim/d2 is gone
                    }
                }
            })
        };
        let _ = root.remove_dir_all("victim");
        stop.store(true, Ordering::Relaxed);
        attacker.join().unwrap();
        for i in 0..20 {
            assert!(
                outside.join(format!("keep{i}")).exists(),
                "{resolver:?}: remove_dir_all deleted keep{i} outside the root (round {round})"
            );
        }
        // Clean up whatever is left (the link may have been swapped into the tree).
        let _ = std::fs::remove_file(&swap);
        if std::fs::symlink_metadata(root_path.join("victim/d2"))
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            std::fs::remove_file(root_path.join("victim/d2")).unwrap();
        }
        let _ = root.remove_dir_all("victim");
        let _ = root.remove_dir_all(&format!("swap{round}"));
        rounds += 1;
    }
    assert_eq!(rounds, ROUNDS);
}

fn root_path_created(path: &std::path::Path) -> std::path::PathBuf {
    std::fs::create_dir_all(path).unwrap();
    path.to_path_buf()
}

#[test]
fn remove_dir_all_race_portable() {
    remove_dir_all_race(Resolver::Portable);
}

#[test]
fn remove_dir_all_race_portable_cap() {
    remove_dir_all_race(Resolver::PortableCap);
}

#[test]
fn remove_dir_all_race_openat2() {
    remove_dir_all_race(Resolver::Openat2);
}

/// The move-out race (what libpathrs re-checks the final handle for): a directory that a
/// resolution has already entered is renamed out of the root. While it is outside, the
/// attacker exchanges a directory deep inside it with `xe`, a directory that lives outside
/// the root and is **never** beneath it, then puts everything back. A resolution that keeps
/// descending in the moved directory reaches `xe`, so a handle on `xe/file` (or anything
/// created in `xe`) is an escape, whatever happens afterwards: it was outside the root at
/// every instant. A plain walk of directory handles does not stop this (no `..` is
/// involved), which `unchecked_walk_escapes_when_a_directory_moves_out` shows; the kernel's
/// `openat2` does (it checks the final position itself, see there).
mod move_out {
    use super::*;
    use std::path::PathBuf;

    /// Directories between the moved one and the exchanged one: the longer the walk spends
    /// below `d`, the likelier the attacker acts in the middle of it.
    const DEPTH: usize = 24;

    pub struct Arena {
        pub _dir: tempfile::TempDir,
        pub root: PathBuf,
        pub xe: PathBuf,
        pub input_dir: String,
        pub inside_file: (u64, u64),
        pub outside_file: (u64, u64),
    }

    pub fn arena() -> Arena {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let chain: Vec<String> = (0..DEPTH).map(|i| format!("a{i}")).collect();
        let input_dir = format!("d/{}/e", chain.join("/"));
        std::fs::create_dir_all(root.join(&input_dir)).unwrap();
        std::fs::write(root.join(&input_dir).join("file"), "inside").unwrap();
        // A decoy that takes `d`'s place while `d` is out (create_dir_all would otherwise
        // re-create `d` and the attacker could not move it back).
        std::fs::create_dir_all(dir.path().join("parking/d")).unwrap();
        let xe = dir.path().join("xe");
        std::fs::create_dir_all(&xe).unwrap();
        std::fs::write(xe.join("file"), "outside").unwrap();
        Arena {
            inside_file: support::identity(&root.join(&input_dir).join("file")),
            outside_file: support::identity(&xe.join("file")),
            _dir: dir,
            root,
            xe,
            input_dir,
        }
    }

    /// Moves `d` out (exchanging it with the decoy), exchanges `…/e` with `xe`, exchanges
    /// back, moves `d` in; again and again until `stop`. Returns the number of cycles.
    pub fn attack(arena: &Arena, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<usize> {
        let inside_d = arena.root.join("d");
        let parking = arena.root.parent().unwrap().join("parking");
        let parked_d = parking.join("d");
        let parked_e = parking.join(&arena.input_dir);
        let xe = arena.xe.clone();
        std::thread::spawn(move || {
            let mut cycles = 0;
            while !stop.load(Ordering::Relaxed) {
                let swap = |a: &PathBuf, b: &PathBuf| {
                    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).unwrap();
                };
                swap(&inside_d, &parked_d);
                swap(&parked_e, &xe);
                swap(&parked_e, &xe);
                swap(&inside_d, &parked_d);
                cycles += 1;
                // Leave `d` inside a little longer now and then, so that some resolutions
                // succeed and the test is not vacuous.
                if cycles % 4 == 0 {
                    std::thread::yield_now();
                }
            }
            cycles
        })
    }

    /// The entries of `xe`: only `file`, unless something was created outside the root.
    pub fn xe_entries(arena: &Arena) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&arena.xe)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }
}

const MOVE_OUT_ATTEMPTS: usize = 4000;

fn move_out_race(resolver: Resolver) {
    let arena = move_out::arena();
    let root = Root::options()
        .resolver(resolver)
        .handle_check(HandleCheck::Procfs)
        .open(&arena.root)
        .unwrap();
    let input = format!("{}/file", arena.input_dir);
    let stop = Arc::new(AtomicBool::new(false));
    let attacker = move_out::attack(&arena, Arc::clone(&stop));
    let (mut opened, mut moved_out, mut other) = (0, 0, 0);
    let mut kinds = std::collections::BTreeMap::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut attempt = 0;
    while (attempt < MOVE_OUT_ATTEMPTS || opened == 0) && std::time::Instant::now() < deadline {
        attempt += 1;
        let result = match attempt % 4 {
            0 => root
                .create_dir_all(&format!("{}/made{attempt}", arena.input_dir))
                .map(|_| None),
            1 => root
                .open(
                    &format!("{}/new{attempt}", arena.input_dir),
                    &OpenOptions::new().write(true).create(true),
                )
                .map(|_| None),
            2 => root.resolve(&input).map(|_| None),
            _ => root.open(&input, &OpenOptions::new()).map(Some),
        };
        match result {
            Ok(Some(file)) => {
                let id = support::file_identity(&file);
                assert_ne!(
                    id, arena.outside_file,
                    "{resolver:?}: a handle outside the root was returned (attempt {attempt})"
                );
                assert_eq!(id, arena.inside_file);
                opened += 1;
            }
            Ok(None) => {}
            Err(err) if err.kind() == ErrorKind::MovedOutOfRoot => moved_out += 1,
            Err(err) => {
                // `d` is outside most of the time: not found.
                assert!(
                    matches!(err.kind(), ErrorKind::NotFound | ErrorKind::Io),
                    "{resolver:?}: unexpected {err}"
                );
                *kinds.entry(err.kind()).or_insert(0) += 1;
                other += 1;
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let cycles = attacker.join().unwrap();
    eprintln!(
        "{resolver:?}: {attempt} attempts, {cycles} attack cycles: {opened} opened inside, \
         {moved_out} refused as moved out, {other} other errors {kinds:?}"
    );
    // Nothing was ever created in `xe` (the checks run before creating).
    assert_eq!(move_out::xe_entries(&arena), ["file"], "{resolver:?}");
    assert!(opened > 0, "{resolver:?}: nothing ever opened");
}

#[test]
fn move_out_race_portable() {
    move_out_race(Resolver::Portable);
}

#[test]
fn move_out_race_portable_cap() {
    move_out_race(Resolver::PortableCap);
}

#[test]
fn move_out_race_openat2() {
    move_out_race(Resolver::Openat2);
}

/// The control: without a final check, the same attack does reach `xe/file`: a plain
/// `openat(O_NOFOLLOW)` walk of directory handles (our portable walk minus the check)
/// returns the outside file. If this ever stops happening, the tests above prove nothing.
///
/// The kernel's `openat2(RESOLVE_BENEATH)` on its own is *not* fooled: since Linux 5.6 its
/// `complete_walk()` checks `path_is_under(result, root)` for scoped look-ups and answers
/// `EXDEV`. Measured here: zero escapes by raw openat2 where the unchecked walk escapes
/// hundreds of times. The test asserts both.
#[test]
fn unchecked_walk_escapes_when_a_directory_moves_out() {
    use rustix::fs::{Mode, OFlags, ResolveFlags};
    let arena = move_out::arena();
    let root_fd = std::fs::File::open(&arena.root).unwrap();
    let input = format!("{}/file", arena.input_dir);
    let stop = Arc::new(AtomicBool::new(false));
    let attacker = move_out::attack(&arena, Arc::clone(&stop));
    let (mut by_openat2, mut openat2_exdev, mut by_walk, mut attempts) = (0, 0, 0, 0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while (by_walk < 10 || attempts < 2000) && std::time::Instant::now() < deadline {
        attempts += 1;
        match rustix::fs::openat2(
            &root_fd,
            input.as_str(),
            OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
            ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS,
        ) {
            Ok(ref fd)
                if support::file_identity(&std::fs::File::from(fd.try_clone().unwrap()))
                    == arena.outside_file =>
            {
                by_openat2 += 1;
            }
            Err(rustix::io::Errno::XDEV) => openat2_exdev += 1,
            _ => {}
        }
        // One openat(O_NOFOLLOW) per component, each relative to the last handle.
        let mut dir: std::os::fd::OwnedFd = root_fd.try_clone().unwrap().into();
        let mut reached = true;
        let names: Vec<&str> = input.split('/').collect();
        for (i, name) in names.iter().enumerate() {
            let flags = if i + 1 == names.len() {
                OFlags::RDONLY
            } else {
                OFlags::PATH | OFlags::DIRECTORY
            };
            match rustix::fs::openat(&dir, *name, flags | OFlags::NOFOLLOW, Mode::empty()) {
                Ok(next) => dir = next,
                Err(_) => {
                    reached = false;
                    break;
                }
            }
        }
        if reached && support::file_identity(&std::fs::File::from(dir)) == arena.outside_file {
            by_walk += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    attacker.join().unwrap();
    eprintln!(
        "{attempts} attempts: escapes by the unchecked walk {by_walk}, by raw openat2 \
         {by_openat2} (EXDEV {openat2_exdev})"
    );
    assert!(
        by_walk > 0,
        "the unchecked walk never escaped: the attack did not work"
    );
    assert_eq!(by_openat2, 0, "raw openat2 escaped");
}
