//! Criterion benchmarks for palisade-audit, each against its baseline in the same run:
//! - Balanced group commit (chain + one writer) vs raw rusqlite inserting the same rows in
//!   1,000-row transactions;
//! - Durable with 8 concurrent appenders vs 1 (group commit sharing fsyncs);
//! - verify (rows/s) vs a raw scan of the same rows without hashing.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "benchmark harness"
)]

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use palisade_audit::{
    AuditConfig, AuditLog, AuditReader, Decision, Durability, NewEvent, Query, Risk,
};

/// A typical gate decision, about 200 bytes stored.
fn event(i: u64) -> NewEvent {
    NewEvent::new("agent-7", "shell", Decision::Allow, Risk::Medium)
        .with_session("session-42")
        .with_subject(format!("cargo test --workspace -- --nocapture # {i}"))
        .with_rule("allow.cargo")
        .with_reason("matched allow rule for cargo")
        .with_metadata(serde_json::json!({ "cwd": "/work/project", "i": i }))
}

const ROWS: u64 = 1_000;

/// The same schema the log uses (same indexes), for the raw baseline.
const RAW_SCHEMA: &str = "
CREATE TABLE events (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, actor TEXT NOT NULL,
  session TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL, decision TEXT NOT NULL,
  risk INTEGER NOT NULL, rule TEXT NOT NULL, reason TEXT NOT NULL, metadata TEXT NOT NULL,
  prev_hash BLOB NOT NULL, hash BLOB NOT NULL) STRICT;
CREATE INDEX events_ts ON events (ts);
CREATE INDEX events_actor ON events (actor, seq);
CREATE INDEX events_session ON events (session, seq);
CREATE INDEX events_decision ON events (decision, seq);";

fn sustained_appends(c: &mut Criterion) {
    let mut group = c.benchmark_group("audit/append_1000_rows");
    group.throughput(Throughput::Elements(ROWS));
    group.sample_size(10);

    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(
        dir.path().join("ours.db"),
        AuditConfig::default().with_durability(Durability::Balanced),
    )
    .unwrap();
    let mut next = 0u64;
    group.bench_function("balanced_group_commit", |b| {
        b.iter_batched(
            || {
                let events: Vec<_> = (next..next + ROWS).map(event).collect();
                next += ROWS;
                events
            },
            |events| {
                let pending: Vec<_> = events.into_iter().map(|e| log.submit(e).unwrap()).collect();
                for p in pending {
                    black_box(p.wait().unwrap());
                }
            },
            BatchSize::PerIteration,
        );
    });

    let conn = rusqlite::Connection::open(dir.path().join("raw.db")).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .unwrap();
    conn.execute_batch(RAW_SCHEMA).unwrap();
    let mut seq = 0i64;
    group.bench_function("raw_rusqlite_1000_row_tx", |b| {
        b.iter(|| {
                let tx = conn.unchecked_transaction().unwrap();
                {
                    let mut stmt = tx
                        .prepare_cached(
                            "INSERT INTO events (seq, ts, actor, session, action, subject, decision, risk, rule, reason, metadata, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                        )
                        .unwrap();
                    let blob = [7u8; 32];
                    for _ in 0..ROWS {
                        seq += 1;
                        // The same column values the log stores (hashes are fixed bytes here:
                        // the baseline does no chaining).
                        stmt.execute(rusqlite::params![
                            seq,
                            seq,
                            "agent-7",
                            "session-42",
                            "shell",
                            format!("cargo test --workspace -- --nocapture # {seq}"),
                            "allow",
                            1,
                            "allow.cargo",
                            "matched allow rule for cargo",
                            format!("{{\"cwd\":\"/work/project\",\"i\":{seq}}}"),
                            blob.as_slice(),
                            blob.as_slice(),
                        ])
                        .unwrap();
                    }
                }
                tx.commit().unwrap();
        });
    });
    group.finish();
}

/// Durable appends: `threads` appenders, `per_thread` appends each; returns the elapsed time.
fn durable_run(log: &Arc<AuditLog>, threads: usize, per_thread: u64) -> Duration {
    let barrier = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let log = Arc::clone(log);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                for i in 0..per_thread {
                    black_box(log.append(event(i)).unwrap());
                }
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    for handle in handles {
        handle.join().unwrap();
    }
    start.elapsed()
}

fn durable_concurrency(c: &mut Criterion) {
    let mut group = c.benchmark_group("audit/durable_appends");
    group.sample_size(10);
    let per_thread = 25u64;
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(
        AuditLog::open(
            dir.path().join("durable.db"),
            AuditConfig::default().with_durability(Durability::Durable),
        )
        .unwrap(),
    );
    for threads in [1usize, 8] {
        group.throughput(Throughput::Elements(per_thread * threads as u64));
        group.bench_function(format!("{threads}_appenders"), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| durable_run(&log, threads, per_thread))
                    .sum()
            });
        });
    }
    group.finish();
}

fn verify_speed(c: &mut Criterion) {
    let mut group = c.benchmark_group("audit/verify");
    group.sample_size(10);
    let rows = 20_000u64;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("verify.db");
    {
        let log = AuditLog::open(
            &path,
            AuditConfig::default().with_durability(Durability::Buffered),
        )
        .unwrap();
        for i in 0..rows {
            log.append(event(i)).unwrap();
        }
        log.flush().unwrap();
    }
    let reader = AuditReader::open(&path).unwrap();
    group.throughput(Throughput::Elements(rows));
    group.bench_function("verify_chain", |b| {
        b.iter(|| {
            let report = reader.verify(None, None).unwrap();
            assert!(report.is_ok());
            black_box(report)
        });
    });
    // Floor: reading the same rows into the same types, no hashing.
    group.bench_function("read_rows_only", |b| {
        b.iter(|| {
            let mut query = Query::new().limit(palisade_audit::MAX_PAGE);
            let mut n = 0usize;
            loop {
                let page = reader.query(&query).unwrap();
                n += page.rows.len();
                match page.next {
                    Some(next) => query = query.after(next),
                    None => break,
                }
            }
            black_box(n)
        });
    });
    group.finish();
}

criterion_group!(
    benches,
    sustained_appends,
    durable_concurrency,
    verify_speed
);
criterion_main!(benches);
