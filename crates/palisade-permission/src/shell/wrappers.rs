//! Commands that run other commands, and how to find what they run.
//!
//! Each wrapper is described by data: its names, its options (which take a value), how many
//! operands come before the wrapped command, and what it does (raise privileges, append
//! arguments only known at run time, run a script string). An option we do not know makes
//! the command opaque rather than guessed at: a wrong guess of where the wrapped command
//! starts would rate `sudo --unknown X rm -rf /` as the harmless command `X`.

use super::Word;

/// What a wrapper runs.
pub(crate) enum Unwrap {
    /// Not a wrapper: the command itself runs.
    Not,
    /// Runs `argv[skip..]` (no command left: only the wrapper runs, e.g. `sudo -i`).
    Exec(Exec),
    /// Runs a bash script given as a string.
    Script(Script),
    /// Runs itself, and also these commands (`find -exec`).
    Spawns(Vec<Spawned>),
    /// What runs can't be known from the line.
    Opaque(String),
    /// Runs nothing else (`command -v x`, `exec` with only redirections).
    SelfOnly,
    /// A shell that reads its script from standard input.
    StdinScript,
}

/// A command a wrapper starts besides running itself.
pub(crate) struct Spawned {
    pub argv: Vec<Word>,
    pub label: String,
    /// Directories it starts in (`find DIR -execdir CMD`: the directory of each file found,
    /// at or under `DIR`).
    pub directories: Vec<Word>,
}

impl Spawned {
    fn new(argv: Vec<Word>, label: impl Into<String>) -> Self {
        Self {
            argv,
            label: label.into(),
            directories: Vec::new(),
        }
    }
}

pub(crate) struct Exec {
    pub skip: usize,
    pub label: String,
    pub elevated: bool,
    pub extra_args: bool,
    pub assignments: Vec<(String, Word)>,
    /// Directories the wrapped command starts in (`env -C DIR`, `sudo -D DIR`, `/` of
    /// `chroot`'s new root).
    pub directories: Vec<Word>,
    /// Files the wrapper itself reads (`xargs -a FILE`) or writes (`time -o FILE`), with
    /// `true` for a write.
    pub files: Vec<(Word, bool)>,
    /// Text the wrapper replaces with input in the words after it (`xargs -I R`): a word
    /// holding it is only known at run time.
    pub replace: Option<String>,
}

impl Exec {
    /// A wrapper that runs the words from `skip` on as they are, with nothing of its own
    /// (no assignments, directories, files or replacement text).
    fn plain(skip: usize, label: impl Into<String>, elevated: bool) -> Self {
        Self {
            skip,
            label: label.into(),
            elevated,
            extra_args: false,
            assignments: Vec::new(),
            directories: Vec::new(),
            files: Vec::new(),
            replace: None,
        }
    }
}

pub(crate) struct Script {
    pub text: Word,
    pub label: String,
    pub elevated: bool,
    pub remote: Option<String>,
    /// Also record the wrapper itself as a command (ssh is a network action of its own).
    pub keep_self: bool,
    /// A problem to report besides analysing the script as bash: what the analysis may miss.
    pub caveat: Option<String>,
}

impl Script {
    /// A script run on this machine without raised privileges (`sh -c`, `eval`, `watch`, …).
    fn local(text: Word, label: impl Into<String>) -> Self {
        Self {
            text,
            label: label.into(),
            elevated: false,
            remote: None,
            keep_self: false,
            caveat: None,
        }
    }
}

/// How a wrapper behaves, beyond skipping its options.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// Runs the command after its options and operands.
    Runs,
    /// Runs it with raised privileges.
    Elevates,
    /// Appends arguments read at run time (`xargs`).
    AppendsInput,
}

/// A command that runs the command given after its own options.
struct WrapperSpec {
    names: &'static [&'static str],
    /// Short options without a value.
    flags: &'static str,
    /// Short options that take a value (`-u root` or `-uroot`); a letter followed by `?` takes
    /// an optional value, only ever attached (xargs `-i[R]`).
    valued: &'static str,
    /// Long options without a value.
    long_flags: &'static [&'static str],
    /// Long options that take a value (`--user root` or `--user=root`); one ending in `?`
    /// takes an optional value, only as `--key=value` (xargs `--replace[=R]`).
    long_valued: &'static [&'static str],
    /// Operands between the options and the command (`timeout DURATION CMD`).
    operands: usize,
    /// `NAME=value` words before the command are assignments (`env`, `sudo`).
    assignments: bool,
    /// `-NUMBER` is an option (`nice -10`).
    numeric_flag: bool,
    /// Options after which nothing else runs (`command -v`, `ionice -p PID`).
    no_command_options: &'static [&'static str],
    /// Valued options whose value is the directory the command starts in.
    directory_options: &'static [&'static str],
    /// Valued options whose value is a file the wrapper reads.
    read_options: &'static [&'static str],
    /// Valued options whose value is a file the wrapper writes.
    write_options: &'static [&'static str],
    behaviour: Behaviour,
}

/// The wrappers we see through. Sources: the man pages of sudo 1.9, doas (OpenBSD),
/// GNU coreutils 9 (env, nice, nohup, timeout, stdbuf, chroot), util-linux (ionice, setsid,
/// flock), GNU findutils 4.9 (xargs), GNU time, bash 5.2 builtins.
const WRAPPERS: &[WrapperSpec] = &[
    WrapperSpec {
        names: &["sudo"],
        flags: "AbEeHiKklnPSsVv",
        valued: "CDghpRrTtUu",
        long_flags: &[
            "--askpass",
            "--background",
            "--preserve-env",
            "--edit",
            "--set-home",
            "--login",
            "--remove-timestamp",
            "--reset-timestamp",
            "--list",
            "--non-interactive",
            "--preserve-groups",
            "--stdin",
            "--shell",
            "--version",
            "--validate",
        ],
        long_valued: &[
            "--close-from",
            "--chdir",
            "--group",
            "--host",
            "--prompt",
            "--chroot",
            "--role",
            "--type",
            "--command-timeout",
            "--other-user",
            "--user",
        ],
        operands: 0,
        assignments: true,
        numeric_flag: false,
        no_command_options: &[
            "-l",
            "--list",
            "-v",
            "--validate",
            "-k",
            "-K",
            "-V",
            "--version",
        ],
        directory_options: &["-D", "--chdir", "-R", "--chroot"],
        read_options: &[],
        write_options: &[],
        behaviour: Behaviour::Elevates,
    },
    WrapperSpec {
        names: &["doas"],
        flags: "Lns",
        valued: "uC",
        long_flags: &[],
        long_valued: &[],
        operands: 0,
        assignments: false,
        numeric_flag: false,
        no_command_options: &["-L", "-C"],
        directory_options: &[],
        read_options: &[],
        write_options: &[],
        behaviour: Behaviour::Elevates,
    },
    WrapperSpec {
        names: &["pkexec"],
        flags: "",
        valued: "",
        long_flags: &["--disable-internal-agent", "--keep-cwd"],
        long_valued: &["--user"],
        operands: 0,
        assignments: false,
        numeric_flag: false,
        no_command_options: &[],
        directory_options: &[],
        read_options: &[],
        write_options: &[],
        behaviour: Behaviour::Elevates,
    },
    WrapperSpec {
        names: &["env"],
        flags: "0iv",
        valued: "uCP",
        long_flags: &[
            "--ignore-environment",
            "--null",
            "--debug",
            "--ignore-signal",
            "--default-signal",
            "--block-signal",
            "--list-signal-handling",
        ],
        long_valued: &["--unset", "--chdir"],
        operands: 0,
        assignments: true,
        numeric_flag: false,
        no_command_options: &[],
        directory_options: &["-C", "--chdir"],
        read_options: &[],
        write_options: &[],
        behaviour: Behaviour::Runs,
    },
    WrapperSpec {
        names: &["nice"],
        flags: "",
        valued: "n",
        long_flags: &[],
        long_valued: &["--adjustment"],
        operands: 0,
        assignments: false,
        numeric_flag: true,
        no_command_options: &[],
        directory_options: &[],
        read_options: &[],
        write_options: &[],
        behaviour: Behaviour::Runs,
    },
    WrapperSpec {
        names: &["ionice"],
        flags: "t",
        valued: "cnpPu",
        long_flags: &["--ignore"],
        long_valued: &["--class", "--classdata", "--pid", "--pgid", "--uid"],
        operands: 0,
        assignments: false,
        numeric_flag: false,
        no_command_options: &["-p", "-P", "-u", "--pid", "--pgid", "--uid"],
        directory_options: &[],
        read_options: &[],
        write_options: &[],
        behaviour: Behaviour::Runs,
    },
    WrapperSpec {
        names: &["nohup", "builtin"],
        flags: "",
        valued: "",
        long_flags: &[],
        long_valued: &[],
        operands: 0,
        assignments: false,
        numeric_flag: false,
        no_command_options: &[],
        directory_options: &[],
        read_options: &[],
        write_options: &[],
        behaviour: Behaviour::Runs,
    },
    WrapperSpec {
        names: &["timeout"],
        flags: "v",
        valued: "sk",
        long_flags: &["--preserve-status", "--foreground", "--verbose"],
        long_valued: &["--signal", "--kill-after"],
        operands: 1,
        assignments: false,
        numeric_flag: false,
        no_command_options: &[],
        directory_options: &[],
        read_options: &[],
        write_options: &[],
        behaviour: Behaviour::Runs,
    },
    WrapperSpec {
        names: &["time"],
        flags: "pvaq",
        valued: "fo",
        long_flags: &["--portability", "--verbose", "--append", "--quiet"],
        long_valued: &["--format", "--output"],
        operands: 0,
        assignments: false,
        numeric_flag: false,
        no_command_options: &[],
        directory_options: &[],
        read_options: &[],
        write_options: &["-o", "--output"],
        behaviour: Behaviour::Runs,
    },
    WrapperSpec {
        names: &["stdbuf"],
        flags: "",
        valued: "ioe",
        long_flags: &[],
        long_valued: &["--input", "--output", "--error"],
        operands: 0,
        assignments: false,
        numeric_flag: false,
        no_command_options: &[],
        directory_options: &[],
        read_options: &[],
        write_options: &[],
        behaviour: Behaviour::Runs,
    },
    WrapperSpec {
        names: &["setsid"],
        flags: "cfw",
        valued: "",
        long_flags: &["--ctty", "--fork", "--wait"],
        long_valued: &[],
        operands: 0,
        assignments: false,
        numeric_flag: false,
        no_command_options: &[],
        directory_options: &[],
        read_options: &[],
        write_options: &[],
        behaviour: Behaviour::Runs,
    },
    WrapperSpec {
        names: &["chroot"],
        flags: "",
        valued: "",
        long_flags: &["--skip-chdir"],
        long_valued: &["--userspec", "--groups"],
        operands: 1,
        assignments: false,
        numeric_flag: false,
        no_command_options: &[],
        directory_options: &[],
        read_options: &[],
        write_options: &[],
        behaviour: Behaviour::Elevates,
    },
    WrapperSpec {
        names: &["command"],
        flags: "pvV",
        valued: "",
        long_flags: &[],
        long_valued: &[],
        operands: 0,
        assignments: false,
        numeric_flag: false,
        no_command_options: &["-v", "-V"],
        directory_options: &[],
        read_options: &[],
        write_options: &[],
        behaviour: Behaviour::Runs,
    },
    WrapperSpec {
        names: &["exec"],
        flags: "cl",
        valued: "a",
        long_flags: &[],
        long_valued: &[],
        operands: 0,
        assignments: false,
        numeric_flag: false,
        no_command_options: &[],
        directory_options: &[],
        read_options: &[],
        write_options: &[],
        behaviour: Behaviour::Runs,
    },
    WrapperSpec {
        names: &["xargs"],
        flags: "0oprtx",
        valued: "adEILnPse?i?l?",
        long_flags: &[
            "--null",
            "--open-tty",
            "--interactive",
            "--no-run-if-empty",
            "--verbose",
            "--exit",
            "--show-limits",
        ],
        long_valued: &[
            "--arg-file",
            "--delimiter",
            "--eof?",
            "--replace?",
            "--max-lines?",
            "--max-args",
            "--max-procs",
            "--max-chars",
            "--process-slot-var",
        ],
        operands: 0,
        assignments: false,
        numeric_flag: false,
        no_command_options: &["--show-limits"],
        directory_options: &[],
        read_options: &["-a", "--arg-file"],
        write_options: &[],
        behaviour: Behaviour::AppendsInput,
    },
];

