//! tower middleware (feature `tower`): keyed rate limiting, concurrency limits and circuit
//! breaking.
//!
//! Every layer holds its limiter or breaker behind an `Arc`, so all the services it makes —
//! and all their clones, e.g. one per connection under axum or hyper — enforce one shared
//! limit. (tower's own `RateLimit` keeps its state per service instance, so cloned services
//! don't share it.)
//!
//! Rejections are errors a server maps to a response: [`RateLimited`] to `429 Too Many
//! Requests` with `Retry-After:` [`RateLimited::retry_after_secs`],
//! [`TooManyInFlight`] and [`CallNotPermitted`](crate::CallNotPermitted) to `503 Service Unavailable` (the latter with
//! `Retry-After` from [`CallNotPermitted::retry_after`](crate::CallNotPermitted::retry_after)). Use `downcast_ref` on the boxed
//! error, e.g. in axum's `HandleErrorLayer`.

use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;
use tower::{Layer, Service};

use crate::breaker::keyed::KeyedCircuitBreakers;
use crate::breaker::{CircuitBreaker, OwnedCallPermit};
use crate::clock::Clock;
use crate::concurrency::{ConcurrencyLimiter, ConcurrencyPermit, TooManyInFlight};
use crate::limiter::{Decision, Denial, RateLimiter};

/// The error type of every service here: the inner service's error or a rejection.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A request was rejected by a [`RateLimitLayer`]. Map it to `429 Too Many Requests`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("rate limit exceeded ({})", self.decision.denial().map_or("unknown", |d| d.as_str()))]
pub struct RateLimited {
    decision: Decision,
}

impl RateLimited {
    /// The limiter's decision.
    pub fn decision(&self) -> &Decision {
        &self.decision
    }

    /// Why it was denied.
    pub fn denial(&self) -> Option<Denial> {
        self.decision.denial()
    }

    /// How long until the same request would pass, if it ever can.
    pub fn retry_after(&self) -> Option<Duration> {
        self.decision.retry_after()
    }

    /// The `Retry-After` header value: whole seconds, rounded up so a client that waits
    /// that long is not refused again (at least 1). `None` when the request can never pass
    /// as it is (a cost above the burst, a rejected key): send no `Retry-After` then.
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after().map(|wait| {
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            secs.max(1)
        })
    }
}

/// A future that polled after it completed; never expected from a well-behaved caller.
#[derive(Debug, thiserror::Error)]
#[error("a rate-limit future was polled after it completed")]
struct PolledAfterCompletion;

pin_project! {
    /// The future of a [`RateLimitService`].
    pub struct RateLimitFuture<F> {
        #[pin]
        future: Option<F>,
        rejected: Option<RateLimited>,
    }
}

impl<F, T, E> Future for RateLimitFuture<F>
where
    F: Future<Output = Result<T, E>>,
    E: Into<BoxError>,
{
    type Output = Result<T, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Some(rejected) = this.rejected.take() {
            return Poll::Ready(Err(rejected.into()));
        }
        match this.future.as_pin_mut() {
            Some(future) => future.poll(cx).map_err(Into::into),
            None => Poll::Ready(Err(PolledAfterCompletion.into())),
        }
    }
}

/// Rate-limits requests by a key taken from each request. State is shared by every service
/// the layer makes and every clone of them.
pub struct RateLimitLayer<K, F, C> {
    limiter: RateLimiter<K, C>,
    key: Arc<F>,
}

impl<K, F, C> RateLimitLayer<K, F, C> {
    /// Limits with `limiter`, keying each request with `key` (e.g. the tenant header, the
    /// peer address, a module name).
    pub fn new(limiter: RateLimiter<K, C>, key: F) -> Self {
        Self {
            limiter,
            key: Arc::new(key),
        }
    }
}

impl<K, F, C> Clone for RateLimitLayer<K, F, C> {
    fn clone(&self) -> Self {
        Self {
            limiter: self.limiter.clone(),
            key: Arc::clone(&self.key),
        }
    }
}

impl<K, F, C> fmt::Debug for RateLimitLayer<K, F, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitLayer").finish_non_exhaustive()
    }
}

impl<S, K, F, C> Layer<S> for RateLimitLayer<K, F, C> {
    type Service = RateLimitService<S, K, F, C>;

    fn layer(&self, inner: S) -> Self::Service {
        RateLimitService {
            inner,
            limiter: self.limiter.clone(),
            key: Arc::clone(&self.key),
        }
    }
}

/// The service made by [`RateLimitLayer`].
pub struct RateLimitService<S, K, F, C> {
    inner: S,
    limiter: RateLimiter<K, C>,
    key: Arc<F>,
}

impl<S: Clone, K, F, C> Clone for RateLimitService<S, K, F, C> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            limiter: self.limiter.clone(),
            key: Arc::clone(&self.key),
        }
    }
}

