//! The options that keep a read-only command read-only, one entry per command, and the
//! checker that reads an argv against an entry.
//!
//! A command rated `Low` in `risk_table` is auto-allowed only when every option it is given
//! is listed in its entry here. Read the table like a spec:
//! - An option is listed only if it is read-only in **every** common implementation: GNU,
//!   BSD/macOS and busybox (for `bat`, `rg`, `tldr`, `yq`: the popular implementations).
//!   An option that is safe in GNU but not on macOS (`base64 -o FILE` writes) is left out.
//! - Left out too: options that run programs, write, create or delete files, change system
//!   state, load config/rc/plugin/module files, open network connections, or read and print
//!   a file the option names (`jq -f FILE`, `hexdump -f FILE`, `date -f FILE`). For those the
//!   command is not auto-allowed and the user is asked, which is the safe default.
//! - When implementations disagree on whether a letter takes a value (`more -n 5` in
//!   util-linux, a flag in BSD `more`, which is `less`), it is listed as a flag: the checker
//!   then reads the next word as an option or operand of its own, which checks more, never
//!   less. A letter is listed as taking a value only where every implementation that has it
//!   agrees.
//! - Options are spelled in full. GNU `getopt_long` and argp accept any unambiguous prefix
//!   (`date --se` is `--set`), so a long option that is not exactly a listed name is
//!   unknown.
//!
//! What an entry does not cover is the caller's concern: operands (paths and their classes,
//! `xxd IN OUT`, a `date MMDDhhmm` that sets the clock — but see [`Operands`]), the values of
//! options (`set -o keyword`, `printf -v NAME`), expressions and programs (`jq`, `yq`
//! `load(…)`), and the environment (`PAGER`, `LESSOPEN`, `BAT_CONFIG_PATH`,
//! `RIPGREP_CONFIG_PATH`, `PATH` for the decompressors some of these run).
//!
//! Sources: each program's `--help` and manual (coreutils 9.1, util-linux 2.38, procps-ng 4,
//! grep 3.8, diffutils, less 590, man-db 2.11, texinfo 6.8, file 5.44, jq 1.6, ripgrep 13,
//! tree 2.1, bat 0.22, tealdeer 1.5, mikefarah and kislyuk `yq`, busybox 1.35, `help NAME` in
//! bash 5.2), the FreeBSD and macOS manuals, and the flag audit of the risk table, which
//! verified the notable cases on a Debian 12 machine ("verified" below).

/// How a command reads its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    /// `getopt_long` as GNU permutes it: options may follow operands, `--` ends them; a
    /// valued short option takes the rest of its cluster or else the next word.
    Getopt,
    /// Like [`Syntax::Getopt`], but options end at the first operand (bash builtins' own
    /// `internal_getopt`, `env`): `printf '%s\n' -x` prints `-x`. A `+` word is an operand
    /// (`printf '+%s' x`) unless it is a `+NUM` of [`Numbers::DashPlus`].
    Leading,
    /// [`Syntax::Leading`] where `+` also introduces the same letters, turning them off
    /// (`set +e`, `declare +x`).
    LeadingPlus,
    /// Every valued letter of a cluster takes the next word in turn and the rest of the
    /// cluster is still options (`tree -La 2` is `-L 2 -a`, verified; `tree -L2` fails).
    NextWords,
    /// [`Syntax::WholeWords`] where options end at the first operand: vim's xxd takes the
    /// word after its input file as the output file, dash or not (`xxd -r -p in -c/.bashrc`
    /// writes `-c/.bashrc`; found by probing, session 7).
    LeadingWholeWords,
    /// Each `-word` is one option, matched as a whole against `long`/`long_valued`
    /// (`find -name`, `xxd -ps`), or a letter of `short_valued` with its value attached
    /// (`xxd -l64`). There are no clusters, and `--` does not end options (`find -- . -exec`
    /// still runs `-exec`).
    WholeWords,
    /// No options: every argument is an operand (`test -f x`, `expr 1 + 2`, `echo -e x`).
    Operands,
}

/// Numbers a command accepts where an option could be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Numbers {
    /// None: `-5` is an unknown option and `+5` an unknown `+` word.
    None,
    /// `-NUM` (`head -20`, `fmt -72`, `seq 10 -1 1`), optionally followed by flags of the
    /// entry (`tail -50f`).
    Dash,
    /// `-NUM` as [`Numbers::Dash`], and `+NUM` (`tail +5`, `more +10`, `pushd +1`).
    DashPlus,
}

/// Which operands a command may be given and stay read-only. Most commands take any
/// operands (whose paths the caller rates); a few read an operand as an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operands {
    /// Any operands.
    Any,
    /// At most this many: `hostname NAME` sets the host name, `xxd IN OUT` writes `OUT`,
    /// macOS `arch PROG` runs `PROG`.
    AtMost(usize),
    /// Only `+FORMAT` (`date`): GNU and busybox `date MMDDhhmm[[CC]YY][.ss]` and BSD
    /// `date [[[[cc]yy]mm]dd]HH]MM` set the clock. A `+` word is then an operand, not an
    /// unknown `+` option.
    PlusFormat,
    /// Any operand but these words: `tput init`/`reset` run the terminfo `iprog` program
    /// (verified), `bat cache --build`/`--clear` writes or deletes bat's cache.
    Except(&'static [&'static str]),
    /// No operand naming a path (holding `/`): `man ./x.1` formats a named file through
    /// groff and the preprocessors its first line asks for (like `man -l`), `info ./x`
    /// reads a named file.
    NoSlash,
}

/// The options that keep one command (or a set of true aliases, e.g. grep/egrep/fgrep)
/// read-only.
#[derive(Debug)]
pub(crate) struct ReadOnly {
    /// The command names this entry is for.
    pub names: &'static [&'static str],
    /// How the command reads its arguments.
    pub syntax: Syntax,
    /// Short options without a value, as letters/digits, e.g. "nbsvET".
    pub short: &'static str,
    /// Short options that take a value (the rest of the word `-n5`, else the next word;
    /// with [`Syntax::NextWords`] always the next word).
    pub short_valued: &'static str,
    /// Short options with an optional value, which can only be attached (`od -w16`,
    /// `date -Iseconds`): the rest of the cluster is the value and the next word is not.
    pub short_optional: &'static str,
    /// Long options without a value (`--number`), spelled in full. An entry holding `=` is
    /// that exact word and nothing else (`--paging=never`). With [`Syntax::WholeWords`]:
    /// the single-dash words (`-name`, `-ps`).
    pub long: &'static [&'static str],
    /// Long options that take a value (`--lines=5` or `--lines 5`).
    pub long_valued: &'static [&'static str],
    /// Long options with an optional value, which can only be attached (`--color`,
    /// `--color=auto`; `--color auto` makes `auto` an operand).
    pub long_optional: &'static [&'static str],
    /// Numbers accepted where an option could be.
    pub numbers: Numbers,
    /// Operands that keep the command read-only.
    pub operands: Operands,
}

/// A `getopt_long` entry with nothing listed, for `..GETOPT` in the table.
const GETOPT: ReadOnly = ReadOnly {
    names: &[],
    syntax: Syntax::Getopt,
    short: "",
    short_valued: "",
    short_optional: "",
    long: &[],
    long_valued: &[],
    long_optional: &[],
    numbers: Numbers::None,
    operands: Operands::Any,
};

/// A bash builtin with nothing listed.
const BUILTIN: ReadOnly = ReadOnly {
    syntax: Syntax::Leading,
    ..GETOPT
};

/// A command without options: every argument is an operand.
const OPERANDS: ReadOnly = ReadOnly {
    syntax: Syntax::Operands,
    ..GETOPT
};

/// `--help` and `--version`, which GNU programs all take.
const HELP: &[&str] = &["--help", "--version"];

/// The options of `declare`, `typeset` and `local` (`help declare`, bash 5.2).
const DECLARE: &str = "aAfFgiIlnprtux";

/// The sha*sum family (GNU; FreeBSD 14's compatible `-p -q -r -x`; busybox `-s`).
/// Not FreeBSD's `-s STRING` as a value: it is a flag in busybox.
const SUM_LONG: &[&str] = &[
    "--binary",
    "--check",
    "--tag",
    "--text",
    "--zero",
    "--ignore-missing",
    "--quiet",
    "--status",
    "--strict",
    "--warn",
    "--help",
    "--version",
];

