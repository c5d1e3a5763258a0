//! The portable resolver: one `openat(O_NOFOLLOW)` per component, relative to a stack of
//! directory handles that starts at the root's descriptor.
//!
//! Why a stack: `..` pops to the handle we already hold instead of opening `..` by name, so a
//! directory moved out of the root while we stand in it cannot carry us out (the attack
//! behind libpathrs' and filepath-securejoin's `..` checks). Symbolic links are read with
//! `readlinkat` and their targets spliced into the queue of components still to walk, so
//! `link/../x` goes through the link's target, never through a lexical shortcut.

use std::collections::VecDeque;
use std::fs::File;
#[cfg(unix)]
use std::os::fd::{AsFd, BorrowedFd};

#[cfg(unix)]
use rustix::fs::OFlags;

use crate::error::{Error, ErrorKind, quote};
use crate::fs::os::{Kind, StepError, Steps};
use crate::fs::{ResolveMode, Root, io_error};
use crate::safe_rel_path::SafeRelPath;

/// Where a component to walk came from: the caller's input or a symbolic link's target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Input,
    Link,
}

/// What the walk ends on.
#[derive(Debug)]
pub(crate) enum Target {
    /// The directory on top of the stack (the input ended on a directory, `.` or `..`).
    Directory,
    /// An entry `name` in the directory on top of the stack; `exists` is false when it was
    /// missing (only the last component may be, for [`Walk::finish_open`]).
    Entry { name: String, exists: bool },
    /// The input went through a missing component: the names below the stack that do not
    /// exist (only from [`Walk::resolve`]).
    Missing { tail: Vec<String> },
}

/// How the last component is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Final {
    /// Follow a symbolic link in the last component (like `realpath`).
    Follow,
    /// Stop on the last component, whatever it is (`O_NOFOLLOW`, unlink, rmdir).
    NoFollow,
}

/// How a missing component is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    /// Any missing component is an error, except a missing last component (it may be
    /// created).
    LastMayBeMissing,
    /// A missing component ends the walk; the rest is reported as a missing tail.
    TailAllowed,
}

/// How often a component that changes type between `fstatat` and `openat`/`readlinkat` is
/// looked at again before the walk gives up (fail closed).
const RACE_RETRIES: usize = 16;

pub(crate) struct Walk<'r> {
    root: &'r Root,
    input: &'r str,
    /// Opened directories below the root, with their names, outermost first.
    stack: Vec<(File, String)>,
    queue: VecDeque<(String, Origin)>,
    links_followed: usize,
}

impl std::fmt::Debug for Walk<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Walk")
            .field("depth", &self.stack.len())
            .field("links_followed", &self.links_followed)
            .finish_non_exhaustive()
    }
}

impl<'r> Walk<'r> {
    /// Starts a walk of `input` (already checked by [`crate::fs::check_input`]).
    pub(crate) fn new(root: &'r Root, input: &'r str) -> Result<Self, Error> {
        if input.starts_with('/') && root.mode == ResolveMode::Reject {
            return Err(Error::new(
                ErrorKind::Absolute,
                format!(
                    "path `{}` is absolute; give a path relative to the root (or use clamp mode)",
                    quote(input)
                ),
            ));
        }
        let mut queue: VecDeque<(String, Origin)> = split(input)
            .map(|name| (name.to_owned(), Origin::Input))
            .collect();
        // A trailing `/` means "a directory" (path_resolution(7)): walk it as `/.`, so the
        // last name is not the last component and must be a directory (or a link to one).
        if input.ends_with('/') {
            queue.push_back((".".to_owned(), Origin::Input));
        }
        Ok(Self {
            root,
            input,
            stack: Vec::new(),
            queue,
            links_followed: 0,
        })
    }

