#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

/// Path containment: [`palisade-path`](palisade_path).
#[cfg(feature = "path")]
pub use palisade_path as path;

/// Command and action permissions: [`palisade-permission`](palisade_permission).
#[cfg(feature = "permission")]
pub use palisade_permission as permission;

/// Tamper-evident audit trail: [`palisade-audit`](palisade_audit).
#[cfg(feature = "audit")]
pub use palisade_audit as audit;

/// WebAssembly sandbox: [`palisade-sandbox`](palisade_sandbox).
#[cfg(feature = "sandbox")]
pub use palisade_sandbox as sandbox;

/// Rate limits, concurrency limits and circuit breakers:
/// [`palisade-ratelimit`](palisade_ratelimit).
#[cfg(feature = "ratelimit")]
pub use palisade_ratelimit as ratelimit;

#[cfg(feature = "http")]
pub mod http;

#[cfg(all(feature = "guard", unix))]
pub mod guard;
#[cfg(all(feature = "guard", unix))]
pub use guard::{
    Approval, ApprovalRequest, Approver, AuditFailure, CommandOutcome, CommandPermit, Denial,
    DenialKind, Error, ErrorKind, FilePermit, Guard, GuardBuilder, GuardConfig, Permit, Request,
};

#[cfg(all(feature = "demo", unix))]
pub mod session;
