//! Resolving one shell word into the string bash would pass, or marking it opaque.
//!
//! Quote removal and escapes follow bash: `'…'` is literal, `"…"` keeps `\` except before
//! `$ \` " \\` and newline, an unquoted `\c` is `c` and `\<newline>` vanishes, `$'…'` decodes
//! ANSI-C escapes. Anything whose value is only known when the line runs (parameters,
//! command substitutions, arithmetic, tilde, globs) makes the word opaque.

use brush_parser::word::{WordPiece, WordPieceWithSource};

/// One argument word of a simple command, after quote removal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Word {
    /// The word as bash passes it when `opaque` is false; otherwise the word's literal parts
    /// with each run-time part kept as written (e.g. `$HOME/.ssh`).
    pub text: String,
    /// True when some part of the word is only known at run time (a variable, a command
    /// substitution, arithmetic, `~`, a glob): such a word can never be auto-allowed.
    pub opaque: bool,
    /// True when an unquoted glob (`*`, `?`, `[…]`) makes bash expand the word into file
    /// names at run time. In command position such a word is opaque.
    pub glob: bool,
}

impl Word {
    /// A literal word.
    pub fn literal(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            opaque: false,
            glob: false,
        }
    }

    /// A word with the same run-time flags as this one and the text `text` (a part of it,
    /// like the value of `--chdir=DIR`).
    pub(crate) fn with_text(&self, text: &str) -> Self {
        Self {
            text: text.to_owned(),
            opaque: self.opaque,
            glob: self.glob,
        }
    }

    /// An opaque word shown as `text`.
    pub fn opaque(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            opaque: true,
            glob: false,
        }
    }

    /// The literal value, or `None` when the word is opaque.
    pub fn as_literal(&self) -> Option<&str> {
        if self.opaque { None } else { Some(&self.text) }
    }
}

/// What resolving a word found besides its value: command substitutions to analyse and
/// problems that make the analysis incomplete.
#[derive(Debug, Default)]
pub(crate) struct WordParts {
    /// Scripts run by `$(…)` or backticks inside the word, in source order.
    pub substitutions: Vec<String>,
    /// Why the word could not be resolved completely, if it could not.
    pub problems: Vec<String>,
    /// Arithmetic bash evaluates for the word (`$((…))`, `$[…]`, an indexed array's
    /// subscript), where a variable's value is evaluated as an expression in turn.
    pub arithmetic: Vec<String>,
}

/// Characters that make a word need the full word parser; a word without any is literal.
const SPECIAL: &[char] = &['$', '`', '\\', '\'', '"', '~', '*', '?', '[', '{'];

/// Words with more nesting characters than this are not handed to the recursive word parser
/// (its recursion is bounded only by the stack).
pub(crate) const MAX_WORD_NESTING: usize = 200;

/// Deepest nesting handed to brush-parser's word parser, as [`word_nesting`] bounds it.
/// Like its script parser, the word parser backtracks through every `(` and `$[` that doesn't
/// close cleanly (a `$(` body is tried as a subshell, then as text), so its time multiplies
/// per level: fuzzing found here-documents that took seconds.
pub(crate) const MAX_WORD_PAREN_DEPTH: usize = 8;

/// An upper bound on how deeply brush-parser nests its attempts at `(…)` and `[…]`: the
/// deepest nesting of open brackets, plus every bracket whose closing one we cannot trust.
///
/// A closing bracket counts only when it matches the innermost open one and nothing between
/// them could have hidden it from the parser: no quote, backslash, backquote, comment, `<`
/// or `case` (whose patterns end with an unmatched `)`). Otherwise the pair stays counted,
/// because brush-parser may not have seen it close: `$(\)`, `$(")"`, `$[']'` or
/// `( case x in x)` repeated cost it seconds though their brackets look balanced. The bound
/// only errs high, which fails closed.
#[derive(Debug, Default)]
pub(crate) struct Nesting {
    /// The closing byte each open bracket expects, innermost last.
    open: Vec<u8>,
    /// Open brackets below this index have seen something that can hide their closer.
    clean_from: usize,
    /// Brackets that closed after such a thing; they stay counted.
    stuck: usize,
    deepest: usize,
}

impl Nesting {
    /// Opens a bracket that `closer` closes.
    pub(crate) fn open(&mut self, closer: u8) {
        self.open.push(closer);
        self.deepest = self.deepest.max(self.open.len().saturating_add(self.stuck));
    }

