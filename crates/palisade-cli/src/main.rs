#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod audit;
mod cmd;
mod demo;
mod limit;
mod output;
mod path;
mod policy;
mod sandbox;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::output::Output;

/// Palisade: embeddable security policy from a shell.
///
/// Exit status: 0 success, 1 the input was judged or contained (a rejected path, a broken
/// chain, a trapped plugin), 2 usage or configuration error.
#[derive(Debug, Parser)]
#[command(name = "palisade", version)]
struct Cli {
    /// Print exactly one JSON object per line on standard output.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check that untrusted paths stay inside a root directory.
    #[command(subcommand)]
    Path(path::PathCommand),
    /// Assess shell command lines: risk and allow/ask/deny decision.
    #[command(subcommand)]
    Cmd(cmd::CmdCommand),
    /// Validate permission policy files.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Append to, seal, verify, query and export a tamper-evident audit trail.
    Audit(audit::AuditArgs),
    /// Run WebAssembly modules under hard limits.
    #[command(subcommand)]
    Sandbox(sandbox::SandboxCommand),
    /// Rate-limit tools.
    Limit(limit::LimitArgs),
    /// Run the end-to-end demo session.
    Demo(demo::DemoArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help and version to stdout with status 0 and usage errors to stderr
            // with status 2, which is our convention too.
            let _ = err.print();
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    let out = Output::new(cli.json);
    let status = match cli.command {
        Command::Path(command) => path::run(command, out),
        Command::Cmd(command) => cmd::run(command, out),
        Command::Policy(command) => policy::run(command, out),
        Command::Audit(args) => audit::run(args, out),
        Command::Sandbox(command) => sandbox::run(command, out),
        Command::Limit(args) => limit::run(args, out),
        Command::Demo(args) => demo::run(args, out),
    };
    status.exit_code()
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    #[test]
    fn command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
