//! Lines whose parse time explodes in brush-parser 0.4: every `(` that doesn't close cleanly
//! is tried both as an arithmetic-expression piece and as an ordinary token, so the time
//! doubles with each nesting level (fuzzing found a 96-byte line that took 8 s). The analyzer
//! refuses such lines before parsing (`Limits::max_paren_nesting` and a limit on words and
//! here-document bodies), and fails closed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use palisade_permission::shell::ProblemKind;
use palisade_permission::{Gate, PolicySet, ShellAnalyzer, Verdict};

fn refused(line: &str) {
    let analysis = ShellAnalyzer::new().analyze(line);
    assert!(
        analysis
            .problems
            .iter()
            // Refused by the script-level limit, or (inside a `$(…)` word) by the word-level one.
            .any(
                |p| (p.kind == ProblemKind::TooDeep && p.message.contains("nested"))
                    || (p.kind == ProblemKind::Opaque && p.message.contains("nests too deeply"))
            ),
        "{line}: {:?}",
        analysis.problems
    );
    assert_ne!(
        Gate::new(PolicySet::new()).decide_shell(line).verdict,
        Verdict::Allow
    );
}

/// A fuzz input that is now refused before the nesting bound is reached, as a `name[…]`
/// subscript holding a blank or `<<`.
fn refused_as_subscript(found: &[u8]) {
    let found = String::from_utf8_lossy(found);
    let analysis = ShellAnalyzer::new().analyze(&found);
    assert!(
        analysis
            .problems
            .iter()
            .any(|p| p.message.contains("subscript")),
        "{:?}",
        analysis.problems
    );
    assert_ne!(
        Gate::new(PolicySet::new()).decide_shell(&found).verdict,
        Verdict::Allow
    );
}

#[test]
fn exploding_paren_nesting_is_refused_before_parsing() {
    // Found by fuzzing shell_assess (fuzz/regressions/shell_assess/slow-7ff6515b…): 8 s.
    let found = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/regressions/shell_assess/slow-7ff6515b27cf679640cfacd3e2af91001475eecb"
    ))
    .unwrap();
    refused(&String::from_utf8_lossy(&found));
    // The shapes behind it, each 2^40 steps for the parser: unclosed subshells, an arithmetic
    // command with unclosed `(`, and balanced parentheses that fail inside (`;`).
    let n = 40;
    refused(&format!("{}x", "( ".repeat(n)));
    refused(&format!("(( {}x", "( x ) ( ".repeat(n)));
    refused(&format!("(( {}; {}))", "( ".repeat(n), ") ".repeat(n)));
    // Inside a substitution and a `sh -c` script too.
    // (`$(` needs its parentheses balanced, so the tokenizer refuses unclosed ones itself.)
    refused(&format!(
        "echo $( (( {}; {})) )",
        "( ".repeat(n),
        ") ".repeat(n)
    ));
    refused(&format!("sh -c '{}x'", "( ".repeat(n)));
}

#[test]
fn exploding_word_nesting_is_refused_before_parsing() {
    // Found by fuzzing shell_assess (fuzz/regressions/shell_assess/slow-1b39abf2…): a
    // here-document body whose `$(` and `(` never close cleanly, seconds in brush-parser's
    // word parser.
    let found = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/regressions/shell_assess/slow-1b39abf20f206eca855b45958a3c3e454cfe9e3f"
    ))
    .unwrap();
    let line = String::from_utf8_lossy(&found);
    let analysis = ShellAnalyzer::new().analyze(&line);
    assert!(
        analysis
            .problems
            .iter()
            .any(|p| p.message.contains("nests too deeply")),
        "{line}: {:?}",
        analysis.problems
    );
    let n = 40;
    for line in [
        format!("cat <<EOF\n$({}x\nEOF", "$( ( ".repeat(n)),
        format!("echo \"$( {}x\"", "$( ( ".repeat(n)),
    ] {
        let analysis = ShellAnalyzer::new().analyze(&line);
        assert!(
            !analysis.problems.is_empty(),
            "{line}: {:?}",
            analysis.problems
        );
        assert_ne!(
            Gate::new(PolicySet::new()).decide_shell(&line).verdict,
            Verdict::Allow
        );
    }
}