    /// A closing bracket; one that matches no open bracket taints them all.
    pub(crate) fn close(&mut self, closer: u8) {
        match self.open.last() {
            Some(&expected) if expected == closer => {
                self.open.pop();
                let depth = self.open.len();
                if depth < self.clean_from {
                    self.stuck = self.stuck.saturating_add(1);
                    self.clean_from = depth;
                }
            }
            Some(_) => self.taint(),
            None => {}
        }
    }

    /// Something that may hide a closing bracket from the parser: every open bracket's pair
    /// stays counted.
    pub(crate) fn taint(&mut self) {
        self.clean_from = self.open.len();
    }

    /// Whether some bracket is open.
    pub(crate) fn is_open(&self) -> bool {
        !self.open.is_empty()
    }

    /// The bound so far.
    pub(crate) fn deepest(&self) -> usize {
        self.deepest
    }
}

/// Where a bracket outside every expansion opens something for brush-parser's word parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outside {
    /// In a word, where unquoted brackets are globs or patterns: every one counts.
    Brackets,
    /// In a here-document body, where only `$(`, `$[` and `${` start anything; other text is
    /// literal (JSON or code with quotes in it must not count).
    Literal,
}

/// [`Nesting`] over a word or here-document body as written: `(`, `[` and `{` open, their
/// closers close, quotes, backslashes, backquotes, comments, `<` and `case` taint.
pub(crate) fn word_nesting(s: &str, outside: Outside) -> usize {
    let bytes = s.as_bytes();
    let mut nesting = Nesting::default();
    for (i, &byte) in bytes.iter().enumerate() {
        let opens = nesting.is_open()
            || outside == Outside::Brackets
            || i.checked_sub(1).and_then(|j| bytes.get(j)) == Some(&b'$');
        match byte {
            b'(' if opens => nesting.open(b')'),
            b'[' if opens => nesting.open(b']'),
            b'{' if opens => nesting.open(b'}'),
            b')' | b']' | b'}' => nesting.close(byte),
            b'\\' | b'\'' | b'"' | b'`' | b'#' | b'<' => nesting.taint(),
            b'c' if bytes.get(i..).is_some_and(|rest| rest.starts_with(b"case")) => {
                nesting.taint();
            }
            _ => {}
        }
    }
    nesting.deepest()
}

fn nesting_chars(s: &str) -> usize {
    s.bytes()
        .filter(|b| matches!(b, b'$' | b'`' | b'(' | b'{'))
        .count()
}

/// Resolves a word as written in the source into a [`Word`].
pub(crate) fn resolve(raw: &str, parts: &mut WordParts) -> Word {
    if !raw.contains(SPECIAL) {
        return Word::literal(raw);
    }
    if nesting_chars(raw) > MAX_WORD_NESTING
        || word_nesting(raw, Outside::Brackets) > MAX_WORD_PAREN_DEPTH
    {
        parts.problems.push(format!(
            "word `{}` nests too deeply to analyse",
            shorten(raw)
        ));
        return Word::opaque(raw);
    }
    let pieces = match quoted_pieces(raw) {
        Some(pieces) => pieces,
        None => {
            let options = super::parser_options();
            match catch(|| brush_parser::word::parse(raw, &options)) {
                Some(Ok(pieces)) => pieces,
                Some(Err(_)) | None => {
                    parts
                        .problems
                        .push(format!("word `{}` could not be parsed", shorten(raw)));
                    return Word::opaque(raw);
                }
            }
        }
    };
    let mut out = Resolved::default();
    // An unquoted `~` at the start of a word is tilde expansion (a home directory).
    if let Some(WordPieceWithSource {
        piece: WordPiece::Text(text),
        ..
    }) = pieces.first()
        && text.starts_with('~')
    {
        out.opaque = true;
    }
    for piece in &pieces {
        out.piece(raw, piece, false, parts);
    }
    // bash brace-expands and globs the whole word, quotes included: `{x,'-y'}` and
    // `{x{},-y}` expand to two words, `/etc/sha[d'']ow` is the pattern `/etc/sha[d]ow`. The
    // pieces above see each quoted part alone (found by probing, session 8).
    let whole = unquoted_structure(raw);
    if whole.brace_expansion && !out.opaque {
        out.opaque = true;
        parts.problems.push(format!(
            "word `{}` expands into several words (brace expansion)",
            shorten(raw)
        ));
    }
    if whole.bracket {
        out.glob = true;
    }
    Word {
        text: out.text,
        opaque: out.opaque,
        glob: out.glob,
    }
}

