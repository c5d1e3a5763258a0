//! The portable walk's seam to the operating system: the few single-component operations it
//! needs, each relative to a directory handle and never following a symbolic link.
//!
//! Two implementations ([`Steps`]):
//!
//! - [`Steps::Rustix`] (Unix): `fstatat(AT_SYMLINK_NOFOLLOW)`, `readlinkat`,
//!   `openat(O_NOFOLLOW | O_DIRECTORY)`, `mkdirat`, `openat(O_NOFOLLOW)` through `rustix`.
//! - [`Steps::Cap`]: the same steps written only against cap-primitives' documented,
//!   cross-platform functions (`stat` with `FollowSymlinks::No`, `read_link_contents`,
//!   `open_dir_nofollow`, `create_dir`, `open` with `follow(FollowSymlinks::No)`). This is
//!   the code a Windows build is meant to use; on Unix it is selectable
//!   ([`Resolver::PortableCap`](crate::Resolver::PortableCap)) so the test suite exercises
//!   it. cap-primitives also confines each call to the directory handle it is given, so a
//!   step can never reach above that handle even if a name were misread.
//!
//! Errors are reduced to what the walk decides on ([`StepError`]); anything else is an I/O
//! error and ends the walk (fail closed).

use std::ffi::OsString;
use std::fs::File;
use std::io;
#[cfg(unix)]
use std::os::fd::AsFd as _;
use std::path::Path;

use cap_primitives::fs::FollowSymlinks;

/// Which implementation performs the walk's steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Steps {
    /// `rustix` system calls (Unix).
    #[cfg(unix)]
    Rustix,
    /// cap-primitives' cross-platform functions.
    Cap,
}

/// What a component is, without following a symbolic link.
pub(crate) enum Kind {
    Directory,
    Symlink,
    Other,
}

/// Why a step failed, as far as the walk cares.
#[derive(Debug)]
pub(crate) enum StepError {
    /// The name does not exist.
    NotFound,
    /// The name is not what the previous look at it said (a directory swapped for a link or
    /// a file, a link swapped for something else): look again. Keeps the system's error.
    Changed(io::Error),
    /// The name exists (from `create_dir`).
    Exists,
    /// Anything else: the walk ends with an I/O error.
    Io(io::Error),
}

impl From<StepError> for io::Error {
    fn from(err: StepError) -> io::Error {
        match err {
            StepError::NotFound => io::Error::from(io::ErrorKind::NotFound),
            StepError::Changed(err) => err,
            StepError::Exists => io::Error::from(io::ErrorKind::AlreadyExists),
            StepError::Io(err) => err,
        }
    }
}

#[cfg(unix)]
fn from_errno(err: rustix::io::Errno) -> StepError {
    use rustix::io::Errno;
    match err {
        Errno::NOENT => StepError::NotFound,
        // ELOOP: O_NOFOLLOW met a link; ENOTDIR: O_DIRECTORY met a file; EINVAL: readlinkat
        // met something that is not a link.
        Errno::LOOP | Errno::NOTDIR | Errno::INVAL => StepError::Changed(err.into()),
        Errno::EXIST => StepError::Exists,
        err => StepError::Io(err.into()),
    }
}

/// Windows system error codes (winerror.h) that cap-primitives returns for the walk's
/// decisions, and what each means to the walk. Anything not listed is an I/O error.
#[cfg(windows)]
const WINDOWS_STEP_ERRORS: [(i32, WindowsStep); 7] = [
    // ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND
    (2, WindowsStep::NotFound),
    (3, WindowsStep::NotFound),
    // ERROR_DIRECTORY: "the directory name is invalid", cap-primitives' "not a directory"
    // for a directory open that met a file.
    (267, WindowsStep::Changed),
    // ERROR_STOPPED_ON_SYMLINK: cap-primitives' answer to a no-follow open of a link.
    (681, WindowsStep::Changed),
    // ERROR_NOT_A_REPARSE_POINT: reading a link that is not (or no longer) one.
    (4390, WindowsStep::Changed),
    // ERROR_FILE_EXISTS, ERROR_ALREADY_EXISTS
    (80, WindowsStep::Exists),
    (183, WindowsStep::Exists),
];

#[cfg(windows)]
#[derive(Debug, Clone, Copy)]
enum WindowsStep {
    NotFound,
    Changed,
    Exists,
}

