//! The plugin host as a library: configuration, start-up, request handling, metrics and
//! graceful shutdown. `examples/plugin_host.rs` runs it from the command line;
//! `tests/plugin_host.rs` starts it in-process on 127.0.0.1:0.
//!
//! Connections are served by hyper's HTTP/1.1 server with a header read timeout (a client that
//! trickles its request head is disconnected; `axum::serve` sets none) and a body deadline
//! (a body still incomplete after it fails with `BodyTimedOut`, which the layer answers 408).
//!
//! One call of `POST /run/{module}` (or `GET`, with an empty body), in order:
//!
//! 1. the validation layer (`palisade::http`): body size and read deadline, headers, target
//!    length, path — 413, 408, 431, 414, 400;
//! 2. the module name (`RouteName`) and the loaded module — 400, 404;
//! 3. the rate limit, per module and global (a denial spends neither) — 429 + `Retry-After`;
//! 4. the concurrency limit, global and per module — 503 + `Retry-After: 1`;
//! 5. the module's circuit breaker — 503 + `Retry-After` while open;
//! 6. the sandboxed call on a blocking thread (fuel, deadline, memory cap, only the
//!    `palisade::http_request` import, checked by the outgoing HTTP policy) — 200 with the
//!    handler's output, or 500 naming the sandbox outcome (`timeout`, `out_of_fuel`,
//!    `memory_limit`, `trap`, ...);
//! 7. one audit event for the call, whatever its outcome (also for steps 1–5, as a denial).
//!    A call's event is committed before its response is sent; if that fails, the output is
//!    withheld and the client gets 500.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path as RoutePath, State};
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use palisade::audit::{AuditConfig, AuditLog, Decision, Durability, NewEvent, Risk};
use palisade::http::{BodyTimedOut, Rejection, RequestLimits, RouteName, ValidateRequestLayer};
use palisade::ratelimit::{
    CircuitBreaker, ConcurrencyLimiter, Denial, KeyedCircuitBreakers, Quota, RateLimiter,
    SlidingWindow, State as BreakerState,
};
use palisade::sandbox::http::{HttpPolicy, IpRange};
use palisade::sandbox::{Plugin, Sandbox};
use serde::Deserialize;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot, watch};
use tower::Service as _;

/// The export every handler provides (bytes ABI: request body in, response body out).
pub const ENTRY_POINT: &str = "handle";

/// Rate-limit key shared by every request naming a module that is not loaded (or not a valid
/// name), so that a flood of 404s is rate limited too. `*` is never part of a `RouteName`.
const UNKNOWN_MODULE_KEY: &str = "*unknown*";

/// Everything the host is configured with. Every field has a safe default; a TOML file
/// (`--config`) may set any of them. Unknown keys are refused.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Directory of handlers: every `NAME.wat` or `NAME.wasm` in it is served at `/run/NAME`.
    pub handlers: PathBuf,
    /// The SQLite audit log.
    pub audit_db: PathBuf,
    /// Where the anchor of the seal made at shutdown is written (keep it where the writer of
    /// the database can't change it); default: `audit_db` with `.anchor` appended.
    pub audit_anchor: Option<PathBuf>,
    /// Request validation.
    pub requests: RequestSettings,
    /// Rate and concurrency limits.
    pub rate: RateSettings,
    /// Per-module circuit breakers.
    pub breaker: BreakerSettings,
    /// Limits of every sandboxed call.
    pub sandbox: SandboxSettings,
    /// What handlers may reach with `palisade::http_request`.
    pub outgoing_http: OutgoingHttpSettings,
    /// How long shutdown waits for open connections and in-flight calls, in milliseconds.
    pub drain_timeout_ms: u64,
    /// How long a client may take to send a request's head, in milliseconds (slow-header
    /// clients are disconnected).
    pub header_read_timeout_ms: u64,
    /// How long a client may take to send a request's body once its head arrived, in
    /// milliseconds (408 after that).
    pub body_read_timeout_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            handlers: PathBuf::from("examples/plugin_host/handlers"),
            audit_db: PathBuf::from("plugin_host_audit.db"),
            audit_anchor: None,
            requests: RequestSettings::default(),
            rate: RateSettings::default(),
            breaker: BreakerSettings::default(),
            sandbox: SandboxSettings::default(),
            outgoing_http: OutgoingHttpSettings::default(),
            drain_timeout_ms: 10_000,
            header_read_timeout_ms: 10_000,
            body_read_timeout_ms: 10_000,
        }
    }
}

