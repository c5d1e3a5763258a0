#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod risk;
mod risk_table;
pub mod shell;

pub use risk::{Finding, RiskAssessment, RiskLevel};
pub use shell::{ShellAnalysis, ShellAnalyzer, SimpleCommand, Word};
