//! Shell analysis: every simple command a bash command line can run, with its argv resolved
//! as bash would, its redirections, and the wrappers it was found inside.
//!
//! The parser is `brush-parser` (see the README for why). It is recursive, so input is
//! bounded before it reaches the parser: the size of the line, the number of compound
//! openers among its tokens, the number of nesting characters in each word, and the depth
//! of re-analysis (`$(…)` inside `sh -c` inside …). Whatever exceeds a bound, fails to parse,
//! or makes the parser panic is reported as a [`Problem`], which the decision treats as
//! "ask" (or "deny" under a strict policy), never as "allow".

mod fast;
mod walk;
pub(crate) mod word;
mod wrappers;

use brush_parser::ParserOptions;

pub(crate) use walk::arithmetic_assignments as walk_arithmetic_assignments;
pub(crate) use walk::assigned_by_expansion;
pub use word::Word;
pub(crate) use wrappers::{is_package_runner, is_project_runner};

/// Limits that keep analysis of hostile input bounded in time and stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest command line analysed, in bytes (default 64 KiB).
    pub max_input_bytes: usize,
    /// How deep scripts may nest inside scripts: `$(…)`, backticks, `<(…)`, `sh -c`,
    /// `ssh host CMD`, `eval` (default 12).
    pub max_depth: usize,
    /// Most compound-command openers (`(`, `{`, `if`, `for`, `while`, `case`, …) in one
    /// script (default 100); bounds the parser's recursion.
    pub max_compound: usize,
    /// Most substitutions, parameter braces, arithmetic brackets and backticks (`$(`, `${`,
    /// `$[`, `<(`, `>(`, `` ` ``) in one script (default 200); bounds the tokenizer's
    /// recursion. With the default, analysis fits in a 256 KiB thread stack in a release
    /// build (a test checks it; unoptimised builds need several times more); `$[` uncounted
    /// overflowed a 2 MiB stack at a few thousand.
    pub max_expansions: usize,
    /// Most simple commands reported for one line (default 1,000).
    pub max_commands: usize,
    /// Deepest nesting of `(` operators in one script, counting those never closed and the
    /// pairs around a `case` (default 8). brush-parser 0.4 backtracks through every `(` that
    /// doesn't close cleanly (its arithmetic-command rule tries each one both ways, and a
    /// `case` pattern's `)` closes no `(`), so its time doubles with each level: fuzzing found a
    /// 96-byte line that took 8 s. Ordinary lines nest a few levels at most.
    pub max_paren_nesting: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_input_bytes: 64 * 1024,
            max_depth: 12,
            max_compound: 100,
            max_expansions: 200,
            max_commands: 1000,
            max_paren_nesting: 8,
        }
    }
}

/// Why an analysis is incomplete. Any problem makes the line ineligible for "allow".
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Problem {
    /// What kind of problem.
    pub kind: ProblemKind,
    /// A message for people, naming the input.
    pub message: String,
}

/// The kinds of [`Problem`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The input is larger than [`Limits::max_input_bytes`].
    TooLarge,
    /// The input nests deeper than a limit allows.
    TooDeep,
    /// More simple commands than [`Limits::max_commands`].
    TooManyCommands,
    /// The input is not valid bash (or uses syntax the parser does not support).
    Parse,
    /// Part of what runs is only known at run time (`eval "$x"`, `sh -c "$x"`, `xargs` with
    /// commands from input, a script file) or could not be resolved.
    Opaque,
}

/// Where a command's standard input comes from, as far as the line shows.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stdin {
    /// Inherited from the caller (nothing on the line says otherwise).
    Inherited,
    /// The output of the previous command of a pipeline.
    Pipe,
    /// A here-document or here-string with this content.
    Text(Word),
    /// A file or process substitution (`< file`, `< <(cmd)`).
    File(Word),
}

/// A redirection of a command, seen as a file action.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Redirect {
    /// Whether the file is read, written (truncated) or appended to.
    pub access: RedirectAccess,
    /// The file.
    pub target: Word,
}

/// The file access a [`Redirect`] performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RedirectAccess {
    /// `< file`.
    Read,
    /// `> file`, `>| file`, `&> file`, `<> file`.
    Write,
    /// `>> file`, `&>> file`.
    Append,
}

