//! The filesystem layer: a [`Root`] directory held open by descriptor, and every operation
//! resolved relative to it.

#[cfg(any(target_os = "linux", target_os = "android"))]
mod openat2;
mod os;
#[cfg(unix)]
mod remove;
mod verify;
mod walk;

use std::ffi::OsString;
use std::fs::File;
#[cfg(any(target_os = "linux", target_os = "android"))]
use std::os::fd::OwnedFd;
#[cfg(unix)]
use std::os::fd::{AsFd, BorrowedFd};
#[cfg(windows)]
use std::os::windows::io::{AsHandle, BorrowedHandle};

use os::Steps;
use std::path::Path;

#[cfg(unix)]
use rustix::fs::{AtFlags, Mode, OFlags};
#[cfg(unix)]
use rustix::io::Errno;

use crate::error::{Error, ErrorKind, quote};
use crate::safe_rel_path::SafeRelPath;
use crate::sanitizer::DEFAULT_MAX_PATH_BYTES;
pub use verify::HandleCheck;
use verify::Verifier;
use walk::{Final, Missing, Target, Walk};

/// What happens to a path that would leave the root.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum ResolveMode {
    /// Refuse it (like `openat2` `RESOLVE_BENEATH`, the default): `..` above the root is
    /// [`ErrorKind::Traversal`], an absolute path [`ErrorKind::Absolute`], a symbolic link
    /// whose target is absolute or climbs above the root [`ErrorKind::SymlinkEscape`].
    #[default]
    Reject,
    /// Contain it (like `openat2` `RESOLVE_IN_ROOT`): the root acts as `/`, so `..` at the
    /// root stays there and absolute paths and symbolic link targets start at the root.
    Clamp,
}

/// Which resolver walks paths for every [`Root`] operation. With `openat2`,
/// [`Root::resolve`] and [`Root::create_dir_all`] learn the real names from procfs, and
/// leave a dangling symbolic link at the first missing component to the portable walk.
///
/// On Windows `Auto`, `Portable` and `PortableCap` are all the portable walk with
/// cap-primitives' steps (the only steps there), and `Openat2` refuses to open the root;
/// see the crate's "Windows" section for what differs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Resolver {
    /// `openat2` where the kernel offers it, procfs is usable (probed once when the root is
    /// opened) and the symbolic link budget is the kernel's (40), the portable walk
    /// elsewhere. Once `openat2` is chosen, its refusals are final: there is no retry with
    /// a weaker resolver. The portable walk only *names* a refusal the kernel does not
    /// explain (`EXDEV`, `ELOOP`, `EAGAIN` after its retries), and the answer stays a
    /// refusal whatever the walk finds: see the crate's "openat2 and the walk" section.
    #[default]
    Auto,
    /// Always the portable walk: one `openat(O_NOFOLLOW)` per component relative to a stack
    /// of directory handles (what non-Linux systems get; also for testing it on Linux).
    Portable,
    /// The portable walk with each per-component step (look-up without following, reading
    /// a link, opening a directory or the last component without following, creating a
    /// directory) done through cap-primitives' cross-platform functions instead of
    /// `rustix`, also for `remove_file`, `remove_dir_all` and `read_dir`: the code Windows
    /// runs, selectable on Unix so that it is built and tested here. On Unix, opening the
    /// root and the handle check ([`HandleCheck`]) still use `rustix`.
    PortableCap,
    /// Always `openat2`; opening the root fails if the kernel does not offer it, if procfs
    /// is not usable for the handle check (see [`HandleCheck`]), or if the symbolic link
    /// budget is not the kernel's 40.
    Openat2,
}

/// The resolver a [`Root`] actually uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResolverInUse {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Openat2,
    Portable,
}

/// Default number of symbolic links one resolution may follow (cap-std's and Linux's 40).
pub const DEFAULT_SYMLINK_BUDGET: usize = 40;

/// Options for opening a [`Root`].
#[derive(Debug, Clone, Default)]
pub struct RootOptions {
    mode: ResolveMode,
    resolver: Resolver,
    handle_check: HandleCheck,
    symlink_budget: Option<usize>,
}

impl RootOptions {
    /// Reject (default) or clamp escapes.
    pub fn mode(mut self, mode: ResolveMode) -> Self {
        self.mode = mode;
        self
    }

    /// Which resolver to use ([`Resolver::Auto`] by default).
    pub fn resolver(mut self, resolver: Resolver) -> Self {
        self.resolver = resolver;
        self
    }

    /// How the handle each resolution reaches is checked to still be beneath the root
    /// ([`HandleCheck::Auto`] by default: procfs on Linux, the parent walk on other Unix
    /// systems, the final path on Windows).
    pub fn handle_check(mut self, check: HandleCheck) -> Self {
        self.handle_check = check;
        self
    }

    /// How many symbolic links one resolution may follow ([`DEFAULT_SYMLINK_BUDGET`] by
    /// default). The kernel's `openat2` has its own fixed limit of 40 that cannot be
    /// changed, so with any other budget [`Resolver::Auto`] uses the portable walk, and
    /// [`Resolver::Openat2`] refuses to open the root.
    pub fn symlink_budget(mut self, budget: usize) -> Self {
        self.symlink_budget = Some(budget);
        self
    }

