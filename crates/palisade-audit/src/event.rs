//! Events: what the host appends ([`NewEvent`]), what the log stores ([`Event`]), the bounded
//! sizes of every field, and the canonical, length-prefixed encoding the chain hash covers.

use std::fmt;

use jiff::Timestamp;
use serde_json::Value;

use crate::error::{Error, Result};

/// The decision an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Decision {
    /// The action was allowed.
    Allow,
    /// The action needed (or got) a human's approval.
    Ask,
    /// The action was denied.
    Deny,
}

/// How risky the recorded action was judged to be; ordered from low to critical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Risk {
    /// Read-only or otherwise harmless.
    Low,
    /// Changes state in a recoverable way.
    Medium,
    /// Destructive, privileged or exfiltrating.
    High,
    /// Irreversible or system-wide.
    Critical,
}

/// Decisions: name in JSON, SQL and the CLI; byte in the canonical encoding. Never renumber.
const DECISIONS: [(Decision, &str, u8); 3] = [
    (Decision::Allow, "allow", 0),
    (Decision::Ask, "ask", 1),
    (Decision::Deny, "deny", 2),
];

/// Risks: name; level stored in SQL (so `risk >= level` is a range) and in the encoding.
const RISKS: [(Risk, &str, u8); 4] = [
    (Risk::Low, "low", 0),
    (Risk::Medium, "medium", 1),
    (Risk::High, "high", 2),
    (Risk::Critical, "critical", 3),
];

impl Decision {
    /// The stable lowercase name: `allow`, `ask` or `deny`.
    pub fn as_str(self) -> &'static str {
        DECISIONS
            .iter()
            .find(|(d, _, _)| *d == self)
            .map_or("deny", |(_, name, _)| name)
    }

    /// Parses a stable name (`allow`, `ask`, `deny`).
    pub fn from_name(name: &str) -> Option<Self> {
        DECISIONS
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(d, _, _)| *d)
    }

    pub(crate) fn code(self) -> u8 {
        DECISIONS
            .iter()
            .find(|(d, _, _)| *d == self)
            .map_or(u8::MAX, |(_, _, c)| *c)
    }

    pub(crate) fn from_code(code: u8) -> Option<Self> {
        DECISIONS
            .iter()
            .find(|(_, _, c)| *c == code)
            .map(|(d, _, _)| *d)
    }
}

impl Risk {
    /// The stable lowercase name: `low`, `medium`, `high` or `critical`.
    pub fn as_str(self) -> &'static str {
        RISKS
            .iter()
            .find(|(r, _, _)| *r == self)
            .map_or("critical", |(_, name, _)| name)
    }

    /// Parses a stable name (`low`, `medium`, `high`, `critical`).
    pub fn from_name(name: &str) -> Option<Self> {
        RISKS
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(r, _, _)| *r)
    }

    /// The level stored in the database and the encoding: 0 (low) to 3 (critical).
    pub fn level(self) -> u8 {
        RISKS
            .iter()
            .find(|(r, _, _)| *r == self)
            .map_or(u8::MAX, |(_, _, l)| *l)
    }

    /// The risk at a stored level.
    pub fn from_level(level: u8) -> Option<Self> {
        RISKS
            .iter()
            .find(|(_, _, l)| *l == level)
            .map(|(r, _, _)| *r)
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text fields of an event, in encoding order, with their bounds in bytes.
/// A field marked required must not be empty.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldLimit {
    pub(crate) name: &'static str,
    pub(crate) max_bytes: usize,
    pub(crate) required: bool,
}

/// Field bounds. Subjects hold whole command lines, so they get the most room.
pub(crate) const FIELD_LIMITS: [FieldLimit; 6] = [
    FieldLimit {
        name: "actor",
        max_bytes: 256,
        required: true,
    },
    FieldLimit {
        name: "session",
        max_bytes: 256,
        required: false,
    },
    FieldLimit {
        name: "action",
        max_bytes: 128,
        required: true,
    },
    FieldLimit {
        name: "subject",
        max_bytes: 8 * 1024,
        required: false,
    },
    FieldLimit {
        name: "rule",
        max_bytes: 256,
        required: false,
    },
    FieldLimit {
        name: "reason",
        max_bytes: 4 * 1024,
        required: false,
    },
];

/// Largest metadata object, as JSON text, in bytes.
pub const METADATA_MAX_BYTES: usize = 16 * 1024;
/// Deepest nesting of arrays and objects in metadata (the top-level object counts as 1).
pub const METADATA_MAX_DEPTH: usize = 16;

