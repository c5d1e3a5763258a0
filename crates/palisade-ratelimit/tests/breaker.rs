//! `CircuitBreaker` on a fake clock: resilience4j's state machine, self-releasing permits,
//! keyed breakers, and a property test over random outcomes, durations and cancellations.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use palisade_ratelimit::{
    CircuitBreaker, CircuitBreakerBuilder, ErrorClass, ErrorKind, FakeClock, KeyedCircuitBreakers,
    SlidingWindow, State, StateTransition,
};
use proptest::prelude::*;

#[derive(Debug, thiserror::Error)]
#[error("backend said {0}")]
struct BackendError(u16);

fn builder(clock: &FakeClock) -> CircuitBreakerBuilder<FakeClock> {
    CircuitBreaker::builder()
        .sliding_window(SlidingWindow::Count(10))
        .minimum_calls(4)
        .failure_rate_threshold(50.0)
        .wait_in_open(Duration::from_secs(5))
        .half_open_calls(3)
        .clock(clock.clone())
}

fn fail(b: &CircuitBreaker<FakeClock>, n: usize) {
    for _ in 0..n {
        b.try_acquire().unwrap().record_failure();
    }
}

fn succeed(b: &CircuitBreaker<FakeClock>, n: usize) {
    for _ in 0..n {
        b.try_acquire().unwrap().record_success();
    }
}

#[test]
fn opens_at_the_failure_rate_once_the_minimum_calls_are_in() {
    let clock2 = FakeClock::new();
    let b2 = builder(&clock2).build().unwrap();
    succeed(&b2, 2);
    fail(&b2, 1);
    assert_eq!(b2.state(), State::Closed);
    fail(&b2, 1);
    assert_eq!(b2.state(), State::Open, "2 of 4 = 50 % opens");
    let rejected = b2.try_acquire().unwrap_err();
    assert_eq!(rejected.state(), State::Open);
    assert_eq!(rejected.retry_after(), Some(Duration::from_secs(5)));
    clock2.advance(Duration::from_secs(2));
    assert_eq!(
        b2.try_acquire().unwrap_err().retry_after(),
        Some(Duration::from_secs(3))
    );
    assert_eq!(b2.metrics().rejected_calls, 2);
}

#[test]
fn first_breaker_opened_on_its_fourth_call() {
    let clock = FakeClock::new();
    let b = builder(&clock).build().unwrap();
    fail(&b, 3);
    assert_eq!(b.state(), State::Closed, "3 calls < minimum 4");
    succeed(&b, 1);
    assert_eq!(b.state(), State::Open, "3 of 4 failed");
}

#[test]
fn half_open_admits_exactly_n_probes_and_closes_when_they_succeed() {
    let clock = FakeClock::new();
    let b = builder(&clock).build().unwrap();
    fail(&b, 4);
    clock.advance(Duration::from_secs(5));
    let probes: Vec<_> = (0..3).map(|_| b.try_acquire().unwrap()).collect();
    assert_eq!(b.state(), State::HalfOpen);
    assert!(probes.iter().all(|p| p.is_probe()));
    assert_eq!(b.try_acquire().unwrap_err().state(), State::HalfOpen);
    for p in probes {
        p.record_success();
    }
    assert_eq!(b.state(), State::Closed);
    assert_eq!(b.metrics().window_calls, 0, "a fresh window after closing");
}

#[test]
fn a_failed_probe_round_reopens() {
    let clock = FakeClock::new();
    let b = builder(&clock).build().unwrap();
    fail(&b, 4);
    clock.advance(Duration::from_secs(5));
    b.try_acquire().unwrap().record_failure();
    b.try_acquire().unwrap().record_failure();
    assert_eq!(
        b.state(),
        State::HalfOpen,
        "decided only after all 3 probes"
    );
    b.try_acquire().unwrap().record_success();
    assert_eq!(b.state(), State::Open, "2 of 3 failed");
}

