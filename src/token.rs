//! OAuth2 client-credentials tokens for hosts that do not fetch them themselves (plain JS; n8n does
//! it from the credential's `extends: oAuth2Api`). One token per token URL + client + scope (+ secret,
//! so a corrected secret takes effect at once), kept in the module instance until shortly before it
//! expires and shared by every item and call; concurrent items wait for one fetch. A token is never
//! put into an output, an error or a log.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use base64::Engine as _;
use serde_json::Value;

use crate::credential::{ClientCredentials, Credential, Values};
use crate::error::NodeError;
use crate::host::{Host, Outgoing};
use crate::http::{encode_component, Method};
use crate::pace::Pace;
use crate::retry::{self, Deadline, RetryPolicy};
use crate::transport::failure_error;

/// A token is renewed this long before the service says it expires (clocks and transit differ).
const RENEW_EARLY_MS: u64 = 60_000;
/// The lifetime assumed when a token answer does not say.
const DEFAULT_LIFETIME_MS: u64 = 3_600_000;
/// A failed fetch is the answer for this long, so a run of many items asks the token endpoint once,
/// not once per item, when the client is refused.
const FAILURE_MEMORY_MS: u64 = 2_000;
/// Token answers are small; anything larger is not one.
const MAX_TOKEN_ANSWER_BYTES: u64 = 64 * 1024;
/// The token request's own time limit.
const TOKEN_TIMEOUT_MS: u64 = 30_000;

enum Slot {
    Ready { token: Rc<str>, until: u64 },
    Fetching { waiters: Vec<Waker> },
    Failed { error: NodeError, until: u64 },
}

thread_local! {
    static TOKENS: RefCell<HashMap<String, Slot>> = RefCell::new(HashMap::new());
    /// The tokens this instance fetched lately (a few per credential), redacted from every output and
    /// error, whatever a vendor echoes.
    static ISSUED: RefCell<Vec<Rc<str>>> = const { RefCell::new(Vec::new()) };
}

/// How many fetched tokens are remembered for redaction.
const ISSUED_KEPT: usize = 32;

/// Every token fetched lately, to be redacted.
pub(crate) fn issued() -> Vec<String> {
    ISSUED.with(|issued| issued.borrow().iter().map(|t| t.to_string()).collect())
}

/// Where and as whom one credential gets its tokens.
pub(crate) struct TokenSource {
    key: String,
    token_url: String,
    basic: String,
    scope: String,
    credential_name: &'static str,
}

impl TokenSource {
    /// The source for these credential values at `base_url`; an input error names a missing field.
    pub(crate) fn new(
        credential: &Credential,
        grant: &ClientCredentials,
        values: &Values,
        base_url: &str,
    ) -> Result<Self, NodeError> {
        let client_id = credential.field(values, grant.client_id)?;
        let secret = credential.field(values, grant.client_secret)?;
        let scope = values.get(grant.scope).and_then(Value::as_str).map(str::trim).unwrap_or("").to_string();
        let token_url = format!("{base_url}{}", grant.token_path);
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{secret}"));
        Ok(TokenSource {
            key: format!("{token_url}\n{client_id}\n{scope}\n{}", fingerprint(secret)),
            token_url,
            basic,
            scope,
            credential_name: credential.display_name,
        })
    }

    /// A token that is valid now: the cached one, the one another item is fetching, or a new one.
    pub(crate) async fn token(
        &self,
        host: &dyn Host,
        retry: &RetryPolicy,
        pace: &Pace<'_>,
    ) -> Result<Rc<str>, NodeError> {
        // Bounded: each turn either returns or waits for a fetch that itself ends (its time limit).
        loop {
            let now = host.now_ms();
            let found = with_slot(&self.key, |slot| match slot {
                Some(Slot::Ready { token, until }) if *until > now => Found::Token(token.clone()),
                Some(Slot::Failed { error, until }) if *until > now => Found::Failed(error.clone()),
                Some(Slot::Fetching { .. }) => Found::Busy,
                _ => Found::Nothing,
            });
            match found {
                Found::Token(token) => return Ok(token),
                Found::Failed(error) => return Err(error),
                Found::Busy => WaitForFetch { key: &self.key }.await,
                Found::Nothing => return self.fetch(host, retry, pace).await,
            }
        }
    }

    /// Forgets `token` after the service refused it (401), unless another item already replaced it.
    pub(crate) fn forget(&self, token: &str) {
        TOKENS.with(|tokens| {
            let mut tokens = tokens.borrow_mut();
            if matches!(tokens.get(&self.key), Some(Slot::Ready { token: held, .. }) if &**held == token) {
                tokens.remove(&self.key);
            }
        });
    }

    async fn fetch(&self, host: &dyn Host, retry: &RetryPolicy, pace: &Pace<'_>) -> Result<Rc<str>, NodeError> {
        TOKENS.with(|t| t.borrow_mut().insert(self.key.clone(), Slot::Fetching { waiters: Vec::new() }));
        let mut guard = Settle { key: &self.key, slot: None };
        let result = self.request(host, retry, pace).await;
        let now = host.now_ms();
        guard.slot = Some(match &result {
            Ok((token, lifetime_ms)) => {
                let until = now.saturating_add(lifetime_ms.saturating_sub(RENEW_EARLY_MS.min(lifetime_ms / 10)));
                Slot::Ready { token: token.clone(), until }
            }
            Err(error) => Slot::Failed { error: error.clone(), until: now.saturating_add(FAILURE_MEMORY_MS) },
        });
        drop(guard);
        result.map(|(token, _)| token)
    }

