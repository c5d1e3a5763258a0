//! The filesystem half of the corpus: paths resolved in a real tree of directories and
//! symbolic links, in reject and clamp mode, with `Root::resolve` (portable walk) and
//! `Root::open` through both resolvers (openat2 and the portable walk). Each case cites its
//! source.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a corpus test fails loudly on the first wrong case"
)]

mod support;

use palisade_path::{ErrorKind, OpenOptions, ResolveMode, Resolver, Root};

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

fn root(tree: &support::Tree, mode: ResolveMode, resolver: Resolver) -> Root {
    Root::options()
        .mode(mode)
        .resolver(resolver)
        .open(tree.root())
        .unwrap()
}

#[test]
fn resolve_corpus() {
    let tree = support::build();
    let mut failures = Vec::new();
    for &(input, mode, want, source) in CASES {
        let got = root(&tree, mode, Resolver::Portable).resolve(input);
        let ok = match (&got, want) {
            (Ok(r), Want::Found(path)) => r.exists && r.path.as_str() == path,
            (Ok(r), Want::Missing(path)) => !r.exists && r.path.as_str() == path,
            (Err(err), Want::Err(kind)) => err.kind() == kind,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "resolve {input:?} {mode:?} [{source}]: want {want:?}, got {got:?}"
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

fn open_corpus(resolver: Resolver) {
    let tree = support::build();
    let mut failures = Vec::new();
    let options = OpenOptions::new().follow_final_symlink(true);
    for &(input, mode, want, source) in CASES {
        let root = root(&tree, mode, resolver);
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
                "open {input:?} {mode:?} {resolver:?} [{source}]: want {want:?}, got {got:?}"
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
    open_corpus(Resolver::Portable);
}

#[cfg(target_os = "linux")]
#[test]
fn open_corpus_openat2() {
    let tree = support::build();
    let probe = Root::options()
        .resolver(Resolver::Openat2)
        .open(tree.root());
    match probe {
        Ok(root) => assert!(root.uses_openat2()),
        // CI runs on Linux >= 5.6; say so loudly if not, rather than passing silently.
        Err(err) => panic!("openat2 is not available here ({err}); this test needs it"),
    }
    open_corpus(Resolver::Openat2);
}

#[test]
fn corpus_counts() {
    eprintln!("fs cases: {}", CASES.len());
    assert!(CASES.len() >= 70, "{}", CASES.len());
}
