//! Which files a glob may name, for path classes.
//!
//! bash expands an unquoted glob into the files it matches, in arguments and in redirection
//! targets alike, so `cat /etc/sh*` reads `/etc/shadow` and `echo x >> /etc/passw?` appends to
//! `/etc/passwd`. A path class is a property of names (`/etc/shadow`, `.ssh/`, `id_rsa`), so a
//! glob is classified by the names it could expand to. Each wildcard component is filled in
//! with its shortest fill (`*.pem` → `.pem`) and with every name the path tables know that it
//! matches (`sh*` → `shadow`, `.ss?` → `.ssh`, `[u]sr` → `usr`, `server.pe?` → `server.pem`),
//! and each resulting path is classified as written. A glob with too many such paths gets
//! every class its place allows (see [`fallback`]), so the answer errs high, never low.
//!
//! Two rules keep ordinary globs quiet. A component with no literal text (`*`, `?*`) inside
//! the workspace is only filled with its shortest fill: `src/*` names the project's own
//! files, which `grep -r x src` reads as well. Outside the workspace it is filled with the
//! names that matter in their place (`/etc/*` holds `shadow`, `/*/shadow` is
//! `/etc/shadow`), not with names that are secrets anywhere (`id_rsa`), or every
//! `/usr/bin/*` would be one. And as in bash, a name starting with `.` is only matched by a
//! pattern starting with a literal `.`, unless the line may turn on `dotglob`.
//!
//! The files that exist are not looked at: the analysis is lexical, and the machine that
//! runs the line may not be the one that judges it.

use std::cell::Cell;

use crate::risk_table::{PathClass, PathClasses};

/// Most concrete paths one glob is expanded to before it gets the [`fallback`] classes.
const MAX_PATHS_PER_GLOB: usize = 256;

/// Most wildcard components one glob may have before it gets the [`fallback`] classes.
const MAX_WILDCARD_COMPONENTS: usize = 6;

/// What filling one wildcard component costs of the [`LINE_BUDGET`], in classified paths.
const FILL_COST: usize = 64;

/// Concrete paths one line may classify for its globs in all; later globs get the
/// [`fallback`] classes. Bounds the time a hostile line full of `[!a]*` words can cost.
pub(crate) const LINE_BUDGET: usize = 20_000;

/// Whether `text` has a character bash's pathname expansion treats as a pattern. A lone `[`
/// (the test command) is not one: bash needs a closing `]` after it.
pub(crate) fn has_glob_chars(text: &str) -> bool {
    text.contains(['*', '?'])
        || text
            .find('[')
            .is_some_and(|i| text.get(i + 1..).is_some_and(|rest| rest.contains(']')))
}

/// One element of a one-component pattern.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A character that matches itself.
    Char(char),
    /// `?`: any one character.
    Any,
    /// `*`: any run of characters, the empty one included.
    Star,
    /// `[…]` / `[!…]` / `[^…]`: one character in (or, negated, not in) the ranges.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Token {
    /// Whether this one-character token matches `c` (`Star` is handled by the matcher).
    fn matches(&self, c: char) -> bool {
        match self {
            Token::Char(want) => *want == c,
            Token::Any | Token::Star => true,
            Token::Class { negated, ranges } => {
                ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
            }
        }
    }

    /// A character this token matches, preferring letters, for the shortest fill.
    fn example(&self) -> Option<char> {
        match self {
            Token::Char(c) => Some(*c),
            Token::Star => None,
            Token::Any => Some('x'),
            Token::Class { .. } => ['x', 'a', '0', '_', '.', '-']
                .into_iter()
                .chain(self.range_starts())
                .find(|c| self.matches(*c)),
        }
    }

    fn range_starts(&self) -> impl Iterator<Item = char> + '_ {
        let ranges: &[(char, char)] = match self {
            Token::Class {
                negated: false,
                ranges,
            } => ranges,
            _ => &[],
        };
        ranges.iter().map(|(lo, _)| *lo)
    }
}

