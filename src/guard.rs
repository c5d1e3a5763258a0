//! [`Guard`]: one object a host builds once and asks before every action an agent or plugin
//! wants to take.
//!
//! Per action, in this order:
//!
//! 1. **rate limit** — per actor and global ([`palisade_ratelimit::RateLimiter`]; a denial
//!    spends neither quota);
//! 2. **permission** — file paths are sanitised against the workspace root
//!    ([`palisade_path::Sanitizer`]) and decided as the tools `read_file` / `write_file` and
//!    as the file itself and where a link leads (the policy's path rules, secrets, hooks:
//!    [`palisade_permission::Gate::decide_file`]), the strictest answer winning;
//!    commands and shell lines are analysed into every simple command and decided by the
//!    policy ([`palisade_permission::Gate`]); a plugin call is decided as the tool named after
//!    the plugin;
//! 3. **approval** — when the decision is "ask", the host's
//!    [`Approver`] (palisade-permission's) is shown exactly what
//!    will be used: the parsed argv of every sub-command, or for a file action or plugin call
//!    one synthetic sub-command naming the path, or the plugin, export and input digest
//!    ([`describe_approval`]). Its answer must carry the request's
//!    [`ArgvDigest`]; an answer for another digest, a panic,
//!    or no approver at all is a refusal;
//! 4. **circuit breaker** — a plugin call takes a permit from the plugin's own breaker
//!    ([`palisade_ratelimit::CircuitBreaker`]); an open breaker is a denial with the time
//!    until it probes again;
//! 5. **audit** — the decision is appended to the SQLite log *before* anything runs; if that
//!    fails the action is denied ([`AuditFailure::Deny`], the default);
//! 6. **permit** — a [`FilePermit`] (a file opened relative to the root's descriptor,
//!    symbolic links followed only inside it), a [`CommandPermit`] (a
//!    [`SafeCommand`]: argv only, no shell, an environment
//!    cleared to an allowlist, a working directory inside the root, a timeout, capped output;
//!    built only if the argv's digest is the one approved), or with the `sandbox` feature a
//!    `PluginPermit` (the call runs in the `palisade-sandbox` sandbox, and its success or
//!    failure is reported to the breaker);
//! 7. **outcome** — the open, the command's exit or the plugin call's result is appended to
//!    the log too.
//!
//! ```
//! use palisade::permission::{Layer, Policy};
//! use palisade::{DenialKind, Guard, Permit, Request};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let workspace = dir.path().join("ws");
//! # std::fs::create_dir(&workspace)?;
//! let policy = Policy::from_toml(
//!     r#"
//! [[rule]]
//! action = "allow"
//! command = ["ls"]
//! "#,
//!     "policy.toml",
//! )?;
//! let guard = Guard::builder()
//!     .root(&workspace)                          // every path and cwd stays inside
//!     .audit_path(dir.path().join("audit.db"))   // SQLite, appended before anything runs
//!     .per_actor("10/s burst 20".parse()?)
//!     .policy(Layer::User, policy)
//!     .build()?;
//!
//! // Allowed: runs as argv, no shell, cleared environment, inside the workspace.
//! let Permit::Command(ls) = guard.authorize("agent-7", &Request::shell("ls -a"))? else {
//!     unreachable!("a shell line gives a command permit");
//! };
//! assert!(ls.run()?.success());
//!
//! // Denied, with reasons a person can read.
//! let denial = guard.authorize("agent-7", &Request::shell("rm -rf /")).unwrap_err();
//! assert_eq!(denial.kind, DenialKind::Policy);
//! assert!(denial.to_string().contains("critical"));
//!
//! // Every decision and outcome is in a verifiable hash chain.
//! assert!(guard.audit_log().verify(None)?.is_ok());
//! # Ok(())
//! # }
//! ```

mod approve;
mod config;
mod error;
#[cfg(feature = "sandbox")]
mod plugin;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use palisade_audit::{AuditConfig, AuditLog, Durability, NewEvent};
use palisade_path::{OpenOptions, Profile, Root, SafeRelPath, Sanitizer};
use palisade_permission::shell::Stdin;
use palisade_permission::{
    Answer, Approver, ArgvDigest, Decision, ExecError, ExecOptions, ExecOutcome, Gate, Layer,
    Policy, PolicySet, RiskLevel, SafeCommand, Scripted, ShellAnalysis, ShellAnalyzer, Verdict,
};
use palisade_ratelimit::{Quota, RateLimiter};
use serde_json::json;

use self::approve::SharedApprover;
pub use self::approve::describe_approval;
pub use self::config::{GuardConfig, MAX_CONFIG_BYTES};
pub use self::error::{Denial, DenialKind, Error, ErrorKind, Location};
#[cfg(feature = "sandbox")]
pub use self::plugin::{PluginOutcome, PluginPermit};

/// What to do when the audit log can't record a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum AuditFailure {
    /// Deny the action (fail closed). The default.
    #[default]
    Deny,
    /// Let the action proceed unrecorded. For hosts where availability beats the record.
    Proceed,
}

/// An action an actor wants to take.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request {
    /// Read a file (a path relative to the workspace root).
    ReadFile {
        /// The untrusted path.
        path: String,
    },
    /// Create or overwrite a file (a path relative to the workspace root).
    WriteFile {
        /// The untrusted path.
        path: String,
    },
    /// Run an argv, without a shell.
    Command {
        /// Program and arguments.
        argv: Vec<String>,
        /// Working directory relative to the root (default: the root).
        cwd: Option<String>,
    },
    /// A bash command line. It is analysed into every simple command it would run and
    /// decided on that; it is executed only when it is one plain command whose every word is
    /// known (then as argv, never through a shell).
    Shell {
        /// The line.
        line: String,
        /// Working directory relative to the root (default: the root).
        cwd: Option<String>,
    },
    /// Call an export of a registered sandboxed plugin with input bytes (the bytes ABI of
    /// `palisade-sandbox`). Decided as the tool call named after the plugin. Needs the
    /// `sandbox` feature; without it every plugin is unknown.
    PluginCall {
        /// The plugin's registered name.
        plugin: String,
        /// The export to call.
        export: String,
        /// The input bytes.
        input: Vec<u8>,
    },
}

