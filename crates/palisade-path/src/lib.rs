#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod error;
mod rules;
mod safe_rel_path;
mod sanitizer;

pub use crate::error::{Error, ErrorKind, PatternError};
pub use crate::safe_rel_path::SafeRelPath;
pub use crate::sanitizer::{
    DEFAULT_MAX_COMPONENT_BYTES, DEFAULT_MAX_PATH_BYTES, Profile, Sanitizer, SanitizerBuilder,
};

/// Sanitizes `input` with the default strict-portable [`Sanitizer`].
pub fn sanitize(input: &str) -> Result<SafeRelPath, Error> {
    Sanitizer::new().sanitize(input)
}
