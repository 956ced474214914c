//! Sending with bounded, side-effect-safe retries inside the item's time.
//!
//! A 429 means the request was refused unprocessed, so any method may be sent again. A 503 or a lost
//! answer may hide a request that was carried out, so only idempotent methods are repeated: an order
//! or a create is never sent twice. Every wait is bounded by the policy and by the item's deadline.

use std::cell::Cell;

use serde_json::Value;

use crate::error::NodeError;
use crate::fields::Fields;
use crate::host::{Cause, Host, Outgoing};
use crate::http::Response;
use crate::httpdate::{parse_http_date, parse_retry_after, RetryAfter};
use crate::pace::Pace;
use crate::transport::{self, duration, Broken};

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
    /// The ranges keep a policy from turning into a request storm or an endless wait.
    pub fn from_json(value: Value) -> Result<Self, String> {
        let default = RetryPolicy::default();
        if value.is_null() {
            return Ok(default);
        }
        let mut fields = Fields::new(value, "retry")?;
        Ok(RetryPolicy {
            max_retries: fields.whole_in("maxRetries", 0, 10, u64::from(default.max_retries))? as u32,
            base_delay_ms: fields.whole_in("baseDelayMs", 0, 60_000, default.base_delay_ms)?,
            max_delay_ms: fields.whole_in("maxDelayMs", 0, 600_000, default.max_delay_ms)?,
        })
    }

    fn backoff(&self, attempt: u32) -> u64 {
        self.base_delay_ms.saturating_mul(1 << attempt.min(16)).min(self.max_delay_ms)
    }
}

/// When an item must be done: its time limit, counted from its first request.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    at_ms: u64,
    limit_ms: u64,
}

impl Deadline {
    pub fn start(host: &dyn Host, limit_ms: u64) -> Self {
        Deadline { at_ms: host.now_ms().saturating_add(limit_ms), limit_ms }
    }

    /// A wait the user asked for (until an order is ready) adds its own maximum.
    pub fn extended(self, ms: u64) -> Self {
        Deadline { at_ms: self.at_ms.saturating_add(ms), limit_ms: self.limit_ms.saturating_add(ms) }
    }

    pub fn left_ms(&self, host: &dyn Host) -> u64 {
        self.at_ms.saturating_sub(host.now_ms())
    }

    pub fn exceeded(&self) -> NodeError {
        NodeError::api(format!("The item did not finish within its time limit of {}", duration(self.limit_ms)))
            .with_reason(Cause::Timeout.reason())
            .with_description("Raise Item Timeout (Request Options), or itemTimeout in plain JS.")
    }
}

/// An answer, and why it was not retried when it could have been (for the error it becomes).
pub struct Answer {
    pub response: Response,
    pub gave_up: Option<String>,
}

/// Sends `request` through the run's `pace`, which every attempt passes and every answer informs;
/// `sent` is set once an attempt goes out.
pub async fn send(
    host: &dyn Host,
    request: &Outgoing,
    policy: &RetryPolicy,
    deadline: &Deadline,
    pace: &Pace<'_>,
    sent: &Cell<bool>,
) -> Result<Answer, NodeError> {
    let mut attempt = 0;
    let mut outgoing = request.clone();
    loop {
        let slot = pace.slot(attempt > 0).await;
        let left = deadline.left_ms(host);
        if left == 0 {
            return Err(deadline.exceeded());
        }
        outgoing.timeout_ms = request.timeout_ms.min(left);
        sent.set(true);
        let exchanged = transport::exchange(host, &outgoing).await;
        drop(slot);
        if let Ok(response) = &exchanged {
            let cap = |ms: u64| ms.min(policy.max_delay_ms);
            let asked = requested_wait(response, host.now_ms()).map(cap);
            let exhausted = rate_limit_reset(response, host.now_ms()).map(cap);
            pace.observe(response.status, asked, policy.backoff(attempt), exhausted);
        }
        let wait = match exchanged {
            Ok(response) => match retry_wait(policy, request, &response, attempt, host.now_ms()) {
                Ok(wait) => (wait, Some(response)),
                Err(gave_up) => return Ok(Answer { response, gave_up }),
            },
            Err(Broken::Final(error)) => return Err(error),
            Err(Broken::Failed(failure)) => {
                let repeatable = request.method.is_idempotent() && attempt < policy.max_retries;
                if !repeatable {
                    let cut_short = failure.cause == Cause::Timeout && outgoing.timeout_ms < request.timeout_ms;
                    let error = transport::failure_error(&failure, &outgoing);
                    return Err(if cut_short { deadline.exceeded().noting(&error.message) } else { error });
                }
                (policy.backoff(attempt), None)
            }
        };
        if wait.0 >= deadline.left_ms(host) {
            let note = format!(
                "Waiting {} to try again would pass the item's time limit of {}.",
                duration(wait.0),
                duration(deadline.limit_ms)
            );
            return Err(match wait.1 {
                Some(response) => {
                    let said = format!("The last answer was HTTP {}. {note}", response.status);
                    deadline.exceeded().noting(&said).with_http_code(response.status)
                }
                None => deadline.exceeded(),
            });
        }
        // A pause of the whole run is waited out in the pace's queue, where this retry stands first.
        if !pace.holds_for(wait.0) {
            host.sleep(wait.0).await;
        }
        attempt += 1;
    }
}