impl Request {
    /// Read `path`.
    pub fn read_file(path: impl Into<String>) -> Self {
        Request::ReadFile { path: path.into() }
    }

    /// Create or overwrite `path`.
    pub fn write_file(path: impl Into<String>) -> Self {
        Request::WriteFile { path: path.into() }
    }

    /// Run `argv` in the root.
    pub fn command<S: Into<String>>(argv: impl IntoIterator<Item = S>) -> Self {
        Request::Command {
            argv: argv.into_iter().map(Into::into).collect(),
            cwd: None,
        }
    }

    /// A shell line, run (if at all) in the root.
    pub fn shell(line: impl Into<String>) -> Self {
        Request::Shell {
            line: line.into(),
            cwd: None,
        }
    }

    /// Call `export` of the plugin registered as `plugin` with `input`.
    pub fn plugin_call(
        plugin: impl Into<String>,
        export: impl Into<String>,
        input: impl Into<Vec<u8>>,
    ) -> Self {
        Request::PluginCall {
            plugin: plugin.into(),
            export: export.into(),
            input: input.into(),
        }
    }

    /// The action's name in the audit log: `file.read`, `file.write`, `command`, `shell`,
    /// `plugin.call`.
    pub fn action(&self) -> &'static str {
        match self {
            Request::ReadFile { .. } => "file.read",
            Request::WriteFile { .. } => "file.write",
            Request::Command { .. } => "command",
            Request::Shell { .. } => "shell",
            Request::PluginCall { .. } => "plugin.call",
        }
    }

    fn subject(&self) -> String {
        match self {
            Request::ReadFile { path } | Request::WriteFile { path } => path.clone(),
            Request::Command { argv, .. } => approve::display_argv(argv),
            Request::Shell { line, .. } => line.clone(),
            Request::PluginCall {
                plugin,
                export,
                input,
            } => format!("{plugin}.{export} ({} bytes)", input.len()),
        }
    }
}

/// What the guard lets the caller do.
#[derive(Debug)]
#[non_exhaustive]
pub enum Permit {
    /// A file opened inside the root.
    File(FilePermit),
    /// An argv that may run once.
    Command(CommandPermit),
    /// A sandboxed plugin call that may run once.
    #[cfg(feature = "sandbox")]
    Plugin(PluginPermit),
}

/// A file opened relative to the root's descriptor.
#[derive(Debug)]
#[non_exhaustive]
pub struct FilePermit {
    /// The open file (read-only for reads; write, create, truncate for writes).
    pub file: File,
    /// The path relative to the root, normalised.
    pub path: SafeRelPath,
    /// The audit sequence number of the decision.
    pub audit_seq: Option<u64>,
}

/// Permission to run one argv, once: a [`SafeCommand`] of `palisade-permission` (no shell, an
/// environment cleared to an allowlist, a working directory resolved inside the root, a
/// timeout, capped output), built from the very argv the policy and the approver saw. There
/// is no way to change it.
#[derive(Debug)]
pub struct CommandPermit {
    inner: Arc<Inner>,
    actor: String,
    argv: Vec<String>,
    command: Box<SafeCommand>,
    audit_seq: Option<u64>,
}

/// What a permitted command did.
#[derive(Debug)]
#[non_exhaustive]
pub struct CommandOutcome {
    /// Exit status, bounded output, whether the timeout killed it.
    pub output: ExecOutcome,
    /// Wall time.
    pub elapsed: Duration,
    /// The audit sequence number of the outcome event, when recorded.
    pub audit_seq: Option<u64>,
}

impl CommandOutcome {
    /// Exited with status 0.
    pub fn success(&self) -> bool {
        self.output.status.success()
    }

    /// The exit code; `None` when killed by a signal (also after the timeout).
    pub fn exit_code(&self) -> Option<i32> {
        self.output.status.code()
    }
}

impl CommandPermit {
    /// The argv that will run.
    pub fn argv(&self) -> &[String] {
        &self.argv
    }

    /// The audit sequence number of the decision.
    pub fn audit_seq(&self) -> Option<u64> {
        self.audit_seq
    }

    /// Runs the command and appends its outcome to the audit log. With
    /// [`AuditFailure::Deny`], an outcome that can't be recorded is an error (the command has
    /// run by then).
    pub fn run(self) -> Result<CommandOutcome, Error> {
        let started = Instant::now();
        let result = self.command.run();
        let elapsed = started.elapsed();
        let subject = approve::display_argv(&self.argv);
        let event = NewEvent::new(
            &self.actor,
            "command.result",
            palisade_audit::Decision::Allow,
            palisade_audit::Risk::Low,
        )
        .with_subject(clip(&subject, SUBJECT_MAX));
        let event = match &result {
            Ok(outcome) => event
                .with_reason(match (outcome.status.code(), outcome.timed_out) {
                    (_, true) => "killed at the deadline".to_owned(),
                    (Some(code), false) => format!("exited with status {code}"),
                    (None, false) => "killed by a signal".to_owned(),
                })
                .with_metadata(json!({
                    "decision_seq": self.audit_seq,
                    "exit_code": outcome.status.code(),
                    "timed_out": outcome.timed_out,
                    "elapsed_ms": u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
                    "stdout_bytes": outcome.stdout.len(),
                    "stderr_bytes": outcome.stderr.len(),
                    "truncated": outcome.truncated,
                })),
            Err(err) => event
                .with_reason(clip(&format!("could not run: {err}"), REASON_MAX))
                .with_metadata(json!({"decision_seq": self.audit_seq})),
        };
        let seq = self.inner.record(event);
        match (result, seq) {
            (Ok(output), Ok(seq)) => Ok(CommandOutcome {
                output,
                elapsed,
                audit_seq: seq,
            }),
            (Ok(_), Err(err)) => Err(Error::new(
                ErrorKind::Audit,
                format!("`{subject}` ran, but its outcome could not be recorded: {err}"),
            )),
            (Err(err), _) => Err(Error::with_source(
                ErrorKind::Spawn,
                format!("cannot run `{subject}`: {err}"),
                err,
            )),
        }
    }
}

