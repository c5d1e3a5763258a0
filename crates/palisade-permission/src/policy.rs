//! Policy files: rules that allow, ask or deny, risk thresholds, and load-time examples.
//!
//! ```toml
//! on_problem = "ask"            # or "deny": what an unparseable or opaque line gets
//!
//! [thresholds]                  # the decision for each risk level when no rule matches
//! low = "allow"
//! medium = "ask"
//! high = "ask"
//! critical = "deny"
//!
//! [[rule]]
//! action = "allow"
//! command = ["git status", "git diff *", "cargo test"]
//! examples.match = ["git status -s", "cargo test -p foo"]
//! examples.not_match = ["git push"]
//!
//! [[rule]]
//! action = "deny"
//! command = "git push * --force"
//! reason = "no force pushes"
//!
//! [[rule]]
//! action = "allow"
//! host = ["*.crates.io", "github.com"]
//! ports = [443]
//!
//! [[rule]]
//! action = "allow"
//! tool = "read_*"
//!
//! [[rule]]
//! action = "deny"
//! path = ["**/.env", "**/.git/**"]
//! access = ["write", "delete"]      # default: any access
//! examples.match = ["write:.git/config", "delete:app/.env"]
//!
//!
//! [[rule]]
//! action = "allow"
//! argv = [["ls", "*"]]             # literal words, as "always" answers write them
//! exact = true
//! ```
//!
//! A `command` pattern is a list of words matched against the argv of each sub-command,
//! as a prefix (`git push` matches `git push origin main`) unless `exact = true`. Words are
//! globs (`*`, `?`, `[…]`); the first word matches the command's basename. `regex` (at most
//! 1,024 bytes, compiled size at most 64 KiB) must also match the argv joined by spaces.
//!
//! An `argv` pattern is a list of literal words (no globs, no splitting on spaces), matched
//! like a `command` pattern. In an allow rule its first word is compared as written (`rm`
//! does not match `./rm`); in deny and ask rules by basename, like `command`.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, ErrorKind};
use crate::shell::{ShellAnalyzer, SimpleCommand};

/// The three outcomes, ordered `Allow < Ask < Deny` (stricter is greater).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Go ahead.
    Allow,
    /// Ask a person first.
    Ask,
    /// Refuse.
    Deny,
}

impl Verdict {
    /// `"allow"`, `"ask"` or `"deny"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Ask => "ask",
            Verdict::Deny => "deny",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The decision for each risk level when no rule decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Thresholds {
    /// For low risk (default allow).
    pub low: Verdict,
    /// For medium risk (default ask).
    pub medium: Verdict,
    /// For high risk (default ask).
    pub high: Verdict,
    /// For critical risk (default deny).
    pub critical: Verdict,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            low: Verdict::Allow,
            medium: Verdict::Ask,
            high: Verdict::Ask,
            critical: Verdict::Deny,
        }
    }
}

impl Thresholds {
    /// The verdict for a level.
    pub fn for_level(&self, level: crate::RiskLevel) -> Verdict {
        match level {
            crate::RiskLevel::Low => self.low,
            crate::RiskLevel::Medium => self.medium,
            crate::RiskLevel::High => self.high,
            crate::RiskLevel::Critical => self.critical,
        }
    }
}

