//! [`ConcurrencyLimiter`]: a global and a per-key maximum of calls in flight, with RAII
//! permits.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::error::{Error, ErrorKind};

/// Which maximum refused a permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConcurrencyLimit {
    /// The global maximum of calls in flight.
    Global,
    /// The key's maximum of calls in flight.
    Key,
}

/// A permit was refused: too many calls in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many calls in flight ({} limit {max})", match limit { ConcurrencyLimit::Global => "global", ConcurrencyLimit::Key => "per-key" })]
pub struct TooManyInFlight {
    limit: ConcurrencyLimit,
    max: usize,
}

impl TooManyInFlight {
    /// Which maximum was reached.
    pub fn limit(&self) -> ConcurrencyLimit {
        self.limit
    }
}

struct State<K> {
    in_flight: usize,
    per_key: HashMap<K, usize>,
}

struct Inner<K> {
    max_in_flight: usize,
    max_per_key: usize,
    state: Mutex<State<K>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Limits calls in flight, globally and per key. Cloning is cheap; clones share the counts.
///
/// Memory: a key is tracked only while it has calls in flight, so at most `max_in_flight`
/// keys are stored.
pub struct ConcurrencyLimiter<K> {
    inner: Arc<Inner<K>>,
}

impl<K> Clone for ConcurrencyLimiter<K> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<K> fmt::Debug for ConcurrencyLimiter<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConcurrencyLimiter")
            .field("max_in_flight", &self.inner.max_in_flight)
            .field("max_per_key", &self.inner.max_per_key)
            .field("in_flight", &lock(&self.inner.state).in_flight)
            .finish()
    }
}

impl<K: Hash + Eq + Clone> ConcurrencyLimiter<K> {
    /// At most `max_in_flight` calls in all, and `max_per_key` for any one key. Both must be
    /// at least 1.
    pub fn new(max_in_flight: usize, max_per_key: usize) -> Result<Self, Error> {
        if max_in_flight == 0 || max_per_key == 0 {
            return Err(Error::new(
                ErrorKind::InvalidConfig,
                "concurrency limits must be at least 1",
            ));
        }
        Ok(Self {
            inner: Arc::new(Inner {
                max_in_flight,
                max_per_key,
                state: Mutex::new(State {
                    in_flight: 0,
                    per_key: HashMap::new(),
                }),
            }),
        })
    }

    /// A permit for one call for `key`, released when dropped.
    pub fn try_acquire(&self, key: &K) -> Result<ConcurrencyPermit<K>, TooManyInFlight> {
        let mut state = lock(&self.inner.state);
        if state.in_flight >= self.inner.max_in_flight {
            return Err(TooManyInFlight {
                limit: ConcurrencyLimit::Global,
                max: self.inner.max_in_flight,
            });
        }
        let count = state.per_key.get(key).copied().unwrap_or(0);
        if count >= self.inner.max_per_key {
            return Err(TooManyInFlight {
                limit: ConcurrencyLimit::Key,
                max: self.inner.max_per_key,
            });
        }
        state.per_key.insert(key.clone(), count + 1);
        state.in_flight += 1;
        Ok(ConcurrencyPermit {
            limiter: Arc::clone(&self.inner),
            key: Some(key.clone()),
        })
    }

    /// Calls in flight in all.
    pub fn in_flight(&self) -> usize {
        lock(&self.inner.state).in_flight
    }

    /// Calls in flight for `key`.
    pub fn in_flight_for(&self, key: &K) -> usize {
        lock(&self.inner.state)
            .per_key
            .get(key)
            .copied()
            .unwrap_or(0)
    }

    /// Keys with calls in flight.
    pub fn tracked_keys(&self) -> usize {
        lock(&self.inner.state).per_key.len()
    }
}

/// One call in flight. Dropping it frees the slot.
#[must_use = "the slot is freed as soon as the permit is dropped"]
pub struct ConcurrencyPermit<K: Hash + Eq> {
    limiter: Arc<Inner<K>>,
    key: Option<K>,
}

impl<K: Hash + Eq> fmt::Debug for ConcurrencyPermit<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConcurrencyPermit").finish_non_exhaustive()
    }
}

impl<K: Hash + Eq> Drop for ConcurrencyPermit<K> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let mut state = lock(&self.limiter.state);
        state.in_flight = state.in_flight.saturating_sub(1);
        if let Some(count) = state.per_key.get_mut(&key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                state.per_key.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_and_per_key_maxima_with_raii_permits() {
        let limiter = ConcurrencyLimiter::new(3, 2).unwrap();
        let a1 = limiter.try_acquire(&"a").unwrap();
        let a2 = limiter.try_acquire(&"a").unwrap();
        assert_eq!(
            limiter.try_acquire(&"a").unwrap_err().limit(),
            ConcurrencyLimit::Key
        );
        let b1 = limiter.try_acquire(&"b").unwrap();
        let err = limiter.try_acquire(&"c").unwrap_err();
        assert_eq!(err.limit(), ConcurrencyLimit::Global);
        assert_eq!(err.to_string(), "too many calls in flight (global limit 3)");
        drop(a1);
        assert_eq!(limiter.in_flight_for(&"a"), 1);
        let c1 = limiter.try_acquire(&"c").unwrap();
        drop((a2, b1, c1));
        assert_eq!(limiter.in_flight(), 0);
        assert_eq!(limiter.tracked_keys(), 0, "idle keys are not kept");
        assert!(ConcurrencyLimiter::<u8>::new(0, 1).is_err());
    }

    #[test]
    fn permits_across_threads_never_exceed_the_maximum() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let limiter = ConcurrencyLimiter::new(4, 4).unwrap();
        let current = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (limiter, current, peak) =
                    (limiter.clone(), Arc::clone(&current), Arc::clone(&peak));
                std::thread::spawn(move || {
                    for _ in 0..2000 {
                        if let Ok(_permit) = limiter.try_acquire(&0u8) {
                            let now = current.fetch_add(1, Ordering::SeqCst) + 1;
                            peak.fetch_max(now, Ordering::SeqCst);
                            std::thread::yield_now();
                            current.fetch_sub(1, Ordering::SeqCst);
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert!(peak.load(Ordering::SeqCst) <= 4);
        assert_eq!(limiter.in_flight(), 0);
    }
}