/// The pieces brush-parser's word parser yields for a word made only of unquoted text,
/// `'…'` and `"…"` without expansions or escapes (`rg -n 'fn main'`, `-m "fix: x"`, `*.rs`),
/// computed without it: its `word::parse` goes through a global mutex-guarded cache and
/// allocates a copy of every word. `None` for any other word (`$`, backquote, backslash, an
/// unterminated quote), which then goes to brush-parser. The two agree on every word this
/// accepts (tested against brush-parser below).
fn quoted_pieces(raw: &str) -> Option<Vec<WordPieceWithSource>> {
    if raw.contains(['$', '`', '\\']) {
        return None;
    }
    let mut pieces = Vec::new();
    let mut rest = raw;
    let mut at = 0;
    while let Some(c) = rest.chars().next() {
        let (piece, len) = match c {
            '\'' => {
                let body = rest.get(1..)?;
                let close = body.find('\'')?;
                let text = body.get(..close)?;
                (WordPiece::SingleQuotedText(text.to_owned()), close + 2)
            }
            '"' => {
                let body = rest.get(1..)?;
                let close = body.find('"')?;
                let text = body.get(..close)?;
                let inner = if text.is_empty() {
                    Vec::new()
                } else {
                    vec![WordPieceWithSource {
                        piece: WordPiece::Text(text.to_owned()),
                        start_index: at + 1,
                        end_index: at + 1 + close,
                    }]
                };
                (WordPiece::DoubleQuotedSequence(inner), close + 2)
            }
            _ => {
                let len = rest.find(['\'', '"']).unwrap_or(rest.len());
                (WordPiece::Text(rest.get(..len)?.to_owned()), len)
            }
        };
        pieces.push(WordPieceWithSource {
            piece,
            start_index: at,
            end_index: at + len,
        });
        at += len;
        rest = rest.get(len..)?;
    }
    Some(pieces)
}

/// Resolves the body of an unquoted here-document (which expands `$…` and backticks).
pub(crate) fn resolve_heredoc(body: &str, parts: &mut WordParts) -> Word {
    if !body.contains(['$', '`', '\\']) {
        return Word::literal(body);
    }
    if nesting_chars(body) > MAX_WORD_NESTING
        || word_nesting(body, Outside::Literal) > MAX_WORD_PAREN_DEPTH
    {
        parts
            .problems
            .push("here-document nests too deeply to analyse".to_owned());
        return Word::opaque(body);
    }
    let options = super::parser_options();
    let pieces = match catch(|| brush_parser::word::parse_heredoc(body, &options)) {
        Some(Ok(pieces)) => pieces,
        Some(Err(_)) | None => {
            parts
                .problems
                .push("here-document could not be parsed".to_owned());
            return Word::opaque(body);
        }
    };
    let mut out = Resolved::default();
    for piece in &pieces {
        out.piece(body, piece, true, parts);
    }
    Word {
        text: out.text,
        opaque: out.opaque,
        glob: out.glob,
    }
}