/// An event to append. The log assigns the sequence number and the timestamp.
///
/// Build one with [`NewEvent::new`] and the `with_*` methods; sizes are checked when it is
/// appended (see the crate's "Limits" section).
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub(crate) actor: String,
    pub(crate) session: String,
    pub(crate) action: String,
    pub(crate) subject: String,
    pub(crate) decision: Decision,
    pub(crate) risk: Risk,
    pub(crate) rule: String,
    pub(crate) reason: String,
    pub(crate) metadata: Value,
}

impl NewEvent {
    /// An event by `actor` of kind `action` (e.g. `shell`, `file.write`, `http`, `plugin`),
    /// with its decision and risk; every other field empty and metadata `{}`.
    pub fn new(
        actor: impl Into<String>,
        action: impl Into<String>,
        decision: Decision,
        risk: Risk,
    ) -> Self {
        Self {
            actor: actor.into(),
            session: String::new(),
            action: action.into(),
            subject: String::new(),
            decision,
            risk,
            rule: String::new(),
            reason: String::new(),
            metadata: Value::Object(serde_json::Map::new()),
        }
    }

    /// The session (conversation, request, job) the event belongs to.
    #[must_use]
    pub fn with_session(mut self, session: impl Into<String>) -> Self {
        self.session = session.into();
        self
    }

    /// What the action was applied to: a command line, a path, a host, a module.
    #[must_use]
    pub fn with_subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = subject.into();
        self
    }

    /// The policy rule that matched.
    #[must_use]
    pub fn with_rule(mut self, rule: impl Into<String>) -> Self {
        self.rule = rule.into();
        self
    }

    /// Why the decision was made.
    #[must_use]
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = reason.into();
        self
    }

    /// Free-form metadata; must be a JSON object within [`METADATA_MAX_BYTES`] and
    /// [`METADATA_MAX_DEPTH`].
    #[must_use]
    pub fn with_metadata(mut self, metadata: Value) -> Self {
        self.metadata = metadata;
        self
    }

    /// Checks every bound (see the crate's "Limits" section) without appending; `append`
    /// does the same check.
    pub fn check(&self) -> Result<()> {
        self.validate().map(|_| ())
    }

    /// Checks every bound and renders the metadata as the JSON text that will be stored and
    /// hashed.
    #[cfg_attr(
        not(feature = "sqlite"),
        allow(dead_code, reason = "used by the SQLite store")
    )]
    pub(crate) fn validate(&self) -> Result<String> {
        let texts = [
            &self.actor,
            &self.session,
            &self.action,
            &self.subject,
            &self.rule,
            &self.reason,
        ];
        for (limit, text) in FIELD_LIMITS.iter().zip(texts) {
            check_field(limit, text)?;
        }
        if !self.metadata.is_object() {
            return Err(Error::invalid_event(
                "event `metadata` must be a JSON object",
            ));
        }
        check_depth(&self.metadata)?;
        let text = self.metadata.to_string();
        if text.len() > METADATA_MAX_BYTES {
            return Err(Error::invalid_event(format!(
                "event `metadata` is {} bytes of JSON; at most {METADATA_MAX_BYTES} are allowed",
                text.len()
            )));
        }
        Ok(text)
    }

    /// The stored event this becomes at `seq` and `time`, with `metadata` from
    /// [`NewEvent::validate`].
    #[cfg_attr(
        not(feature = "sqlite"),
        allow(dead_code, reason = "used by the SQLite store")
    )]
    pub(crate) fn into_event(self, seq: u64, time: Timestamp, metadata: String) -> Event {
        Event {
            seq,
            time,
            actor: self.actor,
            session: self.session,
            action: self.action,
            subject: self.subject,
            decision: self.decision,
            risk: self.risk,
            rule: self.rule,
            reason: self.reason,
            metadata,
        }
    }
}

fn check_field(limit: &FieldLimit, text: &str) -> Result<()> {
    if limit.required && text.is_empty() {
        return Err(Error::invalid_event(format!(
            "event `{}` is empty; it is required",
            limit.name
        )));
    }
    if text.len() > limit.max_bytes {
        return Err(Error::invalid_event(format!(
            "event `{}` is {} bytes; at most {} are allowed",
            limit.name,
            text.len(),
            limit.max_bytes
        )));
    }
    Ok(())
}

