#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod breaker;
mod clock;
mod error;
mod gcra;
mod limiter;
mod quota;

pub use breaker::keyed::KeyedCircuitBreakers;
pub use breaker::{
    BreakerConfig, BreakerMetrics, CallNotPermitted, CallPermit, CircuitBreaker,
    CircuitBreakerBuilder, ErrorClass, OwnedCallPermit, SlidingWindow, State, StateTransition,
};
pub use clock::{Clock, FakeClock, MonotonicClock};
pub use error::{Error, ErrorKind};
pub use limiter::{
    DEFAULT_MAX_KEYS, Decision, Denial, Mode, RateLimitConfig, RateLimiter, RateLimiterBuilder,
    RateLimiterMetrics, WhenFull,
};
pub use quota::{MAX_QUOTA_LEN, Quota};
