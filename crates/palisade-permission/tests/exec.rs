//! `SafeCommand` with real child processes: argv only, cleared environment, working
//! directory inside the root (opened, so a swap after the check is not followed), timeout
//! with SIGKILL of the whole process group, output caps, only from an allow.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code fails loudly"
)]

use std::time::{Duration, Instant};

use palisade_permission::{
    Answer, ArgvDigest, DenyAll, ExecError, ExecOptions, ExecOutcome, Gate, PolicySet, SafeCommand,
    Scripted,
};

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

#[test]
fn runs_an_allowed_argv_without_a_shell() {
    let root = tempfile::tempdir().unwrap();
    let gate = Gate::new(PolicySet::new());
    // Shell syntax in an argument is passed as text.
    let cmd = SafeCommand::new(
        &gate,
        argv(&["echo", "$(id)", ";", "reboot"]),
        ExecOptions::new(root.path()),
    )
    .unwrap();
    let out = cmd.run().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, b"$(id) ; reboot\n");
    assert!(!out.timed_out && !out.truncated);
}

#[test]
fn refuses_what_the_gate_does_not_allow() {
    let root = tempfile::tempdir().unwrap();
    let gate = Gate::new(PolicySet::new());
    let err = SafeCommand::new(
        &gate,
        argv(&["rm", "-rf", "/"]),
        ExecOptions::new(root.path()),
    )
    .unwrap_err();
    assert!(matches!(err, ExecError::NotAllowed { .. }), "{err}");
    let err = SafeCommand::new(
        &gate,
        argv(&["cargo", "test"]),
        ExecOptions::new(root.path()),
    )
    .unwrap_err();
    assert!(matches!(err, ExecError::NotAllowed { .. }));
    let err = SafeCommand::approved(
        &gate,
        argv(&["cargo", "test"]),
        ExecOptions::new(root.path()),
        &DenyAll,
    )
    .unwrap_err();
    assert!(matches!(err, ExecError::NotAllowed { .. }));
}

#[test]
fn an_approval_for_this_argv_lets_it_run() {
    let root = tempfile::tempdir().unwrap();
    let gate = Gate::new(PolicySet::new());
    let words = argv(&["touch", "made-by-child"]);
    let digest = ArgvDigest::of(&gate.decide_argv(&words));
    let approver = Scripted::new().answer(digest, Answer::AllowOnce);
    let cmd =
        SafeCommand::approved(&gate, words, ExecOptions::new(root.path()), &approver).unwrap();
    assert!(cmd.run().unwrap().status.success());
    assert!(root.path().join("made-by-child").exists());
    // The same approval does not cover another file.
    let other = SafeCommand::approved(
        &gate,
        argv(&["touch", "other"]),
        ExecOptions::new(root.path()),
        &approver,
    );
    assert!(other.is_err());
}

#[test]
fn environment_is_cleared_to_the_allowlist() {
    let root = tempfile::tempdir().unwrap();
    let gate = Gate::new(PolicySet::new());
    let mut options = ExecOptions::new(root.path());
    options.env_allowlist = vec!["PATH".to_owned()];
    // HOME is set in the test process but not passed on.
    assert!(std::env::var_os("PATH").is_some());
    let out = SafeCommand::new(&gate, argv(&["printenv", "HOME"]), options.clone())
        .unwrap()
        .run()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let out = SafeCommand::new(&gate, argv(&["printenv", "PATH"]), options)
        .unwrap()
        .run()
        .unwrap();
    assert!(out.status.success() && !out.stdout.is_empty());
}

#[test]
fn working_directory_stays_inside_the_root() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("sub")).unwrap();
    std::os::unix::fs::symlink("/etc", root.path().join("etc-link")).unwrap();
    let gate = Gate::new(PolicySet::new());
    let mut options = ExecOptions::new(root.path());
    options.cwd = "sub".to_owned();
    let out = SafeCommand::new(&gate, argv(&["pwd"]), options.clone())
        .unwrap()
        .run()
        .unwrap();
    let pwd = String::from_utf8(out.stdout).unwrap();
    assert!(pwd.trim_end().ends_with("/sub"), "{pwd}");
    for escape in ["..", "../..", "etc-link", "/etc"] {
        options.cwd = escape.to_owned();
        let err = SafeCommand::new(&gate, argv(&["pwd"]), options.clone()).unwrap_err();
        assert!(matches!(err, ExecError::Cwd { .. }), "{escape}: {err}");
    }
}

