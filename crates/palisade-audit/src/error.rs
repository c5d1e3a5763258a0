//! The crate's one error type: opaque, with a [`ErrorKind`] to branch on.

use std::fmt;

/// What went wrong, for callers that branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An event field is too long, empty where it must not be, or the metadata is not a
    /// bounded JSON object.
    InvalidEvent,
    /// Bytes that should hold an encoded event, chain row, seal or anchor could not be decoded.
    Malformed,
    /// The append queue is full and the overflow policy is fail-closed: the event was not
    /// recorded, so the caller should deny the action it describes.
    QueueFull,
    /// The log's writer has stopped (it was dropped or hit an unrecoverable error).
    Closed,
    /// The database file was written by a newer, unknown schema version.
    UnsupportedSchema,
    /// A signature key or seal signature could not be used.
    Signature,
    /// SQLite reported an error (I/O, locking, corruption, a refused write).
    Database,
    /// Reading or writing a file outside the database (an anchor) failed.
    Io,
    /// A configuration value is out of range.
    Config,
}

/// An error from `palisade-audit`. Use [`Error::kind`] to branch on it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub(crate) fn new(kind: ErrorKind, message: impl fmt::Display) -> Self {
        Self {
            kind,
            message: message.to_string(),
            source: None,
        }
    }

    pub(crate) fn with_source(
        kind: ErrorKind,
        message: impl fmt::Display,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            kind,
            message: message.to_string(),
            source: Some(Box::new(source)),
        }
    }

    pub(crate) fn invalid_event(message: impl fmt::Display) -> Self {
        Self::new(ErrorKind::InvalidEvent, message)
    }

    pub(crate) fn malformed(message: impl fmt::Display) -> Self {
        Self::new(ErrorKind::Malformed, message)
    }
}

#[cfg(feature = "sqlite")]
impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        let message = format!("audit database error: {err}");
        Self::with_source(ErrorKind::Database, message, err)
    }
}

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync_static() {
        fn check<T: std::error::Error + Send + Sync + 'static>() {}
        check::<Error>();
    }
}
