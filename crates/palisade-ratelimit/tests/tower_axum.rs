//! The tower layers in a real axum server on 127.0.0.1, driven over real TCP connections:
//! 429 with `Retry-After` exactly when the limiter says so, one limit across every clone of
//! the service and every connection, 503 from an open breaker and from the concurrency limit.
#![cfg(feature = "tower")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use palisade_ratelimit::layer::{
    BoxError, CircuitBreakerLayer, ConcurrencyLimitLayer, KeyedCircuitBreakerLayer, RateLimitLayer,
    RateLimited,
};
use palisade_ratelimit::{
    CallNotPermitted, CircuitBreaker, ConcurrencyLimiter, FakeClock, RateLimiter, SlidingWindow,
    TooManyInFlight,
};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceBuilder;

/// Every request is bounded by this; the whole file sends a few hundred requests.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What a server maps each rejection to.
async fn rejection_to_response(error: BoxError) -> Response {
    if let Some(limited) = error.downcast_ref::<RateLimited>() {
        let mut response = StatusCode::TOO_MANY_REQUESTS.into_response();
        if let Some(secs) = limited.retry_after_secs() {
            response
                .headers_mut()
                .insert("retry-after", secs.to_string().parse().unwrap());
        }
        return response;
    }
    if let Some(open) = error.downcast_ref::<CallNotPermitted>() {
        let mut response = StatusCode::SERVICE_UNAVAILABLE.into_response();
        if let Some(wait) = open.retry_after() {
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert("retry-after", secs.max(1).to_string().parse().unwrap());
        }
        return response;
    }
    if error.downcast_ref::<TooManyInFlight>().is_some()
        || error.downcast_ref::<palisade_ratelimit::Error>().is_some()
    {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

fn tenant(request: &Request) -> String {
    request
        .headers()
        .get("x-tenant")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("anonymous")
        .to_string()
}

async fn serve(router: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// A keep-alive HTTP/1.1 client connection.
struct Client {
    stream: BufReader<TcpStream>,
}

#[derive(Debug)]
struct Reply {
    status: u16,
    retry_after: Option<String>,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Self {
        Self {
            stream: BufReader::new(TcpStream::connect(addr).await.unwrap()),
        }
    }

    async fn get(&mut self, path: &str, headers: &[(&str, &str)]) -> Reply {
        tokio::time::timeout(REQUEST_TIMEOUT, self.get_inner(path, headers))
            .await
            .expect("request timed out")
    }

    async fn get_inner(&mut self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = format!("GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        self.stream
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .unwrap();
        let mut line = String::new();
        self.stream.read_line(&mut line).await.unwrap();
        let status: u16 = line.split(' ').nth(1).unwrap().parse().unwrap();
        let mut retry_after = None;
        let mut length = 0usize;
        loop {
            line.clear();
            self.stream.read_line(&mut line).await.unwrap();
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').unwrap();
            match name.to_ascii_lowercase().as_str() {
                "retry-after" => retry_after = Some(value.trim().to_string()),
                "content-length" => length = value.trim().parse().unwrap(),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).await.unwrap();
        Reply {
            status,
            retry_after,
        }
    }
}

fn rate_limited_router(limiter: RateLimiter<String, FakeClock>) -> Router {
    Router::new().route("/", get(|| async { "ok" })).layer(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(rejection_to_response))
            .layer(RateLimitLayer::new(limiter, tenant)),
    )
}

#[tokio::test]
async fn rejections_come_exactly_when_the_limiter_says_with_retry_after() {
    let clock = FakeClock::new();
    let limiter = RateLimiter::builder()
        .global("8/s".parse().unwrap())
        .per_key("5/s".parse().unwrap())
        .clock(clock.clone())
        .build()
        .unwrap();
    let addr = serve(rate_limited_router(limiter.clone())).await;
    let mut client = Client::connect(addr).await;
    let a = [("x-tenant", "a")];
    let b = [("x-tenant", "b")];

    for i in 0..5 {
        let reply = client.get("/", &a).await;
        assert_eq!(
            (reply.status, reply.retry_after),
            (200, None),
            "request {i}"
        );
    }
    // The sixth for `a` waits 200 ms for its key: Retry-After rounds up to 1.
    let reply = client.get("/", &a).await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.retry_after.as_deref(), Some("1"));
    // `a`'s denials spent no global cells: `b` gets the 3 left of the global burst of 8.
    for _ in 0..3 {
        assert_eq!(client.get("/", &b).await.status, 200);
    }
    let reply = client.get("/", &b).await;
    assert_eq!(reply.status, 429, "global quota spent");
    assert_eq!(reply.retry_after.as_deref(), Some("1"));

    clock.advance(Duration::from_secs(1));
    assert_eq!(client.get("/", &a).await.status, 200);
    let m = limiter.metrics();
    assert_eq!((m.allowed, m.denied), (9, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_limit_holds_across_clones_and_connections() {
    let clock = FakeClock::new(); // time stands still: exactly the burst passes
    let limiter = RateLimiter::builder()
        .per_key("20/s".parse().unwrap())
        .clock(clock)
        .build()
        .unwrap();
    let addr = serve(rate_limited_router(limiter)).await;
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(async move {
                let mut client = Client::connect(addr).await;
                let mut statuses = Vec::new();
                for _ in 0..25 {
                    statuses.push(client.get("/", &[("x-tenant", "x")]).await.status);
                }
                statuses
            })
        })
        .collect();
    let mut ok = 0;
    let mut limited = 0;
    for task in tasks {
        for status in task.await.unwrap() {
            match status {
                200 => ok += 1,
                429 => limited += 1,
                other => panic!("unexpected status {other}"),
            }
        }
    }
    assert_eq!((ok, limited), (20, 80));
}

#[tokio::test]
async fn an_open_breaker_answers_503_with_retry_after() {
    let clock = FakeClock::new();
    let breaker = CircuitBreaker::builder()
        .sliding_window(SlidingWindow::Count(4))
        .minimum_calls(4)
        .wait_in_open(Duration::from_millis(2500))
        .half_open_calls(1)
        .clock(clock.clone())
        .build()
        .unwrap();
    let router = Router::new()
        .route(
            "/",
            get(|headers: HeaderMap| async move {
                if headers.contains_key("x-fail") {
                    StatusCode::BAD_GATEWAY
                } else {
                    StatusCode::OK
                }
            }),
        )
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(rejection_to_response))
                .layer(
                    CircuitBreakerLayer::new(breaker.clone())
                        .classify_responses(|r: &Response| r.status().is_server_error()),
                ),
        );
    let addr = serve(router).await;
    let mut client = Client::connect(addr).await;
    for _ in 0..4 {
        assert_eq!(client.get("/", &[("x-fail", "1")]).await.status, 502);
    }
    let reply = client.get("/", &[]).await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.retry_after.as_deref(), Some("3"));
    clock.advance(Duration::from_millis(2500));
    assert_eq!(client.get("/", &[]).await.status, 200, "the probe");
    assert_eq!(breaker.state(), palisade_ratelimit::State::Closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_concurrency_limit_sheds_load_with_503() {
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let handler_gate = Arc::clone(&gate);
    let limiter = ConcurrencyLimiter::new(2, 2).unwrap();
    let router = Router::new()
        .route(
            "/",
            get(move || {
                let gate = Arc::clone(&handler_gate);
                async move {
                    gate.acquire().await.unwrap().forget();
                    "done"
                }
            }),
        )
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(rejection_to_response))
                .layer(ConcurrencyLimitLayer::new(limiter.clone(), tenant)),
        );
    let addr = serve(router).await;
    let held: Vec<_> = (0..2)
        .map(|_| {
            tokio::spawn(async move { Client::connect(addr).await.get("/", &[]).await.status })
        })
        .collect();
    // Wait until both are in flight (bounded).
    for _ in 0..1000 {
        if limiter.in_flight() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(limiter.in_flight(), 2);
    assert_eq!(Client::connect(addr).await.get("/", &[]).await.status, 503);
    gate.add_permits(2);
    for h in held {
        assert_eq!(h.await.unwrap(), 200);
    }
    assert_eq!(
        limiter.in_flight(),
        0,
        "permits released with the responses"
    );
}

#[tokio::test]
async fn keyed_breakers_open_per_backend() {
    let clock = FakeClock::new();
    let template = CircuitBreaker::builder()
        .sliding_window(SlidingWindow::Count(2))
        .minimum_calls(2)
        .wait_in_open(Duration::from_secs(10))
        .clock(clock.clone());
    let breakers = Arc::new(palisade_ratelimit::KeyedCircuitBreakers::new(template, 1).unwrap());
    let router = Router::new()
        .route(
            "/",
            get(|headers: HeaderMap| async move {
                if headers.contains_key("x-fail") {
                    StatusCode::BAD_GATEWAY
                } else {
                    StatusCode::OK
                }
            }),
        )
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(rejection_to_response))
                .layer(
                    KeyedCircuitBreakerLayer::new(Arc::clone(&breakers), tenant)
                        .classify_responses(|r: &Response| r.status().is_server_error()),
                ),
        );
    let addr = serve(router).await;
    let mut client = Client::connect(addr).await;
    let failing = [("x-tenant", "a"), ("x-fail", "1")];
    assert_eq!(client.get("/", &failing).await.status, 502);
    assert_eq!(client.get("/", &failing).await.status, 502);
    let reply = client.get("/", &[("x-tenant", "a")]).await;
    assert_eq!(reply.status, 503, "a's breaker is open");
    assert_eq!(reply.retry_after.as_deref(), Some("10"));
    // At most one breaker, and a's is open: it is not forgotten to make room for b.
    assert_eq!(client.get("/", &[("x-tenant", "b")]).await.status, 503);
    assert_eq!(breakers.len(), 1);
    clock.advance(Duration::from_secs(10));
    assert_eq!(client.get("/", &[("x-tenant", "a")]).await.status, 200);
}
