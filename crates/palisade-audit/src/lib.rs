#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod chain;
mod error;
mod event;
mod seal;
mod verify;

pub use crate::chain::{ChainRow, Hash, chain_hash};
pub use crate::error::{Error, ErrorKind, Result};
pub use crate::event::{Decision, Event, METADATA_MAX_BYTES, METADATA_MAX_DEPTH, NewEvent, Risk};
pub use crate::seal::{ANCHOR_MAX_BYTES, Seal, SealKey, SealVerifyingKey};
pub use crate::verify::{
    ANALYSIS_WINDOW, ChainVerifier, Checkpoint, Finding, Problem, Report, verify_rows,
};
