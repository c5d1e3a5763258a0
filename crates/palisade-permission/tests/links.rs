//! Symbolic links in the workspace (`Gate::with_links_resolved`): a repository can ship
//! `README.txt -> ~/.ssh/id_ed25519`, which a judgement by name allows to be read. Real links
//! in a temporary directory.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code fails loudly"
)]

use std::os::unix::fs::symlink;

use palisade_permission::{Gate, Layer, Policy, PolicySet, Verdict};

/// A workspace with ordinary files and links, and a secret outside it.
struct Workspace {
    _outside: tempfile::TempDir,
    dir: tempfile::TempDir,
}

fn workspace() -> Workspace {
    let outside = tempfile::tempdir().unwrap();
    let key = outside.path().join("id_ed25519");
    std::fs::write(&key, "-----BEGIN OPENSSH PRIVATE KEY-----\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("plain.txt"), "hello\n").unwrap();
    std::fs::write(root.join(".env"), "API_KEY=x\n").unwrap();
    std::fs::create_dir(root.join("sub")).unwrap();
    // Out of the workspace, to a file and to a directory.
    symlink(&key, root.join("README.txt")).unwrap();
    symlink(outside.path(), root.join("docs")).unwrap();
    symlink(&key, root.join("sub/notes.md")).unwrap();
    // Inside it, to a secret and to an ordinary file.
    symlink(".env", root.join("config.txt")).unwrap();
    symlink("plain.txt", root.join("alias.txt")).unwrap();
    Workspace {
        _outside: outside,
        dir,
    }
}

fn gate(ws: &Workspace, policies: PolicySet) -> Gate {
    Gate::new(policies)
        .with_root(ws.dir.path())
        .with_links_resolved(palisade_path::Root::new(ws.dir.path()).unwrap())
}

#[test]
fn links_out_of_the_workspace_ask() {
    let ws = workspace();
    let gate = gate(&ws, PolicySet::new());
    for line in [
        "cat README.txt",
        "head -n 5 README.txt",
        "cat < README.txt",
        "echo x >> README.txt",
        "cat docs/id_ed25519",
        "cd sub && cat notes.md",
        "cat sub/notes.md",
    ] {
        let decision = gate.decide_shell(line);
        assert_eq!(
            decision.verdict,
            Verdict::Ask,
            "{line}: {:?}",
            decision.reasons
        );
        assert!(
            decision
                .reasons
                .iter()
                .any(|r| r.contains("leads out of the workspace through a symbolic link")),
            "{line}: {:?}",
            decision.reasons
        );
    }
}

#[test]
fn links_inside_the_workspace_are_judged_as_their_target() {
    let ws = workspace();
    let gate = gate(&ws, PolicySet::new());
    let decision = gate.decide_shell("cat config.txt");
    assert_eq!(decision.verdict, Verdict::Ask, "{:?}", decision.reasons);
    assert!(
        decision
            .reasons
            .iter()
            .any(|r| r.contains("symbolic link to `.env`")),
        "{:?}",
        decision.reasons
    );
    // A path rule about the target applies through the link.
    let policy = Policy::from_toml(
        r#"
[[rule]]
action = "allow"
command = ["cat"]

[[rule]]
action = "deny"
path = ["plain.txt"]
"#,
        "project.toml",
    )
    .unwrap();
    let strict = gate_with(&ws, policy);
    assert_eq!(strict.decide_shell("cat alias.txt").verdict, Verdict::Deny);
    assert_eq!(strict.decide_shell("cat plain.txt").verdict, Verdict::Deny);
}

fn gate_with(ws: &Workspace, policy: Policy) -> Gate {
    gate(ws, PolicySet::new().with(Layer::Project, policy))
}

#[test]
fn ordinary_and_missing_files_stay_allowed() {
    let ws = workspace();
    let gate = gate(&ws, PolicySet::new());
    for line in [
        "cat plain.txt",
        "cat alias.txt",
        "cat missing.txt",
        "echo x > new.txt",
        "wc -l sub/*.md",
        "ls docs",
    ] {
        let decision = gate.decide_shell(line);
        assert_eq!(
            decision.verdict,
            Verdict::Allow,
            "{line}: {:?}",
            decision.reasons
        );
    }
}

#[test]
fn without_resolution_links_are_judged_by_name() {
    // The documented limit: the same gate without `with_links_resolved`.
    let ws = workspace();
    let gate = Gate::new(PolicySet::new()).with_root(ws.dir.path());
    assert_eq!(gate.decide_shell("cat README.txt").verdict, Verdict::Allow);
}

/// Options before the file (`cat -n`, `od -c`, `grep -T`) and file actions of their own
/// (`Action::File`) are resolved too (found by probing, session 8).
#[test]
fn links_behind_options_and_file_actions_are_resolved() {
    let ws = workspace();
    let gate = gate(&ws, PolicySet::new());
    for line in [
        "cat -n README.txt",
        "cat -s README.txt",
        "od -c README.txt",
        "grep -T . README.txt",
        "uniq -c README.txt",
    ] {
        let d = gate.decide_shell(line);
        assert_ne!(d.verdict, Verdict::Allow, "{line}: {:?}", d.reasons);
    }
    for (access, path) in [
        (palisade_permission::FileAccess::Read, "README.txt"),
        (palisade_permission::FileAccess::Write, "sub/notes.md"),
        (palisade_permission::FileAccess::Read, "config.txt"),
    ] {
        let d = gate.decide_file(access, path);
        assert_ne!(d.verdict, Verdict::Allow, "{path}: {:?}", d.reasons);
    }
    let plain = gate.decide_file(palisade_permission::FileAccess::Read, "alias.txt");
    assert_eq!(plain.verdict, Verdict::Allow, "{:?}", plain.reasons);
}
