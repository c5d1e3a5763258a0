//! The scripted AI-agent session behind `examples/agent_gate.rs` and `palisade demo`: a JSON
//! file of tool calls run through a [`Guard`] in a fresh workspace, with an on-disk SQLite
//! audit log that is verified at the end.

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use palisade_audit::Report;
use palisade_permission::{Answer, Approval, ApprovalRequest, Approver, Layer, Policy};
use serde::Deserialize;

use crate::guard::{
    Denial, DenialKind, Error, ErrorKind, Guard, GuardConfig, Permit, Request, describe_approval,
};

/// The session shipped in `examples/agent_session.json`.
pub const SESSION_JSON: &str = include_str!("../examples/agent_session.json");
/// The demo's guard configuration, `examples/agent_guard.toml`.
pub const GUARD_TOML: &str = include_str!("../examples/agent_guard.toml");
/// The demo's permission policy, `examples/agent_policy.toml`.
pub const POLICY_TOML: &str = include_str!("../examples/agent_policy.toml");

/// A session: who acts, the workspace's initial files, and the tool calls.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Session {
    /// The actor of every call.
    pub actor: String,
    /// Files created in the workspace before the session (path → content).
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// The calls, in order.
    pub calls: Vec<ToolCall>,
}

/// One tool call of the agent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ToolCall {
    /// `read_file`, `write_file` or `bash`.
    pub tool: String,
    /// For file tools.
    #[serde(default)]
    pub path: Option<String>,
    /// For `write_file`.
    #[serde(default)]
    pub content: Option<String>,
    /// For `bash`.
    #[serde(default)]
    pub command: Option<String>,
    /// The scripted approver's answer if the policy asks (absent: refuse).
    #[serde(default)]
    pub approve: Option<bool>,
    /// Run the call this many times in a row (a burst).
    #[serde(default)]
    pub repeat: Option<u32>,
    /// What the call demonstrates.
    #[serde(default)]
    pub note: Option<String>,
}

impl Session {
    /// How many calls run, repeats counted.
    pub fn call_count(&self) -> usize {
        self.calls
            .iter()
            .map(|c| usize::try_from(c.repeat.unwrap_or(1).max(1)).unwrap_or(1))
            .sum()
    }

    /// Parses a session from JSON.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        serde_json::from_str(text).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!(
                    "invalid session: {e} at line {}, column {}",
                    e.line(),
                    e.column()
                ),
            )
        })
    }
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum CallResult {
    /// Allowed by the policy and done.
    Allowed,
    /// Asked, approved and done.
    Approved,
    /// Asked and refused by the approver.
    Refused,
    /// Denied by the policy, a path rule, or because it needs a shell.
    Denied,
    /// Over a rate limit.
    RateLimited,
    /// Permitted but failed (e.g. the command exited non-zero).
    Failed,
}

impl CallResult {
    /// A lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            CallResult::Allowed => "allowed",
            CallResult::Approved => "approved",
            CallResult::Refused => "refused",
            CallResult::Denied => "denied",
            CallResult::RateLimited => "rate limited",
            CallResult::Failed => "failed",
        }
    }
}

/// One row of the summary.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Row {
    /// 1-based call number (repeats counted).
    pub number: usize,
    /// The tool.
    pub tool: String,
    /// The path or command.
    pub subject: String,
    /// How it ended.
    pub result: CallResult,
    /// The main reason, or what the command printed.
    pub detail: String,
}

/// What the session did.
#[derive(Debug)]
#[non_exhaustive]
pub struct SessionReport {
    /// One row per call.
    pub rows: Vec<Row>,
    /// The audit chain verification at the end.
    pub verification: Report,
    /// The audit log file.
    pub audit_db: PathBuf,
    /// The workspace.
    pub workspace: PathBuf,
}

impl SessionReport {
    /// How many rows ended as `result`.
    pub fn count(&self, result: CallResult) -> usize {
        self.rows.iter().filter(|r| r.result == result).count()
    }

