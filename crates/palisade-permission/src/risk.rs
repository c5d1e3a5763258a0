//! Risk levels and findings, and how a shell analysis is rated.
//!
//! What we know about commands lives in a data table (`src/risk_table.rs`); this module
//! applies it.

use std::fmt;

use crate::risk_table::{self, Cond, PathClass, PathClasses};
use crate::shell::{ProblemKind, RedirectAccess, ShellAnalysis, SimpleCommand, Stdin, Word};

/// How much harm an action can do. Ordered: `Low < Medium < High < Critical`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    /// Read-only with flag-exact knowledge of the command.
    Low,
    /// Changes something recoverable, or is not known well enough to call low.
    Medium,
    /// Destroys work, touches secrets or persistence, runs code we cannot see, or elevates.
    High,
    /// Destroys a system or a home directory, exfiltrates secrets, runs downloaded code.
    Critical,
}

impl RiskLevel {
    /// The lowercase name (`"low"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
            RiskLevel::Critical => "critical",
        }
    }
}

impl fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason an action is risky.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// How risky.
    pub level: RiskLevel,
    /// Why, naming the sub-command (``"`rm -rf /`: recursive delete of `/`"``).
    pub reason: String,
    /// Index into [`ShellAnalysis::commands`] of the sub-command, if the finding is about one.
    pub command: Option<usize>,
}

/// The risk of a whole command line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RiskAssessment {
    /// The maximum of every finding.
    pub level: RiskLevel,
    /// The level of each sub-command, parallel to [`ShellAnalysis::commands`].
    pub command_levels: Vec<RiskLevel>,
    /// Every finding, most severe first.
    pub findings: Vec<Finding>,
    /// Per sub-command, the level of its redirections and variable assignments alone: an
    /// allow rule matches argv and does not cover these.
    pub(crate) side_levels: Vec<RiskLevel>,
    /// Per sub-command, its argv as reasons show it ([`display_argv`]), for the decision to
    /// reuse (taken out by it).
    pub(crate) displays: Vec<String>,
    /// Directories the line may move to ([`line_directories`]), for the decision's path
    /// rules.
    pub(crate) directories: Vec<String>,
}

/// A short rendering of a command for reasons: its argv joined by spaces, cut after 60
/// characters with `…` (as [`crate::shell::word::shorten`] cuts).
pub(crate) fn display_argv(argv: &[Word]) -> String {
    const MAX: usize = 60;
    let len: usize = argv.iter().map(|w| w.text.len() + 1).sum();
    let mut out = String::with_capacity(len.min(MAX * 4 + 3));
    let mut chars = 0;
    for (i, word) in argv.iter().enumerate() {
        let separator = if i > 0 { " " } else { "" };
        for part in [separator, word.text.as_str()] {
            // ASCII that fits is copied whole; anything else character by character.
            if part.is_ascii() && chars + part.len() <= MAX {
                out.push_str(part);
                chars += part.len();
                continue;
            }
            for c in part.chars() {
                if chars == MAX {
                    out.push('…');
                    return out;
                }
                out.push(c);
                chars += 1;
            }
        }
    }
    out
}

/// Rates every sub-command of an analysis, then the line as a whole. Absolute paths are all
/// outside the workspace; [`assess_in`] knows where it is.
pub fn assess(analysis: &ShellAnalysis) -> RiskAssessment {
    assess_in(analysis, None)
}

/// [`assess`] for a workspace at `root` (absolute): an absolute path under it is a
/// workspace path (`grep -r x /home/me/project/src` reads the project, not a home
/// directory).
pub fn assess_in(analysis: &ShellAnalysis, root: Option<&std::path::Path>) -> RiskAssessment {
    let mut findings = Vec::new();
    let mut command_levels = Vec::with_capacity(analysis.commands.len());
    let mut side_levels = Vec::with_capacity(analysis.commands.len());
    let mut displays = Vec::with_capacity(analysis.commands.len());
    let mut line = LineFacts {
        directories: line_directories(&analysis.commands, &mut findings),
        expansion: line_expansion(&analysis.commands),
        root: root
            .and_then(std::path::Path::to_str)
            .filter(|r| r.starts_with('/'))
            .map(|r| r.trim_end_matches('/').to_owned()),
        glob_budget: std::cell::Cell::new(crate::glob_paths::LINE_BUDGET),
        ..LineFacts::default()
    };
    for (index, command) in analysis.commands.iter().enumerate() {
        let who = display_argv(&command.argv);
        let (mut own, side) = assess_command(command, &who, &mut line);
        displays.push(who);
        side_levels.push(side);
        for f in &mut own {
            f.command = Some(index);
        }
        let level = own.iter().map(|f| f.level).max().unwrap_or(RiskLevel::Low);
        command_levels.push(level);
        findings.extend(own);
    }
    // Combination rules: what two harmless-looking parts do together.
    if let (Some(download), Some(exec)) = (&line.download, &line.exec_sink) {
        findings.push(Finding {
            level: RiskLevel::Critical,
            reason: format!("downloads with `{download}` and runs code with `{exec}`"),
            command: None,
        });
    }
    if let (Some(secret), Some(network)) = (&line.secret, &line.network) {
        findings.push(Finding {
            level: RiskLevel::Critical,
            reason: format!(
                "reads a secret with `{secret}` and talks to the network with `{network}`"
            ),
            command: None,
        });
    }
    for problem in &analysis.problems {
        let level = match problem.kind {
            ProblemKind::Opaque => RiskLevel::High,
            _ => RiskLevel::High,
        };
        findings.push(Finding {
            level,
            reason: problem.message.clone(),
            command: None,
        });
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.level));
    let level = findings
        .iter()
        .map(|f| f.level)
        .max()
        .unwrap_or(RiskLevel::Low);
    RiskAssessment {
        level,
        command_levels,
        findings,
        side_levels,
        displays,
        directories: line.directories,
    }
}

/// Facts about the whole line that combination rules use.
#[derive(Default)]
struct LineFacts {
    download: Option<String>,
    exec_sink: Option<String>,
    secret: Option<String>,
    network: Option<String>,
    /// Directories commands of the line may run in besides the starting one
    /// ([`line_directories`]).
    directories: Vec<String>,
    /// How the line's globs expand ([`line_expansion`]).
    expansion: crate::glob_paths::Expansion,
    /// The workspace root, without a trailing `/`, when known.
    root: Option<String>,
    /// Concrete paths the line's globs may still be expanded to when classified
    /// (`crate::glob_paths::LINE_BUDGET`).
    glob_budget: std::cell::Cell<usize>,
}

/// How the line's globs expand: `dotglob` when a command of the line may turn it on
/// (`shopt -s dotglob`, or any `shopt` with a word only known at run time) or sets
/// `GLOBIGNORE`, which turns it on too (bash(1), Shell Variables). The order of commands
/// is not followed, which only over-approximates.
fn line_expansion(commands: &[SimpleCommand]) -> crate::glob_paths::Expansion {
    let dotglob = commands.iter().any(|command| {
        let shopt = command.name() == Some("shopt")
            && command
                .argv
                .iter()
                .any(|w| w.opaque || w.text.contains("dotglob"));
        shopt
            || command
                .assignments
                .iter()
                .any(|(name, _)| name == "GLOBIGNORE")
            || command.argv.iter().any(|w| w.text.contains("GLOBIGNORE"))
    });
    crate::glob_paths::Expansion { dotglob }
}

/// The classes of a word's path read from the line's starting directory or from any
/// directory the line moved to (`shadow` after `cd /etc` is `/etc/shadow`), as a glob when
/// bash expands it (`/etc/sh*`). A place under a directory that is itself a glob
/// (`cd /et?`) is a glob too.
fn word_classes(text: &str, glob: bool, line: &LineFacts) -> PathClasses {
    if !glob && line.directories.is_empty() && risk_table::names_no_path(text) {
        return PathClasses::default();
    }
    word_classes_fully(text, glob, line)
}

/// [`word_classes`] without the shortcut for plain words.
fn word_classes_fully(text: &str, glob: bool, line: &LineFacts) -> PathClasses {
    let mut classes = PathClasses::default();
    for (i, place) in risk_table::places(text, &line.directories).enumerate() {
        let glob = glob || (i > 0 && crate::glob_paths::has_glob_chars(&place));
        classes = classes.union(risk_table::classify_path_glob(
            &place,
            glob,
            line.expansion,
            &line.glob_budget,
        ));
    }
    classes
}

/// A directory word's text when path classes can read it: a literal, or one that only the
/// home directory makes opaque (`~`, `~/x`, `$HOME/x`), which [`risk_table::classify_path`]
/// knows.
fn placeable(word: &Word) -> Option<&str> {
    let text = word.text.as_str();
    let rest = ["~", "${HOME}", "$HOME"]
        .iter()
        .find_map(|home| text.strip_prefix(home));
    match rest {
        _ if !word.opaque => Some(text),
        Some(rest) if (rest.is_empty() || rest.starts_with('/')) && !rest.contains(['$', '`']) => {
            Some(text)
        }
        _ => None,
    }
}

