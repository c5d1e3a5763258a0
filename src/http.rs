//! Request validation for HTTP hosts: a tower [`Layer`] that refuses requests whose size,
//! headers or path a host should never have to handle, with the status a client expects.
//!
//! | check | default | status |
//! |---|---|---|
//! | request target (path and query) length | 2,048 bytes | 414 |
//! | path: every segment must survive [`palisade_path::Sanitizer`] unchanged (no `..`, `.`, empty segments, `\`, `%2f`, `%2e%2e`, look-alike slashes, NUL, controls, Windows device names) | strict-portable sanitizer | 400 |
//! | number of header fields | 64 | 431 |
//! | total header size (name + value bytes of every field) | 8 KiB | 431 |
//! | header names: RFC 9110 token characters only | on | 400 |
//! | header values: no NUL, CR, LF, other controls (HTAB allowed) or non-ASCII bytes | on | 400 |
//! | `Content-Length`: one value, digits only; not together with `Transfer-Encoding` | on | 400 |
//! | body: `Content-Length` over the limit refused before reading; a streamed (chunked) body counted while read | 1 MiB | 413 |
//! | body: the body reports [`BodyTimedOut`] (a host-supplied deadline) | — | 408 |
//!
//! Every rejection is a response with a short plain-text reason (`text/plain; charset=utf-8`);
//! the inner service never sees the request. The same checks are available without tower:
//! [`RequestLimits::check_head`] and [`RouteName::parse`].
//!
//! ```
//! use bytes::Bytes;
//! use http::{Request, Response, StatusCode};
//! use http_body_util::Full;
//! use palisade::http::{RequestLimits, ValidateRequestLayer};
//! use tower::{Layer as _, Service as _};
//!
//! # #[derive(Clone)]
//! # struct Echo; // answers 200 with the request's body
//! # impl tower::Service<Request<Full<Bytes>>> for Echo {
//! #     type Response = Response<Full<Bytes>>;
//! #     type Error = std::convert::Infallible;
//! #     type Future = std::future::Ready<Result<Self::Response, Self::Error>>;
//! #     fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
//! #         std::task::Poll::Ready(Ok(()))
//! #     }
//! #     fn call(&mut self, request: Request<Full<Bytes>>) -> Self::Future {
//! #         std::future::ready(Ok(Response::new(request.into_body())))
//! #     }
//! # }
//! # fn block_on<F: std::future::Future>(future: F) -> F::Output {
//! #     let waker = std::task::Waker::noop();
//! #     let mut cx = std::task::Context::from_waker(&waker);
//! #     let mut future = std::pin::pin!(future);
//! #     loop {
//! #         if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) { return out; }
//! #     }
//! # }
//! # block_on(async {
//! let limits = RequestLimits::builder().max_body_bytes(16).build();
//! let mut service = ValidateRequestLayer::new(limits).layer(Echo);
//!
//! let ok = Request::post("/run/hello").body(Full::new(Bytes::from("sixteen bytes ok")))?;
//! assert_eq!(service.call(ok).await?.status(), StatusCode::OK);
//!
//! let big = Request::post("/run/hello").body(Full::new(Bytes::from("seventeen bytes!!")))?;
//! assert_eq!(service.call(big).await?.status(), StatusCode::PAYLOAD_TOO_LARGE);
//!
//! let sneaky = Request::get("/run/%2e%2e/secret").body(Full::new(Bytes::new()))?;
//! assert_eq!(service.call(sneaky).await?.status(), StatusCode::BAD_REQUEST);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **The body is read into memory, up to the limit, before the inner service runs.** That is
//! what lets the layer answer 413 itself for a chunked body, whatever the inner service would
//! do with a body error; the inner service receives the same body type rebuilt from the bytes
//! (`B: From<Bytes>`: axum's `Body`, `Full<Bytes>`, ...). Trailers are dropped. Hosts that
//! stream large uploads should not put this layer in front of those routes.
//!
//! Wire-level framing (bare CR or LF in a header line, obs-fold, invalid bytes in names) is
//! already refused by hyper before a request exists; the `http` crate's safe constructors
//! refuse NUL, CR and LF in values and non-token names too. The layer checks them again
//! (requests built through `unsafe` constructors, other servers) and adds what neither refuses:
//! non-ASCII header bytes, ambiguous `Content-Length`, paths.
//!
//! Not covered here: time. The layer has no timer (it runs on any executor): bound slow
//! request heads with hyper's `header_read_timeout`, and slow bodies by giving the layer a body
//! that fails with [`BodyTimedOut`] at a deadline (answered 408; `examples/plugin_host` does
//! both). Request rates: see [`palisade_ratelimit`](crate::ratelimit).

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::ops::RangeInclusive;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf as _, Bytes, BytesMut};
use http::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use http::request::Parts;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::BodyExt as _;
use palisade_path::Sanitizer;
use tower::{Layer, Service};

