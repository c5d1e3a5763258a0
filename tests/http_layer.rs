//! `palisade::http::ValidateRequestLayer` driven directly with constructed requests: every
//! status code at its boundary (exactly at the limit passes, one over fails), streamed bodies,
//! ambiguous framing, paths, and the rejection hook. The same layer over a real loopback
//! server is in `tests/plugin_host.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code fails loudly"
)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body::{Body, Frame};
use palisade::http::{BodyTimedOut, RejectionKind, RequestLimits, ValidateRequestLayer};
use palisade::path::{Profile, Sanitizer};
use tower::{Layer as _, Service};

/// A request body delivered in the given frames (an `Err` frame is a read error).
#[derive(Debug, Default)]
struct Frames(VecDeque<Result<Bytes, std::io::Error>>);

impl Frames {
    fn chunks(chunks: &[&[u8]]) -> Self {
        Self(
            chunks
                .iter()
                .map(|c| Ok(Bytes::copy_from_slice(c)))
                .collect(),
        )
    }
}

impl From<Bytes> for Frames {
    fn from(bytes: Bytes) -> Self {
        Self(VecDeque::from([Ok(bytes)]))
    }
}

impl Body for Frames {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Poll::Ready(self.0.pop_front().map(|frame| frame.map(Frame::data)))
    }
}

/// The inner service: records each body it receives and answers 200.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Bytes>>>);

impl Service<Request<Frames>> for Recorder {
    type Response = Response<Frames>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Frames>) -> Self::Future {
        let mut body = request.into_body();
        let bytes = body
            .0
            .pop_front()
            .map(|frame| frame.unwrap())
            .unwrap_or_default();
        assert!(
            body.0.is_empty(),
            "the inner service gets one buffered frame"
        );
        self.0.lock().unwrap().push(bytes);
        std::future::ready(Ok(Response::new(Frames::default())))
    }
}

/// Polls a future that never waits (every body here is ready at once).
fn ready<F: Future>(future: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    let mut future = pin!(future);
    for _ in 0..1000 {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
    panic!("the future did not complete");
}

struct Outcome {
    status: StatusCode,
    reason: String,
    close: bool,
    reached_inner: bool,
}

fn run(limits: RequestLimits, request: Request<Frames>) -> Outcome {
    let recorder = Recorder::default();
    let mut service = ValidateRequestLayer::new(limits).layer(recorder.clone());
    let response = ready(service.call(request)).unwrap();
    let status = response.status();
    let close = response.headers().get("connection") == Some(&HeaderValue::from_static("close"));
    if status != StatusCode::OK {
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            "text/plain; charset=utf-8"
        );
    }
    let mut body = response.into_body();
    let reason = body
        .0
        .pop_front()
        .map(|frame| String::from_utf8(frame.unwrap().to_vec()).unwrap())
        .unwrap_or_default();
    let reached_inner = !recorder.0.lock().unwrap().is_empty();
    Outcome {
        status,
        reason,
        close,
        reached_inner,
    }
}

fn get(target: &str) -> Request<Frames> {
    Request::get(target).body(Frames::default()).unwrap()
}

fn post_declared(len: usize) -> Request<Frames> {
    Request::post("/upload")
        .header("content-length", len)
        .body(Frames::chunks(&[&vec![b'x'; len]]))
        .unwrap()
}

#[test]
fn declared_body_at_the_limit_passes_and_one_over_is_413_before_reading() {
    let limits = RequestLimits::builder().max_body_bytes(100).build();
    let ok = run(limits.clone(), post_declared(100));
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.reached_inner);

    let over = run(limits, post_declared(101));
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(over.reason, "request body is 101 bytes; the limit is 100\n");
    assert!(over.close, "413 closes the connection");
    assert!(!over.reached_inner);
}

#[test]
fn streamed_bodies_are_counted_as_they_arrive() {
    let limits = RequestLimits::builder().max_body_bytes(100).build();
    let chunked = |chunks: &[&[u8]]| {
        Request::post("/upload")
            .body(Frames::chunks(chunks))
            .unwrap()
    };
    let ok = run(limits.clone(), chunked(&[&[b'a'; 60], &[b'b'; 40]]));
    assert_eq!(ok.status, StatusCode::OK);

    let over = run(limits.clone(), chunked(&[&[b'a'; 60], &[b'b'; 41]]));
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(over.reason, "request body is over the limit of 100 bytes\n");
    assert!(!over.reached_inner);

    // A Content-Length that understates the body does not get it past the count.
    let lying = Request::post("/upload")
        .header("content-length", "10")
        .body(Frames::chunks(&[&[b'a'; 101]]))
        .unwrap();
    assert_eq!(
        run(limits.clone(), lying).status,
        StatusCode::PAYLOAD_TOO_LARGE
    );

    // A body that fails mid-way is a 400, not a partial request.
    let broken = Request::post("/upload")
        .body(Frames(VecDeque::from([
            Ok(Bytes::from_static(b"abc")),
            Err(std::io::Error::other("reset")),
        ])))
        .unwrap();
    let outcome = run(limits, broken);
    assert_eq!(outcome.status, StatusCode::BAD_REQUEST);
    assert!(!outcome.reached_inner);
}