    /// The summary table, for people.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let width = self
            .rows
            .iter()
            .map(|r| r.subject.chars().count())
            .max()
            .unwrap_or(7)
            .clamp(7, 48);
        out.push_str(&format!(
            "{:>3}  {:<10}  {:<width$}  {:<12}  {}\n",
            "#", "tool", "subject", "result", "why / output"
        ));
        for row in &self.rows {
            out.push_str(&format!(
                "{:>3}  {:<10}  {:<width$}  {:<12}  {}\n",
                row.number,
                row.tool,
                shorten(&row.subject, width),
                row.result.as_str(),
                shorten(&row.detail, 100)
            ));
        }
        let counts: Vec<String> = [
            CallResult::Allowed,
            CallResult::Approved,
            CallResult::Refused,
            CallResult::Denied,
            CallResult::RateLimited,
            CallResult::Failed,
        ]
        .iter()
        .map(|r| format!("{} {}", self.count(*r), r.as_str()))
        .collect();
        out.push_str(&format!(
            "\n{} calls: {}\n",
            self.rows.len(),
            counts.join(", ")
        ));
        let v = &self.verification;
        if v.is_ok() {
            out.push_str(&format!(
                "audit chain verified: {} events, head {}\n",
                v.events, v.head
            ));
        } else {
            let (seq, problem) = v
                .finding
                .as_ref()
                .map_or((0, ""), |f| (f.seq, f.problem.as_str()));
            out.push_str(&format!("audit chain BROKEN at seq {seq}: {problem}\n"));
        }
        out.push_str(&format!(
            "audit log: {}\nworkspace: {}\n",
            self.audit_db.display(),
            self.workspace.display()
        ));
        out
    }
}

fn shorten(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= max {
        flat
    } else {
        let mut s: String = flat.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// Answers from the session script: allows (once) only the exact request the script approved,
/// shown as [`describe_approval`] shows it (`write_file notes.md`, `mkdir build`), and answers
/// for the digest it was shown. Everything else is denied.
#[derive(Debug, Default)]
pub struct ScriptedApprover {
    next: Mutex<Option<(String, bool)>>,
}

impl ScriptedApprover {
    fn expect(&self, subject: String, approve: bool) {
        if let Ok(mut next) = self.next.lock() {
            *next = Some((subject, approve));
        }
    }
}

impl Approver for ScriptedApprover {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Approval {
        let asked = describe_approval(request);
        let scripted = self.next.lock().ok().and_then(|mut n| n.take());
        let answer = match scripted {
            Some((subject, true)) if subject == asked => Answer::AllowOnce,
            _ => Answer::Deny,
        };
        Approval {
            answer,
            digest: request.digest,
        }
    }
}

/// Where to run a session.
#[non_exhaustive]
pub struct SessionOptions {
    /// The workspace directory (created; should be empty).
    pub workspace: PathBuf,
    /// The SQLite audit log file.
    pub audit_db: PathBuf,
    /// Answers "ask" instead of the script (e.g. a terminal prompt).
    pub approver: Option<Arc<dyn Approver + Send + Sync>>,
}

impl std::fmt::Debug for SessionOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionOptions")
            .field("workspace", &self.workspace)
            .field("audit_db", &self.audit_db)
            .field("approver", &self.approver.is_some())
            .finish()
    }
}

impl SessionOptions {
    /// A workspace and an audit log file.
    pub fn new(workspace: impl Into<PathBuf>, audit_db: impl Into<PathBuf>) -> Self {
        Self {
            workspace: workspace.into(),
            audit_db: audit_db.into(),
            approver: None,
        }
    }
}

#[derive(Debug, Clone)]
struct ScriptHandle(Arc<ScriptedApprover>);

impl Approver for ScriptHandle {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Approval {
        self.0.approve(request)
    }
}

/// Runs `session` with the demo's guard configuration and policy, calling `on_row` after
/// each call (to print progress).
pub fn run(
    session: &Session,
    options: &SessionOptions,
    mut on_row: impl FnMut(&Row),
) -> Result<SessionReport, Error> {
    let io = |what: &str, path: &Path, e: std::io::Error| {
        Error::with_source(
            ErrorKind::Io,
            format!("{what} `{}`: {e}", path.display()),
            e,
        )
    };
    std::fs::create_dir_all(&options.workspace)
        .map_err(|e| io("cannot create workspace", &options.workspace, e))?;
    for (name, content) in &session.files {
        let safe = palisade_path::Sanitizer::new()
            .sanitize(name)
            .map_err(|e| Error::new(ErrorKind::Config, format!("session file `{name}`: {e}")))?;
        let path = options.workspace.join(safe.as_str());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io("cannot create", parent, e))?;
        }
        std::fs::write(&path, content).map_err(|e| io("cannot write", &path, e))?;
    }
    let config =
        GuardConfig::from_toml(GUARD_TOML, "examples/agent_guard.toml", &options.workspace)?;
    let policy = Policy::from_toml(POLICY_TOML, "examples/agent_policy.toml")?;
    let script = Arc::new(ScriptedApprover::default());
    let builder = Guard::builder()
        .config(config)
        .root(&options.workspace)
        .audit_path(&options.audit_db)
        .policy(Layer::User, policy);
    let guard = match &options.approver {
        Some(approver) => builder.shared_approver(Arc::clone(approver)).build()?,
        None => builder
            .approver(ScriptHandle(Arc::clone(&script)))
            .build()?,
    };
    let mut rows = Vec::new();
    for call in &session.calls {
        for _ in 0..call.repeat.unwrap_or(1).max(1) {
            let row = run_call(&guard, &script, &session.actor, call, rows.len() + 1);
            on_row(&row);
            rows.push(row);
        }
    }
    let verification = guard.audit_log().verify(None).map_err(|e| {
        Error::with_source(
            ErrorKind::Audit,
            format!("cannot verify the audit log: {e}"),
            e,
        )
    })?;
    Ok(SessionReport {
        rows,
        verification,
        audit_db: options.audit_db.clone(),
        workspace: options.workspace.clone(),
    })
}

