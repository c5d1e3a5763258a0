//! palisade-permission's shell analysis and decision on arbitrary input: never panics, stays
//! within time, and fails closed (an incomplete analysis or a high risk is never allowed).
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use palisade_permission::{Gate, PolicySet, RiskLevel, ShellAnalyzer, Verdict};

fuzz_target!(|data: &[u8]| {
    let line = String::from_utf8_lossy(data);
    let started = Instant::now();
    let analysis = ShellAnalyzer::new().analyze(&line);
    let decision = Gate::new(PolicySet::new()).decide_shell(&line);
    assert!(started.elapsed() < Duration::from_secs(5), "slow input");
    if !analysis.problems.is_empty() {
        assert_ne!(decision.verdict, Verdict::Allow, "incomplete analysis allowed");
    }
    if decision.verdict == Verdict::Allow {
        assert_eq!(decision.risk, RiskLevel::Low);
        assert!(analysis.commands.iter().all(|c| c.is_fully_literal()));
    }
    // Argv actions quote every word: any argv is analysed without a panic too.
    let argv: Vec<String> = line.split('\u{1f}').map(str::to_owned).collect();
    let _ = Gate::new(PolicySet::new()).decide_argv(&argv);
});
