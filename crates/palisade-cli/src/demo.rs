//! `palisade demo`: the scripted agent session of `examples/agent_gate.rs`, run through the
//! guard in a fresh workspace with an on-disk audit log that is verified at the end.

use std::path::PathBuf;

use clap::Args;
use palisade::session::{self, CallResult, Session, SessionOptions};
use serde_json::json;

use crate::output::{Output, Status};

/// Arguments of `palisade demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory for the workspace and the audit log (default: a new directory under the
    /// system's temporary directory, kept afterwards so the log can be inspected).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// A session file of tool calls (default: the shipped `examples/agent_session.json`).
    #[arg(long, value_name = "FILE")]
    pub session: Option<PathBuf>,
}

/// Runs `palisade demo`.
pub fn run(args: DemoArgs, out: Output) -> Status {
    let text = match &args.session {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                return out.usage_error(
                    "io",
                    &format!("cannot read session `{}`: {e}", path.display()),
                );
            }
        },
        None => session::SESSION_JSON.to_owned(),
    };
    let session = match Session::from_json(&text) {
        Ok(session) => session,
        Err(e) => return out.usage_error("config", &e.to_string()),
    };
    let dir = args.dir.unwrap_or_else(fresh_dir);
    if dir.join("workspace").exists() || dir.join("audit.db").exists() {
        return out.usage_error(
            "config",
            &format!(
                "`{}` already holds a demo; give an empty or new directory",
                dir.display()
            ),
        );
    }
    let options = SessionOptions::new(dir.join("workspace"), dir.join("audit.db"));
    if !out.is_json() {
        println!(
            "palisade demo: {} tool calls by `{}` through the guard\n",
            session.call_count(),
            session.actor
        );
    }
    let report = session::run(&session, &options, |row| {
        out.emit(
            &json!({
                "n": row.number,
                "tool": row.tool,
                "subject": row.subject,
                "result": row.result.as_str(),
                "detail": row.detail,
            }),
            || {
                format!(
                    "{:>3} {:<10} {:<12} {}",
                    row.number,
                    row.tool,
                    row.result.as_str(),
                    row.subject
                )
            },
        );
    });
    let report = match report {
        Ok(report) => report,
        Err(e) => return out.usage_error("config", &e.to_string()),
    };
    let v = &report.verification;
    let counts: serde_json::Map<String, serde_json::Value> = [
        CallResult::Allowed,
        CallResult::Approved,
        CallResult::Refused,
        CallResult::Denied,
        CallResult::RateLimited,
        CallResult::Failed,
    ]
    .iter()
    .map(|r| (r.as_str().replace(' ', "_"), json!(report.count(*r))))
    .collect();
    out.emit(
        &json!({
            "ok": v.is_ok(),
            "calls": report.rows.len(),
            "counts": counts,
            "audit": {
                "db": report.audit_db,
                "ok": v.is_ok(),
                "events": v.events,
                "head": v.head.to_hex(),
                "problem": v.finding.as_ref().map(|f| f.problem.as_str()),
            },
            "workspace": report.workspace,
        }),
        || {
            format!(
                "\n{}\ncheck it yourself: palisade audit verify --db {}",
                report.table(),
                report.audit_db.display()
            )
        },
    );
    if v.is_ok() {
        Status::Success
    } else {
        Status::Judged
    }
}

/// A new directory name under the temporary directory.
fn fresh_dir() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    std::env::temp_dir().join(format!("palisade-demo-{}-{nanos}", std::process::id()))
}
