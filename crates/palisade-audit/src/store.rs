//! The SQLite side: schema and its migrations, connection settings, and reading rows, seals
//! and the checkpoint back into the pure types.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension as _, Row, params};

use crate::chain::{ChainRow, Hash};
use crate::error::{Error, ErrorKind, Result};
use crate::event::{Decision, Event, Risk, nanos_to_time, time_to_nanos};
use crate::seal::Seal;
use crate::verify::{ChainVerifier, Checkpoint};

/// Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
/// Append a migration to change the schema; never edit one that has shipped.
const MIGRATIONS: &[&str] = &[
    // 1: events, seals, the retention checkpoint, and the triggers that make them append-only.
    r"
CREATE TABLE events (
    seq       INTEGER PRIMARY KEY,
    ts        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    session   TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    decision  TEXT NOT NULL,
    risk      INTEGER NOT NULL,
    rule      TEXT NOT NULL,
    reason    TEXT NOT NULL,
    metadata  TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash      BLOB NOT NULL
) STRICT;
CREATE INDEX events_ts ON events (ts);
CREATE INDEX events_actor ON events (actor, seq);
CREATE INDEX events_session ON events (session, seq);
CREATE INDEX events_decision ON events (decision, seq);

CREATE TABLE seals (
    number    INTEGER PRIMARY KEY,
    seq       INTEGER NOT NULL,
    head      BLOB NOT NULL,
    ts        INTEGER NOT NULL,
    prev_seal BLOB NOT NULL,
    hash      BLOB NOT NULL,
    signature BLOB
) STRICT;

CREATE TABLE checkpoint (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    seq         INTEGER NOT NULL,
    hash        BLOB NOT NULL,
    seal_number INTEGER NOT NULL
) STRICT;

-- Opened only inside the retention API's own transaction, so no other connection ever sees
-- it open. It guards against mistakes, not attackers: whoever can write the file can drop
-- triggers, which is what the hash chain, the seals and the anchor are for.
CREATE TABLE retention_gate (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    open INTEGER NOT NULL
) STRICT;
INSERT INTO retention_gate (id, open) VALUES (1, 0);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'palisade-audit: events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
WHEN (SELECT open FROM retention_gate WHERE id = 1) IS NOT 1
BEGIN SELECT RAISE(ABORT, 'palisade-audit: events are removed only by retention'); END;
CREATE TRIGGER seals_no_update BEFORE UPDATE ON seals
BEGIN SELECT RAISE(ABORT, 'palisade-audit: seals are append-only'); END;
CREATE TRIGGER seals_no_delete BEFORE DELETE ON seals
BEGIN SELECT RAISE(ABORT, 'palisade-audit: seals are append-only'); END;
CREATE TRIGGER checkpoint_no_insert BEFORE INSERT ON checkpoint
WHEN (SELECT open FROM retention_gate WHERE id = 1) IS NOT 1
BEGIN SELECT RAISE(ABORT, 'palisade-audit: the checkpoint is set only by retention'); END;
CREATE TRIGGER checkpoint_no_update BEFORE UPDATE ON checkpoint
WHEN (SELECT open FROM retention_gate WHERE id = 1) IS NOT 1
BEGIN SELECT RAISE(ABORT, 'palisade-audit: the checkpoint is set only by retention'); END;
CREATE TRIGGER checkpoint_no_delete BEFORE DELETE ON checkpoint
BEGIN SELECT RAISE(ABORT, 'palisade-audit: the checkpoint is never deleted'); END;
",
];

/// The schema version this build writes.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// Columns of `events` in the order [`read_row`] expects.
pub(crate) const EVENT_COLUMNS: &str = "seq, ts, actor, session, action, subject, decision, risk, rule, reason, metadata, prev_hash, hash";

pub(crate) const INSERT_EVENT: &str = "INSERT INTO events (seq, ts, actor, session, action, subject, decision, risk, rule, reason, metadata, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

fn io_error(path: &Path, err: rusqlite::Error) -> Error {
    let message = format!("cannot open the audit database `{}`: {err}", path.display());
    Error::with_source(ErrorKind::Database, message, err)
}

/// Opens (creating if needed) the database for writing: WAL, the given `synchronous` level,
/// and the schema migrated to [`SCHEMA_VERSION`].
pub(crate) fn open_writer(path: &Path, synchronous: &str, busy: Duration) -> Result<Connection> {
    let conn = Connection::open(path).map_err(|err| io_error(path, err))?;
    conn.busy_timeout(busy)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::new(
            ErrorKind::Database,
            format!(
                "the audit database `{}` cannot use WAL journaling (got `{mode}`)",
                path.display()
            ),
        ));
    }
    conn.execute_batch(&format!(
        "PRAGMA synchronous = {synchronous}; PRAGMA trusted_schema = OFF;"
    ))?;
    migrate(&conn, path)?;
    Ok(conn)
}