/// Nesting depth of a JSON value, walked without recursion (so hostile input can't blow the
/// stack even if the parser's own limit changes).
fn check_depth(value: &Value) -> Result<()> {
    let mut stack = vec![(value, 1usize)];
    while let Some((value, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        if depth > METADATA_MAX_DEPTH {
            return Err(Error::invalid_event(format!(
                "event `metadata` nests deeper than {METADATA_MAX_DEPTH} levels"
            )));
        }
        stack.extend(children.map(|child| (child, depth.saturating_add(1))));
    }
    Ok(())
}

/// Checks stored metadata text: a bounded JSON object.
pub(crate) fn check_metadata_text(text: &str) -> Result<()> {
    if text.len() > METADATA_MAX_BYTES {
        return Err(Error::malformed("stored `metadata` exceeds its size bound"));
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|err| Error::malformed(format!("stored `metadata` is not JSON: {err}")))?;
    if !value.is_object() {
        return Err(Error::malformed("stored `metadata` is not a JSON object"));
    }
    check_depth(&value).map_err(|_| Error::malformed("stored `metadata` nests too deeply"))
}

/// A recorded event, as stored in the log and covered by the chain hash.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Event {
    /// Position in the chain, from 1, without gaps.
    pub seq: u64,
    /// When the log's writer recorded it (UTC).
    pub time: Timestamp,
    /// Who acted (a user, an agent, a plugin).
    pub actor: String,
    /// The session it belongs to (may be empty).
    pub session: String,
    /// The kind of action (`shell`, `file.write`, `http`, `plugin`, …).
    pub action: String,
    /// What it was applied to: a command line, a path, a host, a module (may be empty).
    pub subject: String,
    /// The decision.
    pub decision: Decision,
    /// The judged risk.
    pub risk: Risk,
    /// The matched rule (may be empty).
    pub rule: String,
    /// Why (may be empty).
    pub reason: String,
    /// Metadata: a JSON object, as the exact text that was hashed.
    pub metadata: String,
}

/// Domain separation for event encodings; bump the version if the layout ever changes.
const EVENT_MAGIC: &[u8] = b"palisade-audit/event/v1\n";

impl Event {
    /// The text fields in canonical order (matching [`FIELD_LIMITS`]).
    fn texts(&self) -> [&str; 6] {
        [
            &self.actor,
            &self.session,
            &self.action,
            &self.subject,
            &self.rule,
            &self.reason,
        ]
    }

    /// The canonical encoding the chain hash covers: a magic line, then `seq` (u64),
    /// the time in nanoseconds since the Unix epoch (i64), decision and risk codes (one byte
    /// each), then actor, session, action, subject, rule, reason and metadata, each as a
    /// big-endian u32 length followed by its bytes. Every field has a fixed position and
    /// every variable-length field a length prefix, so two different events never encode the
    /// same (tested by a property test).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            EVENT_MAGIC.len()
                + 18
                + self.texts().iter().map(|t| t.len() + 4).sum::<usize>()
                + self.metadata.len()
                + 4,
        );
        out.extend_from_slice(EVENT_MAGIC);
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&time_to_nanos(self.time).to_be_bytes());
        out.push(self.decision.code());
        out.push(self.risk.level());
        for text in self.texts() {
            push_prefixed(&mut out, text.as_bytes());
        }
        push_prefixed(&mut out, self.metadata.as_bytes());
        out
    }

    /// Decodes [`Event::encode`]'s output, checking every bound. Untrusted input is fine:
    /// anything malformed is an error of kind [`Malformed`](crate::ErrorKind::Malformed).
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let mut reader = Reader { rest: bytes };
        if reader.take(EVENT_MAGIC.len())? != EVENT_MAGIC {
            return Err(Error::malformed(
                "encoded event does not start with its magic",
            ));
        }
        let seq = reader.u64()?;
        let time = nanos_to_time(i64::from_be_bytes(reader.array()?))?;
        let decision = Decision::from_code(reader.u8()?)
            .ok_or_else(|| Error::malformed("encoded event has an unknown decision"))?;
        let risk = Risk::from_level(reader.u8()?)
            .ok_or_else(|| Error::malformed("encoded event has an unknown risk"))?;
        let mut texts: [String; 6] = Default::default();
        for (limit, slot) in FIELD_LIMITS.iter().zip(texts.iter_mut()) {
            let text = reader.prefixed_text(limit.max_bytes)?;
            check_field(limit, &text).map_err(|err| Error::malformed(err.to_string()))?;
            *slot = text;
        }
        let metadata = reader.prefixed_text(METADATA_MAX_BYTES)?;
        check_metadata_text(&metadata)?;
        if !reader.rest.is_empty() {
            return Err(Error::malformed("encoded event has trailing bytes"));
        }
        let [actor, session, action, subject, rule, reason] = texts;
        Ok(Self {
            seq,
            time,
            actor,
            session,
            action,
            subject,
            decision,
            risk,
            rule,
            reason,
            metadata,
        })
    }

    /// The event as one JSON object (the export and CLI form): `seq`, `time` (RFC 3339, UTC),
    /// `actor`, `session`, `action`, `subject`, `decision`, `risk`, `rule`, `reason`,
    /// `metadata` (an object).
    pub fn to_json(&self) -> Value {
        let metadata = serde_json::from_str::<Value>(&self.metadata)
            .unwrap_or_else(|_| Value::String(self.metadata.clone()));
        serde_json::json!({
            "seq": self.seq,
            "time": self.time.to_string(),
            "actor": self.actor,
            "session": self.session,
            "action": self.action,
            "subject": self.subject,
            "decision": self.decision.as_str(),
            "risk": self.risk.as_str(),
            "rule": self.rule,
            "reason": self.reason,
            "metadata": metadata,
        })
    }
}

