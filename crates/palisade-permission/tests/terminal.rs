//! The terminal approver (feature `tty`), driven over real pipes by child processes, and its
//! refusal to run without a terminal.
#![cfg(feature = "tty")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code fails loudly"
)]

use std::io::BufReader;
use std::process::{Command, Stdio};

use palisade_permission::approval::{TerminalApprover, resolve};
use palisade_permission::{
    Answer, ArgvDigest, Gate, Layer, Policy, PolicySet, RuleStore, Scope, Verdict,
};

/// Answers typed by a child process (`printf`) into a real pipe.
fn typed(answers: &str) -> TerminalApprover<BufReader<std::io::PipeReader>, Vec<u8>> {
    let (reader, writer) = std::io::pipe().unwrap();
    let mut child = Command::new("printf")
        .arg("%s")
        .arg(answers)
        .stdout(writer)
        .spawn()
        .unwrap();
    assert!(child.wait().unwrap().success());
    TerminalApprover::new(BufReader::new(reader), Vec::new())
}

fn shown(approver: TerminalApprover<BufReader<std::io::PipeReader>, Vec<u8>>) -> String {
    String::from_utf8(approver.into_inner().1).unwrap()
}

#[test]
fn shows_sub_commands_findings_and_digest_then_reads_the_answer() {
    let gate = Gate::new(PolicySet::new());
    let decision =
        gate.decide_shell("sudo env X=1 rm -r build > out.log; curl -s https://x.example");
    assert_eq!(decision.verdict, Verdict::Ask);
    let approver = typed("maybe\nyes please\ny\n");
    let (verdict, approval) = resolve(&decision, &approver);
    assert_eq!(verdict, Verdict::Allow);
    let approval = approval.unwrap();
    assert_eq!(approval.answer, Answer::AllowOnce);
    assert_eq!(approval.digest, ArgvDigest::of(&decision));
    let text = shown(approver);
    assert!(text.contains("1. rm -r build"), "{text}");
    assert!(
        text.contains("written as: sudo env X=1 rm -r build"),
        "{text}"
    );
    assert!(text.contains("> out.log"), "{text}");
    assert!(text.contains("2. curl -s https://x.example"), "{text}");
    for finding in &decision.findings {
        assert!(
            text.contains(&format!("[{}] {}", finding.level, finding.reason)),
            "{finding:?} in {text}"
        );
    }
    assert!(
        text.contains(ArgvDigest::of(&decision).to_hex().get(..16).unwrap()),
        "{text}"
    );
    assert_eq!(text.matches("not an answer").count(), 2, "{text}");
}

#[test]
fn each_answer_kind_is_read() {
    let gate = Gate::new(PolicySet::new());
    let decision = gate.decide_shell("cargo test -p x");
    for (typed_answer, expected) in [
        ("a\n", Answer::AllowAlways(Scope::ExactArgv)),
        ("p\n", Answer::AllowAlways(Scope::Prefix(2))),
        ("p 1\n", Answer::AllowAlways(Scope::Prefix(1))),
        ("n\n", Answer::Deny),
        ("\n", Answer::Deny),
        ("d\n", Answer::DenyAlways(Scope::ExactArgv)),
        ("dp 2\n", Answer::DenyAlways(Scope::Prefix(2))),
    ] {
        let (_, approval) = resolve(&decision, &typed(typed_answer));
        assert_eq!(approval.unwrap().answer, expected, "{typed_answer:?}");
    }
}

#[test]
fn end_of_input_and_nonsense_deny() {
    let gate = Gate::new(PolicySet::new());
    let decision = gate.decide_shell("cargo test");
    for input in ["", "x\ny\n", "what\nwhy\nwho\ny\n", "\u{ff}\n"] {
        let approver = typed(input);
        let (verdict, approval) = resolve(&decision, &approver);
        let expected = if input == "x\ny\n" {
            Verdict::Allow
        } else {
            Verdict::Deny
        };
        assert_eq!(verdict, expected, "{input:?}");
        if expected == Verdict::Deny {
            assert_eq!(approval.unwrap().answer, Answer::Deny, "{input:?}");
        }
    }
    // A very long line is not an answer, even if it starts like one.
    let long = format!("y{}\n", " ".repeat(10_000));
    let (verdict, _) = resolve(&decision, &typed(&long));
    assert_eq!(verdict, Verdict::Deny);
}

#[test]
fn control_characters_in_the_command_are_shown_escaped() {
    let gate = Gate::new(PolicySet::new());
    // A word that would clear the screen and a right-to-left override.
    let decision = gate.decide_shell("frob $'\\e[2J\\rok' 'abc\u{202e}txt.exe'");
    let approver = typed("n\n");
    let (verdict, _) = resolve(&decision, &approver);
    assert_eq!(verdict, Verdict::Deny);
    let text = shown(approver);
    assert!(!text.contains('\u{1b}') && !text.contains('\r') && !text.contains('\u{202e}'));
    assert!(text.contains("\\u{1b}[2J\\u{d}ok"), "{text}");
    assert!(text.contains("\\u{202e}"), "{text}");
}

