//! What the runtime needs from whoever runs it: a way to send a request, a clock and a way to wait.
//! n8n, plain JS (fetch) and the native tests each provide one.

use std::future::Future;
use std::pin::Pin;

use crate::http::{File, Method, Response};

pub type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Which credential authenticates a request, and the headers that does it.
/// n8n applies the credential itself by its type name; other hosts add the headers.
#[derive(Debug, Clone, PartialEq)]
pub struct Auth {
    pub credential_type: String,
    pub headers: Vec<(String, String)>,
}

/// A request ready for the wire, still without credentials.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub auth: Option<Auth>,
    /// The host must settle the attempt within this time (a timeout `Failure`), body included.
    pub timeout_ms: u64,
    /// A larger answer is a `TooLarge` failure, refused before it is all in memory where possible.
    pub max_response_bytes: u64,
}

/// Why a request got no usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// Nobody accepted the connection.
    Refused,
    /// The host name did not resolve.
    Dns,
    /// The connection could not be made for another reason before anything was sent (unreachable
    /// network, connect timeout).
    Unreachable,
    /// The TLS handshake failed (certificate, protocol).
    Tls,
    /// The URL cannot be sent at all.
    BadUrl,
    /// No (complete) answer within the attempt's time.
    Timeout,
    /// The connection broke after it was made.
    Reset,
    /// The answer was larger than allowed.
    TooLarge,
    /// Anything else the host reported.
    Network,
}

impl Cause {
    /// Whether the request may have reached the service (and so may have been carried out).
    pub fn may_have_reached(self) -> bool {
        !matches!(self, Cause::Refused | Cause::Dns | Cause::Unreachable | Cause::Tls | Cause::BadUrl)
    }

    /// The `reason` errors carry.
    pub fn reason(self) -> &'static str {
        match self {
            Cause::Refused => "refused",
            Cause::Dns => "dns",
            Cause::Unreachable => "unreachable",
            Cause::Tls => "tls",
            Cause::BadUrl => "bad-url",
            Cause::Timeout => "timeout",
            Cause::Reset => "reset",
            Cause::TooLarge => "too-large",
            Cause::Network => "network",
        }
    }

    /// Reads a JS error chain's codes and names (Node's `err.code`, undici's `cause.code`, axios'
    /// `ECONNABORTED`, the DOM's `TimeoutError`) and its message.
    pub fn classify(codes: &[String], message: &str) -> Cause {
        let has = |wanted: &[&str]| codes.iter().any(|c| wanted.contains(&c.as_str()));
        let prefixed = |prefixes: &[&str]| codes.iter().any(|c| prefixes.iter().any(|p| c.starts_with(p)));
        if has(&["ERR_RESPONSE_TOO_LARGE"]) {
            Cause::TooLarge
        } else if has(&["TimeoutError", "ETIMEDOUT", "ECONNABORTED", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"])
        {
            Cause::Timeout
        } else if has(&["ECONNREFUSED"]) {
            Cause::Refused
        } else if has(&["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL", "EAI_NODATA"]) {
            Cause::Dns
        } else if has(&["UND_ERR_CONNECT_TIMEOUT", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "ENETDOWN"]) {
            Cause::Unreachable
        } else if prefixed(&["ERR_TLS", "ERR_SSL", "ERR_OSSL", "CERT_", "UNABLE_TO_", "DEPTH_ZERO", "SELF_SIGNED"])
            || message.contains("certificate")
        {
            Cause::Tls
        } else if has(&["ERR_INVALID_URL", "ERR_INVALID_CHAR"])
            || message.contains("Invalid URL")
            || message.contains("Failed to parse URL")
            // fetch's own refusal of ports like 9 or 1, before any connection
            || message.contains("bad port")
        {
            Cause::BadUrl
        } else if has(&["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "ERR_STREAM_PREMATURE_CLOSE"])
            || message.contains("other side closed")
            || message.contains("socket hang up")
            || message.contains("terminated")
        {
            Cause::Reset
        } else {
            Cause::Network
        }
    }
}

/// A request that got no usable answer, and what the host said about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub cause: Cause,
    pub detail: String,
}

impl Failure {
    pub fn new(cause: Cause, detail: impl Into<String>) -> Self {
        Failure { cause, detail: detail.into() }
    }
}

impl From<&str> for Failure {
    fn from(detail: &str) -> Self {
        Failure::new(Cause::Network, detail)
    }
}

pub trait Host {
    /// Resolves for every HTTP status (redirects included: a host never follows them itself); `Err`
    /// only when no usable answer arrived.
    fn send(&self, request: Outgoing) -> LocalFuture<'_, Result<Response, Failure>>;
    fn sleep(&self, ms: u64) -> LocalFuture<'_, ()>;
    /// Milliseconds on a clock that only moves forward, for deadlines.
    fn now_ms(&self) -> u64;
    /// The contents of binary property `property` of input item `item`, read only when a request
    /// sends it (a file part), so files nobody sends never cross the boundary.
    fn binary(&self, item: usize, property: &str) -> LocalFuture<'_, Result<File, String>>;
    /// Whether the host gets OAuth2 tokens for a request's credential type itself (n8n does); if
    /// not, the runtime fetches them (`token.rs`).
    fn fetches_tokens(&self) -> bool {
        false
    }
    /// Bits that differ from one call to the next (for ids that must not repeat across runs and
    /// processes); not for secrets.
    fn entropy(&self) -> u64 {
        self.now_ms()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_come_from_node_and_axios_codes() {
        let of = |codes: &[&str], message: &str| {
            Cause::classify(&codes.iter().map(|c| c.to_string()).collect::<Vec<_>>(), message)
        };
        assert_eq!(of(&["TypeError", "ECONNREFUSED"], "fetch failed"), Cause::Refused);
        assert_eq!(of(&["ENOTFOUND"], "getaddrinfo ENOTFOUND x.invalid"), Cause::Dns);
        assert_eq!(of(&["UND_ERR_SOCKET"], "other side closed"), Cause::Reset);
        assert_eq!(of(&["ECONNABORTED"], "timeout of 500ms exceeded"), Cause::Timeout);
        assert_eq!(of(&["TimeoutError"], "The operation was aborted due to timeout"), Cause::Timeout);
        assert_eq!(of(&["DEPTH_ZERO_SELF_SIGNED_CERT"], "self-signed certificate"), Cause::Tls);
        assert_eq!(of(&["TypeError"], "Failed to parse URL from http://a b"), Cause::BadUrl);
        assert_eq!(of(&["TypeError"], "fetch failed"), Cause::Network);
        assert_eq!(of(&["ERR_INVALID_URL"], "Invalid URL"), Cause::BadUrl);
        assert!(!Cause::Refused.may_have_reached() && Cause::Reset.may_have_reached());
    }
}