/// Windows system error codes (winerror.h) that name a verdict on the path at the level of a
/// [`Root`](crate::Root) operation. Anything not listed is an I/O error.
#[cfg(windows)]
const WINDOWS_ROOT_ERRORS: [(i32, crate::ErrorKind); 6] = [
    // ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND
    (2, crate::ErrorKind::NotFound),
    (3, crate::ErrorKind::NotFound),
    // ERROR_DIRECTORY (cap-primitives' "not a directory")
    (267, crate::ErrorKind::NotADirectory),
    // ERROR_STOPPED_ON_SYMLINK (cap-primitives' no-follow open of a link: our `O_NOFOLLOW`)
    (681, crate::ErrorKind::SymlinkLoop),
    // ERROR_TOO_MANY_LINKS (cap-primitives' "too many symlinks")
    (1142, crate::ErrorKind::SymlinkLoop),
    // ERROR_FILENAME_EXCED_RANGE
    (206, crate::ErrorKind::TooLong),
];

/// The error kind [`WINDOWS_ROOT_ERRORS`] gives a Windows error, if any.
#[cfg(windows)]
pub(crate) fn windows_kind(err: &io::Error) -> Option<crate::ErrorKind> {
    let code = err.raw_os_error()?;
    WINDOWS_ROOT_ERRORS
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, kind)| *kind)
}

/// cap-primitives reports the platform's error; only the kinds std names portably are
/// interpreted (plus the raw `errno` on Unix and the table above on Windows), anything else
/// fails closed as I/O.
fn from_io(err: io::Error) -> StepError {
    #[cfg(unix)]
    if err.raw_os_error().is_some() {
        return from_errno(rustix::io::Errno::from_io_error(&err).unwrap_or(rustix::io::Errno::IO));
    }
    #[cfg(windows)]
    if let Some(code) = err.raw_os_error() {
        return match WINDOWS_STEP_ERRORS
            .iter()
            .find(|(known, _)| *known == code)
            .map(|(_, step)| *step)
        {
            Some(WindowsStep::NotFound) => StepError::NotFound,
            Some(WindowsStep::Changed) => StepError::Changed(err),
            Some(WindowsStep::Exists) => StepError::Exists,
            None => StepError::Io(err),
        };
    }
    match err.kind() {
        io::ErrorKind::NotFound => StepError::NotFound,
        io::ErrorKind::NotADirectory => StepError::Changed(err),
        io::ErrorKind::AlreadyExists => StepError::Exists,
        _ => StepError::Io(err),
    }
}

/// Windows reads `\` as a separator and `:` as a drive or stream marker: a name carrying
/// either would be more than one component there, so it is refused before any call.
#[cfg(windows)]
fn single_component(name: &str) -> Result<&Path, StepError> {
    if name.contains(['\\', ':']) {
        return Err(StepError::Io(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a component contains `\\` or `:`",
        )));
    }
    Ok(Path::new(name))
}

#[cfg(not(windows))]
fn single_component(name: &str) -> Result<&Path, StepError> {
    Ok(Path::new(name))
}

impl Steps {
    /// What `name` in `dir` is, without following a symbolic link.
    pub(crate) fn kind(self, dir: &File, name: &str) -> Result<Kind, StepError> {
        match self {
            #[cfg(unix)]
            Steps::Rustix => {
                use rustix::fs::{AtFlags, FileType};
                let stat = rustix::fs::statat(dir.as_fd(), name, AtFlags::SYMLINK_NOFOLLOW)
                    .map_err(from_errno)?;
                Ok(match FileType::from_raw_mode(stat.st_mode as _) {
                    FileType::Directory => Kind::Directory,
                    FileType::Symlink => Kind::Symlink,
                    _ => Kind::Other,
                })
            }
            Steps::Cap => {
                let meta =
                    cap_primitives::fs::stat(dir, single_component(name)?, FollowSymlinks::No)
                        .map_err(from_io)?;
                let file_type = meta.file_type();
                Ok(if file_type.is_symlink() {
                    Kind::Symlink
                } else if file_type.is_dir() {
                    Kind::Directory
                } else {
                    Kind::Other
                })
            }
        }
    }

    /// The target of symbolic link `name` in `dir`, as stored (not resolved).
    pub(crate) fn read_link(self, dir: &File, name: &str) -> Result<OsString, StepError> {
        match self {
            #[cfg(unix)]
            Steps::Rustix => {
                use std::os::unix::ffi::OsStringExt as _;
                let target =
                    rustix::fs::readlinkat(dir.as_fd(), name, Vec::new()).map_err(from_errno)?;
                Ok(OsString::from_vec(target.into_bytes()))
            }
            Steps::Cap => {
                let target = cap_primitives::fs::read_link_contents(dir, single_component(name)?)
                    .map_err(from_io)?;
                Ok(target.into_os_string())
            }
        }
    }

    /// Opens directory `name` in `dir` for walking, refusing a symbolic link.
    pub(crate) fn open_dir(self, dir: &File, name: &str) -> Result<File, StepError> {
        match self {
            #[cfg(unix)]
            Steps::Rustix => rustix::fs::openat(
                dir.as_fd(),
                name,
                crate::fs::walk::dir_flags(),
                rustix::fs::Mode::empty(),
            )
            .map(File::from)
            .map_err(from_errno),
            Steps::Cap => {
                cap_primitives::fs::open_dir_nofollow(dir, single_component(name)?).map_err(from_io)
            }
        }
    }

