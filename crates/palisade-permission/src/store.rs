//! `RuleStore`: the policy layer "always" answers are persisted to.
//!
//! The store is a policy file in the ordinary format (see [`Policy`]) that the host owns:
//! [`RuleStore::record`] appends the rule [`always_rule`] gives for an answer, and the next
//! gate built with [`RuleStore::policy`] decides that command by the rule. Each write
//! re-reads the file under an exclusive lock (so several processes sharing the file keep
//! each other's rules), checks that the result still loads, and replaces the file
//! atomically: a temporary file in the same directory, `fsync`, `rename`, `fsync` of the
//! directory. A crash leaves the old file or the new one, never a torn one.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::approval::{Approval, ArgvDigest, always_rule};
use crate::decision::{Decision, Layer};
use crate::error::{Error, ErrorKind};
use crate::policy::Policy;

/// A persisted policy layer for "always" answers. Cheap to share (`Arc<RuleStore>`); every
/// method takes `&self` and is safe to call from several threads and processes.
///
/// ```
/// use palisade_permission::approval::resolve;
/// use palisade_permission::{
///     Answer, ArgvDigest, Gate, Layer, PolicySet, RuleStore, Scope, Scripted, Verdict,
/// };
///
/// let dir = tempfile::tempdir()?;
/// let store = RuleStore::open(dir.path().join("always.toml"), Layer::User)?;
/// let gate = Gate::new(PolicySet::new().with(store.layer(), store.policy()));
///
/// // `cargo test -p x` is medium risk: ask. The person answers "always, exactly this".
/// let decision = gate.decide_shell("cargo test -p x");
/// assert_eq!(decision.verdict, Verdict::Ask);
/// let approver = Scripted::new()
///     .answer(ArgvDigest::of(&decision), Answer::AllowAlways(Scope::ExactArgv));
/// let (verdict, approval) = resolve(&decision, &approver);
/// assert_eq!(verdict, Verdict::Allow);
/// store.record(&decision, &approval.unwrap())?;
///
/// // A new gate with the store's layer: decided by the rule, from the file on disk.
/// let reopened = RuleStore::open(dir.path().join("always.toml"), Layer::User)?;
/// let gate = Gate::new(PolicySet::new().with(reopened.layer(), reopened.policy()));
/// assert_eq!(gate.decide_shell("cargo test -p x").verdict, Verdict::Allow);
/// assert_eq!(gate.decide_shell("cargo test -p y").verdict, Verdict::Ask);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct RuleStore {
    path: PathBuf,
    layer: Layer,
    policy: Mutex<Policy>,
}

