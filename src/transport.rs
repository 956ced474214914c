//! One attempt at a request, with the redirects the rules allow, and what a failed attempt means.
//!
//! Hosts never follow redirects themselves; this does, so one rule holds everywhere:
//! - a request carrying a credential is never sent to another origin (scheme, host, port);
//! - 307/308 repeat the same method and body on the new address;
//! - 301/302/303 are followed only by a GET: a create answered with one is an error, never a GET whose
//!   answer would read as the create's success;
//! - at most `MAX_REDIRECTS` hops.

use crate::error::NodeError;
use crate::host::{Cause, Failure, Host, Outgoing};
use crate::http::{Method, Response};
use crate::params::grouped;
use crate::url;

pub const MAX_REDIRECTS: usize = 5;

/// Why an attempt has no answer to hand back.
pub enum Broken {
    /// No usable answer: may be retried where that is safe.
    Failed(Failure),
    /// An answer that must not be followed or retried.
    Final(NodeError),
}

pub async fn exchange(host: &dyn Host, request: &Outgoing) -> Result<Response, Broken> {
    let mut current = request.clone();
    let mut hops = 0;
    loop {
        let response = host.send(current.clone()).await.map_err(Broken::Failed)?;
        let status = response.status;
        if !matches!(status, 301 | 302 | 303 | 307 | 308) {
            return Ok(response);
        }
        let Some(location) = response.header("location") else { return Ok(response) };
        let redirect = |message: String| {
            let mut error = NodeError::api(message).with_http_code(status).with_reason("redirect");
            // A redirect answering anything but a read may come after the service acted on it.
            if request.method != Method::Get {
                error = error.noting(MAYBE_CARRIED_OUT).possibly_carried_out();
            }
            Broken::Final(error)
        };
        let from = url::strip_to_origin(&current.url).to_string();
        let Some(target) = url::resolve(&current.url, location) else {
            return Err(redirect(format!("{from} redirected (HTTP {status}) to an address that cannot be followed")));
        };
        let to = url::strip_to_origin(&target).to_string();
        if hops == MAX_REDIRECTS {
            return Err(redirect(format!(
                "More than {MAX_REDIRECTS} redirects: the last one, from {from}, led to {to}"
            )));
        }
        if current.auth.is_some() && !url::same_origin(&request.url, &target) {
            return Err(redirect(format!(
                "The service redirected the request (HTTP {status}) to {to}, another origin; it was not sent there, \
                 so the credential stays with {}",
                url::strip_to_origin(&request.url)
            )));
        }
        if !matches!(status, 307 | 308) && current.method != Method::Get {
            return Err(redirect(format!(
                "The service answered {} with HTTP {status} (a redirect to {to}); the request was not repeated as a GET",
                current.method.as_str()
            )));
        }
        current.url = target;
        hops += 1;
    }
}

/// Said whenever a request that is not safe to repeat may have reached the service.
pub const MAYBE_CARRIED_OUT: &str = "The request was not repeated: it may have been carried out, and sending it \
                                     again could duplicate it. Check the marketplace before running this item again.";

const NOTHING_SENT: &str = "Nothing was sent, so running this item again is safe once the service can be reached.";

/// The error for an attempt that got no usable answer.
pub fn failure_error(failure: &Failure, request: &Outgoing) -> NodeError {
    let origin = url::strip_to_origin(&request.url);
    let detail = &failure.detail;
    let message = match failure.cause {
        Cause::Refused => format!("Could not connect to {origin}: connection refused"),
        Cause::Dns => format!("Could not find the host of {origin} (DNS: {detail})"),
        Cause::Unreachable => format!("Could not connect to {origin} ({detail})"),
        Cause::Tls => format!("The secure connection to {origin} failed (TLS: {detail})"),
        Cause::BadUrl => {
            return NodeError::input(format!("The address {origin} cannot be requested ({detail})"))
                .with_reason(Cause::BadUrl.reason())
        }
        Cause::Timeout => format!("No answer from {origin} within {}", duration(request.timeout_ms)),
        Cause::Reset => format!("The connection to {origin} broke before the answer was complete ({detail})"),
        Cause::TooLarge => format!(
            "The answer from {origin} is larger than the limit of {} bytes",
            grouped(request.max_response_bytes)
        ),
        Cause::Network => format!("No answer from {origin}: {detail}"),
    };
    let mut error = NodeError::api(message).with_reason(failure.cause.reason());
    if failure.cause == Cause::TooLarge {
        error = error.with_description(
            "Raise the limit (Request Options → Max Response Size, or maxResponseBytes), or ask for less at a time.",
        );
    }
    if !failure.cause.may_have_reached() {
        error.noting(NOTHING_SENT)
    } else if request.method.is_idempotent() {
        error
    } else {
        error.noting(MAYBE_CARRIED_OUT).possibly_carried_out()
    }
}

