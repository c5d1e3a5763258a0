//! The lexical layer: untrusted text or bytes in, a [`SafeRelPath`] or an [`Error`] out.
//! Pure: no filesystem access.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::path::Path;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use unicode_normalization::UnicodeNormalization as _;

use crate::error::{Error, ErrorKind, PatternError, quote, quote_bytes};
use crate::rules::{self, ProfileRules};
use crate::safe_rel_path::SafeRelPath;

/// Which platform's rules a [`Sanitizer`] applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Profile {
    /// Safe on Linux, macOS and Windows alike (the default): `\` is a separator; drive, UNC
    /// and device prefixes, `<>:"|?*`, trailing dots and spaces and Windows device names
    /// (`CON`, `nul.txt`, `COM¹`, `CONIN$`…) are refused.
    #[default]
    StrictPortable,
    /// Unix only: `/` is the only separator and `\`, `:`, `<>"|?*`, trailing dots and spaces
    /// and device names are ordinary. Everything else (NUL, controls, invisible characters,
    /// look-alikes of `/` and `.`, encoded separators, `..` leaving the root, lengths) stays.
    Unix,
}

impl Profile {
    fn rules(self) -> &'static ProfileRules {
        match self {
            Profile::StrictPortable => &rules::STRICT_PORTABLE,
            Profile::Unix => &rules::UNIX,
        }
    }
}

/// Default limit on a whole path, in bytes (Linux `PATH_MAX`).
pub const DEFAULT_MAX_PATH_BYTES: usize = 4096;
/// Default limit on one component, in bytes (Linux `NAME_MAX`; NTFS allows 255 UTF-16 units).
pub const DEFAULT_MAX_COMPONENT_BYTES: usize = 255;

/// Turns an untrusted path into a [`SafeRelPath`], or says why it can't.
///
/// Rules are checked in this order, so the first problem found decides the
/// [`ErrorKind`]: empty input ([`ErrorKind::Empty`]); NUL ([`ErrorKind::NulByte`]); length
/// ([`ErrorKind::TooLong`]); invalid UTF-8 ([`ErrorKind::Encoding`]); a leading separator or
/// drive/UNC/device prefix ([`ErrorKind::Absolute`]); then each component left to right —
/// including components a later `..` removes — for length, control, invisible and forbidden
/// characters, trailing dot or space, device names ([`ErrorKind::InvalidComponent`]),
/// look-alikes and percent-escapes ([`ErrorKind::Encoding`]), and `..` above the root
/// ([`ErrorKind::Traversal`]); last the allow/deny rules ([`ErrorKind::DeniedByRule`]).
///
/// A sanitizer is cheap to clone and can be shared between threads.
#[derive(Debug, Clone)]
pub struct Sanitizer {
    profile: Profile,
    max_path_bytes: usize,
    max_component_bytes: usize,
    allow: Option<GlobSet>,
    deny: Option<GlobSet>,
}

impl Default for Sanitizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Sanitizer {
    /// The strict-portable sanitizer with default limits and no allow/deny rules.
    pub fn new() -> Self {
        Self {
            profile: Profile::StrictPortable,
            max_path_bytes: DEFAULT_MAX_PATH_BYTES,
            max_component_bytes: DEFAULT_MAX_COMPONENT_BYTES,
            allow: None,
            deny: None,
        }
    }

    /// The [`Profile::Unix`] sanitizer with default limits and no allow/deny rules.
    pub fn unix() -> Self {
        Self {
            profile: Profile::Unix,
            ..Self::new()
        }
    }

    /// A builder for a sanitizer with another profile, limits or allow/deny rules.
    pub fn builder() -> SanitizerBuilder {
        SanitizerBuilder::default()
    }

    /// The profile this sanitizer applies.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Sanitizes a path given as text.
    pub fn sanitize(&self, input: &str) -> Result<SafeRelPath, Error> {
        let result = self.sanitize_str_inner(input);
        trace_rejection(&result);
        result
    }

    /// Sanitizes a path given as bytes (e.g. an archive entry name). Bytes that are not
    /// UTF-8 are refused with [`ErrorKind::Encoding`].
    pub fn sanitize_bytes(&self, input: &[u8]) -> Result<SafeRelPath, Error> {
        let result = self
            .check_raw(input)
            .and_then(|()| match std::str::from_utf8(input) {
                Ok(text) => self.sanitize_str_inner(text),
                Err(_) => Err(Error::new(
                    ErrorKind::Encoding,
                    format!(
                        "path `{}` is not valid UTF-8; give it as UTF-8 text",
                        quote_bytes(input)
                    ),
                )),
            });
        trace_rejection(&result);
        result
    }