// ---- file format -----------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    thresholds: Option<ThresholdsFile>,
    #[serde(default)]
    on_problem: Option<Verdict>,
    #[serde(default, rename = "rule")]
    rules: Vec<Spanned<RuleFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThresholdsFile {
    low: Option<Verdict>,
    medium: Option<Verdict>,
    high: Option<Verdict>,
    critical: Option<Verdict>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    action: Verdict,
    #[serde(default)]
    command: Option<OneOrMany>,
    #[serde(default)]
    argv: Option<Vec<Vec<String>>>,
    #[serde(default)]
    exact: bool,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    host: Option<OneOrMany>,
    #[serde(default)]
    ports: Option<Vec<u16>>,
    #[serde(default)]
    tool: Option<OneOrMany>,
    #[serde(default)]
    path: Option<OneOrMany>,
    #[serde(default)]
    access: Option<Vec<crate::action::FileAccess>>,
    #[serde(default)]
    allow_critical: bool,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    examples: Option<ExamplesFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExamplesFile {
    #[serde(default, rename = "match")]
    matches: Vec<String>,
    #[serde(default)]
    not_match: Vec<String>,
}

// ---- compiled policy -------------------------------------------------------------------------

/// Largest regex source accepted in a rule.
pub const MAX_REGEX_LEN: usize = 1024;
/// Compiled size limit for a rule's regex (bytes).
pub const MAX_REGEX_SIZE: usize = 64 * 1024;
/// Largest policy file accepted (bytes).
pub const MAX_POLICY_BYTES: usize = 4 * 1024 * 1024;
/// Most regex rules one policy may have: each compiles to its own automaton, and a project's
/// policy (which lives in the repository, untrusted) with 3,600 of them took 5 s and 500 MB
/// to load (found by probing, session 9).
pub const MAX_REGEX_RULES: usize = 1024;

/// A policy file's text, reading at most one byte over [`MAX_POLICY_BYTES`] (then
/// `from_toml` reports the size): `--policy /dev/zero` or a huge file can't exhaust memory
/// (found by probing, session 9).
pub(crate) fn read_bounded(path: &Path) -> std::io::Result<String> {
    use std::io::Read as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    // Opened without blocking (a FIFO would wait for a writer forever), and only a regular
    // file is read (found by probing, session 9).
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(i32::try_from(rustix::fs::OFlags::NONBLOCK.bits()).unwrap_or(0))
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let mut bytes = Vec::new();
    file.take(
        u64::try_from(MAX_POLICY_BYTES)
            .unwrap_or(u64::MAX)
            .saturating_add(1),
    )
    .read_to_end(&mut bytes)?;
    String::from_utf8(bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "the file is not UTF-8"))
}

/// A validated policy: rules and thresholds from one file.
#[derive(Debug, Clone)]
pub struct Policy {
    origin: PathBuf,
    thresholds: ThresholdOverrides,
    on_problem: Option<Verdict>,
    rules: Vec<Rule>,
}

/// Thresholds a policy sets (a level it leaves out inherits).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ThresholdOverrides {
    pub low: Option<Verdict>,
    pub medium: Option<Verdict>,
    pub high: Option<Verdict>,
    pub critical: Option<Verdict>,
}

/// One compiled rule.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub line: usize,
    pub action: Verdict,
    pub matcher: Matcher,
    pub regex: Option<Regex>,
    pub allow_critical: bool,
    pub reason: Option<String>,
    /// How many examples were checked at load time.
    pub examples: usize,
}

