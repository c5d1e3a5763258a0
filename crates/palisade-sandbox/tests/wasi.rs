//! WASI preview 1 guests written in WAT: captured stdio, and nothing of the host's files,
//! environment or arguments unless granted.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code fails loudly"
)]

use std::time::{Duration, Instant};

use palisade_sandbox::{DirAccess, ErrorKind, Limits, Sandbox, WasiGrants};

/// WASI errno values (wasi_snapshot_preview1 `errno`).
const ERRNO_BADF: i32 = 8;
const ERRNO_NOTCAPABLE: i32 = 76;
const ERRNO_PERM: i32 = 63;

fn sandbox(grants: WasiGrants) -> Sandbox {
    Sandbox::builder()
        .timeout(Duration::from_secs(2))
        .wasi(grants)
        .build()
        .unwrap()
}

const IMPORTS: &str = r#"
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
"#;

fn command(body: &str) -> String {
    format!("(module {IMPORTS} {body})")
}

#[test]
fn hello_world_is_captured() {
    let wat = command(
        r#"(data (i32.const 16) "hello, wasi\n")
        (func (export "_start")
          (i32.store (i32.const 0) (i32.const 16))
          (i32.store (i32.const 4) (i32.const 12))
          (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
          (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8))))"#,
    );
    let plugin = sandbox(WasiGrants::new()).load_wat(&wat).unwrap();
    let outcome = plugin.run_command(b"").unwrap();
    assert_eq!(outcome.value.exit_code, 0);
    assert_eq!(outcome.value.stdout, b"hello, wasi\n");
    assert_eq!(outcome.value.stderr, b"hello, wasi\n");
    assert!(outcome.report.fuel_consumed.unwrap() > 0);
}

