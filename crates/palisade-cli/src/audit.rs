//! `palisade audit`: append to, seal, verify, query and export a SQLite audit trail.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use palisade_audit::{
    AuditConfig, AuditLog, AuditReader, Decision, Error, ErrorKind, NewEvent, Query, Risk, Seal,
    row_to_json,
};
use serde_json::{Value, json};

use crate::output::{Output, Status};

/// Arguments of `palisade audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The audit database (a SQLite file).
    #[arg(long, value_name = "FILE", global = true)]
    pub db: Option<PathBuf>,
    /// What to do with it.
    #[command(subcommand)]
    pub command: AuditCommand,
}

/// Subcommands of `palisade audit`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Append one event given as a JSON object.
    Append {
        /// The event: `actor`, `action`, `decision`, `risk` (required), `subject`, `session`,
        /// `rule`, `reason`, `metadata` (an object).
        #[arg(long, value_name = "JSON")]
        event: String,
    },
    /// Seal the current head and write it to a file kept outside the database (the anchor).
    Seal {
        /// Where to write the anchor.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Verify the hash chain and the seals, optionally against an anchor.
    Verify {
        /// An anchor written by `seal`; without it, truncation of the tail cannot be detected.
        #[arg(long, value_name = "FILE")]
        anchor: Option<PathBuf>,
    },
    /// Print the events that match every given filter, one per line.
    Query(QueryArgs),
    /// Print every event, one JSON object per line.
    Export,
}

/// Filters of `palisade audit query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Only events by this actor.
    #[arg(long)]
    pub actor: Option<String>,
    /// Only events with this decision (`allow`, `ask`, `deny`).
    #[arg(long)]
    pub decision: Option<String>,
    /// Only events at or above this risk (`low`, `medium`, `high`, `critical`).
    #[arg(long)]
    pub min_risk: Option<String>,
    /// Only events at or after this time (RFC 3339).
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// Only events before this time (RFC 3339).
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
    /// At most this many events.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
}

/// Error kinds in JSON output, one per library error kind.
const ERROR_KINDS: &[(ErrorKind, &str)] = &[
    (ErrorKind::InvalidEvent, "invalid_event"),
    (ErrorKind::Malformed, "malformed"),
    (ErrorKind::QueueFull, "queue_full"),
    (ErrorKind::Closed, "closed"),
    (ErrorKind::UnsupportedSchema, "unsupported_schema"),
    (ErrorKind::Signature, "signature"),
    (ErrorKind::Database, "database"),
    (ErrorKind::Io, "io"),
    (ErrorKind::Config, "config"),
];

fn fail(out: Output, err: &Error) -> Status {
    let kind = ERROR_KINDS
        .iter()
        .find(|(k, _)| *k == err.kind())
        .map_or("error", |(_, name)| name);
    out.usage_error(kind, &err.to_string())
}

/// Runs `palisade audit …`.
pub fn run(args: AuditArgs, out: Output) -> Status {
    let Some(db) = args.db else {
        return out.usage_error("usage", "`palisade audit` needs `--db FILE`");
    };
    match args.command {
        AuditCommand::Append { event } => append(&db, &event, out),
        AuditCommand::Seal { out: anchor } => seal(&db, &anchor, out),
        AuditCommand::Verify { anchor } => verify(&db, anchor.as_deref(), out),
        AuditCommand::Query(filters) => match build_query(&filters) {
            Ok(query) => list(&db, &query, filters.limit, out),
            Err(message) => out.usage_error("usage", &message),
        },
        AuditCommand::Export => export(&db, out),
    }
}

/// The fields `--event` may have; anything else is refused rather than silently dropped.
const EVENT_FIELDS: [&str; 9] = [
    "actor", "session", "action", "subject", "decision", "risk", "rule", "reason", "metadata",
];

