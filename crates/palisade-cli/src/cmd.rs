//! `palisade cmd assess`: risk and decision for shell command lines.

use std::io::BufRead as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use palisade_permission::{Decision, Gate, Layer, Policy, PolicySet, Verdict};
use serde_json::json;

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
        CmdCommand::Assess(args) => assess(args, out),
    }
}

/// Loads `--policy` (as the user layer) or the built-in defaults.
pub fn gate_for(policy: Option<&PathBuf>, out: Output) -> Result<Gate, Status> {
    let mut set = PolicySet::new();
    if let Some(path) = policy {
        match Policy::load(path) {
            Ok(policy) => set = set.with(Layer::User, policy),
            Err(err) => {
                return Err(
                    out.usage_error(crate::policy::error_kind(err.kind()), &err.to_string())
                );
            }
        }
    }
    Ok(Gate::new(set))
}

fn assess(args: AssessArgs, out: Output) -> Status {
    let gate = match gate_for(args.policy.as_ref(), out) {
        Ok(gate) => gate,
        Err(status) => return status,
    };
    let mut lines = Vec::new();
    if args.stdin {
        if !args.command_line.is_empty() {
            return out.usage_error(
                "usage",
                "give command lines either after `--` or with `--stdin`, not both",
            );
        }
        for (n, line) in std::io::stdin().lock().lines().enumerate() {
            let line = match line {
                Ok(line) => line,
                Err(err) => {
                    return out.usage_error("io", &format!("cannot read standard input: {err}"));
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<String>(&line) {
                Ok(s) => lines.push(s),
                Err(err) => {
                    return out.usage_error(
                        "usage",
                        &format!(
                            "line {} of standard input is not a JSON string: {err}",
                            n + 1
                        ),
                    );
                }
            }
        }
    } else if args.command_line.is_empty() {
        return out.usage_error("usage", "give a command line after `--`, or use `--stdin`");
    } else {
        lines.push(args.command_line.join(" "));
    }
    let mut status = Status::Success;
    for line in &lines {
        let decision = gate.decide_shell(line);
        if decision.verdict != Verdict::Allow {
            status = Status::Judged;
        }
        out.emit(&decision_json(line, &decision), || human(line, &decision));
    }
    status
}

/// The JSON object of DESIGN.md for one assessed line.
pub fn decision_json(line: &str, decision: &Decision) -> serde_json::Value {
    json!({
        "command": line,
        "risk": decision.risk.as_str(),
        "decision": decision.verdict.as_str(),
        "reasons": decision.reasons,
        "commands": decision.commands.iter().map(|c| json!({
            "argv": c.argv.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
            "risk": c.risk.as_str(),
        })).collect::<Vec<_>>(),
    })
}

fn human(line: &str, decision: &Decision) -> String {
    let mut s = format!("{} ({} risk): {line}", decision.verdict, decision.risk);
    for c in &decision.commands {
        let argv: Vec<&str> = c.argv.iter().map(|w| w.text.as_str()).collect();
        s.push_str(&format!(
            "\n  {:<8} {:<8} {}",
            c.verdict.as_str(),
            c.risk.as_str(),
            argv.join(" ")
        ));
    }
    for r in &decision.reasons {
        s.push_str("\n  - ");
        s.push_str(r);
    }
    s
}
