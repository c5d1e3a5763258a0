//! The crate's error type.

use std::fmt;
use std::path::{Path, PathBuf};

/// An error loading or validating a policy.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    location: Option<Location>,
}

/// What went wrong, for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A policy file could not be read, or a rule store could not be written.
    Io,
    /// The policy is not valid TOML, or has a field of the wrong type or an unknown field.
    Syntax,
    /// A rule is invalid: a bad glob, regex, host pattern, or a missing or conflicting matcher.
    InvalidRule,
    /// A rule's `examples.match` or `examples.not_match` does not hold.
    ExampleFailed,
    /// An approval recorded in a [`RuleStore`](crate::RuleStore) answers another decision
    /// (its argv digest differs).
    ApprovalMismatch,
}

/// Where in a policy file an error is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Location {
    /// The file (or a name for the source, like `<built-in>`).
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

impl Error {
    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Where in the policy file, when known.
    pub fn location(&self) -> Option<&Location> {
        self.location.as_ref()
    }

    pub(crate) fn new(kind: ErrorKind, message: String) -> Self {
        Self {
            kind,
            message,
            location: None,
        }
    }

    pub(crate) fn write(file: &Path, err: &std::io::Error) -> Self {
        Self::new(
            ErrorKind::Io,
            format!(
                "cannot write `{}`: {err}; check that its directory exists and is writable",
                file.display()
            ),
        )
    }

    pub(crate) fn io(file: &Path, err: &std::io::Error) -> Self {
        Self {
            kind: ErrorKind::Io,
            message: format!("cannot read policy `{}`: {err}", file.display()),
            location: None,
        }
    }

    /// An error at byte `offset` of `source` (from `file`).
    pub(crate) fn at(
        kind: ErrorKind,
        file: &Path,
        source: &str,
        offset: Option<usize>,
        what: &str,
    ) -> Self {
        let location = offset.map(|offset| {
            let before = source.get(..offset).unwrap_or(source);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Location {
                file: file.to_path_buf(),
                line,
                column,
            }
        });
        let message = match &location {
            Some(loc) => format!("{loc}: {what}"),
            None => format!("{}: {what}", file.display()),
        };
        Self {
            kind,
            message,
            location,
        }
    }
}