    /// Sanitizes an OS string (its platform bytes: WTF-8 on Windows, so an unpaired
    /// surrogate is refused as [`ErrorKind::Encoding`]).
    pub fn sanitize_os_str(&self, input: &OsStr) -> Result<SafeRelPath, Error> {
        self.sanitize_bytes(input.as_encoded_bytes())
    }

    /// Sanitizes a [`Path`]; same as [`Sanitizer::sanitize_os_str`].
    pub fn sanitize_path(&self, input: &Path) -> Result<SafeRelPath, Error> {
        self.sanitize_os_str(input.as_os_str())
    }

    /// Checks that need no decoding: empty, NUL, length.
    fn check_raw(&self, input: &[u8]) -> Result<(), Error> {
        if input.is_empty() {
            return Err(Error::new(
                ErrorKind::Empty,
                "path is empty; give a relative path, or `.` for the root".to_owned(),
            ));
        }
        if input.contains(&0) {
            return Err(Error::new(
                ErrorKind::NulByte,
                format!(
                    "path `{}` contains a NUL byte, which ends a path in C and hides the rest",
                    quote_bytes(input)
                ),
            ));
        }
        if input.len() > self.max_path_bytes {
            return Err(Error::new(
                ErrorKind::TooLong,
                format!(
                    "path `{}` is {} bytes long; the limit is {}",
                    quote_bytes(input),
                    input.len(),
                    self.max_path_bytes
                ),
            ));
        }
        Ok(())
    }

    fn sanitize_str_inner(&self, input: &str) -> Result<SafeRelPath, Error> {
        self.check_raw(input.as_bytes())?;
        let rules = self.profile.rules();
        check_absolute(input, rules)?;
        let mut kept: Vec<&str> = Vec::new();
        for (index, component) in input.split(rules.separators).enumerate() {
            let position = index + 1;
            match component {
                "" | "." => {}
                ".." => {
                    if kept.pop().is_none() {
                        return Err(Error::new(
                            ErrorKind::Traversal,
                            format!(
                                "path `{}` leaves the root: `..` at component {position} climbs \
                                 above it; remove the `..`",
                                quote(input)
                            ),
                        ));
                    }
                }
                _ => {
                    self.check_component(input, component, position, rules)?;
                    kept.push(component);
                }
            }
        }
        let path = SafeRelPath::from_checked_components(kept);
        self.check_rules(input, &path)?;
        Ok(path)
    }

    fn check_component(
        &self,
        input: &str,
        component: &str,
        position: usize,
        rules: &ProfileRules,
    ) -> Result<(), Error> {
        let invalid = |what: String| {
            Err(Error::new(
                ErrorKind::InvalidComponent,
                format!(
                    "path `{}`: component {position} `{}` {what}",
                    quote(input),
                    quote(component)
                ),
            ))
        };
        if component.len() > self.max_component_bytes {
            return Err(Error::new(
                ErrorKind::TooLong,
                format!(
                    "path `{}`: component {position} is {} bytes long; the limit is {}",
                    quote(input),
                    component.len(),
                    self.max_component_bytes
                ),
            ));
        }
        for c in component.chars() {
            if c.is_control() {
                return invalid(format!("contains the control character U+{:04X}", c as u32));
            }
            if rules::is_invisible(c) {
                return invalid(format!(
                    "contains the invisible character U+{:04X}, which makes look-alike names",
                    c as u32
                ));
            }
            if rules.forbidden_chars.contains(&c) {
                return invalid(format!(
                    "contains `{c}`, which Windows does not allow in names"
                ));
            }
            if !c.is_ascii() {
                check_lookalike(input, component, position, c, rules)?;
            }
        }
        if rules.trailing_dot_or_space && component.ends_with(['.', ' ']) {
            return invalid(
                "ends with a dot or space, which Windows strips (so it names another file)"
                    .to_owned(),
            );
        }
        if rules.reserved_device_names && rules::is_reserved_device_name(component) {
            return invalid("is a Windows device name (with any extension or case)".to_owned());
        }
        if component.contains('%') {
            check_percent_escapes(input, component, position, rules)?;
        }
        Ok(())
    }

