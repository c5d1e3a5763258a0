//! A bounded loopback load test of `examples/plugin_host` (started in-process on
//! 127.0.0.1:0, real WAT handlers, real SQLite audit log, raw HTTP/1.1 over TCP):
//! validation statuses, rate limits with `Retry-After`, a breaker that trips and recovers
//! through half-open, hostile handlers contained while other calls keep being answered,
//! controlled outgoing HTTP, `/metrics`, graceful shutdown, and an audit log that verifies
//! and holds exactly one event per call.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::string_slice,
    reason = "test code fails loudly"
)]

#[path = "../examples/plugin_host/server.rs"]
#[allow(dead_code, reason = "shared with the example, which uses more of it")]
mod server;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use palisade::audit::{AuditReader, Query, Seal};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// Every request of these tests must finish within this time.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`), read to the end.
async fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Reply {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let mut head = format!("{method} {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("transfer-encoding"))
        {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(body).await.unwrap();
        let mut raw = Vec::new();
        // The server may close early (413 with `Connection: close`); keep what was read.
        let _ = stream.read_to_end(&mut raw).await;
        parse(&raw)
    };
    tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .unwrap_or_else(|_| panic!("{method} {target} took longer than {REQUEST_TIMEOUT:?}"))
}

/// Raw bytes on a fresh connection, for what a well-formed client can't send.
async fn send_raw(addr: SocketAddr, request: &[u8]) -> Reply {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw).await;
        parse(&raw)
    };
    tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .unwrap()
}

fn parse(raw: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {text:?}"));
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let chunked = headers.iter().any(|(name, value)| {
        name.eq_ignore_ascii_case("transfer-encoding") && value.contains("chunked")
    });
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").unwrap();
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
}

/// Counts what the client saw, per status, and how many calls reached the host.
#[derive(Debug, Default)]
struct Tally {
    by_status: BTreeMap<u16, u64>,
}

impl Tally {
    fn record(&mut self, reply: &Reply) {
        *self.by_status.entry(reply.status).or_insert(0) += 1;
    }

    fn total(&self) -> u64 {
        self.by_status.values().sum()
    }

    fn status(&self, status: u16) -> u64 {
        self.by_status.get(&status).copied().unwrap_or(0)
    }
}

fn handlers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/plugin_host/handlers")
}

/// `/metrics` as `name{labels}` → value.
async fn metrics(addr: SocketAddr) -> BTreeMap<String, f64> {
    let reply = send(addr, "GET", "/metrics", &[], b"").await;
    assert_eq!(reply.status, 200);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    reply
        .body
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap();
            (series.to_owned(), value.parse().unwrap())
        })
        .collect()
}

fn metric(metrics: &BTreeMap<String, f64>, series: &str) -> f64 {
    metrics.get(series).copied().unwrap_or(0.0)
}

/// A loopback HTTP target for the `fetch` handler: answers `target` and counts requests.
async fn target_server() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0; 4096];
                let _ = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await;
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\ntarget",
                    )
                    .await;
            });
        }
    });
    (addr, seen)
}

