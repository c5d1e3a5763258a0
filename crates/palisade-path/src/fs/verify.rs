//! The last step of every resolution: checking that the handle it produced is still beneath
//! the root.
//!
//! Why it is needed: neither resolver can stop a directory it has *already entered* from
//! being renamed out of the root by someone else. The walk then keeps descending in that
//! directory, now outside, and hands back a handle there. The kernel's `RESOLVE_BENEATH`
//! only guards `..` steps (it answers `EAGAIN` when a rename raced with one), and our
//! portable walk pops its own handles for `..`, so neither ever *climbs* out; but both
//! *descend* wherever the directory now is. libpathrs closes this hole by re-checking the
//! final handle's path through `/proc/self/fd` after every resolution; so do we, and we fail
//! closed ([`ErrorKind::MovedOutOfRoot`]) when the handle is not beneath the root.
//!
//! Two ways to check, chosen when the root is opened ([`HandleCheck`]):
//!
//! - **procfs** (Linux, Android): `readlink("/proc/self/fd/N")` for the handle and for the
//!   root, and a byte-prefix comparison. This is the sound one: the kernel computes the
//!   whole path of a descriptor in one consistent snapshot (`d_path` retries under the
//!   rename seqlock), so the answer is "beneath the root at one instant after the handle was
//!   opened", whatever renames run concurrently. procfs itself is opened with care: `/proc`
//!   must be a procfs root (`fstatfs` magic, inode 1), `self/fd` is opened with
//!   `RESOLVE_NO_XDEV` where `openat2` exists (no mount on the way) and must be on the same
//!   procfs. The `/proc/self/fd` handle is reopened after a `fork` (it names a process).
//! - **parent walk** (every Unix): from the directory the final component was found in,
//!   open `..` by descriptor, again and again, comparing each `(st_dev, st_ino)` with the
//!   root's, until the root is met (beneath) or `..` stops moving (the filesystem's root:
//!   not beneath). It needs no procfs, but it is **not atomic**: each `..` is a separate
//!   look-up, so two renames timed between our look-ups can make a directory that was never
//!   beneath the root at any single instant look as if it were. It still catches the plain
//!   move-out this check is for. Used where procfs is unavailable, and on non-Linux Unix
//!   systems.
//! - **final path** (Windows): `GetFinalPathNameByHandleW` (through `winx`) for the handle
//!   and for the root, compared component by component as a path prefix: the same idea as
//!   the procfs check. **Compiled, never run or tested**: no Windows machine was available,
//!   and whether Windows computes that path in one consistent snapshot under concurrent
//!   renames is not established here.

use std::fs::File;
#[cfg(unix)]
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

#[cfg(unix)]
use rustix::fs::{Mode, OFlags};
#[cfg(unix)]
use rustix::io::Errno;

use crate::error::{Error, ErrorKind, quote};
use crate::fs::io_error;
#[cfg(unix)]
use crate::fs::walk::dir_flags;

/// How a [`Root`](crate::Root) checks, after each resolution, that the handle it reached is
/// still beneath the root (a directory on the way may have been moved out meanwhile).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HandleCheck {
    /// procfs where it is usable (Linux, Android), the parent walk on other Unix systems
    /// and without procfs, the final-path check on Windows.
    #[default]
    Auto,
    /// `readlink` of `/proc/self/fd/N` compared with the root's: atomic with respect to
    /// concurrent renames. Opening the root fails where procfs is not usable.
    Procfs,
    /// `..` walked by descriptor up to the root, comparing device and inode numbers. Needs no
    /// procfs, but is not atomic (see the crate documentation). The `openat2` resolver
    /// cannot use it (it returns no parent directory to walk from). Unix only.
    ParentWalk,
    /// The handle's final path (`GetFinalPathNameByHandleW`) compared with the root's.
    /// Windows only; compiled but never run or tested (see the crate's Status section).
    FinalPath,
}

/// The check a root actually uses.
#[derive(Debug)]
pub(crate) enum Verifier {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Procfs(procfs::ProcFds),
    #[cfg(unix)]
    ParentWalk,
    #[cfg(windows)]
    FinalPath,
}

