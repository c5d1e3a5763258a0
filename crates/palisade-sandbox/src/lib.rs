#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
// Without the runtime only the pure policy types remain; their runtime helpers are unused.
#![cfg_attr(
    not(feature = "runtime"),
    allow(dead_code, unused_macros, unused_imports)
)]

/// Logs a decision at debug level when the `tracing` feature is on.
macro_rules! debug {
    ($($arg:tt)*) => {
        #[cfg(feature = "tracing")]
        ::tracing::debug!($($arg)*);
    };
}
pub(crate) use debug;

pub mod abi;
mod error;
pub mod http;
mod limits;
mod value;

#[cfg(feature = "runtime")]
mod call;
#[cfg(feature = "runtime")]
mod host;
#[cfg(feature = "runtime")]
mod plugin;
#[cfg(feature = "runtime")]
mod precheck;
#[cfg(feature = "runtime")]
mod sandbox;
#[cfg(feature = "wasi")]
mod wasi;

pub use error::{CallReport, Denial, Error, ErrorKind};
pub use limits::Limits;
pub use value::{HostError, Value, ValueType};

#[cfg(feature = "runtime")]
pub use plugin::{Outcome, Plugin};
#[cfg(feature = "runtime")]
pub use sandbox::{Sandbox, SandboxBuilder};
#[cfg(feature = "wasi")]
pub use wasi::{CommandOutput, DirAccess, WasiGrants};
