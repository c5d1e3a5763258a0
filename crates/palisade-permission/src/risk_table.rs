//! What we know about commands, as data. Read it like a spec: each entry names commands, the
//! level they have by default, and the flag/argument conditions that raise it.
//!
//! Sources for the entries are cited inline. Guiding rules:
//! - A command is `Low` only when it is read-only and every option it was given is one its
//!   entry in `crate::read_only_flags` lists (one entry per command, options read as getopt
//!   reads them), or, for `sed` and `awk`, its `known_flags` (OpenAI Codex's
//!   `is_safe_command` lesson: `find -exec`, `rg --pre`, `sed e`/`w`, `sort
//!   --compress-program` turned "read-only" commands into code execution). git's
//!   subcommands and options have rules of their own.
//! - A command not in this table is `Medium`, never `Low`.
//! - Levels only go up: a rule can raise a command's level, nothing lowers it.

use std::sync::LazyLock;

use crate::risk::RiskLevel::{self, Critical, High, Low, Medium};

/// A condition on a command's arguments (argv without the name).
#[derive(Debug)]
pub(crate) enum Cond {
    /// Any of these flags is given (short flags also inside groups: `-rf` has `-r`).
    Flag(&'static [&'static str]),
    /// The first operand (subcommand) is one of these.
    Sub(&'static [&'static str]),
    /// Some argument equals one of these.
    Arg(&'static [&'static str]),
    /// Some argument starts with one of these.
    ArgPrefix(&'static [&'static str]),
    /// Some argument contains one of these.
    ArgContains(&'static [&'static str]),
    /// Some operand (non-flag argument) is a path of this class.
    Operand(PathClass),
    /// There are no operands.
    NoOperands,
    /// There are no arguments at all, flags included.
    NoArgs,
    /// There are more operands (arguments not starting with `-`, or `-` itself) than this.
    OperandsOver(usize),
    /// Some operand other than the last (a source of `mv SRC… DEST`) is a path of this class.
    SourceOperand(PathClass),
    /// The condition does not hold.
    Not(&'static Cond),
    /// Any of the conditions holds.
    Any(&'static [Cond]),
    /// All of the conditions hold.
    All(&'static [Cond]),
}

/// A rule raising a command's level when all its conditions hold.
#[derive(Debug)]
pub(crate) struct Rule {
    pub when: &'static [Cond],
    pub level: RiskLevel,
    pub why: &'static str,
}

/// What a command does besides its own effect, for combination rules.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Role {
    /// Fetches data from the network (`curl`, `wget`).
    Downloads,
    /// [`Role::Downloads`] when the condition holds (`awk 1 /inet/tcp/0/host/80`).
    DownloadsWhen(&'static Cond),
    /// Sends data over the network.
    Network,
    /// Sends data over the network when the condition holds (`git push`, not `git log`;
    /// `rsync a host:b`, not `rsync a b`).
    NetworkWhen(&'static Cond),
    /// Reads credentials when the condition holds (`git credential fill`).
    SecretWhen(&'static Cond),
    /// Runs code it is given (shells, interpreters): with input from a pipe, a process
    /// substitution or a file, it runs whatever that is.
    RunsCode,
    /// [`Role::RunsCode`] when the condition holds (`awk '{system($0)}'`).
    RunsCodeWhen(&'static Cond),
    /// Reads every file under its operands when the condition holds (`grep -r`, `rg`,
    /// `tar c`, `cp -r`, `find … -exec`): a directory of secrets or one above them
    /// (`risk_table::holds_secrets`) is a secret read. The first `skip` operands are not
    /// trees (a pattern, unless `-e`/`-f` give it; git's subcommand); with `cwd`, no tree
    /// operand means the working directory (`grep -r x`, `rg x`, `find`).
    ReadsTreesWhen {
        when: &'static Cond,
        skip: usize,
        cwd: bool,
    },
}

/// A condition that always holds.
const ALWAYS: Cond = Cond::All(&[]);

/// Cloud and cluster CLIs printing credentials: Kubernetes secrets and the raw kubeconfig,
/// cloud tokens, secret stores, stored keys (each CLI's reference).
const PRINTS_CREDENTIALS: Cond = Cond::Any(&[
    Cond::All(&[
        Cond::Sub(&["get", "describe", "edit"]),
        Cond::Any(&[
            Cond::Arg(&["secret", "secrets"]),
            Cond::ArgPrefix(&["secret/", "secrets/"]),
        ]),
    ]),
    Cond::All(&[Cond::Sub(&["auth"]), Cond::Arg(&["token"])]),
    Cond::All(&[Cond::Sub(&["auth"]), Cond::Flag(&["-t", "--show-token"])]),
    Cond::All(&[Cond::Sub(&["config"]), Cond::Flag(&["--raw"])]),
    Cond::All(&[Cond::Sub(&["configure"]), Cond::Arg(&["get"])]),
    Cond::Arg(&[
        "print-access-token",
        "print-identity-token",
        "get-access-token",
        "get-secret-value",
        "export-credentials",
        "get-session-token",
        "--with-decryption",
    ]),
]);

/// Everything we know about one command.
#[derive(Debug)]
pub(crate) struct CommandSpec {
    pub names: &'static [&'static str],
    pub base: RiskLevel,
    /// What the command does, as the reason for its base level.
    pub what: &'static str,
    pub rules: &'static [Rule],
    /// For read-only commands without an entry in `crate::read_only_flags` (`sed`, `awk`):
    /// every flag known to keep it read-only.
    pub known_flags: Option<&'static [&'static str]>,
    pub role: &'static [Role],
    /// Options before the subcommand that take a value (`git -C DIR`).
    pub global_valued: &'static [&'static str],
}

/// Classes of paths that matter for risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathClass {
    /// `/`, `/*`, `/.`: the whole filesystem.
    Root,
    /// `~`, `$HOME`, `~/*`: the whole home directory.
    Home,
    /// `..`, `../*`: outside the working directory.
    Parent,
    /// Under a system directory (`/etc`, `/usr`, `/bin`, …).
    System,
    /// A file whose corruption breaks the system or its logins.
    CriticalSystem,
    /// Keys, tokens, credentials.
    Secret,
    /// Files that run code later: shell rc files, cron, systemd units, authorized_keys.
    Persistence,
    /// A block device or raw memory.
    Device,
}

const fn rule(when: &'static [Cond], level: RiskLevel, why: &'static str) -> Rule {
    Rule { when, level, why }
}

const RECURSIVE: Cond = Cond::Flag(&["-r", "-R", "--recursive"]);
const WIPES_SYSTEM: Cond = Cond::Any(&[
    Cond::Operand(PathClass::Root),
    Cond::Operand(PathClass::Home),
    Cond::Operand(PathClass::Parent),
    Cond::Operand(PathClass::System),
]);

/// git's credential helpers, which print stored passwords and tokens (`git credential fill`).
const GIT_CREDENTIALS: &[&str] = &[
    "credential",
    "credential-store",
    "credential-cache",
    "credential-cache--daemon",
    "credential-osxkeychain",
    "credential-libsecret",
    "credential-manager",
    "credential-manager-core",
    "credential-gnome-keyring",
    "credential-wincred",
];

const GIT_READ: &[&str] = &[
    "status",
    "log",
    "diff",
    "show",
    "rev-parse",
    "ls-files",
    "blame",
    "describe",
    "shortlog",
    "rev-list",
    "cat-file",
    "ls-tree",
    "whatchanged",
    "reflog",
    "grep",
    "merge-base",
    "name-rev",
    "show-ref",
    "for-each-ref",
    "count-objects",
    "check-ignore",
    "help",
    "version",
    "branch",
];

/// git's options before the subcommand that take the next word as their value (git(1);
/// `--attr-source` was missing here, so `git --attr-source status push --force` read
/// `status` as the subcommand). `--exec-path` and `--list-cmds` only take `=VALUE`.
pub(crate) const GIT_GLOBAL_VALUED: &[&str] = &[
    "-C",
    "-c",
    "--git-dir",
    "--work-tree",
    "--namespace",
    "--super-prefix",
    "--config-env",
    "--attr-source",
];

/// git's other options before the subcommand (git(1)), some only with `=VALUE`.
pub(crate) const GIT_GLOBAL_FLAGS: &[&str] = &[
    "-p",
    "--paginate",
    "-P",
    "--no-pager",
    "--no-replace-objects",
    "--no-lazy-fetch",
    "--no-optional-locks",
    "--no-advice",
    "--bare",
    "--literal-pathspecs",
    "--glob-pathspecs",
    "--noglob-pathspecs",
    "--icase-pathspecs",
    "--exec-path",
    "--html-path",
    "--man-path",
    "--info-path",
    "--list-cmds",
    "-v",
    "--version",
    "-h",
    "--help",
];

/// The command table.
pub(crate) static COMMANDS: &[CommandSpec] = &[
    // ---- destruction -------------------------------------------------------------------
    CommandSpec {
        names: &["rm"],
        base: Medium,
        what: "deletes files",
        rules: &[
            rule(
                &[RECURSIVE, WIPES_SYSTEM],
                Critical,
                "recursive delete of the filesystem root, a home directory, a parent directory or a system directory",
            ),
            rule(
                &[Cond::Operand(PathClass::Root)],
                Critical,
                "deletes at the filesystem root",
            ),
            rule(
                &[Cond::Flag(&["--no-preserve-root"])],
                Critical,
                "disables rm's root protection",
            ),
            rule(
                &[Cond::Operand(PathClass::CriticalSystem)],
                Critical,
                "deletes a file the system or its logins need",
            ),
            rule(
                &[WIPES_SYSTEM],
                High,
                "deletes in a system, home or parent directory",
            ),
            rule(
                &[RECURSIVE, Cond::Operand(PathClass::Secret)],
                High,
                "deletes credentials",
            ),
            rule(
                &[RECURSIVE, Cond::ArgContains(&["*"])],
                High,
                "recursive delete of a glob",
            ),
        ],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["rmdir", "unlink"],
        base: Medium,
        what: "deletes files",
        rules: &[rule(
            &[WIPES_SYSTEM],
            High,
            "deletes in a system, home or parent directory",
        )],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["shred", "wipe", "srm"],
        base: Critical,
        what: "irrecoverably overwrites files",
        rules: &[],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &[
            "mkfs",
            "mkswap",
            "wipefs",
            "fdisk",
            "sfdisk",
            "cfdisk",
            "parted",
            "gdisk",
            "sgdisk",
            "blkdiscard",
            "cryptsetup",
            "mdadm",
            "lvremove",
            "vgremove",
            "pvremove",
            "zpool",
            "diskutil",
        ],
        base: Critical,
        what: "formats or repartitions disks",
        rules: &[],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["dd"],
        base: Medium,
        what: "copies raw data",
        rules: &[
            rule(
                &[Cond::ArgPrefix(&[
                    "of=/dev/sd",
                    "of=/dev/nvme",
                    "of=/dev/hd",
                    "of=/dev/vd",
                    "of=/dev/xvd",
                    "of=/dev/mmcblk",
                    "of=/dev/disk",
                    "of=/dev/mem",
                    "of=/dev/kmem",
                    "of=/dev/mapper",
                    "of=/dev/md",
                    "of=/dev/loop",
                    "of=/dev/dm-",
                ])],
                Critical,
                "writes a raw disk or memory device",
            ),
            rule(
                &[Cond::ArgPrefix(&["of=/"])],
                High,
                "writes an absolute path",
            ),
        ],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["chmod"],
        base: Medium,
        what: "changes permissions",
        rules: &[
            rule(
                &[RECURSIVE, WIPES_SYSTEM],
                Critical,
                "recursive permission change of the root, a home or a system directory",
            ),
            rule(
                &[
                    Cond::Arg(&["777", "0777", "a+rwx", "ugo+rwx"]),
                    Cond::Operand(PathClass::Root),
                ],
                Critical,
                "makes the filesystem world-writable",
            ),
            rule(
                &[Cond::ArgContains(&[
                    "+s", "u+s", "g+s", "4755", "2755", "6755", "4777",
                ])],
                High,
                "sets setuid/setgid",
            ),
            rule(
                &[WIPES_SYSTEM],
                High,
                "changes permissions in a system or home directory",
            ),
            rule(
                &[Cond::Operand(PathClass::Secret)],
                High,
                "changes permissions of credentials",
            ),
        ],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["chown", "chgrp"],
        base: Medium,
        what: "changes ownership",
        rules: &[
            rule(
                &[RECURSIVE, WIPES_SYSTEM],
                Critical,
                "recursive ownership change of the root, a home or a system directory",
            ),
            rule(
                &[WIPES_SYSTEM],
                High,
                "changes ownership in a system or home directory",
            ),
        ],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["truncate"],
        base: Medium,
        what: "truncates files",
        rules: &[],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["cp", "install", "rsync", "touch", "mkdir", "tee"],
        base: Medium,
        what: "creates, copies or moves files",
        rules: &[
            rule(
                &[RECURSIVE, Cond::Operand(PathClass::Root)],
                High,
                "copies the whole filesystem",
            ),
            rule(
                &[Cond::Flag(&["-e", "--rsh", "--rsync-path"])],
                High,
                "runs a custom remote shell program",
            ),
            // `rsync -a --delete empty/ ~/` deletes everything in the destination the source
            // lacks (found by probing, session 7).
            rule(
                &[
                    Cond::Flag(&[
                        "--delete",
                        "--del",
                        "--delete-before",
                        "--delete-during",
                        "--delete-delay",
                        "--delete-after",
                        "--delete-excluded",
                        "--remove-source-files",
                    ]),
                    WIPES_SYSTEM,
                ],
                Critical,
                "deletes what the source lacks from the filesystem root, a home directory, a parent directory or a system directory",
            ),
        ],
        known_flags: None,
        // `rsync a host:b`, `rsync rsync://…`; a local copy names no `:`.
        role: &[
            Role::NetworkWhen(&Cond::ArgContains(&[":"])),
            Role::ReadsTreesWhen {
                when: &Cond::Flag(&["-r", "-R", "-a", "--recursive", "--archive"]),
                skip: 0,
                cwd: false,
            },
        ],
        global_valued: &[],
    },
    // Moving a directory away removes it from where it was, as `rm -r` does.
    CommandSpec {
        names: &["mv"],
        base: Medium,
        what: "moves files",
        rules: &[rule(
            &[Cond::Any(&[
                Cond::SourceOperand(PathClass::Root),
                Cond::SourceOperand(PathClass::Home),
                Cond::SourceOperand(PathClass::Parent),
                Cond::SourceOperand(PathClass::System),
                Cond::SourceOperand(PathClass::CriticalSystem),
            ])],
            Critical,
            "moves away the filesystem root, a home directory, a parent directory or system files",
        )],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    // A link is a second name for its target: a write through `ln -s /etc/passwd out` is a
    // write to `/etc/passwd` that no later path names.
    CommandSpec {
        names: &["ln"],
        base: Medium,
        what: "creates links",
        rules: &[rule(
            &[Cond::Any(&[
                Cond::Operand(PathClass::CriticalSystem),
                Cond::Operand(PathClass::Persistence),
                Cond::Operand(PathClass::Device),
            ])],
            High,
            "links to a system file, a file that runs code later or a device; writes through the link change it",
        )],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    // ---- system state ---------------------------------------------------------------------
    CommandSpec {
        names: &["shutdown", "reboot", "halt", "poweroff", "kexec"],
        base: Critical,
        what: "shuts down or reboots the machine",
        rules: &[],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["init", "telinit"],
        base: High,
        what: "changes the run level",
        rules: &[rule(
            &[Cond::Arg(&["0", "6", "1", "s", "S"])],
            Critical,
            "halts or reboots the machine",
        )],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["systemctl"],
        base: Medium,
        what: "controls system services",
        rules: &[
            rule(
                &[Cond::Sub(&[
                    "poweroff",
                    "reboot",
                    "halt",
                    "kexec",
                    "emergency",
                    "rescue",
                    "suspend",
                    "hibernate",
                    "isolate",
                ])],
                Critical,
                "shuts down, reboots or isolates the system",
            ),
            rule(
                &[Cond::Sub(&[
                    "enable",
                    "link",
                    "edit",
                    "set-property",
                    "preset",
                    "daemon-reload",
                    "add-wants",
                    "add-requires",
                ])],
                High,
                "installs or changes a unit that runs later (persistence)",
            ),
            rule(
                &[Cond::Sub(&[
                    "stop", "disable", "mask", "kill", "restart", "isolate",
                ])],
                High,
                "stops or disables services",
            ),
        ],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["kill"],
        base: Medium,
        what: "sends signals to processes",
        rules: &[
            // `kill -9 -1` signals every process the user can signal.
            rule(
                &[
                    Cond::Arg(&["-1"]),
                    Cond::Any(&[
                        Cond::Flag(&["-9", "-s", "-KILL", "-SIGKILL", "-TERM", "-15", "-n"]),
                        Cond::Arg(&["--"]),
                    ]),
                ],
                Critical,
                "signals every process (pid -1)",
            ),
            rule(
                &[Cond::Arg(&["1", "0"])],
                Critical,
                "signals init or the whole process group",
            ),
        ],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["killall", "pkill", "killall5", "skill"],
        base: High,
        what: "kills processes by name",
        rules: &[],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["crontab"],
        base: High,
        what: "installs scheduled jobs (persistence)",
        rules: &[],
        known_flags: None,
        // `curl … | crontab -` installs what it downloaded.
        role: &[Role::RunsCode],
        global_valued: &[],
    },
    CommandSpec {
        names: &[
            "at",
            "batch",
            "launchctl",
            "schtasks",
            "update-rc.d",
            "chkconfig",
            "rc-update",
        ],
        base: High,
        what: "schedules or registers code to run later (persistence)",
        rules: &[],
        known_flags: None,
        // `at now`, `batch` run the commands they read.
        role: &[Role::RunsCode],
        global_valued: &[],
    },
    CommandSpec {
        names: &[
            "useradd", "userdel", "usermod", "groupadd", "groupdel", "passwd", "chpasswd",
            "visudo", "adduser", "deluser",
        ],
        base: High,
        what: "changes users or credentials",
        rules: &[],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &[
            "mount",
            "umount",
            "swapoff",
            "swapon",
            "sysctl",
            "modprobe",
            "insmod",
            "rmmod",
            "iptables",
            "ip6tables",
            "nft",
            "ufw",
            "setenforce",
        ],
        base: High,
        what: "changes system configuration",
        rules: &[],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["sudo", "doas", "su", "pkexec", "chroot"],
        base: High,
        what: "runs with raised privileges",
        rules: &[],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["setcap"],
        base: High,
        what: "gives a program capabilities (privileges it keeps when anyone runs it)",
        rules: &[],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["enable"],
        base: Medium,
        what: "enables or disables shell builtins",
        rules: &[rule(
            &[Cond::Flag(&["-f"])],
            High,
            "loads a shared object into the shell (`enable -f`), which runs its code",
        )],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    // `set` alone prints every variable; with options it prints nothing.
    CommandSpec {
        names: &["set"],
        base: Low,
        what: "sets shell options or positional parameters",
        rules: &[
            rule(
                &[Cond::NoArgs],
                Medium,
                "prints every shell variable, which may hold secrets",
            ),
            // bash(1): with -k every NAME=value argument is put in the command's environment.
            rule(
                &[Cond::Any(&[Cond::Flag(&["-k"]), Cond::Arg(&["keyword"])])],
                High,
                "makes NAME=value arguments environment assignments (`set -k; ls LD_PRELOAD=…`)",
            ),
            // With history on, `!` in a later line brings back earlier text unquoted (`: '";rm
            // -rf /;: "'` then `echo "!:1"`; found by probing, session 7).
            rule(
                &[Cond::Arg(&["history"])],
                High,
                "turns on history, whose `!` expansion rewrites later lines",
            ),
            // POSIX mode turns alias expansion on, and with `set -a` it exports
            // `POSIXLY_CORRECT`, after which GNU tools read `cat README -n`'s `-n` as a file
            // (found by probing, session 8).
            rule(
                &[Cond::Arg(&["posix"])],
                Medium,
                "turns on POSIX mode: aliases expand, and with `set -a` GNU programs stop reading options after the first operand",
            ),
        ],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["file"],
        base: Low,
        what: "identifies file types",
        rules: &[rule(
            &[Cond::Flag(&["-C", "--compile"])],
            Medium,
            "compiles a magic file, which writes `NAME.mgc`",
        )],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["history"],
        base: Medium,
        what: "reads or clears shell history",
        rules: &[rule(
            &[Cond::Flag(&["-c"])],
            High,
            "clears shell history (hides tracks)",
        )],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    // ---- code execution -------------------------------------------------------------------
    CommandSpec {
        names: &[
            "script",
            "sh",
            "bash",
            "rbash",
            "dash",
            "ash",
            "zsh",
            "ksh",
            "mksh",
            "yash",
            "posh",
            "fish",
            "csh",
            "tcsh",
            "pwsh",
            "powershell",
        ],
        base: Medium,
        what: "runs a shell",
        rules: &[rule(
            &[Cond::Flag(&["-i", "-l", "--login"])],
            Medium,
            "runs the shell's startup files (`~/.bashrc`, `~/.profile`, `/etc/profile`), which the line does not show",
        )],
        known_flags: None,
        role: &[Role::RunsCode],
        global_valued: &[],
    },
    CommandSpec {
        names: &["eval", "source", "."],
        base: High,
        what: "runs shell code that is not on the line",
        rules: &[],
        known_flags: None,
        role: &[Role::RunsCode],
        global_valued: &[],
    },
    CommandSpec {
        names: &[
            "python",
            "python2",
            "python3",
            "pypy",
            "pypy3",
            "perl",
            "ruby",
            "node",
            "nodejs",
            "deno",
            "bun",
            "php",
            "lua",
            "luajit",
            "Rscript",
            "osascript",
            "tclsh",
            "wish",
            "julia",
            "groovy",
            "jshell",
            "irb",
            "ghci",
            "runghc",
            "scala",
            "kotlin",
            "swift",
            "dotnet-script",
        ],
        base: Medium,
        what: "runs an interpreter",
        rules: &[
            rule(
                // php -B/-R/-E run code per line; perl -M'Mod;CODE' and node --import
                // data: URLs run code too (found by probing, session 7).
                &[Cond::Flag(&[
                    "-c",
                    "-e",
                    "-E",
                    "-r",
                    "-p",
                    "--eval",
                    "--print",
                    "-x",
                    "-B",
                    "-R",
                    "-M",
                    "--import",
                    "--require",
                    "--loader",
                    "--experimental-loader",
                ])],
                High,
                "runs inline code",
            ),
            rule(
                &[Cond::Sub(&["eval", "-"])],
                High,
                "runs inline code or code from standard input",
            ),
            rule(
                &[
                    Cond::Flag(&["-m"]),
                    Cond::Arg(&["http.server", "SimpleHTTPServer", "smtpd", "pip"]),
                ],
                High,
                "starts a server or installs packages",
            ),
        ],
        known_flags: None,
        role: &[Role::RunsCode],
        global_valued: &[],
    },
    CommandSpec {
        names: &["awk", "gawk", "mawk", "nawk"],
        base: Low,
        what: "processes text",
        rules: &[rule(
            &[Cond::ArgContains(&[
                // `@` starts gawk's directives: `@include "f.awk"` runs awk code from a file
                // (which may call `system`), `@load` loads a shared library.
                // `ARGV`/`ARGC` assignments make awk read files the line does not name
                // (`ARGV[1]="/etc/sh" "adow"`; found by probing, session 7).
                "system", "|", ">", "getline", "close(", "fflush", "ENVIRON", "PROCINFO", "@",
                // Options are read by `read_only_flags` (`-f FILE` and `--exec` ask).
                "ARGV", "ARGC",
                // gawk's `SYMTAB["ENV" "IRON"]` is `ENVIRON` and `SYMTAB["AR" "GV"]` is
                // `ARGV`, by a name computed at run time; `FUNCTAB` calls functions the same
                // way (found by probing, session 8).
                "SYMTAB", "FUNCTAB",
                // gawk opens `/inet/tcp/0/HOST/PORT` as a socket, also as a data file operand.
                "/inet",
            ])],
            High,
            "awk program can run commands, write files, read files it computes or open network connections",
        )],
        known_flags: None,
        // `curl … | awk '{system($0)}'` runs what it downloaded; `awk 1 /inet/tcp/0/h/80`
        // downloads (gawk).
        role: &[
            Role::RunsCodeWhen(&Cond::ArgContains(&["system", "|"])),
            Role::DownloadsWhen(&Cond::ArgContains(&["/inet"])),
            Role::NetworkWhen(&Cond::ArgContains(&["/inet"])),
        ],
        global_valued: &[],
    },
    CommandSpec {
        names: &["sed", "gsed"],
        base: Low,
        what: "filters text",
        // What the script does (`w`, `r`, `e`, `s///e`) is rated from `crate::sed`'s reading
        // of it; a script it can't read is high.
        rules: &[rule(
            &[Cond::Flag(&["-i", "--in-place"])],
            Medium,
            "edits files in place",
        )],
        known_flags: Some(&[
            "-n",
            "-e",
            "-E",
            "-r",
            "-s",
            "-u",
            "-z",
            "-i",
            "-l",
            "-b",
            "--quiet",
            "--silent",
            "--expression",
            "--regexp-extended",
            "--separate",
            "--unbuffered",
            "--null-data",
            "--zero-terminated",
            "--in-place",
            "--line-length",
            "--posix",
            "--debug",
            "--sandbox",
            "--follow-symlinks",
            "--binary",
            "--help",
            "--version",
        ]),
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &[
            "make", "cmake", "ninja", "gradle", "gradlew", "mvn", "ant", "bazel", "just", "task",
            "rake",
        ],
        base: Medium,
        what: "runs a build (arbitrary project code)",
        rules: &[],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["npx", "pnpx", "bunx", "uvx", "pipx", "dlx"],
        base: Medium,
        what: "downloads and runs a package",
        rules: &[],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &[
            "docker",
            "podman",
            "kubectl",
            "helm",
            "terraform",
            "pulumi",
            "ansible",
            "ansible-playbook",
            "aws",
            "gcloud",
            "az",
            "gh",
            "heroku",
            "vercel",
            "flyctl",
        ],
        base: Medium,
        what: "controls containers, clusters or cloud resources",
        rules: &[
            rule(
                &[Cond::Flag(&["--privileged"])],
                High,
                "runs a privileged container",
            ),
            rule(
                &[Cond::ArgContains(&["/:/", "-v=/:", "/var/run/docker.sock"])],
                High,
                "mounts the host root or the Docker socket",
            ),
            rule(
                &[Cond::Any(&[
                    Cond::Flag(&["--cap-add", "--security-opt", "--device"]),
                    Cond::ArgPrefix(&["--pid=host", "--ipc=host", "--userns=host", "--uts=host"]),
                ])],
                High,
                "weakens the container's isolation from the host",
            ),
            // Commands that print credentials: Kubernetes secrets, cloud tokens, secret
            // stores (each CLI's reference).
            rule(&[PRINTS_CREDENTIALS], High, "prints credentials"),
            rule(
                &[Cond::Sub(&[
                    "destroy", "delete", "rm", "rmi", "prune", "system",
                ])],
                High,
                "destroys resources",
            ),
            rule(
                &[
                    Cond::Flag(&["--force", "-f"]),
                    Cond::Sub(&["apply", "push", "delete"]),
                ],
                High,
                "forces a change",
            ),
        ],
        known_flags: None,
        // What they print is a secret read for the combination rule: `gh auth token | nc …`
        // sends it (found by probing, session 8).
        role: &[Role::Network, Role::SecretWhen(&PRINTS_CREDENTIALS)],
        global_valued: &[],
    },
    // ---- packages ---------------------------------------------------------------------------
    CommandSpec {
        names: &["npm", "pnpm", "yarn"],
        base: Medium,
        what: "runs a JavaScript package manager (installs run lifecycle scripts)",
        rules: &[
            rule(
                &[Cond::Sub(&[
                    "publish",
                    "unpublish",
                    "adduser",
                    "login",
                    "token",
                    "owner",
                ])],
                High,
                "publishes or changes registry credentials",
            ),
            rule(
                &[Cond::Flag(&["-g", "--global"])],
                High,
                "installs globally",
            ),
        ],
        known_flags: None,
        role: &[Role::Network],
        global_valued: &[],
    },
    CommandSpec {
        names: &[
            "pip", "pip2", "pip3", "uv", "poetry", "pipenv", "conda", "mamba", "gem", "bundle",
            "composer", "go", "cargo", "rustup", "dotnet", "nuget", "brew", "port", "apt",
            "apt-get", "aptitude", "dpkg", "yum", "dnf", "zypper", "pacman", "apk", "snap",
            "flatpak", "nix", "nix-env", "emerge",
        ],
        base: Medium,
        what: "runs a package manager or toolchain",
        rules: &[
            rule(
                &[Cond::Sub(&["publish", "upload", "login", "yank", "owner"])],
                High,
                "publishes packages or changes registry credentials",
            ),
            rule(
                &[
                    Cond::Sub(&["remove", "purge", "autoremove", "uninstall", "erase"]),
                    Cond::Flag(&["-y", "--yes", "--assume-yes", "--noconfirm"]),
                ],
                High,
                "removes system packages without asking",
            ),
            rule(
                &[
                    Cond::Flag(&[
                        "--break-system-packages",
                        "--allow-unauthenticated",
                        "--force-yes",
                        "--trusted-host",
                        "--index-url",
                        "--extra-index-url",
                        "-i",
                    ]),
                    Cond::Any(&[Cond::Sub(&["install"]), Cond::Arg(&["install"])]),
                ],
                High,
                "installs from an untrusted source or past safety checks",
            ),
        ],
        known_flags: None,
        role: &[Role::Network],
        global_valued: &[],
    },
    // ---- version control ------------------------------------------------------------------------
    CommandSpec {
        names: &["git"],
        base: Low,
        what: "runs git",
        rules: &[
            rule(
                &[
                    Cond::Not(&Cond::NoOperands),
                    Cond::Not(&Cond::Sub(GIT_READ)),
                ],
                Medium,
                "changes the repository or talks to a remote",
            ),
            // git -c core.pager=…, core.fsmonitor, core.sshCommand, alias.x=!cmd run programs.
            rule(
                &[Cond::Any(&[
                    Cond::Flag(&["-c", "--config-env", "--exec-path"]),
                    Cond::ArgContains(&[
                        "core.pager",
                        "core.fsmonitor",
                        "core.sshcommand",
                        "core.sshCommand",
                        "core.hooksPath",
                        "core.hookspath",
                        "core.editor",
                        "core.gitProxy",
                        "core.askPass",
                        "alias.",
                        "diff.external",
                        "filter.",
                        "credential.helper",
                        "protocol.ext.allow",
                        "uploadpack.packObjectsHook",
                        "sequence.editor",
                        "gpg.program",
                        "pager.",
                    ]),
                ])],
                High,
                "configures a program for git to run (-c, core.pager, core.fsmonitor, core.sshCommand, aliases)",
            ),
            // As flags, so abbreviations count (`git cat-file --textc` runs textconv: git's
            // parse-options accepts any unambiguous prefix; found by probing, session 7).
            rule(
                &[Cond::Any(&[
                    Cond::ArgPrefix(&["--exec=", "ext::"]),
                    Cond::Flag(&[
                        "--upload-pack",
                        "--receive-pack",
                        "--ext-diff",
                        "--filters",
                        "--textconv",
                        "--open-files-in-pager",
                        "--output",
                    ]),
                ])],
                High,
                "makes git run a program or write a file (--upload-pack, --ext-diff, --output, ext::)",
            ),
            // `-u` is `--upload-pack` for these; elsewhere it is `--set-upstream` (push,
            // branch), `--update` (add) or `--untracked-files` (status).
            rule(
                &[Cond::Sub(&["clone", "ls-remote"]), Cond::ArgPrefix(&["-u"])],
                High,
                "makes git run the upload-pack program it is given (-u)",
            ),
            // `git grep -O<pager>` is `--open-files-in-pager=<pager>`.
            rule(
                &[Cond::Sub(&["grep"]), Cond::Flag(&["-O"])],
                High,
                "makes git grep run the pager it is given (-O)",
            ),
            rule(
                &[
                    Cond::Sub(&["push"]),
                    Cond::Any(&[
                        Cond::Flag(&[
                            "-f",
                            "--force",
                            "--force-with-lease",
                            "--mirror",
                            "--delete",
                            "-d",
                            "--prune",
                        ]),
                        Cond::ArgPrefix(&["+", ":"]),
                    ]),
                ],
                High,
                "force-pushes or deletes remote history",
            ),
            rule(
                &[
                    Cond::Sub(&["reset"]),
                    Cond::Flag(&["--hard", "--merge", "--keep"]),
                ],
                High,
                "discards uncommitted work (reset --hard)",
            ),
            rule(
                &[Cond::Sub(&["clean"]), Cond::Flag(&["-f", "--force"])],
                High,
                "deletes untracked files (clean -f)",
            ),
            rule(
                &[
                    Cond::Sub(&["checkout", "restore"]),
                    Cond::Any(&[
                        Cond::Arg(&["--", ".", ":/"]),
                        Cond::Flag(&["-f", "--force", "--worktree"]),
                    ]),
                ],
                High,
                "discards working-tree changes",
            ),
            rule(
                &[
                    Cond::Sub(&["branch"]),
                    Cond::Flag(&["-D", "--delete", "-d", "--force", "-f", "-M", "-C"]),
                ],
                High,
                "deletes or force-moves branches",
            ),
            // `git branch NAME [START]`, `-m`, `-c`, `-u`, `--edit-description` change refs or
            // configuration; listing takes patterns only with `--list` and its friends.
            rule(
                &[
                    Cond::Sub(&["branch"]),
                    Cond::Any(&[
                        Cond::Flag(&[
                            "-m",
                            "--move",
                            "-c",
                            "--copy",
                            "-u",
                            "--set-upstream-to",
                            "--unset-upstream",
                            "--edit-description",
                            "-t",
                            "--track",
                            "--no-track",
                            "--create-reflog",
                            "--recurse-submodules",
                        ]),
                        Cond::All(&[
                            Cond::OperandsOver(1),
                            Cond::Not(&Cond::Flag(&[
                                "-l",
                                "--list",
                                "-a",
                                "--all",
                                "-r",
                                "--remotes",
                                "--contains",
                                "--no-contains",
                                "--merged",
                                "--no-merged",
                                // Not `--sort`, `--format`, `--column`, `-v`: with a name they
                                // create the branch (git 2.47; found by probing, session 7).
                                "--points-at",
                            ])),
                        ]),
                    ]),
                ],
                Medium,
                "creates, renames, copies or re-points a branch",
            ),
            rule(
                &[Cond::Sub(GIT_CREDENTIALS)],
                High,
                "reads or changes stored credentials",
            ),
            rule(
                &[Cond::Sub(&["help"]), Cond::Flag(&["-w", "--web"])],
                Medium,
                "opens a web browser (web.browser may name any program)",
            ),
            rule(
                &[Cond::Sub(&["stash"]), Cond::Arg(&["drop", "clear"])],
                High,
                "drops stashed work",
            ),
            rule(
                &[
                    Cond::Sub(&[
                        "filter-branch",
                        "filter-repo",
                        "update-ref",
                        "replace",
                        "gc",
                        "prune",
                        "reflog",
                    ]),
                    Cond::Any(&[
                        // `git reflog drop` / `write` (newer git) delete or forge reflogs.
                        Cond::Arg(&[
                            "expire",
                            "delete",
                            "drop",
                            "write",
                            "--prune=now",
                            "--aggressive",
                            "-d",
                        ]),
                        Cond::Sub(&["filter-branch", "filter-repo", "update-ref", "replace"]),
                    ]),
                ],
                High,
                "rewrites or destroys history",
            ),
            rule(
                &[
                    Cond::Sub(&["config"]),
                    Cond::Not(&Cond::Flag(&[
                        "--get",
                        "--list",
                        "-l",
                        "--get-all",
                        "--get-regexp",
                    ])),
                ],
                Medium,
                "changes git configuration",
            ),
            rule(
                &[Cond::Sub(&["submodule"]), Cond::Arg(&["foreach"])],
                High,
                "runs a command in every submodule",
            ),
        ],
        known_flags: None,
        role: &[
            // `git grep --no-index` searches the working directory's files; `git diff` of two
            // paths outside a repository compares them in full, directories included (found
            // by probing, session 7).
            Role::ReadsTreesWhen {
                when: &Cond::All(&[
                    Cond::Sub(&["grep"]),
                    Cond::Flag(&["--no-index", "--untracked"]),
                ]),
                skip: 2,
                cwd: true,
            },
            Role::ReadsTreesWhen {
                when: &Cond::Sub(&["diff"]),
                skip: 1,
                cwd: false,
            },
            Role::SecretWhen(&Cond::Sub(GIT_CREDENTIALS)),
            Role::NetworkWhen(&Cond::Sub(&[
                "push",
                "fetch",
                "pull",
                "clone",
                "ls-remote",
                "remote",
                "submodule",
                "archive",
                "send-email",
                "send-pack",
                "fetch-pack",
                "http-fetch",
                "http-push",
                "svn",
                "p4",
                "lfs",
                "imap-send",
            ])),
        ],
        global_valued: GIT_GLOBAL_VALUED,
    },
    // ---- network ------------------------------------------------------------------------------
    CommandSpec {
        names: &[
            "curl",
            "wget",
            "fetch",
            "aria2c",
            "http",
            "https",
            "xh",
            "httpie",
            "lwp-download",
            "axel",
        ],
        base: Medium,
        what: "transfers data over the network",
        rules: &[
            rule(
                &[Cond::Any(&[Cond::Flag(&[
                    "-d",
                    "-F",
                    "-T",
                    "--data",
                    "--data-binary",
                    "--data-raw",
                    "--data-urlencode",
                    "--form",
                    "--upload-file",
                    "--post-file",
                    "--post-data",
                    "--body-file",
                ])])],
                Medium,
                "sends data",
            ),
            rule(
                &[Cond::Flag(&["-k", "--insecure", "--no-check-certificate"])],
                Medium,
                "skips TLS verification",
            ),
        ],
        known_flags: None,
        role: &[Role::Downloads, Role::Network],
        global_valued: &[],
    },
    CommandSpec {
        names: &[
            "nc",
            "ncat",
            "netcat",
            "socat",
            "telnet",
            "ftp",
            "tftp",
            "sftp",
            "scp",
            "ssh",
            "mosh",
            "rclone",
            "smbclient",
            "openssl",
            "websocat",
        ],
        base: Medium,
        what: "talks to another host",
        rules: &[
            rule(
                &[Cond::Flag(&[
                    "-e",
                    "-c",
                    "--exec",
                    "--sh-exec",
                    "--lua-exec",
                ])],
                Critical,
                "binds a shell to a network connection",
            ),
            rule(
                &[Cond::Any(&[Cond::ArgContains(&[
                    "ProxyCommand",
                    "LocalCommand",
                    "PermitLocalCommand",
                    "EXEC:",
                    "exec:",
                    "system:",
                    "SYSTEM:",
                ])])],
                High,
                "runs a local command",
            ),
            rule(
                &[Cond::Flag(&["-l", "--listen", "-R", "-D"])],
                High,
                "listens for or forwards connections",
            ),
        ],
        known_flags: None,
        role: &[
            Role::Network,
            // `scp -r DIR host:`, `sftp`'s `put -r` is in its batch file.
            Role::ReadsTreesWhen {
                when: &Cond::Flag(&["-r"]),
                skip: 0,
                cwd: false,
            },
        ],
        global_valued: &[],
    },
    // ---- secrets ---------------------------------------------------------------------------------
    // `env` without a command (the wrapper found none) prints the environment, whatever its
    // options and assignments: `env -u X` too (found by probing, session 8).
    CommandSpec {
        names: &["env"],
        base: Low,
        what: "prints the environment",
        rules: &[rule(
            &[Cond::Not(&Cond::Flag(&["--help", "--version"]))],
            Medium,
            "prints the environment, which may hold secrets",
        )],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["printenv", "export", "declare", "typeset"],
        base: Low,
        what: "shows or sets shell variables",
        rules: &[rule(
            &[Cond::NoOperands],
            Medium,
            "prints the environment, which may hold secrets",
        )],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &[
            "security",
            "keyctl",
            "secret-tool",
            "pass",
            "gpg",
            "gpg2",
            "ssh-add",
            "ssh-keygen",
            "vault",
            "op",
            "bw",
        ],
        base: High,
        what: "accesses a keychain, keys or a secret store",
        rules: &[],
        known_flags: None,
        // `gpg --export-secret-keys | nc …`, `security find-generic-password -w | curl …`.
        role: &[Role::SecretWhen(&ALWAYS)],
        global_valued: &[],
    },
    // ---- read-only (flag-exact) -------------------------------------------------------------------
    CommandSpec {
        names: &["ls", "dir", "vdir"],
        base: Low,
        what: "lists files",
        rules: &[],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["grep", "egrep", "fgrep"],
        base: Low,
        what: "searches text",
        rules: &[],
        known_flags: None,
        role: &[Role::ReadsTreesWhen {
            when: &Cond::Any(&[
                Cond::Flag(&["-r", "-R", "--recursive", "--dereference-recursive"]),
                // grep takes any unambiguous abbreviation of the value: `-d rec`,
                // `--directories=recu` (found by probing, session 8).
                Cond::Arg(&["rec", "recu", "recur", "recurs", "recurse"]),
                Cond::ArgContains(&["=rec"]),
            ]),
            skip: 1,
            cwd: true,
        }],
        global_valued: &[],
    },
    CommandSpec {
        names: &["rg"],
        base: Low,
        what: "searches text",
        rules: &[rule(
            &[Cond::Flag(&["--pre", "--pre-glob", "-z", "--search-zip"])],
            High,
            "runs a preprocessor or decompressor program (rg --pre)",
        )],
        known_flags: None,
        role: &[Role::ReadsTreesWhen {
            when: &ALWAYS,
            skip: 1,
            cwd: true,
        }],
        global_valued: &[],
    },
    CommandSpec {
        names: &["find"],
        base: Low,
        what: "finds files",
        rules: &[
            rule(&[Cond::Arg(&["-delete"])], High, "deletes what it finds"),
            rule(
                &[Cond::Arg(&["-exec", "-execdir", "-ok", "-okdir"])],
                Medium,
                "runs a command per file",
            ),
            rule(
                &[Cond::Arg(&["-fprint", "-fprint0", "-fprintf", "-fls"])],
                Medium,
                "writes a file",
            ),
            rule(
                &[Cond::Arg(&["-delete"]), WIPES_SYSTEM],
                Critical,
                "deletes everything under the root, a home or a system directory",
            ),
            rule(
                &[
                    Cond::Arg(&["-exec", "-execdir", "-ok", "-okdir"]),
                    Cond::Arg(&[
                        "rm",
                        "/bin/rm",
                        "/usr/bin/rm",
                        "shred",
                        "unlink",
                        "rmdir",
                        "truncate",
                    ]),
                    WIPES_SYSTEM,
                ],
                Critical,
                "deletes what it finds under the root, a home or a system directory",
            ),
        ],
        known_flags: None,
        // The command `-exec` runs gets every file found.
        role: &[Role::ReadsTreesWhen {
            when: &Cond::Arg(&["-exec", "-execdir", "-ok", "-okdir"]),
            skip: 0,
            cwd: true,
        }],
        global_valued: &[],
    },
    CommandSpec {
        names: &["sort"],
        base: Low,
        what: "sorts text",
        rules: &[
            rule(
                &[Cond::Flag(&["--compress-program"])],
                High,
                "runs a compression program (sort --compress-program)",
            ),
            rule(&[Cond::Flag(&["-o", "--output"])], Medium, "writes a file"),
        ],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &[
            "cat",
            "tac",
            "head",
            "tail",
            "wc",
            "nl",
            "cut",
            "tr",
            "uniq",
            "rev",
            "fold",
            "fmt",
            "column",
            "paste",
            "expand",
            "unexpand",
            "comm",
            "join",
            "od",
            "hexdump",
            "base64",
            "base32",
            "md5sum",
            "sha1sum",
            "sha256sum",
            "sha512sum",
            "cksum",
            "b2sum",
            "stat",
            "du",
            "df",
            "cmp",
            "more",
            "jq",
            "zcat",
        ],
        base: Low,
        what: "reads files",
        rules: &[rule(
            &[Cond::Flag(&["-f", "--follow", "-F"]), Cond::Arg(&["--pid"])],
            Low,
            "follows a file",
        )],
        known_flags: None,
        // `zcat -r DIR` reads a whole tree, as `cat` of every file.
        role: &[Role::ReadsTreesWhen {
            when: &Cond::Flag(&["-r", "-R", "--recursive"]),
            skip: 0,
            cwd: false,
        }],
        global_valued: &[],
    },
    // binutils `strings @FILE` reads its arguments from FILE (libiberty's response files,
    // `--` or not): the files named inside FILE are read, and the line never shows them
    // (`printf '/etc/sh%sdow' a > o; strings @o`; found by probing, session 8).
    CommandSpec {
        names: &["strings"],
        base: Low,
        what: "reads files",
        rules: &[rule(
            &[Cond::ArgPrefix(&["@"])],
            High,
            "reads the files a response file (`@FILE`) names, which the line does not show",
        )],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["diff"],
        base: Low,
        what: "compares files",
        rules: &[],
        known_flags: None,
        // Without `-r` too: `diff -N DIR1 DIR2` prints every file at the top of DIR1.
        role: &[Role::ReadsTreesWhen {
            when: &ALWAYS,
            skip: 0,
            cwd: false,
        }],
        global_valued: &[],
    },
    CommandSpec {
        names: &[
            "echo",
            "printf",
            "true",
            "false",
            "pwd",
            "cd",
            "pushd",
            "popd",
            "dirs",
            "test",
            "[",
            "basename",
            "dirname",
            "realpath",
            "readlink",
            "seq",
            "sleep",
            "cal",
            "whoami",
            "id",
            "groups",
            "uname",
            "uptime",
            "nproc",
            "arch",
            "tty",
            "which",
            "type",
            "command",
            "locale",
            "yes",
            "expr",
            "tput",
            "clear",
            "exit",
            "return",
            "shift",
            "read",
            "wait",
            "jobs",
            "umask",
            "alias",
            "unalias",
            "unset",
            "local",
            "let",
            ":",
            "getconf",
            "ps",
            "pgrep",
            "top",
            "free",
            "vmstat",
            "lsof",
            "lsblk",
            "w",
            "who",
            "last",
            "help",
            "apropos",
            "whatis",
            "trap",
            "mapfile",
            "readarray",
            "getopts",
        ],
        base: Low,
        what: "prints information",
        rules: &[],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    // tldr clients download pages (tealdeer's `--update`, the Python and Node clients on a
    // cache miss): the network (flag audit, session 7).
    CommandSpec {
        names: &["tldr"],
        base: Medium,
        what: "shows tldr pages, which it may download",
        rules: &[],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    // `shopt -o` sets the options `set -o` sets: `keyword` makes `NAME=value` arguments
    // environment assignments, as `set -k` does (found by probing, session 7).
    CommandSpec {
        names: &["shopt"],
        base: Low,
        what: "sets shell options",
        rules: &[
            rule(
                &[Cond::Flag(&["-o"]), Cond::Arg(&["keyword"])],
                High,
                "makes NAME=value arguments environment assignments (`shopt -os keyword; ls LD_PRELOAD=…`)",
            ),
            // The analysis parses with extglob off, as `bash -c` starts; turned on, a later
            // `!(…)` is a pattern whose matches can run, not a subshell.
            rule(
                &[Cond::Flag(&["-s"]), Cond::Arg(&["extglob"])],
                High,
                "turns on extglob, which changes how later lines parse",
            ),
        ],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    // The rule this group had for `date -s` never fired: it also wanted an argument `date`.
    CommandSpec {
        names: &["date"],
        base: Low,
        what: "prints the date",
        rules: &[rule(
            &[Cond::Flag(&["-s", "--set"])],
            High,
            "sets the system clock",
        )],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["hostname"],
        base: Low,
        what: "prints the host name",
        rules: &[rule(
            &[Cond::Any(&[
                Cond::Not(&Cond::NoOperands),
                Cond::Flag(&["-F", "--file", "-b", "--boot"]),
            ])],
            High,
            "sets the host name",
        )],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    // GTFOBins: `man -P 'sh -c …'` runs the pager it is given; `-H`/`--html` a browser,
    // `-p`/`--preprocessor` preprocessors, `-X` a viewer.
    CommandSpec {
        names: &["man"],
        base: Low,
        what: "shows manual pages",
        rules: &[rule(
            &[Cond::Flag(&[
                "-P",
                "--pager",
                "-H",
                "--html",
                "-p",
                "--preprocessor",
                "-X",
                "--gxditview",
                "-t",
                "--troff",
                "-T",
                "--troff-device",
                "-Z",
                "--ditroff",
            ])],
            High,
            "runs a program it is given (pager, browser, preprocessor, viewer)",
        )],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    // GTFOBins: less runs the commands given with `+` at start, and `!cmd` among them runs a
    // shell command; `-k`/`--lesskey-file` can bind keys to shell commands.
    CommandSpec {
        names: &["less", "zless"],
        base: Low,
        what: "shows files",
        rules: &[
            rule(
                &[Cond::Any(&[
                    Cond::ArgPrefix(&["+", "-+"]),
                    Cond::Flag(&["-k", "--lesskey-file", "--lesskey-src", "--lesskey-content"]),
                ])],
                High,
                "runs less commands given on the command line (which can run shell commands)",
            ),
            rule(
                &[Cond::Flag(&["-o", "-O", "--log-file", "--LOG-FILE"])],
                Medium,
                "copies its input to a log file",
            ),
        ],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["hash"],
        base: Low,
        what: "shows remembered command locations",
        rules: &[rule(
            &[Cond::Flag(&["-p"])],
            High,
            "makes a command name run another program (hash -p PATH NAME)",
        )],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    // texinfo 6.8 decompresses an info file with `sh -c "gzip -d < NAME"`, NAME unquoted,
    // and looks for files in the current directory: a file the repository ships, or a `dir`
    // entry, runs commands (flag audit and probing, session 7).
    CommandSpec {
        names: &["info"],
        base: Medium,
        what: "shows info documents, which it may decompress through a shell",
        rules: &[rule(
            &[Cond::Flag(&["-o", "--output", "--dribble"])],
            Medium,
            "writes a file",
        )],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["yq"],
        base: Low,
        what: "queries YAML",
        rules: &[
            rule(
                &[Cond::Flag(&["-i", "--inplace"])],
                Medium,
                "rewrites the file in place",
            ),
            rule(
                &[Cond::Flag(&["-s", "--split-exp"])],
                Medium,
                "writes a file per document, named by an expression",
            ),
        ],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["bat"],
        base: Low,
        what: "shows files",
        rules: &[rule(
            &[Cond::Flag(&["--pager"])],
            High,
            "runs the pager it is given",
        )],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    // `xxd [infile [outfile]]` writes its second operand: rated as a write (`writer`), and
    // refused as an operand by `read_only_flags`.
    CommandSpec {
        names: &["xxd"],
        base: Low,
        what: "dumps files in hex",
        rules: &[],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &["tree"],
        base: Low,
        what: "lists directories",
        rules: &[rule(&[Cond::Flag(&["-o"])], Medium, "writes a file")],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &[
            "vi", "vim", "nvim", "view", "ex", "emacs", "nano", "ed", "code",
        ],
        base: Medium,
        what: "opens an editor",
        rules: &[rule(
            &[Cond::Any(&[
                Cond::Flag(&["-c", "--cmd", "-S", "--eval", "-x"]),
                Cond::ArgPrefix(&["+"]),
            ])],
            High,
            "runs editor commands (which can run shell commands)",
        )],
        known_flags: None,
        role: &[],
        global_valued: &[],
    },
    CommandSpec {
        names: &[
            "tar", "zip", "unzip", "7z", "gzip", "gunzip", "xz", "bzip2", "zstd", "cpio",
        ],
        base: Medium,
        what: "packs or unpacks archives",
        rules: &[rule(
            &[Cond::Any(&[
                // As flags, so abbreviations count (`tar --to-c=CMD`, `--use=CMD`; found by
                // probing, session 9).
                Cond::Flag(&[
                    "--checkpoint-action",
                    "--to-command",
                    "--use-compress-program",
                    "--rsh-command",
                    "--rmt-command",
                    "--info-script",
                    "--new-volume-script",
                    "--unzip-command",
                    "-I",
                    "-F",
                ]),
                Cond::ArgContains(&["-TT"]),
            ])],
            High,
            "runs a program (tar --checkpoint-action=exec, --to-command, -I)",
        )],
        known_flags: None,
        // Packing a directory reads every file under it.
        role: &[Role::ReadsTreesWhen {
            when: &ALWAYS,
            skip: 0,
            cwd: false,
        }],
        global_valued: &[],
    },
];

/// Commands whose known flags are not enforced (any flag is read-only). Kept separate so the
/// table above says plainly which entries are flag-exact.
#[cfg(test)]
pub(crate) fn flag_free() -> Vec<&'static str> {
    COMMANDS
        .iter()
        .filter(|c| c.base == Low && c.known_flags.is_none())
        .flat_map(|c| c.names.iter().copied())
        .filter(|name| crate::read_only_flags::read_only(name).is_none())
        .collect()
}

static BY_NAME: LazyLock<crate::name_map::NameMap<&'static str, &'static CommandSpec>> =
    LazyLock::new(|| {
        let mut map = crate::name_map::NameMap::default();
        for spec in COMMANDS {
            for name in spec.names {
                map.entry(*name).or_insert(spec);
            }
        }
        map
    });

/// The entry for a command name (by basename), folding versioned names (`python3.12`,
/// `pip3.11`, `mkfs.ext4`).
pub(crate) fn lookup(name: &str) -> Option<&'static CommandSpec> {
    if let Some(spec) = BY_NAME.get(name) {
        return Some(spec);
    }
    let folded = if name.starts_with("mkfs") {
        "mkfs"
    } else {
        ["python", "pip", "ruby", "perl", "php", "node", "lua"]
            .into_iter()
            .find(|b| {
                name.strip_prefix(*b)
                    .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '.'))
            })?
    };
    BY_NAME.get(folded).copied()
}

/// Options that make a command work in another directory, so its relative paths name files
/// there (`git -C /etc diff --no-index shadow x` reads `/etc/shadow`), and whether they
/// only count before the first operand (git's global options; `git log -C` detects copies).
pub(crate) fn directory_options(name: &str) -> Option<(&'static [&'static str], bool)> {
    match name {
        "git" => Some((&["-C"], true)),
        "tar" | "bsdtar" | "gtar" => Some((&["-C", "--directory"], false)),
        "make" | "gmake" => Some((&["-C", "--directory"], false)),
        "go" | "ninja" => Some((&["-C"], true)),
        _ => None,
    }
}

/// How a writer command names the files it writes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Writes {
    AllOperands,
    LastOperand,
    /// Into the last operand when it is a directory: `DEST/NAME` for each source's file name
    /// (`cp passwd /etc` writes `/etc/passwd`). Rated whether or not it is one, which only
    /// over-approximates.
    IntoLastOperand,
    /// The second operand (`xxd IN OUT`, `uniq IN OUT`), skipping the values of these
    /// options given as the next word (`xxd -l 64 IN OUT`).
    SecondOperand(&'static [&'static str]),
    KeyValue(&'static str),
    /// The values of these options: a short option (`-o FILE`, `-oFILE`, last in a group
    /// `-sSLo FILE`) and long ones (`--output FILE`, `--output=FILE`).
    OptionValues(char, &'static [&'static str]),
    /// The words after these single-dash long options (`find -fprint FILE`).
    AfterArg(&'static [&'static str]),
    /// Into the directory these options name, as [`Writes::OptionValues`] does: the
    /// operands' file names there (`cp -t /etc passwd`), or a file of a name only known at
    /// run time (`wget -P DIR`, `tar -x -C DIR`, `unzip -d DIR`).
    IntoDirectory(char, &'static [&'static str]),
    /// With any of these flags, the operands after the first (`yq -i EXPR FILE…`).
    InPlace(&'static [&'static str]),
}

/// The files a command writes, for commands that write by design or through an option
/// (sources: each program's manual; BSD/macOS `base64 -o`).
pub(crate) fn writer(name: &str) -> &'static [Writes] {
    use Writes::*;
    match name {
        "tee" | "touch" | "truncate" | "mkdir" | "shred" => &[AllOperands],
        // Found by probing, session 9 (`iconv -o ~/.bashrc` was medium).
        "mktemp" | "mkfifo" | "mknod" => &[AllOperands],
        "iconv" | "shuf" | "zstd" | "unzstd" | "lz4" => &[OptionValues('o', &["--output"])],
        "csplit" => &[OptionValues('f', &["--prefix"])],
        "openssl" => &[AfterArg(&["-out", "-keyout"])],
        "cp" | "mv" | "install" | "ln" => &[
            LastOperand,
            IntoLastOperand,
            IntoDirectory('t', &["--target-directory"]),
        ],
        // rsync's `-t` keeps times and scp's is its internal sink mode: no target option.
        "rsync" | "scp" => &[LastOperand, IntoLastOperand],
        "dd" => &[KeyValue("of=")],
        "curl" => &[
            OptionValues('o', &["--output"]),
            OptionValues('c', &["--cookie-jar"]),
            OptionValues('D', &["--dump-header"]),
            IntoDirectory('\0', &["--output-dir"]),
        ],
        // wget: `-O FILE` is the download, `-o`/`-a FILE` its log, `-P DIR` where it saves.
        "wget" => &[
            OptionValues('O', &["--output-document"]),
            OptionValues('o', &["--output-file"]),
            OptionValues('a', &["--append-output"]),
            IntoDirectory('P', &["--directory-prefix"]),
        ],
        "sort" => &[OptionValues('o', &["--output"])],
        "tree" => &[OptionValues('o', &[])],
        "less" => &[
            OptionValues('o', &["--log-file"]),
            OptionValues('O', &["--LOG-FILE"]),
        ],
        "info" => &[OptionValues('o', &["--output"])],
        "base64" | "base32" => &[OptionValues('o', &["--output"])],
        "xxd" => &[SecondOperand(&[
            "-l",
            "-c",
            "-g",
            "-n",
            "-o",
            "-s",
            "-R",
            "-len",
            "-cols",
            "-groupsize",
            "-name",
            "-offset",
            "-seek",
        ])],
        "uniq" => &[SecondOperand(&[
            "-f",
            "-s",
            "-w",
            "--skip-fields",
            "--skip-chars",
            "--check-chars",
        ])],
        "find" => &[AfterArg(&["-fprint", "-fprint0", "-fprintf", "-fls"])],
        "history" => &[OptionValues('w', &[]), OptionValues('a', &[])],
        "yq" => &[InPlace(&["-i", "--inplace", "--in-place"])],
        "tar" | "bsdtar" | "gtar" => &[IntoDirectory('C', &["--directory"])],
        // `git diff --output=F`, `git format-patch -o DIR` (found by probing, session 9).
        "git" => &[OptionValues('\0', &["--output", "--output-directory"])],
        "unzip" => &[IntoDirectory('d', &[])],
        _ => &[],
    }
}

/// Environment variables whose value makes programs run code or load libraries.
/// Sources: ld.so(8), bash(1) (`BASH_ENV`, `ENV`, `PROMPT_COMMAND`, `PS0`–`PS4`,
/// `BASH_ALIASES`, `BASH_CMDS`, `EXECIGNORE`), git(1) (`GIT_SSH_COMMAND`, `GIT_PAGER`,
/// `GIT_EXTERNAL_DIFF`, `GIT_CONFIG_*`, `GIT_TEMPLATE_DIR`), node (`NODE_OPTIONS=--require`),
/// less(1), man(1), tar(1) (`TAR_OPTIONS`), rsync(1), cargo (`CARGO_TARGET_*_RUNNER`,
/// `RUSTFLAGS`), kubectl (`KUBECONFIG` exec plugins), the AWS CLI (`credential_process`),
/// Lua (`LUA_INIT`), PHP (`PHPRC`), glibc (`GCONV_PATH`), the JVM (`JAVA_TOOL_OPTIONS`).
pub(crate) fn dangerous_variable(name: &str) -> Option<&'static str> {
    const EXACT: &[(&str, &str)] = &[
        ("LD_PRELOAD", "loads a library into every program"),
        ("LD_LIBRARY_PATH", "changes which libraries programs load"),
        ("LD_AUDIT", "loads a library into every program"),
        ("BASH_ENV", "makes bash run a file first"),
        ("ENV", "makes sh run a file first"),
        ("PROMPT_COMMAND", "runs a command at every prompt"),
        (
            "BASH_ALIASES",
            "defines aliases, which run in place of commands",
        ),
        ("BASH_CMDS", "maps command names to other programs"),
        ("EXECIGNORE", "changes which programs run"),
        (
            "CDPATH",
            "makes `cd` go to directories the line does not name",
        ),
        ("OLDPWD", "sets where `cd -` goes"),
        // `DIRSTACK[1]=~/.ssh; popd; cat *` (found by probing, session 9).
        ("DIRSTACK", "sets where `popd` and `cd ~N` go"),
        // Setting it turns on dotglob: `(( GLOBIGNORE=1 )); cat *` reads `.env` (found by
        // probing, session 9).
        (
            "GLOBIGNORE",
            "turns on dotglob, so `*` also names hidden files such as `.env`",
        ),
        ("RUSTDOC", "names a program cargo runs"),
        // screen(1) runs the commands of its startup file (`screen -c FILE` is high).
        (
            "SCREENRC",
            "names a startup file whose commands screen runs",
        ),
        (
            "SYSSCREENRC",
            "names a startup file whose commands screen runs",
        ),
        ("ZDOTDIR", "makes zsh run startup files from a directory"),
        ("GIT_TEMPLATE_DIR", "makes git copy hooks from a directory"),
        ("PERLLIB", "changes which Perl modules load"),
        ("PERL5DB", "passes code to perl's debugger"),
        ("RUBYLIB", "changes which Ruby libraries load"),
        ("NODE_PATH", "changes which node modules load"),
        ("LUA_INIT", "runs Lua code at start"),
        (
            "PHPRC",
            "points PHP at a configuration that can prepend code",
        ),
        (
            "PHP_INI_SCAN_DIR",
            "points PHP at a configuration that can prepend code",
        ),
        (
            "RUSTFLAGS",
            "passes options to rustc, such as a linker to run",
        ),
        (
            "RUSTDOCFLAGS",
            "passes options to rustdoc, such as a linker to run",
        ),
        (
            "KUBECONFIG",
            "points kubectl at a configuration that can run credential plugins",
        ),
        (
            "AWS_CONFIG_FILE",
            "points the AWS CLI at a configuration that can run credential processes",
        ),
        (
            "TAR_OPTIONS",
            "passes options to tar, such as commands to run",
        ),
        ("RSYNC_RSH", "names a program to run"),
        ("RSYNC_CONNECT_PROG", "names a program to run"),
        ("CVS_RSH", "names a program to run"),
        ("SVN_SSH", "names a program to run"),
        ("SUDO_EDITOR", "names a program to run"),
        (
            "PS0",
            "is expanded, running any `$(…)` in it, before each command",
        ),
        (
            "PS1",
            "is expanded, running any `$(…)` in it, at every prompt",
        ),
        (
            "PS2",
            "is expanded, running any `$(…)` in it, at every prompt",
        ),
        (
            "PS3",
            "is expanded, running any `$(…)` in it, at every prompt",
        ),
        (
            "PS4",
            "is expanded, running any `$(…)` in it, for every traced command",
        ),
        ("PATH", "changes which programs run"),
        ("IFS", "changes how the shell splits words"),
        ("SHELLOPTS", "changes shell options"),
        ("BASHOPTS", "changes shell options"),
        ("PAGER", "names a program to run"),
        ("MANPAGER", "names a program to run"),
        ("EDITOR", "names a program to run"),
        ("VISUAL", "names a program to run"),
        ("GIT_PAGER", "names a program for git to run"),
        ("GIT_EDITOR", "names a program for git to run"),
        ("GIT_SSH", "names a program for git to run"),
        ("GIT_SSH_COMMAND", "names a command for git to run"),
        ("GIT_EXTERNAL_DIFF", "names a program for git to run"),
        ("GIT_ASKPASS", "names a program for git to run"),
        ("GIT_PROXY_COMMAND", "names a command for git to run"),
        ("GIT_DIR", "points git at another repository"),
        ("GIT_EXEC_PATH", "changes which git programs run"),
        ("NODE_OPTIONS", "can make node load code"),
        ("PYTHONPATH", "changes which Python modules load"),
        ("PYTHONSTARTUP", "runs a Python file"),
        ("PERL5OPT", "passes options (and code) to perl"),
        ("PERL5LIB", "changes which Perl modules load"),
        ("RUBYOPT", "passes options to ruby"),
        ("LESSOPEN", "makes less run a program"),
        ("LESSCLOSE", "makes less run a program"),
        (
            "LESS",
            "passes options to less, including commands it runs at start",
        ),
        // On macOS and FreeBSD `more` is less, which reads its options (`-p!cmd`) from
        // `MORE` (found by probing, session 8).
        (
            "MORE",
            "passes options to more (less on macOS and FreeBSD), including commands it runs",
        ),
        // A host that sets `LESSSECURE=1` as a defence loses it when a line unsets it.
        (
            "LESSSECURE",
            "turns off less's secure mode (shell commands, editors, log files)",
        ),
        ("LESSKEY", "binds less keys, possibly to shell commands"),
        // Build and test tools' own (found by probing, session 8): `MAKEFILES=/tmp/evil.mk
        // make test` runs the extra makefile's recipes, `MAKEFLAGS=--eval=…` code, pytest
        // imports the plugins these name, builds run the compilers they name.
        (
            "MAKEFILES",
            "makes make read more makefiles, whose recipes run commands",
        ),
        ("MAKEFLAGS", "passes options to make, such as `--eval` code"),
        (
            "GNUMAKEFLAGS",
            "passes options to make, such as `--eval` code",
        ),
        (
            "PYTEST_ADDOPTS",
            "passes options to pytest, such as plugins to import",
        ),
        ("PYTEST_PLUGINS", "makes pytest import modules"),
        ("CC", "names the C compiler builds run"),
        ("CXX", "names the C++ compiler builds run"),
        ("GOFLAGS", "passes options to go, such as `-toolexec`"),
        ("GOPROXY", "changes where go downloads modules from"),
        ("LESSKEYIN", "binds less keys, possibly to shell commands"),
        ("MANOPT", "passes options to man, such as a pager"),
        ("BROWSER", "names a program to run"),
        ("SYSTEMD_PAGER", "names a program to run"),
        ("SYSTEMD_EDITOR", "names a program to run"),
        ("SUDO_ASKPASS", "names a program to run"),
        ("GIT_SEQUENCE_EDITOR", "names a program for git to run"),
        ("GCONV_PATH", "makes glibc load modules from a directory"),
        // OpenSSL reads its configuration when the library starts, and an engine's
        // `dynamic_path` or a provider's `module` is loaded as a shared object: `curl
        // --version` ran one (found by probing, session 9; config(5ssl)).
        (
            "OPENSSL_CONF",
            "makes OpenSSL read a configuration that loads shared objects",
        ),
        (
            "OPENSSL_CONF_INCLUDE",
            "makes OpenSSL read configurations that load shared objects",
        ),
        (
            "OPENSSL_ENGINES",
            "makes OpenSSL load engines from a directory",
        ),
        (
            "OPENSSL_MODULES",
            "makes OpenSSL load providers from a directory",
        ),
        // Yarn (berry) reads the rc file this names, whose `yarnPath` it runs for any command,
        // `--version` included; `YARN_YARN_PATH` sets `yarnPath` itself (yarnpkg.com,
        // configuration: yarnrc).
        (
            "YARN_RC_FILENAME",
            "makes yarn read an rc file that names a script to run",
        ),
        ("YARN_YARN_PATH", "names a script yarn runs in its place"),
        ("JAVA_TOOL_OPTIONS", "can make Java load agents"),
        ("_JAVA_OPTIONS", "can make Java load agents"),
        ("JDK_JAVA_OPTIONS", "can make Java load agents"),
        ("RUSTC_WRAPPER", "names a program cargo runs"),
        ("RUSTC", "names a program cargo runs"),
        ("PYTHONHOME", "changes which Python library loads"),
        ("SSH_ASKPASS", "names a program to run"),
        // Found by probing (session 7): each points a program at configuration that runs
        // code (git's fsmonitor from `$HOME/.gitconfig`, less's `#env LESSOPEN` from
        // `$HOME/.lesskey`, tput's terminfo `iprog`), or names a file the shell writes.
        (
            "HOME",
            "moves the home directory, whose configuration files programs read (and where `cd` goes)",
        ),
        ("HISTFILE", "names the file the shell writes its history to"),
        ("SHELL", "names the shell programs start"),
        (
            "TERMINFO",
            "points at terminal descriptions, which can name a program to run",
        ),
        (
            "TERMINFO_DIRS",
            "points at terminal descriptions, which can name a program to run",
        ),
        ("GREP_OPTIONS", "passes options to grep"),
        ("MAGIC", "points file(1) at another magic database"),
        ("GZIP", "passes options to gzip"),
        ("INFOPATH", "changes which info documents load"),
        ("MANPATH", "changes which manual pages load"),
        (
            "WGETRC",
            "points wget at a configuration that can run programs",
        ),
        ("CURL_HOME", "points curl at a configuration"),
        ("PSQLRC", "points psql at a startup file"),
        ("INPUTRC", "points readline at a startup file"),
        ("ENV_FILE", "names a file of variables to load"),
        (
            "TEXTDOMAIN",
            "names the message catalog `$\"…\"` strings are translated from, and bash expands the translation",
        ),
        (
            "TEXTDOMAINDIR",
            "points at message catalogs `$\"…\"` strings are translated from, and bash expands the translation",
        ),
        (
            "GROFF_COMMAND_PREFIX",
            "makes groff (man) run programs from a directory",
        ),
        (
            "MANROFFOPT",
            "passes options to groff, such as unsafe mode (`-U`)",
        ),
    ];
    let name = variable_base(name);
    if let Some((_, why)) = EXACT.iter().find(|(n, _)| *n == name) {
        return Some(why);
    }
    let upper = name.to_ascii_uppercase();
    if upper.starts_with("GIT_CONFIG")
        || upper.starts_with("DYLD_")
        || upper.starts_with("LD_")
        || upper.starts_with("CARGO_TARGET_")
        // `CARGO_BUILD_RUSTC`, `CARGO_BUILD_RUSTDOC`, `CARGO_BUILD_RUSTC_WRAPPER` (found by
        // probing, session 9; cargo's configuration by environment).
        || upper.starts_with("CARGO_BUILD_")
        // Credential providers are programs cargo runs (`CARGO_REGISTRIES_X_CREDENTIAL_PROVIDER`).
        || upper.starts_with("CARGO_REGISTRIES_")
        || upper.starts_with("CARGO_REGISTRY_")
        || upper.starts_with("CARGO_CREDENTIAL")
        || upper.starts_with("CARGO_HOST_")
        || upper.starts_with("NPM_CONFIG_")
        || upper.starts_with("BASH_FUNC_")
    {
        return Some("changes configuration that can run programs");
    }
    None
}

