//! Scalar values crossing the boundary, and the errors host functions return.

use std::fmt;

/// The type of a scalar WebAssembly value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueType::I32 => "i32",
            ValueType::I64 => "i64",
            ValueType::F32 => "f32",
            ValueType::F64 => "f64",
        })
    }
}

/// A scalar WebAssembly value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// 32-bit integer.
    I32(i32),
    /// 64-bit integer.
    I64(i64),
    /// 32-bit float.
    F32(f32),
    /// 64-bit float.
    F64(f64),
}

impl Value {
    /// The type of this value.
    pub fn ty(&self) -> ValueType {
        match self {
            Value::I32(_) => ValueType::I32,
            Value::I64(_) => ValueType::I64,
            Value::F32(_) => ValueType::F32,
            Value::F64(_) => ValueType::F64,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::I32(v) => write!(f, "{v}"),
            Value::I64(v) => write!(f, "{v}"),
            Value::F32(v) => write!(f, "{v}"),
            Value::F64(v) => write!(f, "{v}"),
        }
    }
}

/// Why a host function refused or failed a guest's request.
///
/// A [`HostError::denied`] is a policy decision: bytes host functions return
/// [`HOST_DENIED`](crate::abi::HOST_DENIED) to the guest (no trap) and the denial is recorded
/// in the call's [`CallReport`](crate::CallReport). A [`HostError::failed`] is an error: bytes
/// host functions return [`HOST_FAILED`](crate::abi::HOST_FAILED); scalar host functions trap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError {
    denied: bool,
    message: String,
}

impl HostError {
    /// The request was refused by policy.
    pub fn denied(reason: impl Into<String>) -> Self {
        Self {
            denied: true,
            message: reason.into(),
        }
    }

    /// The request failed.
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            denied: false,
            message: message.into(),
        }
    }

    /// Whether this is a policy denial (as opposed to a failure).
    pub fn is_denied(&self) -> bool {
        self.denied
    }

    /// The reason or failure message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HostError {}
