//! Criterion benches: our hot paths against their baselines in the same run.
//!
//! - `check_key`: `RateLimiter::check_key` (per-key quota only, and global + per-key) vs
//!   governor's keyed `check_key` (DashMap store, default quanta clock) on the same keys.
//! - `breaker`: one uncontended acquire + record-success vs `recloser` and `failsafe`
//!   guarding the same trivial call.
#![allow(clippy::unwrap_used, missing_docs, reason = "bench harness")]

use std::hint::black_box;
use std::num::NonZeroU32;

use criterion::{Criterion, criterion_group, criterion_main};
use palisade_ratelimit::{CircuitBreaker, RateLimiter};

const KEYS: u64 = 10_000;

fn check_key(c: &mut Criterion) {
    let mut group = c.benchmark_group("check_key");
    // Every check is admitted (the common path) and every key stays tracked: 1/s with a
    // burst of 10^9, so each key's theoretical arrival time runs ahead of now and never
    // becomes idle during the run (an idle key is forgotten when a new key needs room,
    // which would turn checks into insertions).
    let burst = NonZeroU32::new(1_000_000_000).unwrap();
    let per_key = palisade_ratelimit::Quota::per_second(NonZeroU32::MIN).with_burst(burst);

    let ours = RateLimiter::<u64>::builder()
        .per_key(per_key)
        .max_keys(KEYS as usize * 2)
        .build()
        .unwrap();
    let mut key = 0u64;
    group.bench_function("ours_per_key", |b| {
        b.iter(|| {
            key = (key + 1) % KEYS;
            black_box(ours.check_key(black_box(&key)).is_allowed())
        })
    });

    let combined = RateLimiter::<u64>::builder()
        .global(per_key)
        .per_key(per_key)
        .max_keys(KEYS as usize * 2)
        .build()
        .unwrap();
    group.bench_function("ours_global_and_key", |b| {
        b.iter(|| {
            key = (key + 1) % KEYS;
            black_box(combined.check_key(black_box(&key)).is_allowed())
        })
    });

    let governor = governor::RateLimiter::<u64, _, _>::dashmap(
        governor::Quota::per_second(NonZeroU32::MIN).allow_burst(burst),
    );
    group.bench_function("governor_keyed", |b| {
        b.iter(|| {
            key = (key + 1) % KEYS;
            black_box(governor.check_key(black_box(&key)).is_ok())
        })
    });
    group.finish();
}

fn breaker(c: &mut Criterion) {
    let mut group = c.benchmark_group("breaker");
    let ours = CircuitBreaker::builder().build().unwrap();
    group.bench_function("ours_acquire_record", |b| {
        b.iter(|| {
            let permit = ours.try_acquire().unwrap();
            black_box(());
            permit.record_success();
        })
    });
    group.bench_function("ours_call", |b| {
        b.iter(|| {
            black_box(
                ours.call(|| Ok::<_, std::io::Error>(black_box(1u32)))
                    .is_ok(),
            )
        })
    });

    let recloser = recloser::Recloser::default();
    group.bench_function("recloser_call", |b| {
        b.iter(|| black_box(recloser.call(|| Ok::<_, ()>(black_box(1u32))).is_ok()))
    });

    let failsafe = failsafe::Config::new().build();
    group.bench_function("failsafe_call", |b| {
        use failsafe::CircuitBreaker as _;
        b.iter(|| black_box(failsafe.call(|| Ok::<_, ()>(black_box(1u32))).is_ok()))
    });
    group.finish();
}

criterion_group!(benches, check_key, breaker);
criterion_main!(benches);
