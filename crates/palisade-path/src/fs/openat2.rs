//! The Linux resolver: one `openat2(2)` call with `RESOLVE_BENEATH` or `RESOLVE_IN_ROOT`, so
//! the kernel itself refuses every escape, including ones raced in by a concurrent rename.

use std::os::fd::{BorrowedFd, OwnedFd};

use rustix::fs::{Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

use crate::fs::ResolveMode;

/// How often `EAGAIN` is retried. The kernel returns it when a rename elsewhere on the system
/// raced with a `..` step under `RESOLVE_BENEATH`/`RESOLVE_IN_ROOT` (openat2(2)); the answer
/// is to try again with the *same* resolver, never a weaker one (libpathrs does the same).
pub(crate) const EAGAIN_RETRIES: usize = 128;

/// The `resolve` flags for a mode. Magic links (`/proc/self/fd/N`) are never followed.
fn resolve_flags(mode: ResolveMode) -> ResolveFlags {
    let containment = match mode {
        ResolveMode::Reject => ResolveFlags::BENEATH,
        ResolveMode::Clamp => ResolveFlags::IN_ROOT,
    };
    containment | ResolveFlags::NO_MAGICLINKS
}

/// How often `ELOOP` is tried again. A look-up the kernel restarts (RCU-walk gave up with
/// `ECHILD`, ref-walk starts over in the same `nameidata`) keeps the links the first attempt
/// counted: `__set_nameidata` sets `total_link_count` once per system call and `path_init`
/// does not reset it (fs/namei.c). So a path with 21 to 40 links can get `ELOOP` although it
/// follows at most 40; a fresh call counts from zero. A real loop, more than 40 links, or a
/// symbolic link as the last component under `O_NOFOLLOW` answer `ELOOP` every time, so
/// the retries cost two calls on an error path only. What stays `ELOOP` after them is
/// explained by the portable walk (see `Root::classify_openat2`).
pub(crate) const ELOOP_RETRIES: usize = 2;

/// `openat2(dir, path, flags, mode, resolve)` with bounded `EAGAIN` and `ELOOP` retries
/// (the same call each time; never another resolver).
///
/// A handle this returns needs no further "still beneath the root?" check: for scoped
/// look-ups (`RESOLVE_BENEATH`, `RESOLVE_IN_ROOT`) the kernel's `complete_walk()` ends with
/// `path_is_under(result, root)` and answers `EXDEV` otherwise — "we won't silently return
/// an fd completely outside of the requested root" (fs/namei.c, since Linux 5.6). So a
/// directory moved out of the root mid-resolution makes openat2 fail rather than escape;
/// the race test `unchecked_walk_escapes_when_a_directory_moves_out` confirms it on the
/// kernel it runs on. What we open ourselves after an openat2 call (a created file), and the
/// names `resolve` reports, are still checked through procfs.
pub(crate) fn open(
    dir: BorrowedFd<'_>,
    path: &str,
    flags: OFlags,
    create_mode: Mode,
    mode: ResolveMode,
) -> Result<OwnedFd, Errno> {
    let resolve = resolve_flags(mode);
    let mut last = Errno::AGAIN;
    let mut loops = 0;
    for _ in 0..EAGAIN_RETRIES {
        match rustix::fs::openat2(dir, path, flags, create_mode, resolve) {
            Err(Errno::AGAIN) => last = Errno::AGAIN,
            // EINTR: a signal; the call had no effect.
            Err(Errno::INTR) => last = Errno::INTR,
            Err(Errno::LOOP) if loops < ELOOP_RETRIES => {
                loops += 1;
                last = Errno::LOOP;
            }
            other => return other,
        }
    }
    Err(last)
}

/// Whether `openat2` with our flags works here (Linux ≥ 5.6, not blocked by seccomp).
pub(crate) fn available(dir: BorrowedFd<'_>) -> bool {
    rustix::fs::openat2(
        dir,
        ".",
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
        resolve_flags(ResolveMode::Reject),
    )
    .is_ok()
}
