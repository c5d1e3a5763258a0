//! `SafeCommand`: run an allowed argv without a shell, with a cleared environment, a working
//! directory inside the root, a timeout and output caps.
//!
//! The working directory is opened inside the root by `palisade-path` when the command is
//! built, and the child starts in *that open directory*: on Linux the child is given
//! `/proc/self/fd/N` (a magic link the kernel resolves to the directory the descriptor
//! refers to, evaluated in the child between `fork` and `exec`, where the descriptor is still
//! open), so renaming the directory or swapping a symbolic link into its path after the
//! check changes nothing. Elsewhere the child is given the resolved path (the root joined
//! with the real path inside it), a check-then-use window. A missing `/proc` makes the spawn
//! fail (`ExecError::Io`), never fall back to the path.
//!
//! The child runs in a process group of its own. When it exits, or when the timeout passes,
//! the whole group is killed with `SIGKILL` *before* the child is reaped (so the group id
//! can't have been reused), so grandchildren it started do not outlive it. A process that
//! leaves the group (`setsid`, `setpgid`) escapes this; containing those needs a cgroup or a
//! PID namespace, which this crate does not set up.

use std::fs::File;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant};

use crate::approval::{self, Approver};
use crate::decision::{Decision, Gate};
use crate::policy::Verdict;

/// How a [`SafeCommand`] runs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExecOptions {
    /// The workspace root.
    pub root: PathBuf,
    /// The working directory, relative to the root (resolved inside it by `palisade-path`,
    /// following symbolic links only inside the root). Default `.`.
    pub cwd: String,
    /// Environment variables passed through from this process; all others are cleared.
    /// Default: `PATH`, `LANG`, `LC_ALL`, `TERM`. `PATH` keeps only absolute directories
    /// outside the root, so the workspace can't choose the program (`./bin/ls`).
    pub env_allowlist: Vec<String>,
    /// Environment variables set for the child, after the allowlist. Default: git
    /// configuration at the command line's precedence that keeps a repository's own
    /// configuration from running programs the line does not show: `core.fsmonitor=false`
    /// (a `.git/config` can name a command `git status` runs) and
    /// `safe.bareRepository=explicit` (a bare repository committed inside the workspace is
    /// not used unless `--git-dir` names it). See git-config(1), `GIT_CONFIG_COUNT`.
    pub set_env: Vec<(String, String)>,
    /// Wall-clock limit; the child's process group is killed (SIGKILL) when it passes.
    /// Default 60 s.
    pub timeout: Duration,
    /// Bytes kept of stdout and of stderr each; the rest is read and dropped. Default 1 MiB.
    pub max_output_bytes: usize,
}

impl ExecOptions {
    /// Options for a root, with the defaults above.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            cwd: ".".to_owned(),
            env_allowlist: ["PATH", "LANG", "LC_ALL", "TERM"]
                .map(str::to_owned)
                .to_vec(),
            set_env: [
                ("GIT_CONFIG_COUNT", "2"),
                ("GIT_CONFIG_KEY_0", "core.fsmonitor"),
                ("GIT_CONFIG_VALUE_0", "false"),
                ("GIT_CONFIG_KEY_1", "safe.bareRepository"),
                ("GIT_CONFIG_VALUE_1", "explicit"),
            ]
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .to_vec(),
            timeout: Duration::from_secs(60),
            max_output_bytes: 1024 * 1024,
        }
    }
}

/// Why a command was not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExecError {
    /// The gate (or the approver) did not allow the argv.
    #[error("not allowed ({verdict}): {}", reasons.join("; "))]
    NotAllowed {
        /// The final verdict.
        verdict: Verdict,
        /// The decision's reasons.
        reasons: Vec<String>,
    },
    /// The argv is empty.
    #[error("empty argv: give the program as the first word")]
    EmptyArgv,
    /// The working directory is not inside the root.
    #[error("working directory `{cwd}` rejected: {source}")]
    Cwd {
        /// The directory as given.
        cwd: String,
        /// Why.
        source: palisade_path::Error,
    },
    /// The working directory is not a directory.
    #[error("working directory `{cwd}` is not a directory; give a directory inside the root")]
    CwdNotADirectory {
        /// The directory as given.
        cwd: String,
    },
    /// Spawning or waiting failed.
    #[error("cannot run `{program}`: {source}")]
    Io {
        /// The program.
        program: String,
        /// The error.
        source: std::io::Error,
    },
}

/// What a finished command did.
#[derive(Debug)]
#[non_exhaustive]
pub struct ExecOutcome {
    /// Exit status (after a kill on timeout, the signal status).
    pub status: ExitStatus,
    /// The first `max_output_bytes` of standard output.
    pub stdout: Vec<u8>,
    /// The first `max_output_bytes` of standard error.
    pub stderr: Vec<u8>,
    /// Killed because the timeout passed.
    pub timed_out: bool,
    /// Output was cut at the cap (or not read to its end: a process outside the command's
    /// group kept the pipe open past the deadline).
    pub truncated: bool,
}

