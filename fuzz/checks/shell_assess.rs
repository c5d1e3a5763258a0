//! palisade-permission's shell analysis and decision on arbitrary input: never panics, stays
//! within time, and fails closed (an incomplete analysis or a high risk is never allowed).
//! Also: file arguments checked against path rules never panic, and the rule an "always"
//! answer writes always loads again.
//!
//! Shared by the fuzz target and the crate's `tests/fuzz_replay.rs` (see `fuzz/checks/README.md`).

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use palisade_permission::approval::always_rule;
use palisade_permission::{
    Answer, Gate, Layer, Policy, PolicySet, RiskLevel, Scope, ShellAnalyzer, Verdict,
};

/// A gate with deny and ask path rules, so file arguments (`cat .env`) are checked.
static PATH_GATE: LazyLock<Option<Gate>> = LazyLock::new(|| {
    let policy = Policy::from_toml(
        "[[rule]]\naction = \"deny\"\npath = [\"**/.env\", \"~/.ssh/**\"]\n\n\
         [[rule]]\naction = \"ask\"\npath = \"src/**\"\naccess = [\"write\", \"delete\"]\n",
        "fuzz.toml",
    )
    .ok()?;
    Some(Gate::new(PolicySet::new().with(Layer::Project, policy)).with_root("/work/repo"))
});

/// Runs the target's checks on one input; panics if an invariant is broken.
pub fn check(data: &[u8]) {
    let line = String::from_utf8_lossy(data);
    let started = Instant::now();
    let analysis = ShellAnalyzer::new().analyze(&line);
    let decision = Gate::new(PolicySet::new()).decide_shell(&line);
    assert!(started.elapsed() < Duration::from_secs(5), "slow input");
    if !analysis.problems.is_empty() {
        assert_ne!(
            decision.verdict,
            Verdict::Allow,
            "incomplete analysis allowed"
        );
    }
    if decision.verdict == Verdict::Allow {
        assert_eq!(decision.risk, RiskLevel::Low);
        assert!(analysis.commands.iter().all(|c| c.is_fully_literal()));
    }
    if let Some(gate) = PATH_GATE.as_ref() {
        // Deny and ask path rules can only make a decision stricter.
        let strict = gate.decide_shell(&line);
        assert!(
            strict.verdict >= decision.verdict,
            "path rules made a decision more lenient"
        );
    }
    for answer in [
        Answer::AllowAlways(Scope::ExactArgv),
        Answer::AllowAlways(Scope::Prefix(2)),
        Answer::DenyAlways(Scope::Prefix(1)),
    ] {
        if let Some(rule) = always_rule(&decision, answer)
            && let Err(err) = Policy::from_toml(&rule, "always.toml")
        {
            panic!("an always rule does not load: {err}\n{rule}");
        }
    }
    // Argv actions quote every word: any argv is analysed without a panic too.
    let argv: Vec<String> = line.split('\u{1f}').map(str::to_owned).collect();
    let _ = Gate::new(PolicySet::new()).decide_argv(&argv);
}