    /// The directory the walk stands in.
    #[cfg(unix)]
    pub(crate) fn current(&self) -> BorrowedFd<'_> {
        self.current_dir().as_fd()
    }

    /// The directory the walk stands in, as a handle.
    pub(crate) fn current_dir(&self) -> &File {
        match self.stack.last() {
            Some((dir, _)) => dir,
            None => &self.root.dir,
        }
    }

    fn steps(&self) -> Steps {
        self.root.steps
    }

    /// The path of the directory the walk stands in, relative to the root.
    pub(crate) fn current_path(&self) -> SafeRelPath {
        SafeRelPath::from_checked_components(self.stack.iter().map(|(_, name)| name.as_str()))
    }

    /// Walks every component; the last one is treated as `last` says and missing ones as
    /// `missing` says.
    pub(crate) fn run(&mut self, last: Final, missing: Missing) -> Result<Target, Error> {
        while let Some((name, origin)) = self.queue.pop_front() {
            let is_last = self.queue.is_empty();
            match name.as_str() {
                "." => {}
                ".." => self.up(origin)?,
                _ => {
                    if name.len() > crate::DEFAULT_MAX_COMPONENT_BYTES {
                        return Err(Error::new(
                            ErrorKind::TooLong,
                            format!(
                                "path `{}`: component `{}` is longer than {} bytes",
                                quote(self.input),
                                quote(&name),
                                crate::DEFAULT_MAX_COMPONENT_BYTES
                            ),
                        ));
                    }
                    if let Some(target) = self.step(name, is_last, last, missing)? {
                        return Ok(target);
                    }
                }
            }
        }
        Ok(Target::Directory)
    }

    fn up(&mut self, origin: Origin) -> Result<(), Error> {
        if self.stack.pop().is_some() {
            return Ok(());
        }
        match (self.root.mode, origin) {
            // RESOLVE_IN_ROOT: `..` at the root stays at the root, as in a chroot.
            (ResolveMode::Clamp, _) => Ok(()),
            (ResolveMode::Reject, Origin::Input) => Err(Error::new(
                ErrorKind::Traversal,
                format!(
                    "path `{}` leaves the root through `..`; remove the `..`",
                    quote(self.input)
                ),
            )),
            (ResolveMode::Reject, Origin::Link) => Err(self.escape("its target climbs above it")),
        }
    }

    fn escape(&self, why: &str) -> Error {
        Error::new(
            ErrorKind::SymlinkEscape,
            format!(
                "path `{}` goes through a symbolic link that leaves the root ({why})",
                quote(self.input)
            ),
        )
    }

    /// Walks one normal component. Returns the target when the walk ends here.
    fn step(
        &mut self,
        name: String,
        is_last: bool,
        last: Final,
        missing: Missing,
    ) -> Result<Option<Target>, Error> {
        for _ in 0..RACE_RETRIES {
            let kind = match self.steps().kind(self.current_dir(), &name) {
                Ok(kind) => kind,
                Err(StepError::NotFound) => {
                    return self.missing(name, is_last, missing).map(Some);
                }
                Err(err) => return Err(io_error(self.input, "looking up a component", err.into())),
            };
            match kind {
                Kind::Symlink if is_last && last == Final::NoFollow => {
                    return Ok(Some(Target::Entry { name, exists: true }));
                }
                Kind::Symlink => {
                    match self.steps().read_link(self.current_dir(), &name) {
                        Ok(target) => {
                            self.follow(target)?;
                            return Ok(None);
                        }
                        // Replaced by something else since fstatat: look again.
                        Err(StepError::Changed(_) | StepError::NotFound) => continue,
                        Err(err) => {
                            return Err(io_error(
                                self.input,
                                "reading a symbolic link",
                                err.into(),
                            ));
                        }
                    }
                }
                Kind::Directory if is_last && last == Final::NoFollow => {
                    return Ok(Some(Target::Entry { name, exists: true }));
                }
                Kind::Directory => match self.steps().open_dir(self.current_dir(), &name) {
                    Ok(dir) => {
                        self.stack.push((dir, name));
                        return Ok(None);
                    }
                    // Swapped for a symbolic link or a file since fstatat: look again.
                    Err(StepError::Changed(_) | StepError::NotFound) => continue,
                    Err(err) => {
                        return Err(io_error(self.input, "opening a directory", err.into()));
                    }
                },
                Kind::Other if is_last => return Ok(Some(Target::Entry { name, exists: true })),
                Kind::Other => {
                    return Err(Error::new(
                        ErrorKind::NotADirectory,
                        format!(
                            "path `{}`: `{}` is not a directory, but more components follow it",
                            quote(self.input),
                            quote(&name)
                        ),
                    ));
                }
            }
        }
        Err(io_error(
            self.input,
            "a component kept changing while it was walked",
            std::io::Error::from(std::io::ErrorKind::Interrupted),
        ))
    }

    fn missing(&mut self, name: String, is_last: bool, missing: Missing) -> Result<Target, Error> {
        let not_found = |input: &str, name: &str| {
            Error::new(
                ErrorKind::NotFound,
                format!(
                    "path `{}`: `{}` does not exist under the root",
                    quote(input),
                    quote(name)
                ),
            )
        };
        match missing {
            Missing::LastMayBeMissing if is_last => Ok(Target::Entry {
                name,
                exists: false,
            }),
            Missing::LastMayBeMissing => Err(not_found(self.input, &name)),
            Missing::TailAllowed => {
                let mut tail = vec![name];
                for (rest, _) in self.queue.drain(..) {
                    match rest.as_str() {
                        "." => {}
                        // `missing/..` is ENOENT for the kernel too; never clean it lexically.
                        ".." => return Err(not_found(self.input, tail.last().map_or("", |s| s))),
                        _ => tail.push(rest),
                    }
                }
                Ok(Target::Missing { tail })
            }
        }
    }

    /// Splices a symbolic link's target into the queue.
    fn follow(&mut self, target: std::ffi::OsString) -> Result<(), Error> {
        self.links_followed += 1;
        if self.links_followed > self.root.symlink_budget {
            return Err(Error::new(
                ErrorKind::SymlinkLoop,
                format!(
                    "path `{}` goes through more than {} symbolic links (a loop?)",
                    quote(self.input),
                    self.root.symlink_budget
                ),
            ));
        }
        let Ok(target) = target.into_string() else {
            return Err(Error::new(
                ErrorKind::Encoding,
                format!(
                    "path `{}` goes through a symbolic link whose target is not UTF-8",
                    quote(self.input)
                ),
            ));
        };
        if target.is_empty() {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "path `{}` goes through a symbolic link with an empty target",
                    quote(self.input)
                ),
            ));
        }
        if target.starts_with('/') {
            match self.root.mode {
                ResolveMode::Reject => return Err(self.escape("its target is absolute")),
                // RESOLVE_IN_ROOT: an absolute target starts again at the root.
                ResolveMode::Clamp => self.stack.clear(),
            }
        }
        if target.ends_with('/') {
            self.queue.push_front((".".to_owned(), Origin::Link));
        }
        for name in split(&target).rev() {
            self.queue.push_front((name.to_owned(), Origin::Link));
        }
        Ok(())
    }
}