/// `[requests]`: the validation layer's limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RequestSettings {
    /// Largest request body.
    pub max_body_bytes: u64,
    /// Most header fields.
    pub max_headers: usize,
    /// Largest total of header names and values.
    pub max_header_bytes: usize,
    /// Longest request target (path and query).
    pub max_target_bytes: usize,
}

impl Default for RequestSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 64 << 10,
            max_headers: 32,
            max_header_bytes: 8 << 10,
            max_target_bytes: 1024,
        }
    }
}

/// `[rate]`: quotas such as `100/s burst 50` (see `palisade::ratelimit::Quota`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateSettings {
    /// Shared by every module.
    pub global: String,
    /// Each module's own quota.
    pub per_module: String,
    /// Quotas for named modules, replacing `per_module` for them.
    pub modules: BTreeMap<String, String>,
    /// Most sandboxed calls running at once.
    pub max_in_flight: usize,
    /// Most sandboxed calls of one module running at once.
    pub max_in_flight_per_module: usize,
}

impl Default for RateSettings {
    fn default() -> Self {
        Self {
            global: "200/s burst 100".to_owned(),
            per_module: "50/s burst 25".to_owned(),
            modules: BTreeMap::new(),
            max_in_flight: 16,
            max_in_flight_per_module: 4,
        }
    }
}

/// `[breaker]`: one breaker per module (a count window).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerSettings {
    /// Calls in the sliding window.
    pub window_calls: u32,
    /// Calls needed before the failure rate counts.
    pub minimum_calls: u32,
    /// Failure rate (percent) that opens the breaker.
    pub failure_rate_percent: f32,
    /// How long the breaker stays open before letting probes through, in milliseconds.
    pub open_ms: u64,
    /// Probes let through while half-open.
    pub half_open_calls: u32,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        Self {
            window_calls: 20,
            minimum_calls: 10,
            failure_rate_percent: 50.0,
            open_ms: 10_000,
            half_open_calls: 2,
        }
    }
}

/// `[sandbox]`: limits of each call.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxSettings {
    /// Fuel per call.
    pub fuel: u64,
    /// Wall-clock deadline per call, in milliseconds.
    pub timeout_ms: u64,
    /// Largest linear memory, in bytes.
    pub memory_bytes: u64,
    /// Largest handler output, in bytes.
    pub output_bytes: usize,
}

impl Default for SandboxSettings {
    fn default() -> Self {
        Self {
            fuel: 50_000_000,
            timeout_ms: 500,
            memory_bytes: 16 << 20,
            output_bytes: 256 << 10,
        }
    }
}

/// `[outgoing_http]`: the policy of `palisade::http_request`. Nothing is allowed by default.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutgoingHttpSettings {
    /// Allowed destinations, `scheme://host:port` or `scheme://*.domain:port`.
    pub allow: Vec<String>,
    /// Special-purpose address ranges (loopback, private, ...) allowed anyway, as `IP/PREFIX`.
    pub allow_addresses: Vec<String>,
}

impl Config {
    /// Parses a TOML configuration; errors name the file, line and column.
    pub fn from_toml(text: &str, file: &Path) -> Result<Self, String> {
        toml::from_str(text).map_err(|error| {
            let place = error
                .span()
                .map(|span| {
                    let before = text.get(..span.start).unwrap_or_default();
                    let line = before.matches('\n').count() + 1;
                    let column = before
                        .rfind('\n')
                        .map_or(before.len(), |nl| before.len() - nl - 1)
                        + 1;
                    format!(":{line}:{column}")
                })
                .unwrap_or_default();
            format!("{}{place}: {}", file.display(), error.message())
        })
    }

    /// Reads and parses a TOML configuration file.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read `{}`: {error}", path.display()))?;
        Self::from_toml(&text, path)
    }
}

