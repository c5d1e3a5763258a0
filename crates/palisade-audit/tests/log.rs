//! AuditLog on real SQLite files: append, chain, verify, seal, anchors, triggers, durability
//! modes, group commit, overflow policies, counters, queries, export and retention.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]

mod common;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::{event, fill, open};
use palisade_audit::{
    Appended, AuditConfig, AuditLog, AuditReader, Decision, Durability, ErrorKind, NewEvent,
    OverflowPolicy, Problem, Query, Risk, Seal, SealKey,
};

#[test]
fn append_assigns_consecutive_seqs_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(&dir.path().join("audit.db"));
    let mut last = None;
    for i in 1..=20u64 {
        let receipt = log.append(event(i)).unwrap().receipt().unwrap();
        assert_eq!(receipt.seq, i);
        last = Some(receipt);
    }
    let report = log.verify(None).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.events, 20);
    assert_eq!(report.head, last.unwrap().hash);
    assert_eq!(log.counters().written, 20);
}

#[test]
fn reopening_continues_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    fill(&open(&path), 5);
    let log = open(&path);
    assert_eq!(log.append(event(6)).unwrap().receipt().unwrap().seq, 6);
    let report = log.verify(None).unwrap();
    assert!(report.is_ok());
    assert_eq!(report.events, 6);
}

#[test]
fn invalid_events_are_refused_before_queueing() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(&dir.path().join("audit.db"));
    let err = log
        .append(
            NewEvent::new("a", "shell", Decision::Allow, Risk::Low).with_subject("x".repeat(9000)),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidEvent);
    assert!(err.to_string().contains("`subject`"), "{err}");
    assert_eq!(log.counters().written, 0);
}

#[test]
fn triggers_refuse_update_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let log = open(&path);
    fill(&log, 3);
    log.seal().unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    for sql in [
        "UPDATE events SET decision = 'allow' WHERE seq = 2",
        "DELETE FROM events WHERE seq = 3",
        "UPDATE seals SET seq = 1",
        "DELETE FROM seals",
        "INSERT INTO checkpoint (id, seq, hash, seal_number) VALUES (1, 2, x'00', 1)",
    ] {
        let err = conn.execute(sql, []).unwrap_err();
        assert!(err.to_string().contains("palisade-audit"), "{sql}: {err}");
    }
    assert!(log.verify(None).unwrap().is_ok());
}

#[test]
fn schema_version_is_recorded_and_newer_versions_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    drop(open(&path));
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    conn.execute_batch("PRAGMA user_version = 99").unwrap();
    drop(conn);
    let err = AuditLog::open(&path, AuditConfig::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnsupportedSchema);
    assert_eq!(
        AuditReader::open(&path).unwrap_err().kind(),
        ErrorKind::UnsupportedSchema
    );
}

#[test]
fn reader_does_not_create_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.db");
    assert!(AuditReader::open(&path).is_err());
    assert!(!path.exists());
}

#[test]
fn seals_chain_and_anchor_detects_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let key = SealKey::from_bytes(&[3; 32]);
    let log = AuditLog::open(
        &path,
        AuditConfig::default().with_seal_key(SealKey::from_bytes(&[3; 32])),
    )
    .unwrap();
    fill(&log, 5);
    let first = log.seal().unwrap();
    fill(&log, 5);
    let second = log.seal().unwrap();
    assert_eq!((first.number, first.seq), (1, 5));
    assert_eq!((second.number, second.seq), (2, 10));
    assert_eq!(second.prev_seal, first.hash);
    assert!(second.signature_is_valid(&key.verifying_key()));
    let anchor = Seal::from_anchor(&second.to_anchor()).unwrap();
    assert!(log.verify(Some(anchor.clone())).unwrap().is_ok());
    drop(log);

    // An attacker removes the last three events and the seal that covered them.
    let conn = common::attacker(&path);
    conn.execute("DELETE FROM events WHERE seq > 7", [])
        .unwrap();
    conn.execute("DELETE FROM seals WHERE number = 2", [])
        .unwrap();
    drop(conn);
    let reader = AuditReader::open(&path).unwrap();
    let without = reader.verify(None, Some(key.verifying_key())).unwrap();
    assert!(
        without.is_ok(),
        "truncation is invisible without an anchor: {without:?}"
    );
    let with = reader
        .verify(Some(anchor), Some(key.verifying_key()))
        .unwrap();
    let finding = with.finding.unwrap();
    assert_eq!((finding.seq, finding.problem), (8, Problem::Truncated));
}