/// A variable's name without what `NAME+=…` and `NAME[KEY]=…` add to it (`BASH_ENV+`,
/// `BASH_CMDS[ls]` are `BASH_ENV` and `BASH_CMDS`).
pub(crate) fn variable_base(name: &str) -> &str {
    let name = name.split('[').next().unwrap_or(name);
    name.strip_suffix('+').unwrap_or(name)
}

/// Name shapes of environment variables that configure a program (`RIPGREP_CONFIG_PATH`,
/// `XDG_CONFIG_HOME`, `BAT_PAGER`, `JAVA_OPTS`, `http_proxy`, `CFLAGS`, `GIT_COMMON_DIR`):
/// setting one for a program is not known to be harmless. [`dangerous_variable`] names the
/// ones known to run code; these are the ones whose name says they may.
pub(crate) fn configuring_variable(name: &str) -> Option<&'static str> {
    const PREFIXES: &[&str] = &[
        "GROFF",
        "MANROFF",
        "TROFF",
        "GIT_",
        "LESS",
        "XDG_",
        "BAT_",
        "RIPGREP_",
        "TEALDEER_",
        "TLDR_",
        "PYTHON",
        "PERL",
        "RUBY",
        "NODE_",
        "NPM_",
        "PIP_",
        "JAVA",
        "_JAVA",
        "BASH_",
        "ZSH",
        "KUBE",
        "DOCKER_",
        "AWS_",
        "GOOGLE_APPLICATION",
        "CLOUDSDK_",
        "AZURE_",
        "SSH_",
        "GNUPG",
        "GPG_",
        "YARN_",
        "BERRY_",
        // tar's default archive (`TAPE=../x tar c a`; found by probing, session 9).
        "TAPE",
        "OPENSSL",
        "GIO_",
        "GTK_",
        "TERMINFO",
        "MANPAGER",
        "PAGER",
        "EDITOR",
        "VISUAL",
        "BROWSER",
    ];
    const SUFFIXES: &[&str] = &[
        "CONFIG",
        "_CONF",
        "_CONFIG_PATH",
        "_CONFIG_FILE",
        "_CONFIG_DIR",
        "_CONFIG_HOME",
        "_HOME",
        "_OPTIONS",
        "_OPTS",
        "_PAGER",
        "_EDITOR",
        "_COMMAND",
        "_CMD",
        "_PROGRAM",
        "_PROG",
        "_ASKPASS",
        "_PROXY",
        "FLAGS",
        "_PRELOAD",
        "_INIT",
        "STARTUP",
        "_PLUGINS",
        "_WRAPPER",
        "_HOOK",
        "_HOOKS",
        "PATH",
        "_LIB",
        "LIB",
        "_RC",
        "_SHELL",
    ];
    // Names programs only read as plain data.
    const HARMLESS: &[&str] = &[
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_COMMITTER_DATE",
        "GIT_TERMINAL_PROMPT",
        "GIT_OPTIONAL_LOCKS",
        "GIT_FLUSH",
        "PYTHONUNBUFFERED",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONHASHSEED",
        "PYTHONIOENCODING",
        "PYTHONUTF8",
        "PYTHONFAULTHANDLER",
        "NODE_ENV",
        "NODE_NO_WARNINGS",
    ];
    let upper = variable_base(name).to_ascii_uppercase();
    if HARMLESS.contains(&upper.as_str()) {
        return None;
    }
    (PREFIXES.iter().any(|p| upper.starts_with(p)) || SUFFIXES.iter().any(|s| upper.ends_with(s)))
        .then_some("configures programs that read it (its name says so), which may make them run code or read other files")
}

