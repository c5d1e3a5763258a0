//! An interactive terminal [`Approver`] (feature `tty`): shows what the analysis found — each
//! sub-command's argv, how it was written, its redirections, every finding with its level and
//! reason, and the argv digest — and reads the answer.
//!
//! Everything shown is escaped: a word or a reason containing control characters (`\r`,
//! escape sequences) or invisible/bidirectional formatting characters (U+202E) is printed as
//! `\u{…}`, so a command can't rewrite the prompt it is shown in.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, IsTerminal as _, Read as _, Write};
use std::sync::{Mutex, PoisonError};

use crate::approval::{Answer, Approval, ApprovalRequest, Approver, Scope};
use crate::shell::{RedirectAccess, Word};

/// How many unrecognised answers before the request is denied.
const MAX_ATTEMPTS: usize = 3;
/// Longest answer line read (a longer line is not an answer).
const MAX_ANSWER_BYTES: u64 = 256;
/// Words of a prefix when the answer does not say (`p`): the program and one more.
const DEFAULT_PREFIX_WORDS: usize = 2;

/// Asks a person on a terminal. Any failure to show the request or read an answer (end of
/// input, an I/O error, a line that is not UTF-8), and three unrecognised
/// answers, is a deny.
///
/// Answers: `y` allow once; `a` allow always (exactly this argv); `p [N]` allow always for
/// the first N words of each sub-command (default 2); `n` or an empty line: deny; `d` deny
/// always (exactly this argv); `dp [N]` deny always for the first N words.
///
/// ```
/// use palisade_permission::approval::{resolve, TerminalApprover};
/// use palisade_permission::{Answer, Gate, PolicySet, Scope, Verdict};
///
/// let decision = Gate::new(PolicySet::new()).decide_shell("cargo test -p x");
/// let approver = TerminalApprover::new(&b"what?\na\n"[..], Vec::new());
/// let (verdict, approval) = resolve(&decision, &approver);
/// assert_eq!(verdict, Verdict::Allow);
/// assert_eq!(approval.unwrap().answer, Answer::AllowAlways(Scope::ExactArgv));
/// let (_, shown) = approver.into_inner();
/// let shown = String::from_utf8(shown).unwrap();
/// assert!(shown.contains("cargo test -p x"), "{shown}");
/// ```
pub struct TerminalApprover<R, W> {
    io: Mutex<(R, W)>,
    /// The real terminal, whose unread input is discarded before each prompt.
    tty: Option<std::fs::File>,
}

impl<R, W> std::fmt::Debug for TerminalApprover<R, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TerminalApprover").finish_non_exhaustive()
    }
}

impl<R: BufRead, W: Write> TerminalApprover<R, W> {
    /// Reads answers from `input` and writes prompts to `output` (for tests, or a host
    /// that has its own terminal handling).
    pub fn new(input: R, output: W) -> Self {
        Self {
            io: Mutex::new((input, output)),
            tty: None,
        }
    }

    /// The input and output back.
    pub fn into_inner(self) -> (R, W) {
        self.io.into_inner().unwrap_or_else(PoisonError::into_inner)
    }

    fn ask(
        input: &mut R,
        output: &mut W,
        request: &ApprovalRequest<'_>,
    ) -> std::io::Result<Answer> {
        output.write_all(render(request).as_bytes())?;
        for _ in 0..MAX_ATTEMPTS {
            output.write_all(PROMPT.as_bytes())?;
            output.flush()?;
            let mut line = String::new();
            let read = input.by_ref().take(MAX_ANSWER_BYTES).read_line(&mut line)?;
            if read == 0 {
                return Ok(Answer::Deny);
            }
            if !line.ends_with('\n') && read as u64 >= MAX_ANSWER_BYTES {
                // Not an answer; drop the rest of the over-long line with the next reads.
                output.write_all(b"answer too long\n")?;
                continue;
            }
            match parse_answer(&line) {
                Some(answer) => return Ok(answer),
                None => {
                    writeln!(output, "not an answer: `{}`", escape(line.trim()))?;
                }
            }
        }
        output.write_all(b"no valid answer: denied\n")?;
        output.flush()?;
        Ok(Answer::Deny)
    }
}