#[test]
fn a_cancelled_probe_frees_its_slot() {
    let clock = FakeClock::new();
    let b = builder(&clock).half_open_calls(1).build().unwrap();
    fail(&b, 4);
    clock.advance(Duration::from_secs(5));
    let probe = b.try_acquire().unwrap();
    assert!(b.try_acquire().is_err());
    drop(probe); // e.g. the future running the call was cancelled
    let probe = b.try_acquire().expect("the slot was freed");
    probe.record_success();
    assert_eq!(b.state(), State::Closed);
    assert_eq!(b.metrics().released_calls, 1);
}

#[test]
fn a_hung_probe_is_bounded_by_the_max_wait_in_half_open() {
    let clock = FakeClock::new();
    let b = builder(&clock)
        .half_open_calls(1)
        .max_wait_in_half_open(Duration::from_secs(30))
        .build()
        .unwrap();
    fail(&b, 4);
    clock.advance(Duration::from_secs(5));
    let hung = b.try_acquire().unwrap();
    clock.advance(Duration::from_secs(30));
    let rejected = b.try_acquire().unwrap_err();
    assert_eq!(rejected.state(), State::Open, "reopened after the max wait");
    clock.advance(Duration::from_secs(5));
    let probe = b.try_acquire().expect("a new half-open round");
    // The hung probe's late result belongs to the old round and is not counted.
    hung.record_failure();
    probe.record_success();
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn slow_calls_open_the_breaker() {
    let clock = FakeClock::new();
    let b = builder(&clock)
        .slow_calls(Duration::from_millis(100), 50.0)
        .build()
        .unwrap();
    for i in 0..4 {
        let p = b.try_acquire().unwrap();
        clock.advance(Duration::from_millis(if i % 2 == 0 { 101 } else { 100 }));
        p.record_success();
    }
    assert_eq!(b.state(), State::Open, "2 of 4 longer than 100 ms");
    assert_eq!(b.metrics().slow_calls, 2);
}

#[test]
fn the_classifier_decides_which_errors_count() {
    let clock = FakeClock::new();
    let b = builder(&clock)
        .classify_errors(|e| match e.downcast_ref::<BackendError>() {
            Some(BackendError(404)) => ErrorClass::Success,
            Some(BackendError(499)) => ErrorClass::Ignored,
            _ => ErrorClass::Failure,
        })
        .build()
        .unwrap();
    for _ in 0..10 {
        assert_eq!(
            b.call(|| Err::<(), _>(BackendError(404)))
                .unwrap_err()
                .unwrap()
                .0,
            404
        );
        let _ = b.call(|| Err::<(), _>(BackendError(499)));
    }
    assert_eq!(b.state(), State::Closed);
    let m = b.metrics();
    assert_eq!((m.successful_calls, m.failed_calls), (10, 0));
    fail(&b, 4);
    assert_eq!(b.state(), State::Closed, "4 of 10");
    fail(&b, 1);
    assert_eq!(b.state(), State::Open, "5 of 10");
    assert!(b.call(|| Ok::<_, BackendError>(())).unwrap_err().is_none());
}

#[test]
fn time_window_forgets_old_failures() {
    let clock = FakeClock::new();
    let b = builder(&clock)
        .sliding_window(SlidingWindow::Seconds(10))
        .build()
        .unwrap();
    fail(&b, 3);
    clock.advance(Duration::from_secs(11));
    succeed(&b, 1);
    fail(&b, 1);
    assert_eq!(b.state(), State::Closed, "only 2 calls in the last 10 s");
    succeed(&b, 1);
    fail(&b, 1);
    assert_eq!(b.state(), State::Open, "2 of 4 in the window");
}

#[test]
fn forced_open_disabled_and_listeners() {
    let clock = FakeClock::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let b = builder(&clock)
        .on_state_change(move |t| log.lock().unwrap().push(*t))
        .build()
        .unwrap();
    b.force_open();
    assert_eq!(b.try_acquire().unwrap_err().retry_after(), None);
    clock.advance(Duration::from_secs(3600));
    assert!(b.try_acquire().is_err(), "forced open never probes");
    b.disable();
    fail(&b, 100);
    assert_eq!(b.state(), State::Disabled);
    b.reset();
    fail(&b, 4);
    clock.advance(Duration::from_secs(5));
    succeed(&b, 3);
    let t = |from, to| StateTransition { from, to };
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            t(State::Closed, State::ForcedOpen),
            t(State::ForcedOpen, State::Disabled),
            t(State::Disabled, State::Closed),
            t(State::Closed, State::Open),
            t(State::Open, State::HalfOpen),
            t(State::HalfOpen, State::Closed),
        ]
    );
}

