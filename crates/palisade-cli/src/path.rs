//! `palisade path check`: lexical or filesystem containment of untrusted paths.

use std::ffi::OsString;
use std::io::BufRead as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use palisade_path::{Error, ResolveMode, Root, Sanitizer};
use serde_json::{Value, json};

use crate::output::{Output, Status};

/// Subcommands of `palisade path`.
#[derive(Debug, Subcommand)]
pub enum PathCommand {
    /// Check whether paths stay inside a root; print the safe relative path or why not.
    Check(CheckArgs),
}

/// Arguments of `palisade path check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The root directory the paths must stay inside.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
    /// Resolve against the real tree under the root, following symlinks only inside it.
    #[arg(long)]
    pub fs: bool,
    /// Treat the root as `/` (chroot-like) instead of rejecting escapes.
    #[arg(long)]
    pub clamp: bool,
    /// Read one JSON string per line from standard input (so NUL and control characters can
    /// be given).
    #[arg(long)]
    pub stdin: bool,
    /// The paths to check.
    #[arg(value_name = "PATH")]
    pub paths: Vec<OsString>,
}

/// Runs `palisade path …`.
pub fn run(command: PathCommand, out: Output) -> Status {
    match command {
        PathCommand::Check(args) => check(&args, out),
    }
}

/// One untrusted input, as given.
enum Input {
    /// From the command line: OS bytes, possibly not UTF-8.
    Arg(OsString),
    /// From a JSON string on standard input.
    Text(String),
}

impl Input {
    fn shown(&self) -> String {
        match self {
            Input::Arg(arg) => arg.to_string_lossy().into_owned(),
            Input::Text(text) => text.clone(),
        }
    }
}

fn check(args: &CheckArgs, out: Output) -> Status {
    if args.stdin && !args.paths.is_empty() {
        return out.usage_error(
            "usage",
            "give paths either as arguments or with `--stdin`, not both",
        );
    }
    if !args.stdin && args.paths.is_empty() {
        return out.usage_error(
            "usage",
            "no path given; pass paths as arguments or use `--stdin`",
        );
    }
    if args.clamp && !args.fs {
        return out.usage_error(
            "usage",
            "`--clamp` applies to filesystem resolution; add `--fs`",
        );
    }
    let checker = if args.fs {
        let mode = if args.clamp {
            ResolveMode::Clamp
        } else {
            ResolveMode::Reject
        };
        match Root::options().mode(mode).open(&args.root) {
            Ok(root) => Checker::Filesystem(root),
            Err(err) => return out.usage_error("usage", &format!("--root: {err}")),
        }
    } else {
        Checker::Lexical(Sanitizer::new())
    };
    let mut judged = false;
    let mut judge = |input: Input| {
        let verdict = checker.check(&input);
        judged |= verdict.is_err();
        emit_result(out, &input.shown(), &verdict);
    };
    if args.stdin {
        for (index, line) in std::io::stdin().lock().lines().enumerate() {
            let line_number = index + 1;
            let line = match line {
                Ok(line) => line,
                Err(err) => {
                    return out.usage_error(
                        "io",
                        &format!("could not read standard input at line {line_number}: {err}"),
                    );
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<String>(&line) {
                Ok(text) => judge(Input::Text(text)),
                Err(err) => {
                    return out.usage_error(
                        "usage",
                        &format!(
                            "standard input line {line_number}, column {}: expected one JSON \
                             string per line ({err})",
                            err.column()
                        ),
                    );
                }
            }
        }
    } else {
        for arg in &args.paths {
            judge(Input::Arg(arg.clone()));
        }
    }
    if judged {
        Status::Judged
    } else {
        Status::Success
    }
}

/// An accepted path: relative to the root, and with `--fs` whether it exists.
struct Accepted {
    path: String,
    exists: Option<bool>,
}

/// How inputs are judged: lexically, or against the real tree under a root.
enum Checker {
    Lexical(Sanitizer),
    Filesystem(Root),
}

impl Checker {
    fn check(&self, input: &Input) -> Result<Accepted, Error> {
        match (self, input) {
            (Checker::Lexical(sanitizer), Input::Arg(arg)) => {
                sanitizer.sanitize_os_str(arg).map(lexical)
            }
            (Checker::Lexical(sanitizer), Input::Text(text)) => {
                sanitizer.sanitize(text).map(lexical)
            }
            (Checker::Filesystem(root), Input::Text(text)) => resolve(root, text),
            (Checker::Filesystem(root), Input::Arg(arg)) => match arg.to_str() {
                Some(text) => resolve(root, text),
                // The filesystem layer takes UTF-8 paths. The sanitizer refuses this one as
                // `encoding`; should it ever accept it, resolve its lossy form, which only
                // ever names something else inside the root.
                None => match Sanitizer::unix().sanitize_os_str(arg) {
                    Err(err) => Err(err),
                    Ok(_) => resolve(root, &arg.to_string_lossy()),
                },
            },
        }
    }
}

fn lexical(path: palisade_path::SafeRelPath) -> Accepted {
    Accepted {
        path: path.into_string(),
        exists: None,
    }
}

fn resolve(root: &Root, text: &str) -> Result<Accepted, Error> {
    root.resolve(text).map(|resolved| Accepted {
        path: resolved.path.into_string(),
        exists: Some(resolved.exists),
    })
}

fn emit_result(out: Output, input: &str, result: &Result<Accepted, Error>) {
    let value: Value = match result {
        Ok(Accepted {
            path,
            exists: Some(exists),
        }) => json!({"input": input, "ok": true, "path": path, "exists": exists}),
        Ok(Accepted { path, exists: None }) => json!({"input": input, "ok": true, "path": path}),
        Err(err) => json!({
            "input": input,
            "ok": false,
            "error": {"kind": err.kind().as_str(), "message": err.to_string()},
        }),
    };
    out.emit(&value, || match result {
        Ok(Accepted { path, exists }) => {
            let existence = match exists {
                Some(true) => "\texists",
                Some(false) => "\tmissing",
                None => "",
            };
            format!("ok\t{}\t{path}{existence}", input.escape_debug())
        }
        Err(err) => format!("rejected\t{}\t{}: {err}", input.escape_debug(), err.kind()),
    });
}