/// The scripts of the process substitutions (`<(…)`, `>(…)`) in `text`, outside quotes, each
/// up to its matching `)` (or the end of `text` when none matches).
fn process_substitutions(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut quote: Option<u8> = None;
    let mut i = 0usize;
    while let Some(&byte) = bytes.get(i) {
        match (quote, byte) {
            (Some(b'\''), b'\'') => quote = None,
            (Some(b'\''), _) => {}
            (_, b'\\') => i = i.saturating_add(1),
            (Some(b'"'), b'"') => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"') => quote = Some(byte),
            (None, b'<' | b'>') if bytes.get(i.saturating_add(1)) == Some(&b'(') => {
                let start = i.saturating_add(2);
                let mut depth = 1usize;
                let mut inner_quote: Option<u8> = None;
                let mut j = start;
                while let Some(&b) = bytes.get(j) {
                    match (inner_quote, b) {
                        (Some(q), b) if b == q => inner_quote = None,
                        (Some(b'"'), b'\\') => j = j.saturating_add(1),
                        (Some(_), _) => {}
                        (None, b'\\') => j = j.saturating_add(1),
                        (None, b'\'' | b'"') => inner_quote = Some(b),
                        (None, b'(') => depth = depth.saturating_add(1),
                        (None, b')') => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j = j.saturating_add(1);
                }
                if let Some(script) = text.get(start..j.min(text.len())) {
                    found.push(script);
                }
                i = j;
            }
            _ => {}
        }
        i = i.saturating_add(1);
    }
    found
}

/// Runs a parser call, turning a panic inside the parser into `None` (fail closed).
pub(crate) fn catch<T>(f: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

/// Shortens user input for a message.
pub(crate) fn shorten(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

#[derive(Default)]
struct Resolved {
    text: String,
    opaque: bool,
    glob: bool,
}

/// What the unquoted characters of a whole word, quoted parts skipped, make of it.
#[derive(Debug, Default, PartialEq, Eq)]
struct Structure {
    /// An unquoted `{` with an unquoted `}` after it and a `,` or `..` (quoted or not)
    /// between the first such `{` and the last such `}`: bash may brace-expand the word.
    /// Wider than bash's rule, which wants the separator unquoted and the braces balanced.
    brace_expansion: bool,
    /// An unquoted `[` with an unquoted `]` after it: a bracket expression, even with quoted
    /// text between them (`[d'']`).
    bracket: bool,
}

/// Scans a word as bash's expansions read it: quotes, escapes, `${…}`, `$(…)` and backquotes
/// are skipped, and the braces and brackets left are what brace expansion and pathname
/// expansion see.
fn unquoted_structure(raw: &str) -> Structure {
    let bytes = raw.as_bytes();
    let mut first_brace: Option<usize> = None;
    let mut last_brace: Option<usize> = None;
    let mut first_bracket: Option<usize> = None;
    let mut bracket = false;
    let mut i = 0usize;
    // Skips to the byte after the closing `close` of a run that opened before `from`, with
    // nesting of `open` and backslash escapes; the end of the word when none closes it.
    let skip_nested = |from: usize, open: u8, close: u8| -> usize {
        let mut depth = 1usize;
        let mut j = from;
        while let Some(&b) = bytes.get(j) {
            if b == b'\\' {
                j = j.saturating_add(2);
                continue;
            }
            if b == open {
                depth = depth.saturating_add(1);
            } else if b == close {
                depth -= 1;
                if depth == 0 {
                    return j.saturating_add(1);
                }
            }
            j = j.saturating_add(1);
        }
        bytes.len()
    };
    let skip_quoted = |from: usize, close: u8, escapes: bool| -> usize {
        let mut j = from;
        while let Some(&b) = bytes.get(j) {
            if escapes && b == b'\\' {
                j = j.saturating_add(2);
                continue;
            }
            if b == close {
                return j.saturating_add(1);
            }
            j = j.saturating_add(1);
        }
        bytes.len()
    };
    while let Some(&b) = bytes.get(i) {
        let next = bytes.get(i.saturating_add(1)).copied();
        i = match (b, next) {
            (b'\\', _) => i.saturating_add(2),
            (b'\'', _) => skip_quoted(i.saturating_add(1), b'\'', false),
            (b'"', _) => skip_quoted(i.saturating_add(1), b'"', true),
            (b'`', _) => skip_quoted(i.saturating_add(1), b'`', true),
            (b'$', Some(b'\'')) => skip_quoted(i.saturating_add(2), b'\'', true),
            (b'$', Some(b'"')) => skip_quoted(i.saturating_add(2), b'"', true),
            (b'$', Some(b'{')) => skip_nested(i.saturating_add(2), b'{', b'}'),
            (b'$', Some(b'(')) => skip_nested(i.saturating_add(2), b'(', b')'),
            (b'{', _) => {
                first_brace.get_or_insert(i);
                i.saturating_add(1)
            }
            (b'}', _) => {
                if first_brace.is_some() {
                    last_brace = Some(i);
                }
                i.saturating_add(1)
            }
            (b'[', _) => {
                first_bracket.get_or_insert(i);
                i.saturating_add(1)
            }
            (b']', _) => {
                bracket |= first_bracket.is_some();
                i.saturating_add(1)
            }
            _ => i.saturating_add(1),
        };
    }
    let brace_expansion = match (first_brace, last_brace) {
        (Some(open), Some(close)) => raw
            .get(open..close)
            .is_some_and(|inner| inner.contains(',') || inner.contains("..")),
        _ => false,
    };
    Structure {
        brace_expansion,
        bracket,
    }
}

/// Whether unquoted text contains a brace expansion (`{a,b}` or `{1..3}`).
fn is_brace_expansion(text: &str) -> bool {
    text.find('{').is_some_and(|open| {
        text.get(open..).is_some_and(|rest| {
            rest.find('}')
                .and_then(|close| rest.get(..close))
                .is_some_and(|inner| inner.contains(',') || inner.contains(".."))
        })
    })
}

/// Whether unquoted text contains a pattern bash expands against file names. A lone `[`
/// (the test command) is not a pattern: bash needs a closing `]`.
fn is_glob(text: &str) -> bool {
    text.contains(['*', '?'])
        || text
            .find('[')
            .is_some_and(|i| text.get(i..).is_some_and(|rest| rest.contains(']')))
}

impl Resolved {
    fn piece(
        &mut self,
        source: &str,
        piece: &WordPieceWithSource,
        in_double_quotes: bool,
        parts: &mut WordParts,
    ) {
        let written = source.get(piece.start_index..piece.end_index).unwrap_or("");
        match &piece.piece {
            WordPiece::Text(text) => {
                // Unquoted glob characters expand at run time (pathname expansion).
                if !in_double_quotes && is_glob(text) {
                    self.glob = true;
                }
                // Brace expansion turns one word into several (`{rm,-rf,/}` runs `rm -rf /`).
                if !in_double_quotes && is_brace_expansion(text) {
                    self.opaque = true;
                    parts.problems.push(format!(
                        "word `{}` expands into several words (brace expansion)",
                        shorten(source)
                    ));
                }
                self.text.push_str(text);
            }
            WordPiece::SingleQuotedText(text) => self.text.push_str(text),
            WordPiece::AnsiCQuotedText(text) => match decode_ansi_c(text) {
                Some(decoded) => self.text.push_str(&decoded),
                None => {
                    self.opaque = true;
                    self.text.push_str(written);
                }
            },
            WordPiece::DoubleQuotedSequence(inner) => {
                for p in inner {
                    self.piece(source, p, true, parts);
                }
            }
            // `$"…"` is translated from the message catalog `TEXTDOMAIN`/`TEXTDOMAINDIR` name,
            // and bash expands the translation as a double-quoted string: a catalog in the
            // workspace can turn `$"hi"` into `$(cmd)` (found by probing, session 7).
            WordPiece::GettextDoubleQuotedSequence(inner) => {
                for p in inner {
                    self.piece(source, p, true, parts);
                }
                self.opaque = true;
            }
            WordPiece::EscapeSequence(seq) => {
                let escaped = seq.strip_prefix('\\').unwrap_or(seq);
                if escaped == "\n" {
                    // A backslash-newline is a line continuation: it vanishes.
                } else if in_double_quotes && !matches!(escaped, "$" | "`" | "\"" | "\\") {
                    self.text.push_str(seq);
                } else {
                    self.text.push_str(escaped);
                }
            }
            WordPiece::TildeExpansion(_) => {
                self.opaque = true;
                self.text.push_str(written);
            }
            WordPiece::ParameterExpansion(_) => {
                self.opaque = true;
                self.text.push_str(written);
                // Substring offsets are arithmetic (`${s:i:2}`; not `${s:-…}`, `${s:=…}`,
                // `${s:?…}`, `${s:+…}`).
                if let Some(body) = written.strip_prefix("${")
                    && let Some(colon) = body.find(':')
                    && body
                        .get(..colon)
                        .is_some_and(|n| n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
                    && !matches!(
                        body.as_bytes().get(colon.saturating_add(1)),
                        Some(b'-' | b'=' | b'?' | b'+')
                    )
                    && let Some(offsets) = body
                        .get(colon.saturating_add(1)..)
                        .and_then(|o| o.strip_suffix('}'))
                {
                    parts.arithmetic.push(offsets.to_owned());
                }
                // An indexed array's subscript is arithmetic (`${a[i]}`, `${#a[i]}`; not a
                // pattern's brackets, `${x/[a-z]/_}`).
                if let Some(body) = written.strip_prefix("${")
                    && let name = body.trim_start_matches(['!', '#'])
                    && let Some(open) = name.find('[')
                    && name.get(..open).is_some_and(|n| {
                        !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    })
                    && let Some(close) = name.rfind(']')
                    && let Some(subscript) = name.get(open.saturating_add(1)..close)
                {
                    parts.arithmetic.push(subscript.to_owned());
                }
                // `${x:-$(cmd)}` and array subscripts hide substitutions inside a parameter
                // expansion: analyse the inside (strictly shorter, so this terminates) and
                // still report it, since which branch runs is only known at run time.
                // `${x@P}` runs prompt expansion, which executes `$(…)` in x's value.
                if written.contains("$(") || written.contains('`') {
                    parts.problems.push(format!(
                        "parameter expansion `{}` contains a command substitution",
                        shorten(written)
                    ));
                    if let Some(inner) =
                        written.strip_prefix("${").and_then(|w| w.strip_suffix('}'))
                    {
                        let _ = resolve_heredoc(inner, parts);
                    }
                }
                // bash runs process substitutions in the word too (`${x:-<(cmd)}` runs cmd
                // when x is unset; found by the grammar-based differential test against bash).
                if written.contains("<(") || written.contains(">(") {
                    parts.problems.push(format!(
                        "parameter expansion `{}` contains a process substitution",
                        shorten(written)
                    ));
                    parts.substitutions.extend(
                        process_substitutions(written)
                            .into_iter()
                            .map(str::to_owned),
                    );
                }
                // `${!x}` expands the variable x's value names, subscript and all (a value
                // like `a[$(cmd)]` runs cmd); `${!x@}`, `${!x*}` and `${!a[@]}` list names.
                if let Some(name) = written
                    .strip_prefix("${!")
                    .and_then(|w| w.strip_suffix('}'))
                    && !name.ends_with('@')
                    && !name.ends_with('*')
                    && !name.ends_with("[@]")
                    && !name.ends_with("[*]")
                {
                    parts.problems.push(format!(
                        "indirect expansion `{}` expands the variable named by a run-time value, whose subscript bash expands",
                        shorten(written)
                    ));
                }
                if written.contains("@P}") {
                    parts.problems.push(format!(
                        "prompt expansion `{}` can run commands from a variable",
                        shorten(written)
                    ));
                }
            }
            WordPiece::CommandSubstitution(script) => {
                self.opaque = true;
                self.text.push_str(written);
                parts.substitutions.push(script.clone());
            }
            WordPiece::BackquotedCommandSubstitution(script) => {
                self.opaque = true;
                self.text.push_str(written);
                parts.substitutions.push(unescape_backquoted(script));
            }
            WordPiece::ArithmeticExpression(expr) => {
                self.opaque = true;
                self.text.push_str(written);
                parts.arithmetic.push(expr.value.clone());
                // Arithmetic runs the substitutions inside it.
                if expr.value.contains("$(") || expr.value.contains('`') {
                    let _ = resolve_heredoc(&expr.value, parts);
                }
            }
        }
    }
}

/// Inside backticks, `\$`, `` \` `` and `\\` lose their backslash before the script runs.
fn unescape_backquoted(script: &str) -> String {
    let mut out = String::with_capacity(script.len());
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&next) = chars.peek()
            && matches!(next, '$' | '`' | '\\')
        {
            out.push(next);
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

/// Decodes the body of `$'…'` as bash does. `None` for escapes whose result we do not model
/// (the word is then opaque), e.g. `\c` control characters beyond ASCII letters.
pub(crate) fn decode_ansi_c(body: &str) -> Option<String> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'e' | 'E' => out.push('\x1b'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            '?' => out.push('?'),
            '0'..='7' => {
                let mut value = e.to_digit(8)?;
                for _ in 0..2 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                // Bash emits the low byte; a byte over 0x7f is not valid UTF-8 on its own.
                let byte = u8::try_from(value & 0xff).ok()?;
                if byte == 0 {
                    // bash truncates the string at a NUL.
                    return Some(out);
                }
                out.push(char::from(byte).is_ascii().then_some(char::from(byte))?);
            }
            // bash 5.2 also reads `\x{HH…}` (any number of digits in braces): not decoded
            // here, so the word is only known at run time (`$'echo x\x{3b}rm -rf /'` is
            // `echo x;rm -rf /`; found by probing, session 7).
            'x' if chars.peek() == Some(&'{') => return None,
            'x' => {
                let mut value = 0u32;
                let mut digits = 0;
                while digits < 2 {
                    match chars.peek().and_then(|d| d.to_digit(16)) {
                        Some(d) => {
                            value = value * 16 + d;
                            chars.next();
                            digits += 1;
                        }
                        None => break,
                    }
                }
                if digits == 0 {
                    out.push('\\');
                    out.push('x');
                    continue;
                }
                if value == 0 {
                    return Some(out);
                }
                let ch = char::from_u32(value)?;
                if !ch.is_ascii() {
                    return None;
                }
                out.push(ch);
            }
            'u' | 'U' => {
                let max = if e == 'u' { 4 } else { 8 };
                let mut value = 0u32;
                let mut digits = 0;
                while digits < max {
                    match chars.peek().and_then(|d| d.to_digit(16)) {
                        Some(d) => {
                            value = value.checked_mul(16)?.checked_add(d)?;
                            chars.next();
                            digits += 1;
                        }
                        None => break,
                    }
                }
                if digits == 0 {
                    out.push('\\');
                    out.push(e);
                    continue;
                }
                if value == 0 {
                    return Some(out);
                }
                // Beyond ASCII, bash's output depends on the locale (in the C locale it keeps
                // `\u00E9` as text): the word is opaque.
                let ch = char::from_u32(value)?;
                if !ch.is_ascii() {
                    return None;
                }
                out.push(ch);
            }
            'c' => {
                let ctl = chars.next()?;
                if !ctl.is_ascii_alphabetic() {
                    return None;
                }
                let code = u8::try_from(u32::from(ctl.to_ascii_uppercase())).ok()? & 0x1f;
                if code == 0 {
                    return Some(out);
                }
                out.push(char::from(code));
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// brush-parser's pieces for `raw`, rendered for comparison (its types have no `PartialEq`).
    fn brush_pieces(raw: &str) -> String {
        let pieces = brush_parser::word::parse(raw, &crate::shell::parser_options());
        format!("{:?}", pieces.ok())
    }

    #[test]
    fn braces_and_brackets_are_read_across_quoted_parts() {
        for (raw, brace, bracket) in [
            ("{a,b}", true, false),
            ("{x,'-y'}", true, false),
            ("{x,\\;}", true, false),
            ("{x{},a,b}", true, false),
            ("{x}{a,b}", true, false),
            ("{1..3}", true, false),
            ("'{a,b}'", false, false),
            ("\"{a,b}\"", false, false),
            ("${x:-a,b}", false, false),
            ("{}", false, false),
            ("@{u}..HEAD", false, false),
            ("/etc/sha[d'']ow", false, true),
            ("[a]", false, true),
            ("'[a]'", false, false),
            ("[", false, false),
            ("$'{a,b}'", false, false),
        ] {
            assert_eq!(
                unquoted_structure(raw),
                Structure {
                    brace_expansion: brace,
                    bracket
                },
                "{raw}"
            );
        }
    }

    #[test]
    fn quoted_pieces_match_brush_parser() {
        for raw in [
            "a",
            "'a b'",
            "\"a b\"",
            "\"\"",
            "''",
            "a'b'\"c\"d",
            "*.rs",
            "~/x",
            "'~'x",
            "HEAD~1",
            "{a,b}",
            "\"it's\"",
            "'say \"hi\"'",
            "--flag='x y'",
        ] {
            assert_eq!(
                format!("{:?}", quoted_pieces(raw)),
                brush_pieces(raw),
                "{raw:?}"
            );
        }
        for raw in ["$x", "a\\b", "`id`", "'open", "\"open"] {
            assert!(quoted_pieces(raw).is_none(), "{raw:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 1024,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Whenever the quote-only lexer takes a word, it yields brush-parser's pieces.
        #[test]
        fn quoted_pieces_agree_with_brush_parser(raw in "[a-z'\" ~*?\\[\\]{},=.:/@#!$`\\\\-]{1,16}") {
            if let Some(pieces) = quoted_pieces(&raw) {
                proptest::prop_assert_eq!(format!("{:?}", Some(pieces)), brush_pieces(&raw));
            }
        }
    }
}