/// Default limit on the body, in bytes (1 MiB).
pub const DEFAULT_MAX_BODY_BYTES: u64 = 1 << 20;
/// Default limit on the number of header fields.
pub const DEFAULT_MAX_HEADERS: usize = 64;
/// Default limit on the name and value bytes of all header fields together (8 KiB).
pub const DEFAULT_MAX_HEADER_BYTES: usize = 8 << 10;
/// Default limit on the request target (path and query), in bytes.
pub const DEFAULT_MAX_TARGET_BYTES: usize = 2048;
/// Longest [`RouteName`], in bytes.
pub const MAX_ROUTE_NAME_BYTES: usize = 64;

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectionKind {
    /// The body (declared or streamed) is over the limit: 413.
    BodyTooLarge,
    /// The body could not be read (the client went away, a framing error): 400.
    BodyUnreadable,
    /// The body did not arrive in time (its body reported [`BodyTimedOut`]): 408.
    BodyTimeout,
    /// `Content-Length` is malformed, repeated with different values, or sent together with
    /// `Transfer-Encoding` (request smuggling): 400.
    AmbiguousLength,
    /// More header fields than the limit: 431.
    TooManyHeaders,
    /// The header fields together are larger than the limit: 431.
    HeadersTooLarge,
    /// A header name has a character outside RFC 9110's `token`: 400.
    InvalidHeaderName,
    /// A header value has NUL, CR, LF, another control character or a non-ASCII byte: 400.
    InvalidHeaderValue,
    /// The request target (path and query) is longer than the limit: 414.
    TargetTooLong,
    /// The path is not already in the normal form the sanitizer gives, or the sanitizer
    /// refused it (traversal, encoded separators, look-alikes, ...): 400.
    InvalidPath,
    /// A routed name (e.g. a module) is not a single safe name: 400.
    InvalidRouteName,
}

impl RejectionKind {
    /// A stable snake_case name, for metrics and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectionKind::BodyTooLarge => "body_too_large",
            RejectionKind::BodyUnreadable => "body_unreadable",
            RejectionKind::BodyTimeout => "body_timeout",
            RejectionKind::AmbiguousLength => "ambiguous_length",
            RejectionKind::TooManyHeaders => "too_many_headers",
            RejectionKind::HeadersTooLarge => "headers_too_large",
            RejectionKind::InvalidHeaderName => "invalid_header_name",
            RejectionKind::InvalidHeaderValue => "invalid_header_value",
            RejectionKind::TargetTooLong => "target_too_long",
            RejectionKind::InvalidPath => "invalid_path",
            RejectionKind::InvalidRouteName => "invalid_route_name",
        }
    }

    /// The status code the client gets.
    pub fn status(self) -> StatusCode {
        match self {
            RejectionKind::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            RejectionKind::TooManyHeaders | RejectionKind::HeadersTooLarge => {
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
            }
            RejectionKind::TargetTooLong => StatusCode::URI_TOO_LONG,
            RejectionKind::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            RejectionKind::BodyUnreadable
            | RejectionKind::AmbiguousLength
            | RejectionKind::InvalidHeaderName
            | RejectionKind::InvalidHeaderValue
            | RejectionKind::InvalidPath
            | RejectionKind::InvalidRouteName => StatusCode::BAD_REQUEST,
        }
    }
}