#[test]
fn results_of_calls_admitted_before_opening_are_not_probes() {
    let clock = FakeClock::new();
    let b = builder(&clock).half_open_calls(1).build().unwrap();
    let late = b.try_acquire_owned().unwrap();
    fail(&b, 4);
    clock.advance(Duration::from_secs(5));
    let probe = b.try_acquire().unwrap();
    late.record_success(); // admitted while closed: says nothing about half-open
    assert_eq!(b.state(), State::HalfOpen);
    probe.record_failure();
    assert_eq!(b.state(), State::Open);
}

#[test]
fn invalid_configurations_are_rejected() {
    for b in [
        CircuitBreaker::builder().failure_rate_threshold(0.0),
        CircuitBreaker::builder().failure_rate_threshold(100.5),
        CircuitBreaker::builder().failure_rate_threshold(f32::NAN),
        CircuitBreaker::builder().sliding_window(SlidingWindow::Count(0)),
        CircuitBreaker::builder().half_open_calls(0),
        CircuitBreaker::builder().minimum_calls(0),
        CircuitBreaker::builder().max_wait_in_half_open(Duration::ZERO),
    ] {
        assert_eq!(b.build().unwrap_err().kind(), ErrorKind::InvalidConfig);
    }
}

#[test]
fn keyed_breakers_are_bounded_and_never_forget_an_open_one() {
    let clock = FakeClock::new();
    let opened = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&opened);
    let keyed = KeyedCircuitBreakers::new(builder(&clock), 2)
        .unwrap()
        .on_state_change(move |k: &&str, t| {
            if t.to == State::Open {
                log.lock().unwrap().push(*k);
            }
        });
    let a = keyed.get(&"a").unwrap();
    fail(&a, 4);
    assert_eq!(*opened.lock().unwrap(), vec!["a"]);
    keyed.get(&"b").unwrap();
    keyed.get(&"c").unwrap(); // evicts closed "b", not open "a"
    assert_eq!(keyed.len(), 2);
    assert!(keyed.peek(&"b").is_none());
    assert_eq!(keyed.get(&"a").unwrap().state(), State::Open);
    fail(&keyed.get(&"c").unwrap(), 4);
    let err = keyed.get(&"d").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooManyKeys);
}