/// The table, one entry per command.
pub(crate) static TABLE: &[ReadOnly] = &[
    // ---- readers ---------------------------------------------------------------------------
    ReadOnly {
        names: &["cat"],
        // BSD `-l` takes an advisory lock: no write.
        short: "AbeEnstTuvl",
        long: &[
            "--show-all",
            "--number-nonblank",
            "--show-ends",
            "--number",
            "--squeeze-blank",
            "--show-tabs",
            "--show-nonprinting",
            "--help",
            "--version",
        ],
        ..GETOPT
    },
    ReadOnly {
        names: &["tac"],
        short: "br",
        short_valued: "s",
        long: &["--before", "--regex", "--help", "--version"],
        long_valued: &["--separator"],
        ..GETOPT
    },
    ReadOnly {
        names: &["head"],
        short: "qvz",
        short_valued: "cn",
        long: &[
            "--quiet",
            "--silent",
            "--verbose",
            "--zero-terminated",
            "--help",
            "--version",
        ],
        long_valued: &["--bytes", "--lines"],
        numbers: Numbers::Dash,
        ..GETOPT
    },
    ReadOnly {
        names: &["tail"],
        // `-f`/`-F` follow (a wait, not a danger); BSD `-r` reverses. `-b`: BSD blocks (a
        // value), GNU's obsolete `-b` (none): a flag.
        short: "bfFqvzr",
        short_valued: "cns",
        long: &[
            "--retry",
            "--quiet",
            "--silent",
            "--verbose",
            "--zero-terminated",
            "--help",
            "--version",
        ],
        long_valued: &[
            "--bytes",
            "--lines",
            "--max-unchanged-stats",
            "--pid",
            "--sleep-interval",
        ],
        long_optional: &["--follow"],
        numbers: Numbers::DashPlus,
        ..GETOPT
    },
    ReadOnly {
        names: &["wc"],
        short: "cmlLw",
        long: &[
            "--bytes",
            "--chars",
            "--lines",
            "--max-line-length",
            "--words",
            "--help",
            "--version",
        ],
        // Not --files0-from=F: errors print F's content (verified).
        long_valued: &["--total"],
        ..GETOPT
    },
    ReadOnly {
        names: &["nl"],
        short: "p",
        short_valued: "bdfhilnsvw",
        long: &["--no-renumber", "--help", "--version"],
        long_valued: &[
            "--body-numbering",
            "--section-delimiter",
            "--footer-numbering",
            "--header-numbering",
            "--line-increment",
            "--join-blank-lines",
            "--number-format",
            "--number-separator",
            "--starting-line-number",
            "--number-width",
        ],
        ..GETOPT
    },
    ReadOnly {
        names: &["cut"],
        // BSD `-w`, busybox `-D`, `-F LIST`, `-O SEP`.
        short: "nszwD",
        short_valued: "bcdfFO",
        long: &[
            "--complement",
            "--only-delimited",
            "--zero-terminated",
            "--help",
            "--version",
        ],
        long_valued: &[
            "--bytes",
            "--characters",
            "--delimiter",
            "--fields",
            "--output-delimiter",
        ],
        ..GETOPT
    },
    ReadOnly {
        // `uniq [INPUT [OUTPUT]]` writes OUTPUT (coreutils, BSD, busybox).
        names: &["uniq"],
        short: "cdDiuz",
        short_valued: "fsw",
        long: &[
            "--count",
            "--repeated",
            "--ignore-case",
            "--unique",
            "--zero-terminated",
            "--help",
            "--version",
        ],
        long_valued: &["--skip-fields", "--skip-chars", "--check-chars"],
        long_optional: &["--all-repeated", "--group"],
        numbers: Numbers::Dash,
        operands: Operands::AtMost(1),
        ..GETOPT
    },
    ReadOnly {
        // The program is the first operand; options end there. Not `-f FILE` (a program
        // from a file), `-E`/`--exec`, `-i`/`--include`, `-l`/`--load` (gawk: a source file
        // or a shared library), `-W …` (mawk's and gawk's extensions: `-W exec`), `--` is
        // fine. What the program does is rated from its text (`risk_table`).
        names: &["awk", "gawk", "mawk", "nawk"],
        syntax: Syntax::Leading,
        short_valued: "Fv",
        long_valued: &["--field-separator", "--assign"],
        ..GETOPT
    },
    ReadOnly {
        names: &["tr"],
        short: "cCdstu",
        long: &[
            "--complement",
            "--delete",
            "--squeeze-repeats",
            "--truncate-set1",
            "--help",
            "--version",
        ],
        ..GETOPT
    },
    ReadOnly {
        names: &["rev"],
        short: "0hV",
        long: &["--zero", "--help", "--version"],
        ..GETOPT
    },
    ReadOnly {
        names: &["fold"],
        short: "bs",
        short_valued: "w",
        long: &["--bytes", "--spaces", "--help", "--version"],
        long_valued: &["--width"],
        ..GETOPT
    },
    ReadOnly {
        names: &["fmt"],
        // `-p` (GNU: prefix value, BSD: flag) and `-t` (GNU: flag, BSD: tab width) as flags.
        short: "cmnpstu",
        short_valued: "dglw",
        long: &[
            "--crown-margin",
            "--split-only",
            "--tagged-paragraph",
            "--uniform-spacing",
            "--help",
            "--version",
        ],
        long_valued: &["--prefix", "--width", "--goal"],
        numbers: Numbers::Dash,
        ..GETOPT
    },
    ReadOnly {
        names: &["column"],
        // `-o` is the output separator, not a file. `-n`: a table name in util-linux, a
        // flag in BSD/Debian's old column: listed as a flag.
        short: "deJLntx",
        short_valued: "cEHilNOprRsTWo",
        long: &[
            "--table",
            "--table-noheadings",
            "--table-header-repeat",
            "--keep-empty-lines",
            "--json",
            "--fillrows",
            "--help",
            "--version",
        ],
        long_valued: &[
            "--table-name",
            "--table-order",
            "--table-columns",
            "--table-columns-limit",
            "--table-noextreme",
            "--table-hide",
            "--table-right",
            "--table-truncate",
            "--table-wrap",
            "--tree",
            "--tree-id",
            "--tree-parent",
            "--output-width",
            "--output-separator",
            "--separator",
        ],
        ..GETOPT
    },
    ReadOnly {
        names: &["paste"],
        short: "sz",
        short_valued: "d",
        long: &["--serial", "--zero-terminated", "--help", "--version"],
        long_valued: &["--delimiters"],
        ..GETOPT
    },
    ReadOnly {
        names: &["expand"],
        short: "i",
        short_valued: "t",
        long: &["--initial", "--help", "--version"],
        long_valued: &["--tabs"],
        ..GETOPT
    },
    ReadOnly {
        names: &["unexpand"],
        short: "af",
        short_valued: "t",
        long: &["--all", "--first-only", "--help", "--version"],
        long_valued: &["--tabs"],
        ..GETOPT
    },
    ReadOnly {
        names: &["comm"],
        short: "123iz",
        long: &[
            "--check-order",
            "--nocheck-order",
            "--total",
            "--zero-terminated",
            "--help",
            "--version",
        ],
        long_valued: &["--output-delimiter"],
        ..GETOPT
    },
    ReadOnly {
        names: &["join"],
        // `-o` is the output FORMAT, not a file.
        short: "iz",
        short_valued: "aejotv12",
        long: &[
            "--ignore-case",
            "--check-order",
            "--nocheck-order",
            "--header",
            "--zero-terminated",
            "--help",
            "--version",
        ],
        ..GETOPT
    },
    ReadOnly {
        names: &["strings"],
        // An `@FILE` operand (binutils) reads more arguments from FILE: `risk_table` rates it.
        short: "adfhovVw",
        short_valued: "enstTU",
        long: &[
            "--all",
            "--data",
            "--print-file-name",
            "--include-all-whitespace",
            "--help",
            "--version",
        ],
        long_valued: &[
            "--bytes",
            "--radix",
            "--target",
            "--encoding",
            "--output-separator",
            "--unicode",
        ],
        numbers: Numbers::Dash,
        ..GETOPT
    },
    ReadOnly {
        names: &["od"],
        // GNU, busybox, and BSD's od (hexdump in od mode; its `-f` is floats).
        short: "aBbcDdeFfHhIiLlOosvXx",
        short_valued: "AjNSt",
        short_optional: "w",
        long: &[
            "--output-duplicates",
            "--traditional",
            "--help",
            "--version",
        ],
        long_valued: &[
            "--address-radix",
            "--endian",
            "--skip-bytes",
            "--read-bytes",
            "--format",
        ],
        long_optional: &["--strings", "--width"],
        ..GETOPT
    },
    ReadOnly {
        names: &["hexdump"],
        // Not -f/--format-file FILE: "bad format" errors print FILE (verified; util-linux,
        // BSD, busybox).
        short: "bcCdovx",
        short_valued: "ens",
        short_optional: "L",
        long: &[
            "--one-byte-octal",
            "--one-byte-char",
            "--canonical",
            "--two-bytes-decimal",
            "--two-bytes-octal",
            "--two-bytes-hex",
            "--no-squeezing",
            "--help",
            "--version",
        ],
        long_valued: &["--format", "--length", "--skip"],
        long_optional: &["--color"],
        ..GETOPT
    },
    ReadOnly {
        names: &["base64"],
        // Not -o/--output: macOS base64 writes FILE (`[-Ddh] [-b num] [-i in] [-o out]`).
        // `-i`: GNU ignore-garbage, macOS input FILE: listed as a flag. macOS `-D` decodes.
        short: "dDi",
        short_valued: "w",
        long: &["--decode", "--ignore-garbage", "--help", "--version"],
        long_valued: &["--wrap"],
        ..GETOPT
    },
    ReadOnly {
        names: &["base32"],
        // GNU only.
        short: "di",
        short_valued: "w",
        long: &["--decode", "--ignore-garbage", "--help", "--version"],
        long_valued: &["--wrap"],
        ..GETOPT
    },
    ReadOnly {
        names: &[
            "md5sum",
            "sha1sum",
            "sha224sum",
            "sha256sum",
            "sha384sum",
            "sha512sum",
        ],
        // `-c` reads the sums file and the files it names, printing names and OK/FAILED.
        short: "bcpqrstwxz",
        long: SUM_LONG,
        ..GETOPT
    },
    ReadOnly {
        names: &["b2sum"],
        short: "bctwz",
        short_valued: "l",
        long: SUM_LONG,
        long_valued: &["--length"],
        ..GETOPT
    },
    ReadOnly {
        names: &["cksum"],
        // Not -h: OpenBSD `cksum -h FILE` writes the sums to FILE. BSD `-o N` is an
        // algorithm number.
        short: "cwz",
        short_valued: "alo",
        long: &[
            "--check",
            "--tag",
            "--untagged",
            "--zero",
            "--base64",
            "--raw",
            "--ignore-missing",
            "--quiet",
            "--status",
            "--strict",
            "--warn",
            "--debug",
            "--help",
            "--version",
        ],
        long_valued: &["--algorithm", "--length"],
        ..GETOPT
    },
    ReadOnly {
        names: &["stat"],
        // `-f` and `-t`: GNU flags, BSD formats (values): listed as flags.
        short: "FfLlnqrstx",
        short_valued: "c",
        long: &[
            "--dereference",
            "--file-system",
            "--terse",
            "--help",
            "--version",
        ],
        long_valued: &["--format", "--printf", "--cached"],
        ..GETOPT
    },
    ReadOnly {
        names: &["du"],
        // Not --files0-from=F (errors print F, verified) nor -X/--exclude-from FILE.
        short: "0aAbcDgHhkLlmnPrSsx",
        short_valued: "BdIt",
        long: &[
            "--null",
            "--all",
            "--apparent-size",
            "--bytes",
            "--total",
            "--dereference-args",
            "--human-readable",
            "--inodes",
            "--dereference",
            "--count-links",
            "--no-dereference",
            "--separate-dirs",
            "--si",
            "--summarize",
            "--one-file-system",
            "--help",
            "--version",
        ],
        long_valued: &[
            "--block-size",
            "--max-depth",
            "--threshold",
            "--time-style",
            "--exclude",
        ],
        long_optional: &["--time"],
        ..GETOPT
    },
    ReadOnly {
        names: &["df"],
        // `-t`: GNU type (value), macOS flag; `-T`: GNU flag, macOS type (value): flags.
        // Not --sync (calls sync(2)).
        short: "abcgHhiklmnPtTv",
        short_valued: "Bx",
        long: &[
            "--all",
            "--human-readable",
            "--si",
            "--inodes",
            "--local",
            "--no-sync",
            "--portability",
            "--total",
            "--print-type",
            "--help",
            "--version",
        ],
        long_valued: &["--block-size", "--type", "--exclude-type"],
        long_optional: &["--output"],
        ..GETOPT
    },
    ReadOnly {
        names: &["diff"],
        // Not -l/--paginate (runs /usr/bin/pr, verified; GNU and BSD), -X/--exclude-from,
        // --from-file/--to-file (read named files, compared like operands).
        short: "abBcdeEiNnpqrstTuwyZ",
        short_valued: "CDFILSUWx",
        long: &[
            "--normal",
            "--brief",
            "--report-identical-files",
            "--ed",
            "--rcs",
            "--side-by-side",
            "--left-column",
            "--suppress-common-lines",
            "--show-c-function",
            "--expand-tabs",
            "--initial-tab",
            "--suppress-blank-empty",
            "--recursive",
            "--no-dereference",
            "--new-file",
            "--unidirectional-new-file",
            "--ignore-file-name-case",
            "--no-ignore-file-name-case",
            "--ignore-case",
            "--ignore-tab-expansion",
            "--ignore-trailing-space",
            "--ignore-space-change",
            "--ignore-all-space",
            "--ignore-blank-lines",
            "--text",
            "--strip-trailing-cr",
            "--minimal",
            "--speed-large-files",
            "--help",
            "--version",
        ],
        long_valued: &[
            "--width",
            "--show-function-line",
            "--label",
            "--tabsize",
            "--exclude",
            "--starting-file",
            "--ignore-matching-lines",
            "--ifdef",
            "--horizon-lines",
            "--palette",
            "--line-format",
            "--old-line-format",
            "--new-line-format",
            "--unchanged-line-format",
            "--old-group-format",
            "--new-group-format",
            "--changed-group-format",
            "--unchanged-group-format",
        ],
        long_optional: &["--context", "--unified", "--color"],
        ..GETOPT
    },
    ReadOnly {
        names: &["cmp"],
        short: "bchlsvxz",
        short_valued: "in",
        long: &[
            "--print-bytes",
            "--verbose",
            "--quiet",
            "--silent",
            "--help",
            "--version",
        ],
        long_valued: &["--ignore-initial", "--bytes"],
        ..GETOPT
    },
    ReadOnly {
        names: &["more"],
        // On FreeBSD and macOS `more` is less: not -p CMD (a less command; `!cmd` runs a
        // shell, verified), -k FILE (lesskey `#env` sets LESSOPEN, verified), -o/-O FILE
        // (writes a log, verified), -t TAG/-T FILE (tags). `+NUM` only: `+CMD` is a less
        // command there, verified. `-n`: util-linux lines (value), less flag: a flag.
        short: "cdeflnsu",
        long: &[
            "--silent",
            "--logical",
            "--no-pause",
            "--print-over",
            "--exit-on-eof",
            "--squeeze",
            "--plain",
            "--help",
            "--version",
        ],
        long_valued: &["--lines"],
        numbers: Numbers::DashPlus,
        ..GETOPT
    },
    ReadOnly {
        names: &["less", "zless"],
        // `zless` passes its options to less. Not +CMD or -+X, -k/--lesskey-* (`#env`
        // sets LESSOPEN, verified), -o/-O/--log-file (writes), -t/-T (tags: reads a tags
        // file, `$LESSGLOBALTAGS` runs a program), -p PATTERN (fed to less as a search
        // command; as more, a command that runs shells, verified).
        short: "aABcCdeEfFgGiIJKLmMnNqQrRsSuUVwWX~?",
        short_valued: "bDhjPxyz#",
        long: &[
            "--RAW-CONTROL-CHARS",
            "--raw-control-chars",
            "--chop-long-lines",
            "--quit-if-one-screen",
            "--no-init",
            "--LINE-NUMBERS",
            "--line-numbers",
            "--ignore-case",
            "--IGNORE-CASE",
            "--no-lessopen",
            "--quit-at-eof",
            "--QUIT-AT-EOF",
            "--squeeze-blank-lines",
            "--mouse",
            "--use-color",
            "--help",
            "--version",
        ],
        long_valued: &["--tabs", "--window", "--shift"],
        numbers: Numbers::Dash,
        ..GETOPT
    },
    ReadOnly {
        names: &["jq"],
        // Not -f/--from-file FILE (compile errors print its lines, verified), -L DIR
        // (modules), --rawfile/--slurpfile/--argfile NAME FILE, --run-tests.
        // `--arg NAME VALUE` takes two words: the checker skips NAME and reads VALUE as an
        // operand (or, starting with `-`, as an option), which only checks more.
        short: "aCcehjMnrRsSV",
        long: &[
            "--tab",
            "--args",
            "--jsonargs",
            "--seq",
            "--stream",
            "--stream-errors",
            "--unbuffered",
            "--compact-output",
            "--null-input",
            "--exit-status",
            "--slurp",
            "--raw-output",
            "--raw-output0",
            "--join-output",
            "--ascii-output",
            "--raw-input",
            "--color-output",
            "--monochrome-output",
            "--sort-keys",
            "--help",
            "--version",
        ],
        long_valued: &["--indent", "--arg", "--argjson"],
        ..GETOPT
    },
    ReadOnly {
        names: &["zcat"],
        // zcat is `gzip -cd`: `-c` is forced, output only goes to stdout.
        short: "flNnqrtv",
        short_valued: "S",
        long: &[
            "--force",
            "--list",
            "--name",
            "--no-name",
            "--quiet",
            "--recursive",
            "--synchronous",
            "--test",
            "--verbose",
            "--help",
            "--version",
        ],
        long_valued: &["--suffix"],
        ..GETOPT
    },
    // ---- listing and searching -------------------------------------------------------------
    ReadOnly {
        names: &["ls", "dir", "vdir"],
        // All letters are flags: GNU `-I PAT`, `-T COLS`, `-w COLS` take values where BSD
        // `-I`, `-T`, `-w` do not, and FreeBSD `-D FORMAT` does where GNU `-D` does not.
        short: "aAbBcCdDefFgGhHiIklLmnNoOpPqQrRsStTuUvwWxXyZ1@,",
        long: &[
            "--all",
            "--almost-all",
            "--author",
            "--escape",
            "--ignore-backups",
            "--directory",
            "--dired",
            "--file-type",
            "--full-time",
            "--no-group",
            "--human-readable",
            "--si",
            "--dereference-command-line",
            "--dereference-command-line-symlink-to-dir",
            "--inode",
            "--kibibytes",
            "--dereference",
            "--numeric-uid-gid",
            "--literal",
            "--hide-control-chars",
            "--show-control-chars",
            "--quote-name",
            "--reverse",
            "--recursive",
            "--size",
            "--context",
            "--zero",
            "--group-directories-first",
            "--help",
            "--version",
        ],
        long_valued: &[
            "--block-size",
            "--format",
            "--hide",
            "--ignore",
            "--indicator-style",
            "--quoting-style",
            "--sort",
            "--time",
            "--time-style",
            "--tabsize",
            "--width",
        ],
        long_optional: &["--color", "--classify", "--hyperlink"],
        ..GETOPT
    },
    ReadOnly {
        names: &["grep", "egrep", "fgrep"],
        // Not -f/--file FILE (patterns from a named file: matching output can reveal it)
        // nor --exclude-from=FILE. Not BSD -Z/-J/-X (decompress). Digits are context
        // (`-3`, `-n5`) in GNU and BSD grep.
        short: "0123456789abcEFGhHiIlLnoPqrRsTUvVwxyz",
        short_valued: "ABCdDem",
        long: &[
            "--extended-regexp",
            "--fixed-strings",
            "--basic-regexp",
            "--perl-regexp",
            "--ignore-case",
            "--no-ignore-case",
            "--word-regexp",
            "--line-regexp",
            "--null-data",
            "--no-messages",
            "--invert-match",
            "--byte-offset",
            "--line-number",
            "--line-buffered",
            "--with-filename",
            "--no-filename",
            "--only-matching",
            "--quiet",
            "--silent",
            "--text",
            "--recursive",
            "--dereference-recursive",
            "--files-without-match",
            "--files-with-matches",
            "--count",
            "--initial-tab",
            "--null",
            "--no-group-separator",
            "--binary",
            "--help",
            "--version",
        ],
        long_valued: &[
            "--regexp",
            "--max-count",
            "--label",
            "--after-context",
            "--before-context",
            "--context",
            "--binary-files",
            "--devices",
            "--directories",
            "--exclude",
            "--exclude-dir",
            "--include",
            "--group-separator",
        ],
        long_optional: &["--color", "--colour"],
        ..GETOPT
    },
    ReadOnly {
        names: &["rg"],
        // Not --pre/--pre-glob (run a program per file), -z/--search-zip (runs
        // decompressors), --hostname-bin (runs a program), --hyperlink-format (looks up the
        // host name), -f/--file and --ignore-file (read named files). `-.` is --hidden.
        short: "0abcFhHiIlLnNopPqsSuUvVwx.",
        short_valued: "ABCdEegjmMrtT",
        long: &[
            "--binary",
            "--block-buffered",
            "--byte-offset",
            "--case-sensitive",
            "--column",
            "--count",
            "--count-matches",
            "--crlf",
            "--debug",
            "--files",
            "--files-with-matches",
            "--files-without-match",
            "--fixed-strings",
            "--follow",
            "--glob-case-insensitive",
            "--heading",
            "--hidden",
            "--ignore-case",
            "--include-zero",
            "--invert-match",
            "--json",
            "--line-buffered",
            "--line-number",
            "--line-regexp",
            "--max-columns-preview",
            "--multiline",
            "--multiline-dotall",
            "--no-config",
            "--no-filename",
            "--no-heading",
            "--no-ignore",
            "--no-ignore-dot",
            "--no-ignore-exclude",
            "--no-ignore-files",
            "--no-ignore-global",
            "--no-ignore-messages",
            "--no-ignore-parent",
            "--no-ignore-vcs",
            "--no-line-number",
            "--no-messages",
            "--no-require-git",
            "--null",
            "--null-data",
            "--one-file-system",
            "--only-matching",
            "--passthru",
            "--pcre2",
            "--pretty",
            "--quiet",
            "--smart-case",
            "--stats",
            "--text",
            "--trim",
            "--type-list",
            "--unrestricted",
            "--vimgrep",
            "--with-filename",
            "--word-regexp",
            "--help",
            "--version",
        ],
        long_valued: &[
            "--after-context",
            "--before-context",
            "--color",
            "--colors",
            "--context",
            "--context-separator",
            "--encoding",
            "--engine",
            "--field-context-separator",
            "--field-match-separator",
            "--glob",
            "--iglob",
            "--max-columns",
            "--max-count",
            "--max-depth",
            "--max-filesize",
            "--path-separator",
            "--regexp",
            "--replace",
            "--sort",
            "--sortr",
            "--threads",
            "--type",
            "--type-not",
            "--type-add",
            "--type-clear",
        ],
        ..GETOPT
    },
    ReadOnly {
        names: &["sort"],
        // Not -o/--output (writes), --compress-program (runs it), -T/--temporary-directory
        // (creates files there), --files0-from (errors print the file, verified),
        // --random-source=FILE.
        short: "bcCdfghiMmnrRsuVz",
        short_valued: "kSt",
        long: &[
            "--ignore-leading-blanks",
            "--dictionary-order",
            "--ignore-case",
            "--general-numeric-sort",
            "--ignore-nonprinting",
            "--month-sort",
            "--human-numeric-sort",
            "--numeric-sort",
            "--random-sort",
            "--reverse",
            "--version-sort",
            "--debug",
            "--merge",
            "--stable",
            "--unique",
            "--zero-terminated",
            "--help",
            "--version",
        ],
        long_valued: &[
            "--key",
            "--field-separator",
            "--buffer-size",
            "--parallel",
            "--batch-size",
            "--sort",
        ],
        long_optional: &["--check"],
        ..GETOPT
    },
    ReadOnly {
        names: &["find"],
        // Predicates are whole words. Not -exec/-execdir/-ok/-okdir (run programs), -delete,
        // -fprint/-fprint0/-fprintf/-fls (write), -files0-from (reads a named file).
        syntax: Syntax::WholeWords,
        long: &[
            "-H",
            "-L",
            "-P",
            "-E",
            "-X",
            "-d",
            "-s",
            "-x",
            "-print",
            "-print0",
            "-ls",
            "-prune",
            "-quit",
            "-not",
            "-and",
            "-or",
            "-a",
            "-o",
            "-true",
            "-false",
            "-empty",
            "-readable",
            "-writable",
            "-executable",
            "-nouser",
            "-nogroup",
            "-depth",
            "-xdev",
            "-mount",
            "-follow",
            "-daystart",
            "-noleaf",
            "-ignore_readdir_race",
            "-noignore_readdir_race",
            "-warn",
            "-nowarn",
            "-help",
            "-version",
        ],
        long_valued: &[
            "-name",
            "-iname",
            "-path",
            "-ipath",
            "-wholename",
            "-iwholename",
            "-lname",
            "-ilname",
            "-regex",
            "-iregex",
            "-regextype",
            "-type",
            "-xtype",
            "-maxdepth",
            "-mindepth",
            "-size",
            "-mtime",
            "-mmin",
            "-atime",
            "-amin",
            "-ctime",
            "-cmin",
            "-used",
            "-newer",
            "-anewer",
            "-cnewer",
            "-newermt",
            "-samefile",
            "-inum",
            "-links",
            "-user",
            "-group",
            "-uid",
            "-gid",
            "-perm",
            "-fstype",
            "-printf",
        ],
        ..GETOPT
    },
    ReadOnly {
        names: &["file"],
        // Not -z/-Z/--uncompress* (run decompressors from PATH, verified), -S/--no-sandbox,
        // -m/--magic-file and -f/--files-from (print the named file's lines, verified),
        // -C/--compile (writes NAME.mgc), -p/--preserve-date (utime changes ctime).
        short: "0bcdEhiIklLnNrsv",
        short_valued: "eFP",
        long: &[
            "--brief",
            "--checking-printout",
            "--debug",
            "--extension",
            "--keep-going",
            "--list",
            "--mime",
            "--mime-type",
            "--mime-encoding",
            "--apple",
            "--no-buffer",
            "--no-pad",
            "--print0",
            "--raw",
            "--special-files",
            "--dereference",
            "--no-dereference",
            "--help",
            "--version",
        ],
        long_valued: &["--exclude", "--exclude-quiet", "--separator", "--parameter"],
        ..GETOPT
    },
    ReadOnly {
        names: &["tree"],
        // Not -o FILE (writes), -R (with -H writes 00Tree.html into every directory,
        // verified), --hintro/--houtro FILE (print it, verified), --infofile/--gitfile FILE,
        // --fromfile (prints its operands' lines).
        syntax: Syntax::NextWords,
        short: "aAcCdDfFghiJlnNpqQrsStuUvxX",
        short_valued: "HILPT",
        long: &[
            "--gitignore",
            "--ignore-case",
            "--matchdirs",
            "--metafirst",
            "--prune",
            "--info",
            "--noreport",
            "--si",
            "--du",
            "--inodes",
            "--device",
            "--dirsfirst",
            "--filesfirst",
            "--nolinks",
            "--help",
            "--version",
        ],
        long_valued: &["--charset", "--filelimit", "--timefmt", "--sort"],
        ..GETOPT
    },
    ReadOnly {
        names: &["xxd"],
        // vim's xxd matches `-x…` words by their first letter; busybox's xxd is getopt.
        // `-r` only turns hex back into bytes: it writes only into a second operand, which
        // `AtMost(1)` refuses (`xxd IN OUT` writes OUT).
        syntax: Syntax::LeadingWholeWords,
        short_valued: "cglnosR",
        long: &[
            "-a",
            "-autoskip",
            "-b",
            "-bits",
            "-C",
            "-capitalize",
            "-d",
            "-decimal",
            "-e",
            "-E",
            "-EBCDIC",
            "-h",
            "-help",
            "-i",
            "-include",
            "-p",
            "-ps",
            "-plain",
            "-postscript",
            "-r",
            "-revert",
            "-u",
            "-uppercase",
            "-v",
            "-version",
        ],
        long_valued: &[
            "-c",
            "-cols",
            "-g",
            "-groupsize",
            "-l",
            "-len",
            "-n",
            "-name",
            "-o",
            "-offset",
            "-s",
            "-seek",
            "-R",
        ],
        operands: Operands::AtMost(1),
        ..GETOPT
    },
    ReadOnly {
        names: &["bat"],
        // Not --pager, --paging=always|auto (run $BAT_PAGER/$PAGER/less), --lessopen (runs
        // $LESSOPEN), --generate-config-file (writes, verified), `cache --build|--clear`.
        // A config file can still set a pager (verified): the environment's concern.
        short: "AdfhLnpPuV",
        short_valued: "Hlmr",
        long: &[
            "--show-all",
            "--plain",
            "--paging=never",
            "--number",
            "--diff",
            "--force-colorization",
            "--unbuffered",
            "--list-themes",
            "--list-languages",
            "--no-config",
            "--config-file",
            "--config-dir",
            "--cache-dir",
            "--acknowledgements",
            "--help",
            "--version",
        ],
        long_valued: &[
            "--language",
            "--highlight-line",
            "--file-name",
            "--diff-context",
            "--tabs",
            "--wrap",
            "--terminal-width",
            "--color",
            "--italic-text",
            "--decorations",
            "--map-syntax",
            "--ignored-suffix",
            "--theme",
            "--style",
            "--line-range",
        ],
        operands: Operands::Except(&["cache"]),
        ..GETOPT
    },
    ReadOnly {
        names: &["yq"],
        // mikefarah (Go) and kislyuk (Python, passes jq options on and always runs `jq`
        // from PATH, verified). Not -i/--inplace/--in-place (rewrite the file, verified),
        // -s/--split-exp/--split-exp-file (write files), -f/--from-file/--front-matter,
        // --rawfile/--slurpfile/--argfile and -L (read named files). Expression operators
        // `load`, `load_str`, … read files: the caller's concern.
        short: "0cCejMnNPrRSvVyY",
        short_valued: "Iopw",
        long: &[
            "--yaml-output",
            "--yaml-roundtrip",
            "--indentless-lists",
            "--explicit-start",
            "--explicit-end",
            "--colors",
            "--no-colors",
            "--exit-status",
            "--null-input",
            "--no-doc",
            "--prettyPrint",
            "--unwrapScalar",
            "--nul-output",
            "--verbose",
            "--compact-output",
            "--raw-output",
            "--join-output",
            "--ascii-output",
            "--sort-keys",
            "--tab",
            "--help",
            "--version",
        ],
        long_valued: &[
            "--indent",
            "--output-format",
            "--input-format",
            "--expression",
            "--width",
            "--arg",
            "--argjson",
        ],
        ..GETOPT
    },
    // ---- shell state and builtins (bash 5.2 `help NAME`) -----------------------------------
    ReadOnly {
        names: &["set"],
        // Not -k (NAME=value arguments become environment). `-o NAME` takes any option
        // name, `keyword` among them: risk_table's rule on the `keyword` argument rates it.
        syntax: Syntax::LeadingPlus,
        short: "abefhmnptuvxBCEHPT",
        short_valued: "o",
        ..GETOPT
    },
    ReadOnly {
        names: &["declare", "typeset"],
        syntax: Syntax::LeadingPlus,
        short: DECLARE,
        ..GETOPT
    },
    ReadOnly {
        names: &["local"],
        syntax: Syntax::LeadingPlus,
        short: DECLARE,
        ..GETOPT
    },
    ReadOnly {
        names: &["export"],
        short: "fnp",
        ..BUILTIN
    },
    ReadOnly {
        names: &["printenv"],
        short: "0",
        long: &["--null", "--help", "--version"],
        ..GETOPT
    },
    ReadOnly {
        names: &["env"],
        // Options end at the first operand (`+` in GNU env's getopt string). Not
        // -S/--split-string (a command line), -C/--chdir, BSD -P (a PATH). The command it
        // runs is the wrappers' concern.
        short: "0iv",
        short_valued: "u",
        long: &[
            "--null",
            "--ignore-environment",
            "--debug",
            "--help",
            "--version",
        ],
        long_valued: &["--unset"],
        ..BUILTIN
    },
    ReadOnly {
        // bash's echo prints every word it does not take as `-n`/`-e`/`-E`.
        names: &["echo"],
        ..OPERANDS
    },
    ReadOnly {
        // `-v NAME`: the name is rated by risk.rs.
        names: &["printf"],
        short_valued: "v",
        ..BUILTIN
    },
    ReadOnly {
        names: &["true", "false", ":"],
        ..OPERANDS
    },
    ReadOnly {
        // Operators (`-f`, `-eq`, `-o`) are expression syntax, not options.
        names: &["test", "["],
        ..OPERANDS
    },
    ReadOnly {
        names: &["expr"],
        ..OPERANDS
    },
    ReadOnly {
        names: &["let"],
        ..OPERANDS
    },
    ReadOnly {
        names: &["getopts"],
        ..OPERANDS
    },
    ReadOnly {
        names: &["pwd"],
        short: "LP",
        long: &["--logical", "--physical", "--help", "--version"],
        ..BUILTIN
    },
    ReadOnly {
        names: &["cd"],
        short: "LPe@",
        ..BUILTIN
    },
    ReadOnly {
        names: &["pushd", "popd"],
        short: "n",
        numbers: Numbers::DashPlus,
        ..BUILTIN
    },
    ReadOnly {
        names: &["dirs"],
        short: "clpv",
        numbers: Numbers::DashPlus,
        ..BUILTIN
    },
    ReadOnly {
        names: &["type"],
        short: "afptP",
        ..BUILTIN
    },
    ReadOnly {
        // `command CMD` runs CMD: the wrappers' concern.
        names: &["command"],
        short: "pvV",
        ..BUILTIN
    },
    ReadOnly {
        names: &["exit", "return"],
        numbers: Numbers::Dash,
        ..BUILTIN
    },
    ReadOnly {
        names: &["shift"],
        ..BUILTIN
    },
    ReadOnly {
        names: &["read"],
        short: "ers",
        short_valued: "adinNptu",
        ..BUILTIN
    },
    ReadOnly {
        names: &["wait"],
        short: "fn",
        short_valued: "p",
        ..BUILTIN
    },
    ReadOnly {
        // Not -x CMD ARGS: runs CMD (verified).
        names: &["jobs"],
        short: "lnprs",
        ..BUILTIN
    },
    ReadOnly {
        names: &["umask"],
        short: "pS",
        ..BUILTIN
    },
    ReadOnly {
        // `alias NAME=VALUE` defines code: risk.rs analyses VALUE.
        names: &["alias"],
        short: "p",
        ..BUILTIN
    },
    ReadOnly {
        names: &["unalias"],
        short: "a",
        ..BUILTIN
    },
    ReadOnly {
        // Not -s/-u: they change how later lines parse and expand (expand_aliases, extglob,
        // nullglob, …). `-o` with -p/-q or alone only prints.
        names: &["shopt"],
        short: "opq",
        ..BUILTIN
    },
    ReadOnly {
        names: &["unset"],
        short: "fnv",
        ..BUILTIN
    },
    ReadOnly {
        names: &["help"],
        short: "dms",
        ..BUILTIN
    },
    ReadOnly {
        // `trap ACTION SIG`: risk.rs analyses ACTION.
        names: &["trap"],
        short: "lp",
        ..BUILTIN
    },
    ReadOnly {
        // Not -C CALLBACK: runs it.
        names: &["mapfile", "readarray"],
        short: "t",
        short_valued: "cdnOsu",
        ..BUILTIN
    },
    ReadOnly {
        // Not -p PATH NAME: makes NAME run another program.
        names: &["hash"],
        short: "dlrt",
        ..BUILTIN
    },
    // ---- information -----------------------------------------------------------------------
    ReadOnly {
        names: &["basename"],
        short: "az",
        short_valued: "s",
        long: &["--multiple", "--zero", "--help", "--version"],
        long_valued: &["--suffix"],
        ..GETOPT
    },
    ReadOnly {
        names: &["dirname"],
        short: "z",
        long: &["--zero", "--help", "--version"],
        ..GETOPT
    },
    ReadOnly {
        names: &["realpath"],
        short: "eLmPqsz",
        long: &[
            "--canonicalize-existing",
            "--canonicalize-missing",
            "--logical",
            "--physical",
            "--quiet",
            "--strip",
            "--no-symlinks",
            "--zero",
            "--help",
            "--version",
        ],
        long_valued: &["--relative-to", "--relative-base"],
        ..GETOPT
    },
    ReadOnly {
        names: &["readlink"],
        short: "efmnqsvz",
        long: &[
            "--canonicalize",
            "--canonicalize-existing",
            "--canonicalize-missing",
            "--no-newline",
            "--quiet",
            "--silent",
            "--verbose",
            "--zero",
            "--help",
            "--version",
        ],
        ..GETOPT
    },
    ReadOnly {
        // `-NUM` is a negative operand (`seq 10 -1 1`).
        names: &["seq"],
        short: "w",
        short_valued: "fst",
        long: &["--equal-width", "--help", "--version"],
        long_valued: &["--format", "--separator"],
        numbers: Numbers::Dash,
        ..GETOPT
    },
    ReadOnly {
        names: &["sleep", "yes", "whoami", "groups"],
        long: HELP,
        ..GETOPT
    },
    ReadOnly {
        names: &["cal", "ncal"],
        // `-m`, `-s`: util-linux flags, BSD values: flags.
        short: "13bCehjJmMopsSvwyY",
        short_valued: "ABcdHnW",
        long: &[
            "--one",
            "--three",
            "--julian",
            "--year",
            "--twelve",
            "--monday",
            "--sunday",
            "--week",
            "--vertical",
            "--iso",
            "--span",
            "--help",
            "--version",
        ],
        long_valued: &["--months", "--reform", "--columns"],
        long_optional: &["--color"],
        ..GETOPT
    },
    ReadOnly {
        names: &["id"],
        short: "aAcFgGMnPpruZz",
        long: &[
            "--context",
            "--group",
            "--groups",
            "--name",
            "--real",
            "--user",
            "--zero",
            "--help",
            "--version",
        ],
        ..GETOPT
    },
    ReadOnly {
        names: &["uname"],
        short: "abiKmnoprsUv",
        long: &[
            "--all",
            "--kernel-name",
            "--nodename",
            "--kernel-release",
            "--kernel-version",
            "--machine",
            "--processor",
            "--hardware-platform",
            "--operating-system",
            "--help",
            "--version",
        ],
        ..GETOPT
    },
    ReadOnly {
        names: &["uptime"],
        short: "hpsV",
        long: &["--pretty", "--since", "--help", "--version"],
        ..GETOPT
    },
    ReadOnly {
        names: &["nproc"],
        long: &["--all", "--help", "--version"],
        long_valued: &["--ignore"],
        ..GETOPT
    },
    ReadOnly {
        // macOS `arch [-x86_64|-arch NAME|-e VAR=V|-d VAR|-c] PROG [ARGS]` runs PROG.
        names: &["arch"],
        long: HELP,
        operands: Operands::AtMost(0),
        ..GETOPT
    },
    ReadOnly {
        names: &["tty"],
        short: "s",
        long: &["--silent", "--quiet", "--help", "--version"],
        ..GETOPT
    },
    ReadOnly {
        names: &["which"],
        short: "as",
        ..GETOPT
    },
    ReadOnly {
        names: &["locale"],
        short: "acekmvV?",
        long: &[
            "--all-locales",
            "--charmaps",
            "--category-name",
            "--keyword-name",
            "--verbose",
            "--help",
            "--usage",
            "--version",
        ],
        ..GETOPT
    },
    ReadOnly {
        names: &["getconf"],
        short: "a",
        short_valued: "v",
        ..GETOPT
    },
    ReadOnly {
        // Not -S (reads capability names, init/reset among them, from stdin).
        names: &["tput"],
        short: "Vx",
        short_valued: "T",
        operands: Operands::Except(&["init", "reset"]),
        ..GETOPT
    },
    ReadOnly {
        names: &["clear"],
        short: "Vx",
        short_valued: "T",
        ..GETOPT
    },
    ReadOnly {
        // FreeBSD `-e` (and macOS `-e` in legacy mode) shows the environment, as do
        // BSD-style `e` words; risk.rs `environment_dump` rates those. Not macOS -E (the
        // environment), FreeBSD -M CORE, -N SYSTEM, -W SWAP (read named files). `-C`, `-g`,
        // `-s`, `-u` take values in procps but not in BSD: flags. BSD-style words (`aux`)
        // are operands here.
        names: &["ps"],
        short: "AacCdefFgHhjlLmrsTuvwxXyZ",
        short_valued: "GoOpqtU",
        long: &[
            "--forest",
            "--no-headers",
            "--headers",
            "--deselect",
            "--help",
            "--version",
            "--info",
        ],
        long_valued: &[
            "--sort",
            "--format",
            "--cols",
            "--columns",
            "--width",
            "--rows",
            "--lines",
            "--pid",
            "--ppid",
            "--quick-pid",
            "--sid",
            "--tty",
            "--user",
            "--User",
            "--group",
            "--Group",
        ],
        ..GETOPT
    },
    ReadOnly {
        // Not -F/--pidfile FILE (reads it), -L/--logpidfile, FreeBSD -M CORE/-N SYSTEM.
        // BSD `-c CLASS` is a value where procps `-c` counts: a flag.
        names: &["pgrep"],
        short: "acfAilnoqSvwx",
        short_valued: "dgGjOPrstuU",
        long: &[
            "--list-name",
            "--list-full",
            "--inverse",
            "--lightweight",
            "--count",
            "--full",
            "--ignore-case",
            "--newest",
            "--oldest",
            "--exact",
            "--ignore-ancestors",
            "--help",
            "--version",
        ],
        long_valued: &[
            "--delimiter",
            "--pgroup",
            "--group",
            "--older",
            "--parent",
            "--session",
            "--terminal",
            "--euid",
            "--uid",
            "--runstates",
            "--cgroup",
            "--ns",
            "--nslist",
        ],
        ..GETOPT
    },
    ReadOnly {
        // Options are harmless; the interactive keys (kill, renice, write the rc file) need
        // a terminal. Letters that take values in one top and not another (`-d`, `-e`,
        // `-n`, `-O`, `-s`, `-u`) are flags.
        names: &["top"],
        short: "1abcCdeHiIjnOPqSstuvz",
        short_valued: "EJlmopU",
        short_optional: "w",
        long: &["--batch-mode", "--help", "--version"],
        long_valued: &["--iterations", "--delay"],
        ..GETOPT
    },
    ReadOnly {
        names: &["free"],
        short: "bghklmtvwV",
        short_valued: "cs",
        long: &[
            "--bytes",
            "--kilo",
            "--mega",
            "--giga",
            "--tera",
            "--peta",
            "--kibi",
            "--mebi",
            "--gibi",
            "--tebi",
            "--pebi",
            "--human",
            "--si",
            "--lohi",
            "--total",
            "--committed",
            "--wide",
            "--help",
            "--version",
        ],
        long_valued: &["--seconds", "--count"],
        ..GETOPT
    },
    ReadOnly {
        // Not FreeBSD -M CORE/-N SYSTEM (read named files).
        names: &["vmstat"],
        short: "adDfhmnstwyV",
        short_valued: "cpS",
        long: &[
            "--active",
            "--forks",
            "--slabs",
            "--one-header",
            "--stats",
            "--disk",
            "--disk-sum",
            "--timestamp",
            "--no-first",
            "--wide",
            "--help",
            "--version",
        ],
        long_valued: &["--partition", "--unit"],
        ..GETOPT
    },
    ReadOnly {
        // lsof's own parser: an optional value is attached (`-iTCP:80`) or the next word if
        // that does not start with `-`/`+`, which the checker reads as an operand. Not `+…`
        // (`+M` registers with the portmapper), -D (device cache file), -k/-m/-A (named
        // kernel, mount and name files), -e/-O (skip kernel safeguards).
        names: &["lsof"],
        short: "?abEhlMnNPQRtUvVwX",
        short_valued: "cdpu",
        short_optional: "fFgiKLorsSTxZ",
        ..GETOPT
    },
    ReadOnly {
        // Not --sysroot DIR (reads device files under DIR).
        names: &["lsblk"],
        short: "aAbdDfhiJlmMnOpPrsStVyz",
        short_valued: "eEIowx",
        short_optional: "T",
        long: &[
            "--noempty",
            "--discard",
            "--json",
            "--merge",
            "--output-all",
            "--pairs",
            "--scsi",
            "--all",
            "--bytes",
            "--nodeps",
            "--fs",
            "--ascii",
            "--list",
            "--perms",
            "--noheadings",
            "--paths",
            "--raw",
            "--inverse",
            "--topology",
            "--shell",
            "--zoned",
            "--help",
            "--version",
        ],
        long_valued: &[
            "--dedup",
            "--include",
            "--exclude",
            "--output",
            "--width",
            "--sort",
        ],
        long_optional: &["--tree"],
        ..GETOPT
    },
    ReadOnly {
        // Not BSD -M CORE/-N SYSTEM (read named files).
        names: &["w"],
        short: "dfhinosuV",
        long: &[
            "--no-header",
            "--no-current",
            "--short",
            "--from",
            "--old-style",
            "--ip-addr",
            "--help",
            "--version",
        ],
        ..GETOPT
    },
    ReadOnly {
        // Not --lookup (DNS).
        names: &["who"],
        short: "abdHlmpqrstTuw",
        long: &[
            "--all",
            "--boot",
            "--dead",
            "--heading",
            "--ips",
            "--login",
            "--process",
            "--count",
            "--runlevel",
            "--short",
            "--time",
            "--mesg",
            "--users",
            "--message",
            "--writable",
            "--help",
            "--version",
        ],
        ..GETOPT
    },
    ReadOnly {
        // Not -f/--file FILE (prints a named file's records), -d/--dns. `-h` (BSD host,
        // a value) and `-s` (util-linux since, a value) are flags.
        names: &["last"],
        short: "aFhiRswxyV",
        short_valued: "npt",
        long: &[
            "--hostlast",
            "--fulltimes",
            "--ip",
            "--nohostname",
            "--fullnames",
            "--system",
            "--help",
            "--version",
        ],
        long_valued: &[
            "--limit",
            "--since",
            "--until",
            "--present",
            "--time-format",
        ],
        numbers: Numbers::Dash,
        ..GETOPT
    },
    ReadOnly {
        // Not -C/--config-file FILE, -M/-m (other manual trees), mandoc -a (shows whole pages
        // through $PAGER).
        names: &["apropos"],
        short: "delrvVw?",
        short_valued: "Ls",
        long: &[
            "--debug",
            "--verbose",
            "--exact",
            "--regex",
            "--wildcard",
            "--and",
            "--long",
            "--help",
            "--usage",
            "--version",
        ],
        long_valued: &["--sections", "--section", "--locale"],
        ..GETOPT
    },
    ReadOnly {
        names: &["whatis"],
        short: "dlrvVw?",
        short_valued: "Ls",
        long: &[
            "--debug",
            "--verbose",
            "--regex",
            "--wildcard",
            "--long",
            "--help",
            "--usage",
            "--version",
        ],
        long_valued: &["--sections", "--section", "--locale"],
        ..GETOPT
    },
    ReadOnly {
        // tealdeer, tldr-node, tldr-python. Not -u/--update (network and cache write),
        // -c/--clear-cache, --seed-config, --pager, -f/--render FILE and python -r (print a
        // named file), python -s URL, --edit-page. `-p`/`-L`/`-o` and `--color` take values
        // in some clients only: flags. A page missing from the cache may be fetched: the
        // caller's concern.
        names: &["tldr"],
        short: "hlLmopqv",
        long: &["--list", "--quiet", "--show-paths", "--help", "--version"],
        long_valued: &["--platform", "--language"],
        long_optional: &["--color"],
        ..GETOPT
    },
    ReadOnly {
        // Not -s/--set (and `--se`, verified), -f/--file FILE (prints its lines, verified),
        // BSD -f FMT STRING (sets the clock without -j), -t (kernel timezone). `-d`: GNU
        // display date; old macOS `-d DST` set the kernel's DST flag (root only, removed).
        names: &["date"],
        short: "jnRu",
        short_valued: "Ddrvz",
        short_optional: "I",
        long: &[
            "--debug",
            "--rfc-email",
            "--rfc-2822",
            "--resolution",
            "--utc",
            "--universal",
            "--help",
            "--version",
        ],
        long_valued: &["--date", "--reference", "--rfc-3339"],
        long_optional: &["--iso-8601"],
        operands: Operands::PlusFormat,
        ..GETOPT
    },
    ReadOnly {
        // Any operand sets the host name; not -F/--file, -b/--boot (set it). `-f`, `-A`,
        // `-i`, `-d` may look names up in DNS.
        names: &["hostname"],
        short: "aAdfhiIsvVy",
        long: &[
            "--alias",
            "--all-fqdns",
            "--domain",
            "--fqdn",
            "--long",
            "--ip-address",
            "--all-ip-addresses",
            "--short",
            "--nis",
            "--yp",
            "--verbose",
            "--help",
            "--version",
        ],
        operands: Operands::AtMost(0),
        ..GETOPT
    },
    ReadOnly {
        // Not -P/--pager, -H/--html, -p/--preprocessor, -X/--gxditview, -t/--troff,
        // -T/--troff-device, -Z/--ditroff (run programs; their abbreviations too, `--pag`
        // verified), -C/--config-file (its DEFINEs run, verified), -u/--update, -c/--catman
        // (write caches), -l/--local-file FILE, -M/-m (other manual trees), -r/--prompt,
        // mandoc -O. `-I`, `-K`, `-W` take values in mandoc: flags.
        names: &["man"],
        short: "7adDfhiIkKVwW?",
        short_valued: "eELSs",
        long: &[
            "--debug",
            "--default",
            "--whatis",
            "--apropos",
            "--global-apropos",
            "--where",
            "--path",
            "--location",
            "--where-cat",
            "--location-cat",
            "--ignore-case",
            "--match-case",
            "--regex",
            "--wildcard",
            "--names-only",
            "--all",
            "--no-subpages",
            "--ascii",
            "--no-hyphenation",
            "--nh",
            "--no-justification",
            "--nj",
            "--help",
            "--usage",
            "--version",
        ],
        long_valued: &["--sections", "--locale", "--extension", "--encoding"],
        long_optional: &["--warnings"],
        operands: Operands::NoSlash,
        ..GETOPT
    },
    ReadOnly {
        // Not -o/--output, --dribble (write; `--ou`, `--dr` verified), --restore,
        // --init-file, -v/--variable, -f/--file and -d/--directory (read named files; a
        // crafted compressed file name injects into `sh -c "gzip -d < NAME"`, verified).
        // That injection also reaches `info NAME` through a `dir` file on INFOPATH: the
        // entry's base level is the risk table's call.
        names: &["info"],
        short: "ahORw",
        short_valued: "knx",
        long: &[
            "--all",
            "--show-options",
            "--usage",
            "--where",
            "--location",
            "--subnodes",
            "--vi-keys",
            "--raw-escapes",
            "--no-raw-escapes",
            "--strict-node-location",
            "--help",
            "--version",
        ],
        long_valued: &["--apropos", "--index-search", "--node", "--debug"],
        operands: Operands::NoSlash,
        ..GETOPT
    },
];

