//! `palisade limit` from a shell: simulated rate limits and breakers, JSON lines, exit
//! statuses.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test helpers fail loudly; clippy.toml exempts only #[test] functions"
)]

use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_json::Value;

struct Run {
    code: Option<i32>,
    lines: Vec<Value>,
    stdout: String,
    stderr: String,
}

fn palisade(args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the palisade binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines = if args.contains(&"--json") {
        stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("every line is one JSON object"))
            .collect()
    } else {
        Vec::new()
    };
    Run {
        code: out.status.code(),
        lines,
        stdout,
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

#[test]
fn simulate_prints_one_decision_per_arrival_and_exits_1_on_a_denial() {
    let run = palisade(
        &[
            "--json",
            "limit",
            "simulate",
            "--global",
            "3/s",
            "--per-key",
            "2/s",
        ],
        "0 alice\n0 alice\n0 alice\n# a comment\n\n0 bob\n0 carol\n500 alice\n1000 dave 4\n",
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let summary: Vec<(bool, Value, Value)> = run
        .lines
        .iter()
        .map(|l| {
            (
                l["allowed"].as_bool().unwrap(),
                l["denied_by"].clone(),
                l["retry_after_ms"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (true, Value::Null, Value::Null),
            (true, Value::Null, Value::Null),
            (false, "key".into(), 500.into()),
            (true, Value::Null, Value::Null),
            (false, "global".into(), 334.into()),
            (true, Value::Null, Value::Null),
            (false, "cost_exceeds_burst".into(), Value::Null),
        ]
    );
    assert_eq!(run.lines[0]["key"], "alice");
    assert_eq!(run.lines[0]["t_ms"], 0);
    assert_eq!(run.lines[0]["cost"], 1);
    assert_eq!(run.lines[0]["remaining"], 1);
    assert_eq!(run.lines[0]["dry_run"], false);
    assert_eq!(run.lines[6]["cost"], 4);
}

#[test]
fn simulate_exits_0_when_everything_passes_and_keys_can_have_their_own_quota() {
    let run = palisade(
        &[
            "--json",
            "limit",
            "simulate",
            "--per-key",
            "1/s",
            "--key-quota",
            "vip=5/s",
        ],
        "0 vip\n0 vip\n0 vip\n0 other\n1000 other\n",
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.lines.len(), 5);
    assert!(run.lines.iter().all(|l| l["allowed"] == true));
}

#[test]
fn dry_run_allows_everything_but_reports_and_exits_1() {
    let run = palisade(
        &[
            "--json",
            "limit",
            "simulate",
            "--rate",
            "1/s",
            "--burst",
            "2",
            "--dry-run",
        ],
        "0 a\n0 b\n0 c\n",
    );
    assert_eq!(run.code, Some(1));
    assert!(
        run.lines
            .iter()
            .all(|l| l["allowed"] == true && l["dry_run"] == true)
    );
    assert_eq!(run.lines[2]["denied_by"], "global");
}

#[test]
fn malformed_input_is_a_usage_error_with_the_line_number() {
    for (input, needle) in [
        ("0 a\nnot-a-time a\n", "line 2"),
        ("5 a\n3 a\n", "go backwards"),
        ("0\n", "line 1"),
        ("0 a 0\n", "cost"),
        ("0 a 1 extra\n", "line 1"),
    ] {
        let run = palisade(&["--json", "limit", "simulate", "--per-key", "1/s"], input);
        assert_eq!(run.code, Some(2), "{input:?}");
        let last = run.lines.last().unwrap();
        assert_eq!(last["ok"], false);
        assert_eq!(last["error"]["kind"], "invalid_input");
        assert!(
            last["error"]["message"].as_str().unwrap().contains(needle),
            "{input:?}: {last}"
        );
    }
}

#[test]
fn bad_options_exit_2() {
    let run = palisade(
        &["--json", "limit", "simulate", "--per-key", "10/fortnight"],
        "",
    );
    assert_eq!(run.code, Some(2));
    assert_eq!(run.lines[0]["error"]["kind"], "invalid_quota");
    assert!(run.stderr.contains("fortnight"));
    let run = palisade(&["--json", "limit", "simulate"], "");
    assert_eq!(run.code, Some(2));
    assert_eq!(run.lines[0]["error"]["kind"], "invalid_config");
    let run = palisade(&["--json", "limit", "breaker", "--window", "weeks:2"], "");
    assert_eq!(run.code, Some(2));
    let run = palisade(&["--json", "limit", "breaker", "--failure-rate", "150"], "");
    assert_eq!(run.code, Some(2));
    assert!(
        run.lines[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("failure_rate_threshold")
    );
}

#[test]
fn quota_explains_valid_quotas_and_rejects_invalid_ones() {
    let run = palisade(
        &["--json", "limit", "quota", "600/m", "3/10s burst 5", "0/s"],
        "",
    );
    assert_eq!(run.code, Some(1));
    assert_eq!(run.lines[0]["quota"], "600/m");
    assert_eq!(run.lines[0]["replenish_interval_ns"], 100_000_000);
    assert_eq!(run.lines[1]["burst"], 5);
    assert_eq!(run.lines[1]["period_ms"], 10_000);
    assert_eq!(run.lines[2]["ok"], false);
    assert_eq!(run.lines[2]["error"]["kind"], "invalid_quota");
    assert_eq!(palisade(&["limit", "quota", "10/s"], "").code, Some(0));
}

#[test]
fn breaker_replays_outcomes_through_the_state_machine() {
    let run = palisade(
        &[
            "--json",
            "limit",
            "breaker",
            "--window",
            "count:4",
            "--min-calls",
            "2",
            "--wait-open-ms",
            "1000",
            "--half-open-calls",
            "1",
        ],
        "0 fail\n10 fail\n20 ok\n1010 ok\n1020 ok 5\n",
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let states: Vec<&str> = run
        .lines
        .iter()
        .map(|l| l["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["closed", "open", "open", "closed", "closed"]);
    assert_eq!(run.lines[1]["transitions"][0]["to"], "open");
    assert_eq!(run.lines[2]["permitted"], false);
    assert_eq!(run.lines[2]["retry_after_ms"], 990);
    assert_eq!(run.lines[3]["transitions"].as_array().unwrap().len(), 2);
}

#[test]
fn human_output_and_help_describe_the_input_format() {
    let run = palisade(&["limit", "simulate", "--per-key", "1/s"], "0 a\n0 a\n");
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.contains("denied (key)"), "{}", run.stdout);
    let help = palisade(&["limit", "simulate", "--help"], "");
    assert_eq!(help.code, Some(0));
    assert!(help.stdout.contains("<t_ms> <key> [cost]"));
    assert!(help.stdout.contains("Exit status"));
}