fn quota(text: &str, key: &str) -> Result<Quota, String> {
    text.parse()
        .map_err(|error| format!("`{key}` = `{text}` is not a quota: {error}"))
}

fn ip_range(text: &str) -> Result<IpRange, String> {
    let refuse = || format!("`outgoing_http.allow_addresses`: `{text}` is not `IP/PREFIX`");
    let (ip, prefix) = text.split_once('/').ok_or_else(refuse)?;
    let ip: IpAddr = ip.parse().map_err(|_| refuse())?;
    let prefix: u8 = prefix.parse().map_err(|_| refuse())?;
    IpRange::new(ip, prefix).ok_or_else(refuse)
}

/// Counters behind `/metrics`. Module labels only ever name loaded modules, so their number
/// is bounded by the handlers directory.
#[derive(Debug, Default)]
struct Metrics {
    counters: Mutex<BTreeMap<(&'static str, String), u64>>,
}

impl Metrics {
    fn add(&self, metric: &'static str, labels: String) {
        let mut counters = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
        *counters.entry((metric, labels)).or_insert(0) += 1;
    }

    fn snapshot(&self) -> BTreeMap<(&'static str, String), u64> {
        self.counters
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Metric names, types and help, in the order `/metrics` prints them.
const METRICS: &[(&str, &str, &str)] = &[
    (
        "palisade_requests_rejected_total",
        "counter",
        "Requests refused by the validation layer, by kind.",
    ),
    (
        "palisade_rate_limited_total",
        "counter",
        "Calls refused by a rate limit (scope: global or module).",
    ),
    (
        "palisade_overloaded_total",
        "counter",
        "Calls refused by the concurrency limit (scope: global or module).",
    ),
    (
        "palisade_breaker_rejected_total",
        "counter",
        "Calls refused by an open or half-open circuit breaker.",
    ),
    (
        "palisade_sandbox_calls_total",
        "counter",
        "Sandboxed calls by module and outcome (ok or the sandbox error kind).",
    ),
    (
        "palisade_decisions_total",
        "counter",
        "Decisions recorded in the audit log (allow or deny).",
    ),
];

/// Tasks shutdown waits for: open connections, and calls still running on blocking threads
/// (also after their client went away).
#[derive(Debug, Default)]
struct InFlight {
    count: AtomicUsize,
    idle: Notify,
}

struct InFlightGuard(Arc<InFlight>);

impl InFlight {
    fn enter(self: &Arc<Self>) -> InFlightGuard {
        self.count.fetch_add(1, Ordering::SeqCst);
        InFlightGuard(Arc::clone(self))
    }

    async fn wait_idle(&self) {
        loop {
            let idle = self.idle.notified();
            if self.count.load(Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

struct Host {
    modules: BTreeMap<RouteName, Plugin>,
    limiter: RateLimiter<String>,
    concurrency: ConcurrencyLimiter<String>,
    breakers: KeyedCircuitBreakers<String>,
    audit: Arc<AuditLog>,
    metrics: Arc<Metrics>,
    in_flight: Arc<InFlight>,
}

/// A running host: its address, and the handle to stop it.
#[derive(Debug)]
pub struct RunningHost {
    addr: SocketAddr,
    loaded: Vec<String>,
    skipped: Vec<String>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<ShutdownReport, String>>,
}

/// What shutdown did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Whether every in-flight call finished before the drain timeout.
    pub drained: bool,
    /// Audit events committed since start-up.
    pub audit_events_written: u64,
}

impl RunningHost {
    /// The address the host listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The modules served.
    pub fn loaded(&self) -> &[String] {
        &self.loaded
    }

    /// Files in the handlers directory that were not served, with the reason.
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// Stops accepting connections, lets in-flight requests and calls finish (up to the drain
    /// timeout), and flushes the audit log.
    pub async fn shutdown(mut self) -> Result<ShutdownReport, String> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.wait().await
    }

    /// Waits until the host stopped (after [`RunningHost::shutdown`] or a failure).
    pub async fn wait(self) -> Result<ShutdownReport, String> {
        self.task
            .await
            .map_err(|error| format!("the server task failed: {error}"))?
    }

    /// Stops when `signal` completes (e.g. ctrl-c), then as [`RunningHost::shutdown`].
    pub async fn shutdown_on(
        self,
        signal: impl std::future::Future<Output = ()>,
    ) -> Result<ShutdownReport, String> {
        signal.await;
        self.shutdown().await
    }
}

/// Loads the handlers, opens the audit log, binds `config.listen` and starts serving.
pub async fn start(config: Config) -> Result<RunningHost, String> {
    let sandbox = build_sandbox(&config)?;
    let (modules, skipped) = load_modules(&sandbox, &config.handlers)?;
    let limiter = build_limiter(&config.rate)?;
    let concurrency = ConcurrencyLimiter::new(
        config.rate.max_in_flight,
        config.rate.max_in_flight_per_module,
    )
    .map_err(|error| format!("`rate.max_in_flight`: {error}"))?;
    let breaker = &config.breaker;
    let template = CircuitBreaker::builder()
        .sliding_window(SlidingWindow::Count(breaker.window_calls))
        .minimum_calls(breaker.minimum_calls)
        .failure_rate_threshold(breaker.failure_rate_percent)
        .wait_in_open(Duration::from_millis(breaker.open_ms))
        .half_open_calls(breaker.half_open_calls)
        .max_wait_in_half_open(Duration::from_millis(
            breaker.open_ms.saturating_mul(2).max(1000),
        ));
    // One breaker per loaded module, plus room: a module never loses its breaker.
    let breakers = KeyedCircuitBreakers::new(template, modules.len().max(1))
        .map_err(|error| format!("`breaker`: {error}"))?;
    let anchor = config.audit_anchor.clone().unwrap_or_else(|| {
        let mut path = config.audit_db.clone().into_os_string();
        path.push(".anchor");
        PathBuf::from(path)
    });
    let audit = AuditLog::open(
        &config.audit_db,
        AuditConfig::default()
            .with_durability(Durability::Balanced)
            .with_anchor_file(anchor),
    )
    .map_err(|error| {
        format!(
            "cannot open the audit log `{}`: {error}",
            config.audit_db.display()
        )
    })?;
    let audit = Arc::new(audit);
    let metrics = Arc::new(Metrics::default());

    let request_limits = {
        let audit = Arc::clone(&audit);
        let metrics = Arc::clone(&metrics);
        RequestLimits::builder()
            .max_body_bytes(config.requests.max_body_bytes)
            .max_headers(config.requests.max_headers)
            .max_header_bytes(config.requests.max_header_bytes)
            .max_target_bytes(config.requests.max_target_bytes)
            .on_reject(move |rejection: &Rejection, head| {
                metrics.add(
                    "palisade_requests_rejected_total",
                    format!("kind=\"{}\"", rejection.kind()),
                );
                metrics.add("palisade_decisions_total", "decision=\"deny\"".to_owned());
                let actor = head
                    .extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map_or_else(
                        || "unknown".to_owned(),
                        |ConnectInfo(peer)| peer.ip().to_string(),
                    );
                let target = head.uri.path().chars().take(256).collect::<String>();
                // Queued, not awaited: the request is refused either way; shutdown flushes.
                let _ = audit.submit(
                    NewEvent::new(actor, "http.request", Decision::Deny, Risk::Medium)
                        .with_subject(target)
                        .with_rule(format!("request.{}", rejection.kind()))
                        .with_reason(rejection.reason().to_owned())
                        .with_metadata(
                            serde_json::json!({ "status": rejection.status().as_u16() }),
                        ),
                );
            })
            .build()
    };

    let loaded = modules
        .keys()
        .map(|name| name.as_str().to_owned())
        .collect();
    let host = Arc::new(Host {
        modules,
        limiter,
        concurrency,
        breakers,
        audit: Arc::clone(&audit),
        metrics,
        in_flight: Arc::default(),
    });
    let app = Router::new()
        .route("/run/{module}", any(run_module))
        .route("/metrics", get(metrics_text))
        .fallback(|| async { (StatusCode::NOT_FOUND, "no such route\n") })
        .layer(ValidateRequestLayer::new(request_limits))
        .with_state(Arc::clone(&host));

    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|error| format!("cannot listen on {}: {error}", config.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|error| format!("no local address: {error}"))?;
    let (stop, stopped) = oneshot::channel::<()>();
    let drain_timeout = Duration::from_millis(config.drain_timeout_ms);
    let timeouts = Timeouts {
        header: Duration::from_millis(config.header_read_timeout_ms),
        body: Duration::from_millis(config.body_read_timeout_ms),
    };
    let task = tokio::spawn(async move {
        let connections = Arc::new(InFlight::default());
        let (closing, closing_seen) = watch::channel(false);
        let mut stopped = std::pin::pin!(stopped);
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => serve_connection(
                        stream,
                        peer,
                        app.clone(),
                        timeouts,
                        connections.enter(),
                        closing_seen.clone(),
                    ),
                    // Out of descriptors and the like: back off instead of spinning.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                },
                _ = &mut stopped => break,
            }
        }
        drop(listener);
        let _ = closing.send(true);
        // Connections finish their current request, then close; calls whose client went away
        // may still be running on blocking threads.
        let drained = tokio::time::timeout(drain_timeout, async {
            connections.wait_idle().await;
            host.in_flight.wait_idle().await;
        })
        .await
        .is_ok();
        // Flush what was queued, then seal the head: the anchor file vouches for the tail
        // (a chain alone can't show that its last rows were removed).
        let flush_audit = Arc::clone(&host.audit);
        tokio::task::spawn_blocking(move || flush_audit.flush().and_then(|()| flush_audit.seal()))
            .await
            .map_err(|error| format!("flushing the audit log failed: {error}"))?
            .map_err(|error| format!("flushing or sealing the audit log failed: {error}"))?;
        Ok(ShutdownReport {
            drained,
            audit_events_written: host.audit.counters().written,
        })
    });
    Ok(RunningHost {
        addr,
        loaded,
        skipped,
        stop: Some(stop),
        task,
    })
}

/// How long a client may take to send a request.
#[derive(Debug, Clone, Copy)]
struct Timeouts {
    header: Duration,
    body: Duration,
}

/// A request body that fails with [`BodyTimedOut`] if it has not ended by its deadline (the
/// validation layer answers 408).
struct DeadlineBody {
    inner: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl HttpBody for DeadlineBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(BodyTimedOut))));
        }
        Pin::new(&mut self.inner).poll_frame(cx).map_err(Into::into)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Serves one HTTP/1.1 connection on its own task: the peer address goes into each request's
