//! Crash test: a child process (this test binary re-executed) appends in `Durable` and in
//! `Balanced` mode from several threads and is killed with SIGKILL at random moments, many rounds. Every event
//! whose append returned (the child reports it on a pipe only after `append` returned) must be
//! present after reopening, and the chain must verify.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]

use std::collections::BTreeMap;
use std::hash::{BuildHasher as _, RandomState};
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use palisade_audit::{
    AuditConfig, AuditLog, AuditReader, Decision, Durability, NewEvent, Query, Risk,
};

const CHILD_ENV: &str = "PALISADE_AUDIT_CRASH_CHILD";
const MARK: &str = "@@ACK ";
const ROUNDS_PER_MODE: u64 = 20;
/// Appender threads in the child, so kills also land inside group commits.
const CHILD_THREADS: usize = 4;

/// The child's body. In a normal test run (no `PALISADE_AUDIT_CRASH_CHILD`) it returns at once;
/// the parent test re-executes this binary with only this test selected.
#[test]
fn crash_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut parts = spec.splitn(3, '|');
    let mode = match parts.next().unwrap() {
        "durable" => Durability::Durable,
        "balanced" => Durability::Balanced,
        other => panic!("unknown mode {other}"),
    };
    let round = parts.next().unwrap().to_owned();
    let path = parts.next().unwrap().to_owned();
    let log = std::sync::Arc::new(
        AuditLog::open(&path, AuditConfig::default().with_durability(mode)).unwrap(),
    );
    let threads: Vec<_> = (0..CHILD_THREADS)
        .map(|t| {
            let log = std::sync::Arc::clone(&log);
            let round = round.clone();
            std::thread::spawn(move || {
                for i in 0..1_000_000u64 {
                    let subject = format!("round {round} thread {t} event {i}");
                    let receipt = log
                        .append(
                            NewEvent::new("crash-child", "shell", Decision::Allow, Risk::Low)
                                .with_subject(subject.clone()),
                        )
                        .unwrap()
                        .receipt()
                        .unwrap();
                    // Reported only after append returned; one write per line.
                    let mut stdout = std::io::stdout().lock();
                    writeln!(stdout, "{MARK}{} {subject}", receipt.seq).unwrap();
                    stdout.flush().unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

fn random_below(bound: u64) -> u64 {
    RandomState::new().hash_one(std::time::SystemTime::now()) % bound
}

/// Runs one child until it has acknowledged at least one event (or timed out), waits a random
/// moment, kills it with SIGKILL and returns what it acknowledged.
fn run_and_kill(path: &Path, mode: &str, round: u64) -> Vec<(u64, String)> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, format!("{mode}|{round}|{}", path.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        // Only complete lines count: a line cut by the kill was never fully reported.
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            if line.ends_with('\n') {
                let _ = lines_tx.send(std::mem::take(&mut line));
            }
        }
    });
    let mut acked = Vec::new();
    let mut parse = |line: String| {
        if let Some(rest) = line.find(MARK).map(|at| &line[at + MARK.len()..]) {
            let (seq, subject) = rest.trim_end().split_once(' ').unwrap();
            acked.push((seq.parse::<u64>().unwrap(), subject.to_owned()));
        }
    };
    // Wait for the first acknowledgement, so the kill lands while appends are in flight.
    loop {
        match lines.recv_timeout(Duration::from_secs(20)) {
            Ok(line) if line.contains(MARK) => {
                parse(line);
                break;
            }
            Ok(_) => {}
            Err(_) => panic!("the child acknowledged nothing within 20 s"),
        }
    }
    std::thread::sleep(Duration::from_micros(random_below(40_000)));
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    reader.join().unwrap();
    lines.try_iter().for_each(parse);
    acked
}

fn check_all_present(path: &Path, acked: &BTreeMap<u64, String>) {
    let reader = AuditReader::open(path).unwrap();
    let report = reader.verify(None, None).unwrap();
    assert!(report.is_ok(), "chain broken after a crash: {report:?}");
    let mut stored = BTreeMap::new();
    let mut query = Query::new().limit(palisade_audit::MAX_PAGE);
    loop {
        let page = reader.query(&query).unwrap();
        for row in &page.rows {
            stored.insert(row.event.seq, row.event.subject.clone());
        }
        match page.next {
            Some(next) => query = query.after(next),
            None => break,
        }
    }
    assert_eq!(u64::try_from(stored.len()).unwrap(), report.events);
    for (seq, subject) in acked {
        assert_eq!(
            stored.get(seq),
            Some(subject),
            "acknowledged event {seq} ({subject}) is missing after the crash"
        );
    }
}

#[test]
fn acknowledged_appends_survive_sigkill() {
    for mode in ["durable", "balanced"] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.db");
        let mut acked = BTreeMap::new();
        for round in 0..ROUNDS_PER_MODE {
            for (seq, subject) in run_and_kill(&path, mode, round) {
                assert!(
                    acked.insert(seq, subject).is_none(),
                    "{mode}: sequence number {seq} acknowledged twice"
                );
            }
            check_all_present(&path, &acked);
        }
        eprintln!(
            "{mode}: {} acknowledged events over {ROUNDS_PER_MODE} SIGKILLed rounds",
            acked.len()
        );
        assert!(
            acked.len() >= usize::try_from(ROUNDS_PER_MODE).unwrap(),
            "{mode}: every round acknowledged at least one event"
        );
    }
}
