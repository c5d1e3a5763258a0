//! Controlled HTTP: a pure policy ([`HttpPolicy`], [`HostPattern`], address classification)
//! and, with the `http` feature, the client that enforces it and the guest capability.
//!
//! **Guest ABI** (feature `http`, granted with
//! [`SandboxBuilder::http`](crate::SandboxBuilder::http)): import
//! `palisade::http_request` as a bytes host function (see [`abi`](crate::abi)). The request
//! is `METHOD SP URL LF BODY`; the response written back is the three-digit status, `LF`, and
//! the body. A policy denial returns [`HOST_DENIED`](crate::abi::HOST_DENIED) to the guest and
//! is recorded in the call's report; a network failure returns
//! [`HOST_FAILED`](crate::abi::HOST_FAILED).

#[cfg(feature = "http")]
mod client;
mod policy;

#[cfg(feature = "http")]
pub use client::{HTTP_IMPORT, HttpClient, HttpResponse};
pub use policy::{
    HostPattern, HttpPolicy, IpRange, PatternError, Scheme, Target, TargetHost, special_purpose,
};

/// The `palisade::http_request` host function enforcing `policy`.
#[cfg(feature = "http")]
pub(crate) fn host_function(policy: HttpPolicy) -> crate::host::HostFunction {
    use crate::error::ErrorKind;
    use crate::value::HostError;

    let client = HttpClient::new(policy);
    crate::host::HostFunction::bytes(
        HTTP_IMPORT.0,
        HTTP_IMPORT.1,
        std::sync::Arc::new(move |request: &[u8]| {
            let (method, url, body) = parse_guest_request(request).ok_or_else(|| {
                HostError::failed(
                    "malformed request: expected `METHOD URL`, a newline, then the body",
                )
            })?;
            match client.send(method, url, body) {
                Ok(response) => Ok(encode_guest_response(response.status, &response.body)),
                Err(err) if err.kind() == ErrorKind::HttpDenied => {
                    Err(HostError::denied(err.message()))
                }
                Err(err) => Err(HostError::failed(err.message())),
            }
        }),
    )
}

/// Splits a guest request `METHOD SP URL LF BODY`.
#[cfg_attr(not(feature = "http"), allow(dead_code))]
pub(crate) fn parse_guest_request(request: &[u8]) -> Option<(&str, &str, &[u8])> {
    let line_end = request.iter().position(|&b| b == b'\n')?;
    let (line, rest) = request.split_at(line_end);
    let body = rest.get(1..)?;
    let line = std::str::from_utf8(line).ok()?;
    let (method, url) = line.split_once(' ')?;
    Some((method, url, body))
}

/// Encodes a response for the guest: `STATUS LF BODY`.
#[cfg_attr(not(feature = "http"), allow(dead_code))]
pub(crate) fn encode_guest_response(status: u16, body: &[u8]) -> Vec<u8> {
    let mut out = format!("{status:03}\n").into_bytes();
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_requests_split_on_the_first_line() {
        assert_eq!(
            parse_guest_request(b"GET https://a.example/x\nbody\nmore"),
            Some(("GET", "https://a.example/x", &b"body\nmore"[..]))
        );
        assert_eq!(
            parse_guest_request(b"GET https://a.example/\n"),
            Some(("GET", "https://a.example/", &b""[..]))
        );
        assert_eq!(parse_guest_request(b"GET https://a.example/"), None);
        assert_eq!(parse_guest_request(b"\xff \n"), None);
        assert_eq!(parse_guest_request(b"GET\n"), None);
        assert_eq!(encode_guest_response(200, b"ok"), b"200\nok");
    }
}
