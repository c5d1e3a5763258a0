//! `Root` operations on a real tree, each through both resolvers: open (read, write, create,
//! `O_NOFOLLOW` on the last component), create_dir_all, remove_file, remove_dir_all (never
//! through a symbolic link, CVE-2022-21658) and read_dir.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

mod support;

use std::io::{Read as _, Write as _};
use std::os::unix::fs::symlink;

use palisade_path::{EntryKind, ErrorKind, OpenOptions, ResolveMode, Resolver, Root};

fn resolvers() -> Vec<Resolver> {
    let mut all = vec![Resolver::Portable, Resolver::PortableCap];
    if cfg!(target_os = "linux") {
        all.push(Resolver::Openat2);
    }
    all
}

fn root_with(tree: &support::Tree, resolver: Resolver, mode: ResolveMode) -> Root {
    Root::options()
        .resolver(resolver)
        .mode(mode)
        .open(tree.root())
        .unwrap()
}

#[test]
fn open_reads_and_refuses_a_final_symlink_unless_asked() {
    for resolver in resolvers() {
        let tree = support::build();
        let root = root_with(&tree, resolver, ResolveMode::Reject);
        let mut text = String::new();
        root.open("etc/passwd", &OpenOptions::new())
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "inside");
        let err = root.open("relsym", &OpenOptions::new()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::SymlinkLoop, "{resolver:?}: {err}");
        // Symbolic links before the last component are followed (inside the root).
        assert!(
            root.open("dirlink/../file", &OpenOptions::new()).is_ok(),
            "{resolver:?}"
        );
    }
}

#[test]
fn open_creates_and_writes_only_inside() {
    for resolver in resolvers() {
        let tree = support::build();
        let root = root_with(&tree, resolver, ResolveMode::Reject);
        let create = OpenOptions::new().write(true).create(true);
        root.open("a/new.txt", &create)
            .unwrap()
            .write_all(b"hi")
            .unwrap();
        assert_eq!(std::fs::read(tree.root().join("a/new.txt")).unwrap(), b"hi");
        // Through a directory link: created in the link's target.
        root.open("dirlink/via-link.txt", &create).unwrap();
        assert!(tree.root().join("b/c/d/via-link.txt").exists());
        // A dangling link as the last component is never created through.
        let err = root.open("dangling", &create).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::SymlinkLoop, "{resolver:?}");
        assert!(!tree.root().join("missing").exists());
        // A link escaping the root is refused before anything is created.
        symlink(tree.dir.path(), tree.root().join("outlink")).unwrap();
        let err = root.open("outlink/planted", &create).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::SymlinkEscape, "{resolver:?}");
        assert!(!tree.dir.path().join("planted").exists());
        // create_new refuses an existing file.
        let err = root
            .open(
                "a/new.txt",
                &OpenOptions::new().write(true).create_new(true),
            )
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{resolver:?}");
        // O_CREAT on an existing directory: EEXIST with create_new, EISDIR without.
        let follow = OpenOptions::new().follow_final_symlink(true);
        let err = root
            .open("alink", &follow.clone().create_new(true).write(true))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{resolver:?}");
        let err = root.open("a", &follow.clone().create(true)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{resolver:?}");
        assert!(root.open("alink", &follow).is_ok(), "{resolver:?}");
        // Missing parents are not created by open.
        let err = root.open("nope/x.txt", &create).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{resolver:?}");
    }
}

#[test]
fn clamp_mode_writes_through_absolute_links_into_the_root() {
    for resolver in resolvers() {
        let tree = support::build();
        let root = root_with(&tree, resolver, ResolveMode::Clamp);
        symlink("/a", tree.root().join("abs_a")).unwrap();
        let create = OpenOptions::new().write(true).create(true);
        root.open("abs_a/clamped.txt", &create).unwrap();
        assert!(tree.root().join("a/clamped.txt").exists(), "{resolver:?}");
    }
}