/// Most directories [`line_directories`] follows.
const MAX_DIRECTORIES: usize = 16;

/// The directories the commands of a line may run in besides the one it starts in: the
/// targets of `cd` and `pushd` (`cd` alone is `~`) and the directories wrappers start
/// commands in (`env -C DIR`). A relative target is taken both from the starting directory
/// and from each directory found before it (`cd /; cd etc` reaches `/etc`).
///
/// The order of commands is not followed: every path of the line is read against every
/// directory found (`cat shadow; cd /etc` in a loop reads `/etc/shadow` the second time).
/// That over-approximates, which only raises risk. `cd -` (to `$OLDPWD`, only known at run
/// time) and more than [`MAX_DIRECTORIES`] directories add a finding to `findings`.
fn line_directories(commands: &[SimpleCommand], findings: &mut Vec<Finding>) -> Vec<String> {
    let mut directories: Vec<String> = Vec::new();
    let mut overflow = false;
    // Bounded as it goes: each relative target joins every directory before it, so 1,000
    // `cd a;` would otherwise build half a million ever longer paths.
    let mut add = |target: &str, directories: &mut Vec<String>| {
        let mut found = vec![target.to_owned()];
        found.extend(
            directories
                .iter()
                .filter_map(|dir| risk_table::join_directory(dir, target)),
        );
        for dir in found {
            if directories.contains(&dir) {
                continue;
            }
            if directories.len() == MAX_DIRECTORIES {
                overflow = true;
                return;
            }
            directories.push(dir);
        }
    };
    for command in commands {
        for dir in command.directories.iter().filter_map(placeable) {
            add(dir, &mut directories);
        }
        if let Some(name) = command.name()
            && let Some((options, leading)) = risk_table::directory_options(name)
        {
            let global = risk_table::lookup(name).map_or(&[][..], |spec| spec.global_valued);
            let mut words = command.argv.iter().skip(1);
            while let Some(word) = words.next() {
                let text = word.text.as_str();
                if leading && !text.starts_with('-') {
                    break;
                }
                // `--directory=DIR`, also abbreviated (`tar --dir=DIR`; found by probing,
                // session 9).
                let long = |key: &str| {
                    !key.is_empty()
                        && options
                            .iter()
                            .any(|o| o.strip_prefix("--").is_some_and(|o| o.starts_with(key)))
                };
                let attached = text
                    .strip_prefix("--")
                    .and_then(|t| t.split_once('='))
                    .filter(|(key, _)| long(key))
                    .map(|(_, value)| value);
                let value = match attached {
                    Some(value) => Some(word.with_text(value)),
                    None if options.contains(&text)
                        || text.strip_prefix("--").is_some_and(long) =>
                    {
                        words.next().cloned()
                    }
                    None => {
                        if global.contains(&text) {
                            words.next();
                        }
                        None
                    }
                };
                // An opaque directory makes the command ask already (its argument is only
                // known at run time).
                if let Some(dir) = value.as_ref().and_then(placeable) {
                    add(dir, &mut directories);
                }
            }
        }
        let Some(name @ ("cd" | "pushd")) = command.name() else {
            continue;
        };
        let mut operands = command.argv.iter().skip(1);
        let target = operands
            .by_ref()
            .find(|w| !w.text.starts_with('-') || w.text == "-" || w.text == "--");
        let target = match target {
            Some(w) if w.text == "--" => operands.next(),
            other => other,
        };
        match target {
            // Other opaque targets make the `cd` itself ask.
            Some(w) if w.opaque => {
                if let Some(dir) = placeable(w) {
                    add(dir, &mut directories);
                }
            }
            Some(w) if w.text == "-" => findings.push(finding(
                RiskLevel::Medium,
                &display_argv(&command.argv),
                "returns to `$OLDPWD`, a directory only known at run time; paths after it \
                 can't be placed",
            )),
            // `pushd +1`: a directory already on the stack.
            Some(w) if name == "pushd" && w.text.starts_with('+') => {}
            Some(w) => add(&w.text, &mut directories),
            None if name == "cd" => add("~", &mut directories),
            None => {}
        }
    }
    if overflow {
        findings.push(Finding {
            level: RiskLevel::Medium,
            reason: format!(
                "the line changes to more than {MAX_DIRECTORIES} directories; paths are read \
                 against the first {MAX_DIRECTORIES} only"
            ),
            command: None,
        });
    }
    directories
}

fn finding(level: RiskLevel, who: &str, why: &str) -> Finding {
    // Built by hand: `format!` costs several times more, and there is a finding per rule hit.
    let mut reason = String::with_capacity(who.len() + why.len() + 4);
    reason.push('`');
    reason.push_str(who);
    reason.push_str("`: ");
    reason.push_str(why);
    Finding {
        level,
        reason,
        command: None,
    }
}

/// Rates one sub-command; also returns the level of its redirections and assignments alone.
fn assess_command(
    command: &SimpleCommand,
    who: &str,
    line: &mut LineFacts,
) -> (Vec<Finding>, RiskLevel) {
    let mut out = Vec::with_capacity(4);
    for (name, value) in &command.assignments {
        out.extend(rate_variable(|| format!("{name}=…"), name, Some(value)));
    }
    for redirect in &command.redirects {
        out.extend(rate_path_access(
            who,
            &redirect.target,
            redirect.access != RedirectAccess::Read,
            line,
        ));
    }
    if let Some(dir) = command.directories.iter().find(|d| d.opaque) {
        out.push(finding(
            RiskLevel::Medium,
            who,
            &format!(
                "starts in the directory `{}`, only known at run time",
                dir.text
            ),
        ));
    }
    let side = out.iter().map(|f| f.level).max().unwrap_or(RiskLevel::Low);
    if command.argv.is_empty() {
        if out.is_empty() {
            out.push(finding(
                RiskLevel::Low,
                "assignment",
                "sets shell variables",
            ));
        }
        return (out, side);
    }
    out.extend(assess_argv(command, who, line));
    (out, side)
}