impl TerminalApprover<BufReader<std::fs::File>, std::fs::File> {
    /// The controlling terminal (`/dev/tty`), only when standard input is a terminal:
    /// otherwise (a pipe, a file, `/dev/null`, no controlling terminal) an error, and the
    /// host should fall back to [`DenyAll`](crate::DenyAll). Answers are read from
    /// `/dev/tty`, not from standard input, so input piped or typed ahead into the program
    /// can't answer; input typed before a prompt appears is discarded (`tcflush`), so a
    /// keystroke meant for something else does not answer it.
    pub fn terminal() -> std::io::Result<Self> {
        if !std::io::stdin().is_terminal() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "standard input is not a terminal: nobody can answer approval prompts; \
                 use a non-interactive approver",
            ));
        }
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")?;
        if !tty.is_terminal() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "`/dev/tty` is not a terminal",
            ));
        }
        let output = tty.try_clone()?;
        let flush = tty.try_clone()?;
        Ok(Self {
            tty: Some(flush),
            ..Self::new(BufReader::new(tty), output)
        })
    }
}

impl<R: BufRead, W: Write> Approver for TerminalApprover<R, W> {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Approval {
        let mut io = self.io.lock().unwrap_or_else(PoisonError::into_inner);
        let (input, output) = &mut *io;
        if let Some(tty) = &self.tty {
            // Type-ahead: only what is typed after the request is shown may answer it. (A
            // canonical-mode terminal hands over one line per read, so nothing unread sits in
            // the reader's buffer.)
            let _ = rustix::termios::tcflush(tty, rustix::termios::QueueSelector::IFlush);
        }
        let answer = Self::ask(input, output, request).unwrap_or(Answer::Deny);
        Approval {
            answer,
            digest: request.digest,
        }
    }
}

const PROMPT: &str = "allow? [y] once, [a] always (exactly this), [p N] always (first N words), \
                      [n] deny, [d] deny always, [dp N] deny always (first N words): ";

/// An answer line, or `None` when it is not one.
fn parse_answer(line: &str) -> Option<Answer> {
    let mut parts = line.split_whitespace();
    let word = parts.next().unwrap_or("").to_ascii_lowercase();
    let count = match parts.next() {
        Some(n) => Some(n.parse::<usize>().ok().filter(|n| *n > 0)?),
        None => None,
    };
    if parts.next().is_some() {
        return None;
    }
    let prefix = Scope::Prefix(count.unwrap_or(DEFAULT_PREFIX_WORDS));
    let answer = match word.as_str() {
        "y" | "yes" | "once" => Answer::AllowOnce,
        "a" | "always" => Answer::AllowAlways(Scope::ExactArgv),
        "p" | "prefix" => Answer::AllowAlways(prefix),
        "" | "n" | "no" | "deny" => Answer::Deny,
        "d" | "never" => Answer::DenyAlways(Scope::ExactArgv),
        "dp" => Answer::DenyAlways(prefix),
        _ => return None,
    };
    // Only the prefix answers take a count.
    if count.is_some() && !matches!(word.as_str(), "p" | "prefix" | "dp") {
        return None;
    }
    Some(answer)
}