#[test]
fn create_dir_all_follows_links_inside_and_refuses_escapes() {
    for resolver in resolvers() {
        let tree = support::build();
        let root = root_with(&tree, resolver, ResolveMode::Reject);
        assert_eq!(root.create_dir_all("x/y/z").unwrap().as_str(), "x/y/z");
        assert!(tree.root().join("x/y/z").is_dir());
        assert_eq!(root.create_dir_all("x/y").unwrap().as_str(), "x/y");
        assert_eq!(
            root.create_dir_all("dirlink/e").unwrap().as_str(),
            "b/c/d/e"
        );
        assert_eq!(
            root.create_dir_all("file/sub").unwrap_err().kind(),
            ErrorKind::NotADirectory
        );
        assert_eq!(
            root.create_dir_all("file").unwrap_err().kind(),
            ErrorKind::NotADirectory
        );
        assert_eq!(
            root.create_dir_all("up_secret/x").unwrap_err().kind(),
            ErrorKind::SymlinkEscape
        );
        assert_eq!(
            root.create_dir_all("../x").unwrap_err().kind(),
            ErrorKind::Traversal
        );
        assert!(!tree.dir.path().join("x").exists());
    }
}

#[test]
fn remove_file_removes_links_not_targets() {
    for resolver in resolvers() {
        let tree = support::build();
        let root = root_with(&tree, resolver, ResolveMode::Reject);
        root.remove_file("relsym").unwrap();
        assert!(tree.root().join("etc/passwd").exists());
        assert!(std::fs::symlink_metadata(tree.root().join("relsym")).is_err());
        root.remove_file("up_secret").unwrap();
        assert!(tree.dir.path().join("secret").exists());
        root.remove_file("dirlink/../file").unwrap();
        assert!(!tree.root().join("b/c/file").exists());
        assert!(tree.root().join("file").exists(), "never cleaned lexically");
        assert_eq!(root.remove_file("a").unwrap_err().kind(), ErrorKind::Io);
        assert_eq!(
            root.remove_file("nope").unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            root.remove_file("../secret").unwrap_err().kind(),
            ErrorKind::Traversal
        );
        assert_eq!(
            root.remove_file("/file").unwrap_err().kind(),
            ErrorKind::Absolute
        );
        assert_eq!(
            root.remove_file(".").unwrap_err().kind(),
            ErrorKind::InvalidComponent
        );
        assert_eq!(
            root.remove_file("a/..").unwrap_err().kind(),
            ErrorKind::InvalidComponent
        );
        assert!(tree.dir.path().join("secret").exists());
    }
}

#[test]
fn remove_dir_all_never_follows_links() {
    for resolver in resolvers() {
        let tree = support::build();
        let outside = tree.dir.path().join("outside_dir");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("keep"), "keep").unwrap();
        let root = root_with(&tree, resolver, ResolveMode::Reject);
        // A tree with a link to a directory outside: the link goes, the outside stays.
        root.create_dir_all("victim/sub/deeper").unwrap();
        std::fs::write(tree.root().join("victim/sub/f"), "x").unwrap();
        symlink(&outside, tree.root().join("victim/sub/to_outside")).unwrap();
        symlink("/", tree.root().join("victim/to_slash")).unwrap();
        root.remove_dir_all("victim").unwrap();
        assert!(!tree.root().join("victim").exists());
        assert!(outside.join("keep").exists());
        // The path itself a link: the link is removed, not its target's contents.
        symlink(&outside, tree.root().join("linkdir")).unwrap();
        root.remove_dir_all("linkdir").unwrap();
        assert!(outside.join("keep").exists());
        // Through a link to a directory inside the root.
        root.remove_dir_all("dirlink").unwrap();
        assert!(
            tree.root().join("b/c/d").exists(),
            "the link itself was removed"
        );
        root.remove_dir_all("clink/d").unwrap();
        assert!(!tree.root().join("b/c/d").exists());
        assert_eq!(
            root.remove_dir_all(".").unwrap_err().kind(),
            ErrorKind::InvalidComponent
        );
        assert_eq!(
            root.remove_dir_all("..").unwrap_err().kind(),
            ErrorKind::InvalidComponent
        );
        assert_eq!(
            root.remove_dir_all("../outside_dir").unwrap_err().kind(),
            ErrorKind::Traversal
        );
        assert!(outside.join("keep").exists());
    }
}

