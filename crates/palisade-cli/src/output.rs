//! How results leave the process: one JSON object per line, or text for people, and the exit
//! status convention shared by every subcommand.

use std::io::Write as _;
use std::process::ExitCode;

use serde_json::{Value, json};

/// The exit status convention of the `palisade` binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    dead_code,
    reason = "success and judgement are returned by subcommands as their crates land"
)]
pub enum Status {
    /// 0: the command did what was asked and everything it judged was accepted.
    Success,
    /// 1: the input was judged or contained (a rejected path, a broken chain, a trapped plugin).
    Judged,
    /// 2: usage or configuration error.
    Usage,
}

impl Status {
    /// The process exit code for this status.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Status::Success => ExitCode::SUCCESS,
            Status::Judged => ExitCode::from(1),
            Status::Usage => ExitCode::from(2),
        }
    }
}

/// Where a subcommand writes its results, in the format the user chose with `--json`.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    json: bool,
}

impl Output {
    /// An output that prints JSON lines when `json` is true and text otherwise.
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    /// True when the user asked for JSON lines.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Prints one result: `value` as a single JSON line with `--json`, otherwise the text
    /// `human` builds. A closed standard output (e.g. `| head`) is not an error worth a panic:
    /// the write is dropped.
    pub fn emit(&self, value: &Value, human: impl FnOnce() -> String) {
        let line = if self.json {
            value.to_string()
        } else {
            printable(&human())
        };
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{line}");
    }

    /// Reports a usage or configuration error: a JSON line on standard output with `--json`
    /// (so scripts reading JSON see it), and always a message on standard error.
    pub fn usage_error(&self, kind: &str, message: &str) -> Status {
        if self.json {
            self.emit(
                &json!({"ok": false, "error": {"kind": kind, "message": message}}),
                String::new,
            );
        }
        let _ = writeln!(std::io::stderr().lock(), "palisade: {message}");
        Status::Usage
    }

    /// Reports that a subcommand's crate has not landed yet (exit status 2).
    #[allow(
        dead_code,
        reason = "every subcommand is available once palisade-sandbox is merged; kept for new ones"
    )]
    pub fn not_available(&self, subcommand: &str, issue: u32) -> Status {
        self.usage_error(
            "not_available",
            &format!(
                "`{subcommand}` is not available yet: the crate behind it is still being built \
                 (issue {issue})"
            ),
        )
    }
}

/// Human output with the characters a terminal would act on written as escapes: control
/// characters but newline and tab (`\r` and ESC could overwrite a "deny" with "allow"), and
/// the bidirectional controls that reorder what is shown (found by probing, session 9). JSON
/// output escapes them already.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        // Bidirectional controls, line and paragraph separators, and zero-width characters.
        let bidi = matches!(
            c,
            '\u{200b}'..='\u{200f}'
                | '\u{061c}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
        );
        if (c.is_control() && c != '\n' && c != '\t') || bidi {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn terminal_controls_are_escaped() {
        assert_eq!(printable("deny\rallow\n"), "deny\\u{d}allow\n");
        assert_eq!(printable("a\u{1b}[2Kb"), "a\\u{1b}[2Kb");
        assert_eq!(printable("x\u{202e}y\tz"), "x\\u{202e}y\tz");
        assert_eq!(printable("plain é"), "plain é");
    }
}