/// The tokens of one path component read as a glob. A `[` that no `]` closes is itself, as
/// in bash; `]` right after `[` or `[!` belongs to the set.
fn tokenize(component: &str) -> Vec<Token> {
    let chars: Vec<char> = component.chars().collect();
    let mut tokens = Vec::with_capacity(chars.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        match c {
            '*' => {
                // `**` (globstar) matches like `*` within one component.
                if tokens.last() != Some(&Token::Star) {
                    tokens.push(Token::Star);
                }
            }
            '?' => tokens.push(Token::Any),
            '[' => match class_at(&chars, i) {
                Some((token, next)) => {
                    tokens.push(token);
                    i = next;
                }
                None => tokens.push(Token::Char('[')),
            },
            _ => tokens.push(Token::Char(c)),
        }
    }
    tokens
}

/// The bracket expression starting after the `[` at `start - 1`, and the index after its
/// `]`; `None` when no `]` closes it.
fn class_at(chars: &[char], start: usize) -> Option<(Token, usize)> {
    let mut i = start;
    let negated = matches!(chars.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = *chars.get(i)?;
        if c == ']' && !first {
            return Some((Token::Class { negated, ranges }, i + 1));
        }
        first = false;
        // POSIX classes `[:alpha:]`, equivalence classes `[=s=]` and collating symbols
        // `[.s.]` inside the brackets (`/etc/[[:alpha:]]hadow`; found by probing, session 7).
        if c == '['
            && let Some(&kind @ (':' | '=' | '.')) = chars.get(i + 1)
        {
            let close = (i + 2..chars.len().saturating_sub(1))
                .find(|&j| chars.get(j) == Some(&kind) && chars.get(j + 1) == Some(&']'));
            if let Some(close) = close {
                let name: String = chars.get(i + 2..close)?.iter().collect();
                match kind {
                    ':' => ranges.extend(posix_class(&name)),
                    _ => ranges.extend(name.chars().map(|c| (c, c))),
                }
                i = close + 2;
                continue;
            }
        }
        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|c| *c != ']') {
            let hi = *chars.get(i + 2)?;
            ranges.push((c, hi));
            i += 3;
        } else {
            ranges.push((c, c));
            i += 1;
        }
    }
}

/// The characters of a POSIX character class, as ranges (ASCII; an unknown name matches
/// any printable character, which only over-approximates).
fn posix_class(name: &str) -> Vec<(char, char)> {
    match name {
        "alpha" => vec![('a', 'z'), ('A', 'Z')],
        "digit" => vec![('0', '9')],
        "alnum" => vec![('a', 'z'), ('A', 'Z'), ('0', '9')],
        "upper" => vec![('A', 'Z')],
        "lower" => vec![('a', 'z')],
        "xdigit" => vec![('0', '9'), ('a', 'f'), ('A', 'F')],
        "space" | "blank" => vec![(' ', ' '), ('\t', '\r')],
        "word" => vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')],
        "punct" => vec![('!', '/'), (':', '@'), ('[', '`'), ('{', '~')],
        _ => vec![(' ', '~')],
    }
}

/// Whether `name` matches the pattern `tokens` (one path component). Backtracks only to the
/// last `*`, so it takes time linear in the two lengths' product at worst.
fn matches(tokens: &[Token], name: &str) -> bool {
    let name: Vec<char> = name.chars().collect();
    let (mut t, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    loop {
        match (tokens.get(t), name.get(n)) {
            (Some(Token::Star), _) => {
                star = Some((t, n));
                t += 1;
            }
            (Some(token), Some(&c)) if token.matches(c) => {
                t += 1;
                n += 1;
            }
            (None, None) => return true,
            _ => match star {
                Some((star_t, star_n)) if star_n < name.len() => {
                    star = Some((star_t, star_n + 1));
                    t = star_t + 1;
                    n = star_n + 1;
                }
                _ => return false,
            },
        }
    }
}

/// The shortest name `tokens` match: each `*` empty, each `?` or set one character it
/// matches; `x` for a pattern of stars alone, since a file name is never empty (an empty
/// fill would turn `*` into the path of the directory above it, `/` for a relative one).
/// `None` for a set that matches nothing we try.
fn shortest_fill(tokens: &[Token]) -> Option<String> {
    let mut out = String::with_capacity(tokens.len());
    for token in tokens {
        if *token != Token::Star {
            out.push(token.example()?);
        }
    }
    if out.is_empty() && !tokens.is_empty() {
        out.push('x');
    }
    Some(out)
}

/// The names the path tables know, to fill wildcard components with.
#[derive(Debug, Default)]
pub(crate) struct Names {
    /// Names that matter in their place (`etc` and `shadow` of `/etc/shadow`, `.ssh` of
    /// `/.ssh/`, `usr`, `sda`).
    pub located: Vec<&'static str>,
    /// File names that are secrets wherever they are (`id_rsa`, `.pem`): only tried for a
    /// component with literal text (`id_*`, `*.pem`), or every `src/*` would be a secret.
    pub anywhere: Vec<&'static str>,
}

/// How the line expands globs.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Expansion {
    /// `shopt -s dotglob` or `GLOBIGNORE` may be in effect: `*` also matches names starting
    /// with `.` (bash(1), Pathname Expansion). Without it, such a name is only matched by a
    /// pattern that starts with a literal `.`.
    pub dotglob: bool,
}

