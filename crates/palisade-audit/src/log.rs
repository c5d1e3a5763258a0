//! [`AuditLog`]: one writer thread owns the SQLite connection and serialises every append, so
//! the chain never forks; appenders that arrive while it commits share the next transaction
//! (group commit).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use rusqlite::{Connection, TransactionBehavior};

use crate::chain::{ChainRow, Hash};
use crate::error::{Error, ErrorKind, Result};
use crate::event::NewEvent;
use crate::query::{self, Page, Query};
use crate::seal::{Seal, SealKey, SealVerifyingKey};
use crate::store;
use crate::verify::{Checkpoint, Report};

/// When an append returns, and what survives a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Durability {
    /// `append` returns after a `synchronous=FULL` commit: survives process crash and power
    /// loss.
    Durable,
    /// `append` returns after a `synchronous=NORMAL` commit: survives a process crash; the last
    /// commits may be lost on power loss.
    Balanced,
    /// `append` returns once the event is queued; a crash loses what was still queued. Call
    /// [`AuditLog::flush`] to wait for it.
    Buffered,
}

/// What `append` does when the queue is full (as auditd's `disk_full_action` and
/// `overflow_action` choose between blocking, dropping and halting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OverflowPolicy {
    /// Wait for room: nothing is lost, the caller slows down.
    Block,
    /// Drop the event and count it ([`Counters::dropped`]); `append` returns
    /// [`Appended::Dropped`].
    DropAndCount,
    /// Refuse: `append` fails with [`ErrorKind::QueueFull`] so the caller can deny the action.
    FailClosed,
}

/// How an [`AuditLog`] behaves. Defaults: [`Durability::Durable`], [`OverflowPolicy::Block`],
/// a queue of 4,096 events, up to 1,024 events per transaction, no automatic seals, no
/// signing key.
#[derive(Debug)]
#[non_exhaustive]
pub struct AuditConfig {
    /// When appends return.
    pub durability: Durability,
    /// What happens when the queue is full.
    pub overflow: OverflowPolicy,
    /// Events that may wait for the writer.
    pub queue_capacity: usize,
    /// Most events committed in one transaction.
    pub max_batch: usize,
    /// Seal automatically after this many new events.
    pub seal_every_events: Option<u64>,
    /// Seal automatically when this much time passed since the last seal and events arrived.
    pub seal_interval: Option<Duration>,
    /// Signs seals when given.
    pub seal_key: Option<SealKey>,
    /// How long SQLite waits for a lock held by another connection.
    pub busy_timeout: Duration,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            durability: Durability::Durable,
            overflow: OverflowPolicy::Block,
            queue_capacity: 4096,
            max_batch: 1024,
            seal_every_events: None,
            seal_interval: None,
            seal_key: None,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

impl AuditConfig {
    /// Sets [`AuditConfig::durability`].
    #[must_use]
    pub fn with_durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// Sets [`AuditConfig::overflow`].
    #[must_use]
    pub fn with_overflow(mut self, overflow: OverflowPolicy) -> Self {
        self.overflow = overflow;
        self
    }

    /// Sets [`AuditConfig::queue_capacity`] (at least 1).
    #[must_use]
    pub fn with_queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity;
        self
    }

    /// Sets [`AuditConfig::max_batch`] (at least 1).
    #[must_use]
    pub fn with_max_batch(mut self, max_batch: usize) -> Self {
        self.max_batch = max_batch;
        self
    }

    /// Seal after every `events` new events.
    #[must_use]
    pub fn with_seal_every_events(mut self, events: u64) -> Self {
        self.seal_every_events = Some(events);
        self
    }

    /// Seal when `interval` passed since the last seal and new events arrived.
    #[must_use]
    pub fn with_seal_interval(mut self, interval: Duration) -> Self {
        self.seal_interval = Some(interval);
        self
    }

    /// Sign seals with `key`.
    #[must_use]
    pub fn with_seal_key(mut self, key: SealKey) -> Self {
        self.seal_key = Some(key);
        self
    }