    /// Creates directory `name` in `dir` (permissions `0o777` less the umask on Unix).
    pub(crate) fn create_dir(self, dir: &File, name: &str) -> Result<(), StepError> {
        match self {
            #[cfg(unix)]
            Steps::Rustix => rustix::fs::mkdirat(
                dir.as_fd(),
                name,
                rustix::fs::Mode::from_bits_truncate(0o777),
            )
            .map_err(from_errno),
            Steps::Cap => cap_primitives::fs::create_dir(
                dir,
                single_component(name)?,
                &cap_primitives::fs::DirOptions::new(),
            )
            .map_err(from_io),
        }
    }
}

/// How to open the last component with [`Steps::Cap`]: the same choices as
/// [`OpenOptions`](crate::OpenOptions), the last component never followed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CapOpen {
    pub(crate) read: bool,
    pub(crate) write: bool,
    pub(crate) append: bool,
    pub(crate) truncate: bool,
    pub(crate) create: bool,
    pub(crate) create_new: bool,
    /// Unix permission bits for a created file.
    pub(crate) mode: u32,
}

/// Opens `name` in `dir` through cap-primitives, never following a symbolic link there.
/// Errors keep the platform's error for the caller to classify.
pub(crate) fn cap_open(dir: &File, name: &str, how: CapOpen) -> io::Result<File> {
    let name = single_component(name).map_err(io::Error::from)?;
    let mut options = cap_primitives::fs::OpenOptions::new();
    options
        .read(how.read)
        .write(how.write)
        .append(how.append)
        .truncate(how.truncate)
        .create(how.create)
        .create_new(how.create_new);
    // cap-fs-ext's `OpenOptionsFollowExt::follow` is this call; cap-primitives exposes it
    // under this name for that crate.
    options._cap_fs_ext_follow(FollowSymlinks::No);
    #[cfg(unix)]
    {
        use cap_primitives::fs::OpenOptionsExt as _;
        // As the rustix steps: a terminal device inside the root never becomes our
        // controlling terminal.
        options
            .mode(how.mode)
            .custom_flags(rustix::fs::OFlags::NOCTTY.bits() as i32);
    }
    #[cfg(windows)]
    if name == Path::new(".") {
        use cap_primitives::fs::OpenOptionsExt as _;
        // FILE_FLAG_BACKUP_SEMANTICS (winbase.h): CreateFile opens a directory only with it
        // (the walk ended on a directory: `open` hands it back, as on Unix).
        const FILE_FLAG_BACKUP_SEMANTICS: u32 = 0x0200_0000;
        options.custom_flags(FILE_FLAG_BACKUP_SEMANTICS);
    }
    #[cfg(not(unix))]
    let _ = how.mode;
    cap_primitives::fs::open(dir, name, &options)
}

/// Opens the directory `dir` itself again, readable so that it can be listed (`.` through
/// cap-primitives; its `open_dir` may give a search-only handle, `O_PATH` on Linux).
#[cfg(not(windows))]
pub(crate) fn cap_reopen_dir(dir: &File) -> io::Result<File> {
    let mut options = cap_primitives::fs::OpenOptions::new();
    options.read(true);
    options._cap_fs_ext_follow(FollowSymlinks::No);
    #[cfg(unix)]
    {
        use cap_primitives::fs::OpenOptionsExt as _;
        options.custom_flags(rustix::fs::OFlags::DIRECTORY.bits() as i32);
    }
    cap_primitives::fs::open(dir, Path::new("."), &options)
}

/// Windows: cap-primitives' own directory handle on `.` (readable, without
/// `FILE_SHARE_DELETE`); cap-primitives lists a directory through the handle's path there,
/// so no listing right on the handle is needed.
#[cfg(windows)]
pub(crate) fn cap_reopen_dir(dir: &File) -> io::Result<File> {
    cap_primitives::fs::open_dir_nofollow(dir, Path::new("."))
}

/// How deep [`cap_remove_entry_all`] descends before it refuses (as `remove.rs`).
const MAX_REMOVE_DEPTH: usize = 256;

/// How often a directory is emptied again when entries keep appearing in it (as
/// `remove.rs`).
const MAX_EMPTY_ROUNDS: usize = 8;

/// The entries of directory `dir` (without `.` and `..`), each with its kind as the listing
/// reports it, a symbolic link not followed.
pub(crate) fn cap_list(dir: &File) -> io::Result<Vec<(OsString, crate::fs::EntryKind)>> {
    use crate::fs::EntryKind;
    let mut entries = Vec::new();
    for entry in cap_primitives::fs::read_base_dir(dir)? {
        let entry = entry?;
        let file_type = entry.file_type()?;
        let kind = if file_type.is_symlink() {
            EntryKind::Symlink
        } else if file_type.is_dir() {
            EntryKind::Directory
        } else if file_type.is_file() {
            EntryKind::File
        } else {
            EntryKind::Other
        };
        entries.push((entry.file_name(), kind));
    }
    Ok(entries)
}