const SUBJECT_MAX: usize = 8 * 1024;
/// Children are killed after this long unless configured otherwise.
const DEFAULT_EXEC_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_ACTOR_BYTES: usize = 256;
const REASON_MAX: usize = 4 * 1024;

/// At most `max` bytes of `text`, cut at a character boundary.
fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max.saturating_sub(3);
    while !text.is_char_boundary(end) {
        end = end.saturating_sub(1);
    }
    format!("{}...", text.get(..end).unwrap_or_default())
}

fn audit_decision(verdict: Verdict) -> palisade_audit::Decision {
    match verdict {
        Verdict::Allow => palisade_audit::Decision::Allow,
        Verdict::Ask => palisade_audit::Decision::Ask,
        Verdict::Deny => palisade_audit::Decision::Deny,
    }
}

fn audit_risk(level: RiskLevel) -> palisade_audit::Risk {
    match level {
        RiskLevel::Low => palisade_audit::Risk::Low,
        RiskLevel::Medium => palisade_audit::Risk::Medium,
        RiskLevel::High => palisade_audit::Risk::High,
        RiskLevel::Critical => palisade_audit::Risk::Critical,
    }
}

struct Inner {
    gate: Gate,
    analyzer: ShellAnalyzer,
    sanitizer: Sanitizer,
    root: Root,
    /// The same root, following no symbolic link: file permits open the real path decided.
    exact_root: Root,
    root_dir: PathBuf,
    limiter: Option<RateLimiter<String>>,
    audit: Arc<AuditLog>,
    audit_failure: AuditFailure,
    approver: Option<SharedApprover>,
    /// The template every command's options are cloned from (root set, cwd per command).
    exec: ExecOptions,
    #[cfg(feature = "sandbox")]
    plugins: std::collections::HashMap<String, plugin::Registered>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("Guard");
        s.field("root_dir", &self.root_dir)
            .field("audit_failure", &self.audit_failure)
            .field("approver", &self.approver.is_some())
            .field("exec", &self.exec);
        #[cfg(feature = "sandbox")]
        s.field("plugins", &self.plugins.keys().collect::<Vec<_>>());
        s.finish_non_exhaustive()
    }
}

impl Inner {
    /// Appends an event; `Ok(None)` when it failed but the guard proceeds anyway.
    fn record(&self, event: NewEvent) -> Result<Option<u64>, palisade_audit::Error> {
        match self.audit.append(event) {
            Ok(appended) => Ok(appended.receipt().map(|r| r.seq)),
            Err(err) => match self.audit_failure {
                AuditFailure::Deny => Err(err),
                AuditFailure::Proceed => Ok(None),
            },
        }
    }

    /// Records a denial and returns it (a denial that can't be recorded is still a denial).
    fn deny(
        &self,
        actor: &str,
        request: &Request,
        risk: RiskLevel,
        mut denial: Denial,
        metadata: serde_json::Value,
    ) -> Denial {
        let event = NewEvent::new(
            actor,
            request.action(),
            palisade_audit::Decision::Deny,
            audit_risk(risk),
        )
        .with_subject(clip(&request.subject(), SUBJECT_MAX))
        .with_rule(denial.kind.as_str())
        .with_reason(clip(&denial.reasons.join("; "), REASON_MAX))
        .with_metadata(metadata);
        denial.audit_seq = self.record(event).ok().flatten();
        denial
    }
}

/// The composed guard. Cheap to clone (an `Arc`), `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Guard {
    inner: Arc<Inner>,
}

/// What a permitted action will do, worked out before asking and recording.
enum Target {
    /// A file: the path as requested, and where it led when decided (links followed).
    File {
        path: SafeRelPath,
        real: SafeRelPath,
        write: bool,
    },
    Command {
        argv: Vec<String>,
        cwd: String,
    },
    Plugin,
}

/// A permit whose effect is ready but not yet recorded.
enum Ready {
    File {
        path: SafeRelPath,
        real: SafeRelPath,
        write: bool,
    },
    Command(Vec<String>, Box<SafeCommand>),
    #[cfg(feature = "sandbox")]
    Plugin(Box<plugin::Staged>),
}

/// Longest plugin or export name a request may carry.
const MAX_PLUGIN_NAME_BYTES: usize = 256;

impl Guard {
    /// A builder.
    pub fn builder() -> GuardBuilder {
        GuardBuilder::default()
    }

    /// The audit log (to verify, seal, query).
    pub fn audit_log(&self) -> &AuditLog {
        &self.inner.audit
    }

    /// The workspace root directory.
    pub fn root_dir(&self) -> &Path {
        &self.inner.root_dir
    }

    /// The state of a registered plugin's circuit breaker (`None` for an unknown plugin).
    #[cfg(feature = "sandbox")]
    pub fn plugin_breaker_state(&self, plugin: &str) -> Option<palisade_ratelimit::State> {
        self.inner.plugins.get(plugin).map(|r| r.breaker.state())
    }