#[test]
fn read_dir_lists_without_following() {
    for resolver in resolvers() {
        let tree = support::build();
        let root = root_with(&tree, resolver, ResolveMode::Reject);
        let mut names: Vec<(String, EntryKind)> = root
            .read_dir("clink")
            .unwrap()
            .into_iter()
            .map(|e| (e.name().to_string_lossy().into_owned(), e.kind()))
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                ("d".to_owned(), EntryKind::Directory),
                ("file".to_owned(), EntryKind::File)
            ]
        );
        let top = root.read_dir(".").unwrap();
        assert!(
            top.iter()
                .any(|e| e.name() == "relsym" && e.kind() == EntryKind::Symlink)
        );
        assert!(top.iter().all(|e| e.name() != "." && e.name() != ".."));
        assert_eq!(
            root.read_dir("file").unwrap_err().kind(),
            ErrorKind::NotADirectory
        );
        assert_eq!(
            root.read_dir("up_secret").unwrap_err().kind(),
            ErrorKind::SymlinkEscape
        );
        assert_eq!(
            root.read_dir("..").unwrap_err().kind(),
            ErrorKind::Traversal
        );
    }
}

#[test]
fn the_root_is_held_by_descriptor() {
    for resolver in resolvers() {
        let tree = support::build();
        let root = root_with(&tree, resolver, ResolveMode::Reject);
        // Renaming the root's path and putting a link to `/` in its place changes nothing.
        let moved = tree.dir.path().join("moved");
        std::fs::rename(tree.root(), &moved).unwrap();
        symlink("/", tree.root()).unwrap();
        let mut text = String::new();
        root.open("etc/passwd", &OpenOptions::new())
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "inside", "{resolver:?}");
    }
}

#[test]
fn opening_a_root_that_is_not_a_directory() {
    let tree = support::build();
    assert_eq!(
        Root::new(tree.root().join("file")).unwrap_err().kind(),
        ErrorKind::NotADirectory
    );
    assert_eq!(
        Root::new(tree.root().join("nope")).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let root = Root::new(tree.root()).unwrap();
    assert_eq!(root.uses_openat2(), cfg!(target_os = "linux"));
    assert!(
        !Root::options()
            .resolver(Resolver::Portable)
            .open(tree.root())
            .unwrap()
            .uses_openat2()
    );
}

/// Which resolver and handle check a root gets (Linux CI has openat2 and procfs): openat2
/// only together with the procfs check, since it returns no parent to walk `..` from.
#[cfg(target_os = "linux")]
#[test]
fn resolver_and_handle_check_choices() {
    let tree = support::build();
    let auto = Root::new(tree.root()).unwrap();
    assert!(auto.uses_openat2());
    assert_eq!(auto.handle_check(), palisade_path::HandleCheck::Procfs);
    let parent_walk = Root::options()
        .handle_check(palisade_path::HandleCheck::ParentWalk)
        .open(tree.root())
        .unwrap();
    assert!(
        !parent_walk.uses_openat2(),
        "Auto must not pair openat2 with the parent walk"
    );
    assert_eq!(
        parent_walk.handle_check(),
        palisade_path::HandleCheck::ParentWalk
    );
    let refused = Root::options()
        .resolver(Resolver::Openat2)
        .handle_check(palisade_path::HandleCheck::ParentWalk)
        .open(tree.root())
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Io);
    // Every operation still works with the parent-walk check.
    parent_walk.create_dir_all("made/deeper").unwrap();
    parent_walk
        .open(
            "made/deeper/f",
            &OpenOptions::new().write(true).create(true),
        )
        .unwrap();
    assert_eq!(parent_walk.read_dir("made/deeper").unwrap().len(), 1);
    parent_walk.remove_dir_all("made").unwrap();
    assert!(!tree.root().join("made").exists());
}