/// The table by command name (looked up for every low-risk sub-command of every decision).
static BY_NAME: std::sync::LazyLock<crate::name_map::NameMap<&'static str, &'static ReadOnly>> =
    std::sync::LazyLock::new(|| {
        TABLE
            .iter()
            .flat_map(|entry| entry.names.iter().map(move |name| (*name, entry)))
            .collect()
    });

/// The entry for a command name, if it has one.
pub(crate) fn read_only(name: &str) -> Option<&'static ReadOnly> {
    BY_NAME.get(name).copied()
}

/// The first argument (argv without the command name) that is not a read-only option of
/// `spec`: `Some(description)` for an option not listed, a `+…` word the command does not
/// accept as a number, an abbreviated long option (any prefix that is not an exact listed
/// name counts as unknown), an unknown letter anywhere in a short cluster, or an operand
/// [`Operands`] refuses; `None` when every option is listed.
///
/// The description is the option as given (`-p` out of `-np`, `--pager` without its
/// value, `+!cmd`), or `operand NAME`, shortened to a few dozen characters.
///
/// Parsing follows getopt (and the entry's [`Syntax`]): `--` ends options; a valued short
/// option takes the rest of its cluster or the next word; a valued long option takes
/// `=VALUE` or the next word; non-option operands are skipped (GNU permutes, so options
/// after operands count too, except for the bash builtins' [`Syntax::Leading`] and
/// [`Syntax::LeadingPlus`]). A value is never read as an option. The words are read left to
/// right, so appending arguments never turns `Some` into `None`.
pub(crate) fn unknown_option(spec: &ReadOnly, args: &[&str]) -> Option<String> {
    let mut words = args.iter().copied();
    let mut options_ended = spec.syntax == Syntax::Operands;
    let mut operands = 0usize;
    while let Some(word) = words.next() {
        if !options_ended {
            match kind(spec, word) {
                Kind::EndOfOptions => {
                    options_ended = true;
                    continue;
                }
                Kind::Option => {
                    match option(spec, word) {
                        Ok(values) => {
                            // The values of valued options, given as the next words.
                            for _ in 0..values {
                                words.next();
                            }
                        }
                        Err(unknown) => return Some(unknown),
                    }
                    continue;
                }
                Kind::Operand => {
                    if matches!(
                        spec.syntax,
                        Syntax::Leading | Syntax::LeadingPlus | Syntax::LeadingWholeWords
                    ) {
                        options_ended = true;
                    }
                }
            }
        }
        operands = operands.saturating_add(1);
        if let Some(refused) = refused_operand(spec.operands, word, operands) {
            return Some(refused);
        }
    }
    None
}