#[test]
fn stdin_comes_from_bytes_and_exit_codes_are_reported() {
    // Reads up to 256 bytes of stdin at 512, echoes them, exits 3.
    let wat = command(
        r#"(func (export "_start")
          (i32.store (i32.const 0) (i32.const 512))
          (i32.store (i32.const 4) (i32.const 256))
          (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
          (i32.store (i32.const 4) (i32.load (i32.const 8)))
          (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
          (call $proc_exit (i32.const 3)))"#,
    );
    let plugin = sandbox(WasiGrants::new()).load_wat(&wat).unwrap();
    let outcome = plugin.run_command(b"ping").unwrap();
    assert_eq!(outcome.value.exit_code, 3);
    assert_eq!(outcome.value.stdout, b"ping");
}

/// Opens the path at 64 (of `len` bytes) relative to fd `dirfd`; on success reads from it and
/// writes what it read to stdout. Exits with path_open's errno.
fn open_attempt(path: &str, dirfd: i32) -> String {
    command(&format!(
        r#"(data (i32.const 64) "{path}")
        (func (export "_start")
          (local $errno i32)
          (local.set $errno
            (call $path_open (i32.const {dirfd}) (i32.const 1) (i32.const 64) (i32.const {len})
              (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 32)))
          (if (i32.eqz (local.get $errno))
            (then
              (i32.store (i32.const 0) (i32.const 1024))
              (i32.store (i32.const 4) (i32.const 4096))
              (drop (call $fd_read (i32.load (i32.const 32)) (i32.const 0) (i32.const 1) (i32.const 8)))
              (i32.store (i32.const 4) (i32.load (i32.const 8)))
              (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
          (call $proc_exit (local.get $errno)))"#,
        len = path.len()
    ))
}

#[test]
fn no_preopens_means_no_files_at_all() {
    let sandbox = sandbox(WasiGrants::new());
    for (path, dirfd) in [
        ("/etc/passwd", 3),
        ("../../../../etc/passwd", 3),
        ("/etc/passwd", 0),
        ("/etc/passwd", 1),
    ] {
        let plugin = sandbox.load_wat(&open_attempt(path, dirfd)).unwrap();
        let outcome = plugin.run_command(b"").unwrap();
        assert_ne!(outcome.value.exit_code, 0, "{path} via fd {dirfd} opened");
        assert!(outcome.value.stdout.is_empty());
    }
    let plugin = sandbox.load_wat(&open_attempt("/etc/passwd", 3)).unwrap();
    assert_eq!(plugin.run_command(b"").unwrap().value.exit_code, ERRNO_BADF);
}

#[test]
fn a_read_only_preopen_does_not_let_the_guest_escape() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("data")).unwrap();
    std::fs::write(root.path().join("data/inside.txt"), b"inside").unwrap();
    std::fs::write(root.path().join("outside.txt"), b"outside").unwrap();
    let sandbox = sandbox(WasiGrants::new().read_only_dir(root.path(), "data", "/data"));
    let inside = sandbox.load_wat(&open_attempt("inside.txt", 3)).unwrap();
    let outcome = inside.run_command(b"").unwrap();
    assert_eq!(outcome.value.exit_code, 0);
    assert_eq!(outcome.value.stdout, b"inside");
    for path in [
        "../outside.txt",
        "/etc/passwd",
        "../../../../../../etc/passwd",
        "./../outside.txt",
    ] {
        let plugin = sandbox.load_wat(&open_attempt(path, 3)).unwrap();
        let outcome = plugin.run_command(b"").unwrap();
        assert!(
            [ERRNO_NOTCAPABLE, ERRNO_PERM].contains(&outcome.value.exit_code),
            "{path}: errno {}",
            outcome.value.exit_code
        );
        assert!(outcome.value.stdout.is_empty(), "{path} leaked");
    }
}

#[test]
fn a_read_only_preopen_refuses_writes() {
    let root = tempfile::tempdir().unwrap();
    let sandbox = sandbox(WasiGrants::new().read_only_dir(root.path(), ".", "/data"));
    let wat = create_attempt();
    let outcome = sandbox.load_wat(&wat).unwrap().run_command(b"").unwrap();
    assert_ne!(outcome.value.exit_code, 0);
    assert!(!root.path().join("new.txt").exists());
    // The same guest can create the file when write access is granted explicitly, so the
    // refusal above comes from the read-only default.
    let writable =
        self::sandbox(WasiGrants::new().dir(root.path(), ".", "/data", DirAccess::ReadWrite));
    let outcome = writable.load_wat(&wat).unwrap().run_command(b"").unwrap();
    assert_eq!(outcome.value.exit_code, 0);
    assert!(root.path().join("new.txt").exists());
}

/// Creates `new.txt` in fd 3 and exits with path_open's errno.
fn create_attempt() -> String {
    // oflags 1 = O_CREAT; rights: fd_write.
    command(
        r#"(data (i32.const 64) "new.txt")
        (func (export "_start")
          (call $proc_exit
            (call $path_open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const 7)
              (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 32))))"#,
    )
}

/// A root with `data/inside.txt`, `data/sub/deep.txt`, `file.txt`, a link `to_data -> data`
/// inside it, and next to it (outside) `outside/secret.txt`; links from inside to outside:
/// `escape -> <outside>` (absolute), `data/up -> ../../outside` and `data/abs -> <outside>`.
struct Tree {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
    outside: std::path::PathBuf,
}

fn tree() -> Tree {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(root.join("data/sub")).unwrap();
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(root.join("data/inside.txt"), b"inside").unwrap();
    std::fs::write(root.join("data/sub/deep.txt"), b"deep").unwrap();
    std::fs::write(root.join("file.txt"), b"file").unwrap();
    std::fs::write(outside.join("secret.txt"), b"secret").unwrap();
    symlink("data", root.join("to_data")).unwrap();
    symlink(&outside, root.join("escape")).unwrap();
    symlink("../../outside", root.join("data/up")).unwrap();
    symlink(&outside, root.join("data/abs")).unwrap();
    Tree {
        _dir: dir,
        root,
        outside,
    }
}

#[test]
fn a_granted_directory_is_resolved_inside_its_root_and_readable() {
    let tree = tree();
    for path in [
        "data",
        "./data",
        "to_data",
        "data/sub/..",
        "to_data/../data",
    ] {
        let sandbox = sandbox(WasiGrants::new().read_only_dir(&tree.root, path, "/data"));
        let plugin = sandbox.load_wat(&open_attempt("inside.txt", 3)).unwrap();
        let outcome = plugin.run_command(b"").unwrap();
        assert_eq!(outcome.value.exit_code, 0, "{path}");
        assert_eq!(outcome.value.stdout, b"inside", "{path}");
    }
    let sandbox = sandbox(WasiGrants::new().read_only_dir(&tree.root, "data/sub", "/sub"));
    let plugin = sandbox.load_wat(&open_attempt("deep.txt", 3)).unwrap();
    assert_eq!(plugin.run_command(b"").unwrap().value.stdout, b"deep");
}

#[test]
fn grants_leaving_the_root_are_refused_before_the_guest_runs() {
    let tree = tree();
    let absolute_outside = tree.outside.display().to_string();
    let absolute_inside = tree.root.join("data").display().to_string();
    let cases: [(&str, &str); 8] = [
        ("../outside", "traversal"),
        ("data/../../outside", "traversal"),
        (&absolute_outside, "absolute"),
        (&absolute_inside, "absolute"),
        ("escape", "symlink_escape"),
        ("data/up", "symlink_escape"),
        ("missing", "not_found"),
        ("file.txt", "not a directory"),
    ];
    for (path, reason) in cases {
        let sandbox = sandbox(WasiGrants::new().read_only_dir(&tree.root, path, "/data"));
        // A guest that would print if it ran.
        let plugin = sandbox.load_wat(&open_attempt("secret.txt", 3)).unwrap();
        let err = plugin.run_command(b"").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{path}: {err}");
        assert!(err.message().contains(reason), "{path}: {err}");
        assert!(
            err.message().contains(&format!("`{path}`")),
            "{path}: {err}"
        );
        // No call report: the guest was never instantiated.
        assert!(err.report().is_none(), "{path}: the guest ran");
    }
    assert_eq!(
        std::fs::read(tree.outside.join("secret.txt")).unwrap(),
        b"secret"
    );
}

#[test]
fn the_guest_cannot_follow_a_symlink_out_of_its_grant() {
    let tree = tree();
    let sandbox = sandbox(WasiGrants::new().read_only_dir(&tree.root, "data", "/data"));
    for path in ["up/secret.txt", "abs/secret.txt", "sub/../up/secret.txt"] {
        let plugin = sandbox.load_wat(&open_attempt(path, 3)).unwrap();
        let outcome = plugin.run_command(b"").unwrap();
        assert!(
            [ERRNO_NOTCAPABLE, ERRNO_PERM].contains(&outcome.value.exit_code),
            "{path}: errno {}",
            outcome.value.exit_code
        );
        assert!(outcome.value.stdout.is_empty(), "{path} leaked");
    }
    // The same guest reads a file inside the grant, so the refusals above are the sandbox's.
    let plugin = sandbox.load_wat(&open_attempt("sub/deep.txt", 3)).unwrap();
    assert_eq!(plugin.run_command(b"").unwrap().value.stdout, b"deep");
}

#[test]
fn a_directory_swapped_after_the_grant_is_not_followed_by_the_guest() {
    // The grant is resolved per call; between two calls the directory is replaced by a
    // symbolic link leading outside, and the next call refuses it.
    let tree = tree();
    let sandbox = sandbox(WasiGrants::new().read_only_dir(&tree.root, "data", "/data"));
    let plugin = sandbox.load_wat(&open_attempt("secret.txt", 3)).unwrap();
    assert_ne!(plugin.run_command(b"").unwrap().value.exit_code, 0);
    std::fs::rename(tree.root.join("data"), tree.root.join("data.old")).unwrap();
    std::os::unix::fs::symlink(&tree.outside, tree.root.join("data")).unwrap();
    let err = plugin.run_command(b"").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    assert!(err.message().contains("symlink_escape"), "{err}");
}

#[test]
fn the_environment_and_arguments_are_empty_unless_granted() {
    // Exits with the number of environment variables * 100 + the number of arguments.
    let wat = command(
        r#"(func (export "_start")
          (drop (call $environ_sizes_get (i32.const 0) (i32.const 4)))
          (drop (call $args_sizes_get (i32.const 8) (i32.const 12)))
          (call $proc_exit (i32.add (i32.mul (i32.load (i32.const 0)) (i32.const 100))
                                    (i32.load (i32.const 8)))))"#,
    );
    assert!(
        std::env::vars_os().next().is_some(),
        "the host has an environment"
    );
    let nothing = sandbox(WasiGrants::new()).load_wat(&wat).unwrap();
    assert_eq!(nothing.run_command(b"").unwrap().value.exit_code, 0);
    let granted = sandbox(
        WasiGrants::new()
            .env("GREETING", "hi")
            .arg("plugin")
            .arg("--x"),
    )
    .load_wat(&wat)
    .unwrap();
    assert_eq!(granted.run_command(b"").unwrap().value.exit_code, 102);
}

