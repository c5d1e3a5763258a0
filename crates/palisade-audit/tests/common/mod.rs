//! Helpers shared by the integration tests.
#![allow(dead_code, reason = "each test file uses a subset")]

use std::path::Path;

use palisade_audit::{AuditConfig, AuditLog, Decision, NewEvent, Risk};

pub fn event(i: u64) -> NewEvent {
    let decision =
        [Decision::Allow, Decision::Ask, Decision::Deny][usize::try_from(i % 3).unwrap()];
    let risk =
        [Risk::Low, Risk::Medium, Risk::High, Risk::Critical][usize::try_from(i % 4).unwrap()];
    NewEvent::new(format!("actor-{}", i % 5), "shell", decision, risk)
        .with_session(format!("session-{}", i % 2))
        .with_subject(format!("echo event {i}"))
        .with_rule("rule.default")
        .with_reason(format!("reason {i}"))
        .with_metadata(serde_json::json!({ "i": i, "tags": ["a", "b"] }))
}

pub fn open(path: &Path) -> AuditLog {
    AuditLog::open(path, AuditConfig::default()).unwrap()
}

pub fn fill(log: &AuditLog, n: u64) {
    for i in 1..=n {
        log.append(event(i)).unwrap();
    }
}

/// The raw connection an attacker with write access to the file would use, triggers dropped.
pub fn attacker(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete;
         DROP TRIGGER IF EXISTS seals_no_update; DROP TRIGGER IF EXISTS seals_no_delete;",
    )
    .unwrap();
    conn
}
