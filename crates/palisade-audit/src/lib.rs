#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod chain;
mod error;
mod event;
#[cfg(feature = "sqlite")]
mod log;
#[cfg(test)]
mod proptests;
#[cfg(feature = "sqlite")]
mod query;
mod seal;
#[cfg(feature = "sqlite")]
mod store;
mod verify;

pub use crate::chain::{ChainRow, Hash, chain_hash};
pub use crate::error::{Error, ErrorKind, Result};
pub use crate::event::{Decision, Event, METADATA_MAX_BYTES, METADATA_MAX_DEPTH, NewEvent, Risk};
#[cfg(feature = "sqlite")]
pub use crate::log::{
    Appended, AuditConfig, AuditLog, AuditReader, Counters, Durability, OverflowPolicy,
    PendingAppend, Receipt, Retention,
};
#[cfg(feature = "sqlite")]
pub use crate::query::{MAX_PAGE, Page, Query, row_to_json};
pub use crate::seal::{ANCHOR_MAX_BYTES, Seal, SealKey, SealVerifyingKey};
pub use crate::verify::{
    ANALYSIS_WINDOW, ChainVerifier, Checkpoint, Finding, Problem, Report, verify_rows,
};