fn push_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    // Every field is bounded far below u32::MAX before it gets here; saturate rather than wrap.
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Nanoseconds since the Unix epoch; the representable range (1677–2262) covers every
/// timestamp a running log produces.
pub(crate) fn time_to_nanos(time: Timestamp) -> i64 {
    i64::try_from(time.as_nanosecond()).unwrap_or(i64::MAX)
}

pub(crate) fn nanos_to_time(nanos: i64) -> Result<Timestamp> {
    Timestamp::from_nanosecond(i128::from(nanos))
        .map_err(|_| Error::malformed("stored timestamp is out of range"))
}

/// A cursor over untrusted bytes that never panics.
pub(crate) struct Reader<'a> {
    pub(crate) rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let (head, tail) = self
            .rest
            .split_at_checked(n)
            .ok_or_else(|| Error::malformed("encoded value is truncated"))?;
        self.rest = tail;
        Ok(head)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let bytes = self.take(N)?;
        <[u8; N]>::try_from(bytes).map_err(|_| Error::malformed("encoded value is truncated"))
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    pub(crate) fn prefixed_text(&mut self, max_bytes: usize) -> Result<String> {
        let len = usize::try_from(self.u32()?).unwrap_or(usize::MAX);
        if len > max_bytes {
            return Err(Error::malformed("encoded field exceeds its size bound"));
        }
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| Error::malformed("encoded field is not UTF-8"))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample(seq: u64) -> Event {
        NewEvent::new("agent", "shell", Decision::Allow, Risk::Low)
            .with_subject(format!("ls {seq}"))
            .into_event(seq, Timestamp::UNIX_EPOCH, "{}".to_owned())
    }

    #[test]
    fn encoding_round_trips() {
        let event = sample(7);
        assert_eq!(Event::decode(&event.encode()).unwrap(), event);
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        let mut a = sample(1);
        let mut b = sample(1);
        a.actor = "ab".into();
        a.session = "c".into();
        b.actor = "a".into();
        b.session = "bc".into();
        assert_ne!(a.encode(), b.encode());
    }

    #[test]
    fn bounds_are_enforced() {
        let long = "x".repeat(300);
        let err = NewEvent::new(long, "shell", Decision::Deny, Risk::High)
            .validate()
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidEvent);
        assert!(err.to_string().contains("`actor`"), "{err}");
        let err = NewEvent::new("", "shell", Decision::Deny, Risk::High)
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("required"), "{err}");
        let mut deep = serde_json::json!(1);
        for _ in 0..=METADATA_MAX_DEPTH {
            deep = serde_json::json!({ "a": deep });
        }
        let err = NewEvent::new("a", "shell", Decision::Deny, Risk::High)
            .with_metadata(deep)
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("nests"), "{err}");
        let err = NewEvent::new("a", "shell", Decision::Deny, Risk::High)
            .with_metadata(serde_json::json!([1]))
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("object"), "{err}");
        let big = serde_json::json!({ "k": "v".repeat(METADATA_MAX_BYTES) });
        assert!(
            NewEvent::new("a", "shell", Decision::Deny, Risk::High)
                .with_metadata(big)
                .validate()
                .is_err()
        );
    }

    #[test]
    fn depth_limit_is_exact() {
        let mut value = serde_json::json!({});
        for _ in 1..METADATA_MAX_DEPTH {
            value = serde_json::json!({ "a": value });
        }
        assert!(check_depth(&value).is_ok());
        value = serde_json::json!({ "a": value });
        assert!(check_depth(&value).is_err());
    }

    #[test]
    fn decode_rejects_trailing_and_truncated_bytes() {
        let mut bytes = sample(3).encode();
        bytes.push(0);
        assert!(Event::decode(&bytes).is_err());
        bytes.truncate(bytes.len() - 2);
        assert!(Event::decode(&bytes).is_err());
    }

    #[test]
    fn names_round_trip() {
        for (d, name, _) in DECISIONS {
            assert_eq!(Decision::from_name(name), Some(d));
            assert_eq!(d.as_str(), name);
        }
        for (r, name, level) in RISKS {
            assert_eq!(Risk::from_name(name), Some(r));
            assert_eq!(Risk::from_level(level), Some(r));
        }
        assert!(Risk::Low < Risk::Critical);
    }
}
