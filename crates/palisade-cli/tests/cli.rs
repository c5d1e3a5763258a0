//! The `palisade` binary's contract as seen from a shell: help, version, exit statuses and
//! JSON error lines.
#![allow(
    clippy::expect_used,
    reason = "test helpers fail loudly; clippy.toml exempts only #[test] functions"
)]

use std::process::{Command, Output};

fn palisade(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .output()
        .expect("the palisade binary runs")
}

#[test]
fn help_lists_every_subcommand() {
    let out = palisade(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for sub in ["path", "cmd", "policy", "audit", "sandbox", "limit", "demo"] {
        assert!(
            help.lines()
                .any(|line| line.trim_start().starts_with(&format!("{sub} "))),
            "--help does not list `{sub}`:\n{help}"
        );
    }
    assert!(
        help.contains("Exit status"),
        "--help explains exit statuses"
    );
}

#[test]
fn version_is_the_workspace_version() {
    let out = palisade(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        format!("palisade {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(palisade(&["no-such-subcommand"]).status.code(), Some(2));
    assert_eq!(palisade(&[]).status.code(), Some(2));
    assert_eq!(
        palisade(&["path", "check", "--no-such-flag"]).status.code(),
        Some(2)
    );
}
