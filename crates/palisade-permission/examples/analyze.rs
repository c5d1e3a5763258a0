//! Prints the simple commands a command line runs, their risk and the verdict of the built-in
//! default policy: `cargo run --example analyze -- 'LINE'`.
#![allow(clippy::print_stdout, reason = "an example that prints")]

fn main() {
    let analyzer = palisade_permission::ShellAnalyzer::new();
    let gate = palisade_permission::Gate::new(palisade_permission::PolicySet::new());
    for line in std::env::args().skip(1) {
        let analysis = analyzer.analyze(&line);
        let risk = palisade_permission::risk::assess(&analysis);
        let verdict = gate.decide_analysis(&analysis).verdict;
        println!("{line:?} => {} {}", risk.level, verdict.as_str());
        for f in &risk.findings {
            println!("    {} {}", f.level, f.reason);
        }
        for command in &analysis.commands {
            let argv: Vec<String> = command
                .argv
                .iter()
                .map(|w| {
                    if w.opaque {
                        format!("<{}>", w.text)
                    } else {
                        format!("{:?}", w.text)
                    }
                })
                .collect();
            println!(
                "  {} wrappers={:?} elevated={} remote={:?} redirects={:?} stdin={:?} assign={:?}",
                argv.join(" "),
                command.wrappers,
                command.elevated,
                command.remote,
                command
                    .redirects
                    .iter()
                    .map(|r| (r.access, r.target.text.clone()))
                    .collect::<Vec<_>>(),
                command.stdin,
                command
                    .assignments
                    .iter()
                    .map(|(k, _)| k.clone())
                    .collect::<Vec<_>>()
            );
        }
        for problem in &analysis.problems {
            println!("  PROBLEM {:?}: {}", problem.kind, problem.message);
        }
    }
}
