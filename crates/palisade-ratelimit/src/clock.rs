//! Time sources. Every limiter and breaker reads time through a [`Clock`], so tests (ours and
//! yours) run on a [`FakeClock`] without sleeping.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A monotonic source of time, in nanoseconds since an origin the clock chooses.
///
/// Readings must never go backwards. Decisions are exact on the clock's time line: a clock
/// that lags real time by a varying amount (a coarse tick) shifts them by up to that amount.
pub trait Clock: Send + Sync + 'static {
    /// Nanoseconds elapsed since this clock's origin.
    fn now_nanos(&self) -> u64;
}

/// The default clock: [`std::time::Instant`] (`CLOCK_MONOTONIC` on Linux), which never goes
/// backwards. (governor's default `quanta` clock reads the TSC, which can step back across
/// cores, an open governor issue.)
#[derive(Debug, Clone, Copy)]
pub struct MonotonicClock {
    origin: Instant,
}

impl MonotonicClock {
    /// A clock whose origin is now.
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Default for MonotonicClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for MonotonicClock {
    #[inline]
    fn now_nanos(&self) -> u64 {
        // Saturates after 584 years of uptime.
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// A cheaper clock with a coarser tick: `CLOCK_MONOTONIC_COARSE` on Linux (the kernel's
/// last timer tick, 1–4 ms resolution, read without touching the TSC), [`MonotonicClock`]
/// elsewhere. The circuit breakers' default: their durations (slow calls, windows of
/// seconds, waits in open) don't need nanoseconds, and a call path that reads the clock twice
/// per call does notice its cost. Not the rate limiter's default: at high rates, a tick of
/// jitter is worth several requests.
#[derive(Debug, Clone, Copy)]
pub struct CoarseMonotonicClock {
    origin: u64,
}

impl CoarseMonotonicClock {
    /// A clock whose origin is now.
    pub fn new() -> Self {
        Self {
            origin: coarse_now(),
        }
    }
}

impl Default for CoarseMonotonicClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for CoarseMonotonicClock {
    #[inline]
    fn now_nanos(&self) -> u64 {
        coarse_now().saturating_sub(self.origin)
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[inline]
fn coarse_now() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::MonotonicCoarse);
    let secs = u64::try_from(t.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(t.tv_nsec).unwrap_or(0);
    secs.saturating_mul(1_000_000_000).saturating_add(nanos)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
#[inline]
fn coarse_now() -> u64 {
    use std::sync::OnceLock;
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    let origin = ORIGIN.get_or_init(Instant::now);
    u64::try_from(origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// A clock that moves only when told to. Clones share the same time, so a test keeps one
/// clone and hands another to the limiter.
#[derive(Clone, Default)]
pub struct FakeClock {
    nanos: Arc<AtomicU64>,
}

impl FakeClock {
    /// A fake clock at time zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward by `by` (saturating).
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .nanos
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
                Some(now.saturating_add(by))
            });
    }

    /// Sets the clock to `at` since its origin, if that is not earlier than now (a clock
    /// never goes backwards).
    pub fn set(&self, at: Duration) {
        let at = u64::try_from(at.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_max(at, Ordering::AcqRel);
    }

    /// The current fake time since the origin.
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.now_nanos())
    }
}

impl fmt::Debug for FakeClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeClock")
            .field("elapsed", &self.elapsed())
            .finish()
    }
}

impl Clock for FakeClock {
    #[inline]
    fn now_nanos(&self) -> u64 {
        self.nanos.load(Ordering::Acquire)
    }
}

/// Saturating conversion of a duration to nanoseconds.
pub(crate) fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_clock_is_shared_by_clones_and_never_goes_back() {
        let clock = FakeClock::new();
        let other = clock.clone();
        clock.advance(Duration::from_millis(5));
        assert_eq!(other.elapsed(), Duration::from_millis(5));
        other.set(Duration::from_millis(1));
        assert_eq!(clock.elapsed(), Duration::from_millis(5));
        other.set(Duration::from_millis(7));
        assert_eq!(clock.now_nanos(), 7_000_000);
    }

    #[test]
    fn real_clocks_move_forward() {
        let clock = MonotonicClock::new();
        let coarse = CoarseMonotonicClock::new();
        let (a, c) = (clock.now_nanos(), coarse.now_nanos());
        std::thread::sleep(Duration::from_millis(20));
        assert!(clock.now_nanos() >= a + 20_000_000);
        // The coarse clock lags by at most a few ticks.
        assert!(coarse.now_nanos() >= c + 10_000_000);
    }
}