impl<S, K, F, C> fmt::Debug for RateLimitService<S, K, F, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitService").finish_non_exhaustive()
    }
}

impl<S, Req, K, F, C> Service<Req> for RateLimitService<S, K, F, C>
where
    S: Service<Req>,
    S::Error: Into<BoxError>,
    F: Fn(&Req) -> K,
    K: Hash + Eq + Clone + Send + Sync + 'static,
    C: Clock,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = RateLimitFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Req) -> Self::Future {
        let key = (self.key)(&request);
        let decision = self.limiter.check_key(&key);
        if decision.is_allowed() {
            RateLimitFuture {
                future: Some(self.inner.call(request)),
                rejected: None,
            }
        } else {
            RateLimitFuture {
                future: None,
                rejected: Some(RateLimited { decision }),
            }
        }
    }
}

pin_project! {
    /// The future of a [`ConcurrencyLimitService`]: holds the permit until the response is
    /// ready (or the future is dropped).
    pub struct ConcurrencyFuture<F, K>
    where
        K: Hash,
        K: Eq,
    {
        #[pin]
        future: Option<F>,
        permit: Result<Option<ConcurrencyPermit<K>>, Option<TooManyInFlight>>,
    }
}

impl<F, T, E, K> Future for ConcurrencyFuture<F, K>
where
    F: Future<Output = Result<T, E>>,
    E: Into<BoxError>,
    K: Hash + Eq,
{
    type Output = Result<T, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match this.permit {
            Err(rejected) => Poll::Ready(Err(match rejected.take() {
                Some(e) => e.into(),
                None => PolledAfterCompletion.into(),
            })),
            Ok(permit) => match this.future.as_pin_mut() {
                Some(future) => {
                    let output = std::task::ready!(future.poll(cx));
                    *permit = None;
                    Poll::Ready(output.map_err(Into::into))
                }
                None => Poll::Ready(Err(PolledAfterCompletion.into())),
            },
        }
    }
}

/// Limits requests in flight, globally and per key. Requests over a limit are rejected
/// at once with [`TooManyInFlight`] (load shedding), not queued.
pub struct ConcurrencyLimitLayer<K, F> {
    limiter: ConcurrencyLimiter<K>,
    key: Arc<F>,
}

impl<K, F> ConcurrencyLimitLayer<K, F> {
    /// Limits with `limiter`, keying each request with `key`.
    pub fn new(limiter: ConcurrencyLimiter<K>, key: F) -> Self {
        Self {
            limiter,
            key: Arc::new(key),
        }
    }
}

impl<K, F> Clone for ConcurrencyLimitLayer<K, F> {
    fn clone(&self) -> Self {
        Self {
            limiter: self.limiter.clone(),
            key: Arc::clone(&self.key),
        }
    }
}

impl<K, F> fmt::Debug for ConcurrencyLimitLayer<K, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConcurrencyLimitLayer")
            .finish_non_exhaustive()
    }
}

impl<S, K, F> Layer<S> for ConcurrencyLimitLayer<K, F> {
    type Service = ConcurrencyLimitService<S, K, F>;

    fn layer(&self, inner: S) -> Self::Service {
        ConcurrencyLimitService {
            inner,
            limiter: self.limiter.clone(),
            key: Arc::clone(&self.key),
        }
    }
}

/// The service made by [`ConcurrencyLimitLayer`].
pub struct ConcurrencyLimitService<S, K, F> {
    inner: S,
    limiter: ConcurrencyLimiter<K>,
    key: Arc<F>,
}

impl<S: Clone, K, F> Clone for ConcurrencyLimitService<S, K, F> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            limiter: self.limiter.clone(),
            key: Arc::clone(&self.key),
        }
    }
}

impl<S, K, F> fmt::Debug for ConcurrencyLimitService<S, K, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConcurrencyLimitService")
            .finish_non_exhaustive()
    }
}

impl<S, Req, K, F> Service<Req> for ConcurrencyLimitService<S, K, F>
where
    S: Service<Req>,
    S::Error: Into<BoxError>,
    F: Fn(&Req) -> K,
    K: Hash + Eq + Clone,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = ConcurrencyFuture<S::Future, K>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Req) -> Self::Future {
        let key = (self.key)(&request);
        match self.limiter.try_acquire(&key) {
            Ok(permit) => ConcurrencyFuture {
                future: Some(self.inner.call(request)),
                permit: Ok(Some(permit)),
            },
            Err(rejected) => ConcurrencyFuture {
                future: None,
                permit: Err(Some(rejected)),
            },
        }
    }
}

