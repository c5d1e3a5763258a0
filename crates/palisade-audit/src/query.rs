//! Queries: a filter builder over indexed columns with keyset pagination, and JSON Lines export.

use std::io::Write;

use jiff::Timestamp;
use rusqlite::Connection;
use rusqlite::types::Value as SqlValue;
use serde_json::Value;

use crate::chain::ChainRow;
use crate::error::{Error, ErrorKind, Result};
use crate::event::{Decision, Risk, time_to_nanos};
use crate::store::{EVENT_COLUMNS, read_row};

/// Most events one page may hold.
pub const MAX_PAGE: usize = 10_000;

/// A filter over events: every condition given must hold. Results come in sequence order,
/// a page at a time; pass [`Page::next`] to [`Query::after`] for the next page (keyset
/// pagination: each page is an index seek, however deep).
///
/// ```
/// use palisade_audit::{Decision, Query, Risk};
/// let query = Query::new().actor("agent-7").decision(Decision::Deny).min_risk(Risk::High).limit(50);
/// # let _ = query;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    since: Option<Timestamp>,
    until: Option<Timestamp>,
    actor: Option<String>,
    session: Option<String>,
    action: Option<String>,
    decision: Option<Decision>,
    min_risk: Option<Risk>,
    subject_contains: Option<String>,
    after: Option<u64>,
    limit: usize,
}

impl Default for Query {
    fn default() -> Self {
        Self::new()
    }
}

impl Query {
    /// Every event, 100 per page.
    pub fn new() -> Self {
        Self {
            since: None,
            until: None,
            actor: None,
            session: None,
            action: None,
            decision: None,
            min_risk: None,
            subject_contains: None,
            after: None,
            limit: 100,
        }
    }

    /// Only events recorded at or after `time`.
    #[must_use]
    pub fn since(mut self, time: Timestamp) -> Self {
        self.since = Some(time);
        self
    }

    /// Only events recorded before `time`.
    #[must_use]
    pub fn until(mut self, time: Timestamp) -> Self {
        self.until = Some(time);
        self
    }

    /// Only events by `actor`.
    #[must_use]
    pub fn actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = Some(actor.into());
        self
    }

    /// Only events of `session`.
    #[must_use]
    pub fn session(mut self, session: impl Into<String>) -> Self {
        self.session = Some(session.into());
        self
    }

    /// Only events of this action kind.
    #[must_use]
    pub fn action(mut self, action: impl Into<String>) -> Self {
        self.action = Some(action.into());
        self
    }

    /// Only events with this decision.
    #[must_use]
    pub fn decision(mut self, decision: Decision) -> Self {
        self.decision = Some(decision);
        self
    }

    /// Only events at or above this risk.
    #[must_use]
    pub fn min_risk(mut self, risk: Risk) -> Self {
        self.min_risk = Some(risk);
        self
    }

    /// Only events whose subject contains `text` (a literal substring, case-sensitive).
    #[must_use]
    pub fn subject_contains(mut self, text: impl Into<String>) -> Self {
        self.subject_contains = Some(text.into());
        self
    }

    /// Only events after sequence number `seq` (the previous page's [`Page::next`]).
    #[must_use]
    pub fn after(mut self, seq: u64) -> Self {
        self.after = Some(seq);
        self
    }

    /// At most `limit` events per page (1 to [`MAX_PAGE`]; larger values are clamped).
    #[must_use]
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit.clamp(1, MAX_PAGE);
        self
    }

    /// The WHERE clause and its parameters.
    fn conditions(&self) -> Result<(String, Vec<SqlValue>)> {
        let seq = |seq: u64| {
            i64::try_from(seq)
                .map(SqlValue::Integer)
                .map_err(|_| Error::new(ErrorKind::Config, format!("`{seq}` is out of range")))
        };
        // (SQL condition, parameter), one per filter given; each column is indexed except
        // risk (four values, an index would not narrow much) and the subject substring.
        let mut parts: Vec<(&str, SqlValue)> = Vec::new();
        if let Some(after) = self.after {
            parts.push(("seq > ?", seq(after)?));
        }
        if let Some(since) = self.since {
            parts.push(("ts >= ?", SqlValue::Integer(time_to_nanos(since))));
        }
        if let Some(until) = self.until {
            parts.push(("ts < ?", SqlValue::Integer(time_to_nanos(until))));
        }
        if let Some(actor) = &self.actor {
            parts.push(("actor = ?", SqlValue::Text(actor.clone())));
        }
        if let Some(session) = &self.session {
            parts.push(("session = ?", SqlValue::Text(session.clone())));
        }
        if let Some(action) = &self.action {
            parts.push(("action = ?", SqlValue::Text(action.clone())));
        }
        if let Some(decision) = self.decision {
            parts.push(("decision = ?", SqlValue::Text(decision.as_str().to_owned())));
        }
        if let Some(risk) = self.min_risk {
            parts.push(("risk >= ?", SqlValue::Integer(i64::from(risk.level()))));
        }
        if let Some(text) = &self.subject_contains {
            // instr, not LIKE: the text is literal, `%` and `_` in it match themselves.
            parts.push(("instr(subject, ?) > 0", SqlValue::Text(text.clone())));
        }
        let clause = if parts.is_empty() {
            String::new()
        } else {
            let conditions: Vec<&str> = parts.iter().map(|(sql, _)| *sql).collect();
            format!("WHERE {}", conditions.join(" AND "))
        };
        Ok((clause, parts.into_iter().map(|(_, value)| value).collect()))
    }
}

