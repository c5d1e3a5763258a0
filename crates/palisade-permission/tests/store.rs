//! "Always" answers persisted to a real policy file: written atomically, loaded back, and
//! matching exactly what was approved (glob characters are literal, opaque words and
//! critical findings are never persisted as allow rules).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code fails loudly"
)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use palisade_permission::approval::resolve;
use palisade_permission::{
    Answer, Approval, ArgvDigest, Decision, ErrorKind, Gate, Layer, Policy, PolicySet, RuleStore,
    Scope, Scripted, Verdict,
};

/// A user policy that asks about everything not critical, so that low commands (`ls`) are
/// asked about too.
fn strict_user() -> Policy {
    Policy::from_toml(
        "[thresholds]\nlow = \"ask\"\nmedium = \"ask\"\nhigh = \"ask\"\ncritical = \"ask\"\n",
        "user.toml",
    )
    .unwrap()
}

/// A gate over the strict user policy and what is on disk at `path` now.
fn gate_from_disk(path: &Path) -> Gate {
    let store = RuleStore::open(path, Layer::User).unwrap();
    Gate::new(
        PolicySet::new()
            .with(Layer::User, strict_user())
            .with(store.layer(), store.policy()),
    )
}

/// Asks `gate` about `line`, answers `answer` with a scripted approver, records it.
fn answer(store: &RuleStore, gate: &Gate, line: &str, answer: Answer) -> Option<String> {
    let decision = gate.decide_shell(line);
    assert_eq!(
        decision.verdict,
        Verdict::Ask,
        "{line}: {:?}",
        decision.reasons
    );
    let approver = Scripted::new().answer(ArgvDigest::of(&decision), answer);
    let (_, approval) = resolve(&decision, &approver);
    store.record(&decision, &approval.unwrap()).unwrap()
}

fn verdict(gate: &Gate, line: &str) -> Verdict {
    gate.decide_shell(line).verdict
}

#[test]
fn allow_always_exact_is_written_and_read_back_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("always.toml");
    let store = RuleStore::open(&path, Layer::User).unwrap();
    let gate = gate_from_disk(&path);
    assert!(!path.exists());
    let rule = answer(
        &store,
        &gate,
        "cargo test -p x && git status",
        Answer::AllowAlways(Scope::ExactArgv),
    )
    .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(&rule), "{text}");
    // New files are private.
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    let gate = gate_from_disk(&path);
    assert_eq!(
        verdict(&gate, "cargo test -p x && git status"),
        Verdict::Allow
    );
    // Each sub-command is covered on its own, exactly.
    assert_eq!(verdict(&gate, "git status"), Verdict::Allow);
    assert_eq!(verdict(&gate, "cargo test -p x --release"), Verdict::Ask);
    assert_eq!(verdict(&gate, "cargo test -p y"), Verdict::Ask);
    assert_eq!(verdict(&gate, "git status -s"), Verdict::Ask);
    // The program is compared as written: a look-alike elsewhere is not approved.
    assert_eq!(verdict(&gate, "./cargo test -p x"), Verdict::Ask);
    // Redirections are not covered by an argv rule.
    assert_eq!(verdict(&gate, "git status > ~/.bashrc"), Verdict::Ask);
    // The in-memory policy of the store that wrote it agrees.
    let same = Gate::new(
        PolicySet::new()
            .with(Layer::User, strict_user())
            .with(Layer::User, store.policy()),
    );
    assert_eq!(verdict(&same, "git status"), Verdict::Allow);
}