/// extensions (as axum's `ConnectInfo`), a client that does not finish its request head within
/// the header timeout is disconnected, a body that takes longer than the body timeout is
/// refused with 408, and when `closing` turns true the connection finishes the request in
/// progress and closes.
fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    timeouts: Timeouts,
    open: InFlightGuard,
    mut closing: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        let _open = open;
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let request = request.map(|body| {
                Body::new(DeadlineBody {
                    inner: body,
                    deadline: Box::pin(tokio::time::sleep(timeouts.body)),
                })
            });
            // A Router is always ready; `call` without `poll_ready` is what axum does too.
            app.clone().call(request)
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(timeouts.header)
            .serve_connection(TokioIo::new(stream), service);
        let mut connection = std::pin::pin!(connection);
        tokio::select! {
            _ = connection.as_mut() => return,
            _ = closing.wait_for(|closing| *closing) => {}
        }
        connection.as_mut().graceful_shutdown();
        let _ = connection.await;
    });
}

fn build_sandbox(config: &Config) -> Result<Sandbox, String> {
    let settings = &config.sandbox;
    let mut builder = Sandbox::builder()
        .fuel_per_call(Some(settings.fuel))
        .timeout(Duration::from_millis(settings.timeout_ms))
        .memory_bytes(settings.memory_bytes)
        .output_bytes(settings.output_bytes);
    let outgoing = &config.outgoing_http;
    if !outgoing.allow.is_empty() {
        let mut policy = HttpPolicy::new();
        for pattern in &outgoing.allow {
            policy = policy
                .allow(pattern)
                .map_err(|error| format!("`outgoing_http.allow`: {error}"))?;
        }
        for range in &outgoing.allow_addresses {
            policy = policy.allow_addresses(ip_range(range)?);
        }
        builder = builder.http(policy);
    }
    builder
        .build()
        .map_err(|error| format!("cannot build the sandbox: {error}"))
}