    /// Sets [`AuditConfig::busy_timeout`].
    #[must_use]
    pub fn with_busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    fn check(&self) -> Result<()> {
        let bad = |field: &str| {
            Err(Error::new(
                ErrorKind::Config,
                format!("audit config `{field}` must be at least 1"),
            ))
        };
        if self.queue_capacity == 0 {
            return bad("queue_capacity");
        }
        if self.max_batch == 0 {
            return bad("max_batch");
        }
        if self.seal_every_events == Some(0) {
            return bad("seal_every_events");
        }
        if self.seal_interval.is_some_and(|d| d.is_zero()) {
            return Err(Error::new(
                ErrorKind::Config,
                "audit config `seal_interval` must be longer than zero",
            ));
        }
        Ok(())
    }
}

/// Where a committed event landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Receipt {
    /// Its sequence number.
    pub seq: u64,
    /// Its chain hash.
    pub hash: Hash,
}

/// What an append did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Appended {
    /// Committed (Durable and Balanced modes).
    Committed(Receipt),
    /// Queued for the writer (Buffered mode).
    Queued,
    /// Dropped because the queue was full ([`OverflowPolicy::DropAndCount`]).
    Dropped,
}

impl Appended {
    /// The receipt, when committed.
    pub fn receipt(&self) -> Option<Receipt> {
        match self {
            Self::Committed(receipt) => Some(*receipt),
            _ => None,
        }
    }
}

/// Event counts since the log was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Counters {
    /// Committed.
    pub written: u64,
    /// Dropped on a full queue.
    pub dropped: u64,
    /// Refused on a full queue (fail-closed) or lost to a failed commit.
    pub failed: u64,
    /// Append transactions committed: with group commit, fewer than `written`.
    pub commits: u64,
}

#[derive(Debug, Default)]
struct AtomicCounters {
    written: AtomicU64,
    dropped: AtomicU64,
    failed: AtomicU64,
    commits: AtomicU64,
}

impl AtomicCounters {
    fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

/// What the outcome of a removal by [`AuditLog::retain_after`] was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Retention {
    /// Rows removed.
    pub removed: u64,
    /// The checkpoint the remaining chain now starts from.
    pub checkpoint: Checkpoint,
}

type Reply<T> = SyncSender<Result<T>>;

/// An append in flight, from [`AuditLog::submit`].
#[derive(Debug)]
#[must_use = "an append is acknowledged only by `wait`"]
pub struct PendingAppend {
    state: PendingState,
}

#[derive(Debug)]
enum PendingState {
    Waiting(Receiver<Result<Receipt>>),
    Queued,
    Dropped,
}

impl PendingAppend {
    /// Waits for the commit (Durable, Balanced) and returns what was done.
    pub fn wait(self) -> Result<Appended> {
        match self.state {
            PendingState::Waiting(answer) => {
                let receipt = answer.recv().map_err(|_| closed())??;
                Ok(Appended::Committed(receipt))
            }
            PendingState::Queued => Ok(Appended::Queued),
            PendingState::Dropped => Ok(Appended::Dropped),
        }
    }
}

enum Job {
    Append {
        event: NewEvent,
        metadata: String,
        reply: Option<Reply<Receipt>>,
    },
    Flush(Reply<()>),
    Seal(Reply<Seal>),
    Retain {
        before: Timestamp,
        reply: Reply<Retention>,
    },
    Shutdown,
}

/// A tamper-evident audit log in a SQLite file. Share it between threads with an `Arc`;
/// dropping the last handle drains the queue and stops the writer.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    sender: SyncSender<Job>,
    durability: Durability,
    overflow: OverflowPolicy,
    counters: Arc<AtomicCounters>,
    writer: Option<JoinHandle<()>>,
    reader: Mutex<Connection>,
    verifying_key: Option<SealVerifyingKey>,
}