#[test]
fn glob_characters_in_approved_words_are_literal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("always.toml");
    let store = RuleStore::open(&path, Layer::User).unwrap();
    let gate = gate_from_disk(&path);
    // `ls '*'` lists a file literally named `*`.
    answer(
        &store,
        &gate,
        "ls '*'",
        Answer::AllowAlways(Scope::ExactArgv),
    )
    .unwrap();
    answer(
        &store,
        &gate,
        "cat 'a[bc]?'",
        Answer::AllowAlways(Scope::ExactArgv),
    )
    .unwrap();
    answer(
        &store,
        &gate,
        "echo '{a,b}' '\\*'",
        Answer::AllowAlways(Scope::ExactArgv),
    )
    .unwrap();
    let gate = gate_from_disk(&path);
    assert_eq!(verdict(&gate, "ls '*'"), Verdict::Allow);
    assert_eq!(verdict(&gate, "ls \\*"), Verdict::Allow);
    for line in [
        "ls anything",
        "ls /",
        "ls ''",
        "ls *",
        "cat abc",
        "cat 'a[bc]?'x",
        "cat ab?",
        "echo a b '\\*'",
        "echo '{a,b}' x",
    ] {
        assert_eq!(verdict(&gate, line), Verdict::Ask, "{line}");
    }
    assert_eq!(verdict(&gate, "cat 'a[bc]?'"), Verdict::Allow);
    assert_eq!(verdict(&gate, "echo '{a,b}' '\\*'"), Verdict::Allow);
}

#[test]
fn words_with_spaces_quotes_and_control_characters_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("always.toml");
    let store = RuleStore::open(&path, Layer::User).unwrap();
    let gate = gate_from_disk(&path);
    let line = r#"frob 'a b' 'say "hi"' $'tab\there\nnl' 'back\slash' '' 'é'"#;
    answer(&store, &gate, line, Answer::AllowAlways(Scope::ExactArgv)).unwrap();
    let gate = gate_from_disk(&path);
    assert_eq!(verdict(&gate, line), Verdict::Allow);
    assert_eq!(
        verdict(
            &gate,
            r#"frob a b 'say "hi"' $'tab\there\nnl' 'back\slash' '' 'é'"#
        ),
        Verdict::Ask
    );
    assert_eq!(
        verdict(
            &gate,
            r#"frob 'a b' 'say "hi"' $'tab\there\nnl' 'back\slash' 'é'"#
        ),
        Verdict::Ask
    );
}

#[test]
fn prefix_scope_covers_the_prefix_and_keeps_wrappers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("always.toml");
    let store = RuleStore::open(&path, Layer::User).unwrap();
    let gate = gate_from_disk(&path);
    answer(
        &store,
        &gate,
        "cargo test -p x",
        Answer::AllowAlways(Scope::Prefix(2)),
    )
    .unwrap();
    let rule = answer(
        &store,
        &gate,
        "sudo apt-get install -y jq",
        Answer::AllowAlways(Scope::Prefix(1)),
    )
    .unwrap();
    // One argv word after the wrapper, never just `sudo`.
    assert!(rule.contains(r#"["sudo", "apt-get"]"#), "{rule}");
    let gate = gate_from_disk(&path);
    assert_eq!(verdict(&gate, "cargo test --all"), Verdict::Allow);
    assert_eq!(verdict(&gate, "cargo test"), Verdict::Allow);
    assert_eq!(verdict(&gate, "cargo publish"), Verdict::Ask);
    assert_eq!(verdict(&gate, "sudo apt-get install curl"), Verdict::Allow);
    assert_eq!(verdict(&gate, "sudo rm -r build"), Verdict::Ask);
    assert_eq!(verdict(&gate, "apt-get install curl"), Verdict::Ask);
    // Still no critical command through an allow rule.
    assert_ne!(verdict(&gate, "cargo test; rm -rf /"), Verdict::Allow);
}

#[test]
fn deny_always_applies_inside_wrappers_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("always.toml");
    let store = RuleStore::open(&path, Layer::User).unwrap();
    let gate = gate_from_disk(&path);
    answer(
        &store,
        &gate,
        "npm publish",
        Answer::DenyAlways(Scope::Prefix(2)),
    )
    .unwrap();
    let gate = gate_from_disk(&path);
    assert_eq!(verdict(&gate, "npm publish"), Verdict::Deny);
    assert_eq!(verdict(&gate, "npm publish --tag next"), Verdict::Deny);
    assert_eq!(verdict(&gate, "sudo npm publish"), Verdict::Deny);
    assert_eq!(verdict(&gate, "/usr/bin/npm publish"), Verdict::Deny);
    assert_eq!(verdict(&gate, "npm test"), Verdict::Ask);
}