#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    /// Any of these argv patterns (or, when empty, only the regex).
    Command(Vec<ArgvPattern>),
    Host {
        hosts: Vec<HostPattern>,
        ports: Option<Vec<u16>>,
    },
    Tool(Vec<GlobMatcher>),
    /// Globs on the workspace-relative path (normalised by `palisade-path`); `*` does not
    /// cross `/`, `**` does.
    Path {
        globs: Vec<GlobMatcher>,
        access: Option<Vec<crate::action::FileAccess>>,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct ArgvPattern {
    words: Vec<WordPattern>,
    exact: bool,
    /// From `argv = [[…]]` in an allow rule: the first word is compared as written, not by
    /// basename (an approval of `rm x` does not cover `./rm x`).
    verbatim: bool,
}

#[derive(Debug, Clone)]
enum WordPattern {
    Literal(String),
    Glob(GlobMatcher),
    /// `*`, which matches any word (the glob `*` does; `star_matches_what_the_glob_matches`),
    /// without running its automaton: most allow rules end in it.
    Any,
}

#[derive(Debug, Clone)]
pub(crate) enum HostPattern {
    Exact(String),
    /// `*.example.com`: any subdomain (not the apex).
    Suffix(String),
}

impl WordPattern {
    fn matches(&self, word: &str) -> bool {
        match self {
            WordPattern::Literal(l) => l == word,
            WordPattern::Glob(g) => g.is_match(word),
            WordPattern::Any => true,
        }
    }
}

impl ArgvPattern {
    fn parse(source: &str, exact: bool) -> Result<Self, String> {
        let words: Result<Vec<_>, String> = source
            .split_whitespace()
            .map(|w| {
                if w == "*" {
                    Ok(WordPattern::Any)
                } else if w.contains(['*', '?', '[', '{']) {
                    GlobBuilder::new(w)
                        .literal_separator(false)
                        .backslash_escape(true)
                        .build()
                        .map(|g| WordPattern::Glob(g.compile_matcher()))
                        .map_err(|e| format!("invalid glob word `{w}` in `{source}`: {e}"))
                } else {
                    Ok(WordPattern::Literal(w.to_owned()))
                }
            })
            .collect();
        let words = words?;
        if words.is_empty() {
            return Err("empty command pattern".to_owned());
        }
        Ok(Self {
            words,
            exact,
            verbatim: false,
        })
    }

    /// A pattern of literal words (`argv = [[…]]`): no globs, no splitting.
    fn literal(words: &[String], exact: bool, verbatim: bool) -> Result<Self, String> {
        if words.is_empty() {
            return Err("empty argv pattern: give at least the program".to_owned());
        }
        Ok(Self {
            words: words.iter().cloned().map(WordPattern::Literal).collect(),
            exact,
            verbatim,
        })
    }

    /// Whether the pattern matches `command`. `lenient` (for deny and ask rules) lets a
    /// run-time word match any pattern word and lets run-time extra arguments fill the rest.
    fn matches(&self, command: &SimpleCommand, lenient: bool) -> bool {
        // Allow rules must match the command as written (wrappers included: allowing `rm`
        // does not allow `sudo rm`); deny and ask rules also match what runs inside wrappers.
        self.matches_words(&command.invocation, command.extra_args, lenient)
            || (lenient
                && (self.matches_words(&command.argv, command.extra_args, lenient)
                    || git_subcommand_first(&command.argv).is_some_and(|argv| {
                        self.matches_words(&argv, command.extra_args, lenient)
                    })))
    }

    fn matches_words(&self, argv: &[crate::shell::Word], extra_args: bool, lenient: bool) -> bool {
        for (i, pattern) in self.words.iter().enumerate() {
            let Some(word) = argv.get(i) else {
                return lenient && extra_args;
            };
            if word.opaque || word.glob {
                if lenient {
                    continue;
                }
                return false;
            }
            // The program by basename, except that an allow rule's `git` is not `./git` or
            // `bin/git`, a program file of the workspace (found by probing, session 8): a
            // path-qualified program matches an allow rule only from a system directory, or
            // when the rule names the path.
            let text = if i == 0 && !self.verbatim && !pattern_has_slash(pattern) {
                if lenient || !word.text.contains('/') || in_system_bin(&word.text) {
                    crate::shell::basename(&word.text)
                } else {
                    word.text.as_str()
                }
            } else {
                word.text.as_str()
            };
            if !pattern.matches(text) {
                return false;
            }
        }
        !self.exact || argv.len() == self.words.len()
    }
}

/// Whether a path-qualified program is in a system directory (`/usr/bin/git`), where it is
/// the program its name says.
fn in_system_bin(program: &str) -> bool {
    program.rsplit_once('/').is_some_and(|(dir, _)| {
        matches!(
            dir,
            "/bin" | "/sbin" | "/usr/bin" | "/usr/sbin" | "/usr/local/bin" | "/usr/local/sbin"
        )
    })
}

/// `git -C dir push …` as `git push …`: git's global options (and their values) removed,
/// so deny and ask rules written as `git push` see the subcommand where they expect it
/// (found by probing, session 8). `None` for other commands or without global options.
fn git_subcommand_first(argv: &[crate::shell::Word]) -> Option<Vec<crate::shell::Word>> {
    let (program, args) = argv.split_first()?;
    if crate::shell::basename(&program.text) != "git" {
        return None;
    }
    let mut rest = args;
    while let Some((word, after)) = rest.split_first() {
        let text = word.text.as_str();
        if !text.starts_with('-') || text == "--" {
            break;
        }
        let key = text.split_once('=').map_or(text, |(key, _)| key);
        // `-C dir`, `-c name=value`; `-Cdir` and `--git-dir=x` carry their value.
        let takes_next = crate::risk_table::GIT_GLOBAL_VALUED.contains(&key)
            && !text.contains('=')
            && (text.starts_with("--") || text.len() == 2);
        rest = if takes_next {
            after.get(1..).unwrap_or_default()
        } else {
            after
        };
    }
    if rest.len() == args.len() {
        return None;
    }
    let mut out = Vec::with_capacity(rest.len() + 1);
    out.push(program.clone());
    out.extend_from_slice(rest);
    Some(out)
}

fn pattern_has_slash(p: &WordPattern) -> bool {
    match p {
        WordPattern::Literal(l) => l.contains('/'),
        WordPattern::Glob(g) => g.glob().glob().contains('/'),
        WordPattern::Any => false,
    }
}

impl HostPattern {
    fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim_end_matches('.').to_ascii_lowercase();
        if let Some(suffix) = s.strip_prefix("*.") {
            if suffix.is_empty() || suffix.contains('*') {
                return Err(format!("invalid host pattern `{s}`: use `*.example.com`"));
            }
            return Ok(HostPattern::Suffix(format!(".{suffix}")));
        }
        if s.is_empty() || s.contains(['*', '/', ' ']) {
            return Err(format!(
                "invalid host pattern `{s}`: use `example.com` or `*.example.com`"
            ));
        }
        // Matched against canonical hosts: `127.0.0.1` also names `127.1` and `[::ffff:…]`.
        crate::action::canonical_host(&s)
            .map(HostPattern::Exact)
            .map_err(|e| format!("invalid host pattern: {e}"))
    }

    pub(crate) fn matches(&self, host: &str) -> bool {
        match self {
            HostPattern::Exact(h) => h == host,
            HostPattern::Suffix(s) => host.ends_with(s.as_str()) && host.len() > s.len(),
        }
    }
}