/// Removes `name` in `parent` with cap-primitives' functions: a directory with everything
/// below it, anything else (a symbolic link included) by unlinking it. Each directory is
/// opened without following a link before it is emptied, so one swapped for a link is
/// unlinked as a link, never followed (CVE-2022-21658), as in `remove.rs`.
pub(crate) fn cap_remove_entry_all(parent: &File, name: &Path) -> io::Result<()> {
    cap_remove_at_depth(parent, name, 0)
}

fn cap_remove_at_depth(parent: &File, name: &Path, depth: usize) -> io::Result<()> {
    match cap_primitives::fs::open_dir_nofollow(parent, name).map_err(from_io) {
        Ok(dir) => {
            if depth >= MAX_REMOVE_DEPTH {
                return Err(io::Error::other(
                    "the directory tree is deeper than the removal limit",
                ));
            }
            cap_empty_directory(&dir, depth)?;
            cap_primitives::fs::remove_dir(parent, name)
        }
        // A symbolic link or a file: unlink it, never follow it.
        Err(StepError::Changed(_)) => cap_primitives::fs::remove_file(parent, name),
        Err(err) => Err(err.into()),
    }
}

fn cap_empty_directory(dir: &File, depth: usize) -> io::Result<()> {
    for _ in 0..MAX_EMPTY_ROUNDS {
        let entries = cap_list(dir)?;
        if entries.is_empty() {
            return Ok(());
        }
        for (name, _) in entries {
            match cap_remove_at_depth(dir, Path::new(&name), depth + 1) {
                // Removed by someone else meanwhile: fine.
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                other => other?,
            }
        }
    }
    Err(io::Error::other(
        "the directory kept refilling while it was emptied",
    ))
}

/// Removes file or symbolic link `name` in `dir` (the link itself).
pub(crate) fn cap_remove_file(dir: &File, name: &str) -> io::Result<()> {
    let name = single_component(name).map_err(io::Error::from)?;
    cap_primitives::fs::remove_file(dir, name)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// Both implementations give the same answers on a real tree, including the refusals
    /// the walk relies on (a link opened as a directory, a link opened as the last
    /// component).
    #[test]
    fn both_steps_agree_on_a_real_tree() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("dir")).unwrap();
        std::fs::write(tmp.path().join("file"), "x").unwrap();
        std::os::unix::fs::symlink("dir/../file", tmp.path().join("link")).unwrap();
        let root = File::open(tmp.path()).unwrap();
        for steps in [Steps::Rustix, Steps::Cap] {
            let kind = |name| steps.kind(&root, name);
            assert!(matches!(kind("dir"), Ok(Kind::Directory)), "{steps:?}");
            assert!(matches!(kind("file"), Ok(Kind::Other)), "{steps:?}");
            assert!(matches!(kind("link"), Ok(Kind::Symlink)), "{steps:?}");
            assert!(
                matches!(kind("none"), Err(StepError::NotFound)),
                "{steps:?}"
            );
            assert_eq!(steps.read_link(&root, "link").unwrap(), "dir/../file");
            assert!(matches!(
                steps.read_link(&root, "file"),
                Err(StepError::Changed(_))
            ));
            assert!(steps.open_dir(&root, "dir").is_ok(), "{steps:?}");
            assert!(matches!(
                steps.open_dir(&root, "link"),
                Err(StepError::Changed(_))
            ));
            assert!(matches!(
                steps.open_dir(&root, "file"),
                Err(StepError::Changed(_))
            ));
            assert!(matches!(
                steps.create_dir(&root, "dir"),
                Err(StepError::Exists)
            ));
            let made = format!("made-{steps:?}");
            steps.create_dir(&root, &made).unwrap();
            assert!(tmp.path().join(&made).is_dir());
        }
        let read = CapOpen {
            read: true,
            write: false,
            append: false,
            truncate: false,
            create: false,
            create_new: false,
            mode: 0o666,
        };
        assert!(cap_open(&root, "file", read).is_ok());
        let err = cap_open(&root, "link", read).unwrap_err();
        assert_eq!(
            err.raw_os_error(),
            Some(rustix::io::Errno::LOOP.raw_os_error())
        );
        let created = CapOpen {
            write: true,
            create_new: true,
            ..read
        };
        cap_open(&root, "new", created).unwrap();
        assert!(cap_open(&root, "new", created).is_err());
        assert!(cap_reopen_dir(&root).is_ok());
    }
}
