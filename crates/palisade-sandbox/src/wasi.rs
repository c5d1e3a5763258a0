//! WASI preview 1 commands through `wasmtime-wasi`, with nothing granted unless listed.
//!
//! Every call gets a fresh context: stdin from bytes, stdout and stderr captured in memory up to
//! `Limits::output_bytes`, no arguments, no environment (never `inherit_env`), no preopened
//! directories, and no sockets or name lookups. Each grant in [`WasiGrants`] is explicit;
//! directories are read-only unless [`DirAccess::ReadWrite`] is asked for, and are resolved
//! inside an embedder-chosen root with `palisade-path` before the guest runs.

use std::fs::File;
use std::path::{Path, PathBuf};

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
    dirs: Vec<DirGrant>,
}

/// What a guest may do in a preopened directory. Read-only by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DirAccess {
    /// List, stat and read files; no creating, writing, renaming or removing.
    #[default]
    ReadOnly,
    /// Everything `wasmtime-wasi` allows in a directory, including writes.
    ReadWrite,
}

/// One preopened directory: `path` resolved inside `root_dir`, shown to the guest as
/// `guest_path`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DirGrant {
    root_dir: PathBuf,
    path: String,
    guest_path: String,
    access: DirAccess,
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

    /// Preopens the directory `path` inside the trusted directory `root_dir` as `guest_path`,
    /// read-only. Same as [`WasiGrants::dir`] with [`DirAccess::ReadOnly`].
    pub fn read_only_dir(
        self,
        root_dir: impl Into<PathBuf>,
        path: impl Into<String>,
        guest_path: impl Into<String>,
    ) -> Self {
        self.dir(root_dir, path, guest_path, DirAccess::ReadOnly)
    }

    /// Preopens the directory `path` inside the trusted directory `root_dir` as
    /// `guest_path`, with `access`.
    ///
    /// `root_dir` is trusted (the embedder chose it); `path` need not be: at every
    /// [`Plugin::run_command`](crate::Plugin::run_command), before the guest runs, it is
    /// sanitized with [`palisade_path::sanitize`] and opened inside a
    /// [`palisade_path::Root`] at `root_dir` in reject mode, following symbolic links only
    /// while they stay inside the root. `.` grants the root itself. A path that is absolute,
    /// climbs above the root with `..`, crosses a symbolic link leading outside it, does not
    /// exist or is not a directory fails the call with [`ErrorKind::Io`] and the reason.
    ///
    /// On Linux the directory handle opened by `palisade-path` is what the guest gets
    /// (re-opened through `/proc/self/fd`, which names that open directory, not a path), so
    /// nothing can be swapped in between. Elsewhere `wasmtime-wasi` is given the resolved
    /// path (`root_dir` joined with the real path inside it): a directory renamed or
    /// replaced by a symbolic link between the check and `wasmtime-wasi`'s open would be
    /// followed.
    ///
    /// Inside the granted directory, `wasmtime-wasi`'s own capability sandbox applies: the
    /// guest cannot leave it with `..`, absolute paths or symbolic links.
    pub fn dir(
        mut self,
        root_dir: impl Into<PathBuf>,
        path: impl Into<String>,
        guest_path: impl Into<String>,
        access: DirAccess,
    ) -> Self {
        self.dirs.push(DirGrant {
            root_dir: root_dir.into(),
            path: path.into(),
            guest_path: guest_path.into(),
            access,
        });
        self
    }
}

impl DirGrant {
    /// Resolves the grant inside its root and preopens it in `builder`.
    fn preopen(&self, builder: &mut WasiCtxBuilder) -> Result<(), Error> {
        let (dir, real_path) = self.open().map_err(|e| self.refused(&e))?;
        let host_path = host_path_of(&dir, &self.root_dir, &real_path);
        let perms = match self.access {
            DirAccess::ReadOnly => FsPerms::ReadOnly,
            DirAccess::ReadWrite => FsPerms::ReadWrite,
        };
        builder
            .preopened_dir(&host_path, &self.guest_path, perms)
            .map_err(|e| self.refused(&e))?;
        // `dir` stays open until `wasmtime-wasi` has its own handle to the same directory.
        drop(dir);
        Ok(())
    }

    /// Opens the directory through `palisade-path`; returns it and its real path in the root.
    fn open(&self) -> Result<(File, String), String> {
        let path_error = |e: palisade_path::Error| format!("{e} ({})", e.kind().as_str());
        let safe = palisade_path::sanitize(&self.path).map_err(path_error)?;
        let relative = if safe.is_root() { "." } else { safe.as_str() };
        let root = palisade_path::Root::new(&self.root_dir).map_err(path_error)?;
        let real = root.resolve(relative).map_err(path_error)?;
        let options = palisade_path::OpenOptions::new()
            .read(true)
            .follow_final_symlink(true);
        let dir = root.open(relative, &options).map_err(path_error)?;
        let metadata = dir
            .metadata()
            .map_err(|e| format!("cannot read its metadata: {e}"))?;
        if !metadata.is_dir() {
            return Err("it is not a directory; grant a directory".to_owned());
        }
        let real_path = if real.path.is_root() {
            ".".to_owned()
        } else {
            real.path.into_string()
        };
        Ok((dir, real_path))
    }

    fn refused(&self, reason: &dyn std::fmt::Display) -> Error {
        crate::debug!(path = %self.path, guest_path = %self.guest_path, %reason, "WASI directory grant refused");
        Error::new(
            ErrorKind::Io,
            format!(
                "cannot grant directory `{}` of root `{}` to the guest as `{}`: {reason}",
                self.path,
                self.root_dir.display(),
                self.guest_path
            ),
        )
    }
}

/// The path `wasmtime-wasi` opens for `dir`: on Linux the open directory itself through
/// procfs (a magic link to that very directory, so no rename or symbolic link swapped into
/// `root_dir` in the meantime is followed); elsewhere the resolved path, a check-then-use
/// window documented on [`WasiGrants::dir`].
#[cfg(any(target_os = "linux", target_os = "android"))]
fn host_path_of(dir: &File, _root_dir: &Path, _real_path: &str) -> PathBuf {
    use std::os::fd::AsRawFd;
    PathBuf::from(format!("/proc/self/fd/{}", dir.as_raw_fd()))
}

/// See the Linux version: here `wasmtime-wasi` gets the resolved path.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn host_path_of(_dir: &File, root_dir: &Path, real_path: &str) -> PathBuf {
    root_dir.join(real_path)
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
        for dir in &grants.dirs {
            dir.preopen(&mut builder)?;
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