#[test]
fn timeout_kills_the_child() {
    let root = tempfile::tempdir().unwrap();
    let gate = Gate::new(PolicySet::new());
    let mut options = ExecOptions::new(root.path());
    options.timeout = Duration::from_millis(200);
    let started = Instant::now();
    let out = SafeCommand::new(&gate, argv(&["sleep", "30"]), options)
        .unwrap()
        .run()
        .unwrap();
    assert!(out.timed_out);
    assert!(!out.status.success());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn output_is_capped() {
    let root = tempfile::tempdir().unwrap();
    let gate = Gate::new(PolicySet::new());
    let mut options = ExecOptions::new(root.path());
    options.max_output_bytes = 1000;
    options.timeout = Duration::from_millis(300);
    // `yes` writes forever: the cap keeps 1,000 bytes and the timeout ends it.
    let out = SafeCommand::new(&gate, argv(&["yes"]), options)
        .unwrap()
        .run()
        .unwrap();
    assert_eq!(out.stdout.len(), 1000);
    assert!(out.truncated && out.timed_out);
}

/// Runs `sh -c SCRIPT` approved by digest (the line has run-time words, so the gate asks).
fn run_shell(root: &std::path::Path, script: &str, timeout: Duration) -> ExecOutcome {
    let gate = Gate::new(PolicySet::new());
    let words = argv(&["sh", "-c", script]);
    let digest = ArgvDigest::of(&gate.decide_argv(&words));
    let approver = Scripted::new().answer(digest, Answer::AllowOnce);
    let mut options = ExecOptions::new(root);
    options.timeout = timeout;
    SafeCommand::approved(&gate, words, options, &approver)
        .unwrap()
        .run()
        .unwrap()
}

/// Whether a process is gone (no `/proc` entry) or a zombie waiting for init to reap it.
fn is_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

fn wait_gone(pid: u32) -> bool {
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        if is_gone(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

#[test]
fn timeout_kills_grandchildren_too() {
    let root = tempfile::tempdir().unwrap();
    let started = Instant::now();
    // The grandchild's pid goes to a file: its stdout is the pipe we read.
    let out = run_shell(
        root.path(),
        "sleep 30 & echo $! > pid; wait",
        Duration::from_millis(300),
    );
    assert!(out.timed_out);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let pid: u32 = std::fs::read_to_string(root.path().join("pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(wait_gone(pid), "grandchild {pid} survived the timeout");
}

#[test]
fn grandchildren_do_not_outlive_a_finished_command() {
    let root = tempfile::tempdir().unwrap();
    let started = Instant::now();
    // The shell exits at once; the background `sleep` keeps stdout open and would keep the
    // output readers (and the caller) waiting for 30 s if it lived on.
    let out = run_shell(root.path(), "sleep 30 & echo $!", Duration::from_secs(20));
    assert!(!out.timed_out);
    assert!(out.status.success());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let pid: u32 = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        wait_gone(pid),
        "background process {pid} outlived the command"
    );
}

#[test]
fn the_child_starts_in_the_directory_checked_even_if_it_is_swapped() {
    let root = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("sub")).unwrap();
    std::fs::write(root.path().join("sub/inside.txt"), "in").unwrap();
    std::fs::write(outside.path().join("outside.txt"), "out").unwrap();
    let gate = Gate::new(PolicySet::new());
    let mut options = ExecOptions::new(root.path());
    options.cwd = "sub".to_owned();
    let cmd = SafeCommand::new(&gate, argv(&["ls"]), options).unwrap();
    assert!(cmd.cwd().ends_with("sub"));
    // After the check: the directory is renamed and a symbolic link to a directory outside
    // the root takes its name.
    std::fs::rename(root.path().join("sub"), root.path().join("moved")).unwrap();
    std::os::unix::fs::symlink(outside.path(), root.path().join("sub")).unwrap();
    let out = cmd.run().unwrap();
    let listing = String::from_utf8(out.stdout).unwrap();
    assert_eq!(listing.trim(), "inside.txt", "{listing}");
}

#[test]
fn a_working_directory_that_is_not_a_directory_is_refused() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("file"), "x").unwrap();
    let fifo = root.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let gate = Gate::new(PolicySet::new());
    for cwd in ["file", "fifo", "missing"] {
        let mut options = ExecOptions::new(root.path());
        options.cwd = cwd.to_owned();
        let started = Instant::now();
        let err = SafeCommand::new(&gate, argv(&["pwd"]), options).unwrap_err();
        assert!(
            matches!(
                err,
                ExecError::CwdNotADirectory { .. } | ExecError::Cwd { .. }
            ),
            "{cwd}: {err}"
        );
        assert!(started.elapsed() < Duration::from_secs(2), "{cwd}");
    }
}

/// Runs `git ARGS` in `dir` directly, for setting up a repository.
fn git(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap()
}

#[test]
fn a_repositorys_own_configuration_runs_nothing_under_safe_command() {
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: git is not installed");
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let marker = root.path().join("fsmonitor-ran");
    assert!(git(root.path(), &["init", "-q"]).status.success());
    let hook = format!("touch {}; false", marker.display());
    assert!(
        git(root.path(), &["config", "core.fsmonitor", &hook])
            .status
            .success()
    );
    // Without the hardening, `git status` runs the repository's fsmonitor command: the test
    // can fail.
    let _ = git(root.path(), &["status"]);
    assert!(
        marker.exists(),
        "git did not run core.fsmonitor; the check below proves nothing"
    );
    std::fs::remove_file(&marker).unwrap();

    let gate = Gate::new(PolicySet::new());
    let out = SafeCommand::new(
        &gate,
        argv(&["git", "status"]),
        ExecOptions::new(root.path()),
    )
    .unwrap()
    .run()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!marker.exists(), "core.fsmonitor ran under SafeCommand");

    // A bare repository committed inside the workspace is not used unless named.
    assert!(
        git(root.path(), &["init", "-q", "--bare", "vendor.git"])
            .status
            .success()
    );
    let mut options = ExecOptions::new(root.path());
    options.cwd = "vendor.git".to_owned();
    // The gate asks for git in a directory named like a bare repository ...
    assert!(SafeCommand::new(&gate, argv(&["git", "log", "-1"]), options.clone()).is_err());
    // ... and where a rule allows it, git itself refuses to use the repository.
    let gate = Gate::new(
        PolicySet::new().with(
            palisade_permission::Layer::User,
            palisade_permission::Policy::from_toml(
                "[[rule]]\naction = \"allow\"\ncommand = \"git log *\"\n",
                "allow.toml",
            )
            .unwrap(),
        ),
    );
    let out = SafeCommand::new(&gate, argv(&["git", "log", "-1"]), options)
        .unwrap()
        .run()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bare repository"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
