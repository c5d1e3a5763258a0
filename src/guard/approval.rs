//! Asking a person (or a script standing in for one) when the policy says "ask".
//!
//! `palisade-permission` has no approval API on `main` yet, so the facade defines this
//! minimal trait; it will delegate to the permission crate's `Approver` once that lands.

use palisade_permission::RiskLevel;

/// What an approver is shown. The guard runs exactly `argv` (or opens exactly `path`) if the
/// answer is [`Approval::Approve`]: the permit is built from these very values, never
/// re-parsed, so an approval is bound to the exact argument vector.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ApprovalRequest<'a> {
    /// Who asks.
    pub actor: &'a str,
    /// The kind of action (`command`, `shell`, `file.read`, `file.write`).
    pub action: &'a str,
    /// The argv that will run, for commands.
    pub argv: Option<&'a [String]>,
    /// The path (relative to the workspace root, normalised) that will be opened, for files.
    pub path: Option<&'a str>,
    /// The overall risk.
    pub risk: RiskLevel,
    /// Why the policy asks.
    pub reasons: &'a [String],
}

impl ApprovalRequest<'_> {
    /// A one-line description: the argv shell-quoted, or the path.
    pub fn subject(&self) -> String {
        match (self.argv, self.path) {
            (Some(argv), _) => display_argv(argv),
            (None, Some(path)) => path.to_owned(),
            (None, None) => String::new(),
        }
    }
}

/// The approver's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Approval {
    /// Go ahead, this once.
    Approve,
    /// Refuse, with a reason for the audit log and the caller.
    Refuse(String),
}

/// Decides "ask" verdicts on behalf of a person: a terminal prompt, a chat button, a script.
/// Called synchronously; may block.
pub trait Approver: Send + Sync + std::fmt::Debug {
    /// Approves or refuses one request.
    fn approve(&self, request: &ApprovalRequest<'_>) -> Approval;
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
