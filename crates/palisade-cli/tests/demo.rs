//! `palisade demo`: the scripted agent session end to end, and `palisade audit verify` on the
//! log it writes.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers fail loudly; clippy.toml exempts only #[test] functions"
)]

use std::process::{Command, Output};

use serde_json::Value;

fn palisade(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .output()
        .expect("the palisade binary runs")
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn demo_runs_the_session_and_its_log_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let demo_dir = dir.path().join("demo");
    let out = palisade(&["--json", "demo", "--dir", demo_dir.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    let (summary, rows) = lines.split_last().unwrap();
    assert_eq!(summary["ok"], true);
    assert_eq!(summary["calls"].as_u64().unwrap() as usize, rows.len());
    let result = |subject: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r["subject"] == subject)
            .map(|r| r["result"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(result("README.md"), ["allowed"]);
    assert_eq!(result("notes.md"), ["approved"]);
    assert_eq!(result("mkdir build"), ["approved"]);
    assert_eq!(result("rm src/main.rs"), ["refused"]);
    assert_eq!(result("rm -rf /"), ["denied"]);
    assert_eq!(result("../../etc/passwd"), ["denied"]);
    assert_eq!(result(".env"), ["denied"]);
    // Denials carry reasons a person can read.
    let rm = rows.iter().find(|r| r["subject"] == "rm -rf /").unwrap();
    assert!(rm["detail"].as_str().unwrap().contains("critical"), "{rm}");
    // The burst: the first ones pass, then the actor's quota stops it.
    let burst = result("wc -l notes.md");
    assert!(burst.first().is_some_and(|r| r == "allowed"), "{burst:?}");
    assert!(
        burst.last().is_some_and(|r| r == "rate limited"),
        "{burst:?}"
    );
    assert_eq!(summary["counts"]["failed"], 0);

    // Approved commands really ran inside the workspace; the refused one did not.
    let workspace = demo_dir.join("workspace");
    assert!(workspace.join("build").is_dir());
    assert!(workspace.join("src/main.rs").is_file());
    assert_eq!(
        std::fs::read_to_string(workspace.join("notes.md")).unwrap(),
        "- read the README\n- list src\n"
    );

    // The log verifies from outside, with the same event count.
    let db = demo_dir.join("audit.db");
    let verify = palisade(&["--json", "audit", "verify", "--db", db.to_str().unwrap()]);
    assert_eq!(verify.status.code(), Some(0));
    let report = &json_lines(&verify)[0];
    assert_eq!(report["ok"], true);
    assert_eq!(report["events"], summary["audit"]["events"]);
    assert!(report["events"].as_u64().unwrap() >= rows.len() as u64);
}

#[test]
fn demo_refuses_a_directory_that_already_holds_a_demo() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("workspace")).unwrap();
    let out = palisade(&["--json", "demo", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_lines(&out)[0]["error"]["kind"], "config");
}

#[test]
fn demo_rejects_an_invalid_session_file() {
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("session.json");
    std::fs::write(
        &session,
        r#"{"actor": "a", "calls": [{"tool": "x", "bogus": 1}]}"#,
    )
    .unwrap();
    let out = palisade(&[
        "--json",
        "demo",
        "--dir",
        dir.path().join("d").to_str().unwrap(),
        "--session",
        session.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let line = &json_lines(&out)[0];
    assert!(
        line["error"]["message"].as_str().unwrap().contains("bogus"),
        "{line}"
    );
}
