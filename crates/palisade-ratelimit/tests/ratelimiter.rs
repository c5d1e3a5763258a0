//! `RateLimiter` on a fake clock: combined global + per-key limits, no spending on denial,
//! equivalence with governor, bounds over every window, key table policies.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use palisade_ratelimit::{Denial, FakeClock, Mode, Quota, RateLimiter, WhenFull};
use proptest::prelude::*;

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

fn quota(s: &str) -> Quota {
    s.parse().unwrap()
}

fn limiter(
    global: Option<&str>,
    per_key: Option<&str>,
) -> (RateLimiter<u32, FakeClock>, FakeClock) {
    let clock = FakeClock::new();
    let mut builder = RateLimiter::builder().clock(clock.clone());
    if let Some(g) = global {
        builder = builder.global(quota(g));
    }
    if let Some(k) = per_key {
        builder = builder.per_key(quota(k));
    }
    (builder.build().unwrap(), clock)
}

#[test]
fn a_key_denial_does_not_spend_the_global_quota() {
    let (limiter, _clock) = limiter(Some("3/s"), Some("1/s"));
    assert!(limiter.check_key(&1).is_allowed());
    for _ in 0..100 {
        assert_eq!(limiter.check_key(&1).denial(), Some(Denial::Key));
    }
    // Global burst 3, one spent: exactly two more, by other keys.
    assert!(limiter.check_key(&2).is_allowed());
    assert!(limiter.check_key(&3).is_allowed());
    let d = limiter.check_key(&4);
    assert_eq!(d.denial(), Some(Denial::Global));
    assert_eq!(d.retry_after(), Some(Duration::from_nanos(333_333_333)));
}

#[test]
fn a_global_denial_does_not_spend_the_key_quota() {
    let (limiter, clock) = limiter(Some("1/s"), Some("2/s"));
    assert!(limiter.check_key(&1).is_allowed()); // global now empty
    for _ in 0..100 {
        assert_eq!(limiter.check_key(&2).denial(), Some(Denial::Global));
    }
    clock.advance(Duration::from_secs(1));
    // Key 2 still has its full burst of 2 (spent nothing while globally denied); global
    // has 1.
    let d = limiter.check_key(&2);
    assert!(d.is_allowed());
    assert_eq!(d.remaining_burst(), 0, "min(global 0, key 1)");
    limiter.set_global_quota(None);
    let d = limiter.check_key(&2);
    assert!(d.is_allowed(), "key 2 had two cells");
    assert_eq!(limiter.check_key(&2).denial(), Some(Denial::Key));
}

#[test]
fn cost_weighted_checks_and_impossible_costs() {
    let (limiter, clock) = limiter(None, Some("10/s"));
    let d = limiter.check_n(&7, nz(6));
    assert!(d.is_allowed());
    assert_eq!(d.remaining_burst(), 4);
    let d = limiter.check_n(&7, nz(6));
    assert_eq!(d.denial(), Some(Denial::Key));
    assert_eq!(d.retry_after(), Some(Duration::from_millis(200)));
    assert_eq!(d.remaining_burst(), 4);
    let d = limiter.check_n(&7, nz(11));
    assert_eq!(d.denial(), Some(Denial::CostExceedsBurst));
    assert_eq!(d.retry_after(), None);
    assert_eq!(
        d.remaining_burst(),
        4,
        "what is left, even though this cost never fits"
    );
    clock.advance(Duration::from_millis(200));
    assert!(limiter.check_n(&7, nz(6)).is_allowed());
}

#[test]
fn overrides_give_one_key_a_bigger_quota_and_change_at_run_time() {
    let clock = FakeClock::new();
    let limiter = RateLimiter::builder()
        .per_key(quota("1/s"))
        .key_quota("big".to_string(), quota("5/s"))
        .clock(clock.clone())
        .build()
        .unwrap();
    let admitted = |k: &str| {
        (0..10)
            .filter(|_| limiter.check_key(&k.to_string()).is_allowed())
            .count()
    };
    assert_eq!(admitted("big"), 5);
    assert_eq!(admitted("small"), 1);
    clock.advance(Duration::from_secs(10));
    limiter.set_per_key_quota(Some(quota("3/s")));
    limiter.set_key_quota("big".to_string(), None).unwrap();
    assert_eq!(admitted("big"), 3);
    assert_eq!(admitted("small"), 3);
    clock.advance(Duration::from_secs(10));
    limiter.set_per_key_quota(None);
    assert_eq!(admitted("small"), 10, "no per-key limit any more");
    assert_eq!(
        limiter.tracked_keys(),
        1,
        "`big` is dropped at its next request"
    );
    assert_eq!(admitted("big"), 10);
    assert_eq!(limiter.tracked_keys(), 0, "unlimited keys are not tracked");

    // An override set on a key that is already tracked applies from its next request.
    limiter.set_per_key_quota(Some(quota("1/s")));
    clock.advance(Duration::from_secs(10));
    assert_eq!(admitted("tracked"), 1);
    limiter
        .set_key_quota("tracked".to_string(), Some(quota("4/s")))
        .unwrap();
    assert_eq!(
        limiter.key_quota(&"tracked".to_string()),
        Some(quota("4/s"))
    );
    clock.advance(Duration::from_secs(1));
    assert_eq!(admitted("tracked"), 4);
}