/// Loads every `NAME.wat`/`NAME.wasm` whose NAME is a valid route name. Files that are not
/// valid or fail the sandbox's checks are skipped (and reported), never served.
fn load_modules(
    sandbox: &Sandbox,
    dir: &Path,
) -> Result<(BTreeMap<RouteName, Plugin>, Vec<String>), String> {
    let entries = std::fs::read_dir(dir).map_err(|error| {
        format!(
            "cannot read the handlers directory `{}`: {error}",
            dir.display()
        )
    })?;
    let mut modules = BTreeMap::new();
    let mut skipped = Vec::new();
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    for path in paths {
        let extension = path.extension().and_then(|e| e.to_str());
        if !matches!(extension, Some("wat" | "wasm")) {
            continue;
        }
        let shown = path.display().to_string();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            skipped.push(format!("{shown}: the name is not UTF-8"));
            continue;
        };
        let name = match RouteName::parse(stem) {
            Ok(name) => name,
            Err(error) => {
                skipped.push(format!("{shown}: {error}"));
                continue;
            }
        };
        // The sandbox checks the size again; this keeps a huge file from being read at all.
        let too_big = std::fs::metadata(&path)
            .map(|meta| meta.len() > sandbox.limits().module_bytes as u64)
            .unwrap_or(true);
        if too_big {
            skipped.push(format!("{shown}: missing or over the module size limit"));
            continue;
        }
        let loaded = std::fs::read(&path)
            .map_err(|error| error.to_string())
            .and_then(|bytes| {
                let compiled = if extension == Some("wat") {
                    std::str::from_utf8(&bytes)
                        .map_err(|_| "the text is not UTF-8".to_owned())
                        .map(|text| sandbox.load_wat(text))
                } else {
                    Ok(sandbox.load(&bytes))
                };
                compiled
                    .and_then(|plugin| plugin.map_err(|error| format!("{}: {error}", error.kind())))
            });
        match loaded {
            Ok(plugin) => {
                modules.insert(name, plugin);
            }
            Err(error) => skipped.push(format!("{shown}: {error}")),
        }
    }
    Ok((modules, skipped))
}

