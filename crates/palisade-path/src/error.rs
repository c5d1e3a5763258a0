//! Why a path was rejected: one opaque error type with a stable [`ErrorKind`].

use std::fmt;

/// What was wrong with a path. Each kind has a stable snake-case name ([`ErrorKind::as_str`]),
/// which is also the `error.kind` of `palisade path check --json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input was empty.
    Empty,
    /// The input contained a NUL byte.
    NulByte,
    /// The input was longer than the path limit, or one component longer than the component
    /// limit (bytes).
    TooLong,
    /// The input was absolute: a leading separator, or a drive, UNC or device prefix.
    Absolute,
    /// A `..` would leave the root.
    Traversal,
    /// A component was not allowed: a control or invisible character, a character Windows
    /// forbids, a trailing dot or space, or a reserved device name.
    InvalidComponent,
    /// The input was not valid UTF-8, or hid a separator, dot segment, colon or NUL behind a
    /// percent-escape or a Unicode look-alike.
    Encoding,
    /// A symbolic link pointed outside the root (filesystem layer).
    SymlinkEscape,
    /// A path component does not exist (filesystem layer).
    NotFound,
    /// A component that must be a directory is not one (filesystem layer).
    NotADirectory,
    /// Too many symbolic links, or a loop of them (filesystem layer).
    SymlinkLoop,
    /// An allow or deny rule of the sanitizer refused the path.
    DeniedByRule,
    /// Any other input/output error (filesystem layer). Among them, with the `openat2`
    /// resolver: renames elsewhere on the system raced with the path's `..` steps on every
    /// attempt (the kernel's `EAGAIN`, retried 128 times); the error's
    /// [`source`](std::error::Error::source) is then an [`std::io::Error`] of kind
    /// [`WouldBlock`](std::io::ErrorKind::WouldBlock), and trying again later may succeed.
    Io,
    /// A directory on the way was moved out of the root while the path was resolved, so the
    /// result would have been outside it (filesystem layer; nothing is returned).
    MovedOutOfRoot,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 14] = [
        ErrorKind::Empty,
        ErrorKind::NulByte,
        ErrorKind::TooLong,
        ErrorKind::Absolute,
        ErrorKind::Traversal,
        ErrorKind::InvalidComponent,
        ErrorKind::Encoding,
        ErrorKind::SymlinkEscape,
        ErrorKind::NotFound,
        ErrorKind::NotADirectory,
        ErrorKind::SymlinkLoop,
        ErrorKind::DeniedByRule,
        ErrorKind::Io,
        ErrorKind::MovedOutOfRoot,
    ];

    /// The stable snake-case name of this kind, e.g. `"traversal"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Empty => "empty",
            ErrorKind::NulByte => "nul_byte",
            ErrorKind::TooLong => "too_long",
            ErrorKind::Absolute => "absolute",
            ErrorKind::Traversal => "traversal",
            ErrorKind::InvalidComponent => "invalid_component",
            ErrorKind::Encoding => "encoding",
            ErrorKind::SymlinkEscape => "symlink_escape",
            ErrorKind::NotFound => "not_found",
            ErrorKind::NotADirectory => "not_a_directory",
            ErrorKind::SymlinkLoop => "symlink_loop",
            ErrorKind::DeniedByRule => "denied_by_rule",
            ErrorKind::Io => "io",
            ErrorKind::MovedOutOfRoot => "moved_out_of_root",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rejected path: [`Error::kind`] says why in a stable form, the message says it for people.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    #[source]
    source: Option<std::io::Error>,
}

impl Error {
    /// Why the path was rejected.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub(crate) fn new(kind: ErrorKind, message: String) -> Self {
        Self {
            kind,
            message,
            source: None,
        }
    }

    #[cfg_attr(not(unix), allow(dead_code, reason = "used by the filesystem layer"))]
    pub(crate) fn with_source(kind: ErrorKind, message: String, source: std::io::Error) -> Self {
        Self {
            kind,
            message,
            source: Some(source),
        }
    }
}

/// An allow or deny pattern given to [`crate::SanitizerBuilder`] was not a valid glob.
#[derive(Debug, thiserror::Error)]
#[error("invalid {list} pattern `{pattern}`: {reason}; fix or remove the pattern")]
pub struct PatternError {
    list: &'static str,
    pattern: String,
    reason: String,
}

impl PatternError {
    pub(crate) fn new(list: &'static str, pattern: &str, reason: String) -> Self {
        Self {
            list,
            pattern: pattern.to_owned(),
            reason,
        }
    }

    /// The pattern that failed to compile.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }
}

/// Shows untrusted input inside a message: control and invisible characters escaped, cut
/// after 80 characters so a hostile megabyte does not end up in a log line.
pub(crate) fn quote(input: &str) -> String {
    const SHOWN: usize = 80;
    let mut shown: String = input
        .chars()
        .take(SHOWN)
        .flat_map(char::escape_debug)
        .collect();
    if input.chars().nth(SHOWN).is_some() {
        shown.push('…');
    }
    shown
}

/// Shows untrusted bytes that may not be UTF-8.
pub(crate) fn quote_bytes(input: &[u8]) -> String {
    quote(&String::from_utf8_lossy(input))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_distinct_snake_case() {
        let mut names: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        assert!(
            names
                .iter()
                .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        );
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorKind::ALL.len());
    }

    #[test]
    fn quote_escapes_and_truncates() {
        assert_eq!(quote("a\u{0}b\n"), "a\\0b\\n");
        let long = "x".repeat(200);
        assert_eq!(quote(&long).chars().count(), 81);
    }

    #[test]
    fn errors_are_send_sync_static() {
        fn check<T: std::error::Error + Send + Sync + 'static>() {}
        check::<Error>();
        check::<PatternError>();
    }
}
