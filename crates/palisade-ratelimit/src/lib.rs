#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod clock;
mod error;
mod gcra;
mod limiter;
mod quota;

pub use clock::{Clock, FakeClock, MonotonicClock};
pub use error::{Error, ErrorKind};
pub use limiter::{
    DEFAULT_MAX_KEYS, Decision, Denial, Mode, RateLimitConfig, RateLimiter, RateLimiterBuilder,
    RateLimiterMetrics, WhenFull,
};
pub use quota::{MAX_QUOTA_LEN, Quota};
