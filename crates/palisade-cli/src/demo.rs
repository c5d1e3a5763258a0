//! `palisade demo`: the end-to-end agent session through the guard.

use clap::Args;

use crate::output::{Output, Status};

/// Arguments of `palisade demo`; they arrive with the guard.
#[derive(Debug, Args)]
pub struct DemoArgs {}

/// Runs `palisade demo`.
pub fn run(_args: DemoArgs, out: Output) -> Status {
    out.not_available("demo", 8)
}