#[test]
fn an_always_answer_typed_at_the_prompt_is_persisted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("always.toml");
    let store = RuleStore::open(&path, Layer::User).unwrap();
    let gate = Gate::new(PolicySet::new().with(Layer::User, store.policy()));
    let decision = gate.decide_shell("cargo test -p x");
    let (verdict, approval) = resolve(&decision, &typed("p 2\n"));
    assert_eq!(verdict, Verdict::Allow);
    store
        .record(&decision, &approval.unwrap())
        .unwrap()
        .unwrap();
    let reloaded = Policy::load(&path).unwrap();
    let gate = Gate::new(PolicySet::new().with(Layer::User, reloaded));
    assert_eq!(
        gate.decide_shell("cargo test --all").verdict,
        Verdict::Allow
    );
    assert_eq!(gate.decide_shell("cargo publish").verdict, Verdict::Ask);
}

/// Run in a child process with standard input from `/dev/null` (see below).
#[test]
fn child_without_a_terminal() {
    if std::env::var_os("PALISADE_TTY_CHILD").is_none() {
        return; // Only meaningful in the child started by the test below.
    }
    let err = TerminalApprover::terminal().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
    println!("REFUSED: {err}");
}

#[test]
fn without_a_terminal_the_real_terminal_approver_refuses() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_without_a_terminal",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PALISADE_TTY_CHILD", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("REFUSED: standard input is not a terminal"),
        "{stdout}"
    );
}

/// Run in a child process on a pseudo-terminal (see below).
#[test]
fn child_on_a_terminal() {
    if std::env::var_os("PALISADE_TTY_PTY").is_none() {
        return; // Only meaningful in the child started by the test below.
    }
    let approver = TerminalApprover::terminal().unwrap();
    let decision = Gate::new(PolicySet::new()).decide_shell("cargo test -p x");
    let (verdict, approval) = resolve(&decision, &approver);
    println!("ANSWER: {verdict} {:?}", approval.unwrap().answer);
}

/// Runs `child_on_a_terminal` on a new pseudo-terminal with util-linux `script`, typing
/// `type_ahead` at once and `answer` once the prompt is on the screen; returns the screen.
/// `None` where `script` is not installed.
fn on_a_pseudo_terminal(type_ahead: &str, answer: &str) -> Option<String> {
    use std::io::{Read as _, Write as _};
    use std::time::{Duration, Instant};

    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("`script` (util-linux) is not installed: pseudo-terminal test not run");
        return None;
    }
    let exe = std::env::current_exe().unwrap();
    let child = format!(
        "'{}' --exact child_on_a_terminal --nocapture --test-threads=1",
        exe.display()
    );
    let mut script = Command::new("script")
        .args(["-q", "-e", "-c", &child, "/dev/null"])
        .env("PALISADE_TTY_PTY", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = script.stdin.take().unwrap();
    stdin.write_all(type_ahead.as_bytes()).unwrap();
    stdin.flush().unwrap();
    let mut stdout = script.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut screen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !String::from_utf8_lossy(&screen).contains("allow? [y]") {
        let chunk = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|e| panic!("no prompt ({e}): {}", String::from_utf8_lossy(&screen)));
        screen.extend(chunk);
    }
    stdin.write_all(answer.as_bytes()).unwrap();
    drop(stdin);
    while let Ok(chunk) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        screen.extend(chunk);
    }
    let status = script.wait().unwrap();
    let screen = String::from_utf8_lossy(&screen).into_owned();
    assert!(status.success(), "{screen}");
    Some(screen)
}

#[test]
fn on_a_real_pseudo_terminal_the_answer_is_read_from_dev_tty() {
    let Some(shown) = on_a_pseudo_terminal("", "p 3\n") else {
        return;
    };
    assert!(shown.contains("1. cargo test -p x"), "{shown}");
    assert!(
        shown.contains("ANSWER: allow AllowAlways(Prefix(3))"),
        "{shown}"
    );
}

#[test]
fn input_typed_before_the_prompt_does_not_answer_it() {
    let Some(shown) = on_a_pseudo_terminal("y\n", "n\n") else {
        return;
    };
    assert!(shown.contains("ANSWER: deny Deny"), "{shown}");
}

/// The prompt shows what the words don't: the input a here-document gives, the wrappers
/// around a command and the directory they start it in (found by probing, session 9).
#[test]
fn input_wrappers_and_directories_are_shown() {
    let gate = Gate::new(PolicySet::new());
    let decision = gate.decide_shell(
        "python3 - <<'EOF'\nimport os\nos.system('x')\nEOF\nsudo env -C /srv sh -c 'make'",
    );
    let approver = typed("n\n");
    let _ = resolve(&decision, &approver);
    let text = shown(approver);
    assert!(text.contains("reads this text as input:"), "{text}");
    assert!(text.contains("| os.system('x')"), "{text}");
    assert!(text.contains("inside: sudo"), "{text}");
    assert!(text.contains("in directory: /srv"), "{text}");
    assert!(text.contains("with raised privileges"), "{text}");
}
