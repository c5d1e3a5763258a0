//! `palisade policy check`: validate a policy file and run its examples.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::output::{Output, Status};

/// Subcommands of `palisade policy`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate a policy file and check every rule's examples.
    Check(PolicyCheckArgs),
}

/// Arguments of `palisade policy check`.
#[derive(Debug, Args)]
pub struct PolicyCheckArgs {
    /// The policy file (TOML).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Runs `palisade policy …`.
pub fn run(command: PolicyCommand, out: Output) -> Status {
    match command {
        PolicyCommand::Check(_) => out.not_available("policy check", 4),
    }
}