#[test]
fn dry_run_reports_but_allows_and_spends_nothing_on_would_be_denials() {
    let (limiter, _clock) = limiter(Some("2/s"), None);
    limiter.set_mode(Mode::DryRun);
    let decisions: Vec<_> = (0..5).map(|k| limiter.check_key(&k)).collect();
    assert!(decisions.iter().all(|d| d.is_allowed()));
    assert_eq!(
        decisions.iter().filter(|d| d.is_dry_run_denial()).count(),
        3
    );
    assert_eq!(decisions[4].denial(), Some(Denial::Global));
    let m = limiter.metrics();
    assert_eq!((m.allowed, m.denied, m.would_deny), (2, 0, 3));
    limiter.set_mode(Mode::Enforce);
    assert!(!limiter.check_key(&9).is_allowed());
}

#[test]
fn keys_are_created_only_after_the_hook_accepts_them() {
    let limiter = RateLimiter::builder()
        .global(quota("100/s"))
        .per_key(quota("10/s"))
        .validate_keys(|k: &String| k.starts_with("tenant-"))
        .clock(FakeClock::new())
        .build()
        .unwrap();
    let d = limiter.check_key(&"evil".to_string());
    assert!(!d.is_allowed());
    assert_eq!(d.denial(), Some(Denial::KeyRejected));
    assert_eq!(limiter.tracked_keys(), 0);
    assert!(limiter.check_key(&"tenant-a".to_string()).is_allowed());
    assert_eq!(limiter.tracked_keys(), 1);
    // A rejected key spent no global cell: 99 left.
    let admitted = (0..200)
        .filter(|i| limiter.check_key(&format!("tenant-{i}")).is_allowed())
        .count();
    assert_eq!(admitted, 99);
    assert_eq!(limiter.metrics().rejected_keys, 1);
}

#[test]
fn the_key_table_is_bounded_and_forgets_idle_keys_first() {
    let clock = FakeClock::new();
    let limiter = RateLimiter::builder()
        .per_key(quota("1/s"))
        .max_keys(64)
        .clock(clock.clone())
        .build()
        .unwrap();
    assert!(limiter.max_keys() <= 64);
    for k in 0..1000u32 {
        assert!(limiter.check_key(&k).is_allowed());
        assert!(limiter.tracked_keys() <= 64);
    }
    let m = limiter.metrics();
    assert!(m.evicted_active > 0, "{m:?}");
    clock.advance(Duration::from_secs(2));
    assert_eq!(limiter.prune(), limiter.max_keys().min(64));
    assert_eq!(limiter.tracked_keys(), 0);
}

#[test]
fn deny_new_keys_keeps_limits_of_active_keys() {
    let clock = FakeClock::new();
    let limiter = RateLimiter::builder()
        .per_key(quota("1/s"))
        .max_keys(1)
        .when_full(WhenFull::DenyNewKeys)
        .clock(clock.clone())
        .build()
        .unwrap();
    assert!(limiter.check_key(&1).is_allowed());
    assert_eq!(limiter.check_key(&2).denial(), Some(Denial::KeyTableFull));
    assert_eq!(limiter.check_key(&1).denial(), Some(Denial::Key));
    clock.advance(Duration::from_secs(1));
    // Key 1 is idle now: it is forgotten to make room.
    assert!(limiter.check_key(&2).is_allowed());
    assert_eq!(limiter.tracked_keys(), 1);
}

#[test]
fn builder_rejects_useless_configurations() {
    let err = RateLimiter::<u32>::builder().build().unwrap_err();
    assert_eq!(err.kind(), palisade_ratelimit::ErrorKind::InvalidConfig);
    let err = RateLimiter::<u32>::builder()
        .global(quota("1/s"))
        .max_keys(0)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("max_keys"), "{err}");
}