/// Rates what a sub-command's argv does.
fn assess_argv(command: &SimpleCommand, who: &str, line: &mut LineFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(name) = command.name() else {
        out.push(finding(
            RiskLevel::High,
            who,
            "the command name is only known at run time",
        ));
        return out;
    };
    if command.elevated {
        out.push(finding(RiskLevel::High, who, "runs with raised privileges"));
    }
    if let Some(host) = &command.remote {
        out.push(finding(
            RiskLevel::Medium,
            who,
            &format!("runs on the remote host `{host}`"),
        ));
    }
    let args: Vec<&Word> = command.argv.iter().skip(1).collect();
    let spec = risk_table::lookup(name);
    // `./ls`, `bin/cat`, `node_modules/.bin/jq`: a program file that only has the name of a
    // command the table knows; what it does is not known (found by probing, session 7).
    if spec.is_some()
        && let Some(program) = command.argv.first()
        && program.text.contains('/')
        && !is_system_program(&program.text)
    {
        out.push(finding(
            RiskLevel::Medium,
            who,
            &format!(
                "runs the program file `{}`, which need not be the `{name}` this analysis knows",
                program.text
            ),
        ));
        if line.exec_sink.is_none() {
            line.exec_sink = Some(who.to_owned());
        }
    }
    if name == "git" {
        out.extend(git_global_options(who, &args));
        // `cd evil.git && git status`.
        if let Some(dir) = line.directories.iter().find(|d| is_bare_repository_name(d)) {
            out.push(finding(
                RiskLevel::Medium,
                who,
                &format!(
                    "runs git after the line moves to `{dir}`, which may be a bare repository whose configuration runs programs"
                ),
            ));
        }
    }
    let mut talks = false;
    // Path classes of the arguments, computed once for every `Operand` condition.
    let classes = std::cell::OnceCell::new();
    match spec {
        Some(spec) => {
            // `python3 --version`, `cargo --help`: only prints (false alarms found by probing,
            // session 7). Rules still apply.
            let prints_only = matches!(args.as_slice(), [only] if matches!(only.text.as_str(), "--version" | "--help"));
            if prints_only {
                out.push(finding(RiskLevel::Low, who, "prints its version or usage"));
            } else {
                out.push(finding(spec.base, who, spec.what));
            }
            for rule in spec.rules {
                if rule
                    .when
                    .iter()
                    .all(|c| holds(c, &args, spec.global_valued, &classes, line))
                {
                    out.push(finding(rule.level, who, rule.why));
                }
            }
            // A low-risk command stays low only with options known to keep it read-only
            // (`src/read_only_flags.rs`, one entry per command), else those of its entry.
            if spec.base == RiskLevel::Low {
                let unknown = match crate::read_only_flags::read_only(name) {
                    Some(read_only) => {
                        let texts: Vec<&str> = args.iter().map(|a| a.text.as_str()).collect();
                        crate::read_only_flags::unknown_option(read_only, &texts).map(|what| {
                            match what.strip_prefix("operand ") {
                                Some(operand) => format!("the operand `{operand}`"),
                                None => format!("`{what}`"),
                            }
                        })
                    }
                    None => spec.known_flags.and_then(|known| {
                        args.iter()
                            .find_map(|a| unknown_flag(a, known))
                            .map(|flag| format!("flag `{flag}`"))
                    }),
                };
                if let Some(what) = unknown {
                    out.push(finding(
                        RiskLevel::Medium,
                        who,
                        &format!("{what} is not known to keep `{name}` read-only"),
                    ));
                }
            }
            if let Some(runner) = command
                .wrappers
                .iter()
                .find(|w| crate::shell::is_package_runner(w))
            {
                out.push(finding(
                    RiskLevel::Medium,
                    who,
                    &format!("`{runner}` may download the package `{name}` before running it"),
                ));
            } else if let Some(runner) = command
                .wrappers
                .iter()
                .find(|w| crate::shell::is_project_runner(w))
            {
                out.push(finding(
                    RiskLevel::Medium,
                    who,
                    &format!(
                        "`{runner}` may run the project's own `{name}`, scripts or hooks, not the program this analysis knows"
                    ),
                ));
            }
            if let Some(glob) = option_glob(name, &args) {
                out.push(finding(
                    RiskLevel::Medium,
                    who,
                    &format!(
                        "the glob `{}` may expand to a file name `{name}` reads as an option that runs or writes (a file named `-e…` or `--output=…`); put `--` or `./` before it",
                        glob.text
                    ),
                ));
            }
            let downloads = spec.role.iter().any(|role| match role {
                risk_table::Role::Downloads => true,
                risk_table::Role::DownloadsWhen(cond) => {
                    holds(cond, &args, spec.global_valued, &classes, line)
                }
                _ => false,
            });
            if downloads && line.download.is_none() {
                line.download = Some(who.to_owned());
            }
            talks = spec.role.iter().any(|role| match role {
                risk_table::Role::Network => true,
                risk_table::Role::NetworkWhen(cond) => {
                    holds(cond, &args, spec.global_valued, &classes, line)
                }
                _ => false,
            });
            let reads_secret = spec.role.iter().any(|role| match role {
                risk_table::Role::SecretWhen(cond) => {
                    holds(cond, &args, spec.global_valued, &classes, line)
                }
                _ => false,
            });
            if reads_secret && line.secret.is_none() {
                line.secret = Some(who.to_owned());
            }
            // A CLI that fetches credentials (`kubectl get secrets`, `gh auth token`) is
            // where the secret comes from, not where it goes: sending it takes another
            // command of the line.
            if reads_secret {
                talks = false;
            }
            // Patterns the program matches against file names itself: `git grep x --
            // '*env'`, `grep -r --include='*env' x .`, `rg -g '.e*' x` read `.env` (found by
            // probing, session 9). Their `*` matches a leading dot.
            for pattern in program_patterns(name, &args) {
                let classes = risk_table::classify_path_glob(
                    &pattern.to_ascii_lowercase(),
                    true,
                    crate::glob_paths::Expansion { dotglob: true },
                    &line.glob_budget,
                );
                if classes.contains(&PathClass::Secret) {
                    out.push(finding(
                        RiskLevel::High,
                        who,
                        &format!(
                            "reads the files the pattern `{pattern}` matches, secrets among them"
                        ),
                    ));
                    if line.secret.is_none() {
                        line.secret = Some(who.to_owned());
                    }
                }
            }
            for role in spec.role {
                if let risk_table::Role::ReadsTreesWhen { when, skip, cwd } = role
                    && holds(when, &args, spec.global_valued, &classes, line)
                {
                    out.extend(rate_tree_reads(who, &args, *skip, *cwd, line));
                }
            }
            if talks && line.network.is_none() {
                line.network = Some(who.to_owned());
            }
            let runs_code = spec.role.iter().any(|role| match role {
                risk_table::Role::RunsCode => true,
                risk_table::Role::RunsCodeWhen(cond) => {
                    holds(cond, &args, spec.global_valued, &classes, line)
                }
                _ => false,
            });
            if runs_code && runs_input(command) && line.exec_sink.is_none() {
                line.exec_sink = Some(who.to_owned());
            }
        }
        None => {
            out.push(finding(RiskLevel::Medium, who, "unknown command"));
            // `./x`, `/tmp/x`: a program file from the workspace or the line itself (`curl -o
            // /tmp/x …; /tmp/x` runs what it downloaded).
            if command.argv.first().is_some_and(|w| w.text.contains('/'))
                && line.exec_sink.is_none()
            {
                line.exec_sink = Some(who.to_owned());
            }
        }
    }
    // `export LD_PRELOAD=…`, `declare -x BASH_ENV=…`: the variable applies to every command
    // the shell runs later, as an assignment prefix does to one.
    if matches!(
        name,
        "export" | "declare" | "typeset" | "local" | "readonly"
    ) {
        for arg in &args {
            // `export NAME` exports the value a plain assignment gave it earlier.
            if name == "export"
                && !arg.text.starts_with('-')
                && !arg.text.contains('=')
                && let Some(f) = rate_variable(|| format!("export {}", arg.text), &arg.text, None)
            {
                out.push(f);
            }
            if let Some((var, value)) = arg.text.split_once('=') {
                let value = (!arg.opaque).then(|| Word::literal(value));
                out.extend(rate_variable(
                    || format!("{name} {var}=…"),
                    var,
                    value.as_ref(),
                ));
            }
        }
    }
    // The environment holds credentials (API keys, tokens): printing a secret-looking
    // variable reads a secret, and dumping the whole environment counts as one for the
    // combination with the network (`env | curl -d @- …`).
    if matches!(
        name,
        "printenv" | "env" | "export" | "declare" | "typeset" | "set"
    ) {
        // `printenv NAME`, and `declare -p NAME` (also `typeset`, `export`), which prints
        // the value too.
        let prints = name == "printenv"
            || name != "set" && args.iter().any(|a| has_flag_exactly(&a.text, &["-p"]));
        let named = args
            .iter()
            .find(|a| prints && !a.text.starts_with('-') && risk_table::secret_variable(&a.text));
        // Only options: `env`, `env -u X`, `printenv -0`, `export -p`, `declare -px`.
        let dumps = match name {
            // `env` left as a command of its own ran no command: it prints the environment
            // (`env -u X`, `env A=1`).
            "env" => true,
            "printenv" | "declare" | "typeset" => args.iter().all(|a| a.text.starts_with('-')),
            "export" => args.iter().all(|a| a.text == "-p"),
            _ => args.is_empty(),
        };
        if let Some(var) = named {
            out.push(finding(
                RiskLevel::High,
                who,
                &format!("reads the secret variable `{}`", var.text),
            ));
        }
        if (named.is_some() || dumps) && line.secret.is_none() {
            line.secret = Some(who.to_owned());
        }
    }
    // Builtins that assign a variable named by an argument: `printf -v PS4 …`,
    // `read 'BASH_CMDS[ls]'`, `mapfile`, `getopts`, `wait -p`, and name references
    // (`declare -n r=PS4; r=…`) assign it as `NAME=value` does.
    for var in assigned_variables(name, &args) {
        if let Some(why) = risk_table::dangerous_variable(var) {
            out.push(finding(RiskLevel::High, &format!("{name} {var}"), why));
        } else if let Some(why) = risk_table::configuring_variable(var) {
            // `printf -v RIPGREP_CONFIG_PATH %s rc; set -a; rg x` (found by probing,
            // session 9), as `NAME=value` is rated.
            out.push(finding(RiskLevel::Medium, &format!("{name} {var}"), why));
        }
    }
    if matches!(name, "declare" | "typeset" | "local")
        && args.iter().any(|a| has_flag(&a.text, &["-n"]))
        && args
            .iter()
            .any(|a| !a.text.starts_with('-') && !a.text.contains('='))
    {
        out.push(finding(
            RiskLevel::Medium,
            who,
            "declares a name reference whose target the next assignment sets",
        ));
    }
    // Programs that print the environment of processes or expose it to a query.
    if environment_dump(name, &args) {
        out.push(finding(
            RiskLevel::Medium,
            who,
            "prints environment variables, which may hold secrets",
        ));
        if line.secret.is_none() {
            line.secret = Some(who.to_owned());
        }
    }
    // jq's `import`/`include`, and yq's `load`, `load_str`, … (mikefarah yq) read files the
    // program names, which the line may not show (`load_str("/etc/sh" + "adow")`).
    if matches!(name, "jq" | "gojq" | "jaq" | "yq")
        && args.iter().any(|a| {
            [
                "import",
                "include",
                "load",
                "load_str",
                "load_xml",
                "load_props",
                "load_base64",
                "input_filename",
            ]
            .iter()
            .any(|word| mentions_word(&a.text, word))
        })
    {
        out.push(finding(
            RiskLevel::Medium,
            who,
            "loads a module or data file the program names (`import`, `include`, `load`)",
        ));
    }
    if matches!(name, "sed" | "gsed") {
        rate_sed(who, &args, line, &mut out);
    }
    if name == "umask"
        && let Some(mask) = args.iter().find(|a| !a.text.starts_with('-'))
        && !keeps_others_from_writing(&mask.text)
    {
        out.push(finding(
            RiskLevel::Medium,
            who,
            "lets files created later be writable by group or others",
        ));
    }
    // `echo $GITHUB_TOKEN | curl -d @- …`: a secret-looking variable's value is a secret. Used
    // by a network command itself (`curl -H "Authorization: Bearer $API_KEY" …`, the usual
    // way to call an API) it is only high, not exfiltration.
    if let Some(var) = args
        .iter()
        .filter(|a| a.opaque)
        .find_map(|a| secret_variable_in(&a.text))
    {
        out.push(finding(
            RiskLevel::High,
            who,
            &format!("expands the secret variable `${var}`"),
        ));
        if !talks && line.secret.is_none() {
            line.secret = Some(who.to_owned());
        }
    }
    // `unset PATH` makes bash look programs up in the working directory; unsetting the
    // other dangerous variables changes what runs as much as setting them.
    if name == "unset" {
        for arg in args.iter().filter(|a| !a.text.starts_with('-')) {
            if let Some(why) = risk_table::dangerous_variable(&arg.text) {
                out.push(finding(
                    RiskLevel::High,
                    &format!("unset {}", arg.text),
                    why,
                ));
            }
        }
    }
    // `${PS4=…}`, `${NAME:=…}` assign NAME as `NAME=…` does (found by probing, session 7).
    for arg in args.iter().filter(|a| a.opaque) {
        for var in crate::shell::assigned_by_expansion(&arg.text) {
            out.extend(rate_variable(|| format!("${{{var}=…}}"), var, None));
        }
    }
    // `:(){ :|:& };:` — a function that pipes itself into itself.
    if command.function.as_deref() == Some(name)
        && (command.stdout_piped || matches!(command.stdin, Stdin::Pipe))
    {
        out.push(finding(
            RiskLevel::Critical,
            who,
            "fork bomb: a function that pipes into itself",
        ));
    }
    for arg in &args {
        out.extend(rate_path_access(who, arg, false, line));
    }
    if let Some(f) = writes_of(name, &args)
        .into_iter()
        .flat_map(|w| rate_path_access(who, &w, true, line))
        .max_by_key(|f| f.level)
    {
        out.push(f);
    }
    if command.extra_args {
        out.push(finding(
            RiskLevel::Medium,
            who,
            "gets arguments only known at run time",
        ));
    }
    if name == "rm"
        && args
            .iter()
            .any(|a| has_flag(&a.text, &["-r", "-R", "--recursive"]))
        && (command.extra_args || args.iter().any(|a| a.opaque || a.glob))
    {
        out.push(finding(
            RiskLevel::High,
            who,
            "recursive delete of targets only known at run time",
        ));
    }
    let opaque = command.argv.iter().skip(1).find(|w| w.opaque);
    if let Some(word) = opaque {
        out.push(finding(
            RiskLevel::Medium,
            who,
            &format!("argument `{}` is only known at run time", word.text),
        ));
    }
    out
}

