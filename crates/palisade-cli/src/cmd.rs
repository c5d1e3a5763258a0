//! `palisade cmd assess`: risk and decision for shell command lines.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::output::{Output, Status};

/// Subcommands of `palisade cmd`.
#[derive(Debug, Subcommand)]
pub enum CmdCommand {
    /// Assess command lines: every simple command they run, its risk, and the decision.
    Assess(AssessArgs),
}

/// Arguments of `palisade cmd assess`.
#[derive(Debug, Args)]
pub struct AssessArgs {
    /// A policy file (TOML); without it, the built-in default policy.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Read one JSON string per line from standard input.
    #[arg(long)]
    pub stdin: bool,
    /// The command line, best given as one argument after `--` so its quoting survives.
    #[arg(last = true, value_name = "COMMAND_LINE")]
    pub command_line: Vec<String>,
}

/// Runs `palisade cmd …`.
pub fn run(command: CmdCommand, out: Output) -> Status {
    match command {
        CmdCommand::Assess(_) => out.not_available("cmd assess", 4),
    }
}
