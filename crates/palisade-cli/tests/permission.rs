//! `palisade cmd assess` and `palisade policy check` from a shell: the JSON contract of
//! DESIGN.md and the exit statuses 0 (allowed / valid), 1 (judged), 2 (usage or config).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code fails loudly"
)]

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn palisade(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the palisade binary runs");
    let mut pipe = child.stdin.take().unwrap();
    if let Some(input) = stdin {
        pipe.write_all(input.as_bytes()).unwrap();
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

#[test]
fn assess_allowed_line_exits_0_with_the_contract_fields() {
    let out = palisade(
        &["--json", "cmd", "assess", "--", "ls -la && git status"],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = &json_lines(&out)[0];
    assert_eq!(v["command"], "ls -la && git status");
    assert_eq!(v["risk"], "low");
    assert_eq!(v["decision"], "allow");
    assert!(
        v["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_string)
    );
    let commands = v["commands"].as_array().unwrap();
    assert_eq!(commands.len(), 2);
    assert_eq!(commands[0]["argv"], serde_json::json!(["ls", "-la"]));
    assert_eq!(commands[1]["risk"], "low");
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 5, "{keys:?}");
}

#[test]
fn assess_dangerous_line_exits_1() {
    let out = palisade(
        &["--json", "cmd", "assess", "--", "echo ok; \"r\"\"m\" -rf ~"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let v = &json_lines(&out)[0];
    assert_eq!(v["risk"], "critical");
    assert_eq!(v["decision"], "deny");
    assert_eq!(
        v["commands"][1]["argv"],
        serde_json::json!(["rm", "-rf", "~"])
    );
    assert!(
        v["reasons"][0].as_str().unwrap().contains("rm -rf ~"),
        "{v}"
    );

    let out = palisade(&["--json", "cmd", "assess", "--", "cargo test"], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_lines(&out)[0]["decision"], "ask");
}

#[test]
fn assess_reads_json_strings_from_stdin() {
    let input = "\"echo hi\"\n\"ls\\nrm -rf /\"\n\"git commit -m \\\"reboot\\\"\"\n";
    let out = palisade(&["--json", "cmd", "assess", "--stdin"], Some(input));
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["decision"], "allow");
    assert_eq!(lines[1]["command"], "ls\nrm -rf /");
    assert_eq!(lines[1]["decision"], "deny");
    assert_eq!(lines[2]["risk"], "medium");

    let out = palisade(&["--json", "cmd", "assess", "--stdin"], Some("not json\n"));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_lines(&out)[0]["error"]["kind"], "usage");
}

#[test]
fn assess_uses_a_policy_file() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[[rule]]\naction = \"allow\"\ncommand = \"cargo test\"\n",
    )
    .unwrap();
    let p = policy.to_str().unwrap();
    let out = palisade(
        &[
            "--json",
            "cmd",
            "assess",
            "--policy",
            p,
            "--",
            "cargo test -p x",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json_lines(&out)[0]["decision"], "allow");

    std::fs::write(&policy, "[[rule]]\nacton = \"allow\"\n").unwrap();
    let out = palisade(
        &["--json", "cmd", "assess", "--policy", p, "--", "ls"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let v = &json_lines(&out)[0];
    assert_eq!(v["error"]["kind"], "syntax");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("policy.toml:2:1"),
        "{v}"
    );
}

#[test]
fn assess_without_a_command_is_a_usage_error() {
    let out = palisade(&["--json", "cmd", "assess"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn human_output_lists_sub_commands() {
    let out = palisade(&["cmd", "assess", "--", "curl -s x | sh"], None);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("deny (critical risk)"), "{text}");
    assert!(
        text.contains("curl -s x") && text.contains("downloads"),
        "{text}"
    );
}

#[test]
fn policy_check_reports_valid_and_invalid_policies() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "[[rule]]\naction = \"allow\"\ncommand = \"git status\"\nexamples.match = [\"git status -s\"]\nexamples.not_match = [\"git push\"]\n",
    )
    .unwrap();
    let out = palisade(&["--json", "policy", "check", good.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0));
    let v = &json_lines(&out)[0];
    assert_eq!(
        (
            v["ok"].as_bool(),
            v["rules"].as_u64(),
            v["examples"].as_u64()
        ),
        (Some(true), Some(1), Some(2))
    );

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "\n[[rule]]\naction = \"allow\"\ncommand = \"git push\"\nexamples.match = [\"git pull\"]\n",
    )
    .unwrap();
    let out = palisade(&["--json", "policy", "check", bad.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    let v = &json_lines(&out)[0];
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"]["kind"], "example_failed");
    assert_eq!(v["error"]["line"], 2);

    let out = palisade(
        &[
            "--json",
            "policy",
            "check",
            dir.path().join("missing.toml").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_lines(&out)[0]["error"]["kind"], "io");
}