#[test]
fn automatic_seals_by_count_and_interval() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(
        dir.path().join("a.db"),
        AuditConfig::default().with_seal_every_events(4),
    )
    .unwrap();
    fill(&log, 9);
    let seal = log.seal().unwrap();
    // Seals after events 4 and 8, then the one asked for.
    assert_eq!(seal.number, 3);
    let log = AuditLog::open(
        dir.path().join("b.db"),
        AuditConfig::default().with_seal_interval(Duration::from_millis(50)),
    )
    .unwrap();
    fill(&log, 2);
    std::thread::sleep(Duration::from_millis(300));
    let seal = log.seal().unwrap();
    assert_eq!(seal.number, 2, "one timed seal, then the one asked for");
    assert!(log.verify(None).unwrap().is_ok());
}

#[test]
fn buffered_mode_returns_queued_and_flush_commits() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(
        dir.path().join("audit.db"),
        AuditConfig::default().with_durability(Durability::Buffered),
    )
    .unwrap();
    for i in 1..=50 {
        assert_eq!(log.append(event(i)).unwrap(), Appended::Queued);
    }
    log.flush().unwrap();
    assert_eq!(log.counters().written, 50);
    let report = log.verify(None).unwrap();
    assert_eq!(report.events, 50);
}

#[test]
fn drop_drains_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    {
        let log = AuditLog::open(
            &path,
            AuditConfig::default().with_durability(Durability::Buffered),
        )
        .unwrap();
        for i in 1..=200 {
            log.append(event(i)).unwrap();
        }
    }
    let report = AuditReader::open(&path)
        .unwrap()
        .verify(None, None)
        .unwrap();
    assert!(report.is_ok());
    assert_eq!(report.events, 200);
}

/// Holds the writer inside SQLite's busy handler: another connection takes the write lock,
/// so the writer's BEGIN IMMEDIATE waits and the queue fills behind it.
fn with_writer_stalled(path: &std::path::Path, f: impl FnOnce()) {
    let blocker = rusqlite::Connection::open(path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    f();
    blocker.execute_batch("COMMIT").unwrap();
}

#[test]
fn overflow_drop_and_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let log = AuditLog::open(
        &path,
        AuditConfig::default()
            .with_durability(Durability::Buffered)
            .with_overflow(OverflowPolicy::DropAndCount)
            .with_queue_capacity(4)
            .with_max_batch(1),
    )
    .unwrap();
    let mut dropped = 0;
    with_writer_stalled(&path, || {
        for i in 1..=50 {
            if log.append(event(i)).unwrap() == Appended::Dropped {
                dropped += 1;
            }
        }
    });
    log.flush().unwrap();
    let counters = log.counters();
    assert!(dropped > 0, "the queue never filled");
    assert_eq!(counters.dropped, dropped);
    assert_eq!(counters.written + counters.dropped, 50);
    assert_eq!(log.verify(None).unwrap().events, counters.written);
}

#[test]
fn overflow_fail_closed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let log = AuditLog::open(
        &path,
        AuditConfig::default()
            .with_durability(Durability::Buffered)
            .with_overflow(OverflowPolicy::FailClosed)
            .with_queue_capacity(4)
            .with_max_batch(1),
    )
    .unwrap();
    let mut refused = 0;
    with_writer_stalled(&path, || {
        for i in 1..=50 {
            match log.append(event(i)) {
                Ok(appended) => assert_eq!(appended, Appended::Queued),
                Err(err) => {
                    assert_eq!(err.kind(), ErrorKind::QueueFull);
                    refused += 1;
                }
            }
        }
    });
    log.flush().unwrap();
    let counters = log.counters();
    assert!(refused > 0);
    assert_eq!(counters.failed, refused);
    assert_eq!(counters.dropped, 0);
    assert_eq!(counters.written + refused, 50);
}