/// Shells whose `-c SCRIPT` we analyse as bash. `fish`, `csh`, `pwsh` have other syntax: a
/// script for them is opaque.
const BASH_LIKE_SHELLS: &[&str] = &[
    "sh",
    "bash",
    "rbash",
    "dash",
    "ash",
    "zsh",
    "ksh",
    "mksh",
    "pdksh",
    "yash",
    "posh",
    "busybox-sh",
];
const OTHER_SHELLS: &[&str] = &[
    "fish",
    "csh",
    "tcsh",
    "pwsh",
    "powershell",
    "nu",
    "xonsh",
    "elvish",
];

/// Options of bash-like shells that take a value.
const SHELL_VALUED: &str = "oO";
const SHELL_LONG_VALUED: &[&str] = &["--rcfile", "--init-file"];

/// util-linux `script [-c COMMAND] [FILE]` runs COMMAND with `sh -c`, or else a shell that
/// reads its input (`curl … | script -q /dev/null` runs what it downloaded): without `-c`
/// it is a command of its own, which the risk table rates as a shell.
fn script(argv: &[Word]) -> Unwrap {
    let mut words = argv.iter().skip(1);
    while let Some(word) = words.next() {
        let Some(text) = word.as_literal() else {
            return Unwrap::Opaque(format!(
                "`script` gets the word `{}`, only known at run time",
                word.text
            ));
        };
        let command = match text.strip_prefix("--command") {
            Some(value) if value.starts_with('=') => value.get(1..).map(|v| word.with_text(v)),
            Some("") => words.next().cloned(),
            _ if text == "-c" => words.next().cloned(),
            _ => match text.strip_prefix("-c") {
                Some(value) if !value.is_empty() && !text.starts_with("--") => {
                    Some(word.with_text(value))
                }
                _ => None,
            },
        };
        if let Some(command) = command {
            let mut wrapped = Script::local(command, "script -c");
            wrapped.keep_self = true;
            return Unwrap::Script(wrapped);
        }
    }
    Unwrap::Not
}

/// `jobs -x COMMAND ARGS…` runs COMMAND, with job specifications in its arguments replaced
/// by process group IDs (bash(1), SHELL BUILTIN COMMANDS; found by probing, session 7).
fn jobs(argv: &[Word]) -> Unwrap {
    let mut i = 1;
    let mut runs = false;
    while let Some(word) = argv.get(i) {
        let Some(text) = word.as_literal() else {
            return Unwrap::Opaque(format!(
                "`jobs` gets the option `{}`, only known at run time",
                word.text
            ));
        };
        if text == "--" {
            i += 1;
            break;
        }
        match text.strip_prefix('-') {
            Some(flags) if !flags.is_empty() => {
                runs |= flags.contains('x');
                i += 1;
            }
            _ => break,
        }
    }
    if !runs || argv.len() <= i {
        return Unwrap::Not;
    }
    Unwrap::Exec(Exec::plain(i, "jobs -x", false))
}

pub(crate) fn unwrap(name: &str, argv: &[Word]) -> Unwrap {
    if name == "jobs" {
        return jobs(argv);
    }
    if name == "script" {
        return script(argv);
    }
    if let Some(spec) = WRAPPERS.iter().find(|w| w.names.contains(&name)) {
        return generic(spec, name, argv);
    }
    if BASH_LIKE_SHELLS.contains(&name) {
        return shell(name, argv);
    }
    if OTHER_SHELLS.contains(&name) {
        return if argv.len() > 1 {
            Unwrap::Opaque(format!(
                "`{name}` runs a script in a language other than bash"
            ))
        } else {
            Unwrap::SelfOnly
        };
    }
    match name {
        // `time -- rm -rf /`: bash's `time` keyword takes `--` before the pipeline, which
        // the parser leaves as the command's name (found by probing, session 8). A
        // program named `--` can't be run otherwise.
        "--" if argv.len() > 1 => Unwrap::Exec(Exec::plain(1, "--", false)),
        "busybox" => busybox(argv),
        "eval" => eval(argv),
        "alias" => alias(argv),
        "let" => let_(argv),
        "trap" => trap(argv),
        "source" | "." => Unwrap::Opaque(format!(
            "`{name}` runs shell code from the file `{}`",
            argv.get(1).map_or("", |w| w.text.as_str())
        )),
        "su" => su(argv),
        "ssh" => ssh(argv),
        "watch" => watch(argv),
        "flock" => flock(argv),
        "find" => find(argv),
        "parallel" => parallel(argv),
        "mapfile" | "readarray" => callback(name, argv, "dnOsuc", false),
        "compgen" | "complete" => callback(name, argv, "oAGWFXPS", true),
        "history" => history(argv),
        "git" => git(argv),
        "sed" | "gsed" => sed(argv),
        "awk" | "gawk" | "mawk" | "nawk" | "busybox-awk" => awk(argv),
        "fc" => fc(argv),
        _ => runner(name, argv),
    }
}

/// Where a runner's command starts, after its options.
#[derive(Debug, Clone, Copy)]
enum RunnerCommand {
    /// The first word that is not an option (after `operands` more).
    Next,
    /// The words after `--`, which must be there (`mise exec node@20 -- CMD`, `kubectl exec
    /// POD -- CMD`).
    AfterDashes,
    /// The words after one of these option words, wherever it is (`gdb … --args CMD`, `nix
    /// develop … -c CMD`).
    AfterWord(&'static [&'static str]),
    /// The value of one of these options is a shell script (`nix-shell --run S`); none runs
    /// an interactive shell.
    ScriptOption(&'static [&'static str]),
    /// The words after the options, joined, are a shell script (`tmux new 'CMD'`, `sg G
    /// CMD`).
    JoinedScript,
}

/// A program that runs another command it is given: project and version managers, package
/// runners, tracers, schedulers of the current process, container `exec`s. Without them,
/// `uv run rm -rf /` is an unknown command (medium) instead of the `rm` it runs, and an
/// allow rule for `uv run *` would allow it (found by probing, session 8). Sources: each
/// tool's `--help` and manual; an option not listed here makes the command opaque.
struct Runner {
    names: &'static [&'static str],
    /// The subcommand that runs a command (`run`, `exec`), or none.
    subs: &'static [&'static str],
    /// Options without a value, as whole words.
    flags: &'static [&'static str],
    /// Options that take a value (`-n base`, `--name=base`).
    valued: &'static [&'static str],
    /// Options whose value is a shell script (`npx -c 'CMD'`).
    script_options: &'static [&'static str],
    /// Any `--long` or `--long=value` word is an option without a separate value
    /// (firejail, valgrind, prlimit).
    any_long: bool,
    /// Words between the options and the command (`direnv exec DIR CMD`, `taskset MASK CMD`).
    operands: usize,
    command: RunnerCommand,
    /// Runs the command as another user (root by default).
    elevated: bool,
    /// The command is a package the runner may download first.
    package: bool,
}

const fn runner_spec(
    names: &'static [&'static str],
    subs: &'static [&'static str],
    flags: &'static [&'static str],
    valued: &'static [&'static str],
) -> Runner {
    Runner {
        names,
        subs,
        flags,
        valued,
        script_options: &[],
        any_long: false,
        operands: 0,
        command: RunnerCommand::Next,
        elevated: false,
        package: false,
    }
}

/// Verbosity and quietness flags most runners take.
const QUIET: &[&str] = &["-q", "--quiet", "-v", "--verbose"];