#[test]
fn what_must_not_be_persisted_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("always.toml");
    let store = RuleStore::open(&path, Layer::User).unwrap();
    let gate = gate_from_disk(&path);
    // Critical: an "always allow" would never lift it; nothing is written.
    assert_eq!(
        answer(
            &store,
            &gate,
            "rm -rf /",
            Answer::AllowAlways(Scope::ExactArgv)
        ),
        None
    );
    assert_eq!(
        answer(
            &store,
            &gate,
            "cargo test && rm -rf ~",
            Answer::AllowAlways(Scope::Prefix(1))
        ),
        None
    );
    // Words only known at run time.
    for line in ["frob $X", "frob $(id)", "frob ~/x", "ls *", "frob \"$@\""] {
        assert_eq!(
            answer(&store, &gate, line, Answer::AllowAlways(Scope::ExactArgv)),
            None,
            "{line}"
        );
    }
    // Answers that are not "always".
    assert_eq!(answer(&store, &gate, "frob", Answer::AllowOnce), None);
    assert_eq!(answer(&store, &gate, "frob", Answer::Deny), None);
    assert!(!path.exists());
    let gate = gate_from_disk(&path);
    assert_eq!(verdict(&gate, "rm -rf /"), Verdict::Ask);
    // A critical deny-always is fine to persist.
    answer(
        &store,
        &gate,
        "rm -rf /",
        Answer::DenyAlways(Scope::ExactArgv),
    )
    .unwrap();
    assert_eq!(verdict(&gate_from_disk(&path), "rm -rf /"), Verdict::Deny);
}

#[test]
fn an_approval_for_another_decision_is_refused_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("always.toml");
    let store = RuleStore::open(&path, Layer::User).unwrap();
    let gate = gate_from_disk(&path);
    let approved = gate.decide_shell("cargo test");
    let other = gate.decide_shell("cargo publish");
    let approval = Approval {
        answer: Answer::AllowAlways(Scope::ExactArgv),
        digest: ArgvDigest::of(&approved),
    };
    let err = store.record(&other, &approval).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ApprovalMismatch);
    assert!(!path.exists());
}

#[test]
fn the_digest_covers_wrappers_redirections_and_assignments() {
    let gate = Gate::new(PolicySet::new());
    let digest = |line: &str| ArgvDigest::of(&gate.decide_shell(line));
    let plain = digest("rm -r build");
    for other in [
        "sudo rm -r build",
        "rm -r build > ~/.bashrc",
        "PAGER=x rm -r build",
        "env X=1 rm -r build",
    ] {
        assert_ne!(digest(other), plain, "{other}");
    }
    // Non-shell decisions are told apart by what they are about.
    let read = |p: &str| {
        ArgvDigest::of(&gate.decide(&palisade_permission::Action::File {
            access: palisade_permission::FileAccess::Read,
            path: p.to_owned(),
        }))
    };
    assert_ne!(read("a.txt"), read(".env"));
}