impl Verifier {
    pub(crate) fn choose(wanted: HandleCheck) -> Result<Verifier, Error> {
        match wanted {
            #[cfg(unix)]
            HandleCheck::ParentWalk => Ok(Verifier::ParentWalk),
            #[cfg(any(target_os = "linux", target_os = "android"))]
            HandleCheck::Auto => {
                Ok(procfs::ProcFds::open().map_or(Verifier::ParentWalk, Verifier::Procfs))
            }
            #[cfg(any(target_os = "linux", target_os = "android"))]
            HandleCheck::Procfs => procfs::ProcFds::open()
                .map(Verifier::Procfs)
                .map_err(|err| {
                    Error::with_source(
                        ErrorKind::Io,
                        "procfs (`/proc/self/fd`) is not usable here; handles cannot be checked \
                         through it (use the parent-walk check)"
                            .to_owned(),
                        err.into(),
                    )
                }),
            #[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
            HandleCheck::Auto => Ok(Verifier::ParentWalk),
            #[cfg(windows)]
            HandleCheck::Auto | HandleCheck::FinalPath => Ok(Verifier::FinalPath),
            other => Err(Error::with_source(
                ErrorKind::Io,
                format!(
                    "the handle check {other:?} does not exist on this system; use \
                     `HandleCheck::Auto`"
                ),
                std::io::Error::from(std::io::ErrorKind::Unsupported),
            )),
        }
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) fn is_procfs(&self) -> bool {
        matches!(self, Verifier::Procfs(_))
    }

    /// The check as the public enum.
    pub(crate) fn kind(&self) -> HandleCheck {
        match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Verifier::Procfs(_) => HandleCheck::Procfs,
            #[cfg(unix)]
            Verifier::ParentWalk => HandleCheck::ParentWalk,
            #[cfg(windows)]
            Verifier::FinalPath => HandleCheck::FinalPath,
        }
    }

    /// Checks that `handle` (found in directory `dir`, or `dir` itself) is beneath `root`.
    /// The procfs check looks at `handle`; the parent walk at `dir`, which must be a
    /// directory.
    pub(crate) fn check(
        &self,
        root: &File,
        handle: &File,
        dir: &File,
        input: &str,
    ) -> Result<(), Error> {
        let beneath: std::io::Result<bool> = match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Verifier::Procfs(fds) => {
                let _ = dir;
                fds.relative_path(root.as_fd(), handle.as_fd())
                    .map(|rel| rel.is_some())
                    .map_err(std::io::Error::from)
            }
            #[cfg(unix)]
            Verifier::ParentWalk => {
                let _ = handle;
                beneath_by_parents(root.as_fd(), dir.as_fd()).map_err(std::io::Error::from)
            }
            #[cfg(windows)]
            Verifier::FinalPath => {
                let _ = dir;
                final_path_beneath(root, handle)
            }
        };
        match beneath {
            Ok(true) => Ok(()),
            Ok(false) => Err(moved_out(input)),
            Err(err) => Err(io_error(
                input,
                "checking that the result is still beneath the root",
                err,
            )),
        }
    }
}

/// The final-path check (Windows): `handle`'s path has the root's path as a prefix, compared
/// component by component (`Path::strip_prefix`), both read with `GetFinalPathNameByHandleW`
/// in the same form (normalised, with the drive letter).
#[cfg(windows)]
fn final_path_beneath(root: &File, handle: &File) -> std::io::Result<bool> {
    let handle_path = winx::file::get_file_path(handle)?;
    let root_path = winx::file::get_file_path(root)?;
    Ok(handle_path.strip_prefix(&root_path).is_ok())
}

pub(crate) fn moved_out(input: &str) -> Error {
    Error::new(
        ErrorKind::MovedOutOfRoot,
        format!(
            "path `{}`: a directory on the way was moved out of the root while the path was \
             resolved; nothing was returned (try again once the tree is stable)",
            quote(input)
        ),
    )
}

#[cfg(unix)]
/// At most this many `..` steps from a handle up to the root or the filesystem's root
/// (a path of `PATH_MAX` bytes has at most 2048 components). Deeper: not beneath.
const MAX_PARENT_STEPS: usize = 4096;