/// The request as shown to the person.
fn render(request: &ApprovalRequest<'_>) -> String {
    let decision = request.decision;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\npermission needed: {} risk, {} sub-command(s)",
        decision.risk,
        decision.commands.len()
    );
    for (i, command) in decision.commands.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {}. {}    [{}]",
            i + 1,
            words(&command.argv),
            command.risk
        );
        if let Some(host) = &command.remote {
            let _ = writeln!(out, "     runs on host: {}", escape(host));
        }
        if command.invocation != command.argv && !command.invocation.is_empty() {
            let _ = writeln!(out, "     written as: {}", words(&command.invocation));
        }
        // What the words don't show (found by probing, session 9): the wrappers around it,
        // privileges, the directory a wrapper starts it in, and what it reads.
        if !command.wrappers.is_empty() {
            let wrappers: Vec<String> = command.wrappers.iter().map(|w| escape(w)).collect();
            let _ = writeln!(out, "     inside: {}", wrappers.join(" > "));
        }
        if command.elevated {
            let _ = writeln!(out, "     with raised privileges");
        }
        for dir in &command.directories {
            let _ = writeln!(out, "     in directory: {}", word(dir));
        }
        match &command.stdin {
            crate::shell::Stdin::Text(text) => {
                let _ = writeln!(out, "     reads this text as input:");
                for line in text.text.lines().take(40) {
                    let _ = writeln!(out, "       | {}", escape(line));
                }
                if text.text.lines().count() > 40 {
                    let _ = writeln!(
                        out,
                        "       | … ({} lines in all)",
                        text.text.lines().count()
                    );
                }
            }
            crate::shell::Stdin::Pipe => {
                let _ = writeln!(out, "     reads the output of the command before it");
            }
            crate::shell::Stdin::File(file) => {
                let _ = writeln!(out, "     reads input from: {}", word(file));
            }
            crate::shell::Stdin::Inherited => {}
        }
        for (name, value) in &command.assignments {
            let _ = writeln!(out, "     with {}={}", escape(name), word(value));
        }
        for redirect in &command.redirects {
            let arrow = match redirect.access {
                RedirectAccess::Read => "<",
                RedirectAccess::Append => ">>",
                _ => ">",
            };
            let _ = writeln!(out, "     {arrow} {}", word(&redirect.target));
        }
        let opaque: Vec<String> = command
            .argv
            .iter()
            .filter(|w| w.opaque || w.glob)
            .map(word)
            .collect();
        if !opaque.is_empty() {
            let _ = writeln!(out, "     only known at run time: {}", opaque.join(" "));
        }
    }
    if !decision.findings.is_empty() {
        let _ = writeln!(out, "findings:");
        for finding in &decision.findings {
            let _ = writeln!(out, "  [{}] {}", finding.level, escape(&finding.reason));
        }
    }
    for reason in &decision.reasons {
        let _ = writeln!(out, "  - {}", escape(reason));
    }
    let hex = request.digest.to_hex();
    let _ = writeln!(out, "argv digest {}", hex.get(..16).unwrap_or(&hex));
    out
}

fn words(words: &[Word]) -> String {
    words.iter().map(word).collect::<Vec<_>>().join(" ")
}

/// A word as a shell would need it written: bare when it is plain, otherwise quoted, with
/// unprintable characters escaped.
fn word(w: &Word) -> String {
    let text = &w.text;
    if w.opaque {
        // As written (`$HOME/x`); escaped, not quoted (quoting would change its meaning).
        return escape(text);
    }
    if !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:@%+,".contains(&b))
    {
        return text.clone();
    }
    let escaped = escape(text);
    if escaped != *text {
        format!("$'{}'", escaped.replace('\'', "\\'"))
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// `text` with control and invisible formatting characters written as `\u{…}`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_hidden(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters that change how the rest of a line is displayed or are invisible: C0/C1
/// controls, zero-width characters, bidirectional overrides and isolates (CVE-2021-42574,
/// "Trojan Source"), and the byte order mark.
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_parse() {
        assert_eq!(parse_answer("y\n"), Some(Answer::AllowOnce));
        assert_eq!(
            parse_answer(" A \n"),
            Some(Answer::AllowAlways(Scope::ExactArgv))
        );
        assert_eq!(
            parse_answer("p\n"),
            Some(Answer::AllowAlways(Scope::Prefix(2)))
        );
        assert_eq!(
            parse_answer("p 3\n"),
            Some(Answer::AllowAlways(Scope::Prefix(3)))
        );
        assert_eq!(parse_answer("\n"), Some(Answer::Deny));
        assert_eq!(
            parse_answer("d\n"),
            Some(Answer::DenyAlways(Scope::ExactArgv))
        );
        assert_eq!(
            parse_answer("dp 1\n"),
            Some(Answer::DenyAlways(Scope::Prefix(1)))
        );
        for bad in ["yy", "p 0", "p x", "y 2", "a b c", "ja"] {
            assert_eq!(parse_answer(bad), None, "{bad}");
        }
    }

    #[test]
    fn hidden_characters_are_escaped() {
        assert_eq!(
            escape("a\u{1b}[2Jb\rc\u{202e}"),
            "a\\u{1b}[2Jb\\u{d}c\\u{202e}"
        );
        assert_eq!(word(&Word::literal("rm")), "rm");
        assert_eq!(word(&Word::literal("a b")), "'a b'");
        assert_eq!(word(&Word::literal("it's")), "'it'\\''s'");
        assert_eq!(word(&Word::literal("x\ny")), "$'x\\u{a}y'");
    }
}
