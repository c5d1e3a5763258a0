//! Listing and recursive removal through directory handles only.

use std::ffi::{CStr, OsString};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStringExt as _;

use rustix::fs::{AtFlags, Dir, FileType, Mode, OFlags};
use rustix::io::Errno;

use crate::fs::{DirEntry, EntryKind};

/// How deep [`remove_entry_all`] descends before it refuses (each level holds a descriptor).
const MAX_REMOVE_DEPTH: usize = 256;

/// How often a directory is emptied again when entries keep appearing in it.
const MAX_EMPTY_ROUNDS: usize = 8;

/// Opens `name` in `dir` for listing, never through a symbolic link.
fn open_listable<P: rustix::path::Arg>(dir: BorrowedFd<'_>, name: P) -> Result<OwnedFd, Errno> {
    rustix::fs::openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

/// The names in a directory (without `.` and `..`) and their kinds.
fn entries(dir: BorrowedFd<'_>) -> Result<Vec<(OsString, FileType)>, Errno> {
    let mut names = Vec::new();
    for entry in Dir::read_from(dir)? {
        let entry = entry?;
        let name: &CStr = entry.file_name();
        if name == c"." || name == c".." {
            continue;
        }
        names.push((
            OsString::from_vec(name.to_bytes().to_vec()),
            entry.file_type(),
        ));
    }
    Ok(names)
}

/// Lists a directory.
pub(crate) fn list(dir: BorrowedFd<'_>) -> Result<Vec<DirEntry>, Errno> {
    Ok(entries(dir)?
        .into_iter()
        .map(|(name, file_type)| DirEntry {
            name,
            kind: match file_type {
                FileType::RegularFile => EntryKind::File,
                FileType::Directory => EntryKind::Directory,
                FileType::Symlink => EntryKind::Symlink,
                _ => EntryKind::Other,
            },
        })
        .collect())
}

/// Removes `name` in `parent`: a directory with everything below it, anything else (a
/// symbolic link included) by unlinking it.
pub(crate) fn remove_entry_all<P: rustix::path::Arg + Copy>(
    parent: BorrowedFd<'_>,
    name: P,
) -> Result<(), Errno> {
    remove_at_depth(parent, name, 0)
}

fn remove_at_depth<P: rustix::path::Arg + Copy>(
    parent: BorrowedFd<'_>,
    name: P,
    depth: usize,
) -> Result<(), Errno> {
    match open_listable(parent, name) {
        Ok(dir) => {
            if depth >= MAX_REMOVE_DEPTH {
                return Err(Errno::NAMETOOLONG);
            }
            empty_directory(dir.as_fd(), depth)?;
            rustix::fs::unlinkat(parent, name, AtFlags::REMOVEDIR)
        }
        // A symbolic link (ELOOP from O_NOFOLLOW) or a file (ENOTDIR): unlink it, never
        // follow it. CVE-2022-21658.
        Err(Errno::LOOP | Errno::NOTDIR) => rustix::fs::unlinkat(parent, name, AtFlags::empty()),
        Err(err) => Err(err),
    }
}

fn empty_directory(dir: BorrowedFd<'_>, depth: usize) -> Result<(), Errno> {
    for _ in 0..MAX_EMPTY_ROUNDS {
        let names = entries(dir)?;
        if names.is_empty() {
            return Ok(());
        }
        for (name, _) in names {
            match remove_at_depth(dir, name.as_os_str(), depth + 1) {
                // Removed by someone else meanwhile: fine.
                Ok(()) | Err(Errno::NOENT) => {}
                Err(err) => return Err(err),
            }
        }
    }
    Err(Errno::NOTEMPTY)
}