    async fn request(
        &self,
        host: &dyn Host,
        retry: &RetryPolicy,
        pace: &Pace<'_>,
    ) -> Result<(Rc<str>, u64), NodeError> {
        let mut body = "grant_type=client_credentials".to_string();
        if !self.scope.is_empty() {
            body.push_str("&scope=");
            body.push_str(&encode_component(&self.scope));
        }
        let outgoing = Outgoing {
            method: Method::Post,
            url: self.token_url.clone(),
            headers: vec![
                ("accept".into(), "application/json".into()),
                ("content-type".into(), "application/x-www-form-urlencoded".into()),
                ("authorization".into(), format!("Basic {}", self.basic)),
            ],
            body: Some(body.into_bytes()),
            auth: None,
            timeout_ms: TOKEN_TIMEOUT_MS,
            max_response_bytes: MAX_TOKEN_ANSWER_BYTES,
        };
        let deadline = Deadline::start(host, TOKEN_TIMEOUT_MS.saturating_mul(2));
        // A token request has no side effect: it does not count as the item's request going out.
        let sent = std::cell::Cell::new(false);
        let answer = retry::send(host, &outgoing, retry, &deadline, pace, &sent).await.map_err(|error| {
            NodeError::api(format!("No OAuth2 token from {}: {}", self.token_url, error.message))
                .with_description(error.description.unwrap_or_default())
        })?;
        let response = answer.response;
        if response.body.len() as u64 > MAX_TOKEN_ANSWER_BYTES {
            let failure = crate::host::Failure::new(crate::host::Cause::TooLarge, "");
            return Err(failure_error(&failure, &outgoing));
        }
        // The answer holds the token: nothing of a successful one is ever quoted.
        let parsed: Option<Value> = serde_json::from_slice(&response.body).ok();
        if !response.is_success() {
            return Err(self.refused(response.status, parsed.as_ref()));
        }
        let token = parsed.as_ref().and_then(|v| v["access_token"].as_str()).filter(|t| !t.is_empty());
        let Some(token) = token.filter(|t| crate::http::header_problem(t).is_none()) else {
            return Err(NodeError::api(format!(
                "The token endpoint {} answered HTTP {} without a usable access_token",
                self.token_url, response.status
            )));
        };
        let lifetime_ms = parsed
            .as_ref()
            .and_then(|v| v["expires_in"].as_u64().or_else(|| v["expires_in"].as_str()?.trim().parse().ok()))
            .map_or(DEFAULT_LIFETIME_MS, |seconds| seconds.saturating_mul(1000));
        let token: Rc<str> = Rc::from(token);
        ISSUED.with(|issued| {
            let mut issued = issued.borrow_mut();
            if issued.len() == ISSUED_KEPT {
                issued.remove(0);
            }
            issued.push(token.clone());
        });
        Ok((token, lifetime_ms))
    }

    /// RFC 6749's `{error, error_description}`, in words that say what to check.
    fn refused(&self, status: u16, answer: Option<&Value>) -> NodeError {
        let code = answer.and_then(|a| a["error"].as_str()).unwrap_or("");
        let said = answer
            .and_then(|a| a["error_description"].as_str().or(a["message"].as_str()))
            .map(|text| format!(": {text}"))
            .unwrap_or_default();
        let code = if code.is_empty() { String::new() } else { format!(" ({code})") };
        NodeError::api(format!(
            "The credential \"{}\" got no OAuth2 token: {} answered HTTP {status}{code}{said}",
            self.credential_name, self.token_url
        ))
        .with_http_code(status)
        .with_description(
            "Check the client ID and secret, that the scope is one the client may ask for, and that the \
             app is allowed the client-credentials grant.",
        )
    }
}

enum Found {
    Token(Rc<str>),
    Failed(NodeError),
    Busy,
    Nothing,
}

fn with_slot<T>(key: &str, read: impl FnOnce(Option<&Slot>) -> T) -> T {
    TOKENS.with(|tokens| read(tokens.borrow().get(key)))
}

/// A stand-in for the secret in the cache key (the key is never shown; this only keeps the secret
/// itself out of it).
fn fingerprint(secret: &str) -> u64 {
    // FNV-1a: stable, and enough to tell two secrets apart.
    secret.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ byte as u64).wrapping_mul(0x0100_0000_01b3))
}

/// Ends a fetch: stores its outcome (or, if the fetch was dropped half-way, clears the slot) and
/// wakes the items waiting for it.
struct Settle<'a> {
    key: &'a str,
    slot: Option<Slot>,
}

impl Drop for Settle<'_> {
    fn drop(&mut self) {
        let waiters = TOKENS.with(|tokens| {
            let mut tokens = tokens.borrow_mut();
            let previous = match self.slot.take() {
                Some(slot) => tokens.insert(self.key.to_string(), slot),
                None => tokens.remove(self.key),
            };
            match previous {
                Some(Slot::Fetching { waiters }) => waiters,
                _ => Vec::new(),
            }
        });
        waiters.into_iter().for_each(Waker::wake);
    }
}

/// Resolves once the fetch under way for `key` has ended.
struct WaitForFetch<'a> {
    key: &'a str,
}

impl Future for WaitForFetch<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        TOKENS.with(|tokens| match tokens.borrow_mut().get_mut(self.key) {
            Some(Slot::Fetching { waiters }) => {
                if !waiters.iter().any(|w| w.will_wake(cx.waker())) {
                    waiters.push(cx.waker().clone());
                }
                Poll::Pending
            }
            _ => Poll::Ready(()),
        })
    }
}

#[cfg(test)]
pub(crate) fn clear_cache() {
    TOKENS.with(|tokens| tokens.borrow_mut().clear());
    ISSUED.with(|issued| issued.borrow_mut().clear());
}
