//! Running a permitted argv: no shell, a cleared environment, a working directory inside the
//! root, bounded output and a deadline.

use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How a permitted command is run.
#[derive(Debug, Clone)]
pub(crate) struct ExecSettings {
    /// The only environment the child gets.
    pub env: Vec<(String, String)>,
    /// Killed (SIGKILL) after this long.
    pub timeout: Duration,
    /// Bytes kept of stdout and of stderr each; the rest is read and dropped.
    pub max_output: usize,
}

impl Default for ExecSettings {
    fn default() -> Self {
        Self {
            env: vec![
                ("PATH".to_owned(), "/usr/local/bin:/usr/bin:/bin".to_owned()),
                ("LANG".to_owned(), "C.UTF-8".to_owned()),
            ],
            timeout: Duration::from_secs(30),
            max_output: 1 << 20,
        }
    }
}

/// How long output is collected after the command exited.
const OUTPUT_GRACE: Duration = Duration::from_secs(2);

/// What a finished command did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CommandOutcome {
    /// The exit code; `None` when killed by a signal (also after the timeout).
    pub exit_code: Option<i32>,
    /// True when the guard killed it at the deadline.
    pub timed_out: bool,
    /// Standard output (up to the configured limit).
    pub stdout: Vec<u8>,
    /// Standard error (up to the configured limit).
    pub stderr: Vec<u8>,
    /// True when output beyond the limit was dropped.
    pub truncated: bool,
    /// Wall time.
    pub elapsed: Duration,
    /// The audit sequence number of the outcome event, when recorded.
    pub audit_seq: Option<u64>,
}

impl CommandOutcome {
    /// Exited with status 0.
    pub fn success(&self) -> bool {
        self.exit_code == Some(0)
    }
}

fn read_bounded(mut reader: impl std::io::Read, max: usize) -> (Vec<u8>, bool) {
    let mut kept = Vec::new();
    let mut truncated = false;
    let mut buf = [0u8; 8192];
    loop {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = max.saturating_sub(kept.len());
                let take = n.min(room);
                kept.extend_from_slice(buf.get(..take).unwrap_or_default());
                if take < n {
                    truncated = true;
                }
            }
        }
    }
    (kept, truncated)
}

/// Runs `argv` in `cwd` (an absolute directory inside the root).
pub(crate) fn run(
    argv: &[String],
    cwd: &Path,
    settings: &ExecSettings,
) -> std::io::Result<CommandOutcome> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty argv"))?;
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .env_clear()
        .envs(settings.env.iter().map(|(k, v)| (k, v)))
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so the deadline kills whatever it started too.
        .process_group(0)
        .spawn()?;
    let max = settings.max_output;
    let reader = |stream: Option<Box<dyn std::io::Read + Send>>| {
        let (tx, rx) = mpsc::channel();
        if let Some(stream) = stream {
            std::thread::spawn(move || {
                let _ = tx.send(read_bounded(stream, max));
            });
        }
        rx
    };
    let stdout = reader(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    );
    let stderr = reader(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    );
    let deadline = started + settings.timeout;
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            timed_out = true;
            // SIGKILL to the group (the child is not reaped yet, so its id still names the
            // group), then to the child itself; reaped by the wait below.
            let _ = rustix::process::kill_process_group(
                rustix::process::Pid::from_child(&child),
                rustix::process::Signal::KILL,
            );
            let _ = child.kill();
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    // A process the command left behind may still hold the pipes open: don't wait for it
    // longer than a grace period (its output is then dropped and marked truncated).
    let grace_ends = Instant::now() + OUTPUT_GRACE;
    let join = |rx: mpsc::Receiver<(Vec<u8>, bool)>| {
        rx.recv_timeout(grace_ends.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| (Vec::new(), true))
    };
    let (stdout, out_truncated) = join(stdout);
    let (stderr, err_truncated) = join(stderr);
    Ok(CommandOutcome {
        exit_code: status.code(),
        timed_out,
        stdout,
        stderr,
        truncated: out_truncated || err_truncated,
        elapsed: started.elapsed(),
        audit_seq: None,
    })
}