#[test]
fn a_body_that_reports_its_deadline_is_408() {
    let timed_out = |error: std::io::Error| {
        Request::post("/upload")
            .body(Frames(VecDeque::from([
                Ok(Bytes::from_static(b"ab")),
                Err(error),
            ])))
            .unwrap()
    };
    for error in [
        std::io::Error::other(BodyTimedOut),
        std::io::Error::new(std::io::ErrorKind::TimedOut, BodyTimedOut),
    ] {
        let outcome = run(RequestLimits::default(), timed_out(error));
        assert_eq!(outcome.status, StatusCode::REQUEST_TIMEOUT);
        assert_eq!(
            outcome.reason,
            "the request body was not received in time\n"
        );
        assert!(outcome.close);
        assert!(!outcome.reached_inner);
    }
    // Any other timeout-looking error is just unreadable.
    let other = timed_out(std::io::Error::new(std::io::ErrorKind::TimedOut, "slow"));
    assert_eq!(
        run(RequestLimits::default(), other).status,
        StatusCode::BAD_REQUEST
    );
}

#[test]
fn the_inner_service_gets_the_exact_body() {
    let recorder = Recorder::default();
    let mut service = ValidateRequestLayer::new(RequestLimits::default()).layer(recorder.clone());
    let request = Request::post("/x")
        .body(Frames::chunks(&[b"hel", b"", b"lo"]))
        .unwrap();
    assert_eq!(
        ready(service.call(request)).unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        recorder.0.lock().unwrap().as_slice(),
        [Bytes::from_static(b"hello")]
    );
}

#[test]
fn ambiguous_content_length_is_400() {
    let limits = RequestLimits::default();
    let cases = [
        vec![("content-length", "abc")],
        vec![("content-length", "+5")],
        vec![("content-length", "5, 5")],
        vec![("content-length", "5"), ("content-length", "6")],
        vec![("content-length", "5"), ("transfer-encoding", "chunked")],
    ];
    for headers in cases {
        let mut request = Request::post("/upload");
        for (name, value) in &headers {
            request = request.header(*name, *value);
        }
        let outcome = run(
            limits.clone(),
            request.body(Frames::chunks(&[b"hello"])).unwrap(),
        );
        assert_eq!(outcome.status, StatusCode::BAD_REQUEST, "{headers:?}");
        assert!(!outcome.reached_inner);
    }
    // The same length twice is not ambiguous.
    let same = Request::post("/upload")
        .header("content-length", "5")
        .header("content-length", "5")
        .body(Frames::chunks(&[b"hello"]))
        .unwrap();
    assert_eq!(run(limits, same).status, StatusCode::OK);
}

