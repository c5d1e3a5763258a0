//! [`CircuitBreaker`]: stop calling what keeps failing, with resilience4j's semantics.
//!
//! Closed: calls pass and their outcomes fill a sliding window; once it holds at least
//! `minimum_calls`, a failure rate or slow-call rate at or above its threshold opens the
//! breaker. Open: calls are rejected for `wait_in_open`, then the next call finds it
//! half-open. Half-open: exactly `half_open_calls` probes are admitted; when all have
//! reported, their rates close or reopen it. A probe whose permit is dropped without a
//! result (a cancelled future, an ignored error) frees its slot, and `max_wait_in_half_open`
//! reopens a breaker whose probes never finish, so it can't stay half-open forever.

pub(crate) mod keyed;
mod window;

use std::error::Error as StdError;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use crate::clock::{Clock, CoarseMonotonicClock, nanos};
use crate::error::{Error, ErrorKind};
use window::{CountWindow, FAILED, SLOW, TimeWindow, Totals};

/// A breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum State {
    /// Calls pass; outcomes are recorded.
    Closed,
    /// Calls are rejected until the wait in open has passed.
    Open,
    /// A fixed number of probe calls pass; their outcomes decide.
    HalfOpen,
    /// Calls pass and nothing is recorded, until another state is set by hand.
    Disabled,
    /// Calls are rejected until another state is set by hand.
    ForcedOpen,
}

impl State {
    /// A stable snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            State::Closed => "closed",
            State::Open => "open",
            State::HalfOpen => "half_open",
            State::Disabled => "disabled",
            State::ForcedOpen => "forced_open",
        }
    }

    fn code(self) -> u64 {
        match self {
            State::Closed => 0,
            State::Open => 1,
            State::HalfOpen => 2,
            State::Disabled => 3,
            State::ForcedOpen => 4,
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which recent calls the failure and slow-call rates are computed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum SlidingWindow {
    /// The last N calls.
    Count(u32),
    /// The calls of the last N seconds (one bucket per second).
    Seconds(u32),
}

/// A breaker's settings. Defaults are resilience4j's.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
#[non_exhaustive]
pub struct BreakerConfig {
    /// The window rates are computed over (default: the last 100 calls).
    pub sliding_window: SlidingWindow,
    /// Rates are not computed before the window holds this many calls (default 100; for a
    /// count window, at most its size).
    pub minimum_calls: u32,
    /// Failure rate in percent, in (0, 100], at or above which the breaker opens (default 50).
    pub failure_rate_threshold: f32,
    /// A call longer than this is slow (default 60 s).
    pub slow_call_duration: Duration,
    /// Slow-call rate in percent, in (0, 100], at or above which the breaker opens
    /// (default 100).
    pub slow_call_rate_threshold: f32,
    /// How long the breaker stays open before probing (default 60 s).
    pub wait_in_open: Duration,
    /// Exactly this many probes are admitted in half-open (default 10).
    pub half_open_calls: u32,
    /// The longest the breaker stays half-open before reopening, if set (default: unset,
    /// as resilience4j; set it when probes might hang rather than fail or be dropped).
    pub max_wait_in_half_open: Option<Duration>,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            sliding_window: SlidingWindow::Count(100),
            minimum_calls: 100,
            failure_rate_threshold: 50.0,
            slow_call_duration: Duration::from_secs(60),
            slow_call_rate_threshold: 100.0,
            wait_in_open: Duration::from_secs(60),
            half_open_calls: 10,
            max_wait_in_half_open: None,
        }
    }
}