    /// Opens `dir` (a trusted path, resolved normally) as the root.
    pub fn open(self, dir: impl AsRef<Path>) -> Result<Root, Error> {
        let dir = open_root_dir(dir.as_ref())?;
        let verifier = Verifier::choose(self.handle_check)?;
        let symlink_budget = self.symlink_budget.unwrap_or(DEFAULT_SYMLINK_BUDGET);
        let resolver = choose_resolver(self.resolver, &dir, &verifier, symlink_budget)?;
        // Windows has only the cap-primitives steps.
        #[cfg(unix)]
        let steps = match self.resolver {
            Resolver::PortableCap => Steps::Cap,
            _ => Steps::Rustix,
        };
        #[cfg(not(unix))]
        let steps = Steps::Cap;
        Ok(Root {
            dir,
            mode: self.mode,
            resolver,
            steps,
            verifier,
            symlink_budget,
        })
    }
}

/// Opens the root directory itself (a trusted path, symbolic links followed).
#[cfg(unix)]
fn open_root_dir(dir: &Path) -> Result<File, Error> {
    rustix::fs::openat(
        rustix::fs::CWD,
        dir,
        walk::dir_flags() & !OFlags::NOFOLLOW,
        Mode::empty(),
    )
    .map(File::from)
    .map_err(|err| {
        let shown = dir.display().to_string();
        match err {
            Errno::NOENT => Error::new(
                ErrorKind::NotFound,
                format!("root directory `{}` does not exist", quote(&shown)),
            ),
            Errno::NOTDIR => Error::new(
                ErrorKind::NotADirectory,
                format!("root `{}` is not a directory", quote(&shown)),
            ),
            err => Error::with_source(
                ErrorKind::Io,
                format!("could not open root directory `{}`", quote(&shown)),
                err.into(),
            ),
        }
    })
}

/// Opens the root directory itself (a trusted path) with cap-primitives' ambient-authority
/// entry point, the only path-based open.
#[cfg(windows)]
fn open_root_dir(dir: &Path) -> Result<File, Error> {
    cap_primitives::fs::open_ambient_dir(dir, cap_primitives::ambient_authority()).map_err(|err| {
        let shown = dir.display().to_string();
        match os::windows_kind(&err) {
            Some(ErrorKind::NotFound) => Error::new(
                ErrorKind::NotFound,
                format!("root directory `{}` does not exist", quote(&shown)),
            ),
            Some(ErrorKind::NotADirectory) => Error::new(
                ErrorKind::NotADirectory,
                format!("root `{}` is not a directory", quote(&shown)),
            ),
            _ => Error::with_source(
                ErrorKind::Io,
                format!("could not open root directory `{}`", quote(&shown)),
                err,
            ),
        }
    })
}

/// `openat2` hands back only the final handle, with no parent directory to walk `..` from,
/// so it is used only together with the procfs check, and only with the kernel's own
/// symbolic link limit (40) as the budget.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn choose_resolver(
    wanted: Resolver,
    dir: &File,
    verifier: &Verifier,
    symlink_budget: usize,
) -> Result<ResolverInUse, Error> {
    let dir = dir.as_fd();
    let kernel_budget = symlink_budget == DEFAULT_SYMLINK_BUDGET;
    match wanted {
        Resolver::Portable | Resolver::PortableCap => Ok(ResolverInUse::Portable),
        Resolver::Auto if kernel_budget && verifier.is_procfs() && openat2::available(dir) => {
            Ok(ResolverInUse::Openat2)
        }
        Resolver::Auto => Ok(ResolverInUse::Portable),
        Resolver::Openat2 if !kernel_budget => Err(Error::new(
            ErrorKind::Io,
            format!(
                "the `openat2` resolver cannot follow a symbolic link budget of \
                 {symlink_budget} (the kernel's limit is {DEFAULT_SYMLINK_BUDGET}); use the \
                 portable resolver"
            ),
        )),
        Resolver::Openat2 if !verifier.is_procfs() => Err(Error::with_source(
            ErrorKind::Io,
            "the `openat2` resolver needs the procfs handle check, which is not in use here; \
             use the portable resolver"
                .to_owned(),
            std::io::Error::from(std::io::ErrorKind::Unsupported),
        )),
        Resolver::Openat2 if openat2::available(dir) => Ok(ResolverInUse::Openat2),
        Resolver::Openat2 => Err(unsupported()),
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn choose_resolver(
    wanted: Resolver,
    _dir: &File,
    _verifier: &Verifier,
    _symlink_budget: usize,
) -> Result<ResolverInUse, Error> {
    match wanted {
        Resolver::Openat2 => Err(unsupported()),
        _ => Ok(ResolverInUse::Portable),
    }
}

fn unsupported() -> Error {
    Error::with_source(
        ErrorKind::Io,
        "`openat2` is not available on this system; use the portable resolver".to_owned(),
        std::io::Error::from(std::io::ErrorKind::Unsupported),
    )
}

/// A directory that untrusted paths are resolved inside, held open by descriptor.
///
/// Every operation walks relative to that descriptor, never by joining strings, so renaming
/// or replacing the root's path afterwards changes nothing, and no symbolic link, `..` or
/// concurrent rename leads outside it. Operations that return a handle ([`Root::open`],
/// [`Root::read_dir`]) or act through one ([`Root::create_dir_all`], [`Root::remove_file`],
/// [`Root::remove_dir_all`]) are race-safe. [`Root::resolve`] returns a *name*: using that
/// name later is check-then-use, and a path swapped in between is followed.
///
/// Symbolic links are followed only while they stay inside the root, at most
/// [`DEFAULT_SYMLINK_BUDGET`] of them per resolution. Magic links (`/proc/self/fd/N`) are
/// never followed by the `openat2` resolver; the portable walk reads every link's text and
/// resolves it itself, so a magic link's target is treated as an ordinary absolute path.
///
/// **Windows** (compiled, never run here): every step goes through cap-primitives, which
/// opens and inspects entries relative to the directory handle but creates directories,
/// removes entries, reads links and lists directories through the handle's current path;
/// those stay inside the root only because the root and every directory the walk holds are
/// opened without `FILE_SHARE_DELETE`, so they cannot be renamed meanwhile (cap-primitives'
/// design, not verified here). The move-out check is [`HandleCheck::FinalPath`]. A link
/// target containing `\` or `:` is refused. The open root directory cannot be renamed or
/// deleted while the `Root` exists. See the crate's "Windows" section and Status table.
#[derive(Debug)]
pub struct Root {
    dir: File,
    mode: ResolveMode,
    resolver: ResolverInUse,
    /// Who performs the portable walk's steps.
    steps: Steps,
    verifier: Verifier,
    symlink_budget: usize,
}

#[cfg(unix)]
impl AsFd for Root {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.dir.as_fd()
    }
}

/// The root directory's handle (Windows).
#[cfg(windows)]
impl AsHandle for Root {
    fn as_handle(&self) -> BorrowedHandle<'_> {
        self.dir.as_handle()
    }
}