#[test]
fn flooding_stdout_is_output_too_large() {
    // Writes 4 KiB chunks forever, ignoring errors.
    let wat = command(
        r#"(func (export "_start")
          (i32.store (i32.const 0) (i32.const 1024))
          (i32.store (i32.const 4) (i32.const 4096))
          (loop (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))) (br 0)))"#,
    );
    let mut limits = Limits::default();
    limits.output_bytes = 64 << 10;
    limits.timeout = Duration::from_secs(2);
    let sandbox = Sandbox::builder()
        .limits(limits)
        .wasi(WasiGrants::new())
        .build()
        .unwrap();
    let started = Instant::now();
    let err = sandbox
        .load_wat(&wat)
        .unwrap()
        .run_command(b"")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutputTooLarge, "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
    // Exactly the cap is fine.
    let exact = command(
        r#"(func (export "_start")
          (i32.store (i32.const 0) (i32.const 1024))
          (i32.store (i32.const 4) (i32.const 4096))
          (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))"#,
    );
    let mut limits = Limits::default();
    limits.output_bytes = 4096;
    let sandbox = Sandbox::builder()
        .limits(limits)
        .wasi(WasiGrants::new())
        .build()
        .unwrap();
    let outcome = sandbox.load_wat(&exact).unwrap().run_command(b"").unwrap();
    assert_eq!(outcome.value.stdout.len(), 4096);
}

