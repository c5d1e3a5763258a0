//! Asking a person: the [`Approver`] trait, answers bound to the exact parsed argv.
//!
//! An approval is for the argv vectors the analysis found, not for the raw string: the
//! request carries an [`ArgvDigest`] (SHA-256 over every sub-command's argv, each word
//! length-prefixed), and [`resolve`] only accepts an answer given for that digest, so an
//! approval of one command can't be replayed for another.

use sha2::{Digest as _, Sha256};

use crate::decision::Decision;
use crate::policy::Verdict;
use crate::risk::RiskLevel;
use crate::shell::Word;

#[cfg(feature = "tty")]
pub use crate::terminal::TerminalApprover;

/// SHA-256 of what a decision is about: every sub-command's parsed argv, its words as
/// written (wrappers), its variable assignments and redirections, and every finding (which
/// names the file, host or tool of a non-shell action).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArgvDigest([u8; 32]);

/// Feeds length-prefixed parts to a hasher, so no two different inputs hash the same bytes.
struct Parts(Sha256);

impl Parts {
    fn len(&mut self, n: usize) {
        self.0.update((n as u64).to_be_bytes());
    }

    fn text(&mut self, text: &str) {
        self.len(text.len());
        self.0.update(text.as_bytes());
    }

    fn word(&mut self, word: &Word) {
        self.0.update([u8::from(word.opaque), u8::from(word.glob)]);
        self.text(&word.text);
    }

    fn words(&mut self, words: &[Word]) {
        self.len(words.len());
        for word in words {
            self.word(word);
        }
    }
}

impl ArgvDigest {
    /// The digest of a decision (sub-commands in order; opaque words as written). Approving
    /// `rm -r build` does not approve `sudo rm -r build`, `rm -r build > ~/.bashrc` or
    /// `PAGER=x rm -r build`.
    pub fn of(decision: &Decision) -> Self {
        let mut parts = Parts(Sha256::new());
        parts.len(decision.commands.len());
        for command in &decision.commands {
            parts.words(&command.argv);
            parts.words(&command.invocation);
            parts.len(command.assignments.len());
            for (name, value) in &command.assignments {
                parts.text(name);
                parts.word(value);
            }
            parts.text(command.remote.as_deref().unwrap_or_default());
            parts.len(usize::from(command.remote.is_some()));
            // What the words don't show: wrappers, privileges, directories, standard input
            // (a here-document's text) and pipes (found by probing, session 9: `python3 -
            // <<EOF` had one digest for every body).
            parts.len(command.wrappers.len());
            for wrapper in &command.wrappers {
                parts.text(wrapper);
            }
            parts.len(usize::from(command.elevated));
            parts.words(&command.directories);
            match &command.stdin {
                crate::shell::Stdin::Inherited => parts.len(0),
                crate::shell::Stdin::Pipe => parts.len(1),
                crate::shell::Stdin::Text(text) => {
                    parts.len(2);
                    parts.word(text);
                }
                crate::shell::Stdin::File(file) => {
                    parts.len(3);
                    parts.word(file);
                }
            }
            parts.len(usize::from(command.stdout_piped));
            parts.len(command.redirects.len());
            for redirect in &command.redirects {
                parts.text(&format!("{:?}", redirect.access));
                parts.word(&redirect.target);
            }
        }
        parts.len(decision.findings.len());
        for finding in &decision.findings {
            parts.text(finding.level.as_str());
            parts.len(finding.command.map_or(0, |i| i.saturating_add(1)));
            parts.text(&finding.reason);
        }
        Self(parts.0.finalize().into())
    }

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// What "always" applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scope {
    /// Exactly these argv vectors.
    ExactArgv,
    /// Any command starting with the first `n` words of each sub-command's argv (after the
    /// wrapper words it was written with, for an allow).
    Prefix(usize),
}

/// A person's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer {
    /// Run it this once.
    AllowOnce,
    /// Run it, and add an allow rule (see [`always_rule`]).
    AllowAlways(Scope),
    /// Don't run it.
    Deny,
    /// Don't run it, and add a deny rule.
    DenyAlways(Scope),
}

/// An answer, bound to the digest of the request it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Approval {
    /// The answer.
    pub answer: Answer,
    /// The digest of the request answered ([`ApprovalRequest::digest`]).
    pub digest: ArgvDigest,
}

/// What an approver is asked.
#[derive(Debug)]
pub struct ApprovalRequest<'a> {
    /// The decision (sub-commands, findings, reasons) to show.
    pub decision: &'a Decision,
    /// The digest an answer must carry.
    pub digest: ArgvDigest,
}