fn parse_event(text: &str) -> Result<NewEvent, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|err| format!("`--event` is not JSON: {err}"))?;
    let Value::Object(map) = value else {
        return Err("`--event` must be a JSON object".into());
    };
    if let Some(unknown) = map.keys().find(|k| !EVENT_FIELDS.contains(&k.as_str())) {
        return Err(format!(
            "`--event` has an unknown field `{unknown}`; known: {}",
            EVENT_FIELDS.join(", ")
        ));
    }
    let text_field = |name: &str, required: bool| -> Result<String, String> {
        match map.get(name) {
            Some(Value::String(text)) => Ok(text.clone()),
            None if !required => Ok(String::new()),
            None => Err(format!("`--event` lacks the field `{name}`")),
            Some(_) => Err(format!("`--event` field `{name}` must be a string")),
        }
    };
    let decision_name = text_field("decision", true)?;
    let decision = Decision::from_name(&decision_name).ok_or_else(|| {
        format!("`--event` decision `{decision_name}` is not one of allow, ask, deny")
    })?;
    let risk_name = text_field("risk", true)?;
    let risk = Risk::from_name(&risk_name).ok_or_else(|| {
        format!("`--event` risk `{risk_name}` is not one of low, medium, high, critical")
    })?;
    let metadata = match map.get("metadata") {
        None => json!({}),
        Some(value @ Value::Object(_)) => value.clone(),
        Some(_) => return Err("`--event` field `metadata` must be an object".into()),
    };
    Ok(NewEvent::new(
        text_field("actor", true)?,
        text_field("action", true)?,
        decision,
        risk,
    )
    .with_session(text_field("session", false)?)
    .with_subject(text_field("subject", false)?)
    .with_rule(text_field("rule", false)?)
    .with_reason(text_field("reason", false)?)
    .with_metadata(metadata))
}

fn append(db: &Path, event: &str, out: Output) -> Status {
    let event = match parse_event(event) {
        Ok(event) => event,
        Err(message) => return out.usage_error("invalid_event", &message),
    };
    // Refuse a bad event before the database is created or opened.
    if let Err(err) = event.check() {
        return fail(out, &err);
    }
    let log = match AuditLog::open(db, AuditConfig::default()) {
        Ok(log) => log,
        Err(err) => return fail(out, &err),
    };
    match log.append(event) {
        Ok(appended) => match appended.receipt() {
            Some(receipt) => {
                out.emit(
                    &json!({"seq": receipt.seq, "hash": receipt.hash.to_hex()}),
                    || format!("appended event {} ({})", receipt.seq, receipt.hash),
                );
                Status::Success
            }
            // Durable mode with a blocking queue always commits or fails.
            None => out.usage_error("closed", "the event was not committed"),
        },
        Err(err) => fail(out, &err),
    }
}

fn seal(db: &Path, anchor_path: &Path, out: Output) -> Status {
    let log = match AuditLog::open(db, AuditConfig::default()) {
        Ok(log) => log,
        Err(err) => return fail(out, &err),
    };
    let seal = match log.seal() {
        Ok(seal) => seal,
        Err(err) => return fail(out, &err),
    };
    let text = format!("{}\n", seal.to_anchor());
    if let Err(err) = std::fs::write(anchor_path, text) {
        return out.usage_error(
            "io",
            &format!(
                "sealed, but cannot write the anchor `{}`: {err}",
                anchor_path.display()
            ),
        );
    }
    out.emit(
        &json!({"seq": seal.seq, "hash": seal.head.to_hex(), "seal": seal.number}),
        || {
            format!(
                "sealed event {} ({}) as seal {}; anchor written to {}",
                seal.seq,
                seal.head,
                seal.number,
                anchor_path.display()
            )
        },
    );
    Status::Success
}

fn read_anchor(path: &Path) -> Result<Seal, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read the anchor `{}`: {err}", path.display()))?;
    Seal::from_anchor(&text).map_err(|err| format!("`{}`: {err}", path.display()))
}