#[test]
fn overflow_block_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let log = Arc::new(
        AuditLog::open(
            &path,
            AuditConfig::default()
                .with_durability(Durability::Buffered)
                .with_queue_capacity(2),
        )
        .unwrap(),
    );
    let blocker = rusqlite::Connection::open(&path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let appender = {
        let log = Arc::clone(&log);
        std::thread::spawn(move || {
            for i in 1..=20 {
                log.append(event(i)).unwrap();
            }
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !appender.is_finished(),
        "a full queue must block the appender"
    );
    blocker.execute_batch("COMMIT").unwrap();
    appender.join().unwrap();
    log.flush().unwrap();
    assert_eq!(log.counters().written, 20);
    assert_eq!(log.counters().dropped + log.counters().failed, 0);
}

#[test]
fn failed_commits_are_reported_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let log = AuditLog::open(
        &path,
        AuditConfig::default().with_busy_timeout(Duration::from_millis(50)),
    )
    .unwrap();
    with_writer_stalled(&path, || {
        let err = log.append(event(1)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Database);
    });
    assert_eq!(log.counters().failed, 1);
    // The log recovers once the lock is gone, and the chain has no hole.
    assert_eq!(log.append(event(2)).unwrap().receipt().unwrap().seq, 1);
}

#[test]
fn eight_threads_make_one_linear_chain() {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(open(&dir.path().join("audit.db")));
    let threads = 8;
    let per_thread = 40u64;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let log = Arc::clone(&log);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                (0..per_thread)
                    .map(|i| {
                        let tag = format!("t{t}-{i}");
                        let receipt = log
                            .append(
                                NewEvent::new("agent", "shell", Decision::Allow, Risk::Low)
                                    .with_subject(tag.clone()),
                            )
                            .unwrap()
                            .receipt()
                            .unwrap();
                        (receipt.seq, tag)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut acked: Vec<(u64, String)> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    acked.sort();
    let total = u64::try_from(threads).unwrap() * per_thread;
    assert_eq!(acked.len() as u64, total);
    let seqs: Vec<u64> = acked.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(
        seqs,
        (1..=total).collect::<Vec<_>>(),
        "no gap, no duplicate"
    );
    let report = log.verify(None).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.events, total);
    let counters = log.counters();
    assert_eq!(counters.written, total);
    assert!(
        counters.commits < total,
        "concurrent appenders share commits: {counters:?}"
    );
    let page = log.query(&Query::new().limit(10_000)).unwrap();
    for (row, (seq, tag)) in page.rows.iter().zip(&acked) {
        assert_eq!((row.event.seq, &row.event.subject), (*seq, tag));
    }
}

#[test]
fn query_filters_and_keyset_pagination() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(&dir.path().join("audit.db"));
    let start = jiff::Timestamp::now();
    fill(&log, 60);
    let all = log.query(&Query::new().limit(1000)).unwrap();
    assert_eq!(all.rows.len(), 60);
    assert_eq!(all.next, None);

    let denied_high = log
        .query(
            &Query::new()
                .decision(Decision::Deny)
                .min_risk(Risk::High)
                .limit(1000),
        )
        .unwrap();
    let expected: Vec<u64> = (1..=60).filter(|i| i % 3 == 2 && i % 4 >= 2).collect();
    assert_eq!(
        denied_high
            .rows
            .iter()
            .map(|r| r.event.seq)
            .collect::<Vec<_>>(),
        expected
    );

    let actor = log
        .query(
            &Query::new()
                .actor("actor-1")
                .session("session-1")
                .limit(1000),
        )
        .unwrap();
    assert!(
        actor
            .rows
            .iter()
            .all(|r| r.event.actor == "actor-1" && r.event.session == "session-1")
    );
    assert_eq!(actor.rows.len(), 6);

    let text = log
        .query(&Query::new().subject_contains("event 4").limit(1000))
        .unwrap();
    assert_eq!(
        text.rows.iter().map(|r| r.event.seq).collect::<Vec<_>>(),
        vec![4, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49]
    );
    let wildcard = log
        .query(&Query::new().subject_contains("%").limit(1000))
        .unwrap();
    assert!(wildcard.rows.is_empty(), "`%` is literal");

    let none = log
        .query(&Query::new().since(jiff::Timestamp::now()).limit(1000))
        .unwrap();
    assert!(none.rows.is_empty());
    let before_start = log.query(&Query::new().until(start)).unwrap();
    assert!(before_start.rows.is_empty());

    // Keyset pagination visits every row exactly once.
    let mut seen = Vec::new();
    let mut query = Query::new().limit(7);
    loop {
        let page = log.query(&query).unwrap();
        seen.extend(page.rows.iter().map(|r| r.event.seq));
        match page.next {
            Some(next) => query = query.after(next),
            None => break,
        }
    }
    assert_eq!(seen, (1..=60).collect::<Vec<_>>());

    // The indexes are used for the indexed filters.
    let conn = rusqlite::Connection::open(log.path()).unwrap();
    let plan: String = conn
        .query_row(
            "EXPLAIN QUERY PLAN SELECT seq FROM events WHERE actor = 'a' AND seq > 3 ORDER BY seq LIMIT 5",
            [],
            |r| r.get(3),
        )
        .unwrap();
    assert!(plan.contains("events_actor"), "{plan}");
}

#[test]
fn export_writes_json_lines_that_match_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(&dir.path().join("audit.db"));
    fill(&log, 12);
    let mut out = Vec::new();
    assert_eq!(log.export(&Query::new(), &mut out).unwrap(), 12);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 12);
    assert_eq!(lines[3]["seq"], 4);
    assert_eq!(lines[3]["metadata"]["i"], 4);
    assert_eq!(lines[3]["decision"], "ask");
    assert_eq!(lines[4]["prev_hash"], lines[3]["hash"]);
    let report = log.verify(None).unwrap();
    assert_eq!(lines[11]["hash"], report.head.to_hex());
}