impl fmt::Display for RejectionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused request: the kind, the status and a reason a person can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Rejection {
    kind: RejectionKind,
    reason: String,
}

impl Rejection {
    fn new(kind: RejectionKind, reason: impl Into<String>) -> Self {
        Self {
            kind,
            reason: reason.into(),
        }
    }

    /// Why the request was refused.
    pub fn kind(&self) -> RejectionKind {
        self.kind
    }

    /// The status code the client gets.
    pub fn status(&self) -> StatusCode {
        self.kind.status()
    }

    /// The short plain-text reason sent to the client.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The response the layer sends: the status, `text/plain; charset=utf-8`, the reason and a
    /// newline. A 413 or 408 also says `Connection: close`, since the unread rest of the body
    /// would otherwise be taken for the next request.
    pub fn into_response<B: From<Bytes>>(self) -> Response<B> {
        let status = self.status();
        let mut body = self.reason.into_bytes();
        body.push(b'\n');
        let mut response = Response::new(B::from(Bytes::from(body)));
        *response.status_mut() = status;
        response.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        if matches!(
            status,
            StatusCode::PAYLOAD_TOO_LARGE | StatusCode::REQUEST_TIMEOUT
        ) {
            response
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// The error a request body reports when it did not arrive in time. The layer has no timer
/// (it runs on any executor): a host bounds body reads by wrapping the body in one that
/// fails with this error at its deadline, and the layer answers 408 instead of 400.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, thiserror::Error)]
#[error("the request body was not received in time")]
pub struct BodyTimedOut;

/// Whether `error`, or an error it wraps, is [`BodyTimedOut`].
fn is_body_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.is::<BodyTimedOut>() {
            return true;
        }
        // `io::Error::other(BodyTimedOut)`: an io::Error's `source()` skips the error it wraps.
        if let Some(io) = error.downcast_ref::<std::io::Error>()
            && io.get_ref().is_some_and(|inner| inner.is::<BodyTimedOut>())
        {
            return true;
        }
        current = error.source();
    }
    false
}

/// Any error, as body errors are converted for inspection.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Called with every rejection before the response is sent (for metrics and audit logs).
type RejectionHook = Arc<dyn Fn(&Rejection, &Parts) + Send + Sync>;

/// The limits a [`ValidateRequestLayer`] enforces. Build with [`RequestLimits::builder`];
/// [`RequestLimits::default`] gives the defaults in the module docs.
#[derive(Clone)]
pub struct RequestLimits {
    max_body_bytes: u64,
    max_headers: usize,
    max_header_bytes: usize,
    max_target_bytes: usize,
    path_sanitizer: Option<Sanitizer>,
    on_reject: Option<RejectionHook>,
}

impl fmt::Debug for RequestLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestLimits")
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_headers", &self.max_headers)
            .field("max_header_bytes", &self.max_header_bytes)
            .field("max_target_bytes", &self.max_target_bytes)
            .field("path_sanitizer", &self.path_sanitizer)
            .field("on_reject", &self.on_reject.as_ref().map(|_| "Fn"))
            .finish()
    }
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_headers: DEFAULT_MAX_HEADERS,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            max_target_bytes: DEFAULT_MAX_TARGET_BYTES,
            path_sanitizer: Some(Sanitizer::new()),
            on_reject: None,
        }
    }
}

/// Builds [`RequestLimits`]; every setting starts at its safe default.
#[derive(Debug, Clone, Default)]
pub struct RequestLimitsBuilder {
    limits: RequestLimits,
}