/// Answers "ask" decisions.
pub trait Approver {
    /// Answers one request.
    fn approve(&self, request: &ApprovalRequest<'_>) -> Approval;
}

/// Refuses everything (for unattended runs).
#[derive(Debug, Clone, Copy, Default)]
pub struct DenyAll;

impl Approver for DenyAll {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Approval {
        Approval {
            answer: Answer::Deny,
            digest: request.digest,
        }
    }
}

/// Answers from a script of (argv digest, answer) pairs, for tests and CI; anything not in
/// the script is denied.
#[derive(Debug, Clone, Default)]
pub struct Scripted {
    answers: Vec<(ArgvDigest, Answer)>,
}

impl Scripted {
    /// An empty script (denies everything).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an answer for the decision with this digest.
    #[must_use]
    pub fn answer(mut self, digest: ArgvDigest, answer: Answer) -> Self {
        self.answers.push((digest, answer));
        self
    }
}

impl Approver for Scripted {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Approval {
        let answer = self
            .answers
            .iter()
            .find(|(d, _)| *d == request.digest)
            .map_or(Answer::Deny, |(_, a)| *a);
        Approval {
            answer,
            digest: request.digest,
        }
    }
}

/// The final verdict for a decision, asking `approver` when the decision is "ask". A deny
/// stays a deny; an answer carrying another digest than the request's is treated as deny.
pub fn resolve(decision: &Decision, approver: &dyn Approver) -> (Verdict, Option<Approval>) {
    match decision.verdict {
        Verdict::Allow => (Verdict::Allow, None),
        Verdict::Deny => (Verdict::Deny, None),
        Verdict::Ask => {
            let digest = ArgvDigest::of(decision);
            let approval = approver.approve(&ApprovalRequest { decision, digest });
            let verdict = if approval.digest != digest {
                Verdict::Deny
            } else {
                match approval.answer {
                    Answer::AllowOnce | Answer::AllowAlways(_) => Verdict::Allow,
                    Answer::Deny | Answer::DenyAlways(_) => Verdict::Deny,
                }
            };
            (verdict, Some(approval))
        }
    }
}

/// Whether a command runs or installs what it reads on its standard input (a shell, an
/// interpreter, a database client, `crontab`, `git apply`): an "always" rule for it, fed one
/// input through a pipe or a file, would allow any other input (found by probing,
/// session 9: `echo 'print(1)' | python3 -` stored `python3 -`).
fn runs_its_input(command: &crate::CommandDecision) -> bool {
    let Some(program) = command.argv.first() else {
        return false;
    };
    let name = crate::shell::basename(&program.text);
    let interpreter = name.starts_with("python")
        || name.starts_with("perl")
        || name.starts_with("ruby")
        || name.starts_with("php")
        || name.starts_with("lua")
        || name.starts_with("node");
    interpreter
        || matches!(
            name,
            "sh" | "bash"
                | "dash"
                | "zsh"
                | "ksh"
                | "mksh"
                | "fish"
                | "csh"
                | "tcsh"
                | "busybox"
                | "deno"
                | "bun"
                | "Rscript"
                | "R"
                | "tclsh"
                | "wish"
                | "osascript"
                | "pwsh"
                | "psql"
                | "mysql"
                | "mariadb"
                | "sqlite3"
                | "duckdb"
                | "redis-cli"
                | "mongosh"
                | "crontab"
                | "at"
                | "batch"
                | "patch"
                | "git"
                | "source"
                | "."
                | "eval"
                | "xargs"
                | "parallel"
                | "awk"
                | "gawk"
                | "sed"
                | "ed"
                | "ex"
                | "vim"
                | "gdb"
                | "expect"
                | "make"
        )
}

/// The policy rule (TOML) an "always" answer adds to a persisted layer (see
/// [`RuleStore`](crate::RuleStore)), or `None` when nothing may be persisted and the host
/// should ask again next time.
///
/// The rule lists each sub-command's words literally (`argv = [[…]]`, no globs: approving
/// `ls '*'` does not allow `ls anything`), all of them for [`Scope::ExactArgv`] (with
/// `exact = true`) or the first `n` for [`Scope::Prefix`]. An allow rule is written from the
/// words as written (wrappers included, since allow rules match those) and compares the
/// program as written; a deny rule from the argv that runs (deny rules also match inside
/// wrappers, and by basename).
///
/// `None` when:
/// - the answer is not an "always" answer;
/// - a word is only known at run time (`$X`, `$(…)`, `~`, an unquoted glob, `xargs` input):
///   such a word can never become part of a rule;
/// - a sub-command has no words (only assignments), or there are no sub-commands (a file,
///   network or tool decision);
/// - for an allow: a sub-command runs on another host (`ssh HOST CMD`): rules can't say
///   where a command runs, so the rule would allow it locally too;
/// - for an allow: a sub-command that runs what it reads (a shell, an interpreter, a
///   database client, `crontab`, `git`) reads a pipe or a file, or any sub-command reads a
///   here-document or here-string, or runs with raised
///   privileges or in a directory that a wrapper around a script gives it (`sudo sh -c
///   '…'`): rules can't say that either;
/// - a prefix that ends in an option (`npm --prefix`), which would cut it from its value;
/// - for an allow: the decision is a deny, or its risk or any finding is critical (an
///   "always allow" never lifts a critical finding, and the rule never says
///   `allow_critical`).
pub fn always_rule(decision: &Decision, answer: Answer) -> Option<String> {
    let (action, scope) = match answer {
        Answer::AllowAlways(scope) => (Verdict::Allow, scope),
        Answer::DenyAlways(scope) => (Verdict::Deny, scope),
        Answer::AllowOnce | Answer::Deny => return None,
    };
    if action == Verdict::Allow
        && (decision.verdict == Verdict::Deny
            || decision.risk == RiskLevel::Critical
            || decision
                .findings
                .iter()
                .any(|f| f.level == RiskLevel::Critical))
    {
        return None;
    }
    // Rules have no notion of a host: an allow rule for what runs on `ssh prod` would
    // allow it here too.
    if decision.commands.is_empty()
        || (action == Verdict::Allow && decision.commands.iter().any(|c| c.remote.is_some()))
    {
        return None;
    }
    // Nor of what a command reads as input, nor of where a wrapper around a script puts
    // it: an allow rule for `python3 -` fed one here-document would allow every other one,
    // and one for `rm -r build` inside `sudo sh -c` or `env -C DIR sh -c` would allow it
    // anywhere (found by probing, session 9).
    if action == Verdict::Allow
        && decision.commands.iter().any(|c| {
            // The words as written show no wrapper: the privileges or directory came from
            // one around a script (`sudo sh -c '…'`), which a rule can't name.
            let no_wrapper_words = c.invocation.len() <= c.argv.len();
            matches!(c.stdin, crate::shell::Stdin::Text(_))
                || (no_wrapper_words && (c.elevated || !c.directories.is_empty()))
                || (!matches!(c.stdin, crate::shell::Stdin::Inherited) && runs_its_input(c))
        })
    {
        return None;
    }
    let mut patterns = Vec::with_capacity(decision.commands.len());
    for command in &decision.commands {
        // Allow rules match the words as written, so they keep the wrapper words (`sudo`,
        // `env X=1`) in front of the argv; a prefix counts argv words after them, so that
        // `Prefix(1)` of `sudo apt install x` is `sudo apt`, never `sudo`.
        let (all, wrapper_words) = if action == Verdict::Allow {
            let wrapper_words = command.invocation.len().checked_sub(command.argv.len())?;
            if command.invocation.get(wrapper_words..) != Some(command.argv.as_slice())
                && scope != Scope::ExactArgv
            {
                // `find . -exec rm {} ;`: the argv is not a suffix of what was written.
                return None;
            }
            (command.invocation.as_slice(), wrapper_words)
        } else {
            (command.argv.as_slice(), 0)
        };
        let words = match scope {
            Scope::ExactArgv => all,
            Scope::Prefix(n) => all.get(..wrapper_words.saturating_add(n.max(1)).min(all.len()))?,
        };
        if words.is_empty() || words.iter().any(|w| w.opaque || w.glob) {
            return None;
        }
        // A prefix that ends in an option would cut it from its value: `p 2` on `npm
        // --prefix ./app test` would allow `npm --prefix ANYWHERE …` (found by probing,
        // session 9). Such a prefix is refused; a longer or exact one can be given.
        if matches!(scope, Scope::Prefix(_))
            && words.len() < all.len()
            && words
                .last()
                .is_some_and(|w| w.text.starts_with('-') && w.text.len() > 1)
        {
            return None;
        }
        let quoted: Vec<String> = words.iter().map(|w| toml_string(&w.text)).collect();
        let pattern = format!("[{}]", quoted.join(", "));
        if !patterns.contains(&pattern) {
            patterns.push(pattern);
        }
    }
    let exact = if scope == Scope::ExactArgv {
        "exact = true\n"
    } else {
        ""
    };
    let what = match scope {
        Scope::ExactArgv => "exactly this argv".to_owned(),
        Scope::Prefix(n) => format!("the first {} word(s)", n.max(1)),
    };
    Some(format!(
        "[[rule]]\naction = \"{action}\"\nargv = [{}]\n{exact}reason = {}\n",
        patterns.join(", "),
        toml_string(&format!(
            "answered {action} always for {what} (argv digest {})",
            ArgvDigest::of(decision)
                .to_hex()
                .get(..16)
                .unwrap_or_default()
        )),
    ))
}

/// A TOML basic string: `"` and `\` escaped, control characters as `\uXXXX`.
fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