fn verify(db: &Path, anchor: Option<&Path>, out: Output) -> Status {
    let anchor = match anchor.map(read_anchor).transpose() {
        Ok(anchor) => anchor,
        Err(message) => return out.usage_error("anchor", &message),
    };
    let reader = match AuditReader::open(db) {
        Ok(reader) => reader,
        Err(err) => return fail(out, &err),
    };
    match reader.verify(anchor, None) {
        Ok(report) => match &report.finding {
            None => {
                out.emit(
                    &json!({"ok": true, "events": report.events, "head": report.head.to_hex()}),
                    || format!("ok: {} events, head {}", report.events, report.head),
                );
                Status::Success
            }
            Some(finding) => {
                out.emit(
                    &json!({
                        "ok": false,
                        "first_bad_seq": finding.seq,
                        "problem": finding.problem.as_str(),
                        "detail": finding.detail,
                    }),
                    || {
                        format!(
                            "broken at event {}: {} ({})",
                            finding.seq, finding.problem, finding.detail
                        )
                    },
                );
                Status::Judged
            }
        },
        Err(err) => fail(out, &err),
    }
}

fn build_query(args: &QueryArgs) -> Result<Query, String> {
    let mut query = Query::new();
    if let Some(actor) = &args.actor {
        query = query.actor(actor);
    }
    if let Some(name) = &args.decision {
        let decision = Decision::from_name(name)
            .ok_or_else(|| format!("`--decision {name}` is not one of allow, ask, deny"))?;
        query = query.decision(decision);
    }
    if let Some(name) = &args.min_risk {
        let risk = Risk::from_name(name).ok_or_else(|| {
            format!("`--min-risk {name}` is not one of low, medium, high, critical")
        })?;
        query = query.min_risk(risk);
    }
    let time = |flag: &str, text: &str| {
        text.parse::<jiff::Timestamp>()
            .map_err(|err| format!("`--{flag} {text}` is not an RFC 3339 time: {err}"))
    };
    if let Some(since) = &args.since {
        query = query.since(time("since", since)?);
    }
    if let Some(until) = &args.until {
        query = query.until(time("until", until)?);
    }
    Ok(query)
}

/// Prints matching events page by page (keyset pagination), up to `limit`.
fn list(db: &Path, query: &Query, limit: Option<u64>, out: Output) -> Status {
    let reader = match AuditReader::open(db) {
        Ok(reader) => reader,
        Err(err) => return fail(out, &err),
    };
    let mut remaining = limit.unwrap_or(u64::MAX);
    let mut query = query.clone();
    while remaining > 0 {
        let page_size = usize::try_from(remaining)
            .unwrap_or(usize::MAX)
            .min(palisade_audit::MAX_PAGE);
        let page = match reader.query(&query.clone().limit(page_size)) {
            Ok(page) => page,
            Err(err) => return fail(out, &err),
        };
        for row in &page.rows {
            let event = &row.event;
            out.emit(&row_to_json(row), || {
                format!(
                    "{} {} {} {} {} {} {}",
                    event.seq,
                    event.time,
                    event.actor,
                    event.action,
                    event.decision,
                    event.risk,
                    event.subject
                )
            });
        }
        remaining = remaining.saturating_sub(u64::try_from(page.rows.len()).unwrap_or(u64::MAX));
        match page.next {
            Some(next) => query = query.after(next),
            None => break,
        }
    }
    let _ = std::io::stdout().flush();
    Status::Success
}

/// Streams every event as JSON Lines (whatever `--json` says: the export format is JSON).
fn export(db: &Path, out: Output) -> Status {
    let reader = match AuditReader::open(db) {
        Ok(reader) => reader,
        Err(err) => return fail(out, &err),
    };
    let stdout = std::io::stdout();
    let mut lock = std::io::BufWriter::new(stdout.lock());
    let result = reader.export(&Query::new(), &mut lock);
    let _ = lock.flush();
    match result {
        Ok(_) => Status::Success,
        Err(err) => fail(out, &err),
    }
}
