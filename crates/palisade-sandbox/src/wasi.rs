//! WASI preview 1 commands through `wasmtime-wasi`, with nothing granted unless listed.
//!
//! Every call gets a fresh context: stdin from bytes, stdout and stderr captured in memory up to
//! `Limits::output_bytes`, no arguments, no environment (never `inherit_env`), no preopened
//! directories, and no sockets or name lookups. Each grant in [`WasiGrants`] is explicit;
//! directories are read-only.

use std::path::PathBuf;

use wasmtime::Linker;
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use crate::call::CallState;
use crate::error::{Error, ErrorKind};
use crate::plugin::output_too_large;

/// What a WASI guest may see. The default grants nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WasiGrants {
    args: Vec<String>,
    env: Vec<(String, String)>,
    read_only_dirs: Vec<(PathBuf, String)>,
}

impl WasiGrants {
    /// Grants nothing: no arguments, environment or directories.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one command-line argument (the first is conventionally the program name).
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Sets one environment variable. The host's environment is never passed through.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Preopens the host directory `host_dir` as `guest_path`, read-only.
    pub fn read_only_dir(
        mut self,
        host_dir: impl Into<PathBuf>,
        guest_path: impl Into<String>,
    ) -> Self {
        self.read_only_dirs
            .push((host_dir.into(), guest_path.into()));
        self
    }
}

/// What a WASI command left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CommandOutput {
    /// The exit status: 0 when `_start` returned, otherwise the value given to `proc_exit`.
    pub exit_code: i32,
    /// Captured standard output.
    pub stdout: Vec<u8>,
    /// Captured standard error.
    pub stderr: Vec<u8>,
}

/// The WASI part of one call's state.
pub(crate) struct CallWasi {
    ctx: WasiP1Ctx,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
    cap: usize,
}

impl CallWasi {
    pub(crate) fn new(grants: &WasiGrants, stdin: &[u8], cap: usize) -> Result<Self, Error> {
        // One byte over the cap is kept, so a guest that wrote more than the cap is told apart
        // from one that wrote exactly the cap.
        let capacity = cap.saturating_add(1);
        let stdout = MemoryOutputPipe::new(capacity);
        let stderr = MemoryOutputPipe::new(capacity);
        let mut builder = WasiCtxBuilder::new();
        builder
            .stdin(MemoryInputPipe::new(stdin.to_vec()))
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .args(&grants.args)
            .envs(&grants.env)
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        for (host_dir, guest_path) in &grants.read_only_dirs {
            builder
                .preopened_dir(host_dir, guest_path, FsPerms::ReadOnly)
                .map_err(|e| {
                    Error::new(
                        ErrorKind::Io,
                        format!(
                            "cannot open directory `{}` for the guest: {e}",
                            host_dir.display()
                        ),
                    )
                })?;
        }
        Ok(Self {
            ctx: builder.build_p1(),
            stdout,
            stderr,
            cap,
        })
    }

    /// A context that grants nothing and discards output, for WASI imports reached outside
    /// [`Plugin::run_command`](crate::Plugin::run_command).
    fn empty() -> Self {
        let mut builder = WasiCtxBuilder::new();
        builder
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        Self {
            ctx: builder.build_p1(),
            stdout: MemoryOutputPipe::new(0),
            stderr: MemoryOutputPipe::new(0),
            cap: 0,
        }
    }

    pub(crate) fn pipes(&self) -> (MemoryOutputPipe, MemoryOutputPipe) {
        (self.stdout.clone(), self.stderr.clone())
    }

    pub(crate) fn overflow(&self) -> Option<Error> {
        overflow(&self.stdout.contents(), &self.stderr.contents(), self.cap)
    }
}

/// `output_too_large` when either stream went over `cap`.
pub(crate) fn overflow(stdout: &[u8], stderr: &[u8], cap: usize) -> Option<Error> {
    let longest = stdout.len().max(stderr.len());
    (longest > cap).then(|| output_too_large(longest, cap))
}

fn wasi_ctx(state: &mut CallState) -> &mut WasiP1Ctx {
    &mut state.wasi.get_or_insert_with(CallWasi::empty).ctx
}

pub(crate) fn add_to_linker(linker: &mut Linker<CallState>) -> Result<(), Error> {
    wasmtime_wasi::p1::add_to_linker_sync(linker, wasi_ctx).map_err(|e| {
        Error::new(
            ErrorKind::Io,
            format!("cannot register WASI preview 1: {e}"),
        )
    })
}