/// A value that makes a pager or editor variable harmless: an ordinary pager (`PAGER=cat
/// git log`, `GIT_PAGER=`), not a program of the line's choosing.
pub(crate) fn harmless_program_value(name: &str, value: &str) -> bool {
    let name = variable_base(name);
    name.ends_with("PAGER")
        && matches!(
            value,
            "" | "cat"
                | "less"
                | "more"
                | "less -R"
                | "less -r"
                | "less -FRX"
                | "less -FRSX"
                | "less -FX"
        )
}

/// Whether an environment variable's name says it holds a credential (`AWS_SECRET_ACCESS_KEY`,
/// `GITHUB_TOKEN`, `DB_PASSWORD`, `OPENAI_API_KEY`).
pub(crate) fn secret_variable(name: &str) -> bool {
    const MARKERS: &[&str] = &[
        "SECRET",
        "TOKEN",
        "PASSWORD",
        "PASSWD",
        "API_KEY",
        "APIKEY",
        "ACCESS_KEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
        "AUTH",
        "DATABASE_URL",
        "COOKIE",
        // Connection strings and webhooks carry their password or token (`REDIS_URL`,
        // `MONGODB_URI`, `SLACK_WEBHOOK_URL`; found by probing, session 8).
        "REDIS_URL",
        "MONGO",
        "AMQP_URL",
        "WEBHOOK",
        "SIGNING",
        "SESSION",
        "KUBECONFIG",
    ];
    // `OPENAI_KEY`, `GH_PAT`, `SENTRY_DSN`, `MYSQL_PWD`, `PGPASS` (not `PWD` or `OLDPWD`),
    // `STRIPE_SK`, `KEYCHAIN_PW`, `*_DB_URI`.
    const SUFFIXES: &[&str] = &["_KEY", "_PAT", "DSN", "_PWD", "PASS", "_SK", "_PW", "_URI"];
    let upper = name.to_ascii_uppercase();
    MARKERS.iter().any(|m| upper.contains(m))
        || upper == "KEY"
        || SUFFIXES.iter().any(|s| upper.ends_with(s))
}

