//! `palisade sandbox run`: run a WebAssembly module under hard limits.

use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use palisade_sandbox::http::HttpPolicy;
use palisade_sandbox::{CallReport, Error, Limits, Plugin, Sandbox, Value, WasiGrants};
use serde_json::{Value as Json, json};

use crate::output::{Output, Status};

/// Subcommands of `palisade sandbox`.
#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Run a module (`.wat` or `.wasm`) and report its result or why it was stopped.
    Run(RunArgs),
}

/// Arguments of `palisade sandbox run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The module, as WebAssembly text (`.wat`) or binary (`.wasm`).
    #[arg(value_name = "MODULE")]
    pub module: PathBuf,
    /// The export to call: no parameters and no result, an i32 or an i64; with `--input`, an
    /// entry point of the bytes ABI (`(ptr i32, len i32) -> i64`).
    #[arg(long, value_name = "NAME")]
    pub invoke: Option<String>,
    /// Run a WASI command module's `_start` with the input as stdin.
    #[arg(long)]
    pub wasi: bool,
    /// Input bytes: a file, or `-` for standard input.
    #[arg(long, value_name = "FILE|-")]
    pub input: Option<String>,
    /// Fuel for the call.
    #[arg(long, value_name = "N")]
    pub fuel: Option<u64>,
    /// Maximum linear memory, in bytes.
    #[arg(long, value_name = "BYTES")]
    pub memory: Option<u64>,
    /// Wall-clock deadline, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub timeout_ms: Option<u64>,
    /// Allow outgoing HTTP to `scheme://host:port` patterns (exact or `*.domain`).
    #[arg(long, value_name = "PATTERN")]
    pub allow_host: Vec<String>,
}

/// Runs `palisade sandbox …`.
pub fn run(command: SandboxCommand, out: Output) -> Status {
    match command {
        SandboxCommand::Run(args) => run_module(&args, out),
    }
}