    /// Decides on `request` by `actor` and, if it may go ahead, returns the permit. Every
    /// decision is in the audit log before this returns a permit.
    ///
    /// In order: the actor name, rate limits (per actor, global), the permission decision,
    /// the approver when the decision is "ask", the plugin's circuit breaker (plugin calls),
    /// the audit append, the permit.
    pub fn authorize(&self, actor: &str, request: &Request) -> Result<Permit, Denial> {
        let inner = &*self.inner;
        // The audit log takes actors of 1–256 bytes; anything else could not be recorded.
        if actor.is_empty() || actor.len() > MAX_ACTOR_BYTES {
            return Err(Denial::new(
                DenialKind::Policy,
                vec![format!(
                    "an actor name must be 1 to {MAX_ACTOR_BYTES} bytes long"
                )],
            ));
        }
        // 1. Rate limits.
        if let Some(limiter) = &inner.limiter {
            let checked = limiter.check_key(&actor.to_owned());
            if !checked.is_allowed() {
                let which = checked.denial().map_or("a", |d| match d {
                    palisade_ratelimit::Denial::Global => "the global",
                    _ => "the actor's",
                });
                let mut reason = format!("rate limited: `{actor}` is over {which} quota");
                if let Some(after) = checked.retry_after() {
                    reason.push_str(&format!("; retry in {} ms", after.as_millis()));
                }
                let mut denial = Denial::new(DenialKind::RateLimited, vec![reason]);
                denial.retry_after = checked.retry_after();
                let meta = json!({"limit": checked.denial().map(|d| d.as_str())});
                return Err(inner.deny(actor, request, RiskLevel::Low, denial, meta));
            }
        }
        // 2. Permission.
        let (decision, target) = match self.decide(request) {
            Ok(pair) => pair,
            Err((risk, denial)) => return Err(inner.deny(actor, request, risk, denial, json!({}))),
        };
        let argv_meta = match &target {
            Target::Command { argv, .. } => json!(argv),
            Target::File { .. } | Target::Plugin => serde_json::Value::Null,
        };
        // 3. Approval, on exactly what will be used.
        let mut approval_meta = serde_json::Value::Null;
        let mut approved_digest = None;
        match decision.verdict {
            Verdict::Deny => {
                let denial = Denial::new(DenialKind::Policy, decision.reasons.clone());
                return Err(inner.deny(
                    actor,
                    request,
                    decision.risk,
                    denial,
                    json!({"argv": argv_meta}),
                ));
            }
            Verdict::Allow => {}
            Verdict::Ask => {
                let Some(shown) = self.shown(actor, request, &decision, &target) else {
                    let denial = Denial::new(
                        DenialKind::NotApproved,
                        vec![
                            "not approved: the request could not be put to the approver".to_owned(),
                        ],
                    );
                    let meta = json!({"argv": argv_meta});
                    return Err(inner.deny(actor, request, decision.risk, denial, meta));
                };
                let (asked, digest) = approve::ask(inner.approver.as_ref(), &shown);
                approval_meta = json!({
                    "answer": asked.audit_name(),
                    "digest": digest.to_hex(),
                });
                if let Some(why) = asked.refusal() {
                    let mut reasons = vec![why];
                    reasons.extend(decision.reasons.iter().cloned());
                    let denial = Denial::new(DenialKind::NotApproved, reasons);
                    let meta = json!({"argv": argv_meta, "approval": approval_meta});
                    return Err(inner.deny(actor, request, decision.risk, denial, meta));
                }
                approved_digest = Some(digest);
            }
        }
        // 4. The effect, made ready (nothing runs or opens yet).
        let ready = match self.prepare(request, target, approved_digest) {
            Ok(ready) => ready,
            Err(denial) => {
                let meta = json!({"argv": argv_meta, "approval": approval_meta});
                return Err(inner.deny(actor, request, decision.risk, denial, meta));
            }
        };
        // 5. Audit before anything runs.
        let event = NewEvent::new(
            actor,
            request.action(),
            audit_decision(decision.verdict),
            audit_risk(decision.risk),
        )
        .with_subject(clip(&request.subject(), SUBJECT_MAX))
        .with_reason(clip(&decision.reasons.join("; "), REASON_MAX))
        .with_metadata(json!({"argv": argv_meta, "approval": approval_meta}));
        let audit_seq = match inner.record(event) {
            Ok(seq) => seq,
            Err(err) => {
                return Err(Denial::new(
                    DenialKind::AuditUnavailable,
                    vec![format!(
                        "the decision could not be recorded in the audit log, so nothing ran: {err}"
                    )],
                ));
            }
        };
        // 6. The permit.
        match ready {
            Ready::Command(argv, command) => Ok(Permit::Command(CommandPermit {
                inner: Arc::clone(&self.inner),
                actor: actor.to_owned(),
                argv,
                command,
                audit_seq,
            })),
            #[cfg(feature = "sandbox")]
            Ready::Plugin(staged) => Ok(Permit::Plugin(staged.into_permit(
                Arc::clone(&self.inner),
                actor,
                audit_seq,
            ))),
            Ready::File { path, real, write } => {
                self.open_file(actor, request, &decision, (path, real), write, audit_seq)
            }
        }
    }

    /// Opens a permitted file and records the outcome.
    fn open_file(
        &self,
        actor: &str,
        request: &Request,
        decision: &Decision,
        (path, real): (SafeRelPath, SafeRelPath),
        write: bool,
        audit_seq: Option<u64>,
    ) -> Result<Permit, Denial> {
        let inner = &*self.inner;
        let options = if write {
            OpenOptions::new().write(true).create(true).truncate(true)
        } else {
            OpenOptions::new()
        };
        // The file decided on is where the path led then: that real path is opened, through
        // no symbolic link at all, so a directory swapped for a link after the decision
        // (`d` → `.git/hooks`) makes the open fail instead of reaching another file (found by
        // probing, session 9).
        let opened = inner.exact_root.open(real.as_str(), &options);
        // The outcome.
        let (reason, ok) = match &opened {
            Ok(_) => ("opened".to_owned(), true),
            Err(err) => (format!("could not open: {err}"), false),
        };
        let event = NewEvent::new(
            actor,
            format!("{}.result", request.action()),
            audit_decision(decision.verdict),
            audit_risk(decision.risk),
        )
        .with_subject(clip(path.as_str(), SUBJECT_MAX))
        .with_reason(clip(&reason, REASON_MAX))
        .with_metadata(json!({"decision_seq": audit_seq, "ok": ok}));
        let recorded = inner.record(event);
        match (opened, recorded) {
            (Ok(file), Ok(_)) => Ok(Permit::File(FilePermit {
                file,
                path,
                audit_seq,
            })),
            (Ok(_), Err(err)) => Err(Denial::new(
                DenialKind::AuditUnavailable,
                vec![format!(
                    "the file was opened but the outcome could not be recorded, so it was closed: {err}"
                )],
            )),
            (Err(err), _) => {
                let mut denial =
                    Denial::new(DenialKind::Io, vec![format!("`{}`: {err}", path.as_str())]);
                denial.audit_seq = audit_seq;
                Err(denial)
            }
        }
    }