/// One simple command found in a line, after wrapper unwrapping.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SimpleCommand {
    /// The words of the command that runs, wrappers removed: `sudo env X=1 rm -f a` gives
    /// `["rm", "-f", "a"]`. `argv[0]` is as written; see [`SimpleCommand::name`].
    pub argv: Vec<Word>,
    /// The words as written, wrappers included (`["sudo", "env", "X=1", "rm", "-f", "a"]`).
    /// For a command found inside a script argument (`sh -c '…'`), the words of that
    /// command inside the script.
    pub invocation: Vec<Word>,
    /// Wrappers the command was found inside, outermost first (`sudo`, `env`, `sh -c`,
    /// `xargs`, `find -exec`, `ssh`, `$(…)`, …).
    pub wrappers: Vec<String>,
    /// Runs with raised privileges (`sudo`, `doas`, `su`, `pkexec`, `run0`).
    pub elevated: bool,
    /// Runs on another host (`ssh HOST CMD`): the host as written.
    pub remote: Option<String>,
    /// Gets extra arguments only known at run time (`xargs`, `find -exec … {}`, `parallel`).
    pub extra_args: bool,
    /// Variable assignments that apply to this command (`PAGER=less git log`, `env X=1 …`).
    /// For a line with only assignments (`x=$(…)`), `argv` is empty.
    pub assignments: Vec<(String, Word)>,
    /// Directories wrappers start the command in, outermost first: `env -C DIR`,
    /// `sudo -D DIR`, and `/` for `chroot` and `sudo -R` (relative paths then name files
    /// under the new root's `/`). Empty when the command starts where the line does. A
    /// `cd` on the line is a command of its own.
    pub directories: Vec<Word>,
    /// File redirections of this command (and of compound commands around it), and the
    /// files its wrappers read or write themselves (`xargs -a FILE`, `time -o FILE`).
    pub redirects: Vec<Redirect>,
    /// Where standard input comes from.
    pub stdin: Stdin,
    /// Standard output feeds the next command of a pipeline.
    pub stdout_piped: bool,
    /// The shell function whose body this command is in, if any.
    pub function: Option<String>,
    /// Index of the pipeline this command belongs to (commands of one pipeline share it).
    pub pipeline: usize,
}

impl SimpleCommand {
    /// The command's name as bash looks it up, by basename: `/bin/rm`, `"r""m"` and `r\m` are
    /// all `rm`. `None` when the name is opaque (a variable, a substitution, a glob).
    pub fn name(&self) -> Option<&str> {
        let first = self.argv.first()?;
        if first.opaque || first.glob {
            return None;
        }
        Some(basename(&first.text))
    }

    /// Whether every word of the command is known before it runs.
    pub fn is_fully_literal(&self) -> bool {
        !self.extra_args && self.argv.iter().all(|w| !w.opaque)
    }
}

/// The last `/`-separated component (the whole string when there is none).
pub(crate) fn basename(s: &str) -> &str {
    // A byte search: `rsplit` builds a searcher per call, and this runs for every word that
    // may name a command.
    match s.as_bytes().iter().rposition(|&b| b == b'/') {
        Some(slash) => s.get(slash + 1..).unwrap_or(s),
        None => s,
    }
}

/// The result of analysing one command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShellAnalysis {
    /// Every simple command the line can run, in source order (inner commands of a
    /// substitution come before the command that uses their output).
    pub commands: Vec<SimpleCommand>,
    /// Why the analysis is incomplete, if it is.
    pub problems: Vec<Problem>,
}

impl ShellAnalysis {
    /// Whether the analysis saw everything the line can run.
    pub fn is_complete(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Analyses bash command lines into the simple commands they run.
///
/// ```
/// use palisade_permission::ShellAnalyzer;
///
/// let analysis = ShellAnalyzer::new().analyze("cd /tmp && \"r\"\"m\" -rf x | sudo tee /etc/y");
/// let names: Vec<_> = analysis.commands.iter().filter_map(|c| c.name()).collect();
/// assert_eq!(names, ["cd", "rm", "tee"]);
/// assert!(analysis.commands[2].elevated);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ShellAnalyzer {
    limits: Limits,
}

impl ShellAnalyzer {
    /// An analyzer with the default [`Limits`].
    pub fn new() -> Self {
        Self::default()
    }

    /// An analyzer with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        Self { limits }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Analyses one command line. Never panics; problems are reported in the result.
    pub fn analyze(&self, line: &str) -> ShellAnalysis {
        let mut walker = walk::Walker::new(self.limits);
        walker.script(line, 0, &walk::Context::default());
        walker.finish()
    }
}

/// The options bash-compatible parsing uses here. Tilde expansion is left to our word
/// resolution (brush-parser's tilde rule panics on `~+99999999999999999999`).
pub(crate) fn parser_options() -> ParserOptions {
    ParserOptions {
        // `bash -c` parses with extglob off (it is off by default, and a `shopt -s extglob`
        // in the line comes too late: bash parses the line first). With it on, brush-parser
        // read `true && !(rm -rf /)` as a glob pattern in command position, where bash runs
        // `rm` in a negated subshell. Off, extglob patterns are syntax errors (as in bash),
        // which fail closed.
        enable_extended_globbing: false,
        posix_mode: false,
        sh_mode: false,
        tilde_expansion_at_word_start: false,
        tilde_expansion_after_colon: false,
        ..ParserOptions::default()
    }
}