/// Decides whether a successful response still counts as a failure for a breaker (e.g. an
/// HTTP 5xx). Implemented for closures `Fn(&Response) -> bool` (true: failure).
pub trait ClassifyResponse<Res> {
    /// True when `response` should count as a failed call.
    fn is_failure(&self, response: &Res) -> bool;
}

/// Every `Ok` response is a success; only errors are classified (by the breaker's error
/// classifier).
#[derive(Debug, Clone, Copy, Default)]
pub struct OkIsSuccess;

impl<Res> ClassifyResponse<Res> for OkIsSuccess {
    fn is_failure(&self, _: &Res) -> bool {
        false
    }
}

impl<Res, F: Fn(&Res) -> bool> ClassifyResponse<Res> for F {
    fn is_failure(&self, response: &Res) -> bool {
        self(response)
    }
}

pin_project! {
    /// The future of a [`CircuitBreakerService`]: records the outcome when the response is
    /// ready; dropped early, it frees the breaker's permit without an outcome.
    pub struct CircuitBreakerFuture<F, C: Clock, P> {
        #[pin]
        future: Option<F>,
        permit: Result<Option<OwnedCallPermit<C>>, Option<BoxError>>,
        classify: Arc<P>,
    }
}

impl<F, T, E, C, P> Future for CircuitBreakerFuture<F, C, P>
where
    F: Future<Output = Result<T, E>>,
    E: Into<BoxError>,
    C: Clock,
    P: ClassifyResponse<T>,
{
    type Output = Result<T, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match this.permit {
            Err(rejected) => Poll::Ready(Err(match rejected.take() {
                Some(e) => e,
                None => PolledAfterCompletion.into(),
            })),
            Ok(permit) => match this.future.as_pin_mut() {
                Some(future) => {
                    let output = std::task::ready!(future.poll(cx)).map_err(Into::into);
                    if let Some(permit) = permit.take() {
                        match &output {
                            Ok(response) if this.classify.is_failure(response) => {
                                permit.record_failure();
                            }
                            Ok(_) => permit.record_success(),
                            Err(error) => permit.record_error(&**error),
                        }
                    }
                    Poll::Ready(output)
                }
                None => Poll::Ready(Err(PolledAfterCompletion.into())),
            },
        }
    }
}

/// Guards a service with a [`CircuitBreaker`]: rejected calls fail at once with
/// [`CallNotPermitted`](crate::CallNotPermitted); outcomes are recorded as responses complete.
pub struct CircuitBreakerLayer<C, P = OkIsSuccess> {
    breaker: CircuitBreaker<C>,
    classify: Arc<P>,
}

impl<C> CircuitBreakerLayer<C, OkIsSuccess> {
    /// Guards with `breaker`; `Ok` responses are successes.
    pub fn new(breaker: CircuitBreaker<C>) -> Self {
        Self {
            breaker,
            classify: Arc::new(OkIsSuccess),
        }
    }
}

impl<C, P> CircuitBreakerLayer<C, P> {
    /// Counts some `Ok` responses as failures too (e.g. `|r: &Response| r.status().is_server_error()`).
    pub fn classify_responses<P2>(self, classify: P2) -> CircuitBreakerLayer<C, P2> {
        CircuitBreakerLayer {
            breaker: self.breaker,
            classify: Arc::new(classify),
        }
    }
}

impl<C, P> Clone for CircuitBreakerLayer<C, P> {
    fn clone(&self) -> Self {
        Self {
            breaker: self.breaker.clone(),
            classify: Arc::clone(&self.classify),
        }
    }
}

impl<C, P> fmt::Debug for CircuitBreakerLayer<C, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreakerLayer")
            .finish_non_exhaustive()
    }
}

impl<S, C, P> Layer<S> for CircuitBreakerLayer<C, P> {
    type Service = CircuitBreakerService<S, C, P>;

    fn layer(&self, inner: S) -> Self::Service {
        CircuitBreakerService {
            inner,
            breaker: self.breaker.clone(),
            classify: Arc::clone(&self.classify),
        }
    }
}

/// The service made by [`CircuitBreakerLayer`].
pub struct CircuitBreakerService<S, C, P = OkIsSuccess> {
    inner: S,
    breaker: CircuitBreaker<C>,
    classify: Arc<P>,
}

impl<S: Clone, C, P> Clone for CircuitBreakerService<S, C, P> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            breaker: self.breaker.clone(),
            classify: Arc::clone(&self.classify),
        }
    }
}

impl<S, C, P> fmt::Debug for CircuitBreakerService<S, C, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreakerService")
            .finish_non_exhaustive()
    }
}

