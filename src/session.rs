//! What every request of one call into the runtime shares: the node, where it sends, how it
//! authenticates, how it retries, how fast it may go; and each item's limits and time.

use std::cell::Cell;

use serde_json::Value;

use crate::credential::{Credential, Values};
use crate::error::snippet;
use crate::error::NodeError;
use crate::host::{Auth, Cause, Failure, Host, Outgoing};
use crate::http::{header_problem, is_header_name, Encoding, Request, Response};
use crate::limits::Limits;
use crate::node::{Node, Plan};
use crate::pace::Pace;
use crate::registry::Registry;
use crate::retry::{self, Deadline, RetryPolicy};
use crate::token::TokenSource;
use crate::transport::failure_error;
#[cfg(feature = "oauth2")]
use std::rc::Rc;

pub(crate) struct Session<'a> {
    pub node: &'a Node,
    pub host: &'a dyn Host,
    /// Checked only when a request is about to go out: operations that send nothing need none.
    base_url: Result<String, NodeError>,
    auth: Option<Auth>,
    retry: RetryPolicy,
    pace: &'a Pace<'a>,
    /// The node's credential type, and the values the caller gave for it (empty if none).
    pub credential: Option<&'a Credential>,
    pub values: &'a Values,
    /// Where OAuth2 tokens come from when the runtime fetches them (the host does not).
    #[cfg_attr(not(feature = "oauth2"), allow(dead_code))]
    tokens: Option<Result<TokenSource, NodeError>>,
}

/// How one call reaches the service: credentials, base URL override, retry policy, pace.
pub(crate) struct Reach<'a> {
    pub credentials: Option<&'a Values>,
    pub base_url: Option<&'a str>,
    pub retry: RetryPolicy,
    pub pace: &'a Pace<'a>,
}

impl<'a> Reach<'a> {
    /// A call that is not an execution (a picker's page, a poll): the retry defaults.
    pub(crate) fn single(credentials: Option<&'a Values>, base_url: Option<&'a str>, pace: &'a Pace<'a>) -> Self {
        Reach { credentials, base_url, retry: RetryPolicy::default(), pace }
    }
}

impl<'a> Session<'a> {
    pub(crate) fn open(
        registry: &'a Registry,
        node: &str,
        reach: Reach<'a>,
        host: &'a dyn Host,
    ) -> Result<Self, NodeError> {
        static NO_VALUES: std::sync::OnceLock<Values> = std::sync::OnceLock::new();
        let node = registry.node(node).ok_or_else(|| NodeError::input(format!("Unknown node \"{node}\"")))?;
        let values = reach.credentials.unwrap_or_else(|| NO_VALUES.get_or_init(Values::new));
        let credential = node.credential.and_then(|name| registry.credential(name));
        let auth = match credential {
            Some(credential) if reach.credentials.is_some() => Some(Auth {
                credential_type: credential.name.to_string(),
                headers: credential.checked_headers(values)?,
            }),
            _ => None,
        };
        let base_url = base_url(node, credential, values, reach.base_url);
        let tokens = match (credential, &auth) {
            (Some(credential), Some(_)) if credential.oauth2.is_some() && !host.fetches_tokens() => {
                // A module built for n8n leaves the token code out (n8n fetches tokens itself); a host
                // that does not would send every request without one.
                if !cfg!(feature = "oauth2") {
                    return Err(NodeError::input(format!(
                        "\"{}\" needs an OAuth2 token, which this build leaves to its host: run it in n8n, or use the plain-JS library, which fetches tokens itself",
                        credential.display_name
                    )));
                }
                credential.oauth2.as_ref().map(|grant| {
                    let base = base_url.as_ref().map_err(Clone::clone)?;
                    TokenSource::new(credential, grant, values, base)
                })
            }
            _ => None,
        };
        Ok(Session { node, host, base_url, auth, retry: reach.retry, pace: reach.pace, credential, values, tokens })
    }