impl AuditLog {
    /// Opens (or creates) the log at `path`: WAL mode, schema migrated, writer thread started.
    pub fn open(path: impl AsRef<Path>, config: AuditConfig) -> Result<Self> {
        config.check()?;
        let path = path.as_ref().to_path_buf();
        let synchronous = match config.durability {
            Durability::Durable => "FULL",
            Durability::Balanced | Durability::Buffered => "NORMAL",
        };
        let conn = store::open_writer(&path, synchronous, config.busy_timeout)?;
        let last_seal = store::last_seal(&conn)?;
        let reader = store::open_reader(&path, config.busy_timeout)?;
        let (sender, receiver) = mpsc::sync_channel(config.queue_capacity);
        let counters = Arc::new(AtomicCounters::default());
        let verifying_key = config.seal_key.as_ref().map(SealKey::verifying_key);
        let writer = Writer {
            conn,
            receiver,
            counters: Arc::clone(&counters),
            max_batch: config.max_batch,
            seal_every_events: config.seal_every_events,
            seal_interval: config.seal_interval,
            seal_key: config.seal_key,
            last_sealed_seq: last_seal.as_ref().map_or(0, |s| s.seq),
            last_seal_at: Instant::now(),
        };
        let handle = std::thread::Builder::new()
            .name("palisade-audit-writer".into())
            .spawn(move || writer.run())
            .map_err(|err| {
                Error::with_source(ErrorKind::Io, "cannot start the audit writer thread", err)
            })?;
        Ok(Self {
            path,
            sender,
            durability: config.durability,
            overflow: config.overflow,
            counters,
            writer: Some(handle),
            reader: Mutex::new(reader),
            verifying_key,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends an event. In `Durable` and `Balanced` mode this returns only after the event
    /// is committed; in `Buffered` mode once it is queued. Fails with
    /// [`ErrorKind::InvalidEvent`] on an out-of-bounds event, [`ErrorKind::QueueFull`] under
    /// [`OverflowPolicy::FailClosed`], and with the database error if the commit failed.
    pub fn append(&self, event: NewEvent) -> Result<Appended> {
        self.submit(event)?.wait()
    }

    /// Queues an event and returns at once; [`PendingAppend::wait`] gives what
    /// [`AuditLog::append`] would have. Lets one thread keep many appends in flight, which the
    /// writer commits together (group commit) — the acknowledgement still comes only after
    /// the commit in `Durable` and `Balanced` mode.
    pub fn submit(&self, event: NewEvent) -> Result<PendingAppend> {
        let metadata = event.validate()?;
        if self.durability == Durability::Buffered {
            let queued = self.enqueue(Job::Append {
                event,
                metadata,
                reply: None,
            })?;
            return Ok(PendingAppend {
                state: if queued {
                    PendingState::Queued
                } else {
                    PendingState::Dropped
                },
            });
        }
        let (reply, answer) = mpsc::sync_channel(1);
        let queued = self.enqueue(Job::Append {
            event,
            metadata,
            reply: Some(reply),
        })?;
        Ok(PendingAppend {
            state: if queued {
                PendingState::Waiting(answer)
            } else {
                PendingState::Dropped
            },
        })
    }

    /// Queues per the overflow policy; Ok(false) when dropped.
    fn enqueue(&self, job: Job) -> Result<bool> {
        match self.overflow {
            OverflowPolicy::Block => self.sender.send(job).map(|()| true).map_err(|_| closed()),
            OverflowPolicy::DropAndCount | OverflowPolicy::FailClosed => {
                match self.sender.try_send(job) {
                    Ok(()) => Ok(true),
                    Err(TrySendError::Disconnected(_)) => Err(closed()),
                    Err(TrySendError::Full(_)) if self.overflow == OverflowPolicy::DropAndCount => {
                        AtomicCounters::add(&self.counters.dropped, 1);
                        #[cfg(feature = "tracing")]
                        tracing::debug!("audit queue full: event dropped");
                        Ok(false)
                    }
                    Err(TrySendError::Full(_)) => {
                        AtomicCounters::add(&self.counters.failed, 1);
                        #[cfg(feature = "tracing")]
                        tracing::debug!("audit queue full: append refused (fail closed)");
                        Err(Error::new(
                            ErrorKind::QueueFull,
                            "the audit queue is full; the event was not recorded",
                        ))
                    }
                }
            }
        }
    }

    /// Sends a control job (never dropped) and waits for its answer.
    fn control<T>(&self, job: impl FnOnce(Reply<T>) -> Job) -> Result<T> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.sender.send(job(reply)).map_err(|_| closed())?;
        answer.recv().map_err(|_| closed())?
    }

    /// Waits until every event queued before this call is committed (or failed).
    pub fn flush(&self) -> Result<()> {
        self.control(Job::Flush)
    }

    /// Seals the current head now (after committing what is queued) and returns the seal;
    /// write it somewhere outside the database with [`Seal::to_anchor`] to anchor it.
    pub fn seal(&self) -> Result<Seal> {
        self.control(Job::Seal)
    }

    /// Removes whole sealed segments: every event up to the newest seal made before
    /// `before`, keeping that seal's head as the checkpoint the rest verifies from.
    pub fn retain_after(&self, before: Timestamp) -> Result<Retention> {
        self.control(|reply| Job::Retain { before, reply })
    }

    /// Event counts since open.
    pub fn counters(&self) -> Counters {
        Counters {
            written: self.counters.written.load(Ordering::Relaxed),
            dropped: self.counters.dropped.load(Ordering::Relaxed),
            failed: self.counters.failed.load(Ordering::Relaxed),
            commits: self.counters.commits.load(Ordering::Relaxed),
        }
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self
            .reader
            .lock()
            .map_err(|_| Error::new(ErrorKind::Closed, "the audit reader is poisoned"))?;
        f(&conn)
    }

    /// Verifies the chain, the seals (their signatures, when the log has a key) and, if
    /// given, an anchor. Sees committed events only.
    pub fn verify(&self, anchor: Option<Seal>) -> Result<Report> {
        self.read(|conn| store::verify(conn, anchor, self.verifying_key))
    }

    /// One page of events matching `query`.
    pub fn query(&self, query: &Query) -> Result<Page> {
        self.read(|conn| query::run(conn, query))
    }

    /// Streams every event matching `query` as JSON Lines; returns how many were written.
    pub fn export(&self, query: &Query, out: &mut dyn Write) -> Result<u64> {
        self.read(|conn| query::export(conn, query, out))
    }
}

impl Drop for AuditLog {
    fn drop(&mut self) {
        // Drain: everything queued before Shutdown is committed first.
        let _ = self.sender.send(Job::Shutdown);
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

fn closed() -> Error {
    Error::new(ErrorKind::Closed, "the audit log's writer has stopped")
}

/// Reads an existing log without writing to it (the file is neither created nor migrated).
#[derive(Debug)]
pub struct AuditReader {
    conn: Connection,
}

impl AuditReader {
    /// Opens the database at `path`, which must be an audit database.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Ok(Self {
            conn: store::reader(path.as_ref())?,
        })
    }

    /// See [`AuditLog::verify`]; `key`, when given, must have signed every seal.
    pub fn verify(&self, anchor: Option<Seal>, key: Option<SealVerifyingKey>) -> Result<Report> {
        store::verify(&self.conn, anchor, key)
    }

    /// See [`AuditLog::query`].
    pub fn query(&self, query: &Query) -> Result<Page> {
        query::run(&self.conn, query)
    }

    /// See [`AuditLog::export`].
    pub fn export(&self, query: &Query, out: &mut dyn Write) -> Result<u64> {
        query::export(&self.conn, query, out)
    }
}

struct Writer {
    conn: Connection,
    receiver: Receiver<Job>,
    counters: Arc<AtomicCounters>,
    max_batch: usize,
    seal_every_events: Option<u64>,
    seal_interval: Option<Duration>,
    seal_key: Option<SealKey>,
    last_sealed_seq: u64,
    last_seal_at: Instant,
}

/// An event that passed validation, with its metadata rendered as stored.
type ValidEvent = (NewEvent, String);

struct Pending {
    event: NewEvent,
    metadata: String,
    reply: Option<Reply<Receipt>>,
}

impl Writer {
    fn run(mut self) {
        loop {
            let first = match self.seal_interval {
                Some(interval) => {
                    let wait = interval.saturating_sub(self.last_seal_at.elapsed());
                    match self
                        .receiver
                        .recv_timeout(wait.max(Duration::from_millis(1)))
                    {
                        Ok(job) => Some(job),
                        Err(RecvTimeoutError::Timeout) => None,
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
                None => match self.receiver.recv() {
                    Ok(job) => Some(job),
                    Err(_) => return,
                },
            };
            let mut stop = false;
            if let Some(first) = first {
                let mut batch: Vec<Pending> = Vec::new();
                let mut next = Some(first);
                while let Some(job) = next.take() {
                    match job {
                        Job::Append {
                            event,
                            metadata,
                            reply,
                        } => batch.push(Pending {
                            event,
                            metadata,
                            reply,
                        }),
                        Job::Shutdown => {
                            stop = true;
                            break;
                        }
                        control => {
                            self.commit(std::mem::take(&mut batch));
                            self.control(control);
                        }
                    }
                    if batch.len() < self.max_batch {
                        next = self.receiver.try_recv().ok();
                    }
                }
                self.commit(batch);
            }
            self.auto_seal();
            if stop {
                return;
            }
        }
    }

    fn commit(&mut self, batch: Vec<Pending>) {
        if batch.is_empty() {
            return;
        }
        let count = batch.len();
        let (events, replies): (Vec<ValidEvent>, Vec<Option<Reply<Receipt>>>) = batch
            .into_iter()
            .map(|p| ((p.event, p.metadata), p.reply))
            .unzip();
        match self.insert_batch(events) {
            Ok(receipts) => {
                AtomicCounters::add(&self.counters.written, count);
                AtomicCounters::add(&self.counters.commits, 1);
                #[cfg(feature = "tracing")]
                tracing::debug!(events = count, "audit batch committed");
                for (reply, receipt) in replies.into_iter().zip(receipts) {
                    if let Some(reply) = reply {
                        let _ = reply.send(Ok(receipt));
                    }
                }
            }
            Err(err) => {
                AtomicCounters::add(&self.counters.failed, count);
                #[cfg(feature = "tracing")]
                tracing::debug!(events = count, error = %err, "audit batch failed");
                let message = err.to_string();
                for reply in replies.into_iter().flatten() {
                    let _ = reply.send(Err(Error::new(err.kind(), &message)));
                }
            }
        }
    }

    /// One transaction for the whole batch: one commit, one fsync.
    fn insert_batch(&mut self, batch: Vec<ValidEvent>) -> Result<Vec<Receipt>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Read the head inside the write lock, so even a second process appending to the same
        // file continues the chain instead of forking it.
        let (mut seq, mut prev) = store::read_head(&tx)?;
        let mut receipts = Vec::with_capacity(batch.len());
        {
            let mut stmt = tx.prepare_cached(store::INSERT_EVENT)?;
            for (event, metadata) in batch {
                seq = seq.checked_add(1).ok_or_else(|| {
                    Error::new(ErrorKind::Database, "the sequence number overflowed")
                })?;
                let row = ChainRow::link(event.into_event(seq, Timestamp::now(), metadata), prev);
                store::insert_row(&mut stmt, &row)?;
                prev = row.hash;
                receipts.push(Receipt {
                    seq,
                    hash: row.hash,
                });
            }
        }
        tx.commit()?;
        Ok(receipts)
    }

    fn control(&mut self, job: Job) {
        match job {
            Job::Flush(reply) => {
                let _ = reply.send(Ok(()));
            }
            Job::Seal(reply) => {
                let _ = reply.send(self.seal_now());
            }
            Job::Retain { before, reply } => {
                let _ = reply.send(self.retain(before));
            }
            Job::Append { .. } | Job::Shutdown => {}
        }
    }

    fn seal_now(&mut self) -> Result<Seal> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (seq, head) = store::read_head(&tx)?;
        let prev = store::last_seal(&tx)?;
        let seal = Seal::make(
            prev.as_ref(),
            seq,
            head,
            Timestamp::now(),
            self.seal_key.as_ref(),
        );
        store::insert_seal(&tx, &seal)?;
        tx.commit()?;
        self.last_sealed_seq = seq;
        self.last_seal_at = Instant::now();
        #[cfg(feature = "tracing")]
        tracing::debug!(seal = seal.number, seq, "audit head sealed");
        Ok(seal)
    }