/// `300 ms`, `2 s`, `1.5 s`, `3,600 s`.
pub fn duration(ms: u64) -> String {
    match (ms < 1000, ms % 1000) {
        (true, _) => format!("{ms} ms"),
        (false, 0) => format!("{} s", grouped(ms / 1000)),
        (false, rest) => format!("{}.{} s", grouped(ms / 1000), rest / 100),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Auth;
    use crate::testing::{block_on, MockHost};

    fn outgoing(method: Method, auth: bool) -> Outgoing {
        Outgoing {
            method,
            url: "http://127.0.0.1:8000/v2/x?q=1".into(),
            headers: vec![],
            body: Some(b"{}".to_vec()),
            auth: auth
                .then(|| Auth { credential_type: "demoApi".into(), headers: vec![("x-token".into(), "t".into())] }),
            timeout_ms: 300,
            max_response_bytes: 1000,
        }
    }

    fn redirect(status: u16, to: &str) -> Result<Response, Failure> {
        MockHost::reply(status, &[("location", to)], "")
    }

    fn broken(result: Result<Response, Broken>) -> NodeError {
        match result {
            Err(Broken::Final(error)) => error,
            Err(Broken::Failed(failure)) => panic!("failed: {failure:?}"),
            Ok(response) => panic!("answered {}", response.status),
        }
    }

    #[test]
    fn a_credential_never_follows_a_redirect_to_another_origin() {
        let host = MockHost::new(vec![redirect(302, "http://localhost:9000/steal")]);
        let error = broken(block_on(exchange(&host, &outgoing(Method::Get, true))));
        assert_eq!(host.sent().len(), 1);
        assert!(error.message.contains("to http://localhost:9000, another origin"), "{}", error.message);
        assert_eq!((error.reason, error.http_code.as_deref()), (Some("redirect"), Some("302")));
        // Without a credential there is nothing to leak: public reads follow.
        let host = MockHost::new(vec![redirect(302, "http://localhost:9000/a"), MockHost::reply(200, &[], "[]")]);
        assert_eq!(block_on(exchange(&host, &outgoing(Method::Get, false))).ok().unwrap().status, 200);
        assert_eq!(host.sent()[1].url, "http://localhost:9000/a");
    }

    #[test]
    fn a_create_answered_with_a_see_other_redirect_is_not_turned_into_a_get() {
        for status in [301, 302, 303] {
            let host = MockHost::new(vec![redirect(status, "/v2/done")]);
            let error = broken(block_on(exchange(&host, &outgoing(Method::Post, true))));
            assert_eq!(host.sent().len(), 1);
            assert!(error.message.starts_with(&format!("The service answered POST with HTTP {status}")));
            assert!(error.possibly_carried_out && error.description.unwrap().contains("may have been carried out"));
        }
    }

    #[test]
    fn same_origin_307_and_308_repeat_method_and_body_and_gets_follow_a_bounded_chain() {
        let host = MockHost::new(vec![redirect(307, "/v2/y"), redirect(308, "z"), MockHost::reply(201, &[], "{}")]);
        assert_eq!(block_on(exchange(&host, &outgoing(Method::Post, true))).ok().unwrap().status, 201);
        let sent = host.sent();
        assert_eq!(sent[1].url, "http://127.0.0.1:8000/v2/y");
        assert_eq!(sent[2].url, "http://127.0.0.1:8000/v2/z");
        assert!(sent.iter().all(|o| o.method == Method::Post && o.body == Some(b"{}".to_vec()) && o.auth.is_some()));
        let host = MockHost::new(vec![redirect(302, "/loop"); 10]);
        let error = broken(block_on(exchange(&host, &outgoing(Method::Get, true))));
        assert_eq!(host.sent().len(), MAX_REDIRECTS + 1);
        assert!(error.message.starts_with("More than 5 redirects"));
    }

    #[test]
    fn failures_say_whether_anything_may_have_been_carried_out() {
        let post = outgoing(Method::Post, true);
        let refused = failure_error(&Failure::new(Cause::Refused, "connect ECONNREFUSED"), &post);
        assert_eq!(refused.message, "Could not connect to http://127.0.0.1:8000: connection refused");
        assert!(!refused.possibly_carried_out && refused.description.unwrap().starts_with("Nothing was sent"));
        let timeout = failure_error(&Failure::new(Cause::Timeout, "aborted"), &post);
        assert_eq!(timeout.message, "No answer from http://127.0.0.1:8000 within 300 ms");
        assert!(timeout.possibly_carried_out);
        let get = failure_error(&Failure::new(Cause::Reset, "other side closed"), &outgoing(Method::Get, true));
        assert!(!get.possibly_carried_out && get.description.is_none());
        let large = failure_error(&Failure::new(Cause::TooLarge, ""), &outgoing(Method::Get, true));
        assert_eq!(large.message, "The answer from http://127.0.0.1:8000 is larger than the limit of 1,000 bytes");
        assert_eq!(
            (duration(2000), duration(1500), duration(3_600_000)),
            ("2 s".into(), "1.5 s".into(), "3,600 s".into())
        );
    }
}