/// The names `component` (a glob) may stand for: its shortest fill, and the names of
/// `names` it matches, without repeats. A component with no literal text (`*`, `?*`) is
/// filled with located names only when `outside` the workspace: inside it, `src/*` names
/// the project's own files, which a recursive read of `src` reads as well, unless dotglob
/// makes it match the dot names beside them (`.env`, `.git`).
fn fills(component: &str, names: &Names, outside: bool, expansion: Expansion) -> Vec<String> {
    let tokens = tokenize(component);
    let mut out: Vec<String> = shortest_fill(&tokens).into_iter().collect();
    let bare = !tokens.iter().any(|t| matches!(t, Token::Char(_)));
    // With dotglob on, a bare component inside the workspace also matches the dot names
    // beside the project's files (`GLOBIGNORE=x; cat *` reads `.env`; found by probing,
    // session 8).
    let dot_names_only = bare && !outside && expansion.dotglob;
    let lists: &[&[&'static str]] = match (bare, outside) {
        (false, _) => &[&names.located, &names.anywhere],
        (true, true) => &[&names.located],
        (true, false) if dot_names_only => &[&names.located, &names.anywhere],
        (true, false) => &[],
    };
    let dot_matches = expansion.dotglob || tokens.first() == Some(&Token::Char('.'));
    for name in lists.iter().flat_map(|list| list.iter()) {
        if (name.starts_with('.') && !dot_matches) || (dot_names_only && !name.starts_with('.')) {
            continue;
        }
        if matches(&tokens, name) && !out.iter().any(|o| o == name) {
            out.push((*name).to_owned());
        }
    }
    // bash before 5.2 (macOS's 3.2 among them) matches `..` with `.*`: the parent
    // directory (`grep -r x .*`).
    if tokens.first() == Some(&Token::Char('.')) && matches(&tokens, "..") {
        out.push("..".to_owned());
    }
    // A name that is a secret wherever it is may also sit inside a longer one
    // (`server.pe?` matches `server.pem`): fill the pattern with it where the pattern's
    // fixed-width part can spell it. Not across a `*`, which could spell anything.
    if !bare {
        for name in &names.anywhere {
            if let Some(fill) = fill_with(&tokens, name)
                && !out.contains(&fill)
            {
                out.push(fill);
            }
        }
    }
    out
}

/// A name `tokens` match that contains `word` in a window of tokens without a `*`, the
/// other tokens filled as in [`shortest_fill`]; `None` when no such window spells `word`.
fn fill_with(tokens: &[Token], word: &str) -> Option<String> {
    let word: Vec<char> = word.chars().collect();
    let start = (0..=tokens.len().checked_sub(word.len())?).find(|&start| {
        word.iter().enumerate().all(|(k, c)| {
            tokens
                .get(start + k)
                .is_some_and(|t| *t != Token::Star && t.matches(*c))
        })
    })?;
    let mut out = String::new();
    for (i, token) in tokens.iter().enumerate() {
        match i.checked_sub(start).and_then(|k| word.get(k)) {
            Some(c) => out.push(*c),
            None if *token == Token::Star => {}
            None => out.push(token.example()?),
        }
    }
    Some(out)
}

/// Whether a path leaves the workspace: absolute, under `~` or a variable, or through `..`.
fn is_outside(path: &str) -> bool {
    path.starts_with(['/', '~', '$']) || path.split('/').any(|c| c == "..")
}

/// The classes a glob gets when it stands for too many paths to classify one by one: all
/// the classes of names (secrets, persistence, system and critical files, devices) for a
/// glob outside the workspace, and secrets and persistence for one inside it; plus the
/// classes of the glob as written.
fn fallback(glob: &str, classify: impl Fn(&str) -> PathClasses) -> PathClasses {
    let mut classes = classify(glob);
    let wanted: &[PathClass] = if is_outside(glob) {
        &[
            PathClass::System,
            PathClass::CriticalSystem,
            PathClass::Secret,
            PathClass::Persistence,
            PathClass::Device,
        ]
    } else {
        &[PathClass::Secret, PathClass::Persistence]
    };
    for class in wanted {
        classes.push(*class);
    }
    classes
}

/// The classes of the paths `glob` may expand to, with `classify` classifying each
/// concrete path and `names` the names to try in wildcard components. Each concrete path
/// classified spends one unit of `budget`; with too little left, the answer is
/// [`fallback`].
pub(crate) fn classify_glob(
    glob: &str,
    names: &Names,
    expansion: Expansion,
    budget: &Cell<usize>,
    classify: impl Fn(&str) -> PathClasses,
) -> PathClasses {
    let components: Vec<&str> = glob.split('/').collect();
    let wild = components.iter().filter(|c| has_glob_chars(c)).count();
    if wild == 0 {
        return classify(glob);
    }
    // Filling a component matches it against every name the tables know, which costs like
    // classifying a few dozen paths: it is charged to the line's budget before it is done
    // (a line of a hundred `cd */` and `>> i` spent 0.2 s filling once the budget was gone;
    // found by fuzzing, session 9).
    let fill_cost = wild.saturating_mul(FILL_COST);
    if wild > MAX_WILDCARD_COMPONENTS || budget.get() < fill_cost {
        budget.set(budget.get().saturating_sub(fill_cost));
        return fallback(glob, classify);
    }
    budget.set(budget.get() - fill_cost);
    let outside = is_outside(glob);
    // Each component's possible names: itself when literal, its fills when a glob.
    let choices: Vec<Vec<String>> = components
        .iter()
        .map(|c| {
            if has_glob_chars(c) {
                fills(c, names, outside, expansion)
            } else {
                vec![(*c).to_owned()]
            }
        })
        .collect();
    let total = choices
        .iter()
        .try_fold(1usize, |n, c| n.checked_mul(c.len()))
        .unwrap_or(usize::MAX);
    if total > MAX_PATHS_PER_GLOB || total > budget.get() {
        budget.set(budget.get().saturating_sub(MAX_PATHS_PER_GLOB));
        return fallback(glob, classify);
    }
    budget.set(budget.get() - total);
    let mut classes = classify(glob);
    if total == 0 {
        // A set no name we try matches (`[]]x`): the glob as written is all we can say.
        return classes;
    }
    // An odometer over the choices.
    let mut at = vec![0usize; choices.len()];
    let mut path = String::with_capacity(glob.len() + 32);
    loop {
        path.clear();
        for (i, (choice, index)) in choices.iter().zip(&at).enumerate() {
            if i > 0 {
                path.push('/');
            }
            path.push_str(choice.get(*index).map_or("", String::as_str));
        }
        classes = classes.union(classify(&path));
        // Advance the last component that has another choice; reset the ones after it.
        let mut i = choices.len();
        loop {
            if i == 0 {
                return classes;
            }
            i -= 1;
            let (Some(slot), Some(choice)) = (at.get_mut(i), choices.get(i)) else {
                return classes;
            };
            *slot += 1;
            if *slot < choice.len() {
                break;
            }
            *slot = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, name: &str) -> bool {
        matches(&tokenize(pattern), name)
    }

    #[test]
    fn component_matching_follows_bash() {
        for (pattern, name) in [
            ("*", ""),
            ("*", "shadow"),
            ("sh*", "shadow"),
            ("*dow", "shadow"),
            ("s*d*w", "shadow"),
            ("shado?", "shadow"),
            ("[s]hadow", "shadow"),
            ("[a-z]hadow", "shadow"),
            ("[!x]hadow", "shadow"),
            ("[^x]hadow", "shadow"),
            ("[]]", "]"),
            ("[!]]", "a"),
            ("[[:alpha:]]hadow", "shadow"),
            ("[[:alnum:]_]x", "_x"),
            ("[[=s=]]hadow", "shadow"),
            ("[[.s.]]hadow", "shadow"),
            ("[![:digit:]]", "a"),
            ("a[", "a["),
            ("a[b", "a[b"),
            ("**", "x"),
            (".ss?", ".ssh"),
            ("*.pem", ".pem"),
            ("*a*a*a*b", "aaaaaaaab"),
        ] {
            assert!(m(pattern, name), "{pattern} should match {name}");
        }
        for (pattern, name) in [
            ("sh*", "passwd"),
            ("?", ""),
            ("[!s]hadow", "shadow"),
            ("[a-c]", "d"),
            ("shadow?", "shadow"),
            ("*a*a*a*b", "aaaaaaaaa"),
            ("[]", "]"),
        ] {
            assert!(!m(pattern, name), "{pattern} should not match {name}");
        }
    }

    #[test]
    fn shortest_fills() {
        for (pattern, fill) in [
            ("*.pem", ".pem"),
            ("id_*", "id_"),
            ("a?c", "axc"),
            ("[s]sh", "ssh"),
            ("[!x]", "a"),
            ("x[", "x["),
            ("*", "x"),
            ("**", "x"),
        ] {
            assert_eq!(shortest_fill(&tokenize(pattern)).as_deref(), Some(fill));
        }
    }

    #[test]
    fn fills_spell_secret_names_inside_longer_ones() {
        for (pattern, word, fill) in [
            ("server.pe?", ".pem", Some("server.pem")),
            ("*.pem", ".pem", Some(".pem")),
            ("x?id_rsa*", "id_rsa", Some("xxid_rsa")),
            ("x*.rs", ".pem", None),
            ("id_*", "id_rsa", None),
            ("a", "abc", None),
        ] {
            assert_eq!(
                fill_with(&tokenize(pattern), word).as_deref(),
                fill,
                "{pattern}"
            );
        }
    }

    #[test]
    fn has_glob_chars_needs_a_closing_bracket() {
        assert!(has_glob_chars("a*"));
        assert!(has_glob_chars("a?"));
        assert!(has_glob_chars("[ab]"));
        assert!(!has_glob_chars("["));
        assert!(!has_glob_chars("a]["));
        assert!(!has_glob_chars("/etc/passwd"));
    }

    proptest::proptest! {
        /// The matcher agrees with a regex built from the same pattern.
        #[test]
        fn matcher_agrees_with_a_regex(
            pattern in "[ab*?.]{0,8}|[ab]{0,3}\\[!?[a-c]{1,3}\\][ab*]{0,3}",
            name in "[abc.]{0,10}",
        ) {
            let tokens = tokenize(&pattern);
            let mut re = String::from("^");
            for token in &tokens {
                match token {
                    Token::Char(c) => re.push_str(&regex::escape(&c.to_string())),
                    Token::Any => re.push('.'),
                    Token::Star => re.push_str(".*"),
                    Token::Class { negated, ranges } => {
                        re.push('[');
                        if *negated {
                            re.push('^');
                        }
                        for (lo, hi) in ranges {
                            re.push_str(&regex::escape(&lo.to_string()));
                            if lo != hi {
                                re.push('-');
                                re.push_str(&regex::escape(&hi.to_string()));
                            }
                        }
                        re.push(']');
                    }
                }
            }
            re.push('$');
            let re = regex::Regex::new(&re).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            proptest::prop_assert_eq!(matches(&tokens, &name), re.is_match(&name), "{} vs {}", pattern, name);
        }

        /// A pattern matches its own shortest fill.
        #[test]
        fn a_pattern_matches_its_shortest_fill(pattern in "[ab*?.x]{0,8}|\\[!?[a-c]{1,3}\\][ab*]{0,3}") {
            let tokens = tokenize(&pattern);
            if let Some(fill) = shortest_fill(&tokens) {
                proptest::prop_assert!(matches(&tokens, &fill), "{} vs {}", pattern, fill);
            }
        }
    }
}