/// Programs one extra option word can make run code or write files, whose options GNU
/// getopt also reads after operands: a glob argument that may expand to a file named like an
/// option asks (`sed -n 1p *.txt` with a file `-ee sh x.sh #.txt` runs `sh x.sh`; `rg x *`
/// with `--pre=./evil`; `find * -name x` with `-delete`).
pub(crate) const OPTION_GLOB_HAZARDS: &[&str] = &[
    "sed", "gsed", "sort", "git", "xxd", "uniq", "tar", "rsync", "zip", "less", "zless", "more",
    "find", "rg", "fd", "fdfind", "yq", "tree", "file", "date",
];

/// Writes to these never matter.
pub(crate) fn is_harmless_sink(path: &str) -> bool {
    matches!(
        path,
        "/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/tty" | "-" | "&1" | "&2"
    ) || path
        .strip_prefix("/dev/fd/")
        .is_some_and(|fd| !fd.is_empty() && fd.bytes().all(|b| b.is_ascii_digit()))
}

/// Paths (or path suffixes) that hold credentials. Sources: OpenSSH, AWS/GCP/Azure CLIs,
/// Docker, kubectl, netrc, npm/pypi/cargo tokens, GnuPG, browser profiles, shadow(5).
const SECRET_MARKERS: &[&str] = &[
    // Found by probing (session 8): agents' and package managers' login files, container
    // registry logins, another process's open files.
    "/.gemini/oauth_creds.json",
    ".claude.json",
    "/.claude/.credentials.json",
    "/containers/auth.json",
    "/composer/auth.json",
    "/.config/gh/",
    "/.ssh/",
    "~/.ssh",
    "$HOME/.ssh",
    "${HOME}/.ssh",
    "id_rsa",
    "id_ed25519",
    "id_ecdsa",
    "id_dsa",
    "/.aws/",
    "~/.aws",
    "/.config/gcloud",
    "/.azure/",
    "/.kube/config",
    "/.docker/config.json",
    "/.netrc",
    "~/.netrc",
    "/.npmrc",
    "~/.npmrc",
    "/.pypirc",
    "~/.pypirc",
    "/.git-credentials",
    "~/.git-credentials",
    "/.cargo/credentials",
    "/.gnupg",
    "~/.gnupg",
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/sudoers",
    "/.password-store",
    "/.config/gh/hosts.yml",
    "/.vault-token",
    "/Keychains/",
    "/.mozilla/firefox",
    "/.config/google-chrome",
    "/Library/Application Support/Google/Chrome",
    "/proc/self/environ",
    // Docker and Kubernetes secrets mounted into containers, a service account's token.
    "/run/secrets/",
    // Terraform state holds every resource's secrets in plain text.
    ".tfstate",
    "/.bash_history",
    "~/.bash_history",
    "/.zsh_history",
    "~/.zsh_history",
    // Found by probing (session 7): credentials under home directories (database
    // password files, CLI tokens, package registries, mail, browsers), shell and tool
    // histories, and system secrets (host keys, TLS keys, cluster, VPN and Wi-Fi
    // configuration, shadow backups, Kerberos caches, cloud-init user data, kernel memory).
    "/.pgpass",
    "/.my.cnf",
    "/.mylogin.cnf",
    "/.codex/auth.json",
    "/.claude/.credentials.json",
    "/.config/hub",
    "/.config/gcloud/",
    "/.config/rclone/",
    "/.config/github-copilot/",
    "/.config/chromium/",
    "/.cache/huggingface/token",
    "/.huggingface/token",
    "/.kaggle/kaggle.json",
    "/.terraform.d/credentials",
    "/.s3cfg",
    "/.boto",
    "/.m2/settings.xml",
    "/.gradle/gradle.properties",
    "/.gem/credentials",
    "/.authinfo",
    "/.msmtprc",
    "/.fetchmailrc",
    "/.local/share/keyrings/",
    "/Library/Cookies/",
    "/.python_history",
    "/.mysql_history",
    "/.psql_history",
    "/.sqlite_history",
    "/.node_repl_history",
    "/fish_history",
    "/.viminfo",
    "/.lesshst",
    "/etc/ssh/ssh_host_",
    "/etc/ssl/private",
    "/etc/kubernetes/",
    "/etc/rancher/",
    "/var/lib/kubelet/",
    "/krb5cc_",
    "/etc/NetworkManager/system-connections",
    "/etc/wpa_supplicant/",
    "/etc/wireguard/",
    "/etc/openvpn/",
    "/etc/ipsec.secrets",
    "/etc/ppp/chap-secrets",
    "/etc/ppp/pap-secrets",
    "/etc/mysql/debian.cnf",
    "/etc/sssd/",
    "/var/lib/sss/secrets",
    "gitlab-secrets.json",
    "/var/backups/shadow",
    "/var/backups/gshadow",
    "/etc/security/opasswd",
    "/etc/master.passwd",
    "/etc/spwd.db",
    "/var/db/dslocal/",
    "/var/lib/cloud/instance/user-data",
    "/var/lib/docker/",
    "/proc/kcore",
    // Secrets in a project: Terraform variables, htpasswd, Java and KeePass stores, VPN
    // profiles, PuTTY and Apple keys.
    ".tfvars",
    ".htpasswd",
    ".jks",
    ".kdbx",
    ".ovpn",
    ".ppk",
    "AuthKey_",
    ".pem",
    ".key",
    ".p12",
    ".pfx",
    ".keystore",
    "credentials.json",
    "service-account",
];