/// The finding for setting the variable `name` to `value` (`None` when only known at run
/// time), by `who`: high for a variable known to make programs run code, unless the value
/// is an ordinary pager (`PAGER=cat`); medium for one whose name says it configures
/// programs. A plain `NAME=value` counts as much as an exported one: it changes the
/// environment of later commands when the shell already had `NAME` exported
/// (`XDG_CONFIG_HOME=/x; git status`; found by probing, session 7), and under `set -a`.
fn rate_variable(
    who: impl FnOnce() -> String,
    name: &str,
    value: Option<&Word>,
) -> Option<Finding> {
    if let Some(why) = risk_table::dangerous_variable(name) {
        if value.is_some_and(|v| !v.opaque && risk_table::harmless_program_value(name, &v.text)) {
            return None;
        }
        return Some(finding(RiskLevel::High, &who(), why));
    }
    if let Some(why) = risk_table::configuring_variable(name) {
        return Some(finding(RiskLevel::Medium, &who(), why));
    }
    None
}

/// Whether `path` names a program in a directory of system programs (`/usr/bin/env`,
/// `/bin/rm`), as written.
fn is_system_program(path: &str) -> bool {
    const DIRECTORIES: &[&str] = &[
        "/bin",
        "/sbin",
        "/usr/bin",
        "/usr/sbin",
        "/usr/local/bin",
        "/usr/local/sbin",
        "/opt/homebrew/bin",
        "/run/current-system/sw/bin",
    ];
    path.rsplit_once('/')
        .is_some_and(|(dir, _)| DIRECTORIES.contains(&dir))
}

/// Findings for git's options before the subcommand: one that points git at another
/// repository or work tree (`--git-dir`, `--work-tree`, `--bare`: its configuration may run
/// programs, as `GIT_DIR=` may), and one git does not list, which may take a value and so
/// move the subcommand (`--attr-source` did).
fn git_global_options(who: &str, args: &[&Word]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let text = word.text.as_str();
        if !text.starts_with('-') || text == "--" {
            break;
        }
        let key = text.split_once('=').map_or(text, |(key, _)| key);
        if matches!(key, "--git-dir" | "--work-tree" | "--bare") {
            out.push(finding(
                RiskLevel::High,
                who,
                &format!(
                    "`{key}` points git at another repository, whose configuration may run programs"
                ),
            ));
        }
        if risk_table::GIT_GLOBAL_VALUED.contains(&key) {
            let value = match text.split_once('=') {
                Some((_, value)) => Some(value),
                None => words.next().map(|w| w.text.as_str()),
            };
            // `git -C evil.git status`: a directory named like a bare repository, which the
            // project may ship as plain files with a `core.fsmonitor` of its own (found by
            // probing, session 9; git's `safe.bareRepository` defaults to `all`).
            if key == "-C"
                && let Some(dir) = value
                && is_bare_repository_name(dir)
            {
                out.push(finding(
                    RiskLevel::Medium,
                    who,
                    &format!(
                        "runs git in `{dir}`, which may be a bare repository whose configuration runs programs"
                    ),
                ));
            }
        } else if !risk_table::GIT_GLOBAL_FLAGS.contains(&key) {
            out.push(finding(
                RiskLevel::Medium,
                who,
                &format!("git option `{key}` before the subcommand is not known"),
            ));
        }
    }
    out
}

/// Whether a directory's name is that of a bare repository (`x.git`), not a work tree's
/// own `.git`.
fn is_bare_repository_name(dir: &str) -> bool {
    let name = crate::shell::basename(dir.trim_end_matches('/'));
    name.len() > 4 && name.ends_with(".git")
}

/// The variables a builtin assigns by name (`printf -v NAME`, `read NAME…`, `read -a NAME`,
/// `mapfile NAME`, `getopts OPTSTRING NAME`, `wait -p NAME`), and the targets of name
/// references (`declare -n REF=NAME`), as written (subscripts kept).
fn assigned_variables<'a>(name: &str, args: &[&'a Word]) -> Vec<&'a str> {
    // Options taking a value, and the option whose value is a variable name.
    let (valued, naming): (&str, Option<char>) = match name {
        "printf" => ("v", Some('v')),
        "read" => ("adinNptu", Some('a')),
        "mapfile" | "readarray" => ("dnOsuCc", None),
        "wait" => ("p", Some('p')),
        "getopts" => ("", None),
        // `let NAME=EXPR`: each argument is arithmetic, which assigns (found by probing,
        // session 9).
        "let" => {
            return args
                .iter()
                .flat_map(|a| crate::shell::walk_arithmetic_assignments(&a.text))
                .collect();
        }
        "declare" | "typeset" | "local" => {
            if !args.iter().any(|a| has_flag(&a.text, &["-n"])) {
                return Vec::new();
            }
            return args
                .iter()
                .filter_map(|a| a.text.split_once('=').map(|(_, target)| target))
                .collect();
        }
        _ => return Vec::new(),
    };
    let mut names = Vec::new();
    let mut operands = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let text = arg.text.as_str();
        i += 1;
        if text == "--" {
            operands.extend(args.get(i..).unwrap_or(&[]).iter().map(|a| a.text.as_str()));
            break;
        }
        let Some(flags) = text.strip_prefix('-').filter(|f| !f.is_empty()) else {
            operands.push(text);
            continue;
        };
        for (at, c) in flags.char_indices() {
            if !valued.contains(c) {
                continue;
            }
            let rest = flags.get(at + c.len_utf8()..).unwrap_or("");
            let value = if rest.is_empty() {
                i += 1;
                args.get(i - 1).map(|a| a.text.as_str())
            } else {
                Some(rest)
            };
            if Some(c) == naming {
                names.extend(value);
            }
            break;
        }
    }
    match name {
        // `printf -v NAME FORMAT…`: the operands are the format and its arguments.
        "printf" | "wait" => {}
        "getopts" => names.extend(operands.get(1).copied()),
        _ => names.extend(operands),
    }
    names
}