/// What the run was asked to do.
enum Mode<'a> {
    Scalar(&'a str),
    Bytes(&'a str),
    Command,
}

fn run_module(args: &RunArgs, out: Output) -> Status {
    let mode = match (&args.invoke, args.wasi) {
        (Some(_), true) => {
            return out.usage_error("usage", "give either `--invoke NAME` or `--wasi`, not both");
        }
        (None, false) => {
            return out.usage_error(
                "usage",
                "give `--invoke NAME` or `--wasi` to say what to run",
            );
        }
        (Some(name), false) if args.input.is_some() => Mode::Bytes(name),
        (Some(name), false) => Mode::Scalar(name),
        (None, true) => Mode::Command,
    };
    let mut limits = Limits::default();
    if let Some(fuel) = args.fuel {
        limits.fuel_per_call = Some(fuel);
    }
    if let Some(bytes) = args.memory {
        limits.memory_bytes = bytes;
    }
    if let Some(ms) = args.timeout_ms {
        limits.timeout = Duration::from_millis(ms);
    }
    // Read one byte past each limit so the library reports the overflow with the right kind.
    let module = match read_capped(&args.module, limits.module_bytes) {
        Ok(bytes) => bytes,
        Err(message) => return out.usage_error("io", &message),
    };
    let input = match args.input.as_deref() {
        None => Vec::new(),
        Some("-") => match read_stdin_capped(limits.input_bytes) {
            Ok(bytes) => bytes,
            Err(message) => return out.usage_error("io", &message),
        },
        Some(path) => match read_capped(Path::new(path), limits.input_bytes) {
            Ok(bytes) => bytes,
            Err(message) => return out.usage_error("io", &message),
        },
    };
    let mut builder = Sandbox::builder().limits(limits).cache_entries(0);
    if !args.allow_host.is_empty() {
        let mut policy = HttpPolicy::new();
        for pattern in &args.allow_host {
            policy = match policy.allow(pattern) {
                Ok(policy) => policy,
                Err(err) => return out.usage_error("usage", &err.to_string()),
            };
        }
        builder = builder.http(policy);
    }
    if matches!(mode, Mode::Command) {
        builder = builder.wasi(WasiGrants::new());
    }
    let sandbox = match builder.build() {
        Ok(sandbox) => sandbox,
        Err(err) => return contained(out, &err),
    };
    let plugin = match load(&sandbox, &module) {
        Ok(plugin) => plugin,
        Err(err) => return contained(out, &err),
    };
    let result = match mode {
        Mode::Scalar(name) => plugin
            .call(name, &[])
            .map(|o| (scalar_result(&o.value), String::new(), o.report)),
        Mode::Bytes(name) => plugin.call_bytes(name, &input).map(|o| {
            let text = String::from_utf8_lossy(&o.value).into_owned();
            (Json::Null, text, o.report)
        }),
        Mode::Command => plugin.run_command(&input).map(|o| {
            let text = String::from_utf8_lossy(&o.value.stdout).into_owned();
            (json!(o.value.exit_code), text, o.report)
        }),
    };
    match result {
        Ok((_, _, report)) if !report.denials.is_empty() => http_denied(out, &report),
        Ok((result, output, report)) => {
            succeeded(out, result, output, &report);
            Status::Success
        }
        Err(err) => contained(out, &err),
    }
}

/// Binary modules start with the `\0asm` magic; anything else is taken as text.
fn load(sandbox: &Sandbox, module: &[u8]) -> Result<Plugin, Error> {
    if module.starts_with(b"\0asm") {
        return sandbox.load(module);
    }
    match std::str::from_utf8(module) {
        Ok(text) => sandbox.load_wat(text),
        // Neither binary nor text: let the binary loader say why.
        Err(_) => sandbox.load(module),
    }
}

fn scalar_result(values: &[Value]) -> Json {
    let one = |value: &Value| match *value {
        Value::I32(v) => json!(v),
        Value::I64(v) => json!(v),
        Value::F32(v) => json!(v),
        Value::F64(v) => json!(v),
    };
    match values {
        [] => Json::Null,
        [value] => one(value),
        values => Json::Array(values.iter().map(one).collect()),
    }
}

fn succeeded(out: Output, result: Json, output: String, report: &CallReport) {
    let elapsed_ms = report.elapsed.as_secs_f64() * 1000.0;
    let value = json!({
        "ok": true,
        "result": result,
        "output": output,
        "fuel_consumed": report.fuel_consumed,
        "elapsed_ms": elapsed_ms,
    });
    out.emit(&value, || {
        let mut text = format!("ok: result {result}");
        if let Some(fuel) = report.fuel_consumed {
            text.push_str(&format!(", {fuel} fuel"));
        }
        text.push_str(&format!(", {elapsed_ms:.3} ms"));
        if !output.is_empty() {
            text.push('\n');
            text.push_str(output.trim_end_matches('\n'));
        }
        text
    });
}

/// The module was judged or contained: exit status 1.
fn contained(out: Output, err: &Error) -> Status {
    let value = json!({
        "ok": false,
        "error": {"kind": err.kind().as_str(), "message": err.message()},
    });
    out.emit(&value, || {
        format!("contained ({}): {}", err.kind(), err.message())
    });
    Status::Judged
}

/// The guest finished, but asked for HTTP the policy refused: that is what the operator needs
/// to see (exit status 1), more than whatever the guest made of the refusal.
fn http_denied(out: Output, report: &CallReport) -> Status {
    let count = report.denials.len() as u64 + report.denials_dropped;
    let first = report
        .denials
        .first()
        .map(|denial| denial.reason.as_str())
        .unwrap_or_default();
    let message = if count > 1 {
        format!("{first} (and {} more denied requests)", count - 1)
    } else {
        first.to_owned()
    };
    let value = json!({"ok": false, "error": {"kind": "http_denied", "message": message}});
    out.emit(&value, || format!("contained (http_denied): {message}"));
    Status::Judged
}

fn read_capped(path: &Path, limit: usize) -> Result<Vec<u8>, String> {
    let file = File::open(path).map_err(|e| format!("cannot open `{}`: {e}", path.display()))?;
    read_up_to(file, limit).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

fn read_stdin_capped(limit: usize) -> Result<Vec<u8>, String> {
    read_up_to(std::io::stdin().lock(), limit)
        .map_err(|e| format!("cannot read standard input: {e}"))
}

/// Reads at most `limit + 1` bytes: enough to tell that a source is over its limit without
/// reading all of it.
fn read_up_to(source: impl std::io::Read, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    source.take(cap).read_to_end(&mut bytes)?;
    Ok(bytes)
}