#[test]
fn oversized_stdin_is_refused() {
    let mut limits = Limits::default();
    limits.input_bytes = 4;
    let sandbox = Sandbox::builder()
        .limits(limits)
        .wasi(WasiGrants::new())
        .build()
        .unwrap();
    let plugin = sandbox
        .load_wat(&command(r#"(func (export "_start"))"#))
        .unwrap();
    assert_eq!(
        plugin.run_command(b"12345").unwrap_err().kind(),
        ErrorKind::Io
    );
}

#[test]
fn a_command_without_start_is_a_missing_export() {
    let plugin = sandbox(WasiGrants::new())
        .load_wat(&command(r#"(func (export "main"))"#))
        .unwrap();
    assert_eq!(
        plugin.run_command(b"").unwrap_err().kind(),
        ErrorKind::MissingExport
    );
}

#[test]
fn malformed_wasi_arguments_are_contained() {
    // Rights of all ones do not convert: wasmtime-wasi fails the call, the host carries on.
    let wat = open_attempt("x", 3).replace(
        "(i64.const 2) (i64.const 0)",
        "(i64.const -1) (i64.const -1)",
    );
    let plugin = sandbox(WasiGrants::new()).load_wat(&wat).unwrap();
    let err = plugin.run_command(b"").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Trap, "{err}");
    let hello = sandbox(WasiGrants::new())
        .load_wat(&command(r#"(func (export "_start"))"#))
        .unwrap();
    assert_eq!(hello.run_command(b"").unwrap().value.exit_code, 0);
}