/// The parent walk: see the module documentation (best effort, not atomic).
#[cfg(unix)]
fn beneath_by_parents(root: BorrowedFd<'_>, dir: BorrowedFd<'_>) -> Result<bool, Errno> {
    let identity = |fd: BorrowedFd<'_>| rustix::fs::fstat(fd).map(|st| (st.st_dev, st.st_ino));
    let root_id = identity(root)?;
    let mut current_id = identity(dir)?;
    let mut current: Option<OwnedFd> = None;
    for _ in 0..MAX_PARENT_STEPS {
        if current_id == root_id {
            return Ok(true);
        }
        let from = current.as_ref().map_or(dir, AsFd::as_fd);
        let parent =
            rustix::fs::openat(from, "..", dir_flags() & !OFlags::NOFOLLOW, Mode::empty())?;
        let parent_id = identity(parent.as_fd())?;
        if parent_id == current_id {
            // `..` of `/` (or of the process's root directory) is itself.
            return Ok(false);
        }
        current = Some(parent);
        current_id = parent_id;
    }
    Ok(false)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) mod procfs {
    //! `/proc/self/fd`, opened with care, and the paths of descriptors read from it.

    use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

    use rustix::fs::{CWD, FileType, Mode, OFlags, PROC_SUPER_MAGIC, ResolveFlags};
    use rustix::io::Errno;
    use rustix::path::DecInt;
    use rustix::process::{Pid, getpid};

    /// procfs's root directory always has inode 1.
    const PROC_ROOT_INO: u64 = 1;

    #[derive(Debug)]
    pub(crate) struct ProcFds {
        proc: OwnedFd,
        proc_dev: u64,
        /// The process `fds` belongs to: after a `fork`, the child must not read its
        /// parent's descriptors.
        pid: Pid,
        fds: OwnedFd,
    }

    fn is_procfs(fd: BorrowedFd<'_>) -> Result<rustix::fs::Stat, Errno> {
        if rustix::fs::fstatfs(fd)?.f_type != PROC_SUPER_MAGIC {
            return Err(Errno::NOTSUP);
        }
        rustix::fs::fstat(fd)
    }

    fn open_self_fd(proc: BorrowedFd<'_>, proc_dev: u64) -> Result<OwnedFd, Errno> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        // `self` is procfs's own link to our process; RESOLVE_NO_XDEV refuses any mount
        // (an overmount of `/proc/self` or `/proc/self/fd`) on the way.
        let fds = match rustix::fs::openat2(
            proc,
            "self/fd",
            flags,
            Mode::empty(),
            ResolveFlags::NO_XDEV | ResolveFlags::NO_MAGICLINKS | ResolveFlags::BENEATH,
        ) {
            Err(Errno::NOSYS) => rustix::fs::openat(proc, "self/fd", flags, Mode::empty())?,
            other => other?,
        };
        let stat = is_procfs(fds.as_fd())?;
        if stat.st_dev != proc_dev
            || FileType::from_raw_mode(stat.st_mode as _) != FileType::Directory
        {
            return Err(Errno::NOTSUP);
        }
        Ok(fds)
    }

    impl ProcFds {
        pub(crate) fn open() -> Result<ProcFds, Errno> {
            let proc = rustix::fs::openat(
                CWD,
                "/proc",
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            )?;
            let stat = is_procfs(proc.as_fd())?;
            if stat.st_ino != PROC_ROOT_INO {
                return Err(Errno::NOTSUP);
            }
            let proc_dev = stat.st_dev;
            let fds = open_self_fd(proc.as_fd(), proc_dev)?;
            Ok(ProcFds {
                proc,
                proc_dev,
                pid: getpid(),
                fds,
            })
        }

        /// The kernel's path of `fd`, read in one consistent snapshot.
        fn path_of(&self, fds: BorrowedFd<'_>, fd: BorrowedFd<'_>) -> Result<Vec<u8>, Errno> {
            rustix::fs::readlinkat(fds, DecInt::from_fd(fd), Vec::new())
                .map(std::ffi::CString::into_bytes)
        }

        /// `handle`'s path relative to `root`'s, as bytes without a leading `/` (empty for
        /// the root itself), or `None` when it is not beneath the root.
        pub(crate) fn relative_path(
            &self,
            root: BorrowedFd<'_>,
            handle: BorrowedFd<'_>,
        ) -> Result<Option<Vec<u8>>, Errno> {
            let reopened;
            let fds = if getpid() == self.pid {
                self.fds.as_fd()
            } else {
                reopened = open_self_fd(self.proc.as_fd(), self.proc_dev)?;
                reopened.as_fd()
            };
            // The handle first, then the root: the root is the embedder's trusted directory
            // and is not expected to move; the handle's snapshot is what matters.
            let path = self.path_of(fds, handle)?;
            let root_path = self.path_of(fds, root)?;
            Ok(strip_root(&root_path, &path).map(<[u8]>::to_vec))
        }
    }

    /// `path` relative to `root_path` (both absolute, from the kernel), or `None` when it is
    /// not `root_path` itself or below it.
    pub(crate) fn strip_root<'p>(root_path: &[u8], path: &'p [u8]) -> Option<&'p [u8]> {
        if !root_path.starts_with(b"/") {
            // "anon_inode:…", "pipe:[…]" and the like: not a path, not beneath anything.
            return None;
        }
        let rest = path.strip_prefix(root_path)?;
        if rest.is_empty() {
            return Some(rest);
        }
        if root_path == b"/" {
            return Some(rest);
        }
        rest.strip_prefix(b"/")
    }

    #[cfg(test)]
    mod tests {
        use super::strip_root;

        #[test]
        fn strip_root_needs_a_component_boundary() {
            assert_eq!(strip_root(b"/srv/r", b"/srv/r"), Some(&b""[..]));
            assert_eq!(strip_root(b"/srv/r", b"/srv/r/a/b"), Some(&b"a/b"[..]));
            assert_eq!(strip_root(b"/srv/r", b"/srv/r2/a"), None);
            assert_eq!(strip_root(b"/srv/r", b"/srv"), None);
            assert_eq!(strip_root(b"/", b"/etc"), Some(&b"etc"[..]));
            assert_eq!(strip_root(b"anon_inode:x", b"anon_inode:x/y"), None);
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// Both checks, on a directory handle that is moved out of the root and back (no race:
    /// each state is held while checked).
    #[test]
    fn a_handle_moved_out_is_caught_by_both_checks() {
        let dir = tempfile::tempdir().unwrap();
        let root_path = dir.path().join("root");
        std::fs::create_dir_all(root_path.join("a/b")).unwrap();
        let root = File::from(
            rustix::fs::openat(rustix::fs::CWD, &root_path, dir_flags(), Mode::empty()).unwrap(),
        );
        let handle =
            File::from(rustix::fs::openat(&root, "a/b", dir_flags(), Mode::empty()).unwrap());
        let checks = [
            Verifier::choose(HandleCheck::Auto).unwrap(),
            Verifier::ParentWalk,
        ];
        #[cfg(any(target_os = "linux", target_os = "android"))]
        assert!(checks[0].is_procfs());
        let verdicts = || {
            checks
                .iter()
                .map(|check| {
                    check
                        .check(&root, &handle, &handle, "a/b")
                        .map_err(|err| err.kind())
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(verdicts(), [Ok(()), Ok(())]);
        std::fs::rename(root_path.join("a"), dir.path().join("moved")).unwrap();
        assert_eq!(
            verdicts(),
            [
                Err(ErrorKind::MovedOutOfRoot),
                Err(ErrorKind::MovedOutOfRoot)
            ]
        );
        std::fs::rename(dir.path().join("moved"), root_path.join("a")).unwrap();
        assert_eq!(verdicts(), [Ok(()), Ok(())]);
        // The root itself is beneath the root.
        assert!(beneath_by_parents(root.as_fd(), root.as_fd()).unwrap());
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if let Verifier::Procfs(fds) = &checks[0] {
            assert_eq!(
                fds.relative_path(root.as_fd(), handle.as_fd()).unwrap(),
                Some(b"a/b".to_vec())
            );
            assert_eq!(
                fds.relative_path(root.as_fd(), root.as_fd()).unwrap(),
                Some(Vec::new())
            );
        }
    }
}