impl<S, Req, C, P> Service<Req> for CircuitBreakerService<S, C, P>
where
    S: Service<Req>,
    S::Error: Into<BoxError>,
    C: Clock,
    P: ClassifyResponse<S::Response>,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = CircuitBreakerFuture<S::Future, C, P>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Req) -> Self::Future {
        match self.breaker.try_acquire_owned() {
            Ok(permit) => CircuitBreakerFuture {
                future: Some(self.inner.call(request)),
                permit: Ok(Some(permit)),
                classify: Arc::clone(&self.classify),
            },
            Err(rejected) => CircuitBreakerFuture {
                future: None,
                permit: Err(Some(rejected.into())),
                classify: Arc::clone(&self.classify),
            },
        }
    }
}

/// Guards a service with one breaker per key (e.g. per backend or per plugin) from a
/// [`KeyedCircuitBreakers`]. Rejections are [`CallNotPermitted`](crate::CallNotPermitted), or a crate
/// [`Error`](crate::Error) of kind [`TooManyKeys`](crate::ErrorKind::TooManyKeys) when the
/// set is full of breakers that must not be forgotten; map both to 503.
pub struct KeyedCircuitBreakerLayer<K, F, C, P = OkIsSuccess> {
    breakers: Arc<KeyedCircuitBreakers<K, C>>,
    key: Arc<F>,
    classify: Arc<P>,
}

impl<K, F, C> KeyedCircuitBreakerLayer<K, F, C, OkIsSuccess> {
    /// Guards with `breakers`, choosing each request's breaker with `key`.
    pub fn new(breakers: Arc<KeyedCircuitBreakers<K, C>>, key: F) -> Self {
        Self {
            breakers,
            key: Arc::new(key),
            classify: Arc::new(OkIsSuccess),
        }
    }
}

impl<K, F, C, P> KeyedCircuitBreakerLayer<K, F, C, P> {
    /// Counts some `Ok` responses as failures too (e.g. 5xx).
    pub fn classify_responses<P2>(self, classify: P2) -> KeyedCircuitBreakerLayer<K, F, C, P2> {
        KeyedCircuitBreakerLayer {
            breakers: self.breakers,
            key: self.key,
            classify: Arc::new(classify),
        }
    }
}

impl<K, F, C, P> Clone for KeyedCircuitBreakerLayer<K, F, C, P> {
    fn clone(&self) -> Self {
        Self {
            breakers: Arc::clone(&self.breakers),
            key: Arc::clone(&self.key),
            classify: Arc::clone(&self.classify),
        }
    }
}

impl<K, F, C, P> fmt::Debug for KeyedCircuitBreakerLayer<K, F, C, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyedCircuitBreakerLayer")
            .finish_non_exhaustive()
    }
}

impl<S, K, F, C, P> Layer<S> for KeyedCircuitBreakerLayer<K, F, C, P> {
    type Service = KeyedCircuitBreakerService<S, K, F, C, P>;

    fn layer(&self, inner: S) -> Self::Service {
        KeyedCircuitBreakerService {
            inner,
            breakers: Arc::clone(&self.breakers),
            key: Arc::clone(&self.key),
            classify: Arc::clone(&self.classify),
        }
    }
}

/// The service made by [`KeyedCircuitBreakerLayer`].
pub struct KeyedCircuitBreakerService<S, K, F, C, P = OkIsSuccess> {
    inner: S,
    breakers: Arc<KeyedCircuitBreakers<K, C>>,
    key: Arc<F>,
    classify: Arc<P>,
}

impl<S: Clone, K, F, C, P> Clone for KeyedCircuitBreakerService<S, K, F, C, P> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            breakers: Arc::clone(&self.breakers),
            key: Arc::clone(&self.key),
            classify: Arc::clone(&self.classify),
        }
    }
}

impl<S, K, F, C, P> fmt::Debug for KeyedCircuitBreakerService<S, K, F, C, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyedCircuitBreakerService")
            .finish_non_exhaustive()
    }
}

impl<S, Req, K, F, C, P> Service<Req> for KeyedCircuitBreakerService<S, K, F, C, P>
where
    S: Service<Req>,
    S::Error: Into<BoxError>,
    F: Fn(&Req) -> K,
    K: Hash + Eq + Clone + Send + Sync + 'static,
    C: Clock + Clone,
    P: ClassifyResponse<S::Response>,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = CircuitBreakerFuture<S::Future, C, P>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Req) -> Self::Future {
        let key = (self.key)(&request);
        let permit = self
            .breakers
            .get(&key)
            .map_err(BoxError::from)
            .and_then(|breaker| breaker.try_acquire_owned().map_err(BoxError::from));
        match permit {
            Ok(permit) => CircuitBreakerFuture {
                future: Some(self.inner.call(request)),
                permit: Ok(Some(permit)),
                classify: Arc::clone(&self.classify),
            },
            Err(rejected) => CircuitBreakerFuture {
                future: None,
                permit: Err(Some(rejected)),
                classify: Arc::clone(&self.classify),
            },
        }
    }
}
