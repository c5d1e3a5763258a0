//! Approvals: bound to the SHA-256 of the exact parsed argv, never replayable for another
//! command; "always" answers become policy rules that load and match only what was approved.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code fails loudly"
)]

use palisade_permission::approval::{always_rule, resolve};
use palisade_permission::{
    Answer, Approval, ApprovalRequest, Approver, ArgvDigest, DenyAll, Gate, Layer, Policy,
    PolicySet, Scope, Scripted, Verdict,
};

fn gate() -> Gate {
    Gate::new(PolicySet::new())
}

#[test]
fn deny_all_denies_asks_and_keeps_allow_and_deny() {
    let g = gate();
    assert_eq!(
        resolve(&g.decide_shell("cargo test"), &DenyAll).0,
        Verdict::Deny
    );
    assert_eq!(resolve(&g.decide_shell("ls"), &DenyAll).0, Verdict::Allow);
    assert_eq!(
        resolve(&g.decide_shell("rm -rf /"), &Scripted::new()).0,
        Verdict::Deny
    );
}

#[test]
fn digest_is_of_the_parsed_argv_not_the_string() {
    let g = gate();
    let a = ArgvDigest::of(&g.decide_shell("cargo test -p x"));
    assert_eq!(a, ArgvDigest::of(&g.decide_shell("'cargo'  test \"-p\" x")));
    assert_ne!(a, ArgvDigest::of(&g.decide_shell("cargo test -p y")));
    assert_ne!(
        a,
        ArgvDigest::of(&g.decide_shell("cargo test -p x; rm -rf build"))
    );
    // Word boundaries matter: ["a b"] and ["a", "b"] differ.
    assert_ne!(
        ArgvDigest::of(&g.decide_shell("frob 'a b'")),
        ArgvDigest::of(&g.decide_shell("frob a b"))
    );
    assert_eq!(a.to_hex().len(), 64);
}

#[test]
fn a_scripted_approval_applies_only_to_its_command() {
    let g = gate();
    let approved = g.decide_shell("cargo test -p x");
    let script = Scripted::new().answer(ArgvDigest::of(&approved), Answer::AllowOnce);
    assert_eq!(resolve(&approved, &script).0, Verdict::Allow);
    assert_eq!(
        resolve(&g.decide_shell("cargo test -p x && curl x -d @f"), &script).0,
        Verdict::Deny
    );
    assert_eq!(
        resolve(&g.decide_shell("cargo test -p y"), &script).0,
        Verdict::Deny
    );
}

/// An approver that replays an approval given for another command.
struct Replaying(Approval);

impl Approver for Replaying {
    fn approve(&self, _request: &ApprovalRequest<'_>) -> Approval {
        self.0
    }
}

#[test]
fn an_approval_for_another_digest_is_refused() {
    let g = gate();
    let first = g.decide_shell("cargo test");
    let approval = Approval {
        answer: Answer::AllowOnce,
        digest: ArgvDigest::of(&first),
    };
    assert_eq!(resolve(&first, &Replaying(approval)).0, Verdict::Allow);
    assert_eq!(
        resolve(&g.decide_shell("cargo publish"), &Replaying(approval)).0,
        Verdict::Deny
    );
}

#[test]
fn always_answers_become_rules_that_match_only_what_was_approved() {
    let g = gate();
    let decision = g.decide_shell("cargo test -p x && git push origin main");
    let exact = always_rule(&decision, Answer::AllowAlways(Scope::ExactArgv)).unwrap();
    let layer = Gate::new(PolicySet::new().with(
        Layer::User,
        Policy::from_toml(&exact, "always.toml").unwrap(),
    ));
    assert_eq!(
        layer
            .decide_shell("cargo test -p x && git push origin main")
            .verdict,
        Verdict::Allow
    );
    assert_eq!(
        layer.decide_shell("cargo test -p x --release").verdict,
        Verdict::Ask
    );
    assert_eq!(
        layer.decide_shell("git push origin main --force").verdict,
        Verdict::Ask
    );

    let prefix = always_rule(
        &g.decide_shell("cargo test -p x"),
        Answer::AllowAlways(Scope::Prefix(2)),
    )
    .unwrap();
    let layer = Gate::new(PolicySet::new().with(
        Layer::User,
        Policy::from_toml(&prefix, "always.toml").unwrap(),
    ));
    assert_eq!(
        layer.decide_shell("cargo test --all").verdict,
        Verdict::Allow
    );
    assert_eq!(layer.decide_shell("cargo publish").verdict, Verdict::Ask);

    let deny = always_rule(
        &g.decide_shell("npm publish"),
        Answer::DenyAlways(Scope::Prefix(2)),
    )
    .unwrap();
    let layer = Gate::new(PolicySet::new().with(
        Layer::User,
        Policy::from_toml(&deny, "always.toml").unwrap(),
    ));
    assert_eq!(
        layer.decide_shell("sudo npm publish --tag x").verdict,
        Verdict::Deny
    );

    // Words with spaces are written literally and match only themselves.
    let spaced = always_rule(
        &g.decide_shell("frob 'a b'"),
        Answer::AllowAlways(Scope::ExactArgv),
    )
    .unwrap();
    let layer = Gate::new(PolicySet::new().with(
        Layer::User,
        Policy::from_toml(&spaced, "always.toml").unwrap(),
    ));
    assert_eq!(layer.decide_shell("frob 'a b'").verdict, Verdict::Allow);
    assert_eq!(layer.decide_shell("frob a b").verdict, Verdict::Ask);
    // Run-time words can't become rules: ask again next time.
    assert!(
        always_rule(
            &g.decide_shell("frob $X"),
            Answer::AllowAlways(Scope::ExactArgv)
        )
        .is_none()
    );
    assert!(always_rule(&decision, Answer::AllowOnce).is_none());
}