/// A glob argument of a program in [`risk_table::OPTION_GLOB_HAZARDS`] that may expand to a
/// name starting with `-` (`*.txt` may be `-ee sh x.sh #.txt`), before any `--`: the program
/// reads that name as an option (wildcard injection; found by probing, session 8).
fn option_glob<'a>(name: &str, args: &[&'a Word]) -> Option<&'a Word> {
    if !risk_table::OPTION_GLOB_HAZARDS.contains(&name) {
        return None;
    }
    args.iter()
        .take_while(|a| a.text != "--")
        .find(|a| a.glob && a.text.starts_with(['*', '?', '[']))
        .copied()
}

/// Whether a command prints the environment of processes, or a query reads it: `ps e` (BSD
/// option `e`), `jq env` / `jq '$ENV'`, `yq 'env(NAME)'` / `strenv` / `envsubst`.
fn environment_dump(name: &str, args: &[&Word]) -> bool {
    match name {
        "ps" => {
            // Options whose value is the next word (`-o pid,etime`, BSD `o pid,etime`).
            let mut value_next = false;
            args.iter().any(|a| {
                let text = a.text.as_str();
                if std::mem::take(&mut value_next) {
                    return false;
                }
                if let Some(long) = text.strip_prefix("--") {
                    value_next = !long.contains('=')
                        && matches!(
                            long,
                            "format"
                                | "sort"
                                | "pid"
                                | "ppid"
                                | "sid"
                                | "tty"
                                | "user"
                                | "User"
                                | "group"
                                | "Group"
                                | "cols"
                                | "columns"
                                | "rows"
                                | "lines"
                                | "width"
                                | "quick-pid"
                        );
                    return false;
                }
                if let Some(short) = text.strip_prefix('-') {
                    value_next = short.ends_with(|c| "CGgOopqstUu".contains(c));
                    return false;
                }
                if !text.bytes().all(|b| b.is_ascii_alphabetic()) {
                    return false;
                }
                value_next = text.ends_with(['o', 'O', 'p', 't', 'U', 'k']);
                text.contains('e')
            })
        }
        // jq reads `$ ENV` and `$#…⏎ENV` as `$ENV`: any `ENV` identifier counts.
        "jq" | "gojq" | "jaq" => args.iter().any(|a| {
            a.text.contains("$ENV")
                || mentions_word(&a.text, "ENV")
                || mentions_word(&a.text, "env")
        }),
        "yq" => args.iter().any(|a| {
            mentions_word(&a.text, "env")
                || mentions_word(&a.text, "strenv")
                || mentions_word(&a.text, "envsubst")
                || a.text.contains("$ENV")
                || mentions_word(&a.text, "ENV")
        }),
        // gawk's `SYMTAB["ENV" "IRON"]` names `ENVIRON` at run time.
        "awk" | "gawk" | "mawk" | "nawk" => args
            .iter()
            .any(|a| a.text.contains("ENVIRON") || a.text.contains("SYMTAB")),
        _ => false,
    }
}

/// Whether `word` appears in `text` as an identifier of a query language: not after a
/// letter, digit, `_`, `.` or `$`, and not before a letter, digit or `_` (`env`, `env.HOME`,
/// `env(X)`; not `.env`, `$env`, `environment`).
fn mentions_word(text: &str, word: &str) -> bool {
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    text.match_indices(word).any(|(at, _)| {
        let before = at.checked_sub(1).and_then(|i| text.as_bytes().get(i));
        let after = text.as_bytes().get(at + word.len());
        !before.is_some_and(|&b| ident(b) || b == b'.' || b == b'$')
            && !after.is_some_and(|&b| ident(b))
    })
}

/// Findings for what a sed script does: files its `w` commands write and `r` commands read,
/// and input it runs as commands. (Its `e COMMAND`s are analysed as scripts by the shell
/// analysis.) A script in a file, or one `crate::sed` can't read, is high.
fn rate_sed(who: &str, args: &[&Word], line: &mut LineFacts, out: &mut Vec<Finding>) {
    let texts: Vec<&str> = args.iter().map(|a| a.text.as_str()).collect();
    let sed_line = crate::sed::script_of(&texts);
    // `sed -i` rewrites each input file: a write, whatever the script says. Rated as written
    // even when a word is only known at run time (`sed -i … ~/.bashrc`).
    if let Some(sed_line) = &sed_line
        && sed_line.in_place
        && let Some(f) = sed_line
            .files
            .iter()
            .filter_map(|i| args.get(*i))
            .flat_map(|file| rate_path_access(who, file, true, line))
            .max_by_key(|f| f.level)
    {
        out.push(f);
    }
    if args.iter().any(|a| a.opaque) {
        // An opaque argument already makes the command ask.
        return;
    }
    let Some(script) = sed_line.and_then(|sed_line| crate::sed::parse(&sed_line.script?)) else {
        out.push(finding(
            RiskLevel::High,
            who,
            "has a sed script this analysis can't read (from a file, or unusual), which may write files or run commands",
        ));
        return;
    };
    for effect in script.effects {
        match effect {
            crate::sed::Effect::Write(file) => {
                out.extend(rate_path_access(who, &Word::literal(file), true, line));
            }
            crate::sed::Effect::Read(file) => {
                out.extend(rate_path_access(who, &Word::literal(file), false, line));
            }
            crate::sed::Effect::Run(_) => out.push(finding(
                RiskLevel::Medium,
                who,
                "runs commands from its script (`e`)",
            )),
            crate::sed::Effect::RunRewritten(command) => out.push(finding(
                RiskLevel::High,
                who,
                &format!(
                    "runs `{}`, which sed rewrites before running (escapes, joined lines)",
                    crate::shell::word::shorten(&command)
                ),
            )),
            crate::sed::Effect::RunInput => {
                out.push(finding(
                    RiskLevel::High,
                    who,
                    "runs text from its input as commands (`e`, `s///e`)",
                ));
                // `curl … | sed e` runs what it downloaded.
                if line.exec_sink.is_none() {
                    line.exec_sink = Some(who.to_owned());
                }
            }
        }
    }
}

/// The file-name patterns a command matches itself: grep's `--include`, rg's `-g`/`--glob`,
/// and git's pathspecs that are patterns (with `*`, `?`, `[`, or `:(icase)`/`:(glob)`/`:/`
/// magic; not `:(literal)` or an exclusion) for the subcommands that print file contents.
fn program_patterns(name: &str, args: &[&Word]) -> Vec<String> {
    let mut out = Vec::new();
    match name {
        "grep" | "egrep" | "fgrep" | "rg" | "ag" | "ack" | "ugrep" => {
            let long = ["--include", "--glob", "--iglob"];
            let mut words = args.iter();
            while let Some(word) = words.next() {
                let text = word.text.as_str();
                if let Some((key, value)) = text.split_once('=')
                    && long.contains(&key)
                {
                    out.push(value.to_owned());
                } else if long.contains(&text) || (text == "-g" && name != "grep") {
                    out.extend(words.next().map(|w| w.text.clone()));
                } else if name == "rg"
                    && let Some(value) = text.strip_prefix("-g").filter(|v| !v.is_empty())
                {
                    out.push(value.to_owned());
                } else if name == "rg" && text.starts_with("--type-add") {
                    // `--type-add 'x:*env'` defines a file type by globs (found by probing,
                    // session 9).
                    let value = match text.split_once('=') {
                        Some((_, value)) => Some(value.to_owned()),
                        None => words.next().map(|w| w.text.clone()),
                    };
                    if let Some((_, globs)) = value.as_deref().and_then(|v| v.split_once(':')) {
                        out.extend(globs.split(',').map(str::to_owned));
                    }
                }
            }
        }
        "git" => {
            let sub = first_operand(args, risk_table::GIT_GLOBAL_VALUED);
            if !matches!(
                sub,
                Some("grep" | "diff" | "log" | "show" | "blame" | "whatchanged")
            ) {
                return out;
            }
            let mut after_dashes = false;
            for word in args {
                let text = word.text.as_str();
                if text == "--" {
                    after_dashes = true;
                    continue;
                }
                let magic = text.starts_with(':');
                if !(after_dashes || magic || crate::glob_paths::has_glob_chars(text))
                    || (!after_dashes && text.starts_with('-'))
                {
                    continue;
                }
                let (magic_words, rest) = match text.strip_prefix(":(") {
                    Some(inner) => inner.split_once(')').unwrap_or(("", inner)),
                    None => match text.strip_prefix(':') {
                        Some(short) => {
                            let end = short
                                .find(|c: char| !matches!(c, '/' | '!' | '^'))
                                .unwrap_or(short.len());
                            (
                                short.get(..end).unwrap_or(""),
                                short.get(end..).unwrap_or(""),
                            )
                        }
                        None => ("", text),
                    },
                };
                if magic_words.contains(['!', '^']) || magic_words.contains("exclude") {
                    continue;
                }
                if magic_words.contains("literal") {
                    continue;
                }
                if crate::glob_paths::has_glob_chars(rest) || magic_words.contains("icase") {
                    out.push(rest.to_owned());
                }
            }
        }
        _ => {}
    }
    out
}

