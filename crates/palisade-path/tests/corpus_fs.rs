//! The filesystem half of the corpus: paths resolved in a real tree of directories and
//! symbolic links, in reject and clamp mode, with `Root::resolve`, `Root::open` and
//! `Root::create_dir_all`, each through both resolvers (openat2 and the portable walk) and,
//! for the portable walk, both handle checks (procfs and the parent walk, the one non-Linux
//! systems get). Each case cites its source.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a corpus test fails loudly on the first wrong case"
)]

mod support;

use palisade_path::{ErrorKind, HandleCheck, OpenOptions, ResolveMode, Resolver, Root};

use ErrorKind::{
    Absolute, Empty, NotADirectory, NotFound, NulByte, SymlinkEscape, SymlinkLoop, Traversal,
};

#[derive(Debug, Clone, Copy)]
enum Want {
    /// Exists at this real path (relative to the root).
    Found(&'static str),
    /// Resolves to this path, which does not exist (so `open` says `not_found`).
    Missing(&'static str),
    Err(ErrorKind),
}
use Want::{Err as E, Found as F, Missing as M};

const R: ResolveMode = ResolveMode::Reject;
const C: ResolveMode = ResolveMode::Clamp;

const SELFTEST: &str = "openat2 selftests resolve_test.c";
const SECUREJOIN: &str = "filepath-securejoin TestSecureJoin / libpathrs resolver tests";
const CAPSTD: &str = "cap-std tests/fs_additional.rs";
const GOROOT: &str = "Go os.Root tests (root_test.go)";

/// (input, mode, expected, source)
const CASES: &[(&str, ResolveMode, Want, &str)] = &[
    // openat2 selftests, RESOLVE_BENEATH.
    (".", R, F("."), SELFTEST),
    ("./", R, F("."), SELFTEST),
    ("root", R, F("root"), SELFTEST),
    ("root/", R, F("root"), SELFTEST),
    ("root/.", R, F("root"), SELFTEST),
    ("root/./", R, F("root"), SELFTEST),
    ("root/..", R, F("."), SELFTEST),
    ("root/../", R, F("."), SELFTEST),
    ("root/../root", R, F("root"), SELFTEST),
    ("/", R, E(Absolute), SELFTEST),
    ("/root", R, E(Absolute), SELFTEST),
    ("..", R, E(Traversal), SELFTEST),
    ("../root/", R, E(Traversal), SELFTEST),
    ("root/../..", R, E(Traversal), SELFTEST),
    ("cheeky/absself", R, E(SymlinkEscape), SELFTEST),
    ("abscheeky/absself", R, E(SymlinkEscape), SELFTEST),
    ("cheeky/self", R, E(SymlinkEscape), SELFTEST),
    ("cheeky/garbageself", R, E(SymlinkEscape), SELFTEST),
    ("relsym", R, F("etc/passwd"), SELFTEST),
    ("abssym", R, E(SymlinkEscape), SELFTEST),
    ("cheeky/passwd", R, F("etc/passwd"), SELFTEST),
    ("cheeky/abspasswd", R, E(SymlinkEscape), SELFTEST),
    ("cheeky/dotdotlink", R, E(SymlinkEscape), SELFTEST),
    ("cheeky/garbagelink", R, E(SymlinkEscape), SELFTEST),
    ("etc/passwd", R, F("etc/passwd"), SELFTEST),
    (
        "procroot",
        R,
        E(SymlinkEscape),
        "openat2 selftests (magic link /proc/self/root)",
    ),
    // openat2 selftests, RESOLVE_IN_ROOT.
    ("/", C, F("."), SELFTEST),
    ("..", C, F("."), SELFTEST),
    ("../root", C, F("root"), SELFTEST),
    ("/root/..", C, F("."), SELFTEST),
    ("/../../../root", C, F("root"), SELFTEST),
    ("cheeky/absself", C, F("."), SELFTEST),
    ("abscheeky/absself", C, F("."), SELFTEST),
    ("cheeky/self", C, F("root"), SELFTEST),
    ("cheeky/garbageself", C, F("root"), SELFTEST),
    ("relsym", C, F("etc/passwd"), SELFTEST),
    ("abssym", C, F("etc/passwd"), SELFTEST),
    ("cheeky/passwd", C, F("etc/passwd"), SELFTEST),
    ("cheeky/abspasswd", C, F("etc/passwd"), SELFTEST),
    ("cheeky/dotdotlink", C, F("etc/passwd"), SELFTEST),
    ("cheeky/garbagelink", C, F("etc/passwd"), SELFTEST),
    ("/etc/passwd", C, F("etc/passwd"), SELFTEST),
    ("../../../etc/passwd", C, F("etc/passwd"), SELFTEST),
    (
        "procroot",
        C,
        M("proc/self/root"),
        "openat2 selftests (magic link, clamped)",
    ),
    // `..` is physical: `link/..` goes through the link's target (never lexical cleaning).
    ("dirlink/../file", R, F("b/c/file"), SECUREJOIN),
    ("dirlink/../file", C, F("b/c/file"), SECUREJOIN),
    ("clink/../c/d", R, F("b/c/d"), SECUREJOIN),
    ("dirlink/../../../..", R, E(Traversal), SECUREJOIN),
    (
        "dirlink/../../../../etc/passwd",
        C,
        F("etc/passwd"),
        SECUREJOIN,
    ),
    (
        "relsym/..",
        R,
        E(NotADirectory),
        "path_resolution(7): passwd/.. is ENOTDIR",
    ),
    (
        "file/..",
        R,
        E(NotADirectory),
        "path_resolution(7): file/.. is ENOTDIR",
    ),
    ("file/.", R, E(NotADirectory), "path_resolution(7)"),
    ("file/x", R, E(NotADirectory), CAPSTD),
    ("file/", R, E(NotADirectory), "path_resolution(7)"),
    ("relsym/", R, E(NotADirectory), "path_resolution(7)"),
    ("filelink/", C, E(NotADirectory), "path_resolution(7)"),
    ("alink/", R, F("a"), "path_resolution(7)"),
    ("missing/", R, M("missing"), "libpathrs resolve_partial"),
    ("self/self/self/a", R, F("a"), SECUREJOIN),
    ("alink/../alink/../a", R, F("a"), SECUREJOIN),
    // Escapes to a file outside the root.
    (
        "up_secret",
        R,
        E(SymlinkEscape),
        "CVE-2018-15664 (docker cp symlink race target)",
    ),
    (
        "up_secret",
        C,
        M("secret"),
        "CVE-2018-15664 (clamped: the root's own secret)",
    ),
    ("../secret", R, E(Traversal), GOROOT),
    ("a/../../secret", R, E(Traversal), GOROOT),
    ("../secret", C, M("secret"), GOROOT),
    // Loops and the budget of 40 links.
    ("selfloop", R, E(SymlinkLoop), SELFTEST),
    ("loop1", R, E(SymlinkLoop), CAPSTD),
    ("loop1/x", C, E(SymlinkLoop), CAPSTD),
    ("l00", R, F("a"), "Linux MAXSYMLINKS 40 (40 links)"),
    ("m00", R, E(SymlinkLoop), "Linux MAXSYMLINKS 40 (41 links)"),
    ("m00", C, E(SymlinkLoop), "Linux MAXSYMLINKS 40 (41 links)"),
    // Missing components: resolve reports them, open says not_found.
    ("missing", R, M("missing"), GOROOT),
    (
        "a/missing/deeper",
        R,
        M("a/missing/deeper"),
        "libpathrs resolve_partial",
    ),
    (
        "dangling",
        R,
        M("missing/target"),
        "libpathrs resolve_partial (dangling link)",
    ),
    (
        "missing/../a",
        R,
        E(NotFound),
        "path_resolution(7): missing/.. is ENOENT",
    ),
    ("alink/missing", R, M("a/missing"), SECUREJOIN),
    // Plain inputs.
    ("", R, E(Empty), GOROOT),
    ("a\0b", R, E(NulByte), GOROOT),
    ("b/c/file", R, F("b/c/file"), CAPSTD),
    ("b//c///file", R, F("b/c/file"), CAPSTD),
    ("filelink", R, F("file"), CAPSTD),
];

/// A resolver and a handle check to run the corpus through.
#[derive(Debug, Clone, Copy)]
struct Config(Resolver, HandleCheck);

/// procfs on Linux (checked below), the parent walk elsewhere.
const PORTABLE_AUTO: Config = Config(Resolver::Portable, HandleCheck::Auto);
const PORTABLE_PARENT_WALK: Config = Config(Resolver::Portable, HandleCheck::ParentWalk);
#[cfg(target_os = "linux")]
const OPENAT2: Config = Config(Resolver::Openat2, HandleCheck::Procfs);
/// The portable walk with cap-primitives' steps: the code meant for Windows, run here.
const PORTABLE_CAP: Config = Config(Resolver::PortableCap, HandleCheck::Auto);
const PORTABLE_CAP_PARENT_WALK: Config = Config(Resolver::PortableCap, HandleCheck::ParentWalk);

fn root(tree: &support::Tree, mode: ResolveMode, config: Config) -> Root {
    let root = Root::options()
        .mode(mode)
        .resolver(config.0)
        .handle_check(config.1)
        .open(tree.root())
        // CI runs on Linux >= 5.6 with procfs; say so loudly if not, rather than passing
        // silently.
        .unwrap_or_else(|err| panic!("{config:?} is not available here: {err}"));
    assert_eq!(root.uses_openat2(), matches!(config.0, Resolver::Openat2));
    let expected_check = match config.1 {
        HandleCheck::Auto if cfg!(target_os = "linux") => HandleCheck::Procfs,
        HandleCheck::Auto => HandleCheck::ParentWalk,
        other => other,
    };
    assert_eq!(root.handle_check(), expected_check);
    root
}

fn resolve_corpus(config: Config) {
    let tree = support::build();
    let mut failures = Vec::new();
    for &(input, mode, want, source) in CASES {
        let got = root(&tree, mode, config).resolve(input);
        let ok = match (&got, want) {
            (Ok(r), Want::Found(path)) => r.exists && r.path.as_str() == path,
            (Ok(r), Want::Missing(path)) => !r.exists && r.path.as_str() == path,
            (Err(err), Want::Err(kind)) => err.kind() == kind,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "resolve {input:?} {mode:?} {config:?} [{source}]: want {want:?}, got {got:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn resolve_corpus_portable_walk() {
    resolve_corpus(PORTABLE_AUTO);
}

#[test]
fn resolve_corpus_portable_walk_parent_check() {
    resolve_corpus(PORTABLE_PARENT_WALK);
}

#[test]
fn resolve_corpus_portable_cap() {
    resolve_corpus(PORTABLE_CAP);
}

#[test]
fn resolve_corpus_portable_cap_parent_check() {
    resolve_corpus(PORTABLE_CAP_PARENT_WALK);
}

#[cfg(target_os = "linux")]
#[test]
fn resolve_corpus_openat2() {
    resolve_corpus(OPENAT2);
}

fn open_corpus(config: Config) {
    let tree = support::build();
    let mut failures = Vec::new();
    let options = OpenOptions::new().follow_final_symlink(true);
    for &(input, mode, want, source) in CASES {
        let root = root(&tree, mode, config);
        let got = root.open(input, &options);
        let ok = match (&got, want) {
            (Ok(file), Want::Found(path)) => {
                support::file_identity(file) == support::identity(&tree.root().join(path))
            }
            (Err(err), Want::Missing(_)) => err.kind() == NotFound,
            (Err(err), Want::Err(kind)) => err.kind() == kind,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "open {input:?} {mode:?} {config:?} [{source}]: want {want:?}, got {got:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn open_corpus_portable_walk() {
    open_corpus(PORTABLE_AUTO);
}

#[test]
fn open_corpus_portable_walk_parent_check() {
    open_corpus(PORTABLE_PARENT_WALK);
}

#[test]
fn open_corpus_portable_cap() {
    open_corpus(PORTABLE_CAP);
}

#[test]
fn open_corpus_portable_cap_parent_check() {
    open_corpus(PORTABLE_CAP_PARENT_WALK);
}

#[cfg(target_os = "linux")]
#[test]
fn open_corpus_openat2() {
    open_corpus(OPENAT2);
}

/// `create_dir_all` on every case: an existing directory comes back as is, a missing path is
/// created where `resolve` said it would be (a fresh tree for each, so that creating does not
/// change the later cases), an existing file is `not_a_directory`, errors stay errors.
fn create_dir_all_corpus(config: Config) {
    let shared = support::build();
    let mut failures = Vec::new();
    for &(input, mode, want, source) in CASES {
        let fresh;
        let tree = if matches!(want, Want::Missing(_)) {
            fresh = support::build();
            &fresh
        } else {
            &shared
        };
        let got = root(tree, mode, config).create_dir_all(input);
        let ok = match (&got, want) {
            (Ok(made), Want::Found(path)) => {
                made.as_str() == path && tree.root().join(path).is_dir()
            }
            (Err(err), Want::Found(path)) => {
                err.kind() == NotADirectory && !tree.root().join(path).is_dir()
            }
            (Ok(made), Want::Missing(path)) => {
                made.as_str() == path
                    && std::fs::symlink_metadata(tree.root().join(path))
                        .is_ok_and(|meta| meta.is_dir())
            }
            (Err(err), Want::Err(kind)) => err.kind() == kind,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "create_dir_all {input:?} {mode:?} {config:?} [{source}]: want {want:?}, got \
                 {got:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn create_dir_all_corpus_portable_walk() {
    create_dir_all_corpus(PORTABLE_AUTO);
}

#[test]
fn create_dir_all_corpus_portable_walk_parent_check() {
    create_dir_all_corpus(PORTABLE_PARENT_WALK);
}

#[test]
fn create_dir_all_corpus_portable_cap() {
    create_dir_all_corpus(PORTABLE_CAP);
}

#[test]
fn create_dir_all_corpus_portable_cap_parent_check() {
    create_dir_all_corpus(PORTABLE_CAP_PARENT_WALK);
}

#[cfg(target_os = "linux")]
#[test]
fn create_dir_all_corpus_openat2() {
    create_dir_all_corpus(OPENAT2);
}

#[test]
fn corpus_counts() {
    eprintln!("fs cases: {}", CASES.len());
    assert!(CASES.len() >= 70, "{}", CASES.len());
}
