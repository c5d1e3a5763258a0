//! The crate's one error type: opaque, with a [`ErrorKind`] to match on.

use std::fmt;

/// What went wrong, for callers that want to react differently to different failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A quota string or value was malformed or out of range (e.g. `10/fortnight`, `0/s`).
    InvalidQuota,
    /// A configuration value was out of range or inconsistent (e.g. a threshold above 100 %).
    InvalidConfig,
    /// A bounded key table is full and no entry could be evicted safely.
    TooManyKeys,
}

/// An error from building or configuring a limiter or breaker.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl fmt::Display) -> Self {
        Self {
            kind,
            message: message.to_string(),
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn error_is_send_sync_static() {
        fn assert_bounds<T: std::error::Error + Send + Sync + 'static>() {}
        assert_bounds::<super::Error>();
    }
}