#[test]
fn existing_rules_comments_and_permissions_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("always.toml");
    let original = "# my rules\n[[rule]]\naction = \"allow\"\ncommand = \"make\"";
    std::fs::write(&path, original).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let store = RuleStore::open(&path, Layer::User).unwrap();
    let gate = gate_from_disk(&path);
    assert_eq!(verdict(&gate, "make all"), Verdict::Allow);
    let rule = answer(
        &store,
        &gate,
        "frob x",
        Answer::AllowAlways(Scope::ExactArgv),
    )
    .unwrap();
    // The same answer again adds nothing.
    let gate = gate_from_disk(&path);
    let decision = gate.decide_shell("frob x");
    assert_eq!(decision.verdict, Verdict::Allow);
    let again = Approval {
        answer: Answer::AllowAlways(Scope::ExactArgv),
        digest: ArgvDigest::of(&decision),
    };
    store.record(&decision, &again).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with(original), "{text}");
    assert_eq!(text.matches(&rule).count(), 1, "{text}");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    // No temporary files left behind (only the store and its lock file).
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["always.toml", "always.toml.lock"]);
    let gate = gate_from_disk(&path);
    assert_eq!(verdict(&gate, "make all"), Verdict::Allow);
    assert_eq!(verdict(&gate, "frob x"), Verdict::Allow);
}

#[test]
fn a_broken_file_is_an_error_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("always.toml");
    std::fs::write(&path, "[[rule]]\naction = \"allow\"\n").unwrap();
    let err = RuleStore::open(&path, Layer::User).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRule);
    // Broken after opening: recording refuses to touch it.
    std::fs::write(&path, "").unwrap();
    let store = RuleStore::open(&path, Layer::User).unwrap();
    std::fs::write(&path, "[[rule]]\ncomand = \"x\"\n").unwrap();
    let gate = gate_from_disk(dir.path().join("other.toml").as_path());
    let decision: Decision = gate.decide_shell("frob x");
    let approval = Approval {
        answer: Answer::AllowAlways(Scope::ExactArgv),
        digest: ArgvDigest::of(&decision),
    };
    assert_eq!(
        store.record(&decision, &approval).unwrap_err().kind(),
        ErrorKind::Syntax
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "[[rule]]\ncomand = \"x\"\n"
    );
}

#[test]
fn concurrent_writers_keep_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("always.toml");
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let path = path.clone();
            std::thread::spawn(move || {
                // A store per thread, as separate processes would have: only the file lock
                // orders them.
                let store = RuleStore::open(&path, Layer::User).unwrap();
                let gate = Gate::new(PolicySet::new().with(Layer::User, strict_user()));
                for j in 0..3 {
                    answer(
                        &store,
                        &gate,
                        &format!("frob-{i} {j}"),
                        Answer::AllowAlways(Scope::ExactArgv),
                    )
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let store = RuleStore::open(&path, Layer::User).unwrap();
    assert_eq!(store.policy().rule_count(), 24);
    let gate = gate_from_disk(&path);
    for i in 0..8 {
        for j in 0..3 {
            assert_eq!(verdict(&gate, &format!("frob-{i} {j}")), Verdict::Allow);
        }
    }
    // A store opened before the others wrote sees their rules after `reload`.
    let early = RuleStore::open(dir.path().join("late.toml"), Layer::User).unwrap();
    assert_eq!(early.policy().rule_count(), 0);
    std::fs::copy(&path, dir.path().join("late.toml")).unwrap();
    assert_eq!(early.reload().unwrap().rule_count(), 24);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Words full of what TOML, globs and the shell treat specially.
    fn word() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[a-z*?\\[\\]{}!,'\" \t\n\r\\\\$`~é\u{7f}\u{1b}-]{0,6}")
            .unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        /// An exact "always allow" rule loads, allows exactly that argv, and nothing that
        /// differs from it in one word.
        #[test]
        fn exact_rules_allow_exactly_the_approved_argv(
            name in prop::sample::select(vec!["frob", "ls", "cat", "echo", "printf"]),
            args in prop::collection::vec(word(), 0..4),
            extra in word(),
        ) {
            let mut argv = vec![name.to_owned()];
            argv.extend(args);
            let base = Gate::new(PolicySet::new().with(Layer::User, strict_user()));
            let decision = base.decide_argv(&argv);
            prop_assume!(decision.verdict == Verdict::Ask);
            let Some(rule) = palisade_permission::approval::always_rule(
                &decision,
                Answer::AllowAlways(Scope::ExactArgv),
            ) else {
                return Ok(());
            };
            let policy = Policy::from_toml(&rule, "always.toml")
                .map_err(|e| TestCaseError::fail(format!("{e}\n{rule}")))?;
            let gate = Gate::new(
                PolicySet::new()
                    .with(Layer::User, strict_user())
                    .with(Layer::User, policy),
            );
            prop_assert_eq!(gate.decide_argv(&argv).verdict, Verdict::Allow, "{}", rule);
            let mut longer = argv.clone();
            longer.push(extra.clone());
            prop_assert_ne!(gate.decide_argv(&longer).verdict, Verdict::Allow, "{}", rule);
            if !extra.is_empty() {
                let mut changed = argv.clone();
                let last = changed.len() - 1;
                changed[last].push_str(&extra);
                prop_assert_ne!(gate.decide_argv(&changed).verdict, Verdict::Allow, "{}", rule);
            }
        }
    }
}

#[test]
fn a_store_that_is_a_symbolic_link_is_written_through_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("dotfiles")).unwrap();
    let real = dir.path().join("dotfiles/always.toml");
    std::fs::write(&real, "").unwrap();
    let link = dir.path().join("always.toml");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let store = RuleStore::open(&link, Layer::User).unwrap();
    let gate = gate_from_disk(&link);
    answer(
        &store,
        &gate,
        "frob x",
        Answer::AllowAlways(Scope::ExactArgv),
    )
    .unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(std::fs::read_to_string(&real).unwrap().contains("\"frob\""));
    assert_eq!(verdict(&gate_from_disk(&link), "frob x"), Verdict::Allow);
}