#[test]
fn concurrent_checks_admit_exactly_the_bursts_and_spend_nothing_on_denials() {
    // Time stands still: exactly the bursts can pass, whatever the interleaving.
    let (limiter, _clock) = limiter(Some("1000/h"), Some("10/h"));
    let limiter = Arc::new(limiter);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let limiter = Arc::clone(&limiter);
            std::thread::spawn(move || {
                let mut admitted = vec![0u32; 50];
                for round in 0..40u32 {
                    for key in 0..50u32 {
                        let key = (key + t * 7 + round) % 50;
                        if limiter.check_key(&key).is_allowed() {
                            admitted[key as usize] += 1;
                        }
                    }
                }
                admitted
            })
        })
        .collect();
    let mut per_key = vec![0u32; 50];
    for t in threads {
        for (total, n) in per_key.iter_mut().zip(t.join().unwrap()) {
            *total += n;
        }
    }
    assert!(per_key.iter().all(|&n| n == 10), "{per_key:?}");
    // 500 global cells spent; thousands of key denials spent none: exactly 500 remain.
    let fresh = (1000..2000u32)
        .filter(|k| limiter.check_key(k).is_allowed())
        .count();
    assert_eq!(fresh, 500);
}

/// One arrival: time step in ms, key, cost.
fn arrivals() -> impl Strategy<Value = Vec<(u64, u32, u32)>> {
    proptest::collection::vec((0u64..300, 0u32..4, 1u32..4), 1..150)
}

fn quota_strategy() -> impl Strategy<Value = Quota> {
    (1u32..20, 1u64..3000, 1u32..8).prop_map(|(count, period_ms, burst)| {
        Quota::per(nz(count), Duration::from_millis(period_ms))
            .unwrap()
            .with_burst(nz(burst))
    })
}

/// Max cells GCRA may admit in a window of `span` ns: burst + span / interval.
fn bound(q: &Quota, span: u64) -> u64 {
    u64::from(q.burst()) + span / q.replenish_interval().as_nanos() as u64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Over every window of arrival times, admitted cells stay within burst + rate × time,
    /// for the global quota and for each key.
    #[test]
    fn admitted_cells_never_exceed_burst_plus_rate_times_time(
        global in quota_strategy(), per_key in quota_strategy(), arrivals in arrivals(),
    ) {
        let clock = FakeClock::new();
        let limiter = RateLimiter::builder().global(global).per_key(per_key)
            .clock(clock.clone()).build().unwrap();
        let mut admitted = Vec::new(); // (t, key, cost)
        let mut t = 0u64;
        for (step, key, cost) in arrivals {
            clock.advance(Duration::from_millis(step));
            t += step * 1_000_000;
            let d = limiter.check_n(&key, nz(cost));
            if d.is_allowed() {
                prop_assert!(d.denial().is_none());
                admitted.push((t, key, u64::from(cost)));
            } else if let Some(wait) = d.retry_after() {
                prop_assert!(wait > Duration::ZERO);
            }
        }
        for (i, &(start, _, _)) in admitted.iter().enumerate() {
            let mut global_cells = 0;
            let mut key_cells = [0u64; 4];
            for &(end, key, cost) in &admitted[i..] {
                global_cells += cost;
                key_cells[key as usize] += cost;
                let span = end - start;
                prop_assert!(global_cells <= bound(&global, span),
                    "global: {global_cells} cells in {span} ns under {global}");
                prop_assert!(key_cells[key as usize] <= bound(&per_key, span),
                    "key {key}: {} cells in {span} ns under {per_key}", key_cells[key as usize]);
            }
        }
    }

    /// On a single key, our decisions and retry times equal governor's.
    #[test]
    fn decisions_equal_governors(q in quota_strategy(), arrivals in arrivals()) {
        let clock = FakeClock::new();
        let ours = RateLimiter::builder().per_key(q).clock(clock.clone()).build().unwrap();
        let gov_clock = governor::clock::FakeRelativeClock::default();
        let gov_quota = governor::Quota::with_period(q.replenish_interval()).unwrap()
            .allow_burst(nz(q.burst()));
        let theirs = governor::RateLimiter::dashmap_with_clock(gov_quota, gov_clock.clone());
        for (step, key, cost) in arrivals {
            clock.advance(Duration::from_millis(step));
            gov_clock.advance(Duration::from_millis(step));
            let d = ours.check_n(&key, nz(cost));
            match theirs.check_key_n(&key, nz(cost)) {
                Ok(Ok(())) => prop_assert!(d.is_allowed(), "{d:?}"),
                Ok(Err(not_until)) => {
                    prop_assert_eq!(d.denial(), Some(Denial::Key));
                    use governor::clock::Clock as _;
                    prop_assert_eq!(d.retry_after(), Some(not_until.wait_time_from(gov_clock.now())));
                }
                Err(_) => prop_assert_eq!(d.denial(), Some(Denial::CostExceedsBurst)),
            }
        }
    }
}