#[test]
fn retention_removes_sealed_segments_and_the_rest_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let log = open(&path);
    fill(&log, 10);
    let first = log.seal().unwrap();
    fill(&log, 10);
    let second = log.seal().unwrap();
    let cut = jiff::Timestamp::now();
    std::thread::sleep(Duration::from_millis(5));
    fill(&log, 5);
    log.seal().unwrap();
    assert!(first.time < second.time && second.time < cut);

    let retention = log.retain_after(cut).unwrap();
    assert_eq!(retention.removed, 20);
    assert_eq!(retention.checkpoint.seq, 20);
    let report = log.verify(Some(second.clone())).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.events, 5);
    // Appends continue after retention, and nothing more is removed with the same cut-off.
    assert_eq!(log.append(event(26)).unwrap().receipt().unwrap().seq, 26);
    assert_eq!(log.retain_after(cut).unwrap().removed, 0);
    assert!(log.verify(None).unwrap().is_ok());

    // A deleted prefix without a seal behind it is caught.
    drop(log);
    let conn = common::attacker(&path);
    conn.execute("DELETE FROM events WHERE seq <= 22", [])
        .unwrap();
    drop(conn);
    let finding = AuditReader::open(&path)
        .unwrap()
        .verify(None, None)
        .unwrap()
        .finding
        .unwrap();
    assert_eq!((finding.seq, finding.problem), (21, Problem::Deleted));
}

#[test]
fn submitted_appends_are_group_committed_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(
        dir.path().join("audit.db"),
        AuditConfig::default().with_durability(Durability::Balanced),
    )
    .unwrap();
    let pending: Vec<_> = (1..=500).map(|i| log.submit(event(i)).unwrap()).collect();
    let seqs: Vec<u64> = pending
        .into_iter()
        .map(|p| p.wait().unwrap().receipt().unwrap().seq)
        .collect();
    assert_eq!(seqs, (1..=500).collect::<Vec<_>>());
    let report = log.verify(None).unwrap();
    assert_eq!(report.events, 500);
    let counters = log.counters();
    assert_eq!(counters.written, 500);
    assert!(
        counters.commits <= 250,
        "appends in flight share transactions: {counters:?}"
    );
}
