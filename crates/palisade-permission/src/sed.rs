//! What a sed script does besides printing: the files its `w`/`W`/`r`/`R` commands and
//! `s///w` flags name, the commands its `e` commands run, and whether it runs its input as
//! commands (`e` alone, `s///e`). `sed -n '1,5p'` reads; `sed 's/x/y/e'` and `sed '1e CMD'`
//! run programs and `sed 'w FILE'` writes: OpenAI Codex's `is_safe_command` lesson.
//!
//! The grammar follows GNU sed 4.9 as `sed --debug` shows it reads scripts (a test compares
//! the two on generated scripts): `;` and newlines separate commands; a file name or an `e`
//! command runs to the end of the line (`w out;p` writes `out;p`); the delimiter of a regex
//! is literal inside a bracket expression (`s/[/]/x/`); `a`, `i` and `c` text runs to the
//! end of the line and continues after a backslash at its end. Anything this parser doesn't
//! know returns `None`, which the risk model treats as not read-only.

/// One effect of a sed script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Writes (truncates at start, then appends to) the file (`w`, `W`, `s///w`).
    Write(String),
    /// Reads the file (`r`, `R`).
    Read(String),
    /// Runs the command with `sh -c` (`e COMMAND`).
    Run(String),
    /// Runs a command whose text has a backslash, which sed rewrites before running it
    /// (`e echo a\nrm -rf /` runs two commands: GNU sed turns `\n` into a newline, `\x41`
    /// into `A`, and joins lines ending in a backslash). Shown as written.
    RunRewritten(String),
    /// Runs text from its input as a command (`e` alone, the `e` flag of `s`).
    RunInput,
}

/// A script read as GNU sed reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Script {
    /// The effects, in order.
    pub effects: Vec<Effect>,
    /// How many commands it has (`}` not counted).
    pub commands: usize,
}

/// Most bytes of script this parser reads; longer scripts are not understood.
const MAX_SCRIPT: usize = 64 * 1024;
/// Deepest `{` nesting this parser follows.
const MAX_BLOCKS: usize = 64;