const RUNNERS: &[Runner] = &[
    Runner {
        valued: &[
            "--with",
            "-w",
            "--python",
            "-p",
            "--extra",
            "--group",
            "--package",
            "--directory",
            "--project",
            "--env-file",
            "--with-requirements",
            "--index",
            "--index-url",
            "--no-group",
            "--only-group",
        ],
        ..runner_spec(
            &["uv"],
            &["run"],
            &[
                "--no-sync",
                "--frozen",
                "--locked",
                "--isolated",
                "--no-project",
                "--active",
                "--offline",
                "--no-dev",
                "--all-extras",
                "--all-packages",
                "--exact",
                "-q",
                "--quiet",
                "-v",
                "--verbose",
                "--no-env-file",
                "--all-groups",
            ],
            &[],
        )
    },
    Runner {
        package: true,
        ..runner_spec(
            &["uvx"],
            &[],
            &[
                "--isolated",
                "--offline",
                "-q",
                "--quiet",
                "-v",
                "--verbose",
            ],
            &[
                "--from",
                "--with",
                "-w",
                "--python",
                "-p",
                "--index-url",
                "--index",
            ],
        )
    },
    runner_spec(
        &["poetry"],
        &["run"],
        &["-q", "--quiet", "-v", "--verbose", "-n", "--no-interaction"],
        &["-C", "--directory", "-P", "--project"],
    ),
    runner_spec(
        &["pipenv", "pdm", "hatch", "rye", "pixi", "devbox", "volta"],
        &["run"],
        QUIET,
        &[],
    ),
    runner_spec(
        &["conda", "mamba", "micromamba"],
        &["run"],
        &["--no-capture-output", "--live-stream", "-v", "--verbose"],
        &["-n", "--name", "-p", "--prefix", "--cwd"],
    ),
    runner_spec(&["bundle"], &["exec"], &["--keep-file-descriptors"], &[]),
    runner_spec(&["asdf", "rbenv", "pyenv", "fnm"], &["exec"], &[], &[]),
    Runner {
        command: RunnerCommand::AfterDashes,
        ..runner_spec(
            &["mise", "rtx"],
            &["exec", "x"],
            QUIET,
            &["-C", "--cd", "-j", "--jobs"],
        )
    },
    Runner {
        script_options: &["-c", "--call"],
        package: true,
        ..runner_spec(
            &["npm"],
            &["exec", "x"],
            &["-y", "--yes", "--no", "-q", "--quiet"],
            &["-p", "--package", "-w", "--workspace"],
        )
    },
    Runner {
        script_options: &["-c", "--call"],
        package: true,
        ..runner_spec(
            &["npx"],
            &[],
            &["-y", "--yes", "--no", "-q", "--quiet"],
            &["-p", "--package"],
        )
    },
    Runner {
        package: true,
        ..runner_spec(&["pnpm", "yarn"], &["dlx"], QUIET, &["-p", "--package"])
    },
    runner_spec(&["pnpm", "yarn"], &["exec"], QUIET, &[]),
    Runner {
        package: true,
        ..runner_spec(&["bunx"], &[], &["--bun"], &["-p", "--package"])
    },
    Runner {
        package: true,
        ..runner_spec(&["bun"], &["x"], &["--bun"], &["-p", "--package"])
    },
    Runner {
        package: true,
        ..runner_spec(
            &["pipx"],
            &["run"],
            &["--no-cache"],
            &["--spec", "--python"],
        )
    },
    Runner {
        operands: 1,
        ..runner_spec(&["direnv"], &["exec"], &[], &[])
    },
    Runner {
        elevated: true,
        ..runner_spec(
            &["run0"],
            &[],
            &["--pty", "--pipe", "--background"],
            &[
                "-u",
                "--user",
                "-g",
                "--group",
                "-D",
                "--chdir",
                "--setenv",
                "--unit",
                "--property",
                "--description",
                "--slice",
                "--nice",
            ],
        )
    },
    Runner {
        elevated: true,
        script_options: &["-c", "--command"],
        ..runner_spec(
            &["runuser"],
            &[],
            &["-l", "--login", "-m", "-p", "--preserve-environment"],
            &[
                "-u",
                "--user",
                "-g",
                "--group",
                "-G",
                "--supp-group",
                "-w",
                "--whitelist-environment",
                "-s",
                "--shell",
            ],
        )
    },
    // Runs as the user, groups and capabilities it is given (`setpriv --reuid=0`; found by
    // probing, session 9).
    Runner {
        elevated: true,
        ..runner_spec(
            &["setpriv"],
            &[],
            &[
                "--clear-groups",
                "--keep-groups",
                "--init-groups",
                "--no-new-privs",
                "--reset-env",
            ],
            &[
                "--reuid",
                "--regid",
                "--ruid",
                "--rgid",
                "--euid",
                "--egid",
                "--groups",
                "--inh-caps",
                "--ambient-caps",
                "--bounding-set",
                "--securebits",
                "--pdeathsig",
                "--selinux-label",
                "--apparmor-profile",
            ],
        )
    },
    runner_spec(
        &["unshare"],
        &[],
        &[
            "-m",
            "-u",
            "-i",
            "-n",
            "-p",
            "-U",
            "-C",
            "-T",
            "-f",
            "-r",
            "-c",
            "--mount",
            "--uts",
            "--ipc",
            "--net",
            "--pid",
            "--user",
            "--cgroup",
            "--time",
            "--fork",
            "--map-root-user",
            "--map-current-user",
            "--mount-proc",
            "--kill-child",
        ],
        &[
            "--propagation",
            "--setgroups",
            "-R",
            "--root",
            "-w",
            "--wd",
            "-S",
            "--setuid",
            "-G",
            "--setgid",
        ],
    ),
    Runner {
        elevated: true,
        ..runner_spec(
            &["nsenter"],
            &[],
            &[
                "-a",
                "--all",
                "-m",
                "-u",
                "-i",
                "-n",
                "-p",
                "-U",
                "-C",
                "-T",
                "-F",
                "--no-fork",
                "--preserve-credentials",
                "-r",
                "-w",
            ],
            &["-t", "--target", "-S", "--setuid", "-G", "--setgid"],
        )
    },
    Runner {
        any_long: true,
        ..runner_spec(&["firejail"], &[], &[], &[])
    },
    runner_spec(
        &["fakeroot"],
        &[],
        &["-u", "--unknown-is-real"],
        &["-l", "--lib", "--faked", "-s", "-i", "-b"],
    ),
    runner_spec(
        &["torsocks"],
        &[],
        &["-i", "--isolate", "-q", "--quiet", "-d"],
        &["-u", "-p", "-a", "-P"],
    ),
    runner_spec(&["proxychains", "proxychains4"], &[], &["-q"], &["-f"]),
    runner_spec(
        &["strace", "ltrace"],
        &[],
        &[
            "-f", "-ff", "-c", "-C", "-w", "-T", "-t", "-tt", "-ttt", "-r", "-v", "-x", "-xx",
            "-y", "-yy", "-q", "-qq", "-i", "-k", "-n", "-Z", "-z", "-d", "-S", "-L", "-b",
        ],
        &[
            "-o", "-e", "-s", "-P", "-u", "-a", "-E", "-I", "-O", "-X", "-U", "-A", "-l", "-n",
        ],
    ),
    Runner {
        any_long: true,
        ..runner_spec(&["valgrind"], &[], QUIET, &[])
    },
    runner_spec(
        &["perf"],
        &["record", "stat", "trace"],
        &["-g", "-a", "-q", "--all-cpus"],
        &[
            "-o", "--output", "-e", "--event", "-F", "--freq", "-c", "-r", "--repeat",
        ],
    ),
    Runner {
        command: RunnerCommand::AfterWord(&["--args"]),
        ..runner_spec(
            &["gdb"],
            &[],
            &[
                "-batch", "--batch", "-q", "-quiet", "--quiet", "-silent", "--silent", "-nx",
                "--nx", "-n", "-nh",
            ],
            &[],
        )
    },
    Runner {
        operands: 1,
        ..runner_spec(
            &["taskset"],
            &[],
            &["-a", "--all-tasks", "-c", "--cpu-list"],
            &[],
        )
    },
    Runner {
        operands: 1,
        ..runner_spec(
            &["chrt"],
            &[],
            &[
                "-b",
                "--batch",
                "-d",
                "--deadline",
                "-f",
                "--fifo",
                "-i",
                "--idle",
                "-o",
                "--other",
                "-r",
                "--rr",
                "-R",
                "--reset-on-fork",
                "-a",
                "--all-tasks",
                "-v",
                "--verbose",
            ],
            &[
                "-T",
                "--sched-runtime",
                "-P",
                "--sched-period",
                "-D",
                "--sched-deadline",
            ],
        )
    },
    runner_spec(
        &["numactl"],
        &[],
        &["-l", "--localalloc", "-a", "--all"],
        &[
            "-C",
            "--physcpubind",
            "-N",
            "--cpunodebind",
            "-m",
            "--membind",
            "-i",
            "--interleave",
            "-p",
            "--preferred",
        ],
    ),
    runner_spec(&["cgexec"], &[], &["--sticky"], &["-g"]),
    Runner {
        any_long: true,
        ..runner_spec(&["prlimit"], &[], &[], &[])
    },
    runner_spec(&["chronic"], &[], &["-e", "-v"], &[]),
    runner_spec(
        &["dbus-launch", "dbus-run-session"],
        &[],
        &[
            "--exit-with-session",
            "--sh-syntax",
            "--csh-syntax",
            "--auto-syntax",
            "--close-stderr",
        ],
        &["--config-file"],
    ),
    Runner {
        script_options: &["-s"],
        ..runner_spec(
            &["entr"],
            &[],
            &["-a", "-c", "-cc", "-d", "-n", "-p", "-r", "-z"],
            &[],
        )
    },
    runner_spec(
        &["watchexec"],
        &[],
        &[
            "-c",
            "--clear",
            "-r",
            "--restart",
            "-n",
            "-p",
            "--postpone",
            "-N",
            "--notify",
            "-q",
            "--quiet",
        ],
        &[
            "-e",
            "--exts",
            "-w",
            "--watch",
            "-i",
            "--ignore",
            "-d",
            "--debounce",
            "--shell",
            "--signal",
            "-f",
            "--filter",
            "-E",
            "--env",
            "--on-busy-update",
            "--stop-signal",
            "--stop-timeout",
            "--workdir",
        ],
    ),
    runner_spec(
        &["screen"],
        &[],
        &[
            "-d", "-m", "-dm", "-md", "-D", "-DM", "-q", "-L", "-A", "-U", "-a",
        ],
        &["-S", "-t", "-T", "-h", "-p", "-e"],
    ),
    Runner {
        command: RunnerCommand::JoinedScript,
        ..runner_spec(
            &["tmux"],
            &[
                "new",
                "new-session",
                "new-window",
                "neww",
                "split-window",
                "splitw",
                "respawn-pane",
                "respawnp",
                "respawn-window",
                "respawnw",
                "run-shell",
                "run",
            ],
            &[
                "-d", "-A", "-D", "-E", "-P", "-X", "-b", "-h", "-v", "-k", "-f", "-Z", "-a", "-I",
            ],
            &["-s", "-n", "-c", "-t", "-x", "-y", "-F", "-e", "-l", "-p"],
        )
    },
    Runner {
        command: RunnerCommand::ScriptOption(&["--run", "--command"]),
        ..runner_spec(&["nix-shell"], &[], &[], &[])
    },
    Runner {
        command: RunnerCommand::AfterWord(&["-c", "--command"]),
        ..runner_spec(
            &["nix"],
            &["develop", "shell"],
            &[
                "--impure",
                "--offline",
                "--refresh",
                "-L",
                "--print-build-logs",
                "--ignore-environment",
                "-i",
            ],
            &["--keep", "-k", "--unset", "-u", "--profile", "--system"],
        )
    },
    Runner {
        operands: 1,
        script_options: &["-c"],
        command: RunnerCommand::JoinedScript,
        ..runner_spec(&["sg"], &[], &[], &[])
    },
    Runner {
        script_options: &["--exec", "-x"],
        ..runner_spec(&["nodemon"], &[], &[], &[])
    },
    Runner {
        command: RunnerCommand::ScriptOption(&["-s", "--shell"]),
        ..runner_spec(&["cargo"], &["watch"], &[], &[])
    },
    Runner {
        operands: 1,
        ..runner_spec(
            &["docker", "podman"],
            &["exec"],
            &[
                "-d",
                "--detach",
                "-i",
                "--interactive",
                "-t",
                "--tty",
                "-it",
                "-ti",
                "--privileged",
            ],
            &[
                "-e",
                "--env",
                "--env-file",
                "-u",
                "--user",
                "-w",
                "--workdir",
                "--detach-keys",
            ],
        )
    },
    Runner {
        command: RunnerCommand::AfterDashes,
        ..runner_spec(
            &["kubectl", "oc"],
            &["exec"],
            &[
                "-i", "--stdin", "-t", "--tty", "-it", "-ti", "-q", "--quiet",
            ],
            &[
                "-c",
                "--container",
                "-n",
                "--namespace",
                "--context",
                "--pod-running-timeout",
                "-f",
                "--filename",
            ],
        )
    },
];

