//! Inputs that made brush-parser panic. The analyzer catches a parser panic and fails closed,
//! but a host built with `panic = "abort"` would die on one, so these must be refused before
//! the parser panics at all: a panic hook counts every panic, caught or not.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use std::sync::atomic::{AtomicUsize, Ordering};

use palisade_permission::{Gate, PolicySet, ShellAnalyzer, Verdict};

static PANICS: AtomicUsize = AtomicUsize::new(0);

#[test]
fn known_parser_panics_are_refused_before_parsing() {
    std::panic::set_hook(Box::new(|_| {
        PANICS.fetch_add(1, Ordering::SeqCst);
    }));
    let lines = [
        // Found by fuzzing shell_assess (fuzz/regressions/shell_assess/crash-fb608d45…).
        "echo ${x@P}\u{12}`i $$$$$$$$$$l` d$$$$<(\u{f3}) 66666666666666>(ca\u{f1})",
        "echo 99999999999>x",
        "cat 2147483648<in",
        "echo $(echo 99999999999>x)",
        "sh -c 'echo 99999999999>x'",
    ];
    let heredocs = [
        // Found by fuzzing shell_assess (fuzz/regressions/shell_assess/crash-787ace0c…,
        // minimised): brush-parser's tokenizer unwraps a missing character.
        "cat <<$(${F}\nF",
        "<<$(${F} \nF",
        "cat <<- `x${F}\nF",
        // Found by fuzzing shell_assess (crash-9f1e6491…, a `$((` while a here-document is pending).
        "x <<EOF <> y $((rm )\nEOF",
        "cat <<EOF > $(mktemp\nEOF",
        // Found by fuzzing shell_assess (crash-8bd13bfd…, minimised): a `${` the operator's
        // line doesn't close.
        "<<${\u{c}}${",
        "<<E ${x}${\nE",
        "<<E \"${x}${\"\nE",
        // Found by fuzzing shell_assess (crash-809a033a…, minimised): `$[` after the operator.
        "$(<<  k)<<$[ ",
        "cat <<EOF $[1]\nEOF",
        // Found by fuzzing shell_assess (oom-b5dc4048…): an endless loop in the tokenizer.
        "x <<\r; y ",
        "cat <<\r;x\t",
        // Found by fuzzing shell_assess (crash-4a511049…, minimised): a delimiter that is an
        // expansion holding a form feed. The tokenizer unwraps a missing `}`.
        "<<${${\u{c}}\"}\"",
        // Delimiters that are not plain words, and operators inside `${…}`.
        "cat <<$x\nhi\n$x",
        "cat <<`x`\nhi\n`x`",
        "cat <<E\u{c}X\nhi\nE\u{c}X",
        "cat <<\"E O F\"\nhi\nE O F",
        "cat <<'EOF\nhi\nEOF",
        "cat <<@(x)\nhi\n@(x)",
        "cat <<\nhi",
        "echo \"${x:-$(cat <<EOF\nhi\nEOF\n)}\"",
        // A `${…}` on the operator's line: brush-parser sends the tokens inside it to the
        // here-document's queue (the word becomes `${}`), which hid a substitution's commands.
        "cat <<EOF > \"${dir}/out\"\nbody ${x}\nEOF",
        "echo $(printf x <<E ${x}\nE\n)",
        // Found by fuzzing shell_assess (crash-876ba9b2…, minimised): a `#` inside `${…}`,
        // which the pre-check read as a comment, hid the operator after it.
        "${${ #<<F}\nF",
        "echo ${x:- #<<F}\nF",
    ];
    let in_substitutions = [
        // Found by fuzzing shell_assess (crash-c2fbb767…, minimised): a here-document inside a
        // substitution the line never closes; the tokenizer unwraps a missing character.
        "$(<<EOF\n)\nEOF",
        "echo \"$(cat <<EOF\n)\nEOF\"",
        "`cat <<EOF\n`\nEOF",
        // Found by fuzzing shell_assess (crash-d0535f64…, minimised): a substitution closes
        // before its here-document's body, and a comment hides the next one's `)`.
        "\"$(<<  E)$(#)",
        "echo $(cat <<E) x\nbody\nE",
    ];
    for line in in_substitutions {
        let analysis = ShellAnalyzer::new().analyze(line);
        // Refused as an unterminated substitution, or (`$(cat <<E) x`) for the text after a
        // delimiter inside a substitution, which the scan meets first.
        assert!(
            analysis.problems.iter().any(|p| {
                p.message.contains("unterminated substitution")
                    || p.message.contains("after the delimiter of a here-document")
            }),
            "{line}: {:?}",
            analysis.problems
        );
    }
    let found = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/regressions/shell_assess/crash-c2fbb7678558acf1d20ec6a712607e43980df447"
    ))
    .unwrap();
    assert_ne!(
        Gate::new(PolicySet::new())
            .decide_shell(&String::from_utf8_lossy(&found))
            .verdict,
        Verdict::Allow
    );
    for line in lines {
        let analysis = ShellAnalyzer::new().analyze(line);
        assert!(
            analysis
                .problems
                .iter()
                .any(|p| p.message.contains("out of range")),
            "{line}: {:?}",
            analysis.problems
        );
        assert_ne!(
            Gate::new(PolicySet::new()).decide_shell(line).verdict,
            Verdict::Allow,
            "{line}"
        );
    }
    for line in heredocs {
        let analysis = ShellAnalyzer::new().analyze(line);
        assert!(
            analysis
                .problems
                .iter()
                .any(|p| p.message.contains("here-document")),
            "{line}: {:?}",
            analysis.problems
        );
        assert_ne!(
            Gate::new(PolicySet::new()).decide_shell(line).verdict,
            Verdict::Allow,
            "{line}"
        );
    }
    // Ordinary here-documents and here-strings are untouched.
    for line in [
        "cat <<EOF\nhello $(date)\nEOF",
        "cat <<-'EOF'\n\tx\nEOF",
        "cat <<< \"$(date)\"",
        "echo $((1<<4))",
        "echo $(( (1<<4) + 2 ))",
        "cat <<EOF > \"$dir/out\"\nbody ${x}\nEOF",
        // Plain delimiters, quoted, escaped or not.
        "cat <<\"EOF\"\nhi\nEOF",
        "cat <<\\EOF\nhi\nEOF",
        "cat << END_OF-TEXT.1\nhi\nEND_OF-TEXT.1",
        "cat <<E\"O\"F>out\nhi\nEOF",
        "cat <<EOF|wc -l\nhi\nEOF",
        // `<<` quoted, or in arithmetic, is no operator.
        "git log --format='<<%h>>'",
        "echo \"<<$x\"",
        "echo $(( 1 << (2) ))",
        // Closed substitutions holding here-documents (a `)` in the body closes nothing).
        "git commit -m \"$(cat <<'EOF'\nfeat(x): y)\nEOF\n)\"",
        "x=$(cat <<EOF\n)\nEOF\n)",
    ] {
        let analysis = ShellAnalyzer::new().analyze(line);
        assert!(
            !analysis
                .problems
                .iter()
                .any(|p| p.message.contains("here-document")),
            "{line}: {:?}",
            analysis.problems
        );
    }
    // The largest descriptor that fits is parsed as usual, and a number followed by a space is
    // an argument, not a descriptor.
    for line in ["echo 2147483647>x", "echo 99999999999 >x"] {
        let analysis = ShellAnalyzer::new().analyze(line);
        assert!(
            analysis.problems.is_empty(),
            "{line}: {:?}",
            analysis.problems
        );
    }
    let _ = std::panic::take_hook();
    assert_eq!(
        PANICS.load(Ordering::SeqCst),
        0,
        "a parser panic was caught"
    );
}