impl RequestLimitsBuilder {
    /// Largest body accepted, in bytes (a body of exactly this size passes).
    pub fn max_body_bytes(mut self, bytes: u64) -> Self {
        self.limits.max_body_bytes = bytes;
        self
    }

    /// Largest number of header fields (a repeated name counts once per field).
    pub fn max_headers(mut self, fields: usize) -> Self {
        self.limits.max_headers = fields;
        self
    }

    /// Largest sum of name and value bytes over all header fields.
    pub fn max_header_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_header_bytes = bytes;
        self
    }

    /// Largest request target (path and query, as received), in bytes.
    pub fn max_target_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_target_bytes = bytes;
        self
    }

    /// The sanitizer every request path must pass unchanged (default: `Sanitizer::new()`,
    /// strict-portable). Use a `Profile::Unix` sanitizer to allow `:` in paths.
    pub fn path_sanitizer(mut self, sanitizer: Sanitizer) -> Self {
        self.limits.path_sanitizer = Some(sanitizer);
        self
    }

    /// Turns path sanitisation off (the length limit still applies). Only for hosts that
    /// never map paths to names or files.
    pub fn skip_path_sanitizer(mut self) -> Self {
        self.limits.path_sanitizer = None;
        self
    }

    /// Calls `hook` with every rejection and the request head, before the response is sent.
    /// The hook runs on the request's task: keep it short and non-blocking.
    pub fn on_reject(mut self, hook: impl Fn(&Rejection, &Parts) + Send + Sync + 'static) -> Self {
        self.limits.on_reject = Some(Arc::new(hook));
        self
    }

    /// The limits.
    pub fn build(self) -> RequestLimits {
        self.limits
    }
}

/// RFC 9110 §5.6.2 `tchar`: the only characters a header name may use.
const TOKEN_PUNCTUATION: &[u8] = b"!#$%&'*+-.^_`|~";

fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || TOKEN_PUNCTUATION.contains(&byte)
}

/// Bytes refused in header values, with the words the reason uses. RFC 9110 §5.5: a field
/// value is visible ASCII, spaces and tabs (and obsolete `obs-text`). NUL, CR and LF are what
/// header injection and response splitting use; other controls have no meaning; `obs-text`
/// (0x80–0xFF) is refused too, because its interpretation differs between parsers.
const VALUE_BYTE_RULES: &[(RangeInclusive<u8>, &str)] = &[
    (0x00..=0x00, "a NUL byte"),
    (0x0d..=0x0d, "a carriage return"),
    (0x0a..=0x0a, "a line feed"),
    (0x01..=0x08, "a control character"),
    (0x0b..=0x0c, "a control character"),
    (0x0e..=0x1f, "a control character"),
    (0x7f..=0x7f, "a DEL character"),
    (0x80..=0xff, "a non-ASCII byte"),
];

/// What is wrong with a header value byte, if anything.
pub fn header_value_byte_problem(byte: u8) -> Option<&'static str> {
    VALUE_BYTE_RULES
        .iter()
        .find(|(range, _)| range.contains(&byte))
        .map(|(_, problem)| *problem)
}

/// Checks a raw header name: non-empty and RFC 9110 token characters only.
pub fn check_header_name(name: &[u8]) -> Result<(), Rejection> {
    if name.is_empty() {
        return Err(Rejection::new(
            RejectionKind::InvalidHeaderName,
            "a header name is empty",
        ));
    }
    match name.iter().find(|byte| !is_token_byte(**byte)) {
        None => Ok(()),
        Some(byte) => Err(Rejection::new(
            RejectionKind::InvalidHeaderName,
            format!(
                "header name `{}` contains the byte 0x{byte:02x}, which is not a token character",
                name.escape_ascii()
            ),
        )),
    }
}