/// The first variable a word expands (`$NAME`, `${NAME…}`) whose name says it holds a
/// credential.
fn secret_variable_in(text: &str) -> Option<&str> {
    text.match_indices('$').find_map(|(at, _)| {
        let rest = text.get(at + 1..)?;
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        let len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        let name = rest.get(..len)?;
        (!name.is_empty() && risk_table::secret_variable(name)).then_some(name)
    })
}

/// Whether a `umask` argument keeps write permission from group and others (`022`, `077`,
/// `0027`); symbolic masks and anything else count as not.
fn keeps_others_from_writing(mask: &str) -> bool {
    !mask.is_empty()
        && mask.len() <= 4
        && mask.bytes().all(|b| (b'0'..=b'7').contains(&b))
        && u32::from_str_radix(mask, 8).is_ok_and(|m| m & 0o022 == 0o022)
}

/// Whether a code-running command takes its code from outside the line: standard input, a
/// process substitution, an opaque argument, or a script file.
fn runs_input(command: &SimpleCommand) -> bool {
    !matches!(command.stdin, Stdin::Inherited)
        || command
            .argv
            .iter()
            .skip(1)
            .any(|w| w.opaque || !w.text.starts_with('-'))
}

/// The words of `args` a writer command writes to (`tee FILE`, `cp … DEST`, `dd of=FILE`,
/// `sort -o FILE`, `cp -t DIR FILE`), as the table `risk_table::writer` describes them.
fn writes_of<'a>(name: &str, args: &[&'a Word]) -> Vec<std::borrow::Cow<'a, Word>> {
    use risk_table::Writes;
    use std::borrow::Cow;
    let operands: Vec<&Word> = args
        .iter()
        .copied()
        .filter(|a| !a.text.starts_with('-'))
        .collect();
    let mut out: Vec<Cow<'a, Word>> = Vec::new();
    // `DIR/NAME` for the file name of each of `sources`.
    let into = |dir: &Word, sources: &[&Word], out: &mut Vec<Cow<'a, Word>>| {
        for source in sources {
            let name = source.text.trim_end_matches('/').rsplit('/').next();
            if let Some(name) = name.filter(|n| !n.is_empty())
                && let Some(joined) = risk_table::join_directory(&dir.text, name)
            {
                out.push(Cow::Owned(dir.with_text(&joined)));
            }
        }
    };
    for writes in risk_table::writer(name) {
        match *writes {
            Writes::AllOperands => out.extend(operands.iter().map(|w| Cow::Borrowed(*w))),
            Writes::LastOperand => out.extend(operands.last().map(|w| Cow::Borrowed(*w))),
            Writes::IntoLastOperand => {
                if let Some((dest, sources)) = operands.split_last() {
                    into(dest, sources, &mut out);
                }
            }
            Writes::SecondOperand(valued) => {
                let mut skip = false;
                let second = args
                    .iter()
                    .filter(|a| {
                        let value = std::mem::replace(&mut skip, valued.contains(&a.text.as_str()));
                        !value && !a.text.starts_with('-')
                    })
                    .nth(1);
                out.extend(second.map(|w| Cow::Borrowed(*w)));
            }
            Writes::KeyValue(key) => out.extend(
                args.iter()
                    .filter(|a| a.text.starts_with(key))
                    .map(|a| Cow::Borrowed(*a)),
            ),
            Writes::OptionValues(short, longs) => out.extend(option_values(args, short, longs)),
            Writes::AfterArg(options) => {
                for (i, arg) in args.iter().enumerate() {
                    if options.contains(&arg.text.as_str())
                        && let Some(value) = args.get(i + 1)
                    {
                        out.push(Cow::Borrowed(*value));
                    }
                }
            }
            Writes::IntoDirectory(short, longs) => {
                for dir in option_values(args, short, longs) {
                    // `-oDIR` comes back as `-o=DIR`.
                    let dir = match dir.text.split_once('=') {
                        Some((option, value)) if option.starts_with('-') => dir.with_text(value),
                        _ => dir.into_owned(),
                    };
                    into(&dir, &operands, &mut out);
                    // A file whose name is only known at run time (`wget -P DIR URL`).
                    if let Some(joined) = risk_table::join_directory(&dir.text, "x") {
                        out.push(Cow::Owned(dir.with_text(&joined)));
                    }
                }
            }
            Writes::InPlace(flags) => {
                if args.iter().any(|a| has_flag(&a.text, flags)) {
                    out.extend(operands.iter().skip(1).map(|w| Cow::Borrowed(*w)));
                }
            }
        }
    }
    out
}

/// The values of a short option (`-o FILE`, `-oFILE`, last in a group `-sSLo FILE`; a
/// `'\0'` short option is none) and of long ones (`--output FILE`, `--output=FILE`). An
/// attached value comes back as `-o=VALUE`, which the path rating reads as `key=value`.
fn option_values<'a>(
    args: &[&'a Word],
    short: char,
    longs: &[&str],
) -> Vec<std::borrow::Cow<'a, Word>> {
    let mut found = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        let text = arg.text.as_str();
        let next = || args.get(i + 1).copied();
        if let Some(long) = text.strip_prefix("--") {
            let (key, value) = match long.split_once('=') {
                Some((key, value)) => (key, Some(value)),
                None => (long, None),
            };
            // getopt_long takes any unambiguous prefix (`sort --ou=F`, `cp --tar=DIR`; found
            // by probing, session 9); an ambiguous one only fails.
            if !key.is_empty()
                && longs
                    .iter()
                    .any(|l| l.strip_prefix("--").is_some_and(|l| l.starts_with(key)))
            {
                match value {
                    Some(_) => found.push(std::borrow::Cow::Borrowed(*arg)),
                    None => found.extend(next().map(std::borrow::Cow::Borrowed)),
                }
            }
        } else if short != '\0'
            && let Some(group) = text.strip_prefix('-')
            && let Some(at) = group.find(short)
        {
            let rest = group.get(at + short.len_utf8()..).unwrap_or("");
            if rest.is_empty() {
                found.extend(next().map(std::borrow::Cow::Borrowed));
            } else {
                found.push(std::borrow::Cow::Owned(
                    arg.with_text(&format!("-{short}={rest}")),
                ));
            }
        }
    }
    found
}

/// The paths a word can name: the word itself, the value glued to a short option (`date
/// -f.env`, `curl -d@.env`), a file after `@` or `<` (`curl -d @file`, `-F f=@file;type=x`,
/// `-F f=<file`), and the value of `key=value`, in that order, empty ones left out: the
/// last is the most stripped, which a plain write is rated by.
fn path_candidates(text: &str) -> impl Iterator<Item = &str> {
    let value = text.split_once('=').map(|(_, value)| value);
    // curl's form values end at `;` (`;type=…`, `;filename=…`).
    fn file(v: &str) -> Option<&str> {
        v.strip_prefix(['@', '<'])
            .map(|v| v.split(';').next().unwrap_or(v))
    }
    let attached = text
        .strip_prefix('-')
        .filter(|t| !t.starts_with('-'))
        .and_then(|t| t.char_indices().nth(1).and_then(|(at, _)| t.get(at..)));
    [
        Some(text),
        attached,
        attached.and_then(file),
        file(text),
        value,
        value.and_then(file),
    ]
    .into_iter()
    .flatten()
    .filter(|c| !c.is_empty())
}