    /// What the approver is shown for an "ask" decision: the decision itself for commands
    /// (its sub-commands are what runs), a synthetic sub-command naming the path or the
    /// plugin call and its input digest otherwise. The first reason says who asks.
    fn shown(
        &self,
        actor: &str,
        request: &Request,
        decision: &Decision,
        target: &Target,
    ) -> Option<Decision> {
        let gate = &self.inner.gate;
        let mut shown = match (request, target) {
            (_, Target::Command { .. }) => decision.clone(),
            (_, Target::File { path, write, .. }) => {
                let tool = if *write { "write_file" } else { "read_file" };
                approve::with_synthetic_command(gate, decision, tool, &[path.as_str()])?
            }
            (
                Request::PluginCall {
                    plugin,
                    export,
                    input,
                },
                Target::Plugin,
            ) => {
                use sha2::Digest as _;
                let hex: String = sha2::Sha256::digest(input)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                let input_word = format!("input-sha256:{hex}");
                approve::with_synthetic_command(
                    gate,
                    decision,
                    "plugin.call",
                    &[plugin.as_str(), export.as_str(), input_word.as_str()],
                )?
            }
            (_, Target::Plugin) => return None,
        };
        shown
            .reasons
            .insert(0, format!("`{actor}` asks for this {}", request.action()));
        Some(shown)
    }

    /// Step 4: the permit's effect, ready to run or open. Commands become a
    /// `palisade-permission` [`SafeCommand`], which decides on the argv again; an asked
    /// command is handed the approver's digest, so the command is built only if its argv is
    /// exactly the one approved. Plugin calls take a permit from the plugin's breaker.
    fn prepare(
        &self,
        request: &Request,
        target: Target,
        approved: Option<ArgvDigest>,
    ) -> Result<Ready, Denial> {
        let inner = &*self.inner;
        match target {
            Target::File { path, real, write } => Ok(Ready::File { path, real, write }),
            Target::Command { argv, cwd } => {
                let mut options = inner.exec.clone();
                options.cwd = cwd;
                let built = match approved {
                    None => SafeCommand::new(&inner.gate, argv.clone(), options),
                    Some(digest) => SafeCommand::approved(
                        &inner.gate,
                        argv.clone(),
                        options,
                        &Scripted::new().answer(digest, Answer::AllowOnce),
                    ),
                };
                built
                    .map(|command| Ready::Command(argv, Box::new(command)))
                    .map_err(|err| {
                        let (kind, why) = match (&err, approved) {
                            (ExecError::Cwd { .. }, _) => {
                                (DenialKind::Path, "its working directory was refused")
                            }
                            (ExecError::NotAllowed { .. }, Some(_)) => (
                                DenialKind::NotApproved,
                                "the argv to run is not exactly the one approved",
                            ),
                            _ => (DenialKind::Policy, "the command was refused on its argv"),
                        };
                        Denial::new(kind, vec![format!("{why}, so nothing ran: {err}")])
                    })
            }
            Target::Plugin => {
                #[cfg(feature = "sandbox")]
                {
                    if let Request::PluginCall {
                        plugin,
                        export,
                        input,
                    } = request
                    {
                        return plugin::Staged::new(inner, plugin, export, input)
                            .map(|s| Ready::Plugin(Box::new(s)));
                    }
                }
                let _ = request;
                Err(Denial::new(
                    DenialKind::UnknownPlugin,
                    vec!["plugin calls need the guard's `sandbox` feature".to_owned()],
                ))
            }
        }
    }

    /// Step 2: the permission decision and what would be used.
    fn decide(&self, request: &Request) -> Result<(Decision, Target), (RiskLevel, Denial)> {
        let inner = &*self.inner;
        match request {
            Request::ReadFile { path } | Request::WriteFile { path } => {
                let write = matches!(request, Request::WriteFile { .. });
                let safe = inner.sanitizer.sanitize(path).map_err(|e| {
                    (
                        RiskLevel::High,
                        Denial::new(DenialKind::Path, vec![format!("unsafe path: {e}")]),
                    )
                })?;
                // The real tree: links are followed only inside the root.
                let resolved = inner.root.resolve(safe.as_str()).map_err(|e| {
                    (
                        RiskLevel::High,
                        Denial::new(DenialKind::Path, vec![format!("unsafe path: {e}")]),
                    )
                })?;
                // Deny globs apply to where a link really leads, too.
                inner
                    .sanitizer
                    .sanitize(resolved.path.as_str())
                    .map_err(|e| {
                        (
                            RiskLevel::High,
                            Denial::new(
                                DenialKind::Path,
                                vec![format!("`{}` leads to a denied path: {e}", safe.as_str())],
                            ),
                        )
                    })?;
                let tool = if write { "write_file" } else { "read_file" };
                let mut decision = inner.gate.decide_tool(tool);
                // The file itself, as the policy's path rules and the risk of what it is
                // (`.env.production`, a key, a hook) judge it, where a link leads included:
                // the strictest of these and the tool rule (found by probing, session 8).
                let access = if write {
                    palisade_permission::FileAccess::Write
                } else {
                    palisade_permission::FileAccess::Read
                };
                for path in [safe.as_str(), resolved.path.as_str()] {
                    let file = inner.gate.decide_file(access, path);
                    if file.verdict > decision.verdict {
                        decision.verdict = file.verdict;
                    }
                    decision.risk = decision.risk.max(file.risk);
                    decision.reasons.extend(file.reasons);
                    decision.findings.extend(file.findings);
                }
                decision
                    .reasons
                    .insert(0, format!("{tool} `{}`", safe.as_str()));
                Ok((
                    decision,
                    Target::File {
                        path: safe,
                        real: resolved.path,
                        write,
                    },
                ))
            }
            Request::Command { argv, cwd } => {
                if argv.is_empty() {
                    return Err((
                        RiskLevel::Low,
                        Denial::new(
                            DenialKind::Policy,
                            vec!["an empty argv runs nothing".to_owned()],
                        ),
                    ));
                }
                let cwd = self.working_dir(cwd.as_deref())?;
                // Judged where it runs: `cat notes.txt` in `sub` reads `sub/notes.txt`.
                let decision = inner.gate.decide_argv_in(&cwd, argv);
                Ok((
                    decision,
                    Target::Command {
                        argv: argv.clone(),
                        cwd,
                    },
                ))
            }
            Request::Shell { line, cwd } => {
                let analysis = inner.analyzer.analyze(line);
                let decision = inner.gate.decide_analysis(&analysis);
                if decision.verdict == Verdict::Deny {
                    // Reported as a policy denial, with the policy's reasons.
                    return Ok((
                        decision,
                        Target::Command {
                            argv: Vec::new(),
                            cwd: ".".to_owned(),
                        },
                    ));
                }
                let argv = plain_argv(&analysis).map_err(|why| {
                    (
                        decision.risk,
                        Denial::new(
                            DenialKind::NeedsShell,
                            vec![format!(
                                "the guard runs argv only, without a shell, and this line {why}"
                            )],
                        ),
                    )
                })?;
                let cwd = self.working_dir(cwd.as_deref())?;
                // Judged again where it runs (as `SafeCommand` judges it), the stricter of
                // the two.
                let decision = if cwd == "." {
                    decision
                } else {
                    let mut placed = inner.gate.decide_argv_in(&cwd, &argv);
                    placed.verdict = placed.verdict.max(decision.verdict);
                    placed
                };
                Ok((decision, Target::Command { argv, cwd }))
            }
            Request::PluginCall { plugin, export, .. } => {
                for (what, name) in [("plugin", plugin), ("export", export)] {
                    if name.is_empty()
                        || name.len() > MAX_PLUGIN_NAME_BYTES
                        || name.chars().any(char::is_control)
                    {
                        return Err((
                            RiskLevel::Low,
                            Denial::new(
                                DenialKind::UnknownPlugin,
                                vec![format!(
                                    "a {what} name must be 1 to {MAX_PLUGIN_NAME_BYTES} bytes without control characters"
                                )],
                            ),
                        ));
                    }
                }
                #[cfg(feature = "sandbox")]
                let known = inner.plugins.contains_key(plugin);
                #[cfg(not(feature = "sandbox"))]
                let known = false;
                if !known {
                    return Err((
                        RiskLevel::Low,
                        Denial::new(
                            DenialKind::UnknownPlugin,
                            vec![format!("no plugin `{plugin}` is registered with the guard")],
                        ),
                    ));
                }
                let mut decision = inner.gate.decide_tool(plugin);
                decision
                    .reasons
                    .insert(0, format!("plugin `{plugin}` export `{export}`"));
                Ok((decision, Target::Plugin))
            }
        }
    }

