#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod error;
#[cfg(any(unix, windows))]
mod fs;
mod rules;
mod safe_rel_path;
mod sanitizer;

pub use crate::error::{Error, ErrorKind, PatternError};
#[cfg(any(unix, windows))]
pub use crate::fs::{
    DEFAULT_SYMLINK_BUDGET, DirEntry, EntryKind, HandleCheck, OpenOptions, ResolveMode, Resolved,
    Resolver, Root, RootOptions,
};
pub use crate::safe_rel_path::SafeRelPath;
pub use crate::sanitizer::{
    DEFAULT_MAX_COMPONENT_BYTES, DEFAULT_MAX_PATH_BYTES, Profile, Sanitizer, SanitizerBuilder,
};

/// Sanitizes `input` with the default strict-portable [`Sanitizer`].
pub fn sanitize(input: &str) -> Result<SafeRelPath, Error> {
    Sanitizer::new().sanitize(input)
}

#[cfg(test)]
mod tests {
    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<crate::Sanitizer>();
        check::<crate::SafeRelPath>();
        check::<crate::Error>();
        #[cfg(any(unix, windows))]
        check::<crate::Root>();
    }
}