/// What a word is before the end of options.
enum Kind {
    Option,
    Operand,
    EndOfOptions,
}

fn kind(spec: &ReadOnly, word: &str) -> Kind {
    match spec.syntax {
        Syntax::Operands => Kind::Operand,
        Syntax::WholeWords | Syntax::LeadingWholeWords => {
            if word.starts_with('-') && word != "-" {
                Kind::Option
            } else {
                Kind::Operand
            }
        }
        Syntax::Getopt | Syntax::Leading | Syntax::LeadingPlus | Syntax::NextWords => {
            if word == "--" {
                Kind::EndOfOptions
            } else if word == "-" {
                Kind::Operand
            } else if word.starts_with('-') {
                Kind::Option
            } else if let Some(plus) = word.strip_prefix('+') {
                // `date +%s` is its format, and bash builtins only read `+` as an option
                // where they say so (`set +e`, `pushd +1`). Any other `+` word is checked
                // as an option: getopt reads it as an operand, but BSD `more +CMD` as a
                // command.
                let number = !plus.is_empty() && plus.chars().all(|c| c.is_ascii_digit());
                let operand = spec.operands == Operands::PlusFormat
                    || (spec.syntax == Syntax::Leading
                        && !(number && spec.numbers == Numbers::DashPlus));
                if operand { Kind::Operand } else { Kind::Option }
            } else {
                Kind::Operand
            }
        }
    }
}