/// The components of `path`, skipping empty ones (leading, trailing and doubled `/`).
fn split(path: &str) -> impl DoubleEndedIterator<Item = &str> {
    path.split('/').filter(|name| !name.is_empty())
}

/// Flags for a directory handle used only to walk: `O_PATH` on Linux (search permission is
/// enough, as for the kernel's own walk), read-only elsewhere.
#[cfg(unix)]
pub(crate) fn dir_flags() -> OFlags {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let access = OFlags::PATH;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let access = OFlags::RDONLY;
    access | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
}

impl Walk<'_> {
    /// Creates directory `name` in the current directory and walks into it without
    /// following a link.
    pub(crate) fn create_and_enter(&mut self, name: &str) -> Result<(), Error> {
        let dir = create_child_dir(self.steps(), self.current_dir(), name, self.input)?;
        self.stack.push((dir, name.to_owned()));
        Ok(())
    }
}

/// Creates directory `name` in `dir` (an existing one is fine: another process may have
/// raced us) and opens it without following a link.
pub(crate) fn create_child_dir(
    steps: Steps,
    dir: &File,
    name: &str,
    input: &str,
) -> Result<File, Error> {
    match steps.create_dir(dir, name) {
        Ok(()) | Err(StepError::Exists) => {}
        Err(err) => return Err(io_error(input, "creating a directory", err.into())),
    }
    match steps.open_dir(dir, name) {
        Ok(dir) => Ok(dir),
        // Something that is not a directory took the name (a file, or a symbolic link
        // swapped in after mkdirat): refuse rather than follow it.
        Err(StepError::Changed(_)) => Err(Error::new(
            ErrorKind::NotADirectory,
            format!(
                "path `{}`: `{}` exists and is not a directory",
                quote(input),
                quote(name)
            ),
        )),
        Err(err) => Err(io_error(input, "opening a created directory", err.into())),
    }
}