/// Checks a raw header value: no NUL, CR, LF, other controls except HTAB, DEL or non-ASCII.
pub fn check_header_value(name: &str, value: &[u8]) -> Result<(), Rejection> {
    match value
        .iter()
        .find_map(|byte| header_value_byte_problem(*byte))
    {
        None => Ok(()),
        Some(problem) => Err(Rejection::new(
            RejectionKind::InvalidHeaderValue,
            format!("header `{name}` contains {problem}"),
        )),
    }
}

impl RequestLimits {
    /// The limits with every setting at its default (same as `default()`).
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder starting from the defaults.
    pub fn builder() -> RequestLimitsBuilder {
        RequestLimitsBuilder::default()
    }

    /// The body limit, in bytes.
    pub fn max_body_bytes(&self) -> u64 {
        self.max_body_bytes
    }

    /// Checks everything known before the body is read: target length, path, header count,
    /// size, names and values, and `Content-Length`. Returns the declared body length, if any.
    pub fn check_head(&self, head: &Parts) -> Result<Option<u64>, Rejection> {
        self.check_target(head)?;
        self.check_headers(head)?;
        self.declared_length(head)
    }

    fn check_target(&self, head: &Parts) -> Result<(), Rejection> {
        let target = head
            .uri
            .path_and_query()
            .map_or_else(|| head.uri.path(), |target| target.as_str());
        if target.len() > self.max_target_bytes {
            return Err(Rejection::new(
                RejectionKind::TargetTooLong,
                format!(
                    "request target is {} bytes; the limit is {}",
                    target.len(),
                    self.max_target_bytes
                ),
            ));
        }
        let Some(sanitizer) = &self.path_sanitizer else {
            return Ok(());
        };
        let path = head.uri.path();
        // The path must already be in normal form: `/a/b` or `/a/b/`; anything the sanitizer
        // would change (`/a/./b`, `/a//b`, `/a\b`, `/a/../b`) or refuses is refused here.
        let relative = path.strip_prefix('/').unwrap_or(path);
        let relative = relative.strip_suffix('/').unwrap_or(relative);
        if relative.is_empty() {
            return if path == "/" || path.is_empty() {
                Ok(())
            } else {
                Err(invalid_path(path, "it has an empty segment"))
            };
        }
        match sanitizer.sanitize(relative) {
            Ok(clean) if clean.as_str() == relative => Ok(()),
            Ok(_) => Err(invalid_path(
                path,
                "it has empty, `.` or `..` segments or a backslash",
            )),
            Err(error) => Err(invalid_path(path, &error.kind().to_string())),
        }
    }

    fn check_headers(&self, head: &Parts) -> Result<(), Rejection> {
        let count = head.headers.len();
        if count > self.max_headers {
            return Err(Rejection::new(
                RejectionKind::TooManyHeaders,
                format!(
                    "request has {count} header fields; the limit is {}",
                    self.max_headers
                ),
            ));
        }
        let mut total: usize = 0;
        for (name, value) in &head.headers {
            total = total
                .saturating_add(name.as_str().len())
                .saturating_add(value.len());
            check_header_name(name.as_str().as_bytes())?;
            check_header_value(name.as_str(), value.as_bytes())?;
        }
        if total > self.max_header_bytes {
            return Err(Rejection::new(
                RejectionKind::HeadersTooLarge,
                format!(
                    "header fields total {total} bytes; the limit is {}",
                    self.max_header_bytes
                ),
            ));
        }
        Ok(())
    }