fn config(dir: &Path) -> server::Config {
    let mut config = server::Config {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        handlers: handlers_dir(),
        audit_db: dir.join("audit.db"),
        ..server::Config::default()
    };
    config.requests.max_body_bytes = 1024;
    config.requests.max_target_bytes = 256;
    config.requests.max_headers = 16;
    config.rate.global = "10000/s burst 10000".to_owned();
    config.rate.per_module = "1000/s burst 1000".to_owned();
    config.rate.max_in_flight = 8;
    config.rate.max_in_flight_per_module = 2;
    config.breaker.window_calls = 10;
    config.breaker.minimum_calls = 4;
    config.breaker.failure_rate_percent = 50.0;
    // Long enough that a stalled machine doesn't see the breaker half-open before the test
    // checks that it is open.
    config.breaker.open_ms = 1000;
    config.breaker.half_open_calls = 1;
    config.sandbox.fuel = 20_000_000;
    config.sandbox.timeout_ms = 500;
    config.sandbox.memory_bytes = 4 << 20;
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn plugin_host_under_load() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let (target, target_hits) = target_server().await;
    let mut config = config(dir.path());
    // `echo` is rate limited hard (deterministic: no refill during the test); `hello` is the
    // load target with a quota the load test can exceed.
    config
        .rate
        .modules
        .insert("echo".to_owned(), "1/m burst 5".to_owned());
    config
        .rate
        .modules
        .insert("hello".to_owned(), "100/s burst 20".to_owned());
    config.outgoing_http.allow = vec![format!("http://{target}")];
    config.outgoing_http.allow_addresses = vec!["127.0.0.1/32".to_owned()];
    let host = server::start(config).await.unwrap();
    assert_eq!(
        host.loaded(),
        ["echo", "fetch", "flaky", "hello", "hog", "spin"]
    );
    assert!(host.skipped().is_empty(), "{:?}", host.skipped());
    let addr = host.addr();
    let mut tally = Tally::default();

    // Plain calls.
    let reply = send(addr, "GET", "/run/hello", &[], b"").await;
    tally.record(&reply);
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (200, "hello from wasm\n")
    );
    let reply = send(addr, "POST", "/run/echo", &[], b"ping").await;
    tally.record(&reply);
    assert_eq!((reply.status, reply.body.as_str()), (200, "ping"));
    let reply = send(addr, "GET", "/run/nope", &[], b"").await;
    tally.record(&reply);
    assert_eq!(reply.status, 404, "{reply:?}");

    // The validation layer: each status at its boundary.
    let at_limit = vec![b'x'; 1024];
    let over = vec![b'x'; 1025];
    let reply = send(addr, "POST", "/run/hello", &[], &at_limit).await;
    tally.record(&reply);
    assert_eq!(reply.status, 200, "a body of exactly the limit passes");
    let reply = send(addr, "POST", "/run/hello", &[], &over).await;
    tally.record(&reply);
    assert_eq!(reply.status, 413, "{reply:?}");
    assert!(
        reply.body.contains("1025 bytes; the limit is 1024"),
        "{reply:?}"
    );
    // A chunked body is counted as it streams: no Content-Length to refuse up front.
    let chunked = format!("401\r\n{}\r\n0\r\n\r\n", "y".repeat(0x401));
    let reply = send(
        addr,
        "POST",
        "/run/hello",
        &[("Transfer-Encoding", "chunked".to_owned())],
        chunked.as_bytes(),
    )
    .await;
    tally.record(&reply);
    assert_eq!(reply.status, 413, "{reply:?}");
    assert!(
        reply.body.contains("over the limit of 1024 bytes"),
        "{reply:?}"
    );
    let long = format!("/run/{}", "a".repeat(251));
    assert_eq!(long.len(), 256);
    let reply = send(addr, "GET", &long, &[], b"").await;
    tally.record(&reply);
    assert_eq!(
        reply.status, 400,
        "256 bytes pass the length check; the name is too long"
    );
    let reply = send(addr, "GET", &format!("{long}a"), &[], b"").await;
    tally.record(&reply);
    assert_eq!(reply.status, 414, "{reply:?}");
    for path in [
        "/run/%2e%2e",
        "/run/..%2fsecret",
        "/run/a/../hello",
        "/run//hello",
        "/run/con",
    ] {
        let reply = send(addr, "GET", path, &[], b"").await;
        tally.record(&reply);
        assert_eq!(reply.status, 400, "{path}: {reply:?}");
        assert!(
            reply
                .header("content-type")
                .unwrap()
                .starts_with("text/plain")
        );
    }
    let many: Vec<(&str, String)> = (0..14).map(|i| ("x-extra", format!("{i}"))).collect();
    // Host, Connection, Content-Length + 14 = 17 > 16.
    let reply = send(addr, "GET", "/run/hello", &many, b"").await;
    tally.record(&reply);
    assert_eq!(reply.status, 431, "{reply:?}");
    let reply = send(addr, "GET", "/run/hello", &many[..13], b"").await;
    tally.record(&reply);
    assert_eq!(reply.status, 200, "exactly 16 header fields pass");
    let reply = send(
        addr,
        "GET",
        "/run/hello",
        &[("x-name", "caf\u{e9}".to_owned())],
        b"",
    )
    .await;
    tally.record(&reply);
    assert_eq!(reply.status, 400, "non-ASCII header value: {reply:?}");

    // Per-module rate limit: exactly the burst passes, then 429 with Retry-After.
    for i in 0..8 {
        let reply = send(addr, "POST", "/run/echo", &[], b"x").await;
        tally.record(&reply);
        if i < 4 {
            // One of echo's 5 was spent above.
            assert_eq!(reply.status, 200, "call {i}: {reply:?}");
        } else {
            assert_eq!(reply.status, 429, "call {i}: {reply:?}");
            let retry: u64 = reply.header("retry-after").unwrap().parse().unwrap();
            assert!((1..=60).contains(&retry), "{retry}");
        }
    }

    // A failing module trips its breaker (4 failures of 4 calls ≥ 50 %), is refused with 503
    // while open, and recovers through one half-open probe.
    for _ in 0..4 {
        let reply = send(addr, "POST", "/run/flaky", &[], b"fail").await;
        tally.record(&reply);
        assert_eq!(reply.status, 500, "{reply:?}");
        assert!(reply.body.contains("failed: trap"), "{reply:?}");
    }
    let reply = send(addr, "POST", "/run/flaky", &[], b"fine").await;
    tally.record(&reply);
    assert_eq!(reply.status, 503, "{reply:?}");
    assert!(reply.body.contains("circuit breaker is open"), "{reply:?}");
    assert_eq!(reply.header("retry-after"), Some("1"));
    let open = metrics(addr).await;
    assert_eq!(
        metric(
            &open,
            r#"palisade_breaker_state{module="flaky",state="open"}"#
        ),
        1.0
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let reply = send(addr, "POST", "/run/flaky", &[], b"fine").await;
    tally.record(&reply);
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (200, "ok\n"),
        "the half-open probe"
    );
    let closed = metrics(addr).await;
    assert_eq!(
        metric(
            &closed,
            r#"palisade_breaker_state{module="flaky",state="closed"}"#
        ),
        1.0
    );

    // Controlled outgoing HTTP: the allowlisted loopback target answers; another port is
    // denied without a connection.
    let reply = send(
        addr,
        "POST",
        "/run/fetch",
        &[],
        format!("GET http://{target}/x\n").as_bytes(),
    )
    .await;
    tally.record(&reply);
    assert_eq!((reply.status, reply.body.as_str()), (200, "200\ntarget"));
    assert_eq!(target_hits.load(Ordering::SeqCst), 1);
    let elsewhere = SocketAddr::new(target.ip(), target.port().wrapping_add(1).max(1));
    let reply = send(
        addr,
        "POST",
        "/run/fetch",
        &[],
        format!("GET http://{elsewhere}/x\n").as_bytes(),
    )
    .await;
    tally.record(&reply);
    assert_eq!((reply.status, reply.body.as_str()), (200, "denied\n"));
    assert_eq!(target_hits.load(Ordering::SeqCst), 1);

    // Hostile handlers run while another client keeps calling `hello`: they are stopped
    // (fuel or deadline; memory limit), the others are answered.
    let hostile: Vec<_> = ["spin", "spin", "spin", "hog", "hog", "hog"]
        .into_iter()
        .map(|module| {
            tokio::spawn(async move {
                (
                    module,
                    send(addr, "POST", &format!("/run/{module}"), &[], b"").await,
                )
            })
        })
        .collect();
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let start = Instant::now();
        let reply = send(addr, "GET", "/run/hello", &[], b"").await;
        slowest = slowest.max(start.elapsed());
        tally.record(&reply);
        assert_eq!(reply.status, 200, "{reply:?}");
    }
    assert!(
        slowest < Duration::from_secs(5),
        "hello took {slowest:?} next to hostile handlers"
    );
    let mut stopped = BTreeMap::<&str, u32>::new();
    for task in hostile {
        let (module, reply) = task.await.unwrap();
        tally.record(&reply);
        match reply.status {
            500 => {
                let kind = ["out_of_fuel", "timeout", "memory_limit"]
                    .into_iter()
                    .find(|kind| reply.body.contains(kind))
                    .unwrap_or_else(|| panic!("{module}: {reply:?}"));
                *stopped.entry(kind).or_insert(0) += 1;
                if module == "hog" {
                    assert_eq!(kind, "memory_limit");
                }
            }
            // Two calls per module at once: the third may be refused as overloaded.
            503 => assert!(reply.body.contains("too many calls in flight"), "{reply:?}"),
            other => panic!("{module}: unexpected {other}: {reply:?}"),
        }
    }
    assert!(
        stopped.get("memory_limit").copied().unwrap_or(0) >= 1,
        "{stopped:?}"
    );
    assert!(
        stopped.get("out_of_fuel").copied().unwrap_or(0)
            + stopped.get("timeout").copied().unwrap_or(0)
            >= 1,
        "{stopped:?}"
    );

    // Load: 4 clients × 60 calls, two on `hello` (quota 100/s burst 20) and two on `flaky`
    // with a good body (quota 1000/s burst 1000), at most 2 in flight per module. Everything
    // is answered: 200, 429 or 503 (both with Retry-After); no more `hello` calls pass than
    // its quota allows.
    let load_started = Instant::now();
    let clients: Vec<_> = ["hello", "hello", "flaky", "flaky"]
        .into_iter()
        .map(|module| {
            tokio::spawn(async move {
                let mut replies = Vec::new();
                for _ in 0..60 {
                    let reply = send(addr, "POST", &format!("/run/{module}"), &[], b"fine").await;
                    replies.push((module, reply));
                }
                replies
            })
        })
        .collect();
    let mut load = BTreeMap::<&str, Tally>::new();
    for client in clients {
        for (module, reply) in client.await.unwrap() {
            match reply.status {
                200 if module == "hello" => assert_eq!(reply.body, "hello from wasm\n"),
                200 => assert_eq!(reply.body, "ok\n"),
                429 => assert!(reply.body.contains("module rate limit"), "{reply:?}"),
                // Two calls at once per module: two clients each can exceed that.
                503 => assert!(reply.body.contains("too many calls in flight"), "{reply:?}"),
                other => panic!("unexpected {other}: {reply:?}"),
            }
            if reply.status != 200 {
                assert!(reply.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
            }
            load.entry(module).or_default().record(&reply);
            tally.record(&reply);
        }
    }
    let load_time = load_started.elapsed();
    eprintln!("load: {load:?} in {load_time:?}");
    let hello = &load["hello"];
    let flaky = &load["flaky"];
    assert_eq!(hello.total() + flaky.total(), 240);
    assert_eq!(flaky.status(429), 0, "{flaky:?}");
    assert!(flaky.status(200) >= 60, "most flaky calls run: {flaky:?}");
    // GCRA bound: burst + rate × elapsed (+1 for the boundary); the bucket was drained by
    // earlier calls, which only lowers what may pass.
    let bound = 20.0 + 100.0 * load_time.as_secs_f64() + 1.0;
    assert!(
        (hello.status(200) as f64) <= bound,
        "{hello:?} in {load_time:?}"
    );

    // /metrics agrees with what the clients saw.
    let seen = metrics(addr).await;
    assert_eq!(
        metric(&seen, r#"palisade_rate_limited_total{scope="module"}"#) as u64,
        tally.status(429)
    );
    assert_eq!(
        metric(&seen, r#"palisade_rate_limited_total{scope="global"}"#),
        0.0
    );
    // Every 503 but the breaker's one came from the concurrency limit.
    let overloaded = metric(&seen, r#"palisade_overloaded_total{scope="module"}"#)
        + metric(&seen, r#"palisade_overloaded_total{scope="global"}"#);
    assert_eq!(overloaded as u64, tally.status(503) - 1);
    assert_eq!(
        metric(
            &seen,
            r#"palisade_requests_rejected_total{kind="body_too_large"}"#
        ),
        2.0
    );
    assert_eq!(
        metric(
            &seen,
            r#"palisade_requests_rejected_total{kind="target_too_long"}"#
        ),
        1.0
    );
    assert_eq!(
        metric(
            &seen,
            r#"palisade_requests_rejected_total{kind="too_many_headers"}"#
        ),
        1.0
    );
    assert_eq!(
        metric(
            &seen,
            r#"palisade_requests_rejected_total{kind="invalid_header_value"}"#
        ),
        1.0
    );
    assert_eq!(
        metric(
            &seen,
            r#"palisade_requests_rejected_total{kind="invalid_path"}"#
        ),
        5.0
    );
    assert_eq!(
        metric(&seen, r#"palisade_breaker_rejected_total{module="flaky"}"#),
        1.0
    );
    assert_eq!(
        metric(
            &seen,
            r#"palisade_sandbox_calls_total{module="flaky",outcome="trap"}"#
        ),
        4.0
    );
    let hello_ok = metric(
        &seen,
        r#"palisade_sandbox_calls_total{module="hello",outcome="ok"}"#,
    ) as u64;
    assert_eq!(hello_ok, 1 + 1 + 1 + 20 + hello.status(200), "{seen:?}");
    assert_eq!(
        metric(
            &seen,
            r#"palisade_sandbox_calls_total{module="flaky",outcome="ok"}"#
        ) as u64,
        1 + flaky.status(200)
    );
    let sandbox_runs: f64 = seen
        .iter()
        .filter(|(series, _)| series.starts_with("palisade_sandbox_calls_total"))
        .map(|(_, value)| value)
        .sum();
    assert_eq!(sandbox_runs as u64, tally.status(200) + tally.status(500));
    assert_eq!(
        metric(&seen, r#"palisade_decisions_total{decision="allow"}"#) as u64,
        tally.status(200) + tally.status(500)
    );
    assert_eq!(
        metric(&seen, r#"palisade_decisions_total{decision="deny"}"#) as u64,
        tally.total() - tally.status(200) - tally.status(500)
    );

    // Graceful shutdown, then the audit log: it verifies and holds one event per call, with
    // the status each client saw.
    let report = host.shutdown().await.unwrap();
    assert!(report.drained);
    assert_eq!(report.audit_events_written, tally.total());
    let reader = AuditReader::open(dir.path().join("audit.db")).unwrap();
    // Against the anchor of the seal made at shutdown: the tail is vouched for too.
    let anchor = std::fs::read_to_string(dir.path().join("audit.db.anchor")).unwrap();
    let verified = reader
        .verify(Some(Seal::from_anchor(&anchor).unwrap()), None)
        .unwrap();
    assert!(verified.is_ok(), "{verified:?}");
    assert_eq!(verified.events, tally.total());
    let rows = reader.query(&Query::new().limit(10_000)).unwrap().rows;
    assert_eq!(rows.len() as u64, tally.total());
    let mut audited = BTreeMap::<u16, u64>::new();
    for row in &rows {
        let metadata: serde_json::Value = serde_json::from_str(&row.event.metadata).unwrap();
        let status = u16::try_from(metadata["status"].as_u64().unwrap()).unwrap();
        *audited.entry(status).or_insert(0) += 1;
    }
    assert_eq!(audited, tally.by_status);
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn global_limit_and_shutdown_drains_a_running_call() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.rate.global = "1/m burst 3".to_owned();
    config.header_read_timeout_ms = 300;
    config.body_read_timeout_ms = 300;
    // Long enough to be in flight when shutdown starts.
    config.sandbox.fuel = u64::MAX / 2;
    config.sandbox.timeout_ms = 800;
    let host = server::start(config).await.unwrap();
    let addr = host.addr();

    // Global quota: 3 calls across modules, then 429 naming the global limit.
    let mut statuses = Vec::new();
    for module in ["hello", "echo", "hello", "echo"] {
        let reply = send(addr, "POST", &format!("/run/{module}"), &[], b"x").await;
        if reply.status == 429 {
            assert!(reply.body.contains("global rate limit"), "{reply:?}");
            assert!(reply.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
        }
        statuses.push(reply.status);
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
    let seen = metrics(addr).await;
    assert_eq!(
        metric(&seen, r#"palisade_rate_limited_total{scope="global"}"#),
        1.0
    );

    // A call running when shutdown starts is finished, answered and audited.
    let mut config = self::config(dir.path());
    config.audit_db = dir.path().join("drain.db");
    config.sandbox.fuel = u64::MAX / 2;
    config.sandbox.timeout_ms = 800;
    let draining = server::start(config).await.unwrap();
    let addr = draining.addr();
    let running = tokio::spawn(async move { send(addr, "POST", "/run/spin", &[], b"").await });
    // Shut down once the call is running (metrics requests are not audited).
    let waiting = Instant::now();
    while metric(&metrics(addr).await, "palisade_calls_in_flight") < 1.0 {
        assert!(
            waiting.elapsed() < Duration::from_secs(10),
            "the call never started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let report = draining.shutdown().await.unwrap();
    let reply = running.await.unwrap();
    assert_eq!(reply.status, 500, "{reply:?}");
    assert!(reply.body.contains("timeout"), "{reply:?}");
    assert!(report.drained);
    assert_eq!(report.audit_events_written, 1);
    // The listener is closed.
    assert!(TcpStream::connect(addr).await.is_err());
    let reader = AuditReader::open(dir.path().join("drain.db")).unwrap();
    assert!(reader.verify(None, None).unwrap().is_ok());

    // A client that never finishes its request head is disconnected after the header read
    // timeout (300 ms here), and is no request: nothing is audited.
    let slow_started = Instant::now();
    let mut slow = TcpStream::connect(host.addr()).await.unwrap();
    slow.write_all(b"GET /run/hello HTTP/1.1\r\nHost: t\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut rest))
        .await
        .expect("the slow client is disconnected")
        .ok();
    assert!(
        slow_started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        slow_started.elapsed()
    );

    // A body that stalls is refused with 408 after the body read timeout (300 ms here); the
    // refusal is a request like any other, so it is audited.
    let stalled_started = Instant::now();
    let mut stalled = TcpStream::connect(host.addr()).await.unwrap();
    stalled
        .write_all(b"POST /run/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
        .await
        .unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stalled.read_to_end(&mut raw))
        .await
        .expect("the stalled body is refused")
        .ok();
    let reply = parse(&raw);
    assert_eq!(reply.status, 408, "{reply:?}");
    assert_eq!(reply.body, "the request body was not received in time\n");
    assert!(stalled_started.elapsed() >= Duration::from_millis(250));

    // Malformed header lines never become requests: hyper answers 400 itself, so neither
    // the layer nor the audit log sees them.
    for raw in [
        &b"GET /run/hello HTTP/1.1\r\nHost: t\r\nX-Bad: a\rb\r\nConnection: close\r\n\r\n"[..],
        b"GET /run/hello HTTP/1.1\r\nHost: t\r\nX-Bad: a\0b\r\nConnection: close\r\n\r\n",
        b"GET /run/hello HTTP/1.1\r\nHost: t\r\nBad Name: x\r\nConnection: close\r\n\r\n",
    ] {
        let reply = send_raw(host.addr(), raw).await;
        assert_eq!(reply.status, 400, "{:?}", raw.escape_ascii().to_string());
    }

    let report = host.shutdown().await.unwrap();
    assert_eq!(
        report.audit_events_written, 5,
        "4 calls (one refused by the global limit) and the stalled body"
    );
}

#[test]
fn config_errors_name_file_line_and_column() {
    let error = server::Config::from_toml(
        "listen = \"127.0.0.1:0\"\n[rate]\nglobl = \"1/s\"\n",
        Path::new("host.toml"),
    )
    .unwrap_err();
    assert!(error.starts_with("host.toml:3:1: "), "{error}");
    assert!(error.contains("globl"), "{error}");
    let shipped =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/plugin_host/plugin_host.toml");
    let config = server::Config::from_file(&shipped).unwrap();
    assert_eq!(
        config.rate.modules.get("spin").map(String::as_str),
        Some("2/s burst 4")
    );
}
