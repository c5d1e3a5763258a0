//! The generic cell rate algorithm on one theoretical arrival time (TAT), in nanoseconds on
//! the limiter's clock. The same algorithm as governor, kept as plain values so a combined
//! check can compute every limit's outcome first and commit only when all of them admit.

use crate::quota::Quota;

/// The outcome of testing `cost` cells against one GCRA state, without committing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Test {
    /// Admitted: the new TAT to store and the burst left after the admission.
    Admit { new_tat: u64, remaining: u32 },
    /// Not admitted now: retry no sooner than `wait_ns` from now; `remaining` cells are
    /// available at this instant.
    Wait { wait_ns: u64, remaining: u32 },
    /// The cost exceeds the burst, so this request can never pass; `remaining` cells are
    /// available at this instant.
    Never { remaining: u32 },
}

/// Tests `cost` cells at time `now` against a state whose TAT is `tat`.
#[inline]
pub(crate) fn test(tat: u64, now: u64, quota: &Quota, cost: u32) -> Test {
    let interval = quota.interval_ns();
    let capacity = quota.capacity_ns();
    let base = tat.max(now);
    if cost > quota.burst() {
        let left = now.saturating_add(capacity).saturating_sub(base) / interval;
        return Test::Never {
            remaining: u32::try_from(left).unwrap_or(u32::MAX),
        };
    }
    let new_tat = base.saturating_add(interval.saturating_mul(u64::from(cost)));
    // Admit when the new TAT is at most `capacity` ahead of now.
    let allow_at = new_tat.saturating_sub(capacity);
    if now >= allow_at {
        let left = now.saturating_add(capacity).saturating_sub(new_tat) / interval;
        Test::Admit {
            new_tat,
            remaining: u32::try_from(left).unwrap_or(u32::MAX),
        }
    } else {
        let left = now.saturating_add(capacity).saturating_sub(base) / interval;
        Test::Wait {
            wait_ns: allow_at - now,
            remaining: u32::try_from(left).unwrap_or(u32::MAX),
        }
    }
}

/// True when a state with this TAT is indistinguishable from a fresh one (full burst), so it
/// can be forgotten without changing any decision.
#[inline]
pub(crate) fn is_idle(tat: u64, now: u64) -> bool {
    tat <= now
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroU32;

    fn quota(per_sec: u32, burst: u32) -> Quota {
        Quota::per_second(NonZeroU32::new(per_sec).unwrap())
            .with_burst(NonZeroU32::new(burst).unwrap())
    }

    #[test]
    fn burst_then_one_per_interval() {
        let q = quota(10, 3); // 100 ms interval
        let mut tat = 0;
        for left in [2, 1, 0] {
            match test(tat, 0, &q, 1) {
                Test::Admit { new_tat, remaining } => {
                    assert_eq!(remaining, left);
                    tat = new_tat;
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            test(tat, 0, &q, 1),
            Test::Wait {
                wait_ns: 100_000_000,
                remaining: 0
            }
        );
        assert!(matches!(test(tat, 100_000_000, &q, 1), Test::Admit { .. }));
        assert_eq!(test(tat, 0, &q, 4), Test::Never { remaining: 0 });
        assert_eq!(test(0, 0, &q, 4), Test::Never { remaining: 3 });
    }
}