/// Reads `script` (the `-e` pieces joined by newlines, or the first operand), or `None` when
/// it is not a script this parser understands.
pub(crate) fn parse(script: &str) -> Option<Script> {
    if script.len() > MAX_SCRIPT {
        return None;
    }
    let mut reader = Reader {
        bytes: script.as_bytes(),
        at: 0,
    };
    let mut out = Script::default();
    let mut depth = 0usize;
    loop {
        reader.skip(|b| matches!(b, b' ' | b'\t' | b'\n' | b';'));
        let Some(first) = reader.peek() else {
            break;
        };
        if first == b'#' {
            reader.rest_of_line();
            continue;
        }
        if first == b'}' {
            depth = depth.checked_sub(1)?;
            reader.at += 1;
            reader.end_of_command()?;
            continue;
        }
        reader.address()?;
        let command = reader.next()?;
        out.commands += 1;
        match command {
            b'{' => {
                depth += 1;
                if depth > MAX_BLOCKS {
                    return None;
                }
            }
            b'=' | b'd' | b'D' | b'g' | b'G' | b'h' | b'H' | b'n' | b'N' | b'p' | b'P' | b'x'
            | b'z' | b'F' => reader.end_of_command()?,
            b'l' | b'L' | b'q' | b'Q' => {
                reader.skip(|b| matches!(b, b' ' | b'\t'));
                reader.skip(|b| b.is_ascii_digit());
                reader.end_of_command()?;
            }
            b':' => {
                reader.skip(|b| matches!(b, b' ' | b'\t'));
                let label = reader.take_while(|b| !matches!(b, b';' | b'\n' | b' ' | b'\t'));
                if label.is_empty() {
                    return None;
                }
                reader.end_of_command()?;
            }
            b'b' | b't' | b'T' | b'v' => {
                reader.skip(|b| matches!(b, b' ' | b'\t'));
                reader.take_while(|b| !matches!(b, b';' | b'\n'));
            }
            b'a' | b'i' | b'c' => reader.text(),
            b'e' => {
                reader.skip(|b| matches!(b, b' ' | b'\t'));
                let start = reader.at;
                reader.text();
                let raw = reader.bytes.get(start..reader.at).unwrap_or_default();
                let raw = String::from_utf8_lossy(raw);
                let command = raw.strip_suffix('\n').unwrap_or(&raw);
                out.effects.push(if command.contains('\\') {
                    Effect::RunRewritten(command.to_owned())
                } else if command.is_empty() {
                    Effect::RunInput
                } else {
                    Effect::Run(command.to_owned())
                });
            }
            // File names are taken as written, to the end of the line (no escapes).
            b'r' | b'R' | b'w' | b'W' => {
                reader.skip(|b| matches!(b, b' ' | b'\t'));
                let argument = reader.rest_of_line();
                out.effects.push(match (command, argument.is_empty()) {
                    (_, true) => return None,
                    (b'r' | b'R', false) => Effect::Read(argument),
                    (_, false) => Effect::Write(argument),
                });
            }
            b's' => {
                let delimiter = reader.delimiter()?;
                reader.regex(delimiter)?;
                reader.replacement(delimiter)?;
                loop {
                    match reader.peek() {
                        Some(b'g' | b'p' | b'i' | b'I' | b'm' | b'M' | b' ' | b'\t') => {}
                        Some(b) if b.is_ascii_digit() => {}
                        Some(b'e') => out.effects.push(Effect::RunInput),
                        Some(b'w') => {
                            reader.at += 1;
                            reader.skip(|b| matches!(b, b' ' | b'\t'));
                            let file = reader.rest_of_line();
                            if file.is_empty() {
                                return None;
                            }
                            out.effects.push(Effect::Write(file));
                            break;
                        }
                        _ => {
                            reader.end_of_command()?;
                            break;
                        }
                    }
                    reader.at += 1;
                }
            }
            b'y' => {
                let delimiter = reader.delimiter()?;
                reader.replacement(delimiter)?;
                reader.replacement(delimiter)?;
                reader.end_of_command()?;
            }
            _ => return None,
        }
    }
    (depth == 0).then_some(out)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn skip(&mut self, mut keep: impl FnMut(u8) -> bool) {
        while self.peek().is_some_and(&mut keep) {
            self.at += 1;
        }
    }

    fn take_while(&mut self, keep: impl FnMut(u8) -> bool) -> String {
        let start = self.at;
        self.skip(keep);
        String::from_utf8_lossy(self.bytes.get(start..self.at).unwrap_or_default()).into_owned()
    }

    /// The rest of the line (without the newline, which is consumed).
    fn rest_of_line(&mut self) -> String {
        let line = self.take_while(|b| b != b'\n');
        self.at += usize::from(self.peek().is_some());
        line
    }

    /// After a command: blanks, then `;`, a newline, `}`, `#` or the end.
    fn end_of_command(&mut self) -> Option<()> {
        self.skip(|b| matches!(b, b' ' | b'\t'));
        match self.peek() {
            None | Some(b';' | b'\n' | b'}' | b'#') => Some(()),
            Some(_) => None,
        }
    }

    /// `a`, `i`, `c` text: to the end of the line, continued after a backslash at its end.
    fn text(&mut self) {
        while let Some(byte) = self.next() {
            match byte {
                b'\\' => self.at += usize::from(self.peek().is_some()),
                b'\n' => break,
                _ => {}
            }
        }
    }

    /// An optional address or address range, then optional `!`s.
    fn address(&mut self) -> Option<()> {
        if self.one_address(false)? {
            self.skip(|b| matches!(b, b' ' | b'\t'));
            if self.peek() == Some(b',') {
                self.at += 1;
                self.skip(|b| matches!(b, b' ' | b'\t'));
                if !self.one_address(true)? {
                    return None;
                }
            }
        }
        self.skip(|b| matches!(b, b' ' | b'\t' | b'!'));
        Some(())
    }

    /// One address, if there is one: a line number (`3`, `first~step`), `$`, `/regex/`,
    /// `\cregexc` (with `I`/`M` flags), or for the second of a range `+N` and `~N`.
    fn one_address(&mut self, second: bool) -> Option<bool> {
        match self.peek() {
            Some(b) if b.is_ascii_digit() => {
                self.skip(|b| b.is_ascii_digit());
                if self.peek() == Some(b'~') {
                    self.at += 1;
                    self.skip(|b| b.is_ascii_digit());
                }
            }
            Some(b'+' | b'~') if second => {
                self.at += 1;
                self.skip(|b| b.is_ascii_digit());
            }
            Some(b'$') => self.at += 1,
            Some(b'/') => {
                self.at += 1;
                self.regex(b'/')?;
                self.skip(|b| matches!(b, b'I' | b'M'));
            }
            Some(b'\\') => {
                self.at += 1;
                let delimiter = self.delimiter()?;
                self.regex(delimiter)?;
                self.skip(|b| matches!(b, b'I' | b'M'));
            }
            _ => return Some(false),
        }
        Some(true)
    }

    /// The delimiter of `s`, `y` or `\c`: any byte but a newline or backslash.
    fn delimiter(&mut self) -> Option<u8> {
        match self.next()? {
            b'\n' | b'\\' => None,
            byte => Some(byte),
        }
    }

    /// A regex up to its closing delimiter, which is consumed. A backslash escapes the next
    /// byte; inside a bracket expression the delimiter is literal. A newline ends nothing
    /// sed accepts.
    fn regex(&mut self, delimiter: u8) -> Option<()> {
        loop {
            match self.next()? {
                b'\n' => return None,
                b'\\' if self.next()? == b'\n' => return None,
                b'\\' => {}
                b'[' => self.bracket()?,
                byte if byte == delimiter => return Some(()),
                _ => {}
            }
        }
    }

    /// The rest of a bracket expression after its `[`: an optional `^`, a `]` first is
    /// literal, `[:class:]`, `[=c=]` and `[.c.]` are read whole, and `]` ends it.
    fn bracket(&mut self) -> Option<()> {
        if self.peek() == Some(b'^') {
            self.at += 1;
        }
        if self.peek() == Some(b']') {
            self.at += 1;
        }
        loop {
            match self.next()? {
                b'\n' => return None,
                b']' => return Some(()),
                b'[' if matches!(self.peek(), Some(b':' | b'=' | b'.')) => {
                    let kind = self.next()?;
                    loop {
                        match self.next()? {
                            b'\n' => return None,
                            b if b == kind && self.peek() == Some(b']') => {
                                self.at += 1;
                                break;
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// A replacement (or a `y` list) up to its closing delimiter: a backslash escapes the
    /// next byte, a newline included.
    fn replacement(&mut self, delimiter: u8) -> Option<()> {
        loop {
            match self.next()? {
                b'\\' => {
                    self.next()?;
                }
                b'\n' => return None,
                byte if byte == delimiter => return Some(()),
                _ => {}
            }
        }
    }
}

/// What a `sed` command line says: its script, whether it edits files in place, and its
/// input files.
#[derive(Debug, PartialEq)]
pub(crate) struct SedLine {
    /// The `-e`/`--expression` pieces joined by newlines, else the first operand; `None`
    /// when part of it is in a file (`-f FILE`).
    pub script: Option<String>,
    /// `-i`/`--in-place`: sed rewrites each input file.
    pub in_place: bool,
    /// The input files, as indices into the arguments (the operands after the script).
    pub files: Vec<usize>,
}

/// What the `sed` command line `args` (`argv` without the name) says. `None` for an option
/// we don't know, or no script.
pub(crate) fn script_of(args: &[&str]) -> Option<SedLine> {
    let mut pieces: Vec<&str> = Vec::new();
    let mut operands: Vec<usize> = Vec::new();
    let mut in_place = false;
    let mut from_file = false;
    let mut i = 0;
    while let Some(&arg) = args.get(i) {
        i += 1;
        if arg == "--" {
            operands.extend(i..args.len());
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (key, value) = match long.split_once('=') {
                Some((key, value)) => (key, Some(value)),
                None => (long, None),
            };
            // getopt_long takes any unambiguous prefix (`--expr='1e cmd'`, `--li 5`; found
            // by probing, session 9): read it as the option it abbreviates, or give up when
            // it abbreviates several.
            const LONG: &[&str] = &[
                "expression",
                "file",
                "in-place",
                "line-length",
                "quiet",
                "silent",
                "regexp-extended",
                "separate",
                "unbuffered",
                "null-data",
                "zero-terminated",
                "posix",
                "debug",
                "sandbox",
                "follow-symlinks",
                "binary",
                "help",
                "version",
            ];
            let key = if LONG.contains(&key) || key.is_empty() {
                key
            } else {
                let mut matching = LONG.iter().filter(|full| full.starts_with(key));
                match (matching.next(), matching.next()) {
                    (Some(full), None) => full,
                    // `--i` is `--in-place` for GNU sed (read below).
                    _ if key.starts_with('i') && "in-place".starts_with(key) => key,
                    _ => return None,
                }
            };
            match key {
                "expression" => {
                    let value = match value {
                        Some(value) => value,
                        None => {
                            i += 1;
                            args.get(i - 1).copied()?
                        }
                    };
                    pieces.push(value);
                }
                // getopt_long takes any unambiguous prefix: `--i` is `--in-place`.
                key if key.starts_with('i') && "in-place".starts_with(key) => in_place = true,
                "file" => {
                    from_file = true;
                    if value.is_none() {
                        i += 1;
                    }
                }
                "line-length" if value.is_none() => i += 1,
                "quiet" | "silent" | "regexp-extended" | "separate" | "unbuffered"
                | "null-data" | "zero-terminated" | "posix" | "debug" | "sandbox"
                | "follow-symlinks" | "binary" | "line-length" | "help" | "version" => {}
                _ => return None,
            }
            continue;
        }
        let Some(group) = arg.strip_prefix('-').filter(|g| !g.is_empty()) else {
            operands.push(i - 1);
            continue;
        };
        for (at, c) in group.char_indices() {
            let rest = group.get(at + c.len_utf8()..).unwrap_or("");
            match c {
                'n' | 'E' | 'r' | 's' | 'u' | 'z' | 'b' => {}
                // `-i[SUFFIX]`: the rest of the group is the suffix.
                'i' => {
                    in_place = true;
                    break;
                }
                'e' | 'l' | 'f' => {
                    let value = if rest.is_empty() {
                        i += 1;
                        args.get(i - 1).copied()?
                    } else {
                        rest
                    };
                    match c {
                        'e' => pieces.push(value),
                        'f' => from_file = true,
                        _ => {}
                    }
                    break;
                }
                _ => return None,
            }
        }
    }
    let files = if pieces.is_empty() && !from_file {
        let (first, rest) = operands.split_first()?;
        pieces.push(args.get(*first)?);
        rest.to_vec()
    } else {
        operands
    };
    Some(SedLine {
        script: (!from_file).then(|| pieces.join("\n")),
        in_place,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn effects(script: &str) -> Option<Vec<Effect>> {
        parse(script).map(|s| s.effects)
    }

    #[test]
    fn reads_scripts_as_gnu_sed_does() {
        use Effect::*;
        for (script, expected) in [
            ("1,5p", Some(vec![])),
            ("s/a/b/g;p", Some(vec![])),
            ("s/a/b/w out;p", Some(vec![Write("out;p".into())])),
            ("w o}", Some(vec![Write("o}".into())])),
            ("s/x/y/ w o", Some(vec![Write("o".into())])),
            ("1e rm -rf /", Some(vec![Run("rm -rf /".into())])),
            (
                "e echo a\\nrm -rf /",
                Some(vec![RunRewritten("echo a\\nrm -rf /".into())]),
            ),
            (
                "e echo \\\np",
                Some(vec![RunRewritten("echo \\\np".into())]),
            ),
            ("s/x/y/e", Some(vec![RunInput])),
            ("e", Some(vec![RunInput])),
            ("r /etc/shadow", Some(vec![Read("/etc/shadow".into())])),
            ("s/[/]/x/;e id", Some(vec![Run("id".into())])),
            ("s/a[/b/x/", None),
            ("s/[^]/]/x/", Some(vec![])),
            ("s/[[:alpha:]/]/x/;w f", Some(vec![Write("f".into())])),
            ("a foo;e echo", Some(vec![])),
            ("a\\\ntext\\\nmore;e id\np", Some(vec![])),
            (":a;N;$!ba", Some(vec![])),
            ("/a/I,/b/M!{s/x/y/;e id\n}", Some(vec![Run("id".into())])),
            ("\\%x%e id", Some(vec![Run("id".into())])),
            ("y/a\\/b/xyz/", Some(vec![])),
            ("{p", None),
            ("p;}", None),
            ("k", None),
            ("s/x/y/q", None),
        ] {
            assert_eq!(effects(script), expected, "{script:?}");
        }
    }

    #[test]
    fn command_lines() {
        let line = |script: &str, in_place: bool, files: &[usize]| {
            Some(SedLine {
                script: Some(script.to_owned()),
                in_place,
                files: files.to_vec(),
            })
        };
        assert_eq!(script_of(&["-n", "1,5p", "f"]), line("1,5p", false, &[2]));
        assert_eq!(
            script_of(&["-ne", "p", "-e", "1e id", "f"]),
            line("p\n1e id", false, &[4])
        );
        assert_eq!(
            script_of(&["--expression=w x", "-i.bak", "f"]),
            line("w x", true, &[2])
        );
        assert_eq!(
            script_of(&["-i", "s/a/b/", "/etc/passwd", "--", "-x"]),
            line("s/a/b/", true, &[2, 4])
        );
        assert_eq!(
            script_of(&["s/a/b/", "a", "b"]),
            line("s/a/b/", false, &[1, 2])
        );
        let from_file = |in_place: bool, files: &[usize]| {
            Some(SedLine {
                script: None,
                in_place,
                files: files.to_vec(),
            })
        };
        assert_eq!(script_of(&["-f", "x.sed", "f"]), from_file(false, &[2]));
        assert_eq!(
            script_of(&["-i", "-fx.sed", "/etc/passwd"]),
            from_file(true, &[2])
        );
        assert_eq!(
            script_of(&["--file=x.sed", "-e", "p", "a"]),
            from_file(false, &[3])
        );
        assert_eq!(script_of(&["--unknown", "p"]), None);
        assert_eq!(script_of(&[]), None);
    }

    /// What GNU sed itself reads from `script`, from `sed --debug` (which prints the program
    /// it compiled) and the files it opened for `w` (at compile time, before any input):
    /// `None` when sed rejects the script or isn't GNU sed with `--debug`.
    fn gnu_sed_reading(script: &str) -> Option<(Vec<Effect>, Vec<String>)> {
        let dir = tempfile::tempdir().ok()?;
        let output = std::process::Command::new("sed")
            .args(["--debug", "-n", "-e", script, "/dev/null"])
            .current_dir(dir.path())
            .env_clear()
            .output()
            .ok()?;
        if !output.status.success() {
            return None;
        }
        let debug = String::from_utf8_lossy(&output.stdout).into_owned();
        let mut effects = Vec::new();
        for line in debug.lines().skip(1) {
            // Commands are indented; `a`/`i`/`c` text lines after the first are not.
            let Some(command) = line.strip_prefix("  ") else {
                continue;
            };
            let command = skip_debug_address(command.trim_start());
            let mut chars = command.chars();
            let kind = chars.next();
            let rest = chars.as_str();
            let argument = rest.strip_prefix(' ').unwrap_or(rest).to_owned();
            match kind {
                Some('e') if rest.is_empty() || rest.starts_with(' ') => {
                    effects.push(if argument.trim().is_empty() {
                        Effect::RunInput
                    } else {
                        Effect::Run(argument)
                    });
                }
                Some('r' | 'R') if rest.starts_with(' ') => effects.push(Effect::Read(argument)),
                Some('s') => {
                    // `s/RE/REPL/FLAGS`: debug prints `/` inside as `\/`; flags follow the
                    // third unescaped `/`, a `w` flag's file name after them.
                    let mut slashes = 0;
                    let mut escaped = false;
                    let mut flags = String::new();
                    for c in rest.chars() {
                        if slashes == 3 {
                            flags.push(c);
                        } else if escaped {
                            escaped = false;
                        } else if c == '\\' {
                            escaped = true;
                        } else if c == '/' {
                            slashes += 1;
                        }
                    }
                    let flags = flags.split('w').next().unwrap_or("");
                    if flags.contains('e') {
                        effects.push(Effect::RunInput);
                    }
                }
                _ => {}
            }
        }
        let mut written: Vec<String> = std::fs::read_dir(dir.path())
            .ok()?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        written.sort();
        Some((effects, written))
    }

    /// A debug line without its address (`1,3 `, `/a b/I,+2! `, `$ `).
    fn skip_debug_address(line: &str) -> &str {
        let bytes = line.as_bytes();
        let mut at = 0;
        let one = |at: &mut usize| match bytes.get(*at) {
            Some(b'/') => {
                *at += 1;
                while let Some(&b) = bytes.get(*at) {
                    *at += 1;
                    match b {
                        b'\\' => *at += 1,
                        b'/' => break,
                        _ => {}
                    }
                }
                while matches!(bytes.get(*at), Some(b'I' | b'M')) {
                    *at += 1;
                }
                true
            }
            Some(b'$') => {
                *at += 1;
                true
            }
            Some(b) if b.is_ascii_digit() || *b == b'+' || *b == b'~' => {
                while matches!(bytes.get(*at), Some(b) if b.is_ascii_digit() || *b == b'~' || *b == b'+')
                {
                    *at += 1;
                }
                true
            }
            _ => false,
        };
        if !one(&mut at) {
            return line;
        }
        if bytes.get(at) == Some(&b',') {
            at += 1;
            one(&mut at);
        }
        if bytes.get(at) == Some(&b'!') {
            at += 1;
        }
        if bytes.get(at) == Some(&b' ') {
            at += 1;
        }
        line.get(at..).unwrap_or(line)
    }

    fn gnu_sed_with_debug() -> bool {
        std::process::Command::new("sed")
            .args(["--debug", "-n", "p", "/dev/null"])
            .output()
            .is_ok_and(|o| o.status.success() && o.stdout.starts_with(b"SED PROGRAM:"))
    }

    fn sed_script() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let name = prop_oneof![
            Just("o1"),
            Just("o;p"),
            Just("o}"),
            Just("o #c"),
            Just("o2 x"),
            Just("o\\")
        ];
        let regex = proptest::collection::vec(
            prop_oneof![
                Just("a"),
                Just("[/]"),
                Just("[^]/]"),
                Just("[]a]"),
                Just("[[:alpha:]/]"),
                Just("[\\]"),
                Just("\\/"),
                Just("\\n"),
                Just(".*"),
                Just("x;e"),
                Just("#"),
                Just("}"),
                Just("["),
                Just(" "),
                Just("%"),
            ],
            0..4,
        )
        .prop_map(|parts| parts.concat());
        let replacement = proptest::collection::vec(
            // No `/`: `sed --debug` prints one in a replacement unescaped, which would make
            // the oracle misread where the flags start.
            prop_oneof![
                Just("b"),
                Just("&"),
                Just(";e printf M"),
                Just("["),
                Just("}"),
                Just("#"),
                Just("%"),
            ],
            0..3,
        )
        .prop_map(|parts| parts.concat());
        let flags = prop_oneof![
            Just(String::new()),
            Just("g".to_owned()),
            Just("p".to_owned()),
            Just("2".to_owned()),
            Just("e".to_owned()),
            Just("gpe".to_owned()),
            Just("I".to_owned()),
            Just(" ".to_owned()),
        ];
        let delimiter = prop_oneof![Just('/'), Just('%'), Just('|'), Just(';'), Just('}')];
        let substitute = (
            delimiter,
            regex.clone(),
            replacement,
            flags,
            proptest::option::of(name.clone()),
        )
            .prop_map(|(d, re, repl, flags, w)| {
                let esc = |t: &str| t.replace(d, &format!("\\{d}"));
                let mut s = format!("s{d}{}{d}{}{d}{flags}", esc(&re), esc(&repl));
                if let Some(file) = w {
                    s.push_str("w ");
                    s.push_str(file);
                    s.push('\n');
                }
                s
            });
        let address = prop_oneof![
            4 => Just(""),
            1 => Just("1"),
            1 => Just("$"),
            1 => Just("/x/"),
            1 => Just("\\%x%"),
            1 => Just("1,3"),
            1 => Just("/a/,+2"),
            1 => Just("0~2"),
            1 => Just("1!"),
            1 => Just("/[/]/I!"),
        ];
        let text = proptest::collection::vec(
            prop_oneof![Just("t;e printf M"), Just("x}"), Just("y\\"), Just("#z")],
            1..3,
        );
        let leaf = prop_oneof![
            Just("p".to_owned()),
            Just("d".to_owned()),
            Just("=".to_owned()),
            Just("q 2".to_owned()),
            Just("l 3".to_owned()),
            Just("G".to_owned()),
            Just(":lab".to_owned()),
            Just("b lab".to_owned()),
            Just("t".to_owned()),
            Just("y/ab/cd/".to_owned()),
            Just("e".to_owned()),
            Just("e printf M".to_owned()),
            Just("# c;e printf M".to_owned()),
            substitute,
            name.clone().prop_map(|n| format!("w {n}\n")),
            name.clone().prop_map(|n| format!("W {n}\n")),
            name.clone().prop_map(|n| format!("r {n}\n")),
            name.prop_map(|n| format!("R {n}\n")),
            (prop_oneof![Just('a'), Just('i'), Just('c')], text.clone())
                .prop_map(|(c, lines)| format!("{c} {}\n", lines.join("\\\n"))),
            (prop_oneof![Just('a'), Just('i'), Just('c')], text)
                .prop_map(|(c, lines)| format!("{c}\\\n{}\n", lines.join("\\\n"))),
        ];
        let command = (address, leaf).prop_map(|(a, c)| format!("{a}{c}"));
        command.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                (
                    inner.clone(),
                    prop_oneof![Just(";"), Just("\n"), Just(" ; ")],
                    inner.clone()
                )
                    .prop_map(|(a, sep, b)| format!("{a}{sep}{b}")),
                inner.prop_map(|c| format!("1{{{c}\n}}")),
            ]
        })
    }

    proptest::proptest! {
        /// Any text is read or refused without a panic.
        #[test]
        fn any_text_is_read_or_refused(script in "[ -~\\n\\t]{0,80}", args in proptest::collection::vec("[-a-z=;/ ]{0,8}", 0..5)) {
            let _ = parse(&script);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let _ = script_of(&args);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

        /// Where GNU sed accepts a script and this parser reads it, both find the same `e`
        /// commands, `r` files, `s///e` flags and `w` files. (A script this parser can't read
        /// is rated high, which fails closed.)
        #[test]
        fn reads_scripts_as_gnu_sed_does_on_generated_scripts(script in sed_script()) {
            if !gnu_sed_with_debug() {
                return Ok(());
            }
            let ours = parse(&script);
            if let (Some((theirs, written)), Some(ours)) = (gnu_sed_reading(&script), ours) {
                let mut our_written: Vec<String> = ours
                    .effects
                    .iter()
                    .filter_map(|e| match e {
                        Effect::Write(f) => Some(f.clone()),
                        _ => None,
                    })
                    .collect();
                our_written.sort();
                our_written.dedup();
                proptest::prop_assert_eq!(&our_written, &written, "w files of {:?}", script);
                let others: Vec<Effect> = ours
                    .effects
                    .into_iter()
                    .filter(|e| !matches!(e, Effect::Write(_)))
                    .collect();
                proptest::prop_assert_eq!(others.len(), theirs.len(), "effects of {:?}: {:?} {:?}", script, others, theirs);
                for (ours, theirs) in others.iter().zip(&theirs) {
                    match ours {
                        // sed rewrites the text; only the kind must agree.
                        Effect::RunRewritten(_) => proptest::prop_assert!(
                            matches!(theirs, Effect::Run(_) | Effect::RunInput),
                            "{:?}: {:?} {:?}", script, ours, theirs
                        ),
                        _ => proptest::prop_assert_eq!(ours, theirs, "effects of {:?}", script),
                    }
                }
            }
        }
    }
}
