//! The one error type of this crate: an opaque [`Error`] with a [`kind()`](Error::kind).

use std::fmt;
use std::time::Duration;

/// What went wrong, as a stable, machine-readable category.
///
/// The names ([`ErrorKind::as_str`]) are the `kind` values of the `palisade sandbox run --json`
/// contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The call ran past its wall-clock deadline (epoch interruption).
    Timeout,
    /// The call used all the fuel it was given.
    OutOfFuel,
    /// The module asked for more linear memory than the limit allows (at instantiation or
    /// through `memory.grow`).
    MemoryLimit,
    /// The module asked for more table elements than the limit allows.
    TableLimit,
    /// The guest exhausted its wasm stack (e.g. unbounded recursion).
    StackOverflow,
    /// The guest trapped: see [`Error::trap_code`] and [`Error::backtrace`]. Also used when a
    /// guest breaks the bytes ABI (an out-of-bounds pointer) or a host function fails.
    Trap,
    /// The module imports something that was not granted.
    ForbiddenImport,
    /// The bytes are not a valid WebAssembly module (or text that does not parse).
    InvalidModule,
    /// The module exceeds a pre-compilation limit (bytes, functions, body size, locals,
    /// nesting depth).
    ModuleTooLarge,
    /// The guest produced more output than the limit allows.
    OutputTooLarge,
    /// An outgoing HTTP request was denied by the policy.
    HttpDenied,
    /// The export to call does not exist or has the wrong type.
    MissingExport,
    /// Reading input failed, input exceeded its limit, or the host could not provide a
    /// resource (e.g. the pooling allocator is full).
    Io,
}

impl ErrorKind {
    /// The stable snake_case name of this kind (`"out_of_fuel"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Timeout => "timeout",
            ErrorKind::OutOfFuel => "out_of_fuel",
            ErrorKind::MemoryLimit => "memory_limit",
            ErrorKind::TableLimit => "table_limit",
            ErrorKind::StackOverflow => "stack_overflow",
            ErrorKind::Trap => "trap",
            ErrorKind::ForbiddenImport => "forbidden_import",
            ErrorKind::InvalidModule => "invalid_module",
            ErrorKind::ModuleTooLarge => "module_too_large",
            ErrorKind::OutputTooLarge => "output_too_large",
            ErrorKind::HttpDenied => "http_denied",
            ErrorKind::MissingExport => "missing_export",
            ErrorKind::Io => "io",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one call cost, reported on success and, where known, on failure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallReport {
    /// Fuel the call consumed, when fuel metering is on and the figure is trustworthy: after a
    /// successful call, or the whole budget after running out. `None` after other failures,
    /// because fuel held in a register is not written back when a call traps.
    pub fuel_consumed: Option<u64>,
    /// Wall time from the start of instantiation to the end of the call.
    pub elapsed: Duration,
    /// The largest linear memory size granted to the guest, in bytes.
    pub peak_memory_bytes: u64,
    /// Host capabilities the guest asked for and was refused (for the audit log), oldest
    /// first, at most 64 (see [`CallReport::denials_dropped`]).
    pub denials: Vec<Denial>,
    /// How many denials were not recorded because the list was full.
    pub denials_dropped: u64,
}

/// A host capability the guest asked for and was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Denial {
    /// Which capability: the import name, e.g. `palisade::http_request`.
    pub capability: String,
    /// Why it was refused.
    pub reason: String,
}

/// An error from loading or calling a sandboxed module.
///
/// Match on [`Error::kind`]; the message is for people.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    trap_code: Option<String>,
    backtrace: Option<String>,
    report: Option<Box<CallReport>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            trap_code: None,
            backtrace: None,
            report: None,
        }
    }

    pub(crate) fn with_trap(mut self, code: Option<String>, backtrace: Option<String>) -> Self {
        self.trap_code = code;
        self.backtrace = backtrace;
        self
    }

    pub(crate) fn with_report(mut self, report: CallReport) -> Self {
        self.report = Some(Box::new(report));
        self
    }

    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The human-readable message (the same text as `Display`).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// For [`ErrorKind::Trap`] (and the other trap-derived kinds): wasmtime's description of
    /// the trap code, e.g. `integer divide by zero`.
    pub fn trap_code(&self) -> Option<&str> {
        self.trap_code.as_deref()
    }

    /// The guest's wasm backtrace at the trap, as text, when one was captured.
    pub fn backtrace(&self) -> Option<&str> {
        self.backtrace.as_deref()
    }

    /// What the failed call cost, when it got as far as running.
    pub fn report(&self) -> Option<&CallReport> {
        self.report.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync_static() {
        fn assert_bounds<T: std::error::Error + Send + Sync + 'static>() {}
        assert_bounds::<Error>();
    }

    #[test]
    fn kind_names_are_the_cli_contract() {
        let all = [
            (ErrorKind::Timeout, "timeout"),
            (ErrorKind::OutOfFuel, "out_of_fuel"),
            (ErrorKind::MemoryLimit, "memory_limit"),
            (ErrorKind::TableLimit, "table_limit"),
            (ErrorKind::StackOverflow, "stack_overflow"),
            (ErrorKind::Trap, "trap"),
            (ErrorKind::ForbiddenImport, "forbidden_import"),
            (ErrorKind::InvalidModule, "invalid_module"),
            (ErrorKind::ModuleTooLarge, "module_too_large"),
            (ErrorKind::OutputTooLarge, "output_too_large"),
            (ErrorKind::HttpDenied, "http_denied"),
            (ErrorKind::MissingExport, "missing_export"),
            (ErrorKind::Io, "io"),
        ];
        for (kind, name) in all {
            assert_eq!(kind.as_str(), name);
            assert_eq!(kind.to_string(), name);
        }
    }
}