    fn check_rules(&self, input: &str, path: &SafeRelPath) -> Result<(), Error> {
        let denied = |why: &str| {
            Err(Error::new(
                ErrorKind::DeniedByRule,
                format!("path `{}` {why}", quote(input)),
            ))
        };
        if let Some(deny) = &self.deny {
            // A denied directory denies everything below it: test the path and every ancestor.
            let mut prefix = String::new();
            for component in path.components() {
                if !prefix.is_empty() {
                    prefix.push('/');
                }
                prefix.push_str(component);
                if deny.is_match(&prefix) {
                    return denied(&format!("is denied by a deny rule (matched `{prefix}`)"));
                }
            }
            if path.is_root() && deny.is_match(".") {
                return denied("is denied by a deny rule");
            }
        }
        if let Some(allow) = &self.allow
            && !allow.is_match(path.as_str())
        {
            return denied(&format!("(`{path}`) matches no allow rule"));
        }
        Ok(())
    }
}

fn trace_rejection(result: &Result<SafeRelPath, Error>) {
    #[cfg(feature = "tracing")]
    if let Err(err) = result {
        tracing::debug!(kind = err.kind().as_str(), "path rejected");
    }
    #[cfg(not(feature = "tracing"))]
    let _ = result;
}

/// Leading separators and, in strict profiles, drive, UNC and device prefixes. `\\server\share`,
/// `\\?\C:\`, `\\.\pipe\x` and `\??\C:\` all start with a separator; `C:` and `C:x` with a drive.
fn check_absolute(input: &str, rules: &ProfileRules) -> Result<(), Error> {
    let absolute = |what: &str| {
        Err(Error::new(
            ErrorKind::Absolute,
            format!(
                "path `{}` is absolute ({what}); give a path relative to the root",
                quote(input)
            ),
        ))
    };
    if input.starts_with(rules.separators) {
        let what = match input.get(..4) {
            Some("\\\\?\\" | "//?/") => "a Windows verbatim `\\\\?\\` prefix",
            Some("\\\\.\\" | "//./") => "a Windows device `\\\\.\\` prefix",
            Some("\\??\\") => "an NT object `\\??\\` prefix",
            _ if input.starts_with("\\\\") || input.starts_with("//") => {
                "a UNC or doubled leading separator"
            }
            _ => "a leading separator",
        };
        return absolute(what);
    }
    let mut chars = input.chars();
    if rules.drive_prefix
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.next() == Some(':')
    {
        return absolute("a drive prefix");
    }
    Ok(())
}

/// A non-ASCII character whose NFKC form or confusable skeleton is a character the profile
/// treats specially (`／` → `/`, `․` → `.`, `∕` → `/`): a later normalising step (macOS
/// HFS+, a Unicode-aware server) would turn it into the real thing.
fn check_lookalike(
    input: &str,
    component: &str,
    position: usize,
    c: char,
    rules: &ProfileRules,
) -> Result<(), Error> {
    // What each character looks like: itself if ASCII, else its confusable skeleton.
    let looks_like = |n: char| {
        rules::CONFUSABLES
            .iter()
            .find(|(from, _)| *from == n)
            .map_or(n, |&(_, to)| to)
    };
    // The character itself, then its NFKC expansion (`℀` → `a/c`, `㎮` → `rad∕s`).
    let introduced = std::iter::once(c)
        .chain(std::iter::once(c).nfkc())
        .map(looks_like)
        .find(|n| rules.lookalike_targets.contains(n));
    match introduced {
        Some(target) => Err(Error::new(
            ErrorKind::Encoding,
            format!(
                "path `{}`: component {position} `{}` contains U+{:04X}, a look-alike of `{target}`",
                quote(input),
                quote(component),
                c as u32
            ),
        )),
        None => Ok(()),
    }
}

/// Percent-escapes are kept literally unless decoding them (repeatedly, as a server that
/// decodes twice would: CVE-2021-42013) introduces a separator, a dot segment, a colon, NUL,
/// a control character, a look-alike, or invalid UTF-8.
fn check_percent_escapes(
    input: &str,
    component: &str,
    position: usize,
    rules: &ProfileRules,
) -> Result<(), Error> {
    let hidden = |what: &str| {
        Err(Error::new(
            ErrorKind::Encoding,
            format!(
                "path `{}`: component {position} `{}` hides {what} behind percent-escapes",
                quote(input),
                quote(component)
            ),
        ))
    };
    let mut decoded: Vec<u8> = component.as_bytes().to_vec();
    let mut changed = false;
    let mut stable = false;
    for _ in 0..rules::MAX_PERCENT_DECODE_ROUNDS {
        let next: Cow<'_, [u8]> = percent_encoding::percent_decode(&decoded).into();
        match next {
            Cow::Borrowed(_) => {
                stable = true;
                break;
            }
            Cow::Owned(bytes) => {
                decoded = bytes;
                changed = true;
            }
        }
    }
    if !changed {
        return Ok(());
    }
    if !stable {
        return hidden("more levels of encoding than are decoded");
    }
    let Ok(text) = std::str::from_utf8(&decoded) else {
        return hidden("invalid UTF-8");
    };
    if text == "." || text == ".." {
        return hidden("a dot segment");
    }
    if text.contains(rules::ANY_SEPARATOR) {
        return hidden("a separator");
    }
    if text.contains(':') {
        return hidden("a colon");
    }
    if text.contains('\0') {
        return hidden("a NUL byte");
    }
    if text
        .chars()
        .any(|c| c.is_control() || rules::is_invisible(c))
    {
        return hidden("a control or invisible character");
    }
    for c in text.chars().filter(|c| !c.is_ascii()) {
        if check_lookalike(input, component, position, c, rules).is_err() {
            return hidden("a look-alike of a separator, dot or colon");
        }
    }
    Ok(())
}