/// The package runners' labels (`npx`, `npm exec`): the command they run may be a package
/// they download first.
pub(crate) fn is_package_runner(label: &str) -> bool {
    static LABELS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        RUNNERS
            .iter()
            .filter(|r| r.package)
            .flat_map(|r| {
                r.names.iter().flat_map(|n| match r.subs {
                    [] => vec![runner_label(n, None)],
                    subs => subs.iter().map(|s| runner_label(n, Some(s))).collect(),
                })
            })
            .collect()
    });
    LABELS.iter().any(|l| l == label)
}

/// Whether a runner's label (`pdm run`, `pnpm exec`) names a project or environment
/// manager, which finds the command it runs in the project: its scripts (`[tool.pdm.scripts]`,
/// Pipfile `[scripts]`), its hooks (`pre_run`), its `node_modules/.bin` or virtual
/// environment, its `nodemon.json` events, its dev shell. `pdm run ls` need not run the `ls`
/// the analysis knows (found by probing, session 9).
pub(crate) fn is_project_runner(label: &str) -> bool {
    const PROJECT: &[&str] = &[
        "rbenv",
        "pyenv",
        "fnm",
        "nodenv",
        "goenv",
        "jenv",
        "plenv",
        "phpenv",
        "uv",
        "uvx",
        "poetry",
        "pipenv",
        "pdm",
        "hatch",
        "rye",
        "pixi",
        "devbox",
        "volta",
        "conda",
        "mamba",
        "micromamba",
        "mise",
        "rtx",
        "npm",
        "npx",
        "pnpm",
        "yarn",
        "bun",
        "bunx",
        "deno",
        "bundle",
        "nix",
        "nix-shell",
        "direnv",
        "nodemon",
        "pipx",
        "entr",
        "watchexec",
        "asdf",
        "corepack",
        "tox",
        "nvm",
    ];
    let program = label.split(' ').next().unwrap_or(label);
    PROJECT.contains(&program)
}

/// [`RUNNERS`] by program name.
static RUNNERS_BY_NAME: std::sync::LazyLock<
    crate::name_map::NameMap<&'static str, Vec<&'static Runner>>,
> = std::sync::LazyLock::new(|| {
    let mut by_name: crate::name_map::NameMap<&'static str, Vec<&'static Runner>> =
        crate::name_map::NameMap::default();
    for runner in RUNNERS {
        for name in runner.names {
            by_name.entry(*name).or_default().push(runner);
        }
    }
    by_name
});

fn runner_label(name: &str, sub: Option<&str>) -> String {
    match sub {
        Some(sub) => format!("{name} {sub}"),
        None => name.to_owned(),
    }
}

/// Unwraps a program of [`RUNNERS`].
fn runner(name: &str, argv: &[Word]) -> Unwrap {
    let Some(candidates) = RUNNERS_BY_NAME.get(name) else {
        return Unwrap::Not;
    };
    let sub = argv.get(1).and_then(Word::as_literal);
    let Some(spec) = candidates
        .iter()
        .find(|r| r.subs.is_empty() || sub.is_some_and(|s| r.subs.contains(&s)))
    else {
        return Unwrap::Not;
    };
    let label = runner_label(name, spec.subs.first().and(sub));
    let mut i = if spec.subs.is_empty() { 1 } else { 2 };
    // `nix-shell -p hello --run 'CMD'`: the script option is found wherever it is, since
    // which other options take values (`-p` takes several) is not followed.
    if let RunnerCommand::ScriptOption(options) = spec.command {
        for (at, word) in argv.iter().enumerate().skip(i) {
            let value = if options.contains(&word.text.as_str()) {
                argv.get(at + 1).cloned()
            } else {
                options.iter().find_map(|o| {
                    word.text
                        .strip_prefix(o)
                        .and_then(|rest| rest.strip_prefix('='))
                        .map(|v| word.with_text(v))
                })
            };
            if let Some(script) = value {
                let mut script = Script::local(script, label);
                script.elevated = spec.elevated;
                return Unwrap::Script(script);
            }
        }
        // None of them: an interactive shell, rated as the program itself.
        return Unwrap::SelfOnly;
    }
    // `gdb -q --args CMD`, `nix develop .#dev -c CMD`: the command follows its word; the
    // words before it are operands and known options (gdb's `-ex 'shell …'` is not one).
    if let RunnerCommand::AfterWord(words) = spec.command {
        let Some(at) = argv
            .iter()
            .skip(i)
            .position(|w| words.contains(&w.text.as_str()))
        else {
            return Unwrap::SelfOnly;
        };
        let before = argv.get(i..i + at).unwrap_or_default();
        let mut skip_value = false;
        for word in before {
            if std::mem::take(&mut skip_value) || !word.text.starts_with('-') {
                continue;
            }
            if spec.valued.contains(&word.text.as_str()) {
                skip_value = true;
            } else if !spec.flags.contains(&word.text.as_str()) || word.opaque {
                return Unwrap::Opaque(format!(
                    "`{label}`: option `{}` before the command; cannot tell what it runs",
                    word.text
                ));
            }
        }
        let start = i + at + 1;
        if argv.len() <= start {
            return Unwrap::SelfOnly;
        }
        return Unwrap::Exec(Exec::plain(start, label, spec.elevated));
    }
    let mut dashes = false;
    while let Some(word) = argv.get(i) {
        let Some(text) = word.as_literal() else {
            return Unwrap::Opaque(format!(
                "`{label}`: option `{}` is only known at run time",
                word.text
            ));
        };
        if text == "--" {
            dashes = true;
            i += 1;
            break;
        }
        if !text.starts_with('-') || text == "-" {
            break;
        }
        let (key, inline) = match text.split_once('=') {
            Some((key, value)) if key.starts_with("--") => (key, Some(value)),
            _ => (text, None),
        };
        if spec.script_options.contains(&key) {
            let value = match inline {
                Some(value) => Some(word.with_text(value)),
                None => argv.get(i + 1).cloned(),
            };
            return match value {
                Some(script) => {
                    let mut script = Script::local(script, label);
                    script.elevated = spec.elevated;
                    Unwrap::Script(script)
                }
                None => Unwrap::SelfOnly,
            };
        }
        if spec.flags.contains(&text) || (spec.any_long && text.starts_with("--")) {
            i += 1;
        } else if spec.valued.contains(&key) {
            i += if inline.is_some() { 1 } else { 2 };
        } else {
            return Unwrap::Opaque(format!(
                "`{label}`: unknown option `{text}`; cannot tell what it runs"
            ));
        }
    }
    let start = match spec.command {
        RunnerCommand::Next | RunnerCommand::JoinedScript => i.saturating_add(spec.operands),
        RunnerCommand::AfterDashes if dashes => i,
        RunnerCommand::AfterDashes => {
            // `kubectl exec POD ls` (an old form) runs ls; `mise exec node@20 node` may
            // read `node` as a tool: the command is only clear after `--`.
            match argv
                .get(i..)
                .unwrap_or_default()
                .iter()
                .position(|w| w.text == "--")
            {
                Some(at) => i + at + 1,
                None if argv.len() > i => {
                    return Unwrap::Opaque(format!(
                        "`{label}` runs a command it reads from its arguments without `--`"
                    ));
                }
                None => return Unwrap::SelfOnly,
            }
        }
        RunnerCommand::AfterWord(_) | RunnerCommand::ScriptOption(_) => {
            return Unwrap::SelfOnly;
        }
    };
    if argv.len() <= start {
        return Unwrap::SelfOnly;
    }
    if let RunnerCommand::JoinedScript = spec.command {
        // `sg GROUP -c 'CMD'`: the `-c` may follow the group.
        let start = if argv.get(start).is_some_and(|w| w.text == "-c") {
            start + 1
        } else {
            start
        };
        let mut script = Script::local(join(argv.get(start..).unwrap_or_default()), label);
        script.elevated = spec.elevated;
        return Unwrap::Script(script);
    }
    Unwrap::Exec(Exec::plain(start, label, spec.elevated))
}

/// Result of skipping a wrapper's options.
struct Skipped {
    /// Index of the first word after options (and `--`).
    next: usize,
    /// Options seen, as written (`-u`, `--user`, `-c`).
    seen: Vec<String>,
    /// The values of valued options, with the option (`("-C", DIR)`, `("--chdir", DIR)`).
    values: Vec<(String, Word)>,
    assignments: Vec<(String, Word)>,
}