    /// An existing directory inside the root, relative to it (as `SafeCommand` takes it).
    fn working_dir(&self, cwd: Option<&str>) -> Result<String, (RiskLevel, Denial)> {
        let inner = &*self.inner;
        let Some(cwd) = cwd else {
            return Ok(".".to_owned());
        };
        let bad = |why: String| {
            (
                RiskLevel::High,
                Denial::new(
                    DenialKind::Path,
                    vec![format!("working directory `{cwd}`: {why}")],
                ),
            )
        };
        let safe = inner
            .sanitizer
            .sanitize(cwd)
            .map_err(|e| bad(e.to_string()))?;
        let resolved = inner
            .root
            .resolve(safe.as_str())
            .map_err(|e| bad(e.to_string()))?;
        if !resolved.exists {
            return Err(bad("does not exist".to_owned()));
        }
        // SafeCommand resolves it inside the root again and hands the child a path string:
        // check-then-use, a directory replaced by a link after that is followed
        // (palisade-permission's known limit).
        Ok(match resolved.path.as_str() {
            "" => ".".to_owned(),
            path => path.to_owned(),
        })
    }
}

/// The argv of a line that is exactly one plain command, or why it isn't.
fn plain_argv(analysis: &ShellAnalysis) -> Result<Vec<String>, &'static str> {
    if !analysis.problems.is_empty() {
        return Err("could not be fully analysed");
    }
    let [command] = analysis.commands.as_slice() else {
        return Err(if analysis.commands.is_empty() {
            "runs no command"
        } else {
            "runs more than one command (pipes, lists or substitutions need a shell)"
        });
    };
    if !command.wrappers.is_empty() || command.invocation.len() != command.argv.len() {
        return Err("runs its command through a wrapper");
    }
    if !command.redirects.is_empty() || command.stdin != Stdin::Inherited {
        return Err("redirects input or output");
    }
    if !command.assignments.is_empty() {
        return Err("sets environment variables");
    }
    if !command.is_fully_literal() || command.argv.iter().any(|w| w.glob) {
        return Err("has words only known at run time (variables, substitutions, globs, `~`)");
    }
    Ok(command.argv.iter().map(|w| w.text.clone()).collect())
}

/// Builds a [`Guard`] from a [`GuardConfig`] and/or code.
#[derive(Default)]
pub struct GuardBuilder {
    config: GuardConfig,
    policies: Vec<(Layer, Policy)>,
    audit_log: Option<Arc<AuditLog>>,
    approver: Option<SharedApprover>,
    #[cfg(feature = "sandbox")]
    plugins: Vec<(String, palisade_sandbox::Plugin)>,
    #[cfg(feature = "sandbox")]
    breaker: Option<palisade_ratelimit::BreakerConfig>,
    #[cfg(feature = "sandbox")]
    breaker_clock: Option<plugin::BreakerClock>,
}

impl std::fmt::Debug for GuardBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardBuilder")
            .field("config", &self.config)
            .field("policies", &self.policies.len())
            .field("approver", &self.approver.is_some())
            .finish_non_exhaustive()
    }
}

/// The plugins' circuit breaker unless configured otherwise: opens when at least half of the
/// last 10 calls (5 at least) failed, probes with 2 calls after 30 s, and reopens if the
/// probes don't finish within 60 s. Stricter than resilience4j's defaults (100 calls), which
/// suit a busy backend, not a plugin that traps.
pub fn default_plugin_breaker() -> palisade_ratelimit::BreakerConfig {
    let mut config = palisade_ratelimit::BreakerConfig::default();
    config.sliding_window = palisade_ratelimit::SlidingWindow::Count(10);
    config.minimum_calls = 5;
    config.failure_rate_threshold = 50.0;
    config.wait_in_open = Duration::from_secs(30);
    config.half_open_calls = 2;
    config.max_wait_in_half_open = Some(Duration::from_secs(60));
    config
}