/// Files that run code later.
const PERSISTENCE_MARKERS: &[&str] = &[
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".profile",
    ".zshrc",
    ".zshenv",
    ".zprofile",
    ".zlogin",
    ".kshrc",
    ".cshrc",
    ".tcshrc",
    "/.config/fish/",
    "authorized_keys",
    "/etc/cron",
    "/var/spool/cron",
    "/etc/systemd/",
    "/.config/systemd/",
    "/lib/systemd/",
    "/etc/init.d/",
    "/etc/rc.local",
    "/etc/profile",
    "/etc/bash.bashrc",
    "/etc/environment",
    "/etc/ld.so.preload",
    "/.config/autostart",
    "/LaunchAgents/",
    "/LaunchDaemons/",
    ".git/hooks/",
    "/etc/sudoers",
    "/.ssh/config",
    "/.ssh/rc",
    "/etc/xdg/autostart",
    "/.vimrc",
    "/.gitconfig",
    "~/.gitconfig",
    // Found by probing (session 7): a repository's configuration, in any `.git` directory
    // (`core.fsmonitor`, `diff.external`, textconv drivers run programs), and files other
    // programs read at start that can run code.
    "/.git/",
    "/.config/git/",
    ".bash_logout",
    ".xinitrc",
    ".xprofile",
    ".xsessionrc",
    ".pam_environment",
    "/.config/environment.d/",
    ".lesskey",
    "/.config/lesskey",
    "/.terminfo/",
    ".wgetrc",
    ".curlrc",
    ".psqlrc",
    "/.config/nvim/",
    "/.emacs",
    "sitecustomize.py",
    "usercustomize.py",
    "/site-packages/",
    "/dist-packages/",
    // Found by probing (session 8): files in a workspace that tools run commands from later,
    // outside this gate: coding agents' hooks and MCP servers, editor tasks, git hook
    // managers, direnv, cargo's and yarn's configuration, mise tasks, CI workflows, the
    // project's installed executables.
    "/.claude/settings.json",
    "/.claude/settings.local.json",
    "/.claude/hooks/",
    ".mcp.json",
    "/.cursor/",
    "/.gemini/settings.json",
    "/.codex/",
    "/.vscode/",
    "/.devcontainer/",
    "/.husky/",
    "lefthook.yml",
    "lefthook.yaml",
    ".pre-commit-config.yaml",
    ".envrc",
    "/.cargo/config",
    ".yarnrc",
    "mise.toml",
    // Found by probing, session 9: pnpm runs `.pnpmfile.cjs` hooks, rustup a toolchain the
    // file names, bazel the startup options of `.bazelrc`, asdf the plugins of the versions
    // `.tool-versions` names.
    ".pnpmfile.cjs",
    "rust-toolchain",
    ".bazelrc",
    ".tool-versions",
    "/.github/workflows/",
    ".gitlab-ci.yml",
    "/.circleci/",
    "/node_modules/.bin/",
];