/// The outcome of [`Root::resolve`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resolved {
    /// The real path relative to the root after following symbolic links (the existing
    /// prefix resolved, a missing tail appended as given).
    pub path: SafeRelPath,
    /// Whether the whole path exists.
    pub exists: bool,
}

/// How [`Root::open`] opens a file, like [`std::fs::OpenOptions`]. Read-only by default.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    read: bool,
    write: bool,
    append: bool,
    truncate: bool,
    create: bool,
    create_new: bool,
    follow_final_symlink: bool,
    mode: Option<u32>,
}

impl OpenOptions {
    /// Read-only, no creation, a symbolic link in the last component refused.
    pub fn new() -> Self {
        Self {
            read: true,
            ..Self::default()
        }
    }

    /// Open for reading.
    pub fn read(mut self, read: bool) -> Self {
        self.read = read;
        self
    }

    /// Open for writing.
    pub fn write(mut self, write: bool) -> Self {
        self.write = write;
        self
    }

    /// Open for appending (implies writing).
    pub fn append(mut self, append: bool) -> Self {
        self.append = append;
        self
    }

    /// Truncate an existing file.
    pub fn truncate(mut self, truncate: bool) -> Self {
        self.truncate = truncate;
        self
    }

    /// Create the file if it is missing.
    pub fn create(mut self, create: bool) -> Self {
        self.create = create;
        self
    }

    /// Create the file, failing if it exists.
    pub fn create_new(mut self, create_new: bool) -> Self {
        self.create_new = create_new;
        self
    }

    /// Follow a symbolic link in the last component (inside the root only). Off by default:
    /// the last component is opened with `O_NOFOLLOW` and a link there is
    /// [`ErrorKind::SymlinkLoop`] (the kernel's `ELOOP`).
    pub fn follow_final_symlink(mut self, follow: bool) -> Self {
        self.follow_final_symlink = follow;
        self
    }

    /// Permission bits for a created file (default `0o666`, less the umask). Ignored on
    /// Windows.
    pub fn mode(mut self, mode: u32) -> Self {
        self.mode = Some(mode);
        self
    }

    #[cfg(unix)]
    fn flags(&self) -> OFlags {
        let access = match (self.read, self.write || self.append) {
            (true, true) => OFlags::RDWR,
            (false, true) => OFlags::WRONLY,
            _ => OFlags::RDONLY,
        };
        let mut flags = access | OFlags::CLOEXEC | OFlags::NOCTTY;
        for (wanted, flag) in [
            (self.append, OFlags::APPEND),
            (self.truncate, OFlags::TRUNC),
            (self.create || self.create_new, OFlags::CREATE),
            (self.create_new, OFlags::EXCL),
            (!self.follow_final_symlink, OFlags::NOFOLLOW),
        ] {
            if wanted {
                flags |= flag;
            }
        }
        flags
    }

    /// The same choices for the cap-primitives steps ([`Resolver::PortableCap`]).
    fn cap_open(&self) -> os::CapOpen {
        os::CapOpen {
            read: self.read,
            write: self.write,
            append: self.append,
            truncate: self.truncate,
            create: self.create,
            create_new: self.create_new,
            mode: self.mode.unwrap_or(0o666) & 0o7777,
        }
    }

    /// How the walk treats the last component for these options.
    fn final_component(&self) -> Final {
        if self.follow_final_symlink {
            Final::Follow
        } else {
            Final::NoFollow
        }
    }

    fn creates(&self) -> bool {
        self.create || self.create_new
    }

    /// `openat2` refuses a non-zero mode without `O_CREAT` (EINVAL).
    #[cfg(unix)]
    fn create_mode(&self) -> Mode {
        if self.creates() {
            Mode::from_bits_truncate((self.mode.unwrap_or(0o666) & 0o7777) as _)
        } else {
            Mode::empty()
        }
    }
}

/// What kind of thing a directory entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Directory,
    /// A symbolic link (not followed).
    Symlink,
    /// Anything else (device, socket, FIFO) or not reported by the filesystem.
    Other,
}

/// One entry of [`Root::read_dir`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    name: OsString,
    kind: EntryKind,
}

impl DirEntry {
    /// The entry's name (one component; never `.` or `..`).
    pub fn name(&self) -> &std::ffi::OsStr {
        &self.name
    }

    /// What the entry is, without following a symbolic link.
    pub fn kind(&self) -> EntryKind {
        self.kind
    }
}