/// Findings for a path that is read (`write` false) or written.
/// A relative path is also read under each directory the line may have moved to
/// ([`LineFacts::directories`]), those places first.
fn rate_path_access(who: &str, word: &Word, write: bool, line: &mut LineFacts) -> Vec<Finding> {
    if !write
        && !word.glob
        && !word.opaque
        && line.directories.is_empty()
        && risk_table::names_no_path(&word.text)
    {
        return Vec::new();
    }
    rate_path_access_fully(who, word, write, line)
}

/// [`rate_path_access`] without the shortcut for plain words.
fn rate_path_access_fully(
    who: &str,
    word: &Word,
    write: bool,
    line: &mut LineFacts,
) -> Vec<Finding> {
    let mut out = Vec::new();
    // bash opens a connection for a redirection to `/dev/tcp/HOST/PORT` or `/dev/udp/…`
    // (bash(1), REDIRECTION), which can send and receive: `<>` reads too, and so can a
    // later `<&3`.
    if let Some(address) = ["/dev/tcp/", "/dev/udp/"]
        .iter()
        .find_map(|prefix| word.text.strip_prefix(prefix))
    {
        if line.network.is_none() {
            line.network = Some(who.to_owned());
        }
        if line.download.is_none() {
            line.download = Some(who.to_owned());
        }
        out.push(finding(
            RiskLevel::High,
            who,
            &format!("opens a network connection to `{address}` (bash's /dev/tcp)"),
        ));
        return out;
    }
    // The first candidate whose path class says something decides (`of=/dev/sda` is a
    // device by its value); when none does, a write is rated as a plain write of the last,
    // most stripped one (`-o=/tmp/x` writes `/tmp/x`).
    let mut last = None;
    for text in path_candidates(&word.text) {
        if risk_table::is_harmless_sink(text) {
            continue;
        }
        last = Some(text);
        rate_places(who, text, word, false, write, line, &mut out);
        if !out.is_empty() {
            return out;
        }
    }
    if write && let Some(text) = last {
        rate_places(who, text, word, true, write, line, &mut out);
    }
    out
}

/// [`rate_one_path`] for `text` under each directory the line may have moved to, then as
/// written.
fn rate_places(
    who: &str,
    text: &str,
    word: &Word,
    plain_write: bool,
    write: bool,
    line: &mut LineFacts,
    out: &mut Vec<Finding>,
) {
    let placed: Vec<String> = risk_table::places(text, &line.directories)
        .skip(1)
        .map(std::borrow::Cow::into_owned)
        .collect();
    for place in &placed {
        // A place under a directory that is a glob (`cd /et?`) is a glob too.
        let glob = word.glob || crate::glob_paths::has_glob_chars(place);
        rate_one_path(who, place, word.opaque, glob, plain_write, write, line, out);
    }
    rate_one_path(
        who,
        text,
        word.opaque,
        word.glob,
        plain_write,
        write,
        line,
        out,
    );
}

/// Findings for one place a path may name, a glob when `glob` is set (bash expands it into
/// the files it matches). With `plain_write`, a write no path class covers is rated by
/// where it goes (`/etc/x`, `../x` medium; the workspace and `/tmp` low).
#[allow(clippy::too_many_arguments, reason = "one call site per kind of place")]
fn rate_one_path(
    who: &str,
    text: &str,
    opaque: bool,
    glob: bool,
    plain_write: bool,
    write: bool,
    line: &mut LineFacts,
    out: &mut Vec<Finding>,
) {
    let classes = risk_table::classify_path_glob(text, glob, line.expansion, &line.glob_budget);
    for class in classes {
        match (class, write) {
            // A raw disk or memory holds every file and secret on it.
            (PathClass::Secret, _) | (PathClass::Device, false) => {
                if line.secret.is_none() {
                    line.secret = Some(who.to_owned());
                }
                let why = if class == PathClass::Secret {
                    format!("touches the secret `{text}`")
                } else {
                    format!("reads the raw device `{text}`, with every secret on it")
                };
                out.push(finding(RiskLevel::High, who, &why));
            }
            (PathClass::Persistence, true) => out.push(finding(
                RiskLevel::High,
                who,
                &format!("writes `{text}`, which runs code later (persistence)"),
            )),
            (PathClass::CriticalSystem, true) => out.push(finding(
                RiskLevel::Critical,
                who,
                &format!("overwrites the system file `{text}`"),
            )),
            (PathClass::System | PathClass::Root, true) => out.push(finding(
                RiskLevel::High,
                who,
                &format!("writes under the system path `{text}`"),
            )),
            (PathClass::Device, true) => out.push(finding(
                RiskLevel::Critical,
                who,
                &format!("writes the device `{text}`"),
            )),
            (PathClass::Home, true) => out.push(finding(
                RiskLevel::Medium,
                who,
                &format!("writes `{text}` in the home directory"),
            )),
            _ => {}
        }
    }
    // A file in a home directory outside the workspace: credentials live there under names
    // no list holds (`~/.gemini/oauth_creds.json`, `~/.config/containers/auth.json`; found by
    // probing, session 7).
    if !write
        && out.is_empty()
        && !risk_table::contains_pair(text, *b"..")
        && in_home_directory(text)
        && in_workspace(line.root.as_deref(), text).starts_with('/')
    {
        out.push(finding(
            RiskLevel::Medium,
            who,
            &format!("reads `{text}` in a home directory outside the workspace"),
        ));
    }
    if plain_write && write && out.is_empty() {
        let level = if (text.starts_with('/') && !text.starts_with("/tmp/"))
            || text.starts_with(['~', '$'])
            || risk_table::contains_pair(text, *b"..")
            || opaque
        {
            RiskLevel::Medium
        } else {
            RiskLevel::Low
        };
        out.push(finding(level, who, &format!("writes `{text}`")));
    }
}

/// Findings for a command that reads every file under its operands (`grep -r PATTERN
/// DIR`, `tar c DIR`): an operand that is a directory of secrets or above one
/// ([`risk_table::holds_secrets`]), read from any directory the line moved to and as a
/// glob when bash expands it, is a secret read. The first `skip` operands are not trees
/// (with `-e`/`-f`, a pattern is not among them); with `cwd` and no tree operand, the tree
/// is the working directory, under each directory the line moved to (`cd /root && grep -r
/// x`).
fn rate_tree_reads(
    who: &str,
    args: &[&Word],
    skip: usize,
    cwd: bool,
    line: &mut LineFacts,
) -> Option<Finding> {
    let pattern_given = args
        .iter()
        .any(|a| has_flag(&a.text, &["-e", "-f", "--regexp", "--file"]));
    let skip = if pattern_given {
        skip.saturating_sub(1)
    } else {
        skip
    };
    let here = Word::literal(".");
    let mut trees: Vec<&Word> = args
        .iter()
        .copied()
        .filter(|a| !a.text.starts_with('-'))
        .skip(skip)
        .collect();
    if trees.is_empty() && cwd {
        trees.push(&here);
    }
    let tree = trees.into_iter().find(|a| {
        risk_table::places(&a.text, &line.directories)
            .enumerate()
            .any(|(i, place)| {
                let glob = a.glob || (i > 0 && crate::glob_paths::has_glob_chars(&place));
                let place = in_workspace(line.root.as_deref(), &place);
                risk_table::holds_secrets_glob(&place, glob, line.expansion, &line.glob_budget)
            })
    })?;
    if line.secret.is_none() {
        line.secret = Some(who.to_owned());
    }
    let place = if tree.text == "." && !line.directories.is_empty() {
        format!(
            "the directory `{}` the line moves to",
            line.directories.join("`, `")
        )
    } else {
        format!("`{}`", tree.text)
    };
    Some(finding(
        RiskLevel::High,
        who,
        &format!(
            "reads every file under {place}, which holds secrets (keys, credentials, environments)"
        ),
    ))
}

/// `path` relative to the workspace `root` when it is an absolute path inside it (`.` for the
/// root itself), else as it is.
pub(crate) fn in_workspace<'a>(root: Option<&str>, path: &'a str) -> std::borrow::Cow<'a, str> {
    let inside = root
        .and_then(|root| path.strip_prefix(root))
        .and_then(|rest| {
            if rest.is_empty() {
                Some(".")
            } else {
                rest.strip_prefix('/')
                    .map(|rest| if rest.is_empty() { "." } else { rest })
            }
        });
    match inside {
        Some(relative) => std::borrow::Cow::Owned(relative.to_owned()),
        None => std::borrow::Cow::Borrowed(path),
    }
}

/// Whether `path` names a file inside a home directory (`/root/x`, `/home/NAME/x`,
/// `/Users/NAME/x`), where most credentials live under names no list holds.
fn in_home_directory(path: &str) -> bool {
    let mut parts = path.split('/').filter(|p| !p.is_empty() && *p != ".");
    match (path.starts_with('/'), parts.next()) {
        (true, Some("root")) => parts.next().is_some(),
        (true, Some("var")) => parts.next() == Some("root") && parts.next().is_some(),
        (true, Some("home" | "Users")) => parts.next().is_some() && parts.next().is_some(),
        _ => false,
    }
}