/// What the words don't show is part of the digest too: a here-document's text, wrappers
/// and the directories they move to, pipes, and a tool call's arguments (found by probing,
/// session 9: `python3 - <<EOF` had one digest for every body).
#[test]
fn digest_binds_input_wrappers_pipes_and_tool_arguments() {
    let g = gate();
    let pairs = [
        (
            "python3 - <<EOF\nprint(1)\nEOF",
            "python3 - <<EOF\nimport os\nEOF",
        ),
        ("python3 - <<< 'print(1)'", "python3 - <<< 'import os'"),
        ("rm -r build", "env -C / sh -c 'rm -r build'"),
        ("sudo sh -c 'rm -r build'", "sudo -D / sh -c 'rm -r build'"),
        ("echo a | sh", "echo a; sh"),
        ("python3 x.py", "python3 x.py < in.txt"),
        (
            "sudo sh -c 'psql -c x'",
            "sudo -u postgres sh -c 'psql -c x'",
        ),
    ];
    for (a, b) in pairs {
        assert_ne!(
            ArgvDigest::of(&g.decide_shell(a)),
            ArgvDigest::of(&g.decide_shell(b)),
            "{a:?} and {b:?}"
        );
    }
    let tool = |path: &str| {
        g.decide(&palisade_permission::Action::Tool {
            name: "write_file".to_owned(),
            arguments: serde_json::json!({ "path": path }),
        })
    };
    assert_ne!(
        ArgvDigest::of(&tool("a")),
        ArgvDigest::of(&tool(".git/hooks/pre-commit"))
    );
    assert_eq!(ArgvDigest::of(&tool("a")), ArgvDigest::of(&tool("a")));
}

/// "Always allow" is refused for what a rule can't express: a here-document's text, raised
/// privileges, a wrapper's directory (found by probing, session 9).
#[test]
fn always_allow_is_refused_for_input_and_wrapper_context() {
    let g = gate();
    for line in [
        "python3 - <<EOF\nprint(1)\nEOF",
        "echo 'print(1)' | python3 -",
        "python3 - < good.py",
        "sh < script.sh",
        "echo '* * * * * x' | crontab",
        "sudo sh -c 'apt install x'",
        "env -C /srv sh -c 'make'",
    ] {
        let decision = g.decide_shell(line);
        assert_eq!(
            always_rule(&decision, Answer::AllowAlways(Scope::ExactArgv)),
            None,
            "{line:?}"
        );
    }
    for line in [
        "make test",
        "sudo apt install x",
        "env -C /srv make",
        "cargo test 2>&1 | tail -5",
    ] {
        assert!(
            always_rule(&g.decide_shell(line), Answer::AllowAlways(Scope::ExactArgv)).is_some(),
            "{line:?}"
        );
    }
}

/// A prefix answer that would end in an option is refused: it would cut the option from its
/// value (found by probing, session 9).
#[test]
fn prefixes_never_end_in_an_option() {
    let g = gate();
    let decision = g.decide_shell("npm --prefix ./app test");
    assert_eq!(
        always_rule(&decision, Answer::AllowAlways(Scope::Prefix(2))),
        None
    );
    let rule = always_rule(&decision, Answer::AllowAlways(Scope::Prefix(3))).unwrap();
    assert!(rule.contains(r#"["npm", "--prefix", "./app"]"#), "{rule}");
    let decision = g.decide_shell("cargo test -p x");
    assert!(always_rule(&decision, Answer::AllowAlways(Scope::Prefix(2))).is_some());
}
