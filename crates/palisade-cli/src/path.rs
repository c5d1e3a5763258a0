//! `palisade path check`: lexical or filesystem containment of untrusted paths.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::output::{Output, Status};

/// Subcommands of `palisade path`.
#[derive(Debug, Subcommand)]
pub enum PathCommand {
    /// Check whether paths stay inside a root; print the safe relative path or why not.
    Check(CheckArgs),
}

/// Arguments of `palisade path check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The root directory the paths must stay inside.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
    /// Resolve against the real tree under the root, following symlinks only inside it.
    #[arg(long)]
    pub fs: bool,
    /// Treat the root as `/` (chroot-like) instead of rejecting escapes.
    #[arg(long)]
    pub clamp: bool,
    /// Read one JSON string per line from standard input (so NUL and control characters can
    /// be given).
    #[arg(long)]
    pub stdin: bool,
    /// The paths to check.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
}

/// Runs `palisade path …`.
pub fn run(command: PathCommand, out: Output) -> Status {
    match command {
        PathCommand::Check(_) => out.not_available("path check", 3),
    }
}