impl Root {
    /// Opens `dir` (a trusted path) as a root with the default options: reject mode,
    /// automatic resolver.
    pub fn new(dir: impl AsRef<Path>) -> Result<Root, Error> {
        RootOptions::default().open(dir)
    }

    /// Options for opening a root in clamp mode, with another resolver or budget.
    pub fn options() -> RootOptions {
        RootOptions::default()
    }

    /// The mode escapes are handled in.
    pub fn mode(&self) -> ResolveMode {
        self.mode
    }

    /// Whether this root resolves with `openat2` (otherwise with the portable walk).
    pub fn uses_openat2(&self) -> bool {
        self.resolver != ResolverInUse::Portable
    }

    /// How this root checks that a resolution's result is still beneath it
    /// ([`HandleCheck::Procfs`], [`HandleCheck::ParentWalk`] or [`HandleCheck::FinalPath`],
    /// never `Auto`).
    pub fn handle_check(&self) -> HandleCheck {
        self.verifier.kind()
    }

    /// The root's directory descriptor.
    #[cfg(unix)]
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.dir.as_fd()
    }

    /// Resolves `path` inside the root, following symbolic links within it: the existing
    /// prefix is resolved on disk, a missing tail is appended as given (it may not contain
    /// `..`), and [`Resolved::exists`] says whether the whole path exists.
    ///
    /// The returned name is only true at the moment of the call; opening it later by joining
    /// it to the root's path is check-then-use. Prefer [`Root::open`].
    pub fn resolve(&self, path: &str) -> Result<Resolved, Error> {
        traced("resolve", self.resolve_inner(path))
    }

    fn resolve_inner(&self, path: &str) -> Result<Resolved, Error> {
        check_input(path)?;
        match self.resolver {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            ResolverInUse::Openat2 => {
                self.check_absolute(path)?;
                let flags = OFlags::PATH | OFlags::CLOEXEC;
                match self.openat2_prefix(path, flags)? {
                    Prefix::Whole(fd) => Ok(Resolved {
                        path: self.real_path(fd.as_fd(), path)?,
                        exists: true,
                    }),
                    Prefix::Partial(dir, tail) => {
                        let base = self.real_path(dir.as_fd(), path)?;
                        Ok(Resolved {
                            path: SafeRelPath::from_checked_components(
                                base.components().chain(tail.iter().map(String::as_str)),
                            ),
                            exists: false,
                        })
                    }
                    Prefix::Walk => self.resolve_portable(path),
                }
            }
            ResolverInUse::Portable => self.resolve_portable(path),
        }
    }

    fn resolve_portable(&self, path: &str) -> Result<Resolved, Error> {
        let mut walk = Walk::new(self, path)?;
        let target = walk.run(Final::Follow, Missing::TailAllowed)?;
        self.check_beneath(walk.current_dir(), walk.current_dir(), path)?;
        let base = walk.current_path();
        let (extra, exists): (Vec<String>, bool) = match target {
            Target::Directory => (Vec::new(), true),
            Target::Entry { name, exists } => (vec![name], exists),
            Target::Missing { tail } => (tail, false),
        };
        let path = SafeRelPath::from_checked_components(
            base.components().chain(extra.iter().map(String::as_str)),
        );
        Ok(Resolved { path, exists })
    }

    /// Opens a file (or directory, read-only) inside the root.
    ///
    /// The last component is opened with `O_NOFOLLOW` unless
    /// [`OpenOptions::follow_final_symlink`] is set; a created file is created in the
    /// directory the walk reached, never through a link.
    pub fn open(&self, path: &str, options: &OpenOptions) -> Result<File, Error> {
        traced("open", self.open_inner(path, options))
    }

    fn open_inner(&self, path: &str, options: &OpenOptions) -> Result<File, Error> {
        check_input(path)?;
        match self.resolver {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            ResolverInUse::Openat2 => {
                self.check_absolute(path)?;
                let last = path.rsplit('/').next().unwrap_or_default();
                if options.creates()
                    && !options.follow_final_symlink
                    && !matches!(last, "" | "." | "..")
                {
                    // Creating: reach (and check) the parent first, then create the name in
                    // it with O_NOFOLLOW, so nothing is created in a directory that was moved
                    // out of the root (a single openat2 call would create before any check).
                    let (parent, name) = self.open_parent(path)?;
                    let file = File::from(
                        rustix::fs::openat(&parent, name, options.flags(), options.create_mode())
                            .map_err(|err| self.classify(path, err))?,
                    );
                    self.check_beneath(&file, &parent, path)?;
                    return Ok(file);
                }
                let fd = openat2::open(
                    self.dir.as_fd(),
                    path,
                    options.flags(),
                    options.create_mode(),
                    self.mode,
                )
                .map_err(|err| self.classify_openat2(path, err, options.final_component()))?;
                // Not checked again: the kernel did (see `openat2::open`).
                Ok(File::from(fd))
            }
            ResolverInUse::Portable => self.open_portable(path, options),
        }
    }

    fn open_portable(&self, path: &str, options: &OpenOptions) -> Result<File, Error> {
        let mut walk = Walk::new(self, path)?;
        let last = options.final_component();
        let missing = if options.creates() {
            Missing::LastMayBeMissing
        } else {
            Missing::TailAllowed
        };
        let target = walk.run(last, missing)?;
        let name = match &target {
            // The kernel answers `O_CREAT` on an existing directory with EEXIST (`O_EXCL`)
            // or EISDIR; say the same as the openat2 resolver would.
            Target::Directory if options.creates() => {
                return Err(self.create_on_directory(path, options.create_new));
            }
            Target::Directory => ".",
            Target::Entry { name, .. } => name.as_str(),
            Target::Missing { tail } => return Err(not_found(path, tail.first())),
        };
        if options.creates() {
            // Nothing is created in a directory that was moved out of the root.
            self.check_beneath(walk.current_dir(), walk.current_dir(), path)?;
        }
        let file = match self.steps {
            #[cfg(unix)]
            Steps::Rustix => {
                // The directory the walk reached is opened as itself; an entry never through
                // a link.
                let flags = if name == "." {
                    options.flags() & !OFlags::NOFOLLOW
                } else {
                    options.flags() | OFlags::NOFOLLOW
                };
                rustix::fs::openat(walk.current(), name, flags, options.create_mode())
                    .map(File::from)
                    .map_err(|err| self.classify(path, err))?
            }
            Steps::Cap => os::cap_open(walk.current_dir(), name, options.cap_open())
                .map_err(|err| self.classify_io(path, err))?,
        };
        self.check_beneath(&file, walk.current_dir(), path)?;
        Ok(file)
    }

    /// Opens a directory inside the root as a handle for fd-relative work, following
    /// symbolic links within the root (also in the last component).
    fn open_directory(&self, path: &str) -> Result<File, Error> {
        check_input(path)?;
        #[cfg(unix)]
        let read_dir = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        match self.resolver {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            ResolverInUse::Openat2 => {
                self.check_absolute(path)?;
                let fd = openat2::open(self.dir.as_fd(), path, read_dir, Mode::empty(), self.mode)
                    .map_err(|err| self.classify_openat2(path, err, Final::Follow))?;
                // Not checked again: the kernel did (see `openat2::open`).
                Ok(File::from(fd))
            }
            ResolverInUse::Portable => {
                let mut walk = Walk::new(self, path)?;
                match walk.run(Final::Follow, Missing::TailAllowed)? {
                    Target::Directory => {
                        let dir = match self.steps {
                            #[cfg(unix)]
                            Steps::Rustix => File::from(
                                rustix::fs::openat(walk.current(), ".", read_dir, Mode::empty())
                                    .map_err(|err| self.classify(path, err))?,
                            ),
                            Steps::Cap => os::cap_reopen_dir(walk.current_dir())
                                .map_err(|err| self.classify_io(path, err))?,
                        };
                        self.check_beneath(&dir, &dir, path)?;
                        Ok(dir)
                    }
                    Target::Entry { name, .. } => Err(not_a_directory(path, &name)),
                    Target::Missing { tail } => Err(not_found(path, tail.first())),
                }
            }
        }
    }

    /// Opens the directory that contains `path`'s last component, and returns that
    /// component. The last component must be a plain name (not `.`, `..` or empty).
    fn open_parent<'p>(&self, path: &'p str) -> Result<(File, &'p str), Error> {
        check_input(path)?;
        let trimmed = path.trim_end_matches('/');
        let (parent, name) = match trimmed.rsplit_once('/') {
            Some((parent, name)) => (if parent.is_empty() { "/" } else { parent }, name),
            None => (".", trimmed),
        };
        if matches!(name, "" | "." | "..") {
            return Err(Error::new(
                ErrorKind::InvalidComponent,
                format!(
                    "path `{}` must end in a name (not `.`, `..` or the root itself); name the \
                     entry directly",
                    quote(path)
                ),
            ));
        }
        let parent_fd = self.open_directory(parent).map_err(|err| {
            if err.kind() == ErrorKind::Absolute && parent == "/" {
                // `/name` in reject mode: say so about the whole path.
                Error::new(
                    ErrorKind::Absolute,
                    format!(
                        "path `{}` is absolute; give a path relative to the root",
                        quote(path)
                    ),
                )
            } else {
                err
            }
        })?;
        Ok((parent_fd, name))
    }

    /// Creates `path` and any missing parents inside the root (like `mkdir -p`), following
    /// symbolic links within the root. Returns the created (or existing) directory's real
    /// path relative to the root.
    pub fn create_dir_all(&self, path: &str) -> Result<SafeRelPath, Error> {
        traced("create_dir_all", self.create_dir_all_inner(path))
    }

    fn create_dir_all_inner(&self, path: &str) -> Result<SafeRelPath, Error> {
        check_input(path)?;
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.resolver == ResolverInUse::Openat2 {
            self.check_absolute(path)?;
            let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
            match self.openat2_prefix(path, flags)? {
                Prefix::Whole(fd) => return self.real_path(fd.as_fd(), path),
                Prefix::Partial(dir, tail) => {
                    // Checked before anything is created in it.
                    self.real_path(dir.as_fd(), path)?;
                    let mut dir = File::from(dir);
                    for name in &tail {
                        dir = walk::create_child_dir(Steps::Rustix, &dir, name, path)?;
                    }
                    return self.real_path(dir.as_fd(), path);
                }
                Prefix::Walk => {}
            }
        }
        let mut walk = Walk::new(self, path)?;
        match walk.run(Final::Follow, Missing::TailAllowed)? {
            Target::Directory => {}
            Target::Entry { name, .. } => return Err(not_a_directory(path, &name)),
            Target::Missing { tail } => {
                // Checked before anything is created in it.
                self.check_beneath(walk.current_dir(), walk.current_dir(), path)?;
                for name in tail {
                    walk.create_and_enter(&name)?;
                }
            }
        }
        self.check_beneath(walk.current_dir(), walk.current_dir(), path)?;
        Ok(walk.current_path())
    }

    /// Fails with [`ErrorKind::MovedOutOfRoot`] unless `handle` (found in directory `dir`,
    /// or `dir` itself) is still beneath the root; see [`HandleCheck`].
    fn check_beneath(&self, handle: &File, dir: &File, path: &str) -> Result<(), Error> {
        self.verifier.check(&self.dir, handle, dir, path)
    }

    /// The real path of `handle` relative to the root, read from procfs in one snapshot;
    /// this is also the handle check ([`ErrorKind::MovedOutOfRoot`] when not beneath).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn real_path(&self, handle: BorrowedFd<'_>, path: &str) -> Result<SafeRelPath, Error> {
        let Verifier::Procfs(fds) = &self.verifier else {
            // choose_resolver pairs openat2 with the procfs check only.
            return Err(io_error(
                path,
                "the openat2 resolver lost its procfs check",
                std::io::Error::from(std::io::ErrorKind::Unsupported),
            ));
        };
        let io = |err: Errno| io_error(path, "reading the resolved path from procfs", err.into());
        let Some(relative) = fds.relative_path(self.dir.as_fd(), handle).map_err(io)? else {
            return Err(verify::moved_out(path));
        };
        // An entry removed meanwhile reads as `… (deleted)`: not a name to report.
        if rustix::fs::fstat(handle).map_err(io)?.st_nlink == 0 {
            return Err(not_found(path, None));
        }
        let Ok(relative) = String::from_utf8(relative) else {
            return Err(Error::new(
                ErrorKind::Encoding,
                format!(
                    "path `{}` resolves to a name that is not UTF-8",
                    quote(path)
                ),
            ));
        };
        Ok(SafeRelPath::from_checked_components(
            relative.split('/').filter(|name| !name.is_empty()),
        ))
    }

    /// Resolves as much of `path` as exists with `openat2` (`flags` for every attempt): the
    /// whole path, or the longest prefix of its components that resolves (a directory) and
    /// the missing names below it. A first missing component that is a dangling symbolic
    /// link is left to the portable walk, which reads links itself ([`Prefix::Walk`]).
    ///
    /// Prefixes fail monotonically (the kernel walks components in order and never cleans
    /// `x/..`), so the longest one is found by bisection: `O(log n)` calls.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn openat2_prefix(&self, path: &str, flags: OFlags) -> Result<Prefix, Error> {
        let open = |prefix: &str, flags: OFlags| {
            openat2::open(self.dir.as_fd(), prefix, flags, Mode::empty(), self.mode)
        };
        match open(path, flags) {
            Ok(fd) => return Ok(Prefix::Whole(fd)),
            Err(Errno::NOENT) => {}
            Err(err) => return Err(self.classify_openat2(path, err, Final::Follow)),
        }
        let mut components: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        if path.ends_with('/') {
            components.push(".");
        }
        let dir_flags = flags | OFlags::DIRECTORY;
        // Invariant: `found` (`lo` components) resolves, `hi` components do not.
        let mut found =
            open(".", dir_flags).map_err(|err| self.classify_openat2(path, err, Final::Follow))?;
        let (mut lo, mut hi) = (0, components.len());
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            let prefix = components.get(..mid).unwrap_or_default().join("/");
            match open(&prefix, dir_flags) {
                Ok(fd) => {
                    found = fd;
                    lo = mid;
                }
                Err(Errno::NOENT) => hi = mid,
                Err(err) => return Err(self.classify_openat2(path, err, Final::Follow)),
            }
        }
        let rest = components.get(lo..).unwrap_or_default();
        let Some(first) = rest.first() else {
            // The tree changed under us: let the walk decide.
            return Ok(Prefix::Walk);
        };
        if matches!(*first, "." | "..") {
            return Ok(Prefix::Walk);
        }
        match rustix::fs::statat(&found, *first, AtFlags::SYMLINK_NOFOLLOW) {
            Err(Errno::NOENT) => {}
            // A dangling link (or something that appeared meanwhile): the walk reads it.
            _ => return Ok(Prefix::Walk),
        }
        let mut tail = Vec::with_capacity(rest.len());
        for name in rest {
            match *name {
                "." => {}
                // `missing/..` is ENOENT for the kernel too; never clean it lexically.
                ".." => return Err(not_found(path, tail.last())),
                name => tail.push(name.to_owned()),
            }
        }
        Ok(Prefix::Partial(found, tail))
    }

    /// Removes a file or symbolic link (the link itself, never its target) inside the root.
    pub fn remove_file(&self, path: &str) -> Result<(), Error> {
        let (parent, name) = self.open_parent(path)?;
        #[cfg(unix)]
        {
            let removed = match self.steps {
                Steps::Rustix => rustix::fs::unlinkat(&parent, name, AtFlags::empty()),
                Steps::Cap => os::cap_remove_file(&parent, name)
                    .map_err(|err| Errno::from_io_error(&err).unwrap_or(Errno::IO)),
            };
            removed.map_err(|err| match err {
                Errno::ISDIR | Errno::PERM => Error::with_source(
                    ErrorKind::Io,
                    format!(
                        "path `{}` is a directory; use remove_dir_all for directories",
                        quote(path)
                    ),
                    err.into(),
                ),
                err => self.classify(path, err),
            })
        }
        #[cfg(not(unix))]
        os::cap_remove_file(&parent, name).map_err(|err| self.classify_io(path, err))
    }

    /// Removes a directory and everything below it, inside the root. Every step works on a
    /// directory handle and opens entries with `O_NOFOLLOW`, so a directory swapped for a
    /// symbolic link mid-way is unlinked as a link, never followed (CVE-2022-21658: std's
    /// `remove_dir_all` followed a swapped symlink). If `path` itself is a symbolic link, the
    /// link is removed.
    pub fn remove_dir_all(&self, path: &str) -> Result<(), Error> {
        let (parent, name) = self.open_parent(path)?;
        match self.steps {
            #[cfg(unix)]
            Steps::Rustix => remove::remove_entry_all(parent.as_fd(), name)
                .map_err(|err| self.classify(path, err)),
            Steps::Cap => os::cap_remove_entry_all(&parent, Path::new(name))
                .map_err(|err| self.classify_io(path, err)),
        }
    }

    /// Lists a directory inside the root (following symbolic links within the root to reach
    /// it). Entries are not sorted; `.` and `..` are left out.
    pub fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, Error> {
        let dir = self.open_directory(path)?;
        match self.steps {
            #[cfg(unix)]
            Steps::Rustix => remove::list(dir.as_fd()).map_err(|err| self.classify(path, err)),
            Steps::Cap => Ok(os::cap_list(&dir)
                .map_err(|err| self.classify_io(path, err))?
                .into_iter()
                .map(|(name, kind)| DirEntry { name, kind })
                .collect()),
        }
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn check_absolute(&self, path: &str) -> Result<(), Error> {
        if self.mode == ResolveMode::Reject && path.starts_with('/') {
            // Walk::new says it the same way for both resolvers.
            Walk::new(self, path)?;
        }
        Ok(())
    }

    /// [`Root::classify`] for an error from cap-primitives: the platform's error number
    /// where there is one (Unix), otherwise an I/O error (fail closed).
    #[cfg(unix)]
    fn classify_io(&self, path: &str, err: std::io::Error) -> Error {
        match Errno::from_io_error(&err) {
            Some(errno) => self.classify(path, errno),
            None if err.kind() == std::io::ErrorKind::NotFound => not_found(path, None),
            None => io_error(path, "the operation failed", err),
        }
    }

    /// An error from cap-primitives on Windows: the system error codes of
    /// [`os::windows_kind`]'s table, anything else an I/O error (fail closed).
    #[cfg(not(unix))]
    fn classify_io(&self, path: &str, err: std::io::Error) -> Error {
        match os::windows_kind(&err) {
            Some(ErrorKind::NotFound) => not_found(path, None),
            Some(ErrorKind::NotADirectory) => Error::new(
                ErrorKind::NotADirectory,
                format!("path `{}`: a component is not a directory", quote(path)),
            ),
            Some(ErrorKind::SymlinkLoop) => Error::new(
                ErrorKind::SymlinkLoop,
                format!(
                    "path `{}`: a symbolic link as the last component where following it was \
                     not asked",
                    quote(path)
                ),
            ),
            Some(ErrorKind::TooLong) => Error::new(
                ErrorKind::TooLong,
                format!(
                    "path `{}` or one of its components is too long",
                    quote(path)
                ),
            ),
            _ => io_error(path, "the operation failed", err),
        }
    }

    /// What `open` says when the walk ends on a directory and the options create a file:
    /// `EEXIST` with `create_new`, otherwise `EISDIR`, as the kernel answers.
    fn create_on_directory(&self, path: &str, create_new: bool) -> Error {
        #[cfg(unix)]
        return self.classify(
            path,
            if create_new {
                Errno::EXIST
            } else {
                Errno::ISDIR
            },
        );
        #[cfg(not(unix))]
        {
            let kind = if create_new {
                std::io::ErrorKind::AlreadyExists
            } else {
                std::io::ErrorKind::IsADirectory
            };
            io_error(path, "the operation failed", std::io::Error::from(kind))
        }
    }

    /// Turns an error of an `openat2` call into an error kind, for an operation that treats
    /// the last component as `last` says. The kernel's refusals that do not name their
    /// reason precisely are explained by walking the same path with the portable walk
    /// (which counts links exactly as our budget does); **whatever the walk finds, the
    /// result stays an error** — openat2's refusals are final, the walk only names them:
    ///
    /// - `EXDEV` ("would leave the root"): the walk's escape ([`ErrorKind::Traversal`],
    ///   [`ErrorKind::SymlinkEscape`], [`ErrorKind::Absolute`]), or
    ///   [`ErrorKind::MovedOutOfRoot`] when the tree no longer shows one.
    /// - `ELOOP` (after [`openat2::ELOOP_RETRIES`]): the kernel may count the links of a
    ///   restarted look-up twice (see there), e.g. 21 links followed by `..` above the root
    ///   are `ELOOP` for the kernel (RCU-walk gives up at the `..`, ref-walk starts again
    ///   with 21 links counted) but [`ErrorKind::Traversal`] for the walk. The walk's error
    ///   is reported when it finds one; when the walk succeeds (a symbolic link as the last
    ///   component under `O_NOFOLLOW`, or a kernel count above ours three times in a row),
    ///   the kernel's [`ErrorKind::SymlinkLoop`] stands.
    /// - `EAGAIN` after [`openat2::EAGAIN_RETRIES`] attempts (renames elsewhere on the
    ///   system kept racing with `..` steps): the walk's error when it finds one, otherwise
    ///   [`ErrorKind::Io`] whose source is the `EAGAIN` [`std::io::Error`]
    ///   ([`std::io::ErrorKind::WouldBlock`]): nothing is returned, the caller may retry.
    ///   Never the walk's success (libpathrs also errors out after 128 attempts).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn classify_openat2(&self, path: &str, err: Errno, last: Final) -> Error {
        let explained = |accept: &[ErrorKind]| {
            let mut walk = Walk::new(self, path).ok()?;
            match walk.run(last, Missing::TailAllowed) {
                Err(found) if accept.contains(&found.kind()) => Some(found),
                _ => None,
            }
        };
        match err {
            Errno::XDEV => explained(&[
                ErrorKind::Traversal,
                ErrorKind::SymlinkEscape,
                ErrorKind::Absolute,
            ])
            .unwrap_or_else(|| {
                // The kernel saw an escape that the tree no longer shows: it changed during
                // the resolution. Since Linux 5.6, `complete_walk()` answers EXDEV when the
                // result of a scoped look-up is not under the root (a directory on the way
                // was moved out), which is the case this kind names.
                Error::new(
                    ErrorKind::MovedOutOfRoot,
                    format!(
                        "path `{}` left the root while it was resolved (the kernel refused it \
                         with EXDEV; the tree changed meanwhile); nothing was returned",
                        quote(path)
                    ),
                )
            }),
            Errno::LOOP => explained(&PATH_VERDICTS).unwrap_or_else(|| self.classify(path, err)),
            Errno::AGAIN => explained(&PATH_VERDICTS).unwrap_or_else(|| {
                io_error(
                    path,
                    &format!(
                        "the kernel could not resolve it safely: a rename somewhere on the \
                         system raced with a `..` step on each of {} attempts (EAGAIN); \
                         nothing was returned, try again",
                        openat2::EAGAIN_RETRIES
                    ),
                    err.into(),
                )
            }),
            err => self.classify(path, err),
        }
    }

    /// Turns a failed system call into an error kind.
    #[cfg(unix)]
    fn classify(&self, path: &str, err: Errno) -> Error {
        match err {
            Errno::NOENT => not_found(path, None),
            Errno::NOTDIR => Error::new(
                ErrorKind::NotADirectory,
                format!("path `{}`: a component is not a directory", quote(path)),
            ),
            Errno::LOOP => Error::new(
                ErrorKind::SymlinkLoop,
                format!(
                    "path `{}`: too many symbolic links, a loop, or a symbolic link as the last \
                     component where following it was not asked",
                    quote(path)
                ),
            ),
            Errno::NAMETOOLONG => Error::new(
                ErrorKind::TooLong,
                format!(
                    "path `{}` or one of its components is too long",
                    quote(path)
                ),
            ),
            err => io_error(path, "the operation failed", err.into()),
        }
    }
}

