//! The policy-checked HTTP client behind the `palisade::http_request` host function.
//!
//! Every hop: method and URL against the allowlists, the host resolved here (never by the
//! guest), *every* resolved address checked, and the connection made to exactly those checked
//! addresses (a pinned resolver), so a DNS answer that changes between check and connect
//! (rebinding) cannot redirect it. Redirects are not followed unless allowed, and then each
//! `Location` is checked like a new request. Bodies are capped both ways; proxies from the
//! environment are ignored.

use std::net::{SocketAddr, ToSocketAddrs as _};
use std::sync::mpsc;
use std::time::Duration;

use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use super::policy::{HttpPolicy, Target, TargetHost};
use crate::error::{Error, ErrorKind};

/// The module and name under which guests import the HTTP capability.
pub const HTTP_IMPORT: (&str, &str) = ("palisade", "http_request");

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpResponse {
    /// The status code (a 3xx when redirects are not followed).
    pub status: u16,
    /// The body, at most the policy's response cap.
    pub body: Vec<u8>,
}

/// A blocking HTTP client that makes only the requests its [`HttpPolicy`] allows.
#[derive(Debug, Clone)]
pub struct HttpClient {
    policy: HttpPolicy,
}

impl HttpClient {
    /// A client enforcing `policy`.
    pub fn new(policy: HttpPolicy) -> Self {
        Self { policy }
    }

    /// The policy.
    pub fn policy(&self) -> &HttpPolicy {
        &self.policy
    }

    /// Sends one request. Fails with [`ErrorKind::HttpDenied`] when the policy refuses it (at
    /// any hop) and [`ErrorKind::Io`] when the network does.
    pub fn send(&self, method: &str, url: &str, body: &[u8]) -> Result<HttpResponse, Error> {
        if body.len() > self.policy.request_limit() {
            return Err(Error::new(
                ErrorKind::HttpDenied,
                format!(
                    "http request denied: the body is {} bytes, over the limit of {}",
                    body.len(),
                    self.policy.request_limit()
                ),
            ));
        }
        let mut method = method.to_owned();
        let mut body = body.to_vec();
        let mut url = url.to_owned();
        let mut hops: u8 = 0;
        loop {
            let target = self.policy.check_request(&method, &url)?;
            let addresses = self.resolve(&target)?;
            crate::debug!(url = %target.url, ?addresses, "http request allowed");
            let (response, location) = self.fetch(&method, &target, addresses, &body)?;
            let redirect = (300..400).contains(&response.status) && response.status != 304;
            match location {
                Some(location) if redirect && hops < self.policy.redirect_limit() => {
                    hops = hops.saturating_add(1);
                    url = target
                        .url
                        .join(&location)
                        .map_err(|e| {
                            Error::new(
                                ErrorKind::HttpDenied,
                                format!("http request denied: bad redirect `{location}`: {e}"),
                            )
                        })?
                        .to_string();
                    // 301/302/303 become GET without a body, as browsers do; 307/308 keep both.
                    if matches!(response.status, 301..=303) {
                        method = "GET".to_owned();
                        body.clear();
                    }
                }
                _ => return Ok(response),
            }
        }
    }

    /// Resolves the target's host and checks every address; one denied address denies the
    /// request.
    fn resolve(&self, target: &Target) -> Result<Vec<SocketAddr>, Error> {
        let addresses = match &target.host {
            TargetHost::Ip(ip) => vec![SocketAddr::new(*ip, target.port)],
            TargetHost::Domain(name) => lookup(name, target.port, self.policy.request_timeout())?,
        };
        if addresses.is_empty() {
            return Err(network(format!("`{}` resolved to no address", target.url)));
        }
        for address in &addresses {
            self.policy.check_address(address.ip()).map_err(|err| {
                Error::new(
                    ErrorKind::HttpDenied,
                    format!(
                        "{} (`{}` resolved to it)",
                        err.message(),
                        target.url.host_str().unwrap_or_default()
                    ),
                )
            })?;
        }
        Ok(addresses)
    }

    fn fetch(
        &self,
        method: &str,
        target: &Target,
        addresses: Vec<SocketAddr>,
        body: &[u8],
    ) -> Result<(HttpResponse, Option<String>), Error> {
        let config = ureq::Agent::config_builder()
            .max_redirects(0)
            .max_redirects_will_error(false)
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(self.policy.request_timeout()))
            .max_response_header_size(64 << 10)
            .max_idle_connections(0)
            .build();
        let resolver = PinnedResolver {
            host: target.url.host_str().unwrap_or_default().to_owned(),
            addresses,
        };
        let agent = ureq::Agent::with_parts(config, DefaultConnector::new(), resolver);
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(target.url.as_str())
            .body(body.to_vec())
            .map_err(|e| {
                Error::new(
                    ErrorKind::HttpDenied,
                    format!("http request denied: cannot build the request: {e}"),
                )
            })?;
        let mut response = agent
            .run(request)
            .map_err(|e| network(format!("request to `{}` failed: {e}", target.url)))?;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let limit = u64::try_from(self.policy.response_limit()).unwrap_or(u64::MAX);
        let body = response
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => Error::new(
                    ErrorKind::HttpDenied,
                    format!(
                        "http response denied: the body is over the limit of {} bytes",
                        self.policy.response_limit()
                    ),
                ),
                other => network(format!(
                    "reading the response from `{}` failed: {other}",
                    target.url
                )),
            })?;
        Ok((HttpResponse { status, body }, location))
    }
}

fn network(message: String) -> Error {
    Error::new(ErrorKind::Io, message)
}

/// Resolves on a helper thread so a slow DNS server cannot hold the call past `timeout` (the
/// thread finishes on its own when the system resolver gives up).
fn lookup(name: &str, port: u16, timeout: Duration) -> Result<Vec<SocketAddr>, Error> {
    let (send, receive) = mpsc::channel();
    let host = name.to_owned();
    std::thread::Builder::new()
        .name("palisade-dns".to_owned())
        .spawn(move || {
            let result = (host.as_str(), port)
                .to_socket_addrs()
                .map(Iterator::collect::<Vec<_>>);
            let _ = send.send(result);
        })
        .map_err(|e| network(format!("cannot start a resolver thread: {e}")))?;
    match receive.recv_timeout(timeout) {
        Ok(Ok(addresses)) => Ok(addresses),
        Ok(Err(e)) => Err(network(format!("cannot resolve `{name}`: {e}"))),
        Err(_) => Err(network(format!("resolving `{name}` timed out"))),
    }
}

/// Hands ureq exactly the addresses we checked, and only for the host we checked them for.
#[derive(Debug)]
struct PinnedResolver {
    host: String,
    addresses: Vec<SocketAddr>,
}

impl Resolver for PinnedResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        _config: &ureq::config::Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().unwrap_or_default();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if !host.eq_ignore_ascii_case(self.host.trim_start_matches('[').trim_end_matches(']')) {
            return Err(ureq::Error::HostNotFound);
        }
        let mut pinned = self.empty();
        for address in &self.addresses {
            if pinned.try_push(*address).is_err() {
                break;
            }
        }
        Ok(pinned)
    }
}