/// Opens an existing database for reading only (it is never created or migrated).
pub(crate) fn open_reader(path: &Path, busy: Duration) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(|err| io_error(path, err))?;
    conn.busy_timeout(busy)?;
    conn.execute_batch("PRAGMA query_only = ON; PRAGMA trusted_schema = OFF;")?;
    let version: u32 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version == 0 {
        return Err(Error::new(
            ErrorKind::Database,
            format!("`{}` is not a palisade audit database", path.display()),
        ));
    }
    if version > SCHEMA_VERSION {
        return Err(unsupported(path, version));
    }
    Ok(conn)
}

fn unsupported(path: &Path, version: u32) -> Error {
    Error::new(
        ErrorKind::UnsupportedSchema,
        format!(
            "the audit database `{}` has schema version {version}; this build knows up to \
             {SCHEMA_VERSION}: upgrade palisade-audit",
            path.display()
        ),
    )
}

fn migrate(conn: &Connection, path: &Path) -> Result<()> {
    let version: u32 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(unsupported(path, version));
    }
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(version).unwrap_or(usize::MAX))
    {
        let next = index.saturating_add(1);
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {sql}; PRAGMA user_version = {next}; COMMIT;"
        ))
        .inspect_err(|_| {
            let _ = conn.execute_batch("ROLLBACK");
        })?;
    }
    Ok(())
}

fn column_u64(row: &Row<'_>, index: usize) -> std::result::Result<u64, String> {
    let value: i64 = row
        .get(index)
        .map_err(|err| format!("column {index} is not an integer: {err}"))?;
    u64::try_from(value).map_err(|_| format!("column {index} is negative"))
}

fn column_hash(row: &Row<'_>, index: usize) -> std::result::Result<Hash, String> {
    let bytes: Vec<u8> = row
        .get(index)
        .map_err(|err| format!("column {index} is not a blob: {err}"))?;
    Hash::from_slice(&bytes).map_err(|err| err.to_string())
}

fn column_text(row: &Row<'_>, index: usize) -> std::result::Result<String, String> {
    row.get(index)
        .map_err(|err| format!("column {index} is not text: {err}"))
}

/// Reads one `events` row (selected with [`EVENT_COLUMNS`]). On failure: the row's sequence
/// number (0 if even that is unreadable) and what was wrong.
pub(crate) fn read_row(row: &Row<'_>) -> std::result::Result<ChainRow, (u64, String)> {
    let seq = column_u64(row, 0).map_err(|detail| (0, detail))?;
    let fail = |detail: String| (seq, format!("row {seq}: {detail}"));
    let ts: i64 = row.get(1).map_err(|err| fail(err.to_string()))?;
    let time = nanos_to_time(ts).map_err(|err| fail(err.to_string()))?;
    let decision_name = column_text(row, 6).map_err(fail)?;
    let decision = Decision::from_name(&decision_name)
        .ok_or_else(|| fail(format!("unknown decision `{decision_name}`")))?;
    let level: i64 = row.get(7).map_err(|err| fail(err.to_string()))?;
    let risk = u8::try_from(level)
        .ok()
        .and_then(Risk::from_level)
        .ok_or_else(|| fail(format!("unknown risk level {level}")))?;
    let event = Event {
        seq,
        time,
        actor: column_text(row, 2).map_err(fail)?,
        session: column_text(row, 3).map_err(fail)?,
        action: column_text(row, 4).map_err(fail)?,
        subject: column_text(row, 5).map_err(fail)?,
        decision,
        risk,
        rule: column_text(row, 8).map_err(fail)?,
        reason: column_text(row, 9).map_err(fail)?,
        metadata: column_text(row, 10).map_err(fail)?,
    };
    let prev_hash = column_hash(row, 11).map_err(fail)?;
    let hash = column_hash(row, 12).map_err(fail)?;
    Ok(ChainRow::new(event, prev_hash, hash))
}

/// Binds a row for [`INSERT_EVENT`].
pub(crate) fn insert_row(stmt: &mut rusqlite::CachedStatement<'_>, row: &ChainRow) -> Result<()> {
    let event = &row.event;
    let seq = i64::try_from(event.seq)
        .map_err(|_| Error::new(ErrorKind::Database, "the sequence number overflowed"))?;
    stmt.execute(params![
        seq,
        time_to_nanos(event.time),
        event.actor,
        event.session,
        event.action,
        event.subject,
        event.decision.as_str(),
        event.risk.level(),
        event.rule,
        event.reason,
        event.metadata,
        row.prev_hash.as_bytes().as_slice(),
        row.hash.as_bytes().as_slice(),
    ])?;
    Ok(())
}

/// The retention checkpoint, or genesis.
pub(crate) fn read_checkpoint(conn: &Connection) -> Result<Checkpoint> {
    let stored = conn
        .query_row("SELECT seq, hash FROM checkpoint WHERE id = 1", [], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))
        })
        .optional()?;
    match stored {
        None => Ok(Checkpoint::GENESIS),
        Some((seq, hash)) => {
            let seq = u64::try_from(seq)
                .map_err(|_| Error::malformed("the stored checkpoint has a negative seq"))?;
            Ok(Checkpoint::new(seq, Hash::from_slice(&hash)?))
        }
    }
}