/// How long to wait before retrying `response`; `Err` to report it, with why it was not retried.
fn retry_wait(
    policy: &RetryPolicy,
    request: &Outgoing,
    response: &Response,
    attempt: u32,
    now_ms: u64,
) -> Result<u64, Option<String>> {
    let retryable = response.status == 429 || (response.status == 503 && request.method.is_idempotent());
    if !retryable {
        return Err(None);
    }
    if attempt >= policy.max_retries {
        return Err((policy.max_retries > 0).then(|| format!("Still refused after {} retries.", policy.max_retries)));
    }
    let Some(asked) = requested_wait(response, now_ms) else { return Ok(policy.backoff(attempt)) };
    if asked > policy.max_delay_ms {
        return Err(Some(format!(
            "The service asked to wait {} before trying again (Retry-After), longer than the longest wait allowed \
             ({}); the request was not repeated.",
            duration(asked),
            duration(policy.max_delay_ms)
        )));
    }
    Ok(asked)
}

/// `Retry-After` in milliseconds: seconds, or an HTTP-date measured against the answer's own `Date`
/// (the server's clock, so clock skew between us does not matter), else against ours.
fn requested_wait(response: &Response, now_ms: u64) -> Option<u64> {
    match parse_retry_after(response.header("retry-after")?)? {
        RetryAfter::Seconds(seconds) => Some(seconds.saturating_mul(1000)),
        RetryAfter::At(at) => {
            let now = response.header("date").and_then(parse_http_date).unwrap_or(now_ms / 1000);
            Some(at.saturating_sub(now).saturating_mul(1000))
        }
    }
}

