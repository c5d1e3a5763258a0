//! Asking a person: the [`Approver`] trait, answers bound to the exact parsed argv.
//!
//! An approval is for the argv vectors the analysis found, not for the raw string: the
//! request carries an [`ArgvDigest`] (SHA-256 over every sub-command's argv, each word
//! length-prefixed), and [`resolve`] only accepts an answer given for that digest, so an
//! approval of one command can't be replayed for another.

use sha2::{Digest as _, Sha256};

use crate::decision::Decision;
use crate::policy::Verdict;

/// SHA-256 of the exact parsed argv of every sub-command of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArgvDigest([u8; 32]);

impl ArgvDigest {
    /// The digest of a decision's sub-commands (in order; opaque words as written).
    pub fn of(decision: &Decision) -> Self {
        let mut hasher = Sha256::new();
        hasher.update((decision.commands.len() as u64).to_be_bytes());
        for command in &decision.commands {
            hasher.update((command.argv.len() as u64).to_be_bytes());
            for word in &command.argv {
                hasher.update([u8::from(word.opaque)]);
                hasher.update((word.text.len() as u64).to_be_bytes());
                hasher.update(word.text.as_bytes());
            }
        }
        Self(hasher.finalize().into())
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
    /// Any command starting with the first `n` words of each sub-command's argv.
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

/// The policy rule (TOML) an "always" answer adds to a persisted layer, or `None` when the
/// argv can't be expressed as command patterns (a word that is opaque, empty, or contains
/// whitespace or glob characters): the host then asks again next time.
pub fn always_rule(decision: &Decision, answer: Answer) -> Option<String> {
    let (action, scope) = match answer {
        Answer::AllowAlways(scope) => ("allow", scope),
        Answer::DenyAlways(scope) => ("deny", scope),
        Answer::AllowOnce | Answer::Deny => return None,
    };
    let mut patterns = Vec::new();
    for command in &decision.commands {
        let words = match scope {
            Scope::ExactArgv => command.argv.as_slice(),
            Scope::Prefix(n) => command.argv.get(..n.max(1).min(command.argv.len()))?,
        };
        let mut pattern = Vec::new();
        for word in words {
            if word.opaque
                || word.text.is_empty()
                || word
                    .text
                    .contains(|c: char| c.is_whitespace() || "*?[]{}\\\"".contains(c))
            {
                return None;
            }
            pattern.push(word.text.as_str());
        }
        patterns.push(format!("\"{}\"", pattern.join(" ")));
    }
    if patterns.is_empty() {
        return None;
    }
    let exact = if scope == Scope::ExactArgv {
        "exact = true\n"
    } else {
        ""
    };
    Some(format!(
        "[[rule]]\naction = \"{action}\"\ncommand = [{}]\n{exact}reason = \"answered {action} always\"\n",
        patterns.join(", ")
    ))
}