const SYSTEM_DIRS: &[&str] = &[
    "/etc",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/boot",
    "/dev",
    "/proc",
    "/sys",
    "/var",
    "/opt",
    "/root",
    "/srv",
    "/System",
    "/Library",
    "/Applications",
    "/private",
    "/snap",
    "/home",
    "/Users",
    "/mnt",
    "/media",
    "/run",
];

const CRITICAL_SYSTEM_FILES: &[&str] = &[
    // A write reboots or crashes the machine at once (`echo b > /proc/sysrq-trigger`;
    // the kernel's sysrq documentation).
    "/proc/sysrq-trigger",
    "/etc/passwd",
    "/etc/shadow",
    "/etc/group",
    "/etc/gshadow",
    "/etc/sudoers",
    // Every file here grants root like `/etc/sudoers` (sudoers(5), `@includedir`).
    "/etc/sudoers.d",
    "/etc/fstab",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/ld.so.preload",
    "/etc/pam.d",
    "/boot",
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/lib",
    "/usr/lib",
];

const DEVICE_PREFIXES: &[&str] = &[
    "/dev/sd",
    "/dev/hd",
    "/dev/vd",
    "/dev/xvd",
    "/dev/nvme",
    "/dev/mmcblk",
    "/dev/disk",
    "/dev/mem",
    "/dev/kmem",
    "/dev/port",
    "/dev/mapper/",
    "/dev/md",
    "/dev/dm-",
    "/dev/loop",
    "/dev/rdisk",
];

/// A set of [`PathClass`]es (a bit per class), so classifying a path allocates nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PathClasses(u8);

impl PathClasses {
    /// Every class, in the order iteration yields them (declaration order).
    const ALL: [PathClass; 8] = [
        PathClass::Root,
        PathClass::Home,
        PathClass::Parent,
        PathClass::System,
        PathClass::CriticalSystem,
        PathClass::Secret,
        PathClass::Persistence,
        PathClass::Device,
    ];

    fn bit(class: PathClass) -> u8 {
        1 << (class as u8)
    }

    pub(crate) fn push(&mut self, class: PathClass) {
        self.0 |= Self::bit(class);
    }

    /// The classes of either set.
    pub(crate) fn union(self, other: PathClasses) -> PathClasses {
        PathClasses(self.0 | other.0)
    }

    /// Whether the path is of this class.
    pub(crate) fn contains(&self, class: &PathClass) -> bool {
        self.0 & Self::bit(*class) != 0
    }

    /// Whether the path is of no class.
    #[allow(dead_code, reason = "the set's API; used by tests")]
    pub(crate) fn is_empty(&self) -> bool {
        self.0 == 0
    }
}

impl IntoIterator for PathClasses {
    type Item = PathClass;
    type IntoIter = PathClassIter;

    fn into_iter(self) -> PathClassIter {
        PathClassIter { set: self, next: 0 }
    }
}

/// The classes of a [`PathClasses`], in declaration order.
#[derive(Debug, Clone)]
pub(crate) struct PathClassIter {
    set: PathClasses,
    next: usize,
}

impl Iterator for PathClassIter {
    type Item = PathClass;

    fn next(&mut self) -> Option<PathClass> {
        while let Some(class) = PathClasses::ALL.get(self.next) {
            self.next += 1;
            if self.set.contains(class) {
                return Some(*class);
            }
        }
        None
    }
}

/// One automaton for a list of substrings (`regex` builds it from literals with Aho-Corasick
/// or Teddy); `None` only if building failed, in which case the list is searched one by one.
fn markers_matcher(markers: &[&str]) -> Option<regex::Regex> {
    let alternation: Vec<String> = markers
        .iter()
        .map(|m| match m.strip_prefix('/') {
            // A marker starting with `/` starts a path component: also at the start of a
            // relative path (`.aws/credentials` read from the home directory).
            Some(rest) => format!("(?:^|/){}", regex::escape(rest)),
            None => regex::escape(m),
        })
        .collect();
    // Case-insensitive: macOS and Windows file systems are (`~/.SSH/id_rsa`, `.ENV`).
    regex::Regex::new(&format!("(?i-u){}", alternation.join("|"))).ok()
}

/// Whether `raw` contains `marker` as [`markers_matcher`] reads it: ignoring ASCII case,
/// and a marker starting with `/` also at the start of `raw`.
fn marker_in(raw: &str, marker: &str) -> bool {
    let raw = raw.to_ascii_lowercase();
    let marker = marker.to_ascii_lowercase();
    raw.contains(&marker)
        || marker
            .strip_prefix('/')
            .is_some_and(|rest| raw.starts_with(rest))
}

static SECRET_MATCHER: LazyLock<Option<regex::Regex>> =
    LazyLock::new(|| markers_matcher(SECRET_MARKERS));
static PERSISTENCE_MATCHER: LazyLock<Option<regex::Regex>> =
    LazyLock::new(|| markers_matcher(PERSISTENCE_MARKERS));

/// Whether `raw` contains one of `markers` (through `matcher` when it was built).
fn contains_marker(raw: &str, markers: &[&str], matcher: &Option<regex::Regex>) -> bool {
    // Every marker has one of these bytes; most words (`status`, `main`) have none.
    if !raw
        .bytes()
        .any(|b| matches!(b, b'/' | b'.' | b'_' | b'-' | b'~' | b'$'))
    {
        return false;
    }
    match matcher {
        Some(re) => re.is_match(raw),
        None => markers.iter().any(|m| marker_in(raw, m)),
    }
}

