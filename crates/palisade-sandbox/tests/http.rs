//! Controlled HTTP against a real loopback server: SSRF attempts are denied before any
//! connection, redirects are re-checked, sizes capped, and guests get an error code (not a
//! trap) while the embedder gets the denial in the report.
#![cfg(feature = "http")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code fails loudly"
)]

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use palisade_sandbox::abi::HOST_DENIED;
use palisade_sandbox::http::{HttpClient, HttpPolicy, IpRange};
use palisade_sandbox::{ErrorKind, Sandbox, Value};

/// A tiny HTTP/1.1 server on 127.0.0.1 that answers at most `max` connections within 30 s,
/// then stops by itself. Returns its port and a count of requests it saw.
fn server(max: usize) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut served = 0;
        while served < max && Instant::now() < deadline {
            let Ok((stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            served += 1;
            counter.fetch_add(1, Ordering::SeqCst);
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut reader = BufReader::new(stream);
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
            }
            let path = request_line.split(' ').nth(1).unwrap_or("/").to_owned();
            let (status, extra, body): (&str, String, Vec<u8>) = match path.as_str() {
                "/ok" => ("200 OK", String::new(), b"hello from loopback".to_vec()),
                "/to-metadata" => (
                    "302 Found",
                    "Location: http://169.254.169.254/latest/meta-data/\r\n".to_owned(),
                    Vec::new(),
                ),
                "/to-ok" => ("302 Found", "Location: /ok\r\n".to_owned(), Vec::new()),
                "/big" => ("200 OK", String::new(), vec![b'x'; 256 << 10]),
                _ => ("404 Not Found", String::new(), Vec::new()),
            };
            let mut stream = reader.into_inner();
            let head = format!(
                "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    (port, seen)
}

fn loopback_allowed(policy: HttpPolicy) -> HttpPolicy {
    policy
        .allow_addresses(IpRange::single(IpAddr::V4(Ipv4Addr::LOCALHOST)))
        .allow_addresses(IpRange::single(IpAddr::V6(Ipv6Addr::LOCALHOST)))
}

#[test]
fn an_allowed_request_reaches_the_server() {
    let (port, seen) = server(1);
    let policy = HttpPolicy::new()
        .allow(&format!("http://localhost:{port}"))
        .unwrap();
    let client = HttpClient::new(loopback_allowed(policy));
    let response = client
        .send("GET", &format!("http://localhost:{port}/ok"), b"")
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"hello from loopback");
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[test]
fn a_host_not_in_the_allowlist_is_denied_without_connecting() {
    let (port, seen) = server(1);
    let client = HttpClient::new(
        HttpPolicy::new()
            .allow(&format!("http://allowed.example:{port}"))
            .unwrap(),
    );
    for url in [
        format!("http://127.0.0.1:{port}/ok"),
        format!("http://localhost:{}/ok", port),
        format!("https://allowed.example:{port}/ok"),
        format!("http://allowed.example:{}/ok", port.wrapping_add(1)),
    ] {
        let err = client.send("GET", &url, b"").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::HttpDenied, "{url}: {err}");
    }
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(seen.load(Ordering::SeqCst), 0);
}

#[test]
fn an_allowed_name_resolving_to_loopback_is_denied() {
    let (port, seen) = server(1);
    let client = HttpClient::new(
        HttpPolicy::new()
            .allow(&format!("http://localhost:{port}"))
            .unwrap(),
    );
    let err = client
        .send("GET", &format!("http://localhost:{port}/ok"), b"")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HttpDenied, "{err}");
    assert!(err.message().contains("loopback"), "{err}");
    assert!(err.message().contains("localhost"), "{err}");
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(seen.load(Ordering::SeqCst), 0);
}

#[test]
fn cloud_metadata_addresses_are_denied_even_when_allowlisted() {
    let client = HttpClient::new(
        HttpPolicy::new()
            .allow("http://169.254.169.254")
            .unwrap()
            .allow("http://[fd00:ec2::254]")
            .unwrap(),
    );
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
    ] {
        let started = Instant::now();
        let err = client.send("GET", url, b"").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::HttpDenied, "{url}: {err}");
        assert!(err.message().contains("metadata"), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "it tried to connect"
        );
    }
}

