#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod breaker;
mod clock;
mod concurrency;
mod error;
mod gcra;
mod keytable;
#[cfg(feature = "tower")]
pub mod layer;
mod limiter;
mod quota;

pub use breaker::keyed::KeyedCircuitBreakers;
pub use breaker::{
    BreakerConfig, BreakerMetrics, CallNotPermitted, CallPermit, CircuitBreaker,
    CircuitBreakerBuilder, ErrorClass, OwnedCallPermit, SlidingWindow, State, StateTransition,
};
pub use clock::{Clock, CoarseMonotonicClock, FakeClock, MonotonicClock};
pub use concurrency::{ConcurrencyLimit, ConcurrencyLimiter, ConcurrencyPermit, TooManyInFlight};
pub use error::{Error, ErrorKind};
pub use limiter::{
    DEFAULT_MAX_KEYS, Decision, Denial, Mode, RateLimitConfig, RateLimiter, RateLimiterBuilder,
    RateLimiterMetrics, WhenFull,
};
pub use quota::{MAX_QUOTA_LEN, Quota};
