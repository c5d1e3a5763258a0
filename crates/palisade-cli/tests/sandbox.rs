//! `palisade sandbox run` from a shell: the JSON contract, exit statuses, and hostile modules
//! contained without crashing the process.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code fails loudly"
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn palisade(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the palisade binary runs");
    // The child may exit (usage errors) before reading: a broken pipe is not a failure here.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

/// Runs with `--json`, checks there is exactly one JSON line, returns it and the exit code.
fn run_json(args: &[&str], stdin: &[u8]) -> (Value, i32) {
    let mut all = vec!["--json", "sandbox", "run"];
    all.extend_from_slice(args);
    let out = palisade(&all, stdin);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "expected one JSON line, got {stdout:?}");
    (
        serde_json::from_str(lines[0]).unwrap(),
        out.status.code().unwrap(),
    )
}

fn module(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn assert_contained(value: &Value, code: i32, kind: &str) {
    assert_eq!(code, 1, "{value}");
    assert_eq!(value["ok"], false, "{value}");
    assert_eq!(value["error"]["kind"], kind, "{value}");
    assert!(value["error"]["message"].as_str().unwrap().len() > 5);
    assert_eq!(value.as_object().unwrap().len(), 2, "{value}");
}

#[test]
fn scalar_exports_report_result_fuel_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let wat = module(
        dir.path(),
        "m.wat",
        r#"(module
            (func (export "i32") (result i32) i32.const 42)
            (func (export "i64") (result i64) i64.const -9000000000)
            (func (export "none")))"#,
    );
    let wat = wat.to_str().unwrap();
    for (export, result) in [
        ("i32", serde_json::json!(42)),
        ("i64", serde_json::json!(-9_000_000_000_i64)),
        ("none", Value::Null),
    ] {
        let (value, code) = run_json(&[wat, "--invoke", export], b"");
        assert_eq!(code, 0, "{value}");
        assert_eq!(value["ok"], true);
        assert_eq!(value["result"], result);
        assert_eq!(value["output"], "");
        assert!(value["fuel_consumed"].as_u64().is_some(), "{value}");
        assert!(value["elapsed_ms"].as_f64().unwrap() >= 0.0);
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 5, "{keys:?}");
    }
}

#[test]
fn binary_modules_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    // (module (func (export "f") (result i32) i32.const 7)), assembled by hand.
    let bytes: &[u8] = &[
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
        0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
        0x03, 0x02, 0x01, 0x00, // function section
        0x07, 0x05, 0x01, 0x01, b'f', 0x00, 0x00, // export "f"
        0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x07, 0x0b, // code: i32.const 7
    ];
    let path = dir.path().join("m.wasm");
    std::fs::write(&path, bytes).unwrap();
    let (value, code) = run_json(&[path.to_str().unwrap(), "--invoke", "f"], b"");
    assert_eq!(code, 0, "{value}");
    assert_eq!(value["result"], 7);
}

#[test]
fn hostile_modules_are_contained_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (r#"(module (func (export "f") (loop br 0)))"#, "out_of_fuel"),
        (
            r#"(module (func $f (export "f") (call $f)))"#,
            "stack_overflow",
        ),
        (r#"(module (func (export "f") unreachable))"#, "trap"),
        (
            r#"(module (memory 1) (func (export "f") (loop (br_if 0 (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))))"#,
            "memory_limit",
        ),
        (
            r#"(module (memory 1000) (func (export "f")))"#,
            "memory_limit",
        ),
        (
            r#"(module (import "env" "exec" (func)) (func (export "f")))"#,
            "forbidden_import",
        ),
        (r#"(module (func (export "g")))"#, "missing_export"),
        ("(module (func (export", "invalid_module"),
    ];
    for (i, (text, kind)) in cases.into_iter().enumerate() {
        let path = module(dir.path(), &format!("m{i}.wat"), text);
        let started = Instant::now();
        let (value, code) = run_json(
            &[
                path.to_str().unwrap(),
                "--invoke",
                "f",
                "--memory",
                "1048576",
            ],
            b"",
        );
        assert_contained(&value, code, kind);
        assert!(started.elapsed() < Duration::from_secs(20));
    }
    let garbage = dir.path().join("garbage.wasm");
    std::fs::write(&garbage, [0xff, 0xfe, 0x00, 0x01, 0x80]).unwrap();
    let (value, code) = run_json(&[garbage.to_str().unwrap(), "--invoke", "f"], b"");
    assert_contained(&value, code, "invalid_module");
}

#[test]
fn the_deadline_works_without_running_out_of_fuel() {
    let dir = tempfile::tempdir().unwrap();
    let path = module(
        dir.path(),
        "spin.wat",
        r#"(module (func (export "f") (loop br 0)))"#,
    );
    let (value, code) = run_json(
        &[
            path.to_str().unwrap(),
            "--invoke",
            "f",
            "--fuel",
            "1000000000000",
            "--timeout-ms",
            "150",
        ],
        b"",
    );
    assert_contained(&value, code, "timeout");
}

#[test]
fn bytes_abi_with_input_from_a_file_and_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let path = module(
        dir.path(),
        "echo.wat",
        r#"(module (memory (export "memory") 1)
            (func (export "palisade_alloc") (param i32) (result i32) (i32.const 1024))
            (func (export "echo") (param $p i32) (param $n i32) (result i64)
              (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32))
                      (i64.extend_i32_u (local.get $n)))))"#,
    );
    let input = dir.path().join("input.txt");
    std::fs::write(&input, "from a file").unwrap();
    let path = path.to_str().unwrap();
    let (value, code) = run_json(
        &[path, "--invoke", "echo", "--input", input.to_str().unwrap()],
        b"",
    );
    assert_eq!(code, 0, "{value}");
    assert_eq!(value["output"], "from a file");
    assert_eq!(value["result"], Value::Null);
    let (value, code) = run_json(&[path, "--invoke", "echo", "--input", "-"], b"from stdin");
    assert_eq!(code, 0, "{value}");
    assert_eq!(value["output"], "from stdin");
}

