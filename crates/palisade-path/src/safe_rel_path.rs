//! The output of the lexical layer: a relative path that has passed every rule.

use std::fmt;
use std::path::{Path, PathBuf};

/// A normalised relative path that passed a [`crate::Sanitizer`]: components joined by `/`,
/// no empty, `.` or `..` component, no leading separator, and `.` for the root itself.
///
/// It is made only by a sanitizer (or derived from one that was, or deserialized through
/// one), or by the filesystem layer's `Root::resolve` / `Root::create_dir_all` as the real
/// path found on disk, so holding one means the rules were applied. A sanitized path is a
/// *lexical* result: it says nothing about symbolic links on disk. To touch the filesystem
/// safely, resolve it inside a root directory with the filesystem layer instead of joining
/// it to a directory string.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SafeRelPath {
    // Invariant: "." or components joined by '/', none empty, "." or "..".
    inner: String,
}

impl SafeRelPath {
    /// The root itself, `.`.
    pub fn root() -> Self {
        Self {
            inner: ".".to_owned(),
        }
    }

    /// Builds from components that already passed the rules.
    pub(crate) fn from_checked_components<'a>(
        components: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut inner = String::new();
        for component in components {
            if !inner.is_empty() {
                inner.push('/');
            }
            inner.push_str(component);
        }
        if inner.is_empty() {
            return Self::root();
        }
        Self { inner }
    }

    /// The path as a string: `a/b/c`, or `.` for the root.
    pub fn as_str(&self) -> &str {
        &self.inner
    }

    /// Whether this is the root itself (`.`).
    pub fn is_root(&self) -> bool {
        self.inner == "."
    }

    /// The components, outermost first; none for the root.
    pub fn components(&self) -> impl DoubleEndedIterator<Item = &str> + '_ {
        let all = if self.is_root() { "" } else { &self.inner };
        all.split('/').filter(|c| !c.is_empty())
    }

    /// How many components the path has (0 for the root).
    pub fn depth(&self) -> usize {
        self.components().count()
    }

    /// The last component, or `None` for the root.
    pub fn file_name(&self) -> Option<&str> {
        self.components().next_back()
    }

    /// The path without its last component, or `None` for the root.
    pub fn parent(&self) -> Option<SafeRelPath> {
        if self.is_root() {
            return None;
        }
        let mut components: Vec<&str> = self.components().collect();
        components.pop();
        Some(Self::from_checked_components(components))
    }

    /// Whether `base` is this path or one of its ancestors, compared component by component
    /// (`a/bc` does not start with `a/b`). Every path starts with the root.
    pub fn starts_with(&self, base: &SafeRelPath) -> bool {
        let mut ours = self.components();
        base.components().all(|theirs| ours.next() == Some(theirs))
    }

    /// The path as a relative [`PathBuf`] (with the platform's separator).
    ///
    /// Joining it to a directory path and opening the result is check-then-use: a symbolic
    /// link created on disk in between is followed. Use the filesystem layer for that.
    pub fn to_path_buf(&self) -> PathBuf {
        self.components().collect()
    }

    /// Consumes the path, returning its string form.
    pub fn into_string(self) -> String {
        self.inner
    }
}

impl fmt::Display for SafeRelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner)
    }
}

impl fmt::Debug for SafeRelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl AsRef<str> for SafeRelPath {
    fn as_ref(&self) -> &str {
        &self.inner
    }
}

impl AsRef<Path> for SafeRelPath {
    fn as_ref(&self) -> &Path {
        Path::new(&self.inner)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for SafeRelPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.inner)
    }
}

/// Deserializing runs the strict-portable [`crate::Sanitizer`] on the string, so a
/// `SafeRelPath` read from a file or the network is as safe as one made in process.
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for SafeRelPath {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        crate::Sanitizer::new()
            .sanitize(&text)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "serde")]
    #[test]
    fn serde_round_trip_sanitizes() {
        let p = SafeRelPath::from_checked_components(["a", "b"]);
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"a/b\"");
        let back: SafeRelPath = serde_json::from_str("\"./a//b\"").unwrap();
        assert_eq!(back, p);
        assert!(serde_json::from_str::<SafeRelPath>("\"../etc\"").is_err());
        assert!(serde_json::from_str::<SafeRelPath>("\"con.txt\"").is_err());
        assert_eq!(
            serde_json::to_string(&crate::ErrorKind::DeniedByRule).unwrap(),
            "\"denied_by_rule\""
        );
    }

    #[test]
    fn root_has_no_components() {
        let root = SafeRelPath::root();
        assert_eq!(root.as_str(), ".");
        assert!(root.is_root());
        assert_eq!(root.components().count(), 0);
        assert_eq!(root.depth(), 0);
        assert_eq!(root.file_name(), None);
        assert_eq!(root.parent(), None);
        assert_eq!(root.to_path_buf(), PathBuf::new());
        assert_eq!(SafeRelPath::from_checked_components([]), root);
    }

    #[test]
    fn accessors_of_a_nested_path() {
        let p = SafeRelPath::from_checked_components(["a", "b", "c.txt"]);
        assert_eq!(p.as_str(), "a/b/c.txt");
        assert_eq!(p.components().collect::<Vec<_>>(), ["a", "b", "c.txt"]);
        assert_eq!(p.file_name(), Some("c.txt"));
        assert_eq!(p.parent().unwrap().as_str(), "a/b");
        assert_eq!(p.depth(), 3);
        assert_eq!(p.to_path_buf(), Path::new("a").join("b").join("c.txt"));
        assert!(p.starts_with(&SafeRelPath::from_checked_components(["a", "b"])));
        assert!(p.starts_with(&SafeRelPath::root()));
        assert!(!p.starts_with(&SafeRelPath::from_checked_components(["a", "bc"])));
        let one = SafeRelPath::from_checked_components(["a"]);
        assert_eq!(one.parent().unwrap(), SafeRelPath::root());
        assert!(!one.starts_with(&p));
    }
}