/// One page of query results.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page {
    /// The rows, in sequence order.
    pub rows: Vec<ChainRow>,
    /// Where the next page starts (pass to [`Query::after`]); None on the last page.
    pub next: Option<u64>,
}

pub(crate) fn run(conn: &Connection, query: &Query) -> Result<Page> {
    let (clause, params) = query.conditions()?;
    let limit = i64::try_from(query.limit.saturating_add(1)).unwrap_or(i64::MAX);
    let sql = format!("SELECT {EVENT_COLUMNS} FROM events {clause} ORDER BY seq LIMIT {limit}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    let mut out = Vec::new();
    let mut more = false;
    while let Some(row) = rows.next()? {
        if out.len() == query.limit {
            more = true;
            break;
        }
        out.push(read_row(row).map_err(|(_, detail)| Error::malformed(detail))?);
    }
    let next = if more {
        out.last().map(|row| row.event.seq)
    } else {
        None
    };
    Ok(Page { rows: out, next })
}

/// A row as one JSON object: the event's fields plus `prev_hash` and `hash` (hex), so an
/// export can be checked without the database.
pub fn row_to_json(row: &ChainRow) -> Value {
    let mut value = row.event.to_json();
    if let Value::Object(map) = &mut value {
        map.insert("prev_hash".into(), Value::String(row.prev_hash.to_hex()));
        map.insert("hash".into(), Value::String(row.hash.to_hex()));
    }
    value
}

/// Streams every row matching `query` (ignoring its page limit) as JSON Lines.
pub(crate) fn export(conn: &Connection, query: &Query, out: &mut dyn Write) -> Result<u64> {
    let (clause, params) = query.conditions()?;
    let sql = format!("SELECT {EVENT_COLUMNS} FROM events {clause} ORDER BY seq");
    let tx = conn.unchecked_transaction()?;
    let mut count: u64 = 0;
    {
        let mut stmt = tx.prepare(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        while let Some(row) = rows.next()? {
            let row = read_row(row).map_err(|(_, detail)| Error::malformed(detail))?;
            let line = row_to_json(&row).to_string();
            writeln!(out, "{line}")
                .map_err(|err| Error::with_source(ErrorKind::Io, "cannot write the export", err))?;
            count = count.saturating_add(1);
        }
    }
    tx.commit()?;
    Ok(count)
}
