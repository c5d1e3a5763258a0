#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod action;
pub mod approval;
mod decision;
mod error;
mod exec;
mod file_args;
mod glob_paths;
mod name_map;
mod policy;
mod read_only_flags;
pub mod risk;
mod risk_table;
mod sed;
pub mod shell;
mod store;
#[cfg(feature = "tty")]
mod terminal;

pub use action::{Action, FileAccess, NetworkTarget};
pub use approval::{
    Answer, Approval, ApprovalRequest, Approver, ArgvDigest, DenyAll, Scope, Scripted,
};
pub use decision::{CommandDecision, Decision, Gate, Layer, PolicySet, RuleMatch};
pub use error::{Error, ErrorKind, Location};
pub use exec::{ExecError, ExecOptions, ExecOutcome, SafeCommand};
pub use policy::{
    MAX_POLICY_BYTES, MAX_REGEX_LEN, MAX_REGEX_RULES, MAX_REGEX_SIZE, Policy, Thresholds, Verdict,
};
pub use risk::{Finding, RiskAssessment, RiskLevel};
pub use shell::{ShellAnalysis, ShellAnalyzer, SimpleCommand, Word};
pub use store::RuleStore;