impl Rule {
    /// For a command rule whose every pattern starts with a literal, slash-free word: those
    /// words (a command can only match if its basename is one of them). `None` otherwise.
    pub(crate) fn first_words(&self) -> Option<Vec<&str>> {
        let Matcher::Command(patterns) = &self.matcher else {
            return Some(Vec::new());
        };
        if patterns.is_empty() {
            return None;
        }
        patterns
            .iter()
            .map(|p| match p.words.first() {
                Some(WordPattern::Literal(l)) if !l.contains('/') => Some(l.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Whether this rule applies to a sub-command.
    pub(crate) fn matches_command(&self, command: &SimpleCommand) -> bool {
        self.matches_command_text(command, &joined_invocation(command))
    }

    /// As [`Rule::matches_command`], with the invocation joined by spaces computed once by
    /// the caller (for `regex`).
    pub(crate) fn matches_command_text(&self, command: &SimpleCommand, joined: &str) -> bool {
        let Matcher::Command(patterns) = &self.matcher else {
            return false;
        };
        let lenient = self.action != Verdict::Allow;
        if !patterns.is_empty() && !patterns.iter().any(|p| p.matches(command, lenient)) {
            return false;
        }
        if let Some(regex) = &self.regex
            && !regex.is_match(joined)
        {
            return false;
        }
        true
    }

    pub(crate) fn matches_host(&self, host: &str, port: u16) -> bool {
        match &self.matcher {
            Matcher::Host { hosts, ports } => {
                hosts.iter().any(|h| h.matches(host))
                    && ports.as_ref().is_none_or(|p| p.contains(&port))
            }
            _ => false,
        }
    }

    /// For a path rule: whether it applies to this kind of access.
    pub(crate) fn applies_to_access(&self, access: crate::action::FileAccess) -> bool {
        match &self.matcher {
            Matcher::Path {
                access: allowed, ..
            } => allowed.as_ref().is_none_or(|a| a.contains(&access)),
            _ => false,
        }
    }

    pub(crate) fn is_path_rule(&self) -> bool {
        matches!(self.matcher, Matcher::Path { .. })
    }

    pub(crate) fn matches_path(&self, path: &str, access: crate::action::FileAccess) -> bool {
        match &self.matcher {
            Matcher::Path {
                globs,
                access: allowed,
            } => {
                allowed.as_ref().is_none_or(|a| a.contains(&access))
                    && globs.iter().any(|g| g.is_match(path))
            }
            _ => false,
        }
    }

    pub(crate) fn matches_tool(&self, name: &str) -> bool {
        match &self.matcher {
            Matcher::Tool(globs) => globs.iter().any(|g| g.is_match(name)),
            _ => false,
        }
    }
}

impl Policy {
    /// An empty policy: no rules, no thresholds (everything inherited).
    pub fn empty(origin: impl Into<PathBuf>) -> Self {
        Self {
            origin: origin.into(),
            thresholds: ThresholdOverrides::default(),
            on_problem: None,
            rules: Vec::new(),
        }
    }

    /// Reads and validates a policy file, running every rule's examples.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let source = read_bounded(path).map_err(|e| Error::io(path, &e))?;
        Self::from_toml(&source, path)
    }

    /// Validates a policy given as TOML text; `origin` names it in errors.
    pub fn from_toml(source: &str, origin: impl AsRef<Path>) -> Result<Self, Error> {
        let origin = origin.as_ref();
        if source.len() > MAX_POLICY_BYTES {
            return Err(Error::at(
                ErrorKind::Syntax,
                origin,
                source,
                None,
                &format!(
                    "policy of {} bytes is over the limit of {MAX_POLICY_BYTES} bytes",
                    source.len()
                ),
            ));
        }
        let file: PolicyFile = toml::from_str(source).map_err(|e| {
            let offset = e.span().map(|s| s.start);
            Error::at(
                ErrorKind::Syntax,
                origin,
                source,
                offset,
                e.message().trim_end(),
            )
        })?;
        let mut rules = Vec::with_capacity(file.rules.len());
        let mut regexes = 0usize;
        for spanned in file.rules {
            let offset = spanned.span().start;
            let rule_file = spanned.into_inner();
            if rule_file.regex.is_some() {
                regexes += 1;
                if regexes > MAX_REGEX_RULES {
                    return Err(Error::at(
                        ErrorKind::InvalidRule,
                        origin,
                        source,
                        Some(offset),
                        &format!(
                            "more than {MAX_REGEX_RULES} rules with a regex; merge them or match argv patterns instead"
                        ),
                    ));
                }
            }
            let rule = compile_rule(rule_file, source, offset)
                .map_err(|(kind, why)| Error::at(kind, origin, source, Some(offset), &why))?;
            rules.push(rule);
        }
        let thresholds = file
            .thresholds
            .map_or_else(ThresholdOverrides::default, |t| ThresholdOverrides {
                low: t.low,
                medium: t.medium,
                high: t.high,
                critical: t.critical,
            });
        Ok(Self {
            origin: origin.to_path_buf(),
            thresholds,
            on_problem: file.on_problem,
            rules,
        })
    }

    /// Where the policy came from.
    pub fn origin(&self) -> &Path {
        &self.origin
    }

    /// How many rules it has.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// How many examples its rules carry (all of which held at load time).
    pub fn example_count(&self) -> usize {
        self.rules.iter().map(|r| r.examples).sum()
    }

    pub(crate) fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub(crate) fn threshold_overrides(&self) -> ThresholdOverrides {
        self.thresholds
    }

    pub(crate) fn on_problem(&self) -> Option<Verdict> {
        self.on_problem
    }
}

/// A command's invocation joined by spaces, which `regex` rules match.
pub(crate) fn joined_invocation(command: &SimpleCommand) -> String {
    let len = command.invocation.iter().map(|w| w.text.len() + 1).sum();
    let mut text = String::with_capacity(len);
    for (i, word) in command.invocation.iter().enumerate() {
        if i > 0 {
            text.push(' ');
        }
        text.push_str(&word.text);
    }
    text
}

fn line_of(source: &str, offset: usize) -> usize {
    source.get(..offset).unwrap_or(source).matches('\n').count() + 1
}

fn compile_rule(file: RuleFile, source: &str, offset: usize) -> Result<Rule, (ErrorKind, String)> {
    let invalid = |why: String| (ErrorKind::InvalidRule, why);
    let regex = match &file.regex {
        Some(r) if r.len() > MAX_REGEX_LEN => {
            return Err(invalid(format!(
                "regex of {} bytes is over the limit of {MAX_REGEX_LEN}",
                r.len()
            )));
        }
        Some(r) => Some(
            regex::RegexBuilder::new(r)
                .size_limit(MAX_REGEX_SIZE)
                .dfa_size_limit(MAX_REGEX_SIZE)
                .build()
                .map_err(|e| invalid(format!("invalid regex `{r}`: {e}")))?,
        ),
        None => None,
    };
    let kinds = [
        file.command.is_some() || file.argv.is_some(),
        file.host.is_some(),
        file.tool.is_some(),
        file.path.is_some(),
    ];
    let given = kinds.iter().filter(|k| **k).count();
    if file.command.is_some() && file.argv.is_some() {
        return Err(invalid(
            "give either `command` (glob words) or `argv` (literal words), not both".to_owned(),
        ));
    }
    if given > 1 {
        return Err(invalid(
            "a rule matches one kind of action: give only one of `command` or `argv`, `host`, `tool`, `path`"
                .to_owned(),
        ));
    }
    if given == 0 && regex.is_none() {
        return Err(invalid(
            "a rule needs `command`, `argv`, `regex`, `host`, `tool` or `path`".to_owned(),
        ));
    }
    if file.access.is_some() && file.path.is_none() {
        return Err(invalid("`access` needs `path`".to_owned()));
    }
    if file.ports.is_some() && file.host.is_none() {
        return Err(invalid("`ports` needs `host`".to_owned()));
    }
    // An empty list would leave the rule without a command matcher, i.e. matching every
    // command: `command = []` must not mean "allow everything".
    if matches!(&file.command, Some(OneOrMany::Many(list)) if list.is_empty())
        || file.argv.as_ref().is_some_and(Vec::is_empty)
    {
        return Err(invalid(
            "empty `command`/`argv` list: give at least one pattern".to_owned(),
        ));
    }
    if file.exact && file.command.is_none() && file.argv.is_none() {
        return Err(invalid("`exact` needs `command` or `argv`".to_owned()));
    }
    if file.allow_critical && file.action != Verdict::Allow {
        return Err(invalid(
            "`allow_critical` only makes sense with `action = \"allow\"`".to_owned(),
        ));
    }
    let matcher = if let Some(hosts) = file.host {
        if regex.is_some() {
            return Err(invalid(
                "`regex` applies to commands, not to `host`".to_owned(),
            ));
        }
        let hosts: Result<Vec<_>, _> = hosts
            .into_vec()
            .iter()
            .map(|h| HostPattern::parse(h))
            .collect();
        Matcher::Host {
            hosts: hosts.map_err(invalid)?,
            ports: file.ports,
        }
    } else if let Some(paths) = file.path {
        if regex.is_some() {
            return Err(invalid(
                "`regex` applies to commands, not to `path`".to_owned(),
            ));
        }
        // Deny and ask rules match more, never less: case-insensitively (a file system that
        // folds case opens `SECRETS/db.txt` for `secrets/**`), and `dir/**` also covers `dir`
        // itself (`cp -r hooks .git`, `grep -r . secrets`; found by probing, session 8).
        let strict = file.action != Verdict::Allow;
        let paths = paths.into_vec();
        let patterns = paths.iter().flat_map(|p| {
            let own = strict
                .then(|| p.strip_suffix("/**"))
                .flatten()
                .filter(|dir| !dir.is_empty());
            std::iter::once(p.as_str()).chain(own)
        });
        let globs: Result<Vec<_>, _> = patterns
            .map(|p| {
                GlobBuilder::new(p)
                    .literal_separator(true)
                    .case_insensitive(strict)
                    .build()
                    .map(|g| g.compile_matcher())
                    .map_err(|e| format!("invalid path pattern `{p}`: {e}"))
            })
            .collect();
        Matcher::Path {
            globs: globs.map_err(invalid)?,
            access: file.access,
        }
    } else if let Some(tools) = file.tool {
        if regex.is_some() {
            return Err(invalid(
                "`regex` applies to commands, not to `tool`".to_owned(),
            ));
        }
        let globs: Result<Vec<_>, _> = tools
            .into_vec()
            .iter()
            .map(|t| {
                // A deny or ask rule for `bash` also covers `Bash`.
                GlobBuilder::new(t)
                    .case_insensitive(file.action != Verdict::Allow)
                    .build()
                    .map(|g| g.compile_matcher())
                    .map_err(|e| format!("invalid tool pattern `{t}`: {e}"))
            })
            .collect();
        Matcher::Tool(globs.map_err(invalid)?)
    } else if let Some(argvs) = &file.argv {
        let verbatim = file.action == Verdict::Allow;
        let patterns: Result<Vec<_>, _> = argvs
            .iter()
            .map(|words| ArgvPattern::literal(words, file.exact, verbatim))
            .collect();
        Matcher::Command(patterns.map_err(invalid)?)
    } else {
        let patterns: Result<Vec<_>, _> = file
            .command
            .map(OneOrMany::into_vec)
            .unwrap_or_default()
            .iter()
            .map(|c| ArgvPattern::parse(c, file.exact))
            .collect();
        Matcher::Command(patterns.map_err(invalid)?)
    };
    let mut rule = Rule {
        line: line_of(source, offset),
        action: file.action,
        matcher,
        regex,
        allow_critical: file.allow_critical,
        reason: file.reason,
        examples: 0,
    };
    if let Some(examples) = file.examples {
        for example in &examples.matches {
            if !example_matches(&rule, example) {
                return Err((
                    ErrorKind::ExampleFailed,
                    format!("rule does not match its example `{example}`"),
                ));
            }
        }
        for example in &examples.not_match {
            if example_matches(&rule, example) {
                return Err((
                    ErrorKind::ExampleFailed,
                    format!("rule matches `{example}`, listed in examples.not_match"),
                ));
            }
        }
        rule.examples = examples.matches.len() + examples.not_match.len();
    }
    Ok(rule)
}

/// Whether a rule matches an example: a command line (any of its sub-commands), a
/// `host[:port]`, or a tool name.
fn example_matches(rule: &Rule, example: &str) -> bool {
    match &rule.matcher {
        Matcher::Command(_) => {
            let analysis = ShellAnalyzer::new().analyze(example);
            analysis.commands.iter().any(|c| rule.matches_command(c))
        }
        Matcher::Host { .. } => {
            let (host, port) = match example.rsplit_once(':') {
                Some((h, p)) => (h, p.parse().unwrap_or(0)),
                None => (example, 443),
            };
            rule.matches_host(&host.to_ascii_lowercase(), port)
        }
        Matcher::Tool(_) => rule.matches_tool(example),
        Matcher::Path { access, .. } => {
            // `write:src/x.rs` names the access; a bare path uses the rule's first access.
            let (access, path) = match example.split_once(':') {
                Some(("read", p)) => (crate::action::FileAccess::Read, p),
                Some(("write", p)) => (crate::action::FileAccess::Write, p),
                Some(("delete", p)) => (crate::action::FileAccess::Delete, p),
                _ => (
                    access
                        .as_ref()
                        .and_then(|a| a.first().copied())
                        .unwrap_or(crate::action::FileAccess::Read),
                    example,
                ),
            };
            palisade_path::Sanitizer::new()
                .sanitize(path)
                .is_ok_and(|p| rule.matches_path(p.as_str(), access))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The pattern word `*` matches exactly the words its glob matches: every word.
        #[test]
        fn star_matches_what_the_glob_matches(word in "(?s).{0,12}") {
            let glob = GlobBuilder::new("*")
                .literal_separator(false)
                .backslash_escape(true)
                .build()
                .map(|g| g.compile_matcher());
            proptest::prop_assert!(glob.is_ok());
            if let Ok(glob) = glob {
                proptest::prop_assert_eq!(glob.is_match(word.as_str()), WordPattern::Any.matches(&word));
            }
        }
    }
}