/// How many following words an option takes as its value, or its description if it is not
/// listed. `word` starts with `-` or `+` and is neither `-` nor `--`.
fn option(spec: &ReadOnly, word: &str) -> Result<usize, String> {
    if matches!(spec.syntax, Syntax::WholeWords | Syntax::LeadingWholeWords) {
        return whole_word(spec, word);
    }
    if let Some(long) = word.strip_prefix("--") {
        return long_option(spec, word, long);
    }
    if let Some(cluster) = word.strip_prefix('-') {
        if spec.numbers != Numbers::None && cluster.starts_with(|c: char| c.is_ascii_digit()) {
            // `-20`, `-50f`: a count, then flags.
            let flags = cluster.trim_start_matches(|c: char| c.is_ascii_digit());
            return match flags.chars().find(|c| !spec.short.contains(*c)) {
                None => Ok(0),
                Some(c) => Err(format!("-{c}")),
            };
        }
        return short_options(spec, '-', cluster);
    }
    let plus = word.strip_prefix('+').unwrap_or(word);
    if spec.numbers == Numbers::DashPlus
        && !plus.is_empty()
        && plus.chars().all(|c| c.is_ascii_digit())
    {
        return Ok(0);
    }
    if spec.syntax == Syntax::LeadingPlus && !plus.is_empty() {
        return short_options(spec, '+', plus);
    }
    Err(shorten(word))
}