/// Builds a [`Sanitizer`] with a profile, limits and allow/deny rules.
///
/// Allow and deny patterns are [`globset`] globs matched against the *normalised* relative
/// path (`a/b`, never `./a` or `a//b`), with `*` and `?` not crossing `/`
/// (`literal_separator`) and `**` spanning directories. Deny wins over allow. A deny rule
/// matching a directory denies everything below it (the path and each ancestor are tested),
/// and deny rules ignore case, because `.GIT` is `.git` on a case-insensitive filesystem.
/// When there is at least one allow rule, a path must match one of them (case-sensitive).
#[derive(Debug, Clone, Default)]
pub struct SanitizerBuilder {
    profile: Profile,
    max_path_bytes: Option<usize>,
    max_component_bytes: Option<usize>,
    allow: Vec<String>,
    deny: Vec<String>,
}

impl SanitizerBuilder {
    /// A builder for the strict-portable profile with default limits and no rules.
    pub fn new() -> Self {
        Self::default()
    }

    /// Which platform's rules to apply.
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// The limit on a whole path in bytes ([`DEFAULT_MAX_PATH_BYTES`] by default).
    pub fn max_path_bytes(mut self, limit: usize) -> Self {
        self.max_path_bytes = Some(limit);
        self
    }

    /// The limit on one component in bytes ([`DEFAULT_MAX_COMPONENT_BYTES`] by default).
    pub fn max_component_bytes(mut self, limit: usize) -> Self {
        self.max_component_bytes = Some(limit);
        self
    }

    /// Adds an allow pattern, e.g. `src/**`.
    pub fn allow(mut self, pattern: impl Into<String>) -> Self {
        self.allow.push(pattern.into());
        self
    }

    /// Adds a deny pattern, e.g. `**/.git` or `**/.env`.
    pub fn deny(mut self, pattern: impl Into<String>) -> Self {
        self.deny.push(pattern.into());
        self
    }

    /// Compiles the patterns and returns the sanitizer.
    pub fn build(self) -> Result<Sanitizer, PatternError> {
        Ok(Sanitizer {
            profile: self.profile,
            max_path_bytes: self.max_path_bytes.unwrap_or(DEFAULT_MAX_PATH_BYTES),
            max_component_bytes: self
                .max_component_bytes
                .unwrap_or(DEFAULT_MAX_COMPONENT_BYTES),
            allow: compile("allow", &self.allow, false)?,
            deny: compile("deny", &self.deny, true)?,
        })
    }
}

