//! A real directory tree with symbolic links in a temp dir, shaped after the tree of the
//! Linux openat2 selftests (`tools/testing/selftests/openat2/resolve_test.c`) plus links for
//! loops, budgets, dangling targets and `link/..`.
#![allow(dead_code, reason = "each test file uses part of the support module")]

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    /// The root directory handed to `Root::new` (named `root`, so that `../../root` from
    /// `root/cheeky` comes back into it only by leaving it, as in the selftests).
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }
}

pub fn build() -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let mk = |p: &str| std::fs::create_dir_all(root.join(p)).unwrap();
    let file = |p: &str, content: &str| std::fs::write(root.join(p), content).unwrap();
    let link = |target: &str, p: &str| symlink(target, root.join(p)).unwrap();
    // Outside the root: a secret that must never be reached.
    std::fs::write(dir.path().join("secret"), "outside").unwrap();
    mk("root");
    mk("etc");
    file("etc/passwd", "inside");
    mk("cheeky");
    mk("a");
    mk("b/c/d");
    file("b/c/file", "b/c/file");
    file("file", "top file");
    link("etc/passwd", "relsym");
    link("/etc/passwd", "abssym");
    link("/cheeky", "abscheeky");
    link("/", "cheeky/absself");
    link("../../root", "cheeky/self");
    link("/../../root", "cheeky/garbageself");
    link("../cheeky/../cheeky/../etc/../etc/passwd", "cheeky/passwd");
    link(
        "/../cheeky/../cheeky/../etc/../etc/passwd",
        "cheeky/abspasswd",
    );
    link(
        "../../../../../../../../../../../../../../etc/passwd",
        "cheeky/dotdotlink",
    );
    link(
        "/../../../../../../../../../../../../../../../../../../etc/passwd",
        "cheeky/garbagelink",
    );
    link("../secret", "up_secret");
    link("b/c/d", "dirlink");
    link("b/c", "clink");
    link(".", "self");
    link("selfloop", "selfloop");
    link("loop2", "loop1");
    link("loop1", "loop2");
    link("missing/target", "dangling");
    link("/proc/self/root", "procroot");
    link("file", "filelink");
    link("a", "alink");
    // Chains: l00 -> l01 -> ... -> l39 -> a is 40 links (allowed); m00 ... m40 -> a is 41.
    for i in 0..40 {
        let next = if i == 39 {
            "a".to_owned()
        } else {
            format!("l{:02}", i + 1)
        };
        link(&next, &format!("l{i:02}"));
    }
    for i in 0..41 {
        let next = if i == 40 {
            "a".to_owned()
        } else {
            format!("m{:02}", i + 1)
        };
        link(&next, &format!("m{i:02}"));
    }
    Tree { dir }
}

/// `(device, inode)` of a path, following symbolic links.
pub fn identity(path: &Path) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt as _;
    let meta = std::fs::metadata(path).unwrap();
    (meta.dev(), meta.ino())
}

/// `(device, inode)` of an open file.
pub fn file_identity(file: &std::fs::File) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt as _;
    let meta = file.metadata().unwrap();
    (meta.dev(), meta.ino())
}