fn build_limiter(rate: &RateSettings) -> Result<RateLimiter<String>, String> {
    let mut builder = RateLimiter::<String>::builder()
        .global(quota(&rate.global, "rate.global")?)
        .per_key(quota(&rate.per_module, "rate.per_module")?)
        .max_keys(4096);
    for (module, text) in &rate.modules {
        builder = builder.key_quota(
            module.clone(),
            quota(text, &format!("rate.modules.{module}"))?,
        );
    }
    builder.build().map_err(|error| format!("`rate`: {error}"))
}

fn text_response(status: StatusCode, text: impl Into<String>) -> Response {
    let mut text = text.into();
    text.push('\n');
    let mut response = (status, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn with_retry_after(mut response: Response, wait: Option<Duration>) -> Response {
    // Rounded up, at least 1: a client that waits that long is not refused again.
    let secs = wait.map_or(1, |wait| {
        (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
    });
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

impl Host {
    /// Queues a denial event (not awaited: the call does not run either way).
    fn deny(&self, actor: &str, subject: &str, rule: &str, reason: String, status: StatusCode) {
        self.metrics
            .add("palisade_decisions_total", "decision=\"deny\"".to_owned());
        let _ = self.audit.submit(
            NewEvent::new(actor, "plugin.call", Decision::Deny, Risk::Medium)
                .with_subject(subject)
                .with_rule(rule)
                .with_reason(reason)
                .with_metadata(serde_json::json!({ "status": status.as_u16() })),
        );
    }
}

async fn run_module(
    State(host): State<Arc<Host>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RoutePath(module): RoutePath<String>,
    body: Bytes,
) -> Response {
    let actor = peer.ip().to_string();
    let subject: String = module.chars().take(64).collect();
    let name = RouteName::parse(&module);
    let plugin = name.as_ref().ok().and_then(|name| {
        host.modules
            .get(name)
            .map(|plugin| (name.clone(), plugin.clone()))
    });
    let key = plugin.as_ref().map_or_else(
        || UNKNOWN_MODULE_KEY.to_owned(),
        |(name, _)| name.as_str().to_owned(),
    );

    let decision = host.limiter.check_key(&key);
    if !decision.is_allowed() {
        let scope = match decision.denial() {
            Some(Denial::Global) => "global",
            _ => "module",
        };
        host.metrics
            .add("palisade_rate_limited_total", format!("scope=\"{scope}\""));
        let reason = format!("{scope} rate limit exceeded");
        host.deny(
            &actor,
            &subject,
            &format!("rate.{scope}"),
            reason.clone(),
            StatusCode::TOO_MANY_REQUESTS,
        );
        return with_retry_after(
            text_response(StatusCode::TOO_MANY_REQUESTS, reason),
            decision.retry_after(),
        );
    }
    let (name, plugin) = match (name, plugin) {
        (Err(rejection), _) => {
            let reason = rejection.reason().to_owned();
            host.deny(
                &actor,
                &subject,
                "module.invalid_name",
                reason.clone(),
                rejection.status(),
            );
            return text_response(rejection.status(), reason);
        }
        (Ok(_), None) => {
            let reason = format!("no module named `{subject}`");
            host.deny(
                &actor,
                &subject,
                "module.unknown",
                reason.clone(),
                StatusCode::NOT_FOUND,
            );
            return text_response(StatusCode::NOT_FOUND, reason);
        }
        (Ok(_), Some(found)) => found,
    };
    let label = format!("module=\"{name}\"");

    let concurrency = match host.concurrency.try_acquire(&key) {
        Ok(permit) => permit,
        Err(too_many) => {
            let scope = match too_many.limit() {
                palisade::ratelimit::ConcurrencyLimit::Global => "global",
                _ => "module",
            };
            host.metrics
                .add("palisade_overloaded_total", format!("scope=\"{scope}\""));
            let reason = format!("too many calls in flight ({scope} limit)");
            host.deny(
                &actor,
                &subject,
                &format!("concurrency.{scope}"),
                reason.clone(),
                StatusCode::SERVICE_UNAVAILABLE,
            );
            return with_retry_after(text_response(StatusCode::SERVICE_UNAVAILABLE, reason), None);
        }
    };
    let breaker = match host.breakers.get(&key) {
        Ok(breaker) => breaker,
        Err(error) => {
            let reason = format!("no circuit breaker available: {error}");
            host.deny(
                &actor,
                &subject,
                "breaker.unavailable",
                reason.clone(),
                StatusCode::SERVICE_UNAVAILABLE,
            );
            return text_response(StatusCode::SERVICE_UNAVAILABLE, reason);
        }
    };
    let permit = match breaker.try_acquire_owned() {
        Ok(permit) => permit,
        Err(not_permitted) => {
            host.metrics.add("palisade_breaker_rejected_total", label);
            let reason = format!(
                "module `{name}` is failing; its circuit breaker is {}",
                not_permitted.state()
            );
            host.deny(
                &actor,
                &subject,
                "breaker.open",
                reason.clone(),
                StatusCode::SERVICE_UNAVAILABLE,
            );
            return with_retry_after(
                text_response(StatusCode::SERVICE_UNAVAILABLE, reason),
                not_permitted.retry_after(),
            );
        }
    };

    let in_flight = host.in_flight.enter();
    let call_host = Arc::clone(&host);
    let call = tokio::task::spawn_blocking(move || {
        let _in_flight = in_flight;
        let _concurrency = concurrency;
        let result = plugin.call_bytes(ENTRY_POINT, &body);
        let (outcome, status) = match &result {
            Ok(_) => ("ok", StatusCode::OK),
            Err(error) => (error.kind().as_str(), StatusCode::INTERNAL_SERVER_ERROR),
        };
        match &result {
            Ok(_) => permit.record_success(),
            Err(_) => permit.record_failure(),
        }
        call_host.metrics.add(
            "palisade_sandbox_calls_total",
            format!("module=\"{name}\",outcome=\"{outcome}\""),
        );
        call_host
            .metrics
            .add("palisade_decisions_total", "decision=\"allow\"".to_owned());
        let report = match &result {
            Ok(success) => Some(success.report.clone()),
            Err(error) => error.report().cloned(),
        };
        let mut metadata = serde_json::json!({ "status": status.as_u16(), "outcome": outcome });
        if let (Some(report), Some(object)) = (&report, metadata.as_object_mut()) {
            object.insert(
                "elapsed_us".to_owned(),
                u64::try_from(report.elapsed.as_micros())
                    .unwrap_or(u64::MAX)
                    .into(),
            );
            object.insert("fuel".to_owned(), report.fuel_consumed.into());
            object.insert(
                "peak_memory_bytes".to_owned(),
                report.peak_memory_bytes.into(),
            );
            object.insert(
                "http_denials".to_owned(),
                report
                    .denials
                    .iter()
                    .map(|denial| denial.reason.clone())
                    .collect::<Vec<_>>()
                    .into(),
            );
        }
        let reason = match &result {
            Ok(_) => "handler returned".to_owned(),
            Err(error) => error.message().chars().take(512).collect(),
        };
        // Committed (synchronous=NORMAL) before the response goes out.
        let audited = call_host.audit.append(
            NewEvent::new(actor, "plugin.call", Decision::Allow, Risk::Low)
                .with_subject(name.as_str())
                .with_rule(format!("sandbox.{outcome}"))
                .with_reason(reason)
                .with_metadata(metadata),
        );
        (result, audited.is_ok(), outcome)
    });
    let (result, audited, outcome) = match call.await {
        Ok(done) => done,
        Err(error) => {
            return text_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the call failed: {error}"),
            );
        }
    };
    if !audited {
        return text_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the audit log could not record the call; its output is withheld",
        );
    }
    match result {
        Ok(success) => {
            let mut response = Response::new(Body::from(success.value));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            response
        }
        Err(_) => text_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("handler `{subject}` failed: {outcome}"),
        ),
    }
}

async fn metrics_text(State(host): State<Arc<Host>>) -> Response {
    let counters = host.metrics.snapshot();
    let mut out = String::new();
    for (metric, kind, help) in METRICS {
        let _ = writeln!(out, "# HELP {metric} {help}");
        let _ = writeln!(out, "# TYPE {metric} {kind}");
        for ((name, labels), value) in &counters {
            if name == metric {
                let _ = writeln!(out, "{metric}{{{labels}}} {value}");
            }
        }
    }
    let _ = writeln!(
        out,
        "# HELP palisade_breaker_state Circuit breaker state per module (1 for the current state)."
    );
    let _ = writeln!(out, "# TYPE palisade_breaker_state gauge");
    let states = [
        BreakerState::Closed,
        BreakerState::Open,
        BreakerState::HalfOpen,
        BreakerState::ForcedOpen,
        BreakerState::Disabled,
    ];
    for name in host.modules.keys() {
        let current = host
            .breakers
            .peek(&name.as_str().to_owned())
            .map_or(BreakerState::Closed, |breaker| breaker.state());
        for state in states {
            let _ = writeln!(
                out,
                "palisade_breaker_state{{module=\"{name}\",state=\"{state}\"}} {}",
                u8::from(state == current)
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP palisade_calls_in_flight Sandboxed calls running now."
    );
    let _ = writeln!(out, "# TYPE palisade_calls_in_flight gauge");
    let _ = writeln!(
        out,
        "palisade_calls_in_flight {}",
        host.in_flight.count.load(Ordering::SeqCst)
    );
    let audit = host.audit.counters();
    let _ = writeln!(
        out,
        "# HELP palisade_audit_events_total Audit events by result."
    );
    let _ = writeln!(out, "# TYPE palisade_audit_events_total counter");
    for (result, value) in [
        ("written", audit.written),
        ("dropped", audit.dropped),
        ("failed", audit.failed),
    ] {
        let _ = writeln!(
            out,
            "palisade_audit_events_total{{result=\"{result}\"}} {value}"
        );
    }
    let mut response = Response::new(Body::from(out));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}