impl RuleStore {
    /// Opens the store at `path` (a trusted path chosen by the host), loading its rules.
    /// A missing file is an empty store (created on the first [`RuleStore::record`]); a
    /// file that does not load is an error, never silently replaced.
    pub fn open(path: impl Into<PathBuf>, layer: Layer) -> Result<Self, Error> {
        let path = path.into();
        let policy = load_or_empty(&path)?;
        Ok(Self {
            path,
            layer,
            policy: Mutex::new(policy),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The layer the store's policy belongs to.
    pub fn layer(&self) -> Layer {
        self.layer
    }

    /// The store's rules as last loaded or written (add them to a [`PolicySet`] at
    /// [`RuleStore::layer`] to build the next gate).
    ///
    /// [`PolicySet`]: crate::PolicySet
    pub fn policy(&self) -> Policy {
        self.policy
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Re-reads the file (to pick up rules another process recorded).
    pub fn reload(&self) -> Result<Policy, Error> {
        let policy = load_or_empty(&self.path)?;
        *self.policy.lock().unwrap_or_else(PoisonError::into_inner) = policy.clone();
        Ok(policy)
    }

    /// Persists an "always" answer: appends the rule [`always_rule`] gives for it and
    /// returns that rule's TOML, or `None` when the answer adds no rule (allow once, deny,
    /// or an argv that may not be persisted: see [`always_rule`]; the host asks again next
    /// time). A rule already in the file is not added twice.
    ///
    /// Errors: the approval answers another decision (its digest differs) — nothing is
    /// written; the file does not load; the new file would not load (e.g. over
    /// [`MAX_POLICY_BYTES`](crate::MAX_POLICY_BYTES)); or writing fails.
    pub fn record(
        &self,
        decision: &Decision,
        approval: &Approval,
    ) -> Result<Option<String>, Error> {
        if approval.digest != ArgvDigest::of(decision) {
            return Err(Error::new(
                ErrorKind::ApprovalMismatch,
                format!(
                    "approval for argv digest `{}` does not answer this decision (digest `{}`): \
                     nothing recorded",
                    approval.digest.to_hex(),
                    ArgvDigest::of(decision).to_hex()
                ),
            ));
        }
        let Some(rule) = always_rule(decision, approval.answer) else {
            return Ok(None);
        };
        let mut current = self.policy.lock().unwrap_or_else(PoisonError::into_inner);
        let _lock = lock_file(&self.path)?;
        let existing = match crate::policy::read_bounded(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(Error::io(&self.path, &e)),
        };
        // Validate what is on disk before touching it: a broken file stays as it is.
        let on_disk = Policy::from_toml(&existing, &self.path)?;
        if existing.contains(&rule) {
            *current = on_disk;
            return Ok(Some(rule));
        }
        let mut text = existing;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&rule);
        let updated = Policy::from_toml(&text, &self.path)?;
        // A store that is a symbolic link (dotfiles kept elsewhere) is written where it
        // points, so the link stays a link.
        let target = match std::fs::symlink_metadata(&self.path) {
            Ok(m) if m.file_type().is_symlink() => {
                std::fs::canonicalize(&self.path).map_err(|e| Error::write(&self.path, &e))?
            }
            _ => self.path.clone(),
        };
        write_atomically(&target, text.as_bytes()).map_err(|e| Error::write(&target, &e))?;
        *current = updated;
        #[cfg(feature = "tracing")]
        tracing::debug!(file = %self.path.display(), "recorded an always answer");
        Ok(Some(rule))
    }
}

fn load_or_empty(path: &Path) -> Result<Policy, Error> {
    match crate::policy::read_bounded(path) {
        Ok(text) => Policy::from_toml(&text, path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Policy::empty(path)),
        Err(e) => Err(Error::io(path, &e)),
    }
}

/// The directory `path` is in (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// An exclusive lock on `<file>.lock` next to the store, held until dropped. A sidecar file,
/// because the store itself is replaced by `rename` (a lock on it would be on the old inode).
fn lock_file(path: &Path) -> Result<File, Error> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    let lock_path = parent_dir(path).join(name);
    // Not through a symbolic link: one planted at `<file>.lock` would have the lock create
    // or truncate-open its target (found by probing, session 9).
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(i32::try_from(rustix::fs::OFlags::NOFOLLOW.bits()).unwrap_or(0))
        .open(&lock_path)
        .map_err(|e| Error::write(&lock_path, &e))?;
    file.lock().map_err(|e| Error::write(&lock_path, &e))?;
    Ok(file)
}

/// Replaces `path` with `contents`: temporary file in the same directory (same filesystem,
/// so `rename` is atomic), `fsync`, `rename`, `fsync` of the directory (so the rename itself
/// survives a power loss). The new file keeps the old one's permissions (`0o600` if new).
fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = parent_dir(path);
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path has no file name",
        )
    })?;
    let permissions = std::fs::metadata(path).ok().map(|m| m.permissions());
    let mut attempt = 0u32;
    let (tmp_path, tmp) = loop {
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{}.{attempt}.tmp", std::process::id()));
        let tmp_path = dir.join(tmp_name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp_path)
        {
            Ok(file) => break (tmp_path, file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 64 => {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    };
    let written =
        fill_and_sync(tmp, contents, permissions).and_then(|()| std::fs::rename(&tmp_path, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp_path);
        return Err(e);
    }
    File::open(dir)?.sync_all()
}

/// Writes the temporary file's contents and permissions and syncs it to disk.
fn fill_and_sync(
    mut file: File,
    contents: &[u8],
    permissions: Option<std::fs::Permissions>,
) -> std::io::Result<()> {
    file.write_all(contents)?;
    if let Some(permissions) = permissions {
        file.set_permissions(permissions)?;
    }
    file.sync_all()
}