#[test]
fn remote_commands_are_not_persisted_as_local_allow_rules() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("always.toml");
    let store = RuleStore::open(&path, Layer::User).unwrap();
    let gate = gate_from_disk(&path);
    // Rules can't say on which host: approving `make deploy` on `prod` must not approve it
    // here. Nothing is persisted (ask again next time).
    assert_eq!(
        answer(
            &store,
            &gate,
            "ssh prod 'make deploy'",
            Answer::AllowAlways(Scope::ExactArgv)
        ),
        None
    );
    assert!(!path.exists());
    // The reverse holds by the engine: a local approval does not cover the `ssh` command.
    answer(
        &store,
        &gate,
        "make clean",
        Answer::AllowAlways(Scope::ExactArgv),
    )
    .unwrap();
    let gate = gate_from_disk(&path);
    assert_eq!(verdict(&gate, "make clean"), Verdict::Allow);
    assert_eq!(verdict(&gate, "ssh prod 'make clean'"), Verdict::Ask);
    // Denying always is fine: it only makes things stricter.
    answer(
        &store,
        &gate,
        "ssh prod 'make deploy'",
        Answer::DenyAlways(Scope::Prefix(2)),
    )
    .unwrap();
    assert_eq!(
        verdict(&gate_from_disk(&path), "make deploy"),
        Verdict::Deny
    );
}

/// A symbolic link planted at `<file>.lock` is not followed: the record fails and the link's
/// target is neither created nor changed (found by probing, session 9).
#[test]
fn a_planted_lock_link_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("always.toml");
    let victim = dir.path().join("victim");
    std::os::unix::fs::symlink(&victim, dir.path().join("always.toml.lock")).unwrap();
    let store = RuleStore::open(&path, Layer::User).unwrap();
    let gate = gate_from_disk(&path);
    let decision = gate.decide_shell("make test");
    let approval = Approval {
        answer: Answer::AllowAlways(Scope::ExactArgv),
        digest: ArgvDigest::of(&decision),
    };
    assert!(store.record(&decision, &approval).is_err());
    assert!(!victim.exists(), "the lock created the link's target");
}
