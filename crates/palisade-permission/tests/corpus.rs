//! The command corpus (`tests/data/corpus.txt`): each line's risk and decision under the
//! built-in default policy, with the bypass report or CVE it comes from.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code fails loudly"
)]

use palisade_permission::{Gate, PolicySet, RiskLevel, Verdict};

fn level(s: &str) -> RiskLevel {
    match s {
        "low" => RiskLevel::Low,
        "medium" => RiskLevel::Medium,
        "high" => RiskLevel::High,
        "critical" => RiskLevel::Critical,
        other => panic!("unknown level `{other}`"),
    }
}

struct Case {
    line_no: usize,
    risk: String,
    decision: String,
    source: String,
    command: String,
}

fn cases() -> Vec<Case> {
    let text = include_str!("data/corpus.txt");
    let mut sources = Vec::new();
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(rest) = line.strip_prefix("# [") {
            sources.push(rest.split(']').next().unwrap().to_owned());
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(4, ' ');
        let risk = parts.next().unwrap().to_owned();
        let decision = parts.next().unwrap().to_owned();
        let source = parts.next().unwrap().to_owned();
        let json = parts.next().unwrap();
        let command: String = serde_json::from_str(json)
            .unwrap_or_else(|e| panic!("corpus line {}: bad JSON string: {e}", i + 1));
        assert!(
            sources.contains(&source),
            "corpus line {}: undefined source `{source}`",
            i + 1
        );
        cases.push(Case {
            line_no: i + 1,
            risk,
            decision,
            source,
            command,
        });
    }
    cases
}

#[test]
fn corpus_has_at_least_200_cited_cases() {
    let cases = cases();
    assert!(cases.len() >= 200, "only {} cases", cases.len());
    let benign = cases.iter().filter(|c| c.source == "benign").count();
    assert!(benign >= 50, "only {benign} benign cases");
}

#[test]
fn corpus_risks_and_decisions_hold() {
    let gate = Gate::new(PolicySet::new());
    let mut failures = Vec::new();
    for case in cases() {
        let decision = gate.decide_shell(&case.command);
        let risk_ok = if let Some(l) = case.risk.strip_prefix(">=") {
            decision.risk >= level(l)
        } else if let Some(l) = case.risk.strip_prefix("<=") {
            decision.risk <= level(l)
        } else if let Some(l) = case.risk.strip_prefix('=') {
            decision.risk == level(l)
        } else {
            panic!("line {}: bad risk `{}`", case.line_no, case.risk)
        };
        let decision_ok = match case.decision.as_str() {
            "allow" => decision.verdict == Verdict::Allow,
            "ask" => decision.verdict == Verdict::Ask,
            "deny" => decision.verdict == Verdict::Deny,
            ">=ask" => decision.verdict >= Verdict::Ask,
            other => panic!("line {}: bad decision `{other}`", case.line_no),
        };
        if !risk_ok || !decision_ok {
            failures.push(format!(
                "line {} [{}] {:?}: expected {} {}, got {} {} — {:?}",
                case.line_no,
                case.source,
                case.command,
                case.risk,
                case.decision,
                decision.risk,
                decision.verdict,
                decision.reasons
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} corpus failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