    fn declared_length(&self, head: &Parts) -> Result<Option<u64>, Rejection> {
        let mut declared: Option<u64> = None;
        for value in head.headers.get_all(CONTENT_LENGTH) {
            let length = parse_content_length(value.as_bytes()).ok_or_else(|| {
                Rejection::new(
                    RejectionKind::AmbiguousLength,
                    format!(
                        "content-length `{}` is not a number",
                        value.as_bytes().escape_ascii()
                    ),
                )
            })?;
            match declared {
                Some(previous) if previous != length => {
                    return Err(Rejection::new(
                        RejectionKind::AmbiguousLength,
                        "content-length is given twice with different values",
                    ));
                }
                _ => declared = Some(length),
            }
        }
        // RFC 9112 §6.1: both framings at once is how requests are smuggled past proxies.
        if declared.is_some() && head.headers.contains_key(TRANSFER_ENCODING) {
            return Err(Rejection::new(
                RejectionKind::AmbiguousLength,
                "content-length and transfer-encoding are both given",
            ));
        }
        if let Some(length) = declared
            && length > self.max_body_bytes
        {
            return Err(body_too_large(Some(length), self.max_body_bytes));
        }
        Ok(declared)
    }

    fn reject(&self, rejection: &Rejection, head: &Parts) {
        if let Some(hook) = &self.on_reject {
            hook(rejection, head);
        }
    }
}

/// RFC 9110 §8.6: `Content-Length = 1*DIGIT` (no sign, no spaces, no list).
fn parse_content_length(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}

fn invalid_path(path: &str, why: &str) -> Rejection {
    Rejection::new(
        RejectionKind::InvalidPath,
        format!("path `{}` is refused: {why}", shorten(path)),
    )
}

fn body_too_large(declared: Option<u64>, limit: u64) -> Rejection {
    let reason = match declared {
        Some(length) => format!("request body is {length} bytes; the limit is {limit}"),
        None => format!("request body is over the limit of {limit} bytes"),
    };
    Rejection::new(RejectionKind::BodyTooLarge, reason)
}

/// User input in a reason is cut to 64 characters, so a reason stays short.
fn shorten(text: &str) -> Cow<'_, str> {
    const KEEP: usize = 64;
    match text.char_indices().nth(KEEP) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}…", text.get(..end).unwrap_or_default())),
    }
}

/// A name taken from a route (`/run/{module}`) that is safe to use as a file or map key: one
/// segment of 1–64 bytes of `A–Z a–z 0–9 _ - .`, not starting with `.`, and unchanged by
/// palisade-path's strict-portable sanitizer (so no `..`, no Windows device names, no
/// trailing dot).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouteName(String);

/// Characters a [`RouteName`] may use, besides ASCII letters and digits.
const ROUTE_NAME_PUNCTUATION: &[u8] = b"_-.";

impl RouteName {
    /// Checks `segment` (already percent-decoded by the router, if it decodes).
    pub fn parse(segment: &str) -> Result<Self, Rejection> {
        let refuse = |why: &str| {
            Rejection::new(
                RejectionKind::InvalidRouteName,
                format!(
                    "name `{}` is refused: {why}",
                    shorten(segment).escape_debug()
                ),
            )
        };
        if segment.is_empty() || segment.len() > MAX_ROUTE_NAME_BYTES {
            return Err(refuse("it must be 1 to 64 bytes"));
        }
        if !segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || ROUTE_NAME_PUNCTUATION.contains(&b))
        {
            return Err(refuse("only letters, digits, `_`, `-` and `.` are allowed"));
        }
        if segment.starts_with('.') {
            return Err(refuse("it starts with a dot"));
        }
        match Sanitizer::new().sanitize(segment) {
            Ok(clean) if clean.as_str() == segment && clean.depth() == 1 => {
                Ok(Self(segment.to_owned()))
            }
            Ok(_) => Err(refuse("it is not a single plain name")),
            Err(error) => Err(refuse(&error.kind().to_string())),
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RouteName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A tower layer that validates requests against [`RequestLimits`] (see the module docs).
///
/// Cloning is cheap: every service made by the layer shares one `Arc` of the limits.
#[derive(Debug, Clone, Default)]
pub struct ValidateRequestLayer {
    limits: Arc<RequestLimits>,
}

impl ValidateRequestLayer {
    /// A layer enforcing `limits`.
    pub fn new(limits: RequestLimits) -> Self {
        Self {
            limits: Arc::new(limits),
        }
    }
}

impl<S> Layer<S> for ValidateRequestLayer {
    type Service = ValidateRequest<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ValidateRequest {
            inner,
            limits: Arc::clone(&self.limits),
        }
    }
}

/// The service made by [`ValidateRequestLayer`].
#[derive(Debug, Clone)]
pub struct ValidateRequest<S> {
    inner: S,
    limits: Arc<RequestLimits>,
}

/// The future of [`ValidateRequest`].
pub type ResponseFuture<R, E> = Pin<Box<dyn Future<Output = Result<R, E>> + Send>>;

impl<S, B, ResBody> Service<Request<B>> for ValidateRequest<S>
where
    S: Service<Request<B>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Body + From<Bytes> + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    ResBody: From<Bytes> + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The clone is the one that was not polled ready; call the ready one (tower's
        // documented pattern for services used from a boxed future).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let limits = Arc::clone(&self.limits);
        Box::pin(async move {
            let (head, body) = request.into_parts();
            let declared = match limits.check_head(&head) {
                Ok(declared) => declared,
                Err(rejection) => {
                    limits.reject(&rejection, &head);
                    return Ok(rejection.into_response());
                }
            };
            let bytes = match read_body(body, limits.max_body_bytes, declared).await {
                Ok(bytes) => bytes,
                Err(rejection) => {
                    limits.reject(&rejection, &head);
                    return Ok(rejection.into_response());
                }
            };
            inner.call(Request::from_parts(head, B::from(bytes))).await
        })
    }
}