fn denied_row(denial: &Denial) -> (CallResult, String) {
    let result = match denial.kind {
        DenialKind::RateLimited => CallResult::RateLimited,
        DenialKind::NotApproved => CallResult::Refused,
        DenialKind::Io => CallResult::Failed,
        _ => CallResult::Denied,
    };
    let detail = denial.reasons.first().cloned().unwrap_or_default();
    (result, detail)
}

fn run_call(
    guard: &Guard,
    script: &ScriptedApprover,
    actor: &str,
    call: &ToolCall,
    number: usize,
) -> Row {
    let (request, subject, shown) = match call.tool.as_str() {
        "read_file" | "write_file" => {
            let p = call.path.clone().unwrap_or_default();
            let shown = format!("{} {p}", call.tool);
            let request = if call.tool == "read_file" {
                Request::read_file(p.clone())
            } else {
                Request::write_file(p.clone())
            };
            (request, p, shown)
        }
        _ => {
            let c = call.command.clone().unwrap_or_default();
            (Request::shell(c.clone()), c.clone(), c)
        }
    };
    script.expect(shown, call.approve.unwrap_or(false));
    let row = |result, detail| Row {
        number,
        tool: call.tool.clone(),
        subject: subject.clone(),
        result,
        detail,
    };
    if !matches!(call.tool.as_str(), "read_file" | "write_file" | "bash") {
        return row(CallResult::Denied, format!("unknown tool `{}`", call.tool));
    }
    let permit = match guard.authorize(actor, &request) {
        Ok(permit) => permit,
        Err(denial) => {
            let (result, detail) = denied_row(&denial);
            return row(result, detail);
        }
    };
    let asked = call.approve == Some(true);
    let granted = if asked {
        CallResult::Approved
    } else {
        CallResult::Allowed
    };
    match permit {
        Permit::File(mut file) => {
            if call.tool == "write_file" {
                let content = call.content.clone().unwrap_or_default();
                match file.file.write_all(content.as_bytes()) {
                    Ok(()) => row(
                        granted,
                        format!("wrote {} bytes to {}", content.len(), file.path.as_str()),
                    ),
                    Err(e) => row(CallResult::Failed, format!("write failed: {e}")),
                }
            } else {
                let mut text = String::new();
                match (&mut file.file).take(64 * 1024).read_to_string(&mut text) {
                    Ok(_) => row(
                        granted,
                        format!("read: {}", text.lines().next().unwrap_or("")),
                    ),
                    Err(e) => row(CallResult::Failed, format!("read failed: {e}")),
                }
            }
        }
        Permit::Command(command) => match command.run() {
            Ok(outcome) => {
                let out = String::from_utf8_lossy(&outcome.output.stdout);
                let first = out.lines().map(str::trim).collect::<Vec<_>>().join(" ");
                let status = outcome
                    .exit_code()
                    .map_or_else(|| "killed".to_owned(), |c| format!("exit {c}"));
                let result = if outcome.success() {
                    granted
                } else {
                    CallResult::Failed
                };
                let first = if first.is_empty() {
                    "(no output)".to_owned()
                } else {
                    first
                };
                row(result, format!("ran ({status}): {first}"))
            }
            Err(e) => row(CallResult::Failed, e.to_string()),
        },
        #[cfg(feature = "sandbox")]
        Permit::Plugin(_) => row(
            CallResult::Failed,
            "the session has no plugin tools".to_owned(),
        ),
    }
}