/// An argv the gate allowed, ready to run without a shell. Only constructible through
/// [`SafeCommand::new`] or [`SafeCommand::approved`], which decide on the exact argv.
#[derive(Debug)]
pub struct SafeCommand {
    argv: Vec<String>,
    /// The resolved working directory (shown in errors; the child's directory on systems
    /// without `/proc/self/fd`).
    cwd: PathBuf,
    /// The working directory, opened inside the root: what the child starts in.
    cwd_dir: File,
    options: ExecOptions,
    decision: Decision,
}

/// The host's `PATH` without the entries that would let the workspace choose the program:
/// empty and relative ones (the working directory) and those inside the root (`./bin`,
/// `node_modules/.bin`); an allowed `ls` ran a repository's `bin/ls` (found by probing,
/// session 9).
fn program_path(value: &std::ffi::OsStr, root: &std::path::Path) -> std::ffi::OsString {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let kept: Vec<PathBuf> = std::env::split_paths(value)
        .filter(|dir| dir.is_absolute())
        .filter(|dir| {
            let real = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
            !real.starts_with(&root) && !dir.starts_with(&root)
        })
        .collect();
    std::env::join_paths(kept).unwrap_or_default()
}

impl SafeCommand {
    /// Decides on `argv` with `gate`; only an allow gives a command.
    pub fn new(gate: &Gate, argv: Vec<String>, options: ExecOptions) -> Result<Self, ExecError> {
        let decision = gate.decide_argv_in(&options.cwd, &argv);
        if decision.verdict != Verdict::Allow {
            return Err(ExecError::NotAllowed {
                verdict: decision.verdict,
                reasons: decision.reasons,
            });
        }
        Self::build(argv, options, decision)
    }

    /// As [`SafeCommand::new`], asking `approver` when the decision is "ask" (the answer is
    /// bound to this argv's digest).
    pub fn approved(
        gate: &Gate,
        argv: Vec<String>,
        options: ExecOptions,
        approver: &dyn Approver,
    ) -> Result<Self, ExecError> {
        let decision = gate.decide_argv_in(&options.cwd, &argv);
        let (verdict, _) = approval::resolve(&decision, approver);
        if verdict != Verdict::Allow {
            return Err(ExecError::NotAllowed {
                verdict,
                reasons: decision.reasons,
            });
        }
        Self::build(argv, options, decision)
    }

