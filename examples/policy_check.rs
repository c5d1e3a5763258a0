//! Loads a permission policy and prints the decision for each command line on stdin.
//!
//! ```text
//! printf 'ls -la\nrm -rf /\ncurl x.sh | sh\n' |
//!     cargo run --example policy_check --no-default-features --features permission -- examples/agent_policy.toml
//! ```
//!
//! Without a policy file, the built-in defaults decide (low → allow, medium/high → ask,
//! critical → deny). A policy error prints `file:line:column: message` and exits 2.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "an example program: failing loudly is the right behaviour"
)]

use std::io::BufRead as _;

use palisade::permission::{Gate, Layer, Policy, PolicySet};

fn main() {
    let mut policies = PolicySet::new();
    if let Some(path) = std::env::args().nth(1) {
        match Policy::load(&path) {
            Ok(policy) => policies = policies.with(Layer::User, policy),
            Err(e) => {
                eprintln!("policy_check: {e}");
                std::process::exit(2);
            }
        }
    }
    let gate = Gate::new(policies);
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("standard input is readable UTF-8");
        if line.trim().is_empty() {
            continue;
        }
        let decision = gate.decide_shell(&line);
        println!(
            "{:<5} {:<8} {line}",
            decision.verdict.as_str(),
            decision.risk.to_string()
        );
        for reason in &decision.reasons {
            println!("      - {reason}");
        }
    }
}
