//! `palisade path check` as seen from a shell: JSON lines, error kinds and exit statuses.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test helpers fail loudly; clippy.toml exempts only #[test] functions"
)]

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn palisade(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the palisade binary runs");
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
        .collect()
}

#[test]
fn accepted_paths_print_the_normalised_path_and_exit_0() {
    let out = palisade(&["--json", "path", "check", "a/./b//c", ".", "x/.."], None);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["input"], "a/./b//c");
    assert_eq!(lines[0]["ok"], true);
    assert_eq!(lines[0]["path"], "a/b/c");
    assert_eq!(lines[1]["path"], ".");
    assert_eq!(lines[2]["path"], ".");
    assert!(
        lines[0].get("exists").is_none(),
        "lexical results have no `exists`"
    );
}

#[test]
fn rejected_paths_give_the_kind_and_exit_1() {
    let cases = [
        ("../etc/passwd", "traversal"),
        ("/etc/passwd", "absolute"),
        ("C:\\x", "absolute"),
        ("a/con.txt", "invalid_component"),
        ("%2e%2e/x", "encoding"),
        ("", "empty"),
    ];
    let inputs: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let mut args = vec!["--json", "path", "check", "--", "ok"];
    args.extend(&inputs);
    let out = palisade(&args, None);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), cases.len() + 1);
    assert_eq!(lines[0]["ok"], true);
    for (line, (input, kind)) in lines[1..].iter().zip(cases) {
        assert_eq!(line["input"], input);
        assert_eq!(line["ok"], false, "{line}");
        assert_eq!(line["error"]["kind"], kind, "{line}");
        assert!(!line["error"]["message"].as_str().unwrap().is_empty());
        assert!(line.get("path").is_none());
    }
}

#[test]
fn stdin_takes_json_strings_with_nul_and_controls() {
    let out = palisade(
        &["--json", "path", "check", "--stdin"],
        Some("\"a\\u0000b\"\n\"x\\ny\"\n\n\"fine/path\"\n"),
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["input"], "a\u{0}b");
    assert_eq!(lines[0]["error"]["kind"], "nul_byte");
    assert_eq!(lines[1]["error"]["kind"], "invalid_component");
    assert_eq!(lines[2]["path"], "fine/path");
}

#[test]
fn malformed_stdin_is_a_usage_error() {
    let out = palisade(&["--json", "path", "check", "--stdin"], Some("not json\n"));
    assert_eq!(out.status.code(), Some(2));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["ok"], false);
    assert!(
        lines[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 1")
    );
}

#[cfg(unix)]
#[test]
fn fs_mode_resolves_in_the_real_tree() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    std::fs::write(root.join("a/f"), "x").unwrap();
    std::fs::write(root.join("f"), "top").unwrap();
    symlink("/etc", root.join("esc")).unwrap();
    symlink("a/b", root.join("blink")).unwrap();
    symlink("loop", root.join("loop")).unwrap();
    let root_arg = root.to_str().unwrap();
    let cases = [
        ("a/f", Ok(("a/f", true))),
        ("blink/../f", Ok(("a/f", true))),
        ("missing/x", Ok(("missing/x", false))),
        ("esc", Err("symlink_escape")),
        ("../x", Err("traversal")),
        ("/etc", Err("absolute")),
        ("loop", Err("symlink_loop")),
        ("a/f/x", Err("not_a_directory")),
        ("missing/../a", Err("not_found")),
    ];
    let mut args = vec!["--json", "path", "check", "--fs", "--root", root_arg, "--"];
    args.extend(cases.iter().map(|c| c.0));
    let out = palisade(&args, None);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), cases.len());
    for (line, (input, want)) in lines.iter().zip(cases) {
        assert_eq!(line["input"], input);
        match want {
            Ok((path, exists)) => {
                assert_eq!(line["ok"], true, "{line}");
                assert_eq!(line["path"], path, "{line}");
                assert_eq!(line["exists"], exists, "{line}");
            }
            Err(kind) => assert_eq!(line["error"]["kind"], kind, "{line}"),
        }
    }

    let out = palisade(
        &[
            "--json",
            "path",
            "check",
            "--fs",
            "--clamp",
            "--root",
            root_arg,
            "../../a/f",
            "esc",
            "/f",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let lines = json_lines(&out);
    assert_eq!(lines[0]["path"], "a/f");
    assert_eq!(lines[1]["path"], "etc");
    assert_eq!(lines[1]["exists"], false);
    assert_eq!(lines[2]["path"], "f");

    let out = palisade(
        &[
            "--json", "path", "check", "--fs", "--stdin", "--root", root_arg,
        ],
        Some("\"a/f\"\n"),
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json_lines(&out)[0]["exists"], true);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(palisade(&["path", "check"], None).status.code(), Some(2));
    assert_eq!(
        palisade(&["path", "check", "--stdin", "a"], None)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        palisade(&["path", "check", "--clamp", "a"], None)
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn human_output_says_ok_or_rejected() {
    let out = palisade(&["path", "check", "a/b", "../x"], None);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("ok\ta/b\ta/b"), "{text}");
    assert!(text.contains("rejected\t../x\ttraversal: "), "{text}");
}

#[cfg(unix)]
#[test]
fn non_utf8_arguments_are_an_encoding_error() {
    use std::os::unix::ffi::OsStrExt as _;
    let out = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(["--json", "path", "check"])
        .arg(std::ffi::OsStr::from_bytes(b"a\xffb"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out);
    assert_eq!(lines[0]["error"]["kind"], "encoding");
}