#[test]
fn header_count_limit_is_431() {
    let limits = RequestLimits::builder().max_headers(3).build();
    let with = |count: usize| {
        let mut request = Request::get("/");
        for i in 0..count {
            request = request.header("x-a", i.to_string());
        }
        request.body(Frames::default()).unwrap()
    };
    assert_eq!(run(limits.clone(), with(3)).status, StatusCode::OK);
    let over = run(limits, with(4));
    assert_eq!(over.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(over.reason, "request has 4 header fields; the limit is 3\n");
}

#[test]
fn header_size_limit_is_431() {
    // name (3) + value (n) bytes.
    let limits = RequestLimits::builder().max_header_bytes(20).build();
    let with = |value_len: usize| {
        Request::get("/")
            .header("x-a", "v".repeat(value_len))
            .body(Frames::default())
            .unwrap()
    };
    assert_eq!(run(limits.clone(), with(17)).status, StatusCode::OK);
    let over = run(limits, with(18));
    assert_eq!(over.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(
        over.reason,
        "header fields total 21 bytes; the limit is 20\n"
    );
}

#[test]
fn header_values_with_forbidden_bytes_are_400() {
    // The `http` crate's safe constructors already refuse NUL, CR and LF (hyper refuses them
    // on the wire); the layer's own check of those bytes is unit-tested in `src/http.rs`.
    for bytes in [&b"a\0b"[..], b"a\rb", b"a\nb"] {
        assert!(HeaderValue::from_bytes(bytes).is_err());
    }
    // What they let through and the layer refuses: non-ASCII (obs-text) bytes.
    let value = HeaderValue::from_bytes("caf\u{e9}".as_bytes()).unwrap();
    let request = Request::get("/")
        .header("x-name", value)
        .body(Frames::default())
        .unwrap();
    let outcome = run(RequestLimits::default(), request);
    assert_eq!(outcome.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        outcome.reason,
        "header `x-name` contains a non-ASCII byte\n"
    );
    assert!(!outcome.reached_inner);
}

#[test]
fn target_length_limit_is_414_and_counts_the_query() {
    let limits = RequestLimits::builder().max_target_bytes(16).build();
    assert_eq!(
        run(limits.clone(), get("/abcdefghijklmno")).status,
        StatusCode::OK
    ); // 16
    assert_eq!(
        run(limits.clone(), get("/abcdefgh?q=1234")).status,
        StatusCode::OK
    ); // 16
    let over = run(limits.clone(), get("/abcdefghijklmnop")); // 17
    assert_eq!(over.status, StatusCode::URI_TOO_LONG);
    assert_eq!(over.reason, "request target is 17 bytes; the limit is 16\n");
    assert_eq!(
        run(limits, get("/abcdefgh?q=12345")).status,
        StatusCode::URI_TOO_LONG
    );
}

#[test]
fn paths_must_be_in_sanitized_normal_form() {
    let limits = RequestLimits::default();
    for good in [
        "/",
        "/run/hello",
        "/run/hello/",
        "/a-b/c.d_e",
        "/run/hello?x=1&y=../z",
        "/a/%41",
    ] {
        assert_eq!(
            run(limits.clone(), get(good)).status,
            StatusCode::OK,
            "{good}"
        );
    }
    for bad in [
        "/..",
        "/run/../etc/passwd",
        "/run/./hello",
        "/run//hello",
        "//",
        "/run/%2e%2e/x",
        "/run/%2E%2E",
        "/run/a%2fb",
        "/run/a%2Fb",
        "/run/a%5cb",
        "/run/a%00b",
        "/run/a\\b",
        "/run/con",
        "/run/hello.",
        "/run/a:b",
        "/run/%ef%bc%8f",   // fullwidth solidus
        "/run/a%e2%88%95b", // division slash
    ] {
        let Ok(request) = Request::get(bad).body(Frames::default()) else {
            continue; // not even a valid URI for the `http` crate
        };
        let outcome = run(limits.clone(), request);
        assert_eq!(
            outcome.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            outcome.reason
        );
        assert!(
            outcome.reason.starts_with("path `"),
            "{bad}: {}",
            outcome.reason
        );
        assert!(!outcome.reached_inner, "{bad}");
    }
}

#[test]
fn the_path_sanitizer_is_configurable() {
    let unix = RequestLimits::builder()
        .path_sanitizer(Sanitizer::builder().profile(Profile::Unix).build().unwrap())
        .build();
    assert_eq!(
        run(unix.clone(), get("/v1/items:batch")).status,
        StatusCode::OK
    );
    assert_eq!(run(unix, get("/v1/../x")).status, StatusCode::BAD_REQUEST);

    let off = RequestLimits::builder()
        .skip_path_sanitizer()
        .max_target_bytes(8)
        .build();
    assert_eq!(run(off.clone(), get("/a//b/..")).status, StatusCode::OK);
    assert_eq!(run(off, get("/a//b/../c")).status, StatusCode::URI_TOO_LONG);
}

#[test]
fn the_hook_sees_every_rejection_once() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let hook_seen = Arc::clone(&seen);
    let limits = RequestLimits::builder()
        .max_body_bytes(4)
        .on_reject(move |rejection, head| {
            hook_seen.lock().unwrap().push((
                rejection.kind(),
                rejection.status(),
                head.uri.path().to_owned(),
            ));
        })
        .build();
    assert_eq!(run(limits.clone(), get("/fine")).status, StatusCode::OK);
    run(limits.clone(), get("/a/../b"));
    run(limits, post_declared(5));
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        [
            (
                RejectionKind::InvalidPath,
                StatusCode::BAD_REQUEST,
                "/a/../b".to_owned()
            ),
            (
                RejectionKind::BodyTooLarge,
                StatusCode::PAYLOAD_TOO_LARGE,
                "/upload".to_owned()
            ),
        ]
    );
}