/// The markers that a word of letters, digits and `-` can hold (`service-account`),
/// lowercase: every other marker has a byte such a word lacks.
static DASHED_MARKERS: LazyLock<Vec<String>> = LazyLock::new(|| {
    SECRET_MARKERS
        .iter()
        .chain(PERSISTENCE_MARKERS)
        .filter(|m| m.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .map(|m| m.to_ascii_lowercase())
        .collect()
});

/// Whether `text`, read from the starting directory as a literal (not a glob), names no
/// path class and nothing outside the workspace: a word of letters, digits and `-` (`status`,
/// `-la`, `--all-features`) without a marker. Most arguments are such words, and the risk
/// model skips their path checks (`plain_words_have_no_path_class` checks the claim).
pub(crate) fn names_no_path(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && text != "-"
        && (!text.contains('-')
            || !DASHED_MARKERS.iter().any(|m| {
                text.as_bytes()
                    .windows(m.len())
                    .any(|w| w.eq_ignore_ascii_case(m.as_bytes()))
            }))
}

/// The classes a path (as written, possibly opaque like `$HOME/x`) belongs to: those of the
/// path as written and those of its lexically normal form (`/tmp/..` is `/`, `./../..` is
/// `../..`, `/tmp/../etc` is `/etc`).
pub(crate) fn classify_path(raw: &str) -> PathClasses {
    let mut classes = classify_path_as_written(raw);
    if let Some(normal) = lexically_normal(raw) {
        classes.0 |= classify_path_as_written(&normal).0;
    }
    if let Some(alias) = path_alias(raw) {
        classes.0 |= classify_path_as_written(&alias).0;
        if let Some(normal) = lexically_normal(&alias) {
            classes.0 |= classify_path_as_written(&normal).0;
        }
    }
    classes
}

/// The same file under the name the kernel resolves a symbolic link prefix to, when `raw`
/// starts with one that lexical `..` removal would get wrong or a marker would miss:
/// `/dev/fd` is `/proc/self/fd` (so `/dev/fd/../environ` is `/proc/self/environ`), a
/// process's `root` is `/` (`/proc/1/root/etc/shadow`), macOS keeps `/etc`, `/var` and
/// `/tmp` in `/private`, and `/var/run` is `/run`.
fn path_alias(raw: &str) -> Option<String> {
    if let Some(rest) = raw.strip_prefix("/dev/fd/") {
        return Some(format!("/proc/self/fd/{rest}"));
    }
    if let Some(rest) = raw.strip_prefix("/proc/") {
        // `/proc/PID/root/…` and `/proc/PID/task/TID/root/…`.
        let mut parts = rest.splitn(4, '/');
        let _pid = parts.next()?;
        let (second, third, fourth) = (parts.next()?, parts.next(), parts.next());
        let rest = match (second, third, fourth) {
            ("root", Some(a), Some(b)) => format!("{a}/{b}"),
            ("root", Some(a), None) => a.to_owned(),
            ("root", None, _) => String::new(),
            ("task", Some(_), Some(more)) => {
                return more
                    .strip_prefix("root")
                    .map(|r| format!("/{}", r.trim_start_matches('/')));
            }
            _ => return None,
        };
        return Some(format!("/{rest}"));
    }
    for (from, to) in [
        ("/private/etc/", "/etc/"),
        ("/private/var/", "/var/"),
        ("/private/tmp/", "/tmp/"),
        ("/var/run/", "/run/"),
    ] {
        if let Some(rest) = raw.strip_prefix(from) {
            return Some(format!("{to}{rest}"));
        }
    }
    None
}

/// The classes of `raw` read from the line's starting directory or from any of
/// `directories` (where `cd`, `env -C` and the like may have moved): `shadow` after
/// `cd /etc` is `/etc/shadow`. (The risk model classifies words with `risk::word_classes`,
/// which also expands globs.)
#[cfg(test)]
pub(crate) fn classify_path_in(raw: &str, directories: &[String]) -> PathClasses {
    let mut classes = PathClasses::default();
    for place in places(raw, directories) {
        classes.0 |= classify_path(&place).0;
    }
    classes
}

/// File names that are secrets or run code wherever they are, besides the markers without a
/// `/` (`id_rsa`, `.pem`), for filling globs (`crate::glob_paths`).
const ANYWHERE_NAMES: &[&str] = &[".env", ".env.local", ".env.production", "id_rsa.pub"];

/// Names that matter where they are, besides the components of the markers, system
/// directories, critical files and devices: a process's environment and memory under
/// `/proc/PID/`, and device names the device prefixes start.
const LOCATED_NAMES: &[&str] = &[
    "environ", "mem", "self", "1", "sda", "hda", "vda", "xvda", "nvme0n1", "mmcblk0", "disk0",
    "md0", "dm-0", "loop0", "rdisk0",
];

/// Every name the path tables know, to fill globs with: the components of each marker,
/// system directory, critical file and device prefix, and the names above.
static NAMES: LazyLock<crate::glob_paths::Names> = LazyLock::new(|| {
    let mut names = crate::glob_paths::Names::default();
    let add = |list: &mut Vec<&'static str>, name: &'static str| {
        if !name.is_empty() && !name.starts_with(['~', '$']) && !list.contains(&name) {
            list.push(name);
        }
    };
    for marker in SECRET_MARKERS.iter().chain(PERSISTENCE_MARKERS) {
        if marker.contains('/') {
            for part in marker.split('/') {
                add(&mut names.located, part);
            }
        } else {
            add(&mut names.anywhere, marker);
        }
    }
    for path in SYSTEM_DIRS
        .iter()
        .chain(CRITICAL_SYSTEM_FILES)
        .chain(DEVICE_PREFIXES)
        .chain(SECRET_DIRECTORIES)
    {
        for part in path.split('/') {
            add(&mut names.located, part);
        }
    }
    for name in LOCATED_NAMES {
        add(&mut names.located, name);
    }
    for name in ANYWHERE_NAMES {
        add(&mut names.anywhere, name);
    }
    // A name with a class of its own (`bash.bashrc` holds `.bashrc`) has it anywhere.
    let (anywhere, located): (Vec<&'static str>, Vec<&'static str>) = names
        .located
        .iter()
        .partition(|name| !classify_path(name).is_empty());
    names.located = located;
    for name in anywhere {
        add(&mut names.anywhere, name);
    }
    names
});

/// The classes of a path, a glob when `glob` is set (bash expands it into file names):
/// the classes of the names it may expand to (`/etc/sh*` is `/etc/shadow`; see
/// `crate::glob_paths`). Each concrete path costs a unit of `budget`.
pub(crate) fn classify_path_glob(
    raw: &str,
    glob: bool,
    expansion: crate::glob_paths::Expansion,
    budget: &std::cell::Cell<usize>,
) -> PathClasses {
    if glob && crate::glob_paths::has_glob_chars(raw) {
        crate::glob_paths::classify_glob(raw, &NAMES, expansion, budget, classify_path)
    } else {
        classify_path(raw)
    }
}

/// Directories outside home directories that hold credentials: a recursive read of them or
/// of a directory above them reads secrets. Sources: shadow(5), sshd(8) (host keys),
/// Debian's ssl-cert (`/etc/ssl/private`), Docker and Kubernetes (mounted secrets and the
/// service-account token), proc(5) (every process's environment).
const SECRET_DIRECTORIES: &[&str] = &[
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/sudoers",
    "/etc/ssh",
    "/etc/ssl/private",
    "/run/secrets",
    "/var/run/secrets",
    "/proc/self/environ",
];

/// Whether reading everything under `dir` (`grep -r`, `rg`, `tar c`, `cp -r`) reads
/// secrets: `dir` is inside a directory of secrets (`~/.ssh`, `.aws`), is a home directory
/// or above one (`~`, `..`, `../..` from a workspace that may be in a home directory), or
/// is any other directory outside the workspace (absolute, or through `..`) but the public
/// trees of programs and libraries (`/usr`, `/opt`, `/nix/store`, a directory under `/tmp`).
/// The workspace itself (`.`, `src`) is not: a project's own files are the agent's to read.
pub(crate) fn holds_secrets(dir: &str) -> bool {
    // `src`, `tests`, `wc`: a directory of the workspace that names no class
    // (`plain_words_have_no_path_class` checks the claim).
    !names_no_path(dir) && holds_secrets_fully(dir)
}

/// [`holds_secrets`] without the shortcut for plain words.
pub(crate) fn holds_secrets_fully(dir: &str) -> bool {
    let normal = lexically_normal(dir);
    let path = normal.as_deref().unwrap_or(dir).trim_end_matches('/');
    // `/proc/PID/root` is that process's `/`; its `cwd` is anywhere.
    let path = match path.strip_prefix("/proc/").map(|rest| rest.split_once('/')) {
        Some(Some((_, rest))) if rest == "cwd" || rest.starts_with("cwd/") => "/",
        Some(Some((_, "root"))) => "/",
        Some(Some((_, rest))) if rest.starts_with("root/") => rest.get(4..).unwrap_or("/"),
        _ => path,
    };
    if path.is_empty() || path.chars().all(|c| c == '/') {
        return true;
    }
    if classify_path(&format!("{path}/")).contains(&PathClass::Secret) {
        return true;
    }
    // `lexically_normal` leaves `~` paths alone; `~/.` and `~/./` are still `~`.
    let parts: Vec<&str> = if path.starts_with(['~', '$']) {
        path.split('/')
            .filter(|p| !matches!(*p, "" | "."))
            .collect()
    } else {
        path.split('/').collect()
    };
    let home = match parts.as_slice() {
        ["~" | "$HOME" | "${HOME}"] => true,
        [tilde] if tilde.starts_with('~') => true,
        ["", "root" | "home" | "Users"] | ["", "var", "root"] => true,
        ["", "home" | "Users", _] => true,
        all_up => all_up.iter().all(|p| *p == ".."),
    };
    if home {
        return true;
    }
    // `/proc` and `/proc/PID` hold environments.
    if matches!(parts.as_slice(), ["", "proc"] | ["", "proc", _]) {
        return true;
    }
    if path.starts_with('/')
        && SECRET_DIRECTORIES.iter().any(|secret| {
            secret
                .strip_prefix(path)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    {
        return true;
    }
    // Outside the workspace, a tree holds secrets unless it is one of the public ones
    // (programs, libraries, headers): the places credentials live are too many to list
    // (`/var/www` and `/srv` hold `.env` files, `/var/lib` services' keys, a sibling project
    // its own secrets; found by probing, session 7). `/tmp` itself holds Kerberos caches; a
    // directory under it is a build's.
    const PUBLIC_TREES: &[&str] = &[
        "/usr",
        "/opt",
        "/nix/store",
        "/lib",
        "/lib32",
        "/lib64",
        "/libx32",
        "/bin",
        "/sbin",
        "/boot",
        "/sys",
        "/snap",
        "/System",
        "/Applications",
        "/Library/Developer",
    ];
    if path.starts_with('/') {
        let public = PUBLIC_TREES.iter().any(|tree| {
            path.strip_prefix(tree)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        }) || path
            .strip_prefix("/tmp/")
            .is_some_and(|rest| !rest.is_empty());
        return !public;
    }
    // `../other-project`: outside the workspace too.
    parts.first() == Some(&"..")
}

/// Whether reading everything under `dir`, a glob when `glob` is set, reads secrets (see
/// [`holds_secrets`]); each directory a glob may name is checked.
pub(crate) fn holds_secrets_glob(
    dir: &str,
    glob: bool,
    expansion: crate::glob_paths::Expansion,
    budget: &std::cell::Cell<usize>,
) -> bool {
    let tree = |p: &str| {
        let mut classes = PathClasses::default();
        if holds_secrets(p) {
            classes.push(PathClass::Secret);
        }
        classes
    };
    let classes = if glob && crate::glob_paths::has_glob_chars(dir) {
        crate::glob_paths::classify_glob(dir, &NAMES, expansion, budget, tree)
    } else {
        tree(dir)
    };
    classes.contains(&PathClass::Secret)
}

/// `path`, and for a relative path the same path under each of `directories` (where the line
/// may have moved with `cd` or `env -C`; see `risk::line_directories`). Allocates only for
/// the joined paths.
pub(crate) fn places<'a>(
    path: &'a str,
    directories: &'a [String],
) -> impl Iterator<Item = std::borrow::Cow<'a, str>> + 'a {
    std::iter::once(std::borrow::Cow::Borrowed(path)).chain(
        directories
            .iter()
            .filter_map(move |dir| join_directory(dir, path))
            .map(std::borrow::Cow::Owned),
    )
}

/// `relative` as a path under `dir`, when it is relative: not absolute, not `~`-based, not
/// a variable, not a URL, not an option, not empty.
pub(crate) fn join_directory(dir: &str, relative: &str) -> Option<String> {
    if relative.is_empty() || relative.starts_with(['/', '~', '$', '-']) || relative.contains("://")
    {
        return None;
    }
    let separator = if dir.ends_with('/') { "" } else { "/" };
    Some(format!("{dir}{separator}{relative}"))
}

/// `path` with `.` components, repeated `/` and each `..` after a name removed, when that
/// changes it. A `..` at the root stays at the root. Symbolic links are not followed (they
/// can make `a/..` any directory), so this is the form written, not necessarily the one
/// the kernel resolves.
fn lexically_normal(path: &str) -> Option<String> {
    if !(contains_pair(path, *b"/.") || contains_pair(path, *b"//") || path.starts_with("./")) {
        return None;
    }
    // `~/..` is the directory above the home directory, not `.`: a path from `~` or a
    // variable has no normal form we can write (see `classify_path_as_written`).
    if path.starts_with(['~', '$']) {
        return None;
    }
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if absolute => {}
                _ => parts.push(".."),
            },
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    let normal = match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    };
    (normal != path).then_some(normal)
}

/// Whether `text` has the two bytes `pair` next to each other: `str::contains` with a
/// two-byte needle calls `memcmp` at every candidate, which is most of the cost of
/// classifying a path.
pub(crate) fn contains_pair(text: &str, pair: [u8; 2]) -> bool {
    text.as_bytes().windows(2).any(|w| w == pair)
}

/// `text.contains(needle)` for the short words of a command line: `str::contains` prepares
/// a two-way searcher even when the needle is longer than the text, which most are.
pub(crate) fn contains_str(text: &str, needle: &str) -> bool {
    let (text, needle) = (text.as_bytes(), needle.as_bytes());
    match needle.first() {
        None => true,
        Some(_) if needle.len() > text.len() => false,
        Some(&first) => text
            .windows(needle.len())
            .any(|w| w.first() == Some(&first) && w == needle),
    }
}