/// Names plugins may not take: the tools file actions are decided as, so a policy's tool
/// rule can't mean both.
#[cfg(feature = "sandbox")]
const RESERVED_PLUGIN_NAMES: [&str; 2] = ["read_file", "write_file"];

impl GuardBuilder {
    /// Starts from a loaded configuration (later calls override it).
    #[must_use]
    pub fn config(mut self, config: GuardConfig) -> Self {
        self.config = config;
        self
    }

    /// The workspace root every path and working directory is confined to.
    #[must_use]
    pub fn root(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.root = Some(dir.into());
        self
    }

    /// Adds a permission policy at a layer (config files are added at [`Layer::User`]).
    #[must_use]
    pub fn policy(mut self, layer: Layer, policy: Policy) -> Self {
        self.policies.push((layer, policy));
        self
    }

    /// Each actor's quota.
    #[must_use]
    pub fn per_actor(mut self, quota: Quota) -> Self {
        self.config.per_actor = Some(quota);
        self
    }

    /// The quota shared by all actors.
    #[must_use]
    pub fn global(mut self, quota: Quota) -> Self {
        self.config.global = Some(quota);
        self
    }

    /// Opens (or creates) the audit log at this SQLite file, `Durable`.
    #[must_use]
    pub fn audit_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.audit_path = Some(path.into());
        self
    }

    /// Uses an audit log the host opened itself.
    #[must_use]
    pub fn audit_log(mut self, log: Arc<AuditLog>) -> Self {
        self.audit_log = Some(log);
        self
    }

    /// What happens when the log can't record a decision (default: deny).
    #[must_use]
    pub fn on_audit_failure(mut self, failure: AuditFailure) -> Self {
        self.config.audit_failure = Some(failure);
        self
    }

    /// Who answers "ask" decisions (palisade-permission's [`Approver`]: the answer must carry
    /// the digest of the request it answers). Without one, "ask" is a denial; so is a panic in
    /// the approver, and an answer for another digest. An "always" answer is honoured for this
    /// request only and recorded as such in the audit log: the guard adds no rule (turning it
    /// into one is the host's choice, with `palisade_permission::approval::always_rule`).
    #[must_use]
    pub fn approver(mut self, approver: impl Approver + Send + Sync + 'static) -> Self {
        self.approver = Some(Arc::new(approver));
        self
    }

    /// As [`approver`](Self::approver), for an approver the host shares with others.
    #[must_use]
    pub fn shared_approver(mut self, approver: Arc<dyn Approver + Send + Sync>) -> Self {
        self.approver = Some(approver);
        self
    }

    /// Registers a sandboxed plugin under `name` (the tool name the policy decides its calls
    /// as). Each plugin gets its own circuit breaker.
    #[cfg(feature = "sandbox")]
    #[must_use]
    pub fn plugin(mut self, name: impl Into<String>, plugin: palisade_sandbox::Plugin) -> Self {
        self.plugins.push((name.into(), plugin));
        self
    }

    /// The circuit breaker settings of every plugin (default: the config's
    /// `[plugins.breaker]`, else [`default_plugin_breaker`]).
    #[cfg(feature = "sandbox")]
    #[must_use]
    pub fn plugin_breaker(mut self, config: palisade_ratelimit::BreakerConfig) -> Self {
        self.breaker = Some(config);
        self
    }

    /// The time source of the plugins' breakers (default: a monotonic clock). Tests pass a
    /// [`palisade_ratelimit::FakeClock`] to let a cool-down pass without sleeping.
    #[cfg(feature = "sandbox")]
    #[must_use]
    pub fn breaker_clock(mut self, clock: impl palisade_ratelimit::Clock) -> Self {
        self.breaker_clock = Some(plugin::BreakerClock(Arc::new(clock)));
        self
    }

    /// A glob no file action may touch (palisade-path deny rule; `*` never crosses `/`).
    #[must_use]
    pub fn deny_path(mut self, glob: impl Into<String>) -> Self {
        self.config.deny.push(glob.into());
        self
    }

    /// The environment variables children get from this process; every other is cleared
    /// (default: `palisade-permission`'s `PATH`, `LANG`, `LC_ALL`, `TERM`).
    #[must_use]
    pub fn exec_env_allowlist<S: Into<String>>(
        mut self,
        names: impl IntoIterator<Item = S>,
    ) -> Self {
        self.config.env_allowlist = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Children are killed after this long (default 30 s).
    #[must_use]
    pub fn exec_timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = Some(timeout);
        self
    }

    /// Builds the guard: opens the root and the audit log, loads the policies. A guard
    /// without a root or without an audit log is refused.
    pub fn build(self) -> Result<Guard, Error> {
        let config = self.config;
        let root_dir = config.root.ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                "no workspace root: set `root` in the config or call `GuardBuilder::root`",
            )
        })?;
        let root = Root::new(&root_dir).map_err(|e| {
            Error::with_source(
                ErrorKind::Root,
                format!("cannot open workspace root `{}`: {e}", root_dir.display()),
                e,
            )
        })?;
        let exact_root = Root::options()
            .symlink_budget(0)
            .open(&root_dir)
            .map_err(|e| {
                Error::with_source(
                    ErrorKind::Root,
                    format!("cannot open workspace root `{}`: {e}", root_dir.display()),
                    e,
                )
            })?;
        let root_dir = std::fs::canonicalize(&root_dir).map_err(|e| {
            Error::with_source(
                ErrorKind::Root,
                format!("cannot open workspace root `{}`: {e}", root_dir.display()),
                e,
            )
        })?;
        let mut policies = PolicySet::new();
        for file in &config.policies {
            policies = policies.with(Layer::User, Policy::load(file)?);
        }
        for (layer, policy) in self.policies {
            policies = policies.with(layer, policy);
        }
        // The paths no file action may touch are denied to commands too: `cat .env` and
        // `cp x .git/hooks/pre-commit` through a guard that denies `read_file .env` (found by
        // probing, session 9), as a deny path rule of the managed layer.
        if !config.deny.is_empty() {
            let quoted: Vec<String> = config
                .deny
                .iter()
                .map(|glob| {
                    let escaped: String = glob
                        .chars()
                        .flat_map(|c| match c {
                            '\\' => vec!['\\', '\\'],
                            '"' => vec!['\\', '"'],
                            c if c.is_control() => Vec::new(),
                            c => vec![c],
                        })
                        .collect();
                    format!("\"{escaped}\"")
                })
                .collect();
            let source = format!(
                "[[rule]]\naction = \"deny\"\npath = [{}]\nreason = \"a path the guard denies to every file action\"\n",
                quoted.join(", ")
            );
            let policy = Policy::from_toml(&source, "guard deny_path").map_err(|e| {
                Error::with_source(ErrorKind::Config, format!("invalid path rule: {e}"), e)
            })?;
            policies = policies.with(Layer::Managed, policy);
        }
        let profile = if config.unix_profile.unwrap_or(false) {
            Profile::Unix
        } else {
            Profile::StrictPortable
        };
        let mut sanitizer = Sanitizer::builder().profile(profile);
        for glob in &config.deny {
            sanitizer = sanitizer.deny(glob.clone());
        }
        let sanitizer = sanitizer.build().map_err(|e| {
            Error::with_source(ErrorKind::Config, format!("invalid path rule: {e}"), e)
        })?;
        let limiter = if config.per_actor.is_some() || config.global.is_some() {
            let mut builder = RateLimiter::<String>::builder()
                // Audit actors are 1–256 bytes; so are rate-limit keys.
                .validate_keys(|actor: &String| {
                    !actor.is_empty() && actor.len() <= MAX_ACTOR_BYTES
                });
            if let Some(q) = config.global {
                builder = builder.global(q);
            }
            if let Some(q) = config.per_actor {
                builder = builder.per_key(q);
            }
            Some(builder.build().map_err(|e| {
                Error::with_source(ErrorKind::Config, format!("invalid rate limit: {e}"), e)
            })?)
        } else {
            None
        };
        let audit = match (self.audit_log, &config.audit_path) {
            (Some(log), _) => log,
            (None, Some(path)) => {
                let durability = if config.durable.unwrap_or(true) {
                    Durability::Durable
                } else {
                    Durability::Balanced
                };
                let log = AuditLog::open(path, AuditConfig::default().with_durability(durability))
                    .map_err(|e| {
                        Error::with_source(
                            ErrorKind::Audit,
                            format!("cannot open audit log `{}`: {e}", path.display()),
                            e,
                        )
                    })?;
                Arc::new(log)
            }
            (None, None) => {
                return Err(Error::new(
                    ErrorKind::Config,
                    "no audit log: set `audit.path` in the config or call `GuardBuilder::audit_path` (a guard without an audit trail is refused)",
                ));
            }
        };
        let mut exec = ExecOptions::new(&root_dir);
        exec.timeout = DEFAULT_EXEC_TIMEOUT;
        if let Some(names) = config.env_allowlist {
            exec.env_allowlist = names;
        }
        if let Some(t) = config.timeout {
            exec.timeout = t;
        }
        if let Some(m) = config.max_output {
            exec.max_output_bytes = m;
        }
        #[cfg(feature = "sandbox")]
        let plugins = {
            let template = self
                .breaker
                .or(config.plugin_breaker)
                .unwrap_or_else(default_plugin_breaker);
            let clock = self.breaker_clock.unwrap_or_else(|| {
                plugin::BreakerClock(Arc::new(palisade_ratelimit::MonotonicClock::new()))
            });
            let mut plugins = std::collections::HashMap::new();
            for (name, loaded) in self.plugins {
                let valid = !name.is_empty()
                    && name.len() <= 128
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
                if !valid {
                    return Err(Error::new(
                        ErrorKind::Config,
                        format!(
                            "invalid plugin name `{name}`: use 1 to 128 ASCII letters, digits, `-`, `_` or `.`"
                        ),
                    ));
                }
                if RESERVED_PLUGIN_NAMES.contains(&name.as_str()) {
                    return Err(Error::new(
                        ErrorKind::Config,
                        format!(
                            "plugin name `{name}` is reserved for file actions; choose another"
                        ),
                    ));
                }
                if plugins.contains_key(&name) {
                    return Err(Error::new(
                        ErrorKind::Config,
                        format!("plugin `{name}` is registered twice"),
                    ));
                }
                let breaker = palisade_ratelimit::CircuitBreaker::builder()
                    .config(template.clone())
                    .clock(clock.clone())
                    .build()
                    .map_err(|e| {
                        Error::with_source(
                            ErrorKind::Config,
                            format!("invalid plugin circuit breaker: {e}"),
                            e,
                        )
                    })?;
                plugins.insert(
                    name,
                    plugin::Registered {
                        plugin: loaded,
                        breaker,
                    },
                );
            }
            plugins
        };
        // Shell lines are decided with the workspace's symbolic links resolved on disk, so a
        // file named in the workspace that links out of it asks.
        let links = Root::new(&root_dir).map_err(|e| {
            Error::with_source(
                ErrorKind::Root,
                format!("cannot open workspace root `{}`: {e}", root_dir.display()),
                e,
            )
        })?;
        Ok(Guard {
            inner: Arc::new(Inner {
                gate: Gate::new(policies)
                    .with_root(&root_dir)
                    .with_links_resolved(links),
                analyzer: ShellAnalyzer::new(),
                sanitizer,
                root,
                exact_root,
                root_dir,
                limiter,
                audit,
                audit_failure: config.audit_failure.unwrap_or_default(),
                approver: self.approver,
                exec,
                #[cfg(feature = "sandbox")]
                plugins,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Guard>();
    }

    #[test]
    fn clip_cuts_at_a_character_boundary() {
        assert_eq!(clip("héllo", 4), "h...");
        assert_eq!(clip("short", 10), "short");
    }
}
