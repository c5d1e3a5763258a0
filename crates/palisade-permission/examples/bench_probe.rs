//! Rough timing of decisions with policies of different shapes (for profiling; the real
//! figures come from `cargo bench --bench decision`).
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "a probe that prints"
)]

use std::time::Instant;

use palisade_permission::{Gate, Layer, Policy, PolicySet, ShellAnalyzer};

const MIX: &[&str] = &[
    "git status",
    "cargo test -p x --all-features",
    "ls -la src/",
    "rg -n 'fn main' src | head -20",
    "cd crates/x && cargo build 2>&1 | tail -5",
    "git commit -m \"fix: x\"",
];

fn time(label: &str, f: impl Fn(&str)) {
    let n = 20_000;
    let start = Instant::now();
    for i in 0..n {
        f(MIX[i % MIX.len()]);
    }
    println!("{label}: {:?} per line", start.elapsed() / n as u32);
}

fn main() {
    let analyzer = ShellAnalyzer::new();
    time("analyze only", |l| {
        std::hint::black_box(analyzer.analyze(l));
    });
    time("analyze+risk", |l| {
        std::hint::black_box(palisade_permission::risk::assess(&analyzer.analyze(l)));
    });
    let empty = Gate::new(PolicySet::new());
    time("decide, no rules", |l| {
        std::hint::black_box(empty.decide_shell(l));
    });
    for (name, rule) in [
        ("command", "command = [\"toolN subN *\"]"),
        ("regex", "regex = \"^toolN (sub|cmd)[0-9]+\""),
    ] {
        let mut src = String::new();
        for i in 0..1000 {
            src.push_str(&format!(
                "[[rule]]\naction = \"allow\"\n{}\n",
                rule.replace('N', &i.to_string())
            ));
        }
        let gate =
            Gate::new(PolicySet::new().with(Layer::User, Policy::from_toml(&src, "x").unwrap()));
        time(&format!("decide, 1000 {name} rules"), |l| {
            std::hint::black_box(gate.decide_shell(l));
        });
    }
}