/// The error kinds that are a verdict on the path itself (not on the system's state): what
/// the portable walk may contribute when it explains an `openat2` refusal.
#[cfg(any(target_os = "linux", target_os = "android"))]
const PATH_VERDICTS: [ErrorKind; 8] = [
    ErrorKind::Traversal,
    ErrorKind::SymlinkEscape,
    ErrorKind::Absolute,
    ErrorKind::SymlinkLoop,
    ErrorKind::NotFound,
    ErrorKind::NotADirectory,
    ErrorKind::TooLong,
    ErrorKind::Encoding,
];

/// How much of a path `openat2` resolved.
#[cfg(any(target_os = "linux", target_os = "android"))]
enum Prefix {
    /// All of it: the handle.
    Whole(OwnedFd),
    /// A directory handle for the longest existing prefix, and the missing names below it.
    Partial(OwnedFd, Vec<String>),
    /// The first missing component is a dangling symbolic link: only the walk can say
    /// where it leads.
    Walk,
}

/// Logs a refused operation's kind at debug level (never the path).
fn traced<T>(operation: &'static str, result: Result<T, Error>) -> Result<T, Error> {
    #[cfg(feature = "tracing")]
    if let Err(err) = &result {
        tracing::debug!(
            operation,
            kind = err.kind().as_str(),
            "path refused in root"
        );
    }
    #[cfg(not(feature = "tracing"))]
    let _ = operation;
    result
}