fn compile(
    list: &'static str,
    patterns: &[String],
    case_insensitive: bool,
) -> Result<Option<GlobSet>, PatternError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut set = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = GlobBuilder::new(pattern)
            .literal_separator(true)
            .case_insensitive(case_insensitive)
            .backslash_escape(true)
            .build()
            .map_err(|err| PatternError::new(list, pattern, err.kind().to_string()))?;
        set.add(glob);
    }
    set.build()
        .map(Some)
        .map_err(|err| PatternError::new(list, &patterns.join(" "), err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &Sanitizer, input: &str) -> Option<ErrorKind> {
        s.sanitize(input).err().map(|e| e.kind())
    }

    #[test]
    fn normalises_relative_paths() {
        let s = Sanitizer::new();
        for (input, expected) in [
            ("a", "a"),
            ("a/b/c", "a/b/c"),
            ("./a//b/", "a/b"),
            ("a/./b/../c", "a/c"),
            (".", "."),
            ("a/..", "."),
            ("a\\b", "a/b"),
            ("100%25", "100%25"),
            ("%zz", "%zz"),
            ("caf\u{e9}", "caf\u{e9}"),
        ] {
            assert_eq!(s.sanitize(input).unwrap().as_str(), expected, "{input:?}");
        }
    }

    #[test]
    fn unix_profile_relaxes_windows_rules_only() {
        let s = Sanitizer::unix();
        assert_eq!(s.sanitize("a\\b").unwrap().as_str(), "a\\b");
        assert_eq!(s.sanitize("C:x").unwrap().as_str(), "C:x");
        assert_eq!(s.sanitize("con.txt").unwrap().as_str(), "con.txt");
        assert_eq!(s.sanitize("a. ").unwrap().as_str(), "a. ");
        assert_eq!(kind(&s, "/etc"), Some(ErrorKind::Absolute));
        assert_eq!(kind(&s, "a/../.."), Some(ErrorKind::Traversal));
        assert_eq!(kind(&s, "a%2f.."), Some(ErrorKind::Encoding));
        assert_eq!(kind(&s, "a\u{ff0f}b"), Some(ErrorKind::Encoding));
    }

    #[test]
    fn popped_components_are_still_checked() {
        let s = Sanitizer::new();
        assert_eq!(kind(&s, "CON/.."), Some(ErrorKind::InvalidComponent));
        assert_eq!(
            kind(&s, "a\u{200b}/../b"),
            Some(ErrorKind::InvalidComponent)
        );
    }

    #[test]
    fn limits_are_configurable() {
        let s = Sanitizer::builder()
            .max_path_bytes(8)
            .max_component_bytes(3)
            .build()
            .unwrap();
        assert_eq!(kind(&s, "abcd"), Some(ErrorKind::TooLong));
        assert_eq!(kind(&s, "abc/abc/a"), Some(ErrorKind::TooLong));
        assert!(s.sanitize("abc/abc").is_ok());
    }

    #[test]
    fn deny_rules_cover_descendants_and_case() {
        let s = Sanitizer::builder()
            .deny("**/.git")
            .deny("**/.env")
            .build()
            .unwrap();
        assert_eq!(kind(&s, ".git/config"), Some(ErrorKind::DeniedByRule));
        assert_eq!(
            kind(&s, "x/.GIT/hooks/pre-commit"),
            Some(ErrorKind::DeniedByRule)
        );
        assert_eq!(kind(&s, "app/.env"), Some(ErrorKind::DeniedByRule));
        assert!(s.sanitize("app/.envrc").is_ok());
        assert!(s.sanitize("gitx/.gitignore").is_ok());
    }

    #[test]
    fn the_issues_example_deny_rules() {
        let s = Sanitizer::builder()
            .deny("**/.git/**")
            .deny("**/.env")
            .build()
            .unwrap();
        for denied in [
            ".git/config",
            "x/.git/HEAD",
            "a/b/.Git/objects/ab",
            ".env",
            "app/.ENV",
        ] {
            assert_eq!(kind(&s, denied), Some(ErrorKind::DeniedByRule), "{denied}");
        }
        for allowed in [
            ".github/workflows/ci.yml",
            "app/.env.example",
            "git/config",
            ".gitx",
        ] {
            assert!(s.sanitize(allowed).is_ok(), "{allowed}");
        }
    }

    #[test]
    fn allow_rules_use_literal_separators() {
        let s = Sanitizer::builder().allow("src/*.rs").build().unwrap();
        assert!(s.sanitize("src/lib.rs").is_ok());
        assert_eq!(kind(&s, "src/a/lib.rs"), Some(ErrorKind::DeniedByRule));
        assert_eq!(kind(&s, "README.md"), Some(ErrorKind::DeniedByRule));
    }

    #[test]
    fn bad_patterns_are_reported() {
        let err = Sanitizer::builder().deny("a[").build().unwrap_err();
        assert_eq!(err.pattern(), "a[");
        assert!(err.to_string().contains("`a[`"), "{err}");
    }

    #[test]
    fn bytes_and_os_strings() {
        let s = Sanitizer::new();
        assert_eq!(
            s.sanitize_bytes(b"a/\xff").unwrap_err().kind(),
            ErrorKind::Encoding
        );
        assert_eq!(s.sanitize_bytes(b"a/b").unwrap().as_str(), "a/b");
        assert_eq!(s.sanitize_path(Path::new("x/y")).unwrap().as_str(), "x/y");
        assert_eq!(
            s.sanitize_os_str(OsStr::new("")).unwrap_err().kind(),
            ErrorKind::Empty
        );
    }
}
