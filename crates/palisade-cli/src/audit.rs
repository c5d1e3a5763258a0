//! `palisade audit`: append to, seal, verify, query and export a SQLite audit trail.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::output::{Output, Status};

/// Arguments of `palisade audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The audit database (a SQLite file).
    #[arg(long, value_name = "FILE", global = true)]
    pub db: Option<PathBuf>,
    /// What to do with it.
    #[command(subcommand)]
    pub command: AuditCommand,
}

/// Subcommands of `palisade audit`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Append one event given as a JSON object.
    Append {
        /// The event: `actor`, `action`, `subject`, `decision`, `risk`, `reason`, `metadata`.
        #[arg(long, value_name = "JSON")]
        event: String,
    },
    /// Seal the current head and write it to a file kept outside the database (the anchor).
    Seal {
        /// Where to write the anchor.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Verify the hash chain and the seals, optionally against an anchor.
    Verify {
        /// An anchor written by `seal`; without it, truncation of the tail cannot be detected.
        #[arg(long, value_name = "FILE")]
        anchor: Option<PathBuf>,
    },
    /// Print the events that match every given filter, one per line.
    Query(QueryArgs),
    /// Print every event, one JSON object per line.
    Export,
}

/// Filters of `palisade audit query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Only events by this actor.
    #[arg(long)]
    pub actor: Option<String>,
    /// Only events with this decision (`allow`, `ask`, `deny`).
    #[arg(long)]
    pub decision: Option<String>,
    /// Only events at or above this risk (`low`, `medium`, `high`, `critical`).
    #[arg(long)]
    pub min_risk: Option<String>,
    /// Only events at or after this time (RFC 3339).
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// Only events before this time (RFC 3339).
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
    /// At most this many events.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
}

/// Runs `palisade audit …`.
pub fn run(_args: AuditArgs, out: Output) -> Status {
    out.not_available("audit", 5)
}