#[test]
fn brackets_that_only_look_closed_are_counted() {
    // Found by fuzzing shell_assess (fuzz/regressions/shell_assess/slow-ec760ab7…): here-
    // documents full of unclosed `$($[`, seconds under the fuzzer. `$[` backtracks like `$(`.
    let found = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/regressions/shell_assess/slow-ec760ab75c8d28f165cb6fe9e959edd17e98f57c"
    ))
    .unwrap();
    // Its `EO[| <<EOF` is now refused first, as a `<<` inside a `name[…]` subscript; the
    // shapes below still reach the nesting bound.
    refused_as_subscript(&found);
    // Each of these took brush-parser 0.1 s to 9 s at 16 to 20 repetitions (measured with
    // the pre-checks off): brackets whose closer a quote, a backslash, a backquote or a
    // `case` pattern hides from the parser, though a plain count sees them balanced.
    let n = 24;
    for unit in [
        "$($[", "$[", "$[$[]", "$(\\)", "$(\")\"", "$(')'", "$[\\]", "$[\"]\"", "$[']'", "$(`)`",
        "$[}", "$(${",
    ] {
        refused(&format!("cat <<EOF\n{}\nEOF\n", unit.repeat(n)));
    }
    refused(&"( case x in x) ".repeat(n));
    refused(&format!("sh -c '{}'", "( case x in x) ".repeat(n)));
}

#[test]
fn words_are_bounded_before_the_script_parser_reads_them() {
    // Found by fuzzing shell_assess (fuzz/regressions/shell_assess/slow-1193c78e…): brush-
    // parser's script parser tries every word as a `name[index]=value` assignment with its
    // word parser, before our per-word check runs; this 203-byte word took it 20 s.
    let found = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/regressions/shell_assess/slow-1193c78e41c825b858e1a1d09ecde288c4dc778d"
    ))
    .unwrap();
    // It starts `gIOFit[echoH[…` with a blank inside, so it is now refused first as a
    // subscript holding a blank; the shapes below still reach the word bound.
    refused_as_subscript(&found);
    // Balanced ones the tokenizer takes, too: 18 brackets deep.
    for line in [
        format!("{}x{}=1 true", "a[${b[".repeat(6), "]}]".repeat(6)),
        format!("echo {}x{}", "a[${b[".repeat(6), "]}]".repeat(6)),
    ] {
        refused(&line);
        // Refused before the script parser ran (the per-word check after it says "nests").
        let analysis = ShellAnalyzer::new().analyze(&line);
        assert!(
            analysis
                .problems
                .iter()
                .any(|p| p.kind == ProblemKind::TooDeep && p.message.contains("brackets nested")),
            "{line}: {:?}",
            analysis.problems
        );
    }
}

#[test]
fn empty_here_document_delimiters_are_refused_before_parsing() {
    // Found by fuzzing shell_assess (fuzz/regressions/shell_assess/oom-65ed0979…): an empty
    // delimiter followed by blanks or a comment at the end of the line sends brush-parser's
    // tokenizer into a loop that allocates until memory runs out (no panic to catch).
    let found = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/regressions/shell_assess/oom-65ed0979da0f8e5ea910b6664666d710ab23e220"
    ))
    .unwrap();
    let found = String::from_utf8_lossy(&found).into_owned();
    for line in [
        found.as_str(),
        "cat <<'' ",
        "cat <<-\"\" #",
        "cat <<''\"\" >f ",
        "cat << $'' ;#",
        "echo \"$(cat <<'' #)\"",
        "sh -c \"cat <<'' \"",
    ] {
        let analysis = ShellAnalyzer::new().analyze(line);
        assert!(
            analysis
                .problems
                .iter()
                .any(|p| p.kind == ProblemKind::Parse && p.message.contains("empty delimiter")),
            "{line}: {:?}",
            analysis.problems
        );
        assert_ne!(
            Gate::new(PolicySet::new()).decide_shell(line).verdict,
            Verdict::Allow
        );
    }
    // Quoted delimiters with text, and here-strings of an empty word, still parse.
    for line in ["cat <<'EOF'\nx\nEOF\n", "cat <<\"E\"\nx\nE\n", "cat <<<''"] {
        let analysis = ShellAnalyzer::new().analyze(line);
        assert!(
            analysis.problems.is_empty(),
            "{line}: {:?}",
            analysis.problems
        );
    }
}