    /// Whether the caller gave a credential.
    pub(crate) fn authenticated(&self) -> bool {
        self.auth.is_some()
    }
}

/// Every value of the caller's credential that must never be shown.
pub(crate) fn secrets_of(registry: &Registry, node: &str, credentials: Option<&Values>) -> Vec<String> {
    match (registry.credential_of(node), credentials) {
        (Some(credential), Some(values)) => credential.secrets(values),
        _ => Vec::new(),
    }
}

pub(crate) fn base_url(
    node: &Node,
    credential: Option<&Credential>,
    values: &Values,
    given: Option<&str>,
) -> Result<String, NodeError> {
    let url = given
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .or_else(|| credential.and_then(|c| c.base_url(values)))
        .or(node.default_base_url)
        .ok_or_else(|| NodeError::input("No base URL: set one on the credential"))?;
    // `http://` alone or `https:///x` would leave the host to each client's own guess.
    if !(url.starts_with("http://") || url.starts_with("https://")) || crate::url::origin(url).is_none() {
        return Err(NodeError::input(format!(
            "The base URL must be an http:// or https:// address with a host, got \"{url}\""
        )));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// One item's limits, the time it has left, and what it has done so far.
pub(crate) struct Budget {
    pub limits: Limits,
    deadline: Cell<Deadline>,
    /// A request of this item went out (so stopping the run must let the item finish).
    pub sent: Cell<bool>,
    /// A request that is not safe to repeat succeeded: a side effect happened.
    pub effect: Cell<bool>,
}

impl Budget {
    /// The item's time counts from now.
    pub(crate) fn new(host: &dyn Host, limits: Limits) -> Self {
        Budget {
            limits,
            deadline: Cell::new(Deadline::start(host, limits.item_timeout_ms)),
            sent: Cell::new(false),
            effect: Cell::new(false),
        }
    }

    pub(crate) fn deadline(&self) -> Deadline {
        self.deadline.get()
    }

    /// A wait the user asked for (until an order is ready) adds its own maximum.
    pub(crate) fn extend(&self, ms: u64) {
        self.deadline.set(self.deadline.get().extended(ms));
    }
}

impl Session<'_> {
    /// A multipart body's file parts name binary properties of the input item (checked to exist when
    /// the item was prepared); their contents are read from the host only now, just before sending.
    pub(crate) async fn load_files(&self, mut plan: Plan, item: usize) -> Result<Plan, NodeError> {
        let Plan::Call { request, .. } = &mut plan else { return Ok(plan) };
        let (Encoding::Multipart { files }, Some(body)) = (&request.encoding, &request.body) else { return Ok(plan) };
        let wanted: Vec<(String, String)> =
            files.iter().filter_map(|field| Some((field.clone(), body.get(field)?.as_str()?.to_string()))).collect();
        for (field, property) in wanted {
            let file = self.host.binary(item, &property).await.map_err(|why| {
                NodeError::input(format!("The binary property \"{property}\" of item {item} could not be read: {why}"))
            })?;
            request.files.push((field, file));
        }
        Ok(plan)
    }

    /// Sends and reads the JSON answer; for a request that is not safe to repeat, also says what it
    /// was (`POST /api/orders`), since its success is a side effect that happened.
    pub(crate) async fn send_json(
        &self,
        request: &Request,
        budget: &Budget,
    ) -> Result<(Option<String>, Value), NodeError> {
        let response = self.send(request, budget).await?;
        let effect = (!request.method.is_idempotent()).then(|| format!("{} {}", request.method.as_str(), request.path));
        match (response.json(), effect) {
            (Ok(answer), effect) => Ok((effect, answer)),
            (Err(error), Some(what)) => Err(error.after_side_effect(&what, Value::String(snippet(&response.text())))),
            (Err(error), None) => Err(error),
        }
    }

    /// Sends with retries; a non-2xx answer becomes an error in the vendor's own words.
    pub(crate) async fn send(&self, request: &Request, budget: &Budget) -> Result<Response, NodeError> {
        #[cfg(not(feature = "oauth2"))]
        let outgoing = self.outgoing(request, budget)?;
        #[cfg(feature = "oauth2")]
        let (outgoing, token) = self.authorized(request, budget).await?;
        #[cfg_attr(not(feature = "oauth2"), allow(unused_mut))]
        let mut answer =
            retry::send(self.host, &outgoing, &self.retry, &budget.deadline(), self.pace, &budget.sent).await?;
        // A refused token (revoked, or expired early) is replaced once; the request was not carried
        // out, so sending it again repeats nothing.
        #[cfg(feature = "oauth2")]
        if let (401, Some(token), Some(Ok(source))) = (answer.response.status, &token, &self.tokens) {
            source.forget(token);
            let (outgoing, _) = self.authorized(request, budget).await?;
            answer =
                retry::send(self.host, &outgoing, &self.retry, &budget.deadline(), self.pace, &budget.sent).await?;
        }
        let outgoing = &outgoing;
        let retry::Answer { response, gave_up } = answer;
        // Hosts refuse large answers while they arrive; this holds for any host.
        if response.body.len() as u64 > outgoing.max_response_bytes {
            return Err(failure_error(&Failure::new(Cause::TooLarge, ""), outgoing));
        }
        if response.is_success() {
            if !request.method.is_idempotent() {
                budget.effect.set(true);
            }
            return Ok(response);
        }
        let vendor = (self.node.vendor_error)(&response);
        let message = if vendor.message.is_empty() {
            format!("The service answered HTTP {}", response.status)
        } else {
            vendor.message
        };
        let description = vendor.description.unwrap_or_else(|| snippet(&response.text()));
        let error = NodeError::api(message).with_description(description).with_http_code(response.status);
        Err(match gave_up {
            Some(note) => error.noting(&note),
            None => error,
        })
    }

    /// The request as the host sends it, with the OAuth2 token the runtime fetched, if it fetches them.
    #[cfg(feature = "oauth2")]
    async fn authorized(&self, request: &Request, budget: &Budget) -> Result<(Outgoing, Option<Rc<str>>), NodeError> {
        let mut outgoing = self.outgoing(request, budget)?;
        let Some(source) = &self.tokens else { return Ok((outgoing, None)) };
        let source = source.as_ref().map_err(Clone::clone)?;
        let token = source.token(self.host, &self.retry, self.pace).await?;
        if let Some(auth) = &mut outgoing.auth {
            auth.headers.push(("authorization".into(), format!("Bearer {token}")));
        }
        Ok((outgoing, Some(token)))
    }

    /// The request as the host sends it: checked headers, encoded body, absolute URL, the item's limits.
    fn outgoing(&self, request: &Request, budget: &Budget) -> Result<Outgoing, NodeError> {
        for (name, value) in &request.headers {
            if !is_header_name(name) {
                return Err(NodeError::input(format!("The header name \"{name}\" cannot be sent")));
            }
            if let Some((_, problem)) = header_problem(value) {
                return Err(NodeError::input(format!(
                    "The header \"{name}\" contains {problem}, which cannot be sent in an HTTP header"
                )));
            }
        }
        let mut headers = Vec::with_capacity(request.headers.len() + 2);
        if !request.headers.iter().any(|(name, _)| name == "accept") {
            headers.push(("accept".to_string(), "application/json".to_string()));
        }
        let body = match &request.body {
            Some(body) => {
                let (bytes, content_type) = request.encoding.encode(body, &request.files)?;
                headers.push(("content-type".to_string(), content_type));
                Some(bytes)
            }
            None => None,
        };
        headers.extend(request.headers.iter().cloned());
        Ok(Outgoing {
            method: request.method,
            url: request.url(self.base_url.as_ref().map_err(Clone::clone)?),
            headers,
            body,
            auth: self.auth.clone(),
            timeout_ms: budget.limits.timeout_ms,
            max_response_bytes: budget.limits.max_response_bytes,
        })
    }
}