impl BreakerConfig {
    fn validate(&self) -> Result<(), Error> {
        let bad = |what: String| Err(Error::new(ErrorKind::InvalidConfig, what));
        for (name, value) in [
            ("failure_rate_threshold", self.failure_rate_threshold),
            ("slow_call_rate_threshold", self.slow_call_rate_threshold),
        ] {
            // NaN fails both comparisons and is rejected too.
            if !(value > 0.0 && value <= 100.0) {
                return bad(format!(
                    "`{name}` is {value}; it must be a percentage above 0 and at most 100"
                ));
            }
        }
        match self.sliding_window {
            SlidingWindow::Count(0) | SlidingWindow::Seconds(0) => {
                return bad("the sliding window must hold at least 1 call or 1 second".into());
            }
            SlidingWindow::Seconds(s) if s > 86_400 => {
                return bad(format!(
                    "a time window of {s} seconds is too long; at most 86400"
                ));
            }
            SlidingWindow::Count(n) if n > 1_000_000 => {
                return bad(format!(
                    "a count window of {n} calls is too long; at most 1000000"
                ));
            }
            _ => {}
        }
        if self.minimum_calls == 0 {
            return bad("`minimum_calls` must be at least 1".into());
        }
        if self.half_open_calls == 0 {
            return bad("`half_open_calls` must be at least 1".into());
        }
        if self.max_wait_in_half_open == Some(Duration::ZERO) {
            return bad("`max_wait_in_half_open` must be above zero when set".into());
        }
        Ok(())
    }
}

/// How an error returned by a guarded call counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// Counts as a failure (the default for every error).
    Failure,
    /// Counts as a success (e.g. a "not found" that says nothing about the backend's health).
    Success,
    /// Not counted at all; a half-open probe's slot is freed.
    Ignored,
}

/// A state change, as given to listeners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StateTransition {
    /// The state left.
    pub from: State,
    /// The state entered.
    pub to: State,
}

/// A breaker's counters.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub struct BreakerMetrics {
    /// The current state.
    pub state: Option<State>,
    /// Calls in the current window (closed) or probes reported (half-open).
    pub window_calls: u32,
    /// Failed calls in that window.
    pub window_failed_calls: u32,
    /// Slow calls in that window.
    pub window_slow_calls: u32,
    /// Failure rate of that window in percent, once it holds the minimum number of calls.
    pub failure_rate: Option<f32>,
    /// Slow-call rate of that window in percent, once it holds the minimum number of calls.
    pub slow_call_rate: Option<f32>,
    /// Probes admitted and not yet reported (half-open).
    pub probes_in_flight: u32,
    /// Successful calls since the breaker was built.
    pub successful_calls: u64,
    /// Failed calls since the breaker was built.
    pub failed_calls: u64,
    /// Slow calls since the breaker was built.
    pub slow_calls: u64,
    /// Calls whose outcome was ignored or never reported (dropped permits).
    pub released_calls: u64,
    /// Calls rejected since the breaker was built.
    pub rejected_calls: u64,
}

/// A call was not permitted: the breaker is open, forced open, or its half-open probes are
/// all taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("circuit breaker is {state}; the call was not permitted")]
pub struct CallNotPermitted {
    state: State,
    retry_after: Option<Duration>,
}

impl CallNotPermitted {
    /// The state that rejected the call.
    pub fn state(&self) -> State {
        self.state
    }

    /// When open: the time left before the breaker lets probes through. `None` when forced
    /// open or when the half-open probes are taken.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
}