/// Reads the body frame by frame, refusing it as soon as it passes `limit` bytes.
async fn read_body<B: Body<Error: Into<BoxError>>>(
    body: B,
    limit: u64,
    declared: Option<u64>,
) -> Result<Bytes, Rejection> {
    let mut body = std::pin::pin!(body);
    let capacity = declared
        .and_then(|length| usize::try_from(length).ok())
        .unwrap_or(0);
    let mut collected = BytesMut::with_capacity(capacity);
    let mut total: u64 = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| {
            let error: BoxError = error.into();
            if is_body_timeout(&*error) {
                Rejection::new(RejectionKind::BodyTimeout, BodyTimedOut.to_string())
            } else {
                Rejection::new(
                    RejectionKind::BodyUnreadable,
                    "the request body could not be read",
                )
            }
        })?;
        let Ok(mut data) = frame.into_data() else {
            continue; // trailers are dropped
        };
        total = total.saturating_add(data.remaining() as u64);
        if total > limit {
            return Err(body_too_large(None, limit));
        }
        while data.has_remaining() {
            let chunk = data.chunk();
            collected.extend_from_slice(chunk);
            let read = chunk.len();
            data.advance(read);
        }
    }
    Ok(collected.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_status() {
        let table = [
            (RejectionKind::BodyTooLarge, 413),
            (RejectionKind::BodyUnreadable, 400),
            (RejectionKind::BodyTimeout, 408),
            (RejectionKind::AmbiguousLength, 400),
            (RejectionKind::TooManyHeaders, 431),
            (RejectionKind::HeadersTooLarge, 431),
            (RejectionKind::InvalidHeaderName, 400),
            (RejectionKind::InvalidHeaderValue, 400),
            (RejectionKind::TargetTooLong, 414),
            (RejectionKind::InvalidPath, 400),
            (RejectionKind::InvalidRouteName, 400),
        ];
        for (kind, status) in table {
            assert_eq!(kind.status().as_u16(), status, "{kind}");
        }
    }

    #[test]
    fn header_names_are_tokens() {
        for good in [&b"x-request-id"[..], b"Content-Type", b"a!#$%&'*+-.^_`|~9"] {
            assert!(check_header_name(good).is_ok(), "{good:?}");
        }
        for bad in [
            &b""[..],
            b"x y",
            b"x:y",
            b"x\r\ny",
            b"x\0",
            b"(x)",
            b"x\"",
            b"caf\xc3\xa9",
            b"a/b",
            b"{x}",
        ] {
            let err = check_header_name(bad).unwrap_err();
            assert_eq!(err.kind(), RejectionKind::InvalidHeaderName, "{bad:?}");
        }
    }

    #[test]
    fn header_values_refuse_nul_cr_lf_controls_and_non_ascii() {
        for good in [&b""[..], b"text/plain; charset=utf-8", b"a\tb", b" ~ "] {
            assert!(check_header_value("x", good).is_ok(), "{good:?}");
        }
        for (bad, words) in [
            (&b"a\0b"[..], "NUL"),
            (b"a\rb", "carriage return"),
            (b"a\nb", "line feed"),
            (b"evil\r\nset-cookie: x=1", "carriage return"),
            (b"\x01", "control"),
            (b"\x1b[31m", "control"),
            (b"\x7f", "DEL"),
            (b"caf\xc3\xa9", "non-ASCII"),
        ] {
            let err = check_header_value("x-test", bad).unwrap_err();
            assert_eq!(err.kind(), RejectionKind::InvalidHeaderValue);
            assert!(err.reason().contains(words), "{err}");
            assert!(err.reason().contains("`x-test`"), "{err}");
        }
        // Every byte is classified exactly as RFC 9110 field-content (visible ASCII, SP, HTAB).
        for byte in 0..=255u8 {
            let allowed = byte == b'\t' || (0x20..=0x7e).contains(&byte);
            assert_eq!(
                header_value_byte_problem(byte).is_none(),
                allowed,
                "{byte:#x}"
            );
        }
    }

    #[test]
    fn content_length_is_digits_only() {
        assert_eq!(parse_content_length(b"0"), Some(0));
        assert_eq!(parse_content_length(b"0012"), Some(12));
        for bad in [
            &b""[..],
            b"+1",
            b"-1",
            b" 1",
            b"1,1",
            b"0x10",
            b"99999999999999999999999",
        ] {
            assert_eq!(parse_content_length(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn route_names() {
        for good in ["hello", "echo-2", "a.b", "x_y", &"a".repeat(64)] {
            assert_eq!(RouteName::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "a/b",
            "a\\b",
            "../x",
            "%2e%2e",
            "a%2fb",
            "con",
            "nul.txt",
            "a.",
            "a b",
            "a\0",
            "caf\u{e9}",
            "a\u{2215}b",
            &"a".repeat(65),
        ] {
            let err = RouteName::parse(bad).unwrap_err();
            assert_eq!(err.kind(), RejectionKind::InvalidRouteName, "{bad:?}");
            assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        }
    }

    #[test]
    fn route_names_of_up_to_three_ascii_bytes() {
        // Exhaustive over printable ASCII and a few controls: whatever is accepted is a plain
        // single component in the documented alphabet, never a dot segment.
        let alphabet: Vec<char> = (0x20u8..0x7f)
            .chain([0u8, b'\t', b'\n', 0x7f])
            .map(char::from)
            .collect();
        let mut accepted = 0;
        for a in &alphabet {
            for b in &alphabet {
                for c in ["", "a", "."] {
                    let name = format!("{a}{b}{c}");
                    if let Ok(parsed) = RouteName::parse(&name) {
                        accepted += 1;
                        assert_eq!(parsed.as_str(), name);
                        assert!(!name.starts_with('.') && !name.ends_with('.'), "{name:?}");
                        assert!(
                            name.bytes()
                                .all(|x| x.is_ascii_alphanumeric() || b"_-.".contains(&x)),
                            "{name:?}"
                        );
                    }
                }
            }
        }
        assert!(accepted > 4000, "{accepted}");
    }

    #[test]
    fn reasons_cut_user_input() {
        let long = "x".repeat(500);
        assert_eq!(shorten(&long).chars().count(), 65);
        assert_eq!(shorten("short"), "short");
    }
}
