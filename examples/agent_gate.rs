//! A scripted AI-agent session through `palisade::Guard`.
//!
//! ```text
//! cargo run --example agent_gate --no-default-features --features demo [-- --tty] [-- --dir DIR]
//! ```
//!
//! Reads `examples/agent_session.json` (tool calls of an agent), creates a fresh workspace and
//! an on-disk SQLite audit log, and sends every call through the guard configured by
//! `examples/agent_guard.toml` and `examples/agent_policy.toml`: benign reads are allowed,
//! writes are asked (answered by the script, or by you with `--tty`), dangerous commands are
//! denied with reasons, approved commands really run (argv only, no shell, cleared
//! environment, inside the workspace), and a burst is rate-limited. At the end the audit chain
//! is verified and a summary table printed. `palisade demo` runs the same session.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "an example program: failing loudly is the right behaviour"
)]

use std::io::{BufRead as _, Write as _};
use std::path::PathBuf;
use std::sync::Arc;

use palisade::session::{self, Session, SessionOptions};
use palisade::{Answer, Approval, ApprovalRequest, Approver, describe_approval};

/// Asks on the terminal: `y` allows once, anything else denies. Shows what will run (each
/// sub-command's exact argv), the risk findings and the policy's reasons, not just a string.
#[derive(Debug)]
struct TerminalApprover;

impl Approver for TerminalApprover {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Approval {
        let decision = request.decision;
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(
            stderr,
            "\napprove `{}`? (risk {})",
            describe_approval(request),
            decision.risk
        );
        for finding in &decision.findings {
            let _ = writeln!(stderr, "  ! {}", finding.reason);
        }
        for reason in &decision.reasons {
            let _ = writeln!(stderr, "  - {reason}");
        }
        let _ = write!(stderr, "allow once? [y/N] ");
        let _ = stderr.flush();
        let mut answer = String::new();
        let read = match std::fs::File::open("/dev/tty") {
            Ok(tty) => std::io::BufReader::new(tty).read_line(&mut answer),
            Err(_) => std::io::stdin().lock().read_line(&mut answer),
        };
        let answer = match (read, answer.trim()) {
            (Ok(_), "y" | "Y" | "yes") => Answer::AllowOnce,
            _ => Answer::Deny,
        };
        // The answer is bound to exactly what was shown.
        Approval {
            answer,
            digest: request.digest,
        }
    }
}

fn main() {
    let mut tty = false;
    let mut dir = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--tty" => tty = true,
            "--dir" => dir = args.next().map(PathBuf::from),
            other => {
                eprintln!("usage: agent_gate [--tty] [--dir DIR]   (unknown argument `{other}`)");
                std::process::exit(2);
            }
        }
    }
    let dir = dir.unwrap_or_else(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        std::env::temp_dir().join(format!(
            "palisade-agent-gate-{}-{nanos}",
            std::process::id()
        ))
    });
    let session = Session::from_json(session::SESSION_JSON).expect("the shipped session parses");
    let mut options = SessionOptions::new(dir.join("workspace"), dir.join("audit.db"));
    if tty {
        options.approver = Some(Arc::new(TerminalApprover));
    }
    println!(
        "agent_gate: {} tool calls by `{}` through palisade::Guard\n",
        session.call_count(),
        session.actor
    );
    let report = match session::run(&session, &options, |row| {
        println!(
            "{:>3} {:<10} {:<12} {}",
            row.number,
            row.tool,
            row.result.as_str(),
            row.subject
        );
    }) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("agent_gate: {e}");
            std::process::exit(2);
        }
    };
    println!("\n{}", report.table());
    println!(
        "check it yourself: cargo run -p palisade-cli -- audit verify --db {}",
        report.audit_db.display()
    );
    if !report.verification.is_ok() {
        std::process::exit(1);
    }
}
