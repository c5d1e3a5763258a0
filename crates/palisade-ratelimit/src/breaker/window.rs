//! Sliding windows of call outcomes: the last N calls, or the calls of the last N seconds
//! (resilience4j's COUNT_BASED and TIME_BASED windows).

/// Outcome flags of one call.
pub(crate) const FAILED: u8 = 1;
pub(crate) const SLOW: u8 = 2;

/// Aggregated outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    pub calls: u32,
    pub failed: u32,
    pub slow: u32,
    pub slow_failed: u32,
}

impl Totals {
    pub fn add(&mut self, flags: u8) {
        self.calls = self.calls.saturating_add(1);
        if flags & FAILED != 0 {
            self.failed = self.failed.saturating_add(1);
        }
        if flags & SLOW != 0 {
            self.slow = self.slow.saturating_add(1);
            if flags & FAILED != 0 {
                self.slow_failed = self.slow_failed.saturating_add(1);
            }
        }
    }

    fn subtract(&mut self, other: &Totals) {
        self.calls = self.calls.saturating_sub(other.calls);
        self.failed = self.failed.saturating_sub(other.failed);
        self.slow = self.slow.saturating_sub(other.slow);
        self.slow_failed = self.slow_failed.saturating_sub(other.slow_failed);
    }

    fn subtract_flags(&mut self, flags: u8) {
        let mut one = Totals::default();
        one.add(flags);
        self.subtract(&one);
    }

    /// Failure and slow-call rates in percent, `None` when there are no calls.
    pub fn rates(&self) -> Option<(f32, f32)> {
        (self.calls > 0).then(|| {
            let calls = self.calls as f32;
            (
                self.failed as f32 * 100.0 / calls,
                self.slow as f32 * 100.0 / calls,
            )
        })
    }
}

/// The last `size` calls, in a ring.
#[derive(Debug)]
pub(crate) struct CountWindow {
    ring: Box<[u8]>,
    next: usize,
    len: usize,
    totals: Totals,
}

impl CountWindow {
    pub fn new(size: usize) -> Self {
        Self {
            ring: vec![0; size.max(1)].into_boxed_slice(),
            next: 0,
            len: 0,
            totals: Totals::default(),
        }
    }

    pub fn record(&mut self, flags: u8) {
        let size = self.ring.len();
        if let Some(slot) = self.ring.get_mut(self.next) {
            if self.len == size {
                let old = *slot;
                self.totals.subtract_flags(old);
            } else {
                self.len += 1;
            }
            *slot = flags;
            self.totals.add(flags);
        }
        self.next = (self.next + 1) % size;
    }

    pub fn totals(&self) -> Totals {
        self.totals
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    second: u64,
    totals: Totals,
}

/// The calls of the last `size` whole seconds, one bucket per second.
#[derive(Debug)]
pub(crate) struct TimeWindow {
    buckets: Box<[Bucket]>,
    head: u64,
    totals: Totals,
}

impl TimeWindow {
    pub fn new(seconds: usize, now_ns: u64) -> Self {
        let head = now_ns / 1_000_000_000;
        let mut buckets = vec![Bucket::default(); seconds.max(1)].into_boxed_slice();
        let len = buckets.len() as u64;
        if let Some(b) = buckets.get_mut((head % len) as usize) {
            b.second = head;
        }
        Self {
            buckets,
            head,
            totals: Totals::default(),
        }
    }

    /// Moves the window's head to `second`, dropping buckets that fell out (at most one pass
    /// over the ring, however long the gap).
    fn advance(&mut self, second: u64) {
        if second <= self.head {
            return;
        }
        let len = self.buckets.len() as u64;
        let first = second.saturating_sub(len - 1).max(self.head + 1);
        for s in first..=second {
            if let Some(b) = self.buckets.get_mut((s % len) as usize) {
                self.totals.subtract(&b.totals);
                *b = Bucket {
                    second: s,
                    totals: Totals::default(),
                };
            }
        }
        self.head = second;
    }

    pub fn record(&mut self, now_ns: u64, flags: u8) {
        let second = now_ns / 1_000_000_000;
        self.advance(second);
        let len = self.buckets.len() as u64;
        // A reading older than the head (a clock that lags) lands in the head's bucket.
        let second = second.max(self.head);
        if let Some(b) = self.buckets.get_mut((second % len) as usize) {
            b.totals.add(flags);
            self.totals.add(flags);
        }
    }

    pub fn totals(&mut self, now_ns: u64) -> Totals {
        self.advance(now_ns / 1_000_000_000);
        self.totals
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_window_keeps_the_last_n() {
        let mut w = CountWindow::new(3);
        for f in [FAILED, FAILED, 0, 0] {
            w.record(f);
        }
        assert_eq!(w.totals().calls, 3);
        assert_eq!(w.totals().failed, 1);
        w.record(SLOW | FAILED);
        assert_eq!(
            w.totals(),
            Totals {
                calls: 3,
                failed: 1,
                slow: 1,
                slow_failed: 1
            }
        );
    }

    #[test]
    fn time_window_forgets_old_seconds() {
        let s = 1_000_000_000;
        let mut w = TimeWindow::new(2, 0);
        w.record(0, FAILED);
        w.record(s, 0);
        assert_eq!(w.totals(s).calls, 2);
        assert_eq!(w.totals(2 * s).calls, 1);
        assert_eq!(w.totals(2 * s).failed, 0);
        assert_eq!(w.totals(100 * s).calls, 0);
        w.record(100 * s, FAILED);
        assert_eq!(w.totals(100 * s + 1).failed, 1);
    }
}