/// A long option: `long` is `word` without its leading `--`.
fn long_option(spec: &ReadOnly, word: &str, long: &str) -> Result<usize, String> {
    match long.split_once('=') {
        Some((key, _)) => {
            let name_len = key.len().saturating_add(2);
            let name = word.get(..name_len).unwrap_or(word);
            if spec.long.contains(&word)
                || spec.long_valued.contains(&name)
                || spec.long_optional.contains(&name)
            {
                Ok(0)
            } else {
                Err(shorten(name))
            }
        }
        None => {
            if spec.long.contains(&word) || spec.long_optional.contains(&word) {
                Ok(0)
            } else if spec.long_valued.contains(&word) {
                Ok(1)
            } else {
                Err(shorten(word))
            }
        }
    }
}

/// A cluster of short options after `sign` (`-` or `+`).
fn short_options(spec: &ReadOnly, sign: char, cluster: &str) -> Result<usize, String> {
    let mut values = 0usize;
    let mut letters = cluster.chars();
    while let Some(c) = letters.next() {
        if spec.short.contains(c) {
            continue;
        }
        if spec.short_valued.contains(c) {
            if spec.syntax == Syntax::NextWords {
                values = values.saturating_add(1);
                continue;
            }
            // The rest of the cluster is the value, or else the next word.
            return Ok(usize::from(letters.as_str().is_empty()));
        }
        if spec.short_optional.contains(c) {
            // The rest of the cluster, if any, is the value.
            return Ok(0);
        }
        return Err(format!("{sign}{c}"));
    }
    Ok(values)
}

/// A `-word` of a [`Syntax::WholeWords`] command.
fn whole_word(spec: &ReadOnly, word: &str) -> Result<usize, String> {
    if spec.long.contains(&word) {
        return Ok(0);
    }
    if spec.long_valued.contains(&word) {
        return Ok(1);
    }
    let mut letters = word.chars().skip(1);
    match (letters.next(), letters.next()) {
        (Some(c), Some(_)) if spec.short_valued.contains(c) => Ok(0),
        _ => Err(shorten(word)),
    }
}

/// Why an operand (the `count`th) is refused, if it is.
fn refused_operand(rule: Operands, word: &str, count: usize) -> Option<String> {
    let refused = match rule {
        Operands::Any => false,
        Operands::AtMost(most) => count > most,
        Operands::PlusFormat => !word.starts_with('+'),
        Operands::Except(words) => words.contains(&word),
        Operands::NoSlash => word.contains('/'),
    };
    refused.then(|| format!("operand {}", shorten(word)))
}

