//! `palisade sandbox run`: run a WebAssembly module under hard limits.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::output::{Output, Status};

/// Subcommands of `palisade sandbox`.
#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Run a module (`.wat` or `.wasm`) and report its result or why it was stopped.
    Run(RunArgs),
}

/// Arguments of `palisade sandbox run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The module, as WebAssembly text (`.wat`) or binary (`.wasm`).
    #[arg(value_name = "MODULE")]
    pub module: PathBuf,
    /// The export to call.
    #[arg(long, value_name = "NAME")]
    pub invoke: Option<String>,
    /// Run a WASI command module's `_start` with the input as stdin.
    #[arg(long)]
    pub wasi: bool,
    /// Input bytes: a file, or `-` for standard input.
    #[arg(long, value_name = "FILE|-")]
    pub input: Option<String>,
    /// Fuel for the call.
    #[arg(long, value_name = "N")]
    pub fuel: Option<u64>,
    /// Maximum linear memory, in bytes.
    #[arg(long, value_name = "BYTES")]
    pub memory: Option<u64>,
    /// Wall-clock deadline, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub timeout_ms: Option<u64>,
    /// Allow outgoing HTTP to `scheme://host:port` patterns (exact or `*.domain`).
    #[arg(long, value_name = "PATTERN")]
    pub allow_host: Vec<String>,
}

/// Runs `palisade sandbox …`.
pub fn run(command: SandboxCommand, out: Output) -> Status {
    match command {
        SandboxCommand::Run(_) => out.not_available("sandbox run", 6),
    }
}