/// Each here-document body at the most levels a body may have took brush-parser 0.4 about
/// half a second, and a line held up to 50 of them (found by fuzzing, timeout-cf3509e6):
/// the bodies of one line share a budget, spent fourfold per level.
#[test]
fn here_document_bodies_share_a_nesting_budget() {
    let body = |levels: usize| format!("cat <<EOF\n{}\nEOF\n", "${d[ x ".repeat(levels / 2));
    for line in [body(8), body(6).repeat(8), body(6).repeat(50)] {
        let analysis = ShellAnalyzer::new().analyze(&line);
        assert!(
            analysis
                .problems
                .iter()
                .any(|p| p.kind == ProblemKind::TooDeep && p.message.contains("in total")),
            "{line}: {:?}",
            analysis.problems
        );
        assert_ne!(
            Gate::new(PolicySet::new()).decide_shell(&line).verdict,
            Verdict::Allow
        );
    }
    // Within the budget, and many ordinary bodies.
    for line in [
        body(6).repeat(4),
        "cat <<EOF\n$(date) ${USER}\nEOF\n".repeat(60),
    ] {
        let analysis = ShellAnalyzer::new().analyze(&line);
        assert!(
            !analysis
                .problems
                .iter()
                .any(|p| p.message.contains("in total")),
            "{line}: {:?}",
            analysis.problems
        );
    }
}

#[test]
fn ordinary_here_documents_still_parse() {
    // Text outside expansions is literal in a here-document: JSON and code with quotes and
    // brackets don't count, only expansions nest.
    let json = format!(
        "cat > package.json <<EOF\n{{\n  \"name\": \"$NAME\",\n{}  \"files\": [\"a\", \"b\"]\n}}\nEOF",
        "  \"k\": {\"deps\": [\"x\", [\"y\"]]},\n".repeat(20)
    );
    let subs =
        "cat <<EOF\nbuilt $(date -u +%F) from $(git rev-parse --short HEAD) by $(whoami)\nEOF";
    let nested = "cat <<EOF\n$(echo $(echo $(echo $(echo deep))))\nEOF";
    let case = "( case $x in a) ls ;; b) pwd ;; esac )";
    for line in [json.as_str(), subs, nested, case] {
        let analysis = ShellAnalyzer::new().analyze(line);
        assert!(
            !analysis.problems.iter().any(|p| p.message.contains("nest")),
            "{line}: {:?}",
            analysis.problems
        );
    }
}

#[test]
fn ordinary_nesting_still_parses() {
    for line in [
        "( cd src && ( ls ) )",
        // 8 deep: the limit. (`( ( …` with nothing between the parentheses is refused
        // apart: brush-parser reads it as an arithmetic command.)
        "(a; (a; (a; (a; (a; (a; (a; ( ls ) ) ) ) ) ) ) )",
        "case $x in a) ls ;; (b) pwd ;; esac",
        "echo $(( (1 + 2) * (3 + 4) ))",
        "f() { ( ls ); }; f",
    ] {
        let analysis = ShellAnalyzer::new().analyze(line);
        assert!(
            !analysis
                .problems
                .iter()
                .any(|p| p.message.contains("nested")),
            "{line}: {:?}",
            analysis.problems
        );
    }
}

#[test]
fn deep_nesting_fits_a_small_thread_stack() {
    // brush-parser's tokenizer recurses once per `$(`, `${`, `$[`, … level; `$[` was not
    // counted by `Limits::max_expansions` and 3,000 of them overflowed a 2 MiB stack, which
    // aborts the process (no panic to catch). Every shape here, at the limit and far past it,
    // must analyse on a 256 KiB thread (release builds).
    let limit = ShellAnalyzer::new().limits().max_expansions;
    let mut lines = Vec::new();
    for unit in [
        "$[", "$(", "${", "$((", "`", "<(", ">(", "\"$(", "x=$[", "$[ $(",
    ] {
        for count in [limit / 2, limit + 1, 30_000 / unit.len()] {
            lines.push((count, unit.repeat(count)));
        }
    }
    // Release builds need 256 KiB; unoptimised test builds use several times more stack per
    // level, so they get 4 MiB (3,000 uncounted `$[` overflow either).
    let stack_kib = if cfg!(debug_assertions) { 4096 } else { 256 };
    let worker = std::thread::Builder::new()
        .stack_size(stack_kib * 1024)
        .spawn(move || {
            lines
                .iter()
                .map(|(count, line)| {
                    let analysis = ShellAnalyzer::new().analyze(line);
                    (
                        *count,
                        line.chars().take(8).collect::<String>(),
                        analysis.problems,
                    )
                })
                .collect::<Vec<_>>()
        })
        .unwrap();
    // Reaching here means no overflow. Past the limit, every line is refused as too deep.
    for (count, start, problems) in worker.join().unwrap() {
        if count > limit {
            assert!(
                problems.iter().any(|p| p.kind == ProblemKind::TooDeep),
                "{count} × {start}…: {problems:?}"
            );
        }
    }
}
