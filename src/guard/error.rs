//! Errors building a guard or running a permitted command, and denials.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// What went wrong building a [`Guard`](crate::Guard) or running a permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The configuration file could not be read.
    Io,
    /// The configuration is invalid (see [`Error::location`]).
    Config,
    /// The permission policy could not be loaded.
    Policy,
    /// The workspace root could not be opened.
    Root,
    /// The audit log could not be opened, or an outcome could not be recorded.
    Audit,
    /// A permitted command could not be started or waited for.
    Spawn,
    /// A permitted plugin call failed in the sandbox (with the `sandbox` feature,
    /// `Error::sandbox_error` gives the sandbox's error).
    Plugin,
}

/// Where in a configuration file an error is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Location {
    /// The file (or the name given for the source).
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// An error from the guard. Branch on [`Error::kind`].
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    location: Option<Location>,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            location: None,
            source: None,
        }
    }

    pub(crate) fn with_source(
        kind: ErrorKind,
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            kind,
            message: message.into(),
            location: None,
            source: Some(Box::new(source)),
        }
    }

    /// An error at byte `offset` of `text`, read from `file`.
    pub(crate) fn at(
        file: &std::path::Path,
        text: &str,
        offset: Option<usize>,
        what: &str,
    ) -> Self {
        let location = offset.map(|offset| {
            let before = text.get(..offset).unwrap_or(text);
            Location {
                file: file.to_path_buf(),
                line: before.matches('\n').count() + 1,
                column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
            }
        });
        let message = match &location {
            Some(loc) => format!("{loc}: {what}"),
            None => format!("{}: {what}", file.display()),
        };
        Self {
            kind: ErrorKind::Config,
            message,
            location,
            source: None,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Where in the configuration (or policy) file, when known.
    pub fn location(&self) -> Option<&Location> {
        self.location.as_ref()
    }

    /// For [`ErrorKind::Plugin`]: the sandbox's error (its kind, trap code, report).
    #[cfg(feature = "sandbox")]
    pub fn sandbox_error(&self) -> Option<&palisade_sandbox::Error> {
        self.source.as_deref()?.downcast_ref()
    }
}

impl From<palisade_permission::Error> for Error {
    fn from(err: palisade_permission::Error) -> Self {
        let location = err.location().map(|l| Location {
            file: l.file.clone(),
            line: l.line,
            column: l.column,
        });
        Self {
            kind: ErrorKind::Policy,
            message: err.to_string(),
            location,
            source: Some(Box::new(err)),
        }
    }
}

/// Why an action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DenialKind {
    /// The actor's or the global rate limit is spent.
    RateLimited,
    /// The path is unsafe (traversal, absolute, denied by a rule, a link out of the root…).
    Path,
    /// The permission policy denies it.
    Policy,
    /// The policy asks, and the approver refused (or there is no approver).
    NotApproved,
    /// The guard executes argv only, and this line needs a shell (pipes, redirections,
    /// expansions known only at run time…).
    NeedsShell,
    /// The decision could not be written to the audit log, and the guard fails closed.
    AuditUnavailable,
    /// The permitted file could not be opened.
    Io,
    /// No plugin of that name is registered with the guard.
    UnknownPlugin,
    /// The plugin's circuit breaker is open after recent failures (see
    /// [`Denial::retry_after`]).
    CircuitOpen,
}

impl DenialKind {
    /// A stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DenialKind::RateLimited => "rate_limited",
            DenialKind::Path => "path",
            DenialKind::Policy => "policy",
            DenialKind::NotApproved => "not_approved",
            DenialKind::NeedsShell => "needs_shell",
            DenialKind::AuditUnavailable => "audit_unavailable",
            DenialKind::Io => "io",
            DenialKind::UnknownPlugin => "unknown_plugin",
            DenialKind::CircuitOpen => "circuit_open",
        }
    }
}

impl fmt::Display for DenialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused action, with reasons a person can read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Denial {
    /// Why, for programs.
    pub kind: DenialKind,
    /// Why, for people; most important first.
    pub reasons: Vec<String>,
    /// For rate limits and open circuit breakers: when the same action could pass.
    pub retry_after: Option<Duration>,
    /// The audit sequence number of the denial, when it was recorded.
    pub audit_seq: Option<u64>,
}

impl Denial {
    pub(crate) fn new(kind: DenialKind, reasons: Vec<String>) -> Self {
        Self {
            kind,
            reasons,
            retry_after: None,
            audit_seq: None,
        }
    }
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "denied ({}): {}", self.kind, self.reasons.join("; "))
    }
}

impl std::error::Error for Denial {}