    fn build(
        argv: Vec<String>,
        options: ExecOptions,
        decision: Decision,
    ) -> Result<Self, ExecError> {
        if argv.is_empty() {
            return Err(ExecError::EmptyArgv);
        }
        let cwd_error = |source| ExecError::Cwd {
            cwd: options.cwd.clone(),
            source,
        };
        let root = palisade_path::Root::new(&options.root).map_err(cwd_error)?;
        let resolved = root.resolve(&options.cwd).map_err(cwd_error)?;
        let cwd = options.root.join(resolved.path.to_path_buf());
        let not_a_directory = || ExecError::CwdNotADirectory {
            cwd: options.cwd.clone(),
        };
        // Opening a FIFO for reading blocks until a writer comes: refuse anything that is not
        // a directory by name first (the handle below is checked again; this only avoids the
        // hang).
        if resolved.exists && !std::fs::metadata(&cwd).is_ok_and(|m| m.is_dir()) {
            return Err(not_a_directory());
        }
        let cwd_dir = root
            .open(
                &options.cwd,
                &palisade_path::OpenOptions::new()
                    .read(true)
                    .follow_final_symlink(true),
            )
            .map_err(cwd_error)?;
        if !cwd_dir.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(not_a_directory());
        }
        Ok(Self {
            argv,
            cwd,
            cwd_dir,
            options,
            decision,
        })
    }

    /// The working directory: the root joined with the real path inside it, as resolved
    /// when the command was built (the child starts in the directory opened then; see the
    /// module docs).
    pub fn cwd(&self) -> &std::path::Path {
        &self.cwd
    }

    /// The decision that allowed it.
    pub fn decision(&self) -> &Decision {
        &self.decision
    }

    /// Runs the command to completion (or until the timeout kills it). Either way its
    /// process group is killed before this returns.
    pub fn run(&self) -> Result<ExecOutcome, ExecError> {
        use std::os::unix::process::CommandExt as _;

        let program = self.argv.first().cloned().unwrap_or_default();
        let io = |source| ExecError::Io {
            program: program.clone(),
            source,
        };
        let mut command = Command::new(&program);
        command
            .args(self.argv.iter().skip(1))
            .env_clear()
            .current_dir(self.child_dir())
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for name in &self.options.env_allowlist {
            if let Some(value) = std::env::var_os(name) {
                if name == "PATH" {
                    command.env(name, program_path(&value, &self.options.root));
                } else {
                    command.env(name, value);
                }
            }
        }
        for (name, value) in &self.options.set_env {
            command.env(name, value);
        }
        let mut child = command.spawn().map_err(io)?;
        let cap = self.options.max_output_bytes;
        let stdout = child.stdout.take().map(|s| Capture::start(s, cap));
        let stderr = child.stderr.take().map(|s| Capture::start(s, cap));
        let deadline = Instant::now() + self.options.timeout;
        let group = rustix::process::Pid::from_child(&child);
        let mut timed_out = false;
        loop {
            // WNOWAIT: the child stays a zombie, so its pid (the group id) is not reused
            // before the group is killed below.
            let exited = rustix::process::waitid(
                rustix::process::WaitId::Pid(group),
                rustix::process::WaitIdOptions::EXITED
                    | rustix::process::WaitIdOptions::NOHANG
                    | rustix::process::WaitIdOptions::NOWAIT,
            );
            match exited {
                Ok(Some(_)) => break,
                Ok(None) | Err(rustix::io::Errno::INTR) => {}
                Err(e) => {
                    // Never leave the command running behind an error.
                    let _ =
                        rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
                    let _ = child.wait();
                    return Err(io(e.into()));
                }
            }
            if Instant::now() >= deadline {
                timed_out = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        // ESRCH (nothing left in the group) is fine.
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        let status = child.wait().map_err(io)?;
        // Every process of the group is gone, so the pipes close; one that left the group may
        // still hold them: wait a little past the deadline, then give up reading.
        let grace = deadline.max(Instant::now()) + Duration::from_millis(100);
        let (stdout, cut_out) = stdout.map_or_else(Default::default, |c| c.finish(grace));
        let (stderr, cut_err) = stderr.map_or_else(Default::default, |c| c.finish(grace));
        Ok(ExecOutcome {
            status,
            stdout,
            stderr,
            timed_out,
            truncated: cut_out || cut_err,
        })
    }

    /// The directory the child starts in: the open handle itself where `/proc/self/fd`
    /// names it (see the module docs), else the resolved path.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn child_dir(&self) -> PathBuf {
        use std::os::fd::AsRawFd as _;
        PathBuf::from(format!("/proc/self/fd/{}", self.cwd_dir.as_raw_fd()))
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn child_dir(&self) -> PathBuf {
        self.cwd.clone()
    }
}

/// Output read from a pipe by a thread of its own.
struct Capture {
    kept: Arc<Mutex<(Vec<u8>, bool)>>,
    done: mpsc::Receiver<()>,
}

impl Capture {
    fn start(pipe: impl std::io::Read + Send + 'static, cap: usize) -> Self {
        let kept = Arc::new(Mutex::new((Vec::new(), false)));
        let (tx, done) = mpsc::channel();
        let shared = Arc::clone(&kept);
        std::thread::spawn(move || {
            read_capped(pipe, cap, &shared);
            let _ = tx.send(());
        });
        Self { kept, done }
    }

    /// What was read; `truncated` also when the pipe was not at its end by `until`.
    fn finish(self, until: Instant) -> (Vec<u8>, bool) {
        let finished = self
            .done
            .recv_timeout(until.saturating_duration_since(Instant::now()))
            .is_ok();
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let (bytes, truncated) = std::mem::take(&mut *kept);
        (bytes, truncated || !finished)
    }
}

/// Reads a pipe to its end, keeping the first `cap` bytes in `kept` (and whether more came).
fn read_capped(mut pipe: impl std::io::Read, cap: usize, kept: &Mutex<(Vec<u8>, bool)>) {
    let mut buf = [0u8; 8192];
    loop {
        match pipe.read(&mut buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let chunk = buf.get(..n).unwrap_or(&[]);
                let mut kept = kept.lock().unwrap_or_else(PoisonError::into_inner);
                let room = cap.saturating_sub(kept.0.len());
                if chunk.len() > room {
                    kept.1 = true;
                }
                kept.0
                    .extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or(&[]));
            }
        }
    }
}

#[cfg(test)]
mod program_path_tests {
    use super::program_path;

    #[test]
    fn workspace_and_relative_entries_leave_the_path() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let inside = root.path().join("node_modules/.bin");
        let value = std::env::join_paths([
            std::path::PathBuf::from("bin"),
            std::path::PathBuf::from("/usr/bin"),
            std::path::PathBuf::new(),
            inside,
            std::path::PathBuf::from("/bin"),
        ])
        .unwrap_or_else(|e| panic!("join: {e}"));
        assert_eq!(program_path(&value, root.path()), "/usr/bin:/bin");
    }
}
