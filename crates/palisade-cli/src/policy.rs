//! `palisade policy check`: validate a policy file and run its examples.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use palisade_permission::{ErrorKind, Policy};
use serde_json::json;

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
        PolicyCommand::Check(args) => check(&args, out),
    }
}

/// The stable JSON name of a policy error kind.
pub fn error_kind(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Io => "io",
        ErrorKind::Syntax => "syntax",
        ErrorKind::InvalidRule => "invalid_rule",
        ErrorKind::ExampleFailed => "example_failed",
        _ => "invalid_policy",
    }
}

/// Exit 0 for a valid policy, 1 for an invalid one (the input was judged), 2 when the file
/// can't be read.
fn check(args: &PolicyCheckArgs, out: Output) -> Status {
    let file = args.file.display().to_string();
    match Policy::load(&args.file) {
        Ok(policy) => {
            out.emit(
                &json!({"file": file, "ok": true, "rules": policy.rule_count(), "examples": policy.example_count()}),
                || {
                    format!(
                        "{file}: ok ({} rules, {} examples checked)",
                        policy.rule_count(),
                        policy.example_count()
                    )
                },
            );
            Status::Success
        }
        Err(err) if err.kind() == ErrorKind::Io => out.usage_error("io", &err.to_string()),
        Err(err) => {
            let location = err.location();
            out.emit(
                &json!({
                    "file": file,
                    "ok": false,
                    "error": {
                        "kind": error_kind(err.kind()),
                        "message": err.to_string(),
                        "line": location.map(|l| l.line),
                        "column": location.map(|l| l.column),
                    }
                }),
                || err.to_string(),
            );
            Status::Judged
        }
    }
}
