//! Times the analysis of hostile inputs: `cargo run --example hostile_timing`.
#![allow(clippy::print_stdout, reason = "an example that prints")]

use std::time::Instant;

fn main() {
    let inputs: Vec<(&str, String)> = vec![
        (
            "dollar",
            format!("{}x{}", "echo $(".repeat(10_000), ")".repeat(10_000)),
        ),
        (
            "dq",
            format!("{}x{}", "echo \"$(".repeat(5_000), ")\"".repeat(5_000)),
        ),
        ("bt", format!("{}x{}", "`".repeat(3_000), "`".repeat(3_000))),
        (
            "paren",
            format!("{}echo{}", "(".repeat(10_000), ")".repeat(10_000)),
        ),
        (
            "brace",
            format!("{}echo;{}", "{ ".repeat(10_000), "};".repeat(10_000)),
        ),
        (
            "if",
            format!(
                "{}echo{}",
                "if true; then ".repeat(3_000),
                "; fi".repeat(3_000)
            ),
        ),
        (
            "param",
            format!("echo {}x{}", "${a:-".repeat(10_000), "}".repeat(10_000)),
        ),
        (
            "arith",
            format!("echo $(({}1{}))", "(".repeat(10_000), ")".repeat(10_000)),
        ),
        ("words", "a ".repeat(1_000_000)),
        ("cmds", "a;".repeat(30_000)),
        (
            "heredoc",
            format!("cat <<EOF\n{}\nEOF", "$(x)".repeat(10_000)),
        ),
    ];
    let gate = palisade_permission::Gate::new(palisade_permission::PolicySet::new());
    for (name, input) in &inputs {
        let started = Instant::now();
        let d = gate.decide_shell(input);
        println!(
            "{name}: {:?} {} {:?}",
            started.elapsed(),
            d.verdict,
            d.reasons.first()
        );
    }
}
