//! `palisade audit` as seen from a shell: the JSON contract of DESIGN.md, exit statuses, and
//! tampering caught through the command line.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::path::Path;
use std::process::Command;

use serde_json::Value;

struct Run {
    code: i32,
    lines: Vec<Value>,
    stderr: String,
}

fn palisade(db: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .arg("--json")
        .arg("audit")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("the palisade binary runs");
    let stdout = String::from_utf8(out.stdout).unwrap();
    Run {
        code: out.status.code().unwrap(),
        lines: stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|err| panic!("{line:?}: {err}")))
            .collect(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn append(db: &Path, event: &str) -> Value {
    let run = palisade(db, &["append", "--event", event]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.lines.len(), 1);
    run.lines[0].clone()
}

fn populated(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("audit.db");
    for (i, decision) in ["allow", "deny", "ask", "deny"].iter().enumerate() {
        let event = format!(
            r#"{{"actor":"agent-{}","action":"shell","subject":"cmd {i}","decision":"{decision}","risk":"{}","reason":"r","metadata":{{"n":{i}}}}}"#,
            i % 2,
            ["low", "high", "medium", "critical"][i]
        );
        let receipt = append(&db, &event);
        assert_eq!(receipt["seq"], i + 1);
        assert_eq!(receipt["hash"].as_str().unwrap().len(), 64);
    }
    db
}

#[test]
fn append_seal_verify_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let db = populated(dir.path());
    let anchor = dir.path().join("anchor.json");
    let sealed = palisade(&db, &["seal", "--out", anchor.to_str().unwrap()]);
    assert_eq!(sealed.code, 0, "{}", sealed.stderr);
    assert_eq!(sealed.lines[0]["seq"], 4);
    let head = sealed.lines[0]["hash"].as_str().unwrap().to_owned();
    assert!(anchor.exists());

    for args in [
        vec!["verify"],
        vec!["verify", "--anchor", anchor.to_str().unwrap()],
    ] {
        let run = palisade(&db, &args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.lines.len(), 1);
        assert_eq!(run.lines[0]["ok"], true);
        assert_eq!(run.lines[0]["events"], 4);
        assert_eq!(run.lines[0]["head"], head.as_str());
    }
}

#[test]
fn query_and_export_print_one_event_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = populated(dir.path());
    let run = palisade(&db, &["query", "--decision", "deny"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let seqs: Vec<&Value> = run.lines.iter().map(|l| &l["seq"]).collect();
    assert_eq!(seqs, [&Value::from(2), &Value::from(4)]);
    assert_eq!(run.lines[0]["decision"], "deny");
    assert_eq!(run.lines[0]["metadata"]["n"], 1);

    let run = palisade(&db, &["query", "--min-risk", "high", "--actor", "agent-1"]);
    assert_eq!(run.lines.len(), 2);
    let run = palisade(&db, &["query", "--limit", "3"]);
    assert_eq!(run.lines.len(), 3);
    let run = palisade(
        &db,
        &[
            "query",
            "--since",
            "2000-01-01T00:00:00Z",
            "--until",
            "2000-01-02T00:00:00Z",
        ],
    );
    assert_eq!((run.code, run.lines.len()), (0, 0));

    let run = palisade(&db, &["export"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.lines.len(), 4);
    assert_eq!(run.lines[3]["prev_hash"], run.lines[2]["hash"]);
    assert_eq!(run.lines[1]["subject"], "cmd 1");
}

#[test]
fn tampering_exits_1_with_the_first_bad_seq_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    let db = populated(dir.path());
    let anchor = dir.path().join("anchor.json");
    assert_eq!(
        palisade(&db, &["seal", "--out", anchor.to_str().unwrap()]).code,
        0
    );

    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "DROP TRIGGER events_no_delete; DROP TRIGGER seals_no_delete;
         DELETE FROM events WHERE seq > 2; DELETE FROM seals;",
    )
    .unwrap();
    drop(conn);
    let run = palisade(&db, &["verify"]);
    assert_eq!(
        run.code, 0,
        "without an anchor the shorter chain looks whole"
    );
    let run = palisade(&db, &["verify", "--anchor", anchor.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert_eq!(run.lines.len(), 1);
    assert_eq!(run.lines[0]["ok"], false);
    assert_eq!(run.lines[0]["first_bad_seq"], 3);
    assert_eq!(run.lines[0]["problem"], "truncated");

    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "DROP TRIGGER events_no_update; UPDATE events SET decision = 'allow' WHERE seq = 2;",
    )
    .unwrap();
    drop(conn);
    let run = palisade(&db, &["verify"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.lines[0]["first_bad_seq"], 2);
    assert_eq!(run.lines[0]["problem"], "modified");
}

#[test]
fn usage_and_configuration_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    for (args, kind) in [
        (vec!["append", "--event", "not json"], "invalid_event"),
        (
            vec![
                "append",
                "--event",
                r#"{"actor":"a","action":"x","decision":"maybe","risk":"low"}"#,
            ],
            "invalid_event",
        ),
        (
            vec![
                "append",
                "--event",
                r#"{"actor":"a","action":"x","decision":"allow","risk":"low","extra":1}"#,
            ],
            "invalid_event",
        ),
        (
            vec![
                "append",
                "--event",
                r#"{"actor":"","action":"x","decision":"allow","risk":"low"}"#,
            ],
            "invalid_event",
        ),
        (vec!["verify"], "database"),
        (vec!["export"], "database"),
        (vec!["query", "--since", "yesterday"], "usage"),
        (vec!["query", "--min-risk", "extreme"], "usage"),
    ] {
        let run = palisade(&db, &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert_eq!(run.lines.len(), 1, "{args:?}");
        assert_eq!(run.lines[0]["ok"], false);
        assert_eq!(run.lines[0]["error"]["kind"], kind, "{args:?}");
    }
    assert!(!db.exists(), "failed commands must not create the database");
    let anchor = dir.path().join("bad-anchor.json");
    std::fs::write(&anchor, "{}").unwrap();
    populated(dir.path());
    let run = palisade(&db, &["verify", "--anchor", anchor.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    let out = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(["--json", "audit", "verify"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