#[test]
fn a_redirect_to_a_denied_host_is_denied() {
    let (port, seen) = server(3);
    let policy = HttpPolicy::new()
        .allow(&format!("http://localhost:{port}"))
        .unwrap()
        .allow("http://169.254.169.254")
        .unwrap()
        .max_redirects(3);
    let client = HttpClient::new(loopback_allowed(policy));
    let err = client
        .send("GET", &format!("http://localhost:{port}/to-metadata"), b"")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HttpDenied, "{err}");
    assert!(err.message().contains("metadata"), "{err}");
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    // An allowed redirect is followed: two more requests.
    let response = client
        .send("GET", &format!("http://localhost:{port}/to-ok"), b"")
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"hello from loopback");
    assert_eq!(seen.load(Ordering::SeqCst), 3);
}

#[test]
fn redirects_are_not_followed_by_default() {
    let (port, seen) = server(1);
    let policy = HttpPolicy::new()
        .allow(&format!("http://localhost:{port}"))
        .unwrap();
    let client = HttpClient::new(loopback_allowed(policy));
    let response = client
        .send("GET", &format!("http://localhost:{port}/to-metadata"), b"")
        .unwrap();
    assert_eq!(response.status, 302);
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[test]
fn methods_and_sizes_are_capped() {
    let (port, seen) = server(1);
    let policy = HttpPolicy::new()
        .allow(&format!("http://localhost:{port}"))
        .unwrap()
        .max_response_bytes(64 << 10)
        .max_request_bytes(16);
    let client = HttpClient::new(loopback_allowed(policy));
    let url = format!("http://localhost:{port}/big");
    let err = client.send("DELETE", &url, b"").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HttpDenied, "{err}");
    let err = client.send("GET", &url, &[0; 17]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HttpDenied, "{err}");
    assert_eq!(seen.load(Ordering::SeqCst), 0);
    let err = client.send("GET", &url, b"").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HttpDenied, "{err}");
    assert!(err.message().contains("limit"), "{err}");
}

/// A guest that sends the request stored at 0 (length given) and returns the host's status
/// code; the response lands at 4096.
fn guest(request: &str) -> String {
    format!(
        r#"(module
          (import "palisade" "http_request" (func $http (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "{}")
          (func (export "fetch") (result i32)
            (call $http (i32.const 0) (i32.const {}) (i32.const 4096) (i32.const 4096))))"#,
        request.replace('\n', "\\n"),
        request.len()
    )
}

#[test]
fn guests_get_an_error_code_and_the_embedder_gets_the_denial() {
    let (port, seen) = server(1);
    let policy = HttpPolicy::new()
        .allow(&format!("http://localhost:{port}"))
        .unwrap();
    let sandbox = Sandbox::builder().http(policy.clone()).build().unwrap();
    let plugin = sandbox
        .load_wat(&guest(&format!("GET http://localhost:{port}/ok\n")))
        .unwrap();
    let outcome = plugin.call("fetch", &[]).unwrap();
    assert_eq!(outcome.value, vec![Value::I32(HOST_DENIED)]);
    let denial = &outcome.report.denials[0];
    assert_eq!(denial.capability, "palisade::http_request");
    assert!(denial.reason.contains("loopback"), "{denial:?}");
    assert_eq!(seen.load(Ordering::SeqCst), 0);

    // With loopback explicitly allowed, the guest gets the response.
    let sandbox = Sandbox::builder()
        .http(loopback_allowed(policy))
        .build()
        .unwrap();
    let plugin = sandbox
        .load_wat(&guest(&format!("GET http://localhost:{port}/ok\n")))
        .unwrap();
    let outcome = plugin.call("fetch", &[]).unwrap();
    let expected = b"200\nhello from loopback".len();
    assert_eq!(
        outcome.value,
        vec![Value::I32(i32::try_from(expected).unwrap())]
    );
    assert!(outcome.report.denials.is_empty());
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[test]
fn without_the_grant_the_http_import_is_forbidden() {
    let err = Sandbox::builder()
        .build()
        .unwrap()
        .load_wat(&guest("GET http://example.com/\n"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ForbiddenImport);
    assert!(err.message().contains("palisade::http_request"));
}