/// Checks that need no filesystem: empty, NUL, length.
fn check_input(path: &str) -> Result<(), Error> {
    if path.is_empty() {
        return Err(Error::new(
            ErrorKind::Empty,
            "path is empty; give a relative path, or `.` for the root".to_owned(),
        ));
    }
    if path.contains('\0') {
        return Err(Error::new(
            ErrorKind::NulByte,
            format!("path `{}` contains a NUL byte", quote(path)),
        ));
    }
    if path.len() > DEFAULT_MAX_PATH_BYTES {
        return Err(Error::new(
            ErrorKind::TooLong,
            format!(
                "path `{}` is {} bytes long; the limit is {DEFAULT_MAX_PATH_BYTES}",
                quote(path),
                path.len()
            ),
        ));
    }
    Ok(())
}

fn not_found(path: &str, name: Option<&String>) -> Error {
    let what = match name {
        Some(name) => format!("`{}` does not exist under the root", quote(name)),
        None => "it does not exist under the root".to_owned(),
    };
    Error::new(
        ErrorKind::NotFound,
        format!("path `{}`: {what}", quote(path)),
    )
}

fn not_a_directory(path: &str, name: &str) -> Error {
    Error::new(
        ErrorKind::NotADirectory,
        format!(
            "path `{}`: `{}` is not a directory",
            quote(path),
            quote(name)
        ),
    )
}

pub(crate) fn io_error(path: &str, what: &str, err: std::io::Error) -> Error {
    Error::with_source(
        ErrorKind::Io,
        format!("path `{}`: {what}: {err}", quote(path)),
        err,
    )
}