#[test]
fn wasi_commands_get_stdin_and_their_stdout_is_captured() {
    let dir = tempfile::tempdir().unwrap();
    let path = module(
        dir.path(),
        "cat.wat",
        r#"(module
            (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env (param i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
            (memory (export "memory") 1)
            (func (export "_start")
              (i32.store (i32.const 0) (i32.const 512))
              (i32.store (i32.const 4) (i32.const 256))
              (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
              (i32.store (i32.const 4) (i32.load (i32.const 8)))
              (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
              (drop (call $env (i32.const 16) (i32.const 20)))
              (call $exit (i32.load (i32.const 16)))))"#,
    );
    let (value, code) = run_json(&[path.to_str().unwrap(), "--wasi", "--input", "-"], b"meow");
    assert_eq!(code, 0, "{value}");
    assert_eq!(value["output"], "meow");
    // The exit status is the number of environment variables the guest saw: none.
    assert_eq!(value["result"], 0);
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = module(dir.path(), "m.wat", r#"(module (func (export "f")))"#);
    let path = path.to_str().unwrap();
    for args in [
        vec![path],
        vec![path, "--invoke", "f", "--wasi"],
        vec!["/nonexistent/m.wat", "--invoke", "f"],
        vec![path, "--invoke", "f", "--input", "/nonexistent/input"],
        vec![path, "--invoke", "f", "--allow-host", "ftp://example.com"],
        vec![
            path,
            "--invoke",
            "f",
            "--allow-host",
            "https://example.com/path",
        ],
    ] {
        let (value, code) = run_json(&args, b"");
        assert_eq!(code, 2, "{args:?}: {value}");
        assert_eq!(value["ok"], false);
    }
    let out = palisade(&["sandbox", "run", path, "--fuel", "lots"], b"");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn human_output_without_json() {
    let dir = tempfile::tempdir().unwrap();
    let ok = module(
        dir.path(),
        "ok.wat",
        r#"(module (func (export "f") (result i32) i32.const 5))"#,
    );
    let out = palisade(
        &["sandbox", "run", ok.to_str().unwrap(), "--invoke", "f"],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("ok: result 5")
    );
    let spin = module(
        dir.path(),
        "spin.wat",
        r#"(module (func (export "f") (loop br 0)))"#,
    );
    let out = palisade(
        &["sandbox", "run", spin.to_str().unwrap(), "--invoke", "f"],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("out_of_fuel")
    );
}

#[test]
fn http_denials_are_reported_as_http_denied() {
    let dir = tempfile::tempdir().unwrap();
    let request = "GET http://169.254.169.254/latest/meta-data/\n";
    let text = format!(
        r#"(module
          (import "palisade" "http_request" (func $http (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "{}")
          (func (export "f") (result i32)
            (call $http (i32.const 0) (i32.const {}) (i32.const 4096) (i32.const 4096))))"#,
        request.replace('\n', "\\n"),
        request.len()
    );
    let path = module(dir.path(), "ssrf.wat", &text);
    let path = path.to_str().unwrap();
    // Not granted at all: the import itself is refused.
    let (value, code) = run_json(&[path, "--invoke", "f"], b"");
    assert_contained(&value, code, "forbidden_import");
    // Granted for another host: the request is denied and reported.
    let (value, code) = run_json(
        &[
            path,
            "--invoke",
            "f",
            "--allow-host",
            "https://api.example.com",
        ],
        b"",
    );
    assert_contained(&value, code, "http_denied");
    // Even when the metadata address itself is allowlisted.
    let (value, code) = run_json(
        &[
            path,
            "--invoke",
            "f",
            "--allow-host",
            "http://169.254.169.254",
        ],
        b"",
    );
    assert_contained(&value, code, "http_denied");
    assert!(
        value["error"]["message"]
            .as_str()
            .unwrap()
            .contains("metadata")
    );
}