/// `text`, cut to 40 characters.
fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(MAX).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, args: &[&str]) -> Option<String> {
        let spec = read_only(name).unwrap_or_else(|| panic!("no entry for {name}"));
        unknown_option(spec, args)
    }

    fn line(text: &str) -> (String, Vec<String>) {
        let mut words = text.split(' ').map(str::to_owned);
        let name = words.next().unwrap();
        (name, words.collect())
    }

    /// Every (command, arguments) the audit marks unsafe, and a few variants of them.
    const UNSAFE: &[(&str, &[&str])] = &[
        // A. runs a program or shell code
        ("jobs", &["-x", "touch", "x"]),
        ("jobs", &["-lx", "touch", "x"]),
        ("arch", &["prog"]),
        ("arch", &["-x86_64", "prog"]),
        ("arch", &["-arch", "arm64", "prog"]),
        ("arch", &["-e", "A=1", "prog"]),
        ("arch", &["-d", "A", "prog"]),
        ("arch", &["-c", "prog"]),
        ("more", &["-p", "!touch X", "f"]),
        ("more", &["-np!touch X", "f"]),
        ("more", &["-n", "-p", "!touch X", "f"]),
        ("more", &["+!touch X", "f"]),
        ("more", &["+/x", "f"]),
        ("more", &["f", "+G"]),
        ("more", &["-k", "lesskey", "f"]),
        ("file", &["-z", "f"]),
        ("file", &["-bz", "f"]),
        ("file", &["-Z", "f"]),
        ("file", &["--uncompress", "f"]),
        ("file", &["--uncompress-noreport", "f"]),
        ("file", &["-S", "f"]),
        ("file", &["--no-sandbox", "f"]),
        ("man", &["-C", "cfg", "ls"]),
        ("man", &["--config-file=cfg", "ls"]),
        ("man", &["--pag=touch X", "ls"]),
        ("man", &["--pager=touch X", "ls"]),
        ("man", &["-P", "touch X", "ls"]),
        ("man", &["-Pcat", "ls"]),
        ("man", &["-H", "ls"]),
        ("man", &["--html", "ls"]),
        ("man", &["--ht", "ls"]),
        ("man", &["-p", "x", "ls"]),
        ("man", &["--preprocessor=x", "ls"]),
        ("man", &["--prep=x", "ls"]),
        ("man", &["-X", "ls"]),
        ("man", &["--gxditview", "ls"]),
        ("man", &["--gx", "ls"]),
        ("man", &["-t", "ls"]),
        ("man", &["--troff", "ls"]),
        ("man", &["-T", "ls"]),
        ("man", &["--troff-d", "ls"]),
        ("man", &["-Z", "ls"]),
        ("man", &["--dit", "ls"]),
        ("info", &["-f", "./p;touch pwned6;x.gz"]),
        ("info", &["--file=x"]),
        ("info", &["-d", "dir", "topic"]),
        ("info", &["--directory", "dir", "topic"]),
        ("info", &["./p;touch x;x.gz"]),
        ("tput", &["init"]),
        ("tput", &["reset"]),
        ("tput", &["-T", "evil", "init"]),
        ("tput", &["-S"]),
        ("bat", &["--paging=always", "f"]),
        ("bat", &["--paging=auto", "f"]),
        ("bat", &["--paging", "always", "f"]),
        ("bat", &["--pager=touch X", "f"]),
        ("bat", &["--lessopen", "f"]),
        ("diff", &["-l", "a", "b"]),
        ("diff", &["-ul", "a", "b"]),
        ("diff", &["--paginate", "a", "b"]),
        ("env", &["-S", "sh -c x"]),
        ("env", &["--split-string=sh -c x"]),
        ("mapfile", &["-C", "cb", "a"]),
        ("readarray", &["-C", "cb", "a"]),
        ("hash", &["-p", "/tmp/x", "ls"]),
        ("less", &["+!touch X", "f"]),
        ("less", &["-+x", "f"]),
        ("less", &["-k", "f", "g"]),
        ("less", &["--lesskey-file=f", "g"]),
        ("less", &["--lesskey-src=f", "g"]),
        ("less", &["--lesskey-content=x", "g"]),
        ("less", &["-t", "tag"]),
        ("less", &["-T", "tags", "f"]),
        ("less", &["-p", "x", "f"]),
        ("zless", &["+!x", "f.gz"]),
        ("rg", &["--pre", "x", "a"]),
        ("rg", &["--pre-glob", "*", "a"]),
        ("rg", &["-z", "a"]),
        ("rg", &["-nz", "a"]),
        ("rg", &["--search-zip", "a"]),
        ("rg", &["--hostname-bin=x", "a"]),
        ("find", &[".", "-exec", "rm", "{}", ";"]),
        ("find", &[".", "-execdir", "x", "{}", "+"]),
        ("find", &[".", "-ok", "rm", "{}", ";"]),
        ("find", &[".", "-okdir", "rm", "{}", ";"]),
        ("find", &["--", ".", "-exec", "rm", "{}", ";"]),
        ("sort", &["--compress-program=x", "f"]),
        ("sort", &["--compress=x", "f"]),
        // B. writes a file or changes system state
        ("base64", &["-o", "f"]),
        ("base64", &["-d", "-o", "~/.bashrc", "x"]),
        ("base64", &["-do", "f"]),
        ("base64", &["--output=f"]),
        ("base32", &["-o", "f"]),
        ("more", &["-o", "f"]),
        ("more", &["-O", "f"]),
        ("less", &["-o", "f"]),
        ("less", &["-O", "f"]),
        ("less", &["--log-file=f"]),
        ("less", &["--LOG-FILE=f"]),
        ("yq", &["--in-place", ".a=1", "f"]),
        ("yq", &["-i", ".a=1", "f"]),
        ("yq", &["--inplace", ".a=1", "f"]),
        ("yq", &["-s", "x", "f"]),
        ("yq", &["--split-exp", "x", "f"]),
        ("yq", &["--split-exp-file=f", "f"]),
        ("date", &["0101000025"]),
        ("date", &["-u", "0101000025"]),
        ("date", &["-j", "0101000025"]),
        ("date", &["-d", "x", "0101"]),
        ("date", &["-s", "2020-01-01"]),
        ("date", &["--set=2020-01-01"]),
        ("date", &["--se=2020-01-01"]),
        ("date", &["--s", "2020-01-01"]),
        ("date", &["-us", "x"]),
        ("hostname", &["--fi=f"]),
        ("hostname", &["--file", "f"]),
        ("hostname", &["-F", "f"]),
        ("hostname", &["--bo"]),
        ("hostname", &["--boot"]),
        ("hostname", &["-b"]),
        ("hostname", &["newname"]),
        ("hostname", &["-f", "newname"]),
        ("info", &["--ou=io.txt", "coreutils"]),
        ("info", &["-o", "f", "coreutils"]),
        ("info", &["--output=f"]),
        ("info", &["--dr=f"]),
        ("info", &["--dribble=f"]),
        ("info", &["--restore=f"]),
        ("info", &["--init-file=f"]),
        ("info", &["-v", "a=b"]),
        ("info", &["--variable", "a=b"]),
        ("tree", &["-R", "-H", "x"]),
        ("tree", &["-aR"]),
        ("tree", &["-o", "f"]),
        ("tree", &["-Lo", "2", "f"]),
        ("tree", &["-L", "2", "-o", "f"]),
        ("bat", &["--generate-config-file"]),
        ("bat", &["cache", "--build"]),
        ("bat", &["cache", "--clear"]),
        ("bat", &["cache", "-b"]),
        ("man", &["-u", "ls"]),
        ("man", &["--update", "ls"]),
        ("man", &["-c", "ls"]),
        ("man", &["--catman", "ls"]),
        ("tldr", &["-u"]),
        ("tldr", &["--update"]),
        ("tldr", &["-c"]),
        ("tldr", &["--clear-cache"]),
        ("tldr", &["--seed-config"]),
        ("tldr", &["--pager", "tar"]),
        ("tldr", &["--color", "-u"]),
        ("tldr", &["--edit-page", "tar"]),
        ("tldr", &["-s", "https://x", "tar"]),
        ("tldr", &["--source", "https://x", "tar"]),
        ("shopt", &["-s", "expand_aliases"]),
        ("shopt", &["-u", "nullglob"]),
        ("shopt", &["-so", "x"]),
        ("shopt", &["-qs", "extglob"]),
        ("file", &["-p", "f"]),
        ("file", &["--preserve-date", "f"]),
        ("file", &["-C", "-m", "m"]),
        ("file", &["--compile"]),
        ("lsof", &["+M"]),
        ("lsof", &["-i", "+M"]),
        ("lsof", &["+m"]),
        ("lsof", &["-D", "b"]),
        ("who", &["--lookup"]),
        ("last", &["-d"]),
        ("last", &["--dns"]),
        ("sort", &["-o", "f", "g"]),
        ("sort", &["-uo", "f", "g"]),
        ("sort", &["--output=f", "g"]),
        ("sort", &["-T", "/tmp", "g"]),
        ("sort", &["--temporary-directory=d", "g"]),
        ("find", &[".", "-delete"]),
        ("find", &[".", "-fprint", "f"]),
        ("find", &[".", "-fprint0", "f"]),
        ("find", &[".", "-fprintf", "f", "%p"]),
        ("find", &[".", "-fls", "f"]),
        ("env", &["-C", "/", "ls"]),
        ("env", &["--chdir=/", "ls"]),
        ("cksum", &["-h", "out", "f"]),
        ("xxd", &["in", "out"]),
        ("xxd", &["-r", "in", "out"]),
        ("xxd", &["-r", "-p", "in", "out"]),
        ("set", &["-k"]),
        ("set", &["-ek"]),
        // C. prints a file it names
        ("jq", &["-f", "f"]),
        ("jq", &["-rf", "f"]),
        ("jq", &["--from-file", "f"]),
        ("jq", &["-L", "dir", "."]),
        ("jq", &["--rawfile", "a", "f", "."]),
        ("jq", &["--slurpfile", "a", "f", "."]),
        ("jq", &["--argfile", "a", "f", "."]),
        ("jq", &["--run-tests", "f"]),
        ("hexdump", &["-f", "f"]),
        ("hexdump", &["-Cf", "f"]),
        ("hexdump", &["--format-file=f"]),
        ("date", &["-f", "f"]),
        ("date", &["-uf", "f"]),
        ("date", &["--file=f"]),
        ("file", &["-f", "list"]),
        ("file", &["--files-from", "list"]),
        ("file", &["-m", "magic", "f"]),
        ("file", &["--magic-file=magic", "f"]),
        ("yq", &["-f", "f"]),
        ("yq", &["--from-file=f"]),
        ("yq", &["--rawfile", "a", "f"]),
        ("yq", &["--slurpfile", "a", "f"]),
        ("yq", &["-L", "dir"]),
        ("tree", &["--hintro", "f"]),
        ("tree", &["--hintro=f"]),
        ("tree", &["--houtro", "f"]),
        ("tree", &["--infofile", "f"]),
        ("tree", &["--gitfile=f"]),
        ("tree", &["--fromfile", "f"]),
        ("tldr", &["-f", "f"]),
        ("tldr", &["--render", "f"]),
        ("tldr", &["-r", "f"]),
        ("more", &["-t", "tag"]),
        ("more", &["-T", "tags"]),
        ("last", &["-f", "f"]),
        ("last", &["--file", "f"]),
        ("pgrep", &["-F", "f"]),
        ("pgrep", &["--pidfile", "f"]),
        ("pgrep", &["-L", "-F", "f"]),
        ("man", &["-l", "f"]),
        ("man", &["--local-file", "f"]),
        ("man", &["./x.1"]),
        ("man", &["-M", "/tmp/m", "ls"]),
        ("apropos", &["-C", "f", "x"]),
        ("apropos", &["--config-file=f", "x"]),
        ("apropos", &["-a", "x"]),
        ("whatis", &["-C", "f", "x"]),
        ("wc", &["--files0-from=f"]),
        ("du", &["--files0-from=f"]),
        ("du", &["-X", "f"]),
        ("du", &["--exclude-from=f"]),
        ("sort", &["--files0-from=f"]),
        ("sort", &["--random-source=f", "g"]),
        ("diff", &["-X", "f", "a", "b"]),
        ("diff", &["--exclude-from=f", "a", "b"]),
        ("diff", &["--from-file=f", "a"]),
        ("diff", &["--to-file=f", "a"]),
        ("grep", &["-f", "f", "g"]),
        ("grep", &["--file=f", "g"]),
        ("grep", &["--exclude-from=f", "x"]),
        ("rg", &["-f", "f"]),
        ("rg", &["--file=f"]),
        ("rg", &["--ignore-file", "f", "x"]),
        ("find", &[".", "-files0-from", "f"]),
        ("lsof", &["-k", "f"]),
        ("lsof", &["-m", "f"]),
        // D. prints secrets (-e: see the ps entry)
        ("ps", &["-E"]),
        ("ps", &["-aE"]),
        ("ps", &["-M", "core"]),
        ("ps", &["-N", "system"]),
        ("ps", &["-W", "swap"]),
        ("pgrep", &["-M", "core", "x"]),
        ("pgrep", &["-N", "system", "x"]),
        ("vmstat", &["-M", "core"]),
        ("vmstat", &["-N", "system"]),
        ("w", &["-M", "core"]),
    ];

    #[test]
    fn refuses_every_unsafe_option_of_the_audit() {
        for (name, args) in UNSAFE {
            assert!(
                check(name, args).is_some(),
                "{name} {args:?} should not be read-only"
            );
        }
    }

    /// Ordinary lines an agent runs: all read-only.
    const ORDINARY: &[&str] = &[
        "ls -la",
        "ls -lah src/",
        "ls -1",
        "ls -ltr --color=auto",
        "ls -d */",
        "head -n 20 f",
        "head -20 f",
        "head -n5 f",
        "head -n -5 f",
        "head --lines=5 f",
        "head -c 100 f",
        "tail -50 log.txt",
        "tail -f log",
        "tail -50f log",
        "tail -F log",
        "tail -n +5 f",
        "tail +5 f",
        "tail --follow=name log",
        "wc -l",
        "wc -l f g",
        "cut -d: -f1",
        "cut -d , -f 2-",
        "cut -c1-10 f",
        "sort -u",
        "sort -k2 -t,",
        "sort -rn",
        "sort -k 2,2n -t , f",
        "sort -h",
        "du -sh target",
        "du -h --max-depth=1",
        "df -h",
        "df -hT",
        "diff -u a b",
        "diff -r a b",
        "diff -ru a b",
        "diff --color=always -U 5 a b",
        "jq -r .name f",
        "jq --arg x 1 .",
        "jq -rc .[] f",
        "jq -n --argjson v 2 $v",
        "jq --indent 4 . f",
        "jq -S .",
        "stat -c %s f",
        "stat --format=%s f",
        "od -An -tx1",
        "od -c f",
        "od -w16 -tx1 f",
        "hexdump -C f",
        "hexdump -n 64 -C f",
        "cat -n",
        "cat -A f",
        "cat f g",
        "tac f",
        "nl -ba f",
        "tr -d x",
        "tr -s a",
        "rev f",
        "fold -w 80 f",
        "fmt -w 72 f",
        "fmt -72 f",
        "column -t -s, f",
        "paste -sd, -",
        "expand -t 4 f",
        "unexpand -a f",
        "comm -12 a b",
        "join -t, a b",
        "strings -n 8 f",
        "strings -8 f",
        "base64 -d f",
        "base64 -w0 f",
        "base32 -d f",
        "sha256sum f",
        "sha256sum -c f.sha256",
        "md5sum f",
        "b2sum -l 256 f",
        "cksum -a sha256 f",
        "cmp -l a b",
        "more f",
        "more +10 f",
        "more -5 f",
        "less -R f",
        "less -SN f",
        "less -x4 f",
        "zcat f.gz",
        "zcat -f f",
        "grep -rn x src/",
        "grep -E -i -v -c -l -w -o -A3 -B2 -C 2 x f",
        "grep -rnI --include=*.rs x .",
        "grep -3 x f",
        "grep -n5 x f",
        "grep --color=auto -e -x f",
        "grep -- -v f",
        "egrep -i x f",
        "fgrep -x f",
        "rg -n --hidden -g *.rs -t rust x",
        "rg -uuu x",
        "rg --files",
        "rg -A 3 -C2 x",
        "rg --type-not js -i x",
        "find . -name *.rs -type f -maxdepth 2 -newer x",
        "find . -mtime -7 -print",
        "find src ( -name *.rs -o -name *.toml ) -not -path */target/*",
        "find . -size +10M -ls",
        "find . -type d -empty",
        "file f",
        "file -b --mime-type f",
        "file -L f",
        "tree -L 2 src",
        "tree -La 2 src",
        "tree -a -I target --dirsfirst",
        "tree --charset=ascii -L 1",
        "xxd f",
        "xxd -l 64 f",
        "xxd -l64 f",
        "xxd -ps f",
        "xxd -r -p",
        "xxd -s 16 -c 8 f",
        "bat -n f",
        "bat -pp f",
        "bat --paging=never -l rust f",
        "bat -P -r 1:10 f",
        "yq .a f.yaml",
        "yq -r .a f.yaml",
        "yq -o json f.yaml",
        "yq eval .a f.yaml",
        "ps aux",
        "ps -ef",
        "ps -eo pid,comm",
        "ps -p 123 -o pid,etime",
        "ps --sort=-%mem aux",
        "pgrep -f cargo",
        "pgrep -la node",
        "top -b -n 1",
        "top -bn1",
        "free -h",
        "free -m",
        "vmstat 1 5",
        "lsof -i :8080",
        "lsof -nP -iTCP -sTCP:LISTEN",
        "lsof -p 123",
        "lsblk",
        "lsblk -f",
        "w",
        "who",
        "who -b",
        "last -10",
        "last -n 5",
        "uname -a",
        "uname -sr",
        "date +%s",
        "date -u",
        "date -d yesterday +%F",
        "date --iso-8601=seconds",
        "date -Iseconds",
        "date -u +%Y-%m-%dT%H:%M:%SZ",
        "date -r f",
        "hostname",
        "hostname -f",
        "hostname -s",
        "man ls",
        "man 5 passwd",
        "man -k socket",
        "man -f ls",
        "apropos -s 1 socket",
        "whatis ls",
        "info coreutils",
        "info -n Invoking coreutils",
        "tldr tar",
        "tldr -l",
        "printenv HOME",
        "printenv -0",
        "echo -n x",
        "echo -e a\\nb",
        "echo --- done ---",
        "echo",
        "printf %s\\n x",
        "printf -v out %s x",
        "printf %d\\n -5",
        "test -f x",
        "test 1 -eq 1 -a -n x",
        "[ -d x ]",
        "read -r line",
        "read -rp name: n",
        "read -t 5 -n 1",
        "which -a cargo",
        "type -a ls",
        "command -v cargo",
        "umask 022",
        "umask -S",
        "set -euxo pipefail",
        "set -e -o pipefail",
        "set +e",
        "set +o pipefail",
        "set -- a b -x",
        "set -o",
        "export FOO=1",
        "export -p",
        "declare -a arr",
        "declare -A map",
        "declare +x FOO",
        "typeset -i n=1",
        "local x=1",
        "local -a xs",
        "unset -f f",
        "unset x",
        "shopt -p",
        "shopt -q extglob",
        "shopt extglob",
        "mapfile -t lines",
        "readarray -t a",
        "mapfile -d , -t a",
        "getopts ab: opt",
        "seq 1 10",
        "seq -w 1 10",
        "seq 10 -1 1",
        "seq -s, 1 5",
        "sleep 1",
        "sleep 0.5",
        "nproc",
        "nproc --all",
        "id -u",
        "id -un",
        "whoami",
        "groups",
        "realpath x",
        "realpath --relative-to=. x",
        "readlink -f x",
        "basename a/b .rs",
        "basename -s .rs a/b",
        "dirname a/b",
        "cal",
        "cal 3 2024",
        "expr 1 + 2",
        "expr length abc",
        "let x=1+2",
        "tput cols",
        "tput setaf 1",
        "tput -T xterm colors",
        "clear",
        "tty",
        "tty -s",
        "locale",
        "locale -a",
        "getconf PAGE_SIZE",
        "getconf -a",
        "uptime",
        "uptime -p",
        "arch",
        "pwd",
        "pwd -P",
        "cd -",
        "cd src",
        "cd -P ..",
        "pushd src",
        "pushd +1",
        "popd",
        "popd -0",
        "dirs -v",
        "exit 1",
        "exit +1",
        "printf +%s\\n x",
        "exit -1",
        "return 0",
        "shift 2",
        "wait",
        "wait -n",
        "jobs -l",
        "alias",
        "alias -p",
        "unalias ll",
        "help cd",
        "trap -p",
        "trap - EXIT",
        "hash",
        "hash -r",
        "true",
        "false",
        ":",
        "env",
        "env -i FOO=1 cmd -x",
        "yes",
        "cmp a b",
    ];

    #[test]
    fn accepts_ordinary_lines() {
        for text in ORDINARY {
            let (name, args) = line(text);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            assert_eq!(check(&name, &args), None, "`{text}` should be read-only");
        }
        // Lines whose words hold spaces.
        for (name, args) in [
            ("alias", &["ll=ls -l"][..]),
            ("trap", &["echo x", "EXIT"]),
            ("stat", &["-c", "%s %n", "f"]),
            ("printf", &["%s %s\n", "a", "b"]),
            ("date", &["-d", "1 day ago", "+%F"]),
            ("echo", &["--- a -x ---"]),
        ] {
            assert_eq!(
                check(name, args),
                None,
                "{name} {args:?} should be read-only"
            );
        }
    }

    #[test]
    fn reads_values_as_getopt_does() {
        // Attached and next-word values, short and long.
        assert_eq!(check("head", &["-n5"]), None);
        assert_eq!(check("head", &["-n", "5"]), None);
        assert_eq!(check("head", &["--lines=5"]), None);
        assert_eq!(check("head", &["--lines", "5"]), None);
        // A value is not an option, whatever it looks like.
        assert_eq!(check("head", &["-n", "-x"]), None);
        assert_eq!(check("grep", &["-e", "--pre", "f"]), None);
        assert_eq!(check("cut", &["-d", "-", "-f1"]), None);
        assert_eq!(check("awk", &["-F,", "{print $2}", "f.csv"]), None);
        assert_eq!(
            check("awk", &["-F", ":", "-v", "x=1", "{print}", "-y"]),
            None
        );
        assert!(check("awk", &["-f", "prog.awk", "f"]).is_some());
        assert!(check("gawk", &["-i", "lib.awk", "{print}"]).is_some());
        assert!(check("mawk", &["-W", "exec", "x"]).is_some());
        assert_eq!(check("uniq", &["-c", "f"]), None);
        assert_eq!(check("uniq", &["-f", "2", "f"]), None);
        assert!(check("uniq", &["f", "out.txt"]).is_some());
        // A missing value is not unknown (the program fails).
        assert_eq!(check("head", &["-n"]), None);
        // Letters of a cluster after a valued one are its value, not options...
        assert_eq!(check("cut", &["-d-o"]), None);
        // ... except for tree, where each valued letter takes the next word.
        assert_eq!(check("tree", &["-La", "1", "."]), None);
        assert_eq!(check("tree", &["-Lo", "1", "out"]).as_deref(), Some("-o"));
        assert_eq!(check("tree", &["-L2"]).as_deref(), Some("-2"));
        // Clusters: every letter counts, wherever it is.
        assert_eq!(check("ls", &["-la"]), None);
        assert_eq!(check("ls", &["-laJ"]).as_deref(), Some("-J"));
        assert_eq!(check("base64", &["-di"]), None);
        assert_eq!(check("base64", &["-dio", "f"]).as_deref(), Some("-o"));
        // Options after operands count (GNU permutes)...
        assert_eq!(check("sort", &["f", "-o", "g"]).as_deref(), Some("-o"));
        // ... but not for bash builtins, whose options end at the first operand.
        assert_eq!(check("read", &["x", "-C"]), None);
        assert_eq!(check("read", &["-C", "x"]).as_deref(), Some("-C"));
        // `--` ends options.
        assert_eq!(check("cat", &["--", "-x"]), None);
        assert_eq!(check("sort", &["--", "-o"]), None);
        assert_eq!(check("cat", &["-x", "--"]).as_deref(), Some("-x"));
        // `-` is an operand.
        assert_eq!(check("cat", &["-"]), None);
        // Optional values are only attached.
        assert_eq!(check("od", &["-w32", "f"]), None);
        assert_eq!(check("od", &["-w", "-o", "f"]), None);
        assert_eq!(check("date", &["-I", "-s", "x"]).as_deref(), Some("-s"));
        assert_eq!(check("ls", &["--color", "-Z"]), None);
        assert_eq!(check("tail", &["--follow", "-x"]).as_deref(), Some("-x"));
        // Exact long words with a value.
        assert_eq!(check("bat", &["--paging=never"]), None);
        assert_eq!(
            check("bat", &["--paging=never2"]).as_deref(),
            Some("--paging")
        );
        // A long option without a value given one is unknown.
        assert_eq!(check("cat", &["--number=1"]).as_deref(), Some("--number"));
    }

    #[test]
    fn reads_numbers_only_where_accepted() {
        assert_eq!(check("head", &["-20", "f"]), None);
        assert_eq!(check("tail", &["-20", "f"]), None);
        assert_eq!(check("tail", &["+20", "f"]), None);
        assert_eq!(check("tail", &["-20f", "f"]), None);
        assert_eq!(check("tail", &["-20x", "f"]).as_deref(), Some("-x"));
        assert_eq!(check("head", &["+20", "f"]).as_deref(), Some("+20"));
        assert_eq!(check("cat", &["-20", "f"]).as_deref(), Some("-2"));
        assert_eq!(check("cat", &["+20", "f"]).as_deref(), Some("+20"));
        assert_eq!(check("more", &["+20", "f"]), None);
        assert_eq!(check("pushd", &["-2"]), None);
    }

    #[test]
    fn refuses_abbreviations() {
        assert_eq!(check("cat", &["--num"]).as_deref(), Some("--num"));
        assert_eq!(check("cat", &["--number"]), None);
        assert_eq!(check("head", &["--line=5"]).as_deref(), Some("--line"));
        assert_eq!(check("date", &["--se=x"]).as_deref(), Some("--se"));
        assert_eq!(check("hostname", &["--fi", "x"]).as_deref(), Some("--fi"));
        assert_eq!(check("man", &["--pag=x"]).as_deref(), Some("--pag"));
        assert_eq!(check("find", &[".", "-nam", "x"]).as_deref(), Some("-nam"));
    }

    #[test]
    fn refuses_plus_commands_of_more_and_less() {
        for name in ["more", "less", "zless"] {
            assert!(check(name, &["+!touch x", "f"]).is_some());
            assert!(check(name, &["+G", "f"]).is_some());
            assert!(check(name, &["f", "+/x"]).is_some());
            assert_eq!(check(name, &["--", "+x"]), None);
        }
    }

    #[test]
    fn applies_operand_rules() {
        assert_eq!(check("date", &["+%s"]), None);
        assert_eq!(check("date", &["-u", "+%F", "+%T"]), None);
        assert_eq!(
            check("date", &["0101000025"]).as_deref(),
            Some("operand 0101000025")
        );
        assert_eq!(
            check("date", &["--", "0101"]).as_deref(),
            Some("operand 0101")
        );
        assert_eq!(check("xxd", &["-s", "16", "in"]), None);
        assert!(check("xxd", &["-s", "16", "in", "out"]).is_some());
        assert!(check("hostname", &["x"]).is_some());
        assert!(check("tput", &["-x", "reset"]).is_some());
        assert_eq!(check("tput", &["clear"]), None);
        assert!(check("man", &["/etc/x.1"]).is_some());
        assert!(check("arch", &["--", "x"]).is_some());
        // A long operand is shortened.
        let long = "0".repeat(100);
        assert_eq!(
            check("date", &[&long]).map(|d| d.chars().count()),
            Some("operand ".len() + 41)
        );
    }

    #[test]
    fn names_appear_once() {
        let mut seen = std::collections::HashSet::new();
        for entry in TABLE {
            assert!(!entry.names.is_empty());
            for name in entry.names {
                assert!(seen.insert(*name), "{name} has two entries");
            }
        }
    }

    #[test]
    fn entries_are_consistent() {
        for entry in TABLE {
            let name = entry.names.first().copied().unwrap_or("?");
            // A letter has one meaning.
            for (i, a) in [entry.short, entry.short_valued, entry.short_optional]
                .iter()
                .enumerate()
            {
                for (j, b) in [entry.short, entry.short_valued, entry.short_optional]
                    .iter()
                    .enumerate()
                {
                    if i < j {
                        assert!(
                            !a.chars().any(|c| b.contains(c)),
                            "{name}: a letter is listed twice"
                        );
                    }
                }
            }
            // A long name has one meaning too, and is spelled as the syntax wants.
            let prefix = if matches!(entry.syntax, Syntax::WholeWords | Syntax::LeadingWholeWords) {
                "-"
            } else {
                "--"
            };
            let all: Vec<&str> = entry
                .long
                .iter()
                .chain(entry.long_valued)
                .chain(entry.long_optional)
                .copied()
                .collect();
            let mut seen = std::collections::HashSet::new();
            for long in &all {
                assert!(long.starts_with(prefix), "{name}: {long}");
                assert!(seen.insert(*long), "{name}: {long} listed twice");
            }
            for long in entry.long_valued.iter().chain(entry.long_optional) {
                assert!(!long.contains('='), "{name}: {long}");
            }
            // Every listed option is accepted by the checker.
            for c in entry.short.chars() {
                assert_eq!(
                    unknown_option(entry, &[&format!("-{c}")]),
                    None,
                    "{name} -{c}"
                );
            }
            for c in entry.short_valued.chars() {
                let option = format!("-{c}");
                assert_eq!(unknown_option(entry, &[&option, "v"]), None, "{name} -{c}");
            }
            for long in entry.long.iter().chain(entry.long_optional) {
                assert_eq!(unknown_option(entry, &[long]), None, "{name} {long}");
            }
            for long in entry.long_valued {
                assert_eq!(unknown_option(entry, &[long, "v"]), None, "{name} {long}");
            }
        }
    }

    fn arg() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::prop_oneof![
            "[-+]{0,2}[a-zA-Z0-9=:,.!/ ]{0,6}",
            proptest::sample::select(vec![
                "--",
                "-",
                "+",
                "-o",
                "-n",
                "-f",
                "--lines",
                "--paging=never",
                "-exec",
                "+5",
                "-5",
                "ü",
                "-ü",
                "--ü=ü",
                "+ü",
                "-nü",
            ])
            .prop_map(str::to_owned),
            proptest::string::string_regex(".{0,8}").unwrap(),
        ]
    }

    use proptest::strategy::Strategy as _;

    proptest::proptest! {
        #[test]
        fn never_panics_and_appending_keeps_unknowns(
            entry in 0..TABLE.len(),
            args in proptest::collection::vec(arg(), 0..6),
            more in arg(),
        ) {
            let spec = &TABLE[entry];
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let first = unknown_option(spec, &args);
            let mut longer = args.clone();
            longer.push(&more);
            let second = unknown_option(spec, &longer);
            if first.is_some() {
                proptest::prop_assert_eq!(first, second);
            }
        }
    }
}
