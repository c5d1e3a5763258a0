// The README's examples use every crate: it is the crate documentation (and its examples are
// doctests) when every crate is compiled in, as by default. A build with fewer features (the
// demo's `--no-default-features --features demo`) documents the crate with this summary.
#![cfg_attr(
    all(
        feature = "path",
        feature = "permission",
        feature = "audit",
        feature = "sandbox",
        feature = "ratelimit",
        feature = "guard"
    ),
    doc = include_str!("../README.md")
)]
#![cfg_attr(
    not(all(
        feature = "path",
        feature = "permission",
        feature = "audit",
        feature = "sandbox",
        feature = "ratelimit",
        feature = "guard"
    )),
    doc = "Palisade: embeddable security-policy libraries (path containment, command permissions, \
           audit trail, WebAssembly sandbox, rate limits) composed into one `Guard`. This build \
           leaves some crates out; the README (the documentation of a default build) shows them all."
)]
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
    AuditFailure, CommandOutcome, CommandPermit, Denial, DenialKind, Error, ErrorKind, FilePermit,
    Guard, GuardBuilder, GuardConfig, Permit, Request, describe_approval,
};
#[cfg(all(feature = "guard", feature = "sandbox", unix))]
pub use guard::{PluginOutcome, PluginPermit};
/// Approvals and argv-only execution, from [`palisade-permission`](palisade_permission): the
/// guard asks an [`Approver`] when the policy says "ask" (answers are bound to an
/// [`ArgvDigest`] of exactly what will run) and runs commands as a [`SafeCommand`].
#[cfg(all(feature = "guard", unix))]
pub use palisade_permission::{
    Answer, Approval, ApprovalRequest, Approver, ArgvDigest, DenyAll, ExecOptions, ExecOutcome,
    SafeCommand, Scope, Scripted,
};

#[cfg(all(feature = "demo", unix))]
pub mod session;
