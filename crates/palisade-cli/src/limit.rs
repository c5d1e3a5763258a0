//! `palisade limit`: rate-limit tools.

use clap::Args;

use crate::output::{Output, Status};

/// Arguments of `palisade limit`; its subcommands arrive with the rate-limit crate.
#[derive(Debug, Args)]
pub struct LimitArgs {}

/// Runs `palisade limit`.
pub fn run(_args: LimitArgs, out: Output) -> Status {
    out.not_available("limit", 7)
}