/// Skips the options of a wrapper described by `flags`/`valued`; `Err` names an unknown one.
fn skip_options(
    argv: &[Word],
    flags: &str,
    valued: &str,
    long_flags: &[&str],
    long_valued: &[&str],
    numeric_flag: bool,
    assignments: bool,
) -> Result<Skipped, String> {
    let mut skipped = Skipped {
        next: 1,
        seen: Vec::new(),
        values: Vec::new(),
        assignments: Vec::new(),
    };
    while let Some(word) = argv.get(skipped.next) {
        let Some(text) = word.as_literal() else {
            return Err(format!("option `{}` is only known at run time", word.text));
        };
        if text == "--" {
            skipped.next += 1;
            break;
        }
        if let Some(long) = text.strip_prefix("--") {
            let (key, has_value) = match long.split_once('=') {
                Some((key, _)) => (key, true),
                None => (long, false),
            };
            let key = format!("--{key}");
            if long_valued.contains(&format!("{key}?").as_str()) {
                // An optional value, only ever given as `--key=value`.
                if let Some((_, value)) = long.split_once('=') {
                    skipped.values.push((key.clone(), word.with_text(value)));
                }
                skipped.next += 1;
            } else if long_valued.contains(&key.as_str()) {
                let value = match long.split_once('=') {
                    Some((_, value)) => Some(word.with_text(value)),
                    None => argv.get(skipped.next + 1).cloned(),
                };
                skipped.values.extend(value.map(|v| (key.clone(), v)));
                skipped.next += if has_value { 1 } else { 2 };
            } else if long_flags.contains(&key.as_str()) {
                skipped.next += 1;
            } else {
                return Err(format!("unknown option `{text}`"));
            }
            skipped.seen.push(key);
            continue;
        }
        if let Some(short) = text.strip_prefix('-')
            && !short.is_empty()
        {
            if numeric_flag && short.bytes().all(|b| b.is_ascii_digit()) {
                skipped.next += 1;
                continue;
            }
            let mut takes_next = false;
            for (i, c) in short.char_indices() {
                skipped.seen.push(format!("-{c}"));
                if c != '?' && valued.contains(&format!("{c}?")) {
                    // An optional value, only ever attached (`-i{}`, `-i`).
                    let rest = short.get(i + c.len_utf8()..).unwrap_or("");
                    skipped.values.push((format!("-{c}"), word.with_text(rest)));
                    break;
                }
                if c != '?' && valued.contains(c) {
                    // The value is the rest of this word, or the next word.
                    let rest = short.get(i + c.len_utf8()..).unwrap_or("");
                    takes_next = rest.is_empty();
                    let value = if takes_next {
                        argv.get(skipped.next + 1).cloned()
                    } else {
                        Some(word.with_text(rest))
                    };
                    skipped.values.extend(value.map(|v| (format!("-{c}"), v)));
                    break;
                }
                if !flags.contains(c) {
                    return Err(format!("unknown option `-{c}`"));
                }
            }
            skipped.next += if takes_next { 2 } else { 1 };
            continue;
        }
        if assignments
            && let Some((key, _)) = text.split_once('=')
            && is_name(key)
        {
            skipped.assignments.push((
                key.to_owned(),
                Word::literal(text.get(key.len() + 1..).unwrap_or("")),
            ));
            skipped.next += 1;
            continue;
        }
        break;
    }
    Ok(skipped)
}

fn is_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn generic(spec: &WrapperSpec, name: &str, argv: &[Word]) -> Unwrap {
    if name == "env" {
        // `env -S STRING` splits STRING into words; we read it as a script (a superset). The
        // string may be glued to the option (`-S"rm -rf /"`, `-iS…`, `--split-string=…`;
        // found by probing, session 7).
        // Only env's own words count: its options (skipping the values of `-u`, `-C`, `-P`)
        // and assignments, up to the command (`env ls -S` sorts by size).
        let mut split = None;
        let mut i = 1;
        while let Some(t) = argv.get(i).and_then(Word::as_literal) {
            if let Some(value) = t.strip_prefix("--split-string") {
                split = Some((i, value.strip_prefix('=').map(str::to_owned)));
                break;
            }
            if t == "--" || !(t.starts_with('-') || t.contains('=')) {
                break;
            }
            if let Some(cluster) = t.strip_prefix('-').filter(|c| !c.starts_with('-'))
                && let Some((at, c)) = cluster.char_indices().find(|(_, c)| "SuCP".contains(*c))
            {
                let glued = cluster.get(at + 1..).filter(|rest| !rest.is_empty());
                if c == 'S' {
                    split = Some((i, glued.map(str::to_owned)));
                    break;
                }
                if glued.is_none() {
                    i += 1;
                }
            } else if matches!(t, "--unset" | "--chdir") {
                i += 1;
            }
            i += 1;
        }
        if let Some((i, glued)) = split {
            // STRING is split into words; the words after it are arguments as they are
            // (`env -S 'sh -c' 'cat ~/.ssh/id_rsa'` runs `sh -c 'cat ~/.ssh/id_rsa'`; joining
            // them unquoted lost that: found by probing, session 9).
            let (string, after) = match glued {
                Some(glued) => (Word::literal(glued), argv.get(i + 1..).unwrap_or_default()),
                None => match argv.get(i + 1) {
                    Some(word) => (word.clone(), argv.get(i + 2..).unwrap_or_default()),
                    None => (Word::literal(""), &[][..]),
                },
            };
            let text = script_then_words(&string, after);
            return Unwrap::Script(Script {
                text,
                label: "env -S".to_owned(),
                elevated: false,
                remote: None,
                keep_self: false,
                caveat: None,
            });
        }
    }
    let skipped = match skip_options(
        argv,
        spec.flags,
        spec.valued,
        spec.long_flags,
        spec.long_valued,
        spec.numeric_flag,
        spec.assignments,
    ) {
        Ok(skipped) => skipped,
        Err(why) => return Unwrap::Opaque(format!("`{name}`: {why}; cannot tell what it runs")),
    };
    if skipped
        .seen
        .iter()
        .any(|s| spec.no_command_options.contains(&s.as_str()))
    {
        return Unwrap::SelfOnly;
    }
    let mut directories = Vec::new();
    let mut files = Vec::new();
    // xargs: `-I R` and `--replace=R`, or `-i`/`--replace` alone for `{}`.
    let replace = skipped
        .values
        .iter()
        .filter(|_| name == "xargs")
        .find_map(|(option, value)| match option.as_str() {
            "-I" | "-i" | "--replace" if value.text.is_empty() => Some("{}".to_owned()),
            "-I" | "-i" | "--replace" => Some(value.text.clone()),
            _ => None,
        })
        .or_else(|| {
            (name == "xargs" && skipped.seen.iter().any(|s| s == "--replace"))
                .then(|| "{}".to_owned())
        });
    // The user and group an elevating wrapper runs as are part of its label, so approvals and
    // prompts tell `sudo -u postgres sh -c X` from `sudo sh -c X` (found by probing, session 9).
    let mut label = name.to_owned();
    if spec.behaviour == Behaviour::Elevates {
        for (option, value) in &skipped.values {
            if matches!(
                option.as_str(),
                "-u" | "--user" | "-g" | "--group" | "-U" | "--other-user"
            ) {
                label.push(' ');
                label.push_str(option);
                label.push(' ');
                label.push_str(&value.text);
            }
        }
    }
    let mut assignments = skipped.assignments;
    for (option, value) in skipped.values {
        let option = option.as_str();
        if matches!((name, option), ("env", "-P")) {
            // BSD and macOS `env -P ALTPATH` looks the utility up in ALTPATH, as `PATH=`.
            assignments.push(("PATH".to_owned(), value));
        } else if matches!((name, option), ("sudo", "-R" | "--chroot")) {
            // The command starts at the new root's `/`, which holds its own `/etc`.
            directories.push(Word::literal("/"));
        } else if spec.directory_options.contains(&option) {
            directories.push(value);
        } else if spec.read_options.contains(&option) {
            files.push((value, false));
        } else if spec.write_options.contains(&option) {
            files.push((value, true));
        }
    }
    if name == "chroot" {
        // chroot changes to the new root's `/` unless told `--skip-chdir`; either way
        // relative paths may be read against `/`.
        directories.push(Word::literal("/"));
    }
    Unwrap::Exec(Exec {
        skip: skipped.next + spec.operands,
        label,
        elevated: spec.behaviour == Behaviour::Elevates,
        extra_args: spec.behaviour == Behaviour::AppendsInput,
        assignments,
        directories,
        files,
        replace,
    })
}

/// Joins words with spaces, as `eval`, `watch` and `ssh` do before the shell parses them.
/// A script whose first part is `script` as the shell reads it and whose other words are
/// arguments as they are: each is single-quoted into the text.
fn script_then_words(script: &Word, words: &[Word]) -> Word {
    let mut text = script.text.clone();
    for word in words {
        text.push_str(" '");
        text.push_str(&word.text.replace('\'', "'\\''"));
        text.push('\'');
    }
    Word {
        text,
        opaque: script.opaque || words.iter().any(|w| w.opaque),
        glob: false,
    }
}

fn join(words: &[Word]) -> Word {
    let text = words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    Word {
        text,
        opaque: words.iter().any(|w| w.opaque),
        glob: false,
    }
}