/// The chain head as the writer continues it: the last row, else the checkpoint.
pub(crate) fn read_head(conn: &Connection) -> Result<(u64, Hash)> {
    let last = conn
        .query_row(
            "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?)),
        )
        .optional()?;
    match last {
        Some((seq, hash)) => Ok((
            u64::try_from(seq).map_err(|_| Error::malformed("the last row has a negative seq"))?,
            Hash::from_slice(&hash)?,
        )),
        None => {
            let checkpoint = read_checkpoint(conn)?;
            Ok((checkpoint.seq, checkpoint.hash))
        }
    }
}

fn read_seal(row: &Row<'_>) -> std::result::Result<Seal, String> {
    let number = column_u64(row, 0)?;
    let seq = column_u64(row, 1)?;
    let head = column_hash(row, 2)?;
    let ts: i64 = row.get(3).map_err(|err| err.to_string())?;
    let time = nanos_to_time(ts).map_err(|err| err.to_string())?;
    let prev_seal = column_hash(row, 4)?;
    let hash = column_hash(row, 5)?;
    let signature: Option<Vec<u8>> = row.get(6).map_err(|err| err.to_string())?;
    let signature = signature
        .map(|bytes| <[u8; 64]>::try_from(bytes.as_slice()))
        .transpose()
        .map_err(|_| format!("seal {number}'s signature is not 64 bytes"))?;
    Ok(Seal {
        number,
        seq,
        head,
        time,
        prev_seal,
        hash,
        signature,
    })
}

/// Every seal, in number order. A seal that can't be read is reported with the event
/// sequence number it covers (0 if unknown).
pub(crate) fn read_seals(
    conn: &Connection,
) -> Result<std::result::Result<Vec<Seal>, (u64, String)>> {
    let mut stmt = conn.prepare(
        "SELECT number, seq, head, ts, prev_seal, hash, signature FROM seals ORDER BY number",
    )?;
    let mut rows = stmt.query([])?;
    let mut seals = Vec::new();
    while let Some(row) = rows.next()? {
        match read_seal(row) {
            Ok(seal) => seals.push(seal),
            Err(detail) => {
                let seq = column_u64(row, 1).unwrap_or(0);
                return Ok(Err((seq, detail)));
            }
        }
    }
    Ok(Ok(seals))
}

/// The most recent seal.
pub(crate) fn last_seal(conn: &Connection) -> Result<Option<Seal>> {
    let mut stmt = conn.prepare_cached(
        "SELECT number, seq, head, ts, prev_seal, hash, signature FROM seals ORDER BY number DESC LIMIT 1",
    )?;
    let mut rows = stmt.query([])?;
    match rows.next()? {
        None => Ok(None),
        Some(row) => read_seal(row)
            .map(Some)
            .map_err(|detail| Error::malformed(format!("the last seal is unreadable: {detail}"))),
    }
}

pub(crate) fn insert_seal(conn: &Connection, seal: &Seal) -> Result<()> {
    let number = i64::try_from(seal.number)
        .map_err(|_| Error::new(ErrorKind::Database, "the seal number overflowed"))?;
    let seq = i64::try_from(seal.seq)
        .map_err(|_| Error::new(ErrorKind::Database, "the sequence number overflowed"))?;
    conn.execute(
        "INSERT INTO seals (number, seq, head, ts, prev_seal, hash, signature) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            number,
            seq,
            seal.head.as_bytes().as_slice(),
            time_to_nanos(seal.time),
            seal.prev_seal.as_bytes().as_slice(),
            seal.hash.as_bytes().as_slice(),
            seal.signature.as_ref().map(|s| s.as_slice()),
        ],
    )?;
    Ok(())
}

/// Verifies the whole database in one read transaction (a consistent snapshot).
pub(crate) fn verify(
    conn: &Connection,
    anchor: Option<Seal>,
    key: Option<crate::seal::SealVerifyingKey>,
) -> Result<crate::verify::Report> {
    let tx = conn.unchecked_transaction()?;
    let checkpoint = read_checkpoint(&tx)?;
    let mut verifier = ChainVerifier::new(checkpoint);
    match read_seals(&tx)? {
        Ok(seals) => verifier = verifier.with_seals(seals),
        Err((seq, detail)) => verifier.push_malformed(seq, detail),
    }
    if let Some(anchor) = anchor {
        verifier = verifier.with_anchor(anchor);
    }
    if let Some(key) = key {
        verifier = verifier.with_key(key);
    }
    {
        let mut stmt = tx.prepare(&format!("SELECT {EVENT_COLUMNS} FROM events ORDER BY seq"))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            match read_row(row) {
                Ok(row) => {
                    if !verifier.push(row) {
                        break;
                    }
                }
                Err((seq, detail)) => {
                    verifier.push_malformed(seq, detail);
                    break;
                }
            }
        }
    }
    tx.commit()?;
    Ok(verifier.finish())
}

/// Opens a connection that only reads; `path` must already be an audit database.
pub(crate) fn reader(path: &Path) -> Result<Connection> {
    open_reader(path, Duration::from_secs(5))
}
