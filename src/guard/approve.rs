//! Asking the host's [`Approver`] (palisade-permission's) when the policy says "ask": what it
//! is shown, and how its answer is checked.
//!
//! The approver answers for an [`ArgvDigest`]: SHA-256 over the argv of every sub-command of
//! the decision it was shown. `palisade_permission::approval::resolve` treats an answer that
//! carries another digest as a refusal, and the guard builds the permit from the very values
//! that were digested, so an approval can't be moved to another argv, path or plugin input.
//!
//! Commands are shown as the gate decided them. A file action or a plugin call has no argv of
//! its own, so the approver is shown one synthetic sub-command whose words say exactly what
//! will be done (`write_file notes/today.md`, `plugin.call echo run input-sha256:…`): the
//! digest then covers the path or the input too. Its first word is marked opaque, which a
//! literal word of a parsed command never is, so no command's digest can equal it (and
//! `always_rule` refuses to turn an "always" answer for it into a command rule).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use palisade_permission::approval::resolve;
use palisade_permission::{
    Answer, Approval, ApprovalRequest, Approver, ArgvDigest, Decision, Gate, Verdict,
};

/// A shared approver, as the guard holds it.
pub(crate) type SharedApprover = Arc<dyn Approver + Send + Sync>;

/// How asking ended.
#[derive(Debug)]
pub(crate) enum Asked {
    /// Allowed, by this answer (once or always).
    Approved(Approval),
    /// Refused by this answer.
    Refused(Approval),
    /// The answer was given for another digest: treated as a refusal.
    Stale(Approval),
    /// The approver panicked: treated as a refusal.
    Panicked,
    /// No approver is configured.
    NoApprover,
}

impl Asked {
    /// The answer's name for the audit log.
    pub(crate) fn audit_name(&self) -> &'static str {
        match self {
            Asked::Approved(a) | Asked::Refused(a) => answer_name(a.answer),
            Asked::Stale(_) => "stale_digest",
            Asked::Panicked => "approver_panicked",
            Asked::NoApprover => "no_approver",
        }
    }

    /// Why a refusal, for people.
    pub(crate) fn refusal(&self) -> Option<String> {
        Some(match self {
            Asked::Approved(_) => return None,
            Asked::Refused(_) => "not approved: the approver said no".to_owned(),
            Asked::Stale(a) => format!(
                "not approved: the answer was given for another request (digest {}…), not this one",
                a.digest.to_hex().get(..12).unwrap_or_default()
            ),
            Asked::Panicked => "not approved: the approver failed (panicked)".to_owned(),
            Asked::NoApprover => {
                "not approved: the policy asks for approval and no approver is configured"
                    .to_owned()
            }
        })
    }
}

/// A stable name for an answer.
pub(crate) fn answer_name(answer: Answer) -> &'static str {
    match answer {
        Answer::AllowOnce => "allow_once",
        Answer::AllowAlways(_) => "allow_always",
        Answer::Deny => "deny",
        Answer::DenyAlways(_) => "deny_always",
        _ => "unknown",
    }
}

/// Asks `approver` about `shown` (whose verdict must be "ask"). A panic in the approver is
/// caught and is a refusal; so is an answer for another digest.
pub(crate) fn ask(approver: Option<&SharedApprover>, shown: &Decision) -> (Asked, ArgvDigest) {
    let digest = ArgvDigest::of(shown);
    let Some(approver) = approver else {
        return (Asked::NoApprover, digest);
    };
    if shown.verdict != Verdict::Ask {
        // Only "ask" is ever shown; anything else is a bug on our side: refuse.
        return (Asked::Panicked, digest);
    }
    let approver: &dyn Approver = &**approver;
    let answered = catch_unwind(AssertUnwindSafe(|| resolve(shown, approver)));
    let asked = match answered {
        Err(_) => Asked::Panicked,
        Ok((_, None)) => Asked::Panicked,
        Ok((_, Some(approval))) if approval.digest != digest => Asked::Stale(approval),
        Ok((Verdict::Allow, Some(approval))) => Asked::Approved(approval),
        Ok((_, Some(approval))) => Asked::Refused(approval),
    };
    (asked, digest)
}

/// `decision` (of a file action or plugin call, which has no sub-commands) with one synthetic
/// sub-command `[marker, words…]` to show and digest, or `None` if it can't be built (then the
/// guard refuses).
pub(crate) fn with_synthetic_command(
    gate: &Gate,
    decision: &Decision,
    marker: &str,
    words: &[&str],
) -> Option<Decision> {
    let mut argv = Vec::with_capacity(words.len() + 1);
    argv.push(marker.to_owned());
    argv.extend(words.iter().map(|w| (*w).to_owned()));
    let mut parsed = gate.decide_argv(&argv);
    // Each word was quoted for the analyser, and the marker is no wrapper: exactly one
    // sub-command with exactly these words, or we don't show anything.
    if parsed.commands.len() != 1 {
        return None;
    }
    let mut command = parsed.commands.pop()?;
    let same = command.argv.len() == argv.len()
        && command
            .argv
            .iter()
            .zip(&argv)
            .all(|(word, given)| !word.opaque && word.text == *given);
    if !same {
        return None;
    }
    command.argv.first_mut()?.opaque = true;
    command.verdict = decision.verdict;
    command.risk = decision.risk;
    command.rules.clear();
    command.reason = decision.reasons.first().cloned().unwrap_or_default();
    let mut shown = decision.clone();
    shown.commands = vec![command];
    Some(shown)
}

/// What an approval request is about, on one line: each sub-command's argv (shell-quoted
/// where needed), `; `-separated. For a file action `write_file notes/today.md`; for a plugin
/// call `plugin.call echo run input-sha256:…`.
pub fn describe_approval(request: &ApprovalRequest<'_>) -> String {
    request
        .decision
        .commands
        .iter()
        .map(|command| {
            let words: Vec<String> = command.argv.iter().map(|w| w.text.clone()).collect();
            display_argv(&words)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Shell-quotes an argv for display (single quotes where needed).
pub(crate) fn display_argv(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
            if plain {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