fn shell(name: &str, argv: &[Word]) -> Unwrap {
    let skipped = match skip_options(
        argv,
        "abcefhiklmnprstuvxBCEHPT",
        SHELL_VALUED,
        &[
            "--login",
            "--noprofile",
            "--norc",
            "--posix",
            "--restricted",
            "--verbose",
            "--noediting",
            "--debugger",
            "--dump-strings",
            "--dump-po-strings",
            "--protected",
        ],
        SHELL_LONG_VALUED,
        false,
        false,
    ) {
        Ok(skipped) => skipped,
        Err(why) => return Unwrap::Opaque(format!("`{name}`: {why}; cannot tell what it runs")),
    };
    let mut skipped = skipped;
    // bash turns options off with `+x`, `+o NAME`, `+O NAME`, anywhere among them, and a lone
    // `-` ends them: `bash -c +x 'CMD'` runs CMD (found by probing, session 8).
    while let Some(text) = argv.get(skipped.next).and_then(Word::as_literal) {
        if text == "-" {
            skipped.next += 1;
            break;
        }
        let Some(letters) = text.strip_prefix('+').filter(|l| !l.is_empty()) else {
            if text.starts_with('-') && skipped.next > 1 && text != "--" {
                return Unwrap::Opaque(format!(
                    "`{name}` mixes `+` and `-` options; cannot tell which word is the script"
                ));
            }
            break;
        };
        if letters == "o" || letters == "O" {
            skipped.next += 2;
        } else if letters.chars().all(|c| "abefhkmnptuvxBCEHPT".contains(c)) {
            skipped.next += 1;
        } else {
            return Unwrap::Opaque(format!(
                "`{name}`: unknown option `{text}`; cannot tell what it runs"
            ));
        }
    }
    // Options that run code the script does not show, or change how it runs.
    if let Some((_, file)) = skipped
        .values
        .iter()
        .find(|(option, _)| option == "--rcfile" || option == "--init-file")
    {
        return Unwrap::Opaque(format!(
            "`{name}` first runs the startup file `{}`, whose content is not known",
            file.text
        ));
    }
    if skipped.seen.iter().any(|s| s == "-k")
        || skipped
            .values
            .iter()
            .any(|(option, value)| option == "-o" && value.text == "keyword")
    {
        return Unwrap::Opaque(format!(
            "`{name}` runs in keyword mode (`-k`): `NAME=value` arguments become the \
             environment of the commands, which this analysis reads as arguments"
        ));
    }
    if skipped
        .values
        .iter()
        .any(|(option, value)| option == "-O" && value.text == "extglob")
    {
        return Unwrap::Opaque(format!(
            "`{name} -O extglob` reads patterns this analysis parses with extglob off"
        ));
    }
    // Other shell options change what the script's words name: `-O dotglob` and
    // `-O nocaseglob` make `*` and `.EN?` match `.env`, `-O cdable_vars` makes `cd k` go
    // where `$k` says (found by probing, session 9). Only those the analysis does not depend
    // on pass.
    const HARMLESS_OPTIONS: &[&str] = &[
        "nullglob",
        "failglob",
        "globstar",
        "lastpipe",
        "inherit_errexit",
        "nocasematch",
        "checkwinsize",
        "histappend",
        "errexit",
        "nounset",
        "pipefail",
    ];
    if let Some((option, value)) = skipped.values.iter().find(|(option, value)| {
        matches!(option.as_str(), "-O" | "+O" | "-o" | "+o")
            && !(value
                .as_literal()
                .is_some_and(|v| HARMLESS_OPTIONS.contains(&v)))
            && !(option == "-o" && value.text == "keyword")
    }) {
        return Unwrap::Opaque(format!(
            "`{name} {option} {}` sets a shell option this analysis does not model",
            value.text
        ));
    }
    // An interactive or login shell runs its startup files (`~/.bashrc`, `~/.profile`,
    // `/etc/profile`, `$ENV`) first: it is kept as a command of its own, which the risk
    // table rates.
    let startup = skipped
        .seen
        .iter()
        .any(|s| matches!(s.as_str(), "-i" | "-l" | "--login"));
    if skipped.seen.iter().any(|s| s == "-c") {
        let Some(script) = argv.get(skipped.next) else {
            return Unwrap::SelfOnly;
        };
        let mut wrapped = Script::local(script.clone(), format!("{name} -c"));
        wrapped.keep_self = startup;
        // zsh runs what bash would, and more: it expands a variable's value as code or a
        // pattern where bash does not (`${(e)x}`, `$~x` with a glob qualifier run code from
        // the value; found by probing, session 7). Its scripts are analysed as bash, and any
        // expansion in them asks.
        if name == "zsh" {
            wrapped.caveat = Some(
                "`zsh` reads scripts in ways bash does not (`${(e)x}` runs a value as code, \
                 `noglob` and `=cmd` run commands)"
                    .to_owned(),
            );
        }
        // `sh` is often dash (Debian, Ubuntu), `ash`/`busybox sh` busybox's: POSIX shells that
        // read bash's syntax otherwise (`&>` is `&` then `>`, `$'…'` is `$` and a quoted
        // string, `[[` is a command), so a script holding it runs other commands than the
        // analysis (as bash) lists (found by probing, session 7).
        if matches!(name, "sh" | "dash" | "ash")
            && [
                "&>", "$'", "$\"", "[[", "((", "<<<", "<(", ">(", "|&", "function",
            ]
            .iter()
            .any(|bashism| script.text.contains(bashism))
        {
            wrapped.caveat = Some(format!(
                "`{name}` may be a POSIX shell (dash) that reads bash syntax in this script otherwise"
            ));
        }
        return Unwrap::Script(wrapped);
    }
    if startup {
        return Unwrap::Opaque(format!(
            "`{name}` runs its startup files and then commands from its input"
        ));
    }
    match argv.get(skipped.next) {
        // Reads commands from standard input.
        None => Unwrap::StdinScript,
        Some(file) => Unwrap::Opaque(format!(
            "`{name}` runs the script file `{}`, whose content is not known",
            file.text
        )),
    }
}

/// `busybox APPLET ARGS…` runs APPLET, shells included (`curl … | busybox sh` runs what it
/// downloaded: the shell is then a command of its own, reading its input).
fn busybox(argv: &[Word]) -> Unwrap {
    match argv.get(1).and_then(Word::as_literal) {
        Some(_) => Unwrap::Exec(Exec::plain(1, "busybox", false)),
        None => Unwrap::SelfOnly,
    }
}

fn eval(argv: &[Word]) -> Unwrap {
    let mut args = argv.get(1..).unwrap_or(&[]);
    // `eval -- CMD` (bash's builtins take `--`).
    if args.first().is_some_and(|w| w.text == "--") {
        args = args.get(1..).unwrap_or(&[]);
    }
    if args.is_empty() {
        return Unwrap::SelfOnly;
    }
    Unwrap::Script(Script::local(join(args), "eval"))
}

/// `alias name=value …`: each value runs wherever the name is used later as a command
/// (`shopt -s expand_aliases`, then `alias ls='rm -rf /'`, then `ls` on the next line runs
/// `rm`), so the values are analysed as a script, one per line.
fn alias(argv: &[Word]) -> Unwrap {
    let mut values = Vec::new();
    for word in argv.iter().skip(1) {
        if word.opaque {
            return Unwrap::Opaque(format!(
                "`alias` defines `{}`, only known at run time",
                word.text
            ));
        }
        if let Some((_, value)) = word.text.split_once('=') {
            // A value ending in `\` joins the text after the alias where it is used (`alias
            // ls='echo a\'`, then `ls #;rm -rf /` runs `rm`): it can't be read on its own.
            if value.ends_with('\\') {
                return Unwrap::Opaque(format!(
                    "`alias` defines `{}`, whose value ending in `\\` joins the text after it",
                    word.text
                ));
            }
            values.push(value.to_owned());
        }
    }
    if values.is_empty() {
        return Unwrap::SelfOnly;
    }
    // The walker records the names: a later command of the line that uses one asks.
    Unwrap::Script(Script::local(Word::literal(values.join("\n")), "alias"))
}

/// `let EXPR…` evaluates arithmetic, where a variable's value is evaluated in turn (see
/// `walk::arithmetic_variable`); the analysis doesn't know which names the line set, so any
/// variable makes it opaque.
fn let_(argv: &[Word]) -> Unwrap {
    for word in argv.iter().skip(1) {
        let variable = if word.opaque {
            Some(word.text.clone())
        } else {
            super::walk::arithmetic_variable(&word.text, &[])
        };
        if let Some(name) = variable {
            return Unwrap::Opaque(format!(
                "`let {}` reads `{name}`, whose value bash evaluates as an expression (a value like `a[$(cmd)]` runs cmd)",
                word.text
            ));
        }
    }
    Unwrap::SelfOnly
}

/// `trap ACTION SIGNAL…` runs ACTION as a script when a signal (or `EXIT`, `ERR`, `DEBUG`,
/// `RETURN`) comes: `trap 'rm -rf /' EXIT` runs the `rm` when the shell exits.
fn trap(argv: &[Word]) -> Unwrap {
    let mut args = argv.get(1..).unwrap_or(&[]);
    if args.first().is_some_and(|w| w.text == "--") {
        args = args.get(1..).unwrap_or(&[]);
    }
    match args {
        [action, _, ..]
            if !matches!(action.text.as_str(), "-" | "") && !action.text.starts_with('-') =>
        {
            Unwrap::Script(Script::local(action.clone(), "trap"))
        }
        _ => Unwrap::SelfOnly,
    }
}

/// `mapfile -C CODE` (and `readarray`) evaluates CODE after every `-c` lines it reads;
/// `compgen -C COMMAND` runs COMMAND for its completions (`complete -C` registers it for
/// later), and `compgen -W WORDS` expands WORDS, so `compgen -W '$(cmd)' x` runs cmd (bash(1),
/// SHELL BUILTIN COMMANDS; checked against bash 5.2). `valued` lists the other options that
/// take a value; `words` says whether `-W` expands.
fn callback(name: &str, argv: &[Word], valued: &str, words: bool) -> Unwrap {
    let mut i = 1;
    while let Some(word) = argv.get(i) {
        let Some(text) = word.as_literal() else {
            return Unwrap::Opaque(format!(
                "`{name}`: option `{}` is only known at run time",
                word.text
            ));
        };
        if text == "--" || !text.starts_with('-') || text == "-" {
            break;
        }
        let mut value_next = false;
        for (at, c) in text.char_indices().skip(1) {
            if c != 'C' && !(c == 'W' && words) && !valued.contains(c) {
                continue;
            }
            let rest = text.get(at + c.len_utf8()..).unwrap_or("");
            let value = if rest.is_empty() {
                value_next = true;
                argv.get(i + 1).cloned()
            } else {
                Some(word.with_text(rest))
            };
            match (c, value) {
                ('C', Some(code)) => {
                    return Unwrap::Script(Script::local(code, format!("{name} -C")));
                }
                ('W', Some(list)) if list.opaque || list.text.contains(['$', '`']) => {
                    return Unwrap::Opaque(format!(
                        "`{name} -W {}` expands its word list at run time, substitutions included",
                        list.text
                    ));
                }
                _ => {}
            }
            break;
        }
        i += if value_next { 2 } else { 1 };
    }
    Unwrap::SelfOnly
}

/// `history -s TEXT…` adds TEXT to the history, which `fc -s` then runs: analysed as a
/// script, like an alias value.
fn history(argv: &[Word]) -> Unwrap {
    match argv.iter().position(|w| w.text == "-s") {
        Some(at) => {
            let text = argv
                .get(at + 1..)
                .map(join)
                .unwrap_or_else(|| Word::literal(""));
            if text.text.is_empty() {
                return Unwrap::SelfOnly;
            }
            Unwrap::Script(Script::local(text, "history -s"))
        }
        None => Unwrap::SelfOnly,
    }
}

