//! `SafeCommand`: run an allowed argv without a shell, with a cleared environment, a working
//! directory inside the root, a timeout and output caps.

use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
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
    /// Default: `PATH`, `LANG`, `LC_ALL`, `TERM`.
    pub env_allowlist: Vec<String>,
    /// Wall-clock limit; the child is killed (SIGKILL) when it passes. Default 60 s.
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
    /// Output was cut at the cap.
    pub truncated: bool,
}

/// An argv the gate allowed, ready to run without a shell. Only constructible through
/// [`SafeCommand::new`] or [`SafeCommand::approved`], which decide on the exact argv.
#[derive(Debug)]
pub struct SafeCommand {
    argv: Vec<String>,
    cwd: PathBuf,
    options: ExecOptions,
    decision: Decision,
}

impl SafeCommand {
    /// Decides on `argv` with `gate`; only an allow gives a command.
    pub fn new(gate: &Gate, argv: Vec<String>, options: ExecOptions) -> Result<Self, ExecError> {
        let decision = gate.decide_argv(&argv);
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
        let decision = gate.decide_argv(&argv);
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
        Ok(Self {
            argv,
            cwd,
            options,
            decision,
        })
    }

    /// The decision that allowed it.
    pub fn decision(&self) -> &Decision {
        &self.decision
    }

    /// Runs the command to completion (or until the timeout kills it).
    pub fn run(&self) -> Result<ExecOutcome, ExecError> {
        let program = self.argv.first().cloned().unwrap_or_default();
        let io = |source| ExecError::Io {
            program: program.clone(),
            source,
        };
        let mut command = Command::new(&program);
        command
            .args(self.argv.iter().skip(1))
            .env_clear()
            .current_dir(&self.cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for name in &self.options.env_allowlist {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
        let mut child = command.spawn().map_err(io)?;
        let cap = self.options.max_output_bytes;
        let stdout = child
            .stdout
            .take()
            .map(|s| std::thread::spawn(move || read_capped(s, cap)));
        let stderr = child
            .stderr
            .take()
            .map(|s| std::thread::spawn(move || read_capped(s, cap)));
        let deadline = Instant::now() + self.options.timeout;
        let mut timed_out = false;
        let status = loop {
            if let Some(status) = child.try_wait().map_err(io)? {
                break status;
            }
            if Instant::now() >= deadline {
                timed_out = true;
                // Child::kill sends SIGKILL on Unix.
                let _ = child.kill();
                break child.wait().map_err(io)?;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let join = |h: Option<std::thread::JoinHandle<(Vec<u8>, bool)>>| {
            h.and_then(|h| h.join().ok()).unwrap_or_default()
        };
        let (stdout, cut_out) = join(stdout);
        let (stderr, cut_err) = join(stderr);
        Ok(ExecOutcome {
            status,
            stdout,
            stderr,
            timed_out,
            truncated: cut_out || cut_err,
        })
    }
}

/// Reads a pipe to its end, keeping the first `cap` bytes.
fn read_capped(mut pipe: impl std::io::Read, cap: usize) -> (Vec<u8>, bool) {
    let mut kept = Vec::new();
    let mut truncated = false;
    let mut buf = [0u8; 8192];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let chunk = buf.get(..n).unwrap_or(&[]);
                let room = cap.saturating_sub(kept.len());
                if chunk.len() > room {
                    truncated = true;
                }
                kept.extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or(&[]));
            }
        }
    }
    (kept, truncated)
}