type Classifier = Arc<dyn Fn(&(dyn StdError + 'static)) -> ErrorClass + Send + Sync>;
type Listener = Arc<dyn Fn(&StateTransition) + Send + Sync>;

enum Window {
    Count(CountWindow),
    Time(TimeWindow),
}

impl Window {
    fn new(kind: SlidingWindow, now: u64) -> Self {
        match kind {
            SlidingWindow::Count(n) => Window::Count(CountWindow::new(n as usize)),
            SlidingWindow::Seconds(s) => Window::Time(TimeWindow::new(s as usize, now)),
        }
    }

    fn record(&mut self, now: u64, flags: u8) {
        match self {
            Window::Count(w) => w.record(flags),
            Window::Time(w) => w.record(now, flags),
        }
    }

    fn totals(&mut self, now: u64) -> Totals {
        match self {
            Window::Count(w) => w.totals(),
            Window::Time(w) => w.totals(now),
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Lifetime {
    failed: u64,
    slow: u64,
    released: u64,
}

struct Machine {
    state: State,
    generation: u64,
    /// When the current state was entered.
    since: u64,
    window: Window,
    probes_in_flight: u32,
    probes: Totals,
    lifetime: Lifetime,
}

struct Settings {
    config: BreakerConfig,
    slow_ns: u64,
    wait_ns: u64,
    max_half_open_ns: Option<u64>,
    minimum_calls: u32,
}

pub(crate) struct Shared<C> {
    clock: C,
    settings: Settings,
    classifier: Option<Classifier>,
    /// `generation << 3 | state code`, mirrored from the machine for the lock-free closed path.
    word: AtomicU64,
    machine: Mutex<Machine>,
    rejected: AtomicU64,
    /// Successful calls since the breaker was built.
    successful: AtomicU64,
    /// True while the breaker is closed with a full count window of fast successes: then
    /// one more fast success changes nothing in the window (it replaces a success with a
    /// success), so it is counted without the lock. Cleared under the lock by any failure,
    /// slow call or state change.
    all_success: AtomicBool,
    listeners: RwLock<Vec<Listener>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while a breaker lock is held; the machine stays valid regardless.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

const STATE_BITS: u64 = 3;

/// A circuit breaker. Cloning is cheap; clones share one state.
pub struct CircuitBreaker<C = CoarseMonotonicClock> {
    shared: Arc<Shared<C>>,
}

impl<C> Clone for CircuitBreaker<C> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<C: Clock> fmt::Debug for CircuitBreaker<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("state", &self.state())
            .field("config", &self.shared.settings.config)
            .finish_non_exhaustive()
    }
}

/// Builds a [`CircuitBreaker`].
pub struct CircuitBreakerBuilder<C = CoarseMonotonicClock> {
    config: BreakerConfig,
    classifier: Option<Classifier>,
    listeners: Vec<Listener>,
    clock: C,
}

impl<C: fmt::Debug> fmt::Debug for CircuitBreakerBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreakerBuilder")
            .field("config", &self.config)
            .field("classifier", &self.classifier.is_some())
            .field("listeners", &self.listeners.len())
            .field("clock", &self.clock)
            .finish()
    }
}

impl CircuitBreaker<CoarseMonotonicClock> {
    /// Starts building a breaker with resilience4j's defaults on the default clock.
    pub fn builder() -> CircuitBreakerBuilder<CoarseMonotonicClock> {
        CircuitBreakerBuilder {
            config: BreakerConfig::default(),
            classifier: None,
            listeners: Vec::new(),
            clock: CoarseMonotonicClock::new(),
        }
    }
}

impl<C: Clock> CircuitBreakerBuilder<C> {
    /// Replaces every setting (e.g. with a deserialized configuration).
    #[must_use]
    pub fn config(mut self, config: BreakerConfig) -> Self {
        self.config = config;
        self
    }

    /// See [`BreakerConfig::sliding_window`].
    #[must_use]
    pub fn sliding_window(mut self, window: SlidingWindow) -> Self {
        self.config.sliding_window = window;
        self
    }

    /// See [`BreakerConfig::minimum_calls`].
    #[must_use]
    pub fn minimum_calls(mut self, calls: u32) -> Self {
        self.config.minimum_calls = calls;
        self
    }

    /// See [`BreakerConfig::failure_rate_threshold`].
    #[must_use]
    pub fn failure_rate_threshold(mut self, percent: f32) -> Self {
        self.config.failure_rate_threshold = percent;
        self
    }

    /// See [`BreakerConfig::slow_call_duration`] and
    /// [`BreakerConfig::slow_call_rate_threshold`].
    #[must_use]
    pub fn slow_calls(mut self, longer_than: Duration, rate_threshold_percent: f32) -> Self {
        self.config.slow_call_duration = longer_than;
        self.config.slow_call_rate_threshold = rate_threshold_percent;
        self
    }

    /// See [`BreakerConfig::wait_in_open`].
    #[must_use]
    pub fn wait_in_open(mut self, wait: Duration) -> Self {
        self.config.wait_in_open = wait;
        self
    }

    /// See [`BreakerConfig::half_open_calls`].
    #[must_use]
    pub fn half_open_calls(mut self, calls: u32) -> Self {
        self.config.half_open_calls = calls;
        self
    }

    /// See [`BreakerConfig::max_wait_in_half_open`].
    #[must_use]
    pub fn max_wait_in_half_open(mut self, wait: Duration) -> Self {
        self.config.max_wait_in_half_open = Some(wait);
        self
    }

    /// Decides how each error counts (default: every error is a failure). The error can be
    /// downcast to the caller's type.
    #[must_use]
    pub fn classify_errors(
        mut self,
        classify: impl Fn(&(dyn StdError + 'static)) -> ErrorClass + Send + Sync + 'static,
    ) -> Self {
        self.classifier = Some(Arc::new(classify));
        self
    }

    /// Calls `listener` after every state change, outside the breaker's lock.
    #[must_use]
    pub fn on_state_change(
        mut self,
        listener: impl Fn(&StateTransition) + Send + Sync + 'static,
    ) -> Self {
        self.listeners.push(Arc::new(listener));
        self
    }

    /// Uses another clock (e.g. a [`FakeClock`](crate::FakeClock) in tests).
    pub fn clock<C2: Clock>(self, clock: C2) -> CircuitBreakerBuilder<C2> {
        CircuitBreakerBuilder {
            config: self.config,
            classifier: self.classifier,
            listeners: self.listeners,
            clock,
        }
    }

    pub(crate) fn parts(&self) -> (&BreakerConfig, &Option<Classifier>, &[Listener]) {
        (&self.config, &self.classifier, &self.listeners)
    }

    /// Builds the breaker, closed. Fails on out-of-range settings.
    pub fn build(self) -> Result<CircuitBreaker<C>, Error> {
        self.config.validate()?;
        let config = self.config;
        let now = self.clock.now_nanos();
        let minimum_calls = match config.sliding_window {
            SlidingWindow::Count(n) => config.minimum_calls.min(n),
            SlidingWindow::Seconds(_) => config.minimum_calls,
        };
        let settings = Settings {
            slow_ns: nanos(config.slow_call_duration),
            wait_ns: nanos(config.wait_in_open),
            max_half_open_ns: config.max_wait_in_half_open.map(nanos),
            minimum_calls,
            config,
        };
        Ok(CircuitBreaker {
            shared: Arc::new(Shared {
                machine: Mutex::new(Machine {
                    state: State::Closed,
                    generation: 0,
                    since: now,
                    window: Window::new(settings.config.sliding_window, now),
                    probes_in_flight: 0,
                    probes: Totals::default(),
                    lifetime: Lifetime::default(),
                }),
                word: AtomicU64::new(State::Closed.code()),
                clock: self.clock,
                settings,
                classifier: self.classifier,
                rejected: AtomicU64::new(0),
                successful: AtomicU64::new(0),
                all_success: AtomicBool::new(false),
                listeners: RwLock::new(self.listeners),
            }),
        })
    }
}

/// What a permit holds: which state generation admitted it, when, and whether it is a
/// half-open probe.
#[derive(Debug, Clone, Copy)]
struct Ticket {
    generation: u64,
    started: u64,
    probe: bool,
    done: bool,
}

/// Changes collected under the lock, announced after it is released.
type Transitions = [Option<StateTransition>; 2];

impl<C: Clock> Shared<C> {
    fn set_state(&self, m: &mut Machine, to: State, now: u64) -> Option<StateTransition> {
        let from = m.state;
        // Before the new state is published, so no fast success lands in the wrong state.
        self.all_success.store(false, Ordering::Release);
        m.state = to;
        m.generation = m.generation.wrapping_add(1);
        m.since = now;
        m.probes_in_flight = 0;
        m.probes = Totals::default();
        if matches!(to, State::Closed) {
            m.window = Window::new(self.settings.config.sliding_window, now);
        }
        self.word
            .store((m.generation << STATE_BITS) | to.code(), Ordering::Release);
        #[cfg(feature = "tracing")]
        tracing::debug!(
            from = from.as_str(),
            to = to.as_str(),
            "circuit breaker state change"
        );
        Some(StateTransition { from, to })
    }

    fn announce(&self, transitions: Transitions) {
        if transitions.iter().all(Option::is_none) {
            return;
        }
        let listeners: Vec<Listener> = self
            .listeners
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for t in transitions.iter().flatten() {
            for listener in &listeners {
                listener(t);
            }
        }
    }

    fn acquire(&self) -> Result<Ticket, CallNotPermitted> {
        let word = self.word.load(Ordering::Acquire);
        let state_code = word & ((1 << STATE_BITS) - 1);
        if state_code == State::Closed.code() || state_code == State::Disabled.code() {
            return Ok(Ticket {
                generation: word >> STATE_BITS,
                started: self.clock.now_nanos(),
                probe: false,
                done: false,
            });
        }
        self.acquire_slow()
    }

    #[cold]
    fn acquire_slow(&self) -> Result<Ticket, CallNotPermitted> {
        let now = self.clock.now_nanos();
        let mut transitions: Transitions = [None, None];
        let result = {
            let mut m = lock(&self.machine);
            if m.state == State::Open && now >= m.since.saturating_add(self.settings.wait_ns) {
                transitions[0] = self.set_state(&mut m, State::HalfOpen, now);
            }
            if m.state == State::HalfOpen
                && let Some(max) = self.settings.max_half_open_ns
                && now >= m.since.saturating_add(max)
            {
                transitions[1] = self.set_state(&mut m, State::Open, now);
            }
            let reject = |retry_after: Option<u64>| CallNotPermitted {
                state: m.state,
                retry_after: retry_after.map(Duration::from_nanos),
            };
            match m.state {
                State::Closed | State::Disabled => Ok(Ticket {
                    generation: m.generation,
                    started: now,
                    probe: false,
                    done: false,
                }),
                State::Open => Err(reject(Some(
                    m.since
                        .saturating_add(self.settings.wait_ns)
                        .saturating_sub(now),
                ))),
                State::ForcedOpen => Err(reject(None)),
                State::HalfOpen => {
                    let taken = m.probes_in_flight.saturating_add(m.probes.calls);
                    if taken < self.settings.config.half_open_calls {
                        m.probes_in_flight += 1;
                        Ok(Ticket {
                            generation: m.generation,
                            started: now,
                            probe: true,
                            done: false,
                        })
                    } else {
                        Err(reject(None))
                    }
                }
            }
        };
        if result.is_err() {
            self.rejected.fetch_add(1, Ordering::Relaxed);
        }
        self.announce(transitions);
        result
    }

    /// Records a call's outcome; `None` frees the permit without counting it.
    fn finish(&self, ticket: &mut Ticket, failed: Option<bool>) {
        if ticket.done {
            return;
        }
        ticket.done = true;
        // A closed-state call that is dropped or ignored changes nothing: skip the lock.
        if failed.is_none() && !ticket.probe {
            return;
        }
        let now = self.clock.now_nanos();
        let slow = now.saturating_sub(ticket.started) > self.settings.slow_ns;
        if failed == Some(false)
            && !slow
            && self.all_success.load(Ordering::Acquire)
            && self.word.load(Ordering::Acquire)
                == (ticket.generation << STATE_BITS) | State::Closed.code()
        {
            self.successful.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let flags = match failed {
            Some(true) => FAILED,
            _ => 0,
        } | if slow { SLOW } else { 0 };
        let mut transition = None;
        {
            let mut m = lock(&self.machine);
            match failed {
                None => m.lifetime.released += 1,
                Some(true) => m.lifetime.failed += 1,
                Some(false) => {
                    self.successful.fetch_add(1, Ordering::Relaxed);
                }
            }
            if failed.is_some() && slow {
                m.lifetime.slow += 1;
            }
            // Outcomes of calls admitted under an earlier state (before the breaker opened,
            // closed or was reset) say nothing about the current one.
            if m.generation == ticket.generation {
                match (m.state, failed) {
                    (State::Closed, Some(_)) => {
                        m.window.record(now, flags);
                        let totals = m.window.totals(now);
                        if totals.calls >= self.settings.minimum_calls && self.trips(&totals) {
                            transition = self.set_state(&mut m, State::Open, now);
                        } else {
                            let full_of_successes = matches!(
                                self.settings.config.sliding_window,
                                SlidingWindow::Count(size) if totals.calls == size
                            ) && totals.failed == 0
                                && totals.slow == 0;
                            self.all_success.store(full_of_successes, Ordering::Release);
                        }
                    }
                    (State::HalfOpen, outcome) => {
                        m.probes_in_flight = m.probes_in_flight.saturating_sub(1);
                        if outcome.is_some() {
                            m.probes.add(flags);
                            if m.probes.calls >= self.settings.config.half_open_calls {
                                let to = if self.trips(&m.probes) {
                                    State::Open
                                } else {
                                    State::Closed
                                };
                                transition = self.set_state(&mut m, to, now);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        if transition.is_some() {
            self.announce([transition, None]);
        }
    }

    /// True when the failure or slow-call rate is at or above its threshold. Compared as
    /// `count × 100 ≥ threshold × calls`, which avoids a division on every recorded call.
    #[inline]
    fn trips(&self, totals: &Totals) -> bool {
        if totals.calls == 0 {
            return false;
        }
        let calls = totals.calls as f32;
        let config = &self.settings.config;
        totals.failed as f32 * 100.0 >= config.failure_rate_threshold * calls
            || totals.slow as f32 * 100.0 >= config.slow_call_rate_threshold * calls
    }

    fn classify(&self, error: &(dyn StdError + 'static)) -> ErrorClass {
        self.classifier
            .as_ref()
            .map_or(ErrorClass::Failure, |classify| classify(error))
    }
}

impl<C: Clock> CircuitBreaker<C> {
    /// Asks to make one call. Keep the permit while the call runs and report its outcome;
    /// dropping it unreported frees its slot.
    #[inline]
    pub fn try_acquire(&self) -> Result<CallPermit<'_, C>, CallNotPermitted> {
        Ok(CallPermit {
            shared: &self.shared,
            ticket: self.shared.acquire()?,
        })
    }

    /// Like [`try_acquire`](Self::try_acquire), with a permit that owns a handle to the
    /// breaker (for futures and tasks).
    pub fn try_acquire_owned(&self) -> Result<OwnedCallPermit<C>, CallNotPermitted> {
        Ok(OwnedCallPermit {
            ticket: self.shared.acquire()?,
            shared: Arc::clone(&self.shared),
        })
    }

    /// Runs `call` if permitted and records its result. `Err(None)` when not permitted.
    pub fn call<T, E>(&self, call: impl FnOnce() -> Result<T, E>) -> Result<T, Option<E>>
    where
        E: StdError + 'static,
    {
        let permit = self.try_acquire().map_err(|_| None)?;
        let result = call();
        permit.record(&result);
        result.map_err(Some)
    }

    /// The current state. An open breaker whose wait has passed still reads `Open` until
    /// the next call asks for a permit.
    pub fn state(&self) -> State {
        lock(&self.shared.machine).state
    }

    /// Counters and the current window.
    pub fn metrics(&self) -> BreakerMetrics {
        let now = self.shared.clock.now_nanos();
        let mut m = lock(&self.shared.machine);
        let totals = match m.state {
            State::HalfOpen => m.probes,
            _ => m.window.totals(now),
        };
        let minimum = match m.state {
            State::HalfOpen => self.shared.settings.config.half_open_calls,
            _ => self.shared.settings.minimum_calls,
        };
        let rates = totals.rates().filter(|_| totals.calls >= minimum);
        BreakerMetrics {
            state: Some(m.state),
            window_calls: totals.calls,
            window_failed_calls: totals.failed,
            window_slow_calls: totals.slow,
            failure_rate: rates.map(|r| r.0),
            slow_call_rate: rates.map(|r| r.1),
            probes_in_flight: m.probes_in_flight,
            successful_calls: self.shared.successful.load(Ordering::Relaxed),
            failed_calls: m.lifetime.failed,
            slow_calls: m.lifetime.slow,
            released_calls: m.lifetime.released,
            rejected_calls: self.shared.rejected.load(Ordering::Relaxed),
        }
    }

    /// Adds a state-change listener (called outside the breaker's lock).
    pub fn on_state_change(&self, listener: impl Fn(&StateTransition) + Send + Sync + 'static) {
        self.shared
            .listeners
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Arc::new(listener));
    }

    fn transition(&self, to: State) {
        let now = self.shared.clock.now_nanos();
        let t = {
            let mut m = lock(&self.shared.machine);
            self.shared.set_state(&mut m, to, now)
        };
        self.shared.announce([t, None]);
    }

    /// Closes the breaker with an empty window.
    pub fn reset(&self) {
        self.transition(State::Closed);
    }

    /// Opens the breaker now (it probes after the wait in open).
    pub fn trip(&self) {
        self.transition(State::Open);
    }

    /// Rejects every call until [`reset`](Self::reset) or another manual state.
    pub fn force_open(&self) {
        self.transition(State::ForcedOpen);
    }

    /// Lets every call through without recording until [`reset`](Self::reset).
    pub fn disable(&self) {
        self.transition(State::Disabled);
    }
}

macro_rules! permit_methods {
    () => {
        /// Records a successful call.
        pub fn record_success(mut self) {
            self.shared.finish(&mut self.ticket, Some(false));
        }

        /// Records a failed call.
        pub fn record_failure(mut self) {
            self.shared.finish(&mut self.ticket, Some(true));
        }

        /// Records a call that ended with `error`, counted as the error classifier says.
        pub fn record_error(mut self, error: &(dyn StdError + 'static)) {
            let outcome = match self.shared.classify(error) {
                ErrorClass::Failure => Some(true),
                ErrorClass::Success => Some(false),
                ErrorClass::Ignored => None,
            };
            self.shared.finish(&mut self.ticket, outcome);
        }

        /// Records a call's result: `Ok` is a success, `Err` as
        /// [`record_error`](Self::record_error).
        pub fn record<T, E: StdError + 'static>(self, result: &Result<T, E>) {
            match result {
                Ok(_) => self.record_success(),
                Err(e) => self.record_error(e),
            }
        }

        /// Gives the permit back without an outcome (as dropping it does).
        pub fn release(mut self) {
            self.shared.finish(&mut self.ticket, None);
        }

        /// Whether this permit is one of the half-open probes.
        pub fn is_probe(&self) -> bool {
            self.ticket.probe
        }
    };
}

/// Permission for one call, borrowed from a breaker. Dropping it unreported frees its slot.
#[must_use = "a permit should be kept while the call runs and its outcome recorded"]
pub struct CallPermit<'a, C: Clock = CoarseMonotonicClock> {
    shared: &'a Shared<C>,
    ticket: Ticket,
}

impl<C: Clock> CallPermit<'_, C> {
    permit_methods!();
}

impl<C: Clock> Drop for CallPermit<'_, C> {
    fn drop(&mut self) {
        self.shared.finish(&mut self.ticket, None);
    }
}

impl<C: Clock> fmt::Debug for CallPermit<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallPermit")
            .field("probe", &self.ticket.probe)
            .finish_non_exhaustive()
    }
}

/// Permission for one call that owns a handle to its breaker. Dropping it unreported frees
/// its slot.
#[must_use = "a permit should be kept while the call runs and its outcome recorded"]
pub struct OwnedCallPermit<C: Clock = CoarseMonotonicClock> {
    shared: Arc<Shared<C>>,
    ticket: Ticket,
}

impl<C: Clock> OwnedCallPermit<C> {
    permit_methods!();
}

impl<C: Clock> Drop for OwnedCallPermit<C> {
    fn drop(&mut self) {
        self.shared.finish(&mut self.ticket, None);
    }
}

impl<C: Clock> fmt::Debug for OwnedCallPermit<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedCallPermit")
            .field("probe", &self.ticket.probe)
            .finish_non_exhaustive()
    }
}