/// `fc` runs commands from the history (`fc -s`, or an editor's output with `fc -e`); only
/// `fc -l` lists them. History may come from before the line.
fn fc(argv: &[Word]) -> Unwrap {
    let lists = argv
        .get(1)
        .and_then(Word::as_literal)
        .is_some_and(|t| t.starts_with('-') && t.contains('l') && !t.contains(['s', 'e']));
    if lists {
        Unwrap::SelfOnly
    } else {
        Unwrap::Opaque(
            "`fc` runs commands from the shell history, only known at run time".to_owned(),
        )
    }
}

/// git subcommands that run a command they are given: `git bisect run CMD ARGS…` (argv),
/// and shell command strings for `rebase -x`/`--exec`, `difftool -x`/`--extcmd`,
/// `submodule foreach`, `filter-branch --*-filter` and `send-email --*-cmd` (git's manual
/// pages). git itself is kept as a command of its own.
fn git(argv: &[Word]) -> Unwrap {
    use crate::risk_table::GIT_GLOBAL_VALUED as GLOBAL_VALUED;
    let mut i = 1;
    while let Some(word) = argv.get(i) {
        let Some(text) = word.as_literal() else {
            return Unwrap::Not;
        };
        if !text.starts_with('-') {
            break;
        }
        i += if GLOBAL_VALUED.contains(&text) { 2 } else { 1 };
    }
    let Some(sub) = argv.get(i).and_then(Word::as_literal) else {
        return Unwrap::Not;
    };
    let rest = argv.get(i + 1..).unwrap_or(&[]);
    let script_options: &[&str] = match sub {
        "bisect" => {
            return match rest.split_first() {
                Some((run, command)) if run.text == "run" && !command.is_empty() => {
                    // `git bisect run -- CMD` runs CMD.
                    let command = match command.split_first() {
                        Some((dashes, rest)) if dashes.text == "--" && !rest.is_empty() => rest,
                        _ => command,
                    };
                    Unwrap::Spawns(vec![Spawned::new(command.to_vec(), "git bisect run")])
                }
                _ => Unwrap::Not,
            };
        }
        "submodule" => {
            let at = rest.iter().position(|w| w.text == "foreach");
            return match at.and_then(|at| rest.get(at + 1..)) {
                Some(command) if !command.is_empty() => {
                    let words: Vec<Word> = command
                        .iter()
                        .filter(|w| !matches!(w.text.as_str(), "--recursive" | "-q" | "--quiet"))
                        .cloned()
                        .collect();
                    // git runs the first word through the shell and passes the others as
                    // they are (`sh -c '$0 "$@"'`; found by probing, session 9).
                    let text = match words.split_first() {
                        Some((first, rest)) => script_then_words(first, rest),
                        None => Word::literal(""),
                    };
                    Unwrap::Script(Script {
                        keep_self: true,
                        caveat: None,
                        ..Script::local(text, "git submodule foreach")
                    })
                }
                _ => Unwrap::Not,
            };
        }
        "rebase" => &["-x", "--exec"],
        "difftool" => &["-x", "--extcmd"],
        "filter-branch" => &[
            "--tree-filter",
            "--index-filter",
            "--msg-filter",
            "--env-filter",
            "--commit-filter",
            "--parent-filter",
            "--tag-name-filter",
            // Runs before the filters (found by probing, session 9).
            "--setup",
        ],
        "send-email" => &[
            "--to-cmd",
            "--cc-cmd",
            "--header-cmd",
            "--sendmail-cmd",
            "--smtp-server",
        ],
        _ => return Unwrap::Not,
    };
    let mut scripts = Vec::new();
    let mut j = 0;
    while let Some(word) = rest.get(j) {
        j += 1;
        let text = word.text.as_str();
        for option in script_options {
            // A short option may come in a group (`-ix CMD`, `-xCMD`): what follows its letter
            // is the value, or the next word when nothing does.
            let short = option
                .strip_prefix('-')
                .filter(|o| o.len() == 1)
                .and_then(|letter| {
                    let group = text.strip_prefix('-').filter(|g| !g.starts_with('-'))?;
                    let at = group.find(letter)?;
                    group.get(at + 1..)
                });
            // git's parse-options takes any unambiguous prefix of a long option (`--exe=CMD`
            // for `--exec`; found by probing, session 9); `--to` and `--cc` are options of
            // their own.
            let (key, inline) = text
                .split_once('=')
                .map_or((text, None), |(k, v)| (k, Some(v)));
            let abbreviated = option.starts_with("--")
                && key.len() >= 4
                && key != *option
                && option.starts_with(key)
                && !matches!(key, "--to" | "--cc" | "--bcc");
            let value = if text == *option || short == Some("") || (abbreviated && inline.is_none())
            {
                j += 1;
                rest.get(j - 1).cloned()
            } else if let Some(value) = inline.filter(|_| abbreviated) {
                Some(word.with_text(value))
            } else if let Some(value) = short.filter(|v| !v.is_empty()).or_else(|| {
                text.strip_prefix(option)
                    .and_then(|v| v.strip_prefix('='))
                    .filter(|_| option.starts_with("--"))
            }) {
                Some(word.with_text(value))
            } else {
                continue;
            };
            // `--smtp-server` is a host name unless it is a program's path.
            if let Some(value) = value
                && (*option != "--smtp-server" || value.text.starts_with(['/', '.']))
            {
                scripts.push(value);
            }
            break;
        }
    }
    if scripts.is_empty() {
        return Unwrap::Not;
    }
    let text = Word {
        text: scripts
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        opaque: scripts.iter().any(|w| w.opaque),
        glob: false,
    };
    Unwrap::Script(Script {
        keep_self: true,
        caveat: None,
        ..Script::local(text, format!("git {sub}"))
    })
}

/// The commands of a sed script's `e COMMAND`s, which sed runs with `sh -c` (see
/// `crate::sed`); sed itself is kept as a command of its own.
fn sed(argv: &[Word]) -> Unwrap {
    if argv.iter().any(|w| w.opaque) {
        return Unwrap::Not;
    }
    let texts: Vec<&str> = argv.iter().skip(1).map(|w| w.text.as_str()).collect();
    let Some(script) =
        crate::sed::script_of(&texts).and_then(|line| crate::sed::parse(&line.script?))
    else {
        return Unwrap::Not;
    };
    let mut commands = Vec::new();
    for effect in script.effects {
        match effect {
            crate::sed::Effect::Run(command) => commands.push(command),
            crate::sed::Effect::RunRewritten(command) => {
                return Unwrap::Opaque(format!(
                    "`sed` runs `{}`, which it rewrites before running (escapes, joined lines)",
                    super::word::shorten(&command)
                ));
            }
            // `s/.*/…/e`, a bare `e`: commands taken from the text sed reads, like `sh FILE`
            // (an allow rule for `sed *` covered them; found by probing, session 9).
            crate::sed::Effect::RunInput => {
                return Unwrap::Opaque(
                    "`sed` runs lines of its input as commands (`e`, `s///e`), which are not known"
                        .to_owned(),
                );
            }
            _ => {}
        }
    }
    if commands.is_empty() {
        return Unwrap::Not;
    }
    Unwrap::Script(Script {
        keep_self: true,
        caveat: None,
        ..Script::local(Word::literal(commands.join("\n")), "sed e")
    })
}

/// An awk program that runs commands or writes where the analysis can't follow: `system()`,
/// pipes to and from commands (`print | "cmd"`, `"cmd" | getline`, `|&`), output to a file
/// whose name is computed (`print > f`, `print > ("a" "b")`), or a program file (`-f`). An
/// allow rule for awk covered these (found by probing, session 9); `print > "FILE"` with a
/// literal name is a file argument (see `file_args`).
fn awk(argv: &[Word]) -> Unwrap {
    let mut words = argv.iter().skip(1);
    let mut program = None;
    while let Some(word) = words.next() {
        let text = word.text.as_str();
        if text == "--" {
            program = words.next();
            break;
        }
        if text == "-f" || text.starts_with("--file") || (text.starts_with("-f") && text.len() > 2)
        {
            return Unwrap::Opaque(
                "`awk -f` runs a program file whose content is not known".to_owned(),
            );
        }
        if matches!(text, "-F" | "-v" | "--assign" | "--field-separator") {
            words.next();
            continue;
        }
        if text.starts_with('-') && text.len() > 1 {
            continue;
        }
        program = Some(word);
        break;
    }
    let Some(program) = program else {
        return Unwrap::Not;
    };
    match awk_hazard(&program.text) {
        Some(why) => Unwrap::Opaque(format!("the awk program {why}")),
        None => Unwrap::Not,
    }
}

/// What in an awk program runs commands or writes to a computed file, if anything.
fn awk_hazard(program: &str) -> Option<&'static str> {
    // String literals and regular expressions are skipped; what is left is code.
    let mut code = String::with_capacity(program.len());
    let mut chars = program.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            code.push('"');
            while let Some(d) = chars.next() {
                if d == '\\' {
                    chars.next();
                } else if d == '"' {
                    break;
                }
            }
            code.push('"');
        } else {
            code.push(c);
        }
    }
    if code.contains("system") || code.contains("|&") {
        return Some("runs commands (`system`, `|&`)");
    }
    // After `print`/`printf`, `>`, `>>` and `|` redirect the rest of the statement (a
    // comparison there needs parentheses).
    let mut rest = code.as_str();
    while let Some(at) = rest.find("print") {
        let statement = rest.get(at..).unwrap_or("");
        let end = statement.find([';', '}', '\n']).unwrap_or(statement.len());
        let statement = statement.get(..end).unwrap_or("");
        let mut depth = 0i32;
        for (i, c) in statement.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                '|' if depth == 0 => return Some("pipes its output to a command"),
                '>' if depth == 0 => {
                    let target = statement.get(i + 1..).unwrap_or("");
                    let target = target.strip_prefix('>').unwrap_or(target).trim_start();
                    // A literal name is `""` here (its text was skipped above) with nothing
                    // after it.
                    if !(target.starts_with("\"\"")
                        && target.get(2..).is_some_and(|t| t.trim().is_empty()))
                    {
                        return Some("writes to a file whose name is computed");
                    }
                    break;
                }
                _ => {}
            }
        }
        rest = rest.get(at + 5..).unwrap_or("");
    }
    if code.contains("getline") && code.contains('|') {
        return Some("reads the output of a command (`| getline`)");
    }
    None
}