/// The first flag of `arg` not in `known` (short flags are checked one by one).
fn unknown_flag(arg: &Word, known: &[&str]) -> Option<String> {
    let text = arg.text.as_str();
    if !text.starts_with('-') || text == "-" || text == "--" {
        return None;
    }
    if text.starts_with("--") {
        let key = text.split_once('=').map_or(text, |(k, _)| k);
        return (!known.contains(&key)).then(|| key.to_owned());
    }
    // A number (`head -20`) is a count, not a flag.
    if text
        .get(1..)
        .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    if known.contains(&text) {
        return None;
    }
    text.chars().skip(1).find_map(|c| {
        let listed = known.iter().any(|k| {
            let mut rest = k.strip_prefix('-').unwrap_or("").chars();
            rest.next() == Some(c) && rest.next().is_none()
        });
        (!listed).then(|| format!("-{c}"))
    })
}

/// Whether a condition holds for a command's arguments.
fn holds(
    cond: &Cond,
    args: &[&Word],
    global: &[&str],
    classes: &std::cell::OnceCell<Vec<PathClasses>>,
    line: &LineFacts,
) -> bool {
    holds_as(cond, args, global, classes, line, false)
}

/// [`holds`]; with `exact`, flags are only read as written ([`has_flag_exactly`]), which
/// is how a condition under `Not` reads them, so that it can't lower a level by reading a
/// word as a flag it is not.
fn holds_as(
    cond: &Cond,
    args: &[&Word],
    global: &[&str],
    classes: &std::cell::OnceCell<Vec<PathClasses>>,
    line: &LineFacts,
    exact: bool,
) -> bool {
    match cond {
        Cond::Flag(flags) if exact => args.iter().any(|a| has_flag_exactly(&a.text, flags)),
        Cond::Flag(flags) => args.iter().any(|a| has_flag(&a.text, flags)),
        Cond::Sub(subs) => first_operand(args, global).is_some_and(|s| subs.contains(&s)),
        Cond::Arg(values) => args.iter().any(|a| values.contains(&a.text.as_str())),
        Cond::ArgPrefix(prefixes) => args
            .iter()
            .any(|a| prefixes.iter().any(|p| a.text.starts_with(p))),
        Cond::ArgContains(needles) => args
            .iter()
            .any(|a| needles.iter().any(|n| risk_table::contains_str(&a.text, n))),
        Cond::Operand(class) => {
            let classes = classes.get_or_init(|| {
                args.iter()
                    .map(|a| word_classes(&a.text, a.glob, line))
                    .collect()
            });
            args.iter()
                .zip(classes)
                .filter(|(a, _)| !a.text.starts_with('-') || a.text == "-")
                .any(|(_, classes)| classes.contains(class))
        }
        Cond::SourceOperand(class) => {
            let classes = classes.get_or_init(|| {
                args.iter()
                    .map(|a| word_classes(&a.text, a.glob, line))
                    .collect()
            });
            let mut sources: Vec<&PathClasses> = args
                .iter()
                .zip(classes)
                .filter(|(a, _)| !a.text.starts_with('-') || a.text == "-")
                .map(|(_, classes)| classes)
                .collect();
            sources.pop();
            sources.iter().any(|classes| classes.contains(class))
        }
        Cond::NoOperands => first_operand(args, global).is_none(),
        Cond::OperandsOver(n) => {
            args.iter()
                .filter(|a| !a.text.starts_with('-') || a.text == "-")
                .count()
                > *n
        }
        Cond::Not(inner) => !holds(inner, args, global, classes, line),
        Cond::Any(conds) => conds.iter().any(|c| holds(c, args, global, classes, line)),
        Cond::All(conds) => conds.iter().all(|c| holds(c, args, global, classes, line)),
        Cond::NoArgs => args.is_empty(),
    }
}

/// The first argument that is not a flag, skipping the values of `global` options
/// (`git -C DIR push` has the subcommand `push`).
fn first_operand<'a>(args: &[&'a Word], global: &[&str]) -> Option<&'a str> {
    let mut skip_next = false;
    for arg in args {
        let t = arg.text.as_str();
        if skip_next {
            skip_next = false;
            continue;
        }
        if t.starts_with('-') {
            skip_next = global.contains(&t);
            continue;
        }
        return Some(t);
    }
    None
}

/// Whether `text` is one of `flags`: long flags exactly (or `--flag=value`), short flags
/// also inside a group (`-rf` has `-r` and `-f`). Also an abbreviated long flag and a short
/// flag with its value attached: see [`has_flag_loosely`].
pub(crate) fn has_flag(text: &str, flags: &[&str]) -> bool {
    has_flag_exactly(text, flags) || has_flag_loosely(text, flags)
}

/// [`has_flag`] without abbreviations and attached values: a long flag as written, or a
/// group of short flags that is all letters. For conditions that lower a level when they
/// hold (`Cond::Not`), where reading a word as more flags than it is would be wrong.
fn has_flag_exactly(text: &str, flags: &[&str]) -> bool {
    if text.starts_with("--") {
        let key = text.split_once('=').map_or(text, |(k, _)| k);
        return flags.contains(&key);
    }
    if let Some(group) = text.strip_prefix('-') {
        if flags.contains(&text) {
            return true;
        }
        return group.chars().all(|c| c.is_ascii_alphabetic())
            && flags.iter().any(|f| {
                f.len() == 2
                    && f.starts_with('-')
                    && f.chars().nth(1).is_some_and(|c| group.contains(c))
            });
    }
    flags.contains(&text)
}

/// The forms of `flags` programs accept that [`has_flag_exactly`] does not read:
/// - a prefix of a long flag (`--pag` for `--pager`, `--se=…` for `--set`): getopt_long,
///   argp and git's parse-options accept any unambiguous abbreviation, and an ambiguous
///   one only fails;
/// - a short flag among the letters a group starts with, the rest being its value
///   (`-p/tmp/x`, `-s@0`, `-nO./pager`): the first option that takes a value takes the rest
///   of the word.
fn has_flag_loosely(text: &str, flags: &[&str]) -> bool {
    // Real options that are prefixes of flags the table lists, which a program takes as
    // themselves, not as abbreviations: `git diff --text` (`--textconv`), `git clone
    // --filter=blob:none` (`--filters`), `tar --checkpoint` (`--checkpoint-action`).
    const WHOLE: &[&str] = &["text", "filter", "checkpoint"];
    if let Some(long) = text.strip_prefix("--") {
        let key = long.split_once('=').map_or(long, |(k, _)| k);
        return !key.is_empty()
            && !WHOLE.contains(&key)
            && flags
                .iter()
                .filter_map(|f| f.strip_prefix("--"))
                .any(|f| f.starts_with(key));
    }
    let Some(group) = text.strip_prefix('-') else {
        return false;
    };
    group
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .any(|c| {
            flags.iter().any(|f| {
                let mut short = f.chars();
                short.next() == Some('-') && short.next() == Some(c) && short.next().is_none()
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The shortcut for plain words skips nothing the full path checks would find: a
        /// word of letters, digits and `-` that `names_no_path` passes has no path finding
        /// and no path class, read from the starting directory.
        #[test]
        fn plain_words_have_no_path_class(
            word in "(-{0,2}[A-Za-z0-9-]{0,10}(SERVICE-account|service-Account|ssh|id-rsa|env|git|proc|root|home|etc|dev|tcp)?[A-Za-z0-9-]{0,6})"
        ) {
            let line = LineFacts::default();
            if crate::risk_table::names_no_path(&word) {
                let mut facts = LineFacts::default();
                let findings = rate_path_access_fully("x", &Word::literal(&word), false, &mut facts);
                proptest::prop_assert!(findings.is_empty(), "{word}: {findings:?}");
                proptest::prop_assert!(facts.secret.is_none() && facts.network.is_none());
                proptest::prop_assert_eq!(word_classes_fully(&word, false, &line), PathClasses::default());
                proptest::prop_assert!(!crate::risk_table::holds_secrets_fully(&word), "{word} holds secrets");
            }
        }
        /// `display_argv` is the argv joined by spaces, shortened as `shorten` does.
        #[test]
        fn display_argv_is_the_shortened_join(words in proptest::collection::vec("[a-z é…/-]{0,30}", 0..8)) {
            let argv: Vec<Word> = words.iter().map(Word::literal).collect();
            proptest::prop_assert_eq!(
                display_argv(&argv),
                crate::shell::word::shorten(&words.join(" "))
            );
        }
    }
}