/// How long until a rate limit resets, when the answer says none is left (`X-RateLimit-Remaining: 0`
/// with `X-RateLimit-Reset`, or the IETF draft's `RateLimit-Remaining` / `RateLimit-Reset`): seconds
/// from now, or a Unix time (measured against the answer's `Date`, else our clock).
fn rate_limit_reset(response: &Response, now_ms: u64) -> Option<u64> {
    let header = |names: &[&str]| names.iter().find_map(|name| response.header(name)).map(str::trim);
    let remaining = header(&["x-ratelimit-remaining", "ratelimit-remaining", "x-rate-limit-remaining"])?;
    if remaining.parse::<u64>().ok()? > 0 {
        return None;
    }
    let reset = header(&["x-ratelimit-reset", "ratelimit-reset", "x-rate-limit-reset"])?.parse::<u64>().ok()?;
    // Seconds from now are small numbers; Unix times are past 2001.
    if reset < 1_000_000_000 {
        return Some(reset.saturating_mul(1000));
    }
    let now = response.header("date").and_then(parse_http_date).unwrap_or(now_ms / 1000);
    Some(reset.saturating_sub(now).saturating_mul(1000))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;
    use crate::testing::{block_on, MockHost};

    fn outgoing(method: Method) -> Outgoing {
        Outgoing {
            method,
            url: "http://127.0.0.1:9/x?secret=1".into(),
            headers: vec![],
            body: None,
            auth: None,
            timeout_ms: 1000,
            max_response_bytes: 1000,
        }
    }

    fn run(host: &MockHost, method: Method, policy: RetryPolicy) -> Result<Answer, NodeError> {
        let deadline = Deadline::start(host, 600_000);
        let pace = Pace::new(host, &Default::default());
        block_on(send(host, &outgoing(method), &policy, &deadline, &pace, &Cell::new(false)))
    }

    #[test]
    fn retries_429_for_any_method_honouring_retry_after_in_seconds_and_as_a_date() {
        let host = MockHost::new(vec![
            MockHost::reply(429, &[("retry-after", "2")], "{}"),
            MockHost::reply(
                429,
                &[("retry-after", "Sun, 06 Nov 1994 08:49:40 GMT"), ("date", "Sun, 06 Nov 1994 08:49:37 GMT")],
                "{}",
            ),
            MockHost::reply(429, &[], "{}"),
            MockHost::reply(201, &[], "{}"),
        ]);
        let answer = run(&host, Method::Post, RetryPolicy::default()).unwrap();
        assert_eq!(answer.response.status, 201);
        assert_eq!(host.sleeps(), vec![2000, 3000, 4000]);
    }

    #[test]
    fn gives_up_after_max_retries_and_on_long_retry_after_saying_what_was_asked() {
        let host = MockHost::new(vec![MockHost::reply(429, &[], "{}"); 5]);
        let policy = RetryPolicy { max_retries: 2, base_delay_ms: 10, max_delay_ms: 1000 };
        assert_eq!(run(&host, Method::Get, policy).unwrap().response.status, 429);
        assert_eq!(host.sent().len(), 3);
        let host = MockHost::new(vec![MockHost::reply(429, &[("retry-after", "3600")], "{}")]);
        let answer = run(&host, Method::Get, RetryPolicy::default()).unwrap();
        assert_eq!(host.sent().len(), 1);
        assert!(answer.gave_up.unwrap().starts_with("The service asked to wait 3,600 s before trying again"));
    }

    #[test]
    fn the_policy_is_held_to_sane_ranges() {
        let error = RetryPolicy::from_json(serde_json::json!({ "maxRetries": 1_000_000 })).unwrap_err();
        assert_eq!(error, "retry.maxRetries must be a whole number from 0 to 10, got 1000000");
        assert!(RetryPolicy::from_json(serde_json::json!({ "baseDelayMs": -1 })).is_err());
        assert_eq!(RetryPolicy::from_json(serde_json::json!({ "maxRetries": 0 })).unwrap().max_retries, 0);
    }

    #[test]
    fn never_repeats_a_post_on_503_or_a_lost_answer() {
        let host = MockHost::new(vec![MockHost::reply(503, &[], "{}")]);
        assert_eq!(run(&host, Method::Post, RetryPolicy::default()).unwrap().response.status, 503);
        let host = MockHost::new(vec![Err("connection reset".into())]);
        let error = run(&host, Method::Post, RetryPolicy::default()).err().unwrap();
        assert_eq!(host.sent().len(), 1);
        assert_eq!(error.message, "No answer from http://127.0.0.1:9: connection reset");
        assert!(error.description.unwrap().contains("not repeated"));
    }

    #[test]
    fn repeats_a_get_whose_answer_was_lost_but_only_within_the_item_deadline() {
        let host = MockHost::new(vec![Err("reset".into()), MockHost::reply(200, &[], "[]")]);
        assert_eq!(run(&host, Method::Get, RetryPolicy::default()).unwrap().response.status, 200);
        assert_eq!(host.sleeps(), vec![1000]);
        let host = MockHost::new(vec![Err("reset".into()); 4]);
        let deadline = Deadline::start(&host, 2500);
        let pace = Pace::new(&host, &Default::default());
        let error =
            block_on(send(&host, &outgoing(Method::Get), &RetryPolicy::default(), &deadline, &pace, &Cell::new(false)))
                .err()
                .unwrap();
        assert_eq!(error.message, "The item did not finish within its time limit of 2.5 s");
        assert_eq!(host.sleeps(), vec![1000], "a 2 s back-off would pass the deadline");
    }
}