fn su(argv: &[Word]) -> Unwrap {
    let skipped = match skip_options(
        argv,
        "flmpPT",
        "cgGsw",
        &["--login", "--preserve-environment", "--pty", "--fast"],
        &[
            "--command",
            "--session-command",
            "--group",
            "--supp-group",
            "--shell",
            "--whitelist-environment",
        ],
        false,
        false,
    ) {
        Ok(skipped) => skipped,
        Err(why) => return Unwrap::Opaque(format!("`su`: {why}; cannot tell what it runs")),
    };
    // The script is the value of -c/--command.
    let script = argv.iter().enumerate().find_map(|(i, w)| {
        let t = w.as_literal()?;
        if t == "-c" || t == "--command" || t == "--session-command" {
            argv.get(i + 1).cloned()
        } else {
            t.strip_prefix("--command=").map(Word::literal)
        }
    });
    let _ = skipped;
    match script {
        Some(text) => Unwrap::Script(Script {
            text,
            label: "su -c".to_owned(),
            elevated: true,
            remote: None,
            keep_self: false,
            caveat: None,
        }),
        None => Unwrap::SelfOnly,
    }
}

fn ssh(argv: &[Word]) -> Unwrap {
    let skipped = match skip_options(
        argv,
        "46AaCfGgKkMNnqsTtVvXxYy",
        "BbcDEeFIiJLlmOoPpQRSWw",
        &[],
        &[],
        false,
        false,
    ) {
        Ok(skipped) => skipped,
        Err(why) => return Unwrap::Opaque(format!("`ssh`: {why}; cannot tell what it runs")),
    };
    let Some(host) = argv.get(skipped.next) else {
        return Unwrap::SelfOnly;
    };
    let command = argv.get(skipped.next + 1..).unwrap_or(&[]);
    if command.is_empty() {
        return Unwrap::SelfOnly;
    }
    Unwrap::Script(Script {
        text: join(command),
        label: "ssh".to_owned(),
        elevated: false,
        remote: Some(host.text.clone()),
        keep_self: true,
        caveat: None,
    })
}

fn watch(argv: &[Word]) -> Unwrap {
    let skipped = match skip_options(
        argv,
        "bcdeghptwxrqC",
        "nq",
        &[
            "--beep",
            "--color",
            "--no-color",
            "--differences",
            "--errexit",
            "--chgexit",
            "--no-title",
            "--no-wrap",
            "--precise",
            "--exec",
            "--no-rerun",
        ],
        &["--interval", "--equexit", "--shotsdir"],
        false,
        false,
    ) {
        Ok(skipped) => skipped,
        Err(why) => return Unwrap::Opaque(format!("`watch`: {why}; cannot tell what it runs")),
    };
    let rest = argv.get(skipped.next..).unwrap_or(&[]);
    if rest.is_empty() {
        return Unwrap::SelfOnly;
    }
    if skipped.seen.iter().any(|s| s == "-x" || s == "--exec") {
        return Unwrap::Exec(Exec::plain(skipped.next, "watch -x", false));
    }
    // Without -x, watch joins its arguments and runs them with `sh -c`.
    Unwrap::Script(Script::local(join(rest), "watch"))
}

fn flock(argv: &[Word]) -> Unwrap {
    let skipped = match skip_options(
        argv,
        "sxunoFh",
        "wEc",
        &[
            "--shared",
            "--exclusive",
            "--unlock",
            "--nonblock",
            "--close",
            "--no-fork",
            "--verbose",
        ],
        &["--timeout", "--conflict-exit-code", "--command"],
        false,
        false,
    ) {
        Ok(skipped) => skipped,
        Err(why) => return Unwrap::Opaque(format!("`flock`: {why}; cannot tell what it runs")),
    };
    // `flock FILE -c CMD`: options may also follow the file.
    let after_file = skipped.next + 1;
    if let Some(i) = argv.iter().position(|w| {
        w.as_literal()
            .is_some_and(|t| t == "-c" || t == "--command")
    }) {
        return match argv.get(i + 1) {
            Some(script) => Unwrap::Script(Script::local(script.clone(), "flock -c")),
            None => Unwrap::SelfOnly,
        };
    }
    if argv.len() <= after_file {
        return Unwrap::SelfOnly;
    }
    Unwrap::Exec(Exec::plain(after_file, "flock", false))
}

/// `find … -exec CMD {} ;` and friends run CMD once per file (or with many files for `+`).
/// `-execdir`/`-okdir` run it in the directory of the file found: at or under one of the
/// starting points (`.` when none is given), which are passed on as its directories.
fn find(argv: &[Word]) -> Unwrap {
    let mut spawned = Vec::new();
    let mut i = 1;
    // The starting points: the words before the first expression (`-name`, `(`, `!`), after
    // the options `-H`, `-L`, `-P`, `-D …`, `-O…`.
    let mut starts: Vec<Word> = Vec::new();
    let mut at = 1;
    while let Some(word) = argv.get(at) {
        match word.text.as_str() {
            "-H" | "-L" | "-P" => at += 1,
            "-D" => at += 2,
            t if t.starts_with("-O") => at += 1,
            _ => break,
        }
    }
    while let Some(word) = argv.get(at) {
        if word.text.starts_with(['-', '(', '!', ')', ',']) {
            break;
        }
        starts.push(word.clone());
        at += 1;
    }
    if starts.is_empty() {
        starts.push(Word::literal("."));
    }
    while let Some(word) = argv.get(i) {
        let action = word.as_literal().unwrap_or("");
        if matches!(action, "-exec" | "-execdir" | "-ok" | "-okdir") {
            let start = i + 1;
            let mut end = start;
            while let Some(w) = argv.get(end) {
                if w.as_literal().is_some_and(|t| t == ";" || t == "+") {
                    break;
                }
                end += 1;
            }
            let inner: Vec<Word> = argv
                .get(start..end)
                .unwrap_or(&[])
                .iter()
                .map(|w| {
                    if w.text.contains("{}") {
                        Word::opaque(w.text.clone())
                    } else {
                        w.clone()
                    }
                })
                .collect();
            if !inner.is_empty() {
                let mut command = Spawned::new(inner, format!("find {action}"));
                if matches!(action, "-execdir" | "-okdir") {
                    command.directories.clone_from(&starts);
                }
                spawned.push(command);
            }
            i = end + 1;
        } else {
            i += 1;
        }
    }
    if spawned.is_empty() {
        Unwrap::Not
    } else {
        Unwrap::Spawns(spawned)
    }
}

/// `parallel CMD ::: ARGS`: the command template is run by a shell with arguments filled in.
fn parallel(argv: &[Word]) -> Unwrap {
    let mut i = 1;
    const VALUED: &[&str] = &[
        "-j",
        "-P",
        "-S",
        "-a",
        "-n",
        "-N",
        "-L",
        "-I",
        "-d",
        "-C",
        "--jobs",
        "--sshlogin",
        "--arg-file",
        "--delay",
        "--timeout",
        "--joblog",
        "--results",
        "--colsep",
        "--delimiter",
    ];
    // Options that write files, read the arguments from a file, or run on other hosts; as
    // long options also abbreviated (`--jobl=F`; found by probing, session 9).
    const REFUSED: &[&str] = &[
        "--results",
        "--joblog",
        "--tmpdir",
        "--files0",
        "--output-as-files",
        "--arg-file",
        "--sshlogin",
        "--sshloginfile",
        "--transferfile",
        "--return",
        "--basefile",
    ];
    while let Some(w) = argv.get(i) {
        let Some(t) = w.as_literal() else { break };
        if t.starts_with('-') {
            let key = t.split_once('=').map_or(t, |(k, _)| k);
            let refused = matches!(key, "-S" | "-a" | "--res" | "--files")
                || (key.len() > 3 && REFUSED.iter().any(|o| o.starts_with(key)));
            if refused {
                return Unwrap::Opaque(format!(
                    "`parallel {key}` writes files, reads its arguments from a file or runs on other hosts"
                ));
            }
            i += if VALUED.contains(&t) { 2 } else { 1 };
        } else {
            break;
        }
    }
    let end = argv
        .iter()
        .position(|w| w.as_literal().is_some_and(|t| t.starts_with(":::")))
        .unwrap_or(argv.len());
    let template = argv.get(i..end).unwrap_or(&[]);
    if template.is_empty() {
        return Unwrap::Opaque("`parallel` runs commands read from its input".to_owned());
    }
    // The argument groups after `:::` are appended to the command, one job per combination
    // (`parallel cat ::: .env` runs `cat .env`; they were dropped, found by probing,
    // session 9). Arguments from files (`::::`) or standard input, replacement strings, and
    // more than a few jobs are not followed.
    let mut groups: Vec<Vec<&Word>> = Vec::new();
    for word in argv.get(end..).unwrap_or(&[]) {
        match word.as_literal() {
            Some(":::" | ":::+") => groups.push(Vec::new()),
            Some(t) if t.starts_with("::::") => {
                return Unwrap::Opaque("`parallel ::::` reads its arguments from files".to_owned());
            }
            _ => match groups.last_mut() {
                Some(group) => group.push(word),
                None => return Unwrap::Opaque("`parallel` arguments are not known".to_owned()),
            },
        }
    }
    if groups.is_empty() {
        return Unwrap::Opaque(
            "`parallel` appends arguments read from its standard input".to_owned(),
        );
    }
    if template.iter().any(|w| w.text.contains('{')) {
        return Unwrap::Opaque(
            "`parallel` puts its arguments into replacement strings (`{}`), which are not followed"
                .to_owned(),
        );
    }
    let jobs = groups
        .iter()
        .try_fold(1usize, |n, g| n.checked_mul(g.len()))
        .unwrap_or(usize::MAX);
    if jobs == 0 || jobs > 16 {
        return Unwrap::Opaque(format!(
            "`parallel` runs {jobs} jobs; at most 16 are followed"
        ));
    }
    let mut lines = Vec::with_capacity(jobs);
    let mut at = vec![0usize; groups.len()];
    'jobs: loop {
        let args: Vec<Word> = groups
            .iter()
            .zip(&at)
            .filter_map(|(group, i)| group.get(*i).map(|w| (*w).clone()))
            .collect();
        let line = script_then_words(&join(template), &args);
        if line.opaque {
            return Unwrap::Opaque("`parallel` arguments are only known at run time".to_owned());
        }
        lines.push(line.text);
        for (i, group) in at.iter_mut().zip(&groups).rev() {
            *i += 1;
            if *i < group.len() {
                continue 'jobs;
            }
            *i = 0;
        }
        break;
    }
    Unwrap::Script(Script::local(Word::literal(lines.join("\n")), "parallel"))
}