#[derive(Debug, Clone)]
enum Op {
    Acquire,
    Finish {
        index: usize,
        failed: bool,
        millis: u64,
    },
    Ignore {
        index: usize,
    },
    Cancel {
        index: usize,
    },
    Advance {
        millis: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Acquire),
        4 => (any::<usize>(), any::<bool>(), 0u64..400).prop_map(|(index, failed, millis)| Op::Finish { index, failed, millis }),
        1 => any::<usize>().prop_map(|index| Op::Ignore { index }),
        2 => any::<usize>().prop_map(|index| Op::Cancel { index }),
        2 => (0u64..3000).prop_map(|millis| Op::Advance { millis }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Random outcomes, durations and cancellations: the breaker never admits more than N
    /// probes per half-open round, never gets stuck half-open, and every round that gets N
    /// results ends.
    #[test]
    fn half_open_is_never_stuck_and_admits_exactly_n(
        n in 1u32..4, ops in proptest::collection::vec(op(), 1..200),
    ) {
        let clock = FakeClock::new();
        let round = Arc::new(Mutex::new(0u64));
        let r = Arc::clone(&round);
        let b = CircuitBreaker::builder()
            .sliding_window(SlidingWindow::Count(5))
            .minimum_calls(2)
            .slow_calls(Duration::from_millis(300), 80.0)
            .wait_in_open(Duration::from_secs(1))
            .half_open_calls(n)
            .classify_errors(|_| ErrorClass::Ignored)
            .on_state_change(move |t| if t.to == State::HalfOpen { *r.lock().unwrap() += 1 })
            .clock(clock.clone())
            .build().unwrap();
        // Live permits with the half-open round that admitted them (if a probe).
        let mut live: Vec<(palisade_ratelimit::OwnedCallPermit<FakeClock>, Option<u64>)> = Vec::new();
        // Per round: probes admitted, freed (cancelled or ignored), reported.
        let mut admitted = std::collections::HashMap::<u64, (u32, u32, u32)>::new();
        for op in ops {
            match op {
                Op::Acquire => {
                    let before = b.metrics();
                    match b.try_acquire_owned() {
                        Ok(p) => {
                            let r = p.is_probe().then(|| *round.lock().unwrap());
                            if let Some(r) = r { admitted.entry(r).or_default().0 += 1; }
                            live.push((p, r));
                        }
                        Err(e) => {
                            // Never stuck: a rejection in half-open means all N slots are
                            // taken by live or reported probes.
                            if e.state() == State::HalfOpen {
                                prop_assert!(before.state == Some(State::HalfOpen));
                                prop_assert_eq!(before.probes_in_flight + before.window_calls, n);
                            }
                        }
                    }
                }
                Op::Finish { index, failed, millis } if !live.is_empty() => {
                    let (p, r) = live.remove(index % live.len());
                    clock.advance(Duration::from_millis(millis));
                    if let Some(r) = r { admitted.entry(r).or_default().2 += 1; }
                    if failed { p.record_failure() } else { p.record_success() }
                }
                Op::Ignore { index } if !live.is_empty() => {
                    let (p, r) = live.remove(index % live.len());
                    if let Some(r) = r { admitted.entry(r).or_default().1 += 1; }
                    p.record_error(&BackendError(500));
                }
                Op::Cancel { index } if !live.is_empty() => {
                    let (p, r) = live.remove(index % live.len());
                    if let Some(r) = r { admitted.entry(r).or_default().1 += 1; }
                    drop(p);
                }
                Op::Advance { millis } => clock.advance(Duration::from_millis(millis)),
                _ => {}
            }
            let m = b.metrics();
            if m.state == Some(State::HalfOpen) {
                prop_assert!(m.probes_in_flight + m.window_calls <= n, "{m:?}");
                prop_assert!(m.window_calls < n, "a round with N results must end: {m:?}");
            }
            for (&r, &(taken, freed, reported)) in &admitted {
                prop_assert!(taken - freed <= n, "round {r}: {taken} admitted, {freed} freed");
                prop_assert!(reported <= n, "round {r}: {reported} reported");
            }
        }
        // Drop every live permit: if half-open, the breaker must admit a probe again.
        live.clear();
        if b.state() == State::HalfOpen {
            prop_assert!(b.try_acquire().is_ok(), "stuck half-open: {:?}", b.metrics());
        }
    }
}

#[test]
fn successes_into_a_full_window_of_successes_change_nothing_but_the_count() {
    // Those successes take a lock-free path; the window must behave exactly as if recorded.
    let clock = FakeClock::new();
    let b = builder(&clock)
        .sliding_window(SlidingWindow::Count(4))
        .slow_calls(Duration::from_millis(100), 50.0)
        .build()
        .unwrap();
    succeed(&b, 4);
    succeed(&b, 100);
    let m = b.metrics();
    assert_eq!((m.window_calls, m.window_failed_calls), (4, 0));
    assert_eq!(m.successful_calls, 104);
    fail(&b, 1);
    assert_eq!(b.state(), State::Closed, "1 of 4");
    succeed(&b, 2); // the failure is still in the window
    assert_eq!(b.metrics().window_failed_calls, 1);
    fail(&b, 1);
    assert_eq!(b.state(), State::Open, "2 of the last 4");

    // A slow success is never taken for a fast one.
    let b = builder(&clock)
        .sliding_window(SlidingWindow::Count(4))
        .slow_calls(Duration::from_millis(100), 50.0)
        .build()
        .unwrap();
    succeed(&b, 10);
    for _ in 0..2 {
        let p = b.try_acquire().unwrap();
        clock.advance(Duration::from_millis(150));
        p.record_success();
    }
    assert_eq!(b.state(), State::Open, "2 slow of the last 4");
}