    fn auto_seal(&mut self) {
        let Ok((seq, _)) = store::read_head(&self.conn) else {
            return;
        };
        if seq <= self.last_sealed_seq {
            return;
        }
        let by_count = self
            .seal_every_events
            .is_some_and(|n| seq.saturating_sub(self.last_sealed_seq) >= n);
        let by_time = self
            .seal_interval
            .is_some_and(|interval| self.last_seal_at.elapsed() >= interval);
        if by_count || by_time {
            // A failed automatic seal is retried after the next batch.
            let _ = self.seal_now();
        }
    }

    fn retain(&mut self, before: Timestamp) -> Result<Retention> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = store::read_checkpoint(&tx)?;
        let seals = store::read_seals(&tx)?.map_err(|(_, detail)| Error::malformed(detail))?;
        // The newest seal made before the cut-off that lies beyond the current checkpoint:
        // every event it covers was recorded before it was made, hence before `before`.
        let Some(seal) = seals
            .iter()
            .filter(|s| s.time < before && s.seq > current.seq)
            .max_by_key(|s| s.seq)
        else {
            return Ok(Retention {
                removed: 0,
                checkpoint: current,
            });
        };
        let seq = i64::try_from(seal.seq)
            .map_err(|_| Error::new(ErrorKind::Database, "the sequence number overflowed"))?;
        // Refuse to throw away rows that don't match the seal: that would hide tampering.
        let stored: Option<Vec<u8>> = tx
            .query_row("SELECT hash FROM events WHERE seq = ?1", [seq], |row| {
                row.get(0)
            })
            .map(Some)
            .or_else(|err| match err {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                other => Err(other),
            })?;
        if stored.as_deref() != Some(seal.head.as_bytes().as_slice()) {
            return Err(Error::new(
                ErrorKind::Database,
                format!(
                    "refusing retention: event {} does not match seal {}; run verify",
                    seal.seq, seal.number
                ),
            ));
        }
        let number = i64::try_from(seal.number)
            .map_err(|_| Error::new(ErrorKind::Database, "the seal number overflowed"))?;
        tx.execute("UPDATE retention_gate SET open = 1 WHERE id = 1", [])?;
        let removed = tx.execute("DELETE FROM events WHERE seq <= ?1", [seq])?;
        tx.execute(
            "INSERT INTO checkpoint (id, seq, hash, seal_number) VALUES (1, ?1, ?2, ?3) \
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, \
             seal_number = excluded.seal_number",
            rusqlite::params![seq, seal.head.as_bytes().as_slice(), number],
        )?;
        tx.execute("UPDATE retention_gate SET open = 0 WHERE id = 1", [])?;
        tx.commit()?;
        #[cfg(feature = "tracing")]
        tracing::debug!(
            removed,
            seq = seal.seq,
            "audit retention removed sealed segments"
        );
        Ok(Retention {
            removed: u64::try_from(removed).unwrap_or(u64::MAX),
            checkpoint: Checkpoint::new(seal.seq, seal.head),
        })
    }
}