/// The classes of a path as written, without normalising it.
fn classify_path_as_written(raw: &str) -> PathClasses {
    let mut classes = PathClasses::default();
    // Every class needs one of these bytes (`/` of a path, `~`/`$HOME`, `..`, `.env`, the
    // markers' own: see `every_marker_has_a_prefilter_byte`); most words (`status`, `main`)
    // have none.
    if !raw
        .bytes()
        .any(|b| matches!(b, b'/' | b'.' | b'_' | b'-' | b'~' | b'$'))
    {
        return classes;
    }
    let path = raw.trim_end_matches('/');
    let home_forms = ["~", "$HOME", "${HOME}", "\"$HOME\""];
    let is_root = path.is_empty() && raw.starts_with('/')
        || matches!(path, "/*" | "/." | "/.." | "/./" | "//*")
        || path.chars().all(|c| c == '/') && !raw.is_empty();
    if is_root {
        classes.push(PathClass::Root);
    }
    // `~/..` holds every home directory, `~` among them.
    if home_forms.iter().any(|h| {
        path == *h
            || path
                .strip_prefix(h)
                .is_some_and(|rest| matches!(rest, "/*" | "/." | "/.*"))
    }) || path.starts_with("~") && !path.contains('/') && path.len() > 1
        || path.starts_with(['~', '$']) && path.split('/').any(|c| c == "..")
    {
        classes.push(PathClass::Home);
    }
    if path == ".."
        || path.starts_with("../")
            && path
                .trim_start_matches("../")
                .chars()
                .all(|c| matches!(c, '.' | '/' | '*'))
        || path == "../*"
    {
        classes.push(PathClass::Parent);
    }
    // Every system directory, critical file and device starts with `/`.
    let absolute = path.starts_with('/');
    if absolute
        && SYSTEM_DIRS.iter().any(|d| {
            path == *d
                || path
                    .strip_prefix(d)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        && !path.starts_with("/tmp")
    {
        classes.push(PathClass::System);
    }
    if absolute
        && CRITICAL_SYSTEM_FILES.iter().any(|d| {
            path == *d
                || path
                    .strip_prefix(d)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    {
        classes.push(PathClass::CriticalSystem);
    }
    if contains_marker(raw, SECRET_MARKERS, &SECRET_MATCHER)
        || is_dotenv(path)
        || is_process_secret(path)
    {
        classes.push(PathClass::Secret);
    }
    // A `.git` file points git at another repository (`gitdir: …`), whose configuration
    // may run programs.
    if contains_marker(raw, PERSISTENCE_MARKERS, &PERSISTENCE_MATCHER)
        || path.len() >= 4
            && path
                .get(path.len() - 4..)
                .is_some_and(|end| end.eq_ignore_ascii_case(".git"))
            && (path.len() == 4 || path.as_bytes().get(path.len() - 5) == Some(&b'/'))
    {
        classes.push(PathClass::Persistence);
    }
    if absolute && is_device(path) {
        classes.push(PathClass::Device);
    }
    classes
}

/// Whether `path` is a device file that holds or reaches data: anything under `/dev` but
/// the pseudo-devices programs use for plain input and output (`/dev/null`, `/dev/zero`,
/// `/dev/urandom`, `/dev/tty`, `/dev/stdin`, `/dev/fd/N`, `/dev/pts/N`, `/dev/shm/…`). Disks
/// have many names (`/dev/root`, `/dev/block/8:0`, `/dev/char/1:1` is `/dev/mem`,
/// `/dev/VG/LV`, `/dev/nbd0`), so the harmless ones are listed instead.
fn is_device(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/dev/") else {
        return DEVICE_PREFIXES.iter().any(|d| path.starts_with(d));
    };
    let first = rest.split('/').next().unwrap_or(rest);
    !(rest.is_empty()
        || matches!(
            first,
            "null"
                | "zero"
                | "full"
                | "random"
                | "urandom"
                | "tty"
                | "stdin"
                | "stdout"
                | "stderr"
                | "fd"
                | "pts"
                | "ptmx"
                | "shm"
                | "mqueue"
                | "tcp"
                | "udp"
                | "."
                | ".."
        ))
}

/// A file of environment variables: `.env`, `.env.local`, `config/.env.production`,
/// `.env-prod`, `prod.env`, `.envrc` (direnv), `.flaskenv`, `.dev.vars`, in any case (not
/// `.env.example` and the like, not `env.rs`), also after a `:` (`git show HEAD:.env`, `scp
/// host:.env .`).
fn is_dotenv(path: &str) -> bool {
    // Most paths hold no `env` at all.
    if !path
        .as_bytes()
        .windows(3)
        .any(|w| w.eq_ignore_ascii_case(b"env"))
        && !path.ends_with(".dev.vars")
    {
        return false;
    }
    let base = path.rsplit(['/', ':']).next().unwrap_or(path);
    let base = base.to_ascii_lowercase();
    if matches!(base.as_str(), ".env" | ".envrc" | ".flaskenv" | ".dev.vars") {
        return true;
    }
    // `.env.local`, `.env-prod`, `.env_local`, `prod.env`, `secrets.env`; not the examples
    // projects commit on purpose.
    let rest = base
        .strip_prefix(".env")
        .and_then(|r| r.strip_prefix(['.', '-', '_']))
        .or_else(|| base.strip_suffix(".env").filter(|r| !r.is_empty()));
    rest.is_some_and(|rest| {
        ![
            "example", "sample", "template", "dist", "defaults", "schema",
        ]
        .iter()
        .any(|harmless| rest.contains(harmless))
    })
}

/// A process's environment or memory under `/proc` (`/proc/1/environ`, `/proc/*/environ`,
/// `/proc/self/task/7/environ`, `/proc/$$/mem`): the environment holds credentials, and
/// memory holds everything. A last component with a glob (`/proc/1/*`, `/proc/1/e*`) may
/// match either, and counts. (`/proc/self/environ` is also a secret marker.)
fn is_process_secret(path: &str) -> bool {
    // Another process's open files and mapped files (`/proc/1/fd/3`, `/proc/1/map_files/…`)
    // are whatever it opened: its keys and tokens too (found by probing, session 8).
    let mut parts = path.split('/').skip(2);
    if path.starts_with("/proc/")
        && let (Some(pid), Some("fd" | "map_files")) = (parts.next(), parts.next())
        && !matches!(pid, "self" | "thread-self")
    {
        return true;
    }
    path.starts_with("/proc/")
        && path
            .rsplit('/')
            .next()
            .is_some_and(|last| matches!(last, "environ" | "mem") || last.contains(['*', '?', '[']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for spec in COMMANDS {
            for name in spec.names {
                assert!(seen.insert(*name), "`{name}` is listed twice");
            }
        }
    }

    #[test]
    fn path_classes() {
        assert!(classify_path("/").contains(&PathClass::Root));
        assert!(classify_path("/*").contains(&PathClass::Root));
        assert!(classify_path("~").contains(&PathClass::Home));
        assert!(classify_path("$HOME").contains(&PathClass::Home));
        assert!(classify_path("~/").contains(&PathClass::Home));
        assert!(classify_path("..").contains(&PathClass::Parent));
        for (path, class) in [
            ("/tmp/..", PathClass::Root),
            ("/tmp/../", PathClass::Root),
            ("/tmp/../*", PathClass::Root),
            ("/tmp//..//.", PathClass::Root),
            ("./../..", PathClass::Parent),
            ("/tmp/../etc", PathClass::System),
            ("/home/x/../../etc/passwd", PathClass::CriticalSystem),
            ("$HOME/x/..", PathClass::Home),
        ] {
            assert!(classify_path(path).contains(&class), "{path}: {class:?}");
        }
        assert_eq!(lexically_normal("/a/./b//c"), Some("/a/b/c".to_owned()));
        assert_eq!(lexically_normal("../../x"), None);
        assert_eq!(lexically_normal("./x/.."), Some(".".to_owned()));
        assert_eq!(lexically_normal("/../.."), Some("/".to_owned()));
        assert!(classify_path("/tmp/./x").is_empty());
        assert!(classify_path("/etc").contains(&PathClass::System));
        assert!(classify_path("/etc/passwd").contains(&PathClass::CriticalSystem));
        assert!(classify_path("~/.ssh/id_rsa").contains(&PathClass::Secret));
        assert!(classify_path(".env").contains(&PathClass::Secret));
        for secret in [
            "HEAD:.env",
            "HEAD~1:config/.env.production",
            "/proc/1/environ",
            "/proc/*/environ",
            "/proc/$$/environ",
            "/proc/self/task/1/environ",
            "/proc/self/mem",
            "/proc/1/*",
            "/proc/1/e?viron",
        ] {
            assert!(
                classify_path(secret).contains(&PathClass::Secret),
                "{secret}"
            );
        }
        assert!(!classify_path("/proc/cpuinfo").contains(&PathClass::Secret));
        assert!(!classify_path("/proc/1/status").contains(&PathClass::Secret));
        for (raw, dir, class) in [
            ("shadow", "/etc", PathClass::Secret),
            ("passwd", "/etc/", PathClass::CriticalSystem),
            ("*", "/", PathClass::Root),
            (".", "~", PathClass::Home),
            ("*", "..", PathClass::Parent),
            ("known_hosts", "~/.ssh", PathClass::Secret),
            ("x", "/etc/cron.d", PathClass::Persistence),
        ] {
            assert!(
                classify_path_in(raw, &[dir.to_owned()]).contains(&class),
                "{raw} in {dir}: {class:?}"
            );
            assert!(!classify_path(raw).contains(&class), "{raw}: {class:?}");
        }
        assert_eq!(join_directory("/etc", "/tmp/x"), None);
        assert_eq!(join_directory("/etc", "https://x"), None);
        assert_eq!(join_directory("/", "x"), Some("/x".to_owned()));
        assert!(!classify_path(".env.example").contains(&PathClass::Secret));
        assert!(classify_path("~/.bashrc").contains(&PathClass::Persistence));
        assert!(classify_path("/dev/sda").contains(&PathClass::Device));
        assert!(classify_path("src/main.rs").is_empty());
        assert!(classify_path("/tmp/x").is_empty());
        assert!(classify_path("~/project").is_empty());
        // Every low-risk command is flag-exact but git, whose subcommands and options have
        // rules of their own.
        assert_eq!(flag_free(), ["git"]);
        let classes: Vec<PathClass> = classify_path("/etc/sudoers").into_iter().collect();
        assert_eq!(
            classes,
            [
                PathClass::System,
                PathClass::CriticalSystem,
                PathClass::Secret,
                PathClass::Persistence
            ]
        );
    }

    /// `path` with one component changed into a glob a person would write for it: its last
    /// character replaced by `?`, and everything after its first character by `*`.
    fn glob_variants(path: &str) -> Vec<String> {
        let parts: Vec<&str> = path.split('/').collect();
        let mut out = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let chars: Vec<char> = part.chars().collect();
            if chars.len() < 2 || part.starts_with(['~', '$']) {
                continue;
            }
            let last: String = chars[..chars.len() - 1].iter().collect::<String>() + "?";
            let star = format!("{}*", chars[0]);
            for replacement in [last, star] {
                let mut changed = parts.clone();
                changed[i] = &replacement;
                out.push(changed.join("/"));
            }
        }
        out
    }

    fn glob_classes(path: &str) -> PathClasses {
        let budget = std::cell::Cell::new(usize::MAX);
        classify_path_glob(path, true, crate::glob_paths::Expansion::default(), &budget)
    }

    #[test]
    fn globs_over_listed_paths_keep_their_class() {
        let mut cases: Vec<(String, PathClass)> = Vec::new();
        for path in CRITICAL_SYSTEM_FILES {
            cases.push(((*path).to_owned(), PathClass::CriticalSystem));
        }
        for path in SYSTEM_DIRS {
            cases.push(((*path).to_owned(), PathClass::System));
        }
        for prefix in DEVICE_PREFIXES {
            cases.push((format!("{prefix}a"), PathClass::Device));
        }
        for (markers, class) in [
            (SECRET_MARKERS, PathClass::Secret),
            (PERSISTENCE_MARKERS, PathClass::Persistence),
        ] {
            for marker in markers {
                let path = if marker.starts_with('$') {
                    continue;
                } else if marker.starts_with(['/', '~']) {
                    // Markers that hold anywhere under a directory (`/.ssh/`) are read under a
                    // home directory; absolute ones (`/etc/shadow`) as they are.
                    let under = if marker.starts_with("/etc") || marker.starts_with('~') {
                        ""
                    } else {
                        "/root"
                    };
                    format!("{under}{marker}")
                } else if marker.starts_with('.') && !marker.contains('/') && marker.len() < 6 {
                    // An extension (`.pem`): a file with a name and that extension.
                    format!("keys/server{marker}")
                } else {
                    format!("keys/{marker}")
                };
                let path = if path.ends_with('/') {
                    format!("{path}x")
                } else {
                    path
                };
                cases.push((path, class));
            }
        }
        for (path, class) in cases {
            assert!(classify_path(&path).contains(&class), "{path}: {class:?}");
            for glob in glob_variants(&path) {
                // A glob spanning only an extension's last letters is tested; `keys/s*`
                // could be any file, as `keys/*` could.
                if glob.starts_with("keys/") && glob.ends_with('*') && !glob.contains('.') {
                    continue;
                }
                assert!(
                    glob_classes(&glob).contains(&class),
                    "{glob} (from {path}): {class:?}"
                );
            }
        }
    }

    #[test]
    fn ordinary_globs_stay_unclassified() {
        for glob in [
            "*",
            "*.rs",
            "src/*.rs",
            "src/*/mod.rs",
            "src/**/*.rs",
            "docs/*.md",
            "target/debug/*",
            "/usr/bin/*",
            "/usr/lib/x86_64-linux-gnu/*.so",
            "/etc/apt/sources.list.d/*.list",
            "/tmp/*.log",
            "tests/data/*.txt",
            "*.[ch]",
            "file?.txt",
            "x*.rs",
        ] {
            // Only the classes of the directory as written (`/usr/bin` is a system path).
            let written = classify_path(glob.rsplit_once('/').map_or(".", |(dir, _)| dir));
            assert_eq!(glob_classes(glob), written, "{glob}");
        }
        // `/etc/*.conf` may be `/etc/resolv.conf`: a critical file to write, not a secret.
        let conf = glob_classes("/etc/*.conf");
        assert!(conf.contains(&PathClass::CriticalSystem));
        assert!(!conf.contains(&PathClass::Secret));
        // The leading-dot rule: `*` does not match `.ssh`, unless dotglob may be on.
        let budget = std::cell::Cell::new(usize::MAX);
        let dotglob = crate::glob_paths::Expansion { dotglob: true };
        assert!(!glob_classes("/srv/*aws/credentials").contains(&PathClass::Secret));
        assert!(
            classify_path_glob("/srv/*aws/credentials", true, dotglob, &budget)
                .contains(&PathClass::Secret)
        );
        assert!(glob_classes("/srv/.*aws/credentials").contains(&PathClass::Secret));
        // Without the glob flag (a quoted `*`), the text is a plain name.
        assert!(
            !classify_path_glob("/etc/sh*", false, dotglob, &budget).contains(&PathClass::Secret)
        );
        assert!(
            classify_path_glob("/etc/sh*", true, dotglob, &budget).contains(&PathClass::Secret)
        );
    }

    #[test]
    fn glob_budget_falls_back_high() {
        // Too many paths for one glob, or a spent budget: every class a name outside the
        // workspace may have.
        let budget = std::cell::Cell::new(usize::MAX);
        let none = crate::glob_paths::Expansion::default();
        let wide = classify_path_glob("/*/*/*", true, none, &budget);
        for class in [
            PathClass::Secret,
            PathClass::CriticalSystem,
            PathClass::Persistence,
        ] {
            assert!(wide.contains(&class), "{class:?}");
        }
        let spent = std::cell::Cell::new(0);
        assert!(classify_path_glob("/usr/bin/*", true, none, &spent).contains(&PathClass::Secret));
        // Inside the workspace: secrets and persistence only.
        let inside = classify_path_glob("a*/b*/c*/d*/e*/f*/g*", true, none, &budget);
        assert!(inside.contains(&PathClass::Secret));
        assert!(!inside.contains(&PathClass::System));
    }

    #[test]
    fn directories_that_hold_secrets() {
        for dir in [
            "/",
            "//",
            "/root",
            "/root/",
            "/home",
            "/home/alice",
            "/Users/bob",
            "/var/root",
            "~",
            "$HOME",
            "~alice",
            "..",
            "../..",
            "/etc",
            "/etc/ssh",
            "/etc/ssl/private",
            "/proc",
            "/proc/1",
            "/proc/self/root",
            "/proc/1/root/root",
            "/proc/1/cwd",
            "/run",
            "/run/secrets",
            "/var/run",
            "/root/.ssh",
            "/home/alice/.aws",
            "~/.ssh",
            "/tmp/../root",
            "keys/.ssh",
            // Outside the workspace and not a public tree.
            "/tmp",
            "/var/log",
            "/var/www",
            "/srv/app",
            "/etc/apt",
            "/home/alice/project",
            "../sibling",
            "/dev/fd/3",
            "/dev/stdin",
            "~/.",
        ] {
            assert!(holds_secrets(dir), "{dir}");
        }
        for dir in [
            ".",
            "src",
            "src/",
            "target",
            "/usr",
            "/usr/include",
            "/usr/share/doc",
            "/tmp/build",
            "/opt/app",
            "/nix/store/x",
        ] {
            assert!(!holds_secrets(dir), "{dir}");
        }
    }

    #[test]
    fn one_list_of_read_only_options_per_command() {
        for spec in COMMANDS.iter().filter(|c| c.known_flags.is_some()) {
            assert_eq!(
                spec.base, Low,
                "{:?}: known flags only matter for low",
                spec.names
            );
            for name in spec.names {
                assert!(
                    crate::read_only_flags::read_only(name).is_none(),
                    "`{name}` has known flags and an entry in read_only_flags"
                );
            }
        }
    }

    #[test]
    fn every_marker_has_a_prefilter_byte() {
        for marker in SECRET_MARKERS.iter().chain(PERSISTENCE_MARKERS) {
            assert!(
                marker.contains(['/', '.', '_', '-', '~', '$']),
                "{marker} escapes the prefilter of `contains_marker`"
            );
        }
    }

    proptest::proptest! {
        /// The byte searches agree with the standard library's.
        #[test]
        fn byte_searches_agree_with_str_contains(text in "[a-c./]{0,12}", needle in "[a-c./]{0,4}") {
            proptest::prop_assert_eq!(contains_str(&text, &needle), text.contains(needle.as_str()));
            if let [a, b] = needle.as_bytes() {
                proptest::prop_assert_eq!(contains_pair(&text, [*a, *b]), text.contains(needle.as_str()));
            }
        }
    }

    #[test]
    fn marker_matchers_are_built() {
        assert!(SECRET_MATCHER.is_some());
        assert!(PERSISTENCE_MATCHER.is_some());
    }

    proptest::proptest! {
        /// The marker automata find exactly what a case-insensitive search over the lists
        /// finds, a marker starting with `/` also at the start.
        #[test]
        fn marker_matchers_agree_with_substring_search(
            raw in "(\\.aws/|\\.SSH/)?[~/.$a-z_{}A-Z -]{0,12}(\\.ssh|id_rsa|\\.bashrc|/etc/cron|\\.pem|/\\.config/fish/|\\.GIT/)?[/.a-z]{0,6}"
        ) {
            for (markers, matcher) in [
                (SECRET_MARKERS, &SECRET_MATCHER),
                (PERSISTENCE_MARKERS, &PERSISTENCE_MATCHER),
            ] {
                proptest::prop_assert_eq!(
                    contains_marker(&raw, markers, matcher),
                    markers.iter().any(|m| marker_in(&raw, m))
                );
            }
        }
    }
}
