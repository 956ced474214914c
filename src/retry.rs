//! Sending with bounded, side-effect-safe retries.
//!
//! A 429 means the request was refused unprocessed, so any method may be sent again. A 503 or a lost
//! answer may hide a request that was carried out, so only idempotent methods are repeated: an order
//! or a create is never sent twice.

use serde_json::Value;

use crate::error::NodeError;
use crate::fields::Fields;
use crate::host::{Host, Outgoing};
use crate::http::Response;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base_delay_ms: u64,
    /// A vendor asking to wait longer than this gets its error reported instead of a hung workflow.
    pub max_delay_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_retries: 3, base_delay_ms: 1000, max_delay_ms: 30_000 }
    }
}

impl RetryPolicy {
    /// The host's `{ maxRetries?, baseDelayMs?, maxDelayMs? }`; what it leaves out keeps its default.
    pub fn from_json(value: Value) -> Result<Self, String> {
        let default = RetryPolicy::default();
        if value.is_null() {
            return Ok(default);
        }
        let mut fields = Fields::new(value, "retry")?;
        Ok(RetryPolicy {
            max_retries: fields.whole("maxRetries")?.map_or(default.max_retries, |n| n.min(u64::from(u32::MAX)) as u32),
            base_delay_ms: fields.whole("baseDelayMs")?.unwrap_or(default.base_delay_ms),
            max_delay_ms: fields.whole("maxDelayMs")?.unwrap_or(default.max_delay_ms),
        })
    }

    fn backoff(&self, attempt: u32) -> u64 {
        self.base_delay_ms.saturating_mul(1 << attempt.min(16)).min(self.max_delay_ms)
    }

    /// How long to wait before retrying `response`, or `None` to give up and report it.
    fn delay_for(&self, request: &Outgoing, response: &Response, attempt: u32) -> Option<u64> {
        let retryable = response.status == 429 || (response.status == 503 && request.method.is_idempotent());
        if !retryable || attempt >= self.max_retries {
            return None;
        }
        match response.header("retry-after").and_then(|v| v.trim().parse::<u64>().ok()) {
            Some(seconds) if seconds.saturating_mul(1000) > self.max_delay_ms => None,
            Some(seconds) => Some(seconds * 1000),
            None => Some(self.backoff(attempt)),
        }
    }
}

pub async fn send(host: &dyn Host, request: &Outgoing, policy: &RetryPolicy) -> Result<Response, NodeError> {
    let mut attempt = 0;
    loop {
        match host.send(request.clone()).await {
            Ok(response) => match policy.delay_for(request, &response, attempt) {
                Some(delay) => host.sleep(delay).await,
                None => return Ok(response),
            },
            Err(_) if request.method.is_idempotent() && attempt < policy.max_retries => {
                host.sleep(policy.backoff(attempt)).await;
            }
            Err(reason) => {
                let mut error = NodeError::api(format!("No answer from {}: {reason}", origin(&request.url)));
                if !request.method.is_idempotent() {
                    error = error.with_description(
                        "The request was not repeated: it may have been carried out, and sending it again could \
                         duplicate it. Check the marketplace before running this item again.",
                    );
                }
                return Err(error);
            }
        }
        attempt += 1;
    }
}

/// Scheme, host and port only: enough to say where, without echoing query strings.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    url[after_scheme..].find('/').map_or(url, |i| &url[..after_scheme + i])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;
    use crate::testing::{block_on, MockHost};

    fn outgoing(method: Method) -> Outgoing {
        Outgoing { method, url: "http://127.0.0.1:9/x?secret=1".into(), headers: vec![], body: None, auth: None }
    }

    #[test]
    fn retries_429_for_any_method_honouring_retry_after() {
        let host = MockHost::new(vec![
            MockHost::reply(429, &[("retry-after", "2")], "{}"),
            MockHost::reply(429, &[], "{}"),
            MockHost::reply(201, &[], "{}"),
        ]);
        let response = block_on(send(&host, &outgoing(Method::Post), &RetryPolicy::default())).unwrap();
        assert_eq!(response.status, 201);
        assert_eq!(host.sleeps(), vec![2000, 2000]);
    }

    #[test]
    fn gives_up_after_max_retries_and_on_long_retry_after() {
        let host = MockHost::new(vec![MockHost::reply(429, &[], "{}"); 5]);
        let policy = RetryPolicy { max_retries: 2, base_delay_ms: 10, max_delay_ms: 1000 };
        assert_eq!(block_on(send(&host, &outgoing(Method::Get), &policy)).unwrap().status, 429);
        assert_eq!(host.sent().len(), 3);
        let host = MockHost::new(vec![MockHost::reply(429, &[("retry-after", "3600")], "{}")]);
        assert_eq!(block_on(send(&host, &outgoing(Method::Get), &policy)).unwrap().status, 429);
        assert_eq!(host.sent().len(), 1);
    }

    #[test]
    fn never_repeats_a_post_on_503_or_a_lost_answer() {
        let host = MockHost::new(vec![MockHost::reply(503, &[], "{}")]);
        assert_eq!(block_on(send(&host, &outgoing(Method::Post), &RetryPolicy::default())).unwrap().status, 503);
        let host = MockHost::new(vec![Err("connection reset".into())]);
        let error = block_on(send(&host, &outgoing(Method::Post), &RetryPolicy::default())).unwrap_err();
        assert_eq!(host.sent().len(), 1);
        assert_eq!(error.message, "No answer from http://127.0.0.1:9: connection reset");
        assert!(error.description.unwrap().contains("not repeated"));
    }

    #[test]
    fn repeats_a_get_whose_answer_was_lost() {
        let host = MockHost::new(vec![Err("reset".into()), MockHost::reply(200, &[], "[]")]);
        assert_eq!(block_on(send(&host, &outgoing(Method::Get), &RetryPolicy::default())).unwrap().status, 200);
        assert_eq!(host.sleeps(), vec![1000]);
    }
}
